"""Our MXNet train_ch5 and data pipeline against the d2l package's MXNet train_ch6 and its pipeline.

The d2l package reads Fashion-MNIST through gluon's FashionMNIST dataset (ToTensor transform,
DataLoader worker processes). It is pointed at the same local files: gluon would check the SHA-1
of the official .gz files and download them again, and Debian's copies were recompressed (same
decompressed bytes, verified by d2l_local), so the benchmark serves the local files as they are. Each side runs in a fresh process,
alternately, the same epochs of the same LeNet, evaluation included.
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

OURS = '''
import contextlib, io, json, time
from d2l_local import mxnet as d2l
d2l.seed(0)
start = time.perf_counter()
train_iter, test_iter = d2l.load_data_fashion_mnist(256)
with contextlib.redirect_stdout(io.StringIO()):
    result = d2l.train_ch5(d2l.LeNet(), train_iter, test_iter, {epochs}, 0.9, d2l.try_gpu())
print(json.dumps({{'seconds': time.perf_counter() - start, 'test_acc': result.test_acc}}))
'''

THEIRS = '''
import contextlib, io, json, os, time
import mxnet.gluon.data.vision.datasets as datasets
# Debian's .gz files are recompressed (SHA-1 differs, contents verified by d2l_local): use them as they are.
datasets.download = lambda url, path=None, sha1_hash=None, **kwargs: os.path.join(path, url.split('/')[-1])
from d2l import mxnet as d2l
from mxnet import npx
from mxnet.gluon import nn
npx.set_np()   # as every MXNet notebook of the d2l book does
net = nn.Sequential()
net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation='sigmoid'), nn.AvgPool2D(pool_size=2, strides=2),
        nn.Conv2D(16, kernel_size=5, activation='sigmoid'), nn.AvgPool2D(pool_size=2, strides=2),
        nn.Dense(120, activation='sigmoid'), nn.Dense(84, activation='sigmoid'), nn.Dense(10))


start = time.perf_counter()
train_iter, test_iter = d2l.load_data_fashion_mnist(256)
with contextlib.redirect_stdout(io.StringIO()):
    d2l.train_ch6(net, train_iter, test_iter, {epochs}, 0.9, d2l.try_gpu())
test_acc = d2l.evaluate_accuracy_gpu(net, test_iter)
print(json.dumps({{'seconds': time.perf_counter() - start, 'test_acc': test_acc}}))
'''


def _gluon_root(directory):
    """A gluon dataset folder holding links to the verified local files."""
    from d2l_local import data
    root = pathlib.Path(directory) / 'fashion-mnist'
    root.mkdir(parents=True, exist_ok=True)
    for filename, *_ in data.FILES.values():
        link = root / filename
        if not link.exists():
            link.symlink_to(data.locate(filename))
    return root


def _run(code, env_home):
    env = {**os.environ, 'MXNET_HOME': str(env_home / '.mxnet')}
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(epochs=2, repeats=2):
    """Median wall time (data loading, training, evaluation) of each side, and ours / theirs."""
    with tempfile.TemporaryDirectory() as home:
        home = pathlib.Path(home)
        _gluon_root(home / '.mxnet' / 'datasets')
        ours, theirs = [], []
        for _ in range(repeats):
            ours.append(_run(OURS.format(epochs=epochs), home))
            theirs.append(_run(THEIRS.format(epochs=epochs), home))
    ours_s = statistics.median(r['seconds'] for r in ours)
    theirs_s = statistics.median(r['seconds'] for r in theirs)
    return {'epochs': epochs, 'ours_s': ours_s, 'theirs_s': theirs_s, 'ratio': ours_s / theirs_s,
            'ours_acc': ours[-1]['test_acc'], 'theirs_acc': theirs[-1]['test_acc']}
