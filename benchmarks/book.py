"""The book build: clean, unchanged, after a prose-only edit, after a d2l_local edit.

Runs on a copy of the sources with an empty execution cache of its own, so the numbers are those
a fresh clone sees. Kernel starts are counted from the build log.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ['_config.yml', '_toc.yml', 'references.bib', '_static', 'chapters', 'book_ext', 'd2l_local']


def _build(directory, cache):
    env = {**os.environ, 'BOOK_CACHE_DIR': str(cache)}
    start = time.perf_counter()
    out = subprocess.run([str(pathlib.Path(sys.executable).parent / 'jupyter-book'), 'build', '.', '-W', '-n',
                          '--keep-going'], cwd=directory, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(out.stdout[-3000:] + out.stderr[-3000:])
    lines = out.stdout.splitlines()
    kernels = sum('starting the' in line and 'kernel' in line for line in lines)
    finished = [re.match(r'\[(\S+)\] (\w+) kernel finished in ([\d.]+) s', line) for line in lines]
    notebooks = {f'{m[1]} ({m[2]})': float(m[3]) for m in finished if m}
    return {'seconds': seconds, 'kernels': kernels, 'notebooks': notebooks}


def _append(path, text):
    path.write_text(path.read_text() + text)


def measure():
    """Seconds and kernel starts for each kind of build."""
    with tempfile.TemporaryDirectory() as tmp:
        book, cache = pathlib.Path(tmp) / 'book', pathlib.Path(tmp) / 'cache'
        book.mkdir()
        for name in SOURCES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, book / name, ignore=shutil.ignore_patterns('__pycache__'))
            else:
                shutil.copy(source, book / name)
        results = {'clean build': _build(book, cache), 'rebuild, nothing changed': _build(book, cache)}
        _append(book / 'chapters' / 'pooling.md', '\nOne more sentence of prose.\n')
        results['rebuild after a prose-only edit'] = _build(book, cache)
        _append(book / 'd2l_local' / 'shared.py', '\n# an edit to d2l_local\n')
        results['rebuild after a d2l_local edit'] = _build(book, cache)
    return results
