"""LeNet-5 as published in 1998 (chapters/lenet5.md), and its training loop."""
import numpy as onp
from mxnet import autograd, gluon, init, np, npx

from ..shared import LENET5_C3_TABLE, Animator, Timer, lenet5_prototypes, lenet5_uniform
from .core import evaluate_accuracy_gpu, try_gpu


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
        test_acc = evaluate_accuracy_gpu(net, test_iter, device, predict=predict)
        animator.add(epoch + 1, (train_acc, test_acc))
    print(f'loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}, '
          f'{timer.avg():.1f} s per epoch on {device}')
    return {'train_loss': train_loss, 'train_acc': train_acc, 'test_acc': test_acc,
            'epoch_seconds': timer.avg(), 'num_epochs': num_epochs}
