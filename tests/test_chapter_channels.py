"""Facts that chapters/channels.md relies on, checked in both frameworks.

The functions under test are taken from the page itself (its code cells), so the tests check the
code readers see. The references are independent of it: SciPy's correlate2d summed over channels,
NumPy matrix products, parameters counted from the frameworks' own layers, multiply-adds counted
from the output a layer actually produces, the numbers drawn in the section's SVG figure, and the
figures LeCun et al. (1998) report for LeNet-5's layer C3.
"""
import ast
import functools
import pathlib

import numpy as onp
import pytest
from scipy import signal

import torch
from torch import nn as torch_nn
from torch.nn import functional as F

from d2l_local import torch as d2l_torch  # noqa: F401  (imported by the page's cells as well)
from d2l_local import mxnet as d2l_mxnet  # noqa: F401
from mxnet import np as mnp, npx
from mxnet.gluon import nn as mx_nn

from book_ext.pages import framework_notebook, read_page
from conftest import svg_grids

npx.set_np()

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / 'chapters' / 'channels.md'
FRAMEWORKS = ['pytorch', 'mxnet']


@functools.lru_cache(maxsize=None)
def _page_cells(framework):
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), framework)
    return [cell.source for cell in notebook.cells if cell.cell_type == 'code']


def page_functions(framework, *names):
    """The functions ``names`` as defined on the page for ``framework`` (shared cells included).

    Only import statements and function definitions are executed, so demo code in the same cells
    does not run.
    """
    keep = []
    for source in _page_cells(framework):
        for node in ast.parse(source).body:
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


def page_assignments(framework, *names):
    """The values of the first top-level assignments to ``names`` in the page's code (imports run first)."""
    imports, found = [], {}
    for source in _page_cells(framework):
        for node in ast.parse(source).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and 'myst_nb' not in ast.unparse(node):
                imports.append(node)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and node.targets[0].id in names:
                found.setdefault(node.targets[0].id, node)
    namespace = {}
    exec(compile(ast.Module(body=imports + [found[name] for name in names], type_ignores=[]),
                 str(PAGE), 'exec'), namespace)
    npx.set_np()
    return [namespace[name] for name in names]


def page_value(name):
    """Run the page's framework-free cells (PyTorch notebook, shared cells only) and read a global."""
    namespace = {}
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), 'pytorch')
    for cell in notebook.cells:
        tags = cell.get('metadata', {}).get('tags', [])
        if cell.cell_type == 'code' and not tags and 'matplotlib' not in cell.source \
                and 'built_layer_facts' not in cell.source:
            exec(cell.source, namespace)
    return namespace[name]


def to_framework(framework, array):
    array = onp.asarray(array, dtype=onp.float32)
    return torch.tensor(array) if framework == 'pytorch' else mnp.array(array)


def to_numpy(x):
    return x.asnumpy() if hasattr(x, 'asnumpy') else x.detach().numpy()


SHAPES = [(1, 3, 3, 2, 2), (2, 3, 3, 2, 2), (3, 5, 6, 3, 2), (4, 4, 7, 1, 1), (5, 6, 5, 3, 3)]


# --- several input and output channels -----------------------------------------------------------

