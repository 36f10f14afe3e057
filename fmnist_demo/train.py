"""Command line: train the chapter's model and save it with its model card.

python -m fmnist_demo.train --hidden 128 --epochs 10 --seed 42 --out assets/fmnist_dense128.keras
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
from pathlib import Path

import keras

from fmnist_demo.assets import DEFAULT_MODEL_PATH
from fmnist_demo.data import load_fashion_mnist
from fmnist_demo.model import HIDDEN_CHOICES, accuracy, save_model
from fmnist_demo.training import TrainSettings, train


def main(argv: list[str] | None = None) -> dict:
    """Train, evaluate on the test set, save model and card; returns the card."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=128, choices=HIDDEN_CHOICES)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--target", type=float, default=None, help="stop once training accuracy passes this"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    settings = TrainSettings(
        hidden_units=args.hidden, epochs=args.epochs, target_accuracy=args.target, seed=args.seed
    )
    result = train(x_train, y_train, settings)
    card = {
        "name": f"Chapter model, {args.hidden} hidden units",
        "architecture": f"Flatten -> Dense({args.hidden}, relu) -> Dense(10, softmax)",
        "parameters": int(result.model.count_params()),
        "optimizer": "adam",
        "loss": "sparse_categorical_crossentropy",
        "batch_size": settings.batch_size,
        "epochs": result.epochs_done,
        "seed": args.seed,
        "stop_reason": result.stop_reason.value,
        "train_accuracy": round(result.final_accuracy or 0.0, 4),
        "test_accuracy": round(accuracy(result.model, x_test, y_test), 4),
        "history": [
            {"epoch": h.epoch, "loss": round(h.loss, 4), "accuracy": round(h.accuracy, 4)}
            for h in result.history
        ],
        "training_seconds": round(result.seconds, 1),
        "trained_on": f"{platform.machine()}, {platform.system()}, keras {keras.__version__}",
        "date": dt.date.today().isoformat(),
        "command": "python -m fmnist_demo.train "
        f"--hidden {args.hidden} --epochs {args.epochs} --seed {args.seed} --out {args.out}",
    }
    save_model(result.model, args.out, card)
    print(
        f"Saved {args.out}: train accuracy {card['train_accuracy']}, "
        f"test accuracy {card['test_accuracy']}, {card['training_seconds']} s"
    )
    return card


if __name__ == "__main__":
    main()
