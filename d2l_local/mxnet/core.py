"""Devices, seeding, accuracy and ``train_ch5``: what every MXNet section uses."""
import random

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init, np

from .. import data
from ..shared import (Animator, Timer, TrainResult, check_finite_loss, note_cpu_fallback, seed_offset,
                      use_all_cpu_cores)

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


def accuracy(y_hat, y):
    """The number of correct predictions, as a float."""
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return float((y_hat.astype(y.dtype) == y).sum())


def on_device(data_iter, device):
    """Serve the batches from ``device`` memory when the iterator can hold its data there."""
    return data_iter.to(device) if isinstance(data_iter, data.Batches) else data_iter


def evaluate_accuracy_gpu(net, data_iter, device=None, predict=None):
    """The accuracy of ``net`` on ``data_iter``, computed on the device holding its parameters.

    ``predict`` turns the network's outputs into classes; by default the largest output wins."""
    if device is None:
        device = _parameter_device(net)
    predict = predict or (lambda Y_hat: Y_hat.argmax(axis=1))
    correct, total = np.zeros(1, ctx=device), 0
    with autograd.predict_mode():  # dropout and batch norm in inference mode; nothing recorded
        for X, y in data_iter:
            X, y = X.as_in_ctx(device), y.as_in_ctx(device)
            correct += (predict(net(X)).astype(y.dtype) == y).sum()
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
