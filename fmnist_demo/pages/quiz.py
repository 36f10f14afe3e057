"""You against the model: name ten test pictures, then see your score beside the model's."""

from __future__ import annotations

import secrets
from dataclasses import replace

import numpy as np
import streamlit as st

from fmnist_demo.data import NUM_CLASSES, kind_name
from fmnist_demo.formatting import confidence
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.pages._dataset import dataset, dataset_or_message
from fmnist_demo.pages._model_answers import active_test_probs
from fmnist_demo.pages._model_choice import chapter_model_choice
from fmnist_demo.pages._screen import NARROW_PX
from fmnist_demo.quiz import QuizRound, QuizScore, choose_round, picture_png, score_round
from fmnist_demo.user_model import ActiveModel

SEED_KEY = "quiz_seed"  # drawn once per visit: each visitor gets rounds of their own
ROUNDS_KEY = "quiz_rounds"  # rounds started this visit; with the seed, it seeds the next round
ROUND_KEY = "quiz_round"  # the round being played: pictures, answers so far, the model asked
PREVIOUS_KEY = "quiz_previous"  # the last round's pictures, left out of the next one
BEST_KEY = "quiz_best"  # the visitor's best score this visit
SHOW_SCORE_JS = (  # looks for 1.5 s: on a busy server the score may be laid out late
    "<script>(() => { const end = performance.now() + 1500; const look = () => {"
    " const score = document.querySelector('.st-key-quiz-score');"
    " if (score && score.getBoundingClientRect().top < 40)"
    " { score.style.scrollMarginTop = '64px'; score.scrollIntoView({block: 'start'}); }"
    " if (performance.now() < end) requestAnimationFrame(look); };"
    " requestAnimationFrame(look); })();</script>"
)
PICTURE_PX = 280  # the picture being named, on the screen: 10 screen pixels per picture pixel

if SEED_KEY not in st.session_state:
    st.session_state[SEED_KEY] = secrets.randbits(32)
if ROUNDS_KEY not in st.session_state:
    st.session_state[ROUNDS_KEY] = 0


@st.cache_data(show_spinner=False, max_entries=64)
def test_picture(index: int) -> bytes:
    """Test picture `index`, enlarged with hard pixel edges, as PNG bytes."""
    return picture_png(dataset()[1][0][index])


def model_key(active: ActiveModel) -> str:
    """Which model a round was chosen for: a new model means a new round. The shipped model is
    one per server: it is not loaded (nor TensorFlow imported) only to be named here."""
    return active.origin if active.shipped else f"{active.origin}:{id(active.model)}"


def current_round(active: ActiveModel, probs: np.ndarray, labels: np.ndarray) -> QuizRound:
    """The round being played, or a new one for this model when there is none."""
    state = st.session_state
    played = state.get(ROUND_KEY)
    if played is not None and played.model == model_key(active):
        return played
    if played is not None:  # another model chosen: its round, played or not, was the last one
        state[PREVIOUS_KEY] = played.indices
    state[ROUNDS_KEY] += 1
    indices = choose_round(
        probs,
        labels,
        seed=(state[SEED_KEY], state[ROUNDS_KEY]),
        previous=state.get(PREVIOUS_KEY, ()),
    )
    state[ROUND_KEY] = QuizRound(indices=indices, model=model_key(active))
    return state[ROUND_KEY]


def _answer(kind: int) -> None:
    st.session_state[ROUND_KEY] = st.session_state[ROUND_KEY].answered(kind)


def _new_round() -> None:
    st.session_state[PREVIOUS_KEY] = st.session_state.pop(ROUND_KEY).indices


def layout_css() -> str:
    """Answer buttons and result cards in a grid (2 across on a phone), big enough for a finger;
    the pictures keep their hard pixel edges when a sharp screen enlarges them."""
    grid = "display: grid; gap: 0.5rem; grid-template-columns: repeat({n}, minmax(0, 1fr));"
    return (
        "<style>"
        f".st-key-quiz-answers, .st-key-quiz-cards {{ {grid.format(n=5)} }}"
        f"@media (max-width: {NARROW_PX}px) {{"
        f" .st-key-quiz-answers, .st-key-quiz-cards {{ {grid.format(n=2)} }} }}"
        # 48 px: more than the 44 px a fingertip needs, for the answers and Play again alike
        ".st-key-quiz-answers button, .st-key-quiz_again button { min-height: 48px; }"
        ".st-key-quiz-picture img, .st-key-quiz-cards img { image-rendering: pixelated; }"
        ".st-key-quiz-score { scroll-margin-top: 4rem; }"  # clear of Streamlit's top bar
        # a touch screen keeps the last tapped button "hovered": on the next picture it would
        # look chosen already
        "@media (hover: none) { .st-key-quiz-answers button,"
        " .st-key-quiz-answers button:hover { background-color: transparent; } }"
        "</style>"
    )


