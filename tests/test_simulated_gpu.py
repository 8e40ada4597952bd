"""The simulated GPU fails where a real one would, and nowhere else; d2l_local.torch works on it."""
import copy

import numpy
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import simulated_gpu
from simulated_gpu import on_gpu

GPU = torch.device('cuda:0')


@pytest.fixture
def gpu():
    simulated_gpu.activate()
    yield GPU
    simulated_gpu.deactivate()


def small_net():
    return nn.Sequential(nn.Conv2d(1, 2, kernel_size=3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))


def test_torch_reports_one_cuda_gpu_until_deactivated(gpu):
    from d2l_local import torch as d2l
    assert torch.cuda.is_available() and d2l.num_gpus() == 1 and d2l.try_gpu() == GPU
    simulated_gpu.deactivate()
    assert not torch.cuda.is_available() and d2l.try_gpu() == torch.device('cpu')
    assert not on_gpu(nn.Parameter(torch.ones(1)))


def test_moved_tensors_report_the_gpu_and_originals_stay_behind(gpu):
    X = torch.ones(2, 3)
    X_gpu = X.to(gpu)
    assert X_gpu.device == GPU and X_gpu.is_cuda and not on_gpu(X) and X.device.type == 'cpu'
    back = X_gpu.cpu()
    assert back.device.type == 'cpu' and on_gpu(X_gpu) and X_gpu.to(gpu) is X_gpu
    assert on_gpu(torch.zeros(3, device=gpu)) and on_gpu(torch.zeros_like(X_gpu)) and on_gpu(X_gpu * 2)
    assert on_gpu(X.cuda()) and not on_gpu(X_gpu.to('cpu'))


def test_mixing_devices_fails_with_cudas_message(gpu):
    net = small_net().to(gpu)
    with pytest.raises(RuntimeError, match='Expected all tensors to be on the same device'):
        net(torch.ones(1, 1, 6, 6))
    with pytest.raises(RuntimeError, match='same device'):
        torch.ones(3).to(gpu) + torch.ones(3)
    with pytest.raises(RuntimeError, match='same device'):
        torch.cat([torch.ones(3).to(gpu), torch.ones(3)])
    with pytest.raises(RuntimeError, match='same device'):
        F.cross_entropy(net(torch.ones(2, 1, 6, 6).to(gpu)), torch.tensor([0, 1]))


def test_cpu_scalars_may_be_read_with_gpu_tensors_but_not_written(gpu):
    X = torch.ones(3).to(gpu)
    assert on_gpu(X * torch.tensor(2.0)) and on_gpu(X[torch.tensor([0, 2])])
    total = torch.zeros(())
    with pytest.raises(RuntimeError, match='same device'):
        total += X.sum()


def test_numpy_and_matplotlib_refuse_gpu_tensors(gpu):
    X = torch.ones(2, 2).to(gpu)
    for convert in (lambda: X.numpy(), lambda: numpy.asarray(X)):
        with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
            convert()
    assert X.detach().cpu().numpy().sum() == 4 and X.sum().item() == 4 and f'{X.sum():.1f}' == '4.0'


def test_parameters_gradients_and_copies_keep_the_mark(gpu):
    net = small_net().to(gpu)
    loss = net(torch.ones(2, 1, 6, 6).to(gpu)).sum()
    loss.backward()
    assert all(on_gpu(p) and on_gpu(p.grad) for p in net.parameters())
    assert all(on_gpu(p) for p in copy.deepcopy(net).parameters())
    assert on_gpu(nn.Parameter(torch.ones(2).to(gpu)))
    state = {name: value.clone() for name, value in net.state_dict().items()}
    net.load_state_dict(state)
    assert all(on_gpu(value) for value in state.values())
    net.cpu()
    assert not any(on_gpu(p) for p in net.parameters())
    net(torch.ones(1, 1, 6, 6))


@pytest.mark.parametrize('make_optimizer', [
    lambda params: torch.optim.SGD(params, lr=0.1),
    lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    lambda params: torch.optim.Adam(params, lr=0.01)], ids=['sgd', 'momentum', 'adam'])
def test_optimizers_train_on_the_gpu_as_on_the_cpu(gpu, make_optimizer):
    def train(device):
        torch.manual_seed(0)
        net = small_net().to(device)
        optimizer = make_optimizer(net.parameters())
        X, y = torch.randn(8, 1, 6, 6).to(device), torch.arange(8).remainder(3).to(device)
        for _ in range(3):
            optimizer.zero_grad()
            F.cross_entropy(net(X), y).backward()
            optimizer.step()
        return net[0].weight.detach().cpu()
    torch.testing.assert_close(train(gpu), train('cpu'))


def test_d2l_trains_and_evaluates_on_the_gpu(gpu, capsys):
    from d2l_local import torch as d2l
    d2l.seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(64)
    train_iter, test_iter = [b for b, _ in zip(train_iter, range(4))], [b for b, _ in zip(test_iter, range(2))]
    net = d2l.lenet_relu()
    result = d2l.train_ch5(net, train_iter, test_iter, 1, 0.1)
    assert result.device == 'cuda:0' and on_gpu(next(net.parameters()))
    assert 'on cuda:0' in capsys.readouterr().out
    X = test_iter[0][0][:2].to(gpu)
    assert all(on_gpu(m) for m in d2l.feature_maps(net, X)) and on_gpu(d2l.shift(X, 1, -2))
    assert 0 <= d2l.evaluate_accuracy_gpu(net, test_iter, gpu, predict=lambda Y: Y.argmin(dim=1)) <= 1
    lenet5 = d2l.LeNet5().to(gpu)
    Y = lenet5(X)
    assert on_gpu(Y) and on_gpu(d2l.map_loss(Y, torch.tensor([0, 1]).to(gpu)))
    assert d2l.parameter_counts(lenet5)['C3'] == 1516


def test_d2l_array_helpers_keep_the_device(gpu):
    from d2l_local import torch as d2l
    X, K = torch.arange(16.).reshape(4, 4).to(gpu), torch.ones(2, 2).to(gpu)
    assert on_gpu(d2l.corr2d(X, K)) and on_gpu(d2l.pool2d(X, (2, 2)))
    batches = d2l.load_data_fashion_mnist(32)[1].to(gpu)
    X, y = next(iter(batches))
    assert on_gpu(X) and on_gpu(y)
    d2l.show_images(X[:2, 0], 1, 2)
    d2l.plot(torch.arange(3.).to(gpu), [torch.ones(3).to(gpu)])
