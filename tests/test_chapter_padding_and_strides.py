"""Facts that chapters/padding-and-strides.md relies on, checked in both frameworks.

The functions under test are taken from the page itself (its code cells), so the tests check the
code readers see. The references are independent of it: window positions enumerated one by one,
the frameworks' own layers built here, SciPy, the numbers drawn in the SVG figures, and the
224 x 224 table of a textbook the project cites.
"""
import ast
import pathlib
import warnings

import numpy as onp
import pytest
from scipy import signal

import torch
from torch import nn as torch_nn
from torch.nn import functional as F

from d2l_local import torch as d2l_torch  # noqa: F401  (imported by the page's cells as well)
from d2l_local import mxnet as d2l_mxnet
from mxnet import np as mnp, npx
from mxnet.base import MXNetError
from mxnet.gluon import nn as mx_nn

from book_ext.pages import framework_notebook, read_page
from conftest import svg_grids

npx.set_np()

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / 'chapters' / 'padding-and-strides.md'
FRAMEWORKS = ['pytorch', 'mxnet']


def page_functions(framework, *names):
    """The functions ``names`` as defined on the page for ``framework`` (shared cells included).

    Only import statements and function definitions are executed, so demo code in the same cells
    does not run.
    """
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), framework)
    keep = []
    for cell in notebook.cells:
        if cell.cell_type != 'code':
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and 'myst_nb' not in ast.unparse(node):
                keep.append(node)
            elif isinstance(node, ast.FunctionDef):  # all of them: one may call another
                keep.append(node)
    namespace = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(PAGE), 'exec'), namespace)
    npx.set_np()
    missing = [name for name in names if name not in namespace]
    assert not missing, f'the page defines no {missing} for {framework}'
    return [namespace[name] for name in names]


def positions(n, k, p, s):
    """Independent reference: the start of every window that fits, enumerated."""
    return len(range(0, n + p - k + 1, s))


def torch_layer_length(n, k, before, after, s):
    """Output length of nn.functional.conv2d, the function behind nn.Conv2d (layers are slow to build)."""
    X, W = torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k)
    if before == after:
        return F.conv2d(X, W, stride=s, padding=before).shape[-1]
    return F.conv2d(F.pad(X, (before, after, before, after)), W, stride=s).shape[-1]


def mxnet_layer_length(n, k, before, after, s):
    X = mnp.zeros((1, 1, n, n))
    if before == after:
        layer = mx_nn.Conv2D(1, k, strides=s, padding=before)
    else:
        layer = mx_nn.Conv2D(1, k, strides=s)
        X = mnp.pad(X, ((0, 0), (0, 0), (before, after), (before, after)))
    layer.initialize()
    return layer(X).shape[-1]


LAYER_LENGTH = {'pytorch': torch_layer_length, 'mxnet': mxnet_layer_length}
GRID = [(n, k, p, s) for n in (1, 2, 5, 7, 8, 11, 16) for k in (1, 2, 3, 4, 5, 7)
        for p in (0, 1, 2, 3, 4, 6) for s in (1, 2, 3, 5) if k <= n + p]


# --- the output-length formula ------------------------------------------------------------------

