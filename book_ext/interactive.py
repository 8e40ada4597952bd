"""Two interactive figures for the HTML book: a convolution explorer and a receptive-field explorer.

Each is placed by a MyST directive whose options are the figure's starting settings::

    ```{conv-explorer}
    :input: 7x7
    :kernel: 3x3
    :padding: same
    ```

    ```{rf-explorer}
    :preset: lenet
    ```

The page gets an SVG of those settings drawn here, in Python: readers without JavaScript, and
print, see it; ``static/interactive.js`` replaces it by the live figure. The same SVG is written
to ``_static/interactive/`` in the HTML output, and learner notebooks show it with a link to
the live page (``fallbacks``). Output sizes come from ``d2l_local.arithmetic.conv_output_size``
and receptive fields from ``d2l_local.receptive_fields``, the functions the chapter teaches;
the JavaScript follows the same rules and the browser tests hold it to them.
"""
import hashlib
import html
import json
import pathlib
import re

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from d2l_local.arithmetic import conv_output_size, effective_kernel_size

from . import fallbacks

STATIC_DIR = '_static/interactive'
MODES = ('conv', 'max-pool', 'avg-pool')
BORDER_MODES = ('valid', 'same', 'full')
# What the live figure's form accepts; the directive holds its options to the same ranges.
LIMITS = {'input': (1, 32), 'kernel': (1, 11), 'padding': (0, 20), 'stride': (1, 8), 'dilation': (1, 6)}
RF_LIMITS = {'input': (1, 64), 'kernel': (1, 11), 'stride': (1, 4), 'dilation': (1, 16),
             'padding': (0, 32), 'layers': (1, 12)}
# Stacks of (name, kernel, stride, padding per side, dilation); the input length is for drawing.
PRESETS = {
    # the chapter's LeNet (receptive-fields.md): its first dense layer acts as a 5 x 5 convolution
    'lenet': {'input': 28, 'layers': [('conv1', 5, 1, 2, 1), ('pool1', 2, 2, 0, 1), ('conv2 (C3)', 5, 1, 0, 1),
                                      ('pool2', 2, 2, 0, 1), ('dense1 (C5)', 5, 1, 0, 1)]},
    'vgg16': {'input': 48, 'layers': [('conv1_1', 3, 1, 1, 1), ('conv1_2', 3, 1, 1, 1), ('pool1', 2, 2, 0, 1),
                                      ('conv2_1', 3, 1, 1, 1), ('conv2_2', 3, 1, 1, 1), ('pool2', 2, 2, 0, 1),
                                      ('conv3_1', 3, 1, 1, 1), ('conv3_2', 3, 1, 1, 1), ('conv3_3', 3, 1, 1, 1),
                                      ('pool3', 2, 2, 0, 1)]},
    'dilated': {'input': 40, 'layers': [('conv1', 3, 1, 1, 1), ('conv2', 3, 1, 2, 2),
                                        ('conv3', 3, 1, 4, 4), ('conv4', 3, 1, 8, 8)]},
}
PRESET_TITLES = {'lenet': 'LeNet', 'vgg16': "VGG-16's first three blocks", 'dilated': 'all-dilated stack'}


class OptionError(ValueError):
    """A directive option that cannot be used; the message names the option and the fix."""


# --- settings -------------------------------------------------------------------------------

def _integer(text, option, low, high, example):
    if not re.fullmatch(r'\s*\d+\s*', text or ''):
        raise OptionError(f':{option}: must be a whole number such as {example}, got {text!r}')
    value = int(text)
    if not low <= value <= high:
        raise OptionError(f':{option}: must be between {low} and {high} (what the figure can draw), '
                          f'got {value}')
    return value


