"""load_data_fashion_mnist: first call in a fresh process, and one epoch of batches without training."""
import json
import subprocess
import sys

PROBE = '''
import json, time
start = time.perf_counter()
from d2l_local import {framework} as d2l
imported = time.perf_counter()
train_iter, test_iter = d2l.load_data_fashion_mnist(256)
loaded = time.perf_counter()
for X, y in train_iter:
    pass
{sync}
epoch = time.perf_counter()
print(json.dumps({{'import': imported - start, 'first_call': loaded - imported, 'epoch': epoch - loaded,
                  'batches': len(train_iter)}}))
'''
SYNC = {'torch': '', 'mxnet': 'from mxnet import npx; npx.waitall()'}


def measure(framework):
    """Seconds for the import, the first load_data_fashion_mnist call, and one epoch of batches."""
    code = PROBE.format(framework=framework, sync=SYNC[framework])
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
