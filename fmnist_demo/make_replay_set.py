"""The offline command that builds the replay set the app's teaching replays besides the records.

    python -m fmnist_demo.make_replay_set --photos DIR --other DIR --out assets/photo_replay.npz

DIR is a folder of labelled photos to learn from (labels.csv), never the development photos. When
the app teaches the photo model from a catalogue's confirmed items it also replays what the model
learnt before, so that it does not forget: real photos drawn here (each once through the app's
own pipeline), hats, and made-up scenes of no kind. Nothing the server runs imports this module:
the app only reads the asset (teach_learning.load_replay). `write_asset` is how this command and
make_reference_set write an asset with its JSON card.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_demo.photo_training import (
    PIPELINE_VERSION,
    named_counts,
    photo_inputs,
    read_labelled,
    read_others,
    synthetic_inputs,
)
from fmnist_demo.teach_learning import REPLAY_PATH


def replay_choice(labels: np.ndarray, per_kind: int, seed: int) -> np.ndarray:
    """Indices of at most `per_kind` photos of each kind (all of the scarce ones), sorted."""
    rng = np.random.default_rng(seed)
    chosen = []
    for k in np.unique(labels):
        index = np.flatnonzero(labels == k)
        chosen.append(index if len(index) <= per_kind else rng.choice(index, per_kind, False))
    return np.sort(np.concatenate(chosen))


def write_asset(
    out: Path,
    arrays: dict[str, np.ndarray],
    card: dict[str, Any],
    *,
    seed: int,
    started: float,
    command: str,
) -> dict[str, Any]:
    """Write `arrays` to `out` (.npz) and its card beside it (.json); returns the card.

    The card gets how the asset was made at its end: pipeline version, seed, date, seconds since
    `started` (time.perf_counter) and the command.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    card = {
        **card,
        "pipeline_version": PIPELINE_VERSION,
        "seed": seed,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.perf_counter() - started, 1),
        "command": command,
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def make_replay(
    photos: Path,
    other: Path | None,
    out: Path = REPLAY_PATH,
    per_kind: int = 330,
    others: int = 300,
    seed: int = 1,
) -> dict[str, Any]:
    """Prepare the replay set from learning photos (never development photos) and write it."""
    started = time.perf_counter()
    items = read_labelled(photos)
    labels = np.array([it.label for it in items])
    chosen = [items[i] for i in replay_choice(labels, per_kind, seed)]
    real = photo_inputs(chosen, 1, seed, cache_dir=None)
    parts_x, parts_y = [real["x"]], [real["y"]]
    hats = 0
    if other is not None:
        hat_items = read_others(other, "train_hat_")
        hat = photo_inputs(hat_items, 1, seed, cache_dir=None)
        parts_x.append(hat["x"])
        parts_y.append(hat["y"])
        hats = len(hat["y"])
    made_up = synthetic_inputs(max(0, others - hats), seed, cache_dir=None)
    parts_x.append(made_up["x"])
    parts_y.append(made_up["y"])
    x = np.concatenate(parts_x).astype(np.uint8)
    y = np.concatenate(parts_y).astype(np.int16)
    card = {
        "what": "prepared 28 x 28 inputs (uint8, light item on black) the photo model learnt "
        "from, replayed when it learns from a catalogue so that it does not forget",
        "inputs": len(y),
        "per_kind": named_counts(y),
        "sources": {
            "real_photos": f"{Path(photos).name}: clothing-dataset by Alexey Grigorev (CC0), "
            f"at most {per_kind} photos per kind drawn with seed {seed}, each through the app's "
            "own pipeline once",
            "hats": f"{hats} train_hat_* photos (CC0)" if other is not None else "none",
            "made_up_scenes": len(made_up["y"]),
        },
    }
    command = (
        "python -m fmnist_demo.make_replay_set --photos DIR --other DIR "
        f"--per-kind {per_kind} --others {others} --seed {seed}"
    )
    return write_asset(out, {"x": x, "y": y}, card, seed=seed, started=started, command=command)


def main(argv: list[str] | None = None) -> None:
    """Command line: make the replay set."""
    parser = argparse.ArgumentParser(description="Make the replay set for teaching the model.")
    parser.add_argument("--photos", type=Path, required=True, help="labelled photos to learn from")
    parser.add_argument("--other", type=Path, default=None, help="folder with train_hat_* photos")
    parser.add_argument("--out", type=Path, default=REPLAY_PATH)
    parser.add_argument("--per-kind", type=int, default=330)
    parser.add_argument("--others", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    card = make_replay(args.photos, args.other, args.out, args.per_kind, args.others, args.seed)
    print(json.dumps({k: card[k] for k in ("inputs", "per_kind", "seconds")}))


if __name__ == "__main__":
    main()
