"""Unit tests for the figure builders (plots.py) and the numbers behind them (evaluation.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import warnings

import matplotlib.colors
import numpy as np
import pytest
from i18n_check import latin_words
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from fmnist_demo import i18n, plots
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, kind_names
from fmnist_demo.evaluation import (
    EmptySelection,
    class_counts,
    confusion_matrix,
    evaluate,
    most_confident_mistakes,
    normalisation_examples,
    per_class_accuracy,
    points_between,
    ranked_classes,
    sample_indices,
    top_confusions,
)
from fmnist_demo.formatting import clock, confidence, count, percent, pixel_size, with_unit


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)  # (n, 28, 28)


def _one_hot_probs(predicted: list[int], confidence: list[float]) -> np.ndarray:
    """(N, 10) rows with `confidence` on the predicted class and the rest spread evenly."""
    probs = np.zeros((len(predicted), 10), dtype=np.float32)
    for i, (p, c) in enumerate(zip(predicted, confidence, strict=True)):
        probs[i] = (1 - c) / 9
        probs[i, p] = c
    return probs


def _spec(chart) -> str:
    return json.dumps(chart.to_dict())


# --- formats ---------------------------------------------------------------------------------


def test_percent_and_count_read_like_a_person_writes_them():
    assert percent(0.8819) == "88\u00a0%"
    assert percent(0.8819, 1) == "88.2\u00a0%"
    assert percent(1.0) == "100\u00a0%"
    assert percent(0.998) == "over 99\u00a0%"  # never round a doubt up to certainty
    assert confidence(0.97) == "97\u00a0%"
    assert confidence(1.0) == "over 99\u00a0%"  # a saturated softmax is still a guess
    assert count(60000) == "60,000"
    assert points_between(0.9151, 0.8819) == 4  # 92 % - 88 %, as shown


def test_percent_never_shows_a_fraction_or_too_many_decimals():
    assert percent(0.4113) == "41\u00a0%"  # never "41.13 %"
    assert percent(0.9012, 1) == "90.1\u00a0%"  # one decimal where it matters: against 90 %
    assert percent(0.0) == "0\u00a0%" and percent(0.004) == "0\u00a0%"
    assert percent(0.875) == "88\u00a0%"  # halves round to even, as Python's format does
    for share in np.linspace(0, 1, 101):
        text = percent(float(share))
        assert text.endswith("\u00a0%") and "e" not in text and "." not in text


# a space a line may break at, between a number and its unit: "88 %", "28 ×", "× 28"
BREAKABLE_AT_A_UNIT = re.compile(r"\d[ \t\u2009\u200b]+[%×]|×[ \t\u2009\u200b]+\d")


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_numbers_and_their_units_never_break_apart(lang):
    """On a 390 px phone "88 %" broke with "%" on the next line and "28 × 28" mid-number."""
    i18n.set_language(lang)
    try:
        shown = [percent(s, d) for s in np.linspace(0, 1, 41) for d in (0, 1)]
        shown += [percent(0.998), confidence(1.0), confidence(0.4), pixel_size(28)]
        shown += [pixel_size(640, 480), with_unit("12.3", "s")]
    finally:
        i18n.set_language("en")
    for text in shown:
        assert not BREAKABLE_AT_A_UNIT.search(text), repr(text)
        assert "\u00a0" in text, repr(text)  # held by a no-break space, not glued
    assert pixel_size(28) == "28\u00a0×\u00a028"


def test_clock_shows_the_time_in_the_given_zone():
    moment = dt.datetime(2026, 11, 30, 13, 5, tzinfo=dt.UTC)
    assert clock(moment, dt.timezone(dt.timedelta(hours=1))) == "14:05"
    assert clock(moment, dt.timezone(dt.timedelta(hours=-5))) == "08:05"
    assert "UTC" not in clock(moment, dt.UTC)


# --- sampling and counts ---------------------------------------------------------------------


def test_sample_indices_reproducible_per_seed_and_differs_between_seeds():
    labels = np.arange(1000) % 10
    a = sample_indices(labels, 25, seed=3)
    assert np.array_equal(a, sample_indices(labels, 25, seed=3))
    assert not np.array_equal(a, sample_indices(labels, 25, seed=4))
    assert len(a) == 25 and len(np.unique(a)) == 25


def test_sample_indices_one_class_only():
    labels = np.arange(1000) % 10
    idx = sample_indices(labels, 25, seed=0, class_id=7)
    assert np.all(labels[idx] == 7)


def test_sample_indices_small_pool_and_empty_pool():
    labels = np.array([0, 1, 1, 2])
    assert sorted(sample_indices(labels, 25, seed=0, class_id=1)) == [1, 2]
    with pytest.raises(EmptySelection):
        sample_indices(labels, 25, seed=0, class_id=9)


def test_class_counts_has_all_ten_classes():
    assert class_counts(np.array([0, 0, 3])).tolist() == [2, 0, 0, 1, 0, 0, 0, 0, 0, 0]


def test_normalisation_examples_before_and_after():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[1, 2] = 255
    image[5, 6] = 130
    rows = normalisation_examples(image)
    assert [r["Before"] for r in rows] == [0, 130, 255]
    assert [r["After ÷ 255"] for r in rows] == [0.0, 0.51, 1.0]
    assert "row 1, column 2" in rows[2]["Pixel"]


# --- confusion and mistakes ------------------------------------------------------------------


def test_confusion_matrix_counts_and_per_class_accuracy():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 0, 2])
    matrix = confusion_matrix(y_true, y_pred)
    assert matrix.shape == (10, 10)
    assert matrix[0, 0] == 2 and matrix[0, 1] == 1 and matrix[1, 0] == 1 and matrix[2, 2] == 1
    assert matrix.sum() == 6
    acc = per_class_accuracy(matrix)
    assert acc[:3] == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert acc[3] == 0.0  # no images of class 3: no division by zero


def test_top_confusions_and_ranking():
    matrix = np.zeros((10, 10), dtype=int)
    np.fill_diagonal(matrix, 90)
    matrix[6, 0] = 30  # Shirt taken for T-shirt/top
    matrix[4, 2] = 10  # Coat taken for Pullover
    mixups = top_confusions(matrix, 3)
    assert [(c.true_name, c.predicted_name, c.count) for c in mixups] == [
        ("Shirt", "T-shirt/top", 30),
        ("Coat", "Pullover", 10),
    ]
    ranked = ranked_classes(per_class_accuracy(matrix))
    assert ranked[-1][0] == "Shirt" and len(ranked) == 10


def test_most_confident_mistakes_sorted_by_confidence():
    labels = np.array([0, 1, 2, 3, 4])
    probs = _one_hot_probs([0, 5, 6, 3, 7], [0.99, 0.6, 0.95, 0.9, 0.8])  # items 1, 2, 4 wrong
    assert most_confident_mistakes(probs, labels, k=10).tolist() == [2, 4, 1]
    assert most_confident_mistakes(probs, labels, k=1).tolist() == [2]


def test_evaluate_checks_shapes_and_gives_accuracy():
    labels = np.array([0, 1, 2, 3])
    result = evaluate(_one_hot_probs([0, 1, 2, 0], [0.9] * 4), labels)
    assert result.accuracy == 0.75
    assert result.matrix[3, 0] == 1
    with pytest.raises(ValueError):
        evaluate(np.zeros((3, 10)), labels)


# --- figures ---------------------------------------------------------------------------------


def _texts(fig) -> list:
    """Every visible text of a matplotlib figure (titles, labels, tick labels, free text)."""
    fig.canvas.draw()  # tick labels exist once drawn
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _smallest_text_px(fig) -> float:
    """The smallest text of the figure in screen pixels, shown plots.screen_width wide."""
    px_per_inch = plots.screen_width(fig) / fig.get_figwidth()
    return min(t.get_fontsize() for t in _texts(fig)) / 72 * px_per_inch


def test_chapter_figures_are_readable_at_their_screen_width():
    figures = [
        plots.sample_grid(_images(25), np.arange(25) % 10),
        plots.picture_figure(_images(1)[0]),
        plots.prediction_figure(
            _images(15), np.arange(15) % 10, _one_hot_probs([0] * 15, [0.9] * 15)
        ),
        plots.probability_figure(_one_hot_probs([3], [0.7])[0], 1),
        plots.pixel_values_figure(_images(1)[0]),
        plots.pixel_values_figure(_images(1)[0], normalised=True),
        # laid out for a phone: 350 px wide
        plots.sample_grid(_images(25), np.arange(25) % 10, columns=3, width_in=plots.PHONE_INCHES),
        plots.prediction_figure(
            _images(15),
            np.arange(15) % 10,
            _one_hot_probs([0] * 15, [0.9] * 15),
            columns=1,
            width_in=plots.PHONE_INCHES,
        ),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert _smallest_text_px(fig) >= 12  # px on a 1280 px wide window, where they fit
        assert plots.screen_width(fig) <= 820  # the page's column at 1280 px with the sidebar


def _on_a_phone_px(fig: Figure) -> dict[str, float]:
    """Each word of a figure and its height on a 390 px phone's screen, in pixels: its size at
    the figure's dpi, times the width it is shown at (the figure's own, or the phone's column
    where that is less) over the width it is drawn at."""
    shown = min(plots.screen_width(fig), plots.PHONE_COLUMN_PX)
    drawn = fig.get_figwidth() * fig.get_dpi()
    return {
        t.get_text(): t.get_fontsize() / 72 * fig.get_dpi() * shown / drawn for t in _texts(fig)
    }


def _phone_figures() -> dict[str, Figure]:
    """Every figure as a phone shows it, drawn with the real dataset's first pictures."""
    rng = np.random.default_rng(0)
    labels = np.arange(25) % 10
    probs = rng.dirichlet(np.ones(10) * 0.3, size=15).astype(np.float32)  # (15, 10)
    matrix = rng.integers(0, 30, (10, 10)) + np.diag(rng.integers(800, 999, 10))  # (10, 10)
    counts = np.full(10, 6000), np.full(10, 1000)
    history = [{"epoch": e, "loss": 0.5 / e, "accuracy": 0.8 + 0.01 * e} for e in range(1, 21)]
    return {
        "sample grid": plots.sample_grid(
            _images(25), labels, columns=3, width_in=plots.PHONE_INCHES
        ),
        "one picture": plots.picture_figure(_images(1)[0]),  # the same figure at both widths
        "15 predictions": plots.prediction_figure(
            _images(15), labels[:15], probs, columns=1, width_in=plots.PHONE_INCHES
        ),
        "ten bars": plots.probability_figure(probs[0], 1, phone=True),
        "class counts": plots.class_count_figure(*counts, phone=True),
        "confusion": plots.confusion_figure(matrix, phone=True),
        "per kind": plots.class_accuracy_figure(per_class_accuracy(matrix), phone=True),
        "training curves": plots.training_curves_figure(history, phone=True),
    }


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_every_word_of_a_phone_figure_is_at_least_11_px_on_the_screen(lang):
    """At 390 px the desk figures (600-1,460 px wide) were shrunk to 5-6 px text."""
    i18n.set_language(lang)
    try:
        figures = _phone_figures()
        gallery = plots.mistakes_gallery(
            _images(12), np.arange(12) % 10, _one_hot_probs([(i + 1) % 10 for i in range(12)],
            [0.999] * 12), phone=True
        )  # fmt: skip
    finally:
        i18n.set_language("en")
    for name, fig in figures.items():
        sizes = _on_a_phone_px(fig)
        assert sizes, name
        small = {word: round(px, 1) for word, px in sizes.items() if px < plots.READABLE_PX}
        assert small == {}, name
        assert plots.screen_width(fig) <= 450, name  # never much wider than where it is shown
    shown = min(plots.gallery_screen_width(gallery), plots.PHONE_COLUMN_PX)
    assert gallery.info["text_px"] * shown / gallery.width >= plots.READABLE_PX
    assert plots.gallery_screen_width(gallery) <= plots.PHONE_COLUMN_PX


