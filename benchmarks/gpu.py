"""`make gpu-check`: on a machine with a CUDA GPU, run every PyTorch learner notebook and time training.

    python -m benchmarks.gpu        the learner notebooks of the last `make html`, full data, 10 epochs

It needs PyTorch with CUDA, NumPy and matplotlib, the four Fashion-MNIST files (found as
d2l_local finds them, for instance in $D2L_DATA_DIR) and the notebooks in
_build/html/_notebooks/chapters; no Jupyter and no network. Each notebook runs top to bottom in
a fresh Python process, cell by cell, with matplotlib drawing off screen. The figures, with the
GPU's name and the date, replace the "GPU check" part of benchmarks/results.md.
"""
import argparse
import contextlib
import datetime
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import time

from . import machine, training

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / '_build' / 'html' / '_notebooks' / 'chapters'
RESULTS = pathlib.Path(__file__).parent / 'results.md'
HEADING = '## GPU check'
MAGIC = re.compile(r'^\s*[%!].*$', re.M)  # Jupyter-only lines: %pip, %matplotlib, !shell

# Runs one notebook's cells in one namespace; prints a JSON line on the first failing cell.
# Without IPython (plain Python on a GPU machine), the few IPython names the pages use get
# stand-ins that show nothing.
RUNNER = r'''
import contextlib, io, json, sys, traceback, types
try:
    import IPython
except ImportError:
    display = types.ModuleType('IPython.display')
    display.display = display.clear_output = lambda *args, **kwargs: None
    display.Markdown = str
    capture = types.ModuleType('IPython.utils.capture')
    capture.capture_output = lambda *args, **kwargs: contextlib.redirect_stdout(io.StringIO())
    utils = types.ModuleType('IPython.utils')
    utils.capture = capture
    ipython = types.ModuleType('IPython')
    ipython.get_ipython = lambda: None  # matplotlib asks
    sys.modules.update({'IPython': ipython, 'IPython.display': display,
                        'IPython.utils': utils, 'IPython.utils.capture': capture})
namespace = {'__name__': '__main__'}
for number, source in json.load(open(sys.argv[1])):
    try:
        exec(compile(source, f'code cell {number}', 'exec'), namespace)
    except BaseException as error:
        traceback.print_exc()
        print(json.dumps({'cell': number, 'error': f'{type(error).__name__}: {error}'}))
        sys.exit(1)
'''


def notebook_cells(path):
    """(number, source) of each code cell a learner runs after the install cell, magics removed."""
    notebook = json.loads(pathlib.Path(path).read_text())
    code = [''.join(cell['source']) for cell in notebook['cells'] if cell['cell_type'] == 'code']
    return [(number, MAGIC.sub('', source)) for number, source in enumerate(code, start=1)
            if number > 1]  # code cell 1 installs d2l_local, which this checkout provides


def run_notebook(path, workdir, env=None):
    """Run a learner notebook as a script; return its name, seconds, and the failing cell if any."""
    cells = pathlib.Path(workdir) / f'{pathlib.Path(path).stem}.json'
    cells.write_text(json.dumps(notebook_cells(path)))
    env = {**os.environ, 'MPLBACKEND': 'Agg', 'PYTHONPATH': str(ROOT), **(env or {})}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, '-c', RUNNER, str(cells)], capture_output=True, text=True,
                          env=env, cwd=pathlib.Path(path).parent)
    result = {'notebook': pathlib.Path(path).name, 'seconds': time.perf_counter() - start,
              'ok': done.returncode == 0}
    if not result['ok']:
        last = done.stdout.strip().splitlines()[-1:] or ['{}']
        try:
            result.update(json.loads(last[0]))
        except json.JSONDecodeError:
            result.update(cell=None, error=done.stderr.strip()[-500:])
    return result


def time_training(device, num_epochs, batch_size=256, lr=0.9):
    """Wall seconds of train_ch5 and of a bare loop for the same LeNet and data, both on the device."""
    import torch
    from d2l_local import torch as d2l
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    training.bare_loop('torch', d2l.LeNet(), training.subset(d2l, train_iter, 2 * batch_size), 1, lr, device)
    seconds = {}
    for name, run in (('bare loop', lambda: training.bare_loop('torch', d2l.LeNet(), train_iter, num_epochs,
                                                                lr, device)),
                      ('train_ch5', lambda: d2l.train_ch5(d2l.LeNet(), train_iter, test_iter, num_epochs,
                                                          lr, device))):
        d2l.seed(0)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            run()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        seconds[name] = time.perf_counter() - start
    examples = num_epochs * train_iter.num_examples
    return {name: (s, examples / s) for name, s in seconds.items()}


D2L_PACKAGE = '''
import contextlib, io, json, sys, time
import torch
from torch import nn
from d2l import torch as d2l
net = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, stride=2),
                    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(2, stride=2), nn.Flatten(),
                    nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
start = time.perf_counter()
train_iter, test_iter = d2l.load_data_fashion_mnist(256)
with contextlib.redirect_stdout(io.StringIO()):
    d2l.train_ch6(net, train_iter, test_iter, int(sys.argv[1]), 0.9, d2l.try_gpu())
torch.cuda.synchronize()
print(json.dumps({'seconds': time.perf_counter() - start}))
'''


