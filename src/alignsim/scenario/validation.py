"""Turning pydantic errors and cross-reference issues into located problems.

Pydantic knows types, ranges and unknown keys; :mod:`.crossref` knows names,
dates and orderings. Both report against document paths; here each path is
given its file position and pydantic's wording is replaced by one a modeler can
act on (with a did-you-mean where a name was misspelt).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from .crossref import Issue, check_document, did_you_mean, range_text
from .paths import fields_by_alias, lookup, shape, type_at
from .problems import TOP, Path, Problem, format_path
from .schema import SKIP_CROSSREF, Scenario
from .yamlpos import Positions

_OPS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
}


def describe(value: Any) -> str:
    """Short description of a YAML value for messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _loc_to_path(loc: tuple[Any, ...], doc: Any) -> Path:
    """Follow pydantic's error location through the raw document.

    Steps that do not exist in the document (union member tags, the implicit
    index of a single ``tie:`` mapping, ``[key]`` markers) are dropped; the last
    step is kept even when absent (a missing key is named by it).
    """
    path: list[str | int] = []
    cur = doc
    for i, seg in enumerate(loc):
        in_dict = isinstance(cur, dict) and seg in cur
        in_list = isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur)
        if in_dict or in_list:
            path.append(seg)
            cur = cur[seg]
        elif i == len(loc) - 1 and isinstance(seg, str) and seg != "[key]" and cur is not None:
            path.append(seg)
            cur = None
    return tuple(path)


def _pydantic_issue(err: dict[str, Any], doc: Any) -> Issue:
    kind = err["type"]
    path = _loc_to_path(tuple(err["loc"]), doc)
    value = err.get("input")
    ctx = err.get("ctx") or {}
    at = "key" if value is None or isinstance(value, dict | list) else "value"
    if kind == "missing":
        return Issue(path[:-1], f"missing required key '{path[-1]}'", "key")
    if kind == "extra_forbidden":
        parent = type_at(Scenario, path[:-1], doc)
        expected: list[str] = []
        if parent is not None:
            what, model = shape(parent, _get(doc, path[:-1]))
            if what == "model":
                expected = list(fields_by_alias(model))
        return Issue(path, did_you_mean("key", path[-1], expected), "key")
    if kind in _OPS:
        found = lookup(Scenario, path, doc)
        bounds = range_text(found[1]) if found else ""
        if not bounds:
            bounds = f"x {_OPS[kind]} {_num(next(iter(ctx.values()), '?'))}"
        return Issue(path, f"{describe(value)} is out of range: needs {bounds}")
    if kind == "finite_number":
        return Issue(path, f"not a finite number: {describe(value)}")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = f"{describe(value)} is not allowed; expected {ctx.get('expected', '?')}"
        if isinstance(value, str):
            close = did_you_mean("value", value, options)
            if "did you mean" in close:
                message += close[close.index(";") :]
        return Issue(path, message)
    if kind in _TYPE_WORDS:
        return Issue(path, f"expected {_TYPE_WORDS[kind]}, got {describe(value)}", at)
    if kind in ("too_short", "too_long"):
        need = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        bound = "at least" if kind == "too_short" else "at most"
        return Issue(path, f"needs {bound} {need} entries, has {ctx.get('actual_length')}", at)
    if kind == "string_too_short":
        return Issue(path, "must not be empty")
    message = str(err.get("msg", kind))
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return Issue(path, message, at)


def _get(doc: Any, path: Path) -> Any:
    for seg in path:
        if isinstance(doc, dict):
            doc = doc.get(seg)  # type: ignore[call-overload]
        elif isinstance(doc, list) and isinstance(seg, int) and 0 <= seg < len(doc):
            doc = doc[seg]
        else:
            return None
    return doc


def locate(
    issues: Iterable[Issue], positions: Positions, filename: str, doc: Any = None
) -> list[Problem]:
    """Give each issue a file position (the key or value it is about); an event in its path
    is named by index and id when ``doc`` (the document the paths are in) is given."""
    out = []
    for issue in issues:
        pos = positions.locate(issue.path, issue.at) or (filename, 1, 1)
        where = format_path(issue.path, doc)
        out.append(Problem(pos[0], pos[1], pos[2], where, issue.message))
    return out


def validate_document(
    data: Any, positions: Positions, filename: str, reported: Iterable[Path] = ()
) -> tuple[Scenario | None, list[Problem]]:
    """Validate a raw document: every pydantic error plus every cross-reference issue.

    Issues at or below a path in ``reported`` (already reported while reading,
    e.g. an unsafe tag) are dropped so one mistake gives one problem.
    """
    if not isinstance(data, dict):
        return None, [
            Problem(
                filename,
                1,
                1,
                TOP,
                f"a scenario must be a mapping (name:, states:, ...), got {describe(data)}",
            )
        ]
    scenario = None
    typed: list[Issue] = []
    try:
        scenario = Scenario.model_validate(data, context={SKIP_CROSSREF: True})
    except ValidationError as exc:
        typed = [_pydantic_issue(err, data) for err in exc.errors(include_url=False)]
    crossed = check_document(data)
    # A wrong name (unknown parameter, state, ...) makes the type of its value moot.
    bad_names = {i.path for i in crossed if i.at == "key"}
    issues = [i for i in typed if i.path not in bad_names] + crossed
    done = tuple(reported)
    issues = [i for i in issues if not any(i.path[: len(p)] == p for p in done)]
    problems = locate(dict.fromkeys(issues), positions, filename, data)
    return (None if problems else scenario), problems