def play(played: QuizRound) -> None:
    """One picture at a time, with how far along the round is and the ten kinds to tap."""
    done, total = len(played.answers), len(played.indices)
    progress = _("{n} of {total}").format(n=done + 1, total=total)
    st.progress(done / total, text=_("Picture {progress}").format(progress=progress))
    with st.container(key="quiz-picture"):
        st.image(test_picture(played.indices[done]), width=PICTURE_PX)
    # said again next to the answers: on a phone the bar above has scrolled out of sight
    st.markdown(f"**{progress}** · " + _("Which kind of clothing is this?"))
    with st.container(key="quiz-answers"):
        for kind in range(NUM_CLASSES):
            st.button(
                kind_name(kind),
                key=f"quiz_answer_{kind}",
                on_click=_answer,
                args=(kind,),
                width="stretch",
            )


def _numbers(positions: tuple[int, ...]) -> str:
    return ", ".join(str(p + 1) for p in positions)


def who_saw_what(result: QuizScore) -> None:
    """Which pictures each got right where the other went wrong, in one line each."""
    if result.only_you:
        n = len(result.only_you)
        st.markdown(
            ":material/person: "
            + ngettext(
                "You got picture {pictures} right where the model went wrong.",
                "You got pictures {pictures} right where the model went wrong.",
                n,
            ).format(pictures=_numbers(result.only_you))
        )
    else:
        st.markdown(":material/person: " + _("No picture was right only for you."))
    if result.only_model:
        n = len(result.only_model)
        st.markdown(
            ":material/smart_toy: "
            + ngettext(
                "The model got picture {pictures} right where you went wrong.",
                "The model got pictures {pictures} right where you went wrong.",
                n,
            ).format(pictures=_numbers(result.only_model))
        )
    else:
        st.markdown(":material/smart_toy: " + _("No picture was right only for the model."))


def _mark(right: bool) -> str:
    return ":green[:material/check:]" if right else ":red[:material/close:]"


def score_screen(result: QuizScore, best: int) -> None:
    """Both scores side by side, who saw what, and every picture with both answers and the truth."""
    total = result.size
    with st.container(key="quiz-score"):
        st.subheader(
            _("You {you} of {total} · the model {model} of {total}").format(
                you=result.yours, model=result.model, total=total
            )
        )
    # On a phone the last tap leaves the page scrolled down to the answers, past the score:
    # bring the score back into sight (our own fixed script, no visitor's input in it).
    st.html(SHOW_SCORE_JS, unsafe_allow_javascript=True)
    if result.yours > result.model:
        st.success(_("You beat the model this round!"), icon=":material/emoji_events:")
    elif result.yours == result.model:
        st.info(_("A draw: you and the model named as many right."), icon=":material/handshake:")
    else:
        st.info(_("The model wins this round."), icon=":material/smart_toy:")
    st.markdown(_("Your best this visit: **{best} of {total}**").format(best=best, total=total))
    who_saw_what(result)
    st.button(
        _("Play again"),
        key="quiz_again",
        on_click=_new_round,
        type="primary",
        icon=":material/replay:",
    )
    with st.container(key="quiz-cards"):
        for position, picture in enumerate(result.pictures):
            with st.container(border=True, key=f"quiz-card-{position}"):
                st.markdown(f"**{position + 1}**")
                st.image(test_picture(picture.index), width="stretch")
                if position in result.only_you:
                    st.badge(_("Only you"), icon=":material/person:", color="green")
                if position in result.only_model:
                    st.badge(_("Only the model"), icon=":material/smart_toy:", color="blue")
                st.markdown(
                    "  \n".join(
                        [
                            _mark(picture.you_right)
                            + " "
                            + _("You: {kind}").format(kind=kind_name(picture.yours)),
                            _mark(picture.model_right)
                            + " "
                            + _("Model: {kind} ({confidence})").format(
                                kind=kind_name(picture.model),
                                # one piece: a narrow card must not part "62" from "%"
                                confidence=confidence(picture.model_confidence).replace(
                                    " ", "\u00a0"
                                ),
                            ),
                            _("Truth: **{kind}**").format(kind=kind_name(picture.truth)),
                        ]
                    )
                )


st.title(_("You against the model"))
st.markdown(
    _(
        "Ten pictures from the test set, which the model never learnt from: some it names "
        "easily, some it finds hard. Tap the kind you see in each, then compare your answers "
        "with the model's."
    )
)
st.caption(
    _(
        "What the game shows: a person and the model do not miss the same pictures — each "
        "names some that the other gets wrong."
    )
)
st.html(layout_css())
data = dataset_or_message()
if data is None:
    st.stop()
(_train, (_x_test, y_test)) = data
active = chapter_model_choice("quiz_model")
probs = active_test_probs(active)
played = current_round(active, probs, y_test)
if not played.finished:
    play(played)
else:
    result = score_round(played.indices, played.answers, y_test, probs)
    if not played.counted:  # each round counts once towards the best, however often shown
        st.session_state[ROUND_KEY] = replace(played, counted=True)
        st.session_state[BEST_KEY] = max(st.session_state.get(BEST_KEY, 0), result.yours)
    score_screen(result, st.session_state[BEST_KEY])
