"""Learner notebooks: framework-only, Colab-ready, and proven to run on Colab's stack (CPU, quick mode).

MXNet notebooks run under Python 3.12 with NumPy 2 (Colab's stack); PyTorch notebooks under
Python 3.11 with NumPy 2 and the local torch==2.13.0 CPU wheel (a Python 3.12 torch would be a
multi-gigabyte CUDA download). Each notebook's install cell runs as written, except that
d2l_local comes from this checkout instead of the repository.
"""
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import subprocess

import nbformat
import pytest

from book_ext import pages
from conftest import NOTEBOOK_RUNNER, ROOT

ENVS = ROOT / '_build' / 'colab-envs'
STACKS = {
    'mxnet': ('3.12', ['numpy>=2', 'scipy', 'matplotlib', 'requests', 'setuptools', 'ipykernel', 'nbclient']),
    'pytorch': ('3.11', ['numpy>=2', 'scipy', 'matplotlib', 'ipykernel', 'nbclient', 'torch==2.13.0']),
}


def find_python(version):
    candidates = [shutil.which(f'python{version}')] + sorted(
        str(p) for p in pathlib.Path.home().glob(f'.pyenv/versions/{version}*/bin/python{version}'))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, '-c', 'import venv'], capture_output=True).returncode == 0:
            return candidate
    pytest.fail(f'Python {version} is needed to build the Colab stack (pyenv install {version})')


def stack(framework):
    """A virtual environment with Colab's stack for ``framework`` (built once, then reused)."""
    version, packages = STACKS[framework]
    env = ENVS / framework
    stamp = env / 'stack.json'
    if not stamp.exists() or json.loads(stamp.read_text()) != [version, packages]:
        shutil.rmtree(env, ignore_errors=True)
        subprocess.run([find_python(version), '-m', 'venv', str(env)], check=True)
        subprocess.run([str(env / 'bin' / 'python'), '-m', 'pip', 'install', '--quiet', *packages],
                       check=True)
        stamp.write_text(json.dumps([version, packages]))
    return env / 'bin' / 'python'


def published(built_book):
    _, html_dir = built_book
    return sorted((html_dir / '_notebooks').rglob('*.ipynb'))


def framework_of_file(path):
    return path.stem.rsplit('-', 1)[1]


def test_every_code_page_has_both_notebooks(built_book):
    names = {p.name for p in published(built_book)}
    for page in (ROOT / 'chapters').glob('*.md'):
        if pages.has_code(pages.read_page(page.read_text())):
            assert {f'{page.stem}-{fw}.ipynb' for fw in pages.FRAMEWORKS} <= names, page.stem


def test_notebooks_hold_one_framework_plain_markdown_and_outputs(built_book):
    for path in published(built_book):
        framework = framework_of_file(path)
        other = next(fw for fw in pages.FRAMEWORKS if fw != framework)
        notebook = nbformat.read(path, as_version=4)
        install = notebook.cells[0].source
        assert 'd2l_local @ git+https://github.com/' in install and ('mxnet==1.9.1' in install) == (framework == 'mxnet')
        code = [c for c in notebook.cells if c.cell_type == 'code']
        assert not any(other in c.metadata.get('tags', []) for c in code), path.name
        assert any(c.outputs for c in code), f'{path.name} has no outputs'
        prose = '\n'.join(c.source for c in notebook.cells if c.cell_type == 'markdown')
        leftovers = re.findall(r'\{(?:glue|ref|numref|cite|eq|doc)[:\w]*\}`|^[`:]{3,}\{', prose, re.M)
        assert not leftovers, f'{path.name}: MyST left in the Markdown: {leftovers[:5]}'
        assert ('accelerator' in notebook.metadata) == (framework == 'pytorch'), 'GPU runtime for PyTorch'
        assert not any('myst_nb' in c.source or 'glue(' in c.source for c in code), 'book-only code left in'


def run_notebook(path, workdir):
    framework = framework_of_file(path)
    python = stack(framework)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source = re.sub(r'"d2l_local @ git\+[^"]+"', f'"d2l_local @ file://{ROOT}"',
                                      notebook.cells[0].source)
    for cell in notebook.cells:
        if cell.cell_type == 'code':
            cell.outputs = []
    source, result = workdir / path.name, workdir / f'executed-{path.name}'
    nbformat.write(notebook, source)
    env = {**os.environ, 'D2L_QUICK': '1', 'OMP_NUM_THREADS': '1', 'PIP_DISABLE_PIP_VERSION_CHECK': '1'}
    done = subprocess.run([str(python), '-c', NOTEBOOK_RUNNER, str(source), str(result), str(path.parent)],
                          capture_output=True, text=True, env=env, cwd=workdir)
    return path.name, done.returncode, (done.stdout + done.stderr)[-3000:]


def test_every_notebook_runs_top_to_bottom_on_colabs_stack(built_book, tmp_path):
    notebooks = published(built_book)
    for framework in pages.FRAMEWORKS:
        stack(framework)
    # One worker per framework: a framework's notebooks share its environment, and two of them
    # installing d2l_local into it at the same time would race.
    def run_all(framework):
        return [run_notebook(p, tmp_path) for p in notebooks if framework_of_file(p) == framework]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(pages.FRAMEWORKS)) as pool:
        results = [result for done in pool.map(run_all, pages.FRAMEWORKS) for result in done]
    failed = {name: log for name, code, log in results if code != 0}
    assert not failed, failed
