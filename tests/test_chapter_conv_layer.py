"""Facts that chapters/conv-layer.md relies on, checked in both frameworks.

The references are independent of the code under test: SciPy's correlate2d and convolve2d,
NumPy differences and least squares, the receptive-field formula, and the numbers drawn in the
section's SVG figure. The letter image is read from the page's own code cell.
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
          ((7, 6), (2, 2)), ((7, 6), (1, 2)), ((12, 12), (3, 3)), ((4, 4), (4, 4)), ((2, 9), (2, 5))]
CORNER = onp.array([[1.0, -1.0], [-1.0, 1.0]])
EMBOSS = onp.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])


def to_framework(framework, array):
    array = onp.asarray(array, dtype=onp.float32)
    return torch.tensor(array) if framework == 'torch' else mnp.array(array)


def to_numpy(x):
    return x.asnumpy() if hasattr(x, 'asnumpy') else x.detach().numpy()


def corr2d(framework):
    return (d2l_torch if framework == 'torch' else d2l_mxnet).corr2d


def letter_image():
    """The letter L as the page draws it: the shared code cell that defines `letter`, run as is."""
    from book_ext.pages import framework_notebook, read_page
    page = CHAPTERS / 'conv-layer.md'
    notebook = framework_notebook(read_page(page.read_text(), path=page), 'pytorch')
    (source,) = [cell.source for cell in notebook.cells
                 if cell.cell_type == 'code' and 'letter = ' in cell.source
                 and not cell.get('metadata', {}).get('tags')]
    namespace = {}
    exec(source, namespace)
    return namespace['letter'].astype(onp.float32)


def test_the_letter_is_an_l():
    X = letter_image()
    assert X.shape == (7, 6) and set(onp.unique(X)) == {0.0, 1.0}
    # a stem two pixels wide in columns 1-2, a foot two rows high in rows 4-5, a black frame
    expected = onp.zeros((7, 6))
    expected[1:6, 1:3] = 1
    expected[4:6, 1:5] = 1
    onp.testing.assert_array_equal(X, expected)


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


# --- the corner kernel -----------------------------------------------------------------------------

@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_corner_kernel_marks_the_six_corners(framework):
    X_np = letter_image()
    X, K = to_framework(framework, X_np), to_framework(framework, CORNER)
    Y = to_numpy(corr2d(framework)(X, K))
    # the formula of the page: the left-to-right change in a row minus the same change one row down
    reference = (X_np[:-1, :-1] - X_np[:-1, 1:]) - (X_np[1:, :-1] - X_np[1:, 1:])
    onp.testing.assert_array_equal(Y, reference)
    onp.testing.assert_array_equal(Y, signal.correlate2d(X_np, CORNER, mode='valid'))
    # the prose: six nonzero entries, three +1 and three -1, one per corner of the L
    assert (Y != 0).sum() == 6 and (Y == 1).sum() == 3 and (Y == -1).sum() == 3
    corners = {(int(i), int(j)) for i, j in zip(*onp.nonzero(Y))}
    assert corners == {(0, 0), (0, 2), (3, 2), (3, 4), (5, 0), (5, 4)}
    # the inside corner (window rows 3-4, columns 2-3) has three bright quarters
    assert X_np[3:5, 2:4].sum() == 3 and Y[3, 2] == 1


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_corner_kernel_is_a_difference_of_differences(framework):
    X_np = letter_image()
    X = to_framework(framework, X_np)
    K_right = to_framework(framework, [[1.0, -1.0]])
    sides = to_numpy(corr2d(framework)(X, K_right))
    tops = to_numpy(corr2d(framework)(X, K_right.T))
    # the horizontal difference marks only left and right sides; its transpose only top and bottom
    onp.testing.assert_array_equal(sides, X_np[:, :-1] - X_np[:, 1:])
    onp.testing.assert_array_equal(tops, X_np[:-1] - X_np[1:])
    assert (sides != 0).sum() == 10 and (tops != 0).sum() == 8
    assert not sides[0].any() and not sides[-1].any()
    assert not tops[:, 0].any() and not tops[:, -1].any()
    # two steps, 1 x 2 then 2 x 1, are one step with the outer product of the two kernels
    two_steps = to_numpy(corr2d(framework)(to_framework(framework, sides), K_right.T))
    onp.testing.assert_array_equal(two_steps, signal.correlate2d(X_np, CORNER, mode='valid'))
    onp.testing.assert_array_equal(onp.outer([1, -1], [1, -1]), CORNER)


def test_corner_kernel_on_a_diagonal_edge():
    """Exercise 1: on a staircase the corner kernel fires at every step."""
    X = (onp.arange(8).reshape(-1, 1) < onp.arange(8)).astype(float)
    Y = signal.correlate2d(X, CORNER, mode='valid')
    expected = onp.zeros((7, 7))
    expected[onp.arange(7), onp.arange(7)] = -1
    expected[onp.arange(6), onp.arange(1, 7)] = 1
    onp.testing.assert_array_equal(Y, expected)


def test_what_a_single_training_pair_pins_down():
    """Exercises 3 and 4: the letter fixes a 2 x 2 kernel (and a bias); stripes do not."""
    X = letter_image().astype(float)
    windows = onp.lib.stride_tricks.sliding_window_view(X, (2, 2)).reshape(-1, 4)
    target = signal.correlate2d(X, CORNER, mode='valid').ravel()
    with_bias = onp.hstack([windows, onp.ones((len(windows), 1))])
    assert onp.linalg.matrix_rank(windows) == 4 and onp.linalg.matrix_rank(with_bias) == 5
    solution = onp.linalg.lstsq(with_bias, target, rcond=None)[0]
    onp.testing.assert_allclose(solution, [1, -1, -1, 1, 0], atol=1e-12)
    stripes = onp.tile([1.0, 0.0], (6, 4))
    assert not signal.correlate2d(stripes, CORNER, mode='valid').any()  # stripes have no corners
    stripe_windows = onp.lib.stride_tricks.sliding_window_view(stripes, (2, 2)).reshape(-1, 4)
    assert onp.linalg.matrix_rank(stripe_windows) == 2
    for a, b in [(1, -1), (0.3, 2.0), (-1.5, 0)]:  # every [[a, b], [-a, -b]] fits the stripes
        assert not signal.correlate2d(stripes, [[a, b], [-a, -b]], mode='valid').any()


# --- learning a kernel (same settings as the page: seed 0, 16 images of 12 x 12, lr 0.4, 15 steps)

LR, NUM_STEPS, BATCH, SIDE = 0.4, 15, 16, 12


def embossed(images):
    """The targets, from SciPy: each image cross-correlated with the emboss kernel."""
    return onp.stack([signal.correlate2d(x, EMBOSS, mode='valid') for x in images[:, 0]])[:, None]


def learn_kernel_torch(seed):
    d2l_torch.seed(seed)
    X = torch.randn(BATCH, 1, SIDE, SIDE)
    Y = torch.tensor(embossed(X.numpy().astype(onp.float64)), dtype=torch.float32)
    learner = torch_nn.Conv2d(1, 1, kernel_size=3, bias=False)
    losses = []
    for _ in range(NUM_STEPS):
        loss = ((learner(X) - Y) ** 2).mean()
        learner.zero_grad()
        loss.backward()
        with torch.no_grad():
            learner.weight -= LR * learner.weight.grad
        losses.append(loss.item())
    return learner.weight.detach().numpy().reshape(3, 3), losses, X.numpy()


def learn_kernel_mxnet(seed):
    d2l_mxnet.seed(seed)
    X = mnp.random.normal(size=(BATCH, 1, SIDE, SIDE))
    Y = mnp.array(embossed(X.asnumpy().astype(onp.float64)), dtype='float32')
    learner = mx_nn.Conv2D(1, kernel_size=3, use_bias=False)
    learner.initialize()
    losses = []
    for _ in range(NUM_STEPS):
        with autograd.record():
            loss = ((learner(X) - Y) ** 2).mean()
        loss.backward()
        learner.weight.set_data(learner.weight.data() - LR * learner.weight.grad())
        losses.append(loss.item())
    return learner.weight.data().asnumpy().reshape(3, 3), losses, X.asnumpy()


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('learn', [learn_kernel_torch, learn_kernel_mxnet])
def test_learned_kernel_is_the_hidden_emboss_kernel(learn, seed):
    kernel, losses, images = learn(seed)
    assert onp.abs(kernel - EMBOSS).max() < 1e-2  # the page asserts the same margin
    assert losses[-1] < 1e-6 * losses[0]
    # the comment on the page: the Hessian of the mean squared error, 2 C with C the second-moment
    # matrix of the 3 x 3 windows, has eigenvalues between 1.7 and 2.3 for these images
    windows = onp.concatenate([onp.lib.stride_tricks.sliding_window_view(x, (3, 3)).reshape(-1, 9)
                               for x in images[:, 0].astype(onp.float64)])
    eigenvalues = onp.linalg.eigvalsh(2 * windows.T @ windows / len(windows))
    assert 1.5 < eigenvalues.min() and eigenvalues.max() < 2.5, eigenvalues
    assert max(abs(1 - LR * eigenvalues)) < 0.4  # so each step shrinks the error by 0.4 or less


def test_loss_on_random_images_is_about_the_squared_kernel_distance():
    """The prose: with independent standard normal pixels, E[loss] = sum of squared kernel errors."""
    rng = onp.random.default_rng(5)
    images = rng.normal(size=(BATCH, 1, SIDE, SIDE))
    targets = embossed(images)
    for _ in range(5):
        guess = rng.normal(size=(3, 3))
        outputs = onp.stack([signal.correlate2d(x, guess, mode='valid') for x in images[:, 0]])[:, None]
        loss = ((outputs - targets) ** 2).mean()
        distance = ((guess - EMBOSS) ** 2).sum()
        assert 0.6 < loss / distance < 1.4, (loss, distance)


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


def test_the_flip_matters_for_the_emboss_kernel_but_not_for_the_corner_kernel():
    X = letter_image().astype(float)
    onp.testing.assert_array_equal(CORNER[::-1, ::-1], CORNER)
    onp.testing.assert_array_equal(signal.convolve2d(X, CORNER, mode='valid'),
                                   signal.correlate2d(X, CORNER, mode='valid'))
    embossed_letter = signal.correlate2d(X, EMBOSS, mode='valid')
    assert not onp.array_equal(signal.convolve2d(X, EMBOSS, mode='valid'), embossed_letter)
    onp.testing.assert_array_equal(signal.convolve2d(X, EMBOSS[::-1, ::-1], mode='valid'),
                                   embossed_letter)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_framework_layer_with_the_flipped_kernel_convolves(framework):
    rng = onp.random.default_rng(3)
    X, K = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    expected = signal.convolve2d(X, K, mode='valid')
    flipped = K[::-1, ::-1].copy()
    if framework == 'torch':
        Y = F.conv2d(torch.tensor(X[None, None]), torch.tensor(flipped[None, None]))[0, 0].numpy()
    else:
        Y = d2l_mxnet.corr2d(mnp.array(X), mnp.array(flipped)).asnumpy()
    onp.testing.assert_allclose(Y, expected, rtol=1e-5, atol=1e-5)
    assert not onp.allclose(signal.correlate2d(X, K, mode='valid'), expected)


def test_convolution_commutes_and_associates_but_correlation_does_not():
    rng = onp.random.default_rng(4)
    A, B, C = rng.normal(size=(5, 6)), rng.normal(size=(3, 2)), rng.normal(size=(2, 3))
    conv = lambda x, y: signal.convolve2d(x, y, mode='full')
    corr = lambda x, y: signal.correlate2d(x, y, mode='full')
    onp.testing.assert_allclose(conv(A, B), conv(B, A), atol=1e-12)
    onp.testing.assert_allclose(conv(conv(A, B), C), conv(A, conv(B, C)), atol=1e-12)
    assert not onp.allclose(corr(A, B), corr(B, A))
    assert not onp.allclose(corr(corr(A, B), C), corr(A, corr(B, C)))


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


# The page's input_gradient: gradient of the central output of stacked all-ones layers (1-D or 2-D).

def torch_input_gradient(num_layers, ndim=1, kernel_size=3, n=21):
    conv_layer = {1: torch_nn.Conv1d, 2: torch_nn.Conv2d}[ndim]
    net = torch_nn.Sequential(*[conv_layer(1, 1, kernel_size, bias=False)
                                for _ in range(num_layers)])
    for layer in net:
        torch_nn.init.ones_(layer.weight)
    X = torch.zeros((1, 1) + (n,) * ndim, requires_grad=True)
    Y = net(X)
    centre = (0, 0) + tuple(size // 2 for size in Y.shape[2:])
    Y[centre].backward()
    return X.grad[0, 0].numpy()


def mxnet_input_gradient(num_layers, ndim=1, kernel_size=3, n=21):
    conv_layer = {1: mx_nn.Conv1D, 2: mx_nn.Conv2D}[ndim]
    net = mx_nn.Sequential()
    for _ in range(num_layers):
        net.add(conv_layer(1, kernel_size, use_bias=False, in_channels=1))
    net.initialize(init.One())
    X = mnp.zeros((1, 1) + (n,) * ndim)
    X.attach_grad()
    with autograd.record():
        Y = net(X)
        centre = (0, 0) + tuple(size // 2 for size in Y.shape[2:])
        out = Y[centre]
    out.backward()
    return X.grad[0, 0].asnumpy()


INPUT_GRADIENT = {'torch': torch_input_gradient, 'mxnet': mxnet_input_gradient}


def extent(grad):
    """Width of the nonzero region along each axis, and the number of nonzero entries."""
    nonzero = onp.nonzero(grad)
    return tuple(int(idx.max() - idx.min() + 1) for idx in nonzero), int(onp.count_nonzero(grad))


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_two_2x2_layers_centre_probe_matches_the_figure(framework):
    grad = INPUT_GRADIENT[framework](2, ndim=2, kernel_size=2, n=5)
    expected = onp.zeros((5, 5))
    expected[1:4, 1:4] = [[1, 2, 1], [2, 4, 2], [1, 2, 1]]  # a 3 x 3 block, paths 4 / 1
    onp.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('num_layers', range(1, 7))
def test_receptive_field_is_2k_plus_1(framework, num_layers):
    shape, count = extent(INPUT_GRADIENT[framework](num_layers))
    assert shape == (2 * num_layers + 1,) and count == 2 * num_layers + 1
    assert count == receptive_field([3] * num_layers)


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('num_layers, kernel_size', [(1, 5), (2, 5), (3, 5), (2, 7)])
def test_receptive_field_general_kernel(framework, num_layers, kernel_size):
    width = 1 + num_layers * (kernel_size - 1)
    grad = INPUT_GRADIENT[framework](num_layers, kernel_size=kernel_size, n=width + 4)
    assert extent(grad) == ((width,), width)


@pytest.mark.parametrize('framework', FRAMEWORKS)
@pytest.mark.parametrize('num_layers', range(1, 5))
def test_receptive_field_2d(framework, num_layers):
    grad = INPUT_GRADIENT[framework](num_layers, ndim=2, n=11)
    side = 2 * num_layers + 1
    assert extent(grad) == ((side, side), side * side)


@pytest.mark.parametrize('framework', FRAMEWORKS)
def test_path_counts_after_two_layers(framework):
    # all-ones weights: the gradient counts paths, the coefficients of (1 + z + z^2)^2
    grad = INPUT_GRADIENT[framework](2)
    expected = onp.convolve(onp.ones(3), onp.ones(3))
    onp.testing.assert_array_equal(grad[grad != 0], expected)


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
    weight = torch.nn.Parameter(torch.tensor([[0.5, -0.2], [0.1, 0.3]]))
    X_np = letter_image()
    d2l_torch.corr2d(torch.tensor(X_np), weight).sum().backward()
    # d/dK_ab sum_ij (X * K)_ij = sum of X over the positions that entry (a, b) of K visits
    onp.testing.assert_allclose(weight.grad.numpy(),
                                [[X_np[:-1, :-1].sum(), X_np[:-1, 1:].sum()],
                                 [X_np[1:, :-1].sum(), X_np[1:, 1:].sum()]])


def test_mxnet_corr2d_cannot_be_recorded_by_autograd():
    weight = mnp.array([[0.5, -0.2], [0.1, 0.3]])
    weight.attach_grad()
    with pytest.raises(MXNetError, match='[Ii]nplace'):
        with autograd.record():
            d2l_mxnet.corr2d(mnp.array(letter_image()), weight)
