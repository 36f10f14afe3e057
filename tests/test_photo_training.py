"""photo_training.py: augmentations keep the input contract, photos become inputs through the
app's own pipeline, scenes of no kind are made, the epoch mix is balanced as said, and the
training command runs end to end on a tiny slice (self-made photos) and writes a calibrated model
with its card."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fmnist_demo.data import IMAGE_SIZE


@pytest.fixture(scope="module")
def pt():
    from fmnist_demo import photo_training

    return photo_training


def test_augment_keeps_the_input_contract(pt, fmnist):
    (x_train, y_train), _ = fmnist
    first = pt.augment(x_train[:64], y_train[:64], seed=3)
    again = pt.augment(x_train[:64], y_train[:64], seed=3)
    assert first.shape == (64, IMAGE_SIZE, IMAGE_SIZE) and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, again)  # seeded
    assert not np.array_equal(first, pt.augment(x_train[:64], y_train[:64], seed=4))
    # the item still touches a side of the frame: longest side fitted to 28, as the pipeline does
    touches = (first[:, 0].max(1) > 0) | (first[:, -1].max(1) > 0)
    touches |= (first[:, :, 0].max(1) > 0) | (first[:, :, -1].max(1) > 0)
    assert touches.mean() > 0.8


def _photo_folder(folder: Path, fmnist, per_kind: int = 3) -> Path:
    """Dataset pictures saved as product photos (dark item on white) with a labels.csv."""
    from fmnist_demo.data import CLASS_NAMES
    from fmnist_demo.photo_training import fashion_photo

    (x, y), _ = fmnist
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for kind in (0, 1, 2, 3, 4, 5, 6, 7, 9):  # nine kinds, as the real photos (no bags)
        for i, index in enumerate(np.flatnonzero(y == kind)[:per_kind]):
            name = f"{kind}_item_{i:03d}.jpg"
            (folder / name).write_bytes(fashion_photo(x[index]))
            rows.append({"file": name, "label": kind, "class_name": CLASS_NAMES[kind]})
    with open(folder / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "label", "class_name"])
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _other_folder(folder: Path, pt, n: int = 6) -> Path:
    """Made-up scenes of no kind saved as train_hat_* and dev_hat_* photos."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    for i in range(n):
        prefix = "train_hat" if i < n - 2 else "dev_hat"
        Image.fromarray(pt.synthetic_other(rng)).save(folder / f"{prefix}_{i:03d}.jpg")
    return folder


def test_photos_become_inputs_through_the_pipeline(pt, fmnist, tmp_path):
    from fmnist_demo import photo

    items = pt.read_labelled(_photo_folder(tmp_path / "photos", fmnist, per_kind=1))
    pool = pt.photo_inputs(items, variants=3, seed=0, cache_dir=tmp_path / "cache")
    assert pool["x"].shape == (27, IMAGE_SIZE, IMAGE_SIZE) and pool["x"].dtype == np.uint8
    assert sorted(set(pool["y"].tolist())) == [0, 1, 2, 3, 4, 5, 6, 7, 9]
    first = np.flatnonzero(pool["source"] == 0)
    assert len(first) == 3  # the photo itself and two varied copies
    itself = photo.prepare(items[0].path.read_bytes()).model_input  # variant 0 is the photo
    assert np.abs(pool["x"][first[0]] / 255.0 - itself).max() <= 1 / 255 + 1e-6
    again = pt.photo_inputs(items, variants=3, seed=0, cache_dir=tmp_path / "cache")  # cached
    np.testing.assert_array_equal(again["x"], pool["x"])
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1


def test_scenes_of_no_kind(pt):
    rng = np.random.default_rng(0)
    scenes = [pt.synthetic_other(rng) for _ in range(12)]
    assert all(s.ndim == 3 and s.shape[2] == 3 and s.dtype == np.uint8 for s in scenes)
    assert len({s.tobytes()[:1000] for s in scenes}) == 12  # all different
    pool = pt.synthetic_inputs(12, seed=0, cache_dir=None)
    assert len(pool["y"]) >= 10 and (pool["y"] == pt.OTHER).all()


def test_the_epoch_mix_draws_scarce_kinds_more_often(pt, fmnist):
    labels = np.array([0] * 900 + [9] * 100)
    weights = pt.draw_weights(labels, power=0.5)
    share_boots = weights[labels == 9].sum()
    assert 0.1 < share_boots < 0.5  # between as-is (0.1) and fully balanced (0.5)
    (x, y), _ = fmnist
    pools = {
        "real": {"x": x[:1000], "y": labels},
        "other": {"x": x[1000:1100], "y": np.full(100, pt.OTHER)},
    }
    settings = pt.PhotoTrainSettings(
        fashion_per_epoch=200, clean_per_epoch=100, real_per_epoch=300, other_per_epoch=50
    )
    xe, ye = pt.epoch_data(pools, (x[:5000], y[:5000]), settings, epoch=0)
    assert xe.shape == (650, IMAGE_SIZE, IMAGE_SIZE) and xe.dtype == np.float32
    assert (ye == pt.OTHER).sum() == 50
    assert (ye == 9).sum() >= 0.1 * 300  # boots drawn far above their 10 % of the real photos
    assert xe.min() >= 0 and xe.max() <= 1


def test_the_training_command_end_to_end(pt, fmnist, tmp_path):
    from fmnist_demo.model import load_model

    photos = _photo_folder(tmp_path / "photos", fmnist, per_kind=8)
    other = _other_folder(tmp_path / "other", pt)
    dev = _photo_folder(tmp_path / "dev", fmnist, per_kind=1)
    out = tmp_path / "model.keras"
    pt.main(
        [
            "--photos", str(photos), "--other", str(other), "--dev", str(dev), "--out", str(out),
            "--epochs", "1", "--limit", "600", "--fashion", "600", "--real", "200",
            "--others", "40", "--variants", "2", "--synthetic", "20", "--no-cache",
        ]
    )  # fmt: skip
    card = json.loads(out.with_suffix(".json").read_text())
    model = load_model(out)
    assert model.output_shape[-1] == 11 and model.layers[-2].name == "temperature"
    calibration = card["calibration"]
    assert 0.5 <= calibration["temperature"] <= 5.0
    assert 0.5 <= calibration["sure_at"] <= 0.99 and 0.3 <= calibration["other_at"] <= 0.9
    assert {"ece_before", "ece_after", "held_back_photos", "figures"} <= set(calibration)
    assert card["data"]["real_photos"]["inputs_after_variation"] > 0
    learnt = sum(card["data"]["real_photos"]["learnt_from"].values())
    held = sum(v for k, v in card["data"]["held_back_for_calibration"].items() if k != "none")
    assert learnt + held >= 72 - 2  # every photo either learnt from or held back
    dev_figures = card["development_photos"]["calibrated"]
    assert dev_figures["n"] == 9 and dev_figures["other_n"] == 2
    assert {"accuracy", "per_class", "ece", "sure_share", "sure_acc"} <= set(dev_figures)
    assert 0.0 <= card["test_accuracy"] <= 1.0 and card["command"].startswith("python -m")
