"""The facts that the Receptive Fields section (chapters/receptive-fields.md) and its part of What LeNet
Sees rely on.

The page's layer lists are read from the page and checked against the networks they describe (the
layers of d2l.LeNet(), a brute-force walk over every tap) and against the published values of
Araujo, Norris & Sim (2019); the figure is checked against the recurrence.
"""
import ast
import pathlib
import re
import xml.etree.ElementTree as ET

import pytest

from d2l_local import mxnet as d2l_mxnet  # noqa: F401  first: it prepares NumPy for MXNet
from d2l_local import torch as d2l_torch
from d2l_local.receptive_fields import layer_settings, receptive_fields

import torch  # noqa: E402
from torch import nn  # noqa: E402

from book_ext.pages import framework_notebook, read_page  # noqa: E402
from test_receptive_fields import brute_force  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / 'chapters' / 'receptive-fields.md'
SVG = '{http://www.w3.org/2000/svg}'


def page_namespace():
    """Run the page's shared cells that define layer lists and functions (no framework, no output)."""
    notebook = framework_notebook(read_page(PAGE.read_text(), path=PAGE), 'pytorch')
    namespace = {'receptive_fields': receptive_fields, 'layer_settings': layer_settings}
    for cell in notebook.cells:
        if cell.cell_type != 'code' or cell.metadata.get('tags'):
            continue
        tree = ast.parse(cell.source)
        wanted = [node for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name in ('resnet50_layers', 'predicted')
                  or isinstance(node, (ast.Assign, ast.For)) and re.search(
                      r'\b(vgg16_layers|lenet_layers|figure_stack|mixed_stack|stacks)\b', ast.unparse(node))
                  and 'print' not in ast.unparse(node) and 'show_fields' not in ast.unparse(node)]
        exec(compile(ast.Module(wanted, []), str(PAGE), 'exec'), namespace)
    return namespace


NS = page_namespace()


def test_lenet_list_transcribes_d2l_lenet():
    """Kernel, stride and padding of each layer of the list are those of d2l.LeNet()'s layers; the
    first dense layer reads a 5 x 5 map, like a 5 x 5 convolution without padding."""
    layers = [m for m in d2l_torch.LeNet() if isinstance(m, (nn.Conv2d, nn.AvgPool2d))]
    expected = [(m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0],
                 m.stride if isinstance(m.stride, int) else m.stride[0],
                 m.padding if isinstance(m.padding, int) else m.padding[0]) for m in layers]
    net, X = d2l_torch.LeNet(), torch.zeros(1, 1, 28, 28)
    pool2_side = net[:6](X).shape[-1]
    listed = [settings[1:4] for settings in layer_settings(NS['lenet_layers'])]
    assert listed == expected + [(pool2_side, 1, 0)]


def test_lenet_fields_by_brute_force():
    rows = receptive_fields(NS['lenet_layers'])
    for depth, row in enumerate(rows, start=1):
        first, last, _ = brute_force(NS['lenet_layers'][:depth])
        assert (row['start'], row['size']) == (first, last - first + 1)
    assert [row['size'] for row in rows] == [5, 6, 14, 16, 32]


def test_vgg16_and_resnet50_reproduce_the_published_values():
    """Araujo, Norris & Sim (2019): 212 pixels for VGG-16 (pool5), 483 for ResNet-50."""
    vgg = NS['vgg16_layers']
    assert sum(name.startswith('conv') for name, *_ in vgg) == 13 and vgg[-1][0] == 'pool5'
    first, last, _ = brute_force(vgg)
    assert receptive_fields(vgg)[-1]['size'] == last - first + 1 == 212
    sizes = {}
    for variant in ('1x1', 'last 3x3', '3x3'):
        layers = NS['resnet50_layers'](variant)
        assert sum(name.endswith('b') for name, *_ in layers) == 16  # 3 + 4 + 6 + 3 blocks
        assert [s for _, _, s, *_ in layer_settings(layers)].count(2) == 5  # stem 2, then 3 halvings
        first, last, _ = brute_force(layers)
        sizes[variant] = last - first + 1
    assert sizes == {'1x1': 483, 'last 3x3': 483, '3x3': 427}


def test_stacks_on_the_page_have_strides_dilation_and_pooling():
    settings = [s for layers in NS['stacks'].values() for s in layer_settings(layers)]
    assert any(s[2] > 1 for s in settings) and any(s[4] > 1 for s in settings)
    names = [s[0] for s in settings]
    assert any(n.startswith('max') for n in names) and any(n.startswith('avg') for n in names)


def test_figure_matches_the_recurrence():
    """The SVG highlights 7 input pixels, 3 layer-1 units and 1 layer-2 unit, for kernels 3/3, stride 2."""
    assert NS['figure_stack'] == [('conv1', 3, 2), ('conv2', 3)]
    root = ET.parse(ROOT / 'chapters' / 'img' / 'receptive-field-stride.svg').getroot()
    assert root.find(f'{SVG}title') is not None and root.find(f'{SVG}desc') is not None
    fills = [r.get('fill') for r in root.iter(f'{SVG}rect')]
    size = receptive_fields(NS['figure_stack'])[-1]['size']
    assert (fills.count('#fde3bf'), fills.count('#f6b26b'), fills.count('#e06b2a')) == (size, 3, 1)
    first, last, _ = brute_force(NS['figure_stack'], unit=1)  # the dashed field of the next unit
    assert (first, last) == (2, 8)


def test_page_quotes_published_numbers_only_with_the_citation():
    text = PAGE.read_text()
    assert 'araujo2019computing' in (ROOT / 'references.bib').read_text()
    prose = [p for p in text.split('\n\n') if not p.startswith('```')]
    for number in ('212', '483'):
        quoted = [p for p in prose if re.search(rf'(?<![\d.]){number}(?![\d])', p)]
        assert quoted and all('araujo2019computing' in p for p in quoted), number


def test_lenet_sees_erf_box_is_the_gradient_support():
    """The ERF subsection outlines the field of the central pool2 unit as start + 2 jumps, size
    pixels; a random lenet_relu's gradients (a batch, so max pooling reaches every row) agree."""
    text = (ROOT / 'chapters' / 'lenet-sees.md').read_text()
    assert '(sec-lenet-sees-erf)=' in text and 'sec-lenet-sees-erf' in PAGE.read_text()
    assert "encoder_layers = [('conv1', 5, 1, 2), ('pool1', 2, 2), ('conv2', 5), ('pool2', 2, 2)]" in text
    field = receptive_fields([('conv1', 5, 1, 2), ('pool1', 2, 2), ('conv2', 5), ('pool2', 2, 2)])[-1]
    top, size = field['start'] + 2 * field['jump'], field['size']
    torch.manual_seed(0)
    encoder = d2l_torch.lenet_relu()[:6]
    X = torch.randn(64, 1, 28, 28, requires_grad=True)
    grad, = torch.autograd.grad(encoder(X)[:, :, 2, 2].sum(), X)
    rows = torch.nonzero((grad != 0).any(dim=0)[0].any(dim=1)).flatten()
    assert (int(rows[0]), int(rows[-1])) == (top, top + size - 1) == (6, 21)
