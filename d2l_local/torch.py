"""The book's helpers for PyTorch: ``from d2l_local import torch as d2l``.

``d2l_local.mxnet`` offers the same names with the same behaviour.
"""
import functools
import random
import types

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import data
from .shared import (LENET5_C3_TABLE, Accumulator, Animator, Timer, TrainResult, check_batch_size,
                     check_corr2d_shapes, check_finite_loss, check_pool2d_args, get_fashion_mnist_labels,
                     lenet5_prototypes, lenet5_uniform, note_cpu_fallback, plot, seed_offset, set_axes,
                     set_figsize, show_images, use_all_cpu_cores, use_svg_display)

__all__ = ['Accumulator', 'Animator', 'Timer', 'TrainResult', 'accuracy', 'corr2d',
           'evaluate_accuracy_gpu', 'get_fashion_mnist_labels', 'load_data_fashion_mnist',
           'LeNet', 'num_gpus', 'plot', 'pool2d', 'seed', 'set_axes', 'set_figsize', 'show_images', 'train_ch5',
           'train_ch6', 'try_all_gpus', 'try_gpu', 'use_svg_display',
           'EuclideanRBF', 'LeNet5', 'MaskedConv2d', 'Subsampling', 'lenet5_input', 'lenet5_prototypes',
           'lenet5_squash', 'lenet5_uniform', 'map_loss', 'parameter_counts',
           'evaluate_accuracy_with', 'train_lenet5', 'lenet_relu', 'feature_maps', 'shift']

use_all_cpu_cores()


def seed(n):
    """Seed Python, NumPy and PyTorch with n + $D2L_SEED_OFFSET, so that a run can be repeated exactly."""
    n += seed_offset()
    random.seed(n)
    np.random.seed(n)
    torch.manual_seed(n)


def _gpu_type():
    """'cuda' for NVIDIA GPUs, else 'mps' for an Apple GPU, else None."""
    if torch.cuda.is_available():
        return 'cuda'
    mps = getattr(torch.backends, 'mps', None)
    if mps is not None and mps.is_available():
        return 'mps'
    return None


def num_gpus():
    """The number of GPUs PyTorch can use: CUDA GPUs, or else 1 for an Apple GPU (MPS)."""
    kind = _gpu_type()
    return torch.cuda.device_count() if kind == 'cuda' else int(kind == 'mps')


def try_gpu(i=0):
    """Return GPU ``i`` (CUDA, or else Apple's MPS) if there is one, otherwise the CPU (and say so, once)."""
    count = num_gpus()
    if count == 0:
        note_cpu_fallback('PyTorch')
        return torch.device('cpu')
    if not 0 <= i < count:
        raise ValueError(f'try_gpu({i}): this machine has {count} GPU(s), numbered 0 to {count - 1}. '
                         f'Pass an index below {count}, or use try_all_gpus().')
    return torch.device(f'{_gpu_type()}:{i}')


def try_all_gpus():
    """Return all available GPUs, or ``[cpu]`` if there is none."""
    return [torch.device(f'{_gpu_type()}:{i}') for i in range(num_gpus())] or [try_gpu()]


