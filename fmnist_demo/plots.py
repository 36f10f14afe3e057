"""Figures and charts for the pages, built from arrays and returned, never shown.

Pictures made of many small images (the sample grid, the mistakes gallery) are composed into one
PIL image, which is fast and keeps every label readable. Most of the rest are Altair charts, so a
person can hover for exact numbers. The live training view is one small piece of HTML with an SVG
chart: it is redrawn several times a second while the computer trains, and the browser draws it
in a fraction of what a chart library needs. No Streamlit and no TensorFlow here.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, normalise
from fmnist_demo.evaluation import confidence, percent

RIGHT = "#1f63c6"  # blue: the model is right / the true class
WRONG = "#d62728"  # red: the model is wrong / the predicted class
OTHER = "#b0b0b0"  # grey: every other class
PAGE_BACKGROUND = (255, 255, 255)
TEXT = (49, 51, 63)  # Streamlit's body text colour
SCALE = 4  # screen pixels per image pixel in composed pictures: 28 -> 112
CAPTION_SIZE = 15  # px


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


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


def image_grid(
    images: np.ndarray,
    captions: Sequence[Sequence[str]],
    colours: Sequence[tuple[int, int, int]] | None = None,
    columns: int = 5,
    scale: int = SCALE,
) -> Image.Image:
    """Images in rows of `columns`, each with one or more caption lines under it."""
    images = np.asarray(images)  # (N, 28, 28)
    if len(images) != len(captions):
        raise ValueError("Give one caption per image.")
    if len(images) == 0:
        raise ValueError("There are no images to show.")
    font = _font(CAPTION_SIZE)
    side = IMAGE_SIZE * scale
    line_height = CAPTION_SIZE + 5
    lines = max(len(c) for c in captions)
    text_width = max(font.getlength(line) for c in captions for line in c)
    cell_w = int(max(side, text_width)) + 16
    cell_h = side + 6 + lines * line_height + 10
    rows = -(-len(images) // columns)
    width = cell_w * min(columns, len(images))
    canvas = Image.new("RGB", (width, cell_h * rows), PAGE_BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for i, (image, caption) in enumerate(zip(images, captions, strict=True)):
        x0, y0 = (i % columns) * cell_w, (i // columns) * cell_h
        canvas.paste(_tile(image, scale), (x0 + (cell_w - side) // 2, y0))
        colour = colours[i] if colours is not None else TEXT
        for j, line in enumerate(caption):
            y = y0 + side + 6 + j * line_height
            draw.text((x0 + cell_w / 2, y), line, fill=colour, font=font, anchor="ma")
    return canvas


def sample_grid(images: np.ndarray, labels: np.ndarray, columns: int = 5) -> Image.Image:
    """The chapter's grid of sample images, each numbered and labelled with its class name."""
    captions = [[f"{i + 1}. {CLASS_NAMES[int(y)]}"] for i, y in enumerate(labels)]
    return image_grid(images, captions, columns=columns)


def mistakes_gallery(
    images: np.ndarray, labels: np.ndarray, probs: np.ndarray, columns: int = 4
) -> Image.Image:
    """Wrong guesses, each captioned 'looked like X (97 %)' and 'really Y'."""
    probs = np.asarray(probs)  # (N, 10)
    predicted = probs.argmax(axis=1)
    captions = [
        [
            f"looked like {CLASS_NAMES[p]} ({confidence(probs[i, p])})",
            f"really {CLASS_NAMES[int(labels[i])]}",
        ]
        for i, p in enumerate(predicted)
    ]
    return image_grid(images, captions, columns=columns)


def _pixel_frame(image: np.ndarray, normalised: bool) -> pd.DataFrame:
    """One row per pixel: row, column, value (0-255, or 0-1 after dividing by 255)."""
    values = normalise(_as_uint8(image)) if normalised else _as_uint8(image).astype(np.int64)
    rows, cols = np.indices(values.shape)  # (28, 28) each
    return pd.DataFrame({"row": rows.ravel(), "column": cols.ravel(), "value": values.ravel()})


