"""The trial teaches the model: improve the photo model from the catalogue's confirmed items.

No Streamlit here. Every catalogue record keeps the 28 x 28 picture the model saw and the kind a
person confirmed; those are labelled photos of this shop's own stock. A fixed share of them (every
record whose id is a multiple of HOLD_OUT_EVERY) is never learnt from, so the model in use and the
improved one can be compared fairly on items neither has learnt from. While it learns from the
rest, the model also sees a replay of what it learnt before (Fashion-MNIST made to look like
photos, and the shipped replay set of real photos and items of no kind) so that it does not
forget. The replay set is made once by the seeded command:

    python -m fmnist_demo.trial_learning --photos DIR --other DIR --out assets/photo_replay.npz
"""

from __future__ import annotations

import argparse
import contextvars
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_demo import foreground, i18n
from fmnist_demo.assets import ASSETS_DIR
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES, kind_name, normalise
from fmnist_demo.i18n import N_, _
from fmnist_demo.memory import collect_garbage

REPLAY_PATH = ASSETS_DIR / "photo_replay.npz"
REFERENCE_PATH = (
    ASSETS_DIR / "reference_set.npz"
)  # built by python -m fmnist_demo.make_reference_set
HOLD_OUT_EVERY = 5  # records whose id is a multiple of this are held back from learning
MIN_LEARN = 20  # confirmed items to learn from before teaching is offered
MIN_HELD_BACK = 5  # held-back items needed for a before/after worth showing
FEW_PER_KIND = 5  # a kind with fewer items to learn from is named as "would help"
NOT_STARTED = N_(
    "The server could not start the teaching just now; please try again in a minute ({reason})."
)


class NotReady(ValueError):
    """Too few confirmed items to learn from; the message says what is still needed."""


# ---------------------------------------------------------------------------------------------
# The records


@dataclass(frozen=True)
class TeachRecord:
    """One confirmed catalogue item as the learning sees it."""

    id: int
    version: int
    label: int  # the confirmed kind, 0-9
    pixels: np.ndarray = field(repr=False)  # (28, 28) uint8, the picture the model saw

    @property
    def held_back(self) -> bool:
        """Whether this record is kept out of learning (to measure on)."""
        return is_held_back(self.id)


def is_held_back(record_id: int) -> bool:
    """Every HOLD_OUT_EVERY-th record by id is held back: fixed, so every run splits alike."""
    return int(record_id) % HOLD_OUT_EVERY == 0


def teach_records(rows: Iterable[Any]) -> list[TeachRecord]:
    """Rows with id, version, confirmed and model_input (784 bytes) -> TeachRecords.

    Rows without a kept picture are left out.
    """
    out = []
    for row in rows:
        data = row.model_input
        if data is None or len(data) != IMAGE_SIZE * IMAGE_SIZE:
            continue
        pixels = np.frombuffer(bytes(data), np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        out.append(TeachRecord(int(row.id), int(row.version), int(row.confirmed), pixels))
    return out


def split(records: list[TeachRecord]) -> tuple[list[TeachRecord], list[TeachRecord]]:
    """(records to learn from, records held back)."""
    return [r for r in records if not r.held_back], [r for r in records if r.held_back]


def stack(records: list[TeachRecord]) -> tuple[np.ndarray, np.ndarray]:
    """Records -> ((N, 28, 28) uint8 pictures, (N,) int64 labels)."""
    if not records:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8), np.zeros(0, np.int64)
    return np.stack([r.pixels for r in records]), np.array([r.label for r in records], np.int64)


def kind_counts(records: Iterable[TeachRecord]) -> np.ndarray:
    """(10,) how many records there are of each kind."""
    return np.bincount([r.label for r in records], minlength=NUM_CLASSES)[:NUM_CLASSES]


