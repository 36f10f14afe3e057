"""Figures and charts for the pages, built from arrays and returned, never shown.

The chapter's own figures (one picture with its 0-255 colour bar, the 5 x 5 sample grid, the
15-prediction figure, one picture's ten bars) are matplotlib Figures, drawn as the chapter draws
them with the object API (no pyplot state), and turned into PNG bytes by `figure_png` so a page can
cache the picture rather than redraw it. The mistakes gallery is composed into one PIL image.
Views the browser draws itself (bars, the live training view) are HTML, in html_views.py. No
Streamlit and no TensorFlow here.

Every word drawn is in the visitor's language (`_()`, `kind_name()`), so a page that caches a
figure keys its cache by the language too. Bengali drawn into pictures needs a Bengali font (the
shipped Noto Sans Bengali) and complex-script shaping (libraqm, in matplotlib from 3.11 and in
Pillow when built with it); where the installed library cannot shape it, a figure keeps the
chapter's English words, as the chapter's own figures do.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import lru_cache

import matplotlib
import numpy as np
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Affine2D
from PIL import Image, ImageDraw, ImageFont, features

from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES
from fmnist_demo.formatting import NO_BREAK_SPACE, confidence, count, percent
from fmnist_demo.i18n import FONT_PATH, N_, _, language

RIGHT = "#1f63c6"  # blue: the model is right / the true class
WRONG = "#d62728"  # red: the model is wrong / the predicted class
OTHER = "#b0b0b0"  # grey: every other class
PAGE_BACKGROUND = (255, 255, 255)
TEXT = (49, 51, 63)  # Streamlit's body text colour
SCALE = 4  # screen pixels per image pixel in composed pictures: 28 -> 112
CAPTION_SIZE = 15  # px

# A matplotlib figure W inches wide is meant to be shown W * SCREEN_DPI screen pixels wide, where
# a font of s points measures s * SCREEN_DPI / 72 pixels: 9 pt -> 12.5 px, the smallest we use.
SCREEN_DPI = 100
PNG_COMPRESSION = 1  # zlib level of figure PNGs: fast to write, a little larger
PNG_DENSITY = 2  # PNG pixels per screen pixel, sharp on high-density (phone, laptop) screens
SMALLEST_PT = 9
TICK_PT = 10
LABEL_PT = 11
GRID_INCHES = 8.2  # the sample grid and the 15 predictions fill an 820 px column (1280 px window)
PHONE_INCHES = 3.5  # the same figures laid out for a 390 px phone screen: 350 px wide
# A 390 px phone shows the page's column 358 px wide (16 px margins): a figure drawn 350 px wide
# is shown as drawn, so 9 pt text is 12.5 px on that screen (11.9 px on a 375 px phone), where the
# desk layouts, 600-820 px wide, were shrunk to 5-7 px.
PHONE_COLUMN_PX = 358
PHONE_PT = 9  # every word of a phone figure: 12.5 px on the screen
PHONE_TITLE_PT = 10
READABLE_PX = 11  # the smallest text a phone figure may show, in screen pixels
PICTURE_INCHES = 4.4  # one picture and its colour bar: half the column
BARS_INCHES = 6.0  # one picture's ten bars

# Latin letters and digits from DejaVu Sans (matplotlib's own, so English figures are unchanged),
# Bengali letters from the shipped Noto Sans Bengali: matplotlib picks the font glyph by glyph.
# Set once at import, the same for every visitor; figures never touch pyplot's state.
BENGALI_FONT = "Noto Sans Bengali"
FONT_FAMILY = ["DejaVu Sans", BENGALI_FONT]
font_manager.fontManager.addfont(str(FONT_PATH))
matplotlib.rcParams["font.family"] = FONT_FAMILY
# Conjuncts and vowel signs are joined only by a shaping engine: libraqm, in matplotlib >= 3.11.
FIGURES_SHAPE_BENGALI = hasattr(ft2font, "__libraqm_version__")
PICTURES_SHAPE_BENGALI = bool(features.check("raqm"))  # Pillow's, for the composed galleries
LATIN_ASCENT = 0.76  # DejaVu Sans: the top of "l" above the baseline, in ems
# From one baseline of a two-line caption to the next, in ems: Bengali vowel signs reach about
# 1/3 em below the line and 1 em above it, so its lines stand further apart than Latin ones.
CAPTION_LINE_EM = {"latin": 1.15, "bengali": 1.4}
BENGALI_LETTERS = re.compile("[\u0980-\u09ff]")


def _figure_words(message: str) -> str:
    """message in the visitor's language, or in English where matplotlib cannot shape it."""
    return _(message) if FIGURES_SHAPE_BENGALI or language() != "bn" else message


