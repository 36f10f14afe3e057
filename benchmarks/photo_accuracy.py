"""Real-photo accuracy: the app's pipeline and photo model against the naive demo, one JSON line.

    python benchmarks/photo_accuracy.py --photos DIR --other DIR --make-12mp

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
from fmnist_demo.photo_model import OTHER, PhotoResult, classify_photo, photo_figures
from fmnist_demo.photo_training import learnt_from


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
    figures = photo_figures(np.stack(kinds), np.array(others), labels, np.array(refused))
    real = labels != OTHER
    result = {
        # True: the model learnt from these photos, so the figures say little about new ones
        # (the shipped model's development figures are in its card, from cross-validation)
        "learnt_from_these": learnt_from(card, folder),
        "n": figures["n"],
        "ours_acc": figures["accuracy"],
        "naive_acc": round(float(np.mean(np.array(naive_pred)[real] == labels[real])), 4),
        **{k: v for k, v in figures.items() if k not in ("n", "accuracy")},
        "p50_ms": round(statistics.median(ours_ms), 2),
        "naive_p50_ms": round(statistics.median(naive_ms), 2),
    }
    if make_12mp:
        big = twelve_megapixel_jpeg(blobs[0])
        times = [timed(ours, model, big)[1] for _ in range(runs_12mp)]
        result["p50_12mp_ms"] = round(statistics.median(times), 2)
    return result


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
    args = parser.parse_args(argv)
    figures = run(args.photos, args.model, args.make_12mp, args.runs_12mp, args.subset, args.other)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
