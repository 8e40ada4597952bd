"""book_ext.colab: MyST prose becomes plain Markdown for one framework."""
from book_ext import colab

TABS = '''Before.

::::{tab-set}
:sync-group: framework

:::{tab-item} PyTorch
:sync: pytorch

Torch has {glue:}`pytorch_n` parameters.
:::

:::{tab-item} MXNet
:sync: mxnet

MXNet has {glue:}`mxnet_n` parameters.
:::
::::
'''


def convert(text, framework='mxnet'):
    labels = {'sec-pooling': ('Pooling', 'https://site/chapters/pooling.html#sec-pooling')}
    citations = {'lecun1998gradient': 'LeCun et al., 1998'}
    glue = {'pytorch_n': '61706', 'mxnet_n': '61706', 'acc': '0.81234'}
    return colab.markdown(text, framework, glue, 'https://site', labels, citations)


def test_a_prose_tab_set_keeps_only_the_notebooks_framework():
    out = convert(TABS, 'mxnet')
    assert 'MXNet has 61706 parameters.' in out and 'Torch' not in out and ':::' not in out


def test_roles_become_text_and_links():
    out = convert('See {ref}`sec-pooling` and {cite:p}`lecun1998gradient`; acc {glue:text}`acc:.3f`.')
    assert out == 'See [Pooling](https://site/chapters/pooling.html#sec-pooling) and (LeCun et al., 1998); acc 0.812.'


def test_figures_point_at_the_published_images():
    out = convert('```{figure} img/pooling-max-window.svg\n:alt: A window\n:name: fig-x\n\nThe window.\n```\n')
    assert out.startswith('![A window](https://site/_images/pooling-max-window.svg)') and '*The window.*' in out


def test_markdown_glue_uses_the_markdown_text():
    glue = {'table': "<IPython.core.display.Markdown object>", 'table:markdown': '| a |\n|---|'}
    assert colab.markdown('{glue:md}`table`', 'pytorch', glue, 'https://site', {}, {}) == '| a |\n|---|'
