"""The facts chapters/lenet.md relies on, in both frameworks.

Expected shapes and parameter counts are derived here from the output-size formula and the layer
specification (channels, kernel sizes, units), never read off the model under test.
"""
import math

import numpy
import pytest

from conftest import array

# The specification of the chapter's LeNet: (kind, output channels or units, kernel/window, padding, stride).
# Padding is the total along an axis, as in the chapter's formula: the frameworks' padding=2 per side is 4.
SPEC = [('conv', 6, 5, 4, 1), ('pool', None, 2, 0, 2), ('conv', 16, 5, 0, 1), ('pool', None, 2, 0, 2),
        ('flatten', None, None, None, None), ('dense', 120, None, None, None), ('dense', 84, None, None, None),
        ('dense', 10, None, None, None)]


def out_size(n, k, p=0, s=1):
    """floor((n + p - k) / s) + 1: positions of a k-wide window, stride s, on n inputs with p padding in all."""
    return (n + p - k) // s + 1


def expected_stages(in_shape=(1, 28, 28)):
    """The per-example output shape after each stage of SPEC, and each stage's parameter count."""
    shape, shapes, params = in_shape, [], []
    for kind, width, k, p, s in SPEC:
        if kind == 'conv':
            c, h, w = shape
            params.append(width * c * k * k + width)
            shape = (width, out_size(h, k, p, s), out_size(w, k, p, s))
        elif kind == 'pool':
            c, h, w = shape
            shape = (c, out_size(h, k, p, s), out_size(w, k, p, s))
        elif kind == 'flatten':
            shape = (math.prod(shape),)
        else:
            params.append(width * shape[0] + width)
            shape = (width,)
        shapes.append(shape)
    return shapes, params


def test_formula_reproduces_the_architecture_figure():
    # The figure and the prose state these shapes; the formula must give them.
    shapes, params = expected_stages()
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,), (84,), (10,)]
    assert sum(params) == 156 + 2416 + 48120 + 10164 + 850


def is_torch(d2l):
    return d2l.__name__.endswith('torch')


def forward_walk(d2l, net, batch=2):
    """Feed a batch of 28x28 images through each layer; return the output shape of every layer."""
    X = numpy.random.default_rng(0).uniform(size=(batch, 1, 28, 28))
    X = array(d2l, X)
    if not is_torch(d2l):
        net.initialize()
    shapes = []
    for layer in net:
        X = layer(X)
        shapes.append(tuple(X.shape))
    return shapes


def distinct(shapes):
    """Drop shapes equal to the one before (activation layers keep their input's shape)."""
    return [s for i, s in enumerate(shapes) if i == 0 or s != shapes[i - 1]]


def test_lenet_shape_walk(d2l):
    expected, _ = expected_stages()
    net = d2l.LeNet()
    walk = distinct(forward_walk(d2l, net, batch=2))
    assert all(shape[0] == 2 for shape in walk), 'the batch axis must be kept'
    per_example = [shape[1:] for shape in walk]
    if is_torch(d2l):
        assert per_example == expected
    else:
        # Gluon's Dense flattens by itself: no separate flatten stage, but its inferred input width is it.
        flatten = expected.index((400,))
        assert per_example == expected[:flatten] + expected[flatten + 1:]
        assert net[4].weight.shape == (expected[flatten + 1][0], expected[flatten][0])


def test_lenet_parameter_count(d2l):
    _, expected = expected_stages()
    net = d2l.LeNet()
    if is_torch(d2l):
        per_layer = [sum(p.numel() for p in layer.parameters()) for layer in net]
    else:
        forward_walk(d2l, net, batch=1)  # Gluon creates the parameters on the first forward pass
        per_layer = [sum(p.data().size for p in layer.collect_params().values()) for layer in net]
    assert [int(n) for n in per_layer if n] == expected
    assert sum(per_layer) == sum(expected)


def subset_iters(d2l, n_train=384, n_test=256, batch_size=64):
    """Small Fashion-MNIST iterators built the way load_data_fashion_mnist builds the full ones."""
    from d2l_local import data
    arrays = data.load_arrays()

    def batches(split, n, shuffle):
        X = array(d2l, arrays[f'{split}_images'][:n, None] / 255.0)
        y = array(d2l, arrays[f'{split}_labels'][:n], dtype='int64' if is_torch(d2l) else 'int32')
        return data.Batches(X, y, batch_size, shuffle, d2l.ARRAY_OPS)
    return batches('train', n_train, True), batches('test', n_test, False)


def test_train_ch5_smoke(d2l, capsys):
    d2l.seed(0)
    train_iter, test_iter = subset_iters(d2l)
    result = d2l.train_ch5(d2l.LeNet(), train_iter, test_iter, 1, 0.9)
    assert isinstance(result, d2l.TrainResult)
    assert math.isfinite(result.loss) and result.loss > 0
    assert 0 <= result.train_acc <= 1 and 0 <= result.test_acc <= 1
    # accuracies are fractions of whole examples
    assert abs(result.train_acc * 384 - round(result.train_acc * 384)) < 1e-6
    assert abs(result.test_acc * 256 - round(result.test_acc * 256)) < 1e-6
    assert result.examples_per_sec > 0 and result.num_epochs == 1
    assert 'cpu' in result.device or 'cuda' in result.device or 'gpu' in result.device
    assert f'test acc {result.test_acc:.3f}' in capsys.readouterr().out


