"""Large and unusual pictures: the memory a decode may take is bounded and so is the number of
decodes at once; 16-bit, 32-bit and float pictures keep a thumbnail made from the same scaled
pixels the model was shown (not a white or black square). Real files written by Pillow."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fmnist_demo import catalogue_pictures, photo

ROOT = Path(__file__).resolve().parent.parent
LARGE = 7000  # pixels a side: 49 megapixels, under the 50-megapixel limit
PEAK_LIMIT_MB = 100  # issue 24: what one upload may take above the server's own


def _scene(side: int, floor: float, item: float, dtype: type) -> np.ndarray:
    """A square picture: a plain floor with an item (the middle three fifths) of another value."""
    pixels = np.full((side, side), floor, dtype)
    pixels[side // 5 : 4 * side // 5, 2 * side // 5 : 3 * side // 5] = item
    return pixels


def _saved(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _grey16_png(side: int = LARGE) -> bytes:
    return _saved(Image.fromarray(_scene(side, 50000, 8000, np.uint16)), "PNG")


def _rgb_png(side: int = LARGE) -> bytes:
    rgb = np.repeat(_scene(side, 210, 40, np.uint8)[:, :, None], 3, axis=2)
    return _saved(Image.fromarray(rgb), "PNG")


# -- memory -------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [_grey16_png, _rgb_png], ids=["16-bit grey PNG", "RGB PNG"])
def test_a_tiny_file_of_a_huge_picture_is_refused_before_it_is_decoded(make) -> None:
    data = make()
    assert len(data) < 200_000  # a small upload...
    with pytest.raises(photo.PhotoError, match="too many pixels") as caught:
        photo.prepare(data)  # ...that used to take 235 to 413 MB
    assert "7000 x 7000" in str(caught.value)


PROBE = """
import sys
from pathlib import Path
from fmnist_demo import catalogue_pictures, photo

def kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = Path(sys.argv[1]).read_bytes()
Path("/proc/self/clear_refs").write_text("5")  # the peak counts from here
before = kb("VmRSS")
try:
    photo.prepare(data)
    catalogue_pictures.make_thumbnail(data)
except ValueError:
    pass
print((kb("VmHWM") - before) / 1024)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "make",
    [
        _grey16_png,
        _rgb_png,
        lambda: _rgb_png(4000),  # 16 megapixels: opened, at the edge of the limit
        lambda: _saved(Image.fromarray(_scene(LARGE, 0.8, 0.1, np.float32), "F"), "TIFF"),
        lambda: _saved(
            Image.fromarray(np.repeat(_scene(LARGE, 210, 40, np.uint8)[:, :, None], 3, 2)), "JPEG"
        ),
    ],
    ids=["16-bit grey PNG", "RGB PNG", "16 MP RGB PNG", "float TIFF", "JPEG"],
)
def test_one_upload_takes_at_most_100_mb(make, tmp_path: Path) -> None:
    # Measured in a fresh process: the peak resident memory the decode and the thumbnail add.
    path = tmp_path / "picture"
    path.write_bytes(make())
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) <= PEAK_LIMIT_MB


def test_decodes_at_once_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # While DECODES_AT_ONCE decodes run, the next one waits its turn, and is told plainly when
    # the wait is too long.
    monkeypatch.setattr(photo, "DECODE_WAIT_S", 0.2)
    data = _rgb_png(200)
    held = 0
    try:
        while photo._DECODING.acquire(blocking=False):
            held += 1
        assert held == photo.DECODES_AT_ONCE
        with pytest.raises(photo.PhotoError, match="busy"):
            photo.decode(data)
        photo._DECODING.release()
        held -= 1
        waiting = threading.Thread(target=photo.decode, args=(data,))
        waiting.start()
        waiting.join(30)
        assert not waiting.is_alive()
    finally:
        for _ in range(held):
            photo._DECODING.release()
    assert photo.decode(data)[0].shape == (200, 200, 3)


def test_a_phone_sized_png_still_opens() -> None:
    rgb, _alpha = photo.decode(_rgb_png(3000))  # 9 megapixels
    assert max(rgb.shape[:2]) == photo.PREVIEW_SIDE


# -- thumbnails of deep pictures ----------------------------------------------------------------


def _deep_pictures() -> dict[str, bytes]:
    side = 300
    return {
        "16-bit grey PNG": _saved(Image.fromarray(_scene(side, 50000, 8000, np.uint16)), "PNG"),
        "32-bit integer TIFF": _saved(
            Image.fromarray(_scene(side, 50000, 8000, np.int32), "I"), "TIFF"
        ),
        "float TIFF 0-1": _saved(Image.fromarray(_scene(side, 0.8, 0.1, np.float32), "F"), "TIFF"),
    }


@pytest.mark.parametrize("name", list(_deep_pictures()))
def test_deep_pictures_keep_a_thumbnail_of_what_the_model_saw(name: str) -> None:
    data = _deep_pictures()[name]
    prepared = photo.prepare(data)  # the float one used to be "all one colour"
    assert prepared.separated
    thumb = np.asarray(Image.open(io.BytesIO(catalogue_pictures.make_thumbnail(data))).convert("L"))
    # a light floor and a dark item, as the pipeline's preview shows: not one white or black square
    assert thumb.std() > 30, (thumb.min(), thumb.max())
    preview = prepared.preview.mean(axis=2)
    assert abs(float(thumb.mean()) - float(preview.mean())) < 10
    assert thumb[thumb.shape[0] // 2, thumb.shape[1] // 2] < thumb[5, 5]  # the item is darker
