"""photo_model.py: verdicts from probabilities, calibration on small arrays, folding and the
temperature layer change no answer, and a photo is classified through the same call the page
makes; the shipped model's card and code agree on the thresholds."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES


@pytest.fixture(scope="module")
def pm():
    from fmnist_demo import photo_model

    return photo_model


def _trained_looking(pm):
    """A photo CNN whose batch-norm statistics are not the identity, as after training."""
    model = pm.build_photo_model()
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            size = layer.get_weights()[0].shape
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, size),
                    rng.normal(0, 0.1, size),
                    rng.normal(0, 0.1, size),
                    rng.uniform(0.5, 2.0, size),
                ]
            )
    return model


def _kinds(top: int, p: float) -> np.ndarray:
    """(10,) probabilities with `p` on kind `top` and the rest spread evenly."""
    probs = np.full(NUM_CLASSES, (1 - p) / (NUM_CLASSES - 1), np.float32)
    probs[top] = p
    return probs


def test_three_verdicts_from_probabilities(pm):
    trouser = pm.SURE_AT_KIND[1]
    assert pm.verdict_of(_kinds(1, 0.97), other=0.01) is pm.Verdict.SURE
    assert pm.verdict_of(_kinds(1, trouser), other=0.0) is pm.Verdict.SURE  # at the line
    assert pm.verdict_of(_kinds(1, trouser - 0.01), other=0.0) is pm.Verdict.UNSURE
    assert pm.verdict_of(_kinds(6, 0.45) * 0.5, other=0.5 + pm.OTHER_AT / 2) is pm.Verdict.OTHER
    # "none of these" wins over a sure-looking kind: a hat must never get a green "Bag"
    assert pm.verdict_of(_kinds(8, 0.99), other=pm.OTHER_AT) is pm.Verdict.OTHER
    assert all(0.5 <= line <= pm.NEVER_SURE for line in pm.SURE_AT_KIND)
    assert len(pm.SURE_AT_KIND) == NUM_CLASSES and 0.0 < pm.OTHER_AT < 1.0
    # one line for every kind still works (the training command's card figures use it)
    assert pm.verdict_of(_kinds(7, 0.8), sure_at=0.72) is pm.Verdict.SURE


def test_a_sure_verdict_is_sure_of_the_kind_it_names(pm):
    """Issue 27: a sandal came out "Sneaker, sure (77 %)", an ankle boot "Sneaker, sure (86 %)"."""
    sandal = _shoe(sneaker=0.77, sandal=0.12, boot=0.05)
    boot = _shoe(sneaker=0.86, sandal=0.02, boot=0.10)
    for probs in (sandal, boot):
        assert pm.verdict_of(probs) is pm.Verdict.UNSURE
        assert set(pm.offered_kinds(probs)) == set(pm.FOOTWEAR)  # one tap: which kind of shoe
        assert pm.offered_kinds(probs)[0] == 7  # the best guess first
    assert pm.offered_kinds(sandal) == (7, 5, 9) and pm.offered_kinds(boot) == (7, 9, 5)
    # kinds whose answers hold: lines of their own, lower or higher than one line for all
    assert pm.verdict_of(_kinds(2, 0.66)) is pm.Verdict.SURE  # Pullover
    assert pm.verdict_of(_kinds(0, 0.66)) is pm.Verdict.UNSURE  # T-shirt/top
    assert pm.SURE_AT_KIND[7] > 0.95  # Sneaker: the kind is for the person to pick


def _shoe(sneaker: float, sandal: float, boot: float) -> np.ndarray:
    """(10,) probabilities of a shoe photo; what the three kinds leave is spread over the rest."""
    probs = np.full(NUM_CLASSES, (1 - sneaker - sandal - boot) / 7, np.float32)
    probs[[7, 5, 9]] = sneaker, sandal, boot
    return probs


def test_not_sure_offers_few_kinds_that_hold_most_of_the_chance(pm):
    two = np.array([0.55, 0.0, 0.38, 0.0, 0.04, 0.0, 0.03, 0.0, 0.0, 0.0])
    assert pm.offered_kinds(two) == (0, 2)  # 93 %: two buttons are enough
    three = np.array([0.4, 0.0, 0.3, 0.0, 0.15, 0.0, 0.15, 0.0, 0.0, 0.0])
    assert pm.offered_kinds(three) == (0, 2, 4)  # never more than MOST_OFFERED
    assert len(pm.offered_kinds(np.full(NUM_CLASSES, 0.1))) == pm.MOST_OFFERED
    sure = _kinds(1, 0.99)
    assert len(pm.offered_kinds(sure)) == 2  # at least the best guess and the runner-up
    # scaled down by "none of these": the share of the ten kinds' own total counts
    assert pm.offered_kinds(two * 0.5) == (0, 2)


def test_sure_shoe_says_a_shoe_whose_kind_is_open(pm):
    from fmnist_demo import photo

    scene = np.full((300, 400, 3), 220, np.uint8)
    scene[120:200, 60:340] = (40, 30, 30)
    prepared = photo.prepare(_scene_jpeg(scene))
    shoe = pm.PhotoResult(prepared=prepared, probabilities=_shoe(0.5, 0.2, 0.2))
    assert shoe.verdict is pm.Verdict.UNSURE and shoe.sure_shoe
    assert shoe.offered == (7, 5, 9)
    unsure = pm.PhotoResult(prepared=prepared, probabilities=_shoe(0.3, 0.1, 0.1))
    assert not unsure.sure_shoe  # half a shoe is no sure shoe
    trouser = pm.PhotoResult(prepared=prepared, probabilities=_kinds(1, 0.6))
    assert not trouser.sure_shoe and trouser.offered[0] == 1


def _answers(kind: int, n: int, right_chance, rng) -> tuple[np.ndarray, np.ndarray]:
    """(n, 10) probabilities naming `kind`, and labels right with right_chance(top)."""
    top = rng.uniform(0.5, 1.0, n)
    kinds = np.zeros((n, NUM_CLASSES), np.float32)
    kinds[:, kind] = top
    kinds[:, (kind + 1) % NUM_CLASSES] = 1 - top
    right = rng.random(n) < right_chance(top)
    return kinds, np.where(right, kind, (kind + 1) % NUM_CLASSES)


def test_kind_lines_are_fitted_to_each_kinds_own_answers(pm):
    rng = np.random.default_rng(3)
    parts = [
        _answers(1, 400, lambda p: np.full_like(p, 0.98), rng),  # right almost always
        _answers(7, 400, lambda p: np.full_like(p, 0.5), rng),  # a coin toss at any probability
        _answers(4, 400, lambda p: p, rng),  # calibrated: right as often as it says
    ]
    kinds = np.concatenate([k for k, _ in parts])
    labels = np.concatenate([y for _, y in parts])
    hats = np.zeros((100, NUM_CLASSES), np.float32)
    hats[:, 8] = 0.9  # hats taken for bags, not set aside: each a wrong "Bag"
    other = np.concatenate([np.zeros(len(labels)), np.full(100, 0.05)])
    kinds = np.concatenate([kinds, hats])
    labels = np.concatenate([labels, np.full(100, pm.OTHER)])
    lines = pm.fit_kind_thresholds(kinds, other, labels, chance=0.8)
    assert lines[1] <= 0.55  # sure from the start
    assert lines[7] == pm.NEVER_SURE  # never sure of a coin toss
    assert lines[8] == pm.NEVER_SURE  # hats make "Bag" never sure
    assert 0.72 <= lines[4] <= 0.88  # where a calibrated answer is right 80 % of the time
    # photos with no weight, or set aside as none of the ten, do not count
    weights = np.where(labels == 1, 0.0, 1.0)
    assert pm.fit_kind_thresholds(kinds, other, labels, weights)[7] == pm.NEVER_SURE


def test_ten_and_eleven_outputs_split_alike(pm):
    eleven = np.array([[0.1] * 9 + [0.05, 0.05]], np.float32)
    kinds, other = pm.split_outputs(eleven)
    assert kinds.shape == (1, NUM_CLASSES) and other[0] == pytest.approx(0.05)
    ten = np.full((2, NUM_CLASSES), 0.1, np.float32)  # a visitor's chapter model never says none
    kinds, other = pm.split_outputs(ten)
    assert kinds.shape == (2, NUM_CLASSES) and (other == 0).all()


def _overconfident(n: int = 4000, seed: int = 0):
    """Two-view probabilities of a model that is right 70 % of the time but says about 97 %."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    right = rng.random(n) < 0.7
    answer = np.where(right, labels, (labels + rng.integers(1, 3, n)) % 3)
    logits = rng.normal(0, 0.3, (n, 2, 3))
    logits[np.arange(n), :, answer] += 4.0
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return probs, labels


