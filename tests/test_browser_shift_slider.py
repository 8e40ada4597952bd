"""The shift slider of lenet-sees in headless Chromium: slider, framework tabs, keyboard, both colour modes.

It reads `make test`'s build through the `site` fixture, or $BOOK_HTML_DIR (any built book's HTML
folder, for example a mini-book with lenet-sees only). Screenshots go to _build/screenshots/ beside
that HTML folder.
"""
import functools
import http.server
import json
import os
import pathlib
import threading

import pytest

PAGE = 'chapters/lenet-sees.html'
DATA = 'chapters/lenet-sees_shift_slider'
FIGURE = 'div.shift-slider'


@pytest.fixture(scope='module')
def html_dir(request):
    if os.environ.get('BOOK_HTML_DIR'):
        return pathlib.Path(os.environ['BOOK_HTML_DIR'])
    return request.getfixturevalue('built_book')[1]


@pytest.fixture(scope='module')
def book_site(request, html_dir):
    if not os.environ.get('BOOK_HTML_DIR'):
        yield request.getfixturevalue('site')
        return
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


@pytest.fixture(scope='module')
def exported(html_dir):
    return {fw: json.loads((html_dir / DATA / f'{fw}.json').read_text()) for fw in ('pytorch', 'mxnet')}


def state(page):
    """What the figure shows: its framework and shift, the accuracy text, the visible images."""
    return page.eval_on_selector(FIGURE, '''figure => {
        const table = [...figure.querySelectorAll('table.shift-slider-maps')].filter(t => !t.hidden);
        return {framework: figure.dataset.framework, shift: Number(figure.dataset.shift),
                text: figure.querySelector('output').textContent,
                tables: table.map(t => t.dataset.framework),
                images: [...table[0].querySelectorAll('img')].map(i => i.getAttribute('src')),
                loaded: [...table[0].querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)};
    }''')


def wait_loaded(page):
    page.wait_for_function(f'''() => [...document.querySelectorAll('{FIGURE} table:not([hidden]) img')]
        .every(i => i.complete && i.naturalWidth > 0)''', timeout=10000)


def accuracy_text(data, shift):
    return f'{data["accuracy"][data["shifts"].index(shift)]:.3f}'


def open_page(page, book_site):
    page.goto(f'{book_site}/{PAGE}', wait_until='networkidle')
    page.wait_for_selector(f'{FIGURE} .shift-slider-controls:not([hidden])')
    wait_loaded(page)


def test_moving_the_slider_swaps_the_maps_and_the_accuracy(book_site, page, exported):
    open_page(page, book_site)
    before = state(page)
    assert before['framework'] == 'pytorch' and before['shift'] == 0 and before['tables'] == ['pytorch']
    assert before['text'] == f'No shift: test accuracy {accuracy_text(exported["pytorch"], 0)} (PyTorch)'
    page.eval_on_selector(f'{FIGURE} input[type=range]',
                          'r => { r.value = "-3"; r.dispatchEvent(new Event("input", {bubbles: true})); }')
    wait_loaded(page)
    after = state(page)
    assert after['shift'] == -3 and after['loaded']
    assert after['text'] == f'3 pixels left: test accuracy {accuracy_text(exported["pytorch"], -3)} (PyTorch)'
    assert all('-s-3-' in src for src in after['images']) and after['images'] != before['images']
    data = exported['pytorch']
    conv1 = data['layers'][1]['maps']
    assert conv1[data['shifts'].index(-3)] != conv1[data['shifts'].index(0)], 'the maps themselves differ'
    assert page.get_attribute(f'{FIGURE} input[type=range]', 'aria-valuetext') == '3 pixels left'
    assert page.errors == []


