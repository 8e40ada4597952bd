"""Receptive fields of a stack of layers without a framework: size, jump and centre per layer.

Both ``d2l_local.torch`` and ``d2l_local.mxnet`` export these names unchanged.
"""
__all__ = []
