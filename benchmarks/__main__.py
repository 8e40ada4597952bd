"""`make bench`: run every benchmark, print one table, write it to benchmarks/results.md.

    python -m benchmarks            everything that this machine can run
    python -m benchmarks --skip-book  without the (long) book builds
"""
import argparse
import pathlib

from . import book, d2l_package, data_loading, machine, training

RESULTS = pathlib.Path(__file__).parent / 'results.md'


def rows(skip_book=False):
    """(benchmark, measured, compared with, ratio or value, target, met) rows, measured now."""
    out = []
    for framework in ('torch', 'mxnet'):
        r = training.compare(framework, num_examples=60000, num_epochs=1, repeats=3)
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
    if not skip_book:
        targets = {'clean build': 480, 'rebuild, nothing changed': 30, 'rebuild after a prose-only edit': 45}
        for name, r in book.measure().items():
            limit = targets.get(name)
            met = None if limit is None else r['seconds'] <= limit and (
                name == 'clean build' or name == 'rebuild after a d2l_local edit' or r['kernels'] == 0)
            out.append((f'book: {name}', f'{r["seconds"]:.1f} s', f'{r["kernels"]} kernels started', '',
                        f'<= {limit} s' + (', no kernel' if name == 'rebuild after a prose-only edit' else '')
                        if limit else '', met))
    if machine.gpu_name():
        for framework in ('torch', 'mxnet'):
            d2l = training.framework_module(framework)
            if d2l.num_gpus() == 0:
                out.append((f'{framework}: GPU training', 'not run', f'{framework} sees no GPU', '', '', None))
                continue
            r = training.compare(framework, num_examples=60000, num_epochs=3, repeats=3, device=d2l.try_gpu())
            out.append((f'{framework}: train_ch5 vs bare loop, LeNet, batch 256, {r["device"]}',
                        f'{r["train_ch5"]:,.0f} ex/s', f'{r["bare"]:,.0f} ex/s', f'{r["ratio"]:.3f}',
                        '>= 150,000 ex/s' if framework == 'torch' else '', r['train_ch5'] >= 150000 if framework == 'torch' else None))
    return out


def table(measured, info):
    lines = [f'Measured {info["date"]} on {info["cpu"]}, {info["cores"]} cores, GPU: {info["gpu"]}, '
             f'Python {info["python"]}.', '',
             '| benchmark | ours | compared with | ratio | target | met |', '|---|---|---|---|---|---|']
    for name, ours, other, ratio, target, met in measured:
        lines.append(f'| {name} | {ours} | {other} | {ratio} | {target} | '
                     f'{"" if met is None else ("yes" if met else "NO")} |')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--skip-book', action='store_true', help='leave out the book builds')
    parser.add_argument('--output', type=pathlib.Path, default=RESULTS)
    args = parser.parse_args()
    text = '# Benchmark results\n\n' + table(rows(args.skip_book), machine.describe())
    print(text)
    args.output.write_text(text)


if __name__ == '__main__':
    main()
