"""AppTest: inside the network on the pages. Train live shows the hidden units' pictures while
the model learns and after; Results shows them, the ten per-kind pictures and why one answer;
Classify explains a photo's answer. In English and in Bengali."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest
from waiting import watch_until

from fmnist_demo.data import is_available
from fmnist_demo.pages._training_slot import training_slot

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
DEV_PHOTOS = Path(os.environ.get("FMNIST_PHOTOS_DIR", "missing"))

pytestmark = pytest.mark.skipif(
    not is_available(), reason="Fashion-MNIST files not found; set FMNIST_DATA_DIR"
)


@pytest.fixture(autouse=True)
def _free_slot():
    yield
    slot = training_slot()
    if slot.job is not None:
        slot.job.stop(wait_s=60)


def _page(page: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.switch_page(page).run()
    assert not at.exception
    return at


def _html(at: AppTest, marker: str) -> list[str]:
    return [h.value for h in at.html if marker in h.value]


def _grid(at: AppTest) -> str:
    """The units' grid as the page sends it ('' when absent)."""
    return next(iter(_html(at, "fm-units")), "")


def _units_shown(grid: str) -> int:
    return int(re.search(r'alt="The weights of (\d+) hidden units', grid).group(1))


def _wait_for_epoch(job, epoch: int) -> None:
    """Until the job is in `epoch` (earlier epochs finished), watching it as the page does; fails
    at once when the training ends first, or at the deadline."""
    watch_until(job, lambda: job.latest is not None and job.latest.epoch >= epoch, f"epoch {epoch}")


@pytest.mark.slow
def test_train_live_shows_the_units_pictures_change_while_learning(fmnist):
    at = _page("fmnist_demo/pages/train_live.py")
    at.select_slider(key="train_subset").set_value(5_000)
    at.slider(key="train_epochs").set_value(20)
    at.toggle(key="train_early").set_value(False)
    at.button(key="train_start").click().run()
    job = at.session_state["train_job"]
    _wait_for_epoch(job, 2)
    at.run()
    first = _grid(at)
    assert first and _units_shown(first) == 32
    assert any("What the hidden units are learning" in m.value for m in at.markdown)
    _wait_for_epoch(job, 4)
    at.run()
    later = _grid(at)
    assert later != first  # the pictures changed as the model learnt
    at.toggle(key="train_all_units").set_value(True).run()
    assert _units_shown(_grid(at)) == 128
    at.button(key="train_stop").click().run()
    assert not at.exception and job.done.is_set()
    # The finished model's units stay on the page.
    assert "What the hidden units learnt" in [s.value for s in at.subheader]
    assert _units_shown(_grid(at)) in (32, 128)


@pytest.fixture(scope="module")
def results_page() -> AppTest:
    return _page("fmnist_demo/pages/results.py")


def test_results_shows_units_kinds_and_why(results_page):
    at = results_page
    assert "Inside the model" in [h.value for h in at.header]
    assert _units_shown(_grid(at)) == 32
    kinds = _html(at, "What raises and lowers the score of")
    assert len(kinds) == 1 and kinds[0].count("<img") == 10
    assert any("input × gradient" in c.value for c in at.caption)
    why = _html(at, "What the model saw")
    assert len(why) == 1 and "Towards Ankle boot" in why[0]  # the first test picture
    assert any("pushed the model towards **Ankle boot**" in m.value for m in at.markdown)
    at.toggle(key="results_all_units").set_value(True).run()
    assert _units_shown(_grid(at)) == 128


def test_results_why_follows_the_chosen_picture(results_page):
    at = results_page
    at.selectbox(key="results_pick").set_value(1).run()  # the second test picture: a pullover
    assert not at.exception
    why = _html(at, "What the model saw")[0]
    assert "Towards Pullover" in why


def test_results_inside_in_bengali():
    at = _page("fmnist_demo/pages/results.py", lang="bn")
    assert "মডেলের ভেতরে" in [h.value for h in at.header]
    assert _html(at, "fm-units") and _html(at, "fm-tiles")
    assert latin_words(at) == []


def test_classify_explains_a_photos_answer():
    photos = sorted(DEV_PHOTOS.glob("*.jpg"))[:2] if DEV_PHOTOS.is_dir() else []
    if len(photos) < 2:
        pytest.skip("no development photos here (set FMNIST_PHOTOS_DIR)")
    at = _page("fmnist_demo/pages/classify.py")
    at.file_uploader[0].set_value([(p.name, p.read_bytes(), "image/jpeg") for p in photos])
    at.run()
    assert not at.exception
    # The newest photo's card is open, its why folded; the older card is folded, its why in it.
    assert [e.label for e in at.expander].count("Why this answer?") == 1
    assert any(m.value == "**Why this answer?**" for m in at.markdown)
    why = _html(at, "What the model saw")
    assert len(why) == 2 and all(w.count("<img") in (2, 3) for w in why)
