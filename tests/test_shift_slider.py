"""book_ext.shift_slider: the export cells of lenet-sees, the directive, its files and its notebook stand-in.

References: NumPy for the channel choice and the quantization of the export, Pillow for decoding
the PNGs, and the accuracies that lenet-sees glues for its own prose. The book-level tests read a
built book: `make test`'s build, or $BOOK_HTML_DIR (the HTML folder of another build).
"""
import ast
import base64
import io
import json
import os
import pathlib
import textwrap

import numpy
import pytest
from PIL import Image

from book_ext import colab, pages, shift_slider
from conftest import ROOT, sphinx_project

PAGE = ROOT / 'chapters' / 'lenet-sees.md'
KEY = 'shift_slider'
LAYERS = [('input', 1, 28), ('conv1', 6, 28), ('pool1', 6, 14), ('conv2', 16, 10), ('pool2', 16, 5)]


def export_function(shifts=(0, 1, 2), names=('trouser', 'bag')):
    """The page's shared export cell, run on made-up accuracies (nothing is trained)."""
    notebook = pages.read_page(PAGE.read_text(), path=PAGE)
    source = next(cell.source for cell in notebook.cells
                  if cell.cell_type == 'code' and 'def shift_slider_export' in cell.source)
    accuracy = {name: [0.9 - 0.1 * s for s in shifts] for name in ('right', 'left', 'down', 'up')}
    namespace = dict(onp=numpy, shifts=list(shifts), accuracy=accuracy, labels=list(names),
                     y_true=numpy.arange(len(names)), picks=list(range(len(names))),
                     layer_names=[name for name, _, _ in LAYERS[1:]])
    exec(source, namespace)
    return namespace


def made_up_maps(num_shifts, num_images, seed=0):
    """Per shift: the input and each layer's maps, images x channels x h x w, non-negative."""
    generator = numpy.random.default_rng(seed)
    return [[numpy.maximum(generator.normal(size=(num_images, c, n, n)), 0).astype(numpy.float32)
             for _, c, n in LAYERS] for _ in range(num_shifts)]


def valid_glue(framework='pytorch', seed=0):
    namespace = export_function()
    maps = made_up_maps(len(namespace['slider_shifts']), len(namespace['slider_names']), seed)
    return repr(namespace['shift_slider_export'](framework, maps))


def test_the_export_cell_picks_the_liveliest_channel_and_scales_it_over_all_shifts():
    namespace = export_function()
    shifts = namespace['slider_shifts']
    assert shifts == [-2, -1, 0, 1, 2]
    assert namespace['slider_accuracy'] == pytest.approx([0.7, 0.8, 0.9, 0.8, 0.7])  # left, then right
    maps = made_up_maps(len(shifts), 2)
    data = json.loads(namespace['shift_slider_export']('mxnet', maps))
    assert data['framework'] == 'mxnet' and data['images'] == ['trouser', 'bag']
    assert [layer['name'] for layer in data['layers']] == [name for name, _, _ in LAYERS]
    zero = shifts.index(0)
    for j, (layer, (name, _, size)) in enumerate(zip(data['layers'], LAYERS)):
        conv = j if not name.startswith('pool') else j - 1  # pooling follows its convolution's channel
        expected = [int(numpy.argmax([maps[zero][conv][i, c].std() for c in range(maps[zero][conv].shape[1])]))
                    for i in range(2)]
        assert layer['channels'] == expected and layer['shape'] == [size, size]
        for i in range(2):
            chosen = numpy.stack([maps[k][j][i, expected[i]] for k in range(len(shifts))])
            reference = chosen / chosen.max() * 255
            got = numpy.stack([numpy.frombuffer(base64.b64decode(layer['maps'][k][i]), numpy.uint8)
                               .reshape(size, size) for k in range(len(shifts))])
            assert numpy.abs(got - reference).max() <= 0.5 + 1e-4
            assert got.max() == 255


