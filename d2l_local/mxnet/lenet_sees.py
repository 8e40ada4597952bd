"""Looking inside a trained LeNet (chapters/lenet-sees.md): feature maps and shifted inputs."""
from mxnet import np
from mxnet.gluon import nn


def feature_maps(net, X):
    """The feature maps of net for the batch X: each convolution's (after its activation)
    and each pooling layer's, in order."""
    maps = []
    for layer in net:
        if isinstance(layer, nn.Dense):  # the dense block starts here
            break
        X = layer(X)  # a Conv2D layer applies its activation itself
        maps.append(X)
    return maps


def shift(X, dy, dx):
    """Move the images X (..., height, width) dy pixels down and dx pixels right (negative: up,
    left). Pixels pushed over the border are lost; zeros move in from the other side."""
    h, w = X.shape[-2:]
    Y = np.zeros_like(X)
    if abs(dy) < h and abs(dx) < w:
        Y[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            X[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return Y
