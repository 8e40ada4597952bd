"""d2l_local.torch and d2l_local.mxnet: every helper, in both frameworks, against NumPy/SciPy."""
import math
import sys

import numpy
import pytest
import scipy.signal

from conftest import array, numpy_of


def small_net(d2l, hidden=16):
    """A tiny classifier for 28x28 images that is *not* a Sequential, for device lookup tests."""
    if d2l.__name__.endswith('torch'):
        from torch import nn

        class Tiny(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU())
                self.head = nn.Linear(hidden, 10)

            def forward(self, X):
                return self.head(self.body(X))
        return Tiny()
    from mxnet.gluon import nn

    class Tiny(nn.Block):
        def __init__(self):
            super().__init__()
            self.body = nn.Dense(hidden, activation='relu')
            self.head = nn.Dense(10)

        def forward(self, X):
            return self.head(self.body(X))
    return Tiny()


def subset_iters(d2l, n_train=512, n_test=256, batch_size=64):
    """Small in-memory iterators cut from Fashion-MNIST, built the way load_data_fashion_mnist does."""
    from d2l_local import data
    arrays = data.load_arrays()
    def batches(split, n, shuffle):
        X = array(d2l, arrays[f'{split}_images'][:n, None] / 255.0)
        y = array(d2l, arrays[f'{split}_labels'][:n], dtype='int64' if 'torch' in d2l.__name__ else 'int32')
        return data.Batches(X, y, batch_size, shuffle, d2l.ARRAY_OPS)
    return batches('train', n_train, True), batches('test', n_test, False)


@pytest.mark.parametrize('x_shape,k_shape', [((5, 5), (2, 2)), ((6, 8), (1, 2)), ((7, 4), (3, 4)), ((3, 3), (3, 3))])
def test_corr2d_matches_scipy(d2l, x_shape, k_shape):
    rng = numpy.random.default_rng(0)
    X, K = rng.normal(size=x_shape), rng.normal(size=k_shape)
    Y = d2l.corr2d(array(d2l, X), array(d2l, K))
    numpy.testing.assert_allclose(numpy_of(Y), scipy.signal.correlate2d(X, K, mode='valid'), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('X_shape,K_shape,message', [
    ((1, 5, 5), (2, 2), 'one 2-D channel'), ((5, 5), (2, 2, 1), 'one 2-D channel'),
    ((3, 3), (4, 2), 'larger than the input')])
def test_corr2d_rejects_bad_shapes(d2l, X_shape, K_shape, message):
    with pytest.raises(ValueError, match=message):
        d2l.corr2d(array(d2l, numpy.zeros(X_shape)), array(d2l, numpy.zeros(K_shape)))


@pytest.mark.parametrize('mode', ['max', 'avg'])
@pytest.mark.parametrize('size,stride', [(2, 1), (2, 2), ((2, 3), (1, 2)), (3, 3)])
def test_pool2d_matches_numpy(d2l, mode, size, stride):
    X = numpy.random.default_rng(1).normal(size=(7, 8))
    h, w = (size, size) if isinstance(size, int) else size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    windows = numpy.lib.stride_tricks.sliding_window_view(X, (h, w))[::sh, ::sw]
    expected = windows.max(axis=(2, 3)) if mode == 'max' else windows.mean(axis=(2, 3))
    Y = d2l.pool2d(array(d2l, X), size, mode, stride)
    numpy.testing.assert_allclose(numpy_of(Y), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('kwargs,message', [
    (dict(pool_size=0), 'pool_size must be a positive'), (dict(pool_size=2, stride=0), 'stride must be a positive'),
    (dict(pool_size=(2, -1)), 'pool_size must be a positive'), (dict(pool_size=2, mode='median'), "mode must be 'max' or 'avg'"),
    (dict(pool_size=6), 'larger than the input')])
def test_pool2d_rejects_bad_arguments(d2l, kwargs, message):
    with pytest.raises(ValueError, match=message):
        d2l.pool2d(array(d2l, numpy.zeros((5, 5))), **kwargs)


def test_pool2d_rejects_batches(d2l):
    with pytest.raises(ValueError, match='one 2-D channel'):
        d2l.pool2d(array(d2l, numpy.zeros((1, 1, 5, 5))), 2)


def test_accuracy_counts_correct_predictions(d2l):
    rng = numpy.random.default_rng(2)
    logits, labels = rng.normal(size=(50, 10)), rng.integers(0, 10, size=50)
    expected = float((logits.argmax(axis=1) == labels).sum())
    assert d2l.accuracy(array(d2l, logits), array(d2l, labels, dtype='int32')) == expected


def test_try_gpu_falls_back_to_cpu_once(d2l, capsys, monkeypatch):
    import d2l_local.shared as shared
    monkeypatch.setattr(shared, '_cpu_fallback_noted', set())
    monkeypatch.setattr(sys.modules[d2l.try_gpu.__module__], 'num_gpus', lambda: 0)  # where try_gpu looks it up
    first, second = d2l.try_gpu(), d2l.try_gpu(3)
    assert 'cpu' in str(first) and str(first) == str(second)
    assert capsys.readouterr().out.count('will use the CPU') == 1
    assert [str(device) for device in d2l.try_all_gpus()] == [str(first)]


def test_try_gpu_names_the_valid_indices(d2l, monkeypatch):
    monkeypatch.setattr(sys.modules[d2l.try_gpu.__module__], 'num_gpus', lambda: 2)  # where try_gpu looks it up
    with pytest.raises(ValueError, match=r'has 2 GPU\(s\), numbered 0 to 1'):
        d2l.try_gpu(2)


def fake_gpus(monkeypatch, cuda=0, mps=False):
    """Make PyTorch report ``cuda`` CUDA GPUs and, or not, an Apple GPU (MPS)."""
    import torch
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda > 0)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: mps)


