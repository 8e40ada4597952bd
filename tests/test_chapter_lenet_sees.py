"""Facts that chapters/lenet-sees.md relies on, checked in both frameworks.

The functions under test are taken from the page itself (its code cells), so the tests check the
code readers see. The references are independent of it: ``numpy.roll`` with the wrapped-around
pixels set to zero for shifting, ``numpy.bincount`` for the confusion matrix, SciPy's
cross-correlation and NumPy block maxima for the feature maps, and hand-made cases for the small
NumPy helpers.
"""
import ast
import functools
import pathlib

import numpy as onp
import pytest
from scipy import signal

from d2l_local import mxnet as d2l_mxnet  # first: it prepares NumPy for MXNet
from d2l_local import torch as d2l_torch

import torch  # noqa: E402
from mxnet import np as mnp, npx  # noqa: E402

from book_ext.pages import framework_notebook, read_page  # noqa: E402

npx.set_np()

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / 'chapters' / 'lenet-sees.md'
FRAMEWORKS = ['pytorch', 'mxnet']
D2L = {'pytorch': d2l_torch, 'mxnet': d2l_mxnet}
MAP_SHAPES = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]  # conv1, pool1, conv2, pool2


@functools.lru_cache(maxsize=None)
def page_statements(framework):
    """The top-level statements of the code cells the page runs for ``framework``."""
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), framework)
    return tuple(node for cell in notebook.cells if cell.cell_type == 'code'
                 for node in ast.parse(cell.source).body)


def page_functions(framework, *names):
    """The functions ``names`` as defined on the page for ``framework`` (shared cells included).

    Only import statements and the requested function definitions are executed, so training and
    the other demo code in the same cells do not run.
    """
    keep = [node for node in page_statements(framework)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and 'myst_nb' not in ast.unparse(node)
            or isinstance(node, ast.FunctionDef) and node.name in names]
    namespace = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(PAGE), 'exec'), namespace)
    npx.set_np()
    missing = [name for name in names if name not in namespace]
    assert not missing, f'the page defines no {missing} for {framework}'
    return namespace[names[0]] if len(names) == 1 else [namespace[name] for name in names]


def to_framework(framework, array, dtype=None):
    array = onp.ascontiguousarray(array)
    if framework == 'pytorch':
        return torch.from_numpy(array if dtype is None else array.astype(dtype))
    return mnp.array(array, dtype=dtype or array.dtype)


def to_numpy(x):
    return x.asnumpy() if hasattr(x, 'asnumpy') else x.detach().numpy()


def reference_shift(X, dy, dx):
    """numpy.roll, then zero the rows and columns that wrapped around to the other side."""
    Y = onp.roll(X, (dy, dx), axis=(-2, -1))
    if dy > 0:
        Y[..., :dy, :] = 0
    elif dy < 0:
        Y[..., dy:, :] = 0
    if dx > 0:
        Y[..., :, :dx] = 0
    elif dx < 0:
        Y[..., :, dx:] = 0
    return Y


# ---------------------------------------------------------------- shifting

@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('dy, dx', [(0, 1), (0, -1), (1, 0), (-1, 0), (2, 3), (-4, 2), (3, -3),
                                    (0, 4), (4, 0), (0, 27), (-27, 0), (28, 0), (0, -40)])
