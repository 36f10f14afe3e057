"""photo_training.py and augment.py: augmentations keep the input contract, photos become
inputs through the app's own pipeline, scenes of no kind are made, the epoch mix is balanced as
said, and the training command runs end to end on a tiny slice (self-made photos) and writes a
calibrated model with its card."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fmnist_demo.augment import augment, draw_weights
from fmnist_demo.data import IMAGE_SIZE


@pytest.fixture(scope="module")
def pt():
    from fmnist_demo import photo_training

    return photo_training


@pytest.fixture(autouse=True)
def _a_tenth_of_the_test_set(pt, fmnist, monkeypatch):
    """The command measures its model on all 10,000 test pictures and photographs 200 bags; here
    the first 1,000 (about 100 bags) do: the tests check the card's fields, not the figures."""
    train, (x_test, y_test) = fmnist
    monkeypatch.setattr(pt, "load_fashion_mnist", lambda: (train, (x_test[:1000], y_test[:1000])))


def test_augment_keeps_the_input_contract(pt, fmnist):
    (x_train, y_train), _ = fmnist
    first = augment(x_train[:64], y_train[:64], seed=3)
    again = augment(x_train[:64], y_train[:64], seed=3)
    assert first.shape == (64, IMAGE_SIZE, IMAGE_SIZE) and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, again)  # seeded
    assert not np.array_equal(first, augment(x_train[:64], y_train[:64], seed=4))
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
    weights = draw_weights(labels, power=0.5)
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


@pytest.mark.slow
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


def test_folds_deal_every_kind_out_evenly(pt, tmp_path):
    items = [pt.LabelledPhoto(tmp_path / f"{k}_{i}.jpg", k) for k in (0, 5, 9) for i in range(7)]
    fold = pt.folds_of(items, 2)
    labels = np.array([it.label for it in items])
    for kind in (0, 5, 9):
        assert sorted(np.bincount(fold[labels == kind], minlength=2)) == [3, 4]
    assert np.array_equal(fold, pt.folds_of(list(items), 2))  # the same split every run


@pytest.mark.slow
def test_learning_from_the_development_photos_and_cross_validating(pt, fmnist, tmp_path):
    from fmnist_demo.model import load_model

    photos = _photo_folder(tmp_path / "photos", fmnist, per_kind=6)
    other = _other_folder(tmp_path / "other", pt)
    dev = _photo_folder(tmp_path / "dev", fmnist, per_kind=2)
    out = tmp_path / "model.keras"
    small = [
        "--photos", str(photos), "--other", str(other), "--dev", str(dev), "--out", str(out),
        "--epochs", "1", "--limit", "400", "--fashion", "300", "--real", "100",
        "--others", "20", "--variants", "1", "--synthetic", "10", "--no-cache",
    ]  # fmt: skip
    pt.main([*small, "--learn-dev"])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["command"].endswith("--learn-dev")
    assert sum(card["data"]["development_photos_learnt_from"].values()) == 18 + 2
    assert card["development_photos"]["cross_validated"] is None  # until the folds are run
    before = out.read_bytes()
    pt.main([*small, "--cross-validate", "2"])
    assert out.read_bytes() == before  # the model is not touched, only its card
    section = json.loads(out.with_suffix(".json").read_text())["development_photos"]
    cv = section["cross_validated"]
    assert cv["folds"] == 2 and len(cv["per_fold"]) == 2
    assert sum(f["photos"] for f in cv["per_fold"]) == 18
    assert sum(f["hats"] for f in cv["per_fold"]) == 2
    for name in ("as_learnt", "calibrated"):
        assert cv[name]["n"] == 18 and cv[name]["other_n"] == 2
        assert 0.0 <= cv[name]["accuracy"] <= 1.0 and 0.0 <= cv[name]["ece"] <= 1.0
    assert load_model(out).output_shape[-1] == 11


def test_learn_dev_needs_dev(pt, tmp_path):
    with pytest.raises(SystemExit):
        pt.main(["--photos", str(tmp_path), "--other", str(tmp_path), "--learn-dev"])


def test_a_card_tells_which_photos_a_model_learnt_from(pt, tmp_path):
    card = {
        "data": {"real_photos": {"folder": "real-photos-train"}},
        "development_photos": {"folder": "real-photos"},
    }
    assert pt.learnt_from(card, tmp_path / "real-photos-train")
    assert not pt.learnt_from(card, tmp_path / "real-photos")  # measured on, never learnt from
    card["data"]["development_photos_learnt_from"] = {"Sandal": 25}
    assert pt.learnt_from(card, tmp_path / "real-photos")
    assert not pt.learnt_from(card, tmp_path / "other-photos") and not pt.learnt_from({}, tmp_path)


def test_the_photo_benchmark_prints_the_verdict_fields(pt, fmnist, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "photo_accuracy", Path(__file__).resolve().parent.parent / "benchmarks/photo_accuracy.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    photos = _photo_folder(tmp_path / "photos", fmnist, per_kind=1)
    other = _other_folder(tmp_path / "other", pt)
    line = bench.run(photos, None, False, 0, "all", other)
    assert line["n"] == 9 and line["other_n"] == 2 and line["learnt_from_these"] is False
    for field in ("ours_acc", "naive_acc", "sure_share", "ece", "other_flagged_share"):
        assert 0.0 <= line[field] <= 1.0
    assert line["sure_acc"] is None or 0.0 <= line["sure_acc"] <= 1.0
    json.dumps(line)  # one JSON line


def test_figures_on_unseen_photos_come_from_the_folds_when_a_model_learnt_from_them():
    from fmnist_demo.assets import unseen_figures

    measured = {"as_learnt": {"accuracy": 0.7}, "calibrated": {"accuracy": 0.7}}
    assert unseen_figures({"development_photos": {"folder": "d", **measured}}) == {
        "folder": "d",
        **measured,
    }
    learnt = {"development_photos": {"folder": "d", "cross_validated": None}}
    assert unseen_figures(learnt) == {}  # learnt from them and not yet cross-validated: none
    learnt["development_photos"]["cross_validated"] = {"folds": 2, **measured}
    assert unseen_figures(learnt)["calibrated"] == {"accuracy": 0.7}
    assert unseen_figures({}) == {}