def test_try_gpu_uses_an_apple_gpu_when_there_is_no_cuda(monkeypatch, capsys):
    import torch
    from d2l_local import shared, torch as d2l
    monkeypatch.setattr(shared, '_cpu_fallback_noted', set())
    fake_gpus(monkeypatch, mps=True)
    assert d2l.num_gpus() == 1 and d2l.try_gpu() == torch.device('mps:0')
    assert d2l.try_all_gpus() == [torch.device('mps:0')]
    with pytest.raises(ValueError, match=r'has 1 GPU\(s\), numbered 0 to 0'):
        d2l.try_gpu(1)
    assert capsys.readouterr().out == '', 'no CPU fallback note when there is a GPU'


def test_try_gpu_prefers_cuda_to_mps_and_falls_back_to_the_cpu(monkeypatch, capsys):
    import torch
    from d2l_local import shared, torch as d2l
    monkeypatch.setattr(shared, '_cpu_fallback_noted', set())
    fake_gpus(monkeypatch, cuda=2, mps=True)
    assert d2l.num_gpus() == 2 and d2l.try_gpu(1) == torch.device('cuda:1')
    assert d2l.try_all_gpus() == [torch.device('cuda:0'), torch.device('cuda:1')]
    fake_gpus(monkeypatch)
    assert d2l.num_gpus() == 0 and d2l.try_gpu() == torch.device('cpu') == d2l.try_gpu(5)
    assert capsys.readouterr().out.count('will use the CPU') == 1


def test_seed_offset_shifts_every_seed(d2l, monkeypatch):
    def first_labels(n):
        d2l.seed(n)
        return numpy_of(next(iter(d2l.load_data_fashion_mnist(64)[0]))[1])
    unshifted = first_labels(8)
    monkeypatch.setenv('D2L_SEED_OFFSET', '1')
    numpy.testing.assert_array_equal(first_labels(7), unshifted)
    assert not numpy.array_equal(first_labels(8), unshifted)
    monkeypatch.setenv('D2L_SEED_OFFSET', 'one')
    with pytest.raises(ValueError, match="D2L_SEED_OFFSET='one' is not a whole number"):
        d2l.seed(0)


def test_evaluate_accuracy_finds_device_of_any_model(d2l):
    net = small_net(d2l)
    _, test_iter = subset_iters(d2l)
    if d2l.__name__.endswith('torch'):
        net.train()
    else:
        net.initialize()
    X_all, y_all = zip(*test_iter)
    expected = sum(d2l.accuracy(net(X), y) for X, y in zip(X_all, y_all)) / 256
    assert d2l.evaluate_accuracy_gpu(net, test_iter) == pytest.approx(expected)
    if d2l.__name__.endswith('torch'):
        assert net.training, 'evaluation must restore the training mode it found'


