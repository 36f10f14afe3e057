"""Browser test: on a phone (390 x 844), right after a photo is taken with the camera or
uploaded, the newest verdict is all on the screen without scrolling.

Chromium gives a fake camera (a moving test pattern) with --use-fake-device-for-media-stream, and
grants it without asking with --use-fake-ui-for-media-stream.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import CHROMIUM, FINISHED, Page, expect, needs_browser, sync_playwright

pytestmark = [needs_browser, pytest.mark.slow]

PHONE_AGENT = (  # an iPhone's user agent: "Mobi" in it is how the app tells a phone
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
PHONE_SCREEN = {"width": 390, "height": 844}
NEWEST = ".st-key-classify-newest"
IN_SIGHT_MS = 5_000  # how long the verdict may take to come into sight after the run ends
SURE_SHOE_PHOTO = "5_shoes_001.jpg"  # a sandal: "A shoe — sure; which kind — not sure", a tall box


@pytest.fixture(scope="module")
def camera_browser():
    """Chromium with a fake camera, granted without asking."""
    args = ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream"]
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=[*args, "--use-fake-ui-for-media-stream"]
        )
        yield b
        b.close()


def _phone(browser) -> Page:
    context = browser.new_context(
        viewport=PHONE_SCREEN,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_AGENT,
        permissions=["camera"],
    )
    return context.new_page()


def _settled(page: Page) -> None:
    page.wait_for_function(FINISHED, timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)


def _verdict_on_screen(page: Page) -> None:
    """The newest card's verdict box comes wholly within the phone's screen by itself (the page
    brings it into sight once the pictures above it have settled): within a few seconds."""
    page.wait_for_function(
        "() => { const s = document.querySelector("
        "'.st-key-classify-newest [data-testid=stAlert]');"
        " if (!s) return false; const b = s.getBoundingClientRect();"
        " return b.top >= 0 && b.bottom <= window.innerHeight; }",
        timeout=IN_SIGHT_MS,
    )


def test_the_camera_verdict_is_on_the_first_screen(app_url, camera_browser):
    page = _phone(camera_browser)
    page.goto(f"{app_url}/classify")
    tab = page.get_by_role("tab", name="Camera")
    expect(tab).to_be_visible(timeout=120_000)
    _settled(page)
    tab.tap()
    expect(tab).to_have_attribute("aria-selected", "true")
    _settled(page)
    for _shot in (1, 2):  # the first shot, and one with a photo already on the page
        take = page.get_by_role("button", name=re.compile("take photo", re.IGNORECASE))
        expect(take).to_be_enabled(timeout=120_000)
        # the button at the screen's foot, where a thumb reaches it: the verdict comes below it
        take.evaluate("button => button.scrollIntoView({block: 'end'})")
        take.tap()
        titles = page.locator(NEWEST).get_by_text(re.compile(r"^Camera photo, "))
        expect(titles).to_have_count(1, timeout=120_000)
        _settled(page)
        expect(page.locator(f"{NEWEST} [data-testid=stAlert]").first).to_be_visible()
        _verdict_on_screen(page)
    page.context.close()


def test_an_uploaded_verdict_is_on_the_first_screen(app_url, camera_browser):
    photo = Path(os.environ.get("FMNIST_PHOTOS_DIR", "missing")) / SURE_SHOE_PHOTO
    if not photo.is_file():
        pytest.skip("needs the development photos (FMNIST_PHOTOS_DIR)")
    page = _phone(camera_browser)
    page.goto(f"{app_url}/classify")
    expect(page.get_by_role("tab", name="Upload photos")).to_have_attribute(
        "aria-selected", "true", timeout=120_000
    )  # a phone starts on Upload
    _settled(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo))
    expect(page.locator(NEWEST).get_by_text(SURE_SHOE_PHOTO, exact=True)).to_be_visible(
        timeout=120_000
    )
    _settled(page)
    expect(page.locator(NEWEST).get_by_text(re.compile(r"A shoe"))).to_be_visible()
    _verdict_on_screen(page)
    # a second photo: the first one's card folds, its title still the file's name, underscores
    # and all (never read as Markdown italics)
    second = photo.with_name("0_t-shirt_001.jpg")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(second))
    expect(page.locator(NEWEST).get_by_text(second.name, exact=True)).to_be_visible(timeout=120_000)
    _settled(page)
    _verdict_on_screen(page)
    folded = page.locator("[class*=st-key-classify-card-] summary")
    expect(folded).to_have_count(1)
    expect(folded).to_contain_text(f"{SURE_SHOE_PHOTO} · ")
    page.context.close()
