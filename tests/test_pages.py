"""book_ext.pages: splitting a page into per-framework notebooks and merging outputs and glue back."""
import nbformat
import pytest
from myst_nb.ext.glue import GLUE_PREFIX

from book_ext import pages

PAGE = '''---
kernelspec:
  name: python3
  display_name: Python 3
---
# Title

Prose.

```{code-cell} ipython3
shared = 1
```

```{code-cell} ipython3
:tags: [pytorch]
import torch
```

```{code-cell} ipython3
:tags: [mxnet]
import mxnet
```
'''


def glue_output(key, text, hidden=True):
    prefix = GLUE_PREFIX if hidden else ''
    return nbformat.from_dict({'output_type': 'display_data', 'data': {prefix + 'text/plain': text},
                               'metadata': {'scrapbook': {'name': key, 'mime_prefix': prefix}}})


def stream(text):
    return nbformat.from_dict({'output_type': 'stream', 'name': 'stdout', 'text': text})


def executed(notebook, outputs):
    """Per-framework notebooks whose code cells carry the given outputs, in order."""
    result = {}
    for framework in pages.FRAMEWORKS:
        nb = pages.framework_notebook(notebook, framework)
        for cell, cell_outputs in zip([c for c in nb.cells if c.cell_type == 'code'], outputs[framework]):
            cell.outputs = cell_outputs
        result[framework] = nb
    return result


def glue_keys(notebook):
    return {o.metadata.scrapbook.name: o.data[GLUE_PREFIX + 'text/plain']
            for cell in notebook.cells if cell.cell_type == 'code' for o in cell.outputs
            if 'scrapbook' in o.get('metadata', {})}


def test_each_framework_gets_shared_cells_and_its_own():
    notebook = pages.read_page(PAGE)
    assert pages.code_sources(notebook, 'pytorch') == ['shared = 1', 'import torch']
    assert pages.code_sources(notebook, 'mxnet') == ['shared = 1', 'import mxnet']
    assert pages.page_cell_index(notebook, 'mxnet', 2) == 3


def test_a_cell_with_two_framework_tags_is_an_error():
    cell = nbformat.v4.new_code_cell('x', metadata={'tags': ['pytorch', 'mxnet']})
    with pytest.raises(ValueError, match='tag it with one framework'):
        pages.framework_of(cell)


def test_merge_puts_each_frameworks_outputs_on_its_cells():
    notebook = pages.read_page(PAGE)
    runs = executed(notebook, {'pytorch': [[stream('same\n')], [stream('torch\n')]],
                               'mxnet': [[stream('same\n')], [stream('mxnet\n')]]})
    merged, warnings = pages.merge(notebook, runs)
    code = [c for c in merged.cells if c.cell_type == 'code']
    assert [[o.text for o in c.outputs] for c in code] == [['same\n'], ['torch\n'], ['mxnet\n']]
    assert warnings == []


def test_shared_cell_with_different_output_is_reported():
    notebook = pages.read_page(PAGE)
    runs = executed(notebook, {'pytorch': [[stream('torch.Tensor\n')], []],
                               'mxnet': [[stream('mxnet.numpy.ndarray\n')], []]})
    _, warnings = pages.merge(notebook, runs)
    assert len(warnings) == 1 and 'shared code cell 1 shows different output' in warnings[0]


def test_glue_equal_in_both_frameworks_is_available_plain_and_prefixed():
    notebook = pages.read_page(PAGE)
    runs = executed(notebook, {'pytorch': [[glue_output('n', '3')], [glue_output('acc', '0.81')]],
                               'mxnet': [[glue_output('n', '3')], [glue_output('acc', '0.79')]]})
    merged, warnings = pages.merge(notebook, runs)
    assert glue_keys(merged) == {'n': '3', 'pytorch_n': '3', 'mxnet_n': '3',
                                 'pytorch_acc': '0.81', 'mxnet_acc': '0.79'}
    assert warnings == [], 'framework cells may glue different values under the same key'


def test_shared_glue_that_differs_is_only_prefixed_and_explained():
    notebook = pages.read_page(PAGE)
    runs = executed(notebook, {'pytorch': [[glue_output('acc', '0.81')], []],
                               'mxnet': [[glue_output('acc', '0.79')], []]})
    merged, warnings = pages.merge(notebook, runs)
    assert glue_keys(merged) == {'pytorch_acc': '0.81', 'mxnet_acc': '0.79'}
    assert len(warnings) == 1
    assert 'PyTorch 0.81, MXNet 0.79' in warnings[0] and '{glue:}`pytorch_acc`' in warnings[0]


def test_displayed_glue_stays_visible_once():
    notebook = pages.read_page(PAGE)
    runs = executed(notebook, {'pytorch': [[glue_output('n', '3', hidden=False)], []],
                               'mxnet': [[glue_output('n', '3', hidden=False)], []]})
    merged, _ = pages.merge(notebook, runs)
    shared = [c for c in merged.cells if c.cell_type == 'code'][0]
    visible = [o for o in shared.outputs if 'scrapbook' not in o.metadata]
    assert [o.data['text/plain'] for o in visible] == ['3']


def test_equal_glue_from_framework_cells_is_placed_once():
    notebook = pages.read_page(PAGE)
    runs = executed(notebook, {'pytorch': [[], [glue_output('k', '5')]], 'mxnet': [[], [glue_output('k', '5')]]})
    merged, _ = pages.merge(notebook, runs)
    names = [o.metadata.scrapbook.name for c in merged.cells if c.cell_type == 'code'
             for o in c.outputs if 'scrapbook' in o.get('metadata', {})]
    assert sorted(names) == ['k', 'mxnet_k', 'pytorch_k']
