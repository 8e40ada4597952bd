"""book_ext.helper_source: helper code shown on a page must be exactly the package's."""
import inspect

import nbformat

from book_ext import helper_source
from d2l_local import mxnet as d2l_mxnet
from d2l_local import shared
from d2l_local import torch as d2l_torch


def notebook(*cells):
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source, metadata={'tags': [tag] if tag else []}) for tag, source in cells])


def test_exact_copies_pass():
    nb = notebook(('pytorch', inspect.getsource(d2l_torch.corr2d)),
                  ('mxnet', inspect.getsource(d2l_mxnet.corr2d)),
                  (None, inspect.getsource(shared.Accumulator)))
    assert helper_source.drift(nb) == []


def test_a_changed_copy_is_reported_with_the_package_location():
    changed = inspect.getsource(d2l_torch.corr2d).replace('.sum()', '.mean()')
    nb = notebook(('pytorch', 'import torch'), ('pytorch', changed))
    [(index, name, location)] = helper_source.drift(nb)
    assert (index, name) == (1, 'corr2d') and location.startswith('d2l_local/torch/convolution.py:')


def test_the_other_frameworks_version_does_not_count_as_a_copy():
    nb = notebook(('mxnet', inspect.getsource(d2l_torch.corr2d)))
    assert [name for _, name, _ in helper_source.drift(nb)] == ['corr2d']


def test_differently_named_functions_and_magics_are_ignored():
    nb = notebook(('pytorch', 'def corr2d_naive(X, K):\n    return X'), (None, '%matplotlib inline'))
    assert helper_source.drift(nb) == []
