"""Shared fixtures: the real dataset (through FMNIST_DATA_DIR) and small slices of it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def fmnist():
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, read once per test session."""
    from fmnist_demo.data import load_fashion_mnist

    return load_fashion_mnist()


@pytest.fixture(scope="session")
def data_dir(fmnist) -> Path:
    """The folder the dataset was read from."""
    from fmnist_demo.data import find_data_dir

    folder = find_data_dir()
    assert folder is not None
    return folder


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    """AppTest resolves page paths from the working directory."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh file-backed catalogue store that the pages use too (through FMNIST_CATALOGUE_DB)."""
    from fmnist_demo.catalogue import DB_ENV_VAR, CatalogueStore

    path = tmp_path / "catalogue.sqlite3"
    monkeypatch.setenv(DB_ENV_VAR, str(path))
    with CatalogueStore(f"sqlite:///{path}") as store:
        yield store
