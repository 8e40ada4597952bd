"""A pretend CUDA GPU for CPU-only machines: PyTorch code that would fail on a real GPU fails here too.

``activate()`` makes ``torch.cuda.is_available()`` true and installs a ``TorchFunctionMode`` that
marks tensors as living on ``cuda:0``. The computation itself stays on the CPU. A marked tensor

- reports ``device`` ``cuda:0`` and ``is_cuda`` True;
- passes its mark to every tensor an operation makes from it (``.cpu()`` and ``.to('cpu')`` excepted);
- refuses ``.numpy()`` and ``np.asarray``, with CUDA's own message;
- refuses to meet an unmarked tensor of one or more dimensions in an operation, with CUDA's own
  message (a zero-dimensional CPU tensor may meet a GPU tensor, as on a real GPU).

Known blind spots: code that runs inside ``backward()`` or in another thread is not seen.
"""
import functools

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten

GPU = torch.device('cuda:0')
MARK = '_on_simulated_gpu'
# Operations that may mix devices on a real GPU: copies across devices, and indexing a GPU
# tensor with CPU indices.
MIXING_ALLOWED = {'copy_', '__setitem__', '_has_compatible_shallow_copy_type'}
REPORTED = {'device.__get__': GPU, 'is_cuda.__get__': True, 'is_cpu.__get__': False}


def on_gpu(tensor):
    return isinstance(tensor, torch.Tensor) and getattr(tensor, MARK, False)


def mark(tensor):
    if isinstance(tensor, torch.Tensor):
        setattr(tensor, MARK, True)
    return tensor


def _tensors(*trees):
    leaves, _ = tree_flatten(trees)
    return [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]


def _is_gpu_device(device):
    if isinstance(device, int):  # torch accepts a bare index for a CUDA device
        return True
    return device is not None and torch.device(device).type == 'cuda'


def _func_name(func):
    if getattr(func, '__name__', None) in ('__get__', '__set__'):  # a Tensor property
        return f'{func.__self__.__name__}.{func.__name__}'
    return getattr(func, '__name__', repr(func))


def _mixing_error(name):
    return RuntimeError(f'Expected all tensors to be on the same device, but found at least two devices, '
                        f'cuda:0 and cpu! (simulated GPU, in {name})')


def _numpy_error():
    return TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                     "tensor to host memory first. (simulated GPU)")


class SimulatedGPU(TorchFunctionMode):
    """Marks tensors that would be on the GPU, and fails where a real GPU would."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = _func_name(func)
        if name in REPORTED and on_gpu(args[0]):
            return REPORTED[name]
        if name in ('numpy', '__array__') and on_gpu(args[0]):
            raise _numpy_error()
        if name in ('to', 'cuda', 'cpu'):
            return self._move(func, name, args, kwargs)
        if name == 'data.__set__':  # module.to() swaps a parameter's data: the parameter moves with it
            func(*args, **kwargs)
            setattr(args[0], MARK, on_gpu(args[1]))
            return None
        if 'device' in kwargs:  # a factory such as torch.zeros(..., device=...)
            gpu = _is_gpu_device(kwargs['device'])
            result = func(*args, **{**kwargs, 'device': 'cpu' if gpu else kwargs['device']})
            for tensor in _tensors(result) if gpu else ():
                mark(tensor)
            return result
        self._check_devices(name, args, kwargs)
        result = func(*args, **kwargs)
        if any(on_gpu(t) for t in _tensors(args, kwargs)):
            for tensor in _tensors(result):
                mark(tensor)
        return result

    @staticmethod
    def _check_devices(name, args, kwargs):
        if name in MIXING_ALLOWED or name.endswith('.__get__'):
            return
        if name == '__getitem__':  # GPU tensors take CPU indices; CPU tensors refuse GPU ones
            if not on_gpu(args[0]) and any(on_gpu(t) for t in _tensors(args[1:])):
                raise _mixing_error(name)
            return
        tensors = _tensors(args, kwargs)
        if not any(on_gpu(t) for t in tensors):
            return
        in_place = name.startswith('__i') or (name.endswith('_') and not name.startswith('__'))
        written = _tensors(args[0]) if in_place else []  # a list for the _foreach_ operations
        if any(not on_gpu(t) and t.dim() > 0 for t in tensors) or not all(map(on_gpu, written)):
            raise _mixing_error(name)  # a CPU scalar may be read alongside GPU tensors, not written

    @staticmethod
    def _move(func, name, args, kwargs):
        """``.to``, ``.cuda`` and ``.cpu``: a new tensor whenever the device changes, as on a real GPU."""
        tensor, rest = args[0], args[1:]
        dtype, non_blocking = None, kwargs.get('non_blocking', False)
        if name == 'to':
            device, dtype, non_blocking, _ = torch._C._nn._parse_to(*rest, **kwargs)
            other = next((a for a in rest if isinstance(a, torch.Tensor)), kwargs.get('other'))
            gpu = on_gpu(other) if other is not None else (
                on_gpu(tensor) if device is None else _is_gpu_device(device))
        else:
            gpu = name == 'cuda'
        if gpu == on_gpu(tensor):
            result = tensor if dtype is None else tensor.to(dtype=dtype)
        else:
            result = tensor.to(dtype=dtype or tensor.dtype, copy=True, non_blocking=non_blocking)
        return mark(result) if gpu else result


def _parameter_keeps_mark(new):
    """``nn.Parameter(data)`` makes a new tensor object in C++, which would lose data's mark."""
    @functools.wraps(new)
    def wrapped(cls, data=None, requires_grad=True):
        parameter = new(cls, data, requires_grad)
        if on_gpu(data):
            mark(parameter)
        return parameter
    return wrapped


class _Patches:
    """What ``torch.cuda`` says and does while the simulated GPU is active, and how to undo it."""

    def __init__(self):
        self.saved = []

    def set(self, owner, name, value):
        self.saved.append((owner, name, owner.__dict__.get(name, getattr(owner, name, None))))
        setattr(owner, name, value)

    def undo(self):
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)
        self.saved.clear()


_active = []  # (mode, patches) while active


def activate():
    """Pretend this process has one CUDA GPU, until ``deactivate()``."""
    if _active:
        return
    patches = _Patches()
    patches.set(torch.cuda, 'is_available', lambda: True)
    patches.set(torch.cuda, 'device_count', lambda: 1)
    patches.set(torch.cuda, 'current_device', lambda: 0)
    patches.set(torch.cuda, 'get_device_name', lambda device=None: 'simulated GPU')
    patches.set(torch.cuda, 'synchronize', lambda device=None: None)
    patches.set(torch.cuda, 'empty_cache', lambda: None)
    patches.set(nn.Parameter, '__new__', staticmethod(_parameter_keeps_mark(nn.Parameter.__new__)))
    mode = SimulatedGPU()
    mode.__enter__()
    _active.append((mode, patches))


def deactivate():
    """Back to the plain CPU."""
    if _active:
        mode, patches = _active.pop()
        mode.__exit__(None, None, None)
        patches.undo()
