"""The offline command that builds the reference set every taught model is checked against.

    python -m fmnist_demo.make_reference_set --photos DIR [--per-kind 40] [--fashion-per-kind 20]

DIR is a folder of labelled photos to learn from (labels.csv), never the development photos. Each
chosen photo goes once through the app's own photo pipeline (photo.py's prepare, as a visitor's
photo does), and Fashion-MNIST test pictures are added as they are. The inputs are written to
assets/reference_set.npz with a JSON card saying how they were drawn. Nothing the server runs
imports this module: the app only reads the asset (teach_scores.load_reference).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_demo.data import CLASS_NAMES, NUM_CLASSES, load_fashion_mnist
from fmnist_demo.make_replay_set import replay_choice, write_asset
from fmnist_demo.photo_training import named_counts, photo_inputs, read_labelled
from fmnist_demo.teach_scores import REFERENCE_PATH

DEVELOPMENT_FOLDER = "real-photos"  # the photos the app is measured with: never in this set
REPLAY_PER_KIND = 330  # what `python -m fmnist_demo.make_replay_set` drew for the replay set
REPLAY_SEED = 1


def choose(labels: np.ndarray, in_replay: np.ndarray, per_kind: int, seed: int) -> np.ndarray:
    """Indices of `per_kind` photos of each kind, preferring photos the replay set does not hold.

    Teaching replays the replay set, so a photo kept out of it is one no teaching ever sees; a
    kind whose photos are all in the replay set (the scarce ones) is filled from them.
    """
    rng = np.random.default_rng(seed)
    chosen = []
    for k in range(NUM_CLASSES):
        fresh = rng.permutation(np.flatnonzero((labels == k) & ~in_replay))
        seen = rng.permutation(np.flatnonzero((labels == k) & in_replay))
        chosen.append(np.concatenate([fresh, seen])[:per_kind])
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def make_reference(
    photos: Path,
    out: Path = REFERENCE_PATH,
    per_kind: int = 40,
    fashion_per_kind: int = 20,
    seed: int = 1,
) -> dict[str, Any]:
    """Draw, prepare and write the reference set; returns its card."""
    photos = Path(photos)
    if photos.resolve().name == DEVELOPMENT_FOLDER:
        raise SystemExit(f"{photos} holds the development photos: never put them in this set")
    started = time.perf_counter()
    items = read_labelled(photos)
    labels = np.array([it.label for it in items])
    in_replay = np.zeros(len(items), bool)
    in_replay[replay_choice(labels, REPLAY_PER_KIND, REPLAY_SEED)] = True
    chosen = [items[i] for i in choose(labels, in_replay, per_kind, seed)]
    real = photo_inputs(chosen, 1, seed, cache_dir=None)  # variant 0: the photo itself
    used = [chosen[i] for i in real["source"]]  # a photo the pipeline refuses is left out

    (_, _), (x_test, y_test) = load_fashion_mnist(download=False)
    rng = np.random.default_rng(seed)
    pick = np.sort(
        np.concatenate(
            [rng.choice(np.flatnonzero(y_test == k), fashion_per_kind, False) for k in range(10)]
        )
    )
    x = np.concatenate([real["x"], x_test[pick]]).astype(np.uint8)  # (N, 28, 28) uint8
    y = np.concatenate([real["y"], y_test[pick]]).astype(np.int16)
    source = np.array([0] * len(real["y"]) + [1] * len(pick), np.int8)  # 0 photo, 1 dataset
    in_replay_used = sum(bool(in_replay[items.index(it)]) for it in used)
    card = {
        "what": "a fixed labelled reference set: prepared 28 x 28 inputs (uint8, light item on "
        "black) every taught photo model is checked against before it may be used",
        "inputs": len(y),
        "real_photos": {
            "count": len(used),
            "per_kind": named_counts(real["y"]),
            "from": f"{photos.name}: clothing-dataset by Alexey Grigorev (CC0), the photos to "
            f"learn from; at most {per_kind} per kind drawn with seed {seed}, preferring photos "
            f"not in the replay set ({len(used) - in_replay_used} of them; the scarce kinds are "
            "filled from it); each through the app's own pipeline once; never the development "
            "photos",
            "files": [it.path.name for it in used],
        },
        "fashion_mnist_test": {
            "count": len(pick),
            "per_kind": {CLASS_NAMES[k]: fashion_per_kind for k in range(NUM_CLASSES)},
            "indices": [int(i) for i in pick],
        },
    }
    command = (
        "python -m fmnist_demo.make_reference_set --photos DIR "
        f"--per-kind {per_kind} --fashion-per-kind {fashion_per_kind} --seed {seed}"
    )
    arrays = {"x": x, "y": y, "source": source}
    return write_asset(out, arrays, card, seed=seed, started=started, command=command)


def main(argv: list[str] | None = None) -> None:
    """Command line: build the reference set."""
    parser = argparse.ArgumentParser(description="Build the reference set taught models face.")
    parser.add_argument("--photos", type=Path, required=True, help="labelled photos to learn from")
    parser.add_argument("--out", type=Path, default=REFERENCE_PATH)
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--fashion-per-kind", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    card = make_reference(args.photos, args.out, args.per_kind, args.fashion_per_kind, args.seed)
    print(json.dumps({"inputs": card["inputs"], "seconds": card["seconds"]}))


if __name__ == "__main__":
    main()
