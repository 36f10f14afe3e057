"""The pictures a catalogue record keeps: what the model saw, and a small photo to recognise it by.

`model_input_bytes` packs the model's (28, 28) input into the 784 bytes a record stores
(`CatalogueRecord.image()` unpacks them); the thumbnail is a JPEG made from the same decoded
photo the model was shown (or, without a photo, the model's picture enlarged), and
`thumbnail_data_url` is how a table shows it. No database and no Streamlit here.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from fmnist_demo import photo as photo_pipeline
from fmnist_demo.catalogue_errors import InvalidEntry
from fmnist_demo.data import IMAGE_SIZE
from fmnist_demo.i18n import _

THUMBNAIL_MAX_SIDE = 256  # pixels
THUMBNAIL_QUALITY = 85  # JPEG quality


def model_input_bytes(image: np.ndarray) -> bytes:
    """The model's (28, 28) float32 input in [0, 1] (or uint8) as 784 bytes."""
    pixels = np.asarray(image)
    if pixels.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise InvalidEntry(
            _("The model's image must be {size} x {size} pixels; got shape {shape}.").format(
                size=IMAGE_SIZE, shape=pixels.shape
            )
        )
    if pixels.dtype == np.uint8:
        return pixels.tobytes()
    pixels = pixels.astype(np.float32)
    if not np.all(np.isfinite(pixels)):
        raise InvalidEntry(_("The model's image contains values that are not numbers."))
    # (28, 28) float32 in [0, 1] -> (28, 28) uint8
    return np.round(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8).tobytes()


def make_thumbnail(photo: Any, max_side: int = THUMBNAIL_MAX_SIDE) -> bytes:
    """A JPEG of the photo whose longest side is at most `max_side` pixels.

    It is made from the pixels the classifying pipeline decodes (upright, 16-bit and float
    pictures scaled to 8 bits, transparency on white, memory bounded), so the kept photo is the
    one the model was shown, never a clipped white or black square.
    """
    if hasattr(photo, "getvalue"):  # BytesIO, Streamlit's UploadedFile
        photo = photo.getvalue()
    if not isinstance(photo, (bytes, bytearray, memoryview, Image.Image)):
        raise InvalidEntry(_("The photo must be image bytes or a picture."))
    try:
        rgb, _alpha = photo_pipeline.decode(photo)  # (H, W, 3) uint8, longest side <= 480
    except photo_pipeline.PhotoError as exc:  # says why: not a picture, too large, damaged
        unreadable = _("The photo could not be read as an image.")
        raise InvalidEntry(f"{unreadable} {exc}") from None
    image = Image.fromarray(rgb, "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def thumbnail_from_model_input(pixels_784: bytes, scale: int = 4) -> bytes:
    """A JPEG of the model's 28 x 28 image, enlarged `scale` times, for records without a photo."""
    pixels = np.frombuffer(pixels_784, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
    image = Image.fromarray(pixels, mode="L").resize(
        (IMAGE_SIZE * scale, IMAGE_SIZE * scale), Image.Resampling.NEAREST
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def thumbnail_for(photo: Any, pixels_784: bytes | None) -> bytes | None:
    """The record's JPEG thumbnail: from the photo, else from the model's image, else None."""
    if photo is not None:
        return make_thumbnail(photo)
    if pixels_784 is not None:
        return thumbnail_from_model_input(pixels_784)
    return None


def thumbnail_data_url(jpeg: bytes | None) -> str | None:
    """A data: URL for a JPEG thumbnail, for table image columns; None stays None."""
    if not jpeg:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
