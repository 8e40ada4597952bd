"""The built book: built with warnings as errors, every tab complete, every output and file present."""
import pathlib
import re

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from book_ext import downloads, execute, pages
from conftest import ROOT

PAGES = sorted(p for p in (ROOT / 'chapters').glob('*.md'))
CODE_PAGES = [p for p in PAGES if pages.has_code(pages.read_page(p.read_text()))]


def html_of(html_dir, page):
    return BeautifulSoup((html_dir / 'chapters' / f'{page.stem}.html').read_text(), 'html.parser')


def test_every_section_runs_code_in_both_frameworks():
    assert {p.stem for p in CODE_PAGES} >= {'conv-layer', 'pooling', 'lenet'}


@pytest.mark.parametrize('page', CODE_PAGES, ids=lambda p: p.stem)
def test_every_framework_tab_set_holds_both_frameworks_pytorch_first(built_book, page):
    _, html_dir = built_book
    soup = html_of(html_dir, page)
    tab_sets = soup.select('div.framework-tabs')
    assert tab_sets, f'{page.stem} has no framework tabs'
    for tab_set in tab_sets:
        labels = [(l['data-sync-group'], l['data-sync-id'], l.get_text(strip=True))
                  for l in tab_set.find_all('label', recursive=False)]
        assert labels == [('framework', 'pytorch', 'PyTorch'), ('framework', 'mxnet', 'MXNet')]
        contents = tab_set.find_all('div', class_='sd-tab-content', recursive=False)
        assert all(content.select('div.cell') for content in contents), 'a tab without code'


@pytest.mark.parametrize('page', CODE_PAGES, ids=lambda p: p.stem)
def test_every_code_cell_shows_the_output_its_kernel_produced(built_book, page):
    """Merge the cached kernel runs of the page again and compare with what the HTML shows."""
    _, html_dir = built_book
    notebook = pages.read_page(page.read_text())
    executed = {fw: nbformat.read(execute.cache_path(ROOT / '_build' / 'framework-cache', notebook, fw), 4)
                for fw in pages.FRAMEWORKS}
    merged, _ = pages.merge(notebook, executed)

    def shown(cell):
        tags = set(cell.metadata.get('tags', []))
        hidden = {'remove-cell', 'remove-output', 'remove_output', 'remove_cell'}
        return not hidden & tags and any('scrapbook' not in o.get('metadata', {}) for o in cell.outputs)
    expected = sum(shown(c) for c in merged.cells if c.cell_type == 'code')
    soup = html_of(html_dir, page)
    assert len(soup.select('div.cell div.cell_output')) == expected


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.stem)
def test_no_errors_or_warnings_in_any_output(built_book, page):
    _, html_dir = built_book
    soup = html_of(html_dir, page)
    assert not soup.select('.output.error, .output.traceback, .output.stderr'), \
        [o.get_text()[:300] for o in soup.select('.output.error, .output.traceback, .output.stderr')]
    assert 'Traceback (most recent call last)' not in soup.get_text()


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.stem)
def test_no_markup_shows_as_text(built_book, page):
    """A directive fence that MyST did not recognize (say, one sharing a line with prose) shows up as
    colons or backticks in the text that readers see."""
    _, html_dir = built_book
    article = html_of(html_dir, page).select_one('article')
    stray = [text.strip() for text in article.find_all(string=True)
             if not text.find_parent('pre') and re.search(r':{3,}|`{3,}', text)]
    assert not stray, stray[:5]


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.stem)
def test_every_image_file_is_present(built_book, page):
    _, html_dir = built_book
    soup = html_of(html_dir, page)
    for img in soup.find_all('img'):
        src = img['src']
        if src.startswith('data:'):
            continue
        assert (html_dir / 'chapters' / src).resolve().is_file(), f'{page.stem}: missing image {src}'
        assert img.get('alt'), f'{page.stem}: image {src} has no alt text'


@pytest.mark.parametrize('page', CODE_PAGES, ids=lambda p: p.stem)
def test_both_notebooks_are_published_with_outputs_and_linked(built_book, page):
    _, html_dir = built_book
    soup = html_of(html_dir, page)
    for framework, label in pages.FRAMEWORKS.items():
        [link] = soup.select(f'p.framework-downloads a.download-{framework}')
        assert link.get_text() == label
        target = (html_dir / 'chapters' / link['href']).resolve()
        notebook = nbformat.read(target, as_version=4)
        assert any(cell.get('outputs') for cell in notebook.cells if cell.cell_type == 'code')
        [colab] = soup.select(f'p.framework-downloads a.colab-{framework}')
        settings = yaml.safe_load((ROOT / '_config.yml').read_text())['sphinx']['config']
        repository = settings['book_repository'].removeprefix('https://github.com/')
        assert colab['href'] == (f'https://colab.research.google.com/github/{repository}/blob/'
                                 f'{settings["book_pages_branch"]}/_notebooks/chapters/{page.stem}-{framework}.ipynb')


def test_glued_values_all_resolved(built_book):
    log, _ = built_book
    assert not re.search(r'glue.*not found|Reference key .* not found', log)
