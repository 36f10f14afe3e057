"""AppTest of the Catalogue page, on SQLite and on PostgreSQL: records, filters, editing with
versions (two sessions at once, an edit racing a delete), the bin, the staff passcode, database
faults (a failure after the first query, a locked file, a read-only database), plain text; and
the page in Bengali."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from apptest import open_app
from i18n_check import latin_words
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_access import SERVER_BURST, PasscodeGate, passcode_digest
from fmnist_demo.catalogue_database import DB_ENV_VAR

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
PAGE = "fmnist_demo/pages/catalogue.py"
ANYONE = "Anyone who can open this app can add, change, delete and download records"


def _open_page(secrets: dict | None = None, lang: str | None = None) -> AppTest:
    # Straight to the page: its st.Page has no custom url_path, so the file name finds it.
    return open_app(PAGE, lang=lang, secrets=secrets)


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


def _texts(at: AppTest) -> str:
    """Every piece of Markdown-rendered text on the page."""
    parts = [
        *at.markdown,
        *at.caption,
        *at.success,
        *at.info,
        *at.warning,
        *at.error,
        *at.get("subheader"),
    ]
    return "\n".join(str(p.value) for p in parts)


def _edit(at: AppTest, record_id: int, **typed) -> AppTest:
    """Pick a record (unless picked already), type into its form, press Save changes: one run,
    as in a browser, where typing in a form sends nothing until the button is pressed."""
    if at.selectbox(key="cat_edit_id").value != record_id:
        at.selectbox(key="cat_edit_id").set_value(record_id).run()
    if "confirmed" in typed:
        at.selectbox(key=f"cat_edit_class_{record_id}").set_value(typed["confirmed"])
    if "name" in typed:
        at.text_input(key=f"cat_edit_name_{record_id}").input(typed["name"])
    if "note" in typed:
        at.text_area(key=f"cat_edit_note_{record_id}").input(typed["note"])
    return at.button(key=f"cat_edit_save_{record_id}").click().run()


def _no_fault_box(at: AppTest) -> None:
    assert not at.exception  # Streamlit's generic error box


# -- records, filters, editing ------------------------------------------------------------------


def test_empty_catalogue_points_to_the_classify_page(any_db: CatalogueStore) -> None:
    at = _open_page()
    assert "The catalogue is empty" in at.info[0].value
    assert "Classify a photo" in at.info[0].value
    assert not at.dataframe


def test_seeded_records_and_trial_result_show_up(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    at = _open_page()
    assert _listed_ids(at) == [ids["bag"], ids["boot"], ids["tee"]]  # newest first
    table = _table(at, "photo")
    assert table.columns[0] == "kind"  # a phone shows the kind first
    assert list(table["kind"]) == ["Bag", "Sneaker", "T-shirt/top"]
    assert list(table["confidence"]) == ["99\u00a0%", "55\u00a0%", "91\u00a0%"]
    assert any("The model was right for 2 of 3 items (67\u00a0%)." in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Items": "3", "Model right": "2", "Corrected by staff": "1"}
    (bars,) = [h.value for h in at.html if "fm-trial" in h.value]
    kinds = re.findall(r'role="listitem"><div class="fm-line"><span>(.*?)</span>', bars)
    assert kinds == ["T-shirt/top", "Sneaker", "Bag"]  # the kinds with items, dataset's order
    said = re.findall(r'<span class="fm-count">(.*?)</span>', bars)
    assert said == [
        "1 of 1 right (100\u00a0%)",
        "0 of 1 right (0\u00a0%)",
        "1 of 1 right (100\u00a0%)",
    ]
    assert not at.get("vega_lite_chart")  # no chart library to load on a phone
    assert at.download_button(key="cat_download_csv")
    assert at.button(key="cat_zip")


def test_no_database_address_and_no_readme_pointer_for_staff(any_db: CatalogueStore) -> None:
    _seed(any_db)
    at = _open_page()
    shown = _texts(at)
    assert "README" not in shown
    assert "sqlite" not in shown.lower() and "postgresql+" not in shown
    assert any_db.url not in shown
    (hosting,) = [e for e in at.expander if e.label == "For whoever hosts this app"]
    assert not hosting.proto.expanded


def test_filter_by_class_and_search_by_name(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    at = _open_page()
    at.selectbox(key="cat_filter_class").set_value(7).run()  # the boot was confirmed a Sneaker
    assert not at.exception
    assert _listed_ids(at) == [ids["boot"]]
    at.selectbox(key="cat_filter_class").set_value(None)
    at.text_input(key="cat_search").input("bag").run()
    assert _listed_ids(at) == [ids["bag"]]
    at.text_input(key="cat_search").input("nothing like this").run()
    assert not at.exception
    assert any("No records match" in i.value for i in at.info)


def test_edit_persists(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    rid = ids["tee"]
    at = _edit(_open_page(), rid, confirmed=6, name="SHIRT-9", note="was a shirt")
    assert not at.exception
    assert f"Record #{rid} saved." in at.success[0].value
    record = any_db.get(rid)
    assert (record.confirmed, record.name, record.note) == (6, "SHIRT-9", "was a shirt")
    assert "The model was right for 1 of 3 items" in " ".join(m.value for m in at.markdown)
    assert at.text_input(key=f"cat_edit_name_{rid}").value == "SHIRT-9"


def test_edit_with_a_bad_value_keeps_what_was_typed(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    at = _open_page()
    rid = at.selectbox(key="cat_edit_id").value
    assert rid == ids["bag"]  # the newest record is picked first
    at.text_input(key=f"cat_edit_name_{rid}").input("line one\tline two")
    at.button(key=f"cat_edit_save_{rid}").click().run()
    assert "single line" in at.error[0].value
    assert at.text_input(key=f"cat_edit_name_{rid}").value == "line one\tline two"
    assert any_db.get(rid).name == "BAG-3"


def test_records_survive_a_new_session(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    _open_page()
    again = _open_page()  # a page reload: a fresh session reads the same database
    assert sorted(_listed_ids(again)) == sorted(ids.values())


# -- two staff at once --------------------------------------------------------------------------


def test_two_sessions_editing_one_record_keep_both_changes(any_db: CatalogueStore) -> None:
    rid = _seed(any_db)["boot"]
    anna, ben = _open_page(), _open_page()
    for at in (anna, ben):
        at.selectbox(key="cat_edit_id").set_value(rid).run()
    _edit(anna, rid, note="left shoe only")
    _edit(ben, rid, confirmed=9)  # Ben's form still holds the old, empty note
    _no_fault_box(ben)
    assert f"Record #{rid} saved." in ben.success[0].value
    record = any_db.get(rid)
    assert (record.confirmed, record.note) == (9, "left shoe only")


def test_the_same_field_changed_by_two_sessions_is_refused_keeping_what_was_typed(
    any_db: CatalogueStore,
) -> None:
    rid = _seed(any_db)["bag"]
    anna, ben = _open_page(), _open_page()
    _edit(anna, rid, name="BAG-3 brown")
    _edit(ben, rid, name="BAG-3 black", note="typed by Ben")
    _no_fault_box(ben)
    assert "Someone else changed the name of record" in ben.error[0].value
    assert "not saved" in ben.error[0].value
    both = _table(ben, "theirs")  # both versions side by side
    assert list(both["theirs"]) == ["Bag", "BAG-3 brown", "leather"]
    assert list(both["yours"]) == ["Bag", "BAG-3 black", "typed by Ben"]
    assert ben.text_input(key=f"cat_edit_name_{rid}").value == "BAG-3 black"
    assert ben.text_area(key=f"cat_edit_note_{rid}").value == "typed by Ben"
    assert any_db.get(rid).name == "BAG-3 brown"

    ben.button(key=f"cat_edit_save_{rid}").click().run()  # "keep mine", having seen theirs
    assert f"Record #{rid} saved." in ben.success[0].value
    record = any_db.get(rid)
    assert (record.name, record.note) == ("BAG-3 black", "typed by Ben")


def test_take_theirs_refills_the_form(any_db: CatalogueStore) -> None:
    rid = _seed(any_db)["bag"]
    anna, ben = _open_page(), _open_page()
    _edit(anna, rid, name="BAG-3 brown")
    _edit(ben, rid, name="BAG-3 black")
    ben.button(key="cat_take_theirs").click().run()
    assert not ben.error
    assert ben.text_input(key=f"cat_edit_name_{rid}").value == "BAG-3 brown"


def test_an_edit_racing_a_delete_keeps_what_was_typed_and_can_restore(
    any_db: CatalogueStore,
) -> None:
    rid = _seed(any_db)["tee"]
    anna = _open_page()
    anna.selectbox(key="cat_edit_id").set_value(rid).run()
    any_db.delete(rid)  # someone else deletes it meanwhile
    _edit(anna, rid, name="TEE-1 white", note="typed by Anna")
    _no_fault_box(anna)
    assert f"Record #{rid} was deleted by someone else" in anna.warning[0].value
    kept = _table(anna, "yours")
    assert list(kept["yours"]) == ["T-shirt/top", "TEE-1 white", "typed by Anna"]

    anna.button(key="cat_orphan_save").click().run()
    assert f"Record #{rid} is back, with your changes." in anna.success[0].value
    record = any_db.get(rid)
    assert (record.name, record.note, record.deleted_at) == ("TEE-1 white", "typed by Anna", None)


# -- every action hits the record shown ---------------------------------------------------------


class _ShownLabel(Selectbox):
    """The picker sending back the label a browser shows, not the label its value has now."""

    shown = ""

    @property
    def _widget_state(self) -> WidgetState:
        state = WidgetState(id=self.id)
        state.string_value = self.shown
        return state


class BrowserPicker:
    """The record picker as a browser keeps it. A browser shows, and sends back with every action,
    the label last picked or last set by the server; when a record's label changes on the server
    (a new kind or name), the browser keeps the old text unless the server sets the value again.
    AppTest alone would send the new label, and so miss what a person's browser does."""

    def __init__(self, at: AppTest) -> None:
        self.at = at
        self.shown: str | None = None
        self._seen()

    def _element(self) -> Selectbox:
        return self.at.selectbox(key="cat_edit_id")

    def _seen(self) -> None:
        proto = self._element().proto
        if proto.set_value:
            self.shown = proto.raw_value
        elif self.shown is None:
            self.shown = proto.options[proto.default]

    def run(self) -> AppTest:
        """Run the page (after a click or typing) with what the browser sends."""
        element = self._element()
        element.__class__ = _ShownLabel
        element.shown = self.shown
        self.at.run()
        assert not self.at.exception
        self._seen()
        return self.at

    def pick(self, record_id: int) -> AppTest:
        """Pick a record in the list, as a person does."""
        element = self._element()
        element.set_value(record_id)
        self.shown = element.options[element.index]
        return self.run()

    def save(self, record_id: int, **typed) -> AppTest:
        """Type into the record's form and press Save changes."""
        if "confirmed" in typed:
            self.at.selectbox(key=f"cat_edit_class_{record_id}").set_value(typed["confirmed"])
        if "name" in typed:
            self.at.text_input(key=f"cat_edit_name_{record_id}").input(typed["name"])
        if "note" in typed:
            self.at.text_area(key=f"cat_edit_note_{record_id}").input(typed["note"])
        self.at.button(key=f"cat_edit_save_{record_id}").click()
        return self.run()

    def press(self, key: str) -> AppTest:
        self.at.button(key=key).click()
        return self.run()

    def delete(self) -> str:
        """Delete this record…, then Yes: the question that was asked."""
        self.press("cat_delete")
        (question,) = [w.value for w in self.at.warning if "to the bin?" in w.value]
        self.press("cat_delete_confirm")
        return question


