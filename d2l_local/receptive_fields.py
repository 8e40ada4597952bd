"""Receptive fields of a stack of layers without a framework: size, jump and centre per layer.

Both ``d2l_local.torch`` and ``d2l_local.mxnet`` export these names unchanged.
"""
import numbers

from .arithmetic import effective_kernel_size

__all__ = ['layer_settings', 'receptive_fields']

LAYER_FIELDS = ('name', 'kernel_size', 'stride', 'padding', 'dilation')
LAYER_DEFAULTS = {'stride': 1, 'padding': 0, 'dilation': 1}


def layer_settings(layers):
    """Check a list of layers for receptive_fields and return one full tuple per layer:
    (name, kernel_size, stride, padding, dilation), the defaults filled in.

    A layer is a tuple (name, kernel_size[, stride[, padding[, dilation]]]) or a dict with these
    keys. Stride and dilation default to 1 and padding to 0. Padding counts the rows (or columns)
    added BEFORE the input, at the top (or left); the ones added after do not move any field.
    All numbers are integers for one axis: treat height and width as two separate lists."""
    example = "for example [('conv1', 3, 1, 1), ('pool1', 2, 2)]"
    if not isinstance(layers, (list, tuple)) or (layers and isinstance(layers[0], str)):
        raise TypeError(f'receptive_fields: layers must be a list of layers, {example}; '
                        f'got {layers!r}. Wrap a single layer in a list.')
    settings = []
    for i, layer in enumerate(layers):
        if isinstance(layer, dict):
            unknown = sorted(set(layer) - set(LAYER_FIELDS))
            missing = [key for key in LAYER_FIELDS[:2] if key not in layer]
            if unknown or missing:
                raise ValueError(f'receptive_fields: layer {i} {layer!r} has unknown keys {unknown} '
                                 f'or lacks the keys {missing}; use the keys {list(LAYER_FIELDS)}.')
            layer = tuple(layer.get(key, LAYER_DEFAULTS.get(key)) for key in LAYER_FIELDS)
        elif isinstance(layer, (tuple, list)) and 2 <= len(layer) <= 5:
            layer = tuple(layer) + tuple(LAYER_DEFAULTS[key] for key in LAYER_FIELDS[len(layer):])
        else:
            raise TypeError(f'receptive_fields: layer {i} is {layer!r}; give each layer as a tuple '
                            f'(name, kernel_size[, stride[, padding[, dilation]]]) or a dict with '
                            f'these keys, {example}.')
        if not isinstance(layer[0], str):
            raise TypeError(f'receptive_fields: layer {i} {layer!r} must start with its name, a string.')
        for key, value, least in zip(LAYER_FIELDS[1:], layer[1:], (1, 1, 0, 1)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
                raise ValueError(f'receptive_fields: layer {i} ({layer[0]!r}) has {key}={value!r}, but '
                                 f'{key} must be an integer of at least {least} (one axis at a time: '
                                 f'for a rectangular kernel, compute height and width separately).')
        settings.append((layer[0],) + tuple(int(value) for value in layer[1:]))
    return settings


def receptive_fields(layers):
    """The receptive field, along one axis, of the units of every layer in a stack.

    Returns one dict per layer: 'size' (input pixels from the first to the last that one unit can
    see), 'jump' (input pixels between neighbouring units), 'start' and 'centre' (input coordinates
    of the first pixel and of the middle of the field of unit 0; negative ones lie in the padding).
    The field of unit i begins at start + i * jump."""
    size, jump, start = 1, 1, 0  # before any layer, each input pixel sees itself
    rows = []
    for name, kernel_size, stride, padding, dilation in layer_settings(layers):
        span = effective_kernel_size(kernel_size, dilation)
        size += (span - 1) * jump  # the first and last unit read are span - 1 units apart
        start -= padding * jump    # the window of unit 0 begins `padding` units before unit 0
        jump *= stride
        rows.append({'name': name, 'size': size, 'jump': jump, 'start': start,
                     'centre': start + (size - 1) / 2})
    return rows
