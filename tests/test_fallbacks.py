"""Every browser-only directive of a page has its stand-in in that page's learner notebooks."""
import re

import nbformat
import pytest

from book_ext import fallbacks
from book_ext.colab import FENCE
from conftest import ROOT

SITE = 'https://d2l-cnn.github.io/cnn-chapter'  # book_site_url in _config.yml
PAGES = {p.stem: p for p in sorted((ROOT / 'chapters').glob('*.md'))}


def directives(page):
    """How often each browser-only directive occurs in the page source."""
    names = [m.group('name') for m in FENCE.finditer(page.read_text())]
    return {name: names.count(name) for name in set(names) if name in fallbacks.NOTEBOOK_MARKDOWN}


def test_every_browser_only_directive_registers_a_stand_in():
    import book_ext  # noqa: F401  (loading the extension registers the directives' stand-ins)
    assert {'conv-explorer', 'rf-explorer', 'self-check', 'shift-slider'} <= set(fallbacks.NOTEBOOK_MARKDOWN)


@pytest.mark.parametrize('framework', ['pytorch', 'mxnet'])
def test_learner_notebooks_show_images_and_links_where_the_page_is_live(built_book, framework):
    import book_ext  # noqa: F401
    html_dir, checked = built_book[1], 0
    for name, page in PAGES.items():
        found = directives(page)
        path = html_dir / '_notebooks' / 'chapters' / f'{name}-{framework}.ipynb'
        if not found or not path.exists():
            continue
        text = '\n'.join(cell.source for cell in nbformat.read(path, as_version=4).cells
                         if cell.cell_type == 'markdown')
        for directive in found:
            assert '{' + directive + '}' not in text, f'{path.name} still holds the {directive} directive'
        if {'conv-explorer', 'rf-explorer', 'shift-slider'} & set(found):
            images = re.findall(r'!\[[^\]]*\]\((\S+?)\)', text)
            served = [url for url in images if url.startswith(SITE) and
                      (html_dir / url[len(SITE) + 1:]).exists()]
            live = sum(found.get(d, 0) for d in ('conv-explorer', 'rf-explorer', 'shift-slider'))
            assert len(served) >= live, f'{path.name}: {live} live figures but images {images}'
            assert f'{SITE}/chapters/{name}.html' in text, f'{path.name} does not link to its live page'
        assert text.count('<details') >= found.get('self-check', 0), f'{path.name}: answers missing'
        checked += 1
    assert checked >= 10  # every section has self-checks
