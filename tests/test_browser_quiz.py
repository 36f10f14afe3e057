"""Browser test of the quiz on a phone (390 × 844, a phone's user agent, touch): a round played by
tapping, answer buttons big enough for a finger, two to a row, the score screen, nothing sideways.

Starts the app with `streamlit run` and drives Debian's Chromium with Playwright (see browser.py).
"""

from __future__ import annotations

import re

import pytest
from browser import FINISHED, expect, needs_browser

pytestmark = [needs_browser, pytest.mark.slow]

PHONE_AGENT = (  # an iPhone's user agent: "Mobi" in it is how the app tells a phone
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FINGER_PX = 44  # the smallest tap target a phone's guidelines allow


def test_a_round_on_a_phone_by_tapping(app_url, browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_AGENT,
    )
    page = context.new_page()
    page.goto(f"{app_url}/quiz")
    answers = page.locator(".st-key-quiz-answers button")
    expect(answers).to_have_count(10, timeout=120_000)
    page.wait_for_function(FINISHED, timeout=120_000)

    boxes = answers.evaluate_all(
        "bs => bs.map(b => { const r = b.getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })"
    )
    assert min(h for _l, _t, _w, h in boxes) >= FINGER_PX, boxes
    # two to a row on a phone: the first two side by side, the third below them
    assert boxes[0][1] == boxes[1][1] and boxes[1][0] > boxes[0][0]
    assert boxes[2][1] > boxes[0][1] + FINGER_PX and boxes[2][0] == boxes[0][0]
    assert min(w for _l, _t, w, _h in boxes) > 120  # wide enough for "Ankle boot"

    background = "b => getComputedStyle(b).backgroundColor"
    for n in range(10):
        expect(page.get_by_text(f"{n + 1} of 10", exact=True)).to_be_visible(timeout=60_000)
        if n == 1:  # the button tapped for the first picture does not look chosen for this one
            page.wait_for_function(FINISHED, timeout=60_000)
            assert answers.nth(0).evaluate(background) == answers.nth(5).evaluate(background)
        answers.nth(n).tap()  # a different kind each time
    headline = page.get_by_role("heading", name=re.compile(r"^You \d+ of 10 · the model \d+ of 10"))
    expect(headline).to_be_visible(timeout=60_000)
    page.wait_for_function(FINISHED, timeout=60_000)
    # the last tap was far down the page: the score is brought back into sight, below the top bar
    page.wait_for_function(
        "() => { const r = document.querySelector('.st-key-quiz-score').getBoundingClientRect();"
        " return r.top >= 40 && r.bottom <= window.innerHeight; }",
        timeout=30_000,
    )
    text = page.inner_text("body")
    assert "Traceback" not in text
    you = int(re.search(r"You (\d+) of 10", headline.inner_text()).group(1))
    assert f"Your best this visit: {you} of 10" in text
    assert "Active model: shipped model" in text
    cards = page.locator("[class*=st-key-quiz-card-]")
    expect(cards).to_have_count(10)
    assert cards.nth(0).bounding_box()["y"] == cards.nth(1).bounding_box()["y"]  # two to a row
    again = page.get_by_role("button", name="Play again")
    assert again.bounding_box()["height"] >= FINGER_PX
    width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= viewport  # nothing runs off sideways

    again.tap()
    expect(page.get_by_text("1 of 10", exact=True)).to_be_visible(timeout=60_000)
    context.close()