def time_d2l_package(num_epochs, workdir):
    """Wall seconds of the d2l package's train_ch6 with its own data pipeline, or why it could not run."""
    probe = subprocess.run([sys.executable, '-c', 'import torchvision; from d2l import torch'],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return None, probe.stderr.strip().splitlines()[-1]
    from d2l_local import data
    raw = pathlib.Path(workdir) / 'data' / 'FashionMNIST' / 'raw'  # where d2l's torchvision looks
    raw.mkdir(parents=True, exist_ok=True)
    for filename, *_ in data.FILES.values():
        target = raw / filename.removesuffix('.gz')
        if not target.exists():
            target.write_bytes(data.decompress(data.locate(filename)))
    cwd = pathlib.Path(workdir) / 'run'  # d2l reads '../data'
    cwd.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, '-c', D2L_PACKAGE, str(num_epochs)], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, 'MPLBACKEND': 'Agg'})
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1]
    return json.loads(done.stdout.strip().splitlines()[-1])['seconds'], ''


def report(info, notebooks, timings, d2l_package, num_epochs):
    """The "GPU check" part of results.md."""
    passed = sum(r['ok'] for r in notebooks)
    lines = [HEADING, '',
             f'`make gpu-check`, {info["date"]}, on {info["gpu"]} ({info["device"]}), {info["cpu"]}, '
             f'Python {info["python"]}, PyTorch {info["torch"]}. Learner notebooks: {passed} of '
             f'{len(notebooks)} ran top to bottom with full data.', '',
             '| notebook | result | seconds |', '|---|---|---|']
    for r in notebooks:
        outcome = 'ran' if r['ok'] else f'failed in code cell {r.get("cell")}: {r.get("error", "")}'
        lines.append(f'| {r["notebook"]} | {outcome.replace("|", "/")} | {r["seconds"]:.1f} |')
    lines += ['', f'LeNet, batch 256, lr 0.9, {num_epochs} epochs, data on the device:', '',
              '| training | wall seconds | examples/s |', '|---|---|---|']
    for name, (seconds, rate) in timings.items():
        lines.append(f'| {name} | {seconds:.1f} | {rate:,.0f} |')
    seconds, why = d2l_package
    lines.append(f'| d2l 1.0.3 train_ch6 with its DataLoader | {seconds:.1f} | |' if seconds is not None
                 else f'| d2l package train_ch6 | not run: {why} | |')
    return '\n'.join(lines) + '\n'


def write_report(text, path=RESULTS):
    """Replace the GPU check part of results.md (or add it), keeping everything else."""
    path = pathlib.Path(path)
    old = path.read_text() if path.exists() else '# Benchmark results\n'
    kept = old.split(HEADING)[0].rstrip('\n')
    path.write_text(kept + '\n\n' + text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--notebooks', type=pathlib.Path, default=NOTEBOOKS,
                        help='folder of the learner notebooks (default: the last build\'s)')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--results', type=pathlib.Path, default=RESULTS)
    parser.add_argument('--allow-cpu', action='store_true',
                        help='run on the CPU when there is no GPU (to try the check itself)')
    args = parser.parse_args(argv)
    import torch
    from d2l_local import torch as d2l
    device = d2l.try_gpu()
    if device.type != 'cuda' and not args.allow_cpu:
        sys.exit('gpu-check: PyTorch sees no CUDA GPU here, so there is nothing to check. Run it on a '
                 'machine with one (torch.cuda.is_available() must be True).')
    paths = sorted(args.notebooks.glob('*-pytorch.ipynb'))
    if not paths:
        sys.exit(f'gpu-check: no PyTorch learner notebooks in {args.notebooks}. Run `make html` first, '
                 f'or pass --notebooks with the folder that holds them.')
    workdir = ROOT / '_build' / 'gpu-check'
    workdir.mkdir(parents=True, exist_ok=True)
    notebooks = []
    for path in paths:
        notebooks.append(run_notebook(path, workdir))
        r = notebooks[-1]
        outcome = 'ran' if r['ok'] else f'FAILED in code cell {r.get("cell")}: {r.get("error")}'
        print(f'{r["notebook"]}: {outcome} ({r["seconds"]:.1f} s)', flush=True)
    timings = time_training(device, args.epochs)
    d2l_package = time_d2l_package(args.epochs, workdir) if device.type == 'cuda' else (None, 'no GPU')
    info = {**machine.describe(), 'device': str(device), 'torch': torch.__version__,
            'date': datetime.date.today().isoformat()}
    text = report(info, notebooks, timings, d2l_package, args.epochs)
    write_report(text, args.results)
    print(text)
    return 0 if all(r['ok'] for r in notebooks) else 1


if __name__ == '__main__':
    sys.exit(main())
