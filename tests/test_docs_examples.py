"""The examples in the README and docs run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from alignsim.scenario import load_scenario_text

ROOT = Path(__file__).resolve().parents[1]


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.S)


def test_scenario_examples_in_docs_are_valid():
    examples = [b for b in blocks(ROOT / "docs" / "scenarios.md", "yaml") if "states:" in b]
    assert examples
    for text in examples:
        load_scenario_text(text, filename="docs/scenarios.md example")


@pytest.mark.parametrize("code", blocks(ROOT / "README.md", "python"))
def test_readme_python_examples_run(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme_example", "os": os})


def test_images_in_docs_exist():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", doc.read_text()):
            assert (doc.parent / target).is_file(), f"{doc.name}: {target}"
