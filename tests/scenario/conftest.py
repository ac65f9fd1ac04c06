"""Shared fixtures for the scenario tests."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
DATA = HERE / "data"
BROKEN = HERE / "broken"


@pytest.fixture
def good_path() -> Path:
    """A small scenario that uses every section and every event action."""
    return DATA / "good.yaml"


@pytest.fixture
def good_text(good_path: Path) -> str:
    return good_path.read_text(encoding="utf-8")


MINIMAL = """\
name: minimal
dimensions:
  energy: {kind: complementary}
states:
  China: {power: 0.2, interests: {energy: 0.9}}
  Russia: {power: 0.03, interests: {energy: -0.9}}
"""


@pytest.fixture
def minimal_text() -> str:
    """The smallest valid scenario: a name, one dimension, two states."""
    return MINIMAL
