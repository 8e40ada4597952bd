"""What a layer costs without a framework: parameters, multiply-adds and activation memory.

Both ``d2l_local.torch`` and ``d2l_local.mxnet`` export these names unchanged.
"""
import inspect
import math

from .arithmetic import conv_output_size

__all__ = ['conv_cost', 'layer_costs']


def conv_cost(c_in, c_out, kernel, out_size):
    """(parameters, multiply-adds per example) of a convolutional layer.

    kernel and out_size are (height, width) pairs."""
    (k_h, k_w), (h_out, w_out) = kernel, out_size
    parameters = c_out * (c_in * k_h * k_w + 1)  # weights, one bias each
    mult_adds = c_out * h_out * w_out * c_in * k_h * k_w
    return parameters, mult_adds


def _pair(value):
    """(height, width) from one int or a pair."""
    single = isinstance(value, str) or hasattr(value, '__index__')
    return (value, value) if single else tuple(value)


def _maps(shape, layer):
    """The (channels, height, width) of an input to a convolution or pooling layer."""
    if len(shape) != 3:
        raise ValueError(f'{layer} needs maps of shape (channels, height, width) but gets '
                         f'shape {shape}: give the input as (channels, height, width) and '
                         f'put convolution and pooling before the flatten layer')
    return shape


def _conv(shape, out_channels, kernel_size, padding=0, stride=1):
    """('conv', out_channels, kernel_size, padding=0, stride=1)"""
    c_in, h, w = _maps(shape, 'a conv layer')
    _check_positive(out_channels=out_channels)
    k, p, s = _pair(kernel_size), _pair(padding), _pair(stride)
    out = tuple(conv_output_size(*axis) for axis in zip((h, w), k, p, s))
    return (out_channels, *out), *conv_cost(c_in, out_channels, k, out)


def _pool(shape, window, padding=0, stride=None):
    """('pool', window, padding=0, stride=window)"""
    c, h, w = _maps(shape, 'a pool layer')
    k, p = _pair(window), _pair(padding)
    s = k if stride is None else _pair(stride)
    return (c, *(conv_output_size(*axis) for axis in zip((h, w), k, p, s))), 0, 0


def _dense(shape, units):
    """('dense', units)"""
    if len(shape) != 1:
        raise ValueError(f'a dense layer needs one vector per example but gets shape {shape}: '
                         f"put ('flatten',) before it")
    _check_positive(units=units)
    return (units,), units * (shape[0] + 1), units * shape[0]


def _flatten(shape):
    """('flatten',)"""
    return (math.prod(shape),), 0, 0


def _elementwise(shape):
    """('sigmoid',), ('relu',) or ('tanh',)"""
    return shape, 0, 0


_KINDS = {'conv': _conv, 'pool': _pool, 'dense': _dense, 'flatten': _flatten,
          'sigmoid': _elementwise, 'relu': _elementwise, 'tanh': _elementwise}


def layer_costs(input_shape, layers, batch_size=1, bytes_per_value=4):
    """One row per layer: output shape, parameters, multiply-adds per example,
    and the values (per example) and bytes (per minibatch) of its output.

    input_shape is one example's (channels, height, width) or (features,). Each
    layer is a tuple such as ('conv', 6, 5, 4); the docstrings of the functions
    in _KINDS give the forms. Sizes are ints or (height, width) pairs; padding is
    the total of both ends of an axis.
    Pooling, activations and flattening count no multiply-adds."""
    _check_positive(batch_size=batch_size, bytes_per_value=bytes_per_value)
    shape, rows = tuple(input_shape), []
    for layer in layers:
        step = _KINDS.get(layer[0]) if isinstance(layer, (tuple, list)) and layer else None
        if step is None:
            raise ValueError(f'unknown layer {layer!r}: each layer is a tuple whose first '
                             f'entry is one of {", ".join(_KINDS)}')
        try:
            inspect.signature(step).bind(shape, *layer[1:])
        except TypeError:
            raise ValueError(f'{layer!r} does not fit the form {step.__doc__}') from None
        try:
            shape, params, mult_adds = step(shape, *layer[1:])
        except ValueError as error:
            raise ValueError(f'layer {len(rows)}, {layer!r}: {error}') from None
        values = math.prod(shape)
        rows.append({'layer': layer[0], 'shape': shape, 'params': params,
                     'mult_adds': mult_adds, 'values': values,
                     'bytes': values * batch_size * bytes_per_value})
    return rows


def _check_positive(**values):
    """Raise a ValueError naming every argument that is not a positive integer."""
    for name, value in values.items():
        if isinstance(value, bool) or not hasattr(value, '__index__') or value < 1:
            raise ValueError(f'{name} must be a positive integer, got {value!r}')
