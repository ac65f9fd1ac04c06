"""Sweep outcomes written in words: ``strength(Russia, Pakistan) at 2020-Q1``.

A sweep file's ``outcomes:`` may name an outcome of its own, ``{name: rp_2020, value:
"strength(Russia, Pakistan) at 2020-Q1"}``. The value is read by this grammar (keywords in
any case, spaces between words free; STATE is a state of the scenario, written as in its
file, spaces included)::

    outcome   := quantity [ "at" time ]
               | quantity ( "mean" | "min" | "max" ) "over steps" [ window ]
               | "first step when" condition [ window ]
    quantity  := "strength(" STATE "," STATE ")"      the tie, −1 … 1
               | "level(" STATE "," STATE ")"         hostile … formal_alliance
               | STATE "in bloc of" STATE             both states in one bloc
               | "balance_ratio" | "polarization" | "blocs"
    condition := "level(" STATE "," STATE ")" OP LEVEL
               | ( "strength(…)" | "balance_ratio" | "polarization" | "blocs" ) OP NUMBER
               | STATE "in bloc of" STATE
    OP        := ">=" | "<=" | ">" | "<" | "="
    window    := "from" time [ "to" time ] | "to" time
    time      := DATE | "step" N

Without ``at`` a quantity is read at the last step. ``DATE`` is ``YYYY-MM``, ``YYYY-Qn``,
``YYYY`` or ``YYYY-MM-DD`` and stands for the step dated with its period in the run's tables
(in a quarterly calendar 2020-01, 2020-02 and 2020-Q1 are the step dated 2020-Q1).
A window runs from step 0 to the last unless it says otherwise, both ends included.

Every outcome has one kind, whatever the run: ``float`` for strength, balance_ratio,
polarization and any mean; ``int`` for blocs (at a step, its min or max) and for ``first step
when`` (−1 if never); ``category`` for a level; ``binary`` for ``in bloc of``.

:func:`parse` reads the text (syntax, levels, dates); :func:`check` checks it against a
scenario (its states, its calendar, the run's steps); :func:`evaluate` computes it from a
run. Errors carry the offset of the offending word in the text, so that a sweep file's
message can point at its column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alignsim.model.metrics import LEVELS
from alignsim.scenario.calendar import DATE_FORMATS, PERIOD_MONTHS, DateError, month_index
from alignsim.scenario.crossref import did_you_mean

#: Quantities read from the metrics of a step (no pair of states).
METRICS = ("balance_ratio", "polarization", "blocs")
#: Ways to fold a quantity over the steps of a window.
AGGREGATES = ("mean", "min", "max")
OPERATORS = (">=", "<=", ">", "<", "=")
#: What a value may start with, for messages.
STARTS = "strength(A, B), level(A, B), A in bloc of B, balance_ratio, polarization, blocs or "
STARTS += "first step when …"
#: Pair quantities, and how each is written.
PAIRS = {"strength": "strength(A, B)", "level": "level(A, B)"}

_DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?|-?[Qq]\d)?(?![\w-])")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_WORD = re.compile(r"[^\s(),]+")
_BLOC = re.compile(r"\s+in\s+bloc\s+of\s+", re.IGNORECASE)
#: Words that end a state's name written without parentheses (``A in bloc of B at …``).
_AFTER_STATE = re.compile(r"\s+(?:in\s+bloc\s+of|at|from|to|mean|min|max)\b|\s*$", re.IGNORECASE)


class VocabularyError(ValueError):
    """A value the grammar cannot read: ``message``, at ``offset`` in the text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Time:
    """A step of the run, written as a date or as ``step N``."""

    date: str | None = None
    step: int | None = None
    offset: int = field(default=0, compare=False)

    def text(self) -> str:
        return self.date if self.date is not None else f"step {self.step}"