def test_formula_counts_window_positions():
    (length,) = page_functions('pytorch', 'conv_output_length')
    for n, k, p, s in GRID:
        assert length(n, k, p, s) == positions(n, k, p, s), (n, k, p, s)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_formula_matches_the_layers(framework):
    (length,) = page_functions(framework, 'conv_output_length')
    for n, k, p, s in GRID:
        assert LAYER_LENGTH[framework](n, k, p // 2, p - p // 2, s) == length(n, k, p, s), (n, k, p, s)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_page_measurement_is_the_layer(framework):
    """The page's measured_length really measures a layer (not the formula)."""
    (measured,) = page_functions(framework, 'measured_length')
    for n, k, p, s in GRID[::7]:
        before, after = p // 2, p - p // 2
        assert measured(n, k, before, after, s) == positions(n, k, p, s), (n, k, p, s)


def test_same_padding_gives_ceil_n_over_s():
    (length,) = page_functions('pytorch', 'conv_output_length')
    for n in range(1, 40):
        for k in range(1, 8):
            for s in range(1, 5):
                assert length(n, k, k - 1, s) == -(-n // s)


# --- the 224 x 224 table --------------------------------------------------------------------

# From the textbook the project's seeds cite (padding: total rows added; 'same' is k - 1).
EXPECTED_224 = {(2, 1, 'none'): 223, (3, 1, 'none'): 222, (2, 2, 'same'): 112, (3, 2, 'same'): 112,
                (2, 2, 'none'): 112, (3, 2, 'none'): 111, (2, 1, 'same'): 224, (3, 1, 'same'): 224}


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('k, s, padding', sorted(EXPECTED_224))
def test_224_table(framework, k, s, padding):
    measured, length = page_functions(framework, 'measured_length', 'conv_output_length')
    p = 0 if padding == 'none' else k - 1
    before, after = p // 2, p - p // 2
    expected = EXPECTED_224[k, s, padding]
    assert LAYER_LENGTH[framework](224, k, before, after, s) == expected
    if framework == 'pytorch':  # the layer object too, not only the function behind it
        X = F.pad(torch.zeros(1, 1, 224, 224), (0, after - before, 0, after - before))
        assert torch_nn.Conv2d(1, 1, k, stride=s, padding=before)(X).shape[2:] == (expected, expected)
    assert measured(224, k, before, after, s) == expected
    assert length(224, k, p, s) == expected


def test_224_with_3x3_stride_2_leaves_one_row_unread():
    # windows start at 0, 2, ..., 220 and cover up to row 222; row 223 is never read
    starts = range(0, 224 - 3 + 1, 2)
    covered = set().union(*(range(i, i + 3) for i in starts))
    assert set(range(224)) - covered == {223}


# --- halving 28 x 28, and different settings per axis ---------------------------------------------

@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_halving_28(framework):
    """Three stride-2 layers: 3x3 with padding 1 rounds the odd side up, 2x2 without padding down."""
    output_shape, length = page_functions(framework, 'output_shape', 'conv_output_length')
    for k, pad, expected in [(3, 1, [14, 7, 4]), (2, 0, [14, 7, 3])]:
        side, sides = 28, []
        for _ in range(3):
            layer = (torch_nn.Conv2d(1, 1, kernel_size=k, padding=pad, stride=2) if framework == 'pytorch'
                     else mx_nn.Conv2D(1, kernel_size=k, padding=pad, strides=2))
            new = output_shape(layer, side, side)
            assert new[0] == new[1] == positions(side, k, 2 * pad, 2) == length(side, k, 2 * pad, 2)
            side = new[0]
            sides.append(side)
        assert sides == expected
    # the 2x2 layer on 7 x 7: windows at 0, 2, 4 cover rows 0..5; row 6 is never read
    assert set(range(7)) - set().union(*(range(i, i + 2) for i in range(0, 7 - 2 + 1, 2))) == {6}


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_spectrogram_layer(framework):
    """Kernel (3, 4), padding (1, 0), stride (1, 4): 40 bands kept, time condensed fourfold."""
    output_shape, length = page_functions(framework, 'output_shape', 'conv_output_length')

    def layer():
        return (torch_nn.Conv2d(1, 1, kernel_size=(3, 4), padding=(1, 0), stride=(1, 4)) if framework == 'pytorch'
                else mx_nn.Conv2D(1, kernel_size=(3, 4), padding=(1, 0), strides=(1, 4)))

    for steps, expected in [(100, (40, 25)), (103, (40, 25)), (104, (40, 26))]:
        reference = (positions(40, 3, 2, 1), positions(steps, 4, 0, 4))
        assert tuple(output_shape(layer(), 40, steps)) == reference == expected
        assert (length(40, 3, 2, 1), length(steps, 4, 0, 4)) == reference
    if framework == 'pytorch':  # the layer object itself, not only the page's helper
        assert tuple(layer()(torch.zeros(1, 1, 40, 103)).shape[2:]) == (40, 25)
    # on 103 steps the windows cover steps 0..99: the last 3 are never read
    starts = range(0, 103 - 4 + 1, 4)
    assert set(range(103)) - set().union(*(range(i, i + 4) for i in starts)) == {100, 101, 102}


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('n_h, n_w', [(28, 28), (9, 13), (20, 7)])
def test_same_padding_keeps_shape(framework, n_h, n_w):
    (output_shape,) = page_functions(framework, 'output_shape')
    for kernel, padding in [(3, 1), (5, 2), ((1, 7), (0, 3)), ((7, 1), (3, 0))]:
        layer = (torch_nn.Conv2d(1, 1, kernel_size=kernel, padding=padding) if framework == 'pytorch'
                 else mx_nn.Conv2D(1, kernel_size=kernel, padding=padding))
        assert tuple(output_shape(layer, n_h, n_w)) == (n_h, n_w)


# --- padding: pixel counts, the figure, even kernels ---------------------------------------------

def test_windows_per_pixel():
    (count,) = page_functions('pytorch', 'windows_per_pixel')
    for n, k, pad in [(6, 3, 0), (6, 3, 1), (7, 2, 0), (5, 5, 2), (9, 4, 1)]:
        m = n + 2 * pad - k + 1  # window positions per axis
        reference = signal.convolve2d(onp.ones((m, m)), onp.ones((k, k)), mode='full')
        onp.testing.assert_array_equal(count(n, k, pad), reference[pad:pad + n, pad:pad + n])
    # the numbers the prose quotes
    assert count(6, 3)[0, 0] == 1 and count(6, 3)[2, 2] == 9 and count(6, 3, pad=1)[0, 0] == 4


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_padding_figure(framework):
    grids = svg_grids('padding-zero-border.svg')
    padded, K, Y = grids['xpad'], grids['k'], grids['y']
    assert padded.shape == (6, 6) and K.shape == (3, 3) and Y.shape == (4, 4)
    border = onp.ones((6, 6), dtype=bool)
    border[1:-1, 1:-1] = False
    assert (padded[border] == 0).all()  # one ring of zeros
    X = padded[1:-1, 1:-1]
    onp.testing.assert_allclose(signal.correlate2d(padded, K, mode='valid'), Y)
    if framework == 'pytorch':
        layer_Y = F.conv2d(torch.tensor(X, dtype=torch.float32)[None, None],
                           torch.tensor(K, dtype=torch.float32)[None, None], padding=1)[0, 0].numpy()
    else:
        layer = mx_nn.Conv2D(1, kernel_size=3, padding=1, in_channels=1, use_bias=False)
        layer.initialize()
        layer.weight.set_data(mnp.array(K[None, None], dtype='float32'))
        layer_Y = layer(mnp.array(X[None, None], dtype='float32'))[0, 0].asnumpy()
    onp.testing.assert_allclose(layer_Y, Y)


def test_stride_figure_arithmetic():
    # a 3x3 window with stride 2 on 6x6: two windows per axis, the last row and column unread
    assert positions(6, 3, 0, 2) == 2
    assert max(range(0, 6 - 3 + 1, 2)) + 3 == 5


def test_even_kernel_same_padding():
    X = torch.arange(784.0).reshape(1, 1, 28, 28)
    conv = torch_nn.Conv2d(1, 1, kernel_size=2)
    assert conv(F.pad(X, (1, 1, 1, 1))).shape[2:] == (29, 29)
    after = conv(F.pad(X, (0, 1, 0, 1)))
    assert after.shape[2:] == (28, 28)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # PyTorch warns that it may copy the input to pad it
        same = F.conv2d(X, conv.weight, conv.bias, padding='same')
    torch.testing.assert_close(same, after)  # PyTorch's 'same' pads after (bottom and right)
    with pytest.raises(ValueError):
        torch_nn.Conv2d(1, 1, kernel_size=2, stride=2, padding='same')  # stride 1 only
    X = mnp.zeros((1, 1, 28, 28))
    layer = mx_nn.Conv2D(1, kernel_size=2, padding=1)
    layer.initialize()
    assert layer(X).shape[2:] == (29, 29)


# --- layouts ------------------------------------------------------------------------------------

def test_torch_channels_last():
    X = torch.rand(2, 3, 4, 5)
    X_last = X.to(memory_format=torch.channels_last)
    assert X_last.shape == X.shape and X_last.stride()[1] == 1
    conv = torch_nn.Conv2d(3, 8, kernel_size=3, padding=1)
    torch.testing.assert_close(conv(X), conv(X_last))
    images = torch.rand(2, 4, 5, 3)
    assert images.permute(0, 3, 1, 2).is_contiguous(memory_format=torch.channels_last)


def test_mxnet_nhwc_transpose_and_cpu_limitation():
    images = onp.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype('float32')
    conv = mx_nn.Conv2D(8, kernel_size=3, padding=1, in_channels=3)
    conv.initialize()
    Y = conv(mnp.array(images).transpose(0, 3, 1, 2)).asnumpy()
    W, b = conv.weight.data().asnumpy(), conv.bias.data().asnumpy()
    padded = onp.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    for o in (0, 5):  # reference straight from the NHWC array
        ref = sum(signal.correlate2d(padded[0, :, :, c], W[o, c], mode='valid') for c in range(3)) + b[o]
        onp.testing.assert_allclose(Y[0, o], ref, rtol=1e-4, atol=1e-5)
    # the prose says: on a CPU, MXNet 1.9's NHWC convolution fails when it computes
    nhwc = mx_nn.Conv2D(8, kernel_size=3, padding=1, in_channels=3, layout='NHWC')
    nhwc.initialize()
    with pytest.raises(MXNetError):
        nhwc(mnp.array(images)).wait_to_read()


# --- dilation and the one output-size rule -------------------------------------------------------

def page_literals(framework, marker):
    """{name: value} of the literal-list assignments `name = torch.tensor([...])` (or np.array) in
    the page's code cell for ``framework`` that contains ``marker``."""
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), framework)
    (cell,) = [c for c in notebook.cells if c.cell_type == 'code' and marker in c.source]
    found = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args \
                and isinstance(node.value.args[0], ast.List):
            found[node.targets[0].id] = onp.array(ast.literal_eval(node.value.args[0]), dtype=float)
    return found


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_dilation_figure(framework):
    """The figure's output is the dilated cross-correlation of its input, by SciPy and the layers,
    and the page's code uses the figure's numbers."""
    grids = svg_grids('dilation-kernel.svg')
    X, K, Y = grids['x'], grids['k'], grids['y']
    assert X.shape == (7, 7) and K.shape == (3, 3) and Y.shape == (3, 3)
    spread = onp.zeros((5, 5))
    spread[::2, ::2] = K
    onp.testing.assert_allclose(signal.correlate2d(X, spread, mode='valid'), Y)
    if framework == 'pytorch':
        layer_Y = F.conv2d(torch.tensor(X)[None, None], torch.tensor(K)[None, None], dilation=2)[0, 0].numpy()
    else:
        layer = mx_nn.Conv2D(1, kernel_size=3, dilation=2, in_channels=1, use_bias=False)
        layer.initialize()
        layer.weight.set_data(mnp.array(K[None, None], dtype='float32'))
        layer_Y = layer(mnp.array(X[None, None], dtype='float32'))[0, 0].asnumpy()
    onp.testing.assert_allclose(layer_Y, Y)
    literals = page_literals(framework, 'dilation=2')
    onp.testing.assert_array_equal(literals['X'], X)
    onp.testing.assert_array_equal(literals['K'], K)


