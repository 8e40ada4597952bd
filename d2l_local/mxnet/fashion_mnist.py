"""Fashion-MNIST as MXNet arrays, served in minibatches from memory."""
import functools
import types

import mxnet as mx
from mxnet import np

from .. import data
from ..shared import check_batch_size


# How data.Batches makes index arrays and moves data, in MXNet.
ARRAY_OPS = types.SimpleNamespace(index=lambda order, like: np.array(order, dtype='int64', ctx=like.ctx),
                                  move=lambda array, device: array.as_in_ctx(device))


@functools.lru_cache(maxsize=None)
def _fashion_mnist_arrays():
    """Images as float32 (N, 1, 28, 28) in [0, 1] and labels as int32, converted once per process."""
    arrays = data.load_arrays()
    images = {split: np.array(arrays[f'{split}_images'][:, None], dtype='float32') / 255
              for split in ('train', 'test')}
    labels = {split: np.array(arrays[f'{split}_labels'], dtype='int32')
              for split in ('train', 'test')}
    return images, labels


def load_data_fashion_mnist(batch_size, resize=None):
    """Fashion-MNIST as (train, test) iterators of (images, labels) minibatches held in memory."""
    images, labels = data.quick_subset(*_fashion_mnist_arrays())
    check_batch_size(batch_size, len(labels['train']))
    transform = None
    if resize:
        height, width = (resize, resize) if isinstance(resize, int) else resize
        transform = lambda X: mx.nd.contrib.BilinearResize2D(
            X.as_nd_ndarray(), height=height, width=width).as_np_ndarray()
    return (data.Batches(images['train'], labels['train'], batch_size, True, ARRAY_OPS, transform),
            data.Batches(images['test'], labels['test'], batch_size, False, ARRAY_OPS, transform))
