"""How the photo model learns: Fashion-MNIST made to look like prepared photos, real phone photos,
items that are none of the ten kinds, mixed each epoch; then calibration on held-back photos and
the model card. One seeded command makes the shipped model:

    python -m fmnist_demo.photo_training --photos DIR --other DIR --dev DIR --seed 1

No Streamlit here, and nothing the server runs imports this module: it is an offline command.
Real photos go through the app's own pipeline (`photo.prepare_decoded`), and the Fashion-MNIST
augmentations (augment.py, shared with the app's teaching) run the pipeline's last steps, so the
network learns from exactly the kind of input the app gives it. The readers of labelled photo
folders here serve the other offline commands too (make_replay_set, make_reference_set).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from fmnist_demo import photo
from fmnist_demo.assets import PHOTO_MODEL_PATH, card_path
from fmnist_demo.augment import AUGMENTATIONS, augment, draw_weights, real_epoch_variation
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES, load_fashion_mnist, normalise
from fmnist_demo.model import keras, save_model
from fmnist_demo.photo_model import (
    NUM_OUTPUTS,
    OTHER,
    OTHER_FALSE_ALARMS,
    SURE_PRECISION,
    build_photo_model,
    calibrated,
    class_weights,
    expected_calibration_error,
    fit_temperature,
    fit_thresholds,
    fold_batch_norm,
    photo_figures,
    photo_probabilities_batch,
    split_outputs,
    with_temperature,
)

HOLD_BACK_SHARE = 0.15  # of the real photos (and hats) kept out of learning, for calibration
PIPELINE_VERSION = 1  # bump when photo.py changes what it makes, so cached inputs are remade
CACHE_DIR = Path.home() / ".cache" / "fmnist-demo"

PHOTO_VARIATIONS = {
    "crop": "0-8 % cut from each side of the photo independently (framing)",
    "turn": "rotation +-12 degrees, edges repeated",
    "light": "brightness x0.7-1.3, contrast x0.7-1.3, each colour channel x0.85-1.15",
    "blur": "Gaussian sigma 0.5-1.5 px at 400 px, probability 0.3",
    "then": "the app's own pipeline (GrabCut, crop, fit, centre); per epoch a mirror image with "
    "probability 0.5 and gamma 0.7-1.4 on the item",
}
SYNTHETIC_OTHERS = {
    "test_pattern": "colour bars, stripes, checkerboards and grids at any angle",
    "texture": "smooth random noise in two colours (carpet, wallpaper, a wall)",
    "shapes": "one to four circles, triangles or stars on a plain or noisy background",
    "face": "a skin-coloured oval with hair, eyes and mouth",
}


# ---------------------------------------------------------------------------------------------
# Labelled photos


@dataclass(frozen=True)
class LabelledPhoto:
    """A photo file and what it shows: a kind 0-9, or OTHER for none of the ten."""

    path: Path
    label: int


def read_labelled(folder: Path) -> list[LabelledPhoto]:
    """The photos named in a folder's labels.csv (file,label,class_name)."""
    folder = Path(folder)
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        return [
            LabelledPhoto(folder / row["file"], int(row["label"])) for row in csv.DictReader(fh)
        ]


def read_others(folder: Path, prefix: str) -> list[LabelledPhoto]:
    """Photos of items that are none of the ten kinds, whose names start with `prefix`."""
    files = sorted(p for p in Path(folder).glob(f"{prefix}*") if p.suffix.lower() in _PICTURES)
    return [LabelledPhoto(p, OTHER) for p in files]


_PICTURES = {".jpg", ".jpeg", ".png", ".webp"}


def held_back(item: LabelledPhoto) -> bool:
    """Whether a photo is kept out of learning: a hash of its name, so every run splits alike."""
    return hashlib.sha1(item.path.name.encode()).digest()[0] < HOLD_BACK_SHARE * 256


# ---------------------------------------------------------------------------------------------
# Real photos -> model inputs


