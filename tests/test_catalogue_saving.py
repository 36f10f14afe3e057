"""Unit tests of saving classified photos, without a page: where an item stands from the person's
choices, the kind buttons it offers, its thumbnail and entry, and who left what out."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from fmnist_demo.catalogue_errors import InvalidEntry
from fmnist_demo.catalogue_saving import (
    ANOTHER,
    NONE,
    ClassifiedItem,
    ItemStatus,
    entry_for,
    file_label,
    first_choices,
    item_thumbnail,
    kind_choice,
    left_out_notes,
    status_of,
    status_words,
)


def _item(**fields) -> ClassifiedItem:
    values = {
        "id": "photo-0",
        "predicted": 7,  # Sneaker
        "confidence": 0.8,
        "model_input": np.full((28, 28), 0.5, dtype=np.float32),
        "offered": (7, 5),  # then Sandal
    }
    return ClassifiedItem(**{**values, **fields})


def test_only_a_sure_verdict_starts_chosen_and_ticked() -> None:
    sure, unsure = _item(sure=True), _item(sure=False)
    assert status_of(sure, first_choices(sure)) == ItemStatus(7)
    assert status_of(sure, first_choices(sure)).saving
    waiting = status_of(unsure, first_choices(unsure))
    assert waiting == ItemStatus(None, left_out="choose") and waiting.left_out_by_app
    other = _item(sure=True, none_of_the_ten=True)
    assert status_of(other, first_choices(other)) == ItemStatus(None, left_out="no_kind")


def test_the_persons_choices_decide() -> None:
    item = _item()
    choices = first_choices(item)
    assert status_of(item, {**choices, "pick": 5}) == ItemStatus(5)
    assert status_of(item, {**choices, "pick": ANOTHER, "another": 9}) == ItemStatus(9)
    assert status_of(item, {**choices, "pick": ANOTHER}).left_out == "choose"  # not picked yet
    marked = status_of(item, {**choices, "pick": NONE})
    assert marked.left_out == "marked_none" and not marked.left_out_by_app
    assert status_of(item, {**choices, "pick": 5, "keep": False}).left_out == "unticked"
    saved = status_of(item, {**choices, "pick": 5, "record": 12})
    assert saved == ItemStatus(5, record=12) and not saved.saving
    assert status_words(saved) == "in the catalogue as #12"
    assert status_words(ItemStatus(5)) == "to save as Sandal"


def test_the_kind_buttons_follow_the_verdict() -> None:
    sure = kind_choice(_item(sure=True))
    assert sure.options == (7, ANOTHER, NONE) and sure.label == "Kind"
    assert [sure.option_words(o) for o in sure.options] == [
        "Sneaker",
        "Another kind…",
        "None of the ten",
    ]
    assert kind_choice(_item()).options == (7, 5, ANOTHER, NONE)  # offered, best first
    assert kind_choice(_item(offered=())).options == (7, ANOTHER, NONE)
    other = kind_choice(_item(none_of_the_ten=True))
    assert other.options == (ANOTHER,) and other.option_words(ANOTHER) == "It is one of the ten…"


def test_thumbnail_from_the_photo_else_the_model_input_else_none() -> None:
    photo = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(photo, format="PNG")
    from_photo = item_thumbnail(_item(photo=photo.getvalue()))
    assert from_photo[:2] == b"\xff\xd8" and Image.open(io.BytesIO(from_photo)).size == (256, 192)
    from_pixels = item_thumbnail(_item())
    assert Image.open(io.BytesIO(from_pixels)).size == (112, 112)  # 28 x 28, enlarged 4 times
    assert item_thumbnail(_item(photo=b"not a picture")) is None  # saved without one


def test_entry_is_checked() -> None:
    entry = entry_for(_item(file_name="C:\\photos\\shoe.jpg"), 5, " S-1 ", "left", b"jpeg")
    assert (entry.predicted, entry.confirmed, entry.name, entry.note) == (7, 5, "S-1", "left")
    assert (entry.file_name, entry.thumbnail, len(entry.model_input)) == ("shoe.jpg", b"jpeg", 784)
    with pytest.raises(InvalidEntry):
        entry_for(_item(), 5, "two\nlines", "", None)


def test_who_left_what_out_in_plain_words() -> None:
    items = [_item(id=str(i), file_name=f"*{i}*.jpg") for i in range(4)]
    statuses = [
        ItemStatus(None, left_out="choose"),
        ItemStatus(None, left_out="marked_none"),
        ItemStatus(3, left_out="unticked"),
        ItemStatus(3),
    ]
    notes = left_out_notes(zip(items, statuses, strict=True))
    assert [icon for icon, _words in notes] == [":material/touch_app:", ":material/remove_done:"]
    assert notes[0][1] == (
        "Not ticked by the app, as it was not sure: tap the kind of \\*0\\*.jpg to save them."
    )
    assert notes[1][1] == "Left out by you: \\*1\\*.jpg, \\*2\\*.jpg."
    assert file_label(_item(file_name="")) == "photo"
