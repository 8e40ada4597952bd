"""d2l_local's downsampling_net (torch and mxnet) against the frameworks' own layers and operators.

References: the pooling network's forward pass equals conv + ReLU + max pooling applied by the
frameworks' functional operators with the same weights; the strided network's first block equals
the stride-1 convolution sampled at every other row and column; parameter counts equal the
formula c_out (c_in k^2 + 1) per convolution plus the dense layer.
"""
import numpy as onp
import pytest

from d2l_local import mxnet as d2l_mxnet  # first: it prepares NumPy for MXNet
from d2l_local import torch as d2l_torch

import torch  # noqa: E402
from mxnet import np as mnp, npx  # noqa: E402
from torch.nn import functional as F  # noqa: E402

npx.set_np()


def expected_params(channels, side, num_classes=10):
    params, c_in = 0, 1
    for c_out in channels:
        params += c_out * (c_in * 9 + 1)
        c_in = c_out
    return params + (c_in * side * side + 1) * num_classes


def torch_params(net):
    return sum(p.numel() for p in net.parameters())


def mxnet_params(net, input_size=28):
    net.initialize()
    net(mnp.zeros((1, 1, input_size, input_size)))
    return sum(p.data().size for p in net.collect_params().values())


def test_names_are_exported():
    for module in (d2l_torch, d2l_mxnet):
        assert 'downsampling_net' in module.downsampling.__all__
        assert module.downsampling_net is module.downsampling.downsampling_net


@pytest.mark.parametrize('channels', [(8, 16), (4,), (3, 5, 7)])
@pytest.mark.parametrize('downsample', ['pool', 'stride'])
def test_parameters_and_output_shape(channels, downsample):
    side = 28 // 2 ** len(channels) if downsample == 'pool' else None
    if side is None:  # stride 2, padding 1, kernel 3: ceil(n / 2) per block
        side = 28
        for _ in channels:
            side = (side - 1) // 2 + 1
    expected = expected_params(channels, side)
    net_t = d2l_torch.downsampling_net(downsample, channels)
    assert torch_params(net_t) == expected
    assert tuple(net_t(torch.zeros(2, 1, 28, 28)).shape) == (2, 10)
    net_m = d2l_mxnet.downsampling_net(downsample, channels)
    assert mxnet_params(net_m) == expected
    assert net_m(mnp.zeros((2, 1, 28, 28))).shape == (2, 10)


def test_pool_and_stride_networks_have_the_same_parameters():
    for channels in [(8, 16), (6, 12)]:
        assert (torch_params(d2l_torch.downsampling_net('pool', channels))
                == torch_params(d2l_torch.downsampling_net('stride', channels)))
        assert (mxnet_params(d2l_mxnet.downsampling_net('pool', channels))
                == mxnet_params(d2l_mxnet.downsampling_net('stride', channels)))


def test_torch_forward_matches_functional_operators():
    torch.manual_seed(0)
    X = torch.rand(3, 1, 28, 28)
    for downsample in ('pool', 'stride'):
        net = d2l_torch.downsampling_net(downsample)
        convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
        Z = X
        for conv in convs:
            if downsample == 'pool':
                Z = F.max_pool2d(F.relu(F.conv2d(Z, conv.weight, conv.bias, padding=1)), 2)
            else:
                Z = F.relu(F.conv2d(Z, conv.weight, conv.bias, stride=2, padding=1))
        dense = net[-1]
        with torch.no_grad():
            torch.testing.assert_close(net(X), dense(Z.flatten(1)))


def test_mxnet_forward_matches_operators():
    X = mnp.array(onp.random.default_rng(1).uniform(size=(3, 1, 28, 28)).astype(onp.float32))
    for downsample in ('pool', 'stride'):
        net = d2l_mxnet.downsampling_net(downsample)
        net.initialize()
        Y = net(X)
        Z, stride = X, (1, 1) if downsample == 'pool' else (2, 2)
        for layer in net:
            if type(layer).__name__ != 'Conv2D':
                continue
            Z = npx.relu(npx.convolution(Z, layer.weight.data(), layer.bias.data(), kernel=(3, 3), stride=stride,
                                         pad=(1, 1), num_filter=layer.weight.shape[0]))
            if downsample == 'pool':
                Z = npx.pooling(Z, kernel=(2, 2), stride=(2, 2), pool_type='max')
        dense = net[len(net) - 1]
        onp.testing.assert_allclose(Y.asnumpy(), dense(Z.reshape(Z.shape[0], -1)).asnumpy(), rtol=1e-5, atol=1e-5)


def test_strided_block_is_the_stride_one_block_sampled():
    """A stride-2 convolution computes the stride-1 outputs at even rows and columns."""
    torch.manual_seed(2)
    X = torch.rand(2, 1, 28, 28)
    pool_net, stride_net = d2l_torch.downsampling_net('pool'), d2l_torch.downsampling_net('stride')
    stride_net[0].load_state_dict(pool_net[0].state_dict())
    with torch.no_grad():
        full = torch.relu(pool_net[0](X))
        torch.testing.assert_close(stride_net[1](stride_net[0](X)), full[..., ::2, ::2])
        torch.testing.assert_close(pool_net[2](full), F.max_pool2d(full, 2))


@pytest.mark.parametrize('module', [d2l_torch, d2l_mxnet], ids=['torch', 'mxnet'])
@pytest.mark.parametrize('kwargs, message', [
    (dict(downsample='avg'), "downsample must be 'pool' or 'stride'"),
    (dict(channels=()), 'non-empty sequence of positive integers'),
    (dict(channels=(8, 0)), 'non-empty sequence of positive integers'),
    (dict(channels=(8, 2.5)), 'non-empty sequence of positive integers'),
    (dict(channels=(4, 4, 4), input_size=4), 'use fewer blocks'),
])
def test_clear_errors(module, kwargs, message):
    with pytest.raises(ValueError, match=message):
        module.downsampling_net(**kwargs)
