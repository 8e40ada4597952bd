"""The book's helpers for MXNet: ``from d2l_local import mxnet as d2l``.

``d2l_local.torch`` offers the same names with the same behaviour.
"""
import functools
import random
import types

import numpy as onp

from ._numpy_compat import restore_numpy_names

restore_numpy_names()  # before mxnet is imported: it reads names that NumPy >= 1.24 removed

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, init, np, npx  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

from . import data  # noqa: E402
from .shared import (LENET5_C3_TABLE, Accumulator, Animator, Timer, TrainResult,  # noqa: E402
                     check_batch_size, check_corr2d_shapes, check_finite_loss, check_pool2d_args,
                     get_fashion_mnist_labels, lenet5_prototypes, lenet5_uniform, note_cpu_fallback, plot,
                     seed_offset, set_axes, set_figsize, show_images, use_all_cpu_cores, use_svg_display)

__all__ = ['Accumulator', 'Animator', 'Timer', 'TrainResult', 'accuracy', 'corr2d',
           'evaluate_accuracy_gpu', 'get_fashion_mnist_labels', 'load_data_fashion_mnist',
           'LeNet', 'num_gpus', 'plot', 'pool2d', 'seed', 'set_axes', 'set_figsize', 'show_images', 'train_ch5',
           'train_ch6', 'try_all_gpus', 'try_gpu', 'use_svg_display',
           'EuclideanRBF', 'LeNet5', 'MaskedConv2d', 'Subsampling', 'lenet5_input', 'lenet5_prototypes',
           'lenet5_squash', 'lenet5_uniform', 'map_loss', 'parameter_counts',
           'evaluate_accuracy_with', 'train_lenet5', 'lenet_relu', 'feature_maps', 'shift']

npx.set_np()  # MXNet's NumPy interface, as in the d2l package
use_all_cpu_cores()


def seed(n):
    """Seed Python, NumPy and MXNet with n + $D2L_SEED_OFFSET, so that a run can be repeated exactly."""
    n += seed_offset()
    random.seed(n)
    onp.random.seed(n)
    mx.random.seed(n)


def num_gpus():
    """The number of GPUs MXNet can use (0 with a CPU-only build)."""
    try:
        return mx.context.num_gpus()
    except mx.base.MXNetError:  # a CUDA build on a machine without a usable driver
        return 0


def try_gpu(i=0):
    """Return GPU ``i`` if there is one, otherwise the CPU (and say so, once)."""
    count = num_gpus()
    if count == 0:
        note_cpu_fallback('MXNet')
        return mx.cpu()
    if not 0 <= i < count:
        raise ValueError(f'try_gpu({i}): this machine has {count} GPU(s), numbered 0 to {count - 1}. '
                         f'Pass an index below {count}, or use try_all_gpus().')
    return mx.gpu(i)


def try_all_gpus():
    """Return all available GPUs, or ``[cpu()]`` if there is none."""
    return [mx.gpu(i) for i in range(num_gpus())] or [try_gpu()]


