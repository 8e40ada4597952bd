"""LeNet-5 as in the 1998 paper (chapters/lenet5.md), in both frameworks, against the paper and NumPy."""
from d2l_local import mxnet as d2l_mxnet  # first: it prepares NumPy for MXNet
from d2l_local import torch as d2l_torch
from mxnet import np as mx_np  # noqa: E402

import numpy  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from conftest import array, numpy_of  # noqa: E402
from d2l_local.shared import area_resize  # noqa: E402

# Table I of LeCun et al. (1998), transcribed from shared/reference/facts.md: rows are the 6 S2 maps,
# columns the 16 C3 maps, X = connected.
TABLE_I = """
      0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
S2 0  X . . . X X X . . X X  X  X  .  X  X
S2 1  X X . . . X X X . . X  X  X  X  .  X
S2 2  X X X . . . X X X . .  X  .  X  X  X
S2 3  . X X X . . X X X X .  .  X  .  X  X
S2 4  . . X X X . . X X X X  .  X  X  .  X
S2 5  . . . X X X . . X X X  X  .  X  X  X
"""
# Trainable parameters per layer as printed in the paper.
PAPER_COUNTS = {'C1': 156, 'S2': 12, 'C3': 1516, 'S4': 32, 'C5': 48120, 'F6': 10164, 'RBF': 0}


def table_from_facts():
    rows = [line.split()[2:] for line in TABLE_I.strip().splitlines()[1:]]
    return numpy.array([[mark == 'X' for mark in row] for row in rows])


def random_prototypes(seed=0):
    return numpy.random.default_rng(seed).choice([-1.0, 1.0], size=(10, 84))


def make_net(d2l, prototypes=None):
    """A LeNet5 with given (default: random) prototypes, initialized in MXNet."""
    net = d2l.LeNet5(random_prototypes() if prototypes is None else prototypes)
    if d2l is d2l_mxnet:
        net.initialize()
    return net


def tensor_of(d2l, layer, name):
    """A layer's parameter, buffer or constant as a NumPy array."""
    value = getattr(layer, name)
    return numpy_of(value.data() if d2l is d2l_mxnet else value)


def c3_mask(d2l, net):
    """C3's mask as a (6 S2 maps, 16 C3 maps) boolean array."""
    return tensor_of(d2l, net.C3, 'mask')[:, :, 0, 0].T != 0


def images(d2l, n=16, seed=0):
    return array(d2l, numpy.random.default_rng(seed).uniform(size=(n, 1, 28, 28)))


def labels(d2l, n=16, seed=0):
    values = numpy.random.default_rng(seed).integers(0, 10, size=n)
    return array(d2l, values, dtype='int64' if d2l is d2l_torch else 'int32')


def test_table_matches_the_paper():
    table = table_from_facts()
    assert table.shape == (6, 16)
    assert (numpy.array(d2l_torch.LENET5_C3_TABLE) == table).all()
    # The paper's description: maps 0-5 read 3 S2 maps, 6-14 read 4 and map 15 reads all 6.
    assert table.sum(axis=0).tolist() == [3] * 6 + [4] * 9 + [6]


def test_c3_mask_equals_table_i(d2l):
    assert (c3_mask(d2l, make_net(d2l)) == table_from_facts()).all()


def test_parameter_counts_match_the_paper(d2l):
    counts = d2l.parameter_counts(make_net(d2l))
    assert list(counts) == list(PAPER_COUNTS)  # the paper's layer names, in order
    assert dict(counts) == PAPER_COUNTS
    assert sum(counts.values()) == 60000
    # C3 from the table: one 5x5 kernel per connection, one bias per map
    assert counts['C3'] == int(table_from_facts().sum()) * 25 + 16


def train_steps(d2l, net, steps=3, lr=0.01):
    """A few Adam steps on random images; returns the losses."""
    losses = []
    if d2l is d2l_torch:
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        for step in range(steps):
            loss = d2l.map_loss(net(images(d2l, seed=step)), labels(d2l, seed=step))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
        return losses
    from mxnet import autograd, gluon
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': lr})
    for step in range(steps):
        with autograd.record():
            loss = d2l.map_loss(net(images(d2l, seed=step)), labels(d2l, seed=step))
        loss.backward()
        trainer.step(1)
        losses.append(float(loss))
    return losses


def gradient_of(d2l, parameter):
    return numpy_of(parameter.grad if d2l is d2l_torch else parameter.grad())


