"""train_ch5 against a bare training loop of the same model on the same batches, per framework.

Both sides run in one process, alternately, so that drift of a shared machine hits both.
"""
import contextlib
import io
import statistics
import time

from d2l_local import data


def framework_module(framework):
    if framework == 'torch':
        from d2l_local import torch as d2l
    else:
        from d2l_local import mxnet as d2l
    return d2l


def subset(d2l, batches, num_examples):
    """The first ``num_examples`` of an iterator from load_data_fashion_mnist, same batch size."""
    return data.Batches(batches.features[:num_examples], batches.labels[:num_examples],
                        batches.batch_size, batches.shuffle, d2l.ARRAY_OPS)


def bare_loop(framework, net, train_iter, num_epochs, lr, device):
    """Minibatch SGD with nothing else: no metrics, no plotting, no evaluation. Returns examples/sec."""
    d2l = framework_module(framework)
    train_iter = d2l.on_device(train_iter, device)
    seen = 0
    if framework == 'torch':
        import torch
        net.to(device)
        optimizer, loss = torch.optim.SGD(net.parameters(), lr=lr), torch.nn.CrossEntropyLoss()
        start = time.perf_counter()
        for _ in range(num_epochs):
            for X, y in train_iter:
                X, y = X.to(device), y.to(device)
                l = loss(net(X), y)
                optimizer.zero_grad()
                l.backward()
                optimizer.step()
                seen += len(y)
        if device.type == 'cuda':
            torch.cuda.synchronize()
    else:
        from mxnet import autograd, gluon, init, npx
        net.initialize(init.Xavier(), ctx=device, force_reinit=True)
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        start = time.perf_counter()
        for _ in range(num_epochs):
            for X, y in train_iter:
                X, y = X.as_in_ctx(device), y.as_in_ctx(device)
                with autograd.record():
                    l = loss(net(X), y)
                l.backward()
                trainer.step(len(y))
                seen += len(y)
        npx.waitall()
    return seen / (time.perf_counter() - start)


def train_ch5_throughput(framework, net, train_iter, test_iter, num_epochs, lr, device):
    """examples/sec as train_ch5 reports it (its training time, metrics and plotting included)."""
    d2l = framework_module(framework)
    with contextlib.redirect_stdout(io.StringIO()):
        return d2l.train_ch5(net, train_iter, test_iter, num_epochs, lr, device).examples_per_sec


def compare(framework, num_examples=60000, num_epochs=1, repeats=3, batch_size=256, device=None):
    """Median throughput of train_ch5 and of the bare loop, alternating; and their ratio."""
    d2l = framework_module(framework)
    device = device or d2l.try_gpu()
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    train_iter, test_iter = subset(d2l, train_iter, num_examples), subset(d2l, test_iter, 2560)
    ours, bare = [], []
    bare_loop(framework, d2l.LeNet(), subset(d2l, train_iter, 2 * batch_size), 1, 0.9, device)  # warm-up
    for _ in range(repeats):
        bare.append(bare_loop(framework, d2l.LeNet(), train_iter, num_epochs, 0.9, device))
        ours.append(train_ch5_throughput(framework, d2l.LeNet(), train_iter, test_iter, num_epochs, 0.9, device))
    ours, bare = statistics.median(ours), statistics.median(bare)
    return {'framework': framework, 'device': str(device), 'train_ch5': ours, 'bare': bare,
            'ratio': ours / bare}
