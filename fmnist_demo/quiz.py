"""You against the model: which ten test pictures a round shows, and how a round is scored.

No Streamlit and no TensorFlow here: a round is chosen from the model's own probabilities on the
test set (half it finds easy, half it finds hard), and scored from plain answers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES

ROUND_SIZE = 10  # pictures per round
HARD_SHARE = 0.5  # half the round is pictures the model finds hard
EASY_AT = 0.95  # the model gives the true kind at least this probability and names it: easy
HARD_BELOW = 0.60  # the model gives the true kind less than this (often naming another): hard
POOL_MIN = 50  # each pool holds at least this many pictures, so rounds vary even for odd models
PICTURE_SCALE = 10  # 28 -> 280 pixels, each pixel a hard-edged square: crisp on a phone


class QuizError(ValueError):
    """A round was asked for that cannot be made or scored (too few pictures, wrong answers)."""


def truth_probability(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each picture's probability for its true kind: (N, 10), (N,) -> (N,)."""
    return probs[np.arange(len(labels)), labels]


def _pool(order: np.ndarray, allowed: np.ndarray, wanted: np.ndarray, least: int) -> np.ndarray:
    """The pictures in `wanted` (a mask), or the first `least` of `order` when too few are."""
    chosen = np.flatnonzero(wanted & allowed)
    if len(chosen) >= least:
        return chosen
    return order[allowed[order]][:least]


def choose_round(
    probs: np.ndarray,
    labels: np.ndarray,
    seed: int | Sequence[int],
    previous: Sequence[int] = (),
    size: int = ROUND_SIZE,
) -> tuple[int, ...]:
    """Test picture indices for one round: a shuffled mix of easy and hard ones for this model.

    Easy: the model names the true kind with probability >= EASY_AT; hard: it gives the true kind
    less than HARD_BELOW. When a model has too few of either (say, one trained briefly), the
    pictures it finds easiest or hardest stand in. The previous round's pictures are left out,
    so two rounds in a row never show the same ten.
    """
    probs, labels = np.asarray(probs), np.asarray(labels)
    if probs.shape != (len(labels), NUM_CLASSES):
        raise QuizError(f"probabilities {probs.shape} do not match {len(labels)} labels")
    allowed = np.ones(len(labels), dtype=bool)
    allowed[np.asarray(previous, dtype=int)] = False
    hard_n = round(size * HARD_SHARE)
    easy_n = size - hard_n
    least = max(POOL_MIN, size)
    if allowed.sum() < 2 * least:
        raise QuizError(f"{allowed.sum()} pictures are too few for a round of {size}")
    p_true = truth_probability(probs, labels)
    named = probs.argmax(axis=1) == labels
    by_ease = np.argsort(-p_true, kind="stable")  # easiest first
    easy = _pool(by_ease, allowed, named & (p_true >= EASY_AT), least)
    allowed[easy] = False  # a picture is easy or hard, never both
    hard = _pool(by_ease[::-1], allowed, p_true < HARD_BELOW, least)
    rng = np.random.default_rng(seed)
    picked = np.concatenate(
        [rng.choice(easy, easy_n, replace=False), rng.choice(hard, hard_n, replace=False)]
    )
    return tuple(int(i) for i in rng.permutation(picked))


@dataclass(frozen=True)
class QuizRound:
    """A round being played: its pictures, the visitor's answers so far, and the model asked."""

    indices: tuple[int, ...]  # test pictures, in the order shown
    model: str  # which model the round was chosen for: another model means a new round
    answers: tuple[int, ...] = ()  # kinds 0-9, one per picture answered so far
    counted: bool = False  # already counted towards the visitor's best score

    @property
    def finished(self) -> bool:
        """True when every picture has its answer."""
        return len(self.answers) >= len(self.indices)

    def answered(self, kind: int) -> QuizRound:
        """The round with one more answer; a finished round stays as it is (a double tap)."""
        return self if self.finished else replace(self, answers=(*self.answers, kind))


@dataclass(frozen=True)
class PictureResult:
    """One picture of a round: what the visitor said, what the model said, and the truth."""

    index: int  # in the test set
    truth: int
    yours: int
    model: int
    model_confidence: float  # the model's probability for its own answer

    @property
    def you_right(self) -> bool:
        """True when the visitor named the true kind."""
        return self.yours == self.truth

    @property
    def model_right(self) -> bool:
        """True when the model named the true kind."""
        return self.model == self.truth


@dataclass(frozen=True)
class QuizScore:
    """A finished round: both scores, every picture, and who saw what the other missed."""

    pictures: tuple[PictureResult, ...]
    yours: int
    model: int
    only_you: tuple[int, ...]  # positions in the round (0-based) you got right, the model not
    only_model: tuple[int, ...]  # ... the model got right, you not

    @property
    def size(self) -> int:
        """How many pictures the round had."""
        return len(self.pictures)


def score_round(
    indices: Sequence[int], answers: Sequence[int], labels: np.ndarray, probs: np.ndarray
) -> QuizScore:
    """Score the visitor's answers against the model's on the same pictures.

    labels and probs are the whole test set's, (N,) and (N, 10); answers are kinds 0-9, one per
    picture of the round, in order.
    """
    if len(answers) != len(indices):
        raise QuizError(f"{len(answers)} answers for {len(indices)} pictures")
    if any(not 0 <= int(a) < NUM_CLASSES for a in answers):
        raise QuizError(f"answers must be kinds 0-{NUM_CLASSES - 1}: {list(answers)}")
    pictures = tuple(
        PictureResult(
            index=int(i),
            truth=int(labels[i]),
            yours=int(a),
            model=int(np.argmax(probs[i])),
            model_confidence=float(np.max(probs[i])),
        )
        for i, a in zip(indices, answers, strict=True)
    )
    return QuizScore(
        pictures=pictures,
        yours=sum(p.you_right for p in pictures),
        model=sum(p.model_right for p in pictures),
        only_you=tuple(n for n, p in enumerate(pictures) if p.you_right and not p.model_right),
        only_model=tuple(n for n, p in enumerate(pictures) if p.model_right and not p.you_right),
    )


def picture_png(image: np.ndarray, scale: int = PICTURE_SCALE) -> bytes:
    """One (28, 28) uint8 picture, light item on black as the model sees it, as PNG bytes
    enlarged `scale` times with nearest-neighbour, so each pixel stays a sharp square."""
    side = IMAGE_SIZE * scale
    big = Image.fromarray(np.asarray(image, dtype=np.uint8), mode="L").resize(
        (side, side), Image.Resampling.NEAREST
    )  # (28, 28) -> (280, 280)
    out = io.BytesIO()
    big.save(out, format="PNG", optimize=True)
    return out.getvalue()
