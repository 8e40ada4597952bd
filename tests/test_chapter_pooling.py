"""The facts that the Pooling section (chapters/pooling.md) relies on, checked in both frameworks.

Every framework result is compared with an independent NumPy reference or with a formula:
``pool2d`` and the pooling layers against ``sliding_window_view``, output sizes against
floor/ceil formulas, the figure's numbers against both, local maxima against SciPy's maximum
filter, and the shift-robustness counts against a NumPy pipeline that shifts with ``np.pad`` and
pools by reshaping into blocks.
"""
import ast
import math
import pathlib

import numpy as onp
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage

from d2l_local import mxnet as d2l_mxnet  # first: it prepares NumPy for MXNet
from d2l_local import torch as d2l_torch

import torch  # noqa: E402
from mxnet import np as mnp, npx  # noqa: E402
from mxnet.gluon import nn as mnn  # noqa: E402
from torch import nn as tnn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from book_ext.pages import framework_notebook, read_page  # noqa: E402
from conftest import svg_grids  # noqa: E402

npx.set_np()

PAGE = pathlib.Path(__file__).resolve().parents[1] / 'chapters' / 'pooling.md'


def page_feature_map():
    """The array `feature_map = onp.array([...])` that a shared cell of the page defines."""
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), 'pytorch')
    for cell in notebook.cells:
        if cell.cell_type != 'code':
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == 'feature_map':
                return onp.array(ast.literal_eval(node.value.args[0]), dtype=onp.float32)
    raise AssertionError('the page defines no feature_map')


# ---------------------------------------------------------------- framework adapters

def _torch_layer(mode, pool_size, stride=None, padding=0, ceil_mode=False):
    layer = tnn.MaxPool2d if mode == 'max' else tnn.AvgPool2d
    return layer(pool_size, stride=stride, padding=padding, ceil_mode=ceil_mode)


def _mxnet_layer(mode, pool_size, stride=None, padding=0, ceil_mode=False):
    layer = mnn.MaxPool2D if mode == 'max' else mnn.AvgPool2D
    return layer(pool_size, strides=stride, padding=padding, ceil_mode=ceil_mode)


FRAMEWORKS = {
    'pytorch': dict(pool2d=d2l_torch.pool2d, tensor=lambda a: torch.from_numpy(onp.ascontiguousarray(a)),
                    layer=_torch_layer, to_numpy=lambda t: t.detach().numpy()),
    'mxnet': dict(pool2d=d2l_mxnet.pool2d, tensor=mnp.array,
                  layer=_mxnet_layer, to_numpy=lambda t: t.asnumpy()),
}


@pytest.fixture(params=list(FRAMEWORKS))
def fw(request):
    return FRAMEWORKS[request.param]


def apply_layer(fw, X, *args, **kwargs):
    """Run a framework pooling layer on a NumPy array of shape (batch, channel, h, w)."""
    return fw['to_numpy'](fw['layer'](*args, **kwargs)(fw['tensor'](X.astype(onp.float32))))


# ---------------------------------------------------------------- NumPy references

def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def reference_pool(X, pool_size, mode='max', stride=1):
    """Pooling of a 2-D array by sliding_window_view, windows that fit entirely only."""
    (ph, pw), (sh, sw) = pair(pool_size), pair(stride)
    windows = sliding_window_view(X, (ph, pw))[::sh, ::sw]
    return windows.max(axis=(-2, -1)) if mode == 'max' else windows.mean(axis=(-2, -1))


def reference_pool_padded(X, pool_size, stride, padding, mode='max'):
    """Max pooling with -inf padding, or average pooling with zero padding counted in the mean."""
    (ph, pw), (pad_h, pad_w) = pair(pool_size), pair(padding)
    fill = -onp.inf if mode == 'max' else 0.0
    padded = onp.pad(X.astype(onp.float64), ((pad_h, pad_h), (pad_w, pad_w)), constant_values=fill)
    return reference_pool(padded, (ph, pw), mode, stride)


