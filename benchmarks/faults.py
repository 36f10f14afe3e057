"""Faults a stranger, a careless member of staff or a broken host can cause, one JSON line.

    python benchmarks/faults.py

Each figure comes from its own function below (issue 24's targets in brackets):
"wrong_tries_per_hour_max" (<= 60), "staff_in_while_guessing" (true), "poisoned_adopted"
(false, with the reference set's figures before and after), "damaged_rows_pages_ok" (every page
runs with each kind of damaged model row), "frozen_db_classify_s" (<= 5 s with the database
frozen) and "upload_peak_mb" (<= 100 MB for the worst large-picture file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


# -- the passcode gate ----------------------------------------------------------------------------


def measure_gate() -> dict[str, Any]:
    """wrong_tries_per_hour_max and staff_in_while_guessing."""
    raise NotImplementedError  # filled in on the gate branch


# -- teaching: poisoned records, damaged model rows ------------------------------------------------


def measure_teaching() -> dict[str, Any]:
    """poisoned_adopted and damaged_rows_pages_ok."""
    raise NotImplementedError  # filled in on the teach branch


# -- the database frozen, large uploads ---------------------------------------------------------


def measure_host() -> dict[str, Any]:
    """frozen_db_classify_s and upload_peak_mb."""
    raise NotImplementedError  # filled in on the faults branch


def main() -> None:
    figures: dict[str, Any] = {}
    for measure in (measure_gate, measure_teaching, measure_host):
        figures.update(measure())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
