"""Shared fixtures: both framework modules, and one build of the book for the tests that read it."""
import os
import pathlib
import functools
import http.server
import shutil
import subprocess
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMEWORKS = ('torch', 'mxnet')
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
# `python -c NOTEBOOK_RUNNER source.ipynb executed.ipynb workdir [--allow-errors]` runs a notebook in a
# fresh kernel of that Python and writes it with its outputs.
NOTEBOOK_RUNNER = '''
import sys, nbformat, nbclient
notebook = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(notebook, timeout=1200, kernel_name='python3', startup_timeout=300,
                        allow_errors='--allow-errors' in sys.argv[4:],
                        resources={'metadata': {'path': sys.argv[3]}}).execute()
nbformat.write(notebook, sys.argv[2])
'''


@pytest.fixture(params=FRAMEWORKS)
def d2l(request):
    """Each test that takes ``d2l`` runs once per framework module."""
    if request.param == 'torch':
        from d2l_local import torch as module
    else:
        from d2l_local import mxnet as module
    return module


@pytest.fixture(scope='session')
def built_book():
    """Build the book as `make html` does (warnings are errors); return the build log and HTML dir."""
    result = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / 'jupyter-book'), 'build', '.', '-W', '-n',
         '--keep-going'],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    log = result.stdout + result.stderr
    assert result.returncode == 0, f'the book build failed:\n{log[-6000:]}'
    return log, ROOT / '_build' / 'html'


@pytest.fixture(scope='session')
def site(built_book):
    """The built HTML served on a free local port."""
    _, html_dir = built_book
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html_dir))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


@pytest.fixture(scope='module')  # per module: Playwright's event loop must not outlive the browser tests
def browser():
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail('Chromium is missing: `make browser` installs Debian\'s chromium package')
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
                  '--no-first-run', '--disable-component-update', '--disable-sync'])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = context.new_page()
    page.errors = []
    page.on('pageerror', lambda error: page.errors.append(str(error)))
    page.on('console', lambda msg: msg.type == 'error' and page.errors.append(msg.text))
    yield page
    context.close()


def sphinx_project(tmp_path, extensions, sources, glue=None, strict=False):
    """Build a small Sphinx project in a fresh process; return (exit code, warnings, HTML folder).

    A fresh process, because Sphinx registers node classes globally: a second build in the same
    process warns that they are registered already. ``sources`` maps file names to their text;
    ``glue`` (docname -> framework -> key -> value) stands in for the kernels' glue values.
    """
    source = tmp_path / 'src'
    source.mkdir()
    conf = f'import sys\nsys.path.insert(0, {str(ROOT)!r})\nextensions = {list(extensions)!r}\n'
    if glue is not None:
        conf += (f'GLUE = {glue!r}\n\n\ndef setup(app):\n'
                 f"    app.connect('env-before-read-docs',\n"
                 f"                lambda app, env, docs: setattr(env, 'framework_glue', GLUE))\n")
    (source / 'conf.py').write_text(conf)
    for name, text in sources.items():
        (source / name).write_text(text)
    result = subprocess.run([sys.executable, '-m', 'sphinx', '-q', '-b', 'html'] + (['-W'] if strict else [])
                            + [str(source), str(tmp_path / 'html')], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr, tmp_path / 'html'


def array(d2l, values, dtype='float32'):
    """A framework array (torch tensor or mxnet.np array) holding ``values``."""
    import numpy
    values = numpy.asarray(values, dtype=dtype)
    if d2l.__name__.endswith('torch'):
        import torch
        return torch.from_numpy(values.copy())
    from mxnet import np as mnp
    return mnp.array(values, dtype=dtype)


def numpy_of(x):
    from d2l_local.shared import to_numpy
    return to_numpy(x)


def svg_grids(name):
    """Number grids drawn in chapters/img/<name>: <text id="key-row-col"> elements, keyed by 'key'."""
    import xml.etree.ElementTree as ET
    import numpy
    root = ET.parse(ROOT / 'chapters' / 'img' / name).getroot()
    grids = {}
    for element in root.iter('{http://www.w3.org/2000/svg}text'):
        parts = (element.get('id') or '').split('-')
        if len(parts) == 3:
            grids.setdefault(parts[0], {})[int(parts[1]), int(parts[2])] = float(element.text)
    return {key: numpy.array([[cells[i, j] for j in range(1 + max(j for _, j in cells))]
                              for i in range(1 + max(i for i, _ in cells))])
            for key, cells in grids.items()}
