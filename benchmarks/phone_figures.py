"""How tall the figures' words are on a 390 px phone: the phone layouts against the desk ones.

    FMNIST_DATA_DIR=... python benchmarks/phone_figures.py

Draws every chapter figure of Browse, Results and Train live from the real dataset's pictures, in
English and Bengali, laid out for a phone and (the obvious alternative, what a phone showed until
now) for a desk, and measures each figure's smallest word as the phone's screen shows it: its size
at the figure's dpi times the width it is shown at (the figure's own, or the phone's 358 px column
where that is less) over the width it is drawn at. The confusion matrix and the per-kind accuracy
use a stand-in for a model: the real test labels against themselves shifted for
one picture in eight (the figures' words do not depend on the counts).

Prints one JSON line: per language, each figure's smallest word in screen pixels both ways, the
smallest over all phone figures, and whether every one reaches plots.READABLE_PX (11).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fmnist_demo import i18n, plots
from fmnist_demo.data import load_fashion_mnist
from fmnist_demo.evaluation import class_counts, confusion_matrix, per_class_accuracy


def smallest_px(fig) -> float:
    """The smallest word of a matplotlib figure on a 390 px phone's screen, in pixels."""
    fig.canvas.draw()
    shown = min(plots.screen_width(fig), plots.PHONE_COLUMN_PX)
    drawn = fig.get_figwidth() * fig.get_dpi()
    sizes = [
        t.get_fontsize() / 72 * fig.get_dpi() * shown / drawn
        for t in fig.findobj(plots.matplotlib.text.Text)
        if t.get_visible() and t.get_text().strip()
    ]
    return float(min(sizes))


def gallery_px(gallery) -> float:
    """The mistakes gallery's captions on a 390 px phone's screen, in pixels."""
    drawn_px = gallery.info.get("text_px", plots.CAPTION_SIZE)
    return (
        drawn_px * min(plots.gallery_screen_width(gallery), plots.PHONE_COLUMN_PX) / gallery.width
    )


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    rng = np.random.default_rng(0)
    guesses = np.where(rng.random(len(y_test)) < 0.125, (y_test + 1) % 10, y_test)
    matrix = confusion_matrix(y_test, guesses)  # (10, 10)
    probs = np.eye(10, dtype=np.float32)[guesses[:15]] * 0.9 + 0.01  # (15, 10)
    history = [{"epoch": e, "loss": 0.5 / e, "accuracy": 0.8 + 0.01 * e} for e in range(1, 11)]
    wrong = np.flatnonzero(guesses != y_test)[:12]
    out: dict[str, object] = {}
    for lang in ("en", "bn"):
        i18n.set_language(lang)
        layouts = {
            "sample grid": lambda phone: plots.sample_grid(
                x_train[:25], y_train[:25],
                **({"columns": 3, "width_in": plots.PHONE_INCHES} if phone else {}),
            ),
            "15 predictions": lambda phone: plots.prediction_figure(
                x_test[:15], y_test[:15], probs,
                **({"columns": 1, "width_in": plots.PHONE_INCHES} if phone else {}),
            ),
            "ten bars": lambda phone: plots.probability_figure(
                probs[0], int(y_test[0]), phone=phone
            ),
            "class counts": lambda phone: plots.class_count_figure(
                class_counts(y_train), class_counts(y_test), phone=phone
            ),
            "confusion": lambda phone: plots.confusion_figure(matrix, phone=phone),
            "per kind": lambda phone: plots.class_accuracy_figure(
                per_class_accuracy(matrix), phone=phone
            ),
            "training curves": lambda phone: plots.training_curves_figure(history, phone=phone),
        }  # fmt: skip
        figures = {
            name: {layout: round(smallest_px(make(layout == "phone")), 1)
                   for layout in ("phone", "desk")}
            for name, make in layouts.items()
        }  # fmt: skip
        gallery = {
            phone: plots.mistakes_gallery(
                x_test[wrong], y_test[wrong], np.eye(10)[guesses[wrong]] * 0.97, phone=phone
            )
            for phone in (True, False)
        }
        figures["mistakes"] = {
            "phone": round(gallery_px(gallery[True]), 1),
            "desk": round(gallery_px(gallery[False]), 1),
        }
        phone_min = min(f["phone"] for f in figures.values())
        out[lang] = {
            "smallest_word_px_at_390": figures,
            "phone_min_px": phone_min,
            "desk_min_px": min(f["desk"] for f in figures.values()),
            "all_readable": bool(phone_min >= plots.READABLE_PX),
        }
    i18n.set_language("en")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