def _pair(text, option):
    """'7x7', '7×5' or '7' -> (height, width), within the option's limits."""
    low, high = LIMITS[option]
    example = '7x7' if option == 'input' else '3x3'
    if not re.fullmatch(r'\s*\d+(\s*[x×]\s*\d+)?\s*', text or ''):
        raise OptionError(f':{option}: must be height x width such as {example}, or one number for both, '
                          f'got {text!r}')
    values = [_integer(part, option, low, high, example) for part in re.split(r'\s*[x×]\s*', text.strip())]
    return tuple(values * 2 if len(values) == 1 else values)


def conv_settings(options):
    """The conv-explorer's settings from its directive options (strings), checked.

    padding is 'valid', 'same', 'full', or the TOTAL padding of each axis (height, width), as in
    conv_output_size; an odd total puts the extra row or column after the input.
    """
    unknown = set(options) - {'input', 'kernel', 'padding', 'stride', 'dilation', 'mode', 'ceil-mode',
                              'name', 'caption'}
    if unknown:
        raise OptionError(f'unknown option :{sorted(unknown)[0]}: for conv-explorer: use :input:, '
                          f':kernel:, :padding:, :stride:, :dilation:, :mode:, :ceil-mode: or :name:')
    settings = {'input': _pair(options.get('input', '7x7'), 'input'),
                'kernel': _pair(options.get('kernel', '3x3'), 'kernel'),
                'stride': _pair(options.get('stride', '1'), 'stride'),
                'dilation': _pair(options.get('dilation', '1'), 'dilation')}
    padding = (options.get('padding') or '0').strip()
    settings['padding'] = padding if padding in BORDER_MODES else _padding_pair(padding)
    mode = (options.get('mode') or 'conv').strip()
    if mode not in MODES:
        raise OptionError(f':mode: must be one of {", ".join(MODES)}, got {mode!r}')
    settings['mode'] = mode
    ceil = options.get('ceil-mode')
    if ceil is not None and ceil.strip() not in ('', 'true', 'false'):
        raise OptionError(f':ceil-mode: is a flag: write it alone (or true/false), got {ceil!r}')
    settings['ceil'] = ceil is not None and ceil.strip() != 'false'
    if settings['ceil'] and mode == 'conv':
        raise OptionError(':ceil-mode: applies to pooling only: add :mode: max-pool (or avg-pool), '
                          'or drop :ceil-mode:')
    for axis in (0, 1):
        try:
            conv_axis(settings, axis)
        except ValueError as error:
            raise OptionError(f'these settings are impossible along the {("height", "width")[axis]}: '
                              f'{error} (options :input:, :kernel:, :padding:, :dilation:)') from None
    return settings


def _padding_pair(text):
    try:
        return _pair(text, 'padding')
    except OptionError:
        raise OptionError(f":padding: must be valid, same, full, or the total padding of each axis "
                          f"such as 2 or 2x0 (both ends together), got {text!r}") from None


def conv_axis(settings, axis):
    """One axis of the explorer: padding before and after, the dilated span, the output length."""
    n, k = settings['input'][axis], settings['kernel'][axis]
    s, d = settings['stride'][axis], settings['dilation'][axis]
    padding = settings['padding'] if isinstance(settings['padding'], str) else settings['padding'][axis]
    out = conv_output_size(n, k, padding, s, d, settings['ceil'])
    span = effective_kernel_size(k, d)
    total = {'valid': 0, 'same': span - 1, 'full': 2 * (span - 1)}.get(padding, padding)
    return {'n': n, 'k': k, 's': s, 'd': d, 'before': total // 2, 'after': total - total // 2,
            'span': span, 'out': out}


def window(axis, index):
    """Input coordinates that output ``index`` reads along one axis (padding before is negative).

    Taps of a last, partial window (ceil mode) that fall beyond the padding are not read.
    """
    taps = (index * axis['s'] - axis['before'] + a * axis['d'] for a in range(axis['k']))
    return [t for t in taps if t < axis['n'] + axis['after']]


