"""Pooling and strided convolution compared: how each passes gradients back, and what each costs."""
__all__ = []
