"""Unit tests for the figure builders (plots.py) and the numbers behind them (evaluation.py)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from PIL import Image

from fmnist_demo import plots
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE
from fmnist_demo.evaluation import (
    EmptySelection,
    class_counts,
    confidence,
    confusion_matrix,
    count,
    evaluate,
    most_confident_mistakes,
    normalisation_examples,
    per_class_accuracy,
    percent,
    points_between,
    ranked_classes,
    sample_indices,
    top_confusions,
)


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
    assert percent(0.8819) == "88 %"
    assert percent(0.8819, 1) == "88.2 %"
    assert percent(1.0) == "100 %"
    assert percent(0.998) == "over 99 %"  # never round a doubt up to certainty
    assert confidence(0.97) == "97 %"
    assert confidence(1.0) == "over 99 %"  # a saturated softmax is still a guess
    assert count(60000) == "60,000"
    assert points_between(0.9151, 0.8819) == 4  # 92 % - 88 %, as shown


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


def test_sample_grid_is_one_picture_of_five_columns():
    grid = plots.sample_grid(_images(25), np.arange(25) % 10)
    assert isinstance(grid, Image.Image)
    side = IMAGE_SIZE * plots.SCALE
    assert grid.width >= 5 * side and grid.height >= 5 * side
    small = plots.sample_grid(_images(3), np.array([0, 1, 2]))
    assert small.width < grid.width and small.height < grid.height  # one row of three


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


def test_image_chart_has_colour_bar_in_both_scales():
    stored = _spec(plots.image_chart(_images(1)[0]))
    assert "Brightness (0 to 255)" in stored and '"domain": [0, 255]' in stored
    normalised = _spec(plots.image_chart(_images(1)[0], normalised=True))
    assert "Brightness (0 to 1)" in normalised and '"domain": [0, 1.0]' in normalised


def test_pixel_heatmap_writes_all_784_values():
    chart = plots.pixel_heatmap(_images(1)[0])
    spec = chart.to_dict()
    data = next(iter(spec["datasets"].values()))
    assert len(data) == IMAGE_SIZE * IMAGE_SIZE
    assert {"row", "column", "value"} <= set(data[0])
    assert any(layer["mark"]["type"] == "text" for layer in spec["layer"])
    values = [
        d["value"]
        for d in next(
            iter(plots.pixel_heatmap(_images(1)[0], normalised=True).to_dict()["datasets"].values())
        )
    ]
    assert max(values) <= 1.0


def test_class_count_chart_has_both_sets_and_all_kinds():
    spec = plots.class_count_chart(np.full(10, 6000), np.full(10, 1000)).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 20
    assert {d["Set"] for d in data} == {"Training", "Test"}
    assert {d["Kind"] for d in data} == set(CLASS_NAMES)
    assert "Images of each kind" in json.dumps(spec)


def test_prediction_figure_has_one_cell_per_image_with_coloured_captions():
    labels = np.arange(15) % 10
    predicted = labels.copy()
    predicted[4] = 9  # one wrong guess
    probs = _one_hot_probs(predicted.tolist(), [0.9] * 15)
    spec = plots.prediction_figure(_images(15), labels, probs).to_dict()
    cells = [cell for row in spec["vconcat"] for cell in row["hconcat"]]
    assert len(spec["vconcat"]) == 5 and len(cells) == 15
    colours = [cell["title"]["color"] for cell in cells]
    assert colours.count(plots.WRONG) == 1 and colours[4] == plots.WRONG
    assert cells[0]["title"]["text"] == "T-shirt/top 90 % (T-shirt/top)"
    assert cells[0]["hconcat"][0]["mark"]["type"] == "image"


def test_probability_bars_colour_guess_red_and_true_class_blue():
    probs = _one_hot_probs([3], [0.7])[0]
    spec = plots.probability_bars(probs, label=1).to_dict()
    data = next(iter(spec["datasets"].values()))
    roles = {d["Kind"]: d["Role"] for d in data}
    assert roles["Dress"] == "guess" and roles["Trouser"] == "true" and roles["Coat"] == "other"
    assert spec["encoding"]["color"]["scale"]["range"] == [plots.RIGHT, plots.WRONG, plots.OTHER]


def test_confusion_chart_labels_rows_and_columns_with_class_names():
    matrix = confusion_matrix(np.arange(10), np.arange(10))
    spec = plots.confusion_chart(matrix).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 100
    assert {d["true"] for d in data} == set(CLASS_NAMES)
    text = json.dumps(spec)
    assert "What it really is" in text and "The model's guess" in text


def test_class_accuracy_chart_writes_percentages():
    spec = plots.class_accuracy_chart(np.linspace(0.5, 0.95, 10)).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert [d["Label"] for d in data][:2] == ["50 %", "55 %"]


def test_training_curves_show_loss_and_accuracy_per_epoch():
    rows = [{"epoch": e, "loss": 1 / e, "accuracy": 0.8 + e / 100} for e in range(1, 4)]
    spec = plots.training_curves(rows).to_dict()
    assert [panel["title"] for panel in spec["hconcat"]] == ["Loss", "Accuracy"]
    text = json.dumps(spec)
    assert (
        '"field": "epoch"' in text and '"field": "loss"' in text and '"field": "accuracy"' in text
    )
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 3


def test_training_curves_keep_the_planned_epochs_on_the_axis():
    rows = [{"epoch": 1, "loss": 0.5, "accuracy": 0.8}]
    spec = plots.training_curves(rows, epochs=10).to_dict()
    assert spec["hconcat"][0]["encoding"]["x"]["scale"]["domain"] == [1, 10]
    assert plots.training_curves([]).to_dict()["hconcat"]  # nothing learnt yet: still a chart


def _chart_svg(html: str) -> str:
    """The live view's chart: an SVG image inside the HTML, as a data URI."""
    encoded = html.split('src="data:image/svg+xml;base64,')[1].split('"')[0]
    return base64.b64decode(encoded).decode()


