"""A visitor's photos on Classify (fmnist_demo/photo_visit.py): kept newest last, bounded, and the
same object in the session and in the store for a reload."""

from __future__ import annotations

from fmnist_demo.photo_visit import KEEP_VISIT_PHOTOS, Visit
from fmnist_demo.reload_store import ReloadStore


def test_a_visit_keeps_its_newest_photos_and_each_once():
    visit, other = Visit(), Visit()
    assert visit.token and visit.token != other.token  # a random token each
    assert visit.add("a", "a.jpg", "result a") and visit.add("b", "b.jpg", "result b")
    assert not visit.add("a", "again.jpg", "another result")  # kept already: left as it was
    assert visit.photos["a"].name == "a.jpg" and visit.photos["a"].state == {}
    assert visit.newest_first() == ["b", "a"]
    for n in range(KEEP_VISIT_PHOTOS):
        visit.add(f"p{n}", f"{n}.jpg", None)
    assert len(visit.photos) == KEEP_VISIT_PHOTOS and "a" not in visit.photos  # oldest first out
    visit.remove("p0")
    visit.remove("never there")
    assert "p0" not in visit.photos and visit.newest_first()[0] == f"p{KEEP_VISIT_PHOTOS - 1}"


def test_the_store_holds_the_same_visit_so_later_choices_survive_a_reload():
    store = ReloadStore(capacity=2, ttl_s=60)
    visit = Visit()
    visit.add("a", "a.jpg", "result a")
    store.put(visit.token, visit)
    visit.photos["a"].state["pick"] = 3  # a choice made after it was kept
    assert store.get(visit.token).photos["a"].state == {"pick": 3}