def rf_settings(options):
    """The rf-explorer's settings: a preset or a :layers: list, and the input length to draw."""
    unknown = set(options) - {'preset', 'layers', 'input', 'name', 'caption'}
    if unknown:
        raise OptionError(f'unknown option :{sorted(unknown)[0]}: for rf-explorer: use :preset:, '
                          f':layers:, :input: or :name:')
    preset = (options.get('preset') or '').strip()
    if preset and preset not in PRESETS:
        raise OptionError(f':preset: must be one of {", ".join(PRESETS)}, got {preset!r}')
    if not preset and not options.get('layers'):
        raise OptionError('rf-explorer needs :preset: (lenet, vgg16 or dilated) or :layers: '
                          '(for example "conv k=3 p=1; pool k=2 s=2")')
    if preset and options.get('layers'):
        raise OptionError('give rf-explorer either :preset: or :layers:, not both')
    layers = PRESETS[preset]['layers'] if preset else parse_layers(options['layers'])
    low, high = RF_LIMITS['input']
    n = (_integer(options['input'], 'input', low, high, '28') if options.get('input')
         else PRESETS[preset]['input'] if preset else 32)
    settings = {'preset': preset or 'custom', 'input': n, 'layers': [list(layer) for layer in layers]}
    try:
        rf_sizes(settings)
    except ValueError as error:
        raise OptionError(f'the stack does not fit an input of {n}: {error} (options :input:, :layers:)') from None
    return settings


def parse_layers(text):
    """'conv1 k=5 p=2; pool1 k=2 s=2' -> [(name, kernel, stride, padding per side, dilation)]."""
    layers = []
    for number, item in enumerate(t for t in re.split(r'[;\n]', text) if t.strip()):
        name, *fields = item.split()
        values = {'k': 3, 's': 1, 'p': 0, 'd': 1}
        for field in fields:
            key, _, value = field.partition('=')
            if key not in values:
                raise OptionError(f':layers: layer {number + 1} ({name}) has {field!r}: write k=, s=, '
                                  f'p= (padding per side) and d=, for example "conv k=3 p=1 d=2"')
            option = {'k': 'kernel', 's': 'stride', 'p': 'padding', 'd': 'dilation'}[key]
            values[key] = _integer(value, 'layers', *RF_LIMITS[option], f'{key}=3')
        layers.append((name, values['k'], values['s'], values['p'], values['d']))
    if not layers or len(layers) > RF_LIMITS['layers'][1]:
        raise OptionError(f':layers: must list 1 to {RF_LIMITS["layers"][1]} layers separated by ";", '
                          f'got {len(layers)}')
    return layers


def rf_sizes(settings):
    """Length of every row, input first: each layer pads p on both sides (frameworks' padding=p)."""
    sizes = [settings['input']]
    for name, k, s, p, d in settings['layers']:
        try:
            sizes.append(conv_output_size(sizes[-1], k, 2 * p, s, d))
        except ValueError as error:
            raise ValueError(f'{name}: {error}') from None
    return sizes


def rf_table(settings):
    """Field size, jump, start and centre per layer, from the chapter's receptive_fields."""
    from d2l_local.receptive_fields import receptive_fields
    return receptive_fields([tuple(layer) for layer in settings['layers']])


def rf_inputs(settings, layer, unit):
    """Units of every earlier row (input first) that unit ``unit`` of row ``layer`` depends on."""
    reads = {layer: {unit}}
    for row in range(layer, 0, -1):
        _, k, s, p, d = settings['layers'][row - 1]
        n = rf_sizes(settings)[row - 1]
        reads[row - 1] = {u * s - p + a * d for u in reads[row] for a in range(k)} & set(range(n))
    return reads


# --- static SVG -----------------------------------------------------------------------------

INK, GRID, PAD, READ, ACCENT = '#222', '#555', '#e4e4e4', '#9ec5e8', '#1f77b4'


def _text(x, y, text, size=13, anchor='start', fill=INK):
    return (f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
            f'{html.escape(text)}</text>')


