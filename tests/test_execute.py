"""book_ext.execute: one kernel per framework, and a cache keyed by the code each framework runs."""
import nbformat
import pytest

from book_ext import execute, pages


def page(pytorch='x = 1', mxnet='x = 2', shared='print(x)', prose='Prose.'):
    return pages.read_page(f'''---
kernelspec:
  name: python3
  display_name: Python 3
---
# Title

{prose}

```{{code-cell}} ipython3
:tags: [pytorch]
{pytorch}
```

```{{code-cell}} ipython3
:tags: [mxnet]
{mxnet}
```

```{{code-cell}} ipython3
{shared}
```
''')


def keys(notebook):
    return {framework: execute.cache_key(notebook, framework) for framework in pages.FRAMEWORKS}


def test_prose_edits_do_not_change_the_cache_key():
    assert keys(page(prose='Before.')) == keys(page(prose='After, rewritten.'))


def test_editing_one_frameworks_cells_changes_only_its_key():
    before, after = keys(page()), keys(page(mxnet='x = 3'))
    assert before['pytorch'] == after['pytorch'] and before['mxnet'] != after['mxnet']


def test_d2l_local_source_is_in_the_key_only_for_pages_that_import_it(monkeypatch):
    plain, importing = page(), page(pytorch='from d2l_local import torch as d2l')
    before = keys(plain), keys(importing)
    monkeypatch.setattr(execute, 'package_hash', lambda: 'edited')
    after = keys(plain), keys(importing)
    assert before[0] == after[0]
    assert before[1]['pytorch'] != after[1]['pytorch'] and before[1]['mxnet'] == after[1]['mxnet']


@pytest.mark.parametrize('variable', ['D2L_SEED_OFFSET', 'D2L_QUICK'])
def test_seed_offset_and_quick_mode_are_in_the_key(monkeypatch, variable):
    monkeypatch.delenv(variable, raising=False)
    before = keys(page())
    monkeypatch.setenv(variable, '1')
    after = keys(page())
    assert all(before[framework] != after[framework] for framework in pages.FRAMEWORKS)


def test_each_framework_runs_in_its_own_kernel_and_is_cached(tmp_path):
    notebook, log = page(), []
    first, path = execute.run(notebook, 'mxnet', tmp_path, tmp_path, log=log.append)
    assert [o.text for o in first.cells[-1].outputs] == ['2\n'], 'MXNet cells only, not PyTorch\'s'
    assert path.exists() and sum('starting' in line for line in log) == 1
    again, _ = execute.run(notebook, 'mxnet', tmp_path, tmp_path, log=log.append)
    assert sum('starting' in line for line in log) == 1, 'a cache hit starts no kernel'
    assert nbformat.writes(again) == nbformat.writes(first)


def test_a_failing_cell_is_named_and_never_cached(tmp_path):
    notebook = page(mxnet='raise RuntimeError("boom")')
    with pytest.raises(execute.CellFailed) as failure:
        execute.run(notebook, 'mxnet', tmp_path, tmp_path, log=lambda message: None)
    assert (failure.value.framework, failure.value.cell_index) == ('mxnet', 1), 'cell 1 of the MXNet notebook'
    assert (failure.value.ename, failure.value.evalue) == ('RuntimeError', 'boom')
    assert pages.page_cell_index(notebook, 'mxnet', failure.value.cell_index) == 2, 'cell 2 of the page'
    assert list(tmp_path.glob('*.ipynb')) == [] and list(tmp_path.glob('*.part')) == []


def test_run_many_runs_kernels_side_by_side_and_reports_failures(tmp_path):
    good, bad = page(shared='import os; print(os.environ["OMP_NUM_THREADS"])'), page(pytorch='1/0')
    jobs = [('good', good, 'pytorch', tmp_path), ('good', good, 'mxnet', tmp_path),
            ('bad', bad, 'pytorch', tmp_path)]
    failures = execute.run_many(jobs, tmp_path, parallel=2, log=lambda message: None)
    assert list(failures) == [('bad', 'pytorch')] and failures['bad', 'pytorch'].ename == 'ZeroDivisionError'
    for framework in ('pytorch', 'mxnet'):
        cached, _ = execute.run(good, framework, tmp_path, tmp_path, log=pytest.fail)
        threads = str(max(1, execute.cores() // 2))
        assert cached.cells[-1].outputs[0].text == threads + '\n', 'kernels share the cores'
