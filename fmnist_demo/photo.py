"""Real photos -> the (28, 28) float32 input the models understand: light item, centred, on black.

Fashion-MNIST was made from product photos on white: trim the background, resize the longest side
to 28, centre on the canvas, negate. A phone photo shows a coloured item on a floor, bed or sheet,
so this module decodes the file safely, learns the background's colours from the photo's border,
separates the item (GrabCut), and then repeats the dataset's own making on the item alone.

No Streamlit and no TensorFlow here: the page and the benchmark call these functions.
"""

from __future__ import annotations

import contextlib
import io
import math
import threading
import warnings
from dataclasses import dataclass
from typing import IO

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from fmnist_demo.data import IMAGE_SIZE
from fmnist_demo.i18n import N_, _

PhotoSource = bytes | bytearray | memoryview | IO[bytes] | Image.Image

MAX_PIXELS = 50_000_000  # larger pictures are refused before decoding (decompression bombs)
MAX_FILE_BYTES = 60_000_000  # a 50-megapixel phone JPEG is well below this
# Memory one decode may take, estimated from the picture's size and mode before it is decoded: a
# small file can unpack to hundreds of MB (a 7000 x 7000 PNG of one colour is 160 KB). A JPEG
# decodes at 1/2 to 1/8 of its size (draft), so a 50-megapixel phone photo stays well below.
MAX_DECODE_BYTES = 64_000_000
DECODES_AT_ONCE = 2  # decodes running at the same time in one server: the rest wait their turn
DECODE_WAIT_S = 30  # a photo waits at most this long for its turn, then the visitor is told
MAX_ASPECT = 10  # a longer side more than 10 times the shorter is a strip, not a photo
MIN_SIDE = 16  # pixels; anything smaller holds no recognisable item
PREVIEW_SIDE = 480  # longest side of the decoded picture kept for display, pixels
WORK_SIDE = 96  # longest side the item is found at, pixels (speed: GrabCut cost grows with area)
BORDER_SHARE = 0.04  # share of each side treated as background when learning its colours
GRABCUT_ITERATIONS = 4
MIN_ITEM_SHARE = 0.01  # a cut-out smaller than 1 % of the picture is "nothing found"
FLAT_STD = 3.0  # grey levels; a picture varying less than this shows nothing
ITEM_FLOOR = 0.35  # the faintest item pixel, so pale items keep their outline on black


_TOO_LARGE = N_("This picture is too large (over 50 megapixels). Please send a smaller photo.")
_DECODING = threading.BoundedSemaphore(DECODES_AT_ONCE)

# The picture formats the pipeline reads (Pillow's names) and the file endings people know them by.
PHOTO_FORMATS = {
    "JPEG": ("jpg", "jpeg"),
    "PNG": ("png",),
    "WEBP": ("webp",),
    "AVIF": ("avif",),
    "GIF": ("gif",),
    "BMP": ("bmp",),
    "TIFF": ("tif", "tiff"),
}
# for people, in the order above; translated where it is shown: _(FORMAT_NAMES)
FORMAT_NAMES = N_("JPEG, PNG, WebP, AVIF, GIF, BMP or TIFF")
UPLOAD_TYPES = [ending for endings in PHOTO_FORMATS.values() for ending in endings]
_NOT_READABLE = N_("This file is not a picture this app can read. Please send a photo: {formats}.")


class PhotoError(ValueError):
    """A file that is not a usable photo; the message is meant for the person who sent it.

    Messages are translated where they are raised, in the visitor's script thread.
    """


def _not_readable() -> PhotoError:
    return PhotoError(_(_NOT_READABLE).format(formats=_(FORMAT_NAMES)))


@dataclass(frozen=True)
class PreparedPhoto:
    """One photo at each step of the pipeline, for showing "what the model sees"."""

    preview: np.ndarray  # (H, W, 3) uint8 RGB, longest side <= PREVIEW_SIDE, upright
    mask: np.ndarray  # (h, w) bool, the item at working size (longest side WORK_SIDE)
    box: tuple[int, int, int, int]  # (top, left, bottom, right) of the item in `mask`
    model_input: np.ndarray  # (28, 28) float32 in [0, 1], light item on black
    separated: bool  # False when no item stood out from the background and the whole photo is used


# ---------------------------------------------------------------------------------------------
# Decoding


