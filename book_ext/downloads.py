"""Publish each page's two learner notebooks beside its HTML, and link them from the page.

Every page that runs code gets, under its title, "Open in Colab" links and download links for
its PyTorch and MXNet notebooks. The notebooks (see ``colab``) are written to ``_notebooks/``
in the HTML output; once the site is pushed to the repository's pages branch, Colab opens
them from there.
"""
import pathlib
import re
import urllib.parse

import nbformat
from docutils import nodes
from pybtex.database import parse_file
from sphinx.transforms import SphinxTransform

from . import colab, pages

NOTEBOOK_DIR = '_notebooks'


def notebook_name(docname, framework):
    """Where a page's notebook for ``framework`` lives, relative to the HTML root."""
    return f'{NOTEBOOK_DIR}/{docname}-{framework}.ipynb'


def colab_url(config, docname, framework):
    """Colab's address for a published notebook: GitHub repository, pages branch, path."""
    path = urllib.parse.urlparse(config.book_repository).path.strip('/')
    return (f'https://colab.research.google.com/github/{path}/blob/{config.book_pages_branch}/'
            f'{notebook_name(docname, framework)}')


class DownloadLinks(SphinxTransform):
    """Put Colab and download links for both frameworks under the title of every page with code."""

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
        for kind, target in (('Open in Colab', lambda fw: colab_url(self.config, docname, fw)),
                             ('Download notebook', lambda fw: up + notebook_name(docname, fw))):
            paragraph += nodes.strong(kind + ': ', kind + ': ')
            for i, (framework, label) in enumerate(pages.FRAMEWORKS.items()):
                if i:
                    paragraph += nodes.Text(' · ')
                css = 'colab' if kind.startswith('Open') else 'download'
                paragraph += nodes.reference(label, label, refuri=target(framework),
                                             classes=[f'{css}-{framework}'])
            paragraph += nodes.Text('   ')
        title = next(section.findall(nodes.title), None)
        section.insert(section.index(title) + 1 if title is not None else 0, paragraph)


def publish(app, exception):
    """Write the learner notebooks of every page into the HTML output."""
    if exception is not None or app.builder.format != 'html':
        return
    config, env = app.config, app.env
    labels, citations = cross_reference_targets(app), citation_texts(app)
    for docname, notebooks in getattr(env, 'framework_notebooks', {}).items():
        source = pathlib.Path(env.doc2path(docname))
        page = pages.read_page(source.read_text(), path=source)
        executed = {fw: nbformat.read(path, as_version=4) for fw, path in notebooks.items()}
        if set(executed) != set(pages.FRAMEWORKS):
            continue  # a failed page: the build reports it, nothing half-done is published
        for framework in pages.FRAMEWORKS:
            notebook = colab.learner_notebook(
                page, executed[framework], framework, colab.framework_glue(executed, framework),
                config.book_site_url.rstrip('/'), config.book_repository, config.book_d2l_local_ref,
                labels, citations, page_url=f"{config.book_site_url.rstrip('/')}/{docname}.html")
            target = pathlib.Path(app.outdir) / notebook_name(docname, framework)
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)


def cross_reference_targets(app):
    """label -> (title, absolute URL) for the sections, figures and equations of the book."""
    site, targets = app.config.book_site_url.rstrip('/'), {}
    for docname in app.env.found_docs:
        path = pathlib.Path(app.env.doc2path(docname))
        url = f'{site}/{docname}.html'
        targets[docname.rsplit('/', 1)[-1]] = (_first_heading(path.read_text()) or docname, url)
        text = path.read_text()
        for label, title in re.findall(r'^\(([\w:.-]+)\)=\s*\n+#+ +(.+)$', text, re.M):
            targets[label] = (title.strip(), f'{url}#{label}')
        for label in re.findall(r'^:name:\s*([\w:.-]+)\s*$', text, re.M):
            targets[label] = ('this figure', f'{url}#{label}')
        for label in re.findall(r'^\$\$\s*\(([\w:.-]+)\)\s*$', text, re.M):
            targets[label] = ('this equation', f'{url}#equation-{label}')
    return targets


def _first_heading(text):
    match = re.search(r'^# +(.+)$', text, re.M)
    return match.group(1).strip() if match else None


def citation_texts(app):
    """citation key -> "Author et al., year", from the book's BibTeX files."""
    texts = {}
    for bibfile in app.config.bibtex_bibfiles:
        data = parse_file(str(pathlib.Path(app.srcdir) / bibfile))
        for key, entry in data.entries.items():
            last = [' '.join(p.last_names) for p in entry.persons.get('author', [])]
            names = (last[0] if len(last) == 1 else f'{last[0]} and {last[1]}' if len(last) == 2
                     else f'{last[0]} et al.')
            texts[key] = f'{names}, {entry.fields.get("year", "n.d.")}'
    return texts


def add_static_path(app):
    app.config.html_static_path.append(str(pathlib.Path(__file__).parent / 'static'))
