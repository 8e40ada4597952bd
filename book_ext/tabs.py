"""Group adjacent framework-tagged code cells into one synchronized sphinx-design tab-set.

Cells stay at the top level of the page, where MyST-NB renders them with their
outputs (cells nested inside a tab directive would be dropped); this transform
then moves each run of adjacent ``pytorch`` / ``mxnet`` cells into a tab-set
whose tabs share one sync group, so choosing a framework once switches them all.
"""
from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx_design.shared import create_component

from .pages import FRAMEWORKS

SYNC_GROUP = 'framework'
logger = logging.getLogger(__name__)


def cell_framework(node):
    """The framework a rendered code cell belongs to, or None."""
    if not (isinstance(node, nodes.container) and node.get('nb_element') == 'cell_code'):
        return None
    tags = node.get('cell_metadata', {}).get('tags', [])
    return next((tag for tag in tags if tag in FRAMEWORKS), None)


def framework_tab_set(cells):
    """A tab-set with one tab per framework, each holding that framework's cells in order."""
    items = []
    for framework, label in FRAMEWORKS.items():
        title = nodes.rubric(label, label, classes=['sd-tab-label'],
                             sync_group=SYNC_GROUP, sync_id=framework)
        content = create_component('tab-content', classes=['sd-tab-content'],
                                   children=[cell for cell in cells if cell_framework(cell) == framework])
        items.append(create_component('tab-item', classes=['sd-tab-item'], children=[title, content]))
    tab_set = create_component('tab-set', classes=['sd-tab-set', 'framework-tabs'], children=items)
    tab_set.source, tab_set.line = cells[0].source, cells[0].line
    return tab_set


class FrameworkTabs(SphinxTransform):
    """Wrap each run of adjacent framework cells in a synchronized tab-set."""

    default_priority = 500

    def apply(self, **kwargs):
        parents = {cell.parent for cell in self.document.findall(nodes.container)
                   if cell_framework(cell)}
        for parent in parents:
            children, run = [], []
            for child in list(parent.children) + [None]:
                if child is not None and cell_framework(child):
                    run.append(child)
                    continue
                if run:
                    self._check_complete(run)
                    children.append(framework_tab_set(run))
                    run = []
                if child is not None:
                    children.append(child)
            parent.children = []
            parent.extend(children)

    def _check_complete(self, run):
        present = {cell_framework(cell) for cell in run}
        for framework, label in FRAMEWORKS.items():
            if framework not in present:
                logger.warning(f'these code cells have no {label} version: every framework tab '
                               f'needs a cell tagged "{framework}" right beside it',
                               location=run[0])
