"""What watching costs: training through the Train page in a browser against the engine alone.

    FMNIST_DATA_DIR=... python benchmarks/live_view_cost.py [--reps 8] [--epochs 10]

Starts the app with `streamlit run`, drives Debian's Chromium with Playwright (128 units, all
60,000 pictures, early stop off and --epochs epochs, so that every run is equally long), and
alternates with the same training by the engine alone (nobody watching) in this process. The app
writes each job's seconds per epoch to FMNIST_TRAINING_LOG; the browser counts how often the live
view's text changed (a MutationObserver in the page, so the counting costs nothing measurable).

Prints one JSON line: seconds per epoch both ways (median over runs of each run's mean), the
overhead over whole runs and in steady state (median epoch from the third on: the first includes
compiling, the second the page switching to the live view), each page run compared with the engine
runs just before and after it, updates per second, and the share of
training time the engine itself spends handing progress to the live view. The browser
runs on the same 2 cores here, which is the worst case (a laptop showing its own app); a visitor
of a hosted app draws the page on their own computer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from fmnist_demo.foreground import one_thread_per_operation  # noqa: E402

# The engine alone runs as the server runs it (one thread per TensorFlow operation), so that the
# comparison is of watching alone; set before TensorFlow starts.
one_thread_per_operation()

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from fmnist_demo.data import load_fashion_mnist  # noqa: E402
from fmnist_demo.serve import running_app  # noqa: E402
from fmnist_demo.training import LOG_ENV, TrainSettings, train  # noqa: E402

# Counts changes of the live view's text from the moment it is installed.
# Counts changes of the live view's text, and of the hidden units' picture, from the moment it is
# installed.
COUNT_UPDATES = """() => {
  window.__updates = 0; window.__first = null; window.__last = null;
  window.__pictures = 0; window.__pfirst = null; window.__plast = null;
  let seen = null, picture = null;
  new MutationObserver(() => {
    const now = performance.now();
    const view = document.querySelector('.fm-live');
    if (view && view.textContent !== seen) {
      seen = view.textContent; window.__updates += 1;
      if (window.__first === null) window.__first = now;
      window.__last = now;
    }
    const grid = document.querySelector('.fm-units img');
    if (grid && grid.getAttribute('src') !== picture) {
      picture = grid.getAttribute('src'); window.__pictures += 1;
      if (window.__pfirst === null) window.__pfirst = now;
      window.__plast = now;
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: ['src']});
}"""


def rate(count: int, first: float | None, last: float | None) -> float:
    """Changes per second between the first and the last change seen (0 with fewer than two)."""
    return (count - 1) / ((last - first) / 1000) if count > 1 and last > first else 0.0


def engine_alone(x, y, epochs: int, cpu: str | None = None) -> list[float]:
    """Seconds of each epoch with nobody watching; on processor `cpu` only, in a fresh process."""
    if cpu is None:
        result = train(x, y, TrainSettings(epochs=epochs, target_accuracy=None))
        return [m.seconds for m in result.history]
    out = subprocess.run(
        ["taskset", "-c", cpu, sys.executable, __file__, "--engine-only", "--epochs", str(epochs)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def chromium_on(cpu: str, chromium: str, folder: Path) -> str:
    """A launcher that starts Chromium on processor `cpu` only."""
    launcher = folder / "chromium-pinned"
    launcher.write_text(f'#!/bin/sh\nexec taskset -c {cpu} {chromium} "$@"\n')
    launcher.chmod(0o755)
    return str(launcher)


def set_up_page(page: Page, url: str, epochs: int) -> None:
    """Open the Train page and choose: no early stop, `epochs` epochs."""
    page.goto(url + "/train_live")
    page.get_by_text("Stop early at a target accuracy").click()
    expect(page.get_by_role("switch", name="Stop early at a target accuracy")).not_to_be_checked()
    slider = page.get_by_role("slider", name=re.compile("Epochs"))
    slider.focus()
    slider.press("End")  # 20, then one step down per press
    for _ in range(20 - epochs):
        slider.press("ArrowLeft")
    expect(slider).to_have_value(str(epochs))


def through_page(
    page: Page, url: str, epochs: int, log: Path
) -> tuple[list[float], float, float, float]:
    """(seconds of each epoch, live-view updates per second, the engine's share of time spent
    recording progress, changes of the units' picture per second) of one training in the
    browser, with the units' pictures on, as the page shows them by default."""
    set_up_page(page, url, epochs)
    page.wait_for_timeout(2000)  # let the page settle, as a person reading the settings would
    page.evaluate(COUNT_UPDATES)
    before = log.read_text().count("\n") if log.exists() else 0
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training time").first.wait_for(timeout=300_000)
    updates, first, last, pictures, p_first, p_last = page.evaluate(
        "[window.__updates, window.__first, window.__last,"
        " window.__pictures, window.__pfirst, window.__plast]"
    )
    lines = log.read_text().splitlines()
    assert len(lines) == before + 1, "the app did not log the training"
    record = json.loads(lines[-1])
    assert record["epochs_done"] == epochs, record
    per_s = rate(updates, first, last)
    return record["epoch_seconds"], per_s, record["report_share"], rate(pictures, p_first, p_last)


def main() -> None:
    """Alternate engine-alone and through-the-page runs; print medians as one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--split",
        action="store_true",
        help="server and engine on processor 0 only, the browser on processor 1: a one-core host "
        "whose visitor's browser runs elsewhere",
    )
    parser.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    (x, y), _ = load_fashion_mnist()
    engine_alone(x[:5_000], y[:5_000], 1)  # compile once, as the server does on its first run
    if args.engine_only:  # one engine run for --split, in a process pinned by the caller
        print(json.dumps(engine_alone(x, y, args.epochs)))
        return
    folder = Path(tempfile.mkdtemp())
    log = folder / "trainings.jsonl"
    server_cpu, chromium = (("0", chromium_on("1", args.chromium, folder)) if args.split
                            else (None, args.chromium))  # fmt: skip
    engine, page_runs, updates, shares, pictures = [], [], [], [], []
    with (
        running_app(env={LOG_ENV: str(log)}, cpus=server_cpu) as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        warm = browser.new_page(viewport={"width": 1280, "height": 1600})
        through_page(warm, url, 2, log)  # the server compiles on its first training
        warm.close()
        engine.append(engine_alone(x, y, args.epochs, server_cpu))
        # Each page run sits between two engine runs, so a slow spell of the machine hits both.
        for _ in range(args.reps):
            tab = browser.new_page(viewport={"width": 1280, "height": 1600})
            seconds, per_s, share, pictures_per_s = through_page(tab, url, args.epochs, log)
            tab.close()
            pictures.append(pictures_per_s)
            page_runs.append(seconds)
            updates.append(per_s)
            shares.append(share)
            engine.append(engine_alone(x, y, args.epochs, server_cpu))
        browser.close()

    def overhead(pick) -> float:
        """Median over page runs of (page / mean of the engine runs either side) - 1, in %."""
        ratios = [
            pick(page) / statistics.mean([pick(engine[i]), pick(engine[i + 1])])
            for i, page in enumerate(page_runs)
        ]
        return round(100 * (statistics.median(ratios) - 1), 1)

    def whole(run: list[float]) -> float:
        return statistics.mean(run)

    def steady(run: list[float]) -> float:  # from the third epoch on
        return statistics.median(run[2:])

    print(
        json.dumps(
            {
                "engine_s_per_epoch": round(statistics.median(map(whole, engine)), 3),
                "page_s_per_epoch": round(statistics.median(map(whole, page_runs)), 3),
                "overhead_pct": overhead(whole),
                "steady_overhead_pct": overhead(steady),
                "ui_updates_per_s": round(statistics.median(updates), 1),
                "weights_updates_per_s": round(statistics.median(pictures), 1),
                "engine_recording_pct": round(100 * statistics.median(shares), 3),
                "layout": "server on 1 core, browser on the other"
                if args.split
                else "server and browser sharing 2 cores",
                "epochs": args.epochs,
                "reps": args.reps,
            }
        )
    )


if __name__ == "__main__":
    main()