def _figure_kind(label: int) -> str:
    """The name of kind label as a figure writes it (see _figure_words)."""
    return _figure_words(CLASS_NAMES[int(label)])


def _figure_kinds() -> list[str]:
    """The ten kind names as a figure writes them, in label order."""
    return [_figure_kind(label) for label in range(NUM_CLASSES)]


@lru_cache(maxsize=4)
def _font(size: int, bengali: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if bengali:  # the shipped font has Bengali letters, digits and signs, but no Latin letters
        return ImageFont.truetype(FONT_PATH, size, layout_engine=ImageFont.Layout.RAQM)
    return ImageFont.load_default(size=size)


def _line_font(line: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font a caption line is drawn in: Pillow has no per-glyph fallback, so a whole line
    with Bengali letters takes the Bengali font."""
    return _font(size, bengali=bool(BENGALI_LETTERS.search(line)))


def _picture_words(message: str) -> str:
    """message in the visitor's language, or in English where Pillow cannot shape it."""
    return _(message) if PICTURES_SHAPE_BENGALI or language() != "bn" else message


def _as_uint8(image: np.ndarray) -> np.ndarray:
    """(28, 28) uint8 or float in [0, 1] -> (28, 28) uint8 0-255."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def _tile(image: np.ndarray, scale: int = SCALE) -> Image.Image:
    """One image as stored (0 = black, 255 = white), enlarged with hard pixel edges."""
    # (28, 28) -> (28 * scale, 28 * scale) uint8
    return Image.fromarray(_as_uint8(image), mode="L").resize(
        (IMAGE_SIZE * scale, IMAGE_SIZE * scale), Image.Resampling.NEAREST
    )


def enlarged(image: np.ndarray, scale: int = SCALE) -> Image.Image:
    """One picture as stored (light item on black), scale times larger with hard pixel edges."""
    return _tile(image, scale)


def _wrapped(line: str, size: int, width: float) -> list[str]:
    """A caption line broken at its spaces into lines at most `width` pixels long (a word longer
    than that keeps a line of its own); no-break spaces hold '99 %' together, and what is in
    brackets, '(over 99 %)', stays on one line."""
    font = _line_font(line, size)
    lines: list[str] = []
    for word in re.split(r" (?![^()]*\))", line):
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def image_grid(
    images: np.ndarray,
    captions: Sequence[Sequence[str]],
    colours: Sequence[tuple[int, int, int]] | None = None,
    columns: int = 5,
    scale: int = SCALE,
    caption_size: int = CAPTION_SIZE,
    cell_width: int | None = None,
) -> Image.Image:
    """Images in rows of `columns`, each with one or more caption lines under it.

    With `cell_width` (pixels) every cell is that wide and captions wrap to fit it, as a phone
    needs; without it a cell is as wide as its longest caption line.
    """
    images = np.asarray(images)  # (N, 28, 28)
    if len(images) != len(captions):
        raise ValueError("Give one caption per image.")
    if len(images) == 0:
        raise ValueError("There are no images to show.")
    side = IMAGE_SIZE * scale
    zoom = caption_size / CAPTION_SIZE  # margins grow with the text (a denser picture)
    margin = round(16 * zoom)
    if cell_width is not None:
        room = cell_width - margin
        captions = [
            [part for line in caption for part in _wrapped(line, caption_size, room)]
            for caption in captions
        ]
    # Lines are broken here, never by Pillow, so a no-break space has done its work: Pillow's
    # own Latin font has no glyph for it and would draw a box.
    captions = [[line.replace(NO_BREAK_SPACE, " ") for line in caption] for caption in captions]
    bengali = any(BENGALI_LETTERS.search(line) for c in captions for line in c)
    # vowel signs reach above and below the line
    line_height = caption_size + round((9 if bengali else 5) * zoom)
    lines = max(len(c) for c in captions)
    text_width = max(_line_font(line, caption_size).getlength(line) for c in captions for line in c)
    cell_w = cell_width or int(max(side, text_width)) + margin
    gap = round(6 * zoom)  # between a picture and its caption
    cell_h = side + gap + lines * line_height + round(10 * zoom)
    rows = -(-len(images) // columns)
    width = cell_w * min(columns, len(images))
    canvas = Image.new("RGB", (width, cell_h * rows), PAGE_BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for i, (image, caption) in enumerate(zip(images, captions, strict=True)):
        x0, y0 = (i % columns) * cell_w, (i // columns) * cell_h
        canvas.paste(_tile(image, scale), (x0 + (cell_w - side) // 2, y0))
        colour = colours[i] if colours is not None else TEXT
        for j, line in enumerate(caption):
            y = y0 + side + gap + j * line_height
            font = _line_font(line, caption_size)
            draw.text((x0 + cell_w / 2, y), line, fill=colour, font=font, anchor="ma")
    return canvas


def screen_width(fig: Figure) -> int:
    """How many screen pixels wide the figure is meant to be shown."""
    return round(fig.get_figwidth() * SCREEN_DPI)


def settle_ipython_check() -> None:
    """Let matplotlib look for IPython now, before another thread may be importing it.

    matplotlib looks once per kind of canvas, when the first one is made; one that looks while
    another thread is halfway through importing IPython (Keras imports it where it is installed,
    so the server's TensorFlow preload does) fails with "partially initialized module 'IPython'
    has no attribute 'version_info'". Call it before starting such an import.
    """
    FigureCanvasAgg(Figure())  # also makes the base canvas every Figure starts with


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, PNG_DENSITY pixels per screen pixel; show it screen_width wide.

    Drawn on a white ground and written as RGB with light compression: a third faster than
    `savefig` (RGBA, zlib level 6) for files about a sixth larger, which a page notices less.
    """
    canvas = FigureCanvasAgg(fig)
    dpi, face = fig.get_dpi(), fig.get_facecolor()
    fig.set_dpi(SCREEN_DPI * PNG_DENSITY)
    fig.set_facecolor("white")
    try:
        canvas.draw()
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])  # a copy, no alpha
    finally:
        fig.set_dpi(dpi)
        fig.set_facecolor(face)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def _show_picture(ax, image: np.ndarray) -> object:
    """One picture as stored: 0 black, 255 white, one square per pixel."""
    return ax.imshow(_as_uint8(image), cmap="gray", vmin=0, vmax=255, interpolation="nearest")


def picture_figure(image: np.ndarray) -> Figure:
    """The chapter's first figure: one picture beside a colour bar of its 0-255 pixel values."""
    fig = Figure(figsize=(PICTURE_INCHES, PICTURE_INCHES * 0.86), layout="constrained")
    ax = fig.add_subplot()
    shown = _show_picture(ax, image)
    ax.grid(False)
    ticks = [0, 9, 18, 27]
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.tick_params(labelsize=TICK_PT)
    ax.set_xlabel(_figure_words(N_("column")), fontsize=TICK_PT)
    ax.set_ylabel(_figure_words(N_("row")), fontsize=TICK_PT)
    bar = fig.colorbar(shown, ax=ax, ticks=[0, 50, 100, 150, 200, 255], fraction=0.06, pad=0.04)
    bar.ax.tick_params(labelsize=TICK_PT)
    bar.set_label(_figure_words(N_("pixel value: 0 black, 255 white")), fontsize=TICK_PT)
    return fig


def _baseline(top: float, points: float) -> float:
    """Where to put the baseline of a line whose tallest Latin letters reach down to `top` (inches,
    growing downwards).

    Captions in a row share this baseline: aligning their tops would lift a name with tall
    Bengali vowel signs above its neighbours, as matplotlib measures the tops of the glyphs drawn.
    """
    return top + LATIN_ASCENT * points / 72


@lru_cache(maxsize=1024)  # the same captions come back: "Trouser 98 %"
def _text_inches(text: str, points: float) -> float:
    """How wide a line of text is drawn in the figures' fonts, in inches."""
    renderer = RendererAgg(1, 1, SCREEN_DPI)  # a renderer of one's own: measuring is not shared
    props = FontProperties(family=FONT_FAMILY, size=points)
    return renderer.get_text_width_height_descent(text, props, ismath=False)[0] / SCREEN_DPI


def _fit_caption(
    lines: Sequence[str], points: float, centre: float, room: tuple[float, float]
) -> tuple[float, float]:
    """Where to centre a caption under its picture, and its size in points.

    Centred under the picture, unless a long one ('Ankle boot over 99 %', longer in Bengali)
    would cross an edge of its room, (left, right) in inches: then moved aside as little as keeps
    it inside, and if it still does not fit, made smaller, never below SMALLEST_PT.
    """
    room_width = room[1] - room[0]
    width = max(_text_inches(line, points) for line in lines) + 0.04
    if width > room_width:  # text narrows a little less than its size: keep a margin
        points = max(float(SMALLEST_PT), 0.97 * points * room_width / width)
        width = max(_text_inches(line, points) for line in lines) + 0.04
    low, high = room[0] + width / 2, room[1] - width / 2
    if low > high:  # wider than the room even at the smallest size: the middle of the room
        return (room[0] + room[1]) / 2, points
    return min(max(centre, low), high), points


def _sheet(width_in: float, height_in: float) -> tuple[Figure, object]:
    """A figure with one invisible axes over all of it, measured in inches from the top left.

    Many small pictures and bar charts drawn into one axes cost a fraction of one axes each
    (matplotlib spends about 20 ms setting up every axes), so a figure of 25 or 30 parts is
    drawn in well under a second even on a busy server.
    """
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width_in)
    ax.set_ylim(height_in, 0)  # y grows downwards, like reading
    ax.set_axis_off()
    return fig, ax


