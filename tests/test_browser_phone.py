"""Browser tests of the app on a phone (390 x 844, a phone's user agent): every button and choice
of the app is big enough for a finger, and a number stays on one line with its unit.

They start the app with `streamlit run` on a free local port and drive Debian's Chromium with
Playwright. Without a browser they are skipped, unless FMNIST_REQUIRE_BROWSER=1 (as in CI).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from browser import FINISHED, Page, needs_browser

from fmnist_demo.pages._screen import TAP_PX

pytestmark = [needs_browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    ),
}
PAGES = ["", "browse", "train_live", "results", "classify", "catalogue"]

# Everything a person taps in the page and the sidebar, each with its height on the screen.
# Streamlit's own small helpers are not the app's: the "?" beside a label, a heading's link, a
# picture's full-screen button, the camera's "learn how to allow access" link. A select box's
# field and its arrow are one box; a radio option or checkbox is tapped on its label.
TAP_TARGETS_JS = """() => {
  const found = new Set();
  const q = 'button, a[href], [role=button], [role=radio], [role=checkbox], [role=switch], ' +
            '[role=combobox], [role=tab], summary, input[type=checkbox], input[type=radio]';
  const streamlits_own = 'header, [data-testid=stElementToolbar], [data-testid=stToolbar], ' +
    '[data-testid=stTooltipHoverTarget], [data-testid=stHeaderActionElements], ' +
    '[data-testid=stCameraInputWebcamComponent] a';
  for (let e of document.querySelectorAll(q)) {
    if (e.closest(streamlits_own)) continue;
    if (!e.closest('[data-testid=stMain], [data-testid=stSidebar]')) continue;
    if (e.closest('[data-testid=stSelectbox], [data-testid=stMultiSelect]'))
      e = e.closest('[role=group]') || e;
    else if (e.matches('input')) e = e.closest('label') || e;
    found.add(e);
  }
  const out = [];
  for (const e of found) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    out.push([(e.getAttribute('aria-label') || e.innerText || e.tagName).trim()
              .replace(/\\s+/g, ' ').slice(0, 40), r.height]);
  }
  return out;
}"""


@pytest.fixture
def phone(browser) -> Iterator[Page]:
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(FINISHED, timeout=120_000)
    text = page.inner_text("body")
    assert "Traceback" not in text and "This app has encountered an error" not in text


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_every_button_and_choice_is_a_fingers_size_on_a_phone(app_url, phone, lang):
    """Buttons were 40 px, radio options 22, checkboxes 21, page links 28 at 390 x 844."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    small = {}
    for path in PAGES:
        _open(phone, f"{app_url}/{path}?lang={lang}")
        # the app's style sheet can arrive a moment after the first paint: wait (bounded) for
        # every target to be a finger's size, then measure what is there either way
        with contextlib.suppress(PlaywrightTimeout):
            phone.wait_for_function(
                f"() => ({TAP_TARGETS_JS})().every(([_w, h]) => h >= {TAP_PX})", timeout=10_000
            )
        targets = phone.evaluate(TAP_TARGETS_JS)
        assert targets, path  # every page has something to tap (the sidebar's links at least)
        small |= {f"{path or 'home'}: {what}": round(h, 1) for what, h in targets if h < TAP_PX}
    assert small == {}


# Where the number is on the page, in however many lines it is drawn (its characters' boxes,
# grouped by their top): written with any space, so the test sees a line break, not a spelling.
LINES_OF_JS = """(pattern) => {
  const re = new RegExp(pattern);
  const walk = document.createTreeWalker(
    document.querySelector('[data-testid=stMain]'), NodeFilter.SHOW_TEXT);
  const found = [];
  while (walk.nextNode()) {
    const m = re.exec(walk.currentNode.data);
    if (!m) continue;
    const range = document.createRange();
    range.setStart(walk.currentNode, m.index);
    range.setEnd(walk.currentNode, m.index + m[0].length);
    found.push(new Set([...range.getClientRects()].map(r => Math.round(r.top))).size);
  }
  return found;
}"""


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_numbers_on_home_stay_on_one_line_at_390_px(app_url, phone, lang):
    """'about 88 %' broke with '%' on the next line; '28 × 28' broke mid-number."""
    _open(phone, f"{app_url}/?lang={lang}")
    for pattern in ("88\\s%", "28\\s×\\s28"):
        lines = phone.evaluate(LINES_OF_JS, pattern)
        assert lines and all(n == 1 for n in lines), (pattern, lines)
