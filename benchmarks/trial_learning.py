"""A simulated trial teaches the model: does learning from the catalogue help on new items?

    taskset -c 0 python benchmarks/trial_learning.py --photos DIR [--model FILE] [--half 1]

DIR holds labelled photos (labels.csv: file,label,class_name), by default $FMNIST_PHOTOS_DIR.
Half of them (every other photo by file name, at most --records) become catalogue records in a
fresh SQLite catalogue, confirmed with their true kind, as staff would have kept them; the other
half are new items the shop photographs later (`--half 1` swaps the two halves: one run's gain on
about 157 new items is uncertain by about ±0.03, and the two runs together measure every photo).
The model is then improved exactly as the Catalogue page's button does
(`trial_learning.teach_from_store`: every fifth record held back, replay of Fashion-MNIST and the
shipped replay set) and both models are measured on the new items. The obvious alternative is the
model as shipped (before_acc), measured in the same run.
A model that has learnt from these photos (the card says so) is refused: give --model one made
without them.
One JSON line: half, records, before_acc, after_acc, gain, train_s (the learning itself), total_s
(reading, learning, measuring and keeping the model), peak_rss_mb, and the page's own held-back
figures (held_back_before / held_back_after) and whether the page would adopt it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fmnist_demo.assets import PHOTO_MODEL_PATH, read_card
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_records import NewRecord
from fmnist_demo.data import load_fashion_mnist
from fmnist_demo.model import load_model, load_photo_model
from fmnist_demo.photo_training import learnt_from, photo_inputs, read_labelled
from fmnist_demo.teach_learning import TeachSettings, load_replay
from fmnist_demo.teach_scores import predictions
from fmnist_demo.trial_learning import teach_from_store


def main() -> None:
    """Simulate the trial and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=os.environ.get("FMNIST_PHOTOS_DIR"))
    parser.add_argument("--records", type=int, default=300, help="at most this many records")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--half", type=int, choices=(0, 1), default=0, help="which half become records (0: even)"
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="a photo model (.keras) to teach, not the app's"
    )
    args = parser.parse_args()
    if args.photos is None:
        parser.error("give --photos DIR or set FMNIST_PHOTOS_DIR")
    model_path = args.model or PHOTO_MODEL_PATH
    if learnt_from(read_card(model_path), args.photos):
        parser.error(
            f"{model_path.name} has learnt from the photos in {args.photos.name}, so it would be "
            "measured on photos it knows. Give --model a photo model made without them "
            "(python -m fmnist_demo.photo_training without --learn-dev)."
        )

    items = sorted(read_labelled(args.photos), key=lambda it: it.path.name)
    prepared = photo_inputs(items, 1, 0)  # the app's own pipeline, cached between runs
    x, y, source = prepared["x"], prepared["y"], prepared["source"]
    is_record = source % 2 == args.half  # every other photo by name becomes a record
    rec_x, rec_y = x[is_record][: args.records], y[is_record][: args.records]
    new_x, new_y = x[~is_record], y[~is_record]
    refused_new = int((np.arange(len(items)) % 2 != args.half).sum()) - len(new_y)

    base = load_model(args.model) if args.model else load_photo_model()
    (x_train, y_train), _ = load_fashion_mnist()
    replay = load_replay()
    settings = TeachSettings(seed=args.seed)
    with tempfile.TemporaryDirectory() as folder:
        store = CatalogueStore(f"sqlite:///{Path(folder) / 'trial.sqlite3'}")
        predicted = predictions(base, rec_x)
        store.add_many(
            NewRecord(
                predicted=int(p),
                confidence=0.5,
                confirmed=int(label),
                model_input=pixels.tobytes(),
            )
            for p, label, pixels in zip(predicted, rec_y, rec_x, strict=True)
        )
        started = time.perf_counter()
        _, outcome = teach_from_store(store, base, "shipped", replay, (x_train, y_train), settings)
        total_s = time.perf_counter() - started
        store.close()

    # A refused new photo counts as wrong for both models.
    n_new = len(new_y) + refused_new
    before_acc = float((predictions(base, new_x) == new_y).sum() / n_new)
    after_acc = float((predictions(outcome.model, new_x) == new_y).sum() / n_new)
    print(
        json.dumps(
            {
                "half": args.half,
                "records": len(rec_y),
                "new_items": n_new,
                "before_acc": round(before_acc, 4),
                "after_acc": round(after_acc, 4),
                "gain": round(after_acc - before_acc, 4),
                "train_s": outcome.card.training_seconds,
                "total_s": round(total_s, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "held_back_before": outcome.card.before.total_right,
                "held_back_after": outcome.card.after.total_right,
                "held_back_items": outcome.card.after.total,
                "adopted": outcome.better,
                "epochs": settings.epochs,
            }
        )
    )


if __name__ == "__main__":
    main()
