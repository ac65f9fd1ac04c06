"""The notebooks in docs/notebooks/ run from start to finish, and are committed clean."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
#: Seconds a cell may take before the run counts as hung (the slowest cell, a sweep of
#: 128 runs, takes seconds).
CELL_TIMEOUT = 600
KERNEL = "alignsim-notebook-test"


def test_the_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["analyst.ipynb", "modeler.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {index} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {index} has a count"


def kernel_manager(folder: Path) -> AsyncKernelManager:
    """A kernel of the Python running the tests (this virtualenv), whatever kernels the
    machine has installed: its spec is written into ``folder``."""
    spec = folder / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": KERNEL, "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(folder)])
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_from_the_repository_root(path, tmp_path):
    """Every cell runs without an error, from the repository root, and what the notebook
    writes goes into a temporary folder (here one inside ``tmp_path``), never beside it."""
    before = sorted(p.name for p in path.parent.iterdir())
    notebook = nbformat.read(path, as_version=4)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    client = NotebookClient(
        notebook,
        km=kernel_manager(tmp_path / "kernels"),
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute(cwd=str(ROOT), env={**os.environ, "TMPDIR": str(temporary)})
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors  # nbclient raises on an error; this makes sure nothing slipped through
    mine = [p for p in temporary.iterdir() if p.name.startswith("alignsim-")]
    assert len(mine) == 1 and any(mine[0].iterdir()), sorted(temporary.iterdir())
    assert sorted(p.name for p in path.parent.iterdir()) == before
