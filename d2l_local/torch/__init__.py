"""The book's helpers for PyTorch: ``from d2l_local import torch as d2l``.

``d2l_local.mxnet`` offers the same names with the same behaviour, in the same files:
core (devices, seeding, accuracy, train_ch5), fashion_mnist (data), convolution (corr2d, pool2d),
downsampling (pooling vs strided convolution), measured_receptive_fields (by gradients),
lenet, lenet5 and lenet_sees. Framework-free helpers come from d2l_local.shared, and from arithmetic
(output sizes), receptive_fields and cost (parameters, multiply-adds, memory), exported here unchanged.
"""
from ..shared import (LENET5_C3_TABLE, Accumulator, Animator, Timer, TrainResult, get_fashion_mnist_labels,  # noqa: E402
                      lenet5_prototypes, lenet5_uniform, plot, set_axes, set_figsize, show_images,
                      use_svg_display)
from ..shared import (check_corr2d_shapes, check_downsampling_args, check_finite_loss,  # noqa: E402, F401
                      check_pool2d_args)  # (pages show them)
from .. import arithmetic as _arithmetic, cost as _cost, receptive_fields as _receptive_fields  # noqa: E402
from . import downsampling as _downsampling, measured_receptive_fields as _measured  # noqa: E402
from ..arithmetic import *  # noqa: E402, F401, F403
from ..cost import *  # noqa: E402, F401, F403
from ..receptive_fields import *  # noqa: E402, F401, F403
from .convolution import corr2d, pool2d  # noqa: E402
from .downsampling import *  # noqa: E402, F401, F403
from .measured_receptive_fields import *  # noqa: E402, F401, F403
from .core import (accuracy, evaluate_accuracy_gpu, num_gpus, on_device, seed, train_ch5,  # noqa: E402
                   train_ch6, try_all_gpus, try_gpu)
from .fashion_mnist import ARRAY_OPS, load_data_fashion_mnist  # noqa: E402
from .lenet import LeNet, lenet_relu  # noqa: E402
from .lenet5 import (EuclideanRBF, LeNet5, MaskedConv2d, Subsampling, lenet5_input,  # noqa: E402
                     lenet5_squash, map_loss, parameter_counts, train_lenet5)
from .lenet_sees import feature_maps, shift  # noqa: E402

# Also importable, for the pages that show how helpers are built: ARRAY_OPS, LENET5_C3_TABLE, on_device,
# and the input checks above.
__all__ = ['Accumulator', 'Animator', 'Timer', 'TrainResult', 'get_fashion_mnist_labels', 'plot', 'set_axes',
           'set_figsize', 'show_images', 'use_svg_display',
           'accuracy', 'evaluate_accuracy_gpu', 'num_gpus', 'seed', 'train_ch5', 'train_ch6', 'try_all_gpus',
           'try_gpu',
           'load_data_fashion_mnist',
           'corr2d', 'pool2d',
           'LeNet', 'lenet_relu',
           'EuclideanRBF', 'LeNet5', 'MaskedConv2d', 'Subsampling', 'lenet5_input', 'lenet5_prototypes',
           'lenet5_squash', 'lenet5_uniform', 'map_loss', 'parameter_counts', 'train_lenet5',
           'feature_maps', 'shift']
# Topic modules list their public names in their own __all__:
__all__ += (_arithmetic.__all__ + _cost.__all__ + _receptive_fields.__all__ + _downsampling.__all__
            + _measured.__all__)
