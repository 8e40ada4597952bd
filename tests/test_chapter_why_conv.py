"""Facts that chapters/why-conv.md relies on, checked in both frameworks.

* the gradient of a shared convolution weight is the sum of the gradients of its copies
  (reference: NumPy central finite differences of the same loss, in float64);
* parameter counts of dense and convolutional layers (reference: the arithmetic formulas);
* the derivation's point-of-light argument: a convolutional layer's dense weight tensor A, read off
  from its responses to single bright pixels, depends only on the offset between unit and pixel,
  and the response is the kernel turned by 180 degrees (reference: NumPy slicing and flipping).
"""
import math

import numpy as onp
import pytest

from d2l_local import mxnet as d2l_mxnet  # noqa: F401  (restores NumPy names before mxnet loads)
from d2l_local import torch as d2l_torch  # noqa: F401

import torch
from torch import nn as tnn
from torch.nn import functional as F
from mxnet import autograd, np as mnp, npx
from mxnet.gluon import nn as mnn

npx.set_np()

FRAMEWORKS = ['pytorch', 'mxnet']


# --- shared weights: gradient of the kernel = sum of the gradients of its copies ---------------

def numpy_loss(w, x):
    """sum_i (sum_c w_c x_{i+c})^2, the loss used on the page, in float64 NumPy."""
    k = len(w)
    y = onp.array([onp.dot(w, x[i:i + k]) for i in range(len(x) - k + 1)])
    return float((y ** 2).sum())


def finite_difference_grad(w, x, eps=1e-6):
    grad = onp.zeros_like(w)
    for c in range(len(w)):
        step = onp.zeros_like(w)
        step[c] = eps
        grad[c] = (numpy_loss(w + step, x) - numpy_loss(w - step, x)) / (2 * eps)
    return grad


def torch_grads(x, w):
    """(gradient of the shared kernel, gradients of the per-output copies) in PyTorch."""
    x, w = torch.tensor(x, dtype=torch.float32), torch.tensor(w, dtype=torch.float32)
    w.requires_grad_()
    k = len(w)
    y = F.conv1d(x.reshape(1, 1, -1), w.reshape(1, 1, -1)).reshape(-1)
    (y ** 2).sum().backward()
    copies = w.detach().repeat(len(y), 1).requires_grad_()
    y_unrolled = torch.stack([(copies[i] * x[i:i + k]).sum() for i in range(len(y))])
    (y_unrolled ** 2).sum().backward()
    assert torch.allclose(y, y_unrolled, atol=1e-5)
    return w.grad.numpy().astype(onp.float64), copies.grad.numpy().astype(onp.float64)


def mxnet_grads(x, w):
    """(gradient of the shared kernel, gradients of the per-output copies) in MXNet."""
    x, w = mnp.array(x, dtype='float32'), mnp.array(w, dtype='float32')
    w.attach_grad()
    k = len(w)
    with autograd.record():
        y = npx.convolution(x.reshape(1, 1, -1), w.reshape(1, 1, -1), kernel=(k,),
                            num_filter=1, no_bias=True).reshape(-1)
        loss = (y ** 2).sum()
    loss.backward()
    copies = mnp.tile(w, (len(y), 1))
    copies.attach_grad()
    with autograd.record():
        y_unrolled = mnp.stack([(copies[i] * x[i:i + k]).sum() for i in range(len(y))])
        loss_unrolled = (y_unrolled ** 2).sum()
    loss_unrolled.backward()
    assert float(mnp.abs(y - y_unrolled).max()) < 1e-5
    return w.grad.asnumpy().astype(onp.float64), copies.grad.asnumpy().astype(onp.float64)


