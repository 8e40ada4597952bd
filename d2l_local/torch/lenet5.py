"""LeNet-5 as published in 1998 (chapters/lenet5.md), and its training loop."""
import torch
from torch import nn
from torch.nn import functional as F

from ..shared import LENET5_C3_TABLE, Animator, Timer, lenet5_prototypes, lenet5_uniform
from .core import evaluate_accuracy_gpu, try_gpu


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
        test_acc = evaluate_accuracy_gpu(net, test_iter, device, predict=predict)
        animator.add(epoch + 1, (train_acc, test_acc))
    print(f'loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}, '
          f'{timer.avg():.1f} s per epoch on {device}')
    return {'train_loss': train_loss, 'train_acc': train_acc, 'test_acc': test_acc,
            'epoch_seconds': timer.avg(), 'num_epochs': num_epochs}
