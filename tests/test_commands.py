"""The small offline helpers no page runs: the chapter model's training command (train.py) on a
slice of the dataset, and serve.py's helpers for serving the app (free port, memory)."""

from __future__ import annotations

import os
import socket

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
