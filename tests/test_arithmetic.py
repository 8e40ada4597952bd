"""d2l_local.arithmetic: conv_output_size and effective_kernel_size against the frameworks' own layers.

The references are the output shapes of PyTorch's and MXNet's convolution and max-pooling layers
(and the operators beneath them) on a few hundred seeded random settings, PyTorch's
padding='same', SciPy's 'valid' and 'full' correlation, and windows enumerated one by one.
"""
import math
import random
import warnings

import numpy as onp
import pytest
from scipy import signal

import torch
from torch import nn as torch_nn
from torch.nn import functional as F

from d2l_local import arithmetic
from d2l_local import mxnet as d2l_mxnet  # noqa: F401  (restores the NumPy names MXNet needs)
from mxnet import np as mnp, npx
from mxnet.gluon import nn as mx_nn

from d2l_local.arithmetic import conv_output_size, effective_kernel_size

npx.set_np()


def conv_settings(count, seed):
    """(n, k, p, s, d) with p the total padding (any parity), all valid for a convolution."""
    rng = random.Random(seed)
    settings = [(1, 1, 0, 1, 1), (1, 1, 0, 5, 1), (5, 3, 0, 1, 2), (4, 3, 1, 1, 2), (7, 7, 0, 3, 1),
                (2, 2, 3, 1, 3)]  # edge cases: the kernel exactly fills the padded input
    while len(settings) < count:
        n, k, p = rng.randint(1, 24), rng.randint(1, 6), rng.randint(0, 7)
        s, d = rng.randint(1, 5), rng.randint(1, 4)
        if effective_kernel_size(k, d) <= n + p:
            settings.append((n, k, p, s, d))
    return settings


