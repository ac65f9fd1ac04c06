"""Checks that need the whole document: names, dates, timing, orderings.

They run on the *raw* document (plain dicts and lists straight from YAML), so
they still report an unknown state in an event when pydantic has rejected some
other part of the file. Every check is defensive about types: a wrong type is
pydantic's to report, not ours.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from pydantic import ValidationError

from .calendar import (
    PERIOD_MONTHS,
    DateError,
    date_label,
    month_index,
    normalize_start,
    step_of_date,
)
from .problems import Path, format_path
from .schema import NUMERIC_PARAMS, Params, Thresholds, period_step

ACTIONS = ("shift", "set", "salience", "power", "tie", "relation", "param", "corridor")


@dataclass(frozen=True)
class Issue:
    """A problem at a document path, before it is given a file position."""

    path: Path
    message: str
    #: Point at the key (names, missing things) or at the value (out of range, bad date).
    at: Literal["key", "value"] = "value"

    @property
    def where(self) -> str:
        return format_path(self.path)


def did_you_mean(kind: str, name: object, known: Iterable[str]) -> str:
    """``unknown state 'Rusia'; did you mean 'Russia'?`` (or the list of known names)."""
    names = [k for k in known if isinstance(k, str)]
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.7)
    if not close:  # case slips ("russia") are common; compare case-folded too
        folded = {k.casefold(): k for k in names}
        close = [
            folded[c]
            for c in difflib.get_close_matches(str(name).casefold(), folded, n=1, cutoff=0.7)
        ]
    head = f"unknown {kind} '{name}'"
    if close:
        return f"{head}; did you mean '{close[0]}'?"
    if names:
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"{head}; expected one of: {shown}"
    return head


#: Fixed columns of states.csv that a dimension (one column per dimension) must not shadow.
RESERVED_DIMENSION_NAMES = frozenset({"step", "date", "state", "power", "bloc"})


def _is_number(value: Any) -> bool:
    """A finite number (not a bool); an int of any size counts, and is not made a float."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _keys(value: Any) -> list[str] | None:
    """Names declared in a section, or None when the section is unusable (skip checks)."""
    if isinstance(value, Mapping) and value:
        return [k for k in value if isinstance(k, str)]
    return None


