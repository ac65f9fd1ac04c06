"""The calibration package computes and stores: it imports no drawing and no workflow, as
the packages beside it (docs/architecture.md), so that a worker never loads figures."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import alignsim.calibrate.runner, alignsim.calibrate.synthetic
above = ("alignsim.viz", "alignsim.workflows", "alignsim.app", "alignsim.cli")
loaded = sorted(m for m in sys.modules if m.startswith(above))
print(" ".join(loaded))
"""

WORKER = """
import sys
import alignsim.calibrate.runs, alignsim.calibrate.predict
print(" ".join(sorted(m for m in sys.modules if m == "pyabc" or m.startswith("matplotlib"))))
"""


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_calibrate_imports_no_drawing_and_no_workflow() -> None:
    assert run(CHECK) == ""


def test_what_workers_import_leaves_out_pyabc_and_matplotlib() -> None:
    assert run(WORKER) == ""