def pool_settings(count, seed, dilation=True):
    """(n, k, q, s, d) with q the padding per side, within both frameworks' limit q <= k // 2."""
    rng = random.Random(seed)
    settings = [(5, 2, 1, 2, 1), (4, 2, 1, 2, 1), (7, 3, 1, 2, 1), (6, 3, 1, 3, 1), (1, 1, 0, 3, 1),
                (3, 2, 1, 3, 1)]  # including windows that would start in the right padding
    while len(settings) < count:
        n, k, s = rng.randint(1, 24), rng.randint(1, 6), rng.randint(1, 5)
        q, d = rng.randint(0, k // 2), rng.randint(1, 3) if dilation else 1
        if effective_kernel_size(k, d) <= n + 2 * q:
            settings.append((n, k, q, s, d))
    return settings


def window_starts(n, k, p, s, d, ceil_mode=False):
    """Independent reference: enumerate the windows one by one along the padded axis.

    floor: every window that fits. ceil: also one that sticks out past the end, if it starts
    before the input ends (PyTorch's pooling rule); the padding before the input is p // 2.
    """
    span = d * (k - 1) + 1
    starts = [i for i in range(0, n + p) if i % s == 0 and i + span <= n + p]
    if ceil_mode and starts[-1] + span < n + p:  # elements left over after the last window
        extra = starts[-1] + s
        if extra < p // 2 + n:
            starts.append(extra)
    return starts


# --- effective_kernel_size ----------------------------------------------------------------------

@pytest.mark.parametrize('k, d', [(k, d) for k in range(1, 7) for d in range(1, 5)])
def test_effective_kernel_size(k, d):
    taps = [i * d for i in range(k)]  # offsets of the taps from the first one
    assert effective_kernel_size(k, d) == taps[-1] + 1 == k + (k - 1) * (d - 1)
    span = effective_kernel_size(k, d)
    W = torch.zeros(1, 1, k, k)
    assert F.conv2d(torch.zeros(1, 1, span, span), W, dilation=d).shape[-2:] == (1, 1)
    if span > 1:  # one pixel less and the dilated kernel no longer fits
        with pytest.raises(RuntimeError):
            F.conv2d(torch.zeros(1, 1, span - 1, span - 1), W, dilation=d)
    assert effective_kernel_size(k) == k


def test_exported_by_both_frameworks(d2l):
    assert d2l.conv_output_size is arithmetic.conv_output_size
    assert d2l.effective_kernel_size is arithmetic.effective_kernel_size
    assert {'conv_output_size', 'effective_kernel_size'} <= set(arithmetic.__all__) <= set(d2l.__all__)


# --- convolutions ------------------------------------------------------------------------------

def test_formula_counts_windows():
    for n, k, p, s, d in conv_settings(500, seed=1):
        assert conv_output_size(n, k, p, s, d) == len(window_starts(n, k, p, s, d))
        floor = (n + p - d * (k - 1) - 1) // s + 1
        assert conv_output_size(n, k, p, s, d) == floor


def test_conv_matches_torch():
    """F.conv2d is what nn.Conv2d calls; an odd total padding puts the extra element after."""
    for n, k, p, s, d in conv_settings(300, seed=2):
        X = F.pad(torch.zeros(1, 1, n, n), (p // 2, p - p // 2, p // 2, p - p // 2))
        Y = F.conv2d(X, torch.zeros(1, 1, k, k), stride=s, dilation=d)
        assert Y.shape[-1] == conv_output_size(n, k, p, s, d), (n, k, p, s, d)
    for n, k, p, s, d in conv_settings(40, seed=3):  # the layer object itself, padding per side
        if effective_kernel_size(k, d) > n + p // 2 * 2:
            continue
        layer = torch_nn.Conv2d(1, 1, k, stride=s, padding=p // 2, dilation=d)
        assert layer(torch.zeros(1, 1, n, n)).shape[-1] == conv_output_size(n, k, p // 2 * 2, s, d)


def test_conv_matches_mxnet():
    for n, k, p, s, d in conv_settings(300, seed=4):
        X = mnp.pad(mnp.zeros((1, 1, n, n)), ((0, 0), (0, 0), (p // 2, p - p // 2), (p // 2, p - p // 2)))
        Y = npx.convolution(X, mnp.zeros((1, 1, k, k)), kernel=(k, k), stride=(s, s), dilate=(d, d),
                            num_filter=1, no_bias=True)
        assert Y.shape[-1] == conv_output_size(n, k, p, s, d), (n, k, p, s, d)
    for n, k, p, s, d in conv_settings(40, seed=5):
        if effective_kernel_size(k, d) > n + p // 2 * 2:
            continue
        layer = mx_nn.Conv2D(1, k, strides=s, padding=p // 2, dilation=d)
        layer.initialize()
        assert layer(mnp.zeros((1, 1, n, n))).shape[-1] == conv_output_size(n, k, p // 2 * 2, s, d)


def test_rectangular_inputs_axis_by_axis():
    rng = random.Random(6)
    for _ in range(50):
        n_h, n_w, k_h, k_w = rng.randint(5, 20), rng.randint(5, 20), rng.randint(1, 3), rng.randint(1, 3)
        q_h, q_w, s_h, s_w = rng.randint(0, 2), rng.randint(0, 2), rng.randint(1, 3), rng.randint(1, 3)
        d_h, d_w = rng.randint(1, 3), rng.randint(1, 3)
        shape = F.conv2d(torch.zeros(1, 1, n_h, n_w), torch.zeros(1, 1, k_h, k_w), stride=(s_h, s_w),
                         padding=(q_h, q_w), dilation=(d_h, d_w)).shape[-2:]
        assert tuple(shape) == (conv_output_size(n_h, k_h, 2 * q_h, s_h, d_h),
                                conv_output_size(n_w, k_w, 2 * q_w, s_w, d_w))


# --- pooling and ceil mode ------------------------------------------------------------------------

def test_pooling_matches_torch():
    for n, k, q, s, d in pool_settings(300, seed=7):
        X = torch.zeros(1, 1, n, n)
        for ceil_mode in (False, True):
            Y = F.max_pool2d(X, k, stride=s, padding=q, dilation=d, ceil_mode=ceil_mode)
            expected = conv_output_size(n, k, 2 * q, s, d, ceil_mode=ceil_mode)
            assert Y.shape[-1] == expected == len(window_starts(n, k, 2 * q, s, d, ceil_mode)), \
                (n, k, q, s, d, ceil_mode)
    for n, k, q, s, d in pool_settings(30, seed=8):
        layer = torch_nn.MaxPool2d(k, stride=s, padding=q, dilation=d, ceil_mode=True)
        assert layer(torch.zeros(1, 1, n, n)).shape[-1] == conv_output_size(n, k, 2 * q, s, d, ceil_mode=True)


def test_pooling_matches_mxnet():
    """MXNet's pooling has no dilation; its 'full' convention keeps a last window that starts in the
    right padding, which PyTorch (and conv_output_size) drop: exactly one more output there."""
    kept_by_mxnet_only = 0
    for n, k, q, s, _ in pool_settings(300, seed=9, dilation=False):
        X = mnp.zeros((1, 1, n, n))
        valid = npx.pooling(X, kernel=(k, k), stride=(s, s), pad=(q, q), pooling_convention='valid')
        full = npx.pooling(X, kernel=(k, k), stride=(s, s), pad=(q, q), pooling_convention='full')
        assert valid.shape[-1] == conv_output_size(n, k, 2 * q, s), (n, k, q, s)
        ceil = conv_output_size(n, k, 2 * q, s, ceil_mode=True)
        assert full.shape[-1] == math.ceil((n + 2 * q - k) / s) + 1
        starts_in_padding = full.shape[-1] > conv_output_size(n, k, 2 * q, s) and \
            (full.shape[-1] - 1) * s >= q + n
        assert full.shape[-1] == ceil + starts_in_padding, (n, k, q, s)
        kept_by_mxnet_only += starts_in_padding
    assert kept_by_mxnet_only > 10  # the settings do reach the case where the frameworks differ
    for n, k, q, s, _ in pool_settings(30, seed=10, dilation=False):
        for ceil_mode in (False, True):
            layer = mx_nn.MaxPool2D(k, strides=s, padding=q, ceil_mode=ceil_mode)
            got = layer(mnp.zeros((1, 1, n, n))).shape[-1]
            ours = conv_output_size(n, k, 2 * q, s, ceil_mode=ceil_mode)
            assert got == ours or ceil_mode and got == ours + 1 and (got - 1) * s >= q + n


def test_ceil_mode_example_of_the_pooling_page():
    # 5 x 5, window 2, stride 2: ceil gives 3; with padding 1 per side PyTorch gives 3, MXNet 4
    assert conv_output_size(5, 2, 0, 2) == 2 and conv_output_size(5, 2, 0, 2, ceil_mode=True) == 3
    assert conv_output_size(5, 2, 2, 2, ceil_mode=True) == 3
    assert F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, padding=1, ceil_mode=True).shape[-1] == 3
    assert npx.pooling(mnp.zeros((1, 1, 5, 5)), kernel=(2, 2), stride=(2, 2), pad=(1, 1),
                       pooling_convention='full').shape[-1] == 4


def test_ceil_mode_never_below_floor_and_at_most_one_more():
    for n, k, p, s, d in conv_settings(500, seed=11):
        floor, ceil = conv_output_size(n, k, p, s, d), conv_output_size(n, k, p, s, d, ceil_mode=True)
        assert floor <= ceil <= floor + 1
        if (n + p - effective_kernel_size(k, d)) % s == 0:
            assert ceil == floor


# --- border modes ---------------------------------------------------------------------------------

def test_same_matches_torch_padding_same():
    """Stride 1, odd and even kernels, with dilation: n outputs, the extra element after."""
    rng = random.Random(12)
    for k in range(1, 7):
        for d in range(1, 4):
            n = rng.randint(effective_kernel_size(k, d), 20)
            X, W = torch.randn(1, 1, n, n), torch.randn(1, 1, k, k)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # PyTorch warns that it may copy the input to pad it
                Y = F.conv2d(X, W, padding='same', dilation=d)
            assert Y.shape[-1] == conv_output_size(n, k, 'same', 1, d) == n
            p = effective_kernel_size(k, d) - 1  # the total padding 'same' stands for
            explicit = F.conv2d(F.pad(X, (p // 2, p - p // 2, p // 2, p - p // 2)), W, dilation=d)
            torch.testing.assert_close(Y, explicit)
    with pytest.raises((ValueError, RuntimeError), match='strided'):
        torch_nn.Conv2d(1, 1, 3, stride=2, padding='same')


def test_same_at_any_stride_is_ceil_n_over_s():
    for n in range(1, 30):
        for k in range(1, 6):
            for s in range(1, 5):
                for d in (1, 2, 3):
                    assert conv_output_size(n, k, 'same', s, d) == -(-n // s)
                    p = effective_kernel_size(k, d) - 1
                    assert conv_output_size(n, k, 'same', s, d) == conv_output_size(n, k, p, s, d)


@pytest.mark.parametrize('k_h, k_w', [(1, 1), (3, 3), (2, 4), (5, 2)])
def test_valid_and_full_match_scipy(k_h, k_w):
    rng = onp.random.default_rng(13)
    X, K = rng.normal(size=(9, 8)), rng.normal(size=(k_h, k_w))
    full = F.conv2d(torch.tensor(X)[None, None], torch.tensor(K)[None, None], padding=(k_h - 1, k_w - 1))
    valid = F.conv2d(torch.tensor(X)[None, None], torch.tensor(K)[None, None])
    onp.testing.assert_allclose(full[0, 0].numpy(), signal.correlate2d(X, K, mode='full'), atol=1e-12)
    onp.testing.assert_allclose(valid[0, 0].numpy(), signal.correlate2d(X, K, mode='valid'), atol=1e-12)
    assert full.shape[-2:] == (conv_output_size(9, k_h, 'full'), conv_output_size(8, k_w, 'full'))
    assert valid.shape[-2:] == (conv_output_size(9, k_h, 'valid'), conv_output_size(8, k_w, 'valid'))
    assert conv_output_size(9, k_h, 'full') == 9 + k_h - 1 and conv_output_size(9, k_h, 'valid') == 9 - k_h + 1


def test_full_with_dilation_and_stride():
    for n, k, s, d in [(5, 3, 1, 2), (7, 2, 1, 3), (6, 3, 2, 2), (1, 4, 3, 1)]:
        span = effective_kernel_size(k, d)
        assert conv_output_size(n, k, 'full', 1, d) == n + d * (k - 1)
        Y = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, dilation=d, padding=span - 1)
        assert Y.shape[-1] == conv_output_size(n, k, 'full', s, d)


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize('args, kwargs, message', [
    ((5, 3), {'dilation': 4}, 'the dilated kernel spans 9 pixels but the padded input has only 5: '
                              'pad by at least 4 more, or use a smaller kernel or dilation'),
    ((5, 3), {'padding': 2, 'dilation': 4}, 'spans 9 pixels but the padded input has only 7: pad by at least 2 more'),
    ((2, 3), {}, 'the kernel spans 3 pixels but the padded input has only 2: pad by at least 1 more, '
                 'or use a smaller kernel$'),
    ((5, 0), {}, 'kernel_size must be a whole number of at least 1, got 0'),
    ((5, 3), {'stride': 0}, 'stride must be a whole number of at least 1, got 0'),
    ((5, 3), {'stride': -2}, 'stride must be'),
    ((5, 3), {'dilation': 0}, 'dilation must be a whole number of at least 1, got 0'),
    ((5, 3), {'padding': -1}, 'padding must be a whole number of at least 0, got -1'),
    ((0, 1), {}, 'n must be a whole number of at least 1, got 0'),
    ((5, 3), {'stride': 1.5}, 'stride must be a whole number'),
    ((5, 3), {'padding': 'half'}, "padding='half' is not a border mode: use 'valid', 'same', 'full'"),
])
def test_impossible_settings(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args, **kwargs)


def test_frameworks_refuse_the_same_settings():
    # the first error case above: PyTorch and MXNet refuse it too
    with pytest.raises(RuntimeError, match="can't be greater"):
        F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), dilation=4)
    from mxnet.base import MXNetError
    with pytest.raises(MXNetError, match='kernel size exceed input'):
        npx.convolution(mnp.zeros((1, 1, 5, 5)), mnp.zeros((1, 1, 3, 3)), kernel=(3, 3), dilate=(4, 4),
                        num_filter=1, no_bias=True).wait_to_read()


def test_effective_kernel_size_errors():
    for kwargs in ({'kernel_size': 0}, {'kernel_size': 3, 'dilation': 0}, {'kernel_size': 2.5}):
        with pytest.raises(ValueError, match='must be a whole number of at least 1'):
            effective_kernel_size(**kwargs)


def test_numpy_integers_are_accepted():
    assert conv_output_size(onp.int64(10), onp.int32(3), onp.int64(2), 2) == 5
    assert type(conv_output_size(onp.int64(10), 3)) is int
