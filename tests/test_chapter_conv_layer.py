"""Facts that chapters/conv-layer.md relies on, checked in both frameworks.

The references are independent of the code under test: SciPy's correlate2d and convolve2d,
NumPy differences, the receptive-field formula, and the numbers drawn in the section's SVG figure.
"""
import pathlib
import xml.etree.ElementTree as ET

import numpy as onp
import pytest
from scipy import signal

import torch
from torch import nn as torch_nn
from torch.nn import functional as F

from d2l_local import torch as d2l_torch
from d2l_local import mxnet as d2l_mxnet
from mxnet import autograd, init, np as mnp, npx
from mxnet.base import MXNetError
from mxnet.gluon import nn as mx_nn

npx.set_np()

CHAPTERS = pathlib.Path(__file__).resolve().parents[1] / 'chapters'
FRAMEWORKS = ['torch', 'mxnet']
SHAPES = [((3, 3), (2, 2)), ((3, 4), (2, 2)), ((5, 7), (3, 2)), ((4, 6), (1, 1)),
          ((6, 8), (1, 2)), ((4, 4), (4, 4)), ((2, 9), (2, 5))]


def to_framework(framework, array):
    array = onp.asarray(array, dtype=onp.float32)
    return torch.tensor(array) if framework == 'torch' else mnp.array(array)


def to_numpy(x):
    return x.asnumpy() if hasattr(x, 'asnumpy') else x.detach().numpy()


def corr2d(framework):
    return (d2l_torch if framework == 'torch' else d2l_mxnet).corr2d


def edge_image():
    X = onp.ones((6, 8), dtype=onp.float32)
    X[:, 2:6] = 0
    return X


# --- cross-correlation ------------------------------------------------------------------------

@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('x_shape, k_shape', SHAPES)
def test_corr2d_matches_scipy(framework, x_shape, k_shape):
    rng = onp.random.default_rng(hash((x_shape, k_shape)) % 2**32)
    X, K = rng.normal(size=x_shape), rng.normal(size=k_shape)
    Y = to_numpy(corr2d(framework)(to_framework(framework, X), to_framework(framework, K)))
    expected = signal.correlate2d(X, K, mode='valid')
    assert Y.shape == (x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1)
    onp.testing.assert_allclose(Y, expected, rtol=1e-4, atol=1e-4)


def figure_numbers():
    """The input, kernel and output written in the section's SVG, read back from the file."""
    root = ET.parse(CHAPTERS / 'img' / 'conv-layer-correlation.svg').getroot()
    cells = {}
    for element in root.iter('{http://www.w3.org/2000/svg}text'):
        name = element.get('id') or ''
        if name[:2] in ('x-', 'k-', 'y-'):
            _, i, j = name.split('-')
            cells.setdefault(name[0], {})[int(i), int(j)] = float(element.text)

    def as_array(entries):
        rows, cols = max(i for i, _ in entries) + 1, max(j for _, j in entries) + 1
        return onp.array([[entries[i, j] for j in range(cols)] for i in range(rows)])
    return as_array(cells['x']), as_array(cells['k']), as_array(cells['y'])


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_figure_arithmetic_is_what_corr2d_computes(framework):
    X, K, Y_drawn = figure_numbers()
    assert X.shape == (3, 4) and K.shape == (2, 2)
    onp.testing.assert_allclose(signal.correlate2d(X, K, mode='valid'), Y_drawn)
    Y = to_numpy(corr2d(framework)(to_framework(framework, X), to_framework(framework, K)))
    onp.testing.assert_allclose(Y, Y_drawn)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_corr2d_rejects_a_3d_input_with_a_clear_message(framework):
    X, K = to_framework(framework, onp.ones((2, 3, 4))), to_framework(framework, onp.ones((2, 2)))
    with pytest.raises(ValueError, match=r'2-D.*\(height, width\).*\(2, 3, 4\)'):
        corr2d(framework)(X, K)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_corr2d_rejects_a_kernel_larger_than_the_input(framework):
    X, K = to_framework(framework, onp.ones((3, 3))), to_framework(framework, onp.ones((2, 4)))
    with pytest.raises(ValueError, match=r'kernel \(2, 4\) is larger than the input \(3, 3\)'):
        corr2d(framework)(X, K)


# --- edge detection -----------------------------------------------------------------------------

