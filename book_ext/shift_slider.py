"""The ``shift-slider`` directive: feature maps and test accuracy of a page's network, input shifted.

A hidden cell in each framework's code glues one JSON string (see ``chapters/lenet-sees.md``):
the shifts, the test accuracy at each shift, and for a few images one channel of each layer as
uint8 maps, base64-encoded. The directive reads both frameworks' values from
``env.framework_glue`` (so they are as fresh as the kernels' outputs, cached or not) and renders a
figure: a labelled range input, the accuracy in a live region, and one table of maps per framework.
The page shows the framework chosen in the code tabs (``static/shift-slider.js``); without
JavaScript, and in print, both frameworks' unshifted maps remain. After the build, each
framework's data is written beside the page as JSON and as one PNG per map, plus an overview PNG
that learner notebooks show instead of the live figure::

    ```{shift-slider}
    :glue: shift_slider

    Caption.
    ```
"""
import ast
import base64
import binascii
import html
import json
import pathlib
import struct
import zlib

import numpy
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import fallbacks
from .pages import FRAMEWORKS

logger = logging.getLogger(__name__)
CELL = 56  # pixels of one map in the overview image


class ShiftSliderError(ValueError):
    """A glued value that the figure cannot show; the message names the cause and the fix."""


def parse(text, key='shift_slider', framework='pytorch'):
    """The data glued under ``key`` by ``framework``, from its text/plain value; checked."""
    where = f'the {FRAMEWORKS.get(framework, framework)} value of glue key {key!r}'
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = None
    if not isinstance(value, str):
        raise ShiftSliderError(f'{where} is not a JSON string: glue the str that json.dumps makes '
                               f'of the export')
    try:
        data = json.loads(value)
    except ValueError as error:
        raise ShiftSliderError(f'{where} is not valid JSON ({error}): glue json.dumps of the export') from None
    if not isinstance(data, dict):
        raise ShiftSliderError(f'{where} is not a JSON object: glue the JSON string of a dict')
    missing = [name for name in ('shifts', 'accuracy', 'images', 'layers') if name not in data]
    if missing:
        raise ShiftSliderError(f'{where} has no {", ".join(missing)}: the export must give the shifts, '
                               f'the accuracy at each, the image names and the layers')
    shifts, images = data['shifts'], data['images']
    if 0 not in shifts or shifts != sorted(set(shifts)):
        raise ShiftSliderError(f'{where} has shifts {shifts}: they must increase and include 0')
    if len(data['accuracy']) != len(shifts) or not all(0 <= a <= 1 for a in data['accuracy']):
        raise ShiftSliderError(f'{where} has {len(data["accuracy"])} accuracies for {len(shifts)} '
                               f'shifts: give one accuracy between 0 and 1 per shift')
    for layer in data['layers']:
        height, width = layer['shape']
        if len(layer['maps']) != len(shifts) or any(len(row) != len(images) for row in layer['maps']):
            raise ShiftSliderError(f'{where}: layer {layer["name"]!r} must have one map per shift and '
                                   f'image ({len(shifts)} x {len(images)})')
        for row in layer['maps']:
            for encoded in row:
                if len(_bytes(encoded, where)) != height * width:
                    raise ShiftSliderError(f'{where}: a map of layer {layer["name"]!r} does not have '
                                           f'{height} x {width} values: encode uint8 maps of its shape')
    return data


def _bytes(encoded, where):
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, TypeError):
        raise ShiftSliderError(f'{where}: a map is not base64: encode maps with '
                               f'base64.b64encode(array.astype(numpy.uint8).tobytes())') from None


def maps(data, layer):
    """One layer's maps as uint8, shifts x images x height x width."""
    return numpy.frombuffer(b''.join(base64.b64decode(m) for row in layer['maps'] for m in row),
                            numpy.uint8).reshape(len(data['shifts']), len(data['images']), *layer['shape'])


def png(gray):
    """A greyscale PNG of a 2-D uint8 array, written with the standard library only."""
    height, width = gray.shape
    rows = b''.join(b'\0' + bytes(row) for row in numpy.ascontiguousarray(gray, numpy.uint8))

    def chunk(kind, payload):
        return (struct.pack('>I', len(payload)) + kind + payload
                + struct.pack('>I', zlib.crc32(kind + payload) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b''))