def test_page_helpers_behave_like_the_package():
    from d2l_local.arithmetic import conv_output_size, effective_kernel_size
    size, span = page_functions('pytorch', 'conv_output_size', 'effective_kernel_size')
    for n, k, p, s in GRID:
        for d in (1, 2, 3):
            if d * (k - 1) + 1 > n + p:
                with pytest.raises(ValueError, match='pad by at least'):
                    size(n, k, p, s, d)
                continue
            for ceil_mode in (False, True):
                assert size(n, k, p, s, d, ceil_mode) == conv_output_size(n, k, p, s, d, ceil_mode)
            assert span(k, d) == effective_kernel_size(k, d)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_measured_length_with_dilation(framework):
    (measured,) = page_functions(framework, 'measured_length')
    for n, k, before, after, s, d in [(10, 3, 1, 1, 1, 2), (9, 2, 0, 1, 2, 3), (12, 3, 2, 2, 3, 2), (7, 3, 0, 0, 1, 3)]:
        assert measured(n, k, before, after, s, d) == len(range(0, n + before + after - d * (k - 1), s))


@pytest.mark.parametrize('k, d, expected', [(3, 1, (26, 28, 30)), (4, 1, (25, 28, 31)), (3, 2, (24, 28, 32))])
def test_border_modes_on_28(k, d, expected):
    """The page's valid / same / full lengths, against SciPy's modes of the same names."""
    spread = onp.zeros((d * (k - 1) + 1,) * 2)
    spread[::d, ::d] = 1
    X = onp.ones((28, 28))
    lengths = tuple(signal.correlate2d(X, spread, mode=mode).shape[0] for mode in ('valid', 'same', 'full'))
    assert lengths == expected
    (size,) = page_functions('pytorch', 'conv_output_size')
    assert tuple(size(28, k, mode, dilation=d) for mode in ('valid', 'same', 'full')) == expected


