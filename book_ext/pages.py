"""Split a two-framework page into one notebook per framework, and merge their outputs back.

A page is a MyST Markdown notebook. Code cells tagged ``pytorch`` or ``mxnet``
belong to that framework; untagged code cells are shared and run in both.
"""
import copy

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook
from myst_nb.ext.glue import GLUE_PREFIX
from myst_parser.config.main import MdParserConfig

FRAMEWORKS = {'pytorch': 'PyTorch', 'mxnet': 'MXNet'}  # tag: label, in tab order


def read_page(text, path=None):
    """The page as one notebook, every cell in order, with a source map for line numbers."""
    notebook = read_myst_markdown_notebook(text, MdParserConfig(), add_source_map=True, path=path)
    notebook.metadata.setdefault('kernelspec', {'name': 'python3', 'display_name': 'Python 3',
                                                'language': 'python'})
    notebook.metadata.setdefault('language_info', {'name': 'python', 'pygments_lexer': 'ipython3'})
    return notebook


def framework_of(cell):
    """'pytorch', 'mxnet', or None for a shared cell; two framework tags on one cell is an error."""
    tags = [tag for tag in cell.get('metadata', {}).get('tags', []) if tag in FRAMEWORKS]
    if len(tags) > 1:
        raise ValueError(f'a cell is tagged {tags}; tag it with one framework, or none to share it')
    return tags[0] if tags else None


def has_code(notebook):
    return any(cell.cell_type == 'code' for cell in notebook.cells)


def framework_notebook(notebook, framework):
    """The notebook a reader of ``framework`` runs: its own code cells plus the shared ones."""
    selected = copy.deepcopy(notebook)
    selected.cells = [cell for cell in selected.cells
                      if cell.cell_type != 'code' or framework_of(cell) in (None, framework)]
    selected.metadata.pop('source_map', None)
    return selected


def page_cell_index(notebook, framework, index):
    """The page cell that is cell ``index`` of the framework's notebook."""
    kept = [i for i, cell in enumerate(notebook.cells)
            if cell.cell_type != 'code' or framework_of(cell) in (None, framework)]
    return kept[index]


def code_sources(notebook, framework):
    """What determines a framework's outputs: the code it runs, in order (prose does not count)."""
    return [cell.source for cell in framework_notebook(notebook, framework).cells
            if cell.cell_type == 'code']


def merge(notebook, executed):
    """Copy each framework's outputs onto the page's cells; return warnings about glue keys.

    ``executed`` maps a framework to its executed notebook (as from ``framework_notebook``).
    Shared cells show the first framework's outputs. Every glued value is available as
    ``<framework>_<key>``, and as plain ``<key>`` when both frameworks glued the same value.
    """
    merged = copy.deepcopy(notebook)
    outputs = {framework: iter([cell.outputs for cell in nb.cells if cell.cell_type == 'code'])
               for framework, nb in executed.items()}
    glued = {framework: {} for framework in executed}
    placed = []  # (merged cell, {framework: outputs}) for every code cell
    for cell in merged.cells:
        if cell.cell_type != 'code':
            continue
        owner = framework_of(cell)
        runs = {framework: next(outputs[framework]) for framework in executed
                if owner in (None, framework)}
        for framework, cell_outputs in runs.items():
            for output in cell_outputs:
                key = _glue_key(output)
                if key is not None:
                    glued[framework][key] = (output, owner)
        placed.append((cell, runs))

    warnings, shared_keys = [], set()
    first, *others = executed
    for number, (cell, runs) in enumerate(placed):
        texts = {framework: _visible_text(outputs) for framework, outputs in runs.items()}
        if framework_of(cell) is None and len(set(texts.values())) > 1:
            warnings.append(f'shared code cell {number + 1} shows different output in each framework; '
                            f'the page would show only the {FRAMEWORKS[first]} one. Split it into a '
                            f'"pytorch" and an "mxnet" cell.')
    for key in glued[first]:
        if all(key in glued[framework] for framework in others):
            values = [_glue_value(glued[framework][key][0]) for framework in executed]
            if all(value == values[0] for value in values):
                shared_keys.add(key)
            elif glued[first][key][1] is None:
                shown = ', '.join(f'{FRAMEWORKS[f]} {v.get("text/plain", "?")}'
                                  for f, v in zip(executed, values))
                warnings.append(
                    f'glue key {key!r} has a different value in each framework ({shown}); '
                    f'write {{glue:}}`{first}_{key}` and {{glue:}}`{others[0]}_{key}` '
                    f'in a prose tab-set instead of {{glue:}}`{key}`')

    for cell, runs in placed:
        owner = framework_of(cell)
        display_from = owner or first
        cell.outputs = [output for output in runs[display_from] if _glue_key(output) is None
                        or not _glue_is_hidden(output)]
        cell.outputs = [_strip_glue(output) for output in cell.outputs]
        for framework, cell_outputs in runs.items():
            for output in cell_outputs:
                key = _glue_key(output)
                if key is None:
                    continue
                cell.outputs.append(_hidden_glue(output, f'{framework}_{key}'))
                if key in shared_keys and framework == first:
                    cell.outputs.append(_hidden_glue(output, key))
    return merged, warnings


def _visible_text(outputs):
    """The text a reader sees from a cell's outputs (streams, plain-text results, errors)."""
    parts = []
    for output in outputs:
        if _glue_key(output) is not None:
            continue
        if output.output_type == 'stream':
            parts.append(output.text)
        elif output.output_type == 'error':
            parts.append(f'{output.ename}: {output.evalue}')
        elif 'text/plain' in output.get('data', {}) and not any(
                mime.startswith('image/') for mime in output.data):
            parts.append(output.data['text/plain'])
    return ''.join(parts)


def _glue_key(output):
    return output.get('metadata', {}).get('scrapbook', {}).get('name')


def _glue_is_hidden(output):
    return bool(output['metadata']['scrapbook'].get('mime_prefix'))


def _glue_value(output):
    prefix = len(output['metadata']['scrapbook'].get('mime_prefix', ''))
    return {mime[prefix:]: value for mime, value in output.get('data', {}).items()}


def _strip_glue(output):
    """A displayed glue output, kept on the page as a plain display without its glue key."""
    if _glue_key(output) is None:
        return output
    plain = copy.deepcopy(output)
    del plain['metadata']['scrapbook']
    return plain


def _hidden_glue(output, key):
    return nbformat.from_dict({
        'output_type': 'display_data',
        'data': {GLUE_PREFIX + mime: value for mime, value in _glue_value(output).items()},
        'metadata': {'scrapbook': {'name': key, 'mime_prefix': GLUE_PREFIX}},
    })

