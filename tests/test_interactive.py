"""The Python side of the interactive figures (book_ext/interactive.py): options, static SVG,
notebook stand-ins, and build errors that name the option and the fix."""
import random
import re
import xml.etree.ElementTree as ET

import pytest
import torch
import torch.nn.functional as F

from book_ext import colab, interactive
from d2l_local.arithmetic import conv_output_size
from d2l_local.receptive_fields import receptive_fields
from conftest import sphinx_project

SVG_NS = '{http://www.w3.org/2000/svg}'
CONTEXT = {'site': 'https://book.example', 'page_url': 'https://book.example/chapters/p.html', 'glue': {},
           'framework': 'pytorch', 'convert': lambda text: text}


def test_conv_settings_parse_pairs_named_padding_and_flags():
    s = interactive.conv_settings({'input': '7x5', 'kernel': '3', 'padding': 'same', 'stride': '2×1',
                                   'mode': 'max-pool', 'ceil-mode': ''})
    assert s == {'input': (7, 5), 'kernel': (3, 3), 'stride': (2, 1), 'dilation': (1, 1), 'padding': 'same',
                 'mode': 'max-pool', 'ceil': True}
    assert interactive.conv_settings({'padding': '2x0'})['padding'] == (2, 0)
    assert interactive.conv_settings({})['padding'] == (0, 0)


@pytest.mark.parametrize('options, words', [
    ({'input': '7y7'}, [':input:', 'such as 7x7']),
    ({'kernel': '40'}, [':kernel:', 'between 1 and 11']),
    ({'padding': 'sam'}, [':padding:', 'valid, same, full']),
    ({'mode': 'pool'}, [':mode:', 'conv, max-pool, avg-pool']),
    ({'ceil-mode': ''}, [':ceil-mode:', 'add :mode: max-pool']),
    ({'input': '3', 'kernel': '5'}, ['impossible', 'pad by at least 2 more', ':kernel:']),
    ({'inputs': '3'}, ['unknown option :inputs:', 'use :input:']),
])
def test_bad_conv_options_name_the_option_and_the_fix(options, words):
    with pytest.raises(interactive.OptionError) as error:
        interactive.conv_settings(options)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize('options, words', [
    ({}, ['needs :preset:', ':layers:']),
    ({'preset': 'resnet'}, [':preset:', 'lenet, vgg16, dilated']),
    ({'layers': 'conv k=3 q=1'}, [':layers:', "'q=1'", 'p= (padding per side)']),
    ({'layers': 'conv k=9', 'input': '4'}, ['does not fit an input of 4', 'conv']),
    ({'preset': 'lenet', 'layers': 'a k=3'}, ['either :preset: or :layers:']),
])
def test_bad_rf_options_name_the_option_and_the_fix(options, words):
    with pytest.raises(interactive.OptionError) as error:
        interactive.rf_settings(options)
    for word in words:
        assert word in str(error.value)


@pytest.mark.filterwarnings('ignore:Using padding=.same. with even kernel')
def test_conv_axis_follows_conv_output_size_and_pytorch_for_same_padding_with_even_kernels():
    """'same' pads span - 1 in total, the extra element after the input, as PyTorch's padding='same'."""
    rng = random.Random(0)
    for _ in range(50):
        n, k, d = rng.randint(4, 12), rng.randint(1, 5), rng.randint(1, 3)
        s = interactive.conv_settings({'input': f'{n}x{n}', 'kernel': f'{k}x{k}', 'dilation': str(d),
                                       'padding': 'same'})
        axis = interactive.conv_axis(s, 0)
        assert axis['out'] == conv_output_size(n, k, 'same', 1, d) == n
        x = torch.randn(1, 1, n, n, dtype=torch.float64)
        w = torch.randn(1, 1, k, k, dtype=torch.float64)
        explicit = F.conv2d(F.pad(x, (axis['before'], axis['after']) * 2), w, dilation=d)
        assert torch.allclose(F.conv2d(x, w, padding='same', dilation=d), explicit)


def test_window_taps_are_the_inputs_that_pytorch_reads():
    """Perturbing an input cell changes output (r, c) exactly when the cell is in the window."""
    rng = random.Random(1)
    for _ in range(30):
        options = {'input': f'{rng.randint(3, 8)}x{rng.randint(3, 8)}', 'kernel': f'{rng.randint(1, 3)}x{rng.randint(1, 3)}',
                   'stride': str(rng.randint(1, 2)), 'dilation': str(rng.randint(1, 2)), 'padding': str(rng.randint(0, 3))}
        try:
            s = interactive.conv_settings(options)
        except interactive.OptionError:
            continue
        rows, cols = interactive.conv_axis(s, 0), interactive.conv_axis(s, 1)
        pad = (cols['before'], cols['after'], rows['before'], rows['after'])
        x = torch.zeros(1, 1, *s['input'], dtype=torch.float64, requires_grad=True)
        y = F.conv2d(F.pad(x, pad), torch.ones(1, 1, *s['kernel'], dtype=torch.float64), stride=s['stride'],
                     dilation=s['dilation'])
        r, c = rng.randrange(rows['out']), rng.randrange(cols['out'])
        y[0, 0, r, c].backward()
        touched = {tuple(map(int, ij)) for ij in torch.nonzero(x.grad[0, 0])}
        window = {(i, j) for i in interactive.window(rows, r) for j in interactive.window(cols, c)}
        assert touched == {(i, j) for i, j in window if 0 <= i < rows['n'] and 0 <= j < cols['n']}


