"""docs/scenarios.md must list every scenario key with its real default.

The key tables have the columns ``| key | type | default | range | meaning |`` with the key
in backticks (``params.balance_weight``, ``states.<name>.power``, ``events.<i>.at``) and the
default as YAML (``0.5``, ``""``, ``null``, ``[]``, ``{}``) or the word ``required``.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from alignsim.scenario import Scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
ROW = re.compile(r"^\|\s*`(?P<key>[A-Za-z_<>.]+)`\s*\|(?P<rest>.*)\|\s*$")


def _strip(tp: Any) -> tuple[Any, bool]:
    """Remove ``| None`` and ``Annotated``; report whether an Annotated layer was seen."""
    annotated = False
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            annotated = True
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp, annotated
            tp = args[0]
        else:
            return tp, annotated


def _model(tp: Any) -> type[BaseModel] | None:
    tp = _strip(tp)[0]
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def walk(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """(documented key, field) for every field of every model, recursively, by alias.

    Nested models give ``calendar.start``, mappings of models ``states.<name>.power``, lists
    of models ``events.<i>.at``, and "one or a list" fields (event ``tie``) ``...tie.between``.
    """
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        yield key, field
        tp, annotated = _strip(field.annotation)
        origin = get_origin(tp)
        if _model(tp):
            yield from walk(_model(tp), key + ".")  # type: ignore[arg-type]
        elif origin is dict and _model(get_args(tp)[1]):
            yield from walk(_model(get_args(tp)[1]), key + ".<name>.")  # type: ignore[arg-type]
        elif origin is list and _model(get_args(tp)[0]):
            inner = _model(get_args(tp)[0])
            yield from walk(inner, key + ("." if annotated else ".<i>."))  # type: ignore[arg-type]


def documented() -> dict[str, str]:
    """key -> default cell, from every 5-column key table in the doc."""
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if not match:
            continue
        cells = [c.strip() for c in match["rest"].split("|")]
        if len(cells) != 4:  # type, default, range, meaning
            continue
        assert match["key"] not in rows, f"{match['key']} is documented twice"
        rows[match["key"]] = cells[1]
    return rows


def expected_default(field: FieldInfo) -> Any:
    """The default as it should read in the doc; models document their defaults as {}."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        assert value == type(value)(), "a model default must be the model's own defaults"
        return {}
    return value


def parse_default(cell: str) -> Any:
    if cell == "required":
        return "required"
    return yaml.safe_load(cell.strip("`")) if cell.strip("`") else ""


SCHEMA = dict(walk())


def test_walk_finds_the_schema():
    assert {"name", "params.balance_weight", "states.<name>.power", "events.<i>.from"} <= set(
        SCHEMA
    )
    assert "events.<i>.tie.between" in SCHEMA
    assert len(SCHEMA) > 70


@pytest.mark.parametrize("key", sorted(SCHEMA))
def test_key_is_documented_with_its_default(key: str):
    rows = documented()
    assert key in rows, f"{key} is missing from docs/scenarios.md"
    assert parse_default(rows[key]) == expected_default(SCHEMA[key]), (
        f"{key}: docs say {rows[key]!r}, code says {expected_default(SCHEMA[key])!r}"
    )


def test_no_documented_key_is_stale():
    assert set(documented()) - set(SCHEMA) == set()


def test_documented_event_param_names_are_the_numeric_params():
    from alignsim.scenario.schema import NUMERIC_PARAMS

    text = DOC.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `param` |"))
    assert re.findall(r"`(\w+)`", row.split("|")[3]) == list(NUMERIC_PARAMS)
