"""Would labelled real photos close the gap? A cross-fitting diagnostic, one JSON line.

    python benchmarks/real_photo_learning.py --photos /work/shared/real-photos

Nothing here is shipped. The shipped photo CNN is fine-tuned on one half of the labelled photos
(odd-numbered files, then even-numbered ones), each seen --copies times per epoch with a little
shifting and mirroring, mixed with 12,000 freshly augmented Fashion-MNIST images per epoch so that
it keeps what it knew. It is then measured on the other half, which it never saw, next to the
shipped model on the same half (the obvious alternative, in the same run). Both halves come from
the same set, so this says how much a few real labelled photos would add, not more.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.photo_accuracy import read_labels
from fmnist_demo import photo, photo_model
from fmnist_demo.assets import PHOTO_MODEL_PATH
from fmnist_demo.data import load_fashion_mnist
from fmnist_demo.model import accuracy, keras, load_model

FASHION_PER_EPOCH = 12_000
LEARNING_RATE = 2e-4


def prepared_inputs(rows: list[tuple[Path, int]]) -> np.ndarray:
    """Every photo through the app's pipeline -> (N, 28, 28) float32."""
    return np.stack([photo.to_model_input(path.read_bytes()) for path, _ in rows])


def jitter(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A prepared photo mirrored at random, slightly rotated, stretched and refitted."""
    out = image[:, ::-1] if rng.random() < 0.5 else image
    big = photo_model._affine(np.ascontiguousarray(np.pad(out, 6)), rng)  # (40, 40)
    support = big > 0.04
    return photo.fit_to_frame(big, support) if support.any() else image


def accuracy_of(model, images: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of the app's own scoring (image and mirror image averaged)."""
    probs = np.stack([photo_model.photo_probabilities(model, x) for x in images])
    return float(np.mean(probs.argmax(axis=1) == labels))


def fine_tune(
    images: np.ndarray,
    labels: np.ndarray,
    fashion_mnist: tuple[np.ndarray, np.ndarray],
    epochs: int,
    copies: int,
    seed: int,
) -> keras.Model:
    """The shipped photo CNN fine-tuned on these prepared photos plus augmented Fashion-MNIST."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = fashion_mnist
    model = photo_model.load_trainable(PHOTO_MODEL_PATH)
    model.optimizer.learning_rate = LEARNING_RATE
    for epoch in range(epochs):
        pick = rng.choice(len(x_train), FASHION_PER_EPOCH, replace=False)
        fashion = photo_model.augment(x_train[pick], y_train[pick], seed * 100 + epoch)
        real = np.stack([jitter(img, rng) for img in images for _ in range(copies)])
        x = np.concatenate([fashion, real])
        y = np.concatenate([y_train[pick], np.repeat(labels, copies)])
        order = rng.permutation(len(x))
        model.fit(x[order], y[order], batch_size=128, epochs=1, verbose=0)
    return model


def run(folder: Path, epochs: int, copies: int, seed: int) -> dict:
    """Fine-tune on each half, measure on the other; the shipped model on the same halves."""
    start = time.perf_counter()
    halves = {name: read_labels(folder, name) for name in ("odd", "even")}
    inputs = {name: prepared_inputs(rows) for name, rows in halves.items()}
    labels = {name: np.array([label for _, label in rows]) for name, rows in halves.items()}
    shipped = load_model(PHOTO_MODEL_PATH)
    train_set, (x_test, y_test) = load_fashion_mnist()  # loaded once for both fine-tunes
    result: dict = {"n": sum(len(rows) for rows in halves.values())}
    shipped_acc, tuned_acc, fashion_acc = {}, {}, {}
    for train_half, test_half in (("odd", "even"), ("even", "odd")):
        model = fine_tune(inputs[train_half], labels[train_half], train_set, epochs, copies, seed)
        shipped_acc[test_half] = round(
            accuracy_of(shipped, inputs[test_half], labels[test_half]), 4
        )
        tuned_acc[test_half] = round(accuracy_of(model, inputs[test_half], labels[test_half]), 4)
        fashion_acc[test_half] = round(accuracy(model, x_test, y_test), 4)
    result.update(
        {
            "shipped_acc_held_out": shipped_acc,
            "tuned_acc_held_out": tuned_acc,
            "shipped_mean": round(float(np.mean(list(shipped_acc.values()))), 4),
            "tuned_mean": round(float(np.mean(list(tuned_acc.values()))), 4),
            "tuned_fashion_mnist_test_acc": fashion_acc,
            "shipped_fashion_mnist_test_acc": round(accuracy(shipped, x_test, y_test), 4),
            "photos_per_fine_tune": {h: len(halves[h]) for h in ("odd", "even")},
            "epochs": epochs,
            "copies": copies,
            "seed": seed,
            "seconds": round(time.perf_counter() - start, 1),
        }
    )
    return result


def main(argv: list[str] | None = None) -> None:
    """Command line: print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, required=True, help="folder with labels.csv")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=15, help="views of each photo per epoch")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.photos, args.epochs, args.copies, args.seed)))


if __name__ == "__main__":
    main()
