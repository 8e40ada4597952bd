"""Check that helper code shown on a page is exactly the code ``d2l_local`` runs.

A page introduces a helper (``corr2d``, ``train_ch5``, ...) by showing its full
definition in a code cell, so readers see and can run it. If that definition
differs from the package's, the page would teach one thing while the book runs
another; this check makes such drift a build error.
"""
import ast
import functools
import textwrap

from .execute import PACKAGE_DIR
from .pages import framework_of

SHARED_MODULES = ('shared.py', 'data.py', 'arithmetic.py', 'receptive_fields.py', 'cost.py')
FRAMEWORK_PACKAGES = {'pytorch': 'torch', 'mxnet': 'mxnet'}  # one folder of topic modules each


@functools.lru_cache(maxsize=None)
def _definitions(filename):
    source = (PACKAGE_DIR / filename).read_text()
    return {node.name: (ast.get_source_segment(source, node), node.lineno)
            for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def package_definitions(framework):
    """Top-level functions and classes a cell of ``framework`` (None: shared) may show."""
    files = SHARED_MODULES
    if framework:
        folder = PACKAGE_DIR / FRAMEWORK_PACKAGES[framework]
        files += tuple(str(path.relative_to(PACKAGE_DIR)) for path in sorted(folder.glob('*.py')))
    found = {}
    for filename in files:
        for name, (source, line) in _definitions(filename).items():
            found[name] = (source, f'd2l_local/{filename}:{line}')
    return found


def drift(notebook):
    """(cell index, name, package location) for every shown helper that differs from the package."""
    _definitions.cache_clear()
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != 'code':
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics; such cells define no helpers
            continue
        known = package_definitions(framework_of(cell))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in known:
                shown = textwrap.dedent(ast.get_source_segment(cell.source, node))
                expected, location = known[node.name]
                if shown != expected:
                    problems.append((index, node.name, location))
    return problems