def _place_picture(ax, image: np.ndarray, left: float, top: float, side: float) -> None:
    """One picture as stored (0 black, 255 white) in a side x side square at (left, top)."""
    ax.imshow(
        _as_uint8(image),
        cmap="gray",
        vmin=0,
        vmax=255,
        interpolation="nearest",
        extent=(left, left + side, top + side, top),
    )


def sample_grid(
    images: np.ndarray,
    labels: np.ndarray,
    columns: int = 5,
    numbered: bool = True,
    width_in: float = GRID_INCHES,
) -> Figure:
    """The chapter's 5 x 5 grid: each picture (numbered) with its kind written under it."""
    images, labels = np.asarray(images), np.asarray(labels)  # (N, 28, 28), (N,)
    if len(images) != len(labels):
        raise ValueError("Give one label per image.")
    if len(images) == 0:
        raise ValueError("There are no images to show.")
    rows = -(-len(images) // columns)
    cell = width_in / columns
    side, caption = cell - 0.24, 0.34  # inches: picture, and the line of text under it
    fig, ax = _sheet(width_in, rows * (side + caption + 0.08))
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        r, c = divmod(i, columns)
        left, top = c * cell + (cell - side) / 2, r * (side + caption + 0.08) + 0.04
        _place_picture(ax, image, left, top, side)
        name = _figure_kind(label)
        size = LABEL_PT if cell >= 1.4 else SMALLEST_PT  # "11. Ankle boot" fits its cell
        ax.text(
            left + side / 2,
            _baseline(top + side + 0.06, size),
            f"{i + 1}. {name}" if numbered else name,
            ha="center",
            va="baseline",
            fontsize=size,
            color="#31333f",
        )
    return fig


PHONE_GALLERY_COLUMNS = 2
PHONE_CAPTION_PX = 13  # the gallery's captions on a phone, in screen pixels


def gallery_screen_width(gallery: Image.Image) -> int:
    """How many screen pixels wide a composed picture is meant to be shown."""
    return gallery.width // int(gallery.info.get("density", 1))


def mistakes_gallery(
    images: np.ndarray,
    labels: np.ndarray,
    probs: np.ndarray,
    columns: int = 4,
    phone: bool = False,
) -> Image.Image:
    """Wrong guesses, each captioned 'looked like X (97 %)' and 'really Y'.

    For a phone: two across, each cell half the phone's column, captions wrapped and 13 px tall
    on the screen, drawn at PNG_DENSITY pixels per screen pixel (info["density"]).
    """
    probs = np.asarray(probs)  # (N, 10)
    predicted = probs.argmax(axis=1)
    looked = _picture_words(N_("looked like {guess} ({confidence})"))
    really = _picture_words(N_("really {kind}"))
    names = [_picture_words(name) for name in CLASS_NAMES]
    captions = [
        [
            looked.format(guess=names[p], confidence=confidence(probs[i, p])),
            really.format(kind=names[int(labels[i])]),
        ]
        for i, p in enumerate(predicted)
    ]
    if not phone:
        return image_grid(images, captions, columns=columns)
    d = PNG_DENSITY
    cell = PHONE_COLUMN_PX // PHONE_GALLERY_COLUMNS - 4  # screen pixels
    gallery = image_grid(
        images,
        captions,
        columns=PHONE_GALLERY_COLUMNS,
        scale=SCALE * d,
        caption_size=PHONE_CAPTION_PX * d,
        cell_width=cell * d,
    )
    gallery.info["density"] = d
    gallery.info["text_px"] = PHONE_CAPTION_PX * d  # its captions' size, as drawn
    return gallery


def picture_png(picture: Image.Image) -> bytes:
    """A composed picture as PNG bytes; show it gallery_screen_width wide."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


NUMBERS_GID = "numbers"  # the id of the shapes that write numbers (see _draw_numbers)


def written_numbers(fig: Figure) -> list[str]:
    """Every number `_draw_numbers` wrote in a figure, in the order written."""
    shapes = [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == NUMBERS_GID]
    return [number for shape in shapes for number in shape.numbers]


def _draw_numbers(ax, placed: list[tuple[str, float, float]], colour: str) -> None:
    """Short numbers (digits and a point) centred at (x, y) inches, drawn as one shape.

    784 separate text objects take about a second to draw; the outlines of each distinct number,
    made once and moved into place, are drawn together in a few milliseconds.
    """
    if not placed:
        return
    prop = FontProperties(family=FONT_FAMILY, size=SMALLEST_PT)  # outline units: points
    shapes: dict[str, tuple[MplPath, float, float]] = {}
    parts = []
    for text, x, y in placed:
        if text not in shapes:
            outline = TextPath((0, 0), text, prop=prop)
            ink = outline.vertices[outline.codes != MplPath.CLOSEPOLY]  # the outline's points
            low, high = ink.min(axis=0), ink.max(axis=0)  # (exact curve extents are slow)
            shapes[text] = (outline, (low[0] + high[0]) / 2, (low[1] + high[1]) / 2)
        outline, cx, cy = shapes[text]
        # points -> inches, y flipped (the sheet's y grows downwards), ink centred on (x, y)
        move = Affine2D().translate(-cx, -cy).scale(1 / 72, -1 / 72).translate(x, y)
        parts.append(outline.transformed(move))
    shape = PathPatch(MplPath.make_compound_path(*parts), facecolor=colour, edgecolor="none", lw=0)
    shape.set_gid(NUMBERS_GID)
    shape.numbers = [text for text, _x, _y in placed]  # what it says, for tests and checks
    ax.add_artist(shape)  # not add_patch: the limits are fixed, and measuring every curve is slow


def pixel_values_figure(image: np.ndarray, *, normalised: bool = False) -> Figure:
    """All 28 x 28 pixel values written in their cells, shaded by brightness.

    As stored the values are 0-255; after dividing by 255 they are written with one decimal (0.5),
    which is what fits a cell at a readable size.
    """
    values = _as_uint8(image)  # (28, 28) uint8
    fig, ax = _sheet(GRID_INCHES, GRID_INCHES + 0.1)
    margin = 0.42  # inches for the row and column numbers
    cell = (GRID_INCHES - margin - 0.05) / IMAGE_SIZE
    _place_picture(ax, values, margin, margin, cell * IMAGE_SIZE)
    numbers: dict[str, list[tuple[str, float, float]]] = {"black": [], "white": []}
    for r in range(IMAGE_SIZE):
        for c in range(IMAGE_SIZE):
            v = int(values[r, c])
            text = (
                f"{v / 255:.1f}"
                if normalised and 0 < v < 255
                else str(v // 255 if normalised else v)
            )
            colour = "black" if v > 128 else "white"
            numbers[colour].append((text, margin + (c + 0.5) * cell, margin + (r + 0.5) * cell))
    for colour, placed in numbers.items():
        _draw_numbers(ax, placed, colour)
    for i in range(0, IMAGE_SIZE, 3):
        centre = margin + (i + 0.5) * cell
        ax.text(centre, margin - 0.08, str(i), ha="center", va="bottom", fontsize=SMALLEST_PT)
        ax.text(margin - 0.08, centre, str(i), ha="right", va="center", fontsize=SMALLEST_PT)
    ax.text(margin + 0.02, 0.02, _figure_words(N_("column →")), ha="left", va="top",
            fontsize=SMALLEST_PT)  # fmt: skip
    ax.text(0.02, margin + 0.02, _figure_words(N_("row ↓")), ha="left", va="top",
            fontsize=SMALLEST_PT, rotation=90)  # fmt: skip
    return fig


def class_count_figure(
    train_counts: np.ndarray, test_counts: np.ndarray, phone: bool = False
) -> Figure:
    """Pictures of each kind in the training and test sets, side by side, each count written."""
    train_counts, test_counts = np.asarray(train_counts), np.asarray(test_counts)  # (10,) each
    small, label = (PHONE_PT, PHONE_PT) if phone else (SMALLEST_PT, LABEL_PT)
    tick = PHONE_PT if phone else TICK_PT
    fig = Figure(figsize=(PHONE_INCHES if phone else BARS_INCHES, 4.6), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(CLASS_NAMES))
    top = max(int(train_counts.max()), 1)
    for counts, offset, colour, name in [
        # NOTE: the legend of the bars counting the training pictures of each kind
        (train_counts, -0.2, RIGHT, _figure_words(N_("Training"))),
        # NOTE: the legend of the bars counting the test pictures of each kind
        (test_counts, 0.2, "#f28e2b", _figure_words(N_("Test"))),
    ]:
        ax.barh(rows + offset, counts, height=0.38, color=colour, label=name)
        for y, n in zip(rows + offset, counts, strict=True):
            ax.text(n + top * 0.01, y, count(n), va="center", fontsize=small)
    ax.set_yticks(rows, labels=_figure_kinds(), fontsize=label)
    ax.invert_yaxis()  # T-shirt/top at the top, as in the lists
    ax.set_xlim(0, top * (1.4 if phone else 1.18))  # room for "6,000" after the longest bar
    if phone:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=2, steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: count(v)))  # 6,000, never 6e+03
    ax.tick_params(axis="x", labelsize=tick)
    ax.set_xlabel(_figure_words(N_("pictures")), fontsize=tick)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", fontsize=tick, frameon=False, ncols=2,
              bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    return fig


def prediction_caption(probs: np.ndarray, label: int) -> tuple[str, str]:
    """The chapter's caption in its two lines: ('Sneaker 97 %', '(Sneaker)') = guess and how
    sure, then (the true kind)."""
    guess = int(np.argmax(probs))
    return f"{_figure_kind(guess)} {confidence(probs[guess])}", f"({_figure_kind(label)})"


def _bar_colours(probs: np.ndarray, label: int | None) -> list[str]:
    """Grey bars; the guess red when wrong, the true kind blue (the guess blue without a label)."""
    guess = int(np.argmax(probs))
    colours = [OTHER] * len(CLASS_NAMES)
    colours[guess] = RIGHT if label is None else WRONG
    if label is not None:
        colours[int(label)] = RIGHT
    return colours


def _ten_bars(ax, probs: np.ndarray, label: int | None) -> None:
    """The chapter's plot_value_array: ten bars on a 0-1 scale, coloured as _bar_colours."""
    ax.bar(range(len(CLASS_NAMES)), probs, color=_bar_colours(probs, label), width=0.8)
    ax.set_ylim(0, 1)
    ax.set_xlim(-0.6, len(CLASS_NAMES) - 0.4)
    ax.grid(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def prediction_figure(
    images: np.ndarray,
    labels: np.ndarray,
    probs: np.ndarray,
    columns: int = 3,
    width_in: float = GRID_INCHES,
) -> Figure:
    """The chapter's figure: each picture with its caption under it (blue right, red wrong) and
    its ten bars beside it (true kind blue, a wrong guess red, on a 0-1 scale)."""
    images, labels, probs = np.asarray(images), np.asarray(labels), np.asarray(probs)
    if not len(images) == len(labels) == len(probs):
        raise ValueError("Give one label and one row of probabilities per image.")
    if len(images) == 0:
        raise ValueError("There are no images to show.")
    rows = -(-len(images) // columns)
    cell = width_in / columns  # one picture and its bars, in inches
    side, caption, gap = 1.42, 0.44, 0.22  # picture, two caption lines, space between rows
    row_h = side + caption + gap
    fig, ax = _sheet(width_in, rows * row_h)
    slot = (cell - side - 0.42) / len(CLASS_NAMES)  # one bar and its gap
    for i, (image, label, row) in enumerate(zip(images, labels, probs, strict=True)):
        r, c = divmod(i, columns)
        left, top = c * cell + 0.08, r * row_h + 0.06
        _place_picture(ax, image, left, top, side)
        guess = int(np.argmax(row))
        # the caption in two short lines, each on a baseline of its own (see _baseline)
        x0, base = left + side + 0.2, top + side  # where the bars start, and their baseline
        lines = prediction_caption(row, int(label))
        step = CAPTION_LINE_EM["bengali" if BENGALI_LETTERS.search("".join(lines)) else "latin"]
        # under the picture, clear of the bars' ticks on its right
        x, size = _fit_caption(lines, LABEL_PT, left + side / 2, (c * cell, x0 - 0.02))
        for j, line in enumerate(lines):
            ax.text(
                x,
                _baseline(base + 0.04, LABEL_PT) + j * step * size / 72,  # one row, one line
                line,
                ha="center",
                va="baseline",
                fontsize=size,
                color=RIGHT if guess == int(label) else WRONG,
            )
        # the ten bars: a 0-1 scale as tall as the picture, baseline level with its bottom
        xs = x0 + slot * (np.arange(len(CLASS_NAMES)) + 0.5)
        ax.bar(
            xs, -side * np.asarray(row, dtype=float), bottom=base, width=slot * 0.78,
            color=_bar_colours(row, int(label)),
        )  # fmt: skip
        ax.plot([x0, x0, x0 + slot * len(CLASS_NAMES)], [top, base, base], color="#555", lw=0.8)
        ax.vlines(xs, base, base + 0.05, color="#555", lw=0.8)  # the chapter's ticks, one a kind
    return fig


def probability_figure(probs: np.ndarray, label: int | None = None, phone: bool = False) -> Figure:
    """The chapter's bars for one picture: ten kinds named at 45 degrees, shares in per cent.

    With the true `label`, that kind is blue and a wrong guess red; without it the guess is blue.
    """
    probs = np.asarray(probs, dtype=float)  # (10,)
    tick, label_pt = (PHONE_PT, PHONE_PT) if phone else (TICK_PT, LABEL_PT)
    fig = Figure(figsize=(PHONE_INCHES if phone else BARS_INCHES, 3.4), layout="constrained")
    ax = fig.add_subplot()
    _ten_bars(ax, probs, label)
    ax.set_xticks(
        range(len(CLASS_NAMES)),
        labels=_figure_kinds(),
        rotation=45,
        ha="right",
        rotation_mode="anchor",
        fontsize=label_pt,
    )
    ax.set_yticks([0, 0.5, 1])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v)))
    ax.tick_params(axis="y", labelsize=tick)
    ax.set_ylabel(_figure_words(N_("how likely")), fontsize=tick)
    return fig