def test_parse_accepts_the_export_and_checks_each_part():
    data = shift_slider.parse(valid_glue())
    assert data['shifts'] == [-2, -1, 0, 1, 2]
    good = json.loads(ast.literal_eval(valid_glue()))
    broken = {
        'not a JSON string': '42',
        'not valid JSON': repr('{"shifts": [0,'),
        'has no accuracy': repr(json.dumps({k: v for k, v in good.items() if k != 'accuracy'})),
        'must increase and include 0': repr(json.dumps({**good, 'shifts': [1, 2, 3, 4, 5]})),
        'one accuracy between 0 and 1 per shift': repr(json.dumps({**good, 'accuracy': [0.5]})),
        'is not base64': repr(json.dumps({**good, 'layers': [{**good['layers'][0], 'maps': [
            ['*not base64*'] * 2] * 5}]})),
        'does not have 28 x 28 values': repr(json.dumps({**good, 'layers': [{**good['layers'][0], 'maps': [
            [base64.b64encode(bytes(5)).decode()] * 2] * 5}]})),
    }
    for message, text in broken.items():
        with pytest.raises(shift_slider.ShiftSliderError, match=message):
            shift_slider.parse(text, KEY, 'mxnet')


def test_png_round_trips_through_pillow():
    gray = numpy.random.default_rng(1).integers(0, 256, size=(10, 7), dtype=numpy.uint8)
    decoded = numpy.array(Image.open(io.BytesIO(shift_slider.png(gray))))
    numpy.testing.assert_array_equal(decoded, gray)


def build(tmp_path, body, glue):
    """A one-page Sphinx project with the directive and made-up glue; (warnings, HTML folder)."""
    _, warnings, html = sphinx_project(tmp_path, ['book_ext.shift_slider'],
                                       {'index.rst': 'Page\n====\n\n' + textwrap.dedent(body)}, {'index': glue})
    return warnings, html


FIGURE = '''
    .. shift-slider::
       :glue: shift_slider

       The caption.
    '''


def test_directive_renders_an_accessible_figure_and_writes_its_files(tmp_path):
    glue = {'pytorch': {KEY: valid_glue('pytorch', 0)}, 'mxnet': {KEY: valid_glue('mxnet', 1)}}
    warnings, html_dir = build(tmp_path, FIGURE, glue)
    assert warnings == ''
    page = (html_dir / 'index.html').read_text()
    assert '<input type="range" id="shift-slider-0-range" min="-2" max="2"' in page
    assert '<label for="shift-slider-0-range">' in page and 'aria-live="polite"' in page
    assert page.count('<table class="shift-slider-maps"') == 2 and 'The caption.' in page
    assert 'src="index_shift_slider/mxnet-s0-1-conv2.png"' in page  # the static fallback: shift 0
    folder = html_dir / 'index_shift_slider'
    for framework, seed in (('pytorch', 0), ('mxnet', 1)):
        data = json.loads((folder / f'{framework}.json').read_text())
        assert data == json.loads(ast.literal_eval(glue[framework][KEY]))
        layer = data['layers'][3]
        image = numpy.array(Image.open(folder / f'{framework}-s-2-1-conv2.png'))
        numpy.testing.assert_array_equal(image, shift_slider.maps(data, layer)[0, 1])
        assert Image.open(folder / f'{framework}-overview.png').size == (5 * 56 + 4 * 2, 2 * (5 * 56 + 4 * 2) + 10)


