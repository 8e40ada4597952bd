"""Shared fixtures: both framework modules, and one build of the book for the tests that read it."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMEWORKS = ('torch', 'mxnet')


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
