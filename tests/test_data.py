"""d2l_local.data: finding, downloading, verifying and parsing the Fashion-MNIST IDX files."""
import gzip
import os
import pathlib
import struct
import types

import numpy
import pytest

from d2l_local import data

REAL_DIR = next(d for d in data.search_dirs() if (d / data.FILES['test_labels'][0]).is_file())


def write_idx(path, magic, dims, values=None, truncate=0):
    """Write a gzip'd IDX file with the given header; ``truncate`` drops bytes from the end."""
    body = bytes(values if values is not None else range(int(numpy.prod(dims)) % 256 or 1))[:int(numpy.prod(dims))]
    body = body.ljust(int(numpy.prod(dims)), b'\x00')
    raw = struct.pack('>I', magic) + b''.join(struct.pack('>I', d) for d in dims) + body
    path.write_bytes(gzip.compress(raw[:len(raw) - truncate]))


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real dataset in sight: empty D2L_DATA_DIR, user cache and system folder; nothing cached."""
    for name in ('data_dir', 'cache', 'system'):
        (tmp_path / name).mkdir()
    monkeypatch.setenv('D2L_DATA_DIR', str(tmp_path / 'data_dir'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    monkeypatch.setattr(data, 'SYSTEM_DIR', tmp_path / 'system')
    data.load_arrays.cache_clear()
    yield tmp_path / 'data_dir'
    data.load_arrays.cache_clear()


def fake_dataset(directory, train=3, train_labels=3):
    names = {name: spec[0] for name, spec in data.FILES.items()}
    write_idx(directory / names['train_images'], 2051, (train, 28, 28))
    write_idx(directory / names['train_labels'], 2049, (train_labels,))
    write_idx(directory / names['test_images'], 2051, (2, 28, 28))
    write_idx(directory / names['test_labels'], 2049, (2,))


def test_real_files_load_with_the_published_shapes_and_balanced_classes():
    arrays = data.load_arrays()
    assert arrays['train_images'].shape == (60000, 28, 28) and arrays['test_images'].shape == (10000, 28, 28)
    assert numpy.bincount(arrays['train_labels']).tolist() == [6000] * 10
    assert numpy.bincount(arrays['test_labels']).tolist() == [1000] * 10


def test_search_order_puts_d2l_data_dir_first(tmp_path, monkeypatch):
    monkeypatch.setenv('D2L_DATA_DIR', str(tmp_path))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    assert data.search_dirs() == [tmp_path, tmp_path / 'xdg' / 'd2l_local' / 'fashion-mnist', data.SYSTEM_DIR]
    filename = data.FILES['test_labels'][0]
    (tmp_path / filename).symlink_to(REAL_DIR / filename)
    assert data.locate(filename) == tmp_path / filename


def test_truncated_gzip_names_the_file_and_the_fix(isolated):
    fake_dataset(isolated)
    path = isolated / data.FILES['train_images'][0]
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(data.DatasetError, match=f'{path}.*truncated or not a gzip file.*Delete the file'):
        data.load_arrays()


def test_wrong_magic_number_says_which_kind_of_file_it_is(isolated):
    fake_dataset(isolated)
    write_idx(isolated / data.FILES['test_images'][0], 2049, (2,))
    with pytest.raises(data.DatasetError, match=r'magic number 2049 \(labels\), expected 2051 \(images\)'):
        data.load_arrays()


def test_file_shorter_than_its_header_declares(isolated):
    fake_dataset(isolated)
    write_idx(isolated / data.FILES['train_images'][0], 2051, (3, 28, 28), truncate=100)
    with pytest.raises(data.DatasetError, match=r'declares shape \(3, 28, 28\) but holds 2,252 values'):
        data.load_arrays()


def test_image_and_label_counts_that_disagree(isolated):
    fake_dataset(isolated, train=3, train_labels=5)
    with pytest.raises(data.DatasetError, match='training set has 3 images but 5 labels'):
        data.load_arrays()


def test_well_formed_files_that_are_not_fashion_mnist_fail_the_checksum(isolated):
    fake_dataset(isolated)
    with pytest.raises(data.DatasetError, match='not the published .*SHA-256 differs.*Delete the file'):
        data.load_arrays()


def test_download_is_verified_then_moved_into_place(isolated):
    filename = data.FILES['test_labels'][0]
    target = data.download(filename, isolated, url=REAL_DIR.as_uri() + '/')
    assert target == isolated / filename and os.listdir(isolated) == [filename]
    assert data.locate(filename) == target


def test_download_with_a_bad_checksum_is_deleted_not_reused(isolated, tmp_path):
    server = tmp_path / 'server'
    server.mkdir()
    filename = data.FILES['test_labels'][0]
    write_idx(server / filename, 2049, (10000,))
    with pytest.raises(data.DatasetError, match='failed verification and was deleted'):
        data.download(filename, isolated, url=server.as_uri() + '/')
    assert os.listdir(isolated) == []


def test_interrupted_download_leaves_no_file_behind(isolated, monkeypatch):
    def dropped_connection(source, target):
        target.write(source.read(1000))
        raise ConnectionResetError('connection reset by peer')
    monkeypatch.setattr(data.shutil, 'copyfileobj', dropped_connection)
    filename = data.FILES['train_images'][0]
    with pytest.raises(data.DatasetError, match='Could not download .*connection reset'):
        data.download(filename, isolated, url=REAL_DIR.as_uri() + '/')
    assert os.listdir(isolated) == []


def test_missing_files_without_network_explain_what_to_do(isolated, monkeypatch):
    monkeypatch.setattr(data, 'URL', 'file:///nonexistent/fashion-mnist/')
    with pytest.raises(data.DatasetError, match=r'Could not download .*copy the four Fashion-MNIST files into \$D2L_DATA_DIR'):
        data.load_arrays()


def test_batches_cover_every_example_once_per_epoch():
    features, labels = numpy.arange(10) * 10, numpy.arange(10)
    ops = types.SimpleNamespace(index=lambda order, like: order, move=lambda array, device: array)
    batches = data.Batches(features, labels, 4, True, ops)
    assert len(batches) == 3
    for _ in range(2):
        seen = [(X.tolist(), y.tolist()) for X, y in batches]
        assert [len(y) for _, y in seen] == [4, 4, 2]
        assert sorted(sum((y for _, y in seen), [])) == list(range(10))
        assert all(x == [10 * v for v in y] for x, y in seen), 'features and labels stay paired'
