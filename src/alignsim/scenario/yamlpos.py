"""Safe YAML reading that remembers where every key and value came from.

PyYAML's ``safe_load`` forgets positions, and validation must point at lines.
We compose the node tree with :class:`yaml.SafeLoader` (composition never runs
code) and build plain Python data ourselves, recording for every path the
position of its key and of its value. Tags outside plain YAML (``!!python/...``)
are reported, never constructed. Duplicate keys and non-finite numbers, which
PyYAML accepts silently, are reported too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import TOP, Path, Problem, format_path

#: (file, line, column), 1-based.
Pos = tuple[str, int, int]

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("null", "bool", "int", "float", "str", "timestamp")}
_MAP_TAG = _STD + "map"
_SEQ_TAG = _STD + "seq"
_MERGE_TAG = _STD + "merge"
#: Guard against "billion laughs" alias expansion.
MAX_NODES = 500_000
#: YAML 1.2 floats that YAML 1.1 (PyYAML) reads as text: 1e-3, 5E+2 (no dot).
EXP_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+$")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


@dataclass
class Positions:
    """Where each path's key and value sit; paths not in the file fall back to a parent."""

    keys: dict[Path, Pos] = field(default_factory=dict)
    values: dict[Path, Pos] = field(default_factory=dict)

    def set(self, path: Path, key: Pos, value: Pos | None = None) -> None:
        self.keys[path] = key
        self.values[path] = value or key

    def forget(self, path: Path) -> None:
        """Drop ``path`` and everything below it (its content was replaced)."""
        n = len(path)
        for table in (self.keys, self.values):
            for known in [p for p in table if p[:n] == path]:
                del table[known]

    def locate(self, path: Path, at: Literal["key", "value"] = "value") -> Pos | None:
        """Position of ``path``'s key or value; else the key of its deepest known parent."""
        if path in self.keys:
            return (self.keys if at == "key" else self.values)[path]
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in self.keys:
                return self.keys[path[:cut]]
        return None


@dataclass
class RawDocument:
    """Plain data read from one YAML text, with positions and reading problems."""

    filename: str
    data: Any = None
    positions: Positions = field(default_factory=Positions)
    problems: list[Problem] = field(default_factory=list)
    #: Paths already reported (unsafe tag, non-finite number); later checks skip them.
    reported: set[Path] = field(default_factory=set)
    #: True when the text could not be parsed at all (nothing else is worth checking).
    fatal: bool = False


class _TooBig(Exception):
    pass


class _Builder:
    """Turns a composed node tree into dicts, lists and scalars, recording positions."""

    def __init__(self, doc: RawDocument):
        self.doc = doc
        self.constructor = SafeConstructor()
        self.count = 0

    def pos(self, node: Node) -> Pos:
        mark = node.start_mark
        return (self.doc.filename, mark.line + 1, mark.column + 1)

    def problem(self, node: Node, path: Path, message: str, *, reported: bool = True) -> None:
        line, col = self.pos(node)[1:]
        self.doc.problems.append(Problem(self.doc.filename, line, col, format_path(path), message))
        if reported:
            self.doc.reported.add(path)

    def build(self, node: Node, path: Path, stack: frozenset[int] = frozenset()) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig
        if id(node) in stack:
            self.problem(node, path, "an alias refers to itself (recursive structure)")
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                return self.bad_tag(node, path)
            inner = stack | {id(node)}
            out = []
            for i, item in enumerate(node.value):
                self.doc.positions.set((*path, i), self.pos(item))
                out.append(self.build(item, (*path, i), inner))
            return out
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                return self.bad_tag(node, path)
            return self.mapping(node, path, stack | {id(node)})
        return None  # pragma: no cover - PyYAML has no other node kinds

    def bad_tag(self, node: Node, path: Path) -> None:
        tag = _short_tag(node.tag)
        self.problem(node, path, f"YAML tag '{tag}' is not allowed (plain YAML only; not run)")

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.tag not in _SCALAR_TAGS:
            return self.bad_tag(node, path)
        if node.tag == _STD + "str" and node.style is None and EXP_FLOAT.match(node.value):
            return float(node.value)  # plain 1e-3 is a number, as in YAML 1.2 and JSON
        try:
            value = self.constructor.construct_object(node, deep=True)
        except Exception:  # e.g. "2015-02-30": keep the text; the checks say what is wrong
            return node.value
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(node, path, f"not a finite number: {node.value}")
        return value

    def mapping(self, node: MappingNode, path: Path, stack: frozenset[int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges = [(k, v) for k, v in node.value if k.tag == _MERGE_TAG]
        # Merged mappings first (earlier sources win), so the node's own keys override them.
        for _key, value in merges:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in reversed(sources):
                if not isinstance(source, MappingNode):
                    self.problem(source, path, "'<<' merges only mappings")
                    continue
                merged = self.build(source, path, stack)
                if isinstance(merged, dict):
                    out.update(merged)
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.problem(key_node, path, "a key must be plain text", reported=False)
                continue
            # Keys are names (states, dimensions, ...): always text, so `NO:` stays "NO".
            key = key_node.value
            here = (*path, key)
            if key in seen:
                self.problem(key_node, here, f"duplicate key '{key}'", reported=False)
            seen.add(key)
            if merges:
                self.doc.positions.forget(here)
            self.doc.positions.set(here, self.pos(key_node), self.pos(value_node))
            out[key] = self.build(value_node, here, stack)
        return out


def load_yaml(text: str, filename: str) -> RawDocument:
    """Read ``text`` safely into a :class:`RawDocument`; problems are collected, not raised."""
    doc = RawDocument(filename)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        doc.problems.append(Problem(filename, 1, 1, TOP, "document nested too deeply"))
        doc.fatal = True
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = str(exc.problem or exc.context or "cannot parse").removeprefix("but ")
        if exc.context and exc.problem and exc.context_mark:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        doc.problems.append(Problem(filename, line, col, TOP, f"YAML syntax: {message}"))
        doc.fatal = True
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(filename, 1, 1, TOP, f"YAML error: {exc}"))
        doc.fatal = True
        return doc
    if node is None:
        return doc
    doc.positions.set((), _Builder(doc).pos(node))
    try:
        doc.data = _Builder(doc).build(node, ())
    except _TooBig:
        doc.problems.append(
            Problem(filename, 1, 1, TOP, f"document too large (over {MAX_NODES} values)")
        )
        doc.fatal = True
        doc.data = None
    except RecursionError:
        doc.problems.append(Problem(filename, 1, 1, TOP, "document nested too deeply"))
        doc.fatal = True
        doc.data = None
    return doc