GRADS = {'pytorch': torch_grads, 'mxnet': mxnet_grads}


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('n, k, seed', [(8, 3, 0), (12, 3, 1), (10, 5, 2)])
def test_shared_weight_gradient_is_sum_of_copies(framework, n, k, seed):
    rng = onp.random.default_rng(seed)
    x, w = rng.normal(size=n), rng.normal(size=k)
    # Round to float32 first, so that the float64 reference sees the same numbers.
    x, w = x.astype(onp.float32).astype(onp.float64), w.astype(onp.float32).astype(onp.float64)
    shared, copies = GRADS[framework](x, w)
    reference = finite_difference_grad(w, x)
    assert copies.shape == (n - k + 1, k)
    # the copies really receive different gradients (otherwise the check would be vacuous)
    assert not onp.allclose(copies, copies[0])
    onp.testing.assert_allclose(shared, reference, rtol=1e-4, atol=1e-4)
    onp.testing.assert_allclose(copies.sum(axis=0), reference, rtol=1e-4, atol=1e-4)
    # and the manual sum over outputs of dL/dy_i * x_{i+c}
    y = onp.array([w @ x[i:i + k] for i in range(n - k + 1)])
    manual = onp.array([(2 * y * x[c:c + n - k + 1]).sum() for c in range(k)])
    onp.testing.assert_allclose(shared, manual, rtol=1e-4, atol=1e-4)


# --- parameter counts ----------------------------------------------------------------------------

def torch_num_params(net):
    return sum(p.numel() for p in net.parameters())


def mxnet_num_params(net):
    return sum(math.prod(p.shape) for p in net.collect_params().values())


def dense_formula(n_in, n_out):
    return n_in * n_out + n_out


def conv_formula(c_in, c_out, kernel_size):
    return kernel_size * kernel_size * c_in * c_out + c_out


@pytest.mark.parametrize('side, channels, hidden', [(1000, 3, 1000), (1000, 1, 1000), (224, 3, 4096)])
def test_dense_parameter_count(side, channels, hidden):
    n_in = channels * side * side
    expected = dense_formula(n_in, hidden)
    assert torch_num_params(tnn.Linear(n_in, hidden, device='meta')) == expected
    assert mxnet_num_params(mnn.Dense(hidden, in_units=n_in)) == expected


def test_megapixel_rgb_count_matches_page_claims():
    n = dense_formula(3 * 1000 * 1000, 1000)
    assert n == 3_000_001_000
    assert torch_num_params(tnn.Linear(3 * 10**6, 1000, device='meta')) == n
    assert mxnet_num_params(mnn.Dense(1000, in_units=3 * 10**6)) == n
    assert 4 * n / 1e9 > 12  # "12.0 GB" of float32 weights


@pytest.mark.parametrize('c_in, c_out, kernel_size', [(3, 64, 3), (3, 8, 3), (16, 32, 5)])
def test_conv_parameter_count(c_in, c_out, kernel_size):
    expected = conv_formula(c_in, c_out, kernel_size)
    assert torch_num_params(tnn.Conv2d(c_in, c_out, kernel_size)) == expected
    assert mxnet_num_params(mnn.Conv2D(c_out, kernel_size, in_channels=c_in)) == expected


def test_conv_count_independent_of_image_size():
    conv_t, conv_m = tnn.Conv2d(3, 64, 3), mnn.Conv2D(64, 3, in_channels=3)
    conv_m.initialize()
    for side in (8, 16, 40):
        assert torch_num_params(conv_t) == conv_formula(3, 64, 3)
        out_t = conv_t(torch.zeros(1, 3, side, side))
        out_m = conv_m(mnp.zeros((1, 3, side, side)))
        assert tuple(out_t.shape) == tuple(out_m.shape) == (1, 64, side - 2, side - 2)
        assert mxnet_num_params(conv_m) == conv_formula(3, 64, 3)


def test_conv_as_matrix_is_banded_toeplitz_and_matches_frameworks():
    rng = onp.random.default_rng(3)
    kernel, x = rng.normal(size=3).astype(onp.float32), rng.normal(size=9).astype(onp.float32)
    M = onp.zeros((7, 9), dtype=onp.float32)
    for i in range(7):
        M[i, i:i + 3] = kernel
    y_t = F.conv1d(torch.tensor(x).reshape(1, 1, -1), torch.tensor(kernel).reshape(1, 1, -1)).reshape(-1)
    y_m = npx.convolution(mnp.array(x).reshape(1, 1, -1), mnp.array(kernel).reshape(1, 1, -1),
                          kernel=(3,), num_filter=1, no_bias=True).reshape(-1)
    onp.testing.assert_allclose(y_t.numpy(), M @ x, rtol=1e-5, atol=1e-6)
    onp.testing.assert_allclose(y_m.asnumpy(), M @ x, rtol=1e-5, atol=1e-6)
    assert onp.count_nonzero(M) == 7 * 3


