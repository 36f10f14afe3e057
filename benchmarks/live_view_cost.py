"""What watching costs: training through the Train page in a browser against the engine alone.

    FMNIST_DATA_DIR=... python benchmarks/live_view_cost.py [--reps 2]

Starts the app with `streamlit run`, drives Debian's Chromium with Playwright (default settings:
128 units, 60,000 pictures, stop at 90 %), reads the page's own "Training time", and runs the same
training with the engine alone (nobody watching) in this process. Prints one JSON line: seconds per
epoch both ways, the overhead, and how often the live view visibly changed. The browser runs on
the same 2 cores here, so the overhead is an upper bound for a visitor on their own computer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from playwright.sync_api import sync_playwright  # noqa: E402

from fmnist_demo.data import load_fashion_mnist  # noqa: E402
from fmnist_demo.serve import running_app  # noqa: E402
from fmnist_demo.training import TrainSettings, train  # noqa: E402


def engine_alone(x, y) -> float:
    """Seconds per epoch with the page's default settings and nobody watching."""
    result = train(x, y, TrainSettings())
    return result.seconds / result.epochs_done


def through_page(url: str, chromium: str) -> tuple[float, float]:
    """(seconds per epoch as the page reports them, visible updates per second while training)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(url + "/train_live")
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("Pictures this epoch").first.wait_for(timeout=120_000)
        changes, last, start = 0, None, time.perf_counter()
        while True:  # sample the progress texts until the live view is gone
            texts = page.locator("[data-testid='stProgress']").all_inner_texts()
            current = next((t for t in texts if "Pictures this epoch" in t), None)
            if current is None:
                break
            if current != last:
                changes, last = changes + 1, current
            page.wait_for_timeout(40)
        watched = time.perf_counter() - start
        page.get_by_text("Training time").first.wait_for(timeout=60_000)
        body = page.inner_text("body")
        browser.close()
    seconds = float(re.search(r"Training time\s+([\d.]+) s", body).group(1))
    epochs = int(re.search(r"(?:after epoch|finished all) (\d+)", body).group(1))
    return seconds / epochs, changes / watched


def main() -> None:
    """Alternate engine-alone and through-the-page runs; print medians as one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    (x, y), _ = load_fashion_mnist()
    engine, page, updates = [], [], []
    with running_app() as url:
        for _ in range(args.reps):
            engine.append(engine_alone(x, y))
            per_epoch, per_s = through_page(url, args.chromium)
            page.append(per_epoch)
            updates.append(per_s)
    e, p = statistics.median(engine), statistics.median(page)
    print(
        json.dumps(
            {
                "engine_s_per_epoch": round(e, 3),
                "page_s_per_epoch": round(p, 3),
                "overhead_pct": round(100 * (p / e - 1), 1),
                "ui_updates_per_s": round(statistics.median(updates), 1),
                "reps": args.reps,
            }
        )
    )


if __name__ == "__main__":
    main()
