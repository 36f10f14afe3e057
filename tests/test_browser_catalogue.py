"""The Catalogue page in a real browser (Debian's Chromium): on a phone the records show the kind
first and nothing runs off the right edge; staff unlock with the passcode and download a CSV that
reads well in a spreadsheet, in the visitor's own time. Skipped without a browser, unless
FMNIST_REQUIRE_BROWSER=1 (as in CI)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser import CHROMIUM, Page, expect, needs_browser, sync_playwright
from PIL import Image

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_export import read_csv
from fmnist_demo.serve import running_app

PASSCODE = "tulip-browser-42"
ZONE = "Asia/Kolkata"  # the visitor's zone: UTC+05:30, so a UTC time would show

pytestmark = needs_browser


def _photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served with a seeded catalogue and a staff passcode in its secrets."""
    folder = tmp_path_factory.mktemp("catalogue-browser")
    db = folder / "catalogue.sqlite3"
    with CatalogueStore(f"sqlite:///{db}") as store:
        store.add(
            predicted=7,
            confidence=0.874,
            confirmed=5,
            name="SANDAL-7 with a rather long name that goes on",
            note="left only, scuffed at the heel",
            photo=_photo((200, 40, 40)),
            file_name="IMG_0042.JPG",
        )
        store.add(predicted=8, confidence=0.93, name="BAG-3", photo=_photo((40, 40, 200)))
    secrets = folder / "secrets.toml"
    secrets.write_text(f'[catalogue]\npasscode = "{PASSCODE}"\n', encoding="utf-8")
    env = {"FMNIST_CATALOGUE_DB": str(db), "STREAMLIT_SECRETS_FILES": str(secrets)}
    with running_app(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        yield p, browser
        browser.close()


def _finished(page: Page) -> None:
    """Wait until the page's script has run to its end (its last section is drawn)."""
    expect(page.get_by_text("For whoever hosts this app")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def test_on_a_phone_the_kind_comes_first_and_nothing_is_cut_off(browser, app_url: str) -> None:
    playwright, chromium = browser
    phone = playwright.devices["iPhone 13"]  # 390 x 844, a phone's user agent
    context = chromium.new_context(**phone, timezone_id=ZONE)
    page = context.new_page()
    page.goto(f"{app_url}/catalogue")
    _finished(page)
    assert page.viewport_size["width"] == 390
    records = page.get_by_test_id("stDataFrame").filter(has_text="Name or SKU")
    expect(records).to_have_count(1)
    # The grid draws on a canvas; its column headers are also in the page for screen readers.
    headers = records.locator('th[role="columnheader"]').all_text_contents()
    assert [h.strip() for h in headers] == ["Kind", "Photo", "Name or SKU", "Model said"]
    # Neither the page nor any table scrolls sideways: everything fits the phone's width.
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
                  ...[...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
                      .map(e => e.scrollWidth - e.clientWidth)]"""
    )
    page_width, viewport, *overflow = widths
    assert page_width <= viewport
    assert overflow and max(overflow) <= 1
    # Locked: the records are there to see, the passcode box is where the changes would be.
    expect(page.get_by_label("Staff passcode")).to_be_visible()
    expect(page.get_by_role("button", name="Download CSV (for a spreadsheet)")).to_have_count(0)
    context.close()


def test_a_locked_visitor_is_offered_no_download_of_the_records(browser, app_url: str) -> None:
    # Before: the records table's own toolbar offered "Download as CSV" to anyone, while the page
    # said downloading needs the passcode. Now the tables' own export is off; the page's CSV
    # button (behind the passcode) is the one way to download.
    _, chromium = browser
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, timezone_id=ZONE)
    page = context.new_page()
    page.goto(f"{app_url}/catalogue")
    _finished(page)
    expect(page.get_by_label("Staff passcode")).to_be_visible()
    records = page.get_by_test_id("stDataFrame").filter(has_text="Name or SKU")
    records.hover()
    toolbar = records.locator("xpath=..").get_by_test_id("stElementToolbarButton")
    expect(toolbar.first).to_be_visible()  # the toolbar is there (search, full screen) ...
    offers = page.get_by_role("button", name=re.compile(r"^Download")).all_text_contents()
    labels = page.get_by_role("button").evaluate_all("bs => bs.map(b => b.ariaLabel || '')")
    assert not offers
    assert not [label for label in labels if label.startswith("Download as CSV")]  # ... without
    context.close()


def test_staff_unlock_and_download_a_spreadsheet_csv(browser, app_url: str) -> None:
    _, chromium = browser
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id=ZONE, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{app_url}/catalogue")
    _finished(page)
    page.get_by_label("Staff passcode").fill(PASSCODE)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("Unlocked for this visit")).to_be_visible(timeout=30_000)
    _finished(page)
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download CSV (for a spreadsheet)").click()
    data = Path(caught.value.path()).read_bytes()
    rows = read_csv(data)
    assert [r["Kind"] for r in rows] == ["Bag", "Sandal"]
    sandal = rows[1]
    assert (sandal["Model said"], sandal["Model's confidence"], sandal["Model right"]) == (
        "Sneaker",
        "87\u00a0%",
        "no",
    )
    assert sandal["Photo file"] == "IMG_0042.JPG"
    saved = datetime.strptime(sandal["Saved"], "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(ZONE))
    assert abs((datetime.now(ZoneInfo(ZONE)) - saved).total_seconds()) < 3600  # local, not UTC
    context.close()
