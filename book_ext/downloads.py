"""Publish each page's two executed notebooks beside its HTML, and link them from the page."""
import pathlib
import shutil

from docutils import nodes
from sphinx.transforms import SphinxTransform

from .pages import FRAMEWORKS

NOTEBOOK_DIR = '_notebooks'


def notebook_name(docname, framework):
    """Where a page's notebook for ``framework`` lives, relative to the HTML root."""
    return f'{NOTEBOOK_DIR}/{docname}-{framework}.ipynb'


class DownloadLinks(SphinxTransform):
    """Put "Download notebook: PyTorch / MXNet" under the title of every page that runs code."""

    default_priority = 510

    def apply(self, **kwargs):
        docname = self.env.docname
        if docname not in getattr(self.env, 'framework_notebooks', {}):
            return
        section = next(self.document.findall(nodes.section), None)
        if section is None:
            return
        up = '../' * docname.count('/')
        paragraph = nodes.paragraph(classes=['framework-downloads'])
        paragraph += nodes.Text('Download this section as a notebook: ')
        for i, (framework, label) in enumerate(FRAMEWORKS.items()):
            if i:
                paragraph += nodes.Text(' · ')
            paragraph += nodes.reference(label, label, refuri=up + notebook_name(docname, framework),
                                         classes=[f'download-{framework}'])
        title = next(section.findall(nodes.title), None)
        section.insert(section.index(title) + 1 if title is not None else 0, paragraph)


def publish(app, exception):
    """Copy the executed notebooks of every page into the HTML output."""
    if exception is not None or app.builder.format != 'html':
        return
    for docname, notebooks in getattr(app.env, 'framework_notebooks', {}).items():
        for framework, source in notebooks.items():
            target = pathlib.Path(app.outdir) / notebook_name(docname, framework)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def add_static_path(app):
    app.config.html_static_path.append(str(pathlib.Path(__file__).parent / 'static'))