def test_masked_weights_stay_exactly_zero_during_training(d2l):
    net = make_net(d2l)
    unconnected = ~table_from_facts().T  # (16 C3 maps, 6 S2 maps)
    assert (tensor_of(d2l, net.C3, 'weight')[unconnected] == 0).all()  # zero from the start
    before = tensor_of(d2l, net.C3, 'weight').copy()
    losses = train_steps(d2l, net)
    assert all(numpy.isfinite(losses))
    weight, gradient = tensor_of(d2l, net.C3, 'weight'), gradient_of(d2l, net.C3.weight)
    assert numpy.abs(gradient[~unconnected]).max() > 0  # the loss does reach C3
    assert (gradient[unconnected] == 0).all()
    assert (weight[unconnected] == 0).all()
    assert not numpy.allclose(weight[~unconnected], before[~unconnected])  # connected ones did train


def test_zero_initialization_alone_would_not_keep_them_zero():
    """The reason for the mask: a zero weight in a plain convolution gets a nonzero gradient."""
    c3 = d2l_torch.MaskedConv2d(d2l_torch.LENET5_C3_TABLE, kernel_size=5)
    plain = torch.nn.Conv2d(6, 16, kernel_size=5)
    with torch.no_grad():
        plain.weight.copy_(c3.weight)
        plain.bias.copy_(c3.bias)
    H = torch.randn(4, 6, 14, 14)
    (plain(H) ** 2).sum().backward()
    unconnected = torch.from_numpy(~table_from_facts().T)
    assert (plain.weight[unconnected] == 0).all()
    assert (plain.weight.grad[unconnected].abs().amax(dim=(1, 2)) > 0).all()


def test_frameworks_start_from_identical_weights():
    d2l_torch.seed(0)
    net_torch = make_net(d2l_torch)
    d2l_mxnet.seed(0)
    net_mxnet = make_net(d2l_mxnet)
    for layer, parameter in [(layer, p) for layer in ('C1', 'S2', 'C3', 'S4', 'C5', 'F6')
                             for p in ('weight', 'bias')]:
        numpy.testing.assert_array_equal(tensor_of(d2l_torch, getattr(net_torch, layer), parameter),
                                         tensor_of(d2l_mxnet, getattr(net_mxnet, layer), parameter))


def test_same_outputs_in_both_frameworks_for_the_same_weights():
    prototypes = random_prototypes(1)
    d2l_torch.seed(1)
    net_torch = make_net(d2l_torch, prototypes)
    train_steps(d2l_torch, net_torch)  # weights that no initializer would produce
    d2l_mxnet.seed(2)
    net_mxnet = make_net(d2l_mxnet, prototypes)
    copied = 0
    for name, parameter in net_torch.named_parameters():
        layer, attribute = name.split('.')
        getattr(getattr(net_mxnet, layer), attribute).set_data(mx_np.array(parameter.detach().numpy()))
        copied += parameter.numel()
    assert copied == sum(p.data().size for p in net_mxnet.collect_params().values() if p.grad_req != 'null')
    for layer, constant in (('C3', 'mask'), ('RBF', 'prototypes')):
        numpy.testing.assert_array_equal(tensor_of(d2l_torch, getattr(net_torch, layer), constant),
                                         tensor_of(d2l_mxnet, getattr(net_mxnet, layer), constant))
    X = numpy.random.default_rng(3).uniform(size=(8, 1, 28, 28)).astype(numpy.float32)
    with torch.no_grad():
        out_torch = net_torch(torch.from_numpy(X)).numpy()
    out_mxnet = net_mxnet(mx_np.array(X)).asnumpy()
    assert out_torch.shape == (8, 10)
    numpy.testing.assert_allclose(out_mxnet, out_torch, rtol=1e-5, atol=1e-5)


def map_loss_numpy(Y, labels, j):
    """Eq. 9 of the paper, written out in float64."""
    Y = numpy.asarray(Y, dtype=numpy.float64)
    correct = Y[numpy.arange(len(Y)), labels]
    return numpy.mean(correct + numpy.log(numpy.exp(-j) + numpy.exp(-Y).sum(axis=1)))