def _ten(store: CatalogueStore) -> list[int]:
    """Ten records, as on the trial's phone: the eighth one a Coat."""
    ids = [store.add(predicted=k, confidence=0.8, name=f"ITEM-{k + 1}") for k in range(10)]
    assert store.get(ids[7]).confirmed == 7
    store.update(ids[7], based_on=store.get(ids[7]), confirmed=4, name="")  # #8 · Coat
    return ids


def _binned(store: CatalogueStore, ids: list[int]) -> list[int]:
    return [i for i in ids if store.get(i, include_deleted=True).deleted_at is not None]


def _label(at: AppTest) -> str:
    """The picker's text as the browser shows it once the run's values have arrived."""
    picker = at.selectbox(key="cat_edit_id")
    return picker.proto.raw_value if picker.proto.set_value else picker.options[picker.index]


def test_a_delete_after_a_new_kind_hits_the_record_shown(any_db: CatalogueStore) -> None:
    # Issue 23, as seen on a phone: pick #8 (Coat), make it a Pullover, save, then delete.
    ids = _ten(any_db)
    coat = ids[7]
    browser = BrowserPicker(_open_page())
    browser.pick(coat)
    at = browser.save(coat, confirmed=2)
    assert f"Record #{coat} saved." in at.success[0].value
    assert any_db.get(coat).confirmed == 2
    assert browser.shown == f"#{coat} · Pullover"  # the browser is told the new label
    assert at.selectbox(key="cat_edit_id").value == coat
    assert browser.delete().startswith(f"Move record #{coat} to the bin?")
    assert _binned(any_db, ids) == [coat]


