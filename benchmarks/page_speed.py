"""How fast each page renders: the first visit (loading data and models) against a warm one.

    FMNIST_DATA_DIR=... python benchmarks/page_speed.py [--reps 5]

Each page runs in a fresh process through AppTest. Prints one JSON line: per page, the seconds of
the first run and the median of the warm runs, and whether that page imported TensorFlow (the
app's background import of it, FMNIST_PRELOAD_TENSORFLOW, is switched off here). In a browser:
benchmarks/browser_pages.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "home": None,
    "browse": "fmnist_demo/pages/browse.py",
    "results": "fmnist_demo/pages/results.py",
    "quiz": "fmnist_demo/pages/quiz.py",
    "train_live": "fmnist_demo/pages/train_live.py",
    "catalogue": "fmnist_demo/pages/catalogue.py",
}

_RUNNER = """
import json, statistics, sys, time
from streamlit.testing.v1 import AppTest
page, reps = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(reps + 1):
    at = AppTest.from_file("streamlit_app.py", default_timeout=300)
    if page != "None":
        at.switch_page(page)
    start = time.perf_counter()
    at.run()
    times.append(time.perf_counter() - start)
    assert not at.exception, at.exception
print(json.dumps({"first_s": round(times[0], 3), "warm_s": round(statistics.median(times[1:]), 3),
                  "imports_tensorflow": "tensorflow" in sys.modules}))
"""


def main() -> None:
    """Measure every page in its own process and print the JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    # without the app's background import of TensorFlow, so that each page shows its own needs
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "FMNIST_PRELOAD_TENSORFLOW": "0"}
    line = {}
    for name, page in PAGES.items():
        out = subprocess.run(
            [sys.executable, "-c", _RUNNER, str(page), str(args.reps)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        line[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(line))


if __name__ == "__main__":
    main()
