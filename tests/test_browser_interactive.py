"""The interactive figures (book_ext/interactive.py, static/interactive.js) in headless Chromium.

The explorer's output sizes are checked against PyTorch's own layers for random settings, the
cells it highlights against the values PyTorch computes from them, the receptive-field table
against d2l_local.receptive_fields, and the highlighted units against autograd. Set
BOOK_HTML_DIR to test another build (a mini-book) instead of the full book of the `site` fixture.
"""
import functools
import http.server
import os
import pathlib
import random
import re
import threading

import pytest
import torch
import torch.nn.functional as F

from book_ext import interactive
from conftest import ROOT
from d2l_local.arithmetic import conv_output_size
from d2l_local.receptive_fields import receptive_fields

SCREENSHOTS = ROOT / '_build' / 'screenshots'
SIZE = re.compile(r'^output: (\d+) × (\d+)$')

# Sets the conv explorer's form fields as a reader would (events included) and reads the result.
SET_CONV = '''([id, s]) => {
  const root = document.getElementById(id);
  const set = (name, value) => {
    const field = root.querySelector(`[name="${name}"]`);
    field.value = String(value);
    field.dispatchEvent(new Event(field.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
  };
  set("mode", s.mode); set("rounding", s.ceil ? "ceil" : "floor"); set("padding-mode", s.padmode);
  for (const key of ["input", "kernel", "stride", "dilation"]) { set(key + "-h", s[key][0]); set(key + "-w", s[key][1]); }
  if (s.padmode === "numbers") { set("padding-h", s.padding[0]); set("padding-w", s.padding[1]); }
  set("out-row", s.sel[0]); set("out-col", s.sel[1]);
  return READ_CONV(root);
}'''
READ_CONV = '''(root) => {
  const message = root.querySelector(".ix-message");
  return { size: root.querySelector(".ix-size").textContent,
           message: message.hidden ? "" : message.textContent,
           drawn: root.querySelector(".ix-drawing svg") !== null,
           reads: Array.from(root.querySelectorAll(".ix-input .ix-read"),
                             (r) => [Number(r.dataset.row), Number(r.dataset.col)]),
           selected: Array.from(root.querySelectorAll(".ix-out.ix-selected"),
                                (r) => [Number(r.dataset.row), Number(r.dataset.col)]) };
}'''
SET_CONV = SET_CONV.replace('READ_CONV(root)', f'({READ_CONV})(root)')
READ_RF = '''(root) => ({
  table: Array.from(root.querySelectorAll(".rf-table tbody tr"), (tr) => Array.from(tr.cells, (c) => c.textContent)),
  reads: Array.from(root.querySelectorAll(".ix-unit.ix-read"), (r) => [Number(r.dataset.layer), Number(r.dataset.unit)]),
  message: root.querySelector(".ix-message").hidden ? "" : root.querySelector(".ix-message").textContent })'''


