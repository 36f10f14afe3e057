"""What every browser test file shares: Debian's Chromium and Playwright, or a skip.

Without a browser the browser tests are skipped, unless FMNIST_REQUIRE_BROWSER=1 (as in CI), where
a missing one is an error.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is in requirements-dev.txt
    Page = expect = sync_playwright = None

_missing = CHROMIUM is None or sync_playwright is None
if _missing and os.environ.get("FMNIST_REQUIRE_BROWSER") == "1":
    raise RuntimeError("Browser tests are required here but Chromium or Playwright is missing.")
needs_browser = pytest.mark.skipif(_missing, reason="needs Chromium and Playwright")

# True once Streamlit has finished running the page's script (for page.wait_for_function).
FINISHED = (
    "() => { const app = document.querySelector('[data-testid=stApp]');"
    " return app !== null && app.dataset.testScriptState === 'notRunning'; }"
)

__all__ = ["CHROMIUM", "FINISHED", "Page", "expect", "needs_browser", "sync_playwright"]
