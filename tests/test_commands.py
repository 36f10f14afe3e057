"""The small offline helpers no page runs: the chapter model's training command (train.py) on a
slice of the dataset, and serve.py's helpers for serving the app (free port, memory); and the
offline commands that build assets, which the app never imports and `python -m` still runs."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fmnist_demo import serve
from fmnist_demo import train as train_command
from fmnist_demo.assets import read_card
from fmnist_demo.model import load_model


def test_the_training_command_writes_the_model_and_its_card(fmnist, tmp_path, monkeypatch):
    (x, y), (x_test, y_test) = fmnist
    small = ((x[:3200], y[:3200]), (x_test[:500], y_test[:500]))  # the command reads it all
    monkeypatch.setattr(train_command, "load_fashion_mnist", lambda: small)
    out = tmp_path / "chapter.keras"
    card = train_command.main(
        ["--hidden", "128", "--epochs", "2", "--seed", "7", "--out", str(out)]
    )
    assert read_card(out) == card
    assert card["epochs"] == 2 and len(card["history"]) == 2 and card["parameters"] == 101_770
    assert card["stop_reason"] == "finished" and 0.0 < card["test_accuracy"] <= 1.0
    assert (
        card["command"]
        == f"python -m fmnist_demo.train --hidden 128 --epochs 2 --seed 7 --out {out}"
    )
    assert load_model(out).count_params() == 101_770


def test_a_free_port_can_be_listened_on():
    port = serve.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # nothing else has it
        s.listen()


def test_memory_of_a_process_is_read_in_mib():
    now, peak = serve.rss_mb(os.getpid())
    assert 10 < now <= peak  # this test process holds at least Python and numpy


ROOT = Path(__file__).resolve().parent.parent
# The commands that build shipped assets offline: nothing the server runs may import them.
ASSET_COMMANDS = (
    "fmnist_demo.photo_training",
    "fmnist_demo.make_replay_set",
    "fmnist_demo.make_reference_set",
    "fmnist_demo.train",
)


def _module_file(name: str) -> Path | None:
    path = ROOT / (name.replace(".", "/") + ".py")
    return path if path.is_file() else None


def _imported(path: Path) -> set[str]:
    """The app's own modules a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n.startswith("fmnist_demo") and _module_file(n) is not None}


def test_the_app_never_imports_a_command() -> None:
    """Everything the server can run, from the entry and every page on, lazy imports included."""
    todo = [ROOT / "streamlit_app.py", *sorted((ROOT / "fmnist_demo" / "pages").glob("*.py"))]
    seen: set[Path] = set()
    reached: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported(path):
            reached.add(name)
            todo.append(_module_file(name))
    assert "fmnist_demo.trial_learning" in reached and "fmnist_demo.augment" in reached
    assert not reached & set(ASSET_COMMANDS)


@pytest.mark.slow  # a process of its own each, importing TensorFlow
@pytest.mark.parametrize("command", ASSET_COMMANDS[:3])
def test_each_asset_command_runs_with_python_m(command: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", command, "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "--photos" in out.stdout
