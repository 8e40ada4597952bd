"""Every page's PyTorch code runs on a GPU: run it on the simulated one (simulated_gpu.py).

Each page's PyTorch notebook (shared and PyTorch cells, hidden ones included) runs top to bottom
in a kernel where ``d2l.try_gpu()`` returns ``cuda:0``, on the quick data subset. A cell that
would fail on a real GPU, feeding CPU data to a GPU network or handing a GPU tensor to NumPy,
fails the page's test with the page's line, the cell's first line and the error. Assertions in
hidden cells are about the full-data build, not about devices, so they are not checked here.
"""
import concurrent.futures
import os
import subprocess
import sys

import nbformat
import pytest

from book_ext import execute, pages
from book_ext.colab import HIDDEN_TAGS
from conftest import NOTEBOOK_RUNNER, ROOT

PAGES = sorted(p for p in (ROOT / 'chapters').glob('*.md') if pages.has_code(pages.read_page(p.read_text())))
ACTIVATE = (f'import sys\nsys.path.insert(0, {str(ROOT / "tests")!r})\n'
            f'import simulated_gpu\nsimulated_gpu.activate()')


def gpu_failures(page, workdir):
    """Run the page's PyTorch code on the simulated GPU; return one line per failing cell."""
    notebook = pages.read_page(page.read_text(), path=page)
    lines = notebook.metadata['source_map']
    indices = [i for i, cell in enumerate(notebook.cells)
               if cell.cell_type == 'code' and pages.framework_of(cell) in (None, 'pytorch')]
    runnable = nbformat.v4.new_notebook(metadata=notebook.metadata)
    runnable.metadata.pop('source_map', None)
    runnable.cells = [nbformat.v4.new_code_cell(execute.SETUP_SOURCE), nbformat.v4.new_code_cell(ACTIVATE)]
    runnable.cells += [nbformat.v4.new_code_cell(notebook.cells[i].source) for i in indices]
    source, result = workdir / f'{page.stem}.ipynb', workdir / f'{page.stem}-executed.ipynb'
    nbformat.write(runnable, source)
    env = {**os.environ, 'D2L_QUICK': '1', 'OMP_NUM_THREADS': '1'}
    done = subprocess.run([sys.executable, '-c', NOTEBOOK_RUNNER, str(source), str(result), str(page.parent),
                           '--allow-errors'],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, f'{page.name}: the kernel did not run: {done.stderr[-2000:]}'
    executed = nbformat.read(result, as_version=4).cells
    errors = [f'{executed[1].outputs[0].evalue}'] if executed[1].outputs else []
    assert not errors, f'the simulated GPU did not start: {errors}'
    failures = []
    for i, cell in zip(indices, executed[2:]):
        for output in cell.outputs:
            if output.output_type != 'error':
                continue
            hidden = HIDDEN_TAGS & set(notebook.cells[i].metadata.get('tags', []))
            if output.ename == 'AssertionError' and hidden:
                continue
            first_line = notebook.cells[i].source.strip().splitlines()[0][:70]
            failures.append(f'chapters/{page.name}:{lines[i] + 1} ({first_line}): '
                            f'{output.ename}: {output.evalue}')
    return failures, ''.join(o.get('text', '') for cell in executed for o in cell.outputs)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Every page on the simulated GPU, two kernels at a time."""
    workdir = tmp_path_factory.mktemp('simulated-gpu')
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda page: gpu_failures(page, workdir), PAGES)
        return dict(zip((p.stem for p in PAGES), results))


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.stem)
def test_pytorch_code_runs_on_a_gpu(runs, page):
    failures, _ = runs[page.stem]
    assert not failures, '\n'.join(['cells that would fail on a GPU:'] + failures)


def test_the_training_pages_really_ran_on_the_gpu(runs):
    _, printed = runs['lenet']
    assert 'on cuda:0' in printed, 'train_ch5 should report the simulated GPU'
