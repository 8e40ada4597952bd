"""Rebuilds: a prose edit starts no kernel; a cell edit re-runs only its framework on its page."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import uuid

import pytest
import yaml

from conftest import ROOT

SOURCES = ['_config.yml', '_toc.yml', 'references.bib', '_static', 'chapters', 'book_ext', 'd2l_local']
PAGE = ROOT / 'chapters' / 'pooling.md'


@pytest.fixture(scope='module')
def book_copy(built_book, tmp_path_factory):
    """A copy of the book's sources that shares the main build's execution cache."""
    copy = tmp_path_factory.mktemp('book')
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns('__pycache__', '_build'))
        else:
            shutil.copy(source, copy / name)
    return copy


def build(directory, expect_success=True):
    """Build the copy; return the kernel-start lines (or, for a failing build, the whole log)."""
    env = {**os.environ, 'BOOK_CACHE_DIR': str(ROOT / '_build' / 'framework-cache')}
    result = subprocess.run([str(pathlib.Path(sys.executable).parent / 'jupyter-book'), 'build', '.',
                             '-W', '-n', '--keep-going'], cwd=directory, env=env, capture_output=True, text=True)
    log = result.stdout + result.stderr
    if not expect_success:
        assert result.returncode != 0, 'the build should have failed'
        return log
    assert result.returncode == 0, log[-4000:]
    return [line for line in result.stdout.splitlines() if 'starting the' in line and 'kernel' in line]


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_prose_edit_starts_no_kernel(book_copy):
    assert build(book_copy) == [], 'the main build filled the cache for every page'
    edit(book_copy / 'chapters' / PAGE.name, '## Summary', '## Summary\n\nA sentence added by the cache test.\n')
    assert build(book_copy) == []
    html = (book_copy / '_build' / 'html' / 'chapters' / f'{PAGE.stem}.html').read_text()
    assert 'A sentence added by the cache test.' in html, 'the edited page was rebuilt'


def test_editing_mxnet_cells_reruns_only_mxnet_on_that_page(book_copy):
    page = book_copy / 'chapters' / PAGE.name
    text = page.read_text()
    marker = ':tags: [mxnet]\n'
    assert marker in text
    edit_mark = f'# edited by the cache test {uuid.uuid4().hex}\n'  # new every run: never in the cache
    page.write_text(text.replace(marker, marker + edit_mark, 1))
    assert build(book_copy) == [f'[chapters/{PAGE.stem}] starting the MXNet kernel']


def test_a_warning_fails_every_build_until_it_is_fixed(book_copy):
    """Sphinx repeats a page's warnings only when it reads the page again: an unrelated edit must not
    let a build pass that a clean build of the same sources would fail."""
    warned = book_copy / 'chapters' / 'conv-layer.md'
    original = warned.read_text()
    edit(warned, '## Summary', '```{no-such-directive}\n```\n\n## Summary')
    for attempt in range(2):
        log = build(book_copy, expect_success=False)
        assert re.search(r'conv-layer\.md:\d+: (WARNING|ERROR): Unknown directive type', log), log[-3000:]
        edit(book_copy / 'chapters' / PAGE.name, '## Summary', f'## Summary\n\nUnrelated edit {attempt}.\n')
    warned.write_text(original)
    assert build(book_copy) == []


BROKEN_PAGE = """---
kernelspec:
  name: python3
  display_name: Python 3
---
# Broken

```{code-cell} ipython3
:tags: [pytorch]
ok = 1
```

```{code-cell} ipython3
:tags: [mxnet]
ok = 1 / 0
```
"""


def test_a_failing_cell_fails_every_build_and_names_page_framework_and_cell(book_copy):
    (book_copy / 'chapters' / 'broken.md').write_text(BROKEN_PAGE)
    toc = yaml.safe_load((book_copy / '_toc.yml').read_text())
    toc['parts'][0]['chapters'].append({'file': 'chapters/broken'})
    (book_copy / '_toc.yml').write_text(yaml.safe_dump(toc, sort_keys=False))
    for attempt in range(2):
        log = build(book_copy, expect_success=False)
        assert re.search(r'chapters/broken\.md:\d+: ERROR: the MXNet notebook failed in code cell 2 of '
                         r'this page: ZeroDivisionError: division by zero', log), log[-3000:]
        assert 'PyTorch notebook failed' not in log
    assert [p.name for p in (ROOT / '_build' / 'framework-cache').glob('*.part')] == []