@pytest.fixture(scope='module')
def html_dir(request):
    """BOOK_HTML_DIR (a mini-book while developing), or the full book that `site` serves."""
    if os.environ.get('BOOK_HTML_DIR'):
        return pathlib.Path(os.environ['BOOK_HTML_DIR'])
    request.getfixturevalue('site')
    return ROOT / '_build' / 'html'


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def served(html_dir):
    handler = functools.partial(QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def page_with(html_dir, kind):
    """The first page of the book that places a ``kind`` figure, relative to the HTML root."""
    for path in sorted(html_dir.rglob('*.html')):
        if f'class="interactive {kind}"' in path.read_text(errors='replace'):
            return path.relative_to(html_dir).as_posix()
    pytest.fail(f'no page of the book places {kind}: insert its directive (book_ext/interactive.py)')


@pytest.fixture
def conv_page(page, served, html_dir):
    page.goto(f'{served}/{page_with(html_dir, "conv-explorer")}')
    page.wait_for_selector('.conv-explorer.is-live .ix-svg')
    return page


@pytest.fixture
def rf_page(page, served, html_dir):
    page.goto(f'{served}/{page_with(html_dir, "rf-explorer")}')
    page.wait_for_selector('.rf-explorer.is-live .ix-svg')
    return page


# --- references -------------------------------------------------------------------------------

def torch_size(s):
    """(H, W) that PyTorch computes for settings ``s``, or None where the window does not fit."""
    x = torch.zeros(1, 1, *s['input'], dtype=torch.float64)
    before, after = split_padding(s)
    try:
        if s['mode'] == 'conv':
            x = F.pad(x, (before[1], after[1], before[0], after[0]))
            return tuple(F.conv2d(x, torch.ones(1, 1, *s['kernel'], dtype=torch.float64),
                                  stride=s['stride'], dilation=s['dilation']).shape[2:])
        if before == after:  # pooling pads symmetrically in PyTorch
            return tuple(F.max_pool2d(x, s['kernel'], s['stride'], before, s['dilation'],
                                      ceil_mode=s['ceil']).shape[2:])
        assert not s['ceil']
        x = F.pad(x, (before[1], after[1], before[0], after[0]), value=-float('inf'))
        return tuple(F.max_pool2d(x, s['kernel'], s['stride'], 0, s['dilation']).shape[2:])
    except RuntimeError:
        return None


def book_size(s):
    """(H, W) from the chapter's conv_output_size, or None where it calls the settings impossible."""
    try:
        return tuple(conv_output_size(n, k, s['padmode'] if s['padmode'] != 'numbers' else p, st, d, s['ceil'])
                     for n, k, p, st, d in zip(s['input'], s['kernel'], s['padding'], s['stride'], s['dilation']))
    except ValueError:
        return None


def split_padding(s):
    """Padding before and after each axis: an odd total puts the extra row or column after."""
    spans = [d * (k - 1) + 1 for k, d in zip(s['kernel'], s['dilation'])]
    totals = [{'valid': 0, 'same': n - 1, 'full': 2 * (n - 1)}[s['padmode']] if s['padmode'] != 'numbers'
              else p for n, p in zip(spans, s['padding'])]
    return [t // 2 for t in totals], [t - t // 2 for t in totals]


def window(s, r, c):
    """Input cells (padding included, beyond it excluded) that output (r, c) reads."""
    before, after = split_padding(s)
    axes = []
    for i, index in enumerate((r, c)):
        start = index * s['stride'][i] - before[i]
        taps = [start + a * s['dilation'][i] for a in range(s['kernel'][i])]
        axes.append([t for t in taps if t < s['input'][i] + after[i]])
    return {(i, j) for i in axes[0] for j in axes[1]}


def random_settings(rng):
    """Settings PyTorch can express, a tenth of them impossible (the kernel outgrows the input)."""
    mode = rng.choice(['conv', 'conv', 'max-pool'])
    s = {'mode': mode, 'input': [rng.randint(1, 12) for _ in range(2)], 'kernel': [rng.randint(1, 5) for _ in range(2)],
         'stride': [rng.randint(1, 3) for _ in range(2)], 'dilation': [rng.choice([1, 1, 2, 3]) for _ in range(2)],
         'ceil': mode != 'conv' and rng.random() < 0.5}
    if rng.random() < 0.25:
        s['kernel'] = [rng.choice([2, 4]) for _ in range(2)]  # even kernels: same padding is uneven
        s['padmode'] = 'same'
    else:
        s['padmode'] = rng.choice(['numbers', 'numbers', 'valid', 'same', 'full'])
    spans = [d * (k - 1) + 1 for k, d in zip(s['kernel'], s['dilation'])]
    if mode == 'conv':
        s['padding'] = [rng.randint(0, 5) for _ in range(2)]
    else:  # PyTorch's pooling pads at most half the kernel (undilated) on each side
        if s['padmode'] == 'full' or s['padmode'] == 'same' and any(
                n % 2 == 0 or (n - 1) // 2 > k // 2 for n, k in zip(spans, s['kernel'])):
            s['padmode'] = 'numbers'
        s['padding'] = [2 * rng.randint(0, k // 2) for k in s['kernel']]
        if not s['ceil'] and rng.random() < 0.3:
            s['padding'] = [p + (k // 2 > p // 2) for p, k in zip(s['padding'], s['kernel'])]  # odd totals too
    if rng.random() < 0.1:
        s['input'] = [1, rng.randint(1, 3)]
        s['kernel'], s['dilation'], s['padmode'], s['padding'] = [4, 1], [2, 1], 'valid', [0, 0]
    return s


# --- the convolution explorer -----------------------------------------------------------------

@pytest.mark.filterwarnings('ignore:Using padding=.same. with even kernel')
def test_conv_explorer_matches_pytorch_for_200_random_settings(conv_page):
    page, rng = conv_page, random.Random(14)
    ident = page.get_attribute('.conv-explorer', 'id')
    impossible = uneven_same = ceil = dilated = 0
    for _ in range(200):
        s = random_settings(rng)
        expected, book = torch_size(s), book_size(s)
        s['sel'] = [rng.randrange(n) for n in expected] if book else [0, 0]
        got = page.evaluate(SET_CONV, [ident, s])
        if book is None:  # the window does not fit: the figure says why and draws nothing
            impossible += 1
            assert got['message'].startswith('Impossible'), (s, got)
            assert got['size'] == 'output: none' and not got['drawn'], (s, got)
            # PyTorch agrees, except that its ceil-mode pooling keeps one window that overhangs the
            # padded input by less than a stride (output 1), which conv_output_size calls impossible
            assert expected is None or s['ceil'] and 1 in expected, s
            continue
        size = tuple(map(int, SIZE.match(got['size']).groups()))
        assert size == expected == book, (s, got['size'])
        assert got['message'] == ''
        assert got['selected'] == [s['sel']]
        cells = window(s, *s['sel'])
        assert {tuple(cell) for cell in got['reads']} == cells, s
        assert_window_computes_the_output(s, cells)
        uneven_same += s['padmode'] == 'same' and any(k % 2 == 0 for k in s['kernel'])
        ceil += s['ceil']
        dilated += max(s['dilation']) > 1
    assert impossible >= 10 and uneven_same >= 20 and ceil >= 15 and dilated >= 50
    assert page.errors == []


def assert_window_computes_the_output(s, cells):
    """PyTorch's output at the selected cell is the sum (max) of the input over the highlighted cells."""
    torch.manual_seed(len(cells))
    x = torch.randint(-1000, 1000, (1, 1, *s['input'])).double()
    r, c = s['sel']
    inside = [x[0, 0, i, j] for i, j in cells if 0 <= i < s['input'][0] and 0 <= j < s['input'][1]]
    before, after = split_padding(s)
    if s['mode'] == 'conv':
        ones = torch.ones(1, 1, *s['kernel'], dtype=torch.float64)
        if s['padmode'] == 'same' and s['stride'] == [1, 1]:  # PyTorch's own 'same': extra padding after
            y = F.conv2d(x, ones, padding='same', dilation=s['dilation'])
        else:
            y = F.conv2d(F.pad(x, (before[1], after[1], before[0], after[0])), ones, stride=s['stride'],
                         dilation=s['dilation'])
        assert y[0, 0, r, c] == sum(inside, torch.tensor(0.0, dtype=torch.float64))
    else:
        if before == after:
            y = F.max_pool2d(x, s['kernel'], s['stride'], before, s['dilation'], ceil_mode=s['ceil'])
        else:
            y = F.max_pool2d(F.pad(x, (before[1], after[1], before[0], after[0]), value=-float('inf')),
                             s['kernel'], s['stride'], 0, s['dilation'])
        assert y[0, 0, r, c] == (max(inside) if inside else -float('inf'))


@pytest.mark.filterwarnings('ignore:Using padding=.same. with even kernel')
def test_same_padding_with_an_even_kernel_pads_after_the_input_like_pytorch(conv_page):
    page = conv_page
    ident = page.get_attribute('.conv-explorer', 'id')
    s = {'mode': 'conv', 'input': [5, 6], 'kernel': [4, 2], 'stride': [1, 1], 'dilation': [1, 1],
         'padmode': 'same', 'padding': [0, 0], 'ceil': False, 'sel': [0, 0]}
    got = page.evaluate(SET_CONV, [ident, s])
    assert got['size'] == 'output: 5 × 6'
    # the top-left output reads one row of padding above (three below) and none on the left (one right)
    assert {tuple(cell) for cell in got['reads']} == {(i, j) for i in range(-1, 3) for j in range(0, 2)}
    assert page.input_value(f'#{ident} [name=padding-h]') == '3'
    assert_window_computes_the_output(s, window(s, 0, 0))
    assert page.errors == []


def test_out_of_range_fields_show_a_message_not_a_drawing(conv_page):
    page = conv_page
    root = '.conv-explorer >> nth=0'
    page.fill(f'{root} >> [name=kernel-h]', '0')
    assert 'kernel height must be a whole number from 1' in page.inner_text(f'{root} >> .ix-message')
    assert not page.query_selector('.conv-explorer >> nth=0 >> .ix-drawing svg')
    page.fill(f'{root} >> [name=kernel-h]', '3')
    page.fill(f'{root} >> [name=input-w]', '2')
    page.select_option(f'{root} >> [name=padding-mode]', 'valid')
    message = page.inner_text(f'{root} >> .ix-message')
    assert message.startswith('Impossible along the width: the kernel spans 3 pixels but the padded input has only 2')
    page.select_option(f'{root} >> [name=padding-mode]', 'same')
    assert page.is_hidden(f'{root} >> .ix-message') and page.query_selector(f'{root} >> .ix-drawing svg')
    assert page.errors == []


def test_play_steps_the_window_in_order(conv_page):
    page = conv_page
    root = '.conv-explorer >> nth=0'
    for name, value in (('input-h', '3'), ('input-w', '3'), ('kernel-h', '2'), ('kernel-w', '2'),
                        ('stride-h', '1'), ('stride-w', '1'), ('dilation-h', '1'), ('dilation-w', '1')):
        page.fill(f'{root} >> [name={name}]', value)
    page.select_option(f'{root} >> [name=padding-mode]', 'valid')
    page.select_option(f'{root} >> [name=mode]', 'conv')
    page.fill(f'{root} >> [name=out-row]', '0')
    page.fill(f'{root} >> [name=out-col]', '0')
    seen = []
    page.click(f'{root} >> .ix-play')
    assert page.get_attribute(f'{root} >> .ix-play', 'aria-pressed') == 'true'
    for _ in range(40):
        cell = page.eval_on_selector('.conv-explorer', '''root => [root.querySelector("[name=out-row]").value,
                                                                 root.querySelector("[name=out-col]").value]''')
        cell = tuple(cell)  # both read at once: the timer may move the window between two reads
        if not seen or seen[-1] != cell:
            seen.append(cell)
        if page.get_attribute(f'{root} >> .ix-play', 'aria-pressed') == 'false':
            break
        page.wait_for_timeout(150)
    assert seen == [('0', '0'), ('0', '1'), ('1', '0'), ('1', '1')]
    assert page.inner_text(f'{root} >> .ix-play') == 'Play'
    assert page.errors == []


def test_conv_explorer_works_with_the_keyboard_alone(conv_page):
    page = conv_page
    root = page.query_selector('.conv-explorer')
    for name in ('stride-h', 'stride-w', 'dilation-h', 'dilation-w'):  # the page may start elsewhere
        page.fill(f'.conv-explorer >> nth=0 >> [name={name}]', '1')
    first = root.query_selector('select, input, button')
    first.focus()
    reached = []
    for _ in range(40):  # Tab walks every control of the figure, in order, each with a visible focus ring
        name = page.evaluate('''() => { const a = document.activeElement;
            return a.closest(".conv-explorer") === document.querySelector(".conv-explorer") ? (a.name || a.className) : null; }''')
        if name is None:
            break
        outline = page.evaluate('() => getComputedStyle(document.activeElement).outlineStyle')
        assert outline != 'none', f'{name} shows no focus'
        label = page.evaluate('() => document.activeElement.labels ? document.activeElement.labels.length : 1')
        assert label or page.evaluate('() => document.activeElement.tagName') == 'BUTTON', f'{name} has no label'
        reached.append(name)
        page.keyboard.press('Tab')
    controls = root.eval_on_selector_all('select, input, button', 'cs => cs.filter(c => !c.disabled).map(c => c.name || c.className)')
    assert reached == controls
    # every kind of control, driven by keys only
    root.query_selector('[name=mode]').focus()
    page.keyboard.press('ArrowDown')  # convolution -> max pooling
    assert page.input_value('.conv-explorer >> nth=0 >> [name=mode]') == 'max-pool'
    assert not root.query_selector('[name=rounding]').is_disabled()
    root.query_selector('[name=padding-mode]').focus()
    page.keyboard.press('End')  # -> full
    assert page.input_value('.conv-explorer >> nth=0 >> [name=padding-mode]') == 'full'
    root.query_selector('[name=kernel-w]').focus()
    page.keyboard.press('Control+A')
    page.keyboard.type('2')
    status = page.inner_text('.conv-explorer >> nth=0 >> .ix-size')
    n_h, n_w = (int(page.input_value(f'.conv-explorer >> nth=0 >> [name=input-{a}]')) for a in 'hw')
    k_h = int(page.input_value('.conv-explorer >> nth=0 >> [name=kernel-h]'))
    assert status == f'output: {conv_output_size(n_h, k_h, "full")} × {conv_output_size(n_w, 2, "full")}'
    root.query_selector('[name=out-col]').focus()
    page.keyboard.press('ArrowUp')
    assert page.input_value('.conv-explorer >> nth=0 >> [name=out-col]') == '1'
    assert '(0, 1)' in page.inner_text('.conv-explorer >> nth=0 >> .ix-status')
    root.query_selector('.ix-step').focus()
    page.keyboard.press('Space')
    assert page.input_value('.conv-explorer >> nth=0 >> [name=out-col]') == '2'
    root.query_selector('.ix-play').focus()
    page.keyboard.press('Enter')
    assert root.query_selector('.ix-play').get_attribute('aria-pressed') == 'true'
    page.keyboard.press('Enter')
    assert root.query_selector('.ix-play').get_attribute('aria-pressed') == 'false'
    assert root.query_selector('.ix-size').get_attribute('aria-live') == 'polite'
    assert root.query_selector('.ix-status').get_attribute('aria-live') == 'polite'
    assert page.errors == []


# --- the receptive-field explorer -------------------------------------------------------------

def torch_reads(layers, n, layer, unit):
    """Units of each row that unit ``unit`` of row ``layer`` depends on, by autograd through ones kernels."""
    rows = [torch.rand(1, 1, n, dtype=torch.float64, requires_grad=True)]
    for _, k, s, p, d in layers:
        rows.append(F.conv1d(rows[-1], torch.ones(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d))
        rows[-1].retain_grad()
    rows[layer][0, 0, unit].backward()
    reads = {(layer, unit)}
    for i in range(layer):
        reads |= {(i, int(u)) for u in torch.nonzero(rows[i].grad[0, 0] > 0).flatten()}
    return reads, [row.shape[-1] for row in rows]


def assert_rf_matches(page, layers, n):
    got = page.eval_on_selector('.rf-explorer', READ_RF)
    assert got['message'] == ''
    fields = receptive_fields(layers)
    _, sizes = torch_reads(layers, n, 0, 0)
    expected = [[f['name'], str(size), str(f['size']), str(f['jump']), f'{f["start"]:g}', f'{f["centre"]:g}']
                for f, size in zip(fields, sizes[1:])]
    assert got['table'] == expected
    return got


def test_rf_table_equals_receptive_fields_for_the_presets(rf_page):
    page = rf_page
    for preset in ('lenet', 'vgg16', 'dilated'):
        page.select_option('.rf-explorer >> nth=0 >> [name=preset]', preset)
        layers = interactive.PRESETS[preset]['layers']
        got = assert_rf_matches(page, layers, interactive.PRESETS[preset]['input'])
        last = len(layers)
        _, sizes = torch_reads(layers, interactive.PRESETS[preset]['input'], 0, 0)
        reads, _ = torch_reads(layers, interactive.PRESETS[preset]['input'], last, sizes[-1] // 2)
        assert {tuple(u) for u in got['reads']} == reads
    assert [row[2] for row in page.eval_on_selector('.rf-explorer', READ_RF)['table']] == ['3', '7', '15', '31']
    assert page.errors == []


def test_rf_random_stack_edited_in_the_form(rf_page):
    page, rng = rf_page, random.Random(2)
    root = '.rf-explorer >> nth=0'
    page.select_option(f'{root} >> [name=preset]', 'dilated')
    for trial in range(3):
        layers = []
        n = rng.randint(30, 64)
        count = rng.randint(2, 6)
        while page.locator(f'{root} >> .ix-stack tbody tr').count() < count:
            page.click(f'{root} >> .ix-add')
        while page.locator(f'{root} >> .ix-stack tbody tr').count() > count:
            page.click(f'{root} >> .ix-remove >> nth=0')
        page.fill(f'{root} >> [name=input]', str(n))
        for i in range(count):
            k, s, d = rng.randint(1, 4), rng.choice([1, 1, 2]), rng.choice([1, 2, 3])
            p = rng.randint(0, (d * (k - 1)) // 2 + 1)
            layers.append((f'L{i}', k, s, p, d))
            row = f'{root} >> .ix-stack tbody tr >> nth={i}'
            page.fill(f'{row} >> [name=name]', f'L{i}')
            for key, value in (('kernel', k), ('stride', s), ('padding', p), ('dilation', d)):
                page.fill(f'{row} >> [name={key}]', str(value))
        assert page.input_value(f'{root} >> [name=preset]') == 'custom'
        try:
            _, sizes = torch_reads(layers, n, 0, 0)
        except RuntimeError:  # the stack shrinks the input away: the figure says which layer
            assert 'does not fit' in page.inner_text(f'{root} >> .ix-message')
            continue
        assert_rf_matches(page, layers, n)
        for layer in range(1, count + 1):  # select a unit in every layer; its field lights up below
            unit = rng.randrange(sizes[layer])
            page.select_option(f'{root} >> [name=sel-layer]', str(layer))
            page.fill(f'{root} >> [name=sel-unit]', str(unit))
            got = page.eval_on_selector('.rf-explorer', READ_RF)
            assert {tuple(u) for u in got['reads']} == torch_reads(layers, n, layer, unit)[0], (layers, layer, unit)
    assert page.errors == []


def test_rf_explorer_works_with_the_keyboard_alone(rf_page):
    page = rf_page
    root = page.query_selector('.rf-explorer')
    root.query_selector('[name=preset]').focus()
    page.keyboard.press('Home')  # -> LeNet
    assert page.input_value('.rf-explorer >> nth=0 >> [name=preset]') == 'lenet'
    rows = lambda: len(root.query_selector_all('.ix-stack tbody tr'))
    root.query_selector('.ix-add').focus()
    page.keyboard.press('Enter')
    lenet = len(interactive.PRESETS['lenet']['layers'])
    assert rows() == lenet + 1 and page.input_value('.rf-explorer >> nth=0 >> [name=preset]') == 'custom'
    root.query_selector('.ix-stack tbody tr:last-child .ix-remove').focus()
    page.keyboard.press('Space')
    assert rows() == lenet
    assert page.evaluate('() => document.activeElement.className') in ('ix-remove', 'ix-add')
    root.query_selector('[name=sel-layer]').focus()
    page.keyboard.press('Home')  # -> the input row
    page.keyboard.press('ArrowDown')  # -> conv1
    assert page.input_value('.rf-explorer >> nth=0 >> [name=sel-layer]') == '1'
    page.keyboard.press('Tab')
    page.keyboard.press('Control+A')
    page.keyboard.type('3')
    assert page.inner_text('.rf-explorer >> nth=0 >> .ix-status').startswith('Unit 3 of conv1 sees input pixels 1 to 5')
    assert page.evaluate('() => getComputedStyle(document.activeElement).outlineStyle') != 'none'
    assert all(c.evaluate('c => c.labels.length > 0') for c in root.query_selector_all('input, select'))
    assert page.errors == []


# --- both figures ---------------------------------------------------------------------------

@pytest.mark.parametrize('kind', ['conv-explorer', 'rf-explorer'])
def test_light_and_dark_mode_and_screenshots(page, served, html_dir, kind):
    page.goto(f'{served}/{page_with(html_dir, kind)}')
    figure = page.locator(f'.{kind}.is-live >> nth=0')
    figure.wait_for()
    if kind == 'rf-explorer':  # a unit of the last layer but one, whose field leaves some units unlit
        choice = '.rf-explorer >> nth=0 >> [name=sel-layer]'
        page.select_option(choice, page.eval_on_selector(choice, 's => s.options[s.options.length - 2].value'))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    colours = {}
    for mode in ('light', 'dark'):
        page.evaluate('(mode) => { document.documentElement.dataset.mode = mode; '
                      'document.documentElement.dataset.theme = mode; }', mode)
        figure.scroll_into_view_if_needed()
        figure.screenshot(path=str(SCREENSHOTS / f'interactive-{kind}-{mode}.png'))
        colours[mode] = figure.evaluate('''f => {
            const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).map(Number); return (0.299 * r + 0.587 * g + 0.114 * b) / 255; };
            const cell = f.querySelector(".ix-svg rect:is(.ix-cell, .ix-unit):not(.ix-read):not(.ix-selected)");
            return { text: lum(getComputedStyle(f.querySelector(".ix-status")).color),
                     label: lum(getComputedStyle(f.querySelector(".ix-svg text")).fill),
                     cell: lum(getComputedStyle(cell).fill) }; }''')
    assert colours['light']['text'] < 0.3 and colours['light']['label'] < 0.3 and colours['light']['cell'] > 0.8
    assert colours['dark']['text'] > 0.7 and colours['dark']['label'] > 0.7 and colours['dark']['cell'] < 0.3
    assert page.errors == []


@pytest.mark.parametrize('kind', ['conv-explorer', 'rf-explorer'])
def test_without_javascript_the_static_figure_shows_and_notebooks_find_its_image(browser, served, html_dir, kind):
    import json
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f'{served}/{page_with(html_dir, kind)}')
    figure = page.locator(f'.{kind} >> nth=0')
    assert figure.locator('.interactive-static svg').is_visible()
    config = json.loads(figure.get_attribute('data-config'))
    settings = {key: value for key, value in config.items() if key not in ('presets', 'titles', 'limits')}
    if kind == 'conv-explorer':
        settings = {key: tuple(v) if isinstance(v, list) else v for key, v in settings.items()}
    name = interactive.svg_name(kind, settings)
    response = page.request.get(f'{served}/{interactive.STATIC_DIR}/{name}')
    assert response.ok and response.text().startswith('<svg') and '<title>' in response.text()
    context.close()