def test_temperature_scaling_mends_an_overconfident_model(pm):
    views, labels = _overconfident()
    weights = np.ones(len(labels))
    before = pm.expected_calibration_error(pm.with_temperature(views, 1.0), labels)
    t = pm.fit_temperature(views, labels, weights)
    after = pm.expected_calibration_error(pm.with_temperature(views, t), labels)
    assert t > 1.5  # softened
    assert before > 0.2 and after < 0.05
    same = pm.with_temperature(views, t).argmax(1) == pm.with_temperature(views, 1.0).argmax(1)
    assert same.all()  # a temperature never changes the answer


def test_ece_of_an_honest_forecaster_is_small(pm):
    rng = np.random.default_rng(1)
    p = rng.uniform(0.5, 1.0, 20000)
    labels = (rng.random(20000) >= p).astype(int)  # kind 0 comes true with probability p
    probs = np.stack([p, 1 - p], axis=1)
    assert pm.expected_calibration_error(probs, labels) < 0.02
    assert pm.expected_calibration_error(np.stack([np.ones(4), np.zeros(4)], 1), np.ones(4, int))
    assert pm.expected_calibration_error(np.eye(2), np.arange(2)) == 0.0


def test_thresholds_are_fitted_to_their_targets(pm):
    rng = np.random.default_rng(2)
    n = 3000
    labels = rng.integers(0, NUM_CLASSES, n)
    top = rng.uniform(0.3, 1.0, n)
    right = rng.random(n) < top  # calibrated: a 0.8 answer is right 80 % of the time
    answer = np.where(right, labels, (labels + 1) % NUM_CLASSES)
    probs = np.zeros((n, pm.NUM_OUTPUTS), np.float32)
    probs[:, pm.OTHER] = rng.uniform(0, 0.05, n)
    probs[np.arange(n), answer] = top
    hats = np.zeros((60, pm.NUM_OUTPUTS), np.float32)
    hats[:, pm.OTHER] = rng.uniform(0.4, 0.95, 60)
    hats[:, 8] = 1 - hats[:, pm.OTHER]  # a hat looks a little like a bag
    all_probs = np.concatenate([probs, hats])
    all_labels = np.concatenate([labels, np.full(60, pm.OTHER)])
    sure_at, other_at = pm.fit_thresholds(all_probs, all_labels, np.ones(len(all_labels)))
    chosen = probs[:, :NUM_CLASSES].max(1) >= sure_at
    assert right[chosen].mean() >= pm.SURE_PRECISION  # sure answers right often enough
    assert right[probs[:, :NUM_CLASSES].max(1) >= sure_at - 0.05].mean() < pm.SURE_PRECISION + 0.01
    assert other_at >= 0.3 and (probs[:, pm.OTHER] >= other_at).mean() <= pm.OTHER_FALSE_ALARMS


