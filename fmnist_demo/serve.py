"""Start this app with `streamlit run` on a free loopback port (browser tests, benchmarks, CI)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident memory now, its peak so far) of a Linux process, in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@dataclass
class AppServer:
    """A running `streamlit run`: its base URL and process."""

    url: str
    process: subprocess.Popen

    def memory_mb(self) -> tuple[float, float]:
        """(resident memory now, its peak so far) of the server, in MiB (Linux)."""
        return rss_mb(self.process.pid)


@contextmanager
def app_server(
    env: dict[str, str] | None = None,
    start_timeout_s: float = 90,
    cpus: str | None = None,
    *,
    python: str | None = None,
    app_dir: Path | None = None,
    log: Path | None = None,
) -> Iterator[AppServer]:
    """The app served on 127.0.0.1 while the block runs.

    `cpus` ("0", "0,1") keeps the server on those processors (Linux `taskset`, which replaces
    itself with the server, so the process is the server's), e.g. to measure it as a one-core
    host. `python` and `app_dir` serve another copy with another interpreter (CI's deployment
    rehearsal); `log` receives the server's output. Like a deployed app, the server does not
    watch its files: an edit while it runs would reload modules under running visitors.
    """
    port = free_port()
    pin = ["taskset", "-c", cpus] if cpus else []
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*pin, python or sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=app_dir or ROOT, env={**os.environ, **(env or {})},
        stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited while starting")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("streamlit did not start in time") from None
                time.sleep(0.2)  # a server that is starting gives no event to wait on
        yield AppServer(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        if log:
            out.close()


@contextmanager
def running_app(
    env: dict[str, str] | None = None, start_timeout_s: float = 90, cpus: str | None = None
) -> Iterator[str]:
    """The app served on 127.0.0.1 while the block runs; yields its base URL."""
    with app_server(env, start_timeout_s, cpus) as server:
        yield server.url
