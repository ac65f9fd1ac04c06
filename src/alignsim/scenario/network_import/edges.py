"""Signed edge lists, read with the line and column of every field.

Two layouts are read: the Correlates of War files of ``data/cow_signed``
(``window, first_year, last_year, source, target, sign``: one network per window) and a
modeler's plain ``source, target, sign`` (one network). Every problem is collected and
raised at once as a :class:`~alignsim.scenario.problems.ScenarioError` of
``FILE:LINE:COL: column: message`` lines, as for observed histories, so a user fixing a
file sees everything wrong with it in one go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath

from ..csvpos import CsvSyntaxError, Place, Record, header_columns, named_fields, read_records
from ..loading import read_file
from ..problems import TOP, Problem, ScenarioError

#: The columns of a file with windows (the layout of ``data/cow_signed/edges.csv``).
WINDOW_COLUMNS: tuple[str, ...] = ("window", "first_year", "last_year")
#: The columns every file has.
EDGE_COLUMNS: tuple[str, ...] = ("source", "target", "sign")
COLUMNS: tuple[str, ...] = WINDOW_COLUMNS + EDGE_COLUMNS
#: The one window of a plain file; it has no label in the file.
PLAIN = ""

_SIGN = re.compile(r"^[+-]?[0-9]+$")
_YEAR = re.compile(r"^[0-9]{4}$")

Pair = frozenset[str]


@dataclass
class Window:
    """One network: the signed ties of one time window, and the states that appear in it."""

    label: str
    first_year: int | None
    last_year: int | None
    line: int
    """The line the window first appears on."""
    signs: dict[Pair, int] = field(default_factory=dict)
    """The sign of every listed pair (0 when a row lists a pair with no tie)."""
    lines: dict[Pair, int] = field(default_factory=dict)
    """The line each pair is listed on."""
    states: set[str] = field(default_factory=set)
    """The states of the window's rows: a state is in a window when a row names it."""

    def tie(self, a: str, b: str) -> int:
        """The sign between ``a`` and ``b`` in this window; 0 when they have no tie."""
        return self.signs.get(frozenset((a, b)), 0)


@dataclass(frozen=True)
class SignedNetworks:
    """The windows of an edge file, in time order (by last year, then first year)."""

    file: str
    windows: list[Window]
    dated: bool
    """True for a file with windows and years, False for a plain ``source, target, sign``."""

    @property
    def labels(self) -> list[str]:
        return [w.label for w in self.windows]

    def index(self, label: str) -> int:
        """The position of the window ``label``; :class:`KeyError` if the file has none."""
        return self.labels.index(label)


def read_networks(path: str | FsPath) -> SignedNetworks:
    """Read and check the edge file at ``path``; raises :class:`ScenarioError` with every
    problem (``FILE:LINE:COL: column: message``)."""
    text, reason = read_file(path)
    if text is None:
        raise ScenarioError([Problem(str(path), 1, 1, TOP, reason)])
    return read_networks_text(text, str(path))


def read_networks_text(text: str, filename: str) -> SignedNetworks:
    """Read and check edge-file ``text`` (reported as ``filename``)."""
    reader = _Reader(filename)
    try:
        for record in read_records(text):
            reader.take(record)
    except CsvSyntaxError as exc:
        reader.add((exc.line, 1), TOP, f"cannot read on as CSV: {exc}")
    reader.finish()
    if reader.problems:
        raise ScenarioError(reader.problems)
    windows = sorted(reader.windows.values(), key=lambda w: (w.last_year or 0, w.first_year or 0))
    return SignedNetworks(filename, windows, reader.dated)


def parse_sign(text: str) -> int:
    """A sign: -1, 0 or 1 (also +1); :class:`ValueError` with a message saying why not."""
    if not _SIGN.match(text) or int(text) not in (-1, 0, 1):
        raise ValueError(f"'{text}' is not a sign: a sign is -1, 0 or 1 (+1 too)")
    return int(text)


