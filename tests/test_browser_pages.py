"""Browser tests of the chapter's flow at a desk screen and a phone's: train one epoch, see Results
use that model, reload the page and still have it; every page opens without a traceback.

They start the app with `streamlit run` on a free local port and drive Debian's Chromium with
Playwright. Without a browser they are skipped, unless FMNIST_REQUIRE_BROWSER=1 (as in CI).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser import CHROMIUM, Page, expect, needs_browser, sync_playwright

from fmnist_demo.serve import running_app

pytestmark = needs_browser

SIZES = {"desk": (1280, 900), "phone": (390, 844)}
FINISHED = (
    "() => { const app = document.querySelector('[data-testid=stApp]');"
    " return app !== null && app.dataset.testScriptState === 'notRunning'; }"
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, fmnist) -> Iterator[str]:
    """The app served by `streamlit run` on a free loopback port."""
    db = tmp_path_factory.mktemp("db") / "catalogue.sqlite3"
    with running_app({"FMNIST_CATALOGUE_DB": str(db)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(params=list(SIZES))
def page(request, browser) -> Iterator[Page]:
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


def _settled(page: Page) -> str:
    """Wait until the page's script has finished; its text, which never shows a traceback."""
    page.wait_for_function(FINISHED, timeout=120_000)
    text = page.inner_text("body")
    assert "Traceback" not in text and "This app has encountered an error" not in text
    return text


def _set_slider(page: Page, name: str, key: str) -> None:
    slider = page.get_by_role("slider", name=re.compile(name))
    slider.focus()
    slider.press(key)


def test_every_page_opens_with_its_own_icon(app_url, page):
    for path, heading, pictures in [
        ("", "Teaching a computer to recognise clothes", 10),
        ("browse", "Browse the data", 5),
        ("train_live", "Train live", 0),
        ("results", "Results", 7),
    ]:
        page.goto(f"{app_url}/{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=120_000)
        _settled(page)
        expect(page.locator("[data-testid=stImage] img")).to_have_count(pictures)
        icon = page.locator("link[rel~=icon]").first.get_attribute("href") or ""
        assert "googleapis" not in icon and "gstatic" not in icon  # shipped, works offline
        if path in ("browse", "results"):  # the figure laid out for this window is the one shown
            key = "browse-grid" if path == "browse" else "results-15"
            phone = page.viewport_size["width"] < 640
            shown, hidden = ("narrow", "wide") if phone else ("wide", "narrow")
            expect(page.locator(f".st-key-{key}-{shown} img")).to_be_visible()
            expect(page.locator(f".st-key-{key}-{hidden} img")).to_be_hidden()


def test_trained_model_is_used_on_results_and_survives_a_reload(app_url, page):
    page.goto(f"{app_url}/train_live")
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=120_000)
    _settled(page)
    _set_slider(page, "Epochs", "Home")  # one epoch
    _set_slider(page, "Training pictures", "Home")  # 1,000 pictures
    expect(page.get_by_text("1,000", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Training finished all 1 epochs.")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Download your model (.keras)")).to_be_visible()
    token = re.search(r"[?&]model=([\w-]+)", page.url).group(1)

    page.get_by_role("link", name="See its results").click()
    expect(page.get_by_text(re.compile("Active model: your model, trained at"))).to_be_visible(
        timeout=120_000
    )
    _settled(page)
    assert f"model={token}" in page.url  # the address keeps the model's token on every page
    expect(page.get_by_text(re.compile(r"On the 1,000 training images"))).to_be_visible()

    page.reload()  # a new session: the model is found again through the address
    expect(page.get_by_text(re.compile("Active model: your model, trained at"))).to_be_visible(
        timeout=120_000
    )
    text = _settled(page)
    assert "no longer kept" not in text and "UTC" not in text


def test_a_model_the_server_no_longer_has_is_said_to_be_gone(app_url, page):
    page.goto(f"{app_url}/results?model=from-yesterday")
    expect(
        page.get_by_text(re.compile("The model you trained earlier is no longer kept"))
    ).to_be_visible(timeout=120_000)
    text = _settled(page)
    assert "Active model: shipped model" in text
