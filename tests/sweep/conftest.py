"""A tiny sweep of the flagship scenario, written next to each test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"

GOOD_PARAMETERS = """\
  params.balance_weight: [0.2, 0.8]
  params.history_weight: [0.3, 0.9]
"""
# A shift of noise by -1 passes static validation (shifts add to whatever the value is by
# then) but makes the crimea_sanctions event fail at run time: those runs are "failed".
FAILING_PARAMETERS = """\
  params.balance_weight: [0.2, 0.8]
  events.crimea_sanctions.param.shift.noise: [0.0, -1.0]
"""


def write_sweep(
    folder: Path,
    *,
    steps: int = 6,
    replications: int = 3,
    seed: int = 11,
    parameters: str = GOOD_PARAMETERS,
    outcomes: str | None = None,
    scenario: Path = FLAGSHIP,
    name: str = "tiny.yaml",
) -> Path:
    """A sweep file in ``folder`` naming ``scenario`` by a path relative to it."""
    relative = os.path.relpath(scenario, folder)
    text = (
        f"scenario: {relative}\n"
        f"steps: {steps}\n"
        f"replications: {replications}\n"
        f"seed: {seed}\n"
        "design: {method: grid}\n"
        "parameters:\n"
        f"{parameters}"
    )
    if outcomes is not None:
        text += f"outcomes: {outcomes}\n"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny_sweep(tmp_path: Path) -> Path:
    """2 parameters × 2 values × 3 replications of the flagship, 6 steps."""
    return write_sweep(tmp_path)


@pytest.fixture
def make_sweep():
    """The :func:`write_sweep` helper, for tests that need another sweep."""
    return write_sweep


@pytest.fixture
def flagship() -> Path:
    return FLAGSHIP
