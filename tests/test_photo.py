"""photo.py: every kind of input gives a valid (28, 28) input or a plain PhotoError, and
Fashion-MNIST items printed as "photos" come back as their class via pipeline and photo model."""

from __future__ import annotations

import io
import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from fmnist_demo import photo
from fmnist_demo.data import IMAGE_SIZE


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def _scene(width: int = 300, height: int = 400, item_box=(80, 60, 220, 340)) -> np.ndarray:
    """(H, W, 3) uint8: a dark blue rectangle-ish item on a light grey, slightly noisy floor."""
    rng = np.random.default_rng(0)
    scene = np.full((height, width, 3), (215, 210, 200), np.float32)
    scene += rng.normal(0, 3, scene.shape)
    left, top, right, bottom = item_box
    scene[top:bottom, left:right] = (30, 40, 90)
    return np.clip(scene, 0, 255).astype(np.uint8)


def _check_valid(model_input: np.ndarray) -> None:
    assert model_input.shape == (IMAGE_SIZE, IMAGE_SIZE)
    assert model_input.dtype == np.float32
    assert model_input.min() >= 0.0 and model_input.max() <= 1.0
    assert model_input.max() > 0.3  # a light item is there
    # black background: the corners are empty
    assert model_input[0, 0] == 0 and model_input[-1, -1] == 0


