"""Fashion-MNIST: find the four original files, verify them, parse them with numpy.

No Streamlit and no TensorFlow here: when the files are on disk, loading takes a fraction of a
second and never imports Keras. Only a missing dataset falls back to `keras.utils.get_file`.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from fmnist_demo.i18n import N_, _

# The chapter's names, in English as the dataset and the chapter's figures give them; a person
# reads them through kind_name() in their own language.
CLASS_NAMES: tuple[str, ...] = (
    N_("T-shirt/top"),
    N_("Trouser"),
    N_("Pullover"),
    N_("Dress"),
    N_("Coat"),
    N_("Sandal"),
    N_("Shirt"),
    N_("Sneaker"),
    N_("Bag"),
    N_("Ankle boot"),
)
NUM_CLASSES = len(CLASS_NAMES)
IMAGE_SIZE = 28  # pixels per side
TRAIN_SIZE = 60_000
TEST_SIZE = 10_000


def kind_name(label: int) -> str:
    """The name of kind `label` (0-9) in the visitor's language."""
    return _(CLASS_NAMES[int(label)])


def kind_names() -> list[str]:
    """The ten kind names in the visitor's language, in label order."""
    return [kind_name(label) for label in range(NUM_CLASSES)]


TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILE_NAMES = (TRAIN_LABELS, TRAIN_IMAGES, TEST_LABELS, TEST_IMAGES)

# Where Keras's own fashion_mnist.load_data() fetches from; sha256 of the published files.
DOWNLOAD_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SHA256 = {
    TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}

_IDX_MAGIC_LABELS = 0x00000801  # unsigned byte, 1 dimension
_IDX_MAGIC_IMAGES = 0x00000803  # unsigned byte, 3 dimensions


class DatasetUnavailable(RuntimeError):
    """The dataset files cannot be found, fetched or read; the message says what to do."""


DATA_DIR_ENV = "FMNIST_DATA_DIR"  # the environment variable naming the dataset's folder


def _help_text(problem: str) -> str:
    """The problem (a whole sentence, already translated) and what to do about it."""
    advice = _(
        "The app needs the four Fashion-MNIST files ({names}). Put them in one folder and set "
        "the environment variable {variable} to that folder, or connect to the internet once so "
        "they can be downloaded automatically."
    ).format(names=", ".join(FILE_NAMES), variable=DATA_DIR_ENV)
    return f"{problem} {advice}"


def keras_cache_dir() -> Path:
    """The folder where Keras keeps Fashion-MNIST (honours KERAS_HOME)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "fashion-mnist"


def candidate_dirs() -> list[Path]:
    """Folders searched for the dataset, in order: $FMNIST_DATA_DIR, then the Keras cache."""
    dirs = []
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(keras_cache_dir())
    return dirs


def find_data_dir() -> Path | None:
    """The first candidate folder that holds all four files, or None."""
    for folder in candidate_dirs():
        if all((folder / name).is_file() for name in FILE_NAMES):
            return folder
    return None


def is_available() -> bool:
    """Whether the four files are on disk (no download is attempted)."""
    return find_data_dir() is not None


def _read_idx(path: Path, magic: int, expected_count: int | None = None) -> np.ndarray:
    """Parse one gzipped IDX file; any damage becomes DatasetUnavailable."""
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()  # gzip checks its CRC32 at the end, so a flipped byte is caught
    except (OSError, EOFError, zlib.error) as exc:
        problem = _("The file {path} is damaged ({detail}).").format(path=path, detail=exc)
        raise DatasetUnavailable(_help_text(problem)) from exc
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        problem = _("The file {path} is not a Fashion-MNIST file.").format(path=path)
        raise DatasetUnavailable(_help_text(problem))
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if len(raw) != header + int(np.prod(dims)):
        raise DatasetUnavailable(_help_text(_("The file {path} is incomplete.").format(path=path)))
    if expected_count is not None and dims[0] != expected_count:
        problem = _("The file {path} holds {found} items, not {expected}.").format(
            path=path, found=f"{dims[0]:,}", expected=f"{expected_count:,}"
        )
        raise DatasetUnavailable(_help_text(problem))
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _download(folder: Path) -> Path:
    """Fetch the four files into the Keras cache with checksums, as Keras itself does."""
    try:
        from keras.utils import get_file  # imported only here: TensorFlow is slow to import
    except ImportError as exc:  # pragma: no cover - keras is a run-time requirement
        raise DatasetUnavailable(_help_text(_("The files are not on this computer."))) from exc
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES:
        try:
            get_file(
                fname=name,
                origin=DOWNLOAD_BASE + name,
                cache_dir=str(folder.parent.parent),
                cache_subdir=str(Path("datasets") / folder.name),
                file_hash=SHA256[name],
            )
        except Exception as exc:  # network errors come in many types
            problem = _(
                "The files are not on this computer and could not be downloaded ({detail})."
            ).format(detail=exc)
            raise DatasetUnavailable(_help_text(problem)) from exc
    return folder


def load_fashion_mnist(
    download: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as uint8, exactly as keras.datasets.fashion_mnist."""
    folder = find_data_dir()
    if folder is None:
        if not download:
            raise DatasetUnavailable(_help_text(_("The files are not on this computer.")))
        folder = _download(keras_cache_dir())
    y_train = _read_idx(folder / TRAIN_LABELS, _IDX_MAGIC_LABELS, TRAIN_SIZE)
    x_train = _read_idx(folder / TRAIN_IMAGES, _IDX_MAGIC_IMAGES, TRAIN_SIZE)
    y_test = _read_idx(folder / TEST_LABELS, _IDX_MAGIC_LABELS, TEST_SIZE)
    x_test = _read_idx(folder / TEST_IMAGES, _IDX_MAGIC_IMAGES, TEST_SIZE)
    if x_train.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or x_test.shape[1:] != (
        IMAGE_SIZE,
        IMAGE_SIZE,
    ):
        problem = _("The image files in {folder} are not {size} × {size} images.").format(
            folder=folder, size=IMAGE_SIZE
        )
        raise DatasetUnavailable(_help_text(problem))
    return (x_train, y_train), (x_test, y_test)


def normalise(images: np.ndarray) -> np.ndarray:
    """Pixels 0-255 to float32 in [0, 1], as the chapter divides by 255; floats pass through."""
    # (..., 28, 28) uint8 -> (..., 28, 28) float32 in [0, 1]
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return images.astype(np.float32, copy=False)
