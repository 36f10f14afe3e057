"""AppTest of the Catalogue page: records show up, filter, edit, delete with confirmation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from fmnist_demo.catalogue import CatalogueStore

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
PAGE = "fmnist_demo/pages/catalogue.py"


def _open_page() -> AppTest:
    # Straight to the page: its st.Page has no custom url_path, so the file name finds it.
    at = AppTest.from_file(APP, default_timeout=30).switch_page(PAGE).run()
    assert not at.exception
    return at


def _seed(store: CatalogueStore) -> dict[str, int]:
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
    return {
        "tee": store.add(predicted=0, confidence=0.91, name="TEE-1", model_input=image),
        "boot": store.add(predicted=9, confidence=0.55, confirmed=7, name="BOOT-2"),
        "bag": store.add(predicted=8, confidence=0.99, name="BAG-3", note="leather"),
    }


def _table(at: AppTest, column: str):
    # st.dataframe without selection keeps no key: find the table by a column only it has.
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def _listed_ids(at: AppTest) -> list[int]:
    return list(_table(at, "photo")["id"])


def test_empty_catalogue_points_to_the_classify_page(db: CatalogueStore) -> None:
    at = _open_page()
    assert "The catalogue is empty" in at.info[0].value
    assert "Classify a photo" in at.info[0].value
    assert not at.dataframe


def test_seeded_records_and_trial_result_show_up(db: CatalogueStore) -> None:
    ids = _seed(db)
    at = _open_page()
    assert _listed_ids(at) == [ids["bag"], ids["boot"], ids["tee"]]  # newest first
    assert any("The model was right for 2 of 3 items (67 %)." in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Items": "3", "Model right": "2", "Corrected by staff": "1"}
    per_class = _table(at, "accuracy")
    assert dict(zip(per_class["class"], per_class["items"], strict=True)) == {
        "T-shirt/top": 1,
        "Sneaker": 1,
        "Bag": 1,
    }
    (chart,) = at.get("vega_lite_chart")
    assert "Corrected" in chart.proto.spec
    assert at.download_button(key="cat_download_csv")
    assert at.download_button(key="cat_download_zip")


def test_filter_by_class_and_search_by_name(db: CatalogueStore) -> None:
    ids = _seed(db)
    at = _open_page()
    at.selectbox(key="cat_filter_class").set_value(7).run()  # the boot was confirmed a Sneaker
    assert not at.exception
    assert _listed_ids(at) == [ids["boot"]]
    at.selectbox(key="cat_filter_class").set_value(None)
    at.text_input(key="cat_search").input("bag").run()
    assert _listed_ids(at) == [ids["bag"]]
    at.text_input(key="cat_search").input("nothing like this").run()
    assert not at.exception
    assert "No records match" in at.info[0].value


def test_edit_persists(db: CatalogueStore) -> None:
    ids = _seed(db)
    at = _open_page()
    at.selectbox(key="cat_edit_id").set_value(ids["tee"]).run()
    rid = ids["tee"]
    at.selectbox(key=f"cat_edit_class_{rid}").set_value(6)
    at.text_input(key=f"cat_edit_name_{rid}").input("SHIRT-9")
    at.text_area(key=f"cat_edit_note_{rid}").input("was a shirt")
    at.button(key=f"cat_edit_save_{rid}").click().run()
    assert not at.exception
    assert f"Record #{rid} saved." in at.success[0].value
    record = db.get(rid)
    assert (record.confirmed, record.name, record.note) == (6, "SHIRT-9", "was a shirt")
    assert "The model was right for 1 of 3 items" in " ".join(m.value for m in at.markdown)


def test_edit_with_a_bad_value_keeps_what_was_typed(db: CatalogueStore) -> None:
    ids = _seed(db)
    at = _open_page()
    rid = at.selectbox(key="cat_edit_id").value
    at.text_input(key=f"cat_edit_name_{rid}").input("line one\tline two")
    at.button(key=f"cat_edit_save_{rid}").click().run()
    assert "single line" in at.error[0].value
    assert at.text_input(key=f"cat_edit_name_{rid}").value == "line one\tline two"
    assert rid == ids["bag"]  # the newest record is picked first
    assert db.get(rid).name == "BAG-3"


def test_delete_asks_first_then_removes(db: CatalogueStore) -> None:
    ids = _seed(db)
    at = _open_page()
    at.selectbox(key="cat_edit_id").set_value(ids["boot"]).run()
    at.button(key="cat_delete").click().run()
    assert "cannot be undone" in at.warning[0].value
    assert db.count() == 3  # nothing gone yet
    at.button(key="cat_delete_cancel").click().run()
    assert not at.warning
    assert db.count() == 3

    at.button(key="cat_delete").click().run()
    at.button(key="cat_delete_confirm").click().run()
    assert not at.exception
    assert f"Record #{ids['boot']} deleted." in at.success[0].value
    assert db.count() == 2
    assert _listed_ids(at) == [ids["bag"], ids["tee"]]


def test_records_survive_a_new_session(db: CatalogueStore) -> None:
    ids = _seed(db)
    _open_page()
    again = _open_page()  # a page reload: a fresh session reads the same file
    assert sorted(_listed_ids(again)) == sorted(ids.values())


def test_a_sql_connection_in_the_secrets_is_used(db: CatalogueStore, tmp_path: Path) -> None:
    _seed(db)  # the default file, which the secrets must override
    elsewhere = tmp_path / "hosted.sqlite3"
    with CatalogueStore(f"sqlite:///{elsewhere}") as hosted:
        only = hosted.add(predicted=3, confidence=0.7, name="HOSTED-1")
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["connections"] = {"sql": {"url": f"sqlite:///{elsewhere}"}}
    at.switch_page(PAGE).run()
    assert not at.exception
    assert _listed_ids(at) == [only]
