"""d2l_local.shared: timing, accumulation, plotting and the Animator in both of its modes."""
import time

import matplotlib
import nbformat
import numpy
import pytest
from nbclient import NotebookClient

from d2l_local import shared


def test_timer_records_each_interval():
    timer = shared.Timer()
    time.sleep(0.01)
    first = timer.stop()
    timer.start()
    second = timer.stop()
    assert first >= 0.01 and second < first
    assert timer.sum() == pytest.approx(first + second)
    assert timer.avg() == pytest.approx((first + second) / 2)
    assert timer.cumsum() == pytest.approx([first, first + second])


def test_accumulator_sums_each_quantity():
    acc = shared.Accumulator(3)
    acc.add(1, 2.5, numpy.float32(3))
    acc.add(1, 0.5, 1)
    assert [acc[0], acc[1], acc[2]] == [2.0, 3.0, 4.0]
    acc.reset()
    assert acc.data == [0.0, 0.0, 0.0]


@pytest.mark.parametrize('values', [(1,), (1, 2, 3, 4)])
def test_accumulator_says_how_many_values_it_expected(values):
    acc = shared.Accumulator(2)
    with pytest.raises(ValueError, match=f'expected 2 values .* got {len(values)}'):
        acc.add(*values)


def test_fashion_mnist_labels():
    assert shared.get_fashion_mnist_labels(numpy.array([0, 9, 5])) == ['t-shirt', 'ankle boot', 'sandal']


def test_plot_and_show_images_draw_what_they_are_given():
    matplotlib.use('Agg')
    x = numpy.arange(5)
    shared.plot(x, [x ** 2, 2 * x], legend=['square', 'double'])
    axes = matplotlib.pyplot.gca()
    assert [line.get_ydata().tolist() for line in axes.get_lines()] == [(x ** 2).tolist(), (2 * x).tolist()]
    images = numpy.random.default_rng(0).random((6, 8, 8))
    drawn = shared.show_images(images, 2, 3, titles=list('abcdef'))
    assert len(drawn) == 6 and drawn[4].get_title() == 'e'
    numpy.testing.assert_array_equal(drawn[2].get_images()[0].get_array(), images[2])


def test_animator_prints_one_line_per_whole_x_outside_jupyter(capsys):
    animator = shared.Animator(xlabel='epoch', legend=['train loss', 'test acc'])
    for x, y in [(0.5, (2.0, None)), (1, (1.5, 0.6)), (1.5, (1.2, None)), (2, (1.0, 0.7))]:
        animator.add(x, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ['epoch 1: train loss 1.500, test acc 0.600', 'epoch 2: train loss 1.000, test acc 0.700']
    assert animator.X == [[0.5, 1, 1.5, 2], [1, 2]]


def test_animator_leaves_exactly_one_figure_in_an_executed_notebook():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('%matplotlib inline\nfrom d2l_local import shared'),
        nbformat.v4.new_code_cell(
            "print('before')\n"
            "animator = shared.Animator(xlabel='epoch', legend=['a', 'b'])\n"
            "for x in range(1, 6):\n"
            "    animator.add(x, (1 / x, x / 10))\n"
            "print('after')")])
    NotebookClient(notebook, timeout=120, kernel_name='python3').execute()
    outputs = notebook.cells[1].outputs
    figures = [o for o in outputs if o.output_type in ('display_data', 'execute_result')
               and any(m.startswith('image/') for m in o.data)]
    texts = ''.join(o.get('text', '') for o in outputs if o.output_type == 'stream')
    assert len(figures) == 1, [o.output_type for o in outputs]
    assert texts == 'before\nafter\n', 'the live plot must not wipe the cell\'s printed text'
    assert 'image/svg+xml' in figures[0].data
    assert figures[0].data['image/svg+xml'].count('<path') > 10, 'the final figure holds the curves'


def test_check_finite_loss_names_epoch_batch_and_a_smaller_rate():
    shared.check_finite_loss(0.5, 0, 0, 10, 0.1)
    with pytest.raises(FloatingPointError, match=r'became nan in epoch 3, batch 7 of 10.*lr=0\.9.*try lr=0\.09'):
        shared.check_finite_loss(float('nan'), 2, 6, 10, 0.9)


def test_animator_shows_a_single_epoch_without_a_warning():
    import warnings
    animator = shared.Animator(xlabel='epoch', xlim=[1, 1], legend=['train loss'])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # matplotlib warns about identical low and high xlims
        animator.add(0.5, 1.0)
        animator.config_axes()
    assert animator.axes[0].get_xlim() == (0, 1)