def test_shift_matches_numpy_roll_with_zero_fill(framework, dy, dx):
    shift = page_functions(framework, 'shift')
    X = onp.random.default_rng(0).uniform(size=(3, 1, 28, 28)).astype(onp.float32)
    Y = shift(to_framework(framework, X), dy, dx)
    assert tuple(Y.shape) == X.shape
    onp.testing.assert_array_equal(to_numpy(Y), reference_shift(X, dy, dx))


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_shift_by_zero_returns_the_input_unchanged(framework):
    shift = page_functions(framework, 'shift')
    X = onp.random.default_rng(1).uniform(size=(2, 1, 28, 28)).astype(onp.float32)
    Y = shift(to_framework(framework, X), 0, 0)
    onp.testing.assert_array_equal(to_numpy(Y), X)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_shifts_compose_and_keep_the_pixel_sum_the_page_counts(framework):
    """Two shifts in one direction add up; the pixel sum kept is what the page's slices count."""
    shift = page_functions(framework, 'shift')
    X = onp.random.default_rng(2).uniform(size=(5, 28, 28)).astype(onp.float32)
    Xf = to_framework(framework, X)
    onp.testing.assert_array_equal(to_numpy(shift(shift(Xf, 0, 1), 0, 3)), to_numpy(shift(Xf, 0, 4)))
    s, total = 4, X.sum(dtype=onp.float64)
    lost = {(0, 1): X[:, :, -s:], (0, -1): X[:, :, :s], (1, 0): X[:, -s:, :], (-1, 0): X[:, :s, :]}
    for (dy, dx), pixels in lost.items():
        kept = to_numpy(shift(Xf, s * dy, s * dx)).sum(dtype=onp.float64) / total
        assert kept == pytest.approx(1 - pixels.sum(dtype=onp.float64) / total, rel=1e-6)


# ---------------------------------------------------------------- confusion matrix

@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('seed', [0, 1])
def test_confusion_matrix_matches_bincount(framework, seed):
    confusion_matrix = page_functions(framework, 'confusion_matrix')
    rng = onp.random.default_rng(seed)
    y = rng.integers(0, 10, size=5000)
    y_hat = onp.where(rng.uniform(size=5000) < 0.7, y, rng.integers(0, 10, size=5000))
    dtype = 'int64' if framework == 'pytorch' else 'int32'  # the label types of the two loaders
    C = to_numpy(confusion_matrix(to_framework(framework, y, dtype), to_framework(framework, y_hat, dtype)))
    reference = onp.bincount(y * 10 + y_hat, minlength=100).reshape(10, 10)
    onp.testing.assert_array_equal(C, reference)
    assert C.sum() == len(y) and C.trace() == (y == y_hat).sum()


def test_most_confused_and_most_confident_mistakes():
    most_confused, most_confident_mistakes = page_functions(
        'pytorch', 'most_confused', 'most_confident_mistakes')
    C = onp.diag([900] * 10)
    C[6, 0], C[0, 6], C[4, 2] = 150, 80, 149
    assert tuple(int(i) for i in most_confused(C)) == (6, 0)  # the diagonal never counts
    P = onp.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.05, 0.05, 0.9], [0.6, 0.3, 0.1],
                   [0.1, 0.1, 0.8]])
    y = onp.array([1, 1, 0, 2, 2])  # wrong: example 0 (p 0.9), 2 (p 0.9), 3 (p 0.6)
    onp.testing.assert_array_equal(most_confident_mistakes(P, y, n=2), [0, 2])
    onp.testing.assert_array_equal(most_confident_mistakes(P, y, n=8), [0, 2, 3])


def test_kernel_balance_and_relative_change():
    kernel_balance, relative_change = page_functions('pytorch', 'kernel_balance', 'relative_change')
    rng = onp.random.default_rng(3)
    positive = rng.uniform(0.1, 1, size=(5, 5))
    edge = onp.concatenate([-positive[:, :2], onp.zeros((5, 1)), positive[:, :2][:, ::-1]], axis=1)
    onp.testing.assert_allclose(kernel_balance(onp.stack([positive, -positive, edge])), [1, -1, 0],
                                atol=1e-12)
    a, b = rng.normal(size=(4, 6, 7)), rng.normal(size=(4, 6, 7))
    assert relative_change(a, a) == 0
    assert relative_change(a, b) == pytest.approx(onp.linalg.norm(a - b) / onp.linalg.norm(b))
    assert relative_change(torch.from_numpy(a), torch.from_numpy(b)) == pytest.approx(
        relative_change(a, b))


# ---------------------------------------------------------------- feature maps