@dataclass(frozen=True)
class Readiness:
    """How many confirmed items there are per kind, and what is still needed."""

    learn: np.ndarray  # (10,) items to learn from per kind
    held: np.ndarray  # (10,) held-back items per kind

    @property
    def ready(self) -> bool:
        """Whether there are enough items to teach and to measure fairly."""
        return int(self.learn.sum()) >= MIN_LEARN and int(self.held.sum()) >= MIN_HELD_BACK

    def needs(self) -> str | None:
        """What is still needed before teaching, in plain words; None when ready."""
        if self.ready:
            return None
        learn, held = int(self.learn.sum()), int(self.held.sum())
        figures = {
            "learn_more": MIN_LEARN - learn,
            "learn": learn,
            "learn_needed": MIN_LEARN,
            "held_more": MIN_HELD_BACK - held,
            "held": held,
            "held_needed": MIN_HELD_BACK,
            "nth": ordinal(HOLD_OUT_EVERY),
        }
        if learn < MIN_LEARN and held < MIN_HELD_BACK:
            text = _(
                "Too few confirmed items to teach the model yet: it needs {learn_more} more to "
                "learn from (it has {learn} of {learn_needed}) and {held_more} more held back to "
                "measure on (it has {held} of {held_needed}; every {nth} item is held back). "
                "Keep adding items on the Classify page; each one counts."
            )
        elif learn < MIN_LEARN:
            text = _(
                "Too few confirmed items to teach the model yet: it needs {learn_more} more to "
                "learn from (it has {learn} of {learn_needed}). Keep adding items on the "
                "Classify page; each one counts."
            )
        else:
            text = _(
                "Too few confirmed items to teach the model yet: it needs {held_more} more held "
                "back to measure on (it has {held} of {held_needed}; every {nth} item is held "
                "back). Keep adding items on the Classify page; each one counts."
            )
        return text.format(**figures)

    def missing_kinds(self) -> list[str]:
        """Kinds never confirmed among the items to learn from (names in the visitor's words)."""
        return [kind_name(k) for k in range(NUM_CLASSES) if self.learn[k] == 0]

    def few_kinds(self) -> list[str]:
        """Kinds with some, but fewer than FEW_PER_KIND, items to learn from."""
        return [kind_name(k) for k in range(NUM_CLASSES) if 0 < self.learn[k] < FEW_PER_KIND]


def readiness(records: list[TeachRecord]) -> Readiness:
    """Counts per kind of the records to learn from and of those held back."""
    learn, held = split(records)
    return Readiness(kind_counts(learn), kind_counts(held))


ORDINALS = {2: N_("second"), 3: N_("third"), 4: N_("fourth"), 5: N_("fifth"), 10: N_("tenth")}


def ordinal(n: int) -> str:
    """5 -> 'fifth' (small numbers), else '5th', in the visitor's language."""
    if n in ORDINALS:
        return _(ORDINALS[n])
    return _("{n}th").format(n=n)


# ---------------------------------------------------------------------------------------------
# Before and after