def test_a_new_name_then_a_note_then_delete_all_hit_the_record_shown(
    any_db: CatalogueStore,
) -> None:
    ids = _ten(any_db)
    rid = ids[3]
    browser = BrowserPicker(_open_page())
    browser.pick(rid)
    browser.save(rid, name="SKU-1042")
    browser.save(rid, note="second look")  # the label changed with the name in between
    record = any_db.get(rid)
    assert (record.name, record.note) == ("SKU-1042", "second look")
    assert browser.delete().startswith(f"Move record #{rid} to the bin?")
    assert _binned(any_db, ids) == [rid]


def test_delete_then_undo_then_save_all_hit_the_record_shown(any_db: CatalogueStore) -> None:
    ids = _ten(any_db)
    rid = ids[7]
    browser = BrowserPicker(_open_page())
    browser.pick(rid)
    browser.save(rid, confirmed=2)  # a new kind first: the label the browser shows is old
    browser.delete()
    at = browser.at
    assert f"Record #{rid} moved to the bin." in at.success[0].value
    after = at.selectbox(key="cat_edit_id").value
    assert after == ids[6]  # the editor moves on to the next record in the list (newest first)
    assert _label(at).startswith(f"#{after} ·")
    at = browser.press("cat_undo")
    assert f"Record #{rid} is back." in at.success[0].value
    assert at.selectbox(key="cat_edit_id").value == rid  # back in the editor where Undo was
    assert _label(at) == f"#{rid} · Pullover"
    browser.save(rid, note="undone, then noted")
    assert any_db.get(rid).note == "undone, then noted"
    assert all(any_db.get(i).note == "" for i in ids if i != rid)
    assert _binned(any_db, ids) == []


