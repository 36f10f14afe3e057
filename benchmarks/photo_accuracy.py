"""Real-photo accuracy: the app's pipeline and photo model against the naive demo, one JSON line.

    python benchmarks/photo_accuracy.py --photos DIR --other DIR --make-12mp
    python benchmarks/photo_accuracy.py --photos DIR --other DIR --learning DIR --cross-validate 10

DIR holds photos and labels.csv (file,label,class_name). "ours" is the Classify page's own call,
photo_model.classify_photo (photo.prepare, then the app's model, load_photo_model); "naive" is what
common demos do: PIL grayscale, resize to 28 x 28, model.predict with the chapter's model.
Times are bytes -> probabilities, per photo.
Besides accuracy: "per_class"; "ece" (expected calibration error of the top answer); "sure_share"
and "sure_acc" / "unsure_acc" (the page's green "sure" verdict, photo_model.verdict_of);
"set_aside_share" (real items wrongly called none of the ten kinds); "shoe_or_not_acc" (shoes told
from everything else by the three shoe kinds' summed probability) and "shoe_kind_acc" (the kind
right, among shoes the model called a shoe). With --other DIR (photos of items that are none of
the ten kinds, dev_* files): "other_n", "other_flagged_share" (not given a sure verdict) and
"other_named_share" (called "not one of the ten kinds").
The verdict as the save table uses it: "sure_acc_per_kind" (for each kind, how often a sure verdict
naming it was right, "acc", and how many there were, "n"); "one_tap_share" (the right kind is the
sure answer, or one of the kinds a not-sure verdict offers, photo_model.offered_kinds;
"offered_mean" of them on average); "ticked_wrong_share" (real items the save table ticks by
default, i.e. sure verdicts, under a wrong kind); with --other, "other_ticked_share" (items of no
kind given a sure verdict, so ticked). "old_rule" gives the same for the rule before (one sure
line for all kinds, photo_model.SURE_AT; best guess and runner-up offered; every verdict but "none
of the ten" ticked). The sure lines were fitted on the development photos and hats
("lines_fitted_on_these"): their honest figures come from --cross-validate.
With --cross-validate K, the headline is out-of-fold: the photos (and --other's dev hats) are
dealt into K folds within each kind; each fold is judged with sure lines fitted
(photo_model.fit_kind_thresholds) on the other folds, plus the photos of --learning and --other's
train hats that the model held back from learning, counted at HELD_BACK_WEIGHT. "ci95" gives each
share's 95 % interval (Wilson); "fitted_sure_at" the lines fitted on all of them, as shipped in
photo_model.SURE_AT_KIND when "fitted_equals_shipped". --cache FILE keeps the probabilities.
With --make-12mp, one photo is upscaled to a 4000 x 3000 JPEG and timed the same way
("p50_12mp_ms", median of --runs-12mp runs). --subset odd/even measures a half of the photos
(by file number), e.g. one half used while developing and the other held out.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fmnist_demo import photo
from fmnist_demo.assets import PHOTO_MODEL_PATH, read_card
from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.model import load_default_model, load_model, load_photo_model
from fmnist_demo.photo_model import (
    HELD_BACK_WEIGHT,
    KIND_LINES_FITTED_ON,
    OTHER,
    SURE_AT,
    SURE_AT_KIND,
    PhotoResult,
    Verdict,
    classify_photo,
    fit_kind_thresholds,
    photo_figures,
    verdict_of,
)
from fmnist_demo.photo_training import (
    LabelledPhoto,
    folds_of,
    held_back,
    learnt_from,
    read_labelled,
    read_others,
)


def read_labels(folder: Path, subset: str = "all") -> list[tuple[Path, int]]:
    """(photo path, label) rows of labels.csv; subset "odd"/"even" keeps files by their number."""
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        rows = [(folder / row["file"], int(row["label"])) for row in csv.DictReader(fh)]
    if subset == "all":
        return rows
    wanted = 1 if subset == "odd" else 0
    return [(path, label) for path, label in rows if _number(path) % 2 == wanted]


def _number(path: Path) -> int:
    """The trailing number of a file name such as 0_t-shirt_017.jpg."""
    digits = re.findall(r"\d+", path.stem)
    return int(digits[-1]) if digits else 0


def ours(model, data: bytes) -> PhotoResult:
    """The app's way, as the Classify page calls it: pipeline -> photo model -> verdict."""
    return classify_photo(model, data)


