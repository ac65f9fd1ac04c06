"""Loading a scenario: read -> merge -> override -> validate.

Each stage works on the raw document and adds problems instead of raising, so
one run of ``alignsim validate`` shows everything wrong with a file. The merge
stage follows ``extends:`` (scenario variants): it reads the parent file, resolves
the parent's own ``extends`` first, and merges the child over it (:mod:`.extends`),
keeping every value's position in the file it came from.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import Any

from pydantic import TypeAdapter

from .extends import EXTENDS, merge_documents, orphan_removes, parent_reference, problem_at
from .problems import TOP, Problem, ScenarioError, name_problem_events
from .schema import Scenario
from .validation import describe, validate_document
from .yamlpos import Positions, RawDocument, load_yaml


def read_raw(text: str, filename: str) -> RawDocument:
    """Stage 1: YAML text to a raw document with positions; reading problems collected."""
    raw = load_yaml(text, filename)
    if raw.fatal:
        return raw
    raw.problems = name_problem_events(raw.problems, raw.data)
    if raw.data is None and not raw.problems:
        raw.problems.append(Problem(filename, 1, 1, TOP, "the file is empty"))
        raw.fatal = True
    elif not isinstance(raw.data, dict):
        message = f"a scenario must be a mapping (name:, states:, ...), got {describe(raw.data)}"
        raw.problems.append(Problem(filename, 1, 1, TOP, message))
        raw.fatal = True
    return raw


def read_file(path: str | FsPath) -> tuple[str | None, str]:
    """The text of a scenario file, or (None, why it cannot be read)."""
    try:
        return FsPath(path).read_bytes().decode("utf-8-sig"), ""
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (byte {exc.start})"


def _real(filename: str) -> str:
    return os.path.realpath(filename)


def resolve_raw(raw: RawDocument, _chain: tuple[tuple[str, str], ...] = ()) -> RawDocument:
    """Stage 2: follow ``extends:`` and merge the parent scenario under this one.

    The parent's path is relative to the file that names it (to the working
    directory for text without a file). Chains are followed to the end; a cycle,
    an unreadable parent or a parent that cannot be read as a scenario stops the
    load (``fatal``), reported at the ``extends`` line of the file that names it.
    """
    if raw.fatal:
        return raw
    chain = (*_chain, (raw.filename, _real(raw.filename)))
    reference, bad = parent_reference(raw)
    if bad is not None:
        raw.problems.append(bad)
        raw.fatal = True
        return raw
    if reference is None:
        raw.problems += orphan_removes(raw)
        return raw
    name = os.path.normpath(os.path.join(os.path.dirname(raw.filename), reference))
    real = _real(name)
    seen = [r for _, r in chain]
    if real in seen:
        cycle = [shown for shown, _ in chain[seen.index(real) :]] + [name]
        raw.problems.append(problem_at(raw, (EXTENDS,), "extends cycle: " + " -> ".join(cycle)))
        raw.fatal = True
        return raw
    text, reason = read_file(name)
    if text is None:
        message = f"parent scenario {name}: {reason}"
        raw.problems.append(problem_at(raw, (EXTENDS,), message))
        raw.fatal = True
        return raw
    parent = resolve_raw(read_raw(text, name), chain)
    if parent.fatal:
        raw.problems = parent.problems + raw.problems
        raw.fatal = True
        return raw
    return merge_documents(parent, raw)


OBSERVED = "observed"


def resolve_observed(data: Any, positions: Positions) -> None:
    """Make ``observed:`` a path from the working directory, in place.

    As ``extends:``, it is written relative to the file that names it, which for a value a
    variant inherits is the parent's; a value given with ``--set`` or in text without a file
    is relative to the working directory and kept as it is.
    """
    value = data.get(OBSERVED) if isinstance(data, dict) else None
    pos = positions.locate((OBSERVED,), "value")
    if not isinstance(value, str) or not value.strip() or pos is None or pos[0].startswith("<"):
        return
    data[OBSERVED] = os.path.normpath(os.path.join(os.path.dirname(pos[0]), value))


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
    resolve_observed(applied.data, raw.positions)
    scenario, problems = validate_document(applied.data, raw.positions, filename, reported)
    everything = raw.problems + problems + applied.problems
    everything.sort(key=lambda p: p.file != filename)  # the file's own problems first
    if everything or scenario is None:
        raise ScenarioError(everything)
    return scenario


def load_scenario(path: str | FsPath, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario file; raises :class:`ScenarioError` with every problem.

    A file that cannot be read (missing, a directory, not UTF-8) is a problem too.
    A file with ``extends:`` is merged over its parent first (see docs/scenarios.md).
    """
    filename = str(path)
    text, reason = read_file(path)
    if text is None:
        raise ScenarioError([Problem(filename, 1, 1, TOP, reason)])
    return load_scenario_text(text, filename, overrides)


_REF = re.compile(r"#/\$defs/(\w+)")
#: Sections a variant may give in part: their mappings merge into the parent's.
_PARTIAL_SECTIONS = ("calendar", "dimensions", "states", "corridors", "params", "watch")


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario file (keys by alias), for editors and ``alignsim schema``.

    A file without ``extends`` must be a complete scenario (``$defs/Scenario``). A file
    with ``extends`` gives only what it changes: the merged sections need none of their
    required keys (``...Variant`` definitions), and events may be ``{id, remove: true}``.
    """
    schema = TypeAdapter(Scenario).json_schema(by_alias=True, mode="validation")
    defs: dict[str, Any] = schema.pop("$defs")
    schema.pop("title", None)

    def strict(name: str) -> bool:
        """True when the model ``name`` or one it contains has required keys."""
        text = str(defs[name].get("properties", {}))
        inner = {ref.rsplit("/", 1)[-1] for ref in _REF.findall(text)} - {name}
        return bool(defs[name].get("required")) or any(strict(other) for other in inner)

    def partial(node: Any) -> Any:
        """``node`` with every model it refers to replaced by its required-free variant."""
        if isinstance(node, list):
            return [partial(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: partial(value) for key, value in node.items() if key != "$ref"}
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if not strict(name):
                return node
            variant = name + "Variant"
            if variant not in defs:
                defs[variant] = loose = copy.deepcopy(defs[name])
                loose.pop("required", None)
                loose["title"] = variant
                loose["properties"] = partial(loose["properties"])
            out["$ref"] = f"#/$defs/{variant}"
        return out

    event = defs["EventVariant"] = copy.deepcopy(defs["Event"])
    event["title"] = "EventVariant"
    event["properties"]["remove"] = {
        "const": True,
        "description": "With `id` only: delete the parent scenario's event with this id.",
    }
    properties: dict[str, Any] = {
        "extends": {
            "type": "string",
            "minLength": 1,
            "description": "Parent scenario file, relative to this file; this file gives "
            "only what it changes (see docs/scenarios.md).",
        }
    }
    for key, prop in schema["properties"].items():
        if key in _PARTIAL_SECTIONS:
            prop = partial(prop)
        elif key == "events":
            prop = copy.deepcopy(prop)
            prop["items"] = {"$ref": "#/$defs/EventVariant"}
        properties[key] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "alignsim scenario",
        "description": schema.get("description", ""),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "if": {"required": ["extends"]},
        "else": {"$ref": "#/$defs/Scenario"},
        "$defs": {**defs, "Scenario": {"title": "Scenario", **schema}},
    }