def test_a_kind_change_that_takes_the_record_out_of_the_filter(any_db: CatalogueStore) -> None:
    ids = _ten(any_db)
    coat = ids[7]
    browser = BrowserPicker(_open_page())
    browser.at.selectbox(key="cat_filter_class").set_value(4)  # Coats only: #5 and #8
    at = browser.run()
    assert at.selectbox(key="cat_edit_id").value == coat  # the newest listed is shown
    browser.pick(ids[4])
    browser.pick(coat)
    at = browser.save(coat, confirmed=2)  # now a Pullover: it leaves the Coats
    assert any_db.get(coat).confirmed == 2
    assert at.selectbox(key="cat_edit_id").value == ids[4]
    assert _label(at).startswith(f"#{ids[4]} ·")  # what the browser shows is what is picked
    browser.save(ids[4], note="the other coat")
    assert any_db.get(ids[4]).note == "the other coat"
    assert any_db.get(coat).note == ""
    browser.at.selectbox(key="cat_filter_class").set_value(None)  # all kinds again
    at = browser.run()
    assert at.selectbox(key="cat_edit_id").value == ids[4]
    assert browser.delete().startswith(f"Move record #{ids[4]} to the bin?")
    assert _binned(any_db, ids) == [ids[4]]


def test_the_records_table_numbers_each_row_and_marks_the_record_picked(
    any_db: CatalogueStore,
) -> None:
    ids = _ten(any_db)
    at = _open_page()
    assert list(_table(at, "photo")["id"]) == ids[::-1]
    browser = BrowserPicker(at)
    at = browser.pick(ids[7])
    (table,) = [d for d in at.dataframe if "photo" in d.value.columns]
    assert '"rows": [2]' in table.proto.selection_state  # #8 is the third row, newest first
    at = browser.save(ids[7], confirmed=2)
    (table,) = [d for d in at.dataframe if "photo" in d.value.columns]
    assert list(table.value["kind"])[2] == "Pullover"


# -- deleting and the bin -----------------------------------------------------------------------