@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('c_i, n_h, n_w, k_h, k_w', SHAPES)
def test_multi_in_is_sum_of_scipy_correlations(framework, c_i, n_h, n_w, k_h, k_w):
    (multi_in,) = page_functions(framework, 'corr2d_multi_in')
    rng = onp.random.default_rng(c_i * 100 + n_h * 10 + k_h)
    X, K = rng.normal(size=(c_i, n_h, n_w)), rng.normal(size=(c_i, k_h, k_w))
    expected = sum(signal.correlate2d(X[c], K[c], mode='valid') for c in range(c_i))
    Y = to_numpy(multi_in(to_framework(framework, X), to_framework(framework, K)))
    onp.testing.assert_allclose(Y, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_multi_in_rejects_mismatched_channels(framework):
    (multi_in,) = page_functions(framework, 'corr2d_multi_in')
    with pytest.raises(ValueError, match='channels'):
        multi_in(to_framework(framework, onp.zeros((3, 4, 4))), to_framework(framework, onp.zeros((2, 2, 2))))


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('c_o', [1, 3])
def test_multi_in_out_matches_scipy_and_the_layer(framework, c_o):
    (multi_in_out,) = page_functions(framework, 'corr2d_multi_in_out')
    rng = onp.random.default_rng(c_o)
    X, K = rng.normal(size=(2, 5, 4)), rng.normal(size=(c_o, 2, 3, 2))
    expected = onp.stack([sum(signal.correlate2d(X[c], K[o, c], mode='valid') for c in range(2))
                          for o in range(c_o)])
    Y = to_numpy(multi_in_out(to_framework(framework, X), to_framework(framework, K)))
    assert Y.shape == (c_o, 3, 3)
    onp.testing.assert_allclose(Y, expected, rtol=1e-4, atol=1e-4)
    if framework == 'pytorch':
        layer_Y = F.conv2d(torch.tensor(X[None], dtype=torch.float32),
                           torch.tensor(K, dtype=torch.float32))[0].numpy()
    else:
        layer = mx_nn.Conv2D(c_o, kernel_size=(3, 2), in_channels=2, use_bias=False)
        layer.initialize()
        layer.weight.set_data(mnp.array(K, dtype='float32'))
        layer_Y = layer(mnp.array(X[None], dtype='float32'))[0].asnumpy()
    onp.testing.assert_allclose(layer_Y, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_figure_numbers(framework):
    g = svg_grids('channels-two-inputs.svg')
    X, K = onp.stack([g['x0'], g['x1']]), onp.stack([g['k0'], g['k1']])
    for c in range(2):  # the partial results drawn in the figure
        onp.testing.assert_allclose(signal.correlate2d(X[c], K[c], mode='valid'), g[f'p{c}'])
    onp.testing.assert_allclose(g['p0'] + g['p1'], g['y'])
    (multi_in,) = page_functions(framework, 'corr2d_multi_in')
    onp.testing.assert_allclose(to_numpy(multi_in(to_framework(framework, X), to_framework(framework, K))),
                                g['y'])
    # the arrays the page types into its code are the figure's
    X_page, K_page = page_assignments(framework, 'X', 'K')
    onp.testing.assert_array_equal(to_numpy(X_page), X)
    onp.testing.assert_array_equal(to_numpy(K_page), K)


# --- 1 x 1 convolution -------------------------------------------------------------------------

def per_pixel(K, X):
    """Reference for a 1 x 1 convolution: the weight matrix times each pixel's channel vector."""
    c_o, (h, w) = K.shape[0], X.shape[1:]
    Y = onp.zeros((c_o, h, w))
    for i in range(h):
        for j in range(w):
            Y[:, i, j] = K[:, :, 0, 0] @ X[:, i, j]
    return Y


def framework_1x1_layers(framework, K, X):
    """(conv layer with kernel_size=1, dense layer on channels-last pixels), both with weight K."""
    c_o, c_i = K.shape[:2]
    if framework == 'pytorch':
        conv = torch_nn.Conv2d(c_i, c_o, kernel_size=1, bias=False)
        dense = torch_nn.Linear(c_i, c_o, bias=False)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor(K, dtype=torch.float32))
            dense.weight.copy_(torch.tensor(K[:, :, 0, 0], dtype=torch.float32))
            X_t = torch.tensor(X[None], dtype=torch.float32)
            return (conv(X_t)[0].numpy(), dense(X_t[0].permute(1, 2, 0)).permute(2, 0, 1).numpy())
    conv = mx_nn.Conv2D(c_o, kernel_size=1, in_channels=c_i, use_bias=False)
    dense = mx_nn.Dense(c_o, in_units=c_i, use_bias=False, flatten=False)
    conv.initialize()
    dense.initialize()
    conv.weight.set_data(mnp.array(K, dtype='float32'))
    dense.weight.set_data(mnp.array(K[:, :, 0, 0], dtype='float32'))
    X_m = mnp.array(X, dtype='float32')
    return (conv(X_m[None])[0].asnumpy(), dense(X_m.transpose(1, 2, 0)).transpose(2, 0, 1).asnumpy())


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('c_i, c_o, h, w', [(3, 2, 4, 5), (1, 4, 3, 3), (8, 8, 2, 7)])
def test_1x1_is_the_same_matrix_at_every_pixel(framework, c_i, c_o, h, w):
    conv1x1, multi_in_out = page_functions(framework, 'conv1x1', 'corr2d_multi_in_out')
    rng = onp.random.default_rng(c_i + 10 * c_o)
    X, K = rng.normal(size=(c_i, h, w)), rng.normal(size=(c_o, c_i, 1, 1))
    expected = per_pixel(K, X)
    Y = to_numpy(conv1x1(to_framework(framework, X), to_framework(framework, K)))
    onp.testing.assert_allclose(Y, expected, rtol=1e-4, atol=1e-4)
    onp.testing.assert_allclose(to_numpy(multi_in_out(to_framework(framework, X), to_framework(framework, K))),
                                expected, rtol=1e-4, atol=1e-4)
    for layer_Y in framework_1x1_layers(framework, K, X):  # Conv2d(kernel_size=1) and Linear per pixel
        onp.testing.assert_allclose(layer_Y, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_colour_card_grey_and_swap(framework):
    card, K_mix = page_value('card'), page_value('K_mix')
    assert card.shape == (3, 4, 8) and K_mix.shape == (4, 3, 1, 1)
    (conv1x1,) = page_functions(framework, 'conv1x1')
    Y = to_numpy(conv1x1(to_framework(framework, card), to_framework(framework, K_mix)))
    onp.testing.assert_allclose(Y, per_pixel(K_mix.astype(float), card.astype(float)), atol=1e-6)
    # grey: the BT.601 luma weights; pure red, green, blue and white in the top row
    onp.testing.assert_allclose(Y[0, 0, :3], [0.299, 0.587, 0.114], atol=1e-6)
    onp.testing.assert_allclose(Y[0, 0, 6], 1.0, atol=1e-6)
    assert Y[0, 0, 1] > Y[0, 0, 0] > Y[0, 0, 2]  # the prose: green brightest, blue darkest
    # channels 1-3: the card with red and blue exchanged, exactly (zeros and ones only)
    onp.testing.assert_array_equal(Y[1:], card[::-1])
    # the page's arithmetic agrees with the frameworks' own layers
    for layer_Y in framework_1x1_layers(framework, K_mix, card):
        onp.testing.assert_allclose(layer_Y, Y, atol=1e-6)


# --- cost of a layer ---------------------------------------------------------------------------

LAYERS = [  # (c_in, c_out, kernel, input size, padding, stride)
    (1, 6, 5, 28, 2, 1), (6, 16, 5, 14, 0, 1), (64, 128, 3, 112, 1, 1), (256, 64, 1, 56, 0, 1),
    (64, 64, 3, 56, 1, 1), (3, 8, (3, 5), 20, (1, 0), 2), (5, 7, 2, 9, 0, 3),
]


def framework_count(framework, c_in, c_out, kernel, n, padding, stride):
    """(parameters, multiply-adds) counted from a layer the framework builds and runs."""
    k_h, k_w = (kernel, kernel) if isinstance(kernel, int) else kernel
    if framework == 'pytorch':
        layer = torch_nn.Conv2d(c_in, c_out, kernel, padding=padding, stride=stride)
        with torch.no_grad():
            out = layer(torch.zeros(1, c_in, n, n))
        params, out_elems, out_hw = sum(p.numel() for p in layer.parameters()), out.numel(), out.shape[2:]
    else:
        layer = mx_nn.Conv2D(c_out, kernel, padding=padding, strides=stride, in_channels=c_in)
        layer.initialize()
        out = layer(mnp.zeros((1, c_in, n, n)))
        params = sum(p.data().size for p in layer.collect_params().values())
        out_elems, out_hw = out.size, out.shape[2:]
    return params, out_elems * c_in * k_h * k_w, tuple(out_hw), (k_h, k_w)


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('layer', LAYERS)
def test_conv_cost_matches_an_independent_count(framework, layer):
    (conv_cost,) = page_functions(framework, 'conv_cost')
    params, madds, out_hw, kernel = framework_count(framework, *layer)
    assert conv_cost(layer[0], layer[1], kernel, out_hw) == (params, madds)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_built_layer_facts(framework):
    (facts,) = page_functions(framework, 'built_layer_facts')
    for c_in, c_out, k, n, padding, _ in LAYERS[:5]:
        params, _, out_hw, _ = framework_count(framework, c_in, c_out, k, n, padding, 1)
        assert tuple(facts(c_in, c_out, k, n, padding)) == (params, out_hw)


def test_numbers_the_prose_quotes():
    (conv_cost,) = page_functions('pytorch', 'conv_cost')
    # LeNet: 6 (1*25 + 1) = 156 parameters; 16 (6*25 + 1) = 2416
    assert conv_cost(1, 6, (5, 5), (28, 28)) == (156, 28 * 28 * 6 * 25)
    assert conv_cost(6, 16, (5, 5), (10, 10)) == (2416, 240_000)
    # the VGG-style layer uses each weight once per output pixel
    params, madds = conv_cost(64, 128, (3, 3), (112, 112))
    assert madds == (params - 128) * 112 * 112
    # the bottleneck is cheaper than the direct 3x3 layer on 256 channels
    direct = conv_cost(256, 256, (3, 3), (56, 56))
    bottleneck = [conv_cost(256, 64, (1, 1), (56, 56)), conv_cost(64, 64, (3, 3), (56, 56)),
                  conv_cost(64, 256, (1, 1), (56, 56))]
    assert sum(m for _, m in bottleneck) * 8 < direct[1]
    assert sum(p for p, _ in bottleneck) * 8 < direct[0]


def test_vgg_stages_cost_the_same():
    vgg16, vgg_costs = page_value('vgg16'), page_value('vgg_costs')
    assert len(vgg16) == 13
    madds = [n * n * c_in * c_out * 9 for n, c_in, c_out in vgg16]  # independent of conv_cost
    assert [m for _, m in vgg_costs] == madds
    assert len({madds[i] for i in (1, 3, 5, 6, 8, 9)}) == 1  # halve h and w, double channels
    assert madds[2] * 2 == madds[1] and madds[-1] * 4 == madds[1]


def test_lenet_c3_table():
    reads = page_value('reads')
    assert reads.shape == (6, 16)
    # LeCun et al. (1998): the first six C3 maps read 3 S2 maps, the next nine 4, the last all 6
    assert list(reads.sum(axis=0)) == [3] * 6 + [4] * 9 + [6]
    # and the layer has 1,516 trainable parameters and 151,600 connections
    params = int(reads.sum()) * 25 + 16
    assert params == 1516 and params * 100 == 151_600
    assert page_value('c3_params') == 1516
    # contiguous (cyclic) subsets for maps 0-11, non-contiguous ones for 12-14
    for c in range(12):
        rows = set(onp.nonzero(reads[:, c])[0])
        assert any(rows == {(start + d) % 6 for d in range(len(rows))} for start in range(6))
    for c in range(12, 15):
        rows = set(onp.nonzero(reads[:, c])[0])
        assert not any(rows == {(start + d) % 6 for d in range(4)} for start in range(6))


# --- the figures of several output channels and of a 1 x 1 layer ---------------------------------

def framework_conv(framework, X, K):
    """The framework's own convolutional layer (no bias) with weight K, applied to one example X."""
    if framework == 'pytorch':
        return F.conv2d(torch.tensor(X[None], dtype=torch.float32), torch.tensor(K, dtype=torch.float32))[0].numpy()
    layer = mx_nn.Conv2D(K.shape[0], kernel_size=K.shape[2:], in_channels=K.shape[1], use_bias=False)
    layer.initialize()
    layer.weight.set_data(mnp.array(K, dtype='float32'))
    return layer(mnp.array(X[None], dtype='float32'))[0].asnumpy()


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_multi_out_figure_numbers(framework):
    g = svg_grids('channels-multi-out.svg')
    X = onp.stack([g['x0'], g['x1']])
    K3 = onp.stack([onp.stack([g[f'k{o}{c}'] for c in range(2)]) for o in range(3)])
    Y = onp.stack([g[f'y{o}'] for o in range(3)])
    # the input is the two-input figure's, and the kernels are the page's K, 2K and K with its slices swapped
    two = svg_grids('channels-two-inputs.svg')
    onp.testing.assert_array_equal(X, onp.stack([two['x0'], two['x1']]))
    K = onp.stack([two['k0'], two['k1']])
    onp.testing.assert_array_equal(K3, onp.stack([K, 2 * K, K[::-1]]))
    (X_page,) = page_assignments(framework, 'X')
    onp.testing.assert_array_equal(to_numpy(X_page), X)
    # the outputs drawn: SciPy, the page's function and the framework's layer agree with them
    expected = onp.stack([sum(signal.correlate2d(X[c], K3[o, c], mode='valid') for c in range(2)) for o in range(3)])
    onp.testing.assert_array_equal(Y, expected)
    (multi_in_out,) = page_functions(framework, 'corr2d_multi_in_out')
    onp.testing.assert_allclose(to_numpy(multi_in_out(to_framework(framework, X), to_framework(framework, K3))), Y)
    onp.testing.assert_allclose(framework_conv(framework, X, K3), Y)
    # the worked entry: output channel 2, top left = 4 + 5
    assert (X[0, :2, :2] * K3[2, 0]).sum() == 4 and (X[1, :2, :2] * K3[2, 1]).sum() == 5 and Y[2, 0, 0] == 9


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_1x1_figure_numbers(framework):
    g = svg_grids('channels-1x1.svg')
    card, K_mix = page_value('card'), page_value('K_mix')
    assert 'yellow = (0, 3)' in PAGE.read_text()  # the pixel the page's prose describes
    onp.testing.assert_array_equal(g['x'][:, 0], card[:, 0, 3])
    onp.testing.assert_allclose(g['w'], K_mix[:, :, 0, 0], atol=1e-7)
    (conv1x1,) = page_functions(framework, 'conv1x1')
    Y = to_numpy(conv1x1(to_framework(framework, card), to_framework(framework, K_mix)))
    onp.testing.assert_allclose(g['y'][:, 0], Y[:, 0, 3], atol=5e-4)  # drawn with three decimals
    onp.testing.assert_allclose(g['y'][:, 0], framework_conv(framework, card, K_mix)[:, 0, 3], atol=5e-4)
    onp.testing.assert_allclose(g['y'][:, 0], g['w'] @ g['x'][:, 0], atol=5e-4)  # the equation drawn


# --- memory for training ------------------------------------------------------------------------

def test_block_memory_table():
    block_rows, batch = page_value('block_rows'), page_value('batch')
    assert batch == 32
    hw = 56 * 56
    expected_channels = {'direct 3x3': [256, 256], 'bottleneck': [64, 64, 64, 64, 256, 256]}
    for name, channels in expected_channels.items():
        rows = block_rows[name]
        assert [row['shape'] for row in rows] == [(c, 56, 56) for c in channels]
        assert [row['bytes'] for row in rows] == [4 * batch * c * hw for c in channels]  # float32
    direct, bottleneck = (sum(r['bytes'] for r in block_rows[n]) for n in ('direct 3x3', 'bottleneck'))
    assert bottleneck * 2 == direct * 3  # the prose: 1.5 times the memory ...
    madds = {n: sum(r['mult_adds'] for r in block_rows[n]) for n in block_rows}
    assert madds['bottleneck'] * 8 < madds['direct 3x3']  # ... for an eighth of the arithmetic
    assert madds['direct 3x3'] == 256 * 256 * 9 * hw
    params = sum(r['params'] for r in block_rows['bottleneck'])
    assert params == 256 * 64 + 64 + 64 * 64 * 9 + 64 + 64 * 256 + 256
    assert bottleneck > 1000 * 4 * params