def _read_bytes(source: PhotoSource) -> bytes:
    """The raw bytes of a bytes-like or file-like source (UploadedFile, BytesIO, open files)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    getvalue = getattr(source, "getvalue", None)
    if callable(getvalue):  # UploadedFile and BytesIO: the whole content, wherever the cursor is
        data = getvalue()
    elif callable(getattr(source, "read", None)):
        if callable(getattr(source, "seek", None)):
            with contextlib.suppress(OSError, ValueError):
                source.seek(0)
        data = source.read(MAX_FILE_BYTES + 1)
    else:
        raise _not_readable()
    if isinstance(data, str):
        raise PhotoError(
            _("This file holds text, not a picture. Please send a photo: {formats}.").format(
                formats=_(FORMAT_NAMES)
            )
        )
    return bytes(data)


def _open(source: PhotoSource) -> Image.Image:
    """A PIL image opened lazily (header only) from any supported source."""
    if isinstance(source, Image.Image):
        return source
    data = _read_bytes(source)
    if not data:
        raise PhotoError(_("The file is empty. Please take or choose the photo again."))
    if len(data) > MAX_FILE_BYTES:
        raise PhotoError(_("The file is too large (over 60 MB). Please send a smaller photo."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_(_TOO_LARGE)) from None
    except UnidentifiedImageError:
        raise _not_readable() from None
    except Exception:  # a damaged header can raise almost anything inside a decoder
        raise PhotoError(
            _("This picture is damaged and cannot be opened. Please try another.")
        ) from None


_HIGH_BIT_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# Full-size copies Pillow makes on the way to the preview, in bytes per pixel: a palette picture
# becomes RGB(A), and one with transparency is premultiplied before it is resized.
_CONVERSION_BYTES = {"1": 8, "P": 8, "RGBA": 4, "LA": 4, "PA": 4}
_WHOLE_FRAME_FORMATS = ("WEBP", "AVIF")  # decoded whole through buffers of their own: 4 copies
# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose)
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112


def _to_8_bit(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float grayscale -> 8-bit "L" (Pillow's own conversion clips at 255).

    16-bit data uses 0-65535 and float data usually 0-1; 32-bit data holding larger numbers is
    scaled by its own largest value.
    """
    arr = np.asarray(im, dtype=np.float32)
    top = float(arr.max()) if arr.size else 0.0
    if 255.0 < top <= 65535.0:
        scale = 255.0 / 65535.0
    elif im.mode == "F" and 0.0 < top <= 1.0:
        scale = 255.0
    elif top > 65535.0:
        scale = 255.0 / top
    else:
        scale = 1.0
    return Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L")


def decode_cost(im: Image.Image) -> int:
    """Bytes the decode of an opened (not yet loaded) picture will take at most, about."""
    width, height = im.size
    stored = _BYTES_PER_PIXEL.get(im.mode, 4)  # Pillow keeps RGB and the rest in 4 bytes a pixel
    if im.format in _WHOLE_FRAME_FORMATS:
        stored *= 4  # measured: an 8-megapixel WebP took 132 MB
    return width * height * (stored + _CONVERSION_BYTES.get(im.mode, 0))