def _svg(width, height, title, desc, body):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" '
            f'role="img" class="interactive-svg"><title>{html.escape(title)}</title>'
            f'<desc>{html.escape(desc)}</desc><rect width="{width}" height="{height}" fill="#ffffff"/>'
            + ''.join(body) + '</svg>')


def conv_description(settings):
    """The settings and the output size in words (alt text, captions, notebook image text)."""
    rows, cols = conv_axis(settings, 0), conv_axis(settings, 1)
    pad = settings['padding']
    padding = (f'{pad} padding ({rows["before"] + rows["after"]} × {cols["before"] + cols["after"]} in total)'
               if isinstance(pad, str) else f'padding {pad[0]} × {pad[1]} in total')
    mode = {'conv': 'convolution', 'max-pool': 'max pooling', 'avg-pool': 'average pooling'}[settings['mode']]
    return (f'{mode} of a {rows["n"]} × {cols["n"]} input with a {rows["k"]} × {cols["k"]} '
            f'{"kernel" if settings["mode"] == "conv" else "window"}, {padding}, stride '
            f'{rows["s"]} × {cols["s"]}, dilation {rows["d"]} × {cols["d"]}'
            f'{", ceil mode" if settings["ceil"] else ""}: output {rows["out"]} × {cols["out"]}')


