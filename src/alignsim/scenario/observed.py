"""Observed histories: what happened to the ties between a scenario's states, read from CSV.

Calibrating the model and scoring its forecasts compare runs with the record. An observed
history is a CSV file with one row per observation (``date, source, target, value, note``),
checked against the scenario it describes: its states, its calendar and steps, and its
level thresholds. Every problem is collected and raised at once as a
:class:`~alignsim.scenario.problems.ScenarioError` of ``FILE:LINE:COL: column: message``
lines, as for scenario files (docs/observed.md).

The csv module reads the file (through :mod:`.csvpos`), not pandas: every field stays the
text it was written as, so ``1`` (a sign) and ``1.0`` (a strength) stay apart and ``NA`` or
``null`` never become missing values; and every field keeps its line and column, past
comment lines and notes that span lines. pandas holds the result, the table later commands
join with a run's ``ties.csv``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, NamedTuple

from .calendar import DATE_FORMATS, PERIOD_MONTHS, DateError, month_index
from .crossref import did_you_mean
from .csvpos import CsvSyntaxError, Place, Record, header_columns, named_fields, read_records
from .loading import read_file, read_raw, resolve_raw
from .problems import TOP, Problem, ScenarioError
from .schema import Scenario, Thresholds

if TYPE_CHECKING:  # pandas is imported where a table is made: validating needs none
    import pandas as pd

#: Tie levels from most hostile to closest, as the model names them (``model.metrics.LEVELS``;
#: a test keeps the two equal: this package imports nothing of the model).
LEVELS: tuple[str, ...] = ("hostile", "rival", "neutral", "partner", "alliance", "formal_alliance")
#: The sign of each level: hostile and rival ties are negative, partners and allies positive.
SIGN_OF_LEVEL: dict[str, int] = dict(zip(LEVELS, (-1, -1, 0, 1, 1, 1), strict=True))
#: The columns of the file, in the order they are written; ``note`` may be left out.
COLUMNS: tuple[str, ...] = ("date", "source", "target", "value", "note")
REQUIRED: tuple[str, ...] = COLUMNS[:4]
#: The columns of :attr:`ObservedHistory.table`.
TABLE_COLUMNS: tuple[str, ...] = (
    "date", "step", "source", "target", "value", "kind", "level", "sign", "note"
)  # fmt: skip

_WHOLE = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_KINDS_HINT = (
    f"a value is a sign (-1, 0, 1), a level ({', '.join(LEVELS)}) or a strength in [-1, 1]"
)


class Value(NamedTuple):
    """One observation's value, read."""

    kind: str
    """``sign``, ``level`` or ``strength``."""
    number: float
    """The sign or the strength; NaN for a level (a category has no strength)."""
    level: str | None
    """The level: as written, or from a strength by the thresholds; None for a sign."""
    sign: int


def strength_level(strength: float, thresholds: Thresholds) -> str:
    """The level of a tie strength, by the bands of ``model.metrics.level_codes``.

    hostile at or below ``hostile``; rival at or below ``rival``; partner from ``partner``;
    alliance from ``alliance``; neutral in between. A strength alone never makes a formal
    alliance: the model promotes a tie to it only after it has stayed at alliance level.
    """
    if strength <= thresholds.hostile:
        return "hostile"
    if strength <= thresholds.rival:
        return "rival"
    if strength < thresholds.partner:
        return "neutral"
    return "partner" if strength < thresholds.alliance else "alliance"


def parse_value(text: str, thresholds: Thresholds) -> Value:
    """Read a ``value`` field; raises :class:`ValueError` with a message saying why not.

    A whole number is a sign (-1, 0 or 1, also +1); a number with a decimal point or an
    exponent is a strength in [-1, 1]; a word is a level (any case, ``formal alliance``
    with a space too).
    """
    if _WHOLE.match(text):
        sign = int(text)
        if sign not in (-1, 0, 1):
            raise ValueError(
                f"{text} is out of range: a sign is -1, 0 or 1 (a strength is written with a "
                "decimal point and lies in [-1, 1])"
            )
        return Value("sign", float(sign), None, sign)
    if _DECIMAL.match(text):
        strength = float(text)
        if not -1 <= strength <= 1:
            raise ValueError(f"{text} is out of range: a strength is in [-1, 1]")
        level = strength_level(strength, thresholds)
        return Value("strength", strength, level, SIGN_OF_LEVEL[level])
    level = re.sub(r"[\s_-]+", "_", text.strip().casefold())
    if level in SIGN_OF_LEVEL:
        return Value("level", math.nan, level, SIGN_OF_LEVEL[level])
    if _is_non_finite(text):
        raise ValueError(f"not a finite number: '{text}'; a strength is in [-1, 1]")
    guess = did_you_mean("level", text, LEVELS)
    if "did you mean" in guess:
        raise ValueError(f"{guess} ({_KINDS_HINT})")
    raise ValueError(f"'{text}' is not a value: {_KINDS_HINT}")


