"""Problems found in a scenario file and the exception that carries all of them.

A modeler fixing a file wants every mistake at once, each pointing at a line,
so validation collects :class:`Problem` records instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

#: A location inside the document: mapping keys (text) and list indices.
Path = tuple[str | int, ...]

TOP = "(top)"


def format_path(path: Sequence[str | int]) -> str:
    """Dotted form of a path (``events.2.shift.Rusia``); ``(top)`` for the root."""
    return ".".join(str(part) for part in path) if path else TOP


class Problem(NamedTuple):
    """One problem, printed like a compiler error: ``FILE:LINE:COL: path: message``."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.path}: {self.message}"


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Unique problems, file by file in first-seen order, then by line and column."""
    unique = list(dict.fromkeys(problems))
    files = list(dict.fromkeys(p.file for p in unique))
    return sorted(unique, key=lambda p: (files.index(p.file), p.line, p.col, p.path))


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sort_problems(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