@pytest.mark.parametrize('body, glue, message', [
    (FIGURE.replace(':glue: shift_slider', ''), {}, 'needs a :glue: option'),
    (FIGURE, {'pytorch': {KEY: 'x'}}, 'not a JSON string'),
    (FIGURE, {'pytorch': {KEY: 'SELF'}, 'mxnet': {}}, 'was not glued by the MXNet code'),
    (FIGURE, {'pytorch': {KEY: 'SELF'}, 'mxnet': {KEY: 'OTHER'}}, 'different shifts, images or layers'),
])
def test_directive_errors_name_the_cause(tmp_path, body, glue, message):
    other = json.loads(ast.literal_eval(valid_glue()))
    other['images'] = ['sandal', 'bag']
    replace = {'SELF': valid_glue(), 'OTHER': repr(json.dumps(other))}
    glue = {fw: {k: replace.get(v, v) for k, v in values.items()} for fw, values in glue.items()}
    warnings, html_dir = build(tmp_path, body, glue)
    assert message in warnings and 'index.rst' in warnings
    assert 'shift-slider-maps' not in (html_dir / 'index.html').read_text()


def test_learner_notebooks_get_the_overview_image_the_accuracies_and_a_link():
    text = '```{shift-slider}\n:glue: shift_slider\n\nThe caption.\n```\n'
    glue = {KEY: valid_glue('mxnet')}
    page = 'https://example.org/book/chapters/lenet-sees.html'
    markdown = colab.markdown(text, 'mxnet', glue, 'https://example.org/book', {}, {}, page)
    assert '![' in markdown and '(https://example.org/book/chapters/lenet-sees_shift_slider/mxnet-overview.png)' in markdown
    assert f'[The book\'s page]({page})' in markdown and 'top to bottom: trouser, bag' in markdown
    assert '| test accuracy | 0.700 | 0.800 | 0.900 | 0.800 | 0.700 |' in markdown
    assert '{shift-slider}' not in markdown


# ---- the built book ------------------------------------------------------------------------

@pytest.fixture(scope='module')
def html_dir(request):
    if os.environ.get('BOOK_HTML_DIR'):
        return pathlib.Path(os.environ['BOOK_HTML_DIR'])
    return request.getfixturevalue('built_book')[1]


def page_glue(html_dir, framework):
    """The values that lenet-sees glued in ``framework``, from the glue store MyST-NB wrote for the page."""
    store = json.loads((html_dir.parent / 'jupyter_execute' / 'chapters' / 'lenet-sees.glue.json').read_text())
    prefix = f'{framework}_'
    return {key[len(prefix):]: output['data']['text/plain'] for key, output in store.items()
            if key.startswith(prefix)}


@pytest.mark.parametrize('framework', pages.FRAMEWORKS)
def test_built_export_holds_the_pages_accuracies_and_small_maps(html_dir, framework):
    path = html_dir / 'chapters' / 'lenet-sees_shift_slider' / f'{framework}.json'
    data = json.loads(path.read_text())
    assert data['framework'] == framework and data['shifts'] == list(range(-4, 5))
    assert data['images'] == ['trouser', 'sandal', 'bag']
    assert [layer['name'] for layer in data['layers']] == [name for name, _, _ in LAYERS]
    assert path.stat().st_size < 300_000
    glue = page_glue(html_dir, framework)
    assert json.loads(ast.literal_eval(glue[KEY])) == data
    accuracy = dict(zip(data['shifts'], data['accuracy']))
    assert accuracy[-4] == float(glue['acc_left_4']) and accuracy[4] == float(glue['acc_right_4'])
    assert accuracy[0] == float(glue['acc_mean_0'])  # the mean of four evaluations of the same images
    for layer in data['layers']:
        maps = shift_slider.maps(data, layer)
        assert maps.max() == 255
        for k, shift in enumerate(data['shifts']):
            png = html_dir / 'chapters' / 'lenet-sees_shift_slider' / f'{framework}-s{shift}-1-{layer["name"]}.png'
            numpy.testing.assert_array_equal(numpy.array(Image.open(png)), maps[k, 1])
    sandal = shift_slider.maps(data, data['layers'][0])[:, 1]  # the input moves with the shift
    numpy.testing.assert_array_equal(sandal[data['shifts'].index(2), :, 2:], sandal[data['shifts'].index(0), :, :-2])
