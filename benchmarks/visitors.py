"""Many visitors at once: N real browser sessions against one app server, one of them training.

    FMNIST_DATA_DIR=... FMNIST_PHOTOS_DIR=... python benchmarks/visitors.py [--sessions 6]

Starts the app with `streamlit run` (a fresh SQLite catalogue), then drives Debian's headless
Chromium with Playwright: one visitor trains the chapter's model on "Train live" again and again
(the page's defaults: 60,000 pictures, up to 10 epochs, early stop at 90 %), and the other N - 1
visitors, all at the same time, open Home, Browse and Catalogue, upload a photo on "Classify a
photo", wait for the verdict and add the item to the catalogue, for --rounds rounds each. Each
visitor opens the app once and then goes from page to page by the links in the sidebar, as people
do; with --reload, every page is opened by loading its address afresh (the whole app again each
time, as this benchmark did before 2026-11-30 afternoon).

Prints one JSON line: sessions, navigation ("link" or "reload"), errors (exception boxes,
tracebacks, error messages, timeouts), p50_s / p95_s (seconds from handing the photo to the page
to the verdict on screen), the server's peak resident memory (peak_rss_mb), trainings finished
meanwhile, saves, and, as the obvious alternative in the same run, the same upload-to-verdict
time for one visitor alone on the server (alone_p50_s) with the ratio.

The browser code leans on things that do not change with the pages' wording: the upload input,
Streamlit's "script finished" state, the result's image, a button that saves to the catalogue,
and a "passcode" field with an "Unlock" button when the catalogue is locked (--passcode).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from fmnist_demo.serve import AppServer, app_server  # noqa: E402

PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".webp"}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SAVE_BUTTON = re.compile(r"^save \d+ to catalogue", re.IGNORECASE)  # "Save 1 to catalogue"
PASSCODE_INPUT = 'input[aria-label*="passcode" i]'  # the "Staff passcode" box of a locked catalogue
STEP_TIMEOUT_MS = 120_000

# The script's run has ended (Streamlit marks its root element) and nothing is pending.
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning';
}"""
# The page's title (its first heading), and: the page at `target` (an address without its query,
# such as "?lang=en") has replaced the one titled `heading`, and its script has run.
HEADING = "() => (document.querySelector('h1') || {}).textContent || ''"
ARRIVED = """([target, heading]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const h1 = document.querySelector('h1');
  return location.origin + location.pathname === target && !!h1 && h1.textContent !== heading
    && !!app && app.dataset.testScriptState === 'notRunning';
}"""
# Texts of the messages (success, warning, info, error boxes) on the page now.
ALERT_TEXTS = """() => Array.from(
  document.querySelectorAll('[data-testid^="stAlertContent"]'), a => a.textContent)"""
# After an upload: the photo's result is on screen, i.e. its image and a message that was not
# there before (the verdict, or why the photo could not be used), or an exception box. Streamlit
# keeps drawing for a moment after its script has finished, so this does not wait for the run.
VERDICT = """(before) => {
  if (document.querySelector('[data-testid="stException"]')) return true;
  const fresh = Array.from(document.querySelectorAll('[data-testid^="stAlertContent"]'))
    .some(a => !before.includes(a.textContent));
  const error = !!document.querySelector('[data-testid="stAlertContentError"]');
  return error || (fresh && document.querySelectorAll('[data-testid="stImage"]').length > 0);
}"""


class VisitError(RuntimeError):
    """The page showed an error, a traceback, or did not answer in time."""


@dataclass
class Tally:
    """What the visitors saw, shared by all of them (one event loop, so no locks)."""

    evidence: Path | None = None  # a folder for a screenshot of each error
    verdict_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saves: int = 0
    trainings: int = 0


def photos_in(folder: Path) -> list[Path]:
    """The photos of a folder, in a stable order."""
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_TYPES)
    if not photos:
        raise SystemExit(f"No photos in {folder}")
    return photos


async def keep_evidence(page: Page, tally: Tally) -> None:
    """A full-page screenshot of an error, when a folder for them was given."""
    if tally.evidence is None:
        return
    tally.evidence.mkdir(parents=True, exist_ok=True)
    path = tally.evidence / f"error-{len(tally.errors):03d}.png"
    with contextlib.suppress(Exception):  # a closed page has no picture; the error still counts
        await page.screenshot(path=str(path), full_page=True)


async def check_page(page: Page, where: str) -> None:
    """Raise VisitError if the page shows an exception box, a traceback or an error message."""
    box = page.locator('[data-testid="stException"]')
    if await box.count():
        raise VisitError(f"{where}: exception box: {(await box.first.inner_text())[:300]!r}")
    errors = page.locator('[data-testid="stAlertContentError"]')
    if await errors.count():
        raise VisitError(f"{where}: error message: {(await errors.first.inner_text())[:200]}")
    if "Traceback (most recent call last)" in await page.inner_text("body"):
        raise VisitError(f"{where}: traceback")