def _live(points: list[dict], **overrides) -> str:
    values = dict(
        epoch=3,
        epochs=10,
        batch=375,
        batches=1875,
        seen=12_000,
        samples=60_000,
        loss=0.3124,
        accuracy=0.8812,
        elapsed_s=2.06,
        points=points,
    )
    return plots.live_training_html(**(values | overrides))


def test_live_training_view_shows_progress_figures_and_curves():
    points = [{"epoch": e / 2, "loss": 1 / (1 + e), "accuracy": 0.7 + e / 50} for e in range(1, 6)]
    html = _live(points)
    assert "Epoch 3 of 10" in html and "Pictures this epoch: 12,000 of 60,000" in html
    assert "22 % of the training done" in html  # (2 + 375 / 1875) / 10
    assert 'aria-valuenow="22"' in html and 'aria-valuenow="20"' in html  # both bars
    assert "0.312" in html and "88.1 %" in html and "2.1 s" in html
    svg = _chart_svg(html)
    assert svg.count("<polyline") == 2  # loss and accuracy
    assert svg.count("<circle") == 4  # finished epochs 1 and 2, in both panels
    assert ">0.00<" in svg and ">-0" not in svg  # the loss axis starts at 0, not "-0.00"
    assert "Training accuracy (higher is better)" in svg and ">100 %<" in svg
    assert "<style" not in html  # the style sheet is drawn once, apart
    assert "fm-live" in plots.live_training_css()


def test_live_training_view_before_any_point_and_at_the_end():
    start = _live([], epoch=1, batch=0, seen=0)
    assert "Epoch 1 of 10" in start and "0 % of the" in start
    assert "<polyline" not in _chart_svg(start)  # axes only
    end = _live([{"epoch": 10.0, "loss": 0.2, "accuracy": 0.93}], epoch=10, batch=1875)
    assert "100 % of the training done" in end and 'aria-valuenow="100"' in end


def test_class_probability_chart_highlights_the_most_likely_class():
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    spec = plots.class_probability_chart(probs).to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["Class"] for v in values] == list(CLASS_NAMES)
    assert [v["Class"] for v in values if v["Top"]] == ["Sneaker"]
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 1]