def build(framework, model):
    """d2l.LeNet() or the page's lenet_relu(), with parameters ready to use."""
    net = D2L[framework].LeNet() if model == 'd2l' else page_functions(framework, 'lenet_relu')()
    if framework == 'mxnet':
        net.initialize()
    return net


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('model', ['d2l', 'relu'])
def test_feature_maps_have_the_lenet_shapes_and_lead_to_the_output(framework, model):
    feature_maps = page_functions(framework, 'feature_maps')
    D2L[framework].seed(0)
    net = build(framework, model)
    X = to_framework(framework, onp.random.default_rng(4).uniform(size=(3, 1, 28, 28)).astype(onp.float32))
    maps = feature_maps(net, X)
    assert [tuple(m.shape) for m in maps] == [(3,) + shape for shape in MAP_SHAPES]
    # The dense block applied to the last map gives the network's output: nothing was skipped.
    rest = list(net)[6:] if framework == 'pytorch' else list(net)[4:]
    Y = maps[-1]
    for layer in rest:
        Y = layer(Y)
    onp.testing.assert_allclose(to_numpy(Y), to_numpy(net(X)), rtol=1e-5, atol=1e-6)


def conv_weights(framework, net, index):
    layer = net[index]
    if framework == 'pytorch':
        return layer.weight.detach().numpy(), layer.bias.detach().numpy()
    return layer.weight.data().asnumpy(), layer.bias.data().asnumpy()


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_feature_maps_match_scipy_correlation_relu_and_block_max(framework):
    feature_maps = page_functions(framework, 'feature_maps')
    D2L[framework].seed(0)
    net = build(framework, 'relu')
    X = onp.random.default_rng(5).uniform(size=(2, 1, 28, 28)).astype(onp.float32)
    maps = [to_numpy(m) for m in feature_maps(net, to_framework(framework, X))]
    W1, b1 = conv_weights(framework, net, 0)
    W2, b2 = conv_weights(framework, net, 3 if framework == 'pytorch' else 2)

    def conv_relu(inputs, W, b, pad):
        padded = onp.pad(inputs.astype(onp.float64), ((0, 0), (pad, pad), (pad, pad)))
        out = onp.stack([sum(signal.correlate2d(padded[c], W[o, c], mode='valid')
                             for c in range(W.shape[1])) + b[o] for o in range(W.shape[0])])
        return onp.maximum(out, 0)

    def block_max(A):
        c, h, w = A.shape
        return A.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))

    for i in range(len(X)):
        conv1 = conv_relu(X[i], W1, b1, pad=2)
        pool1 = block_max(conv1)
        conv2 = conv_relu(pool1, W2, b2, pad=0)
        for got, want in zip(maps, [conv1, pool1, conv2, block_max(conv2)]):
            onp.testing.assert_allclose(got[i], want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('axis', [-1, -2])
def test_four_pixel_shift_moves_pool2_by_one_position(framework, axis):
    """Away from the borders: 4 input pixels -> 4 conv1, 2 pool1, 2 conv2 and 1 pool2 positions."""
    shift, feature_maps = page_functions(framework, 'shift', 'feature_maps')
    D2L[framework].seed(0)
    net = build(framework, 'relu')
    X = onp.random.default_rng(6).uniform(size=(2, 1, 28, 28)).astype(onp.float32)
    X = onp.where(onp.arange(28).reshape((28, 1) if axis == -2 else (1, 28)) < 24, X, 0)
    dy, dx = (4, 0) if axis == -2 else (0, 4)
    before = [to_numpy(m) for m in feature_maps(net, to_framework(framework, X))]
    after = [to_numpy(m) for m in feature_maps(net, shift(to_framework(framework, X), dy, dx))]
    for b, a, moved in zip(before, after, [4, 2, 2, 1]):
        n = b.shape[axis]
        kept = onp.take(b, range(0, n - moved), axis=axis)
        onp.testing.assert_allclose(onp.take(a, range(moved, n), axis=axis), kept, rtol=1e-5, atol=1e-5)
    # ... while a one-pixel shift does not move pool2 by any whole number of positions
    after_1 = to_numpy(feature_maps(net, shift(to_framework(framework, X), dy // 4, dx // 4))[-1])
    assert not onp.allclose(after_1, before[-1], atol=1e-5)
