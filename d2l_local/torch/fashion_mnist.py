"""Fashion-MNIST as PyTorch tensors, served in minibatches from memory."""
import functools
import types

import numpy as np
import torch
from torch.nn import functional as F

from .. import data
from ..shared import check_batch_size


# How data.Batches makes index arrays and moves data, in PyTorch.
ARRAY_OPS = types.SimpleNamespace(index=lambda order, like: torch.from_numpy(order).to(like.device),
                                  move=lambda array, device: array.to(device))


@functools.lru_cache(maxsize=None)
def _fashion_mnist_tensors():
    """Images as float32 (N, 1, 28, 28) in [0, 1] and labels as int64, converted once per process."""
    arrays = data.load_arrays()
    images = {split: torch.from_numpy(arrays[f'{split}_images'].copy()).unsqueeze(1).float() / 255
              for split in ('train', 'test')}
    labels = {split: torch.from_numpy(arrays[f'{split}_labels'].astype(np.int64))
              for split in ('train', 'test')}
    return images, labels


def load_data_fashion_mnist(batch_size, resize=None):
    """Fashion-MNIST as (train, test) iterators of (images, labels) minibatches held in memory."""
    images, labels = data.quick_subset(*_fashion_mnist_tensors())
    check_batch_size(batch_size, len(labels['train']))
    transform = None
    if resize:
        size = (resize, resize) if isinstance(resize, int) else tuple(resize)
        transform = lambda X: F.interpolate(X, size=size, mode='bilinear', antialias=True)
    return (data.Batches(images['train'], labels['train'], batch_size, True, ARRAY_OPS, transform),
            data.Batches(images['test'], labels['test'], batch_size, False, ARRAY_OPS, transform))