def test_desk_figures_are_too_small_on_a_phone_and_keep_their_layout():
    """What the phone layouts are for: the desk ones, shown 358 px wide, write 5-9 px text."""
    matrix = np.diag(np.full(10, 900)) + 5
    for fig in [
        plots.confusion_figure(matrix),
        plots.class_accuracy_figure(per_class_accuracy(matrix)),
        plots.training_curves_figure([{"epoch": 1, "loss": 0.5, "accuracy": 0.8}]),
    ]:
        assert min(_on_a_phone_px(fig).values()) < plots.READABLE_PX
        assert plots.screen_width(fig) >= 600  # at a desk as before
    desk = plots.mistakes_gallery(
        _images(12), np.zeros(12, int), _one_hot_probs([1] * 12, [0.9] * 12)
    )
    assert plots.CAPTION_SIZE * plots.PHONE_COLUMN_PX / desk.width < plots.READABLE_PX
    assert plots.gallery_screen_width(desk) == desk.width  # one pixel per screen pixel, as before


def test_figure_png_is_a_sharp_picture_of_the_figure():
    fig = plots.picture_figure(_images(1)[0])
    png = Image.open(io.BytesIO(plots.figure_png(fig)))
    assert png.format == "PNG"
    assert png.width == plots.screen_width(fig) * plots.PNG_DENSITY  # sharp on dense screens


