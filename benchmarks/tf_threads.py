"""One thread per TensorFlow operation (what the app's server uses) against one per core.

    FMNIST_DATA_DIR=... FMNIST_PHOTOS_DIR=... python benchmarks/tf_threads.py

TensorFlow fixes its threads when it starts, so each setting is measured in a fresh process of
its own: TF_NUM_INTRAOP_THREADS=1 (`foreground.one_thread_per_operation()`, set by
streamlit_app.py) and unset (TensorFlow's default: one thread per core). Each process times, after
a warm-up, the server's TensorFlow work:
- a training of the chapter's model on Train live's engine (60,000 pictures, --epochs epochs);
- the Results page's predictions for the 10,000 test pictures;
- one visitor's photo from bytes to verdict (the median over the photos);
- the photo model on 300 pictures at once (as the catalogue's teaching measures a model).

Prints one JSON line: for each setting and task, wall-clock milliseconds and processor
milliseconds (all threads of the process); `cores_busy` is their ratio for the training.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fmnist_demo.foreground import TF_THREADS_ENV  # noqa: E402  (no TensorFlow in it)

TASKS = ("training", "predict_10000", "one_photo", "photo_batch_300")


def timed(work, repeats: int) -> tuple[float, float]:
    """Median wall-clock and processor milliseconds of `work()` over `repeats` runs, after one."""
    work()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls) * 1000, 1), round(statistics.median(cpus) * 1000, 1)


def child(epochs: int, photos_dir: Path) -> dict:
    """The measurements in this process, with whatever TensorFlow threads its environment set."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from fmnist_demo.data import load_fashion_mnist, normalise
    from fmnist_demo.model import load_default_model, load_photo_model, predict_proba
    from fmnist_demo.photo_model import classify_photo, photo_probabilities_batch
    from fmnist_demo.training import Trainer, TrainSettings

    (x, y), (x_test, _y_test) = load_fashion_mnist()
    settings = TrainSettings(epochs=epochs, target_accuracy=None)
    chapter, photo_model = load_default_model(), load_photo_model()
    photos = [p.read_bytes() for p in sorted(photos_dir.glob("*.jpg"))[::30]]
    batch = normalise(x_test[:300])
    figures = {
        "training": timed(lambda: Trainer(settings).run(x, y), 2),
        "predict_10000": timed(lambda: predict_proba(chapter, x_test), 5),
        "one_photo": timed(lambda: [classify_photo(photo_model, b) for b in photos], 3),
        "photo_batch_300": timed(lambda: photo_probabilities_batch(photo_model, batch), 5),
    }
    wall, cpu = figures["one_photo"]
    figures["one_photo"] = (round(wall / len(photos), 1), round(cpu / len(photos), 1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--photos", default=os.environ.get("FMNIST_PHOTOS_DIR"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.photos:
        parser.error("set FMNIST_PHOTOS_DIR or pass --photos")
    if args.child:
        print(json.dumps(child(args.epochs, Path(args.photos))))
        return
    result: dict = {"cores": os.cpu_count(), "epochs": args.epochs}
    for name, threads in (("one_thread", "1"), ("one_per_core", None)):
        env = {k: v for k, v in os.environ.items() if k != TF_THREADS_ENV}
        if threads:
            env[TF_THREADS_ENV] = threads
        cmd = [sys.executable, __file__, "--child", "--epochs", str(args.epochs)]
        out = subprocess.run(
            [*cmd, "--photos", args.photos], env=env, capture_output=True, text=True, check=True
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        for task in TASKS:
            wall, cpu = figures[task]
            result[f"{name}_{task}_ms"] = wall
            result[f"{name}_{task}_cpu_ms"] = cpu
        result[f"{name}_training_cores_busy"] = round(
            figures["training"][1] / figures["training"][0], 2
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
