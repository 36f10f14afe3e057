"""Training speed: the chapter's plain model.fit against the app's engine, in one process.

    FMNIST_DATA_DIR=... python benchmarks/train_speed.py [--epochs 3]

Prints one JSON line. Both runs train the chapter's model (128 hidden units, batch size 32, adam)
from the same seed; seconds per epoch include each run's start-up (tracing, compiling).
Also measured: a second training of the engine (it reuses the compiled step: no compiling, the
same weights from the same seed), how long a cancel takes to stop the engine, and what live
reporting costs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras
import numpy as np

from fmnist_demo.data import load_fashion_mnist, normalise
from fmnist_demo.model import build_model
from fmnist_demo.training import Progress, TrainSettings, train


def plain_fit(x, y, epochs: int, seed: int) -> tuple[float, float]:
    """The chapter's code: model.fit with batch size 32; returns (seconds, last accuracy)."""
    keras.utils.set_random_seed(seed)
    model = build_model(128)
    start = time.perf_counter()
    history = model.fit(normalise(x), y, batch_size=32, epochs=epochs, verbose=0)
    return time.perf_counter() - start, float(history.history["accuracy"][-1])


def cancel_latency(x, y) -> float:
    """Seconds from setting the cancel event mid-epoch to the engine returning."""
    cancel = threading.Event()
    asked: list[float] = []

    def watch(p: Progress) -> None:
        if p.epoch == 2 and not asked:
            asked.append(time.perf_counter())
            cancel.set()

    train(x, y, TrainSettings(epochs=5, target_accuracy=None), progress=watch, cancel=cancel)
    return time.perf_counter() - asked[0]


def main() -> None:
    """Run both trainings and print the JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    (x, y), _ = load_fashion_mnist()

    plain_s, plain_acc = plain_fit(x, y, args.epochs, args.seed)
    reports: list[Progress] = []
    ours = train(
        x,
        y,
        TrainSettings(epochs=args.epochs, target_accuracy=None, seed=args.seed),
        progress=reports.append,
    )
    # A second training, as the next visitor's: it reuses the compiled step (no compiling, no
    # memory kept for good) and, from the same seed, gives exactly the same model.
    again = train(x, y, TrainSettings(epochs=args.epochs, target_accuracy=None, seed=args.seed))
    same = all(
        np.array_equal(a, b)
        for a, b in zip(ours.model.get_weights(), again.model.get_weights(), strict=True)
    )
    line = {
        "epochs": args.epochs,
        "plain_s_per_epoch": round(plain_s / args.epochs, 3),
        "ours_s_per_epoch": round(ours.seconds / args.epochs, 3),
        "speedup": round(plain_s / ours.seconds, 2),
        "plain_acc": round(plain_acc, 4),
        "ours_acc": round(ours.final_accuracy, 4),
        "again_s_per_epoch": round(again.seconds / args.epochs, 3),
        "again_same_weights": same,
        "reports_per_s": round(len(reports) / ours.seconds, 1),
        "cancel_latency_s": round(cancel_latency(x, y), 3),
        "cores": os.cpu_count(),
        "keras": keras.__version__,
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
