"""AppTest: the app starts, Home tells the story, Train live trains through the page."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_demo.pages._common import dataset, training_slot
from fmnist_demo.training import TrainingJob, TrainSettings

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
TRAIN_PAGE = "fmnist_demo/pages/train_live.py"


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=180)


def _train_page(subset: int = 1_000, epochs: int = 1, target: int | None = None) -> AppTest:
    at = _app()
    at.switch_page(TRAIN_PAGE).run()
    assert not at.exception
    at.select_slider(key="train_subset").set_value(subset)
    at.slider(key="train_epochs").set_value(epochs)
    if target is None:
        at.toggle(key="train_early").set_value(False)
    else:
        at.slider(key="train_target").set_value(target)
    return at


@pytest.fixture(autouse=True)
def _free_slot():
    yield
    slot = training_slot()
    if slot.job is not None:
        slot.job.stop(wait_s=60)


def _finish(at: AppTest) -> AppTest:
    """Wait for this session's training job to end, watching it as the live view does."""
    job = at.session_state["train_job"]
    while not job.done.wait(0.05):
        job.touch()
    return at.run()


def test_app_starts_on_home(fmnist):
    at = _app().run()
    assert not at.exception
    assert "recognise clothes" in at.title[0].value
    assert any("70,000" in md.value for md in at.markdown)
    assert any("60,000 training and 10,000 test" in s.value for s in at.success)


def test_home_says_when_dataset_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("FMNIST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    at = _app().run()
    assert not at.exception
    assert any("not on this computer" in w.value for w in at.warning)


def test_train_says_when_dataset_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("FMNIST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    dataset.clear()  # the images may already be in this process's cache
    at = _app()
    at.switch_page(TRAIN_PAGE).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert any("images are not available" in e.value for e in at.error)
    assert "train_job" not in at.session_state and not training_slot().busy
    dataset.clear()


def test_train_page_widgets_and_summary(fmnist):
    at = _app()
    at.switch_page(TRAIN_PAGE).run()
    assert not at.exception
    assert at.radio(key="train_hidden").value == 128
    assert at.slider(key="train_epochs").value == 10
    assert at.slider(key="train_target").value == 90
    assert at.toggle(key="train_early").value is True
    assert at.button(key="train_start")
    assert any("101,770" in md.value for md in at.markdown)
    at.radio(key="train_hidden").set_value(512).run()
    assert any("407,050" in md.value for md in at.markdown)


def test_train_one_epoch_through_the_page(fmnist):
    at = _train_page()
    at.button(key="train_start").click().run()
    assert not at.exception
    _finish(at)
    assert not at.exception
    result = at.session_state["train_result"]
    assert len(result["history"]) == 1 and result["reason"] == "finished"
    assert 0.0 < result["test_accuracy"] <= 1.0
    user = at.session_state["user_model"]
    assert user["epochs"] == 1 and at.session_state["model_choice"] == "yours"
    assert any("finished all 1 epochs" in s.value for s in at.success)
    assert at.get("download_button")
    assert not training_slot().busy
    # The trained model is now the one Results uses, and it says what it learnt from.
    at.switch_page("fmnist_demo/pages/results.py").run()
    assert not at.exception
    assert any("your model, trained at" in c.value for c in at.caption)
    assert any("On the 1,000 training images" in m.label for m in at.metric)


def test_early_stop_message_through_the_page(fmnist):
    at = _train_page(epochs=5, target=50)
    at.button(key="train_start").click().run()
    _finish(at)
    assert not at.exception
    assert any("Reached 50% accuracy so cancelling training!" in s.value for s in at.success)
    assert len(at.session_state["train_result"]["history"]) == 1


def _live_view(at: AppTest) -> str:
    """The text of the live training view on the page, or '' when it is not there."""
    return next((h.value for h in at.html if "fm-live" in h.value), "")


def test_stop_keeps_last_finished_epoch(fmnist):
    at = _train_page(subset=30_000, epochs=20)  # long enough to be stopped half-way
    at.button(key="train_start").click().run()
    job = at.session_state["train_job"]
    assert at.button(key="train_stop")  # while it runs, Train gives way to Stop
    assert at.slider(key="train_epochs").disabled
    while job.latest is None or job.latest.epoch < 3:  # epochs 1 and 2 have finished
        job.touch()
        job.done.wait(0.01)
    at.run()  # what the live view shows now
    view = _live_view(at)
    assert "of 20" in view and "Pictures this epoch:" in view and "of 30,000" in view
    chart = base64.b64decode(view.split("base64,")[1].split('"')[0]).decode()
    assert "<polyline" in chart and chart.count("<circle") >= 4  # a dot per finished epoch
    at.button(key="train_stop").click().run()
    assert not at.exception
    assert job.done.is_set()
    result = at.session_state["train_result"]
    assert result["reason"] == "cancelled" and not result["abandoned"]
    done = len(result["history"])
    assert 1 <= done < 20
    assert any(f"after epoch {done} is kept" in w.value for w in at.warning)
    assert at.session_state["user_model"]["epochs"] == done
    assert not training_slot().busy


def test_busy_message_when_another_training_runs(fmnist):
    (x_train, y_train), _ = fmnist
    slot = training_slot()
    other = TrainingJob(
        x_train[:1000], y_train[:1000], TrainSettings(epochs=500), abandon_after_s=600
    )
    assert slot.start("another-visitor", other)
    at = _train_page()
    assert any("Another visitor is training" in i.value for i in at.info)
    assert at.button(key="train_start").disabled
    other.stop(wait_s=60)
    at.run()
    assert not at.button(key="train_start").disabled
