"""CSV reading that remembers where every field came from.

The csv module parses; it does not say where a field starts, and messages must point at a
line and a column (``FILE:LINE:COL``). Here the csv module reads one record at a time from
a line source that counts lines, so each record knows the line it starts on even when a
quoted field spans lines; lines starting with ``#`` and blank lines between records are
skipped (inside a quoted field they are text); and each field's column is found by walking
the record's text as the csv module's default dialect reads it (``,`` between fields, ``"``
opening a quoted field only at its start, ``""`` for a quote inside one).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .problems import TOP

#: (line, column), 1-based.
Place = tuple[int, int]

COMMENT = "#"


@dataclass(frozen=True)
class Record:
    """One CSV record: its fields as text and where each starts."""

    line: int
    """The line the record starts on."""
    fields: list[str]
    places: list[Place]
    """Where each field starts (as many as ``fields``)."""
    end: Place
    """Just after the record's last character (where a missing field would be)."""

    def place(self, index: int) -> Place:
        """Where field ``index`` starts, or the record's end when it has no such field."""
        return self.places[index] if index < len(self.places) else self.end


class CsvSyntaxError(ValueError):
    """Text the csv module cannot read (a NUL byte, a quote left open at the end)."""

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


class _Lines:
    """The lines of a text, counted; comment and blank lines between records are skipped."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))
        self.number = 0
        self.first = 0
        self.taken: list[str] = []
        self._between = True

    def start_record(self) -> None:
        """The csv reader is about to read a new record."""
        self._between = True
        self.taken = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while True:
            line = next(self._lines)
            self.number += 1
            if self._between and (not line.strip() or line.lstrip().startswith(COMMENT)):
                continue
            if self._between:
                self.first, self._between = self.number, False
            self.taken.append(line)
            return line


def read_records(text: str) -> Iterator[Record]:
    """The records of CSV ``text`` in order, each with the line and column of its fields.

    Raises :class:`CsvSyntaxError` (with the line of the record) where the csv module cannot
    read on.
    """
    lines = _Lines(text)
    reader = csv.reader(lines, strict=True)
    while True:
        lines.start_record()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvSyntaxError(lines.first or lines.number or 1, str(exc)) from None
        places, end = field_places(lines.taken, lines.first)
        yield Record(lines.first, fields, places, end)


def field_places(lines: list[str], first: int) -> tuple[list[Place], Place]:
    """Where each field of the record made of ``lines`` (starting on line ``first``) starts,
    and the place just after its last character."""
    places: list[Place] = [(first, 1)]
    state = "start"  # start of a field, in a plain field, in quotes, a quote seen in quotes
    end: Place = (first, 1)
    for offset, line in enumerate(lines):
        number = first + offset
        for col, char in enumerate(line, start=1):
            if char in "\r\n" and state != "quoted":
                break
            end = (number, col + 1)
            if char == "," and state != "quoted":
                places.append((number, col + 1))
                state = "start"
            elif char == '"' and state in ("start", "quote"):
                state = "quoted"
            elif char == '"' and state == "quoted":
                state = "quote"
            elif state in ("start", "quote"):
                state = "field"
    return places, end


def header_columns(
    record: Record, known: tuple[str, ...], report: Callable[[Place, str, str], None]
) -> dict[str, int]:
    """{column: index} of a header row's known columns; a column named twice or not known
    is reported at its place (``report(place, column, message)``, with a did-you-mean)."""
    from .crossref import did_you_mean

    columns: dict[str, int] = {}
    for index, name in enumerate(field.strip() for field in record.fields):
        place = record.place(index)
        if name in columns:
            first = columns[name] + 1
            report(place, name, f"column '{name}' appears twice (first as column {first})")
        elif name not in known:
            report(place, name or TOP, did_you_mean("column", name, known))
        else:
            columns[name] = index
    return columns


def named_fields(
    record: Record,
    columns: dict[str, int],
    width: int,
    report: Callable[[Place, str, str], None],
    hint: str = "",
) -> tuple[dict[str, str], dict[str, Place]]:
    """A data row's fields by the header's ``columns`` ({column: index}): their stripped
    text ("" when the row is short) and their places. A row longer than the header's
    ``width`` is reported at its first extra field, with ``hint`` after the count."""
    if len(record.fields) > width:
        report(record.place(width), TOP,
               f"{len(record.fields)} fields, but the header has {width}{hint}")  # fmt: skip
    text = {
        name: record.fields[i].strip() if i < len(record.fields) else ""
        for name, i in columns.items()
    }
    return text, {name: record.place(i) for name, i in columns.items()}
