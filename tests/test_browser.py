"""The book as a reader meets it, in headless Chromium (Debian's package, driven by Playwright)."""
import pytest

from book_ext import pages
from conftest import ROOT

SECTIONS = [p.stem for p in sorted((ROOT / 'chapters').glob('*.md'))]
CODE_SECTIONS = [p.stem for p in sorted((ROOT / 'chapters').glob('*.md'))
                 if pages.has_code(pages.read_page(p.read_text()))]
SCREENSHOTS = ROOT / '_build' / 'screenshots'


def selected_frameworks(page):
    """The sync id of the checked tab in every framework tab-set on the page."""
    return page.eval_on_selector_all(
        'div.framework-tabs', '''sets => sets.map(set => {
            const input = set.querySelector(':scope > input:checked');
            return set.querySelector(`:scope > label[for="${input.id}"]`).dataset.syncId; })''')


def test_choosing_mxnet_switches_every_tab_and_is_remembered(site, page):
    first, second = CODE_SECTIONS[0], CODE_SECTIONS[1]
    page.goto(f'{site}/chapters/{first}.html')
    assert set(selected_frameworks(page)) == {'pytorch'}, 'PyTorch is the default'
    page.click('div.framework-tabs >> nth=0 >> label[data-sync-id="mxnet"]')
    chosen = selected_frameworks(page)
    assert len(chosen) > 1 and set(chosen) == {'mxnet'}, 'one click switches every tab-set'
    page.goto(f'{site}/chapters/{second}.html')
    assert set(selected_frameworks(page)) == {'mxnet'}, 'the choice follows the reader to another page'
    page.reload()
    assert set(selected_frameworks(page)) == {'mxnet'}, 'and survives a reload'
    visible = page.eval_on_selector_all('div.framework-tabs div.cell', 'cells => cells.filter(c => c.offsetParent).map(c => c.className)')
    assert visible and all('tag_mxnet' in name for name in visible), 'only MXNet code is visible'
    assert page.errors == []


@pytest.mark.parametrize('section', SECTIONS)
def test_page_renders_fully_without_errors(site, page, section):
    page.goto(f'{site}/chapters/{section}.html', wait_until='networkidle')
    broken = page.eval_on_selector_all('img', 'imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)')
    assert broken == [], f'images that did not load: {broken}'
    page.wait_for_function('() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise', timeout=20000)
    page.evaluate('() => window.MathJax && MathJax.startup && MathJax.startup.promise')
    text = page.inner_text('article')
    assert '$$' not in text and '\\(' not in text and '\\[' not in text, 'raw math left on the page'
    if page.query_selector('div.math, span.math'):
        assert page.query_selector('mjx-container'), 'MathJax did not typeset the math'
    assert page.errors == [], page.errors
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for framework in pages.FRAMEWORKS if section in CODE_SECTIONS else ['pytorch']:
        if section in CODE_SECTIONS:
            page.click(f'div.framework-tabs >> nth=0 >> label[data-sync-id="{framework}"]')
        page.screenshot(path=str(SCREENSHOTS / f'{section}-{framework}.png'), full_page=True)


@pytest.mark.parametrize('section', CODE_SECTIONS)
def test_notebook_download_links_point_at_the_notebooks(site, page, section):
    page.goto(f'{site}/chapters/{section}.html')
    for framework in pages.FRAMEWORKS:
        href = page.get_attribute(f'p.framework-downloads a.download-{framework}', 'href')
        response = page.request.get(f'{site}/chapters/{href}')
        assert response.ok and response.json()['cells'], f'{framework} notebook of {section}'
        assert href.endswith(f'{section}-{framework}.ipynb')
        colab = page.get_attribute(f'p.framework-downloads a.colab-{framework}', 'href')
        assert colab.startswith('https://colab.research.google.com/github/')
        assert colab.endswith(f'/_notebooks/chapters/{section}-{framework}.ipynb')


def test_search_finds_lenet(site, page):
    page.goto(f'{site}/search.html?q=LeNet')
    page.wait_for_selector('#search-results li', timeout=20000)
    results = page.inner_text('#search-results')
    assert 'LeNet' in results