def naive(model, data: bytes) -> np.ndarray:
    """The common demo's way: grayscale, resize 28 x 28, /255, model.predict -> (10,)."""
    image = Image.open(io.BytesIO(data)).convert("L").resize((28, 28))
    batch = np.asarray(image, dtype=np.float32)[None] / 255.0  # (1, 28, 28) float32
    return model.predict(batch, verbose=0)[0]


def timed(fn, model, data: bytes) -> tuple[Any, float]:
    """(the answer, or None for a refused photo; milliseconds)."""
    start = time.perf_counter()
    try:
        probs = fn(model, data)
    except photo.PhotoError:
        probs = None
    return probs, (time.perf_counter() - start) * 1000.0


def twelve_megapixel_jpeg(data: bytes) -> bytes:
    """A dev photo upscaled to 4000 x 3000 (or 3000 x 4000) and saved as a phone-like JPEG."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    size = (4000, 3000) if image.width >= image.height else (3000, 4000)
    out = io.BytesIO()
    image.resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
    return out.getvalue()


def run(
    folder: Path,
    model_path: Path | None,
    make_12mp: bool,
    runs_12mp: int,
    subset: str = "all",
    other: Path | None = None,
) -> dict:
    """Classify every labelled photo both ways; accuracy, verdict figures and median times."""
    model = load_model(model_path) if model_path else load_photo_model()
    card = read_card(model_path or PHOTO_MODEL_PATH)
    chapter = load_default_model()
    rows = read_labels(folder, subset)
    if other is not None:  # photos of no kind: dev_hat_* (the train_hat_* ones are learnt from)
        rows += [(path, OTHER) for path in sorted(other.glob("dev_*")) if path.is_file()]
    blobs = [path.read_bytes() for path, _ in rows]
    labels = np.array([label for _, label in rows])
    # one warm-up call each, so graph tracing is not counted as the first photo's time
    timed(ours, model, blobs[0])
    timed(naive, chapter, blobs[0])
    kinds, others, refused, ours_ms, naive_pred, naive_ms = [], [], [], [], [], []
    for data in blobs:
        result, ms = timed(ours, model, data)
        kinds.append(np.zeros(len(CLASS_NAMES)) if result is None else result.probabilities)
        others.append(0.0 if result is None else result.other)
        refused.append(result is None)  # refused: counted wrong and not sure
        ours_ms.append(ms)
        probs, ms = timed(naive, chapter, data)
        naive_pred.append(-1 if probs is None else int(np.argmax(probs)))
        naive_ms.append(ms)
    kinds, others, refused = np.stack(kinds), np.array(others), np.array(refused)
    figures = photo_figures(kinds, others, labels, refused)
    real = labels != OTHER
    result = {
        # True: the model learnt from these photos, so the figures say little about new ones
        # (the shipped model's development figures are in its card, from cross-validation)
        "learnt_from_these": learnt_from(card, folder),
        # True: the sure lines were fitted on these photos; see --cross-validate
        "lines_fitted_on_these": folder.name in KIND_LINES_FITTED_ON,
        "n": figures["n"],
        "ours_acc": figures["accuracy"],
        "naive_acc": round(float(np.mean(np.array(naive_pred)[real] == labels[real])), 4),
        **{k: v for k, v in figures.items() if k not in ("n", "accuracy")},
        "p50_ms": round(statistics.median(ours_ms), 2),
        "naive_p50_ms": round(statistics.median(naive_ms), 2),
        "old_rule": old_rule(kinds, others, labels, refused),
    }
    if make_12mp:
        big = twelve_megapixel_jpeg(blobs[0])
        times = [timed(ours, model, big)[1] for _ in range(runs_12mp)]
        result["p50_12mp_ms"] = round(statistics.median(times), 2)
    return result


def old_rule(
    kinds: np.ndarray, others: np.ndarray, labels: np.ndarray, refused: np.ndarray
) -> dict[str, float | None]:
    """The verdict figures of the rule before: one sure line, two kinds offered, all ticked."""
    real, hats = labels != OTHER, labels == OTHER
    right = (kinds.argmax(axis=1) == labels) & ~refused
    verdicts = np.array(
        [
            verdict_of(k, o, SURE_AT) if not r else Verdict.UNSURE
            for k, o, r in zip(kinds, others, refused, strict=True)
        ]
    )
    sure = verdicts == Verdict.SURE
    ticked = verdicts != Verdict.OTHER  # every verdict but "none of the ten" was ticked
    top_two = (np.argsort(-kinds, axis=1)[:, :2] == labels[:, None]).any(axis=1) & ~refused
    return {
        "sure_share": round(float(sure[real].mean()), 4),
        "sure_acc": round(float(right[real & sure].mean()), 4) if (real & sure).any() else None,
        "one_tap_share": round(float(top_two[real].mean()), 4),
        "ticked_wrong_share": round(float((ticked & ~right)[real].mean()), 4),
        "other_ticked_share": round(float(ticked[hats].mean()), 4) if hats.any() else None,
    }


def wilson(hits: int, n: int, z: float = 1.96) -> list[float] | None:
    """The 95 % interval of a share of `hits` in `n` (Wilson's, sound near 0 and 1 too)."""
    if n == 0:
        return None
    share = hits / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return [round(float(max(0.0, centre - half)), 3), round(float(min(1.0, centre + half)), 3)]


def probabilities(
    model, model_path: Path, items: list[LabelledPhoto], cache: Path | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Photos -> ((N, 10) kind probabilities, (N,) P(none), (N,) refused), as the page computes.

    With `cache`, kept in that .npz file for the same files and the same model file.
    """
    stat = model_path.stat()  # a new model file means new probabilities
    files = [[it.path.name, it.path.stat().st_size] for it in items]
    key = json.dumps([*files, [str(model_path), stat.st_size, stat.st_mtime_ns]])
    if cache is not None and cache.exists():
        kept = np.load(cache)
        if str(kept["key"]) == key:
            return kept["kinds"], kept["other"], kept["refused"]
    kinds, others, refused = [], [], []
    for it in items:
        try:
            result = classify_photo(model, it.path.read_bytes())
        except photo.PhotoError:  # refused: counted wrong and not sure
            result = None
        kinds.append(np.zeros(len(CLASS_NAMES)) if result is None else result.probabilities)
        others.append(0.0 if result is None else result.other)
        refused.append(result is None)
    out = np.stack(kinds).astype(np.float32), np.array(others, np.float32), np.array(refused)
    if cache is not None:
        np.savez(cache, key=key, kinds=out[0], other=out[1], refused=out[2])
    return out


def cross_validate(
    folder: Path,
    other: Path | None,
    learning: Path | None,
    folds: int,
    cache: Path | None,
    model_path: Path | None = None,
) -> dict[str, Any]:
    """Out-of-fold verdict figures: each fold judged with sure lines fitted without it."""
    model = load_model(model_path) if model_path else load_photo_model()
    items = read_labelled(folder) + (read_others(other, "dev_") if other is not None else [])
    extra: list[LabelledPhoto] = []  # photos the model held back from learning
    if learning is not None:
        extra = [it for it in read_labelled(learning) if held_back(it)]
    if other is not None and learning is not None:
        extra += [it for it in read_others(other, "train_hat_") if held_back(it)]
    every = items + extra
    kinds, others, refused = probabilities(model, model_path or PHOTO_MODEL_PATH, every, cache)
    labels = np.array([it.label for it in every])
    mine = np.arange(len(items))  # the photos judged; the rest only help to fit
    weights = np.where(np.arange(len(every)) < len(items), 1.0, HELD_BACK_WEIGHT) * ~refused
    fold = folds_of(items, folds)
    lines = np.zeros((len(items), len(CLASS_NAMES)))
    for k in range(folds):
        fitting = np.concatenate([mine[fold != k], np.arange(len(items), len(every))])
        lines[fold == k] = fit_kind_thresholds(
            kinds[fitting], others[fitting], labels[fitting], weights[fitting]
        )
    k, o, y, r = kinds[mine], others[mine], labels[mine], refused[mine]
    figures = photo_figures(k, o, y, r, sure_at=lines)
    verdicts = np.array(
        [
            verdict_of(probs, none, own) if not bad else Verdict.UNSURE
            for probs, none, own, bad in zip(k, o, lines, r, strict=True)
        ]
    )
    real, hats = y != OTHER, y == OTHER
    sure = verdicts == Verdict.SURE
    right = (k.argmax(axis=1) == y) & ~r
    counts = {
        "sure_acc": (int((sure & right)[real].sum()), int((sure & real).sum())),
        "sure_share": (int(sure[real].sum()), int(real.sum())),
        "one_tap_share": (round(figures["one_tap_share"] * real.sum()), int(real.sum())),
        "ticked_wrong_share": (int((sure & ~right)[real].sum()), int(real.sum())),
        "other_ticked_share": (int(sure[hats].sum()), int(hats.sum())),
    }
    final = fit_kind_thresholds(kinds, others, labels, weights)
    headline = (
        "n", "sure_share", "sure_acc", "sure_acc_per_kind", "one_tap_share", "offered_mean",
        "ticked_wrong_share", "other_n", "other_ticked_share", "set_aside_share", "accuracy",
    )  # fmt: skip
    return {
        "cross_validated": folds,
        **{name: figures[name] for name in headline if name in figures},
        "ci95": {name: wilson(*hits_n) for name, hits_n in counts.items() if hits_n[1]},
        "old_rule": old_rule(k, o, y, r),
        "fitted_on_held_back": len(extra),
        "fitted_sure_at": {CLASS_NAMES[c]: line for c, line in enumerate(final)},
        "fitted_equals_shipped": tuple(final) == tuple(SURE_AT_KIND),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: print one JSON line of figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, required=True, help="folder with labels.csv")
    parser.add_argument("--model", type=Path, default=None, help="a .keras file, not the app's")
    parser.add_argument("--make-12mp", action="store_true", help="also time a 12-megapixel JPEG")
    parser.add_argument("--runs-12mp", type=int, default=20)
    parser.add_argument(
        "--subset", choices=["all", "odd", "even"], default="all", help="odd/even-numbered files"
    )
    parser.add_argument(
        "--other", type=Path, default=None, help="folder of dev_* photos of none of the ten kinds"
    )
    parser.add_argument(
        "--learning",
        type=Path,
        default=None,
        help="the learning photos (real-photos-train): those held back from learning help fit",
    )
    parser.add_argument(
        "--cross-validate",
        type=int,
        default=0,
        metavar="K",
        help="out-of-fold verdict figures: each of K folds judged with lines fitted without it",
    )
    parser.add_argument("--cache", type=Path, default=None, help=".npz file for probabilities")
    args = parser.parse_args(argv)
    if args.cross_validate:
        figures = cross_validate(
            args.photos, args.other, args.learning, args.cross_validate, args.cache, args.model
        )
        print(json.dumps(figures))
        return
    figures = run(args.photos, args.model, args.make_12mp, args.runs_12mp, args.subset, args.other)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