@pytest.mark.parametrize('j', [0.1, 1.0, 5.0])
@pytest.mark.parametrize('scale', [1.0, 300.0])  # 300: exp(-y) underflows unless handled with care
def test_map_loss_matches_numpy(d2l, j, scale):
    rng = numpy.random.default_rng(0)
    Y = (scale * rng.uniform(size=(7, 10))).astype(numpy.float32)
    y = rng.integers(0, 10, size=7)
    loss = d2l.map_loss(array(d2l, Y), array(d2l, y, dtype='int64' if d2l is d2l_torch else 'int32'), j)
    assert float(numpy_of(loss)) == pytest.approx(map_loss_numpy(Y, y, j), rel=1e-5)


def test_rbf_matches_numpy(d2l):
    rng = numpy.random.default_rng(0)
    prototypes, X = random_prototypes(), rng.uniform(-1.7, 1.7, size=(5, 84)).astype(numpy.float32)
    rbf = d2l.EuclideanRBF(prototypes)
    if d2l is d2l_mxnet:
        rbf.initialize()
    expected = ((X[:, None, :].astype(numpy.float64) - prototypes[None]) ** 2).sum(axis=2)
    numpy.testing.assert_allclose(numpy_of(rbf(array(d2l, X))), expected, rtol=1e-5, atol=1e-4)


def test_subsampling_matches_numpy(d2l):
    layer = d2l.Subsampling(3)
    if d2l is d2l_mxnet:
        layer.initialize()
    w, b = tensor_of(d2l, layer, 'weight'), tensor_of(d2l, layer, 'bias')
    X = numpy.random.default_rng(0).uniform(size=(2, 3, 8, 8)).astype(numpy.float32)
    sums = X.reshape(2, 3, 4, 2, 4, 2).sum(axis=(3, 5))
    numpy.testing.assert_allclose(numpy_of(layer(array(d2l, X))), sums * w[:, None, None] + b[:, None, None],
                                  rtol=1e-5, atol=1e-6)


def test_input_scaling_and_squashing(d2l):
    X = numpy.zeros((1, 1, 28, 28), dtype=numpy.float32)
    X[0, 0, 10:20, 5:9] = 1.0
    scaled = numpy_of(d2l.lenet5_input(array(d2l, X)))
    assert scaled.shape == (1, 1, 32, 32)
    assert numpy.allclose(scaled[0, 0, 12:22, 7:11], 1.175)  # brightest -> 1.175
    background = numpy.ones((32, 32), dtype=bool)
    background[12:22, 7:11] = False
    assert numpy.allclose(scaled[0, 0][background], -0.1)  # background and border -> -0.1
    f = numpy_of(d2l.lenet5_squash(array(d2l, [-1.0, 0.0, 1.0, 50.0])))
    numpy.testing.assert_allclose(f, [-1, 0, 1, 1.7159], atol=1e-4)


def test_initial_weights_within_the_fan_in_bounds(d2l):
    net = make_net(d2l)
    fan_in_c3 = 25 * table_from_facts().sum(axis=0)
    bounds = {'C1': 2.4 / 25, 'S2': 2.4 / 4, 'S4': 2.4 / 4, 'C5': 2.4 / 400, 'F6': 2.4 / 120}
    for layer, bound in bounds.items():
        for name in ('weight', 'bias'):
            values = tensor_of(d2l, getattr(net, layer), name)
            assert numpy.abs(values).max() <= bound
            assert numpy.abs(values).max() > 0.5 * bound  # drawn over the whole range, not a sliver
    weight = tensor_of(d2l, net.C3, 'weight')
    for j in range(16):
        assert numpy.abs(weight[j]).max() <= 2.4 / fan_in_c3[j]


def test_prediction_is_the_nearest_prototype(d2l):
    """Outputs are squared distances: feeding F6 a class's own code gives that class distance 0."""
    prototypes = random_prototypes()
    rbf = d2l.EuclideanRBF(prototypes)
    if d2l is d2l_mxnet:
        rbf.initialize()
    distances = numpy_of(rbf(array(d2l, prototypes)))
    assert (distances.argmin(axis=1) == numpy.arange(10)).all()
    assert numpy.allclose(numpy.diag(distances), 0, atol=1e-4)


def test_area_resize():
    image = numpy.random.default_rng(0).uniform(size=(28, 28))
    numpy.testing.assert_allclose(area_resize(image, 7, 7), image.reshape(7, 4, 7, 4).mean(axis=(1, 3)))
    numpy.testing.assert_allclose(area_resize(numpy.ones((28, 28)), 12, 7), numpy.ones((12, 7)))
    # Rows 28 -> 12: output row 0 covers input rows 0, 1 and a third of row 2.
    column = numpy.arange(28.0)[:, None] * numpy.ones((1, 7))
    assert area_resize(column, 12, 7)[0, 0] == pytest.approx((0 + 1 + 2 / 3) / (7 / 3))


