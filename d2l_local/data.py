"""Fashion-MNIST from its four IDX files: find or download them, verify them, serve minibatches.

Files are looked for in ``$D2L_DATA_DIR``, then the per-user cache
(``$XDG_CACHE_HOME/d2l_local/fashion-mnist``, by default ``~/.cache/...``), then
``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``). Missing
files are downloaded into ``$D2L_DATA_DIR`` if set, else the user cache. Every file
is checked against the SHA-256 of its decompressed bytes, which the official and
the Debian copies share.
"""
import functools
import gzip
import hashlib
import math
import os
import pathlib
import shutil
import urllib.request

import numpy as np

URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
SYSTEM_DIR = pathlib.Path('/usr/share/datasets/fashion-mnist')

# name: (file, IDX magic number, decompressed size, SHA-256 of the decompressed bytes)
FILES = {
    'train_images': ('train-images-idx3-ubyte.gz', 2051, 47_040_016,
                     'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888'),
    'train_labels': ('train-labels-idx1-ubyte.gz', 2049, 60_008,
                     'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9'),
    'test_images': ('t10k-images-idx3-ubyte.gz', 2051, 7_840_016,
                    '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b'),
    'test_labels': ('t10k-labels-idx1-ubyte.gz', 2049, 10_008,
                    '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34'),
}
REMEDY = ('Delete the file so that d2l_local downloads a fresh copy, or point $D2L_DATA_DIR '
          'at a folder holding good copies (on Debian: apt-get install dataset-fashion-mnist).')


class DatasetError(RuntimeError):
    """A Fashion-MNIST file is missing, truncated or corrupt; the message says which and what to do."""


def user_cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or pathlib.Path.home() / '.cache'
    return pathlib.Path(base) / 'd2l_local' / 'fashion-mnist'


def search_dirs():
    """Folders searched for the IDX files, in order."""
    dirs = [pathlib.Path(os.environ['D2L_DATA_DIR'])] if os.environ.get('D2L_DATA_DIR') else []
    return dirs + [user_cache_dir(), SYSTEM_DIR]


def locate(filename):
    """Path of ``filename`` in the first search folder holding it, downloading it if none does."""
    for directory in search_dirs():
        if (directory / filename).is_file():
            return directory / filename
    return download(filename, search_dirs()[0])


def download(filename, directory, url=None):
    """Download ``filename`` into ``directory``: verified first, then renamed into place atomically."""
    url = url or URL
    name = next(key for key, spec in FILES.items() if spec[0] == filename)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / filename
    partial = directory / f'.{filename}.{os.getpid()}.part'
    try:
        with urllib.request.urlopen(url + filename, timeout=60) as response, open(partial, 'wb') as f:
            shutil.copyfileobj(response, f)
        read_verified(partial, name, shown=url + filename)
        os.replace(partial, final)
    except DatasetError as error:
        raise DatasetError(f'The download of {url + filename} failed verification and was deleted, '
                           f'so it will not be reused: {error}') from error
    except OSError as error:
        raise DatasetError(
            f'Could not download {url + filename} into {directory}: {error}. Without a network, '
            f'copy the four Fashion-MNIST files into $D2L_DATA_DIR (on Debian: '
            f'apt-get install dataset-fashion-mnist).') from error
    finally:
        partial.unlink(missing_ok=True)
    return final


def decompress(path, shown=None):
    """The decompressed bytes of a gzip file, or an error naming the file and the fix."""
    try:
        with gzip.open(path, 'rb') as f:
            return f.read()
    except (EOFError, gzip.BadGzipFile, OSError) as error:
        raise DatasetError(f'{shown or path} is truncated or not a gzip file ({error}). {REMEDY}') from error


def parse_idx(data, magic, path):
    """Decode an IDX file: a big-endian header (magic, counts, sizes) followed by uint8 values."""
    found = int.from_bytes(data[:4], 'big')
    if found != magic:
        kind = {2051: 'images', 2049: 'labels'}
        raise DatasetError(f'{path} has IDX magic number {found} ({kind.get(found, "unknown")}), expected '
                           f'{magic} ({kind[magic]}): the wrong file under this name, or a damaged one. {REMEDY}')
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    header = 4 + 4 * ndim
    if len(data) - header != math.prod(dims):
        raise DatasetError(f'{path} declares shape {tuple(dims)} but holds {len(data) - header:,} '
                           f'values: the file is truncated. {REMEDY}')
    return np.frombuffer(data, np.uint8, offset=header).reshape(dims)


