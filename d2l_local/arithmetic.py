"""Convolution arithmetic without a framework: output sizes, receptive fields, cost and memory.

Both ``d2l_local.torch`` and ``d2l_local.mxnet`` export these names unchanged.
"""
__all__ = []