async def open_page(page: Page, url: str, where: str, by_link: bool = False) -> None:
    """Open a page of the app and wait until its script has run.

    With `by_link`, a visitor already in the app clicks the page's link in the sidebar, as
    people do (the app stays loaded; only the page's script runs); otherwise, and on the first
    visit, the browser loads the address afresh (the whole app: several MB of JavaScript).
    """
    target = url if urlsplit(url).path else url + "/"
    link = page.locator(f'[data-testid="stSidebarNavLink"][href="{target}"]')
    if by_link and page.url.split("?")[0] == target:
        pass  # already there: nothing to open
    elif by_link and await link.count():
        heading = await page.evaluate(HEADING)
        await link.first.click()
        await page.wait_for_function(ARRIVED, arg=[target, heading], timeout=STEP_TIMEOUT_MS)
    else:
        await page.goto(url, wait_until="domcontentloaded")
    await page.wait_for_function(IDLE, timeout=STEP_TIMEOUT_MS)
    await check_page(page, where)


async def unlock_if_asked(page: Page, passcode: str | None) -> None:
    """Type the staff passcode when the catalogue asks for it."""
    field_ = page.locator(PASSCODE_INPUT)
    if not await field_.count():
        return
    if passcode is None:
        raise VisitError("the catalogue asks for a passcode; pass --passcode")
    await field_.first.fill(passcode)
    await page.get_by_role("button", name=re.compile("unlock", re.IGNORECASE)).first.click()
    await page.wait_for_function(
        "() => !document.querySelector('input[type=password]')"
        " || document.querySelector('[data-testid=\"stAlertContentError\"]')",
        timeout=STEP_TIMEOUT_MS,
    )
    await page.wait_for_function(IDLE, timeout=STEP_TIMEOUT_MS)


async def classify_and_save(
    page: Page,
    url: str,
    photo: Path,
    passcode: str | None,
    tally: Tally | None,
    by_link: bool = False,
) -> float:
    """Upload one photo on Classify, wait for the verdict, save it; seconds to the verdict."""
    await open_page(page, url + "/classify", "Classify", by_link)
    tab = page.get_by_role("tab", name=re.compile("upload", re.IGNORECASE))
    if await tab.count():
        await tab.first.click()
    upload = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
    await upload.wait_for(state="attached", timeout=STEP_TIMEOUT_MS)
    before = await page.evaluate(ALERT_TEXTS)
    start = time.perf_counter()
    await upload.set_input_files(str(photo))
    await page.wait_for_function(VERDICT, arg=before, timeout=STEP_TIMEOUT_MS)
    seconds = time.perf_counter() - start
    await check_page(page, f"Classify {photo.name}")
    save = page.get_by_role("button", name=SAVE_BUTTON)
    kinds = page.locator(".st-key-classify-newest").get_by_role("radio")  # the kind buttons
    try:  # the kind to tap comes just after the verdict, or a passcode field first
        await kinds.or_(page.locator(PASSCODE_INPUT)).first.wait_for(timeout=STEP_TIMEOUT_MS)
        await unlock_if_asked(page, passcode)
        await kinds.first.wait_for(timeout=STEP_TIMEOUT_MS)
        if not await kinds.and_(page.locator("[aria-checked=true]")).count():
            await kinds.first.click()  # not sure: one tap on the best guess ticks it
            await page.wait_for_function(IDLE, timeout=STEP_TIMEOUT_MS)
        await save.first.wait_for(timeout=STEP_TIMEOUT_MS)
    except PlaywrightTimeout:
        raise VisitError(f"Classify {photo.name}: no button to save to the catalogue") from None
    alerts_before = await page.locator('[data-testid="stAlertContentSuccess"]').count()
    await save.first.click()
    # Saved: a new success message ("... record #12 ...") once the run has ended.
    await page.wait_for_function(
        """(before) => {
          const app = document.querySelector('[data-testid="stApp"]');
          if (!app || app.dataset.testScriptState !== 'notRunning') return false;
          return document.querySelectorAll('[data-testid="stAlertContentSuccess"]').length > before
            || !!document.querySelector('[data-testid="stAlertContentError"]');
        }""",
        arg=alerts_before,
        timeout=STEP_TIMEOUT_MS,
    )
    await check_page(page, f"saving {photo.name}")
    if tally is not None:
        tally.saves += 1
    return seconds