def conv_svg(settings):
    """The explorer's starting picture: the padded input with output (0, 0)'s window, the output."""
    rows, cols = conv_axis(settings, 0), conv_axis(settings, 1)
    over = [max(0, (a['out'] - 1) * a['s'] + a['span'] - a['n'] - a['before'] - a['after']) for a in (rows, cols)]
    shape = [a['n'] + a['before'] + a['after'] + extra for a, extra in zip((rows, cols), over)]
    cell = max(8, min(24, 420 // max(shape)))
    x0, y0 = 16, 44
    read = {(r, c) for r in window(rows, 0) for c in window(cols, 0)}
    body = [_text(x0, 24, f'padded input {shape[0] - over[0]} × {shape[1] - over[1]}')]
    for r in range(-rows['before'], rows['n'] + rows['after'] + over[0]):
        for c in range(-cols['before'], cols['n'] + cols['after'] + over[1]):
            x, y = x0 + (c + cols['before']) * cell, y0 + (r + rows['before']) * cell
            beyond = r >= rows['n'] + rows['after'] or c >= cols['n'] + cols['after']
            inside = 0 <= r < rows['n'] and 0 <= c < cols['n']
            fill = 'none' if beyond else READ if (r, c) in read else '#ffffff' if inside else PAD
            dash = ' stroke-dasharray="3 3"' if not inside else ''
            body.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                        f'stroke="{GRID}" stroke-width="1"{dash}/>')
    body.append(f'<rect x="{x0}" y="{y0}" width="{cols["span"] * cell}" height="{rows["span"] * cell}" '
                f'fill="none" stroke="{ACCENT}" stroke-width="3"/>')
    ox = x0 + shape[1] * cell + 60
    body.append(_text(ox - 30, y0 + min(shape[0], 4) * cell / 2 + 8, '→', size=24, anchor='middle'))
    body.append(_text(ox, 24, f'output: {rows["out"]} × {cols["out"]}'))
    for r in range(rows['out']):
        for c in range(cols['out']):
            fill = READ if (r, c) == (0, 0) else '#ffffff'
            body.append(f'<rect x="{ox + c * cell}" y="{y0 + r * cell}" width="{cell}" height="{cell}" '
                        f'fill="{fill}" stroke="{GRID}" stroke-width="1"/>')
    body.append(f'<rect x="{ox}" y="{y0}" width="{cell}" height="{cell}" fill="none" stroke="{ACCENT}" '
                f'stroke-width="3"/>')
    height = y0 + max(shape[0], rows['out']) * cell + 34
    body.append(_text(x0, height - 12, 'grey: padding; blue: the cells that output (0, 0) reads', size=12,
                      fill='#444'))
    width = max(ox + cols['out'] * cell + 16, 420)
    return _svg(width, height, 'Convolution explorer', conv_description(settings), body)


def rf_description(settings):
    last = rf_table(settings)[-1]
    return (f'{PRESET_TITLES.get(settings["preset"], "a stack of " + str(len(settings["layers"])) + " layers")}'
            f' on an input of length {settings["input"]}: the last layer\'s units see '
            f'{last["size"]} input pixels, {last["jump"]} apart')


def rf_svg(settings):
    """Every row (input at the bottom) as units; the middle unit of the last layer and its field."""
    sizes, table = rf_sizes(settings), rf_table(settings)
    last = len(settings['layers'])
    reads = rf_inputs(settings, last, sizes[-1] // 2)
    unit = max(4, min(16, 560 // max(sizes)))
    row_height, x0, label = 30, 110, 8
    height = 30 + row_height * (last + 1) + 30
    body = [_text(label, 20, f'{PRESET_TITLES.get(settings["preset"], "custom stack")}: the field of '
                             f'unit {sizes[-1] // 2} of {settings["layers"][-1][0]}', size=13)]
    for row in range(last, -1, -1):
        y = 30 + row_height * (last - row)
        name = 'input' if row == 0 else settings['layers'][row - 1][0]
        body.append(_text(label, y + unit - 2, name, size=12))
        jump = 1 if row == 0 else table[row - 1]['jump']
        first = 0 if row == 0 else _centre(table[row - 1])
        for u in range(sizes[row]):
            x = x0 + (first + u * jump) * unit
            fill = READ if u in reads[row] else '#ffffff'
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{unit - 1}" height="{unit}" fill="{fill}" '
                        f'stroke="{GRID}" stroke-width="0.6"/>')
    body.append(_text(label, height - 10, 'blue: the units that the selected unit depends on', size=12,
                      fill='#444'))
    width = x0 + (sizes[0] + 2) * unit
    return _svg(max(width, 420), height, 'Receptive-field explorer', rf_description(settings), body)


def _centre(row):
    """Input coordinate (pixel index) of the middle of unit 0's field: where unit 0 is drawn."""
    return row['centre']


def svg_name(kind, settings):
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    return f'{kind}-{digest}.svg'


# --- directives -----------------------------------------------------------------------------

class _Explorer(SphinxDirective):
    has_content = False
    kind = None
    option_spec = {}

    def config(self, settings):
        """What interactive.js starts from: the settings, plus what else the figure offers."""
        return settings

    def run(self):
        options = {key: '' if value is None else str(value) for key, value in self.options.items()}
        try:
            settings, svg, text, extra = self.build(options)
        except OptionError as error:
            raise self.error(f'{self.kind}: {error}') from None
        self.env.interactive_svgs = getattr(self.env, 'interactive_svgs', {})
        self.env.interactive_svgs.setdefault(self.env.docname, {})[svg_name(self.kind, settings)] = svg
        ident = options.get('name') or f'{self.kind}-{self.env.new_serialno(self.kind)}'
        caption = options.get('caption') or text[:1].upper() + text[1:]
        markup = (f'<div class="interactive {self.kind}" id="{html.escape(ident)}" '
                  f'data-config="{html.escape(json.dumps(self.config(settings)))}">'
                  f'<figure class="interactive-static">{svg}{extra}<figcaption>{html.escape(caption)}. '
                  f'<span class="interactive-hint">The live version of this figure needs JavaScript.</span>'
                  f'</figcaption></figure></div>')
        return [nodes.raw('', markup, format='html')]


def _flag_or_text(argument):
    return '' if argument is None else argument


class ConvExplorer(_Explorer):
    kind = 'conv-explorer'
    option_spec = {key: _flag_or_text for key in ('input', 'kernel', 'padding', 'stride', 'dilation', 'mode',
                                                  'ceil-mode', 'name', 'caption')}

    def build(self, options):
        settings = conv_settings(options)
        return settings, conv_svg(settings), conv_description(settings), ''

    def config(self, settings):
        return {**settings, 'limits': LIMITS}


class RFExplorer(_Explorer):
    kind = 'rf-explorer'
    option_spec = {key: _flag_or_text for key in ('preset', 'layers', 'input', 'name', 'caption')}

    def build(self, options):
        settings = rf_settings(options)
        return settings, rf_svg(settings), rf_description(settings), rf_table_html(settings)

    def config(self, settings):
        return {**settings, 'presets': PRESETS, 'titles': PRESET_TITLES, 'limits': RF_LIMITS}


TABLE_HEAD = ('layer', 'kernel', 'stride', 'dilation', 'padding', 'output', 'field', 'jump', 'start', 'centre')


def rf_rows(settings):
    """The explorer's table as strings: layer settings, output length, then field, jump, centre."""
    sizes, table = rf_sizes(settings), rf_table(settings)
    return [[name, str(k), str(s), str(d), str(p), str(n), str(row['size']), str(row['jump']),
             _number(row['start']), _number(row['centre'])]
            for (name, k, s, p, d), n, row in zip(settings['layers'], sizes[1:], table)]


def _number(value):
    return str(int(value)) if float(value).is_integer() else f'{float(value):g}'


def rf_table_html(settings):
    head = ''.join(f'<th>{h}</th>' for h in TABLE_HEAD)
    body = ''.join('<tr>' + ''.join(f'<td>{html.escape(v)}</td>' for v in row) + '</tr>'
                   for row in rf_rows(settings))
    return f'<table class="rf-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# --- learner notebooks ----------------------------------------------------------------------

@fallbacks.register('conv-explorer')
def conv_notebook(arg, options, content, context):
    settings = conv_settings(options)
    return _notebook_image('conv-explorer', settings, options, conv_description(settings), context,
                           'the convolution explorer', 'change the settings and step the window over the input')


@fallbacks.register('rf-explorer')
def rf_notebook(arg, options, content, context):
    settings = rf_settings(options)
    rows = ['| ' + ' | '.join(TABLE_HEAD) + ' |', '|' + '---|' * len(TABLE_HEAD)]
    rows += ['| ' + ' | '.join(row) + ' |' for row in rf_rows(settings)]
    return (_notebook_image('rf-explorer', settings, options, rf_description(settings), context,
                            'the receptive-field explorer', 'select any unit and edit the stack')
            + '\n' + '\n'.join(rows) + '\n')


def _notebook_image(kind, settings, options, description, context, title, what):
    link = context['page_url'] + (f'#{options["name"].strip()}' if options.get('name') else '')
    return (f'![{description}]({context["site"]}/{STATIC_DIR}/{svg_name(kind, settings)})\n\n'
            f'*An interactive figure in the online book: [open {title}]({link}) to {what}.*\n')


# --- Sphinx ---------------------------------------------------------------------------------

def write_svgs(app, exception):
    """Write every figure's SVG under _static/interactive/, where learner notebooks link it."""
    if exception is not None or app.builder.format != 'html':
        return
    folder = pathlib.Path(app.outdir) / STATIC_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for figures in getattr(app.env, 'interactive_svgs', {}).values():
        for name, svg in figures.items():
            (folder / name).write_text(svg)


def purge_svgs(app, env, docname):
    getattr(env, 'interactive_svgs', {}).pop(docname, None)


def setup(app):
    app.add_directive('conv-explorer', ConvExplorer)
    app.add_directive('rf-explorer', RFExplorer)
    app.add_css_file('interactive.css')
    app.add_js_file('interactive.js', loading_method='defer')
    app.connect('env-purge-doc', purge_svgs)
    app.connect('build-finished', write_svgs)
