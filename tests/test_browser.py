"""Browser tests for what AppTest cannot drive: a real Stop click mid-training, the camera.

They start the app with `streamlit run` on a free local port and drive Debian's Chromium with
Playwright. Without a browser they are skipped, unless FMNIST_REQUIRE_BROWSER=1 (as in CI).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from browser import CHROMIUM, Page, expect, needs_browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from fmnist_demo.model import load_model_bytes

ROOT = Path(__file__).resolve().parent.parent

pytestmark = needs_browser


def _write_y4m(rgb, path: Path, frames: int = 30) -> Path:
    """A short still video in the Y4M format Chromium's fake camera plays (4:2:0, 640x480)."""
    from PIL import Image

    img = Image.fromarray(rgb).convert("RGB").resize((640, 480)).convert("YCbCr")
    y, cb, cr = (np.asarray(c, dtype=np.uint8) for c in img.split())
    frame = y.tobytes() + cb[::2, ::2].tobytes() + cr[::2, ::2].tobytes()
    with open(path, "wb") as fh:
        fh.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            fh.write(b"FRAME\n" + frame)
    return path


@pytest.fixture(scope="module")
def camera_video(fmnist, tmp_path_factory) -> Path:
    """A trouser from the test set as a phone would see it: dark on a light, uneven background."""
    _, (x_test, y_test) = fmnist
    item = x_test[np.flatnonzero(y_test == 1)[0]].astype(np.float32) / 255.0  # Trouser
    item = np.kron(item, np.ones((12, 12), np.float32))  # (28, 28) -> (336, 336)
    h, w = 480, 640
    light = np.linspace(0.80, 0.95, w, dtype=np.float32)[None, :].repeat(h, axis=0)
    top, left = (h - 336) // 2, (w - 336) // 2
    scene = light.copy()
    patch = scene[top : top + 336, left : left + 336]
    scene[top : top + 336, left : left + 336] = patch * (1 - item) + 0.15 * item
    rgb = (np.clip(scene, 0, 1) * 255).astype(np.uint8)[..., None].repeat(3, axis=2)
    return _write_y4m(rgb, tmp_path_factory.mktemp("camera") / "trouser.y4m")


@pytest.fixture(scope="module")
def browser(camera_video):
    """Headless Chromium, with a fake camera that shows a prepared video file."""
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.grant_permissions(["camera"])
    pg = context.new_page()
    yield pg
    context.close()


def test_stop_button_keeps_last_finished_epoch(app_url, page):
    page.goto(app_url + "/train_live")
    # A long run whatever the machine's speed: no early stop, 20 epochs.
    page.get_by_text("Stop early at a target accuracy").click()
    expect(page.get_by_role("switch", name="Stop early at a target accuracy")).not_to_be_checked()
    epochs = page.get_by_role("slider", name=re.compile("Epochs"))
    epochs.focus()
    epochs.press("End")
    expect(page.get_by_text("20", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"Epoch ([2-9]|1[0-9]) of 20"))).to_be_visible(
        timeout=120_000
    )
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text("is kept")).to_be_visible(timeout=30_000)
    text = page.inner_text("body")
    assert "Traceback" not in text
    kept = int(re.search(r"The model as it was after epoch (\d+) is kept", text).group(1))
    assert 1 <= kept < 20
    expect(page.get_by_text("Download your model (.keras)")).to_be_visible()
    # The file is written when the button is clicked: the model as it was kept, ready to load.
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download your model")).click()
    assert download.value.suggested_filename == f"fmnist_dense128_{kept}epochs.keras"
    model = load_model_bytes(Path(download.value.path()).read_bytes())
    assert model.count_params() == 101_770