async def visitor(
    browser: Browser,
    url: str,
    photos: list[Path],
    rounds: int,
    passcode: str | None,
    tally: Tally,
    by_link: bool = False,
) -> None:
    """Browse, then classify and save one photo per round; errors are counted, not fatal."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        for i in range(rounds):
            try:
                where = ("", "Home"), ("/browse", "Browse"), ("/catalogue", "Catalogue")
                path, name = where[i % len(where)]
                await open_page(page, url + path, name, by_link)
                photo = photos[i % len(photos)]
                seconds = await classify_and_save(page, url, photo, passcode, tally, by_link)
                tally.verdict_s.append(seconds)
            except Exception as exc:  # a timeout or a VisitError: count it and go on
                tally.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                await keep_evidence(page, tally)
    finally:
        await context.close()


async def train_once(page: Page, url: str, by_link: bool = False) -> None:
    """One training on Train live with the page's defaults, until its outcome is shown."""
    await open_page(page, url + "/train_live", "Train live", by_link)
    await page.get_by_role("button", name="Train", exact=True).click()
    await page.get_by_role("button", name="Stop", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
    await page.get_by_role("button", name="Train", exact=True).wait_for(timeout=600_000)
    await page.wait_for_function(IDLE, timeout=STEP_TIMEOUT_MS)
    await check_page(page, "Train live")


async def trainer(
    browser: Browser, url: str, others_done: asyncio.Event, tally: Tally, by_link: bool = False
) -> None:
    """Train again and again until the other visitors are done."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        while not others_done.is_set():
            try:
                await train_once(page, url, by_link)
                tally.trainings += 1
            except Exception as exc:
                tally.errors.append(f"training: {type(exc).__name__}: {str(exc)[:200]}")
                await keep_evidence(page, tally)
                if others_done.is_set():
                    break
    finally:
        await context.close()


async def run_visitors(
    server: AppServer,
    chromium: str,
    photos: list[Path],
    sessions: int,
    rounds: int,
    passcode: str | None = None,
    evidence: Path | None = None,
    by_link: bool = True,
) -> dict:
    """One visitor alone first (the comparison), then all of them at once; the figures."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        # Warm-up and the comparison: one visitor alone on the server (models loaded once).
        alone = Tally(evidence=evidence)
        rounds_alone = max(rounds, 3) + 1
        await visitor(browser, server.url, photos[::7], rounds_alone, passcode, alone, by_link)
        alone_s = alone.verdict_s[1:]  # the first photo pays for loading the photo model
        tally = Tally(evidence=evidence)
        others_done = asyncio.Event()
        training = asyncio.create_task(trainer(browser, server.url, others_done, tally, by_link))
        n = sessions - 1
        await asyncio.gather(
            *(
                visitor(browser, server.url, photos[i::n], rounds, passcode, tally, by_link)
                for i in range(n)
            )
        )
        others_done.set()
        await training
        await browser.close()
    p50 = statistics.median(tally.verdict_s) if tally.verdict_s else None
    p95 = percentile(tally.verdict_s, 95)
    alone_p50 = statistics.median(alone_s) if alone_s else None
    return {
        "sessions": sessions,
        "navigation": "link" if by_link else "reload",
        "errors": len(tally.errors) + len(alone.errors),
        "p50_s": round(p50, 2) if p50 is not None else None,
        "p95_s": round(p95, 2) if p95 is not None else None,
        "peak_rss_mb": round(server.memory_mb()[1]),
        "trainings": tally.trainings,
        "uploads": len(tally.verdict_s),
        "saves": tally.saves,
        "alone_p50_s": round(alone_p50, 2) if alone_p50 is not None else None,
        "p50_vs_alone": round(p50 / alone_p50, 2) if p50 and alone_p50 else None,
        "error_kinds": sorted(set(tally.errors + alone.errors))[:5],
        "cores": os.cpu_count(),
    }


def percentile(values: list[float], pct: float) -> float | None:
    """The pct-th percentile (linear between ranks), None without values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def main() -> None:
    """Serve the app, run the visitors, print the JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=6, help="browser sessions, one trains")
    parser.add_argument(
        "--rounds",
        type=int,
        default=8,  # 40 uploads with 6 sessions: the p95 is not just the second slowest of 20
        help="photos each other visitor saves",
    )
    parser.add_argument("--photos", default=os.environ.get("FMNIST_PHOTOS_DIR"))
    parser.add_argument("--passcode", default=None, help="the staff passcode, if one is set")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--evidence", type=Path, help="a folder for screenshots of errors")
    parser.add_argument("--server-log", type=Path, help="a file for the server's output")
    parser.add_argument(
        "--reload",
        action="store_true",
        help="open every page by loading its address afresh, not by its link in the sidebar",
    )
    args = parser.parse_args()
    if not args.photos:
        parser.error("set FMNIST_PHOTOS_DIR or pass --photos")
    if args.sessions < 2:
        parser.error("--sessions must be at least 2 (one trains)")
    photos = photos_in(Path(args.photos))
    with tempfile.TemporaryDirectory() as folder:
        env = {"FMNIST_CATALOGUE_DB": str(Path(folder) / "catalogue.sqlite3")}
        with app_server(env, log=args.server_log) as server:
            figures = asyncio.run(
                run_visitors(
                    server,
                    args.chromium,
                    photos,
                    args.sessions,
                    args.rounds,
                    args.passcode,
                    args.evidence,
                    by_link=not args.reload,
                )
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
