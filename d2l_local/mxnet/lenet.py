"""The chapter's LeNet, and the ReLU/max-pooling variant of What LeNet Sees."""
from mxnet import gluon
from mxnet.gluon import nn


def LeNet():
    """The chapter's LeNet: two sigmoid convolution blocks with average pooling, three dense layers."""
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Conv2D(6, kernel_size=5, padding=2, activation='sigmoid'),
            gluon.nn.AvgPool2D(pool_size=2, strides=2),
            gluon.nn.Conv2D(16, kernel_size=5, activation='sigmoid'),
            gluon.nn.AvgPool2D(pool_size=2, strides=2),
            gluon.nn.Dense(120, activation='sigmoid'),
            gluon.nn.Dense(84, activation='sigmoid'),
            gluon.nn.Dense(10))
    return net


def lenet_relu():
    """LeNet with ReLU activations and max pooling; all sizes as in d2l.LeNet()."""
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation='relu'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5, activation='relu'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120, activation='relu'),
            nn.Dense(84, activation='relu'),
            nn.Dense(10))
    return net
