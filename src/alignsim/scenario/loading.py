"""Loading a scenario: read -> (merge) -> override -> validate.

Each stage works on the raw document and adds problems instead of raising, so
one run of ``alignsim validate`` shows everything wrong with a file. The stages
are separate so a future ``extends:`` (scenario variants) can slot in between
reading and overriding (merge the parent's raw document and positions there).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import Any

from pydantic import TypeAdapter

from .problems import TOP, Problem, ScenarioError
from .schema import Scenario
from .validation import describe, validate_document
from .yamlpos import RawDocument, load_yaml


def read_raw(text: str, filename: str) -> RawDocument:
    """Stage 1: YAML text to a raw document with positions; reading problems collected."""
    raw = load_yaml(text, filename)
    if raw.fatal:
        return raw
    if raw.data is None and not raw.problems:
        raw.problems.append(Problem(filename, 1, 1, TOP, "the file is empty"))
        raw.fatal = True
    elif not isinstance(raw.data, dict):
        message = f"a scenario must be a mapping (name:, states:, ...), got {describe(raw.data)}"
        raw.problems.append(Problem(filename, 1, 1, TOP, message))
        raw.fatal = True
    return raw


def resolve_raw(raw: RawDocument) -> RawDocument:
    """Stage 2 (placeholder): where ``extends:`` will merge a parent scenario."""
    return raw


def load_scenario_text(
    text: str, filename: str = "<string>", overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario from YAML text; raises :class:`ScenarioError` with every problem."""
    from .overrides import apply_overrides_tracked

    raw = resolve_raw(read_raw(text, filename))
    if raw.fatal:
        raise ScenarioError(raw.problems)
    applied = apply_overrides_tracked(raw.data, overrides)
    reported = set(raw.reported)
    for path, pseudo in applied.changed:
        raw.positions.forget(path)
        raw.positions.set(path, (pseudo, 1, 1))
        reported = {p for p in reported if p[: len(path)] != path}
    scenario, problems = validate_document(applied.data, raw.positions, filename, reported)
    everything = raw.problems + problems + applied.problems
    everything.sort(key=lambda p: p.file != filename)  # the file's own problems first
    if everything or scenario is None:
        raise ScenarioError(everything)
    return scenario


def load_scenario(path: str | FsPath, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario file; raises :class:`ScenarioError` with every problem.

    A file that cannot be read (missing, a directory, not UTF-8) is a problem too.
    """
    filename = str(path)
    try:
        text = FsPath(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ScenarioError([Problem(filename, 1, 1, TOP, f"cannot read file: {reason}")]) from None
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start})"
        raise ScenarioError([Problem(filename, 1, 1, TOP, message)]) from None
    return load_scenario_text(text, filename, overrides)


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario file (keys by alias), for editors and ``alignsim schema``."""
    schema = TypeAdapter(Scenario).json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "alignsim scenario",
        **{k: v for k, v in schema.items() if k != "title"},
    }