def vary_photo(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 photo -> the same scene framed, turned and lit a little differently."""
    h, w = rgb.shape[:2]
    top, bottom, left, right = (rng.uniform(0, 0.08, 4) * [h, h, w, w]).astype(int)
    out = rgb[top : h - bottom, left : w - right]
    h, w = out.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-12, 12), 1.0)
    out = cv2.warpAffine(out, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    light = out.astype(np.float32) * rng.uniform(0.85, 1.15, 3)  # white balance per channel
    mean = light.mean()
    light = (light - mean) * rng.uniform(0.7, 1.3) + mean * rng.uniform(0.7, 1.3)
    if rng.random() < 0.3:
        light = cv2.GaussianBlur(light, (0, 0), rng.uniform(0.5, 1.5))
    return np.clip(light, 0, 255).astype(np.uint8)


def _inputs_of(rgb: np.ndarray, variants: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The model input of a photo and of `variants - 1` varied copies (refused ones left out)."""
    out = []
    for v in range(variants):
        try:
            out.append(photo.prepare_decoded(rgb if v == 0 else vary_photo(rgb, rng)).model_input)
        except photo.PhotoError:
            continue
    return out


def _photo_job(item: LabelledPhoto, variants: int, seed: int, index: int) -> list[np.ndarray]:
    try:
        rgb, _ = photo.decode(item.path.read_bytes())
    except photo.PhotoError:
        return []
    return _inputs_of(rgb, variants, np.random.default_rng([seed, index]))


def _cached(key: dict, make: Any, cache_dir: Path | None) -> dict[str, np.ndarray]:
    """Arrays made by `make()`, kept in cache_dir under a hash of `key` (None: no cache)."""
    if cache_dir is None:
        return make()
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"photo-inputs-{digest}.npz"
    if path.is_file():
        with np.load(path) as saved:
            return {k: saved[k] for k in saved.files}
    arrays = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return arrays


def photo_inputs(
    items: list[LabelledPhoto], variants: int, seed: int, cache_dir: Path | None = CACHE_DIR
) -> dict[str, np.ndarray]:
    """Photos -> {"x": (M, 28, 28) uint8, "y": (M,), "source": (M,) index into items}.

    Variant 0 of each photo is the photo itself; the others are `vary_photo` copies. GrabCut
    releases Python's lock, so two threads prepare two photos at once.
    """
    key = {
        "files": [[it.path.name, it.label, it.path.stat().st_size] for it in items],
        "variants": variants,
        "seed": seed,
        "pipeline": PIPELINE_VERSION,
    }

    def make() -> dict[str, np.ndarray]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(
                pool.map(lambda i: _photo_job(items[i], variants, seed, i), range(len(items)))
            )
        return _stack(done, [it.label for it in items])

    return _cached(key, make, cache_dir)


def _stack(per_source: list[list[np.ndarray]], labels: list[int]) -> dict[str, np.ndarray]:
    """Per-source lists of (28, 28) float inputs -> uint8 arrays with labels and sources."""
    x = [img for imgs in per_source for img in imgs]
    source = [i for i, imgs in enumerate(per_source) for _ in imgs]
    pixels = np.round(np.stack(x) * 255.0).astype(np.uint8) if x else np.zeros((0, 28, 28))
    return {
        "x": pixels.astype(np.uint8),
        "y": np.asarray([labels[i] for i in source], dtype=np.int64),
        "source": np.asarray(source, dtype=np.int64),
    }


# ---------------------------------------------------------------------------------------------
# Scenes that show none of the ten kinds


def _colours(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, (n, 3)).astype(np.float32)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """(h, w) float32 in [0, 1]: random values on a coarse grid, smoothly enlarged."""
    coarse = rng.random((cells, cells)).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def synthetic_other(rng: np.random.Generator) -> np.ndarray:
    """A (H, W, 3) uint8 picture of something that is not clothing, shoes or a bag."""
    h, w = (int(rng.integers(240, 400)), int(rng.integers(240, 400)))
    kind = rng.choice(["test_pattern", "texture", "shapes", "face"])
    if kind == "test_pattern":
        colours = _colours(rng, int(rng.integers(3, 9)))
        period = float(rng.uniform(8, 90))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        angle = rng.uniform(0, np.pi)
        along = xx * np.cos(angle) + yy * np.sin(angle)
        if rng.random() < 0.4:  # a checkerboard or grid
            across = -xx * np.sin(angle) + yy * np.cos(angle)
            index = (np.floor(along / period) + np.floor(across / period)).astype(int)
        else:  # bars or stripes
            index = np.floor(along / period).astype(int)
        image = colours[index % len(colours)]
    elif kind == "texture":
        a, b = _colours(rng, 2)
        t = _smooth_noise(rng, h, w, int(rng.integers(3, 40)))[:, :, None]
        image = a * t + b * (1 - t)
    else:
        base = _colours(rng, 1)[0] * _smooth_noise(rng, h, w, 3)[:, :, None] ** 0.2
        image = np.ascontiguousarray(base)
        if kind == "shapes":
            for _ in range(int(rng.integers(1, 5))):
                _shape(image, rng)
        else:
            _face(image, rng)
    image = image + rng.normal(0, rng.uniform(0, 8), image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _shape(image: np.ndarray, rng: np.random.Generator) -> None:
    """Draw a filled circle, triangle or star at random onto `image`."""
    h, w = image.shape[:2]
    centre = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
    radius = rng.uniform(0.1, 0.35) * min(h, w)
    colour = tuple(float(c) for c in _colours(rng, 1)[0])
    points = int(rng.choice([0, 3, 5]))
    if points == 0:
        cv2.circle(image, tuple(int(v) for v in centre), int(radius), colour, -1)
        return
    angles = rng.uniform(0, 2 * np.pi) + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, radius, radius * (0.45 if points == 5 else 1))
    if points == 3:
        angles, radii = angles[::2], radii[::2]
    corners = centre + np.stack([np.cos(angles), np.sin(angles)], 1) * radii[:, None]
    cv2.fillPoly(image, [corners.astype(np.int32)], colour)


def _face(image: np.ndarray, rng: np.random.Generator) -> None:
    """Draw a simple face: skin oval, hair, two eyes and a mouth."""
    h, w = image.shape[:2]
    cx, cy = int(w * rng.uniform(0.4, 0.6)), int(h * rng.uniform(0.45, 0.6))
    ax, ay = int(min(h, w) * rng.uniform(0.22, 0.32)), int(min(h, w) * rng.uniform(0.3, 0.4))
    skin = np.array([rng.uniform(90, 240), 0, 0])
    skin[1], skin[2] = skin[0] * rng.uniform(0.7, 0.85), skin[0] * rng.uniform(0.55, 0.75)
    hair = tuple(float(v) for v in rng.uniform(0, 120, 3))
    cv2.ellipse(image, (cx, cy - ay // 3), (int(ax * 1.1), ay), 0, 180, 360, hair, -1)
    cv2.ellipse(image, (cx, cy), (ax, ay), 0, 0, 360, tuple(float(v) for v in skin), -1)
    for side in (-1, 1):
        cv2.circle(image, (cx + side * ax // 2, cy - ay // 5), max(2, ax // 8), (30, 30, 30), -1)
    cv2.ellipse(image, (cx, cy + ay // 2), (ax // 3, ay // 8), 0, 0, 180, (120, 40, 40), 3)


def synthetic_inputs(n: int, seed: int, cache_dir: Path | None = CACHE_DIR) -> dict:
    """`n` scenes of no kind through the pipeline -> {"x", "y" (all OTHER), "source"}."""

    def job(i: int) -> list[np.ndarray]:
        rng = np.random.default_rng([seed, 7, i])
        return _inputs_of(synthetic_other(rng), 1, rng)

    def make() -> dict[str, np.ndarray]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(job, range(n)))
        return _stack(done, [OTHER] * n)

    key = {"synthetic": n, "seed": seed, "pipeline": PIPELINE_VERSION, "kinds": SYNTHETIC_OTHERS}
    return _cached(key, make, cache_dir)


# ---------------------------------------------------------------------------------------------
# Learning


@dataclass
class PhotoTrainSettings:
    """How the photo model learns; the defaults make the shipped model."""

    epochs: int = 14
    seed: int = 1
    batch_size: int = 128
    learning_rate: float = 1e-3
    fashion_per_epoch: int = 20_000  # augmented Fashion-MNIST pictures, fresh every epoch
    clean_per_epoch: int = 8_000  # Fashion-MNIST pictures as they are, so the chapter's stay known
    real_per_epoch: int = 14_000  # real photo inputs drawn (with repeats) every epoch
    other_per_epoch: int = 3_000  # inputs of no kind (hats, made-up scenes) every epoch
    variants: int = 4  # prepared versions of each real photo: itself and 3 varied copies
    other_variants: int = 8  # the same for each hat (there are few)
    synthetic: int = 2_000  # made-up scenes of no kind
    balance_power: float = 0.7  # a photo is drawn with weight count(kind) ** -power
    limit: int | None = None  # learn from the first N Fashion-MNIST pictures only (tests)


def epoch_data(
    pools: dict[str, dict[str, np.ndarray]],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: PhotoTrainSettings,
    epoch: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One epoch's shuffled mix -> ((N, 28, 28) float32, (N,) labels 0-10)."""
    rng = np.random.default_rng([settings.seed, epoch])
    x_f, y_f = fashion
    wanted = min(settings.fashion_per_epoch + settings.clean_per_epoch, len(x_f))
    pick = rng.choice(len(x_f), wanted, replace=False)
    made, clean = pick[: settings.fashion_per_epoch], pick[settings.fashion_per_epoch :]
    parts_x = [augment(x_f[made], y_f[made], int(rng.integers(2**31))), normalise(x_f[clean])]
    parts_y = [y_f[made], y_f[clean]]
    for name, count in (("real", settings.real_per_epoch), ("other", settings.other_per_epoch)):
        pool = pools[name]
        if count and len(pool["y"]):
            p = draw_weights(pool["y"], settings.balance_power) if name == "real" else None
            chosen = rng.choice(len(pool["y"]), count, p=p)
            parts_x.append(real_epoch_variation(normalise(pool["x"][chosen]), rng))
            parts_y.append(pool["y"][chosen])
    x, y = np.concatenate(parts_x), np.concatenate(parts_y)
    order = rng.permutation(len(y))
    return x[order], y[order]


def learning_pools(
    photos: Path,
    other: Path,
    settings: PhotoTrainSettings,
    cache_dir: Path | None = CACHE_DIR,
    extra: Sequence[LabelledPhoto] = (),
) -> tuple[dict[str, dict[str, np.ndarray]], list[LabelledPhoto]]:
    """({"real": ..., "other": ...} inputs to learn from, the photos held back for calibration).

    `extra`: further photos learnt from in full (development photos, for the final model and for
    cross-validation); the photos held back for calibration come from `photos` and the hats only.
    """
    real = read_labelled(photos)
    hats = read_others(other, "train_hat_")
    learn = [it for it in real if not held_back(it)]
    learn_hats = [it for it in hats if not held_back(it)]
    extra_real = [it for it in extra if it.label != OTHER]
    extra_hats = [it for it in extra if it.label == OTHER]
    parts = [photo_inputs(learn, settings.variants, settings.seed, cache_dir)]
    if extra_real:  # prepared apart, so the learning photos' cached inputs are reused
        parts.append(photo_inputs(extra_real, settings.variants, settings.seed, cache_dir))
    hat_parts = [photo_inputs(learn_hats, settings.other_variants, settings.seed, cache_dir)]
    if extra_hats:
        hat_parts.append(
            photo_inputs(extra_hats, settings.other_variants, settings.seed, cache_dir)
        )
    hat_parts.append(synthetic_inputs(settings.synthetic, settings.seed, cache_dir))
    real_pool = {k: np.concatenate([part[k] for part in parts]) for k in ("x", "y")}
    other_pool = {k: np.concatenate([part[k] for part in hat_parts]) for k in ("x", "y")}
    kept = [it for it in real + hats if held_back(it)]
    return {"real": real_pool, "other": other_pool}, kept


def learnt_from(card: dict[str, Any], folder: Path) -> bool:
    """Whether a photo model's card says it learnt from the photos of `folder` (by its name):
    its figures on them are then no measure of photos it has never seen."""
    data = card.get("data", {})
    name = Path(folder).name
    if data.get("real_photos", {}).get("folder") == name:
        return True
    return bool(data.get("development_photos_learnt_from")) and (
        card.get("development_photos", {}).get("folder") == name
    )


def development_items(dev: Path, other: Path) -> list[LabelledPhoto]:
    """The labelled development photos and the development hats (dev_hat_*)."""
    return read_labelled(dev) + read_others(other, "dev_hat_")


def folds_of(items: list[LabelledPhoto], folds: int) -> np.ndarray:
    """(N,) fold 0..folds-1 of each photo: within each kind, photos in the order of a hash of
    their name are dealt out in turn, so every fold holds about the same share of every kind."""
    out = np.zeros(len(items), np.int64)
    for label in {it.label for it in items}:
        mine = [i for i, it in enumerate(items) if it.label == label]
        mine.sort(key=lambda i: hashlib.sha1(items[i].path.name.encode()).hexdigest())
        for turn, i in enumerate(mine):
            out[i] = turn % folds
    return out


def fit(
    pools: dict[str, dict[str, np.ndarray]], settings: PhotoTrainSettings, log: Any = print
) -> tuple[keras.Model, float]:
    """Train the photo CNN on the epoch mixes -> (the trained model, seconds)."""
    keras.utils.set_random_seed(settings.seed)
    (x_f, y_f), _ = load_fashion_mnist()
    if settings.limit:
        x_f, y_f = x_f[: settings.limit], y_f[: settings.limit]
    model = build_photo_model()
    per_epoch = (
        min(settings.fashion_per_epoch + settings.clean_per_epoch, len(x_f))
        + settings.real_per_epoch * bool(len(pools["real"]["y"]))
        + settings.other_per_epoch * bool(len(pools["other"]["y"]))
    )
    steps = settings.epochs * -(-per_epoch // settings.batch_size)
    model.optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(
        settings.learning_rate, decay_steps=steps
    )
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as pool:  # the next epoch's mix is made during this one
        upcoming = pool.submit(epoch_data, pools, (x_f, y_f), settings, 0)
        for epoch in range(settings.epochs):
            x, y = upcoming.result()
            if epoch + 1 < settings.epochs:
                upcoming = pool.submit(epoch_data, pools, (x_f, y_f), settings, epoch + 1)
            history = model.fit(
                x,
                y,
                batch_size=settings.batch_size,
                epochs=epoch + 1,
                initial_epoch=epoch,
                verbose=0,
            )
            log(
                f"epoch {epoch + 1}/{settings.epochs}: loss {history.history['loss'][-1]:.4f}, "
                f"accuracy {history.history['accuracy'][-1]:.4f}, "
                f"{time.perf_counter() - start:.0f} s"
            )
    return model, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Calibration, figures and the model card


def view_probabilities(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, 2, outputs): the model's probabilities for each picture and its mirror."""
    from fmnist_demo.model import predict_proba
    from fmnist_demo.photo_model import mirror_views

    views = mirror_views(normalise(x))
    return predict_proba(model, views.reshape(-1, IMAGE_SIZE, IMAGE_SIZE)).reshape(
        len(views), 2, -1
    )


def fashion_photo(image: np.ndarray) -> bytes:
    """(28, 28) uint8 Fashion-MNIST picture -> a product photo: dark item on white, JPEG bytes."""
    big = cv2.resize(255 - image, (224, 224), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((300, 300), 255, np.uint8)
    canvas[38:262, 38:262] = big
    out = io.BytesIO()
    Image.fromarray(canvas).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def named_counts(labels: np.ndarray) -> dict[str, int]:
    """How many of each kind (and of none of these) the labels hold, by name, for a card."""
    names = [*CLASS_NAMES, "none of these"]
    return {names[c]: int(n) for c, n in enumerate(np.bincount(labels, minlength=NUM_OUTPUTS)) if n}


def calibration_card(
    view_probs: np.ndarray, labels: np.ndarray
) -> tuple[float, float, float, dict[str, Any]]:
    """(temperature, SURE_AT, OTHER_AT, the card's calibration section) from held-back photos."""
    weights = class_weights(labels)
    temperature = fit_temperature(view_probs, labels, weights)
    before, after = with_temperature(view_probs, 1.0), with_temperature(view_probs, temperature)
    sure_at, other_at = fit_thresholds(after, labels, weights)
    kinds, other = split_outputs(after)
    real = labels != OTHER
    w = class_weights(labels[real])
    section = {
        "held_back_photos": named_counts(labels),
        "temperature": round(temperature, 4),
        "sure_at": sure_at,
        "other_at": other_at,
        "fitted_to": {"sure_precision": SURE_PRECISION, "other_false_alarms": OTHER_FALSE_ALARMS},
        # with every kind counted alike, as the temperature was fitted (the judged photos are
        # about balanced; the held-back ones are mostly T-shirts), and plain
        "ece_before": round(expected_calibration_error(before[real], labels[real], 10, w), 4),
        "ece_after": round(expected_calibration_error(after[real], labels[real], 10, w), 4),
        "ece_plain_before": round(expected_calibration_error(before[real], labels[real]), 4),
        "ece_plain_after": round(expected_calibration_error(after[real], labels[real]), 4),
        "figures": photo_figures(kinds, other, labels, sure_at=sure_at, other_at=other_at),
    }
    return temperature, sure_at, other_at, section


def dev_figures(
    model: keras.Model,
    items: list[LabelledPhoto],
    temperature: float,
    sure_at: float,
    other_at: float,
) -> dict[str, Any]:
    """Figures on development photos, with the probabilities as learnt and as calibrated."""
    pool = photo_inputs(items, 1, 0, cache_dir=None)
    labels = np.asarray([it.label for it in items])
    view = view_probabilities(model, pool["x"])
    out: dict[str, Any] = {"photos": named_counts(labels)}
    for name, t in (("as_learnt", 1.0), ("calibrated", temperature)):
        kinds = np.full((len(items), NUM_CLASSES), 1.0 / NUM_OUTPUTS, np.float32)
        other = np.full(len(items), 1.0 / NUM_OUTPUTS, np.float32)
        k, o = split_outputs(with_temperature(view, t))
        kinds[pool["source"]], other[pool["source"]] = k, o
        refused = ~np.isin(np.arange(len(items)), pool["source"])
        out[name] = photo_figures(kinds, other, labels, refused, sure_at=sure_at, other_at=other_at)
    return out


def train(
    settings: PhotoTrainSettings,
    photos: Path,
    other: Path,
    out: Path = PHOTO_MODEL_PATH,
    dev: Path | None = None,
    cache_dir: Path | None = CACHE_DIR,
    log: Any = print,
    learn_dev: bool = False,
) -> dict[str, Any]:
    """Learn, calibrate on held-back photos, measure, and write the model and its card.

    learn_dev: the development photos (and hats) are learnt from too; their figures then come
    from `cross_validate`, which writes them into this card.
    """
    started = time.perf_counter()
    extra = development_items(dev, other) if learn_dev and dev is not None else []
    extra_counts = named_counts(np.asarray([it.label for it in extra], dtype=np.int64))
    pools, kept = learning_pools(photos, other, settings, cache_dir, extra)
    log(
        f"inputs ready: {len(pools['real']['y'])} real, {len(pools['other']['y'])} of no kind, "
        f"{len(kept)} photos held back, {time.perf_counter() - started:.0f} s"
    )
    model, seconds = fit(pools, settings, log)
    inference = fold_batch_norm(model)
    held = photo_inputs(kept, 1, settings.seed, cache_dir)
    temperature, sure_at, other_at, calibration = calibration_card(
        view_probabilities(inference, held["x"]), held["y"]
    )
    final = calibrated(inference, temperature)
    _, (x_test, y_test) = load_fashion_mnist()
    from fmnist_demo.model import predict_proba

    test_pred = predict_proba(final, x_test).argmax(axis=1)
    bags = x_test[y_test == 8][:200]
    bag_inputs = np.stack([photo.prepare(fashion_photo(b)).model_input for b in bags])
    bag_pred = photo_probabilities_batch(final, bag_inputs).argmax(axis=1)
    card: dict[str, Any] = {
        "name": "photo CNN",
        "architecture": "Conv32-pool-Conv64-Conv64-pool-Conv128-pool-Dense128-Dense11, batch "
        "norm, dropout 0.3; saved with batch norm folded into the convolutions and the "
        "temperature as a layer before the softmax",
        "outputs": [*CLASS_NAMES, "none of these"],
        "parameters": int(final.count_params()),
        "settings": asdict(settings),
        "data": {
            "fashion_mnist": "60,000 training pictures (MIT licence), each epoch a fresh draw of "
            f"{settings.fashion_per_epoch:,} made to look like prepared photos and "
            f"{settings.clean_per_epoch:,} as they are",
            "real_photos": {
                "folder": Path(photos).name,
                "source": "clothing-dataset by Alexey Grigorev (CC0), labels mapped to "
                "Fashion-MNIST's kinds",
                "learnt_from": named_counts(
                    np.asarray([it.label for it in read_labelled(photos) if not held_back(it)])
                ),
                "inputs_after_variation": len(pools["real"]["y"]),
            },
            "none_of_these": {
                "hats_learnt_from": int(
                    sum(not held_back(it) for it in read_others(other, "train_hat_"))
                ),
                "made_up_scenes": settings.synthetic,
                "kinds_of_scene": SYNTHETIC_OTHERS,
            },
            "development_photos_learnt_from": extra_counts,
            "held_back_for_calibration": named_counts(np.asarray([it.label for it in kept])),
            "class_imbalance": f"real photos drawn with weight count(kind)^-"
            f"{settings.balance_power:g}; Fashion-MNIST is balanced",
        },
        "augmentations": AUGMENTATIONS,
        "photo_variations": PHOTO_VARIATIONS,
        "calibration": calibration,
        "test_accuracy": round(float((test_pred == y_test).mean()), 4),
        "fashion_bag_photo_accuracy": round(float((bag_pred == 8).mean()), 4),
        "training_seconds": round(seconds, 1),
        "total_seconds": None,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python -m fmnist_demo.photo_training --photos DIR --other DIR --dev DIR "
        f"--seed {settings.seed} --epochs {settings.epochs}" + " --learn-dev" * bool(extra),
        "inference": "probabilities averaged over the image and its mirror image "
        "(photo_model.photo_probabilities)",
        "class_names": list(CLASS_NAMES),
    }
    if extra:
        card["development_photos"] = {
            "folder": Path(dev).name,
            "note": "learnt from by this model, once the design was fixed; its figures on them "
            "come from cross-validation (cross_validated, written by --cross-validate)",
            "photos": extra_counts,
            "cross_validated": None,
        }
    elif dev is not None:
        dev_items = development_items(dev, other)
        card["development_photos"] = {
            "folder": Path(dev).name,
            "note": "never learnt from; measured once the design was fixed",
            **dev_figures(inference, dev_items, temperature, sure_at, other_at),
        }
    card["total_seconds"] = round(time.perf_counter() - started, 1)
    save_model(final, out, card)
    return card


def cross_validate(
    settings: PhotoTrainSettings,
    photos: Path,
    other: Path,
    dev: Path,
    folds: int,
    out: Path = PHOTO_MODEL_PATH,
    cache_dir: Path | None = CACHE_DIR,
    log: Any = print,
) -> dict[str, Any]:
    """Figures on the development photos for a model that learns from them (`--learn-dev`).

    The development photos (and hats) are dealt into `folds` folds; for each, a model is made
    exactly as the final one (same settings, same held-back photos for calibration) from all the
    other folds, and measured on this one, with its own temperature and thresholds. The pooled
    figures go into the card of the model at `out` (`development_photos.cross_validated`); the
    model itself is not touched. Each fold learns from fewer development photos than the final
    model, so these figures lean to the low side.
    """
    items = development_items(dev, other)
    fold = folds_of(items, folds)
    labels = np.asarray([it.label for it in items], dtype=np.int64)
    view = np.full((len(items), 2, NUM_OUTPUTS), 1.0 / NUM_OUTPUTS, np.float32)
    refused = np.ones(len(items), bool)
    temperature, sure_at, other_at = np.ones(len(items)), np.zeros(len(items)), np.zeros(len(items))
    per_fold = []
    for k in range(folds):
        started = time.perf_counter()
        learn = [it for it, f in zip(items, fold, strict=True) if f != k]
        pools, kept = learning_pools(photos, other, settings, cache_dir, learn)
        log(f"fold {k + 1}/{folds}: learning from {len(learn)} development photos")
        model, _ = fit(pools, settings, log)
        inference = fold_batch_norm(model)
        held = photo_inputs(kept, 1, settings.seed, cache_dir)
        t, s_at, o_at, _ = calibration_card(view_probabilities(inference, held["x"]), held["y"])
        rows = np.flatnonzero(fold == k)
        pool = photo_inputs([items[i] for i in rows], 1, 0, cache_dir=None)
        measured = rows[pool["source"]]
        view[measured], refused[measured] = view_probabilities(inference, pool["x"]), False
        temperature[rows], sure_at[rows], other_at[rows] = t, s_at, o_at
        calibrated_kinds, _ = split_outputs(with_temperature(view[measured], t))
        right = calibrated_kinds.argmax(axis=1) == labels[measured]
        real = labels[measured] != OTHER
        per_fold.append(
            {
                "photos": int((labels[rows] != OTHER).sum()),
                "hats": int((labels[rows] == OTHER).sum()),
                "accuracy": round(float(right[real].mean()), 4) if real.any() else None,
                "temperature": round(t, 4),
                "sure_at": s_at,
                "other_at": o_at,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        log(f"fold {k + 1}/{folds}: {per_fold[-1]}")
    section: dict[str, Any] = {
        "folds": folds,
        "how": "development photos and hats dealt into folds within each kind (by a hash of the "
        "file name); each fold measured with a model made as the final one from the other folds, "
        "calibrated on the same held-back photos, with its own temperature and thresholds",
        "per_fold": per_fold,
    }
    for name, t in (("as_learnt", np.ones(len(items))), ("calibrated", temperature)):
        kinds, none = split_outputs(with_temperature(view, t[:, None, None]))  # each its fold's T
        section[name] = photo_figures(
            kinds, none, labels, refused, sure_at=sure_at, other_at=other_at
        )
    path = card_path(Path(out))
    card = json.loads(path.read_text(encoding="utf-8"))
    card.setdefault("development_photos", {"folder": Path(dev).name})["cross_validated"] = section
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return section


def main(argv: list[str] | None = None) -> None:
    """Command line: train the photo model and write it with its card."""
    defaults = PhotoTrainSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, required=True, help="real photos to learn from")
    parser.add_argument("--other", type=Path, required=True, help="train_hat_* / dev_hat_* photos")
    parser.add_argument("--dev", type=Path, default=None, help="labelled photos to measure on")
    parser.add_argument("--out", type=Path, default=PHOTO_MODEL_PATH)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--limit", type=int, default=None, help="first N Fashion-MNIST pictures")
    parser.add_argument("--fashion", type=int, default=defaults.fashion_per_epoch)
    parser.add_argument("--clean", type=int, default=defaults.clean_per_epoch)
    parser.add_argument("--real", type=int, default=defaults.real_per_epoch)
    parser.add_argument("--others", type=int, default=defaults.other_per_epoch)
    parser.add_argument("--variants", type=int, default=defaults.variants)
    parser.add_argument("--synthetic", type=int, default=defaults.synthetic)
    parser.add_argument("--no-cache", action="store_true", help="prepare every photo afresh")
    parser.add_argument(
        "--learn-dev", action="store_true", help="learn from the --dev photos and dev hats too"
    )
    parser.add_argument(
        "--cross-validate",
        type=int,
        default=0,
        metavar="K",
        help="instead of training: K-fold figures on --dev for the model at --out (--learn-dev)",
    )
    args = parser.parse_args(argv)
    if (args.learn_dev or args.cross_validate) and args.dev is None:
        parser.error("--learn-dev and --cross-validate need --dev")
    settings = PhotoTrainSettings(
        epochs=args.epochs,
        seed=args.seed,
        fashion_per_epoch=args.fashion,
        clean_per_epoch=args.clean,
        real_per_epoch=args.real,
        other_per_epoch=args.others,
        variants=args.variants,
        synthetic=args.synthetic,
        limit=args.limit,
    )
    cache_dir = None if args.no_cache else CACHE_DIR

    def log(line: str) -> None:
        print(line, flush=True)

    if args.cross_validate:
        section = cross_validate(
            settings,
            args.photos,
            args.other,
            args.dev,
            args.cross_validate,
            args.out,
            cache_dir,
            log,
        )
        print(
            json.dumps(
                {
                    "cross_validated": section["calibrated"],
                    "ece_as_learnt": section["as_learnt"]["ece"],
                }
            )
        )
        return
    card = train(
        settings, args.photos, args.other, args.out, args.dev, cache_dir, log, args.learn_dev
    )
    summary = {
        k: card[k]
        for k in (
            "test_accuracy",
            "fashion_bag_photo_accuracy",
            "training_seconds",
            "total_seconds",
        )
    }
    summary["calibration"] = {
        k: card["calibration"][k]
        for k in ("temperature", "sure_at", "other_at", "ece_before", "ece_after")
    }
    if "calibrated" in card.get("development_photos", {}):
        summary["development"] = card["development_photos"]["calibrated"]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
