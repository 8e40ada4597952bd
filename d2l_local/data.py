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


def download(filename, directory, url=URL):
    """Download ``filename`` into ``directory``: verified first, then renamed into place atomically."""
    name = next(key for key, spec in FILES.items() if spec[0] == filename)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / filename
    partial = directory / f'.{filename}.{os.getpid()}.part'
    try:
        with urllib.request.urlopen(url + filename, timeout=60) as response, open(partial, 'wb') as f:
            shutil.copyfileobj(response, f)
        read_verified(partial, name, source=url + filename)
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


def read_verified(path, name, source=None):
    """The decompressed bytes of the file for ``name``, after checking their size and SHA-256."""
    filename, _, size, sha256 = FILES[name]
    shown = source or path
    try:
        with gzip.open(path, 'rb') as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, OSError) as error:
        raise DatasetError(f'{shown} is truncated or not a gzip file ({error}). {REMEDY}') from error
    if len(data) != size:
        raise DatasetError(f'{shown} decompresses to {len(data):,} bytes, but {filename} has '
                           f'{size:,}: the file is truncated or is not {filename}. {REMEDY}')
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DatasetError(f'{shown} has the right size but the wrong SHA-256 checksum: '
                           f'it is corrupt or another dataset. {REMEDY}')
    return data


def parse_idx(data, magic, path):
    """Decode an IDX file: a big-endian header (magic, counts, sizes) followed by uint8 values."""
    found = int.from_bytes(data[:4], 'big')
    if found != magic:
        raise DatasetError(f'{path} has IDX magic number {found}, expected {magic} '
                           f'({"images" if magic == 2051 else "labels"}): wrong or damaged file. {REMEDY}')
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    header = 4 + 4 * ndim
    if len(data) - header != math.prod(dims):
        raise DatasetError(f'{path} declares shape {tuple(dims)} but holds {len(data) - header:,} '
                           f'values: the file is truncated. {REMEDY}')
    return np.frombuffer(data, np.uint8, offset=header).reshape(dims)


def check_counts(images, labels, split):
    if len(images) != len(labels):
        raise DatasetError(f'The {split} set has {len(images):,} images but {len(labels):,} labels: '
                           f'the image and label files come from different datasets. {REMEDY}')


@functools.lru_cache(maxsize=None)
def load_arrays():
    """Train and test images (N, 28, 28) and labels (N,) as uint8 arrays, read once per process."""
    arrays = {}
    for name, (filename, magic, _, _) in FILES.items():
        path = locate(filename)
        arrays[name] = parse_idx(read_verified(path, name), magic, path)
    check_counts(arrays['train_images'], arrays['train_labels'], 'training')
    check_counts(arrays['test_images'], arrays['test_labels'], 'test')
    return arrays


class Batches:
    """Minibatches of (features, labels) served from memory, reshuffled every epoch.

    ``take(array, indices)`` gathers rows in the framework's own way, and
    ``transform`` (if given) is applied to each batch of features.
    """

    def __init__(self, features, labels, batch_size, shuffle, take, transform=None):
        self.features, self.labels = features, labels
        self.batch_size, self.shuffle = batch_size, shuffle
        self.take, self.transform = take, transform
        self.num_examples = len(labels)
        # Drawn from NumPy's global generator, so that d2l.seed(n) makes the order repeatable.
        self.rng = np.random.default_rng(np.random.randint(2 ** 31))

    def __len__(self):
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self):
        order = self.rng.permutation(self.num_examples) if self.shuffle else None
        for start in range(0, self.num_examples, self.batch_size):
            if order is None:
                rows = slice(start, start + self.batch_size)
                X, y = self.features[rows], self.labels[rows]
            else:
                rows = order[start:start + self.batch_size]
                X, y = self.take(self.features, rows), self.take(self.labels, rows)
            yield (self.transform(X) if self.transform else X), y
