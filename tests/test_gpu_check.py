"""`make gpu-check` (benchmarks/gpu.py), tried on the CPU: notebooks run as scripts, failures are named."""
import nbformat
import pytest

from benchmarks import gpu


def write_notebook(path, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell('# A page')]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)
    return path


INSTALL = '%pip install --quiet "d2l_local @ git+https://github.com/example/book@v0"'
PLOT = '%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nvalue = 3'
IPYTHON = ('from IPython.display import Markdown\nfrom IPython.utils.capture import capture_output\n'
           'with capture_output():\n    print(Markdown("hidden"))')


@pytest.fixture
def notebooks(tmp_path):
    folder = tmp_path / 'notebooks'
    folder.mkdir()
    write_notebook(folder / 'good-pytorch.ipynb', INSTALL, PLOT, IPYTHON, 'assert value == 3')
    write_notebook(folder / 'bad-pytorch.ipynb', INSTALL, 'x = 1', '!ls', 'y = x / 0', 'never = 1')
    return folder


def test_notebook_cells_drop_the_install_cell_and_magics(notebooks):
    cells = gpu.notebook_cells(notebooks / 'bad-pytorch.ipynb')
    assert [number for number, _ in cells] == [2, 3, 4, 5]
    assert [source.strip() for _, source in cells] == ['x = 1', '', 'y = x / 0', 'never = 1']


def test_a_failing_notebook_names_its_cell_and_error(notebooks, tmp_path):
    good = gpu.run_notebook(notebooks / 'good-pytorch.ipynb', tmp_path)
    bad = gpu.run_notebook(notebooks / 'bad-pytorch.ipynb', tmp_path)
    assert good['ok'] and good['notebook'] == 'good-pytorch.ipynb'
    assert not bad['ok'] and bad['cell'] == 4 and bad['error'] == 'ZeroDivisionError: division by zero'


def test_notebooks_that_import_ipython_run_without_it(notebooks, tmp_path):
    shadow = tmp_path / 'no-ipython'
    shadow.mkdir()
    (shadow / 'IPython.py').write_text('raise ImportError("no IPython on this machine")\n')
    result = gpu.run_notebook(notebooks / 'good-pytorch.ipynb', tmp_path,
                              env={'PYTHONPATH': f'{shadow}:{gpu.ROOT}'})
    assert result['ok'], result


def test_the_check_refuses_to_run_without_a_gpu(notebooks):
    with pytest.raises(SystemExit, match='sees no CUDA GPU'):
        gpu.main(['--notebooks', str(notebooks)])


def test_the_check_writes_its_figures_into_results(notebooks, tmp_path, monkeypatch):
    monkeypatch.setenv('D2L_QUICK', '1')
    results = tmp_path / 'results.md'
    results.write_text('# Benchmark results\n\nThe CPU table stays.\n\n## GPU check\n\nold figures\n')
    (notebooks / 'bad-pytorch.ipynb').unlink()
    assert gpu.main(['--allow-cpu', '--epochs', '1', '--notebooks', str(notebooks),
                     '--results', str(results)]) == 0
    text = results.read_text()
    assert text.startswith('# Benchmark results\n\nThe CPU table stays.\n\n## GPU check\n')
    assert 'old figures' not in text and text.count('## GPU check') == 1
    assert '1 of 1 ran top to bottom' in text and '| good-pytorch.ipynb | ran |' in text
    assert '| train_ch5 |' in text and '| bare loop |' in text and 'not run: no GPU' in text
