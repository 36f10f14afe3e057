"""A page's first visit in an interpreter of its own, where nothing else of the test session can
have imported TensorFlow: whether the visit needed it is then a plain fact to assert."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fmnist_demo.pages._preload import PRELOAD_ENV

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")


def first_visit_imports_tensorflow(page: str, then: str = "") -> bool:
    """Open `page` through the entry in a fresh interpreter (the app's background import of
    TensorFlow switched off), run the Python lines `then` against its AppTest `at`, and say
    whether TensorFlow or Keras was imported."""
    script = "\n".join(
        [
            "import sys",
            "from streamlit.testing.v1 import AppTest",
            f"at = AppTest.from_file({APP!r}, default_timeout=300)",
            f"at.switch_page({page!r})",
            "at.run()",
            "assert not at.exception, at.exception",
            textwrap.dedent(then),
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)",
        ]
    )
    env = {**os.environ, PRELOAD_ENV: "0", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1] == "True"