def _is_non_finite(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


def value_text(kind: str, number: float, level: str | None) -> str:
    """How a value is written back: the inverse of :func:`parse_value`."""
    if kind == "sign":
        return str(int(number))
    if kind == "level":
        return str(level)
    return repr(float(number))  # always with a '.' or an exponent: reads back as a strength


def observation_step(text: str, scenario: Scenario) -> int:
    """The step an observation dated ``text`` is compared at; :class:`ValueError` if none.

    With a calendar, the step whose period contains the date, so an observation carries the
    same label as the model's row it meets (``2016-Q3`` is the step labelled ``2016-Q3``);
    without one, ``text`` is a step number. Either way from 0 (the start) to the last step.
    """
    calendar, last = scenario.calendar, scenario.steps
    if calendar is None:
        if not _WHOLE.match(text):
            raise ValueError(
                f"'{text}' is not a step number; the scenario has no calendar, so dates are "
                f"steps, 0 to {last}"
            )
        step = int(text)
        if not 0 <= step <= last:
            raise ValueError(f"step {step} is outside the scenario's steps, 0 to {last}")
        return step
    if text.isdigit() and len(text) < 4:
        message = f"'{text}' is not a date; the scenario has a calendar: write {DATE_FORMATS}"
        raise ValueError(message)
    try:
        months = month_index(text) - month_index(calendar.start)
    except DateError as exc:
        raise ValueError(str(exc)) from None
    if months < 0:
        raise ValueError(f"{text} is before the calendar start {calendar.start}")
    step = months // PERIOD_MONTHS[calendar.step]
    if step > last:
        end = scenario.date_of(last)
        raise ValueError(f"{text} is after the last step ({last}, {end}); the scenario ends there")
    return step


@dataclass(frozen=True)
class ObservedHistory:
    """An observed history read against a scenario.

    ``table`` has the columns :data:`TABLE_COLUMNS`, one row per observation: ``date`` as
    written, ``step`` the scenario step it is compared at, ``source`` and ``target`` in the
    scenario's state order (as a run's ``ties.csv`` has them), ``value`` the sign or the
    strength (NaN for a level), ``kind`` (``sign``, ``level``, ``strength``), ``level`` (none
    for a sign), ``sign`` and ``note``; rows sorted by step, then pair in state order.
    """

    table: pd.DataFrame
    file: str = ""

    def csv_text(self) -> str:
        """The history as an observed-history file (``date, source, target, value, note``)."""
        out = io.StringIO()
        writer = csv.writer(out)  # rows end in CRLF, so a note with a CR in it is quoted
        writer.writerow(COLUMNS)
        for row in self.table.itertuples(index=False):
            level = row.level if isinstance(row.level, str) else None
            value = value_text(row.kind, row.value, level)
            writer.writerow([row.date, row.source, row.target, value, row.note])
        return out.getvalue()

    def to_csv(self, path: str | FsPath) -> None:
        """Write :meth:`csv_text` to ``path`` (UTF-8); reading it back gives an equal table."""
        FsPath(path).write_text(self.csv_text(), encoding="utf-8", newline="")


def read_observed(path: str | FsPath, scenario: Scenario) -> ObservedHistory:
    """Read and check the observed history at ``path`` against ``scenario``.

    Raises :class:`ScenarioError` with every problem (``FILE:LINE:COL: column: message``).
    """
    text, reason = read_file(path)
    if text is None:
        raise ScenarioError([Problem(str(path), 1, 1, TOP, reason)])
    return read_observed_text(text, str(path), scenario)


def read_observed_text(text: str, filename: str, scenario: Scenario) -> ObservedHistory:
    """Read and check observed-history CSV ``text`` (reported as ``filename``)."""
    reader = _Reader(filename, scenario)
    try:
        for record in read_records(text):
            reader.take(record)
    except CsvSyntaxError as exc:
        reader.add((exc.line, 1), TOP, f"cannot read on as CSV: {exc}")
    reader.finish()
    if reader.problems:
        raise ScenarioError(reader.problems)
    return ObservedHistory(build_table(reader.rows, scenario), filename)


def read_named_history(scenario: Scenario, scenario_file: str | FsPath) -> ObservedHistory:
    """The observed history a scenario names with ``observed:``, checked against it.

    ``scenario.observed`` is already resolved against the file that names it. A file that
    cannot be read is a problem at the ``observed:`` line of ``scenario_file``.
    """
    if scenario.observed is None:
        raise ValueError("the scenario names no observed history")
    text, reason = read_file(scenario.observed)
    if text is None:
        file, line, col = _observed_line(scenario_file)
        message = f"observed history {scenario.observed}: {reason}"
        raise ScenarioError([Problem(file, line, col, "observed", message)])
    return read_observed_text(text, scenario.observed, scenario)


def _observed_line(scenario_file: str | FsPath) -> tuple[str, int, int]:
    """Where the ``observed:`` value of a scenario file (or of the parent it came from) is."""
    filename = str(scenario_file)
    text, _ = read_file(filename)
    raw = resolve_raw(read_raw(text or "", filename))
    return raw.positions.locate(("observed",), "value") or (filename, 1, 1)


def build_table(rows: Iterable[dict[str, Any]], scenario: Scenario) -> pd.DataFrame:
    """The table of :class:`ObservedHistory` from rows with its columns, in canonical order."""
    import pandas as pd

    order = {name: i for i, name in enumerate(scenario.state_names)}
    ordered = sorted(rows, key=lambda r: (r["step"], order[r["source"]], order[r["target"]]))
    table = pd.DataFrame(ordered, columns=list(TABLE_COLUMNS))
    types = {"step": "int64", "sign": "int64", "value": "float64"}
    return table.astype(types | {c: "str" for c in TABLE_COLUMNS if c not in types})


class _Reader:
    """Checks records one by one, collecting problems and the rows that are good."""

    def __init__(self, filename: str, scenario: Scenario):
        self.file = filename
        self.scenario = scenario
        self.states = scenario.state_names
        self.order = {name: i for i, name in enumerate(self.states)}
        self.problems: list[Problem] = []
        self.columns: dict[str, int] | None = None
        self.width = 0
        self.first: dict[tuple[int, frozenset[str]], int] = {}
        self.rows: list[dict[str, Any]] = []

    def add(self, place: Place, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, place[0], place[1], column, message))

    def take(self, record: Record) -> None:
        if self.columns is None:
            self.header(record)
        else:
            self.row(record)

    def finish(self) -> None:
        if self.columns is None and not self.problems:
            self.add((1, 1), TOP, f"the file is empty; it needs the header {','.join(COLUMNS)} "
                     "and a row per observation")  # fmt: skip
        elif self.columns is not None and not self.rows and not self.problems:
            self.add((1, 1), TOP, "no observations: the file has a header and no rows")

    # -- the header ----------------------------------------------------------------------
    def header(self, record: Record) -> None:
        names = [field.strip() for field in record.fields]
        self.columns, self.width = {}, len(names)
        if not set(names) & set(COLUMNS):
            self.add((record.line, 1), TOP, "the first row is not a header: an observed "
                     f"history starts with the header {','.join(COLUMNS)}")  # fmt: skip
            return
        self.columns = header_columns(record, COLUMNS, self.add)
        for name in REQUIRED:
            if name not in self.columns:
                self.add((record.line, 1), name, f"missing column '{name}'; the header is "
                         f"{','.join(COLUMNS)} (note may be left out)")  # fmt: skip

    # -- a row ---------------------------------------------------------------------------
    def row(self, record: Record) -> None:
        assert self.columns is not None
        before = len(self.problems)
        hint = "; quote a note that contains a comma"
        text, place = named_fields(record, self.columns, self.width, self.add, hint)
        for name in REQUIRED:
            if name in text and not text[name]:
                self.add(place[name], name, f"no {name}; every row needs a date, source, "
                         "target and value")  # fmt: skip
        step = self.step(text, place)
        pair = self.pair(text, place)
        value = self.value(text, place)
        if step is not None and pair is not None:
            self.once(record, step, pair, place)
        if len(self.problems) == before and step is not None and pair and value:
            self.rows.append(self.observation(text, step, pair, value))

    def step(self, text: dict[str, str], place: dict[str, Place]) -> int | None:
        if not text.get("date"):
            return None
        try:
            return observation_step(text["date"], self.scenario)
        except ValueError as exc:
            self.add(place["date"], "date", str(exc))
            return None

    def pair(self, text: dict[str, str], place: dict[str, Place]) -> tuple[str, str] | None:
        names = [text.get("source", ""), text.get("target", "")]
        known = True
        for column, name in zip(("source", "target"), names, strict=True):
            if name and name not in self.order:
                self.add(place[column], column, did_you_mean("state", name, self.states))
            known = known and name in self.order
        if not known:
            return None
        if names[0] == names[1]:
            message = f"'{names[1]}' is the source too; a tie joins two different states"
            self.add(place["target"], "target", message)
            return None
        first, second = sorted(names, key=self.order.__getitem__)
        return first, second

    def value(self, text: dict[str, str], place: dict[str, Place]) -> Value | None:
        if not text.get("value"):
            return None
        try:
            return parse_value(text["value"], self.scenario.params.thresholds)
        except ValueError as exc:
            self.add(place["value"], "value", str(exc))
            return None

    def once(self, record: Record, step: int, pair: tuple[str, str], place: dict) -> None:
        """One observation per pair and step: a second is a problem naming the first's line."""
        key = (step, frozenset(pair))
        if key not in self.first:
            self.first[key] = record.line
            return
        when = self.scenario.date_of(step)  # "step 3" without a calendar
        if self.scenario.calendar is not None:
            when += f" (step {step})"
        message = (f"{pair[0]}–{pair[1]} at {when} is observed already, at line "
                   f"{self.first[key]}; give one observation per pair and step")  # fmt: skip
        self.add(place["date"], "date", message)

    def observation(
        self, text: dict[str, str], step: int, pair: tuple[str, str], value: Value
    ) -> dict[str, Any]:
        return {
            "date": text["date"],
            "step": step,
            "source": pair[0],
            "target": pair[1],
            "value": value.number,
            "kind": value.kind,
            "level": value.level,
            "sign": value.sign,
            "note": text.get("note", ""),
        }
