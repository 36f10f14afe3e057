"""The one way tests open the app in AppTest (also the `app` fixture in conftest.py), and what
makes every AppTest of a test run cheaper (scan_components_once, called by conftest.py)."""

from __future__ import annotations

import functools
from pathlib import Path

from streamlit.components.v2 import manifest_scanner
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
PAGES_DIR = "fmnist_demo/pages"
# How long one run of the script may take: a busy machine's first page imports TensorFlow.
RUN_TIMEOUT_S = 180


def open_app(
    page: str | None = None,
    *,
    lang: str | None = None,
    secrets: dict | None = None,
    session: dict | None = None,
    run: bool = True,
) -> AppTest:
    """The app as a visitor opens it: `?lang=`, secrets and session state set, then `page`
    ("catalogue" or "fmnist_demo/pages/catalogue.py"; Home when None), run with no exception.
    With run=False, set up but not yet run (Home's first run, or more to set before it)."""
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT_S)
    for name, value in (secrets or {}).items():
        at.secrets[name] = value
    if lang:
        at.query_params["lang"] = lang
    for key, value in (session or {}).items():
        at.session_state[key] = value
    if page:
        at.switch_page(page if "/" in page else f"{PAGES_DIR}/{page}.py")
    if run:
        at.run()
        assert not at.exception, at.exception
    return at


def scan_components_once() -> None:
    """Scan the installed packages for Streamlit components once per test process.

    Each AppTest's first run reads the metadata of every installed package to find components
    (about 0.3 s of processor time, a third of a typical page test); the packages installed do
    not change while the tests run, so the first scan's answer serves every AppTest after it.
    """
    scan = manifest_scanner.scan_component_manifests
    if not hasattr(scan, "cache_info"):  # not wrapped yet
        manifest_scanner.scan_component_manifests = functools.cache(scan)
