"""Pooling and strided convolution compared: how each passes gradients back, and what each costs."""
from torch import nn

from ..shared import check_downsampling_args

__all__ = ['downsampling_net']


def downsampling_net(downsample='pool', channels=(8, 16), num_classes=10, input_size=28):
    """A small CNN for one-channel images that halves height and width once per entry of channels.

    Each block is a 3x3 convolution (padding 1) and a ReLU. With downsample='pool' the convolution
    keeps the size and 2x2 max pooling halves it; with downsample='stride' the convolution itself
    moves by 2 and there is no pooling. When input_size is divisible by 2 ** len(channels), both
    give maps of the same size and have the same parameters."""
    check_downsampling_args(downsample, channels, input_size)
    layers, c_in, side = [], 1, input_size
    for c_out in channels:
        if downsample == 'pool':
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            side //= 2
        else:
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1), nn.ReLU()]
            side = (side - 1) // 2 + 1
        c_in = c_out
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c_in * side * side, num_classes))