def corr2d(X, K):
    """Two-dimensional cross-correlation of the array X with the kernel K."""
    check_corr2d_shapes(X.shape, K.shape)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), ctx=X.ctx)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def pool2d(X, pool_size, mode='max', stride=1):
    """Max or average pooling of the 2-D array X with a pool_size window moved by stride."""
    (h, w), (sh, sw) = check_pool2d_args(X.shape, pool_size, stride, mode)
    Y = np.zeros(((X.shape[0] - h) // sh + 1, (X.shape[1] - w) // sw + 1), ctx=X.ctx)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i * sh:i * sh + h, j * sw:j * sw + w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y


def accuracy(y_hat, y):
    """The number of correct predictions, as a float."""
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return float((y_hat.astype(y.dtype) == y).sum())


def on_device(data_iter, device):
    """Serve the batches from ``device`` memory when the iterator can hold its data there."""
    return data_iter.to(device) if isinstance(data_iter, data.Batches) else data_iter


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """The accuracy of ``net`` on ``data_iter``, computed on the device holding its parameters."""
    if device is None:
        device = _parameter_device(net)
    correct, total = np.zeros(1, ctx=device), 0
    with autograd.predict_mode():  # dropout and batch norm in inference mode; nothing recorded
        for X, y in data_iter:
            X, y = X.as_in_ctx(device), y.as_in_ctx(device)
            correct += (net(X).argmax(axis=1).astype(y.dtype) == y).sum()
            total += y.size
    if total == 0:
        raise ValueError('evaluate_accuracy_gpu: data_iter yielded no examples, so there is no '
                         'accuracy to report. Check that the dataset is not empty.')
    return correct.item() / total


def _parameter_device(net):
    parameters = list(net.collect_params().values())
    if not parameters:
        raise ValueError(f'{type(net).__name__} has no parameters to find its device from; '
                         f'pass device= explicitly.')
    return parameters[0].list_ctx()[0]


def LeNet():
    """The chapter's LeNet: two sigmoid convolution blocks with average pooling, three dense layers."""
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Conv2D(6, kernel_size=5, padding=2, activation='sigmoid'),
            gluon.nn.AvgPool2D(pool_size=2, strides=2),
            gluon.nn.Conv2D(16, kernel_size=5, activation='sigmoid'),
            gluon.nn.AvgPool2D(pool_size=2, strides=2),
            gluon.nn.Dense(120, activation='sigmoid'),
            gluon.nn.Dense(84, activation='sigmoid'),
            gluon.nn.Dense(10))
    return net


def train_ch5(net, train_iter, test_iter, num_epochs, lr, device=None):
    """Train a classifier with minibatch SGD on a GPU if there is one, plotting as it learns."""
    device = device or try_gpu()
    net.initialize(init.Xavier(), ctx=device, force_reinit=True)
    train_iter, test_iter = on_device(train_iter, device), on_device(test_iter, device)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs],
                        legend=['train loss', 'train acc', 'test acc'])
    timer, num_batches = Timer(), len(train_iter)
    plot_every = max(1, num_batches // 5)  # a few points per epoch
    for epoch in range(num_epochs):
        # Sums stay on the device: reading them forces a wait, so it happens only per plot point.
        loss_sum, correct, seen = np.zeros(1, ctx=device), np.zeros(1, ctx=device), 0
        timer.start()
        for i, (X, y) in enumerate(train_iter):
            X, y = X.as_in_ctx(device), y.as_in_ctx(device)
            with autograd.record():
                y_hat = net(X)
                l = loss(y_hat, y)
            l.backward()
            trainer.step(len(y))  # the gradient is of the summed loss, so divide by the batch size
            loss_sum += l.sum()
            correct += (y_hat.argmax(axis=1).astype(y.dtype) == y).sum()
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


# How data.Batches makes index arrays and moves data, in MXNet.
ARRAY_OPS = types.SimpleNamespace(index=lambda order, like: np.array(order, dtype='int64', ctx=like.ctx),
                                  move=lambda array, device: array.as_in_ctx(device))


@functools.lru_cache(maxsize=None)
def _fashion_mnist_arrays():
    """Images as float32 (N, 1, 28, 28) in [0, 1] and labels as int32, converted once per process."""
    arrays = data.load_arrays()
    images = {split: np.array(arrays[f'{split}_images'][:, None], dtype='float32') / 255
              for split in ('train', 'test')}
    labels = {split: np.array(arrays[f'{split}_labels'], dtype='int32')
              for split in ('train', 'test')}
    return images, labels


def load_data_fashion_mnist(batch_size, resize=None):
    """Fashion-MNIST as (train, test) iterators of (images, labels) minibatches held in memory."""
    images, labels = data.quick_subset(*_fashion_mnist_arrays())
    check_batch_size(batch_size, len(labels['train']))
    transform = None
    if resize:
        height, width = (resize, resize) if isinstance(resize, int) else resize
        transform = lambda X: mx.nd.contrib.BilinearResize2D(
            X.as_nd_ndarray(), height=height, width=width).as_np_ndarray()
    return (data.Batches(images['train'], labels['train'], batch_size, True, ARRAY_OPS, transform),
            data.Batches(images['test'], labels['test'], batch_size, False, ARRAY_OPS, transform))


# LeNet-5 as published in 1998 (chapters/lenet5.md).


def lenet5_input(X):
    """Images (N, 1, 28, 28) in [0, 1] as LeNet-5 reads them: 32x32, 0 (background) -> -0.1, 1 -> 1.175."""
    return np.pad(1.275 * X, ((0, 0), (0, 0), (2, 2), (2, 2))) - 0.1  # the border becomes -0.1 too


def lenet5_squash(A):
    """LeNet-5's squashing function f(a) = 1.7159 tanh(2a/3), so that f(1) = 1 and f(-1) = -1."""
    return 1.7159 * npx.activation(2 * A / 3, act_type='tanh')


def _uniform_init(shape, fan_in):
    """An initializer that sets a parameter to values drawn with LeNet-5's fan-in rule."""
    return init.Constant(lenet5_uniform(shape, fan_in))


class Subsampling(gluon.Block):
    """LeNet-5's S2/S4: the sum of each 2x2 block, times a trainable coefficient, plus a bias, per map."""

    def __init__(self, num_maps):
        super().__init__()
        self.weight = self.params.get('weight', shape=(num_maps,), init=_uniform_init((num_maps,), 4))
        self.bias = self.params.get('bias', shape=(num_maps,), init=_uniform_init((num_maps,), 4))

    def forward(self, X):
        # A 2x2 convolution with stride 2, one kernel per map whose four entries all equal its coefficient
        num_maps = self.weight.shape[0]
        kernel = np.broadcast_to(self.weight.data(X.ctx).reshape(-1, 1, 1, 1), (num_maps, 1, 2, 2))
        return npx.convolution(X, kernel, self.bias.data(X.ctx), kernel=(2, 2), stride=(2, 2),
                               num_filter=num_maps, num_group=num_maps)


class MaskedConv2d(gluon.Block):
    """A convolution whose output map j reads input map i only where table[i][j]; other weights stay 0."""

    def __init__(self, table, kernel_size):
        super().__init__()
        mask = onp.array(table, dtype='float32').T[:, :, None, None]  # (out, in, 1, 1)
        self.mask = self.params.get_constant('mask', mask)  # saved with the model, but not trained
        out_channels, in_channels = mask.shape[:2]
        fan_in = mask.sum(axis=(1, 2, 3)) * kernel_size ** 2  # connected inputs of each output map
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = self.params.get('weight', shape=shape,  # unconnected weights start at zero ...
                                      init=init.Constant(lenet5_uniform(shape, fan_in) * mask))
        self.bias = self.params.get('bias', shape=(out_channels,),
                                    init=_uniform_init((out_channels,), fan_in))

    def forward(self, X):
        weight = self.weight.data(X.ctx) * self.mask.data(X.ctx)  # ... and get zero gradient
        return npx.convolution(X, weight, self.bias.data(X.ctx), kernel=weight.shape[2:],
                               num_filter=weight.shape[0])


class EuclideanRBF(gluon.Block):
    """Output i is the squared distance sum_j (x_j - w_ij)^2 to a fixed prototype w_i; nothing to train."""

    def __init__(self, prototypes):
        super().__init__()
        self.prototypes = self.params.get_constant('prototypes', onp.array(prototypes, dtype='float32'))

    def forward(self, X):
        W = self.prototypes.data(X.ctx)  # sum_j (x_j - w_ij)^2 = |x|^2 - 2 x.w_i + |w_i|^2
        return (X ** 2).sum(axis=1, keepdims=True) - 2 * np.dot(X, W.T) + (W ** 2).sum(axis=1)


class LeNet5(gluon.Block):
    """LeNet-5 as in LeCun et al. (1998); returns the 10 RBF outputs, the smallest being the prediction."""

    def __init__(self, prototypes=None):
        super().__init__()
        self.C1 = gluon.nn.Conv2D(6, kernel_size=5, in_channels=1, weight_initializer=_uniform_init(
            (6, 1, 5, 5), 1 * 5 * 5), bias_initializer=_uniform_init((6,), 1 * 5 * 5))
        self.S2 = Subsampling(6)
        self.C3 = MaskedConv2d(LENET5_C3_TABLE, kernel_size=5)
        self.S4 = Subsampling(16)
        self.C5 = gluon.nn.Conv2D(120, kernel_size=5, in_channels=16, weight_initializer=_uniform_init(
            (120, 16, 5, 5), 16 * 5 * 5), bias_initializer=_uniform_init((120,), 16 * 5 * 5))
        self.F6 = gluon.nn.Dense(84, in_units=120, weight_initializer=_uniform_init((84, 120), 120),
                                 bias_initializer=_uniform_init((84,), 120))
        self.RBF = EuclideanRBF(lenet5_prototypes() if prototypes is None else prototypes)

    def forward(self, X):
        X = lenet5_input(X)
        for layer in (self.C1, self.S2, self.C3, self.S4, self.C5):
            X = lenet5_squash(layer(X))
        X = lenet5_squash(self.F6(X))  # Dense flattens its (N, 120, 1, 1) input
        return self.RBF(X)


def map_loss(Y, labels, j=1.0):
    """LeNet-5's MAP criterion (Eq. 9): the batch mean of y_D + log(exp(-j) + sum_i exp(-y_i))."""
    Z = np.concatenate([-Y, np.full((len(Y), 1), -j, ctx=Y.ctx)], axis=1)
    top = Z.max(axis=1, keepdims=True)  # log-sum-exp, shifted so that exp cannot overflow
    log_term = (top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))).squeeze(axis=1)
    return (npx.pick(Y, labels, axis=1) + log_term).mean()


