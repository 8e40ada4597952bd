"""Convolution arithmetic without a framework: output sizes, receptive fields, cost and memory.

Both ``d2l_local.torch`` and ``d2l_local.mxnet`` export these names unchanged.
"""
__all__ = ['conv_output_size', 'effective_kernel_size']


def effective_kernel_size(kernel_size, dilation=1):
    """Input pixels along one axis that a kernel spans: dilation d leaves
    d - 1 pixels out between neighbouring taps, k + (k - 1)(d - 1) in all."""
    for name, value in (('kernel_size', kernel_size), ('dilation', dilation)):
        if value != int(value) or value < 1:
            raise ValueError(f'{name} must be a whole number of at least 1, got {value}')
    return int(kernel_size + (kernel_size - 1) * (dilation - 1))


def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1, ceil_mode=False):
    """Output length of a convolution or pooling window sliding along one axis.

    n is the input length and padding the TOTAL padding of the axis (an odd
    total puts the extra element after the input), or a border mode: 'valid'
    (none), 'same' (span - 1, where span is the dilated kernel's: n outputs at
    stride 1, ceil(n / stride) in general) or 'full' (2 (span - 1): every window
    that overlaps the input). ceil_mode=True keeps a last, partial window where
    the windows leave a remainder, but, as in PyTorch's pooling, only if it
    starts inside the input or the padding before it.
    """
    span = effective_kernel_size(kernel_size, dilation)
    modes = {'valid': 0, 'same': span - 1, 'full': 2 * (span - 1)}
    if isinstance(padding, str):
        if padding not in modes:
            raise ValueError(f'padding={padding!r} is not a border mode: use '
                             f"'valid', 'same', 'full' or a total number of elements")
        padding = modes[padding]
    for name, value, least in (('n', n, 1), ('stride', stride, 1), ('padding', padding, 0)):
        if value != int(value) or value < least:
            raise ValueError(f'{name} must be a whole number of at least {least}, got {value}')
    if span > n + padding:
        kernel = 'dilated kernel' if dilation > 1 else 'kernel'
        raise ValueError(f'the {kernel} spans {span} pixels but the padded input has only '
                         f'{n + padding}: pad by at least {span - n - padding} more, or use '
                         f'a smaller kernel' + (' or dilation' if dilation > 1 else ''))
    size = (n + padding - span) // stride + 1  # the windows that fit entirely
    next_start = size * stride  # where one more window would start (padded coordinates)
    if ceil_mode and (n + padding - span) % stride and next_start < padding // 2 + n:
        size += 1
    return int(size)
