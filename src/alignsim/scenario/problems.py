"""Problems found in a scenario file and the exception that carries all of them.

A modeler fixing a file wants every mistake at once, each pointing at a line,
so validation collects :class:`Problem` records instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

#: A location inside the document: mapping keys (text) and list indices.
Path = tuple[str | int, ...]

TOP = "(top)"
EVENTS = "events"


def format_path(path: Sequence[str | int], doc: Any = None) -> str:
    """Dotted form of a path (``events.2.shift.Rusia``); ``(top)`` for the root.

    Given the document the path is in, an event is named by its id as well as its index
    (``events.2 (missiles).shift.Rusia``): a modeler knows events by id, but the index is
    what a path without ids needs.
    """
    text = ".".join(str(part) for part in path) if path else TOP
    return name_events(text, doc) if doc is not None else text


def event_index(doc: Any, handle: str) -> int | None:
    """The position in ``doc``'s events of the event given by index or by id (``handle``)."""
    events = doc.get(EVENTS) if isinstance(doc, dict) else None
    if not isinstance(events, list):
        return None
    if handle.isdigit():
        return int(handle) if int(handle) < len(events) else None
    ids = [event.get("id") if isinstance(event, dict) else None for event in events]
    return ids.index(handle) if handle in ids else None


def event_name(doc: Any, index: int) -> str:
    """``events.2 (missiles)`` for an event with an id, ``events.2`` for one without."""
    event = doc[EVENTS][index]
    handle = event.get("id") if isinstance(event, dict) else None
    named = isinstance(handle, str) and handle
    return f"{EVENTS}.{index} ({handle})" if named else f"{EVENTS}.{index}"


def name_events(text: str, doc: Any) -> str:
    """A dotted path whose event (by index or id, as ``--set`` takes it) is named by both.

    ``events.2.at`` and ``events.missiles.at`` both become ``events.2 (missiles).at`` when
    event 2 of ``doc`` has the id ``missiles``; any other path is returned as it is.
    """
    head, dot, rest = text.partition(".")
    if head != EVENTS or not dot:
        return text
    handle, dot, tail = rest.partition(".")
    index = event_index(doc, handle)
    if index is None:
        return text
    return event_name(doc, index) + dot + tail


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


def name_problem_events(problems: Iterable[Problem], doc: Any) -> list[Problem]:
    """``problems`` with the events in their paths named by index and id (see above)."""
    return [p._replace(path=name_events(p.path, doc)) for p in problems]


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sort_problems(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
