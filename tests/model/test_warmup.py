"""The set-up's warm-up run takes every compiled path, so the first real run compiles nothing."""

from __future__ import annotations

import subprocess
import sys

from alignsim.model import compiled
from alignsim.model.warmup import warm_up


def test_warm_up_compiles_every_loop():
    assert warm_up() > 0
    loops = [f for f in vars(compiled).values() if hasattr(f, "signatures")]
    assert len(loops) >= 10
    # nested loops are compiled inside their callers; the rest must have a signature now
    nested = {
        "relocate",
        "_first_appearance",
        "_paths",
        "_popcount",
        "_sign_classes",
        "_tried_before",
    }
    assert [f.__name__ for f in loops if not f.signatures and f.__name__ not in nested] == []


def test_warm_up_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "alignsim.model.warmup"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "compiled loops ready" in done.stderr