def verify_checksum(data, name, path):
    """Check the decompressed bytes against the published size and SHA-256."""
    filename, _, size, sha256 = FILES[name]
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        raise DatasetError(f'{path} is a well-formed IDX file but not the published {filename} '
                           f'(size {len(data):,} bytes, expected {size:,}; SHA-256 differs): it is '
                           f'corrupt or from another dataset. {REMEDY}')


def read_verified(path, name, shown=None):
    """The array in the file for ``name``, after checking its format, size and SHA-256."""
    _, magic, _, _ = FILES[name]
    data = decompress(path, shown)
    array = parse_idx(data, magic, shown or path)
    verify_checksum(data, name, shown or path)
    return array


def check_counts(images, labels, split):
    if len(images) != len(labels):
        raise DatasetError(f'The {split} set has {len(images):,} images but {len(labels):,} labels: '
                           f'the image and label files come from different datasets. {REMEDY}')


@functools.lru_cache(maxsize=None)
def load_arrays():
    """Train and test images (N, 28, 28) and labels (N,) as uint8 arrays, read once per process."""
    paths = {name: locate(filename) for name, (filename, *_) in FILES.items()}
    data = {name: decompress(path) for name, path in paths.items()}
    arrays = {name: parse_idx(data[name], FILES[name][1], path) for name, path in paths.items()}
    check_counts(arrays['train_images'], arrays['train_labels'], 'training')
    check_counts(arrays['test_images'], arrays['test_labels'], 'test')
    for name, path in paths.items():
        verify_checksum(data[name], name, path)
    return arrays


QUICK_SIZES = {'train': 2048, 'test': 512}


def quick_subset(images, labels):
    """With $D2L_QUICK=1 (tests that run every notebook), only the first examples of each split."""
    if os.environ.get('D2L_QUICK', '0') in ('', '0'):
        return images, labels
    return ({split: images[split][:n] for split, n in QUICK_SIZES.items()},
            {split: labels[split][:n] for split, n in QUICK_SIZES.items()})


class Batches:
    """Minibatches of (features, labels) served from memory, reshuffled every epoch.

    The arrays are framework arrays; ``ops`` says how the framework turns a NumPy
    permutation into an index array beside the data (``ops.index(order, like)``) and
    copies an array to a device (``ops.move(array, device)``). ``transform``, if
    given, is applied to each batch of features.
    """

    def __init__(self, features, labels, batch_size, shuffle, ops, transform=None):
        self.features, self.labels = features, labels
        self.batch_size, self.shuffle = batch_size, shuffle
        self.ops, self.transform = ops, transform
        self.num_examples = len(labels)
        # Drawn from NumPy's global generator, so that d2l.seed(n) makes the order repeatable.
        self.rng = np.random.default_rng(np.random.randint(2 ** 31))
        self._copies = {}

    def __len__(self):
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self):
        # One index array per epoch, made beside the data: slicing it costs no host-device copy.
        order = self.ops.index(self.rng.permutation(self.num_examples), self.labels) if self.shuffle else None
        for start in range(0, self.num_examples, self.batch_size):
            rows = slice(start, start + self.batch_size)
            if order is not None:
                rows = order[rows]
            X, y = self.features[rows], self.labels[rows]
            yield (self.transform(X) if self.transform else X), y

    def to(self, device):
        """The same batches served from ``device`` memory: the arrays are copied once, then reused."""
        key = str(device)
        if key not in self._copies:
            copy = Batches(self.ops.move(self.features, device), self.ops.move(self.labels, device),
                           self.batch_size, self.shuffle, self.ops, self.transform)
            copy.rng = self.rng  # the copy continues the same sequence of shuffles
            self._copies[key] = copy
        return self._copies[key]