@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_edge_detection_matches_numpy_differences(framework):
    X_np = edge_image()
    X, K = to_framework(framework, X_np), to_framework(framework, [[1.0, -1.0]])
    Y = to_numpy(corr2d(framework)(X, K))
    onp.testing.assert_array_equal(Y, X_np[:, :-1] - X_np[:, 1:])
    # the prose: +1 in one column (white to black), -1 in another (black to white), zero elsewhere
    assert set(onp.nonzero(Y == 1)[1]) == {1} and set(onp.nonzero(Y == -1)[1]) == {5}
    assert (Y != 0).sum() == 2 * X_np.shape[0]
    # a horizontal difference kernel cannot see the edges of the transposed image ...
    assert not to_numpy(corr2d(framework)(X.T, K)).any()
    # ... but the transposed kernel finds them, and gives the transposed result
    onp.testing.assert_array_equal(to_numpy(corr2d(framework)(X.T, K.T)), Y.T)


# --- learning the kernel (same settings as the page: seed 0, lr 0.03, 12 steps) ---------------

LR, NUM_STEPS = 0.03, 12


def learn_kernel_torch():
    d2l_torch.seed(0)
    X = torch.tensor(edge_image())
    Y = d2l_torch.corr2d(X, torch.tensor([[1.0, -1.0]]))
    X, Y = X.reshape((1, 1) + X.shape), Y.reshape((1, 1) + Y.shape)
    conv = torch_nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    losses = []
    for _ in range(NUM_STEPS):
        loss = ((conv(X) - Y) ** 2).sum()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= LR * conv.weight.grad
        losses.append(loss.item())
    return conv.weight.detach().numpy().ravel(), losses


def learn_kernel_mxnet():
    d2l_mxnet.seed(0)
    X = mnp.array(edge_image())
    Y = d2l_mxnet.corr2d(X, mnp.array([[1.0, -1.0]]))
    X, Y = X.reshape((1, 1) + X.shape), Y.reshape((1, 1) + Y.shape)
    conv = mx_nn.Conv2D(1, kernel_size=(1, 2), use_bias=False)
    conv.initialize()
    losses = []
    for _ in range(NUM_STEPS):
        with autograd.record():
            loss = ((conv(X) - Y) ** 2).sum()
        loss.backward()
        conv.weight.set_data(conv.weight.data() - LR * conv.weight.grad())
        losses.append(loss.item())
    return conv.weight.data().asnumpy().ravel(), losses


@pytest.mark.parametrize('learn', [learn_kernel_torch, learn_kernel_mxnet])
def test_learned_kernel_is_close_to_the_edge_detector(learn):
    kernel, losses = learn()
    assert onp.abs(kernel - onp.array([1.0, -1.0])).max() < 0.1  # worst start in PyTorch's init range: 0.053
    assert losses[-1] < 0.05 * losses[0]


# --- convolution versus cross-correlation -------------------------------------------------------

@pytest.mark.parametrize('x_shape, k_shape', [((5, 6), (2, 3)), ((7, 7), (3, 3)), ((4, 9), (1, 4))])
def test_convolution_is_correlation_with_the_flipped_kernel(x_shape, k_shape):
    rng = onp.random.default_rng(7)
    A, B = rng.normal(size=x_shape), rng.normal(size=k_shape)
    convolution = signal.convolve2d(A, B, mode='valid')
    onp.testing.assert_allclose(convolution, signal.correlate2d(A, B[::-1, ::-1], mode='valid'),
                                atol=1e-12)
    # and the flip matters: with the unflipped asymmetric kernel the results differ
    assert onp.abs(convolution - signal.correlate2d(A, B, mode='valid')).max() > 0.1


def test_edge_kernel_as_a_true_convolution_is_reversed():
    X = edge_image().astype(float)
    onp.testing.assert_array_equal(signal.convolve2d(X, [[-1, 1]], mode='valid'),
                                   signal.correlate2d(X, [[1, -1]], mode='valid'))


# --- receptive fields ---------------------------------------------------------------------------

def receptive_field(kernel_sizes):
    return 1 + sum(k - 1 for k in kernel_sizes)


