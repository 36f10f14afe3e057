"""The quiz's rounds and scoring: a mix of easy and hard pictures for the model, never the same
ten twice in a row, scores on fixed answers; rounds chosen with the shipped model's real
probabilities on the real test set."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from fmnist_demo.data import is_available
from fmnist_demo.quiz import (
    EASY_AT,
    HARD_BELOW,
    ROUND_SIZE,
    QuizError,
    choose_round,
    picture_png,
    score_round,
    truth_probability,
)

needs_data = pytest.mark.skipif(not is_available(), reason="Fashion-MNIST files not found")


@pytest.fixture(scope="module")
def shipped(fmnist):
    """The test labels and the shipped model's probabilities for the 10,000 test pictures."""
    from fmnist_demo.model import load_default_model, predict_proba

    (_train, (x_test, y_test)) = fmnist
    return y_test, predict_proba(load_default_model(), x_test)


@needs_data
def test_a_round_mixes_pictures_the_model_finds_easy_and_hard(shipped):
    labels, probs = shipped
    p_true = truth_probability(probs, labels)
    for seed in range(20):
        picked = np.array(choose_round(probs, labels, seed=seed))
        assert len(picked) == ROUND_SIZE == len(set(picked.tolist()))
        easy = (p_true[picked] >= EASY_AT) & (probs[picked].argmax(axis=1) == labels[picked])
        hard = p_true[picked] < HARD_BELOW
        assert easy.sum() == 5 and hard.sum() == 5, p_true[picked]
    # shuffled: easy and hard pictures do not come in two blocks every time
    orders = {tuple(p_true[list(choose_round(probs, labels, seed=s))] >= EASY_AT) for s in range(8)}
    assert len(orders) > 1


@needs_data
def test_never_the_same_ten_twice_in_a_row(shipped):
    labels, probs = shipped
    previous = choose_round(probs, labels, seed=(7, 1))
    for n in range(2, 40):
        picked = choose_round(probs, labels, seed=(7, n), previous=previous)
        assert not set(picked) & set(previous)
        previous = picked


@needs_data
def test_the_same_visit_and_round_give_the_same_ten(shipped):
    labels, probs = shipped
    assert choose_round(probs, labels, seed=(3, 2)) == choose_round(probs, labels, seed=(3, 2))
    assert choose_round(probs, labels, seed=(3, 2)) != choose_round(probs, labels, seed=(4, 2))


def test_a_model_with_no_easy_pictures_still_gets_a_mix():
    """A model trained only briefly is sure of nothing: its easiest and hardest stand in."""
    rng = np.random.default_rng(0)
    labels = np.arange(400) % 10
    probs = rng.dirichlet(np.ones(10), size=400).astype(np.float32)  # unsure everywhere
    p_true = truth_probability(probs, labels)
    picked = np.array(choose_round(probs, labels, seed=1))
    ranks = np.argsort(np.argsort(-p_true))[picked]  # 0 = the picture it finds easiest
    assert (ranks < 50).sum() == 5
    assert (p_true[picked][ranks >= 50] < HARD_BELOW).sum() == 5


def test_too_few_pictures_or_mismatched_probabilities_are_refused():
    labels = np.arange(60) % 10
    with pytest.raises(QuizError):
        choose_round(np.full((60, 10), 0.1), labels, seed=0)
    with pytest.raises(QuizError):
        choose_round(np.full((59, 10), 0.1), labels, seed=0)


def _probs_naming(kinds: list[int], sure: float = 0.9) -> np.ndarray:
    """(N, 10) probabilities whose top answer is kinds[i], with probability `sure`."""
    probs = np.full((len(kinds), 10), (1 - sure) / 9, dtype=np.float32)
    probs[np.arange(len(kinds)), kinds] = sure
    return probs


def test_scoring_fixed_answers():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0])
    model_says = [0, 1, 2, 3, 4, 5, 0, 0, 9, 7, 0, 0]  # wrong on 6, 7, 8, 9
    probs = _probs_naming(model_says, sure=0.7)
    indices = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    answers = [9, 8, 7, 2, 5, 4, 3, 0, 0, 0]  # wrong on pictures 6, 2 and 1
    result = score_round(indices, answers, labels, probs)
    assert result.size == 10
    assert result.yours == 7 and result.model == 6
    assert result.only_you == (0, 1, 2)  # pictures 9, 8, 7: the model missed them, you not
    assert result.only_model == (7, 8)  # pictures 2 and 1
    third = result.pictures[3]
    assert (third.index, third.truth, third.yours, third.model) == (6, 6, 2, 0)
    assert not third.you_right and not third.model_right
    assert third.model_confidence == pytest.approx(0.7)
    with pytest.raises(AttributeError):  # frozen: a result is a value
        result.yours = 10


def test_scoring_refuses_answers_that_do_not_fit():
    labels, probs = np.arange(10), _probs_naming(list(range(10)))
    with pytest.raises(QuizError):
        score_round(range(10), [0] * 9, labels, probs)
    with pytest.raises(QuizError):
        score_round(range(10), [0] * 9 + [10], labels, probs)


def test_the_picture_is_enlarged_with_hard_pixel_edges():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[0, 0] = 255
    big = np.asarray(Image.open(io.BytesIO(picture_png(image, scale=10))))
    assert big.shape == (280, 280)
    assert (big[:10, :10] == 255).all() and (big[10:, :] == 0).all() and (big[:, 10:] == 0).all()