def parameter_counts(net):
    """Trainable parameters per named layer, in order; weights that a mask fixes at zero do not count."""
    counts = {}
    for name, layer in net._children.items():
        count = sum(p.data().size for p in layer.collect_params().values() if p.grad_req != 'null')
        if hasattr(layer, 'mask'):  # weights that the mask multiplies by 0 are fixed, not free
            count -= int((np.broadcast_to(layer.mask.data(), layer.weight.shape) == 0).sum())
        counts[name] = count
    return counts


# Training with Adam and a decaying learning rate (chapters/lenet5.md).

def evaluate_accuracy_with(net, data_iter, predict, device):
    """The fraction of examples whose predicted class, predict(net(X)), equals the label."""
    correct, total = np.zeros(1, ctx=device), 0
    with autograd.predict_mode():
        for X, y in data_iter:
            X, y = X.as_in_ctx(device), y.as_in_ctx(device)
            correct += (predict(net(X)).astype(y.dtype) == y).sum()
            total += y.size
    return correct.item() / total


def train_lenet5(net, train_iter, test_iter, num_epochs, lr, loss_fn, predict, decay=0.7, device=None):
    """Train with Adam, multiplying the learning rate by decay after every epoch; return the figures."""
    device = device or try_gpu()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': lr})
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs], ylim=[0.5, 1],
                            legend=['train acc', 'test acc'])
    timer = Timer()
    for epoch in range(num_epochs):
        trainer.set_learning_rate(lr * decay ** epoch)
        loss_sum, correct, seen = np.zeros(1, ctx=device), np.zeros(1, ctx=device), 0
        timer.start()
        for X, y in train_iter:
            X, y = X.as_in_ctx(device), y.as_in_ctx(device)
            with autograd.record():
                outputs = net(X)
                l = loss_fn(outputs, y)
            l.backward()
            trainer.step(1)  # l is already the batch mean
            loss_sum += l * len(y)
            correct += (predict(outputs).astype(y.dtype) == y).sum()
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
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation='relu'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5, activation='relu'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120, activation='relu'),
            nn.Dense(84, activation='relu'),
            nn.Dense(10))
    return net


def feature_maps(net, X):
    """The feature maps of net for the batch X: each convolution's (after its activation)
    and each pooling layer's, in order."""
    maps = []
    for layer in net:
        if isinstance(layer, nn.Dense):  # the dense block starts here
            break
        X = layer(X)  # a Conv2D layer applies its activation itself
        maps.append(X)
    return maps


def shift(X, dy, dx):
    """Move the images X (..., height, width) dy pixels down and dx pixels right (negative: up,
    left). Pixels pushed over the border are lost; zeros move in from the other side."""
    h, w = X.shape[-2:]
    Y = np.zeros_like(X)
    if abs(dy) < h and abs(dx) < w:
        Y[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            X[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return Y