# --- the derivation: responses to single points of light ------------------------------------------

def torch_point_responses(n, kernel):
    """A[i, j, k, l]: output (i, j) of a bias-free 3 x 3 layer for the image with a 1 at (k, l)."""
    layer = tnn.Conv2d(1, 1, kernel_size=3, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(kernel, dtype=torch.float32).reshape(1, 1, 3, 3))
        points = torch.eye(n * n).reshape(n * n, 1, n, n)  # one image per bright pixel
        out = layer(points)[:, 0].numpy()
    return out.reshape(n, n, n - 2, n - 2).transpose(2, 3, 0, 1)


def mxnet_point_responses(n, kernel):
    layer = mnn.Conv2D(1, kernel_size=3, use_bias=False, in_channels=1)
    layer.initialize()
    layer.weight.set_data(mnp.array(kernel, dtype='float32').reshape(1, 1, 3, 3))
    points = mnp.eye(n * n).reshape(n * n, 1, n, n)
    out = layer(points)[:, 0].asnumpy()
    return out.reshape(n, n, n - 2, n - 2).transpose(2, 3, 0, 1)


POINT_RESPONSES = {'pytorch': torch_point_responses, 'mxnet': mxnet_point_responses}


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_convolution_weights_depend_only_on_the_offset(framework):
    n = 7
    kernel = onp.random.default_rng(11).normal(size=(3, 3))
    A = POINT_RESPONSES[framework](n, kernel)  # A[i, j, k, l]
    assert A.shape == (n - 2, n - 2, n, n)
    # Output (i, j) of a valid 3 x 3 layer is centred on pixel (i + 1, j + 1); with offsets
    # (p, q) = (k - (i + 1), l - (j + 1)) the weight is kernel[p + 1, q + 1], and 0 outside the window.
    for i in range(n - 2):
        for j in range(n - 2):
            for k in range(n):
                for l in range(n):
                    p, q = k - i - 1, l - j - 1
                    expected = kernel[p + 1, q + 1] if abs(p) <= 1 and abs(q) <= 1 else 0.0
                    assert abs(A[i, j, k, l] - expected) < 1e-6
    # shifting unit and pixel together leaves the weight unchanged
    onp.testing.assert_allclose(A[1:, 1:, 1:, 1:], A[:-1, :-1, :-1, :-1], atol=1e-6)
    # and the response to one bright pixel is the kernel turned by 180 degrees
    onp.testing.assert_allclose(A[:3, :3, 2, 2], kernel[::-1, ::-1], atol=1e-6)


def test_a_dense_layer_fails_the_point_of_light_test():
    n = 5
    dense = tnn.Linear(n * n, n * n)
    with torch.no_grad():
        A = (dense(torch.eye(n * n)) - dense.bias).numpy().T.reshape(n, n, n, n)  # A[i, j, k, l]
    assert not onp.allclose(A[1:, 1:, 1:, 1:], A[:-1, :-1, :-1, :-1], atol=1e-3)


def test_weight_counts_in_the_derivation():
    # one weight per offset: count the distinct (k - i, l - j) on a small grid, compare with the formula
    for side in (2, 3, 6):
        offsets = {(k - i, l - j) for i in range(side) for j in range(side)
                   for k in range(side) for l in range(side)}
        assert len(offsets) == (2 * side - 1) ** 2
        assert side ** 4 == len([(i, j, k, l) for i in range(side) for j in range(side)
                                 for k in range(side) for l in range(side)])
    assert (2 * 1000 - 1) ** 2 == 3_996_001 and 1000 ** 4 == 10 ** 12
    for radius in (1, 2):  # offsets within the radius: the window
        window = {(p, q) for p in range(-radius, radius + 1) for q in range(-radius, radius + 1)}
        assert len(window) == (2 * radius + 1) ** 2