@dataclass(frozen=True)
class State:
    """A state's name as written, and where."""

    name: str
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Quantity:
    """What is read at a step: ``strength``, ``level``, ``same_bloc`` (of two states) or one
    of :data:`METRICS`."""

    what: str
    states: tuple[State, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def numeric(self) -> bool:
        return self.what == "strength" or self.what in METRICS


@dataclass(frozen=True)
class Query:
    """A parsed value: a quantity at a step (``mode`` "at"), folded over a window ("mean",
    "min", "max"), or the first step a condition holds ("first")."""

    quantity: Quantity
    mode: str = "at"
    at: Time | None = None
    """The step read by "at"; None: the last."""
    start: Time | None = None
    stop: Time | None = None
    op: str | None = None
    """The comparison of a "first" condition (None for ``in bloc of``)."""
    threshold: float | str | None = None
    """A number, or a level for ``level(A, B)``."""

    @property
    def kind(self) -> str:
        if self.mode == "first":
            return "int"
        if self.mode == "mean":
            return "float"
        kinds = {"blocs": "int", "level": "category", "same_bloc": "binary"}
        return kinds.get(self.quantity.what, "float")  # min and max keep the quantity's kind

    @property
    def times(self) -> tuple[Time, ...]:
        return tuple(t for t in (self.at, self.start, self.stop) if t is not None)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The pairs whose ties it reads (``in bloc of`` reads blocs, not ties)."""
        what, names = self.quantity.what, self.quantity.names
        return (names,) if what in PAIRS else ()  # type: ignore[return-value]

    @property
    def every_step(self) -> bool:
        """Whether it reads steps other than the last."""
        return self.mode != "at" or self.at is not None

    @property
    def blocs(self) -> bool:
        """Whether it reads the blocs."""
        return self.quantity.what in ("same_bloc", "polarization", "blocs")


# --- reading -------------------------------------------------------------------------------


class _Scanner:
    """A cursor over the text, reading keywords, names, numbers and dates."""

    def __init__(self, text: str, states: tuple[str, ...]) -> None:
        self.text = text
        self.pos = 0
        # the longest first, so that "Central Asian Republics" wins over a "Central"
        self.states = tuple(sorted(states, key=len, reverse=True))

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def rest(self) -> str:
        self.skip()
        return self.text[self.pos :]

    def found(self) -> str:
        """The word at the cursor, for messages: ``'xyz'`` or "the end"."""
        rest = self.rest()
        if not rest:
            return "the end"
        word = _WORD.match(rest)
        return f"'{word.group(0) if word else rest[0]}'"

    def fail(self, expected: str) -> VocabularyError:
        self.skip()
        return VocabularyError(f"expected {expected}, found {self.found()}", self.pos)

    def take(self, *phrases: str) -> str | None:
        """The first of ``phrases`` (words separated by any spaces) at the cursor, consumed."""
        self.skip()
        for phrase in phrases:
            words = r"\s+".join(re.escape(w) for w in phrase.split())
            tail = r"(?![\w])" if phrase[-1].isalnum() or phrase[-1] == "_" else ""
            match = re.compile(words + tail, re.IGNORECASE).match(self.text, self.pos)
            if match:
                self.pos = match.end()
                return phrase
        return None

    def expect(self, phrase: str, shown: str | None = None) -> None:
        if self.take(phrase) is None:
            raise self.fail(shown or f"'{phrase}'")

    def state(self, ends: re.Pattern[str]) -> State:
        """A state of the scenario at the cursor; else the text up to ``ends``, as written."""
        self.skip()
        start = self.pos
        for name in self.states:
            end = start + len(name)
            if self.text.startswith(name, start) and (
                end == len(self.text) or not (self.text[end].isalnum() or self.text[end] == "_")
            ):
                self.pos = end
                return State(name, start)
        match = ends.search(self.text, start)
        end = match.start() if match else len(self.text)
        name = self.text[start:end].strip()
        if not name:
            raise self.fail("a state")
        self.pos = end
        return State(name, start)

    def number(self) -> float:
        self.skip()
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise self.fail("a number")
        self.pos = match.end()
        return float(match.group(0))

    def time(self) -> Time:
        self.skip()
        start = self.pos
        if self.take("step"):
            self.skip()
            match = re.compile(r"\d+(?!\w)").match(self.text, self.pos)
            if not match:
                raise self.fail("a step number after 'step'")
            self.pos = match.end()
            return Time(step=int(match.group(0)), offset=start)
        match = _DATE.match(self.text, self.pos)
        if not match:
            raise self.fail(f"a date ({DATE_FORMATS}) or 'step N'")
        try:
            month_index(match.group(0))
        except DateError as error:
            raise VocabularyError(str(error), start) from None
        self.pos = match.end()
        return Time(date=match.group(0), offset=start)


def parse(text: str, states: tuple[str, ...] | list[str] = ()) -> Query:
    """Read ``text`` by the grammar above; ``states`` are the names it may use (a name
    written without parentheses is read as the longest of them it starts with).

    Raises :class:`VocabularyError` at the first word that does not fit.
    """
    scan = _Scanner(text, tuple(states))
    if not scan.rest():
        raise scan.fail(STARTS)
    if scan.take("first step when"):
        quantity, op, threshold = _condition(scan)
        start, stop = _window(scan)
        _end(scan, "'from DATE', 'to DATE' or the end")
        return Query(quantity, "first", start=start, stop=stop, op=op, threshold=threshold)
    quantity = _quantity(scan)
    if scan.take("at"):
        at = scan.time()
        _end(scan, "the end after the time")
        return Query(quantity, "at", at=at)
    scan.skip()
    where = scan.pos
    aggregate = scan.take(*AGGREGATES)
    if aggregate is None:
        _end(scan, "'at DATE', 'mean over steps', 'min over steps', 'max over steps' or the end")
        return Query(quantity)
    if not quantity.numeric:
        kind = "a level" if quantity.what == "level" else "a yes or no"
        message = (f"{aggregate} over steps needs a number (strength, balance_ratio, "
                   f"polarization or blocs); {_written(quantity)} is {kind}")  # fmt: skip
        raise VocabularyError(message, where)
    scan.expect("over steps", f"'over steps' after '{aggregate}'")
    start, stop = _window(scan)
    _end(scan, "'from DATE', 'to DATE' or the end")
    return Query(quantity, aggregate, start=start, stop=stop)


def _written(quantity: Quantity) -> str:
    if quantity.what == "same_bloc":
        return "A in bloc of B"
    return PAIRS.get(quantity.what, quantity.what)


def _end(scan: _Scanner, expected: str) -> None:
    if scan.rest():
        raise scan.fail(expected)


def _quantity(scan: _Scanner) -> Quantity:
    scan.skip()
    start = scan.pos
    for what in PAIRS:
        if scan.take(what):
            scan.expect("(", f"'(' after '{what}'")
            a = scan.state(re.compile(r"\s*[,)]|$"))
            scan.expect(",", f"',' and a second state after '{a.name}'")
            b = scan.state(re.compile(r"\s*[,)]|$"))
            scan.expect(")", f"')' after '{b.name}'")
            return Quantity(what, (a, b))
    metric = scan.take(*METRICS)
    if metric:
        return Quantity(metric)
    if _BLOC.search(scan.text, start):
        a = scan.state(_AFTER_STATE)
        scan.expect("in bloc of", f"'in bloc of' after '{a.name}'")
        b = scan.state(_AFTER_STATE)
        return Quantity("same_bloc", (a, b))
    word = _WORD.match(scan.text, start)
    keyword = word.group(0).partition("(")[0] if word else ""
    close = did_you_mean("quantity", keyword, (*PAIRS, *METRICS, "first"))
    if "did you mean" in close:
        raise VocabularyError(close, start)
    raise scan.fail(STARTS)


def _condition(scan: _Scanner) -> tuple[Quantity, str | None, float | str | None]:
    quantity = _quantity(scan)
    if quantity.what == "same_bloc":
        return quantity, None, None
    op = scan.take(*OPERATORS)
    if op is None:
        raise scan.fail(f"a comparison ({', '.join(OPERATORS)}) after {_written(quantity)}")
    if quantity.what != "level":
        return quantity, op, scan.number()
    scan.skip()
    where = scan.pos
    word = _WORD.match(scan.text, where)
    if not word:
        raise scan.fail(f"a level ({', '.join(LEVELS)})")
    level = word.group(0)
    if level.lower() not in LEVELS:
        raise VocabularyError(did_you_mean("level", level, LEVELS), where)
    scan.pos = word.end()
    return quantity, op, level.lower()


def _window(scan: _Scanner) -> tuple[Time | None, Time | None]:
    start = scan.time() if scan.take("from") else None
    stop = scan.time() if scan.take("to") else None
    return start, stop


# --- checking against a scenario -------------------------------------------------------------


def step_of(time: Time, scenario: Any) -> int:
    """The step ``time`` stands for in ``scenario``: a date's is the step dated with its
    month, quarter or year (as the calendar counts steps) in the run's tables. Raises
    ValueError for a date before the calendar's start, or without a calendar."""
    if time.step is not None:
        return time.step
    assert time.date is not None
    calendar = scenario.calendar
    if calendar is None:
        raise ValueError(f"{time.date} is a date but the scenario has no calendar; write 'step N'")
    months = PERIOD_MONTHS[calendar.step]
    # step s is dated with the period holding month start + s·months: its index is start's + s
    step = month_index(time.date) // months - month_index(calendar.start) // months
    if step < 0:
        raise ValueError(f"{time.date} is before the calendar's start, {calendar.start}")
    return step


def check(query: Query, scenario: Any, steps: int) -> list[tuple[int, str]]:
    """What does not fit ``scenario`` run for ``steps`` steps, as (offset, message): states
    it does not have, a pair of one state, times outside the run, a window that ends first."""
    problems: list[tuple[int, str]] = []
    names = list(scenario.states)
    for state in query.quantity.states:
        if state.name not in names:
            problems.append((state.offset, did_you_mean("state", state.name, names)))
    a_b = query.quantity.states
    if len(a_b) == 2 and a_b[0].name == a_b[1].name:
        problems.append((a_b[1].offset, f"'{a_b[1].name}' is named twice: a pair needs two states"))
    found: dict[Time, int] = {}
    for time in query.times:
        try:
            found[time] = step_of(time, scenario)
        except ValueError as error:
            problems.append((time.offset, str(error)))
            continue
        if found[time] > steps:
            step = "" if time.step is not None else f"step {found[time]}, "
            last = f"{steps}" + (f" ({scenario.date_of(steps)})" if scenario.calendar else "")
            message = f"{time.text()} is {step}after the run's last step, {last}"
            problems.append((time.offset, message))
    if query.start in found and query.stop in found and found[query.start] > found[query.stop]:
        assert query.start is not None and query.stop is not None
        message = f"the window ends ({query.stop.text()}) before it starts ({query.start.text()})"
        problems.append((query.stop.offset, message))
    return problems


# --- computing from a run --------------------------------------------------------------------


def evaluate(query: Query, result: Any) -> Any:
    """The value of ``query`` for one run (a :class:`alignsim.model.recorder.Result` that
    recorded what it reads: every step when ``every_step``, its pairs, the blocs)."""
    steps = result.recorded_steps
    if query.mode == "at":
        step = result.steps if query.at is None else _resolved(query.at, result)
        rows = np.flatnonzero(steps == step)
        if rows.size == 0:
            raise ValueError(f"step {step} was not recorded (the run has {result.steps} steps)")
        return _cast(query, _series(query.quantity, result)[int(rows[0])])
    low = 0 if query.start is None else _resolved(query.start, result)
    high = result.steps if query.stop is None else _resolved(query.stop, result)
    inside = (steps >= low) & (steps <= high)
    if query.mode == "first":
        hits = np.flatnonzero(inside & _holds(query, result))
        return int(steps[hits[0]]) if hits.size else -1
    values = np.asarray(_series(query.quantity, result), dtype=float)[inside]
    folded = {"mean": np.mean, "min": np.min, "max": np.max}[query.mode](values)
    return _cast(query, folded)


def _resolved(time: Time, result: Any) -> int:
    step = step_of(time, result.scenario)
    if step > result.steps:
        raise ValueError(f"{time.text()} is step {step}, after the run's last step {result.steps}")
    return step


def _series(quantity: Quantity, result: Any) -> Any:
    """The quantity at every recorded step: numbers, level names or 0/1."""
    what, names = quantity.what, quantity.names
    if what == "strength":
        return result.strength(*names)
    if what == "level":
        return result.levels(*names)
    if what == "same_bloc":
        blocs = np.asarray(result.recorder.bloc[: len(result.recorded_steps)])
        i, j = (result.names.index(name) for name in names)
        return ((blocs[:, i] == blocs[:, j]) & (blocs[:, i] != 0)).astype(int)
    return result.metric(what)


def _holds(query: Query, result: Any) -> np.ndarray:
    """Whether the condition of a "first" query holds at each recorded step."""
    series = _series(query.quantity, result)
    if query.op is None:
        return np.asarray(series) == 1
    if query.quantity.what == "level":
        values = np.array([LEVELS.index(v) for v in series])
        threshold = float(LEVELS.index(str(query.threshold)))
    else:
        values, threshold = np.asarray(series, dtype=float), float(query.threshold)  # type: ignore[arg-type]
    compare = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater,
               "<": np.less, "=": np.equal}[query.op]  # fmt: skip
    return compare(values, threshold)


def _cast(query: Query, value: Any) -> Any:
    kind = query.kind
    if kind == "int":
        return round(float(value))
    if kind == "float":
        return float(value)
    if kind == "binary":
        return int(value)
    return str(value)
