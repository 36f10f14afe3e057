"""Server memory: one visitor, two visitors (one training), and 40 trainings in a row.

    FMNIST_DATA_DIR=... FMNIST_PHOTOS_DIR=... python benchmarks/memory.py [--trainings 40]

Part 1, the app as served (`streamlit run`, a fresh SQLite catalogue, Debian's headless Chromium
with Playwright), on one fresh server in this order:
  - one visitor opens Home, Browse and Catalogue and classifies and saves --photos photos:
    the server's peak resident memory so far (one_visitor_peak_mb);
  - a second visitor trains with the Train page's defaults while the first classifies again:
    the peak so far (two_visitors_peak_mb);
  - the second visitor trains --trainings one-epoch trainings on all 60,000 pictures: resident
    memory after the first and after the last (growth_mb).
Part 2, the comparison, the engine alone in two fresh processes: the same number of one-epoch
trainings (10,000 pictures) reusing the compiled training step, as the app does, against
compiling a new one for each training, as the app did before (engine_growth_*_mb).

Prints one JSON line (MiB). Targets: one visitor within 900 MB, two within 1.5 GB, growth over
40 trainings within 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from playwright.async_api import Page, async_playwright  # noqa: E402
from visitors import (  # noqa: E402
    BROWSER_ARGS,
    IDLE,
    STEP_TIMEOUT_MS,
    check_page,
    classify_and_save,
    open_page,
    photos_in,
)

from fmnist_demo.serve import AppServer, app_server, rss_mb  # noqa: E402
from fmnist_demo.training import LOG_ENV  # noqa: E402

ENGINE_PICTURES = 10_000


def lines(path: Path) -> int:
    """Lines in a file (0 when it does not exist yet)."""
    return path.read_text().count("\n") if path.exists() else 0


async def wait_for_log(log: Path, count: int, timeout_s: float = 900) -> None:
    """Wait until the app has logged `count` finished trainings."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while lines(log) < count:
        if loop.time() > deadline:
            raise TimeoutError(f"the app logged {lines(log)} of {count} trainings")
        await asyncio.sleep(0.1)  # a file gives no event to wait on


async def train(page: Page, url: str, log: Path, one_epoch: bool) -> None:
    """One training on the Train page, until it is logged and its outcome shown."""
    await open_page(page, url + "/train_live", "Train live")
    if one_epoch:
        slider = page.get_by_role("slider", name=re.compile("Epochs"))
        await slider.focus()
        await slider.press("Home")
        await page.wait_for_function(IDLE, timeout=STEP_TIMEOUT_MS)
    before = lines(log)
    await page.get_by_role("button", name="Train", exact=True).click()
    await wait_for_log(log, before + 1)
    await page.get_by_role("button", name="Train", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
    await page.wait_for_function(IDLE, timeout=STEP_TIMEOUT_MS)
    await check_page(page, "Train live")
    record = json.loads(log.read_text().splitlines()[-1])
    if record["error"] or (one_epoch and record["epochs_done"] != 1):
        raise RuntimeError(f"unexpected training: {record}")


async def through_the_app(
    server: AppServer, log: Path, photos: list[Path], n_photos: int, trainings: int, chromium: str
) -> dict:
    """Part 1: the figures of the served app; a step that fails is counted and the rest go on."""
    errors: list[str] = []

    async def step(action) -> bool:
        try:
            await action
            return True
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            return False

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        first = await (
            await browser.new_context(viewport={"width": 1280, "height": 900})
        ).new_page()
        second = await (
            await browser.new_context(viewport={"width": 1280, "height": 900})
        ).new_page()
        for path, name in (("", "Home"), ("/browse", "Browse"), ("/catalogue", "Catalogue")):
            await step(open_page(first, server.url + path, name))
        for photo in photos[:n_photos]:
            await step(classify_and_save(first, server.url, photo, None, None))
        one_visitor = server.memory_mb()[1]

        async def classify_more() -> None:
            for photo in photos[n_photos : 2 * n_photos]:
                await step(classify_and_save(first, server.url, photo, None, None))

        await asyncio.gather(step(train(second, server.url, log, one_epoch=False)), classify_more())
        two_visitors = server.memory_mb()[1]

        after: list[float] = []
        for _ in range(trainings):
            if await step(train(second, server.url, log, one_epoch=True)):
                after.append(server.memory_mb()[0])
        await browser.close()
    if len(after) < 2:
        raise SystemExit(f"too few trainings went through: {errors[:3]}")
    return {
        "one_visitor_peak_mb": round(one_visitor),
        "two_visitors_peak_mb": round(two_visitors),
        "trainings": len(after),
        "after_first_training_mb": round(after[0]),
        "after_last_training_mb": round(after[-1]),
        "growth_mb": round(after[-1] - after[0]),
        "after_every_10th_mb": [round(m) for m in after[9::10]],
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }


def engine_alone(trainings: int, fresh_step: bool) -> list[float]:
    """Resident memory (MiB) of this process after each one-epoch training of the engine."""
    from fmnist_demo import training
    from fmnist_demo.data import load_fashion_mnist

    (x, y), _ = load_fashion_mnist()
    x, y = x[:ENGINE_PICTURES], y[:ENGINE_PICTURES]
    after = []
    for i in range(trainings):
        if fresh_step:
            training._IDLE_KITS.clear()  # as before: every training compiles its own step
        training.train(x, y, training.TrainSettings(epochs=1, target_accuracy=None, seed=i))
        after.append(rss_mb(os.getpid())[0])
    return after


def engine_growth(trainings: int, fresh_step: bool) -> float:
    """Memory growth from the first to the last training, in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--engine", "fresh" if fresh_step else "reuse",
         "--trainings", str(trainings)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    after = json.loads(out.strip().splitlines()[-1])
    return after[-1] - after[0]


def main() -> None:
    """Measure both parts and print the JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainings", type=int, default=40)
    parser.add_argument("--photos", type=int, default=8, help="photos the first visitor saves")
    parser.add_argument("--photos-dir", default=os.environ.get("FMNIST_PHOTOS_DIR"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--engine", choices=["reuse", "fresh"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:  # one process of part 2
        print(json.dumps(engine_alone(args.trainings, args.engine == "fresh")))
        return
    if not args.photos_dir:
        parser.error("set FMNIST_PHOTOS_DIR or pass --photos-dir")
    photos = photos_in(Path(args.photos_dir))
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "trainings.jsonl"
        env = {"FMNIST_CATALOGUE_DB": str(Path(folder) / "catalogue.sqlite3"), LOG_ENV: str(log)}
        with app_server(env) as server:
            figures = asyncio.run(
                through_the_app(server, log, photos, args.photos, args.trainings, args.chromium)
            )
    reuse = engine_growth(args.trainings, fresh_step=False)
    fresh = engine_growth(args.trainings, fresh_step=True)
    figures.update(
        engine_growth_reused_step_mb=round(reuse, 1),
        engine_growth_new_step_each_mb=round(fresh, 1),
        engine_growth_per_training_mb=[
            round(reuse / max(args.trainings - 1, 1), 2),
            round(fresh / max(args.trainings - 1, 1), 2),
        ],
        targets_met=not figures["errors"]
        and figures["one_visitor_peak_mb"] <= 900 * 1e6 / 2**20
        and figures["two_visitors_peak_mb"] <= 1.5e9 / 2**20
        and figures["growth_mb"] <= 100 * 1e6 / 2**20,
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
