"""Receptive fields measured with gradients, to check the recurrence of d2l_local.receptive_fields."""
import torch

__all__ = ['measure_receptive_field']


def measure_receptive_field(net, input_size, in_channels=1, num_examples=32):
    """Measure the receptive field of one output unit of net: the input pixels with a nonzero gradient.

    Backpropagates from channel 0 of the central output position (of the first output, if net
    returns vectors) for num_examples random inputs of input_size (an int, or (height, width)), and
    returns the bounding box of the pixels whose gradient is nonzero for any of them, as (row,
    column) pairs: 'unit' (the output position), 'size', 'start' and 'centre'. Only pixels inside
    the input can show up: the part of a field that lies in the padding is cut off."""
    height, width = (input_size, input_size) if isinstance(input_size, int) else input_size
    parameter = next(net.parameters(), None)
    device = parameter.device if parameter is not None else torch.device('cpu')
    X = torch.randn(num_examples, in_channels, height, width, device=device, requires_grad=True)
    with torch.enable_grad():  # also where the caller has switched gradients off
        Y = net(X)
        if Y.dim() == 2:  # vectors from dense layers: one position with Y.shape[1] channels
            Y = Y[:, :, None, None]
        if Y.dim() != 4:
            raise ValueError(f'measure_receptive_field: the network returned shape {tuple(Y.shape)}; '
                             f'it must return (batch, channels, height, width) or (batch, features).')
        unit = (Y.shape[2] // 2, Y.shape[3] // 2)
        # the examples do not interact, so each example's gradient is that of its own unit
        grad, = torch.autograd.grad(Y[:, 0, unit[0], unit[1]].sum(), X)
    seen = (grad != 0).any(dim=0).any(dim=0).cpu()  # (height, width): nonzero for some example
    if not seen.any():
        raise ValueError('measure_receptive_field: no input pixel has a nonzero gradient. Is the unit '
                         'switched off for every input (e.g. a dead ReLU)? Try more examples.')
    rows, cols = torch.nonzero(seen.any(dim=1)).flatten(), torch.nonzero(seen.any(dim=0)).flatten()
    (top, bottom), (left, right) = (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))
    return {'unit': unit, 'size': (bottom - top + 1, right - left + 1), 'start': (top, left),
            'centre': ((top + bottom) / 2, (left + right) / 2)}
