"""A loose guard on train_ch5's overhead: it must keep most of a bare loop's throughput on the CPU."""
import pytest

from benchmarks import training


@pytest.mark.parametrize('framework', ['torch', 'mxnet'])
def test_train_ch5_keeps_up_with_a_bare_loop(framework):
    result = training.compare(framework, num_examples=10240, num_epochs=1, repeats=3)
    assert result['ratio'] >= 0.85, result