def test_sample_grid_numbers_and_names_each_picture_under_it():
    labels = np.arange(25) % 10
    fig = plots.sample_grid(_images(25), labels)
    (ax,) = fig.axes
    assert len(ax.images) == 25
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "1. T-shirt/top" and texts[24] == "25. Coat"
    # each caption sits just under its own picture, well above the next row
    bottom = ax.images[0].get_extent()[2]
    y = ax.texts[0].get_position()[1]
    assert bottom < y < bottom + 0.2 < ax.images[5].get_extent()[3]
    one_row = plots.sample_grid(_images(3), np.array([0, 1, 2]))
    assert one_row.get_figheight() < fig.get_figheight() / 4
    with pytest.raises(ValueError):
        plots.sample_grid(_images(2), np.array([0]))
    assert [
        t.get_text() for t in plots.sample_grid(_images(1), [8], numbered=False).axes[0].texts
    ] == ["Bag"]


def test_picture_figure_has_a_0_to_255_colour_bar():
    fig = plots.picture_figure(_images(1)[0])
    picture, bar = fig.axes
    assert picture.images[0].get_clim() == (0, 255)
    ticks = [float(t) for t in bar.get_yticks()]
    assert ticks[0] == 0 and ticks[-1] == 255
    assert "255 white" in bar.get_ylabel()