def _to_rgb_and_alpha(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Any 8-bit mode -> ((H, W, 3) uint8 RGB, (H, W) uint8 alpha or None when fully opaque)."""
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode == "P" and "transparency" in im.info
    )
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"))
        alpha = rgba[:, :, 3]
        if alpha.min() == 255:
            return np.ascontiguousarray(rgba[:, :, :3]), None
        # shown on white, like a product photo; the alpha channel itself becomes the mask
        weight = alpha[:, :, None].astype(np.float32) / 255.0
        rgb = rgba[:, :, :3].astype(np.float32) * weight + 255.0 * (1.0 - weight)
        return rgb.astype(np.uint8), np.ascontiguousarray(alpha)
    return np.asarray(im.convert("RGB")), None


def _shrink(im: Image.Image, given: bool) -> Image.Image:
    """The loaded picture with its longest side at most PREVIEW_SIDE, without a full-size copy.

    `given` is a picture the caller passed in: it is never changed.
    """
    if max(im.size) <= PREVIEW_SIDE:
        return im
    if im.mode.startswith("I;16"):  # Pillow cannot reduce these; a box filter averages as well
        scale = PREVIEW_SIDE / max(im.size)
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        return im.resize(size, Image.Resampling.BOX)
    if im.mode in ("P", "1"):
        im = im.convert("RGBA")  # a smooth preview, not a nearest-pixel one
    elif given:
        im = im.copy()
    im.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return im


def decode(source: PhotoSource) -> tuple[np.ndarray, np.ndarray | None]:
    """Decode safely and upright -> ((H, W, 3) uint8 RGB, alpha or None), longest side <= 480.

    The memory a decode takes is bounded (MAX_DECODE_BYTES), and so is the number of decodes at
    once (DECODES_AT_ONCE): a few visitors sending large pictures cannot exhaust the server.
    """
    given = isinstance(source, Image.Image)
    im = _open(source)
    if im.format is not None and im.format not in PHOTO_FORMATS and im.format != "MPO":
        raise _not_readable()  # MPO: a phone's JPEG with a second picture inside
    try:
        width, height = im.size
        if width * height > MAX_PIXELS:
            raise PhotoError(_(_TOO_LARGE))
        if max(width, height) > MAX_ASPECT * min(width, height):
            raise PhotoError(
                _(
                    "This picture is a thin strip ({width} x {height} pixels), not a photo of an "
                    "item. Please send a normal photo."
                ).format(width=width, height=height)
            )
        if min(width, height) < MIN_SIDE:
            raise PhotoError(
                _(
                    "This picture is too small ({width} x {height} pixels) to show an item. "
                    "Please send a real photo."
                ).format(width=width, height=height)
            )
        if im.format in ("JPEG", "MPO") and im.mode in ("RGB", "L", "CMYK", "YCbCr"):
            # the JPEG decoder scales by 1/2, 1/4 or 1/8 while decoding: a 12 MP photo costs ~1/64
            # draft keeps both sides >= the request, so ask for the preview's own aspect
            scale = PREVIEW_SIDE / max(width, height)
            request = (math.ceil(width * scale), math.ceil(height * scale))
            im.draft("RGB" if im.mode != "L" else "L", request)
        # an animation's first frame is the one loaded; a given picture is copied once
        cost = decode_cost(im) * (2 if given else 1)
        if cost > MAX_DECODE_BYTES:
            megapixels = max(1, int(MAX_DECODE_BYTES * im.width * im.height / cost / 1e6))
            raise PhotoError(
                _(
                    "This picture has too many pixels to open here ({width} x {height}; at most "
                    "about {megapixels} megapixels for a picture of this kind). Please send a "
                    "smaller photo, for example a JPEG straight from a phone camera."
                ).format(width=width, height=height, megapixels=megapixels)
            )
        orientation = im.getexif().get(_ORIENTATION_TAG)  # read before the picture is replaced
        if not _DECODING.acquire(timeout=DECODE_WAIT_S):
            raise PhotoError(
                _("The server is busy opening other people's photos. Please try again in a moment.")
            )
        try:
            im.load()
            im = _shrink(im, given)
            if im.mode in _HIGH_BIT_MODES:
                im = _to_8_bit(im)
        finally:
            _DECODING.release()
        if orientation in _UPRIGHT:
            im = im.transpose(_UPRIGHT[orientation])
        rgb, alpha = _to_rgb_and_alpha(im)
    except PhotoError:
        raise
    except MemoryError:
        raise PhotoError(
            _("This picture is too large to open. Please send a smaller photo.")
        ) from None
    except Exception:  # truncated data, broken EXIF, unknown compression: all "damaged"
        raise PhotoError(
            _("This picture is damaged or incomplete and cannot be opened. Please try another.")
        ) from None
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1:
        raise PhotoError(_("This picture has no usable pixels. Please send a real photo."))
    return rgb, alpha


# ---------------------------------------------------------------------------------------------
# Finding the item


def _resize_to(image: np.ndarray, side: int) -> np.ndarray:
    """Resize so the longest side is `side` (area averaging when shrinking)."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


def _largest_components(mask: np.ndarray, keep_share: float = 0.25) -> np.ndarray:
    """Keep the largest connected region, and any region at least `keep_share` of its size."""
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    if count <= 1:
        return np.zeros_like(mask, dtype=bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= keep_share * areas.max()) + 1
    return np.isin(labels, keep)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill regions of background fully enclosed by the item (a print, a shadow inside a shoe)."""
    padded = np.pad(mask.astype(np.uint8), 1)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes


def find_item(rgb: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 RGB at working size -> (h, w) bool mask of the item.

    The background is what the photo's border shows; GrabCut learns colour models of the border
    (background) and the inside (item) and cuts the picture along the strongest edges between them.
    """
    h, w = rgb.shape[:2]
    band = max(2, round(BORDER_SHARE * min(h, w)))
    init = np.full((h, w), cv2.GC_PR_FGD, np.uint8)
    init[:band] = init[-band:] = cv2.GC_BGD
    init[:, :band] = init[:, -band:] = cv2.GC_BGD
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut seeds its colour models with k-means: same photo, same mask
    blurred = cv2.GaussianBlur(rgb, (3, 3), 0)  # JPEG noise and fabric texture make ragged cuts
    cv2.grabCut(
        blurred, init, None, bgd_model, fgd_model, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK
    )
    mask = (init == cv2.GC_FGD) | (init == cv2.GC_PR_FGD)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)
    mask = _largest_components(mask)
    return _fill_holes(mask)