def test_camera_photo_is_classified(app_url, page):
    page.goto(app_url + "/classify")
    # Take the photo once the camera shows frames (a click before that captures nothing).
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2; }",
        timeout=60_000,
    )
    page.get_by_role("button", name="Take Photo").click(timeout=60_000)
    # The fake camera shows a trouser from the test set on a light background.
    expect(page.get_by_text("What the model sees").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Trouser").first).to_be_visible()
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert "Trouser** —" not in text  # markdown was rendered, not shown raw
    assert "% confident" in text or "not sure" in text.lower()


# -- Classify on a phone: the newest verdict in view, kind buttons to tap, nothing lost ----------

PHONE_AGENT = (  # an iPhone's user agent: "Mobi" in it is how the app tells a phone
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
PHONE_SCREEN = {"width": 390, "height": 844}


def _dev_photos() -> list[Path]:
    import os

    folder = Path(os.environ.get("FMNIST_PHOTOS_DIR", "missing"))
    photos = sorted(folder.glob("*.jpg"))
    if len(photos) < 12:
        pytest.skip("needs the development photos (FMNIST_PHOTOS_DIR)")
    return photos


def _settled(page: Page) -> None:
    from browser import FINISHED

    page.wait_for_function(FINISHED, timeout=120_000)
    text = page.inner_text("body")
    assert "Traceback" not in text and "This app has encountered an error" not in text


def _click_and_wait_for_its_run(page: Page, target) -> None:
    """Click a tab, which reruns the script to remember it, and wait until that run has ended."""
    page.evaluate(
        """() => { window.__fmRan = false;
          const app = document.querySelector('[data-testid=stApp]');
          new MutationObserver(() => { window.__fmRan = true; }).observe(app,
            {attributes: true, attributeFilter: ['data-test-script-state']}); }"""
    )
    target.click()
    expect(target).to_have_attribute("aria-selected", "true")
    # the run it starts, when one starts: a tab already chosen starts none
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "() => window.__fmRan && document.querySelector('[data-testid=stApp]')"
            ".dataset.testScriptState === 'notRunning'",
            timeout=15_000,
        )
    _settled(page)


def _upload_and_wait(page: Page, files: list[Path]) -> str:
    """Upload files at once; the name of the one shown as the newest (files arrive in any order)."""
    newest = page.locator(".st-key-classify-newest")
    before = newest.inner_text() if newest.count() else ""
    page.locator("input[type=file]").set_input_files([str(f) for f in files])
    names = "|".join(re.escape(f.name) for f in files)
    title = newest.get_by_text(re.compile(f"^({names})$"))
    expect(title).to_be_visible(timeout=120_000)
    _settled(page)
    assert newest.inner_text() != before
    return title.inner_text().strip()


@pytest.mark.slow
def test_the_newest_verdict_is_in_view_on_a_phone_with_1_and_12_photos(app_url, browser):
    photos = _dev_photos()
    context = browser.new_context(
        viewport=PHONE_SCREEN, is_mobile=True, has_touch=True, user_agent=PHONE_AGENT
    )
    page = context.new_page()
    page.goto(f"{app_url}/classify")
    expect(page.get_by_role("tab", name="Upload photos")).to_have_attribute(
        "aria-selected", "true", timeout=120_000
    )  # a phone starts on Upload: its own picker offers the camera
    _settled(page)
    for batch in ([photos[0]], photos[1::25][:12]):
        _upload_and_wait(page, batch)
        newest = page.locator(".st-key-classify-newest")
        verdict = newest.locator("[data-testid=stAlert]").first
        box, said = newest.bounding_box(), verdict.bounding_box()
        # right after the upload, without scrolling: the newest photo's card and its verdict
        assert box["y"] >= 0 and said["y"] + 40 <= PHONE_SCREEN["height"], (box, said)
    # each kind button of a not-sure verdict is a tap target of at least 44 px
    buttons = page.locator("[class*=st-key-classify-][class*=-choose] button")
    heights = [b["height"] for b in (x.bounding_box() for x in buttons.all()) if b]
    assert heights and min(heights) >= 44, heights
    context.close()


def _classify_at_a_desk(app_url: str, browser) -> Page:
    """Classify opened at a desk (1280 x 900), on its Camera tab, its first run ended."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{app_url}/classify")
    expect(page.get_by_role("tab", name="Camera")).to_have_attribute(
        "aria-selected", "true", timeout=120_000
    )
    _settled(page)
    return page


@pytest.mark.slow
def test_a_tab_switch_keeps_the_camera_and_the_uploader_a_file_picked_meanwhile_counts(
    app_url, browser
):
    """Switching tabs reruns the page (to remember the tab); the camera and the uploader must not
    be made afresh by it: a file picked while that run goes on, or a shot, would go nowhere."""
    photos = _dev_photos()
    page = _classify_at_a_desk(app_url, browser)
    picker = page.locator("[data-testid=stFileUploader] input[type=file]").element_handle()
    camera = page.get_by_test_id("stCameraInput").element_handle()
    _click_and_wait_for_its_run(page, page.get_by_role("tab", name="Upload photos"))
    assert picker.evaluate("input => input.isConnected"), "the uploader was made afresh"
    assert camera.evaluate("box => box.isConnected"), "the camera was made afresh"
    picker.set_input_files(str(photos[0]))  # the file the person picked in the meantime
    newest = page.locator(".st-key-classify-newest")
    expect(newest.get_by_text(photos[0].name, exact=True)).to_be_visible(timeout=120_000)
    _settled(page)
    # switching language keeps the tab chosen
    page.get_by_test_id("stSidebar").get_by_text("বাংলা").click()
    expect(page.get_by_role("tab", name="ছবি আপলোড করুন")).to_have_attribute(
        "aria-selected", "true", timeout=60_000
    )
    page.context.close()


@pytest.mark.slow
def test_a_reload_and_another_page_keep_the_photos_and_the_chosen_tab(app_url, browser):
    photos = _dev_photos()
    page = _classify_at_a_desk(app_url, browser)
    _click_and_wait_for_its_run(page, page.get_by_role("tab", name="Upload photos"))
    shown = _upload_and_wait(page, [photos[0], photos[40]])
    older = photos[0].name if shown == photos[40].name else photos[40].name
    newest = page.locator(".st-key-classify-newest")
    newest.get_by_label("Name or SKU (optional)").fill("KEPT-1")
    newest.get_by_label("Name or SKU (optional)").press("Enter")
    newest.get_by_role("radio", name="Another kind…").click()  # a change seen once it has run
    expect(newest.get_by_text("Which of the ten kinds?")).to_be_visible(timeout=60_000)
    _settled(page)
    assert "photos=" in page.url

    page.reload()  # a new session: the photos and the choices come back from the server
    expect(newest.get_by_text(shown, exact=True)).to_be_visible(timeout=120_000)
    _settled(page)
    expect(newest.get_by_label("Name or SKU (optional)")).to_have_value("KEPT-1")
    expect(newest.get_by_text("Which of the ten kinds?")).to_be_visible()
    expect(page.get_by_text(older).first).to_be_visible()  # the older one, folded

    _click_and_wait_for_its_run(page, page.get_by_role("tab", name="Upload photos"))
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", name="Catalogue", exact=True)).to_be_visible(timeout=120_000)
    _settled(page)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Classify a photo").click()
    expect(newest.get_by_text(shown, exact=True)).to_be_visible(timeout=120_000)
    _settled(page)
    # back on the page: its photos, and the Upload tab as it was left, not the Camera
    expect(page.get_by_role("tab", name="Upload photos")).to_have_attribute("aria-selected", "true")
    page.context.close()