def test_same_padding_errors_quoted_on_the_page():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        torch_nn.Conv2d(1, 1, kernel_size=4, stride=2, padding='same')
    with pytest.raises(MXNetError, match="value='same'"):
        mx_nn.Conv2D(1, kernel_size=4, padding='same')
    X = torch.rand(1, 1, 6, 6)
    conv = torch_nn.Conv2d(1, 1, kernel_size=4, padding='same', bias=False)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        Y = conv(X)
    torch.testing.assert_close(Y, F.conv2d(F.pad(X, (1, 2, 1, 2)), conv.weight))  # 1 before, 2 after


def test_ceil_mode_border_example():
    """5 x 5, window 2, stride 2, padding 1 per side, ceil mode: PyTorch 3, MXNet 4."""
    assert torch_nn.MaxPool2d(2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 5, 5)).shape[-1] == 3
    assert mx_nn.MaxPool2D(2, padding=1, ceil_mode=True)(mnp.zeros((1, 1, 5, 5))).shape[-1] == 4
    (size,) = page_functions('pytorch', 'conv_output_size')
    assert size(5, 2, 2, 2) == 3 and size(5, 2, 2, 2, ceil_mode=True) == 3
    # the window that MXNet keeps starts at padded position 6; the input occupies positions 1 to 5
    assert 3 * 2 == 6 >= 1 + 5


def test_dilated_stack_regions():
    """1 + the sum of (span - 1): 9 for four plain 3x3 layers, 31 for dilations 1, 2, 4, 8 (by autograd)."""
    for dilations, expected in [([1, 1, 1, 1], 9), ([1, 2, 4, 8], 31)]:
        X = torch.rand(1, 1, 41, 41, requires_grad=True)
        Y = X
        for d in dilations:
            Y = F.conv2d(Y, torch.ones(1, 1, 3, 3), dilation=d, padding=d)
        Y[0, 0, 20, 20].backward()
        rows = onp.nonzero(X.grad[0, 0].numpy().any(axis=1))[0]
        assert rows.max() - rows.min() + 1 == expected
