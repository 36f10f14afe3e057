"""AppTest of the Catalogue and Classify pages with a damaged improved-model row chosen in the
database (a card of another version, a card that is not JSON, a model of the wrong shape, bytes
that are no model), and with a database that fails in a way the store did not foresee: both pages
run, both say the shipped model is in use and why, and Go back is always there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_photo_models import PhotoModelStore
from fmnist_demo.catalogue_records import NewRecord
from fmnist_demo.catalogue_schema import PHOTO_MODELS
from fmnist_demo.taught_models import model_to_bytes

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
CATALOGUE = "fmnist_demo/pages/catalogue.py"
CLASSIFY = "fmnist_demo/pages/classify.py"
DAMAGED = ("card_without_after", "card_not_json", "model_of_wrong_shape", "blob_not_a_model")
PHOTO = Path(os.environ.get("FMNIST_PHOTOS_DIR", "missing")) / "1_pants_001.jpg"


def _damage(store: CatalogueStore, kind: str) -> int:
    """One adopted improved-model row, damaged in the way `kind` names; its id."""
    import keras

    from fmnist_demo.model import load_photo_model

    card = {
        "date": "2026-05-03T09:30:00+00:00",
        "records_learnt": 212,
        "before": {"per_kind": {"Bag": [33, 50]}},
        "after": {"per_kind": {"Bag": [41, 50]}},
    }
    if kind == "model_of_wrong_shape":
        layers = [keras.Input((32, 32)), keras.layers.Flatten(), keras.layers.Dense(3)]
        model = model_to_bytes(keras.Sequential(layers))
    elif kind == "blob_not_a_model":
        model = b"PK\x03\x04 not a model at all"
    else:
        model = model_to_bytes(load_photo_model())
    if kind == "card_without_after":  # as another version of the app wrote it
        del card["after"]
    model_id = store.photo_models.save_photo_model(model, card, adopt=True)
    if kind == "card_not_json":
        with store.database.engine.begin() as conn:
            conn.execute(
                sa.update(PHOTO_MODELS).where(PHOTO_MODELS.c.id == model_id).values(card="{oops")
            )
    return model_id


def _texts(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error]
    return "\n".join(p.value for p in parts)


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("kind", DAMAGED)
def test_the_catalogue_says_the_shipped_model_is_in_use_and_goes_back(
    db: CatalogueStore, kind: str
) -> None:
    db.add_many([NewRecord(predicted=1, confidence=0.9, confirmed=1)])
    _damage(db, kind)
    at = _open(CATALOGUE)
    texts = _texts(at)
    assert "Photo model in use: **the shipped photo model" in texts
    assert "The improved photo model chosen in the catalogue (kept on " in texts
    assert "cannot be used" in texts
    assert "This improved model is the photo model every visitor uses." not in texts
    history = next(d.value for d in at.dataframe if "What became of it" in d.value.columns)
    assert history["What became of it"].tolist() == ["Damaged: cannot be used"]
    assert not at.get("selectbox") or not [s for s in at.selectbox if s.key == "teach_choice"]
    at.button(key="teach_back").click().run()  # always reachable
    assert not at.exception
    assert db.photo_models.adopted_photo_model() is None
    assert "Back to the shipped photo model for every visitor." in _texts(at)
    assert "cannot be used" not in _texts(at)


@pytest.mark.parametrize("kind", DAMAGED)
def test_classify_uses_the_shipped_model_and_says_why(db: CatalogueStore, kind: str) -> None:
    from fmnist_demo.pages._photo_model_in_use import _adopted_entry

    _damage(db, kind)
    _adopted_entry.clear()  # as another server process would, within ADOPTED_TTL_S
    at = _open(CLASSIFY)
    assert "Photo model in use: the shipped photo model" in _texts(at)
    (note,) = [i.value for i in at.info if "cannot be used" in i.value]
    assert "go back to the shipped one on the Catalogue page" in note
    if PHOTO.is_file():  # and it classifies a photo
        data = PHOTO.read_bytes()
        at.file_uploader[0].set_value([("pants.jpg", data, "image/jpeg")])
        at.run()
        assert not at.exception and not at.error
        assert "**Trouser**" in at.success[0].value


def test_classify_keeps_working_whatever_the_database_raises(
    db: CatalogueStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmnist_demo.pages._photo_model_in_use import _adopted_entry

    def broken(self: PhotoModelStore) -> None:
        raise RuntimeError("the driver gave up")  # not a CatalogueError

    monkeypatch.setattr(PhotoModelStore, "adopted_photo_model", broken)
    _adopted_entry.clear()  # as another server process would, within ADOPTED_TTL_S
    at = _open(CLASSIFY)
    assert "Photo model in use: the shipped photo model" in _texts(at)
    assert any("database cannot be read just now" in i.value for i in at.info)


def test_both_pages_tell_the_same_story_in_bengali(db: CatalogueStore) -> None:
    from i18n_check import latin_words

    from fmnist_demo.pages._photo_model_in_use import _adopted_entry

    db.add_many([NewRecord(predicted=1, confidence=0.9, confirmed=1)])
    _damage(db, "blob_not_a_model")
    _adopted_entry.clear()  # as another server process would, within ADOPTED_TTL_S
    for page in (CATALOGUE, CLASSIFY):
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["lang"] = "bn"
        at.switch_page(page).run()
        assert not at.exception
        notes = [w.value for w in [*at.warning, *at.info] if "ডেটাবেসে" in w.value]
        assert notes, _texts(at)
        assert latin_words(at) == []
