"""The dataset loader: real files, Keras's own loader as the reference, and the failure paths."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmnist_demo import data
from fmnist_demo.data import CLASS_NAMES, FILE_NAMES, DatasetUnavailable, load_fashion_mnist


def _header_count(path: Path) -> int:
    with gzip.open(path, "rb") as fh:
        return int.from_bytes(fh.read(8)[4:8], "big")


def _copy_dataset(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES:
        shutil.copyfile(src / name, dst / name)
    return dst


def test_shapes_dtypes_and_header_counts(fmnist, data_dir):
    (x_train, y_train), (x_test, y_test) = fmnist
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert _header_count(data_dir / data.TRAIN_IMAGES) == len(x_train)
    assert _header_count(data_dir / data.TRAIN_LABELS) == len(y_train)
    assert _header_count(data_dir / data.TEST_IMAGES) == len(x_test)
    assert _header_count(data_dir / data.TEST_LABELS) == len(y_test)
    assert set(np.unique(y_train)) == set(range(10))
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_class_names_in_label_order():
    assert CLASS_NAMES[0] == "T-shirt/top" and CLASS_NAMES[9] == "Ankle boot"
    assert len(CLASS_NAMES) == 10


@pytest.mark.slow
def test_identical_to_keras_loader(fmnist, data_dir, tmp_path, monkeypatch):
    # Keras's loader finds the same files in its cache folder and needs no network.
    _copy_dataset(data_dir, tmp_path / "datasets" / "fashion-mnist")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    code = (
        "import numpy as np, keras, sys;"
        "(a, b), (c, d) = keras.datasets.fashion_mnist.load_data();"
        "np.savez(sys.argv[1], a=a, b=b, c=c, d=d)"
    )
    out = tmp_path / "keras.npz"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=os.environ.copy())
    ref = np.load(out)
    (x_train, y_train), (x_test, y_test) = fmnist
    for mine, theirs in ((x_train, "a"), (y_train, "b"), (x_test, "c"), (y_test, "d")):
        assert mine.dtype == ref[theirs].dtype
        np.testing.assert_array_equal(mine, ref[theirs])


@pytest.mark.slow
def test_loading_does_not_import_tensorflow(data_dir):
    code = (
        "import sys; from fmnist_demo.data import load_fashion_mnist; load_fashion_mnist();"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    env = {**os.environ, "FMNIST_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-c", code], check=True, env=env, cwd=Path(__file__).parent.parent
    )


def test_falls_back_to_keras_cache(data_dir, tmp_path, monkeypatch):
    _copy_dataset(data_dir, tmp_path / "datasets" / "fashion-mnist")
    monkeypatch.delenv("FMNIST_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert data.find_data_dir() == tmp_path / "datasets" / "fashion-mnist"
    (x_train, _), _ = load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28)


@pytest.mark.parametrize("damage", ["flip", "truncate", "not_gzip", "wrong_magic"])
def test_corrupt_file_is_explained(data_dir, tmp_path, monkeypatch, damage):
    folder = _copy_dataset(data_dir, tmp_path / "copy")
    target = folder / data.TEST_IMAGES
    raw = bytearray(target.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) // 3]
    elif damage == "not_gzip":
        raw = bytearray(b"this is not a dataset file")
    else:  # a valid gzip of something else
        raw = bytearray(gzip.compress(b"\x00\x00\x08\x01" + bytes(100)))
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("FMNIST_DATA_DIR", str(folder))
    with pytest.raises(DatasetUnavailable) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert "FMNIST_DATA_DIR" in message and data.TEST_IMAGES in message


def test_no_files_and_no_network_is_explained(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("FMNIST_DATA_DIR", str(empty))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    # A port nothing listens on: the real download code meets a refused connection at once.
    monkeypatch.setattr(data, "DOWNLOAD_BASE", "http://127.0.0.1:9/")
    with pytest.raises(DatasetUnavailable) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert "FMNIST_DATA_DIR" in message
    for name in FILE_NAMES:
        assert name in message


def test_no_files_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("FMNIST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    assert not data.is_available()
    with pytest.raises(DatasetUnavailable, match="FMNIST_DATA_DIR"):
        load_fashion_mnist(download=False)


def test_missing_files_are_explained_in_bengali(tmp_path, monkeypatch, bengali):
    monkeypatch.setenv("FMNIST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    with pytest.raises(DatasetUnavailable) as info:
        load_fashion_mnist(download=False)
    message = str(info.value)
    assert message.startswith("ফাইলগুলো এই কম্পিউটারে নেই। অ্যাপটির দরকার Fashion-MNIST-এর")
    # the folder's variable and the file names stay as they are typed
    assert "FMNIST_DATA_DIR এনভায়রনমেন্ট ভেরিয়েবলে" in message
    assert all(name in message for name in FILE_NAMES)


def test_damaged_file_is_explained_in_bengali(data_dir, tmp_path, monkeypatch, bengali):
    folder = _copy_dataset(data_dir, tmp_path / "copy")
    (folder / data.TEST_LABELS).write_bytes(gzip.compress(b"\x00\x00\x08\x03" + bytes(100)))
    monkeypatch.setenv("FMNIST_DATA_DIR", str(folder))
    with pytest.raises(DatasetUnavailable) as info:
        load_fashion_mnist()
    assert f"{folder / data.TEST_LABELS} ফাইলটি Fashion-MNIST-এর ফাইল নয়।" in str(info.value)


def test_kind_names_follow_the_language(bengali):
    assert data.kind_name(9) == "অ্যাঙ্কেল বুট" and data.kind_names()[0] == "টি-শার্ট/টপ"
    assert CLASS_NAMES[9] == "Ankle boot"  # the chapter's names stay the code's own


def test_normalise_divides_by_255():
    img = np.array([[0, 51, 255]], dtype=np.uint8)
    out = data.normalise(img)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 0.2, 1.0]])
    floats = np.array([[0.5]], dtype=np.float64)
    assert data.normalise(floats).dtype == np.float32
