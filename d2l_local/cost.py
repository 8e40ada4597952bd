"""What a layer costs without a framework: parameters, multiply-adds and activation memory.

Both ``d2l_local.torch`` and ``d2l_local.mxnet`` export these names unchanged.
"""
__all__ = []