def corr2d(X, K):
    """Two-dimensional cross-correlation of the array X with the kernel K."""
    check_corr2d_shapes(X.shape, K.shape)
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1),
                    dtype=torch.promote_types(X.dtype, K.dtype), device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def pool2d(X, pool_size, mode='max', stride=1):
    """Max or average pooling of the 2-D array X with a pool_size window moved by stride."""
    (h, w), (sh, sw) = check_pool2d_args(X.shape, pool_size, stride, mode)
    Y = torch.zeros(((X.shape[0] - h) // sh + 1, (X.shape[1] - w) // sw + 1), dtype=X.dtype, device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i * sh:i * sh + h, j * sw:j * sw + w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y


def accuracy(y_hat, y):
    """The number of correct predictions, as a float."""
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    return float((y_hat.type(y.dtype) == y).sum())


def on_device(data_iter, device):
    """Serve the batches from ``device`` memory when the iterator can hold its data there."""
    return data_iter.to(device) if isinstance(data_iter, data.Batches) else data_iter


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """The accuracy of ``net`` on ``data_iter``, computed on the device holding its parameters."""
    if device is None:
        device = _parameter_device(net)
    was_training = net.training
    net.eval()
    correct, total = torch.zeros((), device=device), 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                X, y = X.to(device), y.to(device)
                correct += (net(X).argmax(dim=1) == y).sum()
                total += y.numel()
    finally:
        net.train(was_training)
    if total == 0:
        raise ValueError('evaluate_accuracy_gpu: data_iter yielded no examples, so there is no '
                         'accuracy to report. Check that the dataset is not empty.')
    return correct.item() / total


def _parameter_device(net):
    parameter = next(net.parameters(), None)
    if parameter is None:
        raise ValueError(f'{type(net).__name__} has no parameters to find its device from; '
                         f'pass device= explicitly.')
    return parameter.device


def LeNet():
    """The chapter's LeNet: two sigmoid convolution blocks with average pooling, three dense layers."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def train_ch5(net, train_iter, test_iter, num_epochs, lr, device=None):
    """Train a classifier with minibatch SGD on a GPU if there is one, plotting as it learns."""
    def init_weights(module):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)

    device = device or try_gpu()
    net.apply(init_weights)
    net.to(device)
    train_iter, test_iter = on_device(train_iter, device), on_device(test_iter, device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs],
                        legend=['train loss', 'train acc', 'test acc'])
    timer, num_batches = Timer(), len(train_iter)
    plot_every = max(1, num_batches // 5)  # a few points per epoch
    for epoch in range(num_epochs):
        net.train()
        # Sums stay on the device: reading them forces a wait, so it happens only per plot point.
        loss_sum, correct, seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
        timer.start()
        for i, (X, y) in enumerate(train_iter):
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            loss_sum += l.detach() * len(y)
            correct += (y_hat.argmax(dim=1) == y).sum()
            seen += len(y)
            if (i + 1) % plot_every == 0 and i + 1 < num_batches:
                train_loss, train_acc = loss_sum.item() / seen, correct.item() / seen
                check_finite_loss(train_loss, epoch, i, num_batches, lr)
                animator.add(epoch + (i + 1) / num_batches, (train_loss, train_acc, None))
        train_loss, train_acc = loss_sum.item() / seen, correct.item() / seen
        timer.stop()
        check_finite_loss(train_loss, epoch, num_batches - 1, num_batches, lr)
        test_acc = evaluate_accuracy_gpu(net, test_iter, device)
        animator.add(epoch + 1, (train_loss, train_acc, test_acc))
    result = TrainResult(train_loss, train_acc, test_acc, seen * num_epochs / timer.sum(),
                         str(device), num_epochs)
    print(result)
    return result


train_ch6 = train_ch5  # the name used by the d2l package


# How data.Batches makes index arrays and moves data, in PyTorch.
ARRAY_OPS = types.SimpleNamespace(index=lambda order, like: torch.from_numpy(order).to(like.device),
                                  move=lambda array, device: array.to(device))


@functools.lru_cache(maxsize=None)
def _fashion_mnist_tensors():
    """Images as float32 (N, 1, 28, 28) in [0, 1] and labels as int64, converted once per process."""
    arrays = data.load_arrays()
    images = {split: torch.from_numpy(arrays[f'{split}_images'].copy()).unsqueeze(1).float() / 255
              for split in ('train', 'test')}
    labels = {split: torch.from_numpy(arrays[f'{split}_labels'].astype(np.int64))
              for split in ('train', 'test')}
    return images, labels


def load_data_fashion_mnist(batch_size, resize=None):
    """Fashion-MNIST as (train, test) iterators of (images, labels) minibatches held in memory."""
    images, labels = data.quick_subset(*_fashion_mnist_tensors())
    check_batch_size(batch_size, len(labels['train']))
    transform = None
    if resize:
        size = (resize, resize) if isinstance(resize, int) else tuple(resize)
        transform = lambda X: F.interpolate(X, size=size, mode='bilinear', antialias=True)
    return (data.Batches(images['train'], labels['train'], batch_size, True, ARRAY_OPS, transform),
            data.Batches(images['test'], labels['test'], batch_size, False, ARRAY_OPS, transform))


# LeNet-5 as published in 1998 (chapters/lenet5.md).


def lenet5_input(X):
    """Images (N, 1, 28, 28) in [0, 1] as LeNet-5 reads them: 32x32, 0 (background) -> -0.1, 1 -> 1.175."""
    return F.pad(1.275 * X, (2, 2, 2, 2)) - 0.1  # the border becomes -0.1 too


def lenet5_squash(A):
    """LeNet-5's squashing function f(a) = 1.7159 tanh(2a/3), so that f(1) = 1 and f(-1) = -1."""
    return 1.7159 * torch.tanh(2 * A / 3)


def _uniform_parameter(shape, fan_in):
    """A parameter drawn with LeNet-5's fan-in rule."""
    return nn.Parameter(torch.from_numpy(lenet5_uniform(shape, fan_in)))


def _uniform_layer(layer, fan_in):
    """Replace a framework layer's weight and bias by ones drawn with LeNet-5's fan-in rule."""
    layer.weight = _uniform_parameter(layer.weight.shape, fan_in)
    layer.bias = _uniform_parameter(layer.bias.shape, fan_in)
    return layer


class Subsampling(nn.Module):
    """LeNet-5's S2/S4: the sum of each 2x2 block, times a trainable coefficient, plus a bias, per map."""

    def __init__(self, num_maps):
        super().__init__()
        self.weight = _uniform_parameter((num_maps,), 4)  # fan-in: the 4 inputs of the block
        self.bias = _uniform_parameter((num_maps,), 4)

    def forward(self, X):
        # A 2x2 convolution with stride 2, one kernel per map whose four entries all equal its coefficient
        num_maps = self.weight.shape[0]
        kernel = self.weight.reshape(-1, 1, 1, 1).expand(num_maps, 1, 2, 2)
        return F.conv2d(X, kernel, self.bias, stride=2, groups=num_maps)


class MaskedConv2d(nn.Module):
    """A convolution whose output map j reads input map i only where table[i][j]; other weights stay 0."""

    def __init__(self, table, kernel_size):
        super().__init__()
        mask = torch.tensor(table, dtype=torch.float32).T[:, :, None, None]  # (out, in, 1, 1)
        self.register_buffer('mask', mask)  # saved with the model, but not a parameter
        out_channels, in_channels = mask.shape[:2]
        fan_in = mask.sum(dim=(1, 2, 3)).numpy() * kernel_size ** 2  # connected inputs of each output map
        self.weight = _uniform_parameter((out_channels, in_channels, kernel_size, kernel_size), fan_in)
        self.bias = _uniform_parameter((out_channels,), fan_in)
        with torch.no_grad():
            self.weight *= mask  # unconnected weights start at zero ...

    def forward(self, X):
        return F.conv2d(X, self.weight * self.mask, self.bias)  # ... and get zero gradient


class EuclideanRBF(nn.Module):
    """Output i is the squared distance sum_j (x_j - w_ij)^2 to a fixed prototype w_i; nothing to train."""

    def __init__(self, prototypes):
        super().__init__()
        self.register_buffer('prototypes', torch.tensor(prototypes, dtype=torch.float32))

    def forward(self, X):
        W = self.prototypes  # sum_j (x_j - w_ij)^2 = |x|^2 - 2 x.w_i + |w_i|^2
        return (X ** 2).sum(dim=1, keepdim=True) - 2 * X @ W.T + (W ** 2).sum(dim=1)


class LeNet5(nn.Module):
    """LeNet-5 as in LeCun et al. (1998); returns the 10 RBF outputs, the smallest being the prediction."""

    def __init__(self, prototypes=None):
        super().__init__()
        self.C1 = _uniform_layer(nn.Conv2d(1, 6, kernel_size=5), 1 * 5 * 5)
        self.S2 = Subsampling(6)
        self.C3 = MaskedConv2d(LENET5_C3_TABLE, kernel_size=5)
        self.S4 = Subsampling(16)
        self.C5 = _uniform_layer(nn.Conv2d(16, 120, kernel_size=5), 16 * 5 * 5)
        self.F6 = _uniform_layer(nn.Linear(120, 84), 120)
        self.RBF = EuclideanRBF(lenet5_prototypes() if prototypes is None else prototypes)

    def forward(self, X):
        X = lenet5_input(X)
        for layer in (self.C1, self.S2, self.C3, self.S4, self.C5):
            X = lenet5_squash(layer(X))
        X = lenet5_squash(self.F6(X.flatten(start_dim=1)))
        return self.RBF(X)


def map_loss(Y, labels, j=1.0):
    """LeNet-5's MAP criterion (Eq. 9): the batch mean of y_D + log(exp(-j) + sum_i exp(-y_i))."""
    rubbish = torch.full((len(Y), 1), -j, dtype=Y.dtype, device=Y.device)
    log_term = torch.logsumexp(torch.cat([-Y, rubbish], dim=1), dim=1)
    return (Y.gather(1, labels.reshape(-1, 1)).squeeze(1) + log_term).mean()


def parameter_counts(net):
    """Trainable parameters per named layer, in order; weights that a mask fixes at zero do not count."""
    counts = {}
    for name, layer in net.named_children():
        count = sum(p.numel() for p in layer.parameters() if p.requires_grad)
        if hasattr(layer, 'mask'):  # weights that the mask multiplies by 0 are fixed, not free
            count -= int((layer.mask.expand_as(layer.weight) == 0).sum())
        counts[name] = count
    return counts


# Training with Adam and a decaying learning rate (chapters/lenet5.md).

def evaluate_accuracy_with(net, data_iter, predict, device):
    """The fraction of examples whose predicted class, predict(net(X)), equals the label."""
    net.eval()
    correct, total = torch.zeros((), device=device), 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct += (predict(net(X)) == y).sum()
            total += y.numel()
    return correct.item() / total


def train_lenet5(net, train_iter, test_iter, num_epochs, lr, loss_fn, predict, decay=0.7, device=None):
    """Train with Adam, multiplying the learning rate by decay after every epoch; return the figures."""
    device = device or try_gpu()
    net.to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs], ylim=[0.5, 1],
                            legend=['train acc', 'test acc'])
    timer = Timer()
    for epoch in range(num_epochs):
        for group in optimizer.param_groups:
            group['lr'] = lr * decay ** epoch
        net.train()
        loss_sum, correct, seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
        timer.start()
        for X, y in train_iter:
            X, y = X.to(device), y.to(device)
            outputs = net(X)
            l = loss_fn(outputs, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            loss_sum += l.detach() * len(y)
            correct += (predict(outputs) == y).sum()
            seen += len(y)
        train_loss, train_acc = loss_sum.item() / seen, correct.item() / seen  # waits for the device
        timer.stop()
        test_acc = evaluate_accuracy_with(net, test_iter, predict, device)
        animator.add(epoch + 1, (train_acc, test_acc))
    print(f'loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}, '
          f'{timer.avg():.1f} s per epoch on {device}')
    return {'train_loss': train_loss, 'train_acc': train_acc, 'test_acc': test_acc,
            'epoch_seconds': timer.avg(), 'num_epochs': num_epochs}


# Looking inside a trained LeNet (chapters/lenet-sees.md).

def lenet_relu():
    """LeNet with ReLU activations and max pooling; all sizes as in d2l.LeNet()."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def feature_maps(net, X):
    """The feature maps of net for the batch X: each convolution's (after its activation)
    and each pooling layer's, in order."""
    maps = []
    for layer in net:
        if isinstance(layer, nn.Flatten):  # the dense block starts here
            break
        X = layer(X)
        if not isinstance(layer, nn.Conv2d):  # a convolution's map is kept after its activation
            maps.append(X)
    return maps


def shift(X, dy, dx):
    """Move the images X (..., height, width) dy pixels down and dx pixels right (negative: up,
    left). Pixels pushed over the border are lost; zeros move in from the other side."""
    h, w = X.shape[-2:]
    Y = torch.zeros_like(X)
    if abs(dy) < h and abs(dx) < w:
        Y[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            X[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return Y
