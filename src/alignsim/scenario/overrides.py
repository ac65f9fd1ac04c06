"""``--set PATH=VALUE`` overrides on the raw document.

Overrides are applied before validation, so an override is checked exactly like
the file itself, and the same paths are what sweeps vary. Paths are dotted:
mapping keys, list indices (0-based) and, under ``events``, an event ``id``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .crossref import did_you_mean
from .paths import fields_by_alias, is_model, shape
from .problems import Path, Problem, ScenarioError, format_path, name_events
from .schema import Scenario
from .yamlpos import load_yaml

#: What an unknown key under a section is called in messages.
_NOUNS = {
    ("states",): "state",
    ("dimensions",): "dimension",
    ("corridors",): "corridor",
    ("params",): "parameter",
}


def override_file(text: str) -> str:
    """Pseudo file name under which problems of one override are reported."""
    return f"<--set {text}>"


@dataclass
class Applied:
    """Result of applying overrides: the new document, what changed, what went wrong."""

    data: Any
    #: (path, pseudo file) for every override applied, in order.
    changed: list[tuple[Path, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Stop(Exception):
    def __init__(self, message: str, path: Path = ()):
        super().__init__(message)
        self.message = message
        self.path = path


def _resolve_index(container: list[Any], seg: str, trail: Path, doc: Any) -> int:
    """A list index, or under ``events`` an event id."""
    if seg.lstrip("-").isdigit():
        index = int(seg)
        if not 0 <= index < len(container):
            raise _Stop(
                f"index {index} is out of range ({format_path(trail, doc)} has "
                f"{len(container)} items, 0 to {len(container) - 1})",
                trail,
            )
        return index
    if trail == ("events",):
        ids = [e.get("id") for e in container if isinstance(e, dict)]
        if seg in ids:
            return ids.index(seg)
        raise _Stop(did_you_mean("event id", seg, [i for i in ids if isinstance(i, str)]), trail)
    where = format_path(trail, doc)
    raise _Stop(f"expected a list index (0, 1, ...) after {where}, got '{seg}'", trail)


def _set_path(doc: dict[str, Any], segments: list[str], value: Any) -> Path:
    """Set ``value`` at ``segments`` inside ``doc`` (in place); return the resolved path."""
    tp: Any = Scenario
    cur: Any = doc
    trail: Path = ()
    for depth, seg in enumerate(segments):
        last = depth == len(segments) - 1
        kind, inner = shape(tp, cur)
        key: str | int
        if kind == "leaf":
            raise _Stop(f"{format_path(trail, doc)} is a single value; it has no '{seg}'", trail)
        wanted = list if kind == "list" else dict
        if not isinstance(cur, wanted):
            what = "a list" if kind == "list" else "a mapping"
            raise _Stop(f"{format_path(trail, doc)} is not {what} in the file", trail)
        if kind == "model":
            fields = fields_by_alias(inner)
            if seg not in fields:
                raise _Stop(did_you_mean(_NOUNS.get(trail, "key"), seg, fields), trail)
            key, tp = seg, fields[seg]
        elif kind == "dict":
            if seg not in cur and is_model(inner):  # new states etc. cannot be made by --set
                raise _Stop(did_you_mean(_NOUNS.get(trail, "key"), seg, list(cur)), trail)
            key, tp = seg, inner
        else:
            key, tp = _resolve_index(cur, seg, trail, doc), inner
        if last:
            cur[key] = value  # type: ignore[index]
            return (*trail, key)
        nxt = cur[key] if isinstance(cur, list) else cur.get(key)
        if nxt is None and shape(tp)[0] in ("model", "dict"):
            nxt = cur[key] = {}  # type: ignore[index]
        cur, trail = nxt, (*trail, key)
    raise _Stop("empty path")  # pragma: no cover - segments is never empty


def apply_overrides_tracked(doc: Any, overrides: Sequence[str]) -> Applied:
    """Apply overrides to a copy of ``doc``, collecting problems instead of raising.

    A problem's path is the override's, with its event (if any) named by index and id.
    """
    result = Applied(copy.deepcopy(doc))
    for text in overrides:
        pseudo = override_file(text)
        path_text, sep, value_text = text.partition("=")
        path_text = path_text.strip()
        segments = path_text.split(".")
        shown = name_events(path_text, result.data)
        if not sep or not path_text or not all(segments):
            result.problems.append(
                Problem(pseudo, 1, 1, path_text or "(top)", "expected PATH=VALUE, e.g. steps=20")
            )
            continue
        raw = load_yaml(value_text, pseudo)
        for problem in raw.problems:
            result.problems.append(problem._replace(path=shown, line=1))
        if raw.problems:
            continue
        if not isinstance(result.data, dict):
            continue  # the file itself is broken; that is reported already
        try:
            path = _set_path(result.data, segments, raw.data)
        except _Stop as stop:
            result.problems.append(Problem(pseudo, 1, 1, shown, stop.message))
            continue
        result.changed.append((path, pseudo))
    return result


def apply_overrides(doc: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return a copy of the raw document with ``PATH=VALUE`` overrides applied.

    VALUE is read as YAML (``0.8`` -> float, ``2018-01`` -> text, ``[A, B]`` -> list).
    Raises :class:`ScenarioError` listing every bad override.
    """
    result = apply_overrides_tracked(doc, overrides)
    if result.problems:
        raise ScenarioError(result.problems)
    return result.data
