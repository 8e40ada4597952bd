"""Framework-free helpers: timing, metric accumulation, plotting and reporting.

``d2l_local.torch`` and ``d2l_local.mxnet`` re-export every public name here, so
readers only ever write ``d2l.Timer()`` or ``d2l.Animator(...)``.
"""
import dataclasses
import os
import sys
import time

import matplotlib.pyplot as plt
import numpy as np

FASHION_MNIST_LABELS = ('t-shirt', 'trouser', 'pullover', 'dress', 'coat',
                        'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot')


class Timer:
    """Record several running times."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.perf_counter()

    def stop(self):
        """Stop the timer and record the elapsed time in a list."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self):
        """Return the average time."""
        return sum(self.times) / len(self.times)

    def sum(self):
        """Return the sum of recorded times."""
        return sum(self.times)

    def cumsum(self):
        """Return the accumulated times."""
        return np.array(self.times).cumsum().tolist()


class Accumulator:
    """Keep running sums of ``n`` quantities (a loss total, a count of correct predictions, ...)."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        if len(args) != len(self.data):
            raise ValueError(f'Accumulator.add expected {len(self.data)} values (one per quantity '
                             f'it sums), got {len(args)}: pass exactly {len(self.data)} numbers, '
                             f'or create Accumulator({len(args)}).')
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def use_svg_display():
    """Show figures as SVG in Jupyter: sharp at any zoom."""
    from matplotlib_inline import backend_inline
    backend_inline.set_matplotlib_formats('svg')


def set_figsize(figsize=(3.5, 2.5)):
    """Set the default matplotlib figure size, in inches."""
    use_svg_display()
    plt.rcParams['figure.figsize'] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Set the labels, limits, scales and legend of matplotlib axes."""
    axes.set_xlabel(xlabel), axes.set_ylabel(ylabel)
    axes.set_xscale(xscale), axes.set_yscale(yscale)
    axes.set_xlim(xlim), axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def plot(X, Y=None, xlabel=None, ylabel=None, legend=[], xlim=None, ylim=None, xscale='linear',
         yscale='linear', fmts=('-', 'm--', 'g-.', 'r:'), figsize=(3.5, 2.5), axes=None):
    """Plot one or several curves; X and Y may be lists, arrays or framework tensors."""
    def has_one_axis(X):
        return hasattr(X, 'ndim') and X.ndim == 1 or isinstance(X, list) and not hasattr(X[0], '__len__')

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    set_figsize(figsize)
    if axes is None:
        axes = plt.gca()
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        x, y = to_numpy(x), to_numpy(y)
        axes.plot(x, y, fmt) if len(x) else axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Draw a grid of images (tensors, arrays or PIL images) with optional titles."""
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize)
    axes = np.array(axes).flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        ax.imshow(to_numpy(img), cmap='gray' if to_numpy(img).ndim == 2 else None)
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes


def get_fashion_mnist_labels(labels):
    """Return the text labels of Fashion-MNIST class indices."""
    return [FASHION_MNIST_LABELS[int(i)] for i in to_numpy(labels).reshape(-1)]


def to_numpy(x):
    """A NumPy copy of a PyTorch tensor, an MXNet NDArray, or anything ``np.asarray`` accepts."""
    if hasattr(x, 'asnumpy'):
        return x.asnumpy()
    if hasattr(x, 'detach'):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _in_jupyter():
    """True inside a Jupyter kernel, where figures can be displayed and updated in place."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, 'kernel')


