"""Signed networks (the Correlates of War data, or a modeler's own) as scenarios and
observed histories: ``alignsim import-network`` (docs/networks.md).

The import reads the edge file (:mod:`.edges`), checks the windows the user names against
it (:mod:`.plan`), writes the scenario (:mod:`.scenario_text`) and the observed history
(:mod:`.history`), and reads both back with the scenario loader and the observed-history
reader before anything is written, so the two files always fit together.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path as FsPath

from ..loading import load_scenario_text
from ..observed import read_observed_text
from .edges import read_networks
from .history import history_text
from .plan import ImportOptions, NetworkImportError, plan_import
from .scenario_text import PARAMS, scalar, scenario_text

__all__ = [
    "PARAMS",
    "ImportOptions",
    "ImportRequest",
    "Imported",
    "NetworkImportError",
    "build_import",
    "read_networks",
    "write_import",
]


@dataclass(frozen=True)
class ImportRequest:
    """Everything ``alignsim import-network`` was asked: the files and the options."""

    edges: FsPath
    out: FsPath
    options: ImportOptions = field(default_factory=ImportOptions)
    observed_out: FsPath | None = None
    force: bool = False

    def command(self) -> str:
        """The command that makes these files, in a fixed order (``--force`` left out: it
        changes what may be overwritten, not what is written)."""
        o = self.options
        words = ["alignsim", "import-network", str(self.edges)]
        for flag, value in (
            ("--window", o.window), ("--until", o.until), ("--relations-from", o.relations_from),
            ("--name", o.name), ("--label", o.label or None),
            ("--strength", None if o.strength == 1.0 else repr(o.strength)),
            ("--steps", None if o.steps is None else str(o.steps)), ("--out", str(self.out)),
            ("--observed-from", o.observed_from), ("--observed-to", o.observed_to),
            ("--observed-every", None if o.observed_every == 1 else str(o.observed_every)),
            ("--observed-pairs", None if o.observed_pairs == "tied" else o.observed_pairs),
            ("--observed-out", None if self.observed_out is None else str(self.observed_out)),
        ):  # fmt: skip
            if value is not None:
                words += [flag, value]
        return shlex.join(words)


@dataclass(frozen=True)
class Imported:
    """The texts of an import, checked: the scenario and, if asked, the observed history."""

    scenario: str
    history: str | None
    states: int
    ties: int
    steps: str
    """The steps, in words: ``40 steps (1949 to 1989)``."""
    observations: int


def build_import(request: ImportRequest) -> Imported:
    """Read the edge file and build both texts, checked against each other.

    Raises :class:`ScenarioError` for problems in the edge file and
    :class:`NetworkImportError` for options that do not fit it; writes nothing.
    """
    _check_request(request)
    networks = read_networks(request.edges)
    plan = plan_import(networks, request.options)
    if request.observed_out is not None and not plan.observed:
        raise NetworkImportError([f"{request.edges}: --observed-out: give the windows with "
                                  "--observed-from and --observed-to"])  # fmt: skip
    if plan.observed and request.observed_out is None:
        raise NetworkImportError([f"{request.edges}: --observed-from: name the file to write "
                                  "with --observed-out"])  # fmt: skip
    command = request.command()
    text = scenario_text(plan, request.options, command) + _observed_key(request)
    scenario = load_scenario_text(text, str(request.out))
    history = None
    observations = 0
    if request.observed_out is not None:
        history = history_text(plan, request.options, command)
        observations = len(read_observed_text(history, str(request.observed_out), scenario).table)
    ties = sum(1 for tie in scenario.ties or [] if tie.value)
    steps = f"{scenario.steps} steps"
    if scenario.calendar is not None:
        steps += f" ({scenario.date_of(0)} to {scenario.date_of(scenario.steps)})"
    return Imported(text, history, len(scenario.states), ties, steps, observations)


def write_import(request: ImportRequest, imported: Imported) -> list[FsPath]:
    """Write the texts of :func:`build_import` (each to a temporary file first, then moved
    into place, so a failure leaves no half-written file); returns the paths written."""
    files = [(request.out, imported.scenario)]
    if request.observed_out is not None and imported.history is not None:
        files.append((request.observed_out, imported.history))
    for path, _ in files:
        path.parent.mkdir(parents=True, exist_ok=True)
    temporary = []
    try:
        for path, text in files:
            part = path.with_name(f".{path.name}.part")
            part.write_text(text, encoding="utf-8", newline="\n")
            temporary.append((part, path))
        for part, path in temporary:
            os.replace(part, path)
    finally:
        for part, _ in temporary:
            part.unlink(missing_ok=True)
    return [path for path, _ in files]


def _check_request(request: ImportRequest) -> None:
    """Options that need no edge file: where to write, the strength of a tie."""
    errors = []
    o = request.options
    texts = {
        "EDGES.csv": str(request.edges), "--out": str(request.out),
        "--observed-out": str(request.observed_out or ""), "--window": o.window,
        "--until": o.until, "--relations-from": o.relations_from,
        "--observed-from": o.observed_from, "--observed-to": o.observed_to, "--name": o.name,
        "--label": o.label,
    }  # fmt: skip
    for flag, text in texts.items():
        if text and ("\n" in text or "\r" in text):
            errors.append(f"{flag}: a line break cannot go into the comment that names the "
                          "command at the top of each file")  # fmt: skip
    strength = request.options.strength
    if not 0 < strength <= 1:
        errors.append(f"--strength: {strength} is out of range: needs 0 < x <= 1")
    targets = [("--out", request.out)]
    if request.observed_out is not None:
        targets.append(("--observed-out", request.observed_out))
        if os.path.abspath(request.out) == os.path.abspath(request.observed_out):
            errors.append(f"--observed-out: {request.observed_out} is --out too; give two files")
    for flag, path in targets:
        if path.is_dir():
            errors.append(f"{flag}: {path} is a folder; give a file to write")
        elif path.exists() and not request.force:
            errors.append(f"{flag}: {path} exists; give --force to overwrite it")
    if errors:
        raise NetworkImportError(errors)


def _observed_key(request: ImportRequest) -> str:
    """The scenario's ``observed:`` line: the history written with it, relative to it."""
    if request.observed_out is None:
        return ""
    where = os.path.relpath(request.observed_out, request.out.parent).replace(os.sep, "/")
    return (f"\nobserved: {scalar(where)}  # the observed history written with this file "
            "(--observed-out)\n")  # fmt: skip
