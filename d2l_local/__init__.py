"""Helpers for the convolutional networks chapter, one module per framework.

    from d2l_local import torch as d2l    # or: from d2l_local import mxnet as d2l

Both modules export the same names with the same behaviour; framework-free
helpers live in ``d2l_local.shared`` and the dataset reader in ``d2l_local.data``.
"""
__version__ = '0.1.0'