def _phone_confusion_figure(matrix: np.ndarray) -> Figure:
    """The confusion matrix for a phone: kinds numbered 1-10 on both sides and named in a key
    under it, so the counts have room to be written at a readable size."""
    fig = Figure(figsize=(PHONE_INCHES, 5.3), layout="constrained")
    ax, key = fig.subplots(2, 1, height_ratios=[3.5, 1.2])
    top = max(int(matrix.max()), 1)
    ax.imshow(np.sqrt(matrix / top), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (r, c), n in np.ndenumerate(matrix):
        ax.text(c, r, count(n), ha="center", va="center", fontsize=PHONE_PT,
                color="white" if n > top * 0.35 else "black")  # fmt: skip
    numbers = [str(i + 1) for i in range(len(matrix))]
    ax.set_xticks(range(len(numbers)), labels=numbers, fontsize=PHONE_PT)
    ax.set_yticks(range(len(numbers)), labels=numbers, fontsize=PHONE_PT)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(_figure_words(N_("The model's guess")), fontsize=PHONE_PT, labelpad=4)
    ax.set_ylabel(_figure_words(N_("What it really is")), fontsize=PHONE_PT)
    ax.tick_params(length=0, pad=2)
    key.set_axis_off()
    names = _figure_kinds()
    half = (len(names) + 1) // 2
    for i, name in enumerate(names):
        column, row = divmod(i, half)
        key.text(column * 0.5, 1 - (row + 0.5) / half, f"{i + 1}  {name}", ha="left", va="center",
                 fontsize=PHONE_PT, transform=key.transAxes)  # fmt: skip
    return fig


def confusion_figure(matrix: np.ndarray, phone: bool = False) -> Figure:
    """Confusion matrix with class names: rows are the true kind, columns the model's guess,
    every count written in its cell."""
    matrix = np.asarray(matrix)  # (10, 10) counts
    if phone:
        return _phone_confusion_figure(matrix)
    fig = Figure(figsize=(GRID_INCHES, GRID_INCHES * 0.9), layout="constrained")
    ax = fig.add_subplot()
    top = max(int(matrix.max()), 1)
    # a square-root scale keeps the small off-diagonal counts visible beside ~900 correct ones
    ax.imshow(np.sqrt(matrix / top), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (r, c), n in np.ndenumerate(matrix):
        ax.text(c, r, count(n), ha="center", va="center", fontsize=TICK_PT,
                color="white" if n > top * 0.35 else "black")  # fmt: skip
    names = _figure_kinds()
    ax.set_xticks(range(len(names)), labels=names, rotation=45, ha="left",
                  rotation_mode="anchor", fontsize=LABEL_PT)  # fmt: skip
    ax.set_yticks(range(len(names)), labels=names, fontsize=LABEL_PT)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(_figure_words(N_("The model's guess")), fontsize=LABEL_PT, labelpad=8)
    ax.set_ylabel(_figure_words(N_("What it really is")), fontsize=LABEL_PT)
    ax.tick_params(length=0)
    return fig


def class_accuracy_figure(accuracy: np.ndarray, phone: bool = False) -> Figure:
    """How often each kind is recognised, best first, with the percentage written on each bar."""
    accuracy = np.asarray(accuracy, dtype=float)  # (10,) in [0, 1]
    order = np.argsort(-accuracy, kind="stable")
    tick, label = (PHONE_PT, PHONE_PT) if phone else (TICK_PT, LABEL_PT)
    fig = Figure(figsize=(PHONE_INCHES if phone else BARS_INCHES, 4.2), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(order))
    ax.barh(rows, accuracy[order], color=RIGHT, height=0.7)
    for y, a in zip(rows, accuracy[order], strict=True):
        ax.text(a + 0.01, y, percent(a), va="center", fontsize=tick)
    ax.set_yticks(rows, labels=[_figure_kind(i) for i in order], fontsize=label)
    ax.invert_yaxis()  # best at the top
    ax.set_xlim(0, 1.22 if phone else 1.1)  # room for "100 %" after a full bar
    ax.set_xticks([0, 0.5, 1] if phone else [0, 0.25, 0.5, 0.75, 1])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v)))
    ax.tick_params(axis="x", labelsize=tick)
    ax.set_xlabel(_figure_words(N_("share recognised correctly")), fontsize=tick)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