def block_max(X, k):
    """Non-overlapping k x k max pooling of a 2-D array whose sides are multiples of k."""
    h, w = X.shape
    return X.reshape(h // k, k, w // k, k).max(axis=(1, 3))


def reference_shift(X, dy, dx):
    """X moved dy rows down and dx columns right, zeros entering: by padding, then cropping."""
    h, w = X.shape
    return onp.pad(X, 1)[1 - dy:1 - dy + h, 1 - dx:1 - dx + w]


# ---------------------------------------------------------------- pool2d and the layers

@pytest.mark.parametrize('pool_size', [1, 2, 3, (2, 3), (3, 1)])
@pytest.mark.parametrize('mode', ['max', 'avg'])
@pytest.mark.parametrize('stride', [1, 2, (1, 2)])
def test_pool2d_and_layers_match_numpy(fw, pool_size, mode, stride):
    X = onp.random.default_rng(3).normal(size=(7, 6)).astype(onp.float32)
    expected = reference_pool(X, pool_size, mode, stride)
    mine = fw['to_numpy'](fw['pool2d'](fw['tensor'](X), pool_size, mode, stride))
    assert mine.shape == expected.shape
    onp.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-6)
    layer = apply_layer(fw, X[None, None], mode, pool_size, stride)[0, 0]
    assert layer.shape == expected.shape
    onp.testing.assert_allclose(layer, expected, rtol=1e-5, atol=1e-6)


def test_figure_is_the_page_map_pooled():
    """fig-pooling-max-window: its input is the page's feature_map, its output 2x2/stride-2 max pooling."""
    grids = svg_grids('pooling-max-window.svg')
    X, Y = grids['x'], grids['y']
    onp.testing.assert_array_equal(X, page_feature_map())
    assert X.shape == (6, 6) and Y.shape == (3, 3)
    onp.testing.assert_array_equal(Y, reference_pool(X, 2, 'max', 2))


def test_pool2d_reproduces_the_figure(fw):
    X = page_feature_map()
    grids = svg_grids('pooling-max-window.svg')
    Y = fw['to_numpy'](fw['pool2d'](fw['tensor'](X), 2, stride=2))
    onp.testing.assert_array_equal(Y, grids['y'])
    A = fw['to_numpy'](fw['pool2d'](fw['tensor'](X), 2, 'avg', stride=2))
    onp.testing.assert_allclose(A, X.reshape(3, 2, 3, 2).mean(axis=(1, 3)))
    assert A[0, 0] == (0 + 1 + 1 + 8) / 4  # "dilutes it to 2.5"
    # stride 1: a 5 x 5 output in which the strongest peak fills the four windows that cover it
    O = fw['to_numpy'](fw['pool2d'](fw['tensor'](X), 2))
    assert O.shape == (5, 5) and (O == X.max()).sum() == 4
    onp.testing.assert_array_equal(O, reference_pool(X, 2, 'max', 1))


@pytest.mark.parametrize('call, message', [
    (lambda f, X: f(X, 0), 'pool_size'),
    (lambda f, X: f(X, -2), 'pool_size'),
    (lambda f, X: f(X, (2, 0)), 'pool_size'),
    (lambda f, X: f(X, 2.5), 'pool_size'),
    (lambda f, X: f(X, True), 'pool_size'),
    (lambda f, X: f(X, 2, stride=0), 'stride'),
    (lambda f, X: f(X, 2, stride=(1, -1)), 'stride'),
    (lambda f, X: f(X, 5), 'larger than the input'),
    (lambda f, X: f(X, (1, 5)), 'larger than the input'),
    (lambda f, X: f(X, 2, 'min'), "mode must be 'max' or 'avg'"),
    (lambda f, X: f(X.reshape(1, 4, 4), 2), '2-D'),
])
def test_pool2d_rejects_bad_arguments(fw, call, message):
    X = fw['tensor'](onp.arange(16, dtype=onp.float32).reshape(4, 4))
    with pytest.raises(ValueError, match=message):
        call(fw['pool2d'], X)


# ---------------------------------------------------------------- padding, stride, channels