def _item_shape(model_input: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(model_input.max(axis=1) > 0.1)
    cols = np.flatnonzero(model_input.max(axis=0) > 0.1)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


# -- valid inputs of every kind ----------------------------------------------------------------


def test_jpeg_bytes_give_a_tall_item_filling_the_frame():
    result = photo.to_model_input(_encode(Image.fromarray(_scene()), "JPEG", quality=90))
    _check_valid(result)
    height, width = _item_shape(result)
    assert height >= 27 and width < height  # longest side fills 28, as Fashion-MNIST was made


def test_file_like_and_pil_sources():
    data = _encode(Image.fromarray(_scene()), "PNG")
    from_bytes = photo.to_model_input(data)
    stream = io.BytesIO(data)
    stream.read(10)  # a cursor left mid-file must not matter
    np.testing.assert_allclose(photo.to_model_input(stream), from_bytes, atol=1e-6)
    np.testing.assert_allclose(
        photo.to_model_input(Image.open(io.BytesIO(data))), from_bytes, atol=1e-6
    )
    np.testing.assert_allclose(photo.to_model_input(bytearray(data)), from_bytes, atol=1e-6)


def test_rgba_transparency_is_the_background():
    rgba = np.zeros((200, 160, 4), np.uint8)
    rgba[20:180, 50:110] = (200, 30, 30, 255)  # a tall opaque item on a transparent canvas
    result = photo.to_model_input(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    _check_valid(result)
    height, width = _item_shape(result)
    assert height >= 27 and width <= 13


def test_white_item_on_transparent_background_is_kept():
    rgba = np.zeros((200, 160, 4), np.uint8)
    rgba[20:180, 50:110] = 255  # a white item: on the white it is shown on, only alpha tells it
    result = photo.to_model_input(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    _check_valid(result)
    assert _item_shape(result)[0] >= 27


def test_palette_grayscale_cmyk_and_16_bit():
    scene = Image.fromarray(_scene())
    kinds = {
        "P": _encode(scene.convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
        "L": _encode(scene.convert("L"), "JPEG"),
        "CMYK": _encode(scene.convert("CMYK"), "JPEG"),
        "16-bit": _encode(
            Image.fromarray(np.asarray(scene.convert("L")).astype(np.uint16) * 257), "PNG"
        ),
        "WebP": _encode(scene, "WEBP"),
        "16-bit, shrunk while decoding": _encode(
            Image.fromarray(
                np.asarray(scene.convert("L").resize((900, 1200))).astype(np.uint16) * 257
            ),
            "PNG",
        ),
        "P with a transparent colour": _encode(
            scene.convert("P", palette=Image.Palette.ADAPTIVE), "PNG", transparency=0
        ),
    }
    assert Image.open(io.BytesIO(kinds["16-bit"])).mode.startswith("I")
    assert Image.open(io.BytesIO(kinds["CMYK"])).mode == "CMYK"
    for name, data in kinds.items():
        result = photo.to_model_input(data)
        _check_valid(result)
        assert _item_shape(result)[0] >= 27, name


def test_animated_gif_uses_its_first_frame():
    first = Image.fromarray(_scene()).convert("P")
    second = Image.fromarray(_scene(item_box=(20, 150, 280, 250))).convert("P")  # a wide item
    data = _encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    height, width = _item_shape(photo.to_model_input(data))
    assert height > width  # the first frame's tall item, not the second's wide one


def test_exif_orientation_is_applied():
    upright = Image.fromarray(_scene())  # a tall item
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # the sensor's sideways pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    data = _encode(stored, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(data)).width > Image.open(io.BytesIO(data)).height
    height, width = _item_shape(photo.to_model_input(data))
    assert height > width
    prepared = photo.prepare(data)
    assert prepared.preview.shape[0] > prepared.preview.shape[1]  # shown upright too


def test_large_jpeg_is_decoded_small():
    big = Image.fromarray(_scene()).resize((4000, 3000))
    prepared = photo.prepare(_encode(big, "JPEG", quality=85))
    assert max(prepared.preview.shape[:2]) <= photo.PREVIEW_SIDE
    _check_valid(prepared.model_input)


def test_prepared_photo_exposes_each_step():
    prepared = photo.prepare(_encode(Image.fromarray(_scene()), "PNG"))
    assert prepared.preview.dtype == np.uint8 and prepared.preview.shape[2] == 3
    assert prepared.mask.dtype == bool and 0.1 < prepared.mask.mean() < 0.6
    top, left, bottom, right = prepared.box
    assert prepared.mask[top:bottom, left:right].any()
    assert photo.enlarge(prepared.model_input).shape == (224, 224)


# -- inputs that are not usable photos ---------------------------------------------------------


def _huge_png(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims `width` x `height` pixels (a decompression bomb)."""
    data = bytearray(_encode(Image.new("L", (8, 8)), "PNG"))
    ihdr = 8 + 8  # signature, then chunk length and type
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


BAD_INPUTS = {
    "empty": b"",
    "random bytes": np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
    "text file": b"name,price\nshirt,12.50\ntrousers,30\n" * 20,
    "truncated JPEG": _encode(Image.fromarray(_scene()), "JPEG")[:1500],
    "3 x 3 image": _encode(Image.new("RGB", (3, 3), "red"), "PNG"),
    "decompression bomb": _huge_png(30_000, 30_000),
    "huge dimensions": _huge_png(200_000, 10),
    "blank picture": _encode(Image.new("RGB", (300, 400), (120, 130, 140)), "PNG"),
    "fully transparent": _encode(Image.new("RGBA", (300, 400), (0, 0, 0, 0)), "PNG"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_a_plain_photo_error(name):
    with pytest.raises(photo.PhotoError) as info:
        photo.to_model_input(BAD_INPUTS[name])
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.endswith(".") and "Error" not in message and "\n" not in message


def test_not_a_source_at_all():
    with pytest.raises(photo.PhotoError):
        photo.to_model_input(io.StringIO("hello"))
    with pytest.raises(photo.PhotoError):
        photo.to_model_input(12345)


# -- Fashion-MNIST items as photos come back as their class ------------------------------------


def fashion_photo(item: np.ndarray, rng: np.random.Generator) -> bytes:
    """(28, 28) uint8 light-on-black item -> a JPEG "photo": dark item on a light, unevenly lit,
    slightly noisy background, about 600 x 800 pixels."""
    padded = np.pad(item.astype(np.float32) / 255.0, ((10, 10), (4, 4)))  # (48, 36)
    big = np.asarray(
        Image.fromarray(padded).resize((600, 800), Image.Resampling.BICUBIC), np.float32
    )
    yy, xx = np.mgrid[0:800, 0:600] / 800.0
    light = 0.8 + 0.15 * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))  # uneven lighting
    tint = rng.uniform(0.9, 1.0, 3)
    background = light[..., None] * tint * 255.0
    cloth = np.array([40.0, 45.0, 70.0]) * rng.uniform(0.5, 1.5)
    alpha = np.clip(big, 0, 1)[..., None]
    pixels = background * (1 - alpha) + cloth * alpha + rng.normal(0, 4, (800, 600, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return _encode(image, "JPEG", quality=88)


@pytest.mark.slow
def test_fashion_mnist_photos_come_back_as_their_class(fashion_test, photo_classifier):
    from fmnist_demo.photo_model import classify_photo

    images, labels = fashion_test
    rng = np.random.default_rng(1)
    predicted = np.array(
        [classify_photo(photo_classifier, fashion_photo(img, rng)).predicted for img in images]
    )
    assert np.mean(predicted == labels) >= 0.9


@pytest.fixture(scope="module")
def fashion_test(fmnist):
    """The first 200 test images and labels."""
    (_, _), (x_test, y_test) = fmnist
    return x_test[:200], y_test[:200]


@pytest.fixture(scope="module")
def photo_classifier():
    """The model the app classifies photos with."""
    from fmnist_demo.model import load_photo_model

    return load_photo_model()


# -- the messages in Bengali -------------------------------------------------------------------

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
FORMAT_WORDS = {"JPEG", "PNG", "WebP", "AVIF", "GIF", "BMP", "TIFF", "MB"}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_photo_errors_come_out_in_bengali(name, bengali):
    with pytest.raises(photo.PhotoError) as info:
        photo.to_model_input(BAD_INPUTS[name])
    message = str(info.value)
    assert message.endswith("।")  # the Bengali full stop: the sentence was translated
    assert set(LATIN_WORD.findall(message)) <= FORMAT_WORDS  # file formats and units only


def test_the_format_message_in_bengali(bengali):
    with pytest.raises(photo.PhotoError) as info:
        photo.to_model_input(BAD_INPUTS["text file"])
    assert str(info.value) == (
        "এই ফাইলটি এমন কোনো ছবি নয় যা এই অ্যাপ পড়তে পারে। অনুগ্রহ করে একটি ছবি পাঠান: "
        "JPEG, PNG, WebP, AVIF, GIF, BMP বা TIFF।"
    )
    with pytest.raises(photo.PhotoError, match=r"\(200000 × 10 পিক্সেল\)"):
        photo.to_model_input(_huge_png(200_000, 10))
