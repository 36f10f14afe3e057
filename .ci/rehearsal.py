"""CI's deployment rehearsal: the app as Community Cloud would run it, checked in Chromium.

    python .ci/rehearsal.py --app-dir COPY --python RUNTIME_PY --db-url URL --passcode CODE

Run by .ci/run with the development venv's Python (Playwright lives there) against a server
started from a runtime-only venv (`requirements.txt` alone) in a temporary copy of the app. It

1. writes the copy's `.streamlit/secrets.toml`: the PostgreSQL URL under [connections.sql] and a
   staff passcode under [catalogue] (the copy is thrown away; nothing is committed);
2. starts `streamlit run streamlit_app.py` with the dataset only in Keras's cache ($KERAS_HOME,
   no FMNIST_DATA_DIR), as after a download;
3. opens every page listed in the app's navigation in Chromium, in English and again in Bengali
   (`?lang=bn`: the compiled catalogues ship with the app), and fails on an exception box, an
   error message, a traceback or a Bengali page whose title is not in Bengali;
4. uploads a photo on "Classify a photo", unlocks the catalogue with the passcode, saves the
   item under a unique name and finds that name in the PostgreSQL database.

Exits non-zero with the reason (and the server's log) on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import uuid
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fmnist_demo.serve import app_server  # noqa: E402

PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".webp"}
BENGALI = re.compile("[\u0980-\u09ff]")  # the Bengali block of Unicode
PASSCODE_INPUT = 'input[aria-label*="passcode" i]'  # the "Staff passcode" box of a locked catalogue
TIMEOUT_MS = 180_000  # the first visit loads TensorFlow and the models on a busy machine
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning';
}"""


class RehearsalFailed(RuntimeError):
    """Something a visitor or whoever hosts the app would see go wrong."""


def write_secrets(app_dir: Path, db_url: str, passcode: str) -> Path:
    """The copy's .streamlit/secrets.toml, as a host would set it on Community Cloud."""
    folder = app_dir / ".streamlit"
    folder.mkdir(exist_ok=True)
    path = folder / "secrets.toml"
    # json.dumps gives a valid TOML basic string for these plain values.
    path.write_text(
        f"[connections.sql]\nurl = {json.dumps(db_url)}\n\n"
        f"[catalogue]\npasscode = {json.dumps(passcode)}\n",
        encoding="utf-8",
    )
    return path


def settle(page: Page) -> None:
    """Wait until the page's script has run and its elements are drawn."""
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)


def check(page: Page, where: str) -> None:
    """Fail on an exception box, an error message or a traceback on the page."""
    if page.locator('[data-testid="stException"]').count():
        raise RehearsalFailed(f"{where}: exception box: {page.inner_text('body')[:800]}")
    errors = page.locator('[data-testid="stAlertContentError"]')
    if errors.count():
        raise RehearsalFailed(f"{where}: error message: {errors.first.inner_text()[:400]}")
    if "Traceback" in page.inner_text("body"):
        raise RehearsalFailed(f"{where}: traceback on the page")


def open_every_page(page: Page, url: str, shots: Path, lang: str = "en") -> list[str]:
    """Visit each page of the navigation in one language; the titles seen."""
    page.goto(f"{url}/?lang={lang}", wait_until="domcontentloaded")
    settle(page)
    check(page, "first page")
    nav = page.locator('[data-testid="stSidebarNav"] a')
    nav.first.wait_for(timeout=TIMEOUT_MS)
    # A link's text is its icon's name, then the page's title.
    links = [(nav.nth(i).inner_text().strip().splitlines()[-1], nav.nth(i).get_attribute("href"))
             for i in range(nav.count())]  # fmt: skip
    if len(links) < 6:
        raise RehearsalFailed(f"the navigation lists {len(links)} pages: {links}")
    seen = []
    for name, href in links:
        address = href if href.startswith("http") else url + href
        page.goto(f"{address}?lang={lang}", wait_until="domcontentloaded")
        settle(page)
        check(page, name)
        page.screenshot(path=str(shots / f"page-{lang}-{len(seen) + 1}.png"), full_page=True)
        check(page, name)  # anything drawn while the screenshot was taken
        title = page.locator("h1").first.inner_text().strip()
        if lang == "bn" and not BENGALI.search(title):
            raise RehearsalFailed(f"{name}: the title is not in Bengali: {title!r}")
        print(f"  {name}: '{title}' opened, no error", flush=True)
        seen.append(title)
    return seen


