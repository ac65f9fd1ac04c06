"""Walking the scenario schema along a document path.

Override paths (``--set states.Russia.power=0.1``) and unknown-key hints both
need to know what the schema expects at a given place in the document; this
module answers that from the pydantic models themselves.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


def unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` so only the shape remains."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def is_model(tp: Any) -> bool:
    """True for a pydantic model class (after unwrapping)."""
    tp = unwrap(tp)
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    """The keys a model accepts in a file (aliases, e.g. ``from``), with their annotations."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def shape(tp: Any, raw: Any = None) -> tuple[str, Any]:
    """Kind of value a type describes: ("model", cls), ("dict", value type),
    ("list", item type) or ("leaf", type). A single mapping where the schema allows
    "one or a list" (event ``tie``) is treated as the one item.
    """
    tp = unwrap(tp)
    if is_model(tp):
        return "model", tp
    origin = get_origin(tp)
    if origin is dict:
        return "dict", get_args(tp)[1]
    if origin in (list, tuple):
        item = get_args(tp)[0]
        if isinstance(raw, dict) and is_model(item):
            return "model", unwrap(item)
        return "list", item
    return "leaf", tp


def type_at(root: type[BaseModel], path: tuple[Any, ...], doc: Any) -> Any | None:
    """Schema type at ``path`` of the raw document ``doc`` (None if the path cannot exist)."""
    found = lookup(root, path, doc)
    return None if found is None else found[0]


def lookup(root: type[BaseModel], path: tuple[Any, ...], doc: Any) -> tuple[Any, list[Any]] | None:
    """Schema type and constraints (``Ge``, ``Le``, ...) at ``path`` of the raw document."""
    tp: Any = root
    metadata: list[Any] = []
    raw = doc
    for seg in path:
        kind, inner = shape(tp, raw)
        if kind == "model":
            info = {(f.alias or n): f for n, f in inner.model_fields.items()}.get(seg)
            if info is None:
                return None
            tp, metadata = info.annotation, list(info.metadata)
        elif kind in ("dict", "list"):
            tp, metadata = inner, []
        else:
            return None
        raw = _child(raw, seg)
    return tp, metadata + _annotated_metadata(tp)


def _annotated_metadata(tp: Any) -> list[Any]:
    """Constraints inside ``Annotated[float, Field(ge=-1, le=1)]`` (also under ``| None``)."""
    out: list[Any] = []
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            for extra in get_args(tp)[1:]:
                out.extend(getattr(extra, "metadata", None) or [extra])
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return out
            tp = args[0]
        else:
            return out


def _child(raw: Any, seg: Any) -> Any:
    if isinstance(raw, dict):
        return raw.get(seg)
    if isinstance(raw, list) and isinstance(seg, int) and 0 <= seg < len(raw):
        return raw[seg]
    return None
