"""Restore the NumPy names that MXNet 1.9.1 still reads, so it imports under NumPy >= 1.24 and 2.x.

MXNet 1.9.1 was released against NumPy 1.2x. Later NumPy releases removed aliases
(``np.bool``, ``np.PZERO``, ``np.alltrue``, ...) that MXNet reads at import time,
and ``mxnet/numpy/fallback.py`` copies about eighty NumPy functions by name.
Each missing name is put back, pointing at its documented replacement; a name
with no replacement raises a clear error only if something actually calls it.
"""
import ast
import importlib.util
import pathlib

import numpy as np

# Aliases removed in NumPy 1.24 (np.bool etc.) and 2.0 (the rest), with their replacements.
_REPLACEMENTS = {
    'bool': bool, 'int': int, 'float': float, 'complex': complex, 'object': object, 'str': str,
    'PZERO': 0.0, 'NZERO': -0.0, 'PINF': float('inf'), 'NINF': float('-inf'), 'NAN': float('nan'),
    'Inf': float('inf'), 'Infinity': float('inf'), 'infty': float('inf'), 'NaN': float('nan'),
    'alltrue': np.all, 'sometrue': np.any, 'product': np.prod, 'cumproduct': np.cumprod,
    'round_': np.round, 'float_': np.float64, 'complex_': np.complex128, 'unicode_': np.str_,
    'string_': np.bytes_, 'msort': lambda a: np.sort(a, axis=0),
}


def _removed(name):
    def unavailable(*args, **kwargs):
        raise AttributeError(f'numpy.{name} was removed in NumPy {np.__version__}; '
                             f'MXNet 1.9.1 cannot offer it. Install numpy<1.24 if you need it.')
    unavailable.__name__ = name
    return unavailable


def _fallback_names():
    """Names that ``mxnet/numpy/fallback.py`` copies from NumPy, read without importing mxnet."""
    spec = importlib.util.find_spec('mxnet')
    if spec is None or spec.origin is None:
        return []
    source = pathlib.Path(spec.origin).parent / 'numpy' / 'fallback.py'
    if not source.exists():
        return []
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == '__all__':
            return [element.value for element in node.value.elts]
    return []


def restore_numpy_names():
    """Put back every NumPy name MXNet reads; a no-op on NumPy 1.23, where none is missing."""
    for name in [*_REPLACEMENTS, *_fallback_names()]:
        if name not in np.__dict__:
            setattr(np, name, _REPLACEMENTS[name] if name in _REPLACEMENTS else _removed(name))