LOSS_TITLE = N_("Loss (lower is better)")
ACCURACY_TITLE = N_("Training accuracy (higher is better)")


def training_curves_figure(history_rows: Sequence[dict], phone: bool = False) -> Figure:
    """Loss and training accuracy after each epoch, side by side (one above the other for a
    phone), from rows {"epoch", "loss", "accuracy"}."""
    epochs = [int(r["epoch"]) for r in history_rows]
    if phone:
        fig = Figure(figsize=(PHONE_INCHES, 5.6), layout="constrained")
        loss_ax, acc_ax = fig.subplots(2, 1)
        title_pt, tick = PHONE_TITLE_PT, PHONE_PT
    else:
        fig = Figure(figsize=(GRID_INCHES, 3.0), layout="constrained")
        loss_ax, acc_ax = fig.subplots(1, 2)
        title_pt, tick = LABEL_PT, TICK_PT
    for ax, key, colour, title in [
        (loss_ax, "loss", WRONG, _figure_words(LOSS_TITLE)),
        (acc_ax, "accuracy", RIGHT, _figure_words(ACCURACY_TITLE)),
    ]:
        ax.plot(epochs, [r[key] for r in history_rows], marker="o", color=colour)
        ax.set_title(title, fontsize=title_pt)
        ax.set_xlabel(
            _figure_words(N_("epoch (one pass over the training pictures)")), fontsize=tick
        )
        few = 10 if not phone else 7  # ticks that fit side by side
        ax.set_xticks(epochs if len(epochs) <= few else epochs[:: -(-len(epochs) // few)])
        ax.tick_params(labelsize=tick)
        ax.grid(alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    # whole-percent steps (1, 2 or 5 points): a 2.5-point step would label 82.5 % as "82 %"
    acc_ax.yaxis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    acc_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v)))
    loss_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.2f}"))
    return fig
