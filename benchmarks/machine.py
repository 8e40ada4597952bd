"""What the benchmarks ran on: CPU model, cores, GPU, versions, date."""
import datetime
import os
import platform
import statistics
import subprocess
import time

import numpy as np


def cpu_model():
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def gpu_name():
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=name', '--format=csv,noheader'],
                             capture_output=True, text=True, timeout=20)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def describe():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    return {'date': datetime.date.today().isoformat(), 'cpu': cpu_model(), 'cores': cores,
            'gpu': gpu_name() or 'none', 'python': platform.python_version()}


def reference_gflops(size=1024, repeats=7):
    """NumPy float32 matrix products per second, in GFLOP/s: how fast the machine is right now.

    Shared machines drift; quoting this at the start and the end of a run says how far."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
    return 2 * size ** 3 / statistics.median(times) / 1e9