def lenet_with_outputs(d2l, num_outputs):
    if is_torch(d2l):
        from torch import nn
        return nn.Sequential(*d2l.LeNet()[:-1], nn.Linear(84, num_outputs))
    from mxnet.gluon import nn
    net = nn.Sequential()
    net.add(*d2l.LeNet()[:-1], nn.Dense(num_outputs))
    return net


def test_extra_outputs_are_only_pushed_down(d2l):
    """The page's argument: with labels 0-9 and sigmoid inputs, every weight and bias of outputs
    10 and 11 decreases at every SGD step (gradient = probability x positive activation)."""
    d2l.seed(0)
    train_iter, _ = subset_iters(d2l, n_train=192, batch_size=64)
    net = lenet_with_outputs(d2l, 12)
    if is_torch(d2l):
        import torch
        loss, optimizer = torch.nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.9)
        last = net[-1]
        snapshot = lambda: (last.weight.detach()[10:].clone().numpy(), last.bias.detach()[10:].clone().numpy())
        for X, y in train_iter:
            before = snapshot()
            l = loss(net(X), y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            after = snapshot()
            assert (after[0] < before[0]).all() and (after[1] < before[1]).all()
    else:
        from mxnet import autograd, gluon, init
        net.initialize(init.Xavier())
        net(array(d2l, numpy.zeros((1, 1, 28, 28))))  # Gluon creates the parameters on the first forward pass
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.9})
        loss, last = gluon.loss.SoftmaxCrossEntropyLoss(), net[-1]
        snapshot = lambda: (last.weight.data()[10:].asnumpy(), last.bias.data()[10:].asnumpy())
        for X, y in train_iter:
            before = snapshot()
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(len(y))
            after = snapshot()
            assert (after[0] < before[0]).all() and (after[1] < before[1]).all()


def test_fewer_outputs_than_classes(d2l):
    """PyTorch rejects a label without an output; MXNet clips it to the last output (as the page says)."""
    logits = numpy.array([[0., 0, 0, 0, 0, 0, 0, 4]])
    if is_torch(d2l):
        import torch
        with pytest.raises(IndexError):
            torch.nn.CrossEntropyLoss()(array(d2l, logits), array(d2l, [9], dtype='int64'))
    else:
        from mxnet import gluon
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        as_9 = loss(array(d2l, logits), array(d2l, [9], dtype='int32')).item()
        as_7 = loss(array(d2l, logits), array(d2l, [7], dtype='int32')).item()
        expected_7 = -numpy.log(numpy.exp(4) / (7 + numpy.exp(4)))  # softmax of the logits, class 7
        assert as_7 == pytest.approx(expected_7, rel=1e-4)
        assert as_9 == pytest.approx(as_7, rel=1e-6)


# --- memory for training, and output channels vs outputs ----------------------------------------

def page_literal(name):
    """The literal value of the first top-level assignment to ``name`` in the page's code cells."""
    import ast
    import pathlib
    from book_ext.pages import read_page
    page = pathlib.Path(__file__).resolve().parents[1] / 'chapters' / 'lenet.md'
    for cell in read_page(page.read_text(), path=page).cells:
        if cell.cell_type != 'code':
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == name:
                return ast.literal_eval(node.value)
    raise AssertionError(f'the page assigns no {name}')


def test_page_lenet_description_and_memory(d2l):
    layers, batch = page_literal('lenet_layers'), page_literal('batch')
    assert batch == 256
    rows = d2l.layer_costs((1, 28, 28), layers, batch_size=batch)
    expected, params = expected_stages()  # from SPEC, independent of the page and of cost.py
    # the description is SPEC with a sigmoid after both convolutions and the first two dense layers
    assert distinct([row['shape'] for row in rows]) == expected
    assert [row['params'] for row in rows if row['params']] == params
    assert [row['layer'] for row in rows].count('sigmoid') == 4
    # what the page counts: the input and every output except the flattening (a view), 4 bytes each
    per_image = 784 + 2 * 6 * 28 * 28 + 6 * 14 * 14 + 2 * 16 * 10 * 10 + 16 * 5 * 5 + 2 * 120 + 2 * 84 + 10
    kept = 784 * batch * 4 + sum(row['bytes'] for row in rows if row['layer'] != 'flatten')
    assert kept == per_image * batch * 4 == 15_755_264
    assert kept > 60 * 4 * sum(params)  # "about 64 times" the parameters' bytes
    # and the frameworks' tensors have these sizes (see also tests/test_cost.py)
    net = d2l.LeNet()
    X = array(d2l, numpy.zeros((batch, 1, 28, 28)))
    if not is_torch(d2l):
        net.initialize()
    sizes = []
    for layer in net:
        X = layer(X)
        sizes.append(X.numel() * X.element_size() if is_torch(d2l) else X.size * X.dtype.itemsize)
    expected_sizes = [row['bytes'] for row in rows if is_torch(d2l) or row['layer'] not in ('sigmoid', 'flatten')]
    assert sizes == expected_sizes


def test_wider_channels_keep_ten_outputs(d2l):
    layers, wider = page_literal('lenet_layers'), page_literal('wider')
    variant = [wider.get(i, layer) for i, layer in enumerate(layers)]
    assert [layer for layer in variant if layer[0] == 'conv'] == [('conv', 12, 5, 4), ('conv', 32, 5)]
    rows = d2l.layer_costs((1, 28, 28), variant)
    assert rows[0]['shape'] == (12, 28, 28) and rows[6]['shape'] == (32 * 5 * 5,)
    assert rows[-1]['shape'] == (10,)