def save_a_photo(
    page: Page, url: str, photo: Path, passcode: str, marker: str, shots: Path
) -> None:
    """Classify one photo, unlock the catalogue, save the item under the name `marker`."""
    page.goto(url + "/classify", wait_until="domcontentloaded")
    settle(page)
    tab = page.get_by_role("tab", name=re.compile("upload", re.IGNORECASE))
    if tab.count():
        tab.first.click()  # the file is picked at once, while the tab's run may still go on
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
    uploader.set_input_files(str(photo))
    save = page.get_by_role("button", name=re.compile("catalogue|save", re.IGNORECASE))
    passcode_box = page.locator(PASSCODE_INPUT)
    answer = save.or_(passcode_box).filter(visible=True).first
    try:
        answer.wait_for(timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        page.screenshot(path=str(shots / "upload-not-answered.png"), full_page=True)
        raise RehearsalFailed("no verdict for the upload (upload-not-answered.png)") from None
    check(page, f"Classify {photo.name}")
    if passcode_box.count():
        passcode_box.first.fill(passcode)
        page.get_by_role("button", name=re.compile("unlock", re.IGNORECASE)).first.click()
        passcode_box.first.wait_for(state="detached", timeout=TIMEOUT_MS)
        print("  catalogue unlocked with the staff passcode", flush=True)
    else:
        raise RehearsalFailed("the catalogue did not ask for the passcode set in the secrets")
    save.first.wait_for(timeout=TIMEOUT_MS)
    if save.first.is_disabled():  # a "not sure" verdict: nothing ticked until a kind is tapped
        page.locator('[data-testid="stBaseButton-pills"]').first.click()
        page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
        print("  the model was not sure: its best guess tapped", flush=True)
    name = page.get_by_label(re.compile(r"^Name", re.IGNORECASE))
    if not name.count():
        raise RehearsalFailed("no name field to tell the saved item apart")
    name.first.fill(marker)
    name.first.press("Tab")  # Streamlit takes a text box's value when it loses focus
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    successes = page.locator('[data-testid="stAlertContentSuccess"]').count()
    save.first.click()
    page.wait_for_function(
        """(before) => document.querySelectorAll('[data-testid="stAlertContentSuccess"]').length
             > before || !!document.querySelector('[data-testid="stAlertContentError"]')
             || !!document.querySelector('[data-testid="stException"]')""",
        arg=successes,
        timeout=TIMEOUT_MS,
    )
    check(page, "saving to the catalogue")
    print(f"  {photo.name} classified and saved as '{marker}'", flush=True)


def find_in_database(db_url: str, marker: str) -> tuple[str, dict]:
    """(table, row) of the database row holding `marker` in a text column; fails if none."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            for table_name in inspect(conn).get_table_names():
                columns = [
                    c["name"]
                    for c in inspect(conn).get_columns(table_name)
                    if any(kind in str(c["type"]).upper() for kind in ("CHAR", "TEXT"))
                ]
                for column in columns:
                    query = text(f'SELECT * FROM "{table_name}" WHERE "{column}" = :m')
                    row = conn.execute(query, {"m": marker}).mappings().first()
                    if row is not None:
                        return table_name, {
                            k: v for k, v in row.items() if not isinstance(v, bytes | memoryview)
                        }
    finally:
        engine.dispose()
    raise RehearsalFailed(f"the item saved as '{marker}' is not in the PostgreSQL database")


def main() -> None:
    """Run the rehearsal; exit non-zero on the first failure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--app-dir", type=Path, required=True, help="a throw-away copy of the app")
    parser.add_argument("--python", required=True, help="the runtime-only venv's python")
    parser.add_argument("--db-url", required=True, help="a PostgreSQL SQLAlchemy URL")
    parser.add_argument("--passcode", required=True)
    parser.add_argument("--photos", type=Path, default=os.environ.get("FMNIST_PHOTOS_DIR"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--shots", type=Path, help="a folder for screenshots of the pages")
    args = parser.parse_args()
    if "FMNIST_DATA_DIR" in os.environ:
        raise SystemExit("rehearsal: unset FMNIST_DATA_DIR; the dataset must come from KERAS_HOME")
    keras_cache = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser()
    if not (keras_cache / "datasets" / "fashion-mnist").is_dir():
        raise SystemExit(f"rehearsal: no dataset in {keras_cache}/datasets/fashion-mnist")
    if args.photos is None:
        raise SystemExit("rehearsal: set FMNIST_PHOTOS_DIR or pass --photos")
    photo = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in PHOTO_TYPES)[0]
    shots = args.shots or args.app_dir / "rehearsal-shots"
    shots.mkdir(parents=True, exist_ok=True)
    write_secrets(args.app_dir, args.db_url, args.passcode)
    marker = f"rehearsal-{uuid.uuid4().hex[:8]}"
    log = args.app_dir / "streamlit.log"
    env = {"FMNIST_CATALOGUE_DB": str(args.app_dir / "unused-local.sqlite3")}
    try:
        with (
            app_server(env, 180, python=args.python, app_dir=args.app_dir, log=log) as server,
            sync_playwright() as p,
        ):
            print(f"  app served by {args.python} at {server.url}", flush=True)
            browser = p.chromium.launch(
                executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_every_page(page, server.url, shots)
            open_every_page(page, server.url, shots, lang="bn")  # the compiled catalogues ship
            save_a_photo(page, server.url, photo, args.passcode, marker, shots)
            browser.close()
        table, row = find_in_database(args.db_url, marker)
        print(f"  found in PostgreSQL, table {table}: {row}", flush=True)
        if "Traceback" in log.read_text(errors="replace"):
            raise RehearsalFailed("the server logged a traceback")
        # A local catalogue file would mean the app ignored the secrets' database.
        if Path(env["FMNIST_CATALOGUE_DB"]).exists():
            raise RehearsalFailed("the app wrote a local SQLite catalogue despite the secrets")
    except Exception as exc:
        print(f"REHEARSAL FAILED: {exc}", file=sys.stderr)
        if log.exists():
            print("---- server log (last 60 lines) ----", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-60:]), file=sys.stderr)
        print(f"screenshots: {shots}", file=sys.stderr)
        sys.exit(1)
    print("  rehearsal passed", flush=True)


if __name__ == "__main__":
    main()