class Animator:
    """Plot data points as they arrive.

    In Jupyter the figure is redrawn in place, so an executed notebook keeps exactly
    one final figure. Elsewhere (a script, a terminal) it prints one line for each
    point whose x is a whole number, such as the end of an epoch.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale='linear', yscale='linear', fmts=('-', 'm--', 'g-.', 'r:'),
                 nrows=1, ncols=1, figsize=(3.5, 2.5)):
        self.legend = list(legend or [])
        self.xlabel, self.fmts = xlabel, fmts
        self.X, self.Y = None, None
        self.live = _in_jupyter()
        if self.live:
            use_svg_display()
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        plt.close(self.fig)  # displayed by hand below; keeps the inline backend from adding a copy
        if nrows * ncols == 1:
            self.axes = [self.axes]
        if xlim is not None and xlim[0] == xlim[1]:  # [1, 1] for one epoch: show it from its start
            xlim = (xlim[0] - 1, xlim[1])
        self.config_axes = lambda: set_axes(self.axes[0], xlabel, ylabel, xlim, ylim,
                                            xscale, yscale, self.legend)
        self._display = None

    def add(self, x, y):
        """Add one point per curve; a ``None`` in ``y`` skips that curve at this x."""
        if not hasattr(y, '__len__'):
            y = [y]
        n = len(y)
        if not hasattr(x, '__len__'):
            x = [x] * n
        if self.X is None:
            self.X, self.Y = [[] for _ in range(n)], [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        if self.live:
            self._redraw()
        elif all(a == x[0] for a in x) and float(x[0]).is_integer():
            self._print_line(x[0], y)

    def _redraw(self):
        from IPython import display
        self.axes[0].cla()
        for x, y, fmt in zip(self.X, self.Y, self.fmts):
            self.axes[0].plot(x, y, fmt)
        self.config_axes()
        if self._display is None:
            self._display = display.display(self.fig, display_id=True)
        else:
            self._display.update(self.fig)

    def _print_line(self, x, y):
        names = self.legend + [f'y{i}' for i in range(len(self.legend), len(y))]
        values = ', '.join(f'{name} {value:.3f}' for name, value in zip(names, y) if value is not None)
        print(f'{self.xlabel or "x"} {x:g}: {values}', flush=True)


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """The figures that ``train_ch5`` prints, returned so that glue and tests can use them."""
    loss: float
    train_acc: float
    test_acc: float
    examples_per_sec: float
    device: str
    num_epochs: int

    def __str__(self):
        return (f'loss {self.loss:.3f}, train acc {self.train_acc:.3f}, test acc {self.test_acc:.3f}\n'
                f'{self.examples_per_sec:.1f} examples/sec on {self.device}')


def check_finite_loss(loss, epoch, batch, num_batches, lr):
    """Stop training with advice as soon as the loss is NaN or infinite."""
    if not np.isfinite(loss):
        raise FloatingPointError(
            f'training diverged: the loss became {loss} in epoch {epoch + 1}, batch {batch + 1} '
            f'of {num_batches}. The learning rate lr={lr} is probably too large for this model; '
            f'try lr={lr / 10:g}.')


def check_corr2d_shapes(x_shape, k_shape):
    """Explain, rather than fail obscurely, when corr2d gets shapes it cannot handle."""
    if len(x_shape) != 2 or len(k_shape) != 2:
        raise ValueError(
            f'corr2d works on one 2-D channel: X and K must have shape (height, width), got '
            f'X {tuple(x_shape)} and K {tuple(k_shape)}. Select a single channel first, '
            f'for example X[0, 0], or use the framework\'s Conv2D layer for batches and channels.')
    if k_shape[0] > x_shape[0] or k_shape[1] > x_shape[1]:
        raise ValueError(
            f'corr2d: the kernel {tuple(k_shape)} is larger than the input {tuple(x_shape)}, so no '
            f'window fits and the output would be empty. Use a smaller kernel or pad the input.')


def check_pool2d_args(x_shape, pool_size, stride, mode):
    """Validate pool2d's arguments; return the window and stride as (height, width) pairs."""
    if mode not in ('max', 'avg'):
        raise ValueError(f"pool2d: mode must be 'max' or 'avg', got {mode!r}.")
    window, step = _pair(pool_size, 'pool_size'), _pair(stride, 'stride')
    if len(x_shape) != 2:
        raise ValueError(f'pool2d works on one 2-D channel of shape (height, width), got shape '
                         f'{tuple(x_shape)}. Select a single channel first, for example X[0, 0], '
                         f'or use the framework\'s MaxPool2D/AvgPool2D layer for batches and channels.')
    if window[0] > x_shape[0] or window[1] > x_shape[1]:
        raise ValueError(f'pool2d: the window {window} is larger than the input {tuple(x_shape)}, so no '
                         f'window fits and the output would be empty. Use a smaller pool_size.')
    return window, step


def check_downsampling_args(downsample, channels, input_size):
    """Validate downsampling_net's arguments, with a message that says what to change."""
    if downsample not in ('pool', 'stride'):
        raise ValueError(f"downsampling_net: downsample must be 'pool' or 'stride', got {downsample!r}.")
    if not channels or not all(isinstance(c, int) and c >= 1 for c in channels):
        raise ValueError(f'downsampling_net: channels must be a non-empty sequence of positive integers '
                         f'(output channels per block), got {channels!r}.')
    if input_size < 2 ** len(channels):
        raise ValueError(f'downsampling_net: {len(channels)} halvings of a {input_size} x {input_size} input '
                         f'leave nothing; use fewer blocks or an input of at least {2 ** len(channels)} pixels.')