def _brightness_scale(normalised: bool) -> alt.Scale:
    top = 1.0 if normalised else 255
    return alt.Scale(domain=[0, top], range=["black", "white"])


def _colour_bar(normalised: bool, height: int) -> alt.Chart:
    """A vertical colour bar from black (0) to white (255, or 1 after dividing by 255)."""
    top = 1.0 if normalised else 255.0
    steps = np.linspace(0, top, height // 3 + 1)  # band edges, 3 screen pixels per band
    frame = pd.DataFrame({"low": steps[:-1], "high": steps[1:]})
    title = "Brightness (0 to 1)" if normalised else "Brightness (0 to 255)"
    return (
        alt.Chart(frame)
        .mark_rect(strokeWidth=0)
        .encode(
            y=alt.Y(
                "low:Q",
                scale=alt.Scale(domain=[0, top], nice=False),
                axis=alt.Axis(orient="right", title=title, format=".1f" if normalised else "d"),
            ),
            y2="high:Q",
            color=alt.Color("low:Q", scale=_brightness_scale(normalised), legend=None),
        )
        .properties(width=16, height=height)
    )


def image_chart(
    image: np.ndarray, *, normalised: bool = False, cell: int = 9, title: str = ""
) -> alt.HConcatChart:
    """One image as a heatmap beside its colour bar (0-255, or 0-1 after dividing by 255)."""
    frame = _pixel_frame(image, normalised)
    number = ".2f" if normalised else "d"
    size = cell * IMAGE_SIZE  # whole screen pixels per image pixel, so no seams between cells
    picture = (
        alt.Chart(frame)
        .mark_rect(strokeWidth=0)
        .encode(
            x=alt.X("column:O", axis=None),
            y=alt.Y("row:O", axis=None),
            color=alt.Color("value:Q", scale=_brightness_scale(normalised), legend=None),
            tooltip=[
                alt.Tooltip("row:O", title="Row"),
                alt.Tooltip("column:O", title="Column"),
                alt.Tooltip("value:Q", title="Value", format=number),
            ],
        )
        .properties(width=size, height=size)
    )
    return alt.hconcat(picture, _colour_bar(normalised, size), spacing=12, title=title)


def pixel_heatmap(image: np.ndarray, *, normalised: bool = False, cell: int = 28) -> alt.LayerChart:
    """All 28 x 28 pixel values written in their cells, shaded by brightness."""
    frame = _pixel_frame(image, normalised)
    half = 0.5 if normalised else 128
    number = ".2f" if normalised else "d"
    base = alt.Chart(frame).encode(
        x=alt.X(
            "column:O", title="Column", axis=alt.Axis(orient="top", labelAngle=0, labelFlush=False)
        ),
        y=alt.Y("row:O", title="Row", axis=alt.Axis(labelFlush=False)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=_brightness_scale(normalised), legend=None),
        tooltip=[
            alt.Tooltip("row:O", title="Row"),
            alt.Tooltip("column:O", title="Column"),
            alt.Tooltip("value:Q", title="Value", format=number),
        ],
    )
    numbers = base.mark_text(fontSize=9 if normalised else 10).encode(
        text=alt.Text("value:Q", format=number),
        color=alt.condition(f"datum.value > {half}", alt.value("black"), alt.value("white")),
    )
    side = cell * IMAGE_SIZE
    return alt.layer(cells, numbers).properties(width=side, height=side)


def class_count_chart(train_counts: np.ndarray, test_counts: np.ndarray) -> alt.Chart:
    """Images per class in each split, as side-by-side bars with the count written on each."""
    frame = pd.DataFrame(
        {
            "Kind": list(CLASS_NAMES) * 2,
            "Set": ["Training"] * len(CLASS_NAMES) + ["Test"] * len(CLASS_NAMES),
            "Images": np.concatenate([train_counts, test_counts]).astype(np.int64),
        }
    )
    base = alt.Chart(frame).encode(
        y=alt.Y("Kind:N", sort=list(CLASS_NAMES), title=None),
        yOffset=alt.YOffset("Set:N", sort=["Training", "Test"]),
        x=alt.X(
            "Images:Q",
            title="Number of images",
            axis=alt.Axis(format=","),
            scale=alt.Scale(domainMax=int(max(train_counts.max(), test_counts.max()) * 1.1)),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "Set:N",
            sort=["Training", "Test"],
            scale=alt.Scale(range=[RIGHT, "#f28e2b"]),
            legend=alt.Legend(title=None, orient="top"),
        ),
        tooltip=["Kind:N", "Set:N", alt.Tooltip("Images:Q", format=",")],
    )
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("Images:Q", format=",")
    )
    return alt.layer(bars, labels).properties(height=alt.Step(11), title="Images of each kind")