def influence_torch(kernel_sizes, size=8):
    stack = torch_nn.Sequential(*[torch_nn.Conv2d(1, 1, k, bias=False) for k in kernel_sizes])
    for layer in stack:
        torch_nn.init.ones_(layer.weight)
    X = torch.zeros((1, 1, size, size), requires_grad=True)
    stack(X)[0, 0, 0, 0].backward()
    return X.grad[0, 0].numpy()


def influence_mxnet(kernel_sizes, size=8):
    stack = mx_nn.Sequential()
    stack.add(*[mx_nn.Conv2D(1, k, use_bias=False) for k in kernel_sizes])
    stack.initialize(init.One())
    X = mnp.zeros((1, 1, size, size))
    X.attach_grad()
    with autograd.record():
        y = stack(X)[0, 0, 0, 0]
    y.backward()
    return X.grad[0, 0].asnumpy()


@pytest.mark.parametrize('influence', [influence_torch, influence_mxnet])
@pytest.mark.parametrize('kernel_sizes', [[2, 2], [3, 3], [2, 3, 2], [5]])
def test_receptive_field_seen_by_autograd_matches_formula(influence, kernel_sizes):
    grad = influence(kernel_sizes)
    r = receptive_field(kernel_sizes)
    support = grad != 0
    assert support[:r, :r].all() and not support[r:].any() and not support[:, r:].any()
    if kernel_sizes == [2, 2]:  # the path counts quoted on the page
        onp.testing.assert_array_equal(grad[:3, :3], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_receptive_field_numbers_in_the_prose():
    assert receptive_field([2, 2]) == 3
    assert receptive_field([3, 3]) == 5
    assert min(d for d in range(1, 50) if receptive_field([3] * d) >= 28) == 14


# --- the framework's convolution on an image -----------------------------------------------------

def test_framework_convolutions_are_cross_correlations():
    rng = onp.random.default_rng(3)
    image = rng.random((20, 17)).astype(onp.float32)
    kernels = rng.normal(size=(4, 3, 3)).astype(onp.float32)
    expected = onp.stack([signal.correlate2d(image, k, mode='valid') for k in kernels])
    maps_torch = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernels)[:, None])[0]
    maps_mxnet = npx.convolution(mnp.array(image).reshape(1, 1, 20, 17),
                                 mnp.array(kernels).reshape(4, 1, 3, 3),
                                 kernel=(3, 3), num_filter=4, no_bias=True)[0]
    onp.testing.assert_allclose(maps_torch.numpy(), expected, atol=1e-5)
    onp.testing.assert_allclose(maps_mxnet.asnumpy(), expected, atol=1e-5)


def test_zero_sum_kernel_is_blind_to_constant_regions_and_sum_scales_the_mean():
    rng = onp.random.default_rng(4)
    K = rng.normal(size=(3, 3))
    K0 = K - K.mean()
    constant = onp.full((6, 6), 0.7)
    onp.testing.assert_allclose(signal.correlate2d(constant, K0, mode='valid'), 0, atol=1e-12)
    onp.testing.assert_allclose(signal.correlate2d(constant, K, mode='valid'), 0.7 * K.sum())
    # the decomposition used in the prose: K = (sum / 9) * ones + K0
    X = rng.random((8, 8))
    local_mean = signal.correlate2d(X, onp.full((3, 3), 1 / 9), mode='valid')
    onp.testing.assert_allclose(signal.correlate2d(X, K, mode='valid'),
                                K.sum() * local_mean + signal.correlate2d(X, K0, mode='valid'))


# --- the layer built on corr2d --------------------------------------------------------------------

def test_torch_layer_built_on_corr2d_is_differentiable():
    weight = torch.nn.Parameter(torch.tensor([[0.5, -0.2]]))
    X = torch.tensor(edge_image())
    d2l_torch.corr2d(X, weight).sum().backward()
    # d/dK sum_ij (X * K)_ij = sum of the windows: column sums of X without its last / first column
    onp.testing.assert_allclose(weight.grad.numpy().ravel(),
                                [edge_image()[:, :-1].sum(), edge_image()[:, 1:].sum()])


def test_mxnet_corr2d_cannot_be_recorded_by_autograd():
    weight = mnp.array([[0.5, -0.2]])
    weight.attach_grad()
    with pytest.raises(MXNetError, match='[Ii]nplace'):
        with autograd.record():
            d2l_mxnet.corr2d(mnp.array(edge_image()), weight)
