"""Pictures of the inside of the network: PNG tiles with the words in HTML around them.

No Streamlit and no TensorFlow here. Weights and pixels' pushes are drawn in diverging colours
(matplotlib's RdBu: blue positive, red negative, white zero) on one symmetric scale per figure,
so that the same colour means the same number in every tile of it. The tiles carry no words:
the words are HTML around them, drawn by the browser in the visitor's language and at the page's
own text size (at least 13 px on a 390 px phone), and the tiles wrap onto as many rows as the
screen needs: one layout serves a wide window and a phone.

The PNGs are made with numpy and Pillow, not by drawing a matplotlib figure: a grid of 32 units
is written in about a millisecond, so the Train page can redraw it while the model learns
without taking time from the training.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from matplotlib import colormaps
from PIL import Image

from fmnist_demo.data import IMAGE_SIZE, kind_names
from fmnist_demo.formatting import confidence
from fmnist_demo.i18n import N_, _

COLOURS = "RdBu"  # diverging: red for negative, white for zero, blue for positive
GAP_RGB = (205, 205, 205)  # the thin lines between tiles: white would merge with white zero
ZOOM = 3  # PNG pixels per picture pixel: sharp, with the browser scaling up the rest
LIVE_ZOOM = 1  # the live grid, written a few times a second: smaller, the browser scales it
GRID_COLUMNS = 8  # units per row of the grid, wide window and phone alike
TILE_PX = {"units": 64, "kind": 68, "why": 130}  # how wide each tile is shown, screen pixels
# On a phone the three why-pictures share one row, inside a card: under a quarter of its width.
WHY_PHONE_WIDTH = "22vw"
PNG_COMPRESSION = 1  # fast to write

KEY_NEGATIVE = N_("red: lowers")
KEY_ZERO = N_("white: no effect")
KEY_POSITIVE = N_("blue: raises")

INSIDE_CSS = """
.fm-inside{font-size:0.9rem;line-height:1.3;max-width:880px}
.fm-inside img{image-rendering:pixelated;display:block;height:auto}
.fm-inside .fm-grid{width:100%;border:1px solid #cdcdcd}
.fm-inside .fm-tiles{display:flex;flex-wrap:wrap;gap:0.6rem 0.5rem;margin:0.3rem 0}
.fm-inside .fm-why figure{max-width:min(130px,22vw)}
.fm-inside .fm-kinds figure{width:68px}
.fm-inside figure{margin:0;text-align:center}
.fm-inside figcaption{font-size:0.85rem;margin-top:0.15rem;overflow-wrap:anywhere}
.fm-inside .fm-key{display:flex;align-items:center;gap:0.5rem;flex-wrap:wrap;
 font-size:0.85rem;margin:0.3rem 0}
.fm-inside .fm-ramp{width:7rem;height:0.7rem;border:1px solid #cdcdcd;
 background:linear-gradient(90deg,#67001f,#f7f7f7,#053061)}
.fm-inside .fm-pic{border:1px solid #cdcdcd}
"""  # sizes in rem: the page's own text size, 16 px on a phone as on a laptop


def _words(text: str) -> str:
    """Words for HTML, text or an attribute's value."""
    return html.escape(text, quote=True)


LEVELS = 255  # colours from most negative to most positive; the middle one (127) is zero
GAP_INDEX = LEVELS  # the palette's last entry: the lines between tiles


@lru_cache(maxsize=1)
def _colour_table() -> np.ndarray:
    """(LEVELS + 1, 3) uint8: the diverging colours, then the colour of the lines between tiles."""
    table = colormaps[COLOURS](np.linspace(0.0, 1.0, LEVELS))[:, :3]
    return np.vstack([np.round(table * 255).astype(np.uint8), np.array([GAP_RGB], np.uint8)])


def diverging_index(values: np.ndarray, scale: float) -> np.ndarray:
    """Values -> uint8 colour numbers: -scale 0, zero 127, +scale 254 (beyond: the end)."""
    scale = float(scale) or 1.0
    position = (np.asarray(values, dtype=np.float32) / scale + 1.0) * (LEVELS - 1) / 2
    return np.clip(np.rint(position), 0, LEVELS - 1).astype(np.uint8)


def diverging_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    """Values -> RGB uint8 (..., 3): -scale red, 0 white, +scale blue (beyond: the end colour)."""
    return _colour_table()[diverging_index(values, scale)]


def palette_png(indices: np.ndarray, zoom: int = ZOOM) -> bytes:
    """(H, W) colour numbers -> a PNG of one byte a pixel with the diverging palette.

    A third of the bytes of RGB, and written faster: the live grid is sent five times a second.
    """
    if zoom > 1:
        indices = np.repeat(np.repeat(indices, zoom, axis=0), zoom, axis=1)
    image = Image.fromarray(np.ascontiguousarray(indices), "P")
    image.putpalette(_colour_table().reshape(-1).tolist())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def grey_rgb(picture: np.ndarray) -> np.ndarray:
    """A picture in [0, 1] (or 0-255) -> RGB uint8 as stored: 0 black, 1 white."""
    picture = np.asarray(picture, dtype=np.float32)
    if picture.max(initial=0.0) > 1.0:
        picture = picture / 255.0
    grey = np.clip(np.rint(picture * 255), 0, 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def png_bytes(rgb: np.ndarray, zoom: int = ZOOM) -> bytes:
    """(H, W, 3) uint8 -> PNG bytes, each pixel a zoom x zoom square."""
    if zoom > 1:
        rgb = np.repeat(np.repeat(rgb, zoom, axis=0), zoom, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def grid_indices(pictures: np.ndarray, scale: float, columns: int = GRID_COLUMNS) -> np.ndarray:
    """(n, 28, 28) values -> one image of colour numbers: n tiles, `columns` a row, with
    1-pixel lines between them."""
    pictures = np.asarray(pictures, dtype=np.float32)
    n = len(pictures)
    if n == 0:
        raise ValueError("There are no pictures to show.")
    columns = min(columns, n)
    rows = -(-n // columns)
    step = IMAGE_SIZE + 1
    canvas = np.full((rows * step - 1, columns * step - 1), GAP_INDEX, np.uint8)
    tiles = diverging_index(pictures, scale)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        canvas[r * step : r * step + IMAGE_SIZE, c * step : c * step + IMAGE_SIZE] = tile
    return canvas


def grid_rgb(pictures: np.ndarray, scale: float, columns: int = GRID_COLUMNS) -> np.ndarray:
    """The grid of `grid_indices` in RGB colours."""
    return _colour_table()[grid_indices(pictures, scale, columns)]


def data_uri(png: bytes) -> str:
    """PNG bytes as a data: address for an <img> (Streamlit's HTML keeps those)."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _img(png: bytes, alt: str, width_px: int, shrink: bool = False) -> str:
    """A tile `width_px` wide; `shrink`: narrower on a phone (WHY_PHONE_WIDTH)."""
    width = f"min({width_px}px,{WHY_PHONE_WIDTH})" if shrink else f"{width_px}px"
    return (
        f'<img class="fm-pic" alt="{_words(alt)}" width="{width_px}" '
        f'style="width:{width}" src="{data_uri(png)}">'
    )


def colour_key(negative: str = KEY_NEGATIVE, positive: str = KEY_POSITIVE) -> str:
    """The colours in words, with a ramp from red through white to blue."""
    return (
        '<div class="fm-key" aria-hidden="true">'
        f"<span>{_words(_(negative))}</span>"
        '<span class="fm-ramp"></span>'
        f"<span>{_words(_(positive))}</span>"
        f"<span>· {_words(_(KEY_ZERO))}</span></div>"
    )


def inside_css() -> str:
    """The style sheet of these views, drawn once per page."""
    return f"<style>{INSIDE_CSS}</style>"


def units_grid_html(
    pictures: np.ndarray, scale: float, max_width_px: int, live: bool = False
) -> str:
    """The hidden units' weight pictures as one image in a grid, as wide as `max_width_px` or
    the column. `live`: written smaller, for the Train page's redraws."""
    png = palette_png(grid_indices(pictures, scale), LIVE_ZOOM if live else ZOOM)
    alt = _("The weights of {n} hidden units, each as a 28 × 28 picture").format(n=len(pictures))
    return (
        f'<div class="fm-inside fm-units" style="max-width:{max_width_px}px">'
        f'<img class="fm-grid" alt="{_words(alt)}" src="{data_uri(png)}"></div>'
    )


def units_grid_width(n: int, columns: int = GRID_COLUMNS) -> int:
    """How wide the grid of n units is shown at most, in screen pixels."""
    return min(columns, n) * TILE_PX["units"]


def kind_pictures_html(pictures: np.ndarray, scale: float, counts: Sequence[int]) -> str:
    """Ten tiles, one per kind, each named under it; a kind with no right answer says so."""
    names = kind_names()
    tiles = []
    for kind, (picture, n) in enumerate(zip(pictures, counts, strict=True)):
        png = palette_png(diverging_index(picture, scale))
        alt = _("What raises and lowers the score of {kind}").format(kind=names[kind])
        caption = names[kind] if n else _("{kind}: none right").format(kind=names[kind])
        tiles.append(
            f"<figure>{_img(png, alt, TILE_PX['kind'])}"
            f"<figcaption>{_words(caption)}</figcaption></figure>"
        )
    return (
        f'<div class="fm-inside"><div class="fm-tiles">{"".join(tiles)}</div>{colour_key()}</div>'
    )


def why_html(
    picture: np.ndarray,
    answer: int,
    probability: float,
    towards_answer: np.ndarray,
    scale: float,
    runner_up: int | None = None,
    towards_runner_up: np.ndarray | None = None,
    seen_caption: str | None = None,
) -> str:
    """The picture the model saw beside the pixels' pushes towards its answer (and runner-up)."""
    names = kind_names()
    seen = seen_caption or _("What the model saw")
    tiles = [
        f"<figure>{_img(png_bytes(grey_rgb(picture)), seen, TILE_PX['why'], shrink=True)}"
        f"<figcaption>{_words(seen)}</figcaption></figure>"
    ]
    # NOTE: {kind} is a kind of clothing, {share} how sure the model is, e.g. "Sneaker (87 %)"
    towards = _("Towards {kind} ({share})").format(
        kind=names[answer], share=confidence(probability)
    )
    png = palette_png(diverging_index(towards_answer, scale))
    tiles.append(
        f"<figure>{_img(png, towards, TILE_PX['why'], shrink=True)}"
        f"<figcaption>{_words(towards)}</figcaption></figure>"
    )
    if runner_up is not None and towards_runner_up is not None:
        second = _("Towards the runner-up, {kind}").format(kind=names[runner_up])
        png = palette_png(diverging_index(towards_runner_up, scale))
        tiles.append(
            f"<figure>{_img(png, second, TILE_PX['why'], shrink=True)}"
            f"<figcaption>{_words(second)}</figcaption></figure>"
        )
    key = colour_key(N_("red: pushed against"), N_("blue: pushed towards"))
    return f'<div class="fm-inside"><div class="fm-tiles fm-why">{"".join(tiles)}</div>{key}</div>'
