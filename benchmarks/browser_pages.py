"""How long each page takes in a real browser, and the server's memory after it.

    FMNIST_DATA_DIR=... python benchmarks/browser_pages.py [--warm 3]

For each window size (a 1280 x 900 desk screen, then a 390 x 844 phone) the app is started afresh
with `streamlit run`, and Debian's Chromium (Playwright) opens every page in turn: first in a new
browser (an empty browser cache, and the server's caches empty for that page), then `--warm` more
times, each a fresh load of the page in the same browser. A time runs from the start of the
navigation until Streamlit reports that the page's script has finished (the app element's
`data-test-script-state` turns to "notRunning"). After each page the server's resident memory is
read (fmnist_demo.serve).

The app imports TensorFlow in the background once the first page is shown
(FMNIST_PRELOAD_TENSORFLOW); the obvious alternative, importing it only when a page needs it, is
measured in the same run at the desk size as "desk_without_preload".

Prints one JSON line: {"pages": {name: {"first_s", "warm_s", "rss_mb"}}, "phone": {...},
"desk_without_preload": {...}, "targets": {...}, "slowest_warm_s", "slowest_first_s"}; warm_s is
the median of the warm loads. Pages are visited in the order of the navigation, as a visitor
would. AppTest's script time without a browser is benchmarks/page_speed.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from fmnist_demo.serve import app_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PRELOAD_ENV = (
    "FMNIST_PRELOAD_TENSORFLOW"  # fmnist_demo.pages._preload.PRELOAD_ENV (no Streamlit here)
)
PAGES = {  # name: path in the address
    "home": "",
    "browse": "browse",
    "train_live": "train_live",
    "results": "results",
    "classify": "classify",
    "catalogue": "catalogue",
}
SIZES = {"pages": (1280, 900), "phone": (390, 844)}
TARGETS = {"warm_s": 1.5, "first_s": 4.0}
FINISHED = (
    "() => { const app = document.querySelector('[data-testid=stApp]');"
    " return app !== null && app.dataset.testScriptState === 'notRunning'"
    " && document.querySelector('[data-testid=stMainBlockContainer]') !== null; }"
)


def load_s(page, url: str) -> float:
    """Seconds from navigating to `url` until the page's script has finished running."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(FINISHED, timeout=180_000, polling=20)
    elapsed = time.perf_counter() - start
    text = page.inner_text("body")
    if "Traceback" in text:
        raise RuntimeError(f"{url} shows a traceback")
    return elapsed


def measure(
    browser: Browser,
    size: tuple[int, int],
    warm: int,
    names: list[str],
    env: dict[str, str] | None = None,
) -> dict[str, dict]:
    """The named pages, in order, on a freshly started server, at one window size."""
    figures = {}
    with app_server(env) as server:
        base = server.url
        for name in names:
            path = PAGES[name]
            context = browser.new_context(viewport={"width": size[0], "height": size[1]})
            page = context.new_page()
            url = f"{base}/{path}"
            first = load_s(page, url)
            warm_times = [load_s(page, url) for _ in range(warm)]
            figures[name] = {
                "first_s": round(first, 2),
                "warm_s": round(statistics.median(warm_times), 2),
                "rss_mb": round(server.memory_mb()[0], 1),
            }
            context.close()
    return figures


def main() -> None:
    """Measure both window sizes and print the JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=3, help="warm loads per page (median)")
    parser.add_argument(
        "--pages", default=",".join(PAGES), help="comma-separated subset, e.g. browse,results"
    )
    args = parser.parse_args()
    names = args.pages.split(",")
    line: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for key, size in SIZES.items():
            line[key] = measure(browser, size, args.warm, names)
        line["desk_without_preload"] = measure(
            browser, SIZES["pages"], args.warm, names, {PRELOAD_ENV: "0"}
        )
        browser.close()
    every = [f for key in SIZES for f in line[key].values()]
    line["targets"] = TARGETS
    line["slowest_warm_s"] = max(f["warm_s"] for f in every)
    line["slowest_first_s"] = max(f["first_s"] for f in every)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