def overview(data):
    """All maps in one array: per image a block of layers (rows) by shifts (columns), each map
    enlarged to CELL x CELL pixels, with grey lines between maps and wider gaps between images."""
    gap, block_gap, shade = 2, 10, 110
    columns, rows = len(data['shifts']), len(data['layers'])
    block = rows * CELL + (rows - 1) * gap
    sheet = numpy.full((len(data['images']) * (block + block_gap) - block_gap,
                        columns * CELL + (columns - 1) * gap), shade, numpy.uint8)
    for j, layer in enumerate(data['layers']):
        height, width = layer['shape']
        rows_at, cols_at = numpy.arange(CELL) * height // CELL, numpy.arange(CELL) * width // CELL
        for k, per_image in enumerate(maps(data, layer)):
            for i, gray in enumerate(per_image):
                top, left = i * (block + block_gap) + j * (CELL + gap), k * (CELL + gap)
                sheet[top:top + CELL, left:left + CELL] = gray[numpy.ix_(rows_at, cols_at)]
    return sheet


def asset_dir(docname, key):
    """Where a figure's files live, relative to the HTML root: beside the page."""
    return f'{docname}_{key}'


def map_file(framework, shift, image, layer):
    return f'{framework}-s{shift}-{image}-{layer}.png'


def shift_text(shift):
    return 'no shift' if shift == 0 else f'{abs(shift)} pixel{"s" * (abs(shift) != 1)} ' + (
        'right' if shift > 0 else 'left')


class ShiftSlider(SphinxDirective):
    """The figure; its content is the caption."""

    has_content = True
    option_spec = {'glue': directives.unchanged_required}

    def run(self):
        key = self.options.get('glue')
        if not key:
            return self._fail('the shift-slider directive needs a :glue: option naming the glue key '
                              'that the hidden export cells glue in both frameworks')
        glued = getattr(self.env, 'framework_glue', {}).get(self.env.docname, {})
        data = {}
        try:
            for framework, label in FRAMEWORKS.items():
                if key not in glued.get(framework, {}):
                    raise ShiftSliderError(
                        f'glue key {key!r} was not glued by the {label} code of this page: add a hidden '
                        f'cell tagged [{framework}, remove-cell] that glues it (display=False)')
                data[framework] = parse(glued[framework][key], key, framework)
        except ShiftSliderError as error:
            return self._fail(str(error))
        shapes = {fw: (d['shifts'], d['images'], [layer['name'] for layer in d['layers']])
                  for fw, d in data.items()}
        if len(set(map(repr, shapes.values()))) > 1:
            return self._fail(f'glue key {key!r} has different shifts, images or layers in the two '
                              f'frameworks ({shapes}): both must export the same figure')
        self.env.shift_sliders.setdefault(self.env.docname, set()).add(key)
        figure = nodes.container(classes=['shift-slider-figure'])
        figure += nodes.raw('', render(data, key, self.env.docname, self.env.new_serialno('shift-slider')),
                            format='html')
        if self.content:
            caption = nodes.container(classes=['shift-slider-caption'])
            self.state.nested_parse(self.content, self.content_offset, caption)
            figure += caption
        return [figure]

    def _fail(self, message):
        logger.warning(message, location=self.get_location())
        return []


