"""d2l_local.receptive_fields and the gradient measurement of both frameworks.

`receptive_fields` is compared with a brute-force reference that follows, index by index, which
input positions a unit reads (no recurrence), with hand-checked cases and published values, and
with `measure_receptive_field` on real PyTorch and Gluon layers for random stacks.
"""
import random

import pytest

from d2l_local import mxnet as d2l_mxnet  # first: it prepares NumPy for MXNet
from d2l_local import torch as d2l_torch
import importlib
from d2l_local.receptive_fields import layer_settings, receptive_fields

import torch  # noqa: E402
from mxnet.gluon import nn as mnn  # noqa: E402
from torch import nn as tnn  # noqa: E402


def brute_force(layers, unit=0):
    """(first, last, count) of the input positions that unit `unit` of the last layer reads, found by
    following every tap back to the input (positions in the padding count: they are outside)."""
    positions = {unit}
    for _, k, s, p, d in reversed(layer_settings(layers)):
        positions = {i * s - p + t * d for i in positions for t in range(k)}
    return min(positions), max(positions), len(positions)


def random_stack(rng, max_layers=5, pool=True, dilation=True):
    """A random list of layers that both frameworks can build; pooling pads at most half its window."""
    layers = []
    for i in range(rng.randint(1, max_layers)):
        kind = rng.choice(['conv', 'conv', 'max', 'avg'] if pool else ['conv'])
        k, s = rng.randint(1, 4) if kind == 'conv' else rng.randint(2, 3), rng.randint(1, 2)
        d = rng.randint(1, 3) if kind == 'conv' and dilation and k > 1 else 1
        p = rng.randint(0, (k + (k - 1) * (d - 1)) // 2) if kind == 'conv' else rng.randint(0, k // 2)
        layers.append((f'{kind}{i}', k, s, p, d))
    return layers


# ---------------------------------------------------------------- the recurrence

def test_exported_from_both_frameworks():
    rf_module = importlib.import_module("d2l_local.receptive_fields")
    assert rf_module.__all__ == ['layer_settings', 'receptive_fields']
    for module in (d2l_torch, d2l_mxnet):
        assert module.receptive_fields is receptive_fields
        assert {'receptive_fields', 'layer_settings', 'measure_receptive_field'} <= set(module.__all__)


@pytest.mark.parametrize('seed', range(200))
def test_against_brute_force(seed):
    rng = random.Random(seed)
    layers = random_stack(rng, max_layers=6)
    rows = receptive_fields(layers)
    for depth, row in enumerate(rows, start=1):
        for unit in (0, 1, 3):
            first, last, _ = brute_force(layers[:depth], unit)
            assert row['start'] + unit * row['jump'] == first
            assert row['size'] == last - first + 1
            assert row['centre'] + unit * row['jump'] == (first + last) / 2
        assert row['name'] == layers[depth - 1][0]


def test_hand_checked_cases():
    # the section's figure: 3-tap stride 2, then 3-tap: 7 pixels, units 2 apart
    assert [(r['size'], r['jump'], r['start']) for r in receptive_fields([('a', 3, 2), ('b', 3)])] == \
        [(3, 2, 0), (7, 2, 0)]
    # stride-1 stacks: the formula of the Convolutions section, 1 + sum(k - 1)
    assert receptive_fields([('a', 7), ('b', 5), ('c', 3), ('d', 3)])[-1]['size'] == 1 + 6 + 4 + 2 + 2
    # dilation 2 on a 3-tap kernel spans 5 pixels, with holes
    assert receptive_fields([('a', 3, 1, 0, 2)])[-1]['size'] == 5
    assert brute_force([('a', 3, 1, 0, 2)])[2] == 3
    # LeNet: conv 5 pad 2, pool 2/2, conv 5, pool 2/2, dense over 5 x 5
    lenet = [('conv1', 5, 1, 2), ('pool1', 2, 2), ('conv2', 5), ('pool2', 2, 2), ('dense1', 5)]
    assert [(r['size'], r['jump'], r['start'], r['centre']) for r in receptive_fields(lenet)] == \
        [(5, 1, -2, 0.0), (6, 2, -2, 0.5), (14, 2, -2, 4.5), (16, 4, -2, 5.5), (32, 4, -2, 13.5)]


def vgg16():
    layers = []
    for block, num_convs in enumerate([2, 2, 3, 3, 3], start=1):
        layers += [(f'conv{block}_{i}', 3, 1, 1) for i in range(1, num_convs + 1)] + [(f'pool{block}', 2, 2)]
    return {row['name']: row for row in receptive_fields(layers)}


def test_vgg16_matches_the_published_table():
    """Araujo, Norris & Sim (2019) and their library's table: size, effective stride and effective
    padding (our -start) per end-point of VGG-16."""
    published = {'conv1_1': (3, 1, 1), 'pool1': (6, 2, 2), 'conv2_1': (10, 2, 4), 'pool2': (16, 4, 6),
                 'conv3_1': (24, 4, 10), 'conv3_2': (32, 4, 14), 'pool3': (44, 8, 18),
                 'conv4_1': (60, 8, 26), 'conv4_2': (76, 8, 34), 'pool4': (100, 16, 42),
                 'conv5_1': (132, 16, 58), 'conv5_2': (164, 16, 74), 'pool5': (212, 32, 90)}
    rows = vgg16()
    assert {name: (rows[name]['size'], rows[name]['jump'], -rows[name]['start']) for name in published} \
        == published


def test_resnet50_reproduces_483():
    layers = [('conv1', 7, 2, 3), ('pool1', 3, 2, 1)]
    for stage, num_blocks in enumerate([3, 4, 6, 3], start=2):
        for block in range(1, num_blocks + 1):
            s = 2 if stage > 2 and block == 1 else 1
            layers += [('a', 1, s), ('b', 3, 1, 1), ('c', 1)]
    first, last, _ = brute_force(layers)
    assert receptive_fields(layers)[-1]['size'] == last - first + 1 == 483


def test_dicts_and_defaults():
    as_dicts = [{'name': 'a', 'kernel_size': 3, 'stride': 2}, {'name': 'b', 'kernel_size': 3, 'dilation': 2}]
    as_tuples = [('a', 3, 2, 0, 1), ('b', 3, 1, 0, 2)]
    assert layer_settings(as_dicts) == as_tuples
    assert receptive_fields(as_dicts) == receptive_fields(as_tuples)
    assert receptive_fields([]) == []


@pytest.mark.parametrize('layers, error, words', [
    (('conv1', 3, 1, 1), TypeError, 'Wrap a single layer in a list'),
    ('conv', TypeError, 'must be a list of layers'),
    ([('conv1',)], TypeError, 'give each layer as a tuple'),
    ([('conv1', 3, 1, 1, 1, 1)], TypeError, 'give each layer as a tuple'),
    ([3], TypeError, 'give each layer as a tuple'),
    ([(3, 3)], TypeError, 'must start with its name'),
    ([('conv1', 0)], ValueError, 'kernel_size=0'),
    ([('conv1', 3, 0)], ValueError, 'stride=0'),
    ([('conv1', 3, 1, -1)], ValueError, 'padding=-1'),
    ([('conv1', 3, 1, 0, 0)], ValueError, 'dilation=0'),
    ([('conv1', (3, 5))], ValueError, 'one axis at a time'),
    ([('conv1', 2.5)], ValueError, 'integer'),
    ([('conv1', True)], ValueError, 'integer'),
    ([{'name': 'a', 'kernel': 3}], ValueError, "unknown keys ['kernel']"),
])
def test_errors_name_the_cause(layers, error, words):
    with pytest.raises(error, match='receptive_fields') as info:
        receptive_fields(layers)
    assert words in str(info.value)


# ---------------------------------------------------------------- the measurement, both frameworks

def build_torch(layers, channels=2):
    modules, c_in = [], 1
    for name, k, s, p, d in layer_settings(layers):
        if name.startswith('conv'):
            modules.append(tnn.Conv2d(c_in, channels, k, stride=s, padding=p, dilation=d))
            c_in = channels
        else:
            modules.append((tnn.MaxPool2d if name.startswith('max') else tnn.AvgPool2d)(k, stride=s, padding=p))
    return tnn.Sequential(*modules)


def build_mxnet(layers, channels=2):
    net = mnn.Sequential()
    for name, k, s, p, d in layer_settings(layers):
        if name.startswith('conv'):
            net.add(mnn.Conv2D(channels, k, strides=s, padding=p, dilation=d))
        else:
            net.add((mnn.MaxPool2D if name.startswith('max') else mnn.AvgPool2D)(k, strides=s, padding=p))
    net.initialize()
    return net


BUILD = {'torch': build_torch, 'mxnet': build_mxnet}


@pytest.mark.parametrize('framework', ['torch', 'mxnet'])
@pytest.mark.parametrize('seed', range(25))
def test_measurement_agrees_with_the_recurrence(framework, seed):
    rng = random.Random(seed)
    layers = random_stack(rng, max_layers=5)
    d2l = d2l_torch if framework == 'torch' else d2l_mxnet
    last = receptive_fields(layers)[-1]
    n = 3 * last['size'] + 2 * last['jump'] + 4
    measured = d2l.measure_receptive_field(BUILD[framework](layers), n)
    for axis, unit in enumerate(measured['unit']):
        first, last_pixel, count = brute_force(layers, unit)
        assert first >= 0 and last_pixel < n, 'the test input is too small for the field'
        assert measured['start'][axis] == first
        assert measured['size'][axis] == last_pixel - first + 1
        assert measured['centre'][axis] == (first + last_pixel) / 2


@pytest.mark.parametrize('framework', ['torch', 'mxnet'])
def test_measurement_on_lenet_and_rectangular_inputs(framework):
    d2l = d2l_torch if framework == 'torch' else d2l_mxnet
    net = d2l.LeNet()
    if framework == 'mxnet':
        net.initialize()
    # the first dense layer sees the whole 28 x 28 image (its field, 32 wide, is cut to the image)
    assert d2l.measure_receptive_field(net, 28) == {'unit': (0, 0), 'size': (28, 28), 'start': (0, 0),
                                                     'centre': (13.5, 13.5)}
    conv = build_torch([('conv', 3, 1, 0)]) if framework == 'torch' else build_mxnet([('conv', 3, 1, 0)])
    assert d2l.measure_receptive_field(conv, (9, 13)) == {'unit': (3, 5), 'size': (3, 3), 'start': (3, 5),
                                                          'centre': (4.0, 6.0)}


def test_torch_measurement_works_with_gradients_switched_off_and_leaves_weights_alone():
    net = build_torch([('conv', 3, 2, 1), ('conv', 3, 1, 1)])
    with torch.no_grad():
        measured = d2l_torch.measure_receptive_field(net, 21)
    assert measured['size'] == (7, 7)
    assert all(p.grad is None for p in net.parameters())


def test_single_input_through_max_pooling_misses_part_of_the_field():
    """The reason for a batch: one input routes max pooling's gradient to one entry per window."""
    layers = [('conv', 3, 1, 1), ('max', 2, 2)]
    torch.manual_seed(0)
    assert d2l_torch.measure_receptive_field(build_torch(layers), 12, num_examples=1)['size'] == (3, 3)
    assert d2l_torch.measure_receptive_field(build_torch(layers), 12)['size'] == (4, 4)


@pytest.mark.parametrize('framework', ['torch', 'mxnet'])
def test_measurement_errors(framework):
    d2l = d2l_torch if framework == 'torch' else d2l_mxnet
    if framework == 'torch':
        flat = tnn.Sequential(tnn.Conv2d(1, 1, 3), tnn.Flatten(0))
        dead = tnn.Sequential(tnn.Conv2d(1, 1, 3), tnn.ReLU())
        tnn.init.zeros_(dead[0].weight)
        tnn.init.constant_(dead[0].bias, -1.0)
    else:
        flat = mnn.Sequential()
        flat.add(mnn.Conv2D(1, 3), mnn.Flatten(), mnn.Flatten())
        flat.initialize()
        flat = _Reshape1D(flat)
        dead = mnn.Sequential()
        dead.add(mnn.Conv2D(1, 3, activation='relu', weight_initializer='zeros', bias_initializer='ones'))
        dead.initialize()
        dead = _Negate(dead)
        uninitialized = mnn.Sequential()
        uninitialized.add(mnn.Conv2D(1, 3))
        with pytest.raises(ValueError, match='initialize'):
            d2l.measure_receptive_field(uninitialized, 9)
    with pytest.raises(ValueError, match='must return'):
        d2l.measure_receptive_field(flat, 9)
    with pytest.raises(ValueError, match='no input pixel has a nonzero gradient'):
        d2l.measure_receptive_field(dead, 9)


class _Reshape1D(mnn.Block):
    """A Gluon network whose output is one-dimensional: not a map, not a batch of vectors."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, X):
        return self.net(X).reshape(-1)


class _Negate(mnn.Block):
    """ReLU(1) units scaled by 0 after negation: a unit whose gradient is zero everywhere."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, X):
        return self.net(X) * 0