def test_conv_svg_draws_the_grids_with_title_and_description():
    s = interactive.conv_settings({'input': '5x6', 'kernel': '3x2', 'padding': '2x1', 'stride': '2'})
    root = ET.fromstring(interactive.conv_svg(s))
    assert root.find(f'{SVG_NS}title').text and 'output 3 × 3' in root.find(f'{SVG_NS}desc').text
    cells = root.findall(f'{SVG_NS}rect')
    read = [r for r in cells if r.get('fill') == interactive.READ]
    assert len(read) == 3 * 2 + 1  # output (0, 0)'s window and the output cell itself
    assert len(cells) == 1 + (5 + 2) * (6 + 1) + 1 + 3 * 3 + 1  # background, input, footprint, output, outline


@pytest.mark.parametrize('preset', list(interactive.PRESETS))
def test_rf_rows_are_the_chapters_receptive_fields(preset):
    s = interactive.rf_settings({'preset': preset})
    rows = interactive.rf_rows(s)
    for row, field, layer in zip(rows, receptive_fields(interactive.PRESETS[preset]['layers']), s['layers']):
        assert row[0] == field['name'] == layer[0]
        assert row[6:] == [str(field['size']), str(field['jump']), f'{field["start"]:g}', f'{field["centre"]:g}']
    x = torch.zeros(1, 1, s['input'])
    for row, (_, k, st, p, d) in zip(rows, s['layers']):
        x = F.conv1d(x, torch.ones(1, 1, k), stride=st, padding=p, dilation=d)
        assert row[5] == str(x.shape[-1])
    root = ET.fromstring(interactive.rf_svg(s))
    assert root.find(f'{SVG_NS}title').text == 'Receptive-field explorer'


def test_rf_presets_are_the_named_networks():
    assert [row[6] for row in interactive.rf_rows(interactive.rf_settings({'preset': 'dilated'}))] == \
        ['3', '7', '15', '31']
    lenet = interactive.rf_rows(interactive.rf_settings({'preset': 'lenet'}))
    assert [row[5:8] for row in lenet[-2:]] == [['5', '16', '4'], ['1', '32', '4']]  # pool2, dense1 (C5)
    custom = interactive.rf_settings({'layers': 'a k=3 p=1; b k=2 s=2; c k=3 d=2 p=2', 'input': '20'})
    assert custom['layers'] == [['a', 3, 1, 1, 1], ['b', 2, 2, 0, 1], ['c', 3, 1, 2, 2]]


def test_notebook_stand_ins_link_the_served_image_and_the_live_page():
    text = ('Before.\n\n```{conv-explorer}\n:input: 7x7\n:kernel: 4x4\n:padding: same\n:name: cx\n```\n\n'
            '```{rf-explorer}\n:preset: lenet\n```\n\nAfter.\n')
    markdown = colab.markdown(text, 'pytorch', {}, CONTEXT['site'], {}, {}, CONTEXT['page_url'])
    conv = interactive.conv_settings({'input': '7x7', 'kernel': '4x4', 'padding': 'same'})
    rf = interactive.rf_settings({'preset': 'lenet'})
    assert f'(https://book.example/_static/interactive/{interactive.svg_name("conv-explorer", conv)})' in markdown
    assert f'(https://book.example/_static/interactive/{interactive.svg_name("rf-explorer", rf)})' in markdown
    assert '[open the convolution explorer](https://book.example/chapters/p.html#cx)' in markdown
    assert '[open the receptive-field explorer](https://book.example/chapters/p.html)' in markdown
    assert '| pool2 | 2 | 2 | 1 | 0 | 5 | 16 | 4 | -2 | 5.5 |' in markdown
    assert '| dense1 (C5) | 5 | 1 | 1 | 0 | 1 | 32 | 4 | -2 | 13.5 |' in markdown
    assert '{conv-explorer}' not in markdown and ':kernel:' not in markdown
    assert markdown.startswith('Before.') and markdown.rstrip().endswith('After.')


SPHINX_PAGE = '''# Page

```{{conv-explorer}}
{conv}
```

```{{rf-explorer}}
:preset: vgg16
```
'''


def sphinx_build(tmp_path, conv_options):
    """A tiny Sphinx project with only MyST and this module; returns (exit code, log, HTML dir)."""
    return sphinx_project(tmp_path, ['myst_parser', 'book_ext.interactive'],
                          {'index.md': SPHINX_PAGE.format(conv=conv_options)}, strict=True)


def test_a_good_page_gets_the_live_figure_its_fallback_and_the_notebook_image(tmp_path):
    code, log, out = sphinx_build(tmp_path, ':input: 6x6\n:kernel: 3x3\n:stride: 2\n:mode: max-pool\n:ceil-mode:')
    assert code == 0, log
    page = (out / 'index.html').read_text()
    assert 'class="interactive conv-explorer" id="conv-explorer-0" data-config=' in page
    assert 'class="interactive rf-explorer"' in page and '<table class="rf-table">' in page
    assert page.count('<figure class="interactive-static"><svg') == 2
    assert '_static/interactive.js' in page and '_static/interactive.css' in page
    written = sorted(p.name for p in (out / '_static' / 'interactive').iterdir())
    conv = interactive.conv_settings({'input': '6x6', 'kernel': '3x3', 'stride': '2', 'mode': 'max-pool',
                                      'ceil-mode': ''})
    assert interactive.svg_name('conv-explorer', conv) in written and len(written) == 2


@pytest.mark.parametrize('options, message', [
    (':kernel: 3x3x3', ':kernel: must be height x width such as 3x3'),
    (':input: 2\n:kernel: 5', 'these settings are impossible along the height'),
    (':mode: conv\n:ceil-mode:', ':ceil-mode: applies to pooling only'),
])
def test_bad_options_fail_the_build_naming_the_option_and_the_fix(tmp_path, options, message):
    code, log, _ = sphinx_build(tmp_path, options)
    assert code != 0
    assert re.search(rf'index\.md:\d+:.*conv-explorer: {re.escape(message)}', log), log
