"""The app in Bengali in a real browser: a shared `?lang=bn` link opens Home in Bengali at a desk
and on a phone (screenshots kept for a person to look at), the choice is kept across pages, and
the sidebar switch brings English back.

Screenshots go to FMNIST_SHOTS_DIR when it is set (CI keeps them), else to pytest's tmp folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import FINISHED, expect, needs_browser

pytestmark = needs_browser

BENGALI = re.compile("[\u0980-\u09ff]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FMNIST_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# The page's text as a person reads it: Material icons are drawn from their names (ligatures),
# so their elements are left out.
READABLE = """() => {
  const main = document.querySelector('[data-testid=stMain]').cloneNode(true);
  main.querySelectorAll('[data-testid=stIconMaterial]').forEach((icon) => icon.remove());
  document.body.appendChild(main);
  const text = main.innerText;
  main.remove();
  return text;
}"""


def settled_text(page) -> str:
    page.wait_for_function(FINISHED, timeout=120_000)
    text = page.evaluate(READABLE)
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("size", [(1280, 900), (390, 844)], ids=["desk", "phone"])
def test_a_bengali_link_opens_home_in_bengali(app_url, browser, tmp_path, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?lang=bn")
        expect(page.locator("h1").first).to_contain_text(BENGALI, timeout=120_000)
        text = settled_text(page)
        assert len(BENGALI.findall(text)) > 200
        # English words left for a person: the proper names only (Fashion-MNIST, file formats …)
        assert set(LATIN_WORD.findall(text)) <= {"Fashion", "MNIST", "Keras", "TensorFlow"}
        pictures = page.locator("[data-testid=stImage] img")
        expect(pictures).to_have_count(10)  # one of each kind, captioned with its Bengali name
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
            ".every((img) => img.complete && img.naturalWidth > 0)"
        )
        shot = shots_dir(tmp_path) / f"home-bn-{size[0]}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert "lang=bn" in page.url
    finally:
        context.close()


def test_the_choice_is_kept_across_pages_and_english_comes_back(app_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?lang=bn")
        settled_text(page)
        nav = page.locator("[data-testid=stSidebarNav] a")
        expect(nav.nth(1)).to_contain_text(BENGALI)  # the page titles too
        nav.nth(1).click()  # Browse
        expect(page.locator("h1").first).to_contain_text(BENGALI, timeout=120_000)
        settled_text(page)
        assert "lang=bn" in page.url
        page.get_by_role("radio", name="English").click()
        expect(page.locator("h1").first).not_to_contain_text(BENGALI, timeout=120_000)
        settled_text(page)
        assert "lang=en" in page.url
    finally:
        context.close()