def test_pixel_values_figure_writes_all_784_values():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[3, 4] = 128
    image[5, 6] = 255
    stored = plots.written_numbers(plots.pixel_values_figure(image))
    assert len(stored) == 28 * 28
    assert stored.count("0") == 28 * 28 - 2 and "128" in stored and "255" in stored
    scaled = plots.written_numbers(plots.pixel_values_figure(image, normalised=True))
    assert "0.5" in scaled and "1" in scaled and "255" not in scaled


def test_pixel_values_are_drawn_where_their_cells_are():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[:, 14:] = 255  # right half white: black numbers there, white ones on the left
    png = Image.open(io.BytesIO(plots.figure_png(plots.pixel_values_figure(image)))).convert("L")
    pixels = np.asarray(png)
    # the grid's left half is black with white "0"s drawn in it, the right half the reverse
    h, w = pixels.shape
    left = pixels[h // 3 : 2 * h // 3, int(w * 0.2) : int(w * 0.45)]
    right = pixels[h // 3 : 2 * h // 3, int(w * 0.65) : int(w * 0.9)]
    assert 0 < (left > 128).mean() < 0.3  # mostly black, some white ink
    assert 0 < (right < 128).mean() < 0.3  # mostly white, some black ink


def test_image_grid_shows_each_image_at_scale():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[0, 0] = 255  # the top-left pixel becomes a SCALE x SCALE white square on black
    grid = np.asarray(plots.image_grid(image[None], [["x"]]).convert("L"))  # (H, W)
    k = plots.SCALE
    first_black = int(np.flatnonzero(grid[0] == 0)[0])  # the tile starts k columns before this
    assert np.all(grid[:k, first_black - k : first_black] == 255)
    assert grid[k, first_black - k] == 0  # just below the white square: black again
    assert np.count_nonzero(grid[0] == 0) == (IMAGE_SIZE - 1) * k


def test_mistakes_gallery_captions_need_one_per_image():
    probs = _one_hot_probs([1, 2], [0.97, 0.8])
    gallery = plots.mistakes_gallery(_images(2), np.array([0, 0]), probs)
    assert isinstance(gallery, Image.Image)
    with pytest.raises(ValueError):
        plots.image_grid(_images(2), [["only one"]])


def test_class_count_figure_has_both_sets_and_all_kinds_with_plain_numbers():
    fig = plots.class_count_figure(np.full(10, 6000), np.full(10, 1000))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == list(CLASS_NAMES)
    assert len(ax.patches) == 20
    written = [t.get_text() for t in ax.texts]
    assert written.count("6,000") == 10 and written.count("1,000") == 10
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "6,000" in ticks and not any("e+" in t for t in ticks)  # never 6e+03


def test_prediction_figure_has_caption_under_each_picture_and_ten_bars_beside_it():
    labels = np.arange(15) % 10
    predicted = labels.copy()
    predicted[4] = 9  # one wrong guess
    probs = _one_hot_probs(predicted.tolist(), [0.9] * 15)
    fig = plots.prediction_figure(_images(15), labels, probs)
    (ax,) = fig.axes
    assert len(ax.images) == 15 and len(ax.texts) == 15 * 2  # two caption lines each
    assert len(ax.patches) == 15 * 10  # ten bars per picture
    colours = [t.get_color() for t in ax.texts]
    assert colours.count(plots.WRONG) == 2 and colours[8] == colours[9] == plots.WRONG
    assert [t.get_text() for t in ax.texts[:2]] == ["T-shirt/top 90\u00a0%", "(T-shirt/top)"]
    # the caption is under its own picture: nearer to it than to the picture below
    _, _, bottom, _ = ax.images[0].get_extent()
    next_top = ax.images[3].get_extent()[3]
    y, y2 = ax.texts[0].get_position()[1], ax.texts[1].get_position()[1]
    assert bottom < y and y - bottom < (next_top - y) / 3
    assert y < y2 < next_top - 0.2  # the second line under the first, well above the next row
    # picture 5 (index 4) is wrong: its guess bar red, its true kind's bar blue, the rest grey
    bars = ax.patches[40:50]
    to_hex = matplotlib.colors.to_hex
    assert to_hex(bars[9].get_facecolor()) == plots.WRONG
    assert to_hex(bars[4].get_facecolor()) == plots.RIGHT
    assert to_hex(bars[0].get_facecolor()) == plots.OTHER
    with pytest.raises(ValueError):
        plots.prediction_figure(_images(2), labels[:1], probs[:2])


def test_probability_figure_names_the_kinds_at_45_degrees():
    probs = _one_hot_probs([3], [0.7])[0]
    fig = plots.probability_figure(probs, label=1)
    (ax,) = fig.axes
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == list(CLASS_NAMES)
    assert all(t.get_rotation() == 45 for t in ax.get_xticklabels())
    to_hex = matplotlib.colors.to_hex
    colours = [to_hex(b.get_facecolor()) for b in ax.patches]
    assert colours[3] == plots.WRONG and colours[1] == plots.RIGHT and colours[0] == plots.OTHER
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0\u00a0%", "50\u00a0%", "100\u00a0%"]
    alone = plots.probability_figure(probs)  # a photo: no true kind, the guess is blue
    assert to_hex(alone.axes[0].patches[3].get_facecolor()) == plots.RIGHT


def test_confusion_figure_names_rows_and_columns_and_writes_every_count():
    matrix = confusion_matrix(np.arange(10), np.arange(10))
    matrix[6, 0] = 1234  # shirts taken for T-shirts
    (ax,) = plots.confusion_figure(matrix).axes
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASS_NAMES)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(CLASS_NAMES)
    assert ax.get_xlabel() == "The model's guess" and ax.get_ylabel() == "What it really is"
    written = [t.get_text() for t in ax.texts]
    assert len(written) == 100 and "1,234" in written  # thousands as people write them


def test_class_accuracy_figure_best_first_with_percentages():
    accuracy = np.linspace(0.5, 0.95, 10)
    (ax,) = plots.class_accuracy_figure(accuracy).axes
    assert ax.get_yticklabels()[0].get_text() == "Ankle boot"  # 95 %, the best
    assert [t.get_text() for t in ax.texts][:2] == ["95\u00a0%", "90\u00a0%"]
    ax.figure.canvas.draw()
    assert "100\u00a0%" in [t.get_text() for t in ax.get_xticklabels()]


def test_training_curves_figure_has_loss_and_accuracy_per_epoch():
    rows = [{"epoch": e, "loss": 1 / e, "accuracy": 0.8 + e / 100} for e in range(1, 4)]
    loss, acc = plots.training_curves_figure(rows).axes
    assert "Loss" in loss.get_title() and "accuracy" in acc.get_title()
    assert list(acc.lines[0].get_xdata()) == [1, 2, 3]
    acc.figure.canvas.draw()
    assert all(t.get_text().endswith("\u00a0%") for t in acc.get_yticklabels() if t.get_text())


# --- figures in বাংলা -----------------------------------------------------------------------

BENGALI = re.compile("[\u0980-\u09ff]")


def _chapter_figures() -> dict[str, Figure]:
    """Every matplotlib figure plots.py makes, in the current language."""
    labels = np.arange(15) % 10
    probs = _one_hot_probs(((labels + 1) % 10).tolist(), [0.9] * 15)  # every guess wrong
    rows = [{"epoch": e, "loss": 1 / e, "accuracy": 0.8 + e / 100} for e in range(1, 4)]
    return {
        "picture": plots.picture_figure(_images(1)[0]),
        "grid": plots.sample_grid(_images(25), np.arange(25) % 10),
        "grid_phone": plots.sample_grid(
            _images(25), np.arange(25) % 10, columns=3, width_in=plots.PHONE_INCHES
        ),
        "predictions": plots.prediction_figure(_images(15), labels, probs),
        "predictions_phone": plots.prediction_figure(
            _images(15), labels, probs, columns=1, width_in=plots.PHONE_INCHES
        ),
        "bars": plots.probability_figure(probs[0], 0),
        "pixels": plots.pixel_values_figure(_images(1)[0]),
        "counts": plots.class_count_figure(np.full(10, 6000), np.full(10, 1000)),
        "confusion": plots.confusion_figure(confusion_matrix(np.arange(10), np.arange(10))),
        "per_class": plots.class_accuracy_figure(np.linspace(0.5, 0.95, 10)),
        "curves": plots.training_curves_figure(rows),
    }


def _bengali_glyphs() -> set[int]:
    return set(FT2Font(str(i18n.FONT_PATH)).get_charmap())


def _width_px(text: str, size: float = 20) -> float:
    """How wide matplotlib draws text in the figures' fonts, in pixels at 100 dpi."""
    fig = Figure()
    renderer = FigureCanvasAgg(fig).get_renderer()
    props = fig.text(0, 0, "x", fontsize=size).get_fontproperties()
    return renderer.get_text_width_height_descent(text, props, ismath=False)[0]


def test_figures_shape_bengali_conjuncts_and_vowel_signs():
    assert plots.FIGURES_SHAPE_BENGALI and plots.PICTURES_SHAPE_BENGALI  # matplotlib >= 3.11
    # shaped, "ক্ষ" is one conjunct glyph, not ka, a visible virama and ssa side by side
    assert _width_px("ক্ষ") < 0.7 * sum(_width_px(c) for c in "ক্ষ")
    assert _width_px("কি") < 0.8 * sum(_width_px(c) for c in "কি")  # the vowel sign joins
    font = plots._line_font("আসলে ক্ষ", plots.CAPTION_SIZE)  # Pillow's, for the gallery
    assert font.getname()[0] == plots.BENGALI_FONT
    assert font.getlength("ক্ষ") < 0.7 * sum(font.getlength(c) for c in "ক্ষ")


def test_every_figure_in_bengali_names_the_kinds_in_bengali_with_a_bengali_font(bengali):
    names = set(kind_names())
    assert "অ্যাঙ্কেল বুট" in names and not names & set(CLASS_NAMES)
    glyphs = _bengali_glyphs()
    assert font_manager.findfont(plots.BENGALI_FONT, fallback_to_default=False) == str(
        i18n.FONT_PATH
    )
    for name, fig in _chapter_figures().items():
        texts = [t.get_text() for t in _texts(fig)]
        written = " ".join(texts)
        assert BENGALI.search(written), name
        assert not re.search("[A-Za-z]", written), (name, written)  # no English word left
        if name not in {"picture", "pixels", "curves"}:  # the figures that name kinds
            assert any(kind in written for kind in names), name
        for t in _texts(fig):
            if BENGALI.search(t.get_text()):
                assert plots.BENGALI_FONT in t.get_fontfamily(), (name, t.get_text())
                missing = {c for c in t.get_text() if BENGALI.match(c) and ord(c) not in glyphs}
                assert not missing, (name, missing)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would be tofu
            plots.figure_png(fig)
        assert _smallest_text_px(fig) >= 12, name  # as readable as in English
        assert plots.screen_width(fig) <= 820, name


def test_bengali_figures_name_each_kind_where_english_ones_do(bengali):
    fig = plots.sample_grid(_images(25), np.arange(25) % 10)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[0] == "1. টি-শার্ট/টপ" and texts[9] == "10. অ্যাঙ্কেল বুট"
    bars = plots.probability_figure(_one_hot_probs([3], [0.7])[0], label=1).axes[0]
    assert [t.get_text() for t in bars.get_xticklabels()] == kind_names()
    assert bars.get_ylabel() == "সম্ভাবনা"
    (ax,) = plots.prediction_figure(
        _images(3), np.array([0, 1, 2]), _one_hot_probs([0, 1, 9], [0.9] * 3)
    ).axes
    assert [t.get_text() for t in ax.texts[4:6]] == ["অ্যাঙ্কেল বুট 90\u00a0%", "(পুলওভার)"]
    (ax,) = plots.class_count_figure(np.full(10, 6000), np.full(10, 1000)).axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["শেখার ছবি", "পরীক্ষার ছবি"]
    picture, bar = plots.picture_figure(_images(1)[0]).axes
    assert (picture.get_xlabel(), picture.get_ylabel()) == ("কলাম", "সারি")
    assert "255 সাদা" in bar.get_ylabel()


def _ink(text: Text, renderer) -> Bbox:
    """Where a baseline-aligned text's glyphs are drawn, in display pixels (not its line box)."""
    box = text.get_window_extent(renderer)
    _, height, descent = renderer.get_text_width_height_descent(
        text.get_text(), text.get_fontproperties(), ismath=False
    )
    base = text.get_transform().transform(text.get_position())[1]
    return Bbox([[box.x0, base - descent], [box.x1, base + height - descent]])


def test_bengali_captions_share_a_baseline_and_overlap_nothing(bengali):
    """Tall vowel signs must not lift one name above its neighbours, nor touch a picture."""
    labels = np.arange(10)
    for fig in (
        plots.sample_grid(_images(10), labels),
        plots.prediction_figure(_images(10), labels, _one_hot_probs([9] * 10, [0.9] * 10), 5),
        plots.prediction_figure(  # the widest names, one column for a phone
            _images(3), np.array([0, 9, 2]), _one_hot_probs([9, 0, 9], [0.9] * 3), 1, 3.5
        ),
        # the longest captions, "অ্যাঙ্কেল বুট 99 %-এর বেশি" (over 99 %), beside shorter ones
        plots.prediction_figure(
            _images(3), np.array([9, 0, 9]), _one_hot_probs([9, 0, 5], [1.0] * 3)
        ),
        plots.prediction_figure(
            _images(2), np.array([9, 0]), _one_hot_probs([9, 0], [1.0] * 2), 1, 3.5
        ),
    ):
        (ax,) = fig.axes
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        assert all(t.get_va() == "baseline" for t in ax.texts)
        first_lines = [t for t in ax.texts if not t.get_text().startswith("(")]
        rows = {round(t.get_position()[1], 6) for t in first_lines}
        columns = {10: 5, 3: 3}.get(len(ax.images), 1) if fig.get_figwidth() > 4 else 1
        assert len(rows) == -(-len(ax.images) // columns)
        inks = [_ink(t, renderer) for t in ax.texts]
        pictures = [im.get_window_extent(renderer) for im in ax.images]
        for ticks in ax.collections:  # the bars' ticks under their baseline
            ends = ax.transData.transform(np.concatenate(ticks.get_segments()))
            pictures.append(Bbox([ends.min(axis=0), ends.max(axis=0)]))
        for i, ink in enumerate(inks):
            name = ax.texts[i].get_text()
            assert fig.bbox.x0 <= ink.x0 and ink.x1 <= fig.bbox.x1 and fig.bbox.y0 <= ink.y0
            assert not any(ink.overlaps(p) for p in pictures), name
            assert not any(ink.overlaps(other) for other in inks[i + 1 :]), name


def test_figures_keep_the_chapters_english_words_where_bengali_cannot_be_shaped(
    bengali, monkeypatch
):
    monkeypatch.setattr(plots, "FIGURES_SHAPE_BENGALI", False)
    fig = plots.sample_grid(_images(2), np.array([0, 9]))
    assert [t.get_text() for t in fig.axes[0].texts] == ["1. T-shirt/top", "2. Ankle boot"]
    monkeypatch.setattr(plots, "PICTURES_SHAPE_BENGALI", False)
    gallery = plots.mistakes_gallery(_images(1), np.array([0]), _one_hot_probs([9], [0.9]))
    monkeypatch.setattr(plots, "PICTURES_SHAPE_BENGALI", True)
    bengali_gallery = plots.mistakes_gallery(_images(1), np.array([0]), _one_hot_probs([9], [0.9]))
    assert gallery.size != bengali_gallery.size  # English words, in the English font


def test_mistakes_gallery_in_bengali_uses_the_bengali_font(bengali, monkeypatch):
    drawn: list[tuple[str, str]] = []
    real_text = ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, font=None, **kwargs):
        drawn.append((text, font.getname()[0]))
        return real_text(self, xy, text, *args, font=font, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    plots.mistakes_gallery(_images(2), np.array([0, 6]), _one_hot_probs([6, 0], [0.97, 0.8]))
    assert drawn[0] == ("ভেবেছিল শার্ট (97 %)", plots.BENGALI_FONT)
    assert drawn[1] == ("আসলে টি-শার্ট/টপ", plots.BENGALI_FONT)
    assert all(font == plots.BENGALI_FONT for _, font in drawn)


# --- the pages' words for the active model (pages/_model_choice.py), in বাংলা ------------------


def _model_words(lang: str, gone: bool) -> None:
    """A page's run that names the active model (the visitor's, trained earlier) or says it is
    gone; as an AppTest script, it imports what it needs."""
    import streamlit as st

    from fmnist_demo import i18n
    from fmnist_demo.pages import _model_choice, _user_model_ui
    from fmnist_demo.user_model import UserModel

    i18n.set_language(lang)
    if gone:
        st.session_state[_user_model_ui.MODEL_GONE_KEY] = True
        _user_model_ui.current_user_model()
        return
    from fmnist_demo.model import build_model

    model = build_model(128)  # the labels are under test here, not the model: an untrained one
    st.session_state[_user_model_ui.USER_MODEL_KEY] = UserModel(
        model=model, token="t0", trained_at="14:05", test_accuracy=0.874, hidden_units=128,
        epochs=1,
    )  # fmt: skip
    st.session_state[_user_model_ui.MODEL_CHOICE_KEY] = "yours"
    active = _model_choice.chapter_model_choice(key="words_model")
    assert active.model is model and active.origin == "yours"


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_active_model_and_gone_model_are_said_in_the_visitors_language(lang):
    at = AppTest.from_function(_model_words, args=(lang, False), default_timeout=60).run()
    assert not at.exception
    (radio,) = at.radio
    gone = AppTest.from_function(_model_words, args=(lang, True), default_timeout=60).run()
    assert not gone.exception
    if lang == "en":
        assert radio.label == "Model in use"
        assert radio.options == [
            "Your model, trained at 14:05, right on 87\u00a0% of the test pictures",
            radio.options[1],
        ] and radio.options[1].startswith("Shipped model, right on ")
        assert at.caption[0].value.endswith(
            "Active model: **your model, trained at 14:05, right on 87\u00a0% of the test "
            "pictures**"
        )
        assert "no longer kept" in gone.info[0].value and "**Train live**" in gone.info[0].value
        return
    assert radio.label == "যে মডেল ব্যবহার হচ্ছে"
    assert radio.options[0] == "আপনার মডেল, 14:05-এ শেখানো, পরীক্ষার ছবির 87\u00a0%-তে ঠিক"
    assert radio.options[1].startswith("সঙ্গে দেওয়া মডেল, পরীক্ষার ছবির ")
    assert "এখন চালু মডেল: **আপনার মডেল" in at.caption[0].value
    assert "2 ঘণ্টা" in gone.info[0].value and "**চোখের সামনে শেখানো**" in gone.info[0].value
    for page in (at, gone):
        assert latin_words(page) == []


def test_dataset_problem_in_bengali(bengali):
    from fmnist_demo.data import DatasetUnavailable
    from fmnist_demo.pages._dataset import dataset_problem

    said = dataset_problem(DatasetUnavailable("ফোল্ডারটি খালি।"))
    assert said == "Fashion-MNIST-এর ছবিগুলো পাওয়া যাচ্ছে না। ফোল্ডারটি খালি।"


def test_phone_gallery_captions_wrap_between_words_and_keep_brackets_whole():
    lines = plots._wrapped("looked like Ankle boot (over 99\u00a0%)", 26, 330)
    assert lines == ["looked like Ankle boot", "(over 99\u00a0%)"]
    assert plots._wrapped("really Sandal", 26, 330) == ["really Sandal"]


@pytest.mark.parametrize("lang", ["en", "bn"])
@pytest.mark.parametrize("phone", [False, True])
def test_gallery_draws_no_box_for_a_character_its_font_lacks(lang, phone, monkeypatch):
    """'over 99 %' was drawn 'over 99▯%' at a desk: Pillow's Latin font has no no-break space."""
    drawn: list[tuple[str, object]] = []
    real_text = ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, font=None, **kwargs):
        drawn.append((text, font))
        return real_text(self, xy, text, *args, font=font, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    i18n.set_language(lang)
    try:
        probs = _one_hot_probs([6, 0], [0.9999, 0.8])
        plots.mistakes_gallery(_images(2), np.array([0, 6]), probs, phone=phone)
    finally:
        i18n.set_language("en")
    assert drawn
    for text, font in drawn:
        blanks = {c for c in text if c.isspace()}
        assert all(font.getmask(c).getbbox() is None for c in blanks), text  # nothing drawn


def test_a_figure_drawn_while_ipython_is_half_imported_works_after_the_settling() -> None:
    """The server's TensorFlow preload imports Keras, which imports IPython where installed; a
    page drawing its first figure meanwhile found IPython half imported and failed. The preload
    lets matplotlib look first (settle_ipython_check), so a figure drawn later never looks again."""
    import subprocess
    import sys

    half_imported = (
        "import sys, types; from fmnist_demo import plots; {settle}"
        # IPython as it is while another thread imports it: no version_info yet
        "sys.modules['IPython'] = types.ModuleType('IPython');"
        "fig = plots.Figure(); fig.add_subplot().plot([0, 1]);"
        "plots.figure_png(fig); print('drawn')"
    )
    for settle, works in (("plots.settle_ipython_check();", True), ("", False)):
        run = subprocess.run(
            [sys.executable, "-c", half_imported.format(settle=settle)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ("drawn" in run.stdout) is works, run.stderr[-500:]
        if not works:
            assert "version_info" in run.stderr
