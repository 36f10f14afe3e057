"""AppTest: the app starts, Home tells the story, Train live trains through the page."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest
from waiting import watch_to_the_end, watch_until

from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.pages._dataset import dataset
from fmnist_demo.pages._training_slot import training_slot
from fmnist_demo.pages._user_model_ui import user_model_store
from fmnist_demo.training import TrainingJob, TrainSettings

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
TRAIN_PAGE = "fmnist_demo/pages/train_live.py"


def _app() -> AppTest:
    return open_app(run=False)


def _train_page(
    subset: int = 1_000, epochs: int = 1, target: int | None = None, lang: str = "en"
) -> AppTest:
    at = open_app(TRAIN_PAGE, lang=lang)
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
    watch_to_the_end(at.session_state["train_job"])
    return at.run()


def test_app_starts_on_home(fmnist):
    at = _app().run()
    assert not at.exception
    assert "recognise clothes" in at.title[0].value
    assert any("70,000" in md.value for md in at.markdown)
    assert any("60,000 training and 10,000 test" in s.value for s in at.success)
    assert any("right on 88\u00a0% of the test pictures" in s.value for s in at.success)
    # a row of real Fashion-MNIST pictures, one of each kind
    assert [i.proto.imgs[0].caption for i in at.image] == list(CLASS_NAMES)


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
    # the words a newcomer meets, explained where they appear
    assert "each hidden unit looks at all 784 pixels" in at.radio(key="train_hidden").help
    assert "One epoch is one pass" in at.slider(key="train_epochs").help
    assert any("The **loss** measures" in md.value for md in at.markdown)


def test_train_one_epoch_through_the_page(fmnist):
    at = _train_page()
    at.button(key="train_start").click().run()
    assert not at.exception
    _finish(at)
    assert not at.exception
    result = at.session_state["train_result"]
    assert len(result.history) == 1 and result.reason == "finished"
    assert 0.0 < result.test_accuracy <= 1.0
    user = at.session_state["user_model"]
    assert user.epochs == 1 and at.session_state["model_choice"] == "yours"
    assert any("Training finished its 1 epoch." in s.value for s in at.success)
    assert at.get("download_button")
    assert not training_slot().busy
    # The trained model is now the one Results uses, and it says what it learnt from.
    at.switch_page("fmnist_demo/pages/results.py").run()
    assert not at.exception
    assert any("your model, trained at" in c.value for c in at.caption)
    assert any("On the 1,000 training images" in m.label for m in at.metric)
    # Training does not switch Classify away from the photo model.
    at.switch_page("fmnist_demo/pages/classify.py").run()
    assert not at.exception
    assert any("Photo model in use: the shipped photo model" in c.value for c in at.caption)


def test_trained_model_survives_a_reload(fmnist):
    at = _train_page()
    at.button(key="train_start").click().run()
    _finish(at)
    user = at.session_state["user_model"]
    token = at.query_params["model"]
    kept = user_model_store().get(token)
    assert token == user.token and kept.token == token and kept.model is None
    # A reload is a new session with the same address: the model is found again, made anew
    # from the kept weights.
    again = _app()
    again.query_params["model"] = token
    again.switch_page("fmnist_demo/pages/results.py").run()
    assert not again.exception
    restored = again.session_state["user_model"]
    assert restored.token == token and restored.model is not user.model
    assert all(
        np.array_equal(a, b)
        for a, b in zip(restored.model.get_weights(), user.model.get_weights(), strict=True)
    )
    assert any("your model, trained at" in c.value for c in again.caption)
    assert again.query_params["model"] == token


def test_a_reload_during_training_sees_its_own_training_and_gets_its_model(fmnist):
    """A reload showed the visitor's own run as "Another visitor is training…", and its model
    was lost: the address had no ?model= until the training ended."""
    # All 60,000 pictures for the most epochs the page offers: still running well after the
    # reload below, which stops it (a 500 the slider cannot hold fell back to 10 short epochs,
    # which sometimes ended before the reload).
    at = _train_page(subset=60_000, epochs=20)
    at.button(key="train_start").click().run()
    assert "train_job" in at.session_state, [m.value for m in (*at.info, *at.warning, *at.error)]
    job = at.session_state["train_job"]
    token = at.query_params["model"]  # in the address from the start
    assert token and training_slot().owner == token
    watch_until(job, lambda: job.latest is not None and job.latest.epoch >= 2, "epoch 1's end")
    # The reload: a new session with the same address, while the training runs.
    again = _app()
    again.query_params["model"] = token
    again.switch_page(TRAIN_PAGE).run()
    assert not again.exception
    assert not any("Another visitor" in i.value for i in again.info)
    assert again.session_state["train_job"] is job and again.button(key="train_stop")
    assert again.query_params["model"] == token
    again.button(key="train_stop").click().run()
    assert not again.exception and job.done.is_set()
    user = again.session_state["user_model"]
    assert user.token == token and user.epochs >= 1
    assert user_model_store().get(token) is not None
    assert any("is kept" in w.value for w in again.warning), [
        (e.type, getattr(e, "value", None)) for e in again.main if hasattr(e, "value")
    ][:30]


def test_a_reload_just_after_training_ended_finds_its_model(fmnist):
    at = _train_page()
    at.button(key="train_start").click().run()
    token = at.query_params["model"]
    job = at.session_state["train_job"]
    watch_to_the_end(job)  # it ends before the old page collects it
    again = _app()
    again.query_params["model"] = token
    again.switch_page(TRAIN_PAGE).run()
    assert not again.exception
    assert again.session_state["user_model"].token == token
    assert any("Training finished its 1 epoch." in s.value for s in again.success)
    assert "no longer kept" not in " ".join(i.value for i in again.info)


def test_a_reload_after_the_page_kept_the_model_shows_how_its_training_went(fmnist):
    at = _train_page()
    at.button(key="train_start").click().run()
    _finish(at)  # this page collected the outcome and kept the model
    token = at.query_params["model"]
    again = _app()
    again.query_params["model"] = token
    again.switch_page(TRAIN_PAGE).run()
    assert not again.exception
    assert again.session_state["user_model"].token == token
    assert any("Training finished its 1 epoch." in s.value for s in again.success)
    assert len(again.session_state["train_result"].history) == 1


def test_page_says_when_the_trained_model_is_gone(fmnist):
    at = _app()
    at.query_params["model"] = "no-such-model"
    at.switch_page("fmnist_demo/pages/results.py").run()
    assert not at.exception
    assert any("no longer kept" in i.value for i in at.info)
    assert "model" not in at.query_params
    assert any("shipped model" in c.value for c in at.caption)


def test_early_stop_message_through_the_page(fmnist):
    at = _train_page(epochs=5, target=50)
    at.button(key="train_start").click().run()
    _finish(at)
    assert not at.exception
    assert any("Reached 50% accuracy so cancelling training!" in s.value for s in at.success)
    assert any(
        "Training stopped early, as planned: it passed the 50\u00a0% target after epoch 1."
        in s.value
        for s in at.success
    )
    # training and test accuracy in one format, whole percentages ("90.1 %" stood beside "87 %")
    assert re.fullmatch(r"\d+\u00a0%", at.metric[0].value), at.metric[0].value
    assert re.fullmatch(r"\d+\u00a0%", at.metric[1].value), at.metric[1].value
    assert "point" in at.metric[1].delta  # test against training, in percentage points
    history = next(t.value for t in at.table if "Accuracy" in t.value.columns)
    assert all(re.fullmatch(r"\d+\u00a0%", str(v)) for v in history["Accuracy"]), history
    assert len(at.session_state["train_result"].history) == 1


def _live_view(at: AppTest) -> str:
    """The text of the live training view on the page, or '' when it is not there."""
    return next((h.value for h in at.html if "fm-live" in h.value), "")


def test_stop_keeps_last_finished_epoch(fmnist):
    # 20 epochs of 5,000 pictures: long enough to be stopped half-way, as pages being made
    # (each at.run()) hold the training back (foreground.give_way).
    at = _train_page(subset=5_000, epochs=20, target=99)  # a target it does not reach
    at.button(key="train_start").click().run()
    job = at.session_state["train_job"]
    assert at.button(key="train_stop")  # while it runs, Train gives way to Stop
    assert at.slider(key="train_epochs").disabled
    watch_until(job, lambda: job.latest and job.latest.epoch >= 3, "epochs 1 and 2 finished")
    at.run()  # what the live view shows now
    view = _live_view(at)
    assert "of 20" in view and "Pictures this epoch:" in view and "of 5,000" in view
    # which figure counts: the running one of this epoch, apart from the finished epoch's
    assert "Accuracy so far this epoch" in view and "Accuracy of epoch " in view
    assert "Training stops once a finished epoch" in view and "accuracy passes 99\u00a0%" in view
    assert not re.search(r"\d\.\d\u00a0%", view)  # whole percentages only
    chart = base64.b64decode(view.split("base64,")[1].split('"')[0]).decode()
    assert "<polyline" in chart and chart.count("<circle") >= 4  # a dot per finished epoch
    at.button(key="train_stop").click().run()
    assert not at.exception
    assert job.done.is_set()
    result = at.session_state["train_result"]
    assert result.reason == "cancelled" and not result.abandoned
    done = len(result.history)
    assert 1 <= done < 20
    assert any(f"after epoch {done} is kept" in w.value for w in at.warning)
    assert at.session_state["user_model"].epochs == done
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


# ---- the page in বাংলা ---------------------------------------------------------------------


def test_train_page_in_bengali_before_and_after_early_stop(fmnist):
    at = _train_page(subset=1_000, epochs=5, target=50, lang="bn")
    at.run()
    assert not at.exception
    assert latin_words(at) == []
    assert at.title[0].value == "চোখের সামনে শেখানো"
    # epoch, loss and hidden units explained in the glossary's words
    assert "পুরো একবার দেখা" in at.slider(key="train_epochs").help
    assert "লুকানো একক" in at.radio(key="train_hidden").help
    assert any("**ভুলের মাপ**" in md.value for md in at.markdown)
    assert any("101,770টি সংখ্যা" in md.value for md in at.markdown)
    assert list(at.table[0].value.columns) == ["স্তর", "ধরন", "ফলাফলের আকার", "প্যারামিটার"]
    assert "(ছবির সংখ্যা, 784)" in at.table[0].value["ফলাফলের আকার"].tolist()

    at.button(key="train_start").click().run()
    _finish(at)
    assert not at.exception
    assert latin_words(at) == []
    (success,) = at.success
    # The chapter's English line is explained, not quoted, on the Bengali page.
    assert (
        success.value
        == "পরিকল্পনা মতোই প্রশিক্ষণ আগেভাগে থেমেছে: 1 নম্বর পর্বের পর মডেল 50\u00a0% লক্ষ্য পেরিয়ে গেছে।"
    )
    assert "Reached" not in success.value
    assert at.metric[0].label == "শেখার ছবিতে নির্ভুলতা"
    assert "পয়েন্ট" in at.metric[1].delta
    assert at.metric[2].value.endswith("\u00a0সেকেন্ড")
    assert list(at.table[1].value.columns) == ["পর্ব", "ভুলের মাপ", "নির্ভুলতা", "সেকেন্ড"]
    # The chapter's own words are unchanged for the code and the English page.
    assert at.session_state["train_result"].message == (
        "Reached 50% accuracy so cancelling training!"
    )


def test_live_view_and_stop_in_bengali(fmnist):
    at = _train_page(subset=5_000, epochs=20, lang="bn")
    at.button(key="train_start").click().run()
    assert not at.exception
    job = at.session_state["train_job"]
    assert at.button(key="train_stop").proto.label == "থামান"
    watch_until(job, lambda: job.latest and job.latest.epoch >= 3, "epochs 1 and 2 finished")
    at.run()  # what the live view shows now
    assert _live_view(at)  # the live view is there: latin_words reads its text, not its markup
    assert latin_words(at) == []
    at.button(key="train_stop").click().run()
    assert not at.exception
    done = len(at.session_state["train_result"].history)
    assert any(
        f"{done} নম্বর পর্বের পর মডেল যেমন ছিল, সেটিই রাখা হয়েছে।" in w.value for w in at.warning
    )
    assert latin_words(at) == []


def test_busy_message_in_bengali(fmnist):
    (x_train, y_train), _ = fmnist
    slot = training_slot()
    other = TrainingJob(
        x_train[:1000],
        y_train[:1000],
        TrainSettings(epochs=500, target_accuracy=None),
        abandon_after_s=600,
    )
    assert slot.start("another-visitor", other)
    # its first figures are in: the message names the epoch
    watch_until(other, lambda: other.latest is not None, "the first figures")
    at = _train_page(lang="bn")
    at.run()
    assert not at.exception
    (info,) = at.info
    assert info.value.startswith("আরেকজন দর্শক এখন একটি মডেল শেখাচ্ছেন (")
    assert "500টির মধ্যে" in info.value and "এক মিনিট পরে আবার চেষ্টা করুন" in info.value
    assert latin_words(at) == []
    assert at.button(key="train_start").disabled
    other.stop(wait_s=60)
