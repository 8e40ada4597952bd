"""Run one framework's notebook in a kernel of its own, caching the result by what the code is.

The cache key covers the code cells the framework runs (prose does not count), the
setup cell, ``$D2L_QUICK`` and ``$D2L_SEED_OFFSET``, and, for pages that import it, the
source of ``d2l_local``: editing prose
starts no kernel, editing one framework's cells re-runs only that framework, and
editing ``d2l_local`` re-runs the pages that use it. Entries are written atomically
and only after every cell succeeded, so a failed run can never be served later.
"""
import asyncio
import hashlib
import json
import os
import pathlib
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from . import pages

CACHE_VERSION = 1
# Run first in every kernel, then dropped: inline figures (IPython 9 otherwise shows text),
# and SVG ids that do not change from build to build.
SETUP_SOURCE = ("%matplotlib inline\n"
                "import matplotlib\n"
                "matplotlib.rcParams['svg.hashsalt'] = 'd2l-book'")
CELL_TIMEOUT = 3600  # seconds; LeNet-5 training is the longest cell
KERNEL_START_TIMEOUT = 300  # a busy machine can take minutes to start a kernel
PACKAGE_DIR = pathlib.Path(__file__).resolve().parent.parent / 'd2l_local'


class CellFailed(Exception):
    """A cell raised an error; carries the framework, the cell and the error for the message."""

    def __init__(self, framework, cell_index, ename, evalue, notebook):
        super().__init__(f'{ename}: {evalue}')
        self.framework, self.cell_index = framework, cell_index
        self.ename, self.evalue, self.notebook = ename, evalue, notebook


def package_hash():
    """A hash of every source file of ``d2l_local``."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob('*.py')):
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(notebook, framework):
    sources = pages.code_sources(notebook, framework)
    uses_package = any('d2l_local' in source for source in sources)
    payload = {
        'version': CACHE_VERSION, 'framework': framework, 'setup': SETUP_SOURCE, 'code': sources,
        'd2l_local': package_hash() if uses_package else None,
        'quick': os.environ.get('D2L_QUICK', ''),
        'seed_offset': os.environ.get('D2L_SEED_OFFSET') or '0',
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def cache_path(cache_dir, notebook, framework):
    return pathlib.Path(cache_dir) / f'{framework}-{cache_key(notebook, framework)}.ipynb'


def run(notebook, framework, cwd, cache_dir, log=print, threads=None):
    """The framework's notebook with outputs, from the cache or from a fresh kernel."""
    return asyncio.run(run_async(notebook, framework, cwd, cache_dir, log, threads))


async def run_async(notebook, framework, cwd, cache_dir, log=print, threads=None):
    """``run`` as a coroutine, so that several kernels can run at once (``run_many``)."""
    path = cache_path(cache_dir, notebook, framework)
    if path.exists():
        return nbformat.read(path, as_version=4), path
    selected = pages.framework_notebook(notebook, framework)
    selected.cells.insert(0, nbformat.v4.new_code_cell(SETUP_SOURCE))
    started = time.perf_counter()
    log(f'starting the {pages.FRAMEWORKS[framework]} kernel')
    client = NotebookClient(selected, timeout=CELL_TIMEOUT, kernel_name='python3',
                            startup_timeout=KERNEL_START_TIMEOUT,
                            resources={'metadata': {'path': str(cwd)}})
    env = {**os.environ, 'OMP_NUM_THREADS': str(threads)} if threads else dict(os.environ)
    try:
        await client.async_execute(env=env)
    except CellExecutionError:
        index, error = next((i, o) for i, cell in enumerate(selected.cells)
                            for o in cell.get('outputs', []) if o.output_type == 'error')
        del selected.cells[0]
        raise CellFailed(framework, index - 1, error.ename, error.evalue, selected) from None
    del selected.cells[0]
    _drop_execution_noise(selected)
    log(f'{pages.FRAMEWORKS[framework]} kernel finished in {time.perf_counter() - started:.1f} s')
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f'.{os.getpid()}.part')
    nbformat.write(selected, partial)
    os.replace(partial, path)
    return selected, path


def run_many(jobs, cache_dir, parallel, log=print):
    """Run (name, notebook, framework, cwd) jobs, ``parallel`` kernels at a time, sharing the cores.

    Results go to the cache; the returned dict maps (name, framework) to the CellFailed of
    each job that failed, for the caller to report.
    """
    threads = max(1, cores() // parallel)

    async def one(limit, name, notebook, framework, cwd):
        async with limit:
            try:
                await run_async(notebook, framework, cwd, cache_dir,
                                lambda message: log(f'[{name}] {message}'), threads)
            except CellFailed as failure:
                return (name, framework), failure
        return None

    async def everything():
        limit = asyncio.Semaphore(parallel)
        return await asyncio.gather(*(one(limit, *job) for job in jobs))

    return dict(result for result in asyncio.run(everything()) if result is not None)


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()


def _drop_execution_noise(notebook):
    """Remove timestamps and counts that change on every run, so outputs compare equal."""
    notebook.metadata.pop('widgets', None)
    for number, cell in enumerate(c for c in notebook.cells if c.cell_type == 'code'):
        cell.metadata.pop('execution', None)
        cell.execution_count = number + 1
        for output in cell.get('outputs', []):
            if 'execution_count' in output:
                output['execution_count'] = number + 1