def test_the_mxnet_tab_shows_mxnets_run(book_site, page, exported):
    open_page(page, book_site)
    page.eval_on_selector(f'{FIGURE} input[type=range]',
                          'r => { r.value = "2"; r.dispatchEvent(new Event("input", {bubbles: true})); }')
    pytorch = state(page)
    page.click('div.framework-tabs >> nth=0 >> label[data-sync-id="mxnet"]')
    wait_loaded(page)
    mxnet = state(page)
    assert mxnet['framework'] == 'mxnet' and mxnet['tables'] == ['mxnet'] and mxnet['shift'] == 2
    assert mxnet['text'] == f'2 pixels right: test accuracy {accuracy_text(exported["mxnet"], 2)} (MXNet)'
    assert all(src.split('/')[-1].startswith('mxnet-s2-') for src in mxnet['images'])
    assert mxnet['images'] != pytorch['images'] and mxnet['loaded']
    assert exported['mxnet']['layers'][3]['maps'] != exported['pytorch']['layers'][3]['maps'], \
        'the two frameworks trained different networks, so their conv2 maps differ'
    page.reload(wait_until='networkidle')  # the choice is remembered, and the figure follows it
    assert state(page)['framework'] == 'mxnet'
    page.click('div.framework-tabs >> nth=0 >> label[data-sync-id="pytorch"]')
    assert state(page)['framework'] == 'pytorch'
    assert page.errors == []


def test_the_keyboard_alone_moves_the_slider(book_site, page, exported):
    page.goto(f'{book_site}/{PAGE}#moving-the-input', wait_until='networkidle')  # Tab starts there
    for _ in range(100):  # Tab through the section until the slider has the focus
        page.keyboard.press('Tab')
        if page.evaluate('document.activeElement.type') == 'range':
            break
    else:
        pytest.fail('Tab never reaches the slider')
    label = page.evaluate('document.activeElement.labels[0].textContent')
    assert 'Shift' in label
    outline = page.evaluate('getComputedStyle(document.activeElement).outlineStyle')
    assert outline != 'none', 'the focused slider shows a focus ring'
    page.keyboard.press('ArrowRight')
    page.keyboard.press('ArrowRight')
    assert state(page)['shift'] == 2
    page.keyboard.press('Home')
    data = exported['pytorch']
    assert state(page)['text'] == f'{-data["shifts"][0]} pixels left: test accuracy {accuracy_text(data, data["shifts"][0])} (PyTorch)'
    page.keyboard.press('End')
    assert state(page)['shift'] == data['shifts'][-1]
    assert page.get_attribute(f'{FIGURE} output', 'aria-live') == 'polite'
    assert page.errors == []


@pytest.mark.parametrize('mode', ['light', 'dark'])
def test_screenshots_in_light_and_dark_mode(book_site, page, html_dir, mode):
    page.emulate_media(color_scheme=mode)
    open_page(page, book_site)
    assert page.evaluate('document.documentElement.dataset.theme') == mode
    page.eval_on_selector(f'{FIGURE} input[type=range]',
                          'r => { r.value = "3"; r.dispatchEvent(new Event("input", {bubbles: true})); }')
    wait_loaded(page)
    page.focus(f'{FIGURE} input[type=range]')
    folder = html_dir.parent / 'screenshots'
    folder.mkdir(parents=True, exist_ok=True)
    page.locator('div.shift-slider-figure').screenshot(path=str(folder / f'lenet-sees-shift-slider-{mode}.png'))
    colours = page.eval_on_selector(f'{FIGURE} output', 'o => [getComputedStyle(o).color, getComputedStyle(document.body).backgroundColor]')
    assert colours[0] != colours[1]
    assert page.errors == []


def test_without_javascript_both_runs_show_their_unshifted_maps(book_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f'{book_site}/{PAGE}')
    assert page.is_hidden(f'{FIGURE} .shift-slider-controls')
    tables = page.locator(f'{FIGURE} table.shift-slider-maps')
    assert tables.count() == 2 and tables.nth(0).is_visible() and tables.nth(1).is_visible()
    sources = page.eval_on_selector_all(f'{FIGURE} img', 'imgs => imgs.map(i => i.getAttribute("src"))')
    assert sources and all('-s0-' in src for src in sources)
    context.close()
