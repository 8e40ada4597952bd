"""d2l_local.cost against the frameworks' own layers, in both frameworks.

The references are independent of the module: parameter counts are summed over the parameters the
layers allocate, output shapes and bytes are read off the tensors the layers return, and
multiply-adds are counted as one per weight per output position from those shapes.
"""
import math

import numpy
import pytest

from conftest import array
from d2l_local import cost


def is_torch(d2l):
    return d2l.__name__.endswith('torch')


def framework_layer(d2l, layer, c_in):
    """The framework's layer for one ``layer_costs`` tuple (per-side padding = total / 2)."""
    kind, args = layer[0], layer[1:]
    if is_torch(d2l):
        from torch import nn
        if kind == 'conv':
            c_out, k, p, s = args
            return nn.Conv2d(c_in, c_out, k, padding=tuple(q // 2 for q in p), stride=s)
        if kind == 'pool':
            k, p, s = args
            return nn.AvgPool2d(k, padding=tuple(q // 2 for q in p), stride=s)
        if kind == 'dense':
            return nn.LazyLinear(args[0])
        return {'flatten': nn.Flatten, 'relu': nn.ReLU, 'sigmoid': nn.Sigmoid, 'tanh': nn.Tanh}[kind]()
    from mxnet.gluon import nn
    if kind == 'conv':
        c_out, k, p, s = args
        return nn.Conv2D(c_out, k, padding=tuple(q // 2 for q in p), strides=s, in_channels=c_in)
    if kind == 'pool':
        k, p, s = args
        return nn.AvgPool2D(k, padding=tuple(q // 2 for q in p), strides=s)
    if kind == 'dense':
        return nn.Dense(args[0])
    if kind == 'flatten':
        return nn.Flatten()
    return nn.Activation(kind)


def run_layers(d2l, layers, input_shape, batch_size):
    """Per layer: (output shape per example, output bytes, parameters, weights) from the framework."""
    X = array(d2l, numpy.random.default_rng(0).normal(size=(batch_size, *input_shape)))
    found = []
    for layer in layers:
        block = framework_layer(d2l, layer, X.shape[1])
        if is_torch(d2l):
            import torch
            with torch.no_grad():
                X = block(X)
            params = {name: p.numel() for name, p in block.named_parameters()}
            nbytes = X.numel() * X.element_size()
        else:
            block.initialize()
            X = block(X)
            params = {name: p.data().size for name, p in block.collect_params().items()}
            nbytes = X.size * X.dtype.itemsize
        weights = sum(n for name, n in params.items() if name.endswith('weight'))
        found.append((tuple(X.shape[1:]), nbytes, sum(params.values()), weights))
    return found


def random_stack(rng):
    """A random valid stack: conv / activation / pool layers, then flatten and dense layers."""
    c, h, w = int(rng.integers(1, 5)), int(rng.integers(6, 20)), int(rng.integers(6, 20))
    layers = []
    for _ in range(int(rng.integers(1, 3))):
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        p = tuple(2 * int(rng.integers(0, q // 2 + 1)) for q in k)  # total padding, even
        s = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        layers += [('conv', int(rng.integers(1, 7)), k, p, s), (str(rng.choice(['relu', 'sigmoid', 'tanh'])),)]
        window = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        layers.append(('pool', window, tuple(2 * int(rng.integers(0, q // 2 + 1)) for q in window), window))
    layers += [('flatten',), ('dense', int(rng.integers(1, 9))), ('relu',), ('dense', int(rng.integers(1, 5)))]
    return (c, h, w), layers


@pytest.mark.parametrize('seed', range(8))
def test_random_stacks_match_the_framework_layers(d2l, seed):
    rng = numpy.random.default_rng(seed)
    input_shape, layers = random_stack(rng)
    batch_size = int(rng.integers(1, 5))
    rows = d2l.layer_costs(input_shape, layers, batch_size=batch_size)
    found = run_layers(d2l, layers, input_shape, batch_size)
    assert len(rows) == len(layers)
    for row, layer, (shape, nbytes, params, weights) in zip(rows, layers, found):
        assert row['layer'] == layer[0]
        assert row['shape'] == shape, (layer, row, shape)
        assert row['values'] == math.prod(shape)
        assert row['bytes'] == nbytes  # float32 in both frameworks
        assert row['params'] == params
        positions = math.prod(shape[1:]) if layer[0] == 'conv' else 1
        assert row['mult_adds'] == weights * positions  # one multiply-add per weight per output position


@pytest.mark.parametrize('seed', range(6))
def test_conv_cost_against_the_framework(d2l, seed):
    rng = numpy.random.default_rng(100 + seed)
    c_in, c_out = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    k = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    layer = ('conv', c_out, k, (0, 0), (1, 1))
    (shape, _, params, weights), = run_layers(d2l, [layer], (c_in, 9, 11), 1)
    assert cost.conv_cost(c_in, c_out, k, shape[1:]) == (params, weights * shape[1] * shape[2])


def test_lenet_description_matches_the_book_network(d2l):
    lenet = [('conv', 6, 5, 4), ('sigmoid',), ('pool', 2), ('conv', 16, 5), ('sigmoid',), ('pool', 2),
             ('flatten',), ('dense', 120), ('sigmoid',), ('dense', 84), ('sigmoid',), ('dense', 10)]
    rows = d2l.layer_costs((1, 28, 28), lenet, batch_size=256)
    net = d2l.LeNet()
    X = array(d2l, numpy.zeros((256, 1, 28, 28)))
    if not is_torch(d2l):
        net.initialize()
    shapes, counts = [], []
    for block in net:
        X = block(X)
        shapes.append(tuple(X.shape[1:]))
        if is_torch(d2l):
            counts.append(sum(p.numel() for p in block.parameters()))
        else:
            counts.append(sum(p.data().size for p in block.collect_params().values()))
    if is_torch(d2l):
        assert shapes == [row['shape'] for row in rows]
    else:  # Gluon fuses each sigmoid into the layer before it and flattens inside Dense
        assert shapes == [row['shape'] for row in rows if row['layer'] not in ('sigmoid', 'flatten')]
    assert [n for n in counts if n] == [row['params'] for row in rows if row['params']]
    # the page's numbers: 4,704 values per image after the first convolution, 4 bytes each
    assert rows[0]['values'] == 6 * 28 * 28 and rows[0]['bytes'] == 6 * 28 * 28 * 256 * 4
    assert rows[-1]['shape'] == (10,)


def test_defaults_and_string_padding():
    rows = cost.layer_costs((3, 8, 8), [('conv', 4, 3, 'same'), ('pool', 2), ('conv', 2, (1, 3))])
    assert [row['shape'] for row in rows] == [(4, 8, 8), (4, 4, 4), (2, 4, 2)]
    assert rows[2]['params'] == 2 * (4 * 3 + 1) and rows[2]['mult_adds'] == 2 * 4 * 2 * 4 * 3
    rows = cost.layer_costs((10,), [('dense', 3)], batch_size=5, bytes_per_value=2)
    assert rows[0]['bytes'] == 3 * 5 * 2 and rows[0]['params'] == 33 and rows[0]['mult_adds'] == 30
    assert cost.layer_costs((1, 4, 4), numpy.array([2])[0:0].tolist()) == []
    assert cost.layer_costs((1, 4, 4), [('conv', numpy.int64(2), numpy.int64(3))])[0]['shape'] == (2, 2, 2)


@pytest.mark.parametrize('input_shape, layers, cause, fix', [
    ((1, 4, 4), [('conv', 2, 5)], 'spans 5 pixels', 'pad by at least 1 more'),
    ((1, 4, 4), [('pool', 3, 0, 2), ('pool', 3)], 'layer 1', 'smaller kernel'),
    ((1, 4, 4), [('dense', 3)], 'one vector per example', "put ('flatten',) before it"),
    ((1, 4, 4), [('flatten',), ('conv', 2, 1)], 'gets shape (16,)', 'before the flatten layer'),
    ((4, 4), [('conv', 2, 1)], 'gets shape (4, 4)', 'give the input as (channels, height, width)'),
    ((1, 4, 4), [('maxpool', 2)], "unknown layer ('maxpool', 2)", 'one of conv, pool'),
    ((1, 4, 4), ['relu'], "unknown layer 'relu'", 'each layer is a tuple'),
    ((1, 4, 4), [('conv', 2)], "('conv', 2) does not fit", "('conv', out_channels, kernel_size"),
    ((1, 4, 4), [('relu', 1)], "('relu', 1) does not fit", "('relu',)"),
    ((1, 4, 4), [('conv', 0, 1)], 'out_channels must be a positive integer', 'got 0'),
    # arithmetic.conv_output_size words these two; the layer is named in front
    ((1, 4, 4), [('conv', 2, 1, 0, 0)], "layer 0, ('conv', 2, 1, 0, 0): stride", 'got 0'),
    ((1, 4, 4), [('conv', 2, 1, -2)], "layer 0, ('conv', 2, 1, -2): padding", 'got -2'),
    ((4,), [('dense', 2.5)], 'units must be a positive integer', 'got 2.5'),
])
def test_impossible_settings_name_the_cause_and_the_fix(input_shape, layers, cause, fix):
    with pytest.raises(ValueError) as error:
        cost.layer_costs(input_shape, layers)
    assert cause in str(error.value) and fix in str(error.value), str(error.value)


def test_the_frameworks_refuse_a_kernel_larger_than_the_padded_input(d2l):
    """What layer_costs rejects, the frameworks cannot run either."""
    with pytest.raises(ValueError, match='spans 5 pixels'):
        d2l.layer_costs((1, 4, 4), [('conv', 2, 5)])
    with pytest.raises(Exception):
        run_layers(d2l, [('conv', 2, 5, (0, 0), (1, 1))], (1, 4, 4), 1)


@pytest.mark.parametrize('name, value', [('batch_size', 0), ('bytes_per_value', True), ('batch_size', 1.0)])
def test_bad_batch_or_value_size(name, value):
    with pytest.raises(ValueError, match=f'{name} must be a positive integer'):
        cost.layer_costs((1, 4, 4), [('relu',)], **{name: value})


def test_exported_unchanged_by_both_frameworks():
    from d2l_local import mxnet as d2l_mxnet, torch as d2l_torch
    assert set(cost.__all__) == {'conv_cost', 'layer_costs'}
    for module in (d2l_torch, d2l_mxnet):
        assert all(getattr(module, name) is getattr(cost, name) for name in cost.__all__)
        assert set(cost.__all__) <= set(module.__all__)