def _alpha_mask(alpha: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A transparent background is the mask itself: opaque pixels are the item."""
    small = cv2.resize(alpha, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return small >= 128


# ---------------------------------------------------------------------------------------------
# Making the 28 x 28 input the way Fashion-MNIST was made


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), bottom and right exclusive, of the True pixels."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def stretch_item(negative: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(h, w) float32 negative grey + (h, w) bool -> (h, w) float32 in [0, 1], background 0.

    A photo's exposure is arbitrary, so the item's grey levels are stretched to the full range;
    a floor keeps pale items visible on black, as their outline is what tells them apart.
    """
    inside = negative[mask]
    low, high = np.percentile(inside, [2, 98]) if inside.size else (0.0, 1.0)
    stretched = np.clip((negative - low) / max(high - low, 0.25), 0.0, 1.0)
    return np.where(mask, ITEM_FLOOR + (1.0 - ITEM_FLOOR) * stretched, 0.0).astype(np.float32)


def item_intensity(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 + (h, w) bool -> (h, w) float32 in [0, 1]: the item light, background 0.

    The dataset negated product photos, so dark cloth is bright and white cloth is faint.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    return stretch_item(1.0 - gray, mask)


def fit_to_frame(item: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Crop to the item, fit its longest side to 28, centre it on black -> (28, 28) float32."""
    top, left, bottom, right = bounding_box(mask)
    crop = item[top:bottom, left:right]  # (h, w) float32
    h, w = crop.shape
    scale = IMAGE_SIZE / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop, (new_w, new_h), interpolation=interpolation)
    canvas = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    y0, x0 = (IMAGE_SIZE - new_h) // 2, (IMAGE_SIZE - new_w) // 2
    canvas[y0 : y0 + new_h, x0 : x0 + new_w] = small
    return np.clip(canvas, 0.0, 1.0)


def prepare(source: PhotoSource) -> PreparedPhoto:
    """Decode, find the item, remove the background, crop, fit and centre -> PreparedPhoto."""
    return prepare_decoded(*decode(source))


def prepare_decoded(preview: np.ndarray, alpha: np.ndarray | None = None) -> PreparedPhoto:
    """(H, W, 3) uint8 RGB (+ alpha) already decoded -> PreparedPhoto; see `prepare`.

    Training calls this directly on photos it has varied (cropped, turned, re-lit).
    """
    work = _resize_to(preview, WORK_SIDE)  # (h, w, 3) uint8, longest side WORK_SIDE
    if alpha is not None and (alpha < 128).mean() > 0.01:
        mask = _alpha_mask(alpha, work.shape[:2])
        if mask.mean() < MIN_ITEM_SHARE:
            raise PhotoError(
                _(
                    "This picture is almost entirely transparent, so there is no item to see. "
                    "Please send a photo of the whole item."
                )
            )
        separated = True
    else:
        if float(work.reshape(-1, 3).std(axis=0).max()) < FLAT_STD:
            raise PhotoError(
                _(
                    "This picture is all one colour, so there is no item to see. "
                    "Please photograph the whole item on a plain background."
                )
            )
        mask = find_item(work)
        # nothing stands out from the border: the item fills the photo or matches its background
        separated = bool(mask.mean() >= MIN_ITEM_SHARE)
        if not separated:
            mask = np.ones(work.shape[:2], bool)
    item = item_intensity(work, mask)
    model_input = fit_to_frame(item, mask)  # (h, w) float32 -> (28, 28) float32 in [0, 1]
    return PreparedPhoto(
        preview=preview,
        mask=mask,
        box=bounding_box(mask),
        model_input=model_input,
        separated=separated,
    )


def to_model_input(source: PhotoSource) -> np.ndarray:
    """A photo (bytes, file-like or PIL image) -> (28, 28) float32 in [0, 1], light on black."""
    return prepare(source).model_input


def enlarge(model_input: np.ndarray, factor: int = 8) -> np.ndarray:
    """(28, 28) float32 -> (28 * factor, 28 * factor) uint8, nearest neighbour, for display."""
    pixels = np.clip(np.asarray(model_input) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((factor, factor), np.uint8))
