"""`make bench`: run every benchmark, print one table, write it to benchmarks/results.md.

    python -m benchmarks            everything that this machine can run
    python -m benchmarks --skip-book  without the (long) book builds
"""
import argparse
import pathlib

from . import book, d2l_package, data_loading, machine, training

RESULTS = pathlib.Path(__file__).parent / 'results.md'


def rows(skip_book=False, gpu_only=False):
    """(benchmark, measured, compared with, ratio or value, target, met) rows, measured now."""
    return (gpu_rows() if gpu_only else
            cpu_rows() + ([] if skip_book else book_rows()) + (gpu_rows() if machine.gpu_name() else []))


def cpu_rows():
    out = []
    for framework in ('torch', 'mxnet'):
        r = training.compare(framework, num_examples=60000, num_epochs=1, repeats=5)
        out.append((f'{framework}: train_ch5 vs bare loop, LeNet, {r["device"]}',
                    f'{r["train_ch5"]:,.0f} ex/s', f'{r["bare"]:,.0f} ex/s', f'{r["ratio"]:.3f}',
                    '>= 0.95', r['ratio'] >= 0.95))
    r = d2l_package.compare(epochs=2, repeats=2)
    out.append((f'mxnet: our train_ch5 + data vs d2l train_ch6 + gluon pipeline, {r["epochs"]} epochs',
                f'{r["ours_s"]:.1f} s (test acc {r["ours_acc"]:.3f})',
                f'{r["theirs_s"]:.1f} s (test acc {r["theirs_acc"]:.3f})', f'{r["ratio"]:.3f}', '<= 0.9',
                r['ratio'] <= 0.9))
    for framework in ('torch', 'mxnet'):
        r = data_loading.measure(framework)
        out.append((f'{framework}: load_data_fashion_mnist, first call in a fresh process',
                    f'{r["first_call"]:.2f} s', f'import {r["import"]:.2f} s', '', '', None))
        out.append((f'{framework}: one epoch of batches ({r["batches"]}), no training',
                    f'{r["epoch"]:.3f} s', '', '', '', None))
    return out


def book_rows():
    out = []
    targets = {'clean build': 480, 'rebuild, nothing changed': 30, 'rebuild after a prose-only edit': 45}
    builds = book.measure()
    notebooks = builds['clean build']['notebooks']
    for name, r in builds.items():
        limit = targets.get(name)
        needs_no_kernel = name != 'clean build'
        met = None if limit is None else r['seconds'] <= limit and (r['kernels'] == 0 or not needs_no_kernel)
        target = f'<= {limit} s' + (', no kernel' if needs_no_kernel else '') if limit else ''
        out.append((f'book: {name}', f'{r["seconds"]:.1f} s', f'{r["kernels"]} kernels started', '', target, met))
    slowest = sorted(notebooks.items(), key=lambda item: -item[1])[:6]
    out.append(('book: clean build, kernel seconds in all', f'{sum(notebooks.values()):.0f} s',
                'slowest: ' + ', '.join(f'{name} {seconds:.0f} s' for name, seconds in slowest), '', '', None))
    return out


def gpu_rows():
    out = []
    for framework in ('torch', 'mxnet'):
        try:
            d2l = training.framework_module(framework)
        except ImportError as error:
            out.append((f'{framework}: GPU training', 'not run', f'cannot import: {error}', '', '', None))
            continue
        if d2l.num_gpus() == 0:
            out.append((f'{framework}: GPU training', 'not run', f'{framework} sees no GPU', '', '', None))
            continue
        r = training.compare(framework, num_examples=60000, num_epochs=3, repeats=3, device=d2l.try_gpu())
        target = 150000 if framework == 'torch' else None
        out.append((f'{framework}: train_ch5 vs bare loop, LeNet, batch 256, {r["device"]}',
                    f'{r["train_ch5"]:,.0f} ex/s', f'{r["bare"]:,.0f} ex/s', f'{r["ratio"]:.3f}',
                    f'>= {target:,} ex/s' if target else '', r['train_ch5'] >= target if target else None))
    return out


def table(measured, info):
    lines = [f'Measured {info["date"]} on {info["cpu"]}, {info["cores"]} cores, GPU: {info["gpu"]}, '
             f'Python {info["python"]}. Machine speed (NumPy float32 matrix product) at the start and the '
             f'end of the run: {info["speed"][0]:.0f} and {info["speed"][1]:.0f} GFLOP/s.', '',
             '| benchmark | ours | compared with | ratio | target | met |', '|---|---|---|---|---|---|']
    for name, ours, other, ratio, target, met in measured:
        lines.append(f'| {name} | {ours} | {other} | {ratio} | {target} | '
                     f'{"" if met is None else ("yes" if met else "NO")} |')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--skip-book', action='store_true', help='leave out the book builds')
    parser.add_argument('--gpu-only', action='store_true', help='only the GPU rows')
    parser.add_argument('--output', type=pathlib.Path, default=RESULTS)
    args = parser.parse_args()
    speed_before = machine.reference_gflops()
    measured = rows(args.skip_book, args.gpu_only)
    info = {**machine.describe(), 'speed': (speed_before, machine.reference_gflops())}
    text = '# Benchmark results\n\n' + table(measured, info)
    print(text)
    args.output.write_text(text)


if __name__ == '__main__':
    main()