def test_evaluate_accuracy_uses_eval_mode_without_gradients(d2l):
    seen = []
    if d2l.__name__.endswith('torch'):
        import torch
        from torch import nn

        class Probe(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(784, 10)

            def forward(self, X):
                seen.append((self.training, torch.is_grad_enabled()))
                return self.linear(X.reshape(len(X), -1))
        net = Probe()
    else:
        from mxnet import autograd
        from mxnet.gluon import nn

        class Probe(nn.Block):
            def __init__(self):
                super().__init__()
                self.linear = nn.Dense(10)

            def forward(self, X):
                seen.append((autograd.is_training(), autograd.is_recording()))
                return self.linear(X)
        net = Probe()
        net.initialize()
    _, test_iter = subset_iters(d2l, n_test=64)
    d2l.evaluate_accuracy_gpu(net, test_iter)
    assert seen and all(state == (False, False) for state in seen)


def test_evaluate_accuracy_on_empty_iterator_is_an_error(d2l):
    net = small_net(d2l)
    if not d2l.__name__.endswith('torch'):
        net.initialize()
    with pytest.raises(ValueError, match='yielded no examples'):
        d2l.evaluate_accuracy_gpu(net, [], device=None)


def test_load_data_fashion_mnist_batches(d2l):
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    assert (len(train_iter), len(test_iter)) == (math.ceil(60000 / 256), math.ceil(10000 / 256))
    X, y = next(iter(train_iter))
    assert tuple(X.shape) == (256, 1, 28, 28) and tuple(y.shape) == (256,)
    assert 0 <= float(X.min()) and float(X.max()) <= 1
    sizes = [len(y) for _, y in test_iter]
    assert sum(sizes) == 10000 and sizes[-1] == 10000 % 256
    X_resized, _ = next(iter(d2l.load_data_fashion_mnist(32, resize=64)[1]))
    assert tuple(X_resized.shape) == (32, 1, 64, 64)


def test_test_batches_match_the_idx_files(d2l):
    from d2l_local import data
    X, y = next(iter(d2l.load_data_fashion_mnist(100)[1]))
    arrays = data.load_arrays()
    numpy.testing.assert_allclose(numpy_of(X)[:, 0], arrays['test_images'][:100] / 255, atol=1e-6)
    numpy.testing.assert_array_equal(numpy_of(y), arrays['test_labels'][:100])


@pytest.mark.parametrize('batch_size,message', [(0, 'positive integer'), (-5, 'positive integer'),
                                                (2.5, 'positive integer'), (60001, 'larger than the 60000')])
def test_load_data_rejects_bad_batch_size(d2l, batch_size, message):
    with pytest.raises(ValueError, match=message):
        d2l.load_data_fashion_mnist(batch_size)


def test_seed_makes_the_shuffle_repeatable(d2l):
    def first_labels():
        d2l.seed(7)
        return numpy_of(next(iter(d2l.load_data_fashion_mnist(64)[0]))[1])
    numpy.testing.assert_array_equal(first_labels(), first_labels())


def train_small(d2l, lr=0.1, epochs=2):
    d2l.seed(0)
    train_iter, test_iter = subset_iters(d2l)
    return d2l.train_ch5(small_net(d2l), train_iter, test_iter, epochs, lr, device=d2l.try_gpu())


def test_train_ch5_learns_and_reports(d2l, capsys):
    result = train_small(d2l, epochs=4)
    out = capsys.readouterr().out
    assert isinstance(result, d2l.TrainResult) and result.num_epochs == 4
    assert f'loss {result.loss:.3f}, train acc {result.train_acc:.3f}, test acc {result.test_acc:.3f}' in out
    assert f'{result.examples_per_sec:.1f} examples/sec on {result.device}' in out
    assert result.test_acc > 0.4 and result.train_acc > 0.4, 'four epochs on 512 images beat chance (0.1)'
    assert [out.count(f'epoch {e}:') for e in range(1, 6)] == [1, 1, 1, 1, 0], 'one text line per epoch'


def test_train_ch5_is_repeatable(d2l):
    first, second = train_small(d2l, epochs=1), train_small(d2l, epochs=1)
    assert (first.loss, first.train_acc, first.test_acc) == (second.loss, second.train_acc, second.test_acc)


def test_train_ch5_stops_when_the_loss_diverges(d2l):
    with pytest.raises(FloatingPointError, match=r'epoch 1, batch \d+ of 8.*try lr=1e\+0?9'):
        train_small(d2l, lr=1e10, epochs=3)


def test_train_ch6_is_train_ch5(d2l):
    assert d2l.train_ch6 is d2l.train_ch5


def test_lenet_maps_images_to_ten_logits(d2l):
    net = d2l.LeNet()
    if not d2l.__name__.endswith('torch'):
        net.initialize()
    assert tuple(net(array(d2l, numpy.zeros((2, 1, 28, 28)))).shape) == (2, 10)


def test_quick_mode_serves_a_small_subset(d2l, monkeypatch):
    monkeypatch.setenv('D2L_QUICK', '1')
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    assert (len(train_iter), len(test_iter)) == (2048 // 256, 512 // 256)
    monkeypatch.setenv('D2L_QUICK', '0')
    assert len(d2l.load_data_fashion_mnist(256)[0]) == math.ceil(60000 / 256)