def _png_data_uri(image: np.ndarray, scale: int = 3) -> str:
    """An enlarged PNG of one image as a data: URL, for Altair's image mark."""
    buffer = io.BytesIO()
    _tile(image, scale).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def prediction_caption(probs: np.ndarray, label: int) -> str:
    """The chapter's caption: 'Sneaker 97 % (Sneaker)' = guess, confidence, (true class)."""
    guess = int(np.argmax(probs))
    return f"{CLASS_NAMES[guess]} {confidence(probs[guess])} ({CLASS_NAMES[int(label)]})"


def probability_bars(
    probs: np.ndarray, label: int, width: int = 90, height: int = 150
) -> alt.Chart:
    """The 10 probabilities of one image; the guess is red, the true class blue (blue if both)."""
    guess = int(np.argmax(probs))
    role = ["other"] * len(CLASS_NAMES)
    role[guess] = "guess"
    role[int(label)] = "true"
    frame = pd.DataFrame({"Kind": list(CLASS_NAMES), "Probability": probs, "Role": role})
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "Kind:N",
                sort=list(CLASS_NAMES),
                title=None,
                axis=alt.Axis(labelFontSize=10, labelOverlap=False, labelFlush=False),
            ),
            x=alt.X(
                "Probability:Q",
                scale=alt.Scale(domain=[0, 1]),
                title=None,
                axis=alt.Axis(format="%", values=[0, 0.5, 1], labelFontSize=9),
            ),
            color=alt.Color(
                "Role:N",
                scale=alt.Scale(domain=["true", "guess", "other"], range=[RIGHT, WRONG, OTHER]),
                legend=None,
            ),
            tooltip=["Kind:N", alt.Tooltip("Probability:Q", format=".1%")],
        )
        .properties(width=width, height=height)
    )


def _picture(image: np.ndarray, side: int) -> alt.Chart:
    """One image as an Altair image mark of side x side pixels."""
    frame = pd.DataFrame({"url": [_png_data_uri(image)]})
    return (
        alt.Chart(frame)
        .mark_image(width=side, height=side, align="left", baseline="top")
        .encode(url="url:N", x=alt.value(0), y=alt.value(0))
        .properties(width=side, height=side)
    )


def prediction_figure(
    images: np.ndarray, labels: np.ndarray, probs: np.ndarray, columns: int = 3
) -> alt.VConcatChart:
    """The chapter's figure: each image with its caption (blue right, red wrong) and 10 bars."""
    images, labels, probs = np.asarray(images), np.asarray(labels), np.asarray(probs)
    if not len(images) == len(labels) == len(probs):
        raise ValueError("Give one label and one row of probabilities per image.")
    cells = []
    for image, label, row in zip(images, labels, probs, strict=True):
        right = int(np.argmax(row)) == int(label)
        title = alt.TitleParams(
            prediction_caption(row, int(label)),
            orient="bottom",
            color=RIGHT if right else WRONG,
            fontSize=13,
            anchor="middle",
        )
        cells.append(
            alt.hconcat(_picture(image, 84), probability_bars(row, int(label)), title=title)
        )
    rows = [alt.hconcat(*cells[i : i + columns], spacing=30) for i in range(0, len(cells), columns)]
    return alt.vconcat(*rows, spacing=18).configure_view(stroke=None)