def render(data, key, docname, number):
    """The figure's HTML: controls (shown by the script), one panel of maps per framework."""
    first = next(iter(data.values()))
    ident = f'shift-slider-{number}'
    folder = asset_dir(docname, key).rsplit('/', 1)[-1]
    zero = first['shifts'].index(0)
    manifest = {'folder': folder, 'shifts': first['shifts'],
                'images': first['images'], 'layers': [layer['name'] for layer in first['layers']],
                'frameworks': {fw: {'label': FRAMEWORKS[fw],
                                    'accuracy': [f'{a:.3f}' for a in d['accuracy']],
                                    'channels': [layer['channels'] for layer in d['layers']]}
                               for fw, d in data.items()}}
    parts = [f'<div class="shift-slider" id="{ident}">',
             f'<script type="application/json" class="shift-slider-data">'
             f'{html.escape(json.dumps(manifest), quote=False)}</script>',
             '<div class="shift-slider-controls" hidden>',
             f'<label for="{ident}-range">Shift the input (pixels)</label>',
             f'<span class="shift-slider-end" aria-hidden="true">\u2212{-first["shifts"][0]} (left)</span>',
             f'<input type="range" id="{ident}-range" min="{first["shifts"][0]}" '
             f'max="{first["shifts"][-1]}" step="1" value="0" aria-valuetext="{shift_text(0)}">',
             f'<span class="shift-slider-end" aria-hidden="true">+{first["shifts"][-1]} (right)</span>',
             f'<output for="{ident}-range" aria-live="polite"></output>', '</div>']
    for framework, d in data.items():
        label = FRAMEWORKS[framework]
        parts += [f'<table class="shift-slider-maps" data-framework="{framework}">',
                  f'<caption>{label} run, {shift_text(0)}: test accuracy '
                  f'{d["accuracy"][zero]:.3f}</caption>',
                  '<thead><tr><th scope="col">image</th>'
                  + ''.join(f'<th scope="col">{html.escape(layer["name"])}</th>' for layer in d['layers'])
                  + '</tr></thead><tbody>']
        for i, image in enumerate(d['images']):
            cells = []
            for layer in d['layers']:
                channel = f', channel {layer["channels"][i]}' if layer['name'] != 'input' else ''
                alt = f'{image}, {layer["name"]}{channel}, {shift_text(0)}'
                cells.append(f'<td><img src="{folder}/{map_file(framework, 0, i, layer["name"])}" '
                             f'alt="{html.escape(alt)}" class="dark-light" width="70" height="70" '
                             f'data-image="{i}" data-layer="{html.escape(layer["name"])}"></td>')
            parts.append(f'<tr><th scope="row">{html.escape(image)}</th>{"".join(cells)}</tr>')
        parts.append('</tbody></table>')
    parts.append('</div>')
    return '\n'.join(parts)


def write_assets(app, exception):
    """After an HTML build: each figure's JSON, map PNGs and overview PNG, beside its page."""
    if exception is not None or app.builder.format != 'html':
        return
    for docname, keys in getattr(app.env, 'shift_sliders', {}).items():
        glued = app.env.framework_glue.get(docname, {})
        for key in keys:
            folder = pathlib.Path(app.outdir) / asset_dir(docname, key)
            folder.mkdir(parents=True, exist_ok=True)
            for framework in FRAMEWORKS:
                data = parse(glued[framework][key], key, framework)
                (folder / f'{framework}.json').write_text(json.dumps(data, separators=(',', ':')))
                (folder / f'{framework}-overview.png').write_bytes(png(overview(data)))
                for layer in data['layers']:
                    for shift, per_image in zip(data['shifts'], maps(data, layer)):
                        for i, gray in enumerate(per_image):
                            (folder / map_file(framework, shift, i, layer['name'])).write_bytes(png(gray))


@fallbacks.register('shift-slider')
def notebook_markdown(arg, options, content, context):
    """In a learner notebook: the overview image, the accuracy per shift, a link to the live page."""
    key, framework = options.get('glue', 'shift_slider'), context['framework']
    data = parse(context['glue'][key], key, framework)
    page = context.get('page_url') or context['site']
    base = page[:-len('.html')] if page.endswith('.html') else page
    images, shifts = ', '.join(data['images']), data['shifts']
    return '\n'.join([
        f'![Feature maps of the {images} images at every shift]({base}_{key}/{framework}-overview.png)', '',
        f'*The maps of this notebook\'s network at every shift. Each block of rows is one image (top to '
        f'bottom: {images}), each row a layer ({", ".join(layer["name"] for layer in data["layers"])}), '
        f'each column a shift from {shifts[0]} (left) to {shifts[-1]} (right). '
        f'[The book\'s page]({page}) has this figure with a slider.*', '',
        '| shift (pixels) | ' + ' | '.join(str(s) for s in shifts) + ' |',
        '|:--|' + '--:|' * len(shifts),
        '| test accuracy | ' + ' | '.join(f'{a:.3f}' for a in data['accuracy']) + ' |', ''])


def init_env(app, env, docnames):
    if not hasattr(env, 'shift_sliders'):
        env.shift_sliders = {}  # docname -> glue keys of its figures, for write_assets


def purge_doc(app, env, docname):
    getattr(env, 'shift_sliders', {}).pop(docname, None)


def setup(app):
    app.add_directive('shift-slider', ShiftSlider)
    app.connect('env-before-read-docs', init_env)
    app.connect('env-purge-doc', purge_doc)
    app.connect('build-finished', write_assets)
    app.add_css_file('shift-slider.css')
    app.add_js_file('shift-slider.js', defer='defer')