def test_delete_asks_first_moves_to_the_bin_and_can_be_undone(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    at = _open_page()
    at.selectbox(key="cat_edit_id").set_value(ids["boot"]).run()
    at.button(key="cat_delete").click().run()
    assert "restored from the bin" in at.warning[0].value
    assert any_db.count() == 3  # nothing gone yet
    at.button(key="cat_delete_cancel").click().run()
    assert not at.warning
    assert any_db.count() == 3

    at.button(key="cat_delete").click().run()
    at.button(key="cat_delete_confirm").click().run()
    assert not at.exception
    assert f"Record #{ids['boot']} moved to the bin." in at.success[0].value
    assert any_db.count() == 2
    assert _listed_ids(at) == [ids["bag"], ids["tee"]]
    assert any(e.label.startswith("Bin: 1 deleted record") for e in at.expander)

    at.button(key="cat_undo").click().run()
    assert f"Record #{ids['boot']} is back." in at.success[0].value
    assert sorted(_listed_ids(at)) == sorted(ids.values())


def test_a_record_in_the_bin_can_be_restored_later(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    any_db.delete(ids["tee"])
    at = _open_page()
    assert ids["tee"] not in _listed_ids(at)
    at.button(key=f"cat_restore_{ids['tee']}").click().run()
    assert not at.exception
    assert ids["tee"] in _listed_ids(at)


# -- the staff passcode -------------------------------------------------------------------------


def _passcode() -> str:
    # A new passcode per test: each has its own server-wide gate (and its own wrong-try pause).
    return f"tulip-{uuid.uuid4().hex[:8]}"


def test_without_a_passcode_anyone_can_change_and_the_page_says_so(
    any_db: CatalogueStore,
) -> None:
    _seed(any_db)
    at = _open_page()
    assert ANYONE in _texts(at)
    assert not [t for t in at.text_input if t.label == "Staff passcode"]
    assert at.button(key="cat_delete") and at.download_button(key="cat_download_csv")


def test_with_a_passcode_viewing_is_open_but_changing_needs_it(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    passcode = _passcode()
    at = _open_page({"catalogue": {"passcode": passcode}})
    assert sorted(_listed_ids(at)) == sorted(ids.values())  # anyone may look
    assert "need the staff passcode" in _texts(at)
    assert ANYONE not in _texts(at)
    assert not [b for b in at.button if b.key in ("cat_delete", "cat_zip")]
    assert not at.download_button
    assert not [s for s in at.selectbox if s.key == "cat_edit_id"]
    (box,) = [t for t in at.text_input if t.label == "Staff passcode"]
    assert box.proto.type == box.proto.PASSWORD
    assert [b.label for b in at.button if b.key == "cat-unlock"] == ["Unlock"]


def test_the_right_passcode_unlocks_for_the_visit(any_db: CatalogueStore) -> None:
    ids = _seed(any_db)
    passcode = _passcode()
    at = _open_page({"catalogue": {"passcode": passcode}})
    at.text_input(key="cat-passcode").input(passcode)
    at.button(key="cat-unlock").click().run()
    assert not at.exception
    assert not at.error
    assert "Unlocked for this visit" in _texts(at)
    assert at.download_button(key="cat_download_csv")
    _edit(at, ids["tee"], note="unlocked")
    assert any_db.get(ids["tee"]).note == "unlocked"
    at.switch_page("fmnist_demo/pages/home.py").run()
    at.switch_page(PAGE).run()  # still unlocked after visiting another page
    assert at.button(key="cat_delete")
    at.button(key="cat_lock").click().run()  # and locked again on request
    assert not [b for b in at.button if b.key == "cat_delete"]


def _frozen_gate(passcode: str) -> PasscodeGate:
    """The server's gate for this passcode, on a clock that stands still: waits never run out."""
    from fmnist_demo.pages._staff_lock import _gate

    gate = _gate(passcode_digest(passcode))
    frozen = time.monotonic()
    gate.clock = lambda: frozen
    return gate


def _unlock(at: AppTest, entered: str) -> AppTest:
    at.text_input(key="cat-passcode").input(entered)
    at.button(key="cat-unlock").click().run()
    assert not at.exception
    return at


def test_a_wrong_passcode_is_refused_and_that_visitor_paused(any_db: CatalogueStore) -> None:
    _seed(any_db)
    passcode = _passcode()
    _frozen_gate(passcode)
    at = _unlock(_open_page({"catalogue": {"passcode": passcode}}), "tulip-wrong")
    assert "That is not the staff passcode" in at.error[0].value
    assert "try again in 1 second" in at.error[0].value
    assert not [b for b in at.button if b.key == "cat_delete"]
    _unlock(at, passcode)  # moments later, even the right passcode waits
    assert "then try again" in " ".join(m.value for m in at.warning)
    assert not [b for b in at.button if b.key == "cat_delete"]


def test_a_strangers_wrong_tries_do_not_keep_staff_out(any_db: CatalogueStore) -> None:
    # Before: one wait for the whole server, so staff got "too soon" after a stranger's try.
    _seed(any_db)
    passcode = _passcode()
    _frozen_gate(passcode)
    stranger = _unlock(_open_page({"catalogue": {"passcode": passcode}}), "1234")
    assert "That is not the staff passcode" in stranger.error[0].value
    staff = _unlock(_open_page({"catalogue": {"passcode": passcode}}), passcode)
    assert not staff.warning and not staff.error
    assert "Unlocked for this visit" in _texts(staff)
    assert staff.button(key="cat_delete")


def test_when_many_wrong_tries_were_made_tries_take_turns(any_db: CatalogueStore) -> None:
    _seed(any_db)
    passcode = _passcode()
    gate = _frozen_gate(passcode)
    for n in range(SERVER_BURST):  # strangers spend the server's wrong tries
        gate.check(f"{n:04d}", passcode, visitor=f"stranger-{n}")
    at = _unlock(_open_page({"catalogue": {"passcode": passcode}}), passcode)
    said = " ".join(m.value for m in at.warning)
    assert "tries take turns" in said and "keep your place in line" in said
    assert not [b for b in at.button if b.key == "cat_delete"]
    gate.clock = lambda: time.monotonic() + 3600  # an hour later the budget has refilled
    _unlock(at, passcode)
    assert "Unlocked for this visit" in _texts(at)


# -- database faults ----------------------------------------------------------------------------


def test_a_failure_after_the_first_query_is_one_plain_message(any_db: CatalogueStore) -> None:
    _seed(any_db)
    # the count still works; reading the records does not
    with any_db.database.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE catalogue_items DROP COLUMN note")
    at = _open_page()
    _no_fault_box(at)
    (message,) = at.error
    assert "The catalogue cannot be shown just now" in message.value
    assert "Nothing you saved is lost" in message.value
    assert not at.dataframe and not at.selectbox  # no half page under the message


def test_a_sql_connection_in_the_secrets_is_used(
    any_db: CatalogueStore, catalogue_url: str, tmp_path: Path
) -> None:
    _seed(any_db)  # the default database, which the secrets must override
    elsewhere = f"sqlite:///{tmp_path / 'hosted.sqlite3'}"
    with CatalogueStore(elsewhere) as hosted:
        only = hosted.add(predicted=3, confidence=0.7, name="HOSTED-1")
    at = _open_page({"connections": {"sql": {"url": elsewhere}}})
    assert _listed_ids(at) == [only]


def test_a_locked_sqlite_file_answers_within_seconds(db: CatalogueStore) -> None:
    rid = _seed(db)["tee"]
    at = _open_page()
    holder = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        at.default_timeout = 20  # the save used to wait about two minutes
        _edit(at, rid, name="TEE-1 typed")
        _no_fault_box(at)
        assert "busy" in at.error[0].value and "still in the form" in at.error[0].value
        assert at.text_input(key=f"cat_edit_name_{rid}").value == "TEE-1 typed"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    at.button(key=f"cat_edit_save_{rid}").click().run()
    assert db.get(rid).name == "TEE-1 typed"


def _read_only_url(catalogue_url: str) -> str:
    url = sa.make_url(catalogue_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as conn:  # as a copied file is: no WAL
            conn.execute("PRAGMA journal_mode = DELETE")
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    options = url.query["options"] + " -cdefault_transaction_read_only=on"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_a_read_only_database_is_viewed_and_exported(
    any_db: CatalogueStore, catalogue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _seed(any_db)
    any_db.close()
    monkeypatch.setenv(DB_ENV_VAR, _read_only_url(catalogue_url))
    at = _open_page()
    _no_fault_box(at)
    assert not at.error
    assert sorted(_listed_ids(at)) == sorted(ids.values())
    assert "may only be read just now" in at.info[0].value
    csv = at.download_button(key="cat_download_csv")
    assert csv.label.startswith("Download CSV")
    assert not [b for b in at.button if b.key == "cat_delete"]
    at.button(key="cat_zip").click().run()
    assert at.download_button(key="cat_download_zip")


# -- names are text -----------------------------------------------------------------------------

INJECTED = "![pwn](https://evil.example/p.png) [click me](https://evil.example) :red[**RED**]"


def test_markdown_in_a_name_is_shown_as_text(any_db: CatalogueStore) -> None:
    rid = any_db.add(predicted=1, confidence=0.5, name=INJECTED[:80], note="[x](https://e.x)")
    other = any_db.add(predicted=2, confidence=0.5, name=INJECTED[:80])
    any_db.delete(other)  # the bin lists names too
    at = _open_page()
    at.selectbox(key="cat_edit_id").set_value(rid).run()
    at.button(key="cat_delete").click().run()
    shown = _texts(at)
    assert "](https://evil" not in shown and ":red[" not in shown
    assert "://" not in shown  # a bare address would become a link by itself
    assert "pwn" in shown  # the name is shown, as text
    assert "![" not in shown.replace("\\!\\[", "")


def test_plain_keeps_user_text_out_of_markdown() -> None:
    from fmnist_demo.markdown_text import ZERO_WIDTH_SPACE, plain

    assert plain("SKU-1042 blue tee, 50% off") == "SKU-1042 blue tee, 50% off"
    assert plain("**bold** _it_ `code` $x$ <b>") == (
        "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\$x\\$ \\<b\\>"
    )
    assert plain("two\nlines") == "two lines"
    assert plain("see www.evil.com, me@evil.com") == (
        f"see www{ZERO_WIDTH_SPACE}.evil.com, me@{ZERO_WIDTH_SPACE}evil.com"
    )


# -- PostgreSQL through st.connection, as the README sets it up ---------------------------------


def test_st_connection_survives_the_server_dropping_idle_connections(
    postgres_url: str, postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import terminate_connections

    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "not-this.sqlite3"))
    with CatalogueStore(postgres_url) as seeding:
        ids = _seed(seeding)
    app_name = sa.make_url(postgres_url).query["application_name"]
    at = _open_page({"connections": {"sql": {"url": postgres_url}}})
    assert sorted(_listed_ids(at)) == sorted(ids.values())
    assert terminate_connections(postgres_server, app_name) >= 1  # the host drops idle ones
    at.run()  # the next visit
    _no_fault_box(at)
    assert not at.error
    assert sorted(_listed_ids(at)) == sorted(ids.values())
    assert terminate_connections(postgres_server, app_name) >= 1
    _edit(at, ids["tee"], note="saved after the drop")  # and a save at that moment
    _no_fault_box(at)
    assert f"Record #{ids['tee']} saved." in at.success[0].value
    with CatalogueStore(postgres_url) as check:
        assert check.get(ids["tee"]).note == "saved after the drop"


# -- in Bengali ---------------------------------------------------------------------------------


def _seed_bengali(store: CatalogueStore) -> dict[str, int]:
    # Names and notes staff type are their own words: Bengali and digits, so that every Latin
    # word left on the page would be the app's.
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
    return {
        "tee": store.add(predicted=0, confidence=0.91, name="টি-১০৪২", model_input=image),
        "boot": store.add(predicted=9, confidence=0.55, confirmed=7, name="জুতো-২", note="বাঁ"),
        "bag": store.add(predicted=8, confidence=0.998, name="ব্যাগ-৩"),
    }


def test_the_page_in_bengali_locked_then_unlocked_with_records_and_the_bin(
    db: CatalogueStore, bengali
) -> None:
    ids = _seed_bengali(db)
    db.delete(ids["bag"])
    passcode = _passcode()
    at = _open_page({"catalogue": {"passcode": passcode}}, lang="bn")
    assert latin_words(at) == []
    assert at.title[0].value == "ক্যাটালগ"
    assert at.text_input(key="cat-passcode").label == "কর্মীদের পাসকোড"
    assert "2টি জিনিসের মধ্যে 1টিতে মডেল ঠিক বলেছে (50\u00a0%)।" in _texts(at)

    at.text_input(key="cat-passcode").input(passcode)
    at.button(key="cat-unlock").click().run()
    assert not at.exception
    assert latin_words(at) == []
    table = _table(at, "photo")
    assert list(table["kind"]) == ["স্নিকার", "টি-শার্ট/টপ"]
    assert list(table["model"]) == ["অ্যাঙ্কেল বুট, 55\u00a0%", "টি-শার্ট/টপ, 91\u00a0%"]
    assert [e.label for e in at.expander if e.label.startswith("ঝুড়ি")] == ["ঝুড়ি: মোছা রেকর্ড 1টি"]
    assert "এবারের জন্য খোলা হয়েছে" in _texts(at)
    assert at.download_button(key="cat_download_csv").label == "CSV ডাউনলোড করুন (স্প্রেডশিটের জন্য)"

    at.selectbox(key="cat_edit_id").set_value(ids["boot"]).run()
    at.button(key="cat_delete").click().run()
    assert "ঝুড়িতে সরাবেন? 30 দিন পর্যন্ত" in at.warning[0].value
    assert latin_words(at) == []
    at.button(key="cat_delete_confirm").click().run()
    assert not at.exception
    assert f"রেকর্ড #{ids['boot']} ঝুড়িতে সরানো হয়েছে।" in at.success[0].value
    assert at.button(key="cat_undo").label == "ফিরিয়ে আনুন"
    assert latin_words(at) == []
    at.button(key="cat_undo").click().run()
    assert f"রেকর্ড #{ids['boot']} ফিরে এসেছে।" in at.success[0].value
    assert db.count() == 2


def test_a_conflict_in_bengali_shows_both_versions(db: CatalogueStore, bengali) -> None:
    rid = _seed_bengali(db)["tee"]
    anna, ben = _open_page(lang="bn"), _open_page(lang="bn")
    for at in (anna, ben):
        at.selectbox(key="cat_edit_id").set_value(rid).run()
    _edit(anna, rid, name="টি-সাদা")
    _edit(ben, rid, name="টি-কালো", note="বেনের লেখা")
    _no_fault_box(ben)
    assert ben.error[0].value.startswith(f"আপনি রেকর্ড #{rid} খোলার পর অন্য কেউ এর নাম বদলেছেন।")
    assert "আবার “পরিবর্তন সংরক্ষণ করুন” চাপুন" in ben.error[0].value
    both = _table(ben, "theirs")
    assert list(both["field"]) == ["ধরন", "নাম", "নোট"]
    assert list(both["theirs"]) == ["টি-শার্ট/টপ", "টি-সাদা", ""]
    assert list(both["yours"]) == ["টি-শার্ট/টপ", "টি-কালো", "বেনের লেখা"]
    assert ben.button(key="cat_take_theirs").label == "অন্যজনেরটা নিন"
    assert latin_words(ben) == []


def test_an_edit_racing_a_delete_in_bengali(db: CatalogueStore, bengali) -> None:
    rid = _seed_bengali(db)["tee"]
    anna = _open_page(lang="bn")
    anna.selectbox(key="cat_edit_id").set_value(rid).run()
    db.delete(rid)
    _edit(anna, rid, note="আনার লেখা")
    _no_fault_box(anna)
    assert anna.warning[0].value.startswith(f"আপনি বদলানোর সময় অন্য কেউ রেকর্ড #{rid} মুছে")
    assert latin_words(anna) == []
    anna.button(key="cat_orphan_save").click().run()
    assert f"রেকর্ড #{rid} আপনার পরিবর্তনসহ ফিরে এসেছে।" in anna.success[0].value
    assert db.get(rid).note == "আনার লেখা"


def test_an_empty_catalogue_and_a_wrong_passcode_in_bengali(db: CatalogueStore, bengali) -> None:
    at = _open_page(lang="bn")
    assert latin_words(at) == []
    assert "**ছবি চেনানো** পাতায়" in at.info[0].value
    assert "**ক্যাটালগে যোগ করুন** চাপুন" in at.info[0].value

    db.add(predicted=3, confidence=0.7, name="৭")
    at = _open_page({"catalogue": {"passcode": _passcode()}}, lang="bn")
    at.text_input(key="cat-passcode").input("ভুল")
    at.button(key="cat-unlock").click().run()
    assert not at.exception
    assert at.error[0].value == "এটি কর্মীদের পাসকোড নয়। 1 সেকেন্ড পরে আবার চেষ্টা করতে পারবেন।"
    assert latin_words(at) == []


def test_a_database_fault_in_bengali_is_one_plain_message(db: CatalogueStore, bengali) -> None:
    _seed_bengali(db)
    with db.database.engine.begin() as conn:  # the count still works; reading the records does not
        conn.exec_driver_sql("ALTER TABLE catalogue_items DROP COLUMN note")
    at = _open_page(lang="bn")
    _no_fault_box(at)
    (message,) = at.error
    assert message.value.startswith("ক্যাটালগটি এই মুহূর্তে দেখানো যাচ্ছে না। ক্যাটালগ ")
    assert message.value.endswith("আপনার সংরক্ষণ করা কিছুই হারায়নি। একটু পরে পাতাটি আবার লোড করে চেষ্টা করুন।")
    assert latin_words(at) == []


def test_people_read_kind_never_class() -> None:
    # Issue 23: the save table's help said "Correct the class"; everywhere else says "kind".
    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "fmnist_demo/locale/en/LC_MESSAGES/fmnist_demo.po"
    with po.open("rb") as source:
        catalog = read_po(source)
    texts = [
        text
        for message in catalog
        if message.id
        for text in (message.id if isinstance(message.id, tuple) else (message.id,))
    ]
    assert len(texts) > 100
    assert [t for t in texts if re.search(r"\bclass(es)?\b", t, re.IGNORECASE)] == []
