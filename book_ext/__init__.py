"""Sphinx extension: pages that run in PyTorch and MXNet, each framework in its own kernel.

For every MyST page it
1. splits the page into one notebook per framework (shared cells go to both),
2. runs each in its own kernel, or takes it from the cache (``execute``),
3. merges the outputs back into the page that MyST-NB renders (``pages.merge``),
4. groups adjacent framework cells into synchronized tabs (``tabs``),
5. publishes both executed notebooks beside the HTML and links them (``downloads``).

MyST-NB's own execution is off (``execute_notebooks: off``): this extension replaces it
through MyST-NB's reader hook, ``nb_custom_formats: {.md: book_ext.read_page}``.
"""
import hashlib
import os
import pathlib

from sphinx.util import logging

from . import colab, downloads, execute, helper_source, pages, tabs
from . import discussion, selfcheck
from . import shift_slider
from . import interactive

logger = logging.getLogger(__name__)
_current = {}  # the docname and Sphinx app of the page being read; MyST-NB passes readers only text
_failures = {}  # (docname, framework) -> CellFailed, from the parallel runs before reading


def read_page(text):
    """MyST-NB reader: the page as a notebook whose code cells carry both frameworks' outputs."""
    app, docname = _current['app'], _current['docname']
    source = pathlib.Path(app.env.doc2path(docname))
    notebook = pages.read_page(text, path=source)
    if not pages.has_code(notebook):
        return notebook
    _check_helper_sources(notebook, docname)
    executed = {}
    for framework, label in pages.FRAMEWORKS.items():
        log = lambda message: logger.info(f'[{docname}] {message}')
        try:
            if (docname, framework) in _failures:
                raise _failures.pop((docname, framework))
            executed[framework], path = execute.run(notebook, framework, source.parent,
                                                    cache_dir(app), log=log)
            app.env.framework_notebooks.setdefault(docname, {})[framework] = str(path)
        except execute.CellFailed as failure:
            executed[framework] = failure.notebook
            index = pages.page_cell_index(notebook, framework, failure.cell_index)
            number = sum(cell.cell_type == 'code' for cell in notebook.cells[:index + 1])
            logger.error(f'the {label} notebook failed in code cell {number} of this page: '
                         f'{failure.ename}: {failure.evalue}', location=(docname, _line(notebook, index)))
    app.env.framework_glue[docname] = {fw: colab.glue_values(nb) for fw, nb in executed.items()}
    merged, warnings = pages.merge(notebook, executed)
    for warning in warnings:
        logger.warning(warning, location=docname)
    return merged


def _check_helper_sources(notebook, docname):
    for index, name, location in helper_source.drift(notebook):
        logger.warning(f'{name} on this page differs from {location}: a page must show the code '
                       f'the package runs. Copy the package version here, or edit it there.',
                       location=(docname, _line(notebook, index)))


def _line(notebook, index):
    source_map = notebook.metadata.get('source_map', [])
    return source_map[index] + 1 if index < len(source_map) else None


def cache_dir(app):
    """``$BOOK_CACHE_DIR``, or ``_build/framework-cache``: builds into other folders may share it."""
    return pathlib.Path(os.environ.get('BOOK_CACHE_DIR') or
                        pathlib.Path(app.doctreedir).parent / 'framework-cache')


def remember_page(app, docname, source):
    _current.update(app=app, docname=docname)


def reread_every_page(app, env, added, changed, removed):
    """Every page, read again on every build, so that each build reports all of its warnings.

    Sphinx repeats a page's warnings only when it reads the page, so an incremental build could
    pass where a clean build of the same sources fails. Reading is cheap: the kernels' outputs come
    from the cache, which also re-runs any page whose code or d2l_local changed.
    """
    return sorted(env.found_docs - set(added) - set(changed))


def init_env(app, env, docnames):
    if not hasattr(env, 'framework_notebooks'):
        env.framework_notebooks = {}
    if not hasattr(env, 'framework_glue'):
        env.framework_glue = {}  # docname -> framework -> glue key -> text/plain value, for directives
    run_missing(app, env, docnames)


def run_missing(app, env, docnames):
    """Before Sphinx reads the pages one by one, run every missing kernel, several at a time.

    $BOOK_JOBS kernels run at once (default: one per core), sharing the cores between them.
    """
    jobs = []
    for docname in sorted(docnames):
        path = pathlib.Path(env.doc2path(docname))
        if path.suffix != '.md':
            continue
        notebook = pages.read_page(path.read_text(), path=path)
        if not pages.has_code(notebook):
            continue
        jobs += [(docname, notebook, framework, path.parent) for framework in pages.FRAMEWORKS
                 if not execute.cache_path(cache_dir(app), notebook, framework).exists()]
    if jobs:
        parallel = min(len(jobs), int(os.environ.get('BOOK_JOBS') or execute.cores()))
        logger.info(f'running {len(jobs)} notebooks, {parallel} at a time')
        _failures.update(execute.run_many(jobs, cache_dir(app), parallel, log=logger.info))


def purge_doc(app, env, docname):
    getattr(env, 'framework_notebooks', {}).pop(docname, None)
    getattr(env, 'framework_glue', {}).pop(docname, None)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep one copy of each script (whatever its priority): sphinx-thebe and sphinx-togglebutton
    register their inline configuration twice under Jupyter Book, and the second copy of a
    `const` is a JavaScript error in every reader's console."""
    seen, unique = set(), []
    for script in context.get('script_files', []):
        key = (getattr(script, 'filename', str(script)) or '', repr(getattr(script, 'attributes', None)))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context['script_files'] = unique


def setup(app):
    app.add_config_value('book_site_url', 'https://example.org/cnn-book', 'html')
    app.add_config_value('book_repository', 'https://github.com/example/cnn-book', 'html')
    app.add_config_value('book_pages_branch', 'gh-pages', 'html')
    app.add_config_value('book_d2l_local_ref', 'main', 'html')
    app.connect('env-before-read-docs', init_env)
    app.connect('source-read', remember_page)
    app.connect('env-get-outdated', reread_every_page)
    app.connect('env-purge-doc', purge_doc)
    app.connect('build-finished', downloads.publish)
    app.connect('html-page-context', drop_duplicate_scripts, priority=900)  # after the others add theirs
    app.add_transform(tabs.FrameworkTabs)
    app.add_transform(downloads.DownloadLinks)
    app.add_css_file('framework-tabs.css')
    app.add_js_file('theme-mode.js')
    app.connect('builder-inited', downloads.add_static_path)
    selfcheck.setup(app)
    discussion.setup(app)
    shift_slider.setup(app)
    interactive.setup(app)
    # Any edit to this extension changes env_version, so Sphinx re-reads every page (kernels stay cached).
    return {'version': '1.0', 'parallel_read_safe': False, 'parallel_write_safe': True,
            'env_version': _source_version()}


def _source_version():
    digest = hashlib.sha256()
    for path in sorted(pathlib.Path(__file__).parent.glob('*.py')):
        digest.update(path.read_bytes())
    return int(digest.hexdigest()[:8], 16)