def test_default_stride_is_the_window(fw):
    X = page_feature_map()[None, None]
    Y = apply_layer(fw, X, 'max', 2)
    assert Y.shape == (1, 1, 3, 3)  # stride 2 by default; with stride 1 it would be 5 x 5
    onp.testing.assert_array_equal(Y[0, 0], svg_grids('pooling-max-window.svg')['y'])
    assert apply_layer(fw, X, 'max', 2, 1).shape == (1, 1, 5, 5)
    Z = onp.random.default_rng(4).normal(size=(1, 1, 9, 8))
    onp.testing.assert_allclose(apply_layer(fw, Z, 'avg', (2, 3))[0, 0],
                                reference_pool(Z[0, 0], (2, 3), 'avg', (2, 3)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('pool_size, stride, padding', [(3, 1, 1), (2, 2, 1), ((3, 2), (1, 2), (1, 0)), (4, 3, 2)])
@pytest.mark.parametrize('mode', ['max', 'avg'])
def test_padding_matches_formula_and_reference(fw, pool_size, stride, padding, mode):
    """Padded entries are -inf for max pooling and zeros counted in the mean for average pooling."""
    X = -onp.arange(1, 31, dtype=onp.float32).reshape(1, 1, 5, 6)  # all negative: a 0 pad would show
    Y = apply_layer(fw, X, mode, pool_size, stride, padding)
    (kh, kw), (sh, sw), (ph, pw) = pair(pool_size), pair(stride), pair(padding)
    assert Y.shape[2:] == ((5 + 2 * ph - kh) // sh + 1, (6 + 2 * pw - kw) // sw + 1)
    onp.testing.assert_allclose(Y[0, 0], reference_pool_padded(X[0, 0], pool_size, stride, padding, mode),
                                rtol=1e-5)


def test_max_filter_finds_the_peaks(fw):
    """3x3 max pooling, stride 1, padding 1: same size, and X == result marks the local maxima."""
    X = page_feature_map()
    M = apply_layer(fw, X[None, None], 'max', 3, 1, 1)[0, 0]
    assert M.shape == X.shape
    reference = ndimage.maximum_filter(X, size=3, mode='constant', cval=-onp.inf)
    onp.testing.assert_array_equal(M, reference)
    peaks = onp.argwhere(X == M)
    assert peaks.tolist() == [[1, 1], [2, 5], [4, 3], [5, 0]]  # the four peaks, the corner one too
    assert X[X == M].tolist() == [8, 5, 3, 6]
    # with zero padding instead of -inf, the same holds here (the map is nonnegative) ...
    zero_padded = ndimage.maximum_filter(X, size=3, mode='constant', cval=0)
    onp.testing.assert_array_equal(zero_padded, reference)
    # ... but not for a map whose corner is negative: -inf padding is what makes the corner a maximum
    negative = X - 10
    M = apply_layer(fw, negative[None, None], 'max', 3, 1, 1)[0, 0]
    assert (negative == M)[5, 0]


def test_column_and_row_windows(fw):
    X = page_feature_map()
    columns = apply_layer(fw, X[None, None], 'max', (6, 1))[0, 0]
    rows = apply_layer(fw, X[None, None], 'max', (1, 6))[0, 0]
    assert columns.shape == (1, 6) and rows.shape == (6, 1)
    onp.testing.assert_array_equal(columns[0], X.max(axis=0))
    onp.testing.assert_array_equal(rows[:, 0], X.max(axis=1))


def test_pooling_is_per_channel_and_has_no_parameters(fw):
    X = onp.random.default_rng(5).normal(size=(2, 3, 6, 6)).astype(onp.float32)
    Y = apply_layer(fw, X, 'max', 3, 2, 1)
    assert Y.shape[:2] == X.shape[:2]
    for b in range(2):
        for c in range(3):
            onp.testing.assert_allclose(Y[b, c], reference_pool_padded(X[b, c], 3, 2, 1))
    assert len(list(_torch_layer('max', 2).parameters())) == 0
    assert len(_mxnet_layer('max', 2).collect_params().keys()) == 0


def test_mirrored_channel_pools_to_the_mirrored_output(fw):
    """The page's two channels: the map and its mirror image; 2x2 windows tile the width 6."""
    X = page_feature_map()
    both = onp.stack([X, X[:, ::-1]])[None]
    Y = apply_layer(fw, both, 'max', 2)
    assert Y.shape == (1, 2, 3, 3)
    onp.testing.assert_array_equal(Y[0, 0], reference_pool(X, 2, 'max', 2))
    onp.testing.assert_array_equal(Y[0, 1], Y[0, 0, :, ::-1])
    # with a window that does not divide the width, mirroring does not commute with pooling
    odd = apply_layer(fw, both, 'max', (1, 4))
    assert odd.shape == (1, 2, 6, 1)
    assert not (odd[0, 1] == odd[0, 0, :, ::-1]).all()


def test_global_average_pooling_gives_channel_means():
    for h, w in [(7, 7), (12, 9)]:
        X = onp.random.default_rng(h).normal(size=(1, 10, h, w)).astype(onp.float32)
        expected = X.mean(axis=(2, 3), keepdims=True)
        onp.testing.assert_allclose(tnn.AdaptiveAvgPool2d(1)(torch.from_numpy(X)).numpy(), expected, rtol=1e-5,
                                    atol=1e-6)
        onp.testing.assert_allclose(mnn.GlobalAvgPool2D()(mnp.array(X)).asnumpy(), expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- floor or ceil at the border

def ceil_reference(X, k, s):
    """Max pooling that keeps partial windows: pad the bottom/right with -inf up to the ceil size."""
    n = X.shape[0]
    out = math.ceil((n - k) / s) + 1
    extra = (out - 1) * s + k - n
    padded = onp.pad(X.astype(onp.float64), ((0, extra), (0, extra)), constant_values=-onp.inf)
    return reference_pool(padded, k, 'max', s)


@pytest.mark.parametrize('n', [5, 6, 7, 8, 9])
@pytest.mark.parametrize('k, s', [(2, 1), (2, 2), (3, 1), (3, 2), (3, 3)])
def test_floor_and_ceil_output_sizes(fw, n, k, s):
    X = onp.arange(n * n, dtype=onp.float32).reshape(1, 1, n, n)
    floor_side, ceil_side = math.floor((n - k) / s) + 1, math.ceil((n - k) / s) + 1
    Y_floor = apply_layer(fw, X, 'max', k, s, ceil_mode=False)
    Y_ceil = apply_layer(fw, X, 'max', k, s, ceil_mode=True)
    assert Y_floor.shape[2:] == (floor_side, floor_side)
    assert Y_ceil.shape[2:] == (ceil_side, ceil_side)
    onp.testing.assert_array_equal(Y_floor[0, 0], reference_pool(X[0, 0], k, 'max', s))
    onp.testing.assert_array_equal(Y_ceil[0, 0], ceil_reference(X[0, 0], k, s))


def test_five_by_five_example_of_the_page():
    X = onp.arange(25, dtype=onp.float32).reshape(1, 1, 5, 5)
    for fw in FRAMEWORKS.values():
        assert apply_layer(fw, X, 'max', 2).shape == (1, 1, 2, 2)
        Y = apply_layer(fw, X, 'max', 2, ceil_mode=True)
        assert Y.shape == (1, 1, 3, 3)
        onp.testing.assert_array_equal(Y[0, 0, :, -1], [9, 19, 24])
    # rows and columns 0..3 are read by the floor windows: 25 - 16 = 9 entries are never read
    assert 25 - ((2 - 1) * 2 + 2) ** 2 == 9
    # MXNet's operator: 'valid' and 'full' conventions are the floor and ceil layers
    Xm = mnp.array(X)
    for convention, ceil_mode in (('valid', False), ('full', True)):
        op = npx.pooling(Xm, kernel=(2, 2), stride=(2, 2), pool_type='max', pooling_convention=convention)
        onp.testing.assert_array_equal(op.asnumpy(), mnn.MaxPool2D(2, ceil_mode=ceil_mode)(Xm).asnumpy())


def test_padded_ceil_mode_differs_between_frameworks():
    """PyTorch drops a last window that would start in the right padding; MXNet keeps it."""
    n, k, s, p = 5, 2, 2, 1
    X = onp.arange(n * n, dtype=onp.float32).reshape(1, 1, n, n)
    ceil_side = math.ceil((n + 2 * p - k) / s) + 1
    torch_side = ceil_side - 1 if (ceil_side - 1) * s >= n + p else ceil_side  # PyTorch's documented rule
    assert (torch_side, ceil_side) == (3, 4)
    Yt = apply_layer(FRAMEWORKS['pytorch'], X, 'max', k, s, p, ceil_mode=True)
    Ym = apply_layer(FRAMEWORKS['mxnet'], X, 'max', k, s, p, ceil_mode=True)
    assert Yt.shape[2:] == (torch_side, torch_side)
    assert Ym.shape[2:] == (ceil_side, ceil_side)
    onp.testing.assert_array_equal(Ym[0, 0, :3, :3], Yt[0, 0])
    lowest = onp.finfo(onp.float32).min  # "the most negative float32 number"
    assert (Ym[0, 0, -1, :] == lowest).all() and (Ym[0, 0, :, -1] == lowest).all()


# ---------------------------------------------------------------- shift robustness

DIRECTIONS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
AXIS = [i for i, (dy, dx) in enumerate(DIRECTIONS) if dy == 0 or dx == 0]
DIAGONAL = [i for i, (dy, dx) in enumerate(DIRECTIONS) if dy != 0 and dx != 0]


def page_image():
    """The page's input: its shared generator first draws the 7 x 7 example, then the image."""
    rng = onp.random.default_rng(0)
    rng.normal(size=(7, 7))
    return rng.uniform(size=(36, 36)).astype(onp.float32)


def page_shift(X, dy, dx):
    """The page's shift_image, copied: slicing into zeros."""
    h, w = X.shape
    Y = onp.zeros_like(X)
    Y[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        X[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return Y


def reference_counts(image, k):
    """Unchanged k x k max-pooled outputs per direction: np.pad shifts and block maxima."""
    P = block_max(image, k)
    return [int((block_max(reference_shift(image, dy, dx), k) == P).sum()) for dy, dx in DIRECTIONS]


def framework_counts(fw, images, k, mode='max'):
    """The page's computation: pool a batch of the original and its shifts with the framework layer."""
    Y = apply_layer(fw, images, mode, k)
    return [int(c) for c in (Y[1:] == Y[0]).sum(axis=(1, 2, 3))], Y[0].size


@pytest.fixture(scope='module')
def shift_data():
    image = page_image()
    images = onp.stack([image] + [page_shift(image, dy, dx) for dy, dx in DIRECTIONS])[:, None]
    return image, images


def test_page_shift_matches_padding_shift(shift_data):
    image, images = shift_data
    for i, (dy, dx) in enumerate(DIRECTIONS):
        onp.testing.assert_array_equal(images[i + 1, 0], reference_shift(image, dy, dx))
    assert len(onp.unique(image)) == image.size  # "the values of our image are all distinct"


def test_shift_counts_equal_numpy_reference_and_support_the_claims(shift_data):
    image, images = shift_data
    fractions = {}
    for k in (2, 3):
        expected = reference_counts(image, k)
        for fw in FRAMEWORKS.values():
            counts, size = framework_counts(fw, images, k)
            assert counts == expected
            assert size == (36 // k) ** 2
        fractions[k] = [c / (36 // k) ** 2 for c in expected]
    # the page's asserts: over all eight shifts the 3x3 window keeps more than the 2x2 window; axis
    # shifts are tolerated better than diagonal ones; even 3x3 windows lose most outputs diagonally
    assert sum(fractions[3]) > sum(fractions[2])
    for k in (2, 3):
        f = fractions[k]
        assert onp.mean([f[i] for i in AXIS]) > onp.mean([f[i] for i in DIAGONAL])
    assert onp.mean([fractions[3][i] for i in DIAGONAL]) < 0.5


def test_no_pixel_and_no_average_survives_a_shift(shift_data):
    _, images = shift_data
    assert int((images[1:] == images[0]).sum()) == 0
    for fw in FRAMEWORKS.values():
        for k in (2, 3):
            counts, _ = framework_counts(fw, images, k, mode='avg')
            assert sum(counts) == 0


@pytest.mark.parametrize('k', [2, 3, 4])
def test_interior_probability_formulas(k):
    """P_axis = (k-1)/(k+1) and P_diagonal = (k-1)^2 / (2k^2 - (k-1)^2), by simulation."""
    image = onp.random.default_rng(10 + k).uniform(size=(k * 200, k * 200))
    P = block_max(image, k)
    interior = (slice(1, -1), slice(1, -1))  # windows that no zero entering at the border reaches
    measured = {}
    for name, (dy, dx) in (('axis', (0, 1)), ('diagonal', (1, 1))):
        measured[name] = (block_max(reference_shift(image, dy, dx), k) == P)[interior].mean()
    assert measured['axis'] == pytest.approx((k - 1) / (k + 1), abs=0.01)
    assert measured['diagonal'] == pytest.approx((k - 1) ** 2 / (2 * k * k - (k - 1) ** 2), abs=0.01)


# ---------------------------------------------------------------- the Theano tutorial's count

def kept_inside(k):
    """Shifts (of the eight) that keep position (a, b) inside a k x k window, by enumeration."""
    return onp.array([[sum(0 <= a + dy < k and 0 <= b + dx < k for dy, dx in DIRECTIONS) for b in range(k)]
                      for a in range(k)])


@pytest.mark.parametrize('k', [2, 3, 4])
def test_lone_activation_survives_the_shifts_that_keep_it_inside(fw, k):
    """Sparse maps with one activation per window at (a, b): pooled outputs unchanged per window."""
    rng = onp.random.default_rng(20 + k)
    windows = 4
    for a in range(k):
        for b in range(k):
            X = onp.zeros((windows * k, windows * k), dtype=onp.float32)
            X[a::k, b::k] = rng.uniform(1, 2, size=(windows, windows))
            images = onp.stack([X] + [reference_shift(X, dy, dx) for dy, dx in DIRECTIONS])[:, None]
            Y = apply_layer(fw, images, 'max', k)
            assert (Y[1:] == Y[0]).sum() == kept_inside(k)[a, b] * windows ** 2


def test_tutorial_fractions():
    """3/8 holds at every position of a 2x2 window; 5/8 only at the edge middles of a 3x3 window."""
    assert (kept_inside(2) == 3).all()
    k3 = kept_inside(3)
    assert k3.tolist() == [[3, 5, 3], [5, 8, 5], [3, 5, 3]]
    assert k3.mean() / 8 == pytest.approx(5 / 9)
    for k in range(2, 7):  # the page's formula for the average over positions
        assert kept_inside(k).mean() / 8 == pytest.approx(((k - 1) / k + ((k - 1) / k) ** 2) / 2)


# ---------------------------------------------------------------- gradients through pooling

def gradient_through(framework, mode, X, G, pool_size, stride=None):
    """The gradient a framework's pooling layer sends back to X (4-D NumPy) when G arrives."""
    if framework == 'pytorch':
        Xt = torch.tensor(X, requires_grad=True)
        _torch_layer(mode, pool_size, stride)(Xt).backward(torch.tensor(G))
        return Xt.grad.numpy()
    from mxnet import autograd
    Xm = mnp.array(X)
    Xm.attach_grad()
    with autograd.record():
        Y = _mxnet_layer(mode, pool_size, stride)(Xm)
    Y.backward(mnp.array(G))
    return Xm.grad.asnumpy()


@pytest.mark.parametrize('framework', list(FRAMEWORKS))
@pytest.mark.parametrize('k', [2, 3])
def test_average_pooling_sends_one_over_k_squared(framework, k):
    rng = onp.random.default_rng(30 + k)
    X = rng.normal(size=(2, 3, 4 * k, 4 * k)).astype(onp.float32)
    G = rng.integers(1, 9, size=(2, 3, 4, 4)).astype(onp.float32)
    grad = gradient_through(framework, 'avg', X, G, k)
    # exact: small integers over k^2 (for k = 3 a division by 9, within one float32 rounding)
    onp.testing.assert_allclose(grad, onp.kron(G, onp.ones((k, k))) / k ** 2, rtol=1e-6)


@pytest.mark.parametrize('framework', list(FRAMEWORKS))
def test_max_pooling_sends_everything_to_the_unique_maximum(framework):
    rng = onp.random.default_rng(40)
    X = rng.permutation(2 * 3 * 6 * 6).reshape(2, 3, 6, 6).astype(onp.float32)  # distinct values
    G = rng.integers(1, 9, size=(2, 3, 3, 3)).astype(onp.float32)
    grad = gradient_through(framework, 'max', X, G, 2)
    windows = X.reshape(2, 3, 3, 2, 3, 2)
    is_max = windows == windows.max(axis=(3, 5), keepdims=True)
    expected = (is_max * G[:, :, :, None, :, None]).reshape(X.shape)
    onp.testing.assert_array_equal(grad, expected)


TIES = [  # (window, tied positions in reading order)
    ([[1, 6], [6, 2]], [(0, 1), (1, 0)]),
    ([[6, 1], [2, 6]], [(0, 0), (1, 1)]),
    ([[2, 1], [6, 6]], [(1, 0), (1, 1)]),
    ([[6, 6], [6, 6]], [(0, 0), (0, 1), (1, 0), (1, 1)]),
    ([[0, 0], [0, 0]], [(0, 0), (0, 1), (1, 0), (1, 1)]),
]


@pytest.mark.parametrize('framework', list(FRAMEWORKS))
@pytest.mark.parametrize('window, tied', TIES)
def test_tied_maximum_gives_everything_to_the_first_in_reading_order(framework, window, tied):
    """Measured behaviour the page reports (CPU kernels): no split, first tied entry row by row."""
    X = onp.array(window, dtype=onp.float32)[None, None]
    grad = gradient_through(framework, 'max', X, onp.full((1, 1, 1, 1), 3, onp.float32), 2)[0, 0]
    receivers = [tuple(p) for p in onp.argwhere(grad != 0).tolist()]
    assert receivers == tied[:1] and grad[tied[0]] == 3


@pytest.mark.parametrize('framework', list(FRAMEWORKS))
def test_page_gradient_example(framework):
    """The page's X_grad: the bottom-left window holds 6 at input (2, 1) and (3, 0)."""
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), 'pytorch')
    source = next(c.source for c in notebook.cells if c.cell_type == 'code' and 'X_grad = onp.array' in c.source)
    namespace = {'onp': onp}
    exec(source, namespace)
    X, G = namespace['X_grad'], namespace['G_out']
    grad = gradient_through(framework, 'max', X[None, None], G[None, None], 2)[0, 0]
    assert onp.argwhere(X[2:, :2] == X[2:, :2].max()).tolist() == [[0, 1], [1, 0]]
    assert grad[2, 1] == G[1, 0] and grad[3, 0] == 0
    avg = gradient_through(framework, 'avg', X[None, None], G[None, None], 2)[0, 0]
    assert (avg == onp.kron(G, onp.ones((2, 2))) / 4).all()


# ---------------------------------------------------------------- strided convolution instead of pooling

def conv_counts(framework, c_in, c_out, k, stride, n):
    """(parameters, output side) of a framework's convolutional layer with padding 1."""
    if framework == 'pytorch':
        layer = tnn.Conv2d(c_in, c_out, k, stride=stride, padding=1)
        return sum(p.numel() for p in layer.parameters()), layer(torch.zeros(1, c_in, n, n)).shape[-1]
    layer = mnn.Conv2D(c_out, k, strides=stride, padding=1, in_channels=c_in)
    layer.initialize()
    return (sum(p.data().size for p in layer.collect_params().values()),
            layer(mnp.zeros((1, c_in, n, n))).shape[-1])


@pytest.mark.parametrize('framework', list(FRAMEWORKS))
def test_downsampling_step_costs(framework):
    """The page's table: 8 -> 16 channels, 14 x 14 in, 7 x 7 out, 3x3 kernels with padding 1."""
    params1, side1 = conv_counts(framework, 8, 16, 3, 1, 14)
    params2, side2 = conv_counts(framework, 8, 16, 3, 2, 14)
    params3, side3 = conv_counts(framework, 16, 16, 3, 2, 14)
    assert (params1, side1, params2, side2, side3) == (1168, 14, 1168, 7, 7)
    pool_side = apply_layer(FRAMEWORKS[framework], onp.zeros((1, 16, 14, 14)), 'max', 2).shape[-1]
    assert pool_side == 7
    madds = {'pool': 16 * side1 ** 2 * 8 * 9, 'stride': 16 * side2 ** 2 * 8 * 9,
             'extra': 16 * side1 ** 2 * 8 * 9 + 16 * side3 ** 2 * 16 * 9}
    assert madds == {'pool': 225792, 'stride': 56448, 'extra': 338688}
    assert params1 + params3 == 3488


def receptive_field_by_gradient(layers, n=40):
    """Side of the input region that one central output depends on: ones-kernels, average pooling."""
    X = torch.rand(1, 1, n, n, requires_grad=True)
    Z = X
    for kind, k, s in layers:
        if kind == 'conv':
            Z = F.conv2d(Z, torch.ones(1, 1, k, k), stride=s, padding=1)
        else:
            Z = F.avg_pool2d(Z, k, s)
    i = Z.shape[-1] // 2
    Z[0, 0, i, i].backward()
    rows = torch.nonzero(X.grad[0, 0].abs().sum(dim=1)).flatten()
    return int(rows.max() - rows.min() + 1)


def test_receptive_fields_of_the_page():
    assert receptive_field_by_gradient([('conv', 3, 1), ('pool', 2, 2)]) == 4
    assert receptive_field_by_gradient([('conv', 3, 2)]) == 3
    assert receptive_field_by_gradient([('conv', 3, 1), ('conv', 3, 2)]) == 5
    assert receptive_field_by_gradient([('conv', 3, 1), ('pool', 2, 2), ('conv', 3, 1), ('pool', 2, 2)]) == 10
    assert receptive_field_by_gradient([('conv', 3, 2), ('conv', 3, 2)]) == 7