def _pair(value, name):
    if isinstance(value, (int, np.integer)):
        pair = (value, value)
    else:
        try:
            pair = tuple(value)
        except TypeError:
            pair = ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                                 for v in pair):
        raise ValueError(f'pool2d: {name} must be a positive integer or a pair of them, got {value!r}.')
    return pair


def check_batch_size(batch_size, num_examples):
    """Reject batch sizes that would give no batches or silently fewer examples than asked for."""
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f'batch_size must be a positive integer, got {batch_size!r}; '
                         f'256 is a good start for Fashion-MNIST.')
    if batch_size > num_examples:
        raise ValueError(f'batch_size={batch_size} is larger than the {num_examples} examples of '
                         f'the dataset; choose batch_size <= {num_examples}.')


_cpu_fallback_noted = set()


def seed_offset():
    """$D2L_SEED_OFFSET (default 0), added to every ``d2l.seed(n)``: the whole book reruns with other seeds."""
    text = os.environ.get('D2L_SEED_OFFSET') or '0'
    try:
        return int(text)
    except ValueError:
        raise ValueError(f'D2L_SEED_OFFSET={text!r} is not a whole number. Set it to one, such as 1, '
                         f'or unset it to use the seeds as written.') from None


def note_cpu_fallback(framework):
    """Say once per framework and process that no GPU was found and the CPU will be used."""
    if framework not in _cpu_fallback_noted:
        _cpu_fallback_noted.add(framework)
        print(f'd2l_local: {framework} sees no GPU here, so it will use the CPU.', flush=True)


def use_all_cpu_cores():
    """Give every loaded framework one thread per core (or $OMP_NUM_THREADS if set), since
    importing mxnet leaves OpenMP, and with it PyTorch, at one thread."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    cores = int(os.environ.get('OMP_NUM_THREADS') or cores)
    if 'torch' in sys.modules:
        sys.modules['torch'].set_num_threads(cores)
    if 'mxnet' in sys.modules:
        import ctypes
        mx = sys.modules['mxnet']
        mx.base.check_call(mx.base._LIB.MXSetNumOMPThreads(ctypes.c_int(cores)))
    return cores


# LeNet-5 as published in 1998 (chapters/lenet5.md).

LENET5_C3_TABLE = tuple(tuple(mark == 'X' for mark in row) for row in (
    'X...XXX..XXXX.XX',
    'XX...XXX..XXXX.X',
    'XXX...XXX..X.XXX',
    '.XXX..XXXX..X.XX',
    '..XXX..XXXX.XX.X',
    '...XXX..XXXX.XXX'))
"""Table I of LeCun et al. (1998): LENET5_C3_TABLE[i][j] is True when C3 map j reads S2 map i."""


def area_resize(image, rows, cols):
    """Shrink a 2-D image to rows x cols by averaging over each output cell's share of the input area."""
    def weights(n_in, n_out):
        edges = np.arange(n_out + 1) * n_in / n_out  # output cell k covers [edges[k], edges[k + 1])
        starts = np.arange(n_in)
        overlap = (np.minimum(starts + 1, edges[1:, None]) - np.maximum(starts, edges[:-1, None]))
        return np.clip(overlap, 0, None) * n_out / n_in  # each row sums to 1
    image = np.asarray(image, dtype=np.float64)
    return weights(image.shape[0], rows) @ image @ weights(image.shape[1], cols).T


def lenet5_prototypes(images=None, labels=None, rows=12, cols=7):
    """Fixed +1/-1 RBF prototypes (10, rows * cols): each class's mean image shrunk to rows x cols,
    +1 where it is brighter than the average of the ten class means, -1 elsewhere.
    Without arguments, from the Fashion-MNIST training set."""
    if images is None:
        from . import data
        arrays = data.load_arrays()
        images, labels = arrays['train_images'], arrays['train_labels']
    images, labels = np.asarray(images, dtype=np.float64), np.asarray(labels)
    means = np.stack([area_resize(images[labels == k].mean(axis=0), rows, cols)
                      for k in range(int(labels.max()) + 1)])
    return np.where(means > means.mean(axis=0), 1.0, -1.0).reshape(len(means), rows * cols)


def lenet5_uniform(shape, fan_in):
    """LeNet-5's initial values: uniform in (-2.4/F, 2.4/F) with F the fan-in, drawn with NumPy;
    a fan_in of k values gives each of the k units along the first axis its own F."""
    fan_in = np.asarray(fan_in, dtype=np.float64).reshape((-1,) + (1,) * (len(shape) - 1))
    return (np.random.uniform(-1, 1, size=shape) * 2.4 / fan_in).astype(np.float32)
