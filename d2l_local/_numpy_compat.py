"""Restore the NumPy names that MXNet 1.9.1 still reads, so it imports under NumPy >= 1.24 and 2.x.

MXNet 1.9.1 was released against NumPy 1.2x. Later NumPy releases removed aliases and
functions that MXNet reads, many at import time (``np.bool``, ``np.PZERO``, ``np.alltrue``,
the financial functions copied by ``mxnet/numpy/fallback.py``, ...). Each missing name is put
back, pointing at its documented replacement; a name with no replacement is put back as a
function that raises a clear error only if something actually calls it.

The list is every attribute MXNet 1.9.1's Python sources read from NumPy, by name or through
its array-function tables, that NumPy 2.x lacks; tests/test_colab.py proves MXNet imports and
trains under NumPy 2 with it.
"""
import types

import numpy as np

# Removed in NumPy 1.24 (the builtin aliases) or 2.x (the rest), with their replacements.
REPLACEMENTS = {
    'bool': bool, 'int': int, 'float': float, 'complex': complex, 'object': object, 'str': str,
    'PZERO': 0.0, 'NZERO': -0.0, 'PINF': float('inf'), 'NINF': float('-inf'), 'NAN': float('nan'),
    'Inf': float('inf'), 'NaN': float('nan'),
    'float_': np.float64, 'complex_': np.complex128, 'unicode_': np.str_, 'string_': np.bytes_,
    'alltrue': np.all, 'sometrue': np.any, 'product': np.prod, 'cumproduct': np.cumprod,
    'round_': np.round,
    'msort': lambda a: np.sort(a, axis=0),
    'in1d': lambda ar1, ar2, **kwargs: np.isin(ar1, ar2, **kwargs).ravel(),
    'trapz': getattr(np, 'trapezoid', None),
    'compat': types.SimpleNamespace(basestring=str, long=int, unicode=str),
}
# Removed in NumPy 1.20 without a replacement in NumPy (they live in numpy_financial now).
REMOVED = ('mirr', 'npv', 'pmt', 'ppmt', 'pv', 'rate', 'fv', 'irr', 'nper', 'ipmt')


def _removed(name):
    def unavailable(*args, **kwargs):
        raise AttributeError(f'numpy.{name} was removed from NumPy {np.__version__}, and MXNet 1.9.1 '
                             f'cannot offer it here; use the numpy_financial package instead.')
    unavailable.__name__ = name
    return unavailable


def restore_numpy_names():
    """Put back every NumPy name MXNet reads that this NumPy lacks (on NumPy 1.23: the deprecated ones)."""
    for name, replacement in REPLACEMENTS.items():
        if name not in np.__dict__ and replacement is not None:
            setattr(np, name, replacement)
    for name in REMOVED:
        if name not in np.__dict__:
            setattr(np, name, _removed(name))