def exact_area_average(image, rows, cols):
    """Shrink by repeating pixels up to a common multiple of the sizes, then averaging equal blocks."""
    up_rows, up_cols = numpy.lcm(image.shape[0], rows), numpy.lcm(image.shape[1], cols)
    big = numpy.repeat(numpy.repeat(image, up_rows // image.shape[0], axis=0), up_cols // image.shape[1], axis=1)
    return big.reshape(rows, up_rows // rows, cols, up_cols // cols).mean(axis=(1, 3))


def test_area_resize_against_block_averages():
    image = numpy.random.default_rng(1).uniform(size=(28, 28))
    numpy.testing.assert_allclose(area_resize(image, 12, 7), exact_area_average(image, 12, 7))


def test_fashion_mnist_prototypes():
    from d2l_local import data
    arrays = data.load_arrays()
    prototypes = d2l_torch.lenet5_prototypes()
    assert prototypes.shape == (10, 84)
    assert set(numpy.unique(prototypes)) == {-1.0, 1.0}
    # Independently: each class's mean training image, shrunk to 12 x 7, +1 where above the class average
    means = numpy.stack([exact_area_average(arrays['train_images'][arrays['train_labels'] == k].mean(axis=0),
                                            12, 7) for k in range(10)])
    expected = numpy.where(means > means.mean(axis=0), 1.0, -1.0).reshape(10, 84)
    assert (prototypes != expected).sum() <= 2  # ties at the threshold may round either way
    distances = (prototypes[:, None] != prototypes[None]).sum(axis=2)
    assert distances[~numpy.eye(10, dtype=bool)].min() > 0  # every class has its own code


def tiny_task(d2l, n=64, seed=0):
    """Images whose class is the brighter half (top or bottom): learnable in a few steps."""
    rng = numpy.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    X = rng.uniform(0, 0.2, size=(n, 1, 28, 28))
    X[y == 0, :, :14] += 0.8
    X[y == 1, :, 14:] += 0.8
    from d2l_local import data
    features = array(d2l, X)
    targets = array(d2l, y, dtype='int64' if d2l is d2l_torch else 'int32')
    return data.Batches(features, targets, 16, True, d2l.ARRAY_OPS), y, X


def ready(d2l, net):
    if d2l is d2l_mxnet:
        from mxnet import init
        net.initialize(init.Xavier())
    return net


def test_evaluate_accuracy_gpu_with_predict_counts_like_numpy(d2l):
    d2l.seed(0)
    batches, y, X = tiny_task(d2l)
    net = ready(d2l, d2l.lenet_relu())
    if d2l is d2l_torch:
        outputs = net(array(d2l, X)).detach().numpy()
        always_one = lambda Y: torch.ones(len(Y), dtype=torch.int64, device=Y.device)
    else:
        outputs = numpy_of(net(array(d2l, X)))
        always_one = lambda Y: mx_np.ones(len(Y), dtype='int32', ctx=Y.ctx)
    assert 0 < (y == 1).mean() < 1
    device = d2l.try_gpu()
    assert d2l.evaluate_accuracy_gpu(net, batches, device, predict=always_one) == pytest.approx((y == 1).mean())
    assert d2l.evaluate_accuracy_gpu(net, batches, device) == pytest.approx((outputs.argmax(axis=1) == y).mean())


def test_train_lenet5_learns_and_reports_its_final_test_accuracy(d2l):
    d2l.seed(0)
    batches, y, _ = tiny_task(d2l)
    net = ready(d2l, d2l.lenet_relu())
    if d2l is d2l_torch:
        loss, predict = torch.nn.functional.cross_entropy, (lambda Y: Y.argmax(dim=1))
    else:
        from mxnet import gluon
        ce = gluon.loss.SoftmaxCrossEntropyLoss()
        loss, predict = (lambda Y, y: ce(Y, y).mean()), (lambda Y: Y.argmax(axis=1))
    result = d2l.train_lenet5(net, batches, batches, 3, 0.01, loss, predict)
    assert result['num_epochs'] == 3 and result['epoch_seconds'] > 0
    assert result['train_acc'] > 0.9 and result['test_acc'] > 0.9  # chance is 0.5
    assert result['test_acc'] == d2l.evaluate_accuracy_gpu(net, batches, d2l.try_gpu(), predict=predict)
