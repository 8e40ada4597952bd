"""Turn a page and one framework's executed notebook into a notebook for learners (Colab, Jupyter).

The notebook holds that framework's code and prose only, with its outputs. MyST that Jupyter
cannot render becomes plain Markdown: glued values become their text, citations become
"(Author, year)", cross-references become links into the published book, figures become images
served with it, and prose tab-sets keep the notebook's framework only. The first cell installs
what the notebook needs and nothing more.
"""
import ast
import copy
import re

import nbformat

from . import fallbacks
from .pages import FRAMEWORKS, framework_of

HIDDEN_TAGS = {'remove-cell', 'remove_cell'}
# glue only feeds the book's prose, and its calls live in hidden cells that learners do not get
GLUE_IMPORT = re.compile(r'^from myst_nb import glue[ \t]*\n?', re.M)
GLUE_ROLE = re.compile(r'\{glue(:text|:any|:md|:)?\}`([^`:]+)(?::([^`]*))?`')
CITE_ROLE = re.compile(r'\{cite(?::[pt])?\}`([^`]+)`')
REF_ROLE = re.compile(r'\{(ref|numref|doc|eq)\}`([^`]+)`')
TARGET_LINE = re.compile(r'^\([\w:.-]+\)=\s*$', re.M)
FENCE = re.compile(r'^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}(?P<arg>[^\n]*)\n(?P<body>.*?)^(?P=fence)\s*$',
                   re.M | re.S)


def install_source(framework, repository, ref):
    """The first cell: d2l_local at a pinned ref, plus MXNet for MXNet (Colab ships PyTorch).

    MXNet 1.9.1 declares numpy<2, which would replace the NumPy already loaded in a Colab
    session; it is installed without its dependencies, and d2l_local.mxnet restores the
    NumPy names it needs.
    """
    lines = ['# Colab already has PyTorch; for a GPU choose Runtime > Change runtime type.']
    if framework == 'mxnet':
        lines = ['# MXNet 1.9.1 has no build for current GPUs (CUDA 12, no cuDNN 8): it runs on the CPU.',
                 '%pip install --quiet --no-deps mxnet==1.9.1']
    lines.append(f'%pip install --quiet "d2l_local @ git+{repository}@{ref}"')
    if framework == 'mxnet':  # restores the NumPy names MXNet 1.9.1 reads before any cell imports mxnet
        lines.append('import d2l_local.mxnet')
    return '\n'.join(lines)


def learner_notebook(page, executed, framework, glue, site, repository, ref, labels, citations,
                     page_url=None):
    """The Colab-ready notebook of ``page`` for ``framework``.

    ``executed`` is the framework's executed notebook; ``glue`` maps glue keys to their
    text/plain values; ``labels`` maps cross-reference targets to (title, url); ``citations``
    maps citation keys to "Author et al., year"; ``page_url`` is the page in the HTML book.
    """
    outputs = iter([cell.outputs for cell in executed.cells if cell.cell_type == 'code'])
    cells = [nbformat.v4.new_code_cell(install_source(framework, repository, ref))]
    for cell in page.cells:
        if cell.cell_type == 'code':
            if framework_of(cell) not in (None, framework):
                continue
            cell_outputs = next(outputs)
            if HIDDEN_TAGS & set(cell.metadata.get('tags', [])):
                continue
            shown = [o for o in cell_outputs if 'scrapbook' not in o.get('metadata', {})]
            code = nbformat.v4.new_code_cell(GLUE_IMPORT.sub('', cell.source).strip('\n'),
                                             outputs=copy.deepcopy(shown))
            code.metadata = {'tags': cell.metadata.get('tags', [])}
            cells.append(code)
        elif cell.cell_type == 'markdown':
            text = markdown(cell.source, framework, glue, site, labels, citations, page_url)
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
        'language_info': {'name': 'python'},
        'colab': {'provenance': [], 'toc_visible': True},
    }
    if framework == 'pytorch':
        notebook.metadata['accelerator'] = 'GPU'
        notebook.metadata['colab']['gpuType'] = 'T4'
    return notebook