class _Checker:
    def __init__(self, doc: Mapping[str, Any]):
        self.doc = doc
        self.issues: list[Issue] = []
        self.states = _keys(doc.get("states"))
        self.dims = _keys(doc.get("dimensions"))
        dims = doc.get("dimensions") if isinstance(doc.get("dimensions"), Mapping) else {}
        self.kinds = {d: v.get("kind") for d, v in dims.items() if isinstance(v, Mapping)}
        self.corridors = _keys(doc.get("corridors")) or []
        self.steps = doc.get("steps", 48) if _is_number(doc.get("steps", 48)) else None
        self.calendar = doc.get("calendar") if isinstance(doc.get("calendar"), Mapping) else None
        self.start: str | None = None
        self.unit: str | None = None
        if self.calendar is not None:
            try:
                self.start = normalize_start(self.calendar.get("start"))
            except (DateError, TypeError):
                self.start = None
            unit = self.calendar.get("step", "quarter")
            self.unit = unit if unit in PERIOD_MONTHS else None
        #: The periods (first, last step; last None: to the end) of states with ``active``
        #: whose periods could all be read.
        self.periods: dict[str, list[tuple[int, int | None]]] = {}

    def add(self, path: Path, message: str, at: Literal["key", "value"] = "value") -> None:
        self.issues.append(Issue(path, message, at))

    # -- names -------------------------------------------------------------------------
    def state(self, path: Path, name: Any, at: Literal["key", "value"] = "value") -> bool:
        if self.states is None or not isinstance(name, str) or name in self.states:
            return True
        self.add(path, did_you_mean("state", name, self.states), at)
        return False

    def dim(self, path: Path, name: Any) -> bool:
        if self.dims is None or not isinstance(name, str) or name in self.dims:
            return True
        self.add(path, did_you_mean("dimension", name, self.dims), "key")
        return False

    def group(self, path: Path, names: Any, what: str) -> None:
        """A list of state names: each known, none repeated."""
        if not isinstance(names, list | tuple):
            return
        for j, name in enumerate(names):
            self.state((*path, j), name)
            if isinstance(name, str) and name in names[:j]:
                self.add((*path, j), f"'{name}' appears twice; {what} needs different states")

    def stance_map(self, path: Path, value: Any) -> None:
        """{state: {dimension: number}} as in event shift/set and salience changes."""
        if not isinstance(value, Mapping):
            return
        for state, dims in value.items():
            if self.state((*path, state), state, "key") and isinstance(dims, Mapping):
                for dim in dims:
                    self.dim((*path, state, dim), dim)

    # -- sections ----------------------------------------------------------------------
    def check_dimension_names(self) -> None:
        """A dimension becomes a column of states.csv, beside fixed columns of its own."""
        for name in self.dims or []:
            if name in RESERVED_DIMENSION_NAMES:
                self.add(
                    ("dimensions", name),
                    f"'{name}' is a column of states.csv already; name the dimension otherwise",
                    "key",
                )
            elif "." in name:
                self.add(
                    ("dimensions", name), f"'{name}': dimension names cannot contain '.'", "key"
                )

    def check_states(self) -> None:
        states = self.doc.get("states")
        if not isinstance(states, Mapping):
            return
        for name, spec in states.items():
            if not isinstance(spec, Mapping):
                continue
            interests = spec.get("interests")
            if isinstance(interests, Mapping):
                for dim in self.dims or []:
                    if dim not in interests:
                        self.add(("states", name, "interests"), f"missing dimension '{dim}'", "key")
                for dim in interests:
                    self.dim(("states", name, "interests", dim), dim)
            salience = spec.get("salience")
            if isinstance(salience, Mapping):
                for dim in salience:
                    self.dim(("states", name, "salience", dim), dim)
            if spec.get("active") is not None:
                self.active_periods(name, spec["active"])

    # -- states that enter and leave -----------------------------------------------------
    def active_periods(self, name: str, active: Any) -> None:
        """A state's periods: dates within the calendar, each period not ending before it
        starts, periods in order without overlapping. Usable ones go to ``self.periods``."""
        base: Path = ("states", name, "active")
        single = isinstance(active, Mapping)
        periods = [active] if single else active
        if not isinstance(periods, list):
            return
        found: list[tuple[int, int | None]] = []
        for i, period in enumerate(periods):
            path = base if single else (*base, i)
            if not isinstance(period, Mapping):
                return
            first = self.period_end((*path, "from"), period.get("from"), up=True)
            last = self.period_end((*path, "until"), period.get("until"), up=False)
            if first is False or last is False:
                return
            first = 0 if first is None else first
            if last is not None and last < first:
                self.add((*path, "until"), f"the period ends at {self.step_text(last)}, "
                         f"before it starts at {self.step_text(first)}")  # fmt: skip
                return
            if found and (found[-1][1] is None or first <= found[-1][1]):
                end = found[-1][1]
                message = (f"starts at {self.step_text(first)}, before active.{i - 1} ends "
                           f"{'(at the end)' if end is None else 'at ' + self.step_text(end)}; "
                           "periods must come in order and not overlap")  # fmt: skip
                self.add((*path, "from") if "from" in period else path, message,
                         "value" if "from" in period else "key")  # fmt: skip
                return
            found.append((first, last))
        self.periods[name] = found

    def period_end(self, path: Path, value: Any, *, up: bool) -> int | Literal[False] | None:
        """The step of one `from` or `until`: None when not given, False when unusable."""
        if value is None:
            return None
        if isinstance(value, bool):
            return False
        key = path[-1]
        if isinstance(value, int):
            if value < 0:
                self.add(path, f"step {value} is before step 0, the start")
                return False
            if self.calendar is not None and value >= 1000 and (self.steps or 0) < value:
                self.add(path, f"step {value} is after the last step ({self.steps}); did you "
                         f"mean the date '{value}-01'?")  # fmt: skip
                return False
            return value
        if isinstance(value, dt.date):
            value = value.isoformat()[:10]
        if not isinstance(value, str):
            return False
        try:
            month_index(value)
        except DateError as exc:
            self.add(path, str(exc))
            return False
        if self.calendar is None:
            self.add(path, f"'{value}' is a date but there is no calendar; add one or give a step")
            return False
        if self.start is None or self.unit is None:
            return False
        if month_index(value) < month_index(self.start):
            hint = "leave `from` out for a state there from the start" if key == "from" else (
                "leave the period out, or the state out of the scenario")  # fmt: skip
            self.add(path, f"{value} is before the calendar start {self.start}; {hint}")
            return False
        return period_step(self.start, self.unit, value, up=up)

    def step_text(self, step: int) -> str:
        """``1958 (step 12)`` with a calendar, ``step 12`` without."""
        if self.start is None or self.unit is None:
            return f"step {step}"
        return f"{date_label(self.start, self.unit, step)} (step {step})"

    def inactive_at(self, name: Any, first: int, last: int) -> int | None:
        """A step in ``first..last`` at which state ``name`` is not active, or None."""
        periods = self.periods.get(name) if isinstance(name, str) else None
        if periods is None:
            return None
        step = first
        for start, end in periods:
            if step < start:
                return step
            if end is None or last <= end:
                return None
            step = max(step, end + 1)
        return step if step <= last else None

    def check_pairs(self, section: str) -> None:
        items = self.doc.get(section)
        if not isinstance(items, list):
            return
        seen: dict[frozenset[str], int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            between = item.get("between")
            self.group((section, i, "between"), between, "a pair")
            if not isinstance(between, list | tuple) or len(between) != 2:
                continue
            if not all(isinstance(n, str) for n in between) or between[0] == between[1]:
                continue
            pair = frozenset(between)
            if pair in seen:
                first = f"{section}.{seen[pair]}"
                self.add(
                    (section, i, "between"), f"pair {list(between)} is already given at {first}"
                )
            else:
                seen[pair] = i

    def check_corridors(self) -> None:
        corridors = self.doc.get("corridors")
        if not isinstance(corridors, Mapping):
            return
        for name, spec in corridors.items():
            if not isinstance(spec, Mapping):
                continue
            self.group(("corridors", name, "route"), spec.get("route"), "a route")
            dims = spec.get("dimensions")
            if not isinstance(dims, list):
                continue
            for j, dim in enumerate(dims):
                path = ("corridors", name, "dimensions", j)
                if not isinstance(dim, str) or self.dims is None:
                    continue
                if dim not in self.dims:
                    self.add(path, did_you_mean("dimension", dim, self.dims))
                elif self.kinds.get(dim) == "shared":
                    message = f"'{dim}' is a shared dimension; corridors boost complementary ones"
                    self.add(path, message)

    def check_params(self) -> None:
        params = self.doc.get("params", {})
        if not isinstance(params, Mapping):
            return
        given = params.get("thresholds", {})
        if isinstance(given, Mapping):
            order = ["hostile", "rival", "partner", "alliance"]
            values = {k: given.get(k, Thresholds.model_fields[k].default) for k in order}
            if all(_is_number(v) for v in values.values()):
                for low, high in pairwise(order):
                    if values[low] < values[high]:
                        continue
                    culprit = high if high in given else low
                    self.add(
                        ("params", "thresholds", culprit),
                        f"thresholds must rise hostile < rival < partner < alliance; "
                        f"here {low} = {values[low]} and {high} = {values[high]}",
                    )
        form = params.get("form_threshold", Params.model_fields["form_threshold"].default)
        brk = params.get("break_threshold", Params.model_fields["break_threshold"].default)
        if _is_number(form) and _is_number(brk) and not brk < form:
            culprit = "break_threshold" if "break_threshold" in params else "form_threshold"
            self.add(
                ("params", culprit),
                f"break_threshold ({brk}) must be below form_threshold ({form})",
            )

    def check_watch(self) -> None:
        watch = self.doc.get("watch")
        if not isinstance(watch, Mapping):
            return
        for key, what in (("pairs", "a pair"), ("triangles", "a triangle")):
            groups = watch.get(key)
            if isinstance(groups, list):
                for i, group in enumerate(groups):
                    self.group(("watch", key, i), group, what)
                self.watch_labels(key, groups)

    def watch_labels(self, key: str, groups: list) -> None:
        """Each watched group once, and each under a label of its own: outcomes are columns
        named by the states joined with '-' (``watch.China-Pakistan.strength``)."""
        labels: dict[str, int] = {}
        members: dict[frozenset, int] = {}
        for i, group in enumerate(groups):
            if not isinstance(group, list | tuple) or not all(isinstance(n, str) for n in group):
                continue
            label, same = "-".join(group), frozenset(group)
            if same in members:
                self.add(("watch", key, i), f"watch.{key}.{members[same]} watches these "
                         "states already")  # fmt: skip
            elif label in labels:
                self.add(("watch", key, i), f"its outcomes would be named '{label}', as those "
                         f"of watch.{key}.{labels[label]} are (states are joined with '-'); "
                         "watch one of them, or rename a state without '-'")  # fmt: skip
            labels.setdefault(label, i)
            members.setdefault(same, i)

    # -- events ------------------------------------------------------------------------
    def check_events(self) -> None:
        events = self.doc.get("events")
        if not isinstance(events, list):
            return
        ids: dict[str, int] = {}
        for i, event in enumerate(events):
            if not isinstance(event, Mapping):
                continue
            self.event_timing(i, event)
            self.event_actions(i, event)
            handle = event.get("id")
            if isinstance(handle, str):
                if handle.isdigit():
                    self.add(("events", i, "id"), "an id made only of digits reads as an index")
                elif handle in ids:
                    self.add(("events", i, "id"), f"duplicate id '{handle}' (events.{ids[handle]})")
                else:
                    ids[handle] = i

    def when(self, path: Path, value: Any) -> int | None:
        """Check one `at`/`from`/`to` value; return its step when it is usable."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            if value < 1:
                self.add(path, f"step {value} is before the first update; steps start at 1")
                return None
            if self.calendar is not None and value >= 1000 and (self.steps or 0) < value:
                message = f"step {value} is after the last step ({self.steps})"
                self.add(path, f"{message}; did you mean the date '{value}-01'?")
            return value
        if isinstance(value, dt.date):
            value = value.isoformat()[:10]
        if not isinstance(value, str):
            return None
        try:
            month_index(value)
        except DateError as exc:
            self.add(path, str(exc))
            return None
        if self.calendar is None:
            self.add(path, f"'{value}' is a date but there is no calendar; add one or give a step")
            return None
        if self.start is None or self.unit is None:
            return None
        try:
            return step_of_date(self.start, self.unit, value)
        except ValueError:
            self.add(path, f"{value} is before the calendar start {self.start}")
            return None

    def event_timing(self, i: int, event: Mapping[str, Any]) -> None:
        base: Path = ("events", i)
        given = {k: event[k] for k in ("at", "from", "to") if event.get(k) is not None}
        if not given:
            self.add(base, "an event needs `at`, or `from` and `to`", "key")
        if "at" in given:
            for key in ("from", "to"):
                if key in given:
                    self.add((*base, key), "give either `at` or `from`/`to`, not both", "key")
        elif ("from" in given) != ("to" in given):
            has, lacks = ("from", "to") if "from" in given else ("to", "from")
            message = f"a window needs both `from` and `to`; `{lacks}` is missing"
            self.add((*base, has), message, "key")
        steps = {k: self.when((*base, k), v) for k, v in given.items()}
        first, last = steps.get("from"), steps.get("to")
        if first is not None and last is not None and last < first:
            message = f"the window ends (step {last}) before it starts (step {first})"
            self.add((*base, "to"), message)
        elif steps.get("at") is not None:
            self.event_ties_active(i, event, steps["at"], steps["at"])
        elif first is not None and last is not None and "at" not in given:
            self.event_ties_active(i, event, first, last)

    def event_ties_active(self, i: int, event: Mapping[str, Any], first: int, last: int) -> None:
        """A tie event may name only states active at every step it may fire at: a state
        outside the world holds no ties (its stances, power and history may change)."""
        changes = event.get("tie")
        changes = [changes] if isinstance(changes, Mapping) else changes
        if not isinstance(changes, list):
            return
        single = isinstance(event.get("tie"), Mapping)
        for j, change in enumerate(changes):
            between = change.get("between") if isinstance(change, Mapping) else None
            if not isinstance(between, list | tuple):
                continue
            path: Path = ("events", i, "tie", "between") if single else (
                "events", i, "tie", j, "between")  # fmt: skip
            for k, name in enumerate(between):
                step = self.inactive_at(name, first, last)
                if step is not None:
                    when = self.step_text(step)
                    self.add((*path, k), f"'{name}' is not in the world at {when} "
                             f"(states.{name}.active), so it holds no ties then; change its "
                             "relation instead, or its active periods")  # fmt: skip
                    break

    def event_actions(self, i: int, event: Mapping[str, Any]) -> None:
        base: Path = ("events", i)
        if not any(event.get(a) is not None for a in ACTIONS) and not event.get("note"):
            self.add(base, f"an event needs an action ({', '.join(ACTIONS)}) or a note", "key")
        for key in ("shift", "set"):
            self.stance_map((*base, key), event.get(key))
        salience = event.get("salience")
        if isinstance(salience, Mapping):
            for key in ("shift", "set"):
                self.stance_map((*base, "salience", key), salience.get(key))
        power = event.get("power")
        if isinstance(power, Mapping):
            for key in ("shift", "set"):
                changes = power.get(key)
                if isinstance(changes, Mapping):
                    for state in changes:
                        self.state((*base, "power", key, state), state, "key")
        for key in ("tie", "relation"):
            changes = event.get(key)
            if isinstance(changes, Mapping):
                self.group((*base, key, "between"), changes.get("between"), "a pair")
            elif isinstance(changes, list):
                for j, change in enumerate(changes):
                    if isinstance(change, Mapping):
                        self.group((*base, key, j, "between"), change.get("between"), "a pair")
        self.event_params(base, event.get("param"))
        corridors = event.get("corridor")
        if isinstance(corridors, Mapping):
            for name in corridors:
                if name not in self.corridors:
                    path = (*base, "corridor", name)
                    self.add(path, did_you_mean("corridor", name, self.corridors), "key")

    def event_params(self, base: Path, change: Any) -> None:
        if not isinstance(change, Mapping):
            return
        for key in ("shift", "set"):
            values = change.get(key)
            if not isinstance(values, Mapping):
                continue
            for name, value in values.items():
                path = (*base, "param", key, name)
                if name in Params.model_fields and name not in NUMERIC_PARAMS:
                    self.add(path, f"'{name}' cannot be changed by an event", "key")
                elif name not in NUMERIC_PARAMS:
                    self.add(path, did_you_mean("parameter", name, NUMERIC_PARAMS), "key")
                elif key == "set" and _is_number(value) and not _param_ok(name, value):
                    self.add(path, f"{value} is out of range for {name} ({param_range(name)})")


def _param_ok(name: str, value: float) -> bool:
    try:
        Params.model_validate({name: value})
    except ValidationError:
        return False
    return True


def param_range(name: str) -> str:
    """Human range of a Params field, from its pydantic constraints ("0 < x <= 1")."""
    return range_text(Params.model_fields[name].metadata)


def range_text(metadata: Iterable[Any]) -> str:
    """``0 <= x <= 1`` style text from annotated-types constraints (empty when unbounded)."""
    low = high = ""
    for item in metadata:
        for attr, op in (("ge", "<="), ("gt", "<")):
            if getattr(item, attr, None) is not None:
                low = f"{_num(getattr(item, attr))} {op} "
        for attr, op in (("le", "<="), ("lt", "<")):
            if getattr(item, attr, None) is not None:
                high = f" {op} {_num(getattr(item, attr))}"
    return f"{low}x{high}" if low or high else ""


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_params(params: Mapping[str, Any]) -> list[Issue]:
    """The cross-field issues of a ``params`` section alone (threshold order, break below
    form), as ``check_document`` reports them for a whole document."""
    checker = _Checker({"params": params})
    checker.check_params()
    return checker.issues


def check_document(doc: Mapping[str, Any]) -> list[Issue]:
    """All cross-reference issues in a raw (or dumped) scenario document."""
    if not isinstance(doc, Mapping):
        return []
    checker = _Checker(doc)
    checker.check_dimension_names()
    checker.check_states()  # before the events: tie events need the states' periods
    checker.check_pairs("relations")
    checker.check_pairs("ties")
    checker.check_corridors()
    checker.check_params()
    checker.check_events()
    checker.check_watch()
    return checker.issues