def confusion_chart(matrix: np.ndarray, cell: int = 44) -> alt.LayerChart:
    """Confusion matrix with class names: rows are the true kind, columns the model's guess."""
    matrix = np.asarray(matrix)  # (10, 10) counts
    true, guess = np.indices(matrix.shape)
    frame = pd.DataFrame(
        {
            "true": np.asarray(CLASS_NAMES)[true.ravel()],
            "guess": np.asarray(CLASS_NAMES)[guess.ravel()],
            "Images": matrix.ravel().astype(np.int64),
        }
    )
    top = int(matrix.max()) if matrix.size else 1
    base = alt.Chart(frame).encode(
        x=alt.X(
            "guess:N",
            title="The model's guess",
            sort=list(CLASS_NAMES),
            axis=alt.Axis(orient="top", labelAngle=-40),
        ),
        y=alt.Y("true:N", title="What it really is", sort=list(CLASS_NAMES)),
    )
    cells = base.mark_rect().encode(
        # a square-root scale keeps the small off-diagonal counts visible beside ~900 correct ones
        color=alt.Color(
            "Images:Q",
            scale=alt.Scale(type="sqrt", scheme="blues", domain=[0, max(top, 1)]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("true:N", title="Really"),
            alt.Tooltip("guess:N", title="Guessed"),
            alt.Tooltip("Images:Q", format=","),
        ],
    )
    numbers = base.mark_text(fontSize=12).encode(
        text=alt.Text("Images:Q", format=","),
        color=alt.condition(f"datum.Images > {top * 0.35}", alt.value("white"), alt.value("black")),
    )
    side = cell * len(CLASS_NAMES)
    return alt.layer(cells, numbers).properties(width=side, height=side)


def class_accuracy_chart(accuracy: np.ndarray) -> alt.LayerChart:
    """How often each kind is recognised, best first, with the percentage written on each bar."""
    frame = pd.DataFrame({"Kind": list(CLASS_NAMES), "Right": np.asarray(accuracy, dtype=float)})
    frame["Label"] = [percent(a) for a in frame["Right"]]
    base = alt.Chart(frame).encode(
        y=alt.Y("Kind:N", sort="-x", title=None),
        x=alt.X(
            "Right:Q",
            scale=alt.Scale(domain=[0, 1]),
            title="Share recognised correctly",
            axis=alt.Axis(format="%"),
        ),
    )
    bars = base.mark_bar(color=RIGHT).encode(
        tooltip=["Kind:N", alt.Tooltip("Right:Q", title="Right", format=".1%")]
    )
    labels = base.mark_text(align="left", dx=3, fontSize=12).encode(text="Label:N")
    return alt.layer(bars, labels).properties(height=alt.Step(30))


def training_curves(
    history_rows: Sequence[dict], epochs: int | None = None, width: int = 240
) -> alt.HConcatChart:
    """Loss and accuracy per epoch, side by side, from rows {"epoch", "loss", "accuracy"}.

    Give `epochs` (the planned number) to keep the x axis still while rows arrive during training.
    """
    frame = pd.DataFrame(list(history_rows), columns=["epoch", "loss", "accuracy"])
    last = epochs if epochs is not None else max(int(frame["epoch"].max()) if len(frame) else 1, 1)
    base = alt.Chart(frame).encode(
        x=alt.X(
            "epoch:Q",
            title="Epoch (one pass over the training images)",
            scale=alt.Scale(domain=[1, max(last, 2)], nice=False),
            axis=alt.Axis(tickMinStep=1, format="d"),
        )
    )
    loss = base.mark_line(point=alt.OverlayMarkDef(color=WRONG), color=WRONG).encode(
        y=alt.Y("loss:Q", title="Loss (lower is better)", scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("epoch:Q", title="Epoch"), alt.Tooltip("loss:Q", format=".3f")],
    )
    accuracy = base.mark_line(point=alt.OverlayMarkDef(color=RIGHT), color=RIGHT).encode(
        y=alt.Y(
            "accuracy:Q",
            title="Accuracy (higher is better)",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(zero=False),
        ),
        tooltip=[
            alt.Tooltip("epoch:Q", title="Epoch"),
            alt.Tooltip("accuracy:Q", title="Accuracy", format=".1%"),
        ],
    )
    return alt.hconcat(
        loss.properties(title="Loss", width=width, height=200),
        accuracy.properties(title="Accuracy", width=width, height=200),
    )


def class_probability_chart(probabilities: np.ndarray, height: int = 300) -> alt.Chart:
    """Horizontal bars of all ten class probabilities of one photo, the most likely highlighted."""
    probabilities = np.asarray(probabilities, dtype=float)  # (10,)
    top = int(np.argmax(probabilities))
    frame = pd.DataFrame(
        {
            "Class": list(CLASS_NAMES),
            "Probability": probabilities,
            "Top": [i == top for i in range(len(CLASS_NAMES))],
        }
    )
    return (
        alt.Chart(frame, height=height)
        .mark_bar()
        .encode(
            x=alt.X("Probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            y=alt.Y(
                "Class:N", sort=list(CLASS_NAMES), title=None, axis=alt.Axis(labelOverlap=False)
            ),
            color=alt.condition("datum.Top", alt.value("#1f77b4"), alt.value("#b0bec5")),
            tooltip=["Class", alt.Tooltip("Probability:Q", format=".1%")],
        )
    )


# ---------------------------------------------------------------------------------------------
# The live training view: one piece of HTML, redrawn several times a second

LIVE_CSS = """
.fm-live{font-family:inherit;color:inherit;max-width:880px}
.fm-live .fm-row{display:flex;justify-content:space-between;font-size:0.95rem;margin:0.2rem 0}
.fm-live .fm-bar{height:0.55rem;border-radius:0.3rem;background:rgba(128,128,128,0.22);
 overflow:hidden;margin-bottom:0.7rem}
.fm-live .fm-bar>div{height:100%;background:#1f63c6}
.fm-live .fm-bar.fm-thin{height:0.35rem}
.fm-live .fm-bar.fm-thin>div{background:#7aa6e0}
.fm-live .fm-figs{display:flex;gap:2.5rem;flex-wrap:wrap;margin:0.4rem 0 0.6rem}
.fm-live .fm-label{font-size:0.85rem;opacity:0.7}
.fm-live .fm-value{font-size:1.9rem;line-height:1.3}
.fm-live .fm-chart{width:100%;height:auto;display:block;background:#fff;border-radius:0.5rem}
"""  # colours that read on Streamlit's light and dark themes; the chart sits on white

_PANEL_W, _PANEL_H = 320, 190  # SVG units per chart panel
_SVG_TEXT = "#31333f"  # Streamlit's body text colour
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 46, 12, 24, 34


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values from low to high (1, 2 or 5 times a power of ten apart)."""
    span = max(high - low, 1e-9)
    raw = span / count
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = np.ceil(low / step - 1e-9) * step
    return [round(float(v), 10) + 0.0 for v in np.arange(first, high + step * 1e-6, step)]  # no -0


def _panel(
    x0: float,
    title: str,
    ends: list[tuple[float, float]],
    epochs: int,
    y_range: tuple[float, float],
    colour: str,
    y_format: Callable[[float], str],
) -> str:
    """One titled panel of the live chart: axes, grid, and a dot per finished epoch, joined."""
    left, top = x0 + _PAD_L, _PAD_T
    width, height = _PANEL_W - _PAD_L - _PAD_R, _PANEL_H - _PAD_T - _PAD_B
    low, high = y_range

    def px(x: float) -> float:
        return left + width * x / epochs

    def py(y: float) -> float:
        return top + height * (1 - (y - low) / max(high - low, 1e-9))

    parts = [
        f'<text x="{left}" y="{top - 9}" font-weight="600">{html.escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" '
        'stroke="#d5dae3"/>',
    ]
    for value in _ticks(low, high):
        y = py(value)
        parts.append(
            f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f4"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7080">'
            f"{html.escape(y_format(value))}</text>"
        )
    step = 1 if epochs <= 10 else 2 if epochs <= 20 else 5
    for e in range(0, epochs + 1, step):
        parts.append(
            f'<text x="{px(e):.1f}" y="{top + height + 15}" text-anchor="middle" '
            f'fill="#6b7080">{e}</text>'
        )
    parts.append(
        f'<text x="{left + width / 2}" y="{top + height + 30}" text-anchor="middle" '
        'fill="#6b7080">epochs</text>'
    )
    if len(ends) > 1:
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in ends)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
    dots = (f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"/>' for x, y in ends)
    parts.extend(dots)
    return "".join(parts)


@lru_cache(maxsize=8)
def _live_chart(ends: tuple[tuple[float, float, float], ...], epochs: int) -> str:
    """The live view's two panels as an <img> of an SVG, from (epoch, loss, accuracy) triples.

    Streamlit's HTML sanitiser keeps no inline SVG, so the chart travels as an image; it only
    changes when an epoch finishes, and the browser re-uses an image it has already decoded.
    """
    loss_ends = [(e, loss) for e, loss, _ in ends]
    acc_ends = [(e, acc) for e, _, acc in ends]
    loss_high = max((v for _, v in loss_ends), default=1.0) * 1.15 or 1.0
    acc_low = min(np.floor(min((v for _, v in acc_ends), default=0.5) * 10) / 10, 0.9)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {2 * _PANEL_W} {_PANEL_H}" '
        f'font-family="sans-serif" font-size="12" fill="{_SVG_TEXT}">'
        + _panel(0, "Loss (lower is better)", loss_ends, epochs, (0.0, loss_high), WRONG,
                 lambda v: f"{v:.2f}")
        + _panel(_PANEL_W, "Training accuracy (higher is better)", acc_ends, epochs,
                 (acc_low, 1.0), RIGHT, percent)
        + "</svg>"
    )  # fmt: skip
    return (
        '<img class="fm-chart" alt="Loss and accuracy after each finished epoch" '
        f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
    )


def live_training_css() -> str:
    """The live view's style sheet, drawn once per page: restyling on every redraw is costly."""
    return f"<style>{LIVE_CSS}</style>"


def live_training_html(
    *,
    epoch: int,
    epochs: int,
    batch: int,
    batches: int,
    seen: int,
    samples: int,
    loss: float,
    accuracy: float,
    elapsed_s: float,
    points: Sequence[dict],
) -> str:
    """The Train page's live view as HTML: overall and epoch progress, the current figures, and
    loss and accuracy curves so far.

    `points` are running averages {"epoch": fractional epoch (2.5 = half-way through the third),
    "loss", "accuracy"}; those at a whole epoch are that epoch's final figures, which the curves
    join (the running figures are shown as numbers).
    """
    overall = min(((epoch - 1) + batch / max(batches, 1)) / max(epochs, 1), 1.0)
    this_epoch = min(batch / max(batches, 1), 1.0)
    ends = tuple(
        (float(p["epoch"]), float(p["loss"]), float(p["accuracy"]))
        for p in points
        if float(p["epoch"]).is_integer()
    )
    chart = _live_chart(ends, epochs)

    def figure(label: str, value: str) -> str:
        return f'<div><div class="fm-label">{label}</div><div class="fm-value">{value}</div></div>'

    return (
        '<div class="fm-live">'
        f'<div class="fm-row"><span>Epoch {epoch} of {epochs}</span>'
        f"<span>{percent(overall)} of the training done</span></div>"
        f'<div class="fm-bar" role="progressbar" aria-label="Training done" '
        f'aria-valuenow="{round(100 * overall)}" aria-valuemin="0" aria-valuemax="100">'
        f'<div style="width:{100 * overall:.1f}%"></div></div>'
        f'<div class="fm-row"><span>Pictures this epoch: {seen:,} of {samples:,}</span></div>'
        f'<div class="fm-bar fm-thin" role="progressbar" aria-label="This epoch" '
        f'aria-valuenow="{round(100 * this_epoch)}" aria-valuemin="0" aria-valuemax="100">'
        f'<div style="width:{100 * this_epoch:.1f}%"></div></div>'
        '<div class="fm-figs">'
        + figure("Loss (lower is better)", f"{loss:.3f}")
        + figure("Training accuracy", percent(accuracy, 1))
        + figure("Time", f"{elapsed_s:.1f} s")
        + "</div>"
        + chart
        + "</div>"
    )