@dataclass(frozen=True)
class Score:
    """How many held-back items a model got right, per kind."""

    right: tuple[int, ...]  # per kind, 10 values
    items: tuple[int, ...]  # per kind, 10 values

    @property
    def total_right(self) -> int:
        """Items right, all kinds."""
        return sum(self.right)

    @property
    def total(self) -> int:
        """Items measured, all kinds."""
        return sum(self.items)

    @property
    def accuracy(self) -> float | None:
        """Share right, or None without items."""
        return self.total_right / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        """For the model card: totals and {kind: [right, items]} for kinds with items."""
        return {
            "right": self.total_right,
            "items": self.total,
            "per_kind": {
                CLASS_NAMES[k]: [self.right[k], self.items[k]]
                for k in range(NUM_CLASSES)
                if self.items[k]
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        """The inverse of as_dict."""
        right, items = [0] * NUM_CLASSES, [0] * NUM_CLASSES
        for name, (r, n) in data.get("per_kind", {}).items():
            k = CLASS_NAMES.index(name)
            right[k], items[k] = int(r), int(n)
        return cls(tuple(right), tuple(items))


def predictions(model: Any, pixels: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) the kind the model names, as the Classify page would."""
    from fmnist_demo.photo_model import photo_probabilities_batch, split_outputs

    if len(pixels) == 0:
        return np.zeros(0, np.int64)
    kinds, _other = split_outputs(photo_probabilities_batch(model, normalise(pixels)))
    return kinds.argmax(axis=1)


def score_predictions(predicted: np.ndarray, labels: np.ndarray) -> Score:
    """Predicted and confirmed kinds -> a Score."""
    right = np.bincount(labels[predicted == labels], minlength=NUM_CLASSES)[:NUM_CLASSES]
    items = np.bincount(labels, minlength=NUM_CLASSES)[:NUM_CLASSES]
    return Score(tuple(int(v) for v in right), tuple(int(v) for v in items))


def score(model: Any, records: list[TeachRecord]) -> Score:
    """How many of `records` the model names rightly, per kind."""
    pixels, labels = stack(records)
    return score_predictions(predictions(model, pixels), labels)


def better(after: Score, before: Score) -> bool:
    """The adoption rule: the improved model is used only if it is right on more held-back items."""
    return after.total > 0 and after.total_right > before.total_right


def comparison_sentence(after: Score, before: Score) -> str:
    """'Right on 41 of 50 of your items it had not learnt from, up from 33.'"""
    if not after.total:
        return _("There were no held-back items to measure on.")
    figures = {"right": after.total_right, "total": after.total, "before": before.total_right}
    change = after.total_right - before.total_right
    if change > 0:
        text = _(
            "Right on {right} of {total} of your items it had not learnt from, up from {before}."
        )
    elif change < 0:
        text = _(
            "Right on {right} of {total} of your items it had not learnt from, down from {before}."
        )
    else:
        text = _(
            "Right on {right} of {total} of your items it had not learnt from, the same as before."
        )
    return text.format(**figures)


# ---------------------------------------------------------------------------------------------
# The reference set: labelled photos shipped with the app, which no catalogue can change

REFERENCE_K = 2.0  # how many noise widths of net loss on the reference set refuse a model


class ReferenceUnavailable(OSError):
    """The shipped reference set is missing or damaged: no model may be adopted without it."""


def load_reference(path: Path = REFERENCE_PATH) -> dict[str, np.ndarray]:
    """The shipped reference set: {"x": (N, 28, 28) uint8, "y": (N,) labels 0-9}."""
    try:
        with np.load(path) as saved:
            x, y = saved["x"], saved["y"].astype(np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise ReferenceUnavailable(
            _("The app's reference photos ({name}) cannot be read. Reinstall the app.").format(
                name=Path(path).name
            )
        ) from exc
    return {"x": x, "y": y}


@dataclass(frozen=True)
class ReferenceCheck:
    """The model in use and a taught model on the shipped reference set, item by item."""

    items: int
    before: int  # items the model in use names rightly
    after: int  # items the taught model names rightly
    lost: int  # right before, wrong after
    gained: int  # wrong before, right after

    @property
    def limit(self) -> float:
        """The net loss that chance alone would rarely reach: REFERENCE_K noise widths."""
        return REFERENCE_K * float(np.sqrt(self.lost + self.gained))

    @property
    def worse(self) -> bool:
        """Whether the taught model is worse than the model in use beyond the noise.

        A one-sided paired test (McNemar's, as a z-test): only items on which the two models
        disagree carry information. If the taught model were no worse, each such item would be
        a loss or a gain with even odds, so the net loss `lost - gained` would have mean 0 and
        standard deviation sqrt(lost + gained). A net loss above REFERENCE_K (2) of those is
        refused: a model truly no worse is refused by chance about 2 % of the time, while
        poisoned records (T-shirts confirmed as Shirt) lose dozens of items and are refused.
        """
        return self.lost - self.gained > self.limit

    def as_dict(self) -> dict[str, Any]:
        """For the model card."""
        return {**asdict(self), "limit": round(self.limit, 2), "worse": self.worse}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceCheck:
        """The inverse of as_dict."""
        keys = ("items", "before", "after", "lost", "gained")
        return cls(*(int(data[k]) for k in keys))


def reference_check(before_right: np.ndarray, after_right: np.ndarray) -> ReferenceCheck:
    """(N,) bool: each reference item named rightly by the model in use and by the taught one."""
    before_right, after_right = np.asarray(before_right, bool), np.asarray(after_right, bool)
    return ReferenceCheck(
        items=len(before_right),
        before=int(before_right.sum()),
        after=int(after_right.sum()),
        lost=int((before_right & ~after_right).sum()),
        gained=int((~before_right & after_right).sum()),
    )


def check_on_reference(base: Any, model: Any, reference: dict[str, np.ndarray]) -> ReferenceCheck:
    """Both models on the reference set, item by item."""
    x, y = reference["x"], reference["y"]
    return reference_check(predictions(base, x) == y, predictions(model, x) == y)


def reference_sentence(check: ReferenceCheck) -> str:
    """Why a model was refused on the reference photos, in plain words."""
    return _(
        "On the app's own reference photos ({items} labelled pictures shipped with the app, which "
        "no catalogue can change) it was right on {after}, against {before} for the model in "
        "use: worse by more than chance explains. This usually means some items were confirmed "
        "as the wrong kind (for example T-shirts confirmed as Shirt). Check the kinds of your "
        "recent items, then teach again."
    ).format(items=check.items, after=check.after, before=check.before)


def per_kind_rows(after: Score, before: Score) -> list[dict[str, Any]]:
    """One row per kind with held-back items: kind, items, right before, right after.

    For showing: the column names and kinds are in the visitor's language.
    """
    return [
        {
            _("Kind"): kind_name(k),
            _("Items held back"): after.items[k],
            _("Right before"): before.right[k],
            _("Right after"): after.right[k],
        }
        for k in range(NUM_CLASSES)
        if after.items[k]
    ]


# ---------------------------------------------------------------------------------------------
# Learning


@dataclass
class TeachSettings:
    """How the model learns from the trial's items; the defaults are the page's."""

    epochs: int = 6
    seed: int = 1
    batch_size: int = 64
    learning_rate: float = 3e-4
    record_repeats: int = 4  # each item to learn from is seen this often per epoch (varied)
    replay_per_epoch: int = 1_200  # real photos from the replay set, per epoch
    other_per_epoch: int = 200  # items of no kind from the replay set, per epoch
    fashion_per_epoch: int = 1_200  # Fashion-MNIST pictures made to look like photos, per epoch
    balance_power: float = 0.5  # an item is drawn with weight count(kind) ** -power


def load_replay(path: Path = REPLAY_PATH) -> dict[str, np.ndarray]:
    """The shipped replay set: {"x": (N, 28, 28) uint8, "y": (N,) labels 0-10}."""
    with np.load(path) as saved:
        return {"x": saved["x"], "y": saved["y"].astype(np.int64)}


def epoch_mix(
    learn: tuple[np.ndarray, np.ndarray],
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    outputs: int,
    settings: TeachSettings,
    epoch: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One epoch's shuffled mix -> ((N, 28, 28) float32, (N,) labels)."""
    from fmnist_demo.photo_model import OTHER
    from fmnist_demo.photo_training import augment, draw_weights, real_epoch_variation

    rng = np.random.default_rng([settings.seed, epoch])
    parts_x, parts_y = [], []
    x_r, y_r = learn
    if len(y_r):
        count = settings.record_repeats * len(y_r)
        chosen = rng.choice(len(y_r), count, p=draw_weights(y_r, settings.balance_power))
        parts_x.append(real_epoch_variation(normalise(x_r[chosen]), rng))
        parts_y.append(y_r[chosen])
    kinds = replay["y"] < NUM_CLASSES
    others = (replay["y"] == OTHER) if outputs > OTHER else np.zeros_like(kinds)
    for mask, count in ((kinds, settings.replay_per_epoch), (others, settings.other_per_epoch)):
        index = np.flatnonzero(mask)
        if count and len(index):
            chosen = rng.choice(index, count)
            parts_x.append(real_epoch_variation(normalise(replay["x"][chosen]), rng))
            parts_y.append(replay["y"][chosen])
    x_f, y_f = fashion
    if settings.fashion_per_epoch and len(y_f):
        pick = rng.choice(len(y_f), min(settings.fashion_per_epoch, len(y_f)), replace=False)
        parts_x.append(augment(x_f[pick], y_f[pick], int(rng.integers(2**31))))
        parts_y.append(y_f[pick].astype(np.int64))
    x, y = np.concatenate(parts_x), np.concatenate(parts_y)
    order = rng.permutation(len(y))
    return x[order], y[order]


@dataclass
class LearnProgress:
    """A snapshot of a teaching run, with the names Train live reads of its own (epoch, epochs)."""

    epoch: int  # 1-based, the epoch under way
    epochs: int
    batch: int
    batches: int
    elapsed_s: float
    stage: str = "learning"  # "learning" or "saving"

    @property
    def fraction(self) -> float:
        """Share of the learning finished, 0-1."""
        return min(1.0, ((self.epoch - 1) + self.batch / max(self.batches, 1)) / self.epochs)


class Stopped(Exception):
    """The teaching was stopped before it finished; nothing was changed."""


def copy_for_learning(base: Any, learning_rate: float) -> Any:
    """A trainable copy of `base` (same weights), compiled for fine-tuning."""
    from fmnist_demo.model import keras, model_lock

    with model_lock():
        model = keras.models.clone_model(base)
        model.set_weights(base.get_weights())
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
        )
    return model


def improve(
    base: Any,
    learn: list[TeachRecord],
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: TeachSettings | None = None,
    progress: Callable[[LearnProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[Any, float]:
    """Fine-tune a copy of `base` on the records with the replay -> (the new model, seconds).

    `base` is never changed. A set `cancel` raises Stopped at the next batch.
    """
    from fmnist_demo.model import keras

    settings = settings or TeachSettings()
    cancel = cancel or threading.Event()
    outputs = int(base.output_shape[-1])
    keras.utils.set_random_seed(settings.seed)
    model = copy_for_learning(base, settings.learning_rate)
    learn_xy = stack(learn)
    started = time.perf_counter()

    class Watch(keras.callbacks.Callback):
        def __init__(self, epoch: int, batches: int) -> None:
            super().__init__()
            self.epoch, self.batches = epoch, batches

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if cancel.is_set():
                self.model.stop_training = True
                return
            foreground.give_way(cancel)  # a visitor's page being made goes first
            if progress is not None:
                progress(
                    LearnProgress(
                        self.epoch + 1,
                        settings.epochs,
                        batch + 1,
                        self.batches,
                        time.perf_counter() - started,
                    )
                )

    for epoch in range(settings.epochs):
        if cancel.is_set():
            raise Stopped
        x, y = epoch_mix(learn_xy, replay, fashion, outputs, settings, epoch)
        batches = -(-len(y) // settings.batch_size)
        model.fit(
            x,
            y,
            batch_size=settings.batch_size,
            epochs=1,
            verbose=0,
            shuffle=False,  # epoch_mix has shuffled
            callbacks=[Watch(epoch, batches)],
        )
        if cancel.is_set():
            raise Stopped
    return model, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# The model as bytes, and its card


def model_to_bytes(model: Any) -> bytes:
    """The model as the bytes of a .keras file (kept in the catalogue's database)."""
    from fmnist_demo.model import model_bytes

    return model_bytes(model)


def model_from_bytes(data: bytes) -> Any:
    """A photo model from .keras bytes; ModelUnavailable when they are no usable photo model.

    Checked: 28 x 28 in, 10 or 11 kinds out, and finite answers for a blank picture, so that a
    damaged row is refused once here rather than failing on every visitor's photo.
    """
    from fmnist_demo.model import ModelUnavailable, load_model_bytes
    from fmnist_demo.photo_model import photo_probabilities_batch

    model = load_model_bytes(data, outputs=(NUM_CLASSES, NUM_CLASSES + 1))
    try:
        answers = photo_probabilities_batch(
            model, np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
        )
        usable = bool(np.all(np.isfinite(answers)))
    except Exception:  # whatever a damaged model raises, it cannot classify photos
        usable = False
    if not usable:
        raise ModelUnavailable(_("This model does not give usable answers."))
    return model


def card_usable(card: Any) -> bool:
    """Whether a kept model's card has what the pages show: date, records learnt, before, after.

    A card written by another version of the app, or damaged, may lack them.
    """
    if not isinstance(card, dict):
        return False
    try:
        when = dt.datetime.fromisoformat(card["date"])
        int(card["records_learnt"])
        Score.from_dict(card["before"])
        Score.from_dict(card["after"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return when.tzinfo is not None


def describe(card: dict[str, Any], zone: dt.tzinfo | None = None) -> str:
    """'improved from 212 of your items on 3 May; right on 82 % of the items it had not learnt
    from' (the date in `zone`, the server's when None)."""
    from fmnist_demo.formatting import percent

    when = dt.datetime.fromisoformat(card["date"]).astimezone(zone)
    after = Score.from_dict(card["after"])
    date = i18n.day_and_month(when.day, when.month)
    if after.accuracy is None:
        return _("improved from {count} of your items on {date}").format(
            count=card["records_learnt"], date=date
        )
    return _(
        "improved from {count} of your items on {date}; right on {percent} of the items it had "
        "not learnt from"
    ).format(count=card["records_learnt"], date=date, percent=percent(after.accuracy))


# What became of a taught model (the card's "verdict").
ADOPTED = "adopted"  # better on the held-back items, not worse on the reference set: in use
NOT_BETTER = "not_better"  # not better on the held-back items: kept, may be chosen
WORSE_ON_REFERENCE = "worse_on_reference"  # refused: worse on the reference set; never adopted
IN_USE_CHANGED = "in_use_changed"  # would have been adopted, but someone changed the model in use


def verdict(card: dict[str, Any]) -> str:
    """What became of the model a card describes (cards of older versions included)."""
    if card.get("in_use_changed"):  # set by the store when it kept the model without using it
        return IN_USE_CHANGED
    if card.get("verdict") in (ADOPTED, NOT_BETTER, WORSE_ON_REFERENCE):
        return card["verdict"]
    return ADOPTED if card.get("better") else NOT_BETTER


def choosable(card: dict[str, Any]) -> bool:
    """Whether staff may put this model in use: never one refused on the reference set."""
    return verdict(card) != WORSE_ON_REFERENCE


@dataclass
class TeachOutcome:
    """What a finished teaching leaves: the model, the figures and its card."""

    model: Any
    before: Score
    after: Score
    card: dict[str, Any]
    reference: ReferenceCheck | None = None

    @property
    def better(self) -> bool:
        """Whether it is better on the held-back items."""
        return better(self.after, self.before)

    @property
    def adoptable(self) -> bool:
        """The adoption rule: better on the held-back items and not worse on the reference set."""
        return self.better and self.reference is not None and not self.reference.worse

    @property
    def verdict(self) -> str:
        """What became of it (ADOPTED, NOT_BETTER, WORSE_ON_REFERENCE or IN_USE_CHANGED)."""
        return verdict(self.card)

    def judge(self) -> None:
        """Write the rule's verdict into the card."""
        if not self.better:
            self.card["verdict"] = NOT_BETTER
        elif not self.adoptable:
            self.card["verdict"] = WORSE_ON_REFERENCE
        else:
            self.card["verdict"] = ADOPTED


def teach(
    base: Any,
    base_name: str,
    records: list[TeachRecord],
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: TeachSettings | None = None,
    progress: Callable[[LearnProgress], None] | None = None,
    cancel: threading.Event | None = None,
    *,
    reference: dict[str, np.ndarray] | None = None,
) -> TeachOutcome:
    """Check there is enough, learn from the records not held back, measure before and after
    on the held-back records and on the reference set (the shipped one when None).

    Raises NotReady (too few records), ReferenceUnavailable or Stopped (cancelled); `base` is
    never changed.
    """
    settings = settings or TeachSettings()
    ready = readiness(records)
    if not ready.ready:
        raise NotReady(ready.needs())
    reference = load_reference() if reference is None else reference
    learn, held = split(records)
    model, seconds = improve(base, learn, replay, fashion, settings, progress, cancel)
    before, after = score(base, held), score(model, held)
    check = check_on_reference(base, model, reference)
    card = {
        "name": "photo CNN improved from the catalogue",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "base": base_name,
        "records_learnt": len(learn),
        "learnt_per_kind": {CLASS_NAMES[k]: int(n) for k, n in enumerate(ready.learn) if n},
        "record_versions": {str(r.id): r.version for r in records},
        "held_back_rule": f"records whose id is a multiple of {HOLD_OUT_EVERY}",
        "before": before.as_dict(),
        "after": after.as_dict(),
        "better": better(after, before),
        "reference": check.as_dict(),
        "reference_rule": f"refused when lost - gained > {REFERENCE_K} * sqrt(lost + gained) "
        f"on the {REFERENCE_PATH.name} items (a one-sided paired test)",
        "settings": asdict(settings),
        "replay": {"photos": int((replay["y"] < NUM_CLASSES).sum()), "file": REPLAY_PATH.name},
        "training_seconds": round(seconds, 1),
    }
    outcome = TeachOutcome(model, before, after, card, check)
    outcome.judge()
    return outcome


def changed_records(card: dict[str, Any], now: list[TeachRecord]) -> list[int]:
    """Ids of records used by a teaching that were edited or deleted since it started."""
    current = {r.id: r.version for r in now}
    return sorted(
        int(i) for i, v in card["record_versions"].items() if current.get(int(i)) != int(v)
    )


IN_USE_AT_START = object()  # teach_from_store reads which model is in use when it starts


def teach_from_store(
    store: Any,
    base: Any,
    base_name: str,
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: TeachSettings | None = None,
    progress: Callable[[LearnProgress], None] | None = None,
    cancel: threading.Event | None = None,
    *,
    reference: dict[str, np.ndarray] | None = None,
    started_from: int | object | None = IN_USE_AT_START,
) -> tuple[int, TeachOutcome]:
    """What the page's button does: teach from the catalogue, keep the model, adopt it if the
    rule lets it in.

    Records edited or deleted while it learnt: the figures are measured again on the held-back
    records as they are now, and the card says how many changed. The improved model is kept in
    the store only at the very end, so a run that fails or is stopped changes nothing. It is
    adopted only if the model in use is still `started_from` (the id of the adopted model the
    run began from, None for the shipped one): someone who chose another model meanwhile, or
    went back to the shipped one, keeps their choice, and the new model is kept as a choice.
    Returns (the kept model's id, the outcome).
    """
    cancel = cancel or threading.Event()
    if started_from is IN_USE_AT_START:
        entry = store.adopted_photo_model()
        started_from = None if entry is None else entry.id
    records = teach_records(store.teaching_rows())
    outcome = teach(
        base, base_name, records, replay, fashion, settings, progress, cancel, reference=reference
    )
    now = teach_records(store.teaching_rows())
    changed = changed_records(outcome.card, now)
    if changed:
        held_now = [r for r in now if r.held_back]
        before, after = score(base, held_now), score(outcome.model, held_now)
        outcome.card.update(
            before=before.as_dict(), after=after.as_dict(), better=better(after, before)
        )
        outcome = TeachOutcome(outcome.model, before, after, outcome.card, outcome.reference)
        outcome.judge()
    outcome.card["changed_while_learning"] = len(changed)
    outcome.card["base_id"] = started_from
    outcome.card["adopted_by"] = (
        "the rule: better on the held-back items, not worse on the reference set"
        if outcome.adoptable
        else None
    )
    if cancel.is_set():
        raise Stopped
    if progress is not None:
        epochs = outcome.card["settings"]["epochs"]
        progress(LearnProgress(epochs, epochs, 1, 1, outcome.card["training_seconds"], "saving"))
    model_id = store.save_photo_model(
        model_to_bytes(outcome.model),
        outcome.card,
        adopt=outcome.adoptable,
        in_use_was=started_from,
    )
    if outcome.adoptable:
        kept = next((e for e in store.photo_models() if e.id == model_id), None)
        if kept is not None and kept.card is not None:
            outcome.card.update(kept.card)  # the store's own notes: in_use_changed, adoptions
    return model_id, outcome


# ---------------------------------------------------------------------------------------------
# The background job (one at a time per server, in the Train live slot)


class TeachJob:
    """A teaching running in a background thread; the page polls `latest` and `done`.

    Compatible with training.TrainingSlot: start(), done (threading.Event), latest (with epoch
    and epochs). `run` is the whole work as a plain callable taking (progress, cancel); it returns
    whatever the page should keep (`outcome`), or raises: Stopped, NotReady or any failure, kept
    in `error` in plain words. Nothing is changed by a run that raised. The job runs in a copy of
    its maker's context, so its messages are in the language of the visitor who started it.
    """

    def __init__(self, run: Callable[[Callable, threading.Event], Any]) -> None:
        self._run_fn = run
        self._context = contextvars.copy_context()
        self.latest: LearnProgress | None = None
        self.cancel = threading.Event()
        self.done = threading.Event()
        self.outcome: Any = None
        self.error: str | None = None
        self.stopped = False
        self._thread = threading.Thread(target=self._run, name="fmnist-teach", daemon=True)

    def start(self) -> None:
        """Start in the background; a thread that cannot start ends the job at once (error)."""
        try:
            self._thread.start()
        except RuntimeError as exc:
            self.error = _(NOT_STARTED).format(reason=exc)
            self.done.set()

    def stop(self, wait_s: float = 30.0) -> bool:
        """Ask the job to stop and wait until it has ended; True when it has."""
        self.cancel.set()
        return self.done.wait(wait_s)

    @property
    def running(self) -> bool:
        """Whether the job has started and not yet ended."""
        return self._thread.is_alive() and not self.done.is_set()

    def _progress(self, p: LearnProgress) -> None:
        self.latest = p

    def _run(self) -> None:
        try:
            collect_garbage()  # models dropped since the last full collection go first
            self.outcome = self._context.run(self._run_fn, self._progress, self.cancel)
        except Stopped:
            self.stopped = True
        except Exception as exc:  # told in plain words; the slot is freed regardless
            self.error = str(exc) or type(exc).__name__
        finally:
            self.done.set()


# ---------------------------------------------------------------------------------------------
# The replay set: the command


def replay_choice(labels: np.ndarray, per_kind: int, seed: int) -> np.ndarray:
    """Indices of at most `per_kind` photos of each kind (all of the scarce ones), sorted."""
    rng = np.random.default_rng(seed)
    chosen = []
    for k in np.unique(labels):
        index = np.flatnonzero(labels == k)
        chosen.append(index if len(index) <= per_kind else rng.choice(index, per_kind, False))
    return np.sort(np.concatenate(chosen))


def make_replay(
    photos: Path,
    other: Path | None,
    out: Path = REPLAY_PATH,
    per_kind: int = 330,
    others: int = 300,
    seed: int = 1,
) -> dict[str, Any]:
    """Prepare the replay set from learning photos (never development photos) and write it."""
    from fmnist_demo.photo_training import (
        PIPELINE_VERSION,
        named_counts,
        photo_inputs,
        read_labelled,
        read_others,
        synthetic_inputs,
    )

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
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, x=x, y=y)
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
        "pipeline_version": PIPELINE_VERSION,
        "seed": seed,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.perf_counter() - started, 1),
        "command": "python -m fmnist_demo.trial_learning --photos DIR --other DIR "
        f"--per-kind {per_kind} --others {others} --seed {seed}",
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


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