def markdown(text, framework, glue, site, labels, citations, page_url=None):
    """MyST Markdown as plain Jupyter Markdown, for one framework."""
    text = TARGET_LINE.sub('', text)
    text = FENCE.sub(lambda m: _directive(m, framework, glue, site, labels, citations, page_url), text)
    text = GLUE_ROLE.sub(lambda m: _glue_text(m.group(2), m.group(3), glue, markdown=m.group(1) == ':md'), text)
    text = CITE_ROLE.sub(lambda m: '(' + '; '.join(citations.get(k.strip(), k.strip())
                                                   for k in m.group(1).split(',')) + ')', text)
    text = REF_ROLE.sub(lambda m: _reference(m.group(1), m.group(2), labels, site), text)
    return re.sub(r'\n{3,}', '\n\n', text)


def _directive(match, framework, glue, site, labels, citations, page_url=None):
    name, arg, body = match.group('name'), match.group('arg').strip(), match.group('body')
    option_block = re.match(r'(?::[\w-]+:[^\n]*\n)*', body).group(0)  # the directive's own options only
    options = dict(re.findall(r'^:([\w-]+):[ \t]*(.*)$', option_block, re.M))
    content = body[len(option_block):].strip('\n')
    convert = lambda inner: markdown(inner, framework, glue, site, labels, citations, page_url)
    if name in fallbacks.NOTEBOOK_MARKDOWN:
        context = dict(site=site, page_url=page_url, glue=glue, framework=framework, convert=convert)
        return fallbacks.NOTEBOOK_MARKDOWN[name](arg, options, content, context)
    if name == 'tab-set':
        return convert(content)
    if name == 'tab-item':
        return convert(content) if options.get('sync') in (None, framework) else ''
    if name == 'figure':
        image = arg if '://' in arg else f'{site}/_images/{arg.rsplit("/", 1)[-1]}'
        return f'![{options.get("alt", "")}]({image})\n\n*{convert(content).strip()}*\n'
    if name == 'glue:figure':
        return f'*Figure: {convert(content).strip()}* (drawn by the code in this notebook)\n'
    if name in ('note', 'admonition', 'tip', 'important', 'warning', 'dropdown', 'hint'):
        title = arg or name.capitalize()
        return '\n'.join(['> **' + convert(title).strip() + '**', '>']
                         + ['> ' + line for line in convert(content).splitlines()]) + '\n'
    if name in ('math', 'bibliography', 'tableofcontents'):
        return f'$$\n{content}\n$$\n' if name == 'math' else ''
    return convert(content)


def _glue_text(key, spec, glue, markdown=False):
    if key not in glue:
        raise KeyError(f'glue key {key!r} is used in the prose but was not glued')
    value = glue.get(f'{key}:markdown', glue[key]) if markdown else glue[key]
    if spec:
        try:
            value = format(ast.literal_eval(value), spec)
        except (ValueError, SyntaxError):
            pass
    return str(value)


def _reference(kind, target, labels, site):
    text, _, label = target.partition('<')
    label = (label.rstrip('>') or text).strip()
    if kind == 'doc':
        label = label.rsplit('/', 1)[-1]
    title, url = labels.get(label, (None, None))
    if url is None:
        return text.strip() if label != text.strip() else label
    shown = text.strip() if '<' in target else (title or label)
    return f'[{shown}]({url})'


def glue_values(executed):
    """text/plain of every glue output in an executed framework notebook, by key."""
    values = {}
    for cell in executed.cells:
        for output in cell.get('outputs', []):
            meta = output.get('metadata', {}).get('scrapbook')
            if meta:
                prefix = meta.get('mime_prefix', '')
                values[meta['name']] = output['data'].get(prefix + 'text/plain', '')
                if prefix + 'text/markdown' in output['data']:
                    values[meta['name'] + ':markdown'] = output['data'][prefix + 'text/markdown']
    return values


def framework_glue(executed_by_framework, framework):
    """The glue keys a notebook of ``framework`` can show: its own, plain and with its prefix."""
    values = {}
    for other, nb in executed_by_framework.items():
        for key, value in glue_values(nb).items():
            values[f'{other}_{key}'] = value  # ':markdown' variants follow as '<framework>_<key>:markdown'
    values.update(glue_values(executed_by_framework[framework]))
    return values