def test_folding_and_temperature_change_no_answer(pm):
    from fmnist_demo.model import predict_proba

    model = _trained_looking(pm)
    folded = pm.fold_batch_norm(model)
    images = np.random.default_rng(1).random((8, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
    plain = predict_proba(model, images)
    np.testing.assert_allclose(predict_proba(folded, images), plain, atol=1e-5)
    assert len(folded.layers) < len(model.layers)
    warm = pm.calibrated(folded, 2.0)
    softened = predict_proba(warm, images)
    np.testing.assert_allclose(
        softened, pm.with_temperature(plain[:, None], 2.0), rtol=1e-3, atol=1e-5
    )
    assert (softened.argmax(1) == plain.argmax(1)).all()


def _scene_jpeg(scene: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    return out.getvalue()


def test_classify_photo_gives_ten_kinds_and_none(pm):
    from fmnist_demo.model import load_photo_model

    scene = np.full((400, 300, 3), 215, np.uint8)
    scene[40:360, 100:200] = (30, 40, 90)  # a tall dark item on a light floor
    result = pm.classify_photo(load_photo_model(), _scene_jpeg(scene))
    assert result.probabilities.shape == (NUM_CLASSES,)
    assert float(result.probabilities.sum()) + result.other == pytest.approx(1.0, abs=1e-4)
    assert result.runner_up != result.predicted
    assert result.verdict in set(pm.Verdict)
    assert result.confident == (result.verdict is pm.Verdict.SURE)
    assert result.prepared.model_input.shape == (IMAGE_SIZE, IMAGE_SIZE)


def test_shoe_or_not_adds_up_the_three_kinds_of_shoe(pm):
    from fmnist_demo import photo

    scene = np.full((300, 400, 3), 220, np.uint8)
    scene[120:200, 60:340] = (40, 30, 30)  # a long, low dark item
    prepared = photo.prepare(_scene_jpeg(scene))
    probs = np.array([0.02, 0.0, 0.0, 0.0, 0.1, 0.25, 0.08, 0.35, 0.0, 0.2], np.float32)
    shoe = pm.PhotoResult(prepared=prepared, probabilities=probs)
    assert shoe.predicted == 7 and shoe.footwear  # Sneaker
    assert shoe.footwear_probability == pytest.approx(0.8)  # Sandal + Sneaker + Ankle boot
    coat = pm.PhotoResult(prepared=prepared, probabilities=np.roll(probs, -3))  # Coat on top
    assert coat.predicted == 4 and not coat.footwear
    assert coat.footwear_probability == pytest.approx(0.02)  # Sandal 0, Sneaker 0.02, boot 0


def test_shipped_model_card_and_code_agree(pm):
    from fmnist_demo.assets import PHOTO_MODEL_PATH, read_card, unseen_figures
    from fmnist_demo.model import load_photo_model

    card = read_card(PHOTO_MODEL_PATH)
    fit = card["calibration"]
    assert (fit["sure_at"], fit["other_at"]) == (pm.SURE_AT, pm.OTHER_AT)
    assert fit["fitted_to"] == {
        "sure_precision": pm.SURE_PRECISION,
        "other_false_alarms": pm.OTHER_FALSE_ALARMS,
    }
    assert {"ece_before", "ece_after", "ece_plain_before", "ece_plain_after"} <= set(fit)
    per_kind = fit["sure_at_kind"]  # the lines the verdict uses, fitted after training
    assert tuple(per_kind["lines"][name] for name in CLASS_NAMES) == pm.SURE_AT_KIND
    assert (per_kind["sure_chance"], per_kind["kind_spread"]) == (pm.SURE_CHANCE, pm.KIND_SPREAD)
    assert per_kind["fitted_on"]["held_back_weight"] == pm.HELD_BACK_WEIGHT
    dev = unseen_figures(card)  # photos it had not learnt from (cross-validated)
    assert dev["calibrated"]["ece"] <= dev["as_learnt"]["ece"]
    model = load_photo_model()
    assert model.output_shape[-1] == pm.NUM_OUTPUTS
    assert model.layers[-2].name == "temperature"
    assert PHOTO_MODEL_PATH.stat().st_size <= 5_000_000  # small enough to ship and load fast
    assert card["outputs"][-1] == "none of these"
    assert card["test_accuracy"] >= 0.87  # still knows the chapter's pictures


@pytest.mark.slow
def test_bags_as_product_photos_are_still_bags(pm, fmnist):
    """No real bag photos were learnt from: the dataset's bags, photographed, must still be bags."""
    from fmnist_demo import photo
    from fmnist_demo.model import load_photo_model
    from fmnist_demo.photo_training import fashion_photo

    _, (x_test, y_test) = fmnist
    bags = x_test[y_test == 8][200:300]  # not the 200 the model card measures
    inputs = np.stack([photo.prepare(fashion_photo(b)).model_input for b in bags])
    predicted = pm.photo_probabilities_batch(load_photo_model(), inputs).argmax(axis=1)
    assert (predicted == 8).mean() >= 0.85


def test_a_bad_file_is_refused_in_the_visitors_language(pm):
    """The call the Classify page makes raises PhotoError in the visitor's words."""
    from fmnist_demo import i18n, photo
    from fmnist_demo.model import load_photo_model

    model = load_photo_model()
    blank = io.BytesIO()
    Image.new("RGB", (300, 400), (120, 130, 140)).save(blank, "PNG")
    i18n.set_language("bn")
    try:
        with pytest.raises(photo.PhotoError, match="ছবিটির পুরোটাই এক রঙের"):
            pm.classify_photo(model, blank.getvalue())
    finally:
        i18n.set_language("en")
    with pytest.raises(photo.PhotoError, match="This picture is all one colour"):
        pm.classify_photo(model, blank.getvalue())


def test_figures_take_one_threshold_per_photo(pm):
    kinds = np.zeros((4, NUM_CLASSES), np.float32)
    kinds[:, 0] = [0.8, 0.8, 0.6, 0.6]
    kinds[:, 1] = 1 - kinds[:, 0]
    labels = np.zeros(4, np.int64)
    other = np.zeros(4, np.float32)
    one = pm.photo_figures(kinds, other, labels, sure_at=0.7, other_at=0.5)
    each = pm.photo_figures(
        kinds, other, labels, sure_at=np.array([0.7, 0.9, 0.5, 0.7]), other_at=np.full(4, 0.5)
    )
    assert one["sure_share"] == 0.5  # the two 0.8 answers
    assert each["sure_share"] == 0.5  # the first 0.8 and the first 0.6, by their own thresholds
    assert one["accuracy"] == each["accuracy"] == 1.0


def test_figures_of_the_save_tables_ticks_and_taps(pm):
    kinds = np.stack(
        [
            _kinds(1, 0.95),  # Trouser, sure and right
            _kinds(1, 0.95),  # Trouser, sure and wrong (a dress)
            np.array([0.55, 0, 0, 0.4, 0, 0, 0.05, 0, 0, 0], np.float32),  # T-shirt or Dress
            _shoe(0.86, 0.02, 0.10),  # an ankle boot: not sure, the three shoes offered
            _kinds(8, 0.99),  # a hat taken for a sure bag
            _kinds(6, 0.4),  # a hat, not sure
        ]
    )
    labels = np.array([1, 3, 3, 9, pm.OTHER, pm.OTHER])
    figures = pm.photo_figures(kinds, np.zeros(6, np.float32), labels, sure_at=0.9)
    assert figures["sure_acc_per_kind"] == {"Trouser": {"acc": 0.5, "n": 2}}
    assert figures["one_tap_share"] == 0.75  # all but the wrong sure Trouser
    assert figures["ticked_wrong_share"] == 0.25
    assert figures["other_ticked_share"] == 0.5
    assert figures["offered_mean"] == 2.5  # (T-shirt, Dress) and the three shoes


def _small_copy(source: Path, hats: Path, into: Path, per_kind: int) -> tuple[Path, Path]:
    """The first `per_kind` development photos of each kind and four hats, copied into `into`."""
    import csv
    import shutil

    photos, other = into / "photos", into / "other"
    photos.mkdir(parents=True)
    other.mkdir()
    with open(source / "labels.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen: dict[str, int] = {}
    kept = []
    for row in rows:
        seen[row["label"]] = seen.get(row["label"], 0) + 1
        if seen[row["label"]] <= per_kind:
            kept.append(row)
    with open(photos / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in kept:
            writer.writerow(row)
            shutil.copy(source / row["file"], photos / row["file"])
    for name in ("dev_hat_001.jpg", "dev_hat_002.jpg", "train_hat_001.jpg", "train_hat_002.jpg"):
        if (hats / name).exists():
            shutil.copy(hats / name, other / name)
    return photos, other


def test_the_benchmark_cross_validates_the_kind_lines(tmp_path):
    """--cross-validate K: out-of-fold figures, the lines fitted on all, one JSON line."""
    import importlib.util
    import json
    import os

    if not os.environ.get("FMNIST_PHOTOS_DIR") or not os.environ.get("FMNIST_OTHER_DIR"):
        pytest.skip("needs FMNIST_PHOTOS_DIR and FMNIST_OTHER_DIR")
    spec = importlib.util.spec_from_file_location(
        "photo_accuracy", Path(__file__).resolve().parent.parent / "benchmarks/photo_accuracy.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    photos, other = _small_copy(
        Path(os.environ["FMNIST_PHOTOS_DIR"]), Path(os.environ["FMNIST_OTHER_DIR"]), tmp_path, 2
    )
    cache = tmp_path / "probabilities.npz"
    line = bench.cross_validate(photos, other, None, 2, cache)
    assert line["cross_validated"] == 2 and line["n"] == 18 and line["other_n"] == 2
    for field in ("sure_share", "one_tap_share", "ticked_wrong_share", "other_ticked_share"):
        low, high = line["ci95"].get(field, [0.0, 1.0])
        assert 0.0 <= low <= line[field] <= high <= 1.0
    assert set(line["fitted_sure_at"]) == set(CLASS_NAMES)
    assert 0.0 <= line["old_rule"]["ticked_wrong_share"] <= 1.0  # the rule before, same photos
    assert cache.exists() and bench.cross_validate(photos, other, None, 2, cache) == line
    json.dumps(line)  # one JSON line
    assert bench.wilson(0, 40) == [0.0, 0.088] and bench.wilson(3, 3)[1] == 1.0