class _Reader:
    """Checks records one by one, collecting problems and the windows that are good."""

    def __init__(self, filename: str):
        self.file = filename
        self.problems: list[Problem] = []
        self.columns: dict[str, int] | None = None
        self.width = 0
        self.dated = False
        self.rows = 0
        self.windows: dict[str, Window] = {}
        self.ends: dict[int, str] = {}

    def add(self, place: Place, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, place[0], place[1], column, message))

    def take(self, record: Record) -> None:
        if self.columns is None:
            self.header(record)
        else:
            self.rows += 1
            self.row(record)

    def finish(self) -> None:
        if self.columns is None and not self.problems:
            self.add((1, 1), TOP, "the file is empty; it needs the header "
                     f"{','.join(COLUMNS)} (or {','.join(EDGE_COLUMNS)}) and a row per "
                     "edge")  # fmt: skip
        elif self.columns is not None and not self.rows and not self.problems:
            self.add((1, 1), TOP, "no edges: the file has a header and no rows")

    # -- the header ----------------------------------------------------------------------
    def header(self, record: Record) -> None:
        names = [name.strip() for name in record.fields]
        self.columns, self.width = {}, len(names)
        if not set(names) & set(COLUMNS):
            self.add((record.line, 1), TOP, "the first row is not a header: an edge file "
                     f"starts with {','.join(COLUMNS)} or {','.join(EDGE_COLUMNS)}")  # fmt: skip
            return
        self.columns = header_columns(record, COLUMNS, self.add)
        self.dated = any(name in self.columns for name in WINDOW_COLUMNS)
        needed = COLUMNS if self.dated else EDGE_COLUMNS
        for name in needed:
            if name not in self.columns:
                self.add((record.line, 1), name, self.missing(name))

    def missing(self, name: str) -> str:
        if name in WINDOW_COLUMNS:
            return (f"missing column '{name}'; a file with windows has the columns "
                    f"{','.join(COLUMNS)}")  # fmt: skip
        return (f"missing column '{name}'; the header is {','.join(COLUMNS)}, or "
                f"{','.join(EDGE_COLUMNS)} for one network")  # fmt: skip

    # -- a row ---------------------------------------------------------------------------
    def row(self, record: Record) -> None:
        assert self.columns is not None
        before = len(self.problems)
        text, place = named_fields(record, self.columns, self.width, self.add)
        for name, value in text.items():
            if not value:
                self.add(place[name], name, f"no {name}; every row needs "
                         f"{', '.join(self.columns)}")  # fmt: skip
        window = self.window(record, text, place)
        sign = self.sign(text, place)
        pair = self.pair(text, place)
        if len(self.problems) == before and window is not None and pair is not None:
            self.enter(window, pair, sign, record, place)

    def sign(self, text: dict[str, str], place: dict[str, Place]) -> int:
        if not text.get("sign"):
            return 0
        try:
            return parse_sign(text["sign"])
        except ValueError as exc:
            self.add(place["sign"], "sign", str(exc))
            return 0

    def pair(self, text: dict[str, str], place: dict[str, Place]) -> Pair | None:
        source, target = text.get("source", ""), text.get("target", "")
        if not source or not target:
            return None
        if source == target:
            message = f"'{target}' is the source too; an edge joins two different states"
            self.add(place["target"], "target", message)
            return None
        return frozenset((source, target))

    def window(
        self, record: Record, text: dict[str, str], place: dict[str, Place]
    ) -> Window | None:
        if not self.dated:
            if PLAIN not in self.windows:
                self.windows[PLAIN] = Window(PLAIN, None, None, record.line)
            return self.windows[PLAIN]
        label = text.get("window", "")
        years = [self.year(text, place, name) for name in ("first_year", "last_year")]
        if not label or None in years:
            return None
        first, last = years
        assert first is not None and last is not None
        if first > last:
            self.add(place["last_year"], "last_year", f"{last} is before the first year {first}")
            return None
        known = self.windows.get(label)
        if known is None:
            return self.new_window(label, first, last, record.line, place)
        if (known.first_year, known.last_year) != (first, last):
            self.add(place["first_year"], "first_year", f"window {label} is "
                     f"{first}-{last} here but {known.first_year}-{known.last_year} at line "
                     f"{known.line}; a window has one span")  # fmt: skip
            return None
        return known

    def new_window(
        self, label: str, first: int, last: int, line: int, place: dict[str, Place]
    ) -> Window | None:
        """A window seen for the first time; two windows may not end in the same year, since
        each is dated at its last year (docs/networks.md)."""
        other = self.ends.get(last)
        if other is not None:
            self.add(place["last_year"], "last_year", f"window {label} ends in {last}, as "
                     f"window {other} (line {self.windows[other].line}) does; each window is "
                     "dated at its last year, so two cannot share one")  # fmt: skip
            return None
        self.ends[last] = label
        window = self.windows[label] = Window(label, first, last, line)
        return window

    def year(self, text: dict[str, str], place: dict[str, Place], name: str) -> int | None:
        value = text.get(name, "")
        if not value:
            return None
        if not _YEAR.match(value):
            self.add(place[name], name, f"'{value}' is not a year: four digits, like 1946")
            return None
        return int(value)

    def enter(
        self, window: Window, pair: Pair, sign: int, record: Record, place: dict[str, Place]
    ) -> None:
        """Add an edge to its window; a pair listed twice in a window (in either order) is a
        problem at the second listing, naming the first."""
        first = window.lines.get(pair)
        if first is not None:
            a, b = sorted(pair)
            where = f" in window {window.label}" if window.label else ""
            self.add(place["source"], "source", f"{a}–{b} is listed already{where}, at line "
                     f"{first}; give each pair once per window (in either order)")  # fmt: skip
            return
        window.lines[pair] = record.line
        window.signs[pair] = sign
        window.states |= pair
