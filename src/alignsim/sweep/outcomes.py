"""Outcomes of one run as flat columns: what a sweep stores per run.

Each outcome has a name (used in sweep files' ``outcomes:``) and expands to one or more
columns. Outcomes about watched ties, triangles and states expand to one column per watched
item, named ``<outcome>.<label>``: ``triangle_formed.China-Russia-Pakistan``,
``final_strength.Russia-Pakistan``, ``bloc_of.Pakistan``. Every column has a fixed kind so
that a sweep's Parquet files share one schema even when some runs failed:

- ``binary``: 0 or 1 (summarized as a probability),
- ``int`` / ``float``: numbers (summarized by mean and interval),
- ``category``: text (summarized as the probability of each value).

No column is ever NaN for a run that finished: a triangle that never formed has
``first_triangle_step`` -1.

Each outcome also says what it reads (``needs``), so that a sweep records only that
(:func:`recording_for`): the watched ties at the end, their levels at every step, or the
blocs, which are found step by step (each step's search starts from the last step's blocs).

A sweep file may also declare outcomes of its own: one written in words
(:class:`WordedOutcome`, read by :mod:`alignsim.sweep.vocabulary`), whose column is its name
and whose pairs are recorded even when the scenario does not watch them, or a function
named by import path (:class:`FunctionOutcome`), which gets the run recorded in full.
"""

from __future__ import annotations

import importlib
import math
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alignsim.scenario.crossref import did_you_mean
from alignsim.sweep.vocabulary import Query, evaluate

Kind = str  # "binary" | "int" | "float" | "category"
KINDS: tuple[Kind, ...] = ("binary", "int", "float", "category")

#: What an outcome can need beyond the watched ties and the metrics of the last step.
EVERY_STEP = "every_step"  # the watched ties (and metrics) at every step, not only the last
BLOCS = "blocs"  # the blocs: found at every step, since each search starts from the last
FULL = "full"  # everything: every step, every pair, the blocs and the event log

UNALIGNED = "unaligned"


@dataclass(frozen=True)
class OutcomeDef:
    """One named outcome: its kind, its columns for a scenario, and how to compute them."""

    name: str
    kind: Kind
    description: str
    labels: Callable[[Any], list[str]]
    """Column suffixes for a scenario (empty string: the column is the outcome's name)."""
    compute: Callable[[Any], dict[str, Any]]
    """From a Result to {suffix: value} for the same suffixes as ``labels``."""
    needs: frozenset[str] = frozenset()
    """``EVERY_STEP`` and ``BLOCS``, where the outcome reads them."""
    never: bool = False
    """A step, −1 when it never came: summaries average the runs where it came."""

    def columns(self, scenario: Any) -> list[str]:
        return [self._column(label) for label in self.labels(scenario)]

    def values(self, result: Any) -> dict[str, Any]:
        return {self._column(label): value for label, value in self.compute(result).items()}

    def _column(self, label: str) -> str:
        return f"{self.name}.{label}" if label else self.name


# --- what is watched ---------------------------------------------------------------------


def _label(names: Iterable[str]) -> str:
    return "-".join(names)


def watched_triangles(scenario: Any) -> list[tuple[str, str, str]]:
    return [tuple(t) for t in scenario.watch.triangles]


def watched_ties(scenario: Any) -> list[tuple[str, str]]:
    return scenario.watched_ties()


def watched_states(scenario: Any) -> list[str]:
    """States of watched pairs and triangles, in order of first mention."""
    states: list[str] = []
    for group in [*scenario.watch.pairs, *scenario.watch.triangles]:
        for name in group:
            if name not in states:
                states.append(name)
    return states


# --- computing ---------------------------------------------------------------------------


def _formed(result: Any, triangle: tuple[str, ...], what: str) -> np.ndarray:
    return result.metric(f"watch.{_label(triangle)}.{what}")


def _triangle_final(what: str) -> Callable[[Any], dict[str, Any]]:
    def compute(result: Any) -> dict[str, Any]:
        return {
            _label(t): int(_formed(result, t, what)[-1] >= 0.5)
            for t in watched_triangles(result.scenario)
        }

    return compute


def _first_triangle_step(result: Any) -> dict[str, Any]:
    out = {}
    for t in watched_triangles(result.scenario):
        hits = np.flatnonzero(_formed(result, t, "formed") >= 0.5)
        out[_label(t)] = int(hits[0]) if hits.size else -1
    return out


def _final_strength(result: Any) -> dict[str, Any]:
    return {_label(p): float(result.strength(*p)[-1]) for p in watched_ties(result.scenario)}


def _final_level(result: Any) -> dict[str, Any]:
    return {_label(p): str(result.levels(*p)[-1]) for p in watched_ties(result.scenario)}


def bloc_leaders(result: Any, step: int | None = None) -> list[str]:
    """For each state (in ``result.names`` order), the most powerful member of its bloc at
    ``step`` (default: the last), or ``"unaligned"``; equal power goes to the first in
    scenario order."""
    step = result.steps if step is None else step
    blocs = np.asarray(result.recorder.bloc[step])
    power = np.asarray(result.recorder.power[step])
    leaders = []
    for i in range(len(result.names)):
        if blocs[i] == 0:
            leaders.append(UNALIGNED)
            continue
        members = np.flatnonzero(blocs == blocs[i])
        leaders.append(result.names[int(members[np.argmax(power[members])])])
    return leaders


def _bloc_of(result: Any) -> dict[str, Any]:
    leaders = bloc_leaders(result)
    return {s: leaders[result.names.index(s)] for s in watched_states(result.scenario)}


def _final_metric(name: str, cast: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    def compute(result: Any) -> dict[str, Any]:
        return {"": cast(result.metric(name)[-1])}

    return compute


def _triangles(scenario: Any) -> list[str]:
    return [_label(t) for t in watched_triangles(scenario)]


def _ties(scenario: Any) -> list[str]:
    return [_label(p) for p in watched_ties(scenario)]


def _none(scenario: Any) -> list[str]:
    return [""]


OUTCOMES: dict[str, OutcomeDef] = {
    d.name: d
    for d in (
        OutcomeDef(
            "triangle_formed", "binary",
            "1 if the watched triangle is formed (all three ties partner or better) at the end",
            _triangles, _triangle_final("formed"),
        ),
        OutcomeDef(
            "triangle_alliance", "binary",
            "1 if all three ties of the watched triangle are alliances at the end",
            _triangles, _triangle_final("alliance"),
        ),
        OutcomeDef(
            "first_triangle_step", "int",
            "first step at which the watched triangle is formed; -1 if never",
            _triangles, _first_triangle_step, frozenset({EVERY_STEP}), never=True,
        ),
        OutcomeDef(
            "final_strength", "float",
            "tie strength at the end, per watched pair and triangle side",
            _ties, _final_strength,
        ),
        OutcomeDef(
            "final_level", "category",
            "tie level at the end (hostile … formal_alliance), per watched pair and triangle side",
            _ties, _final_level,
        ),
        OutcomeDef(
            "bloc_of", "category",
            "per state of a watched pair or triangle: the most powerful member of its bloc at "
            "the end, or 'unaligned'",
            watched_states, _bloc_of, frozenset({BLOCS}),
        ),
        OutcomeDef(
            "balance_ratio", "float", "share of balanced closed signed triads at the end",
            _none, _final_metric("balance_ratio", float),
        ),
        OutcomeDef(
            "polarization", "float", "mean hostility between the two largest blocs at the end",
            _none, _final_metric("polarization", float), frozenset({BLOCS}),
        ),
        OutcomeDef(
            "blocs", "int", "number of blocs at the end",
            _none, _final_metric("blocs", lambda v: round(float(v))), frozenset({BLOCS}),
        ),
    )
}  # fmt: skip

DEFAULT_OUTCOMES: tuple[str, ...] = (
    "triangle_formed",
    "triangle_alliance",
    "first_triangle_step",
    "final_strength",
    "bloc_of",
)


def _definitions(items: Sequence[Outcome]) -> list[Any]:
    """The definition of each outcome: a built-in one by name, a sweep file's own as is."""
    unknown = [n for n in items if isinstance(n, str) and n not in OUTCOMES]
    if unknown:
        raise KeyError(f"unknown outcome(s) {unknown}; known: {', '.join(OUTCOMES)}")
    return [OUTCOMES[n] if isinstance(n, str) else n for n in items]


def outcome_name(item: Outcome) -> str:
    """A built-in outcome's name, or the ``name`` of a sweep file's own."""
    return item if isinstance(item, str) else item.name


def outcome_kinds(scenario: Any, names: Sequence[Outcome] = DEFAULT_OUTCOMES) -> dict[str, Kind]:
    """{column: kind} of the outcomes for ``scenario``, in a fixed order."""
    return {col: d.kind for d in _definitions(names) for col in d.columns(scenario)}


def never_columns(scenario: Any, names: Sequence[Outcome] = DEFAULT_OUTCOMES) -> list[str]:
    """The columns that hold a step, or −1 when it never came (``first_triangle_step``,
    ``first step when …``): their means are over the runs where it came."""
    return [col for d in _definitions(names) if getattr(d, "never", False)
            for col in d.columns(scenario)]  # fmt: skip


def outcome_columns(result: Any, names: Sequence[Outcome] = DEFAULT_OUTCOMES) -> dict[str, Any]:
    """{column: value} of the outcomes for one run (a :class:`Result`)."""
    row: dict[str, Any] = {}
    for definition in _definitions(names):
        row.update(definition.values(result))
    return row


#: ``simulate``'s options for a run recorded in full (its defaults), for function outcomes.
FULL_RECORDING: dict[str, Any] = {"record": "all", "record_every": 1, "log": True, "blocs": True}


def recording_for(
    names: Sequence[Outcome], steps: int, series: Sequence[str] = ()
) -> dict[str, Any]:
    """The thinnest recording from which the outcomes (and ``series``) come out as from a
    full run: options of ``simulate``. No event log; the watched ties only, and the pairs
    worded outcomes read (``record_pairs``); every step only when an outcome or a series
    reads the steps in between or the blocs (found at recorded steps only). A function
    outcome may read anything: its runs are recorded in full."""
    definitions = _definitions(names)
    needs = frozenset().union(*(d.needs for d in definitions), *(SERIES[n].needs for n in series))
    if FULL in needs:
        return dict(FULL_RECORDING)
    every = 1 if needs & {EVERY_STEP, BLOCS} else max(1, int(steps))
    options = {"record": "watched", "record_every": every, "log": False, "blocs": BLOCS in needs}
    pairs = {p: None for d in definitions for p in getattr(d, "pairs", ())}
    if pairs:
        options["record_pairs"] = list(pairs)
    return options


# --- a sweep file's own outcomes ---------------------------------------------------------


class OutcomeError(ValueError):
    """A sweep file's own outcome could not give a value for a run (its run fails)."""


@dataclass(frozen=True)
class WordedOutcome:
    """``{name: rp_2020, value: "strength(Russia, Pakistan) at 2020-Q1"}``: one column,
    ``name``, of the kind its words give (:mod:`alignsim.sweep.vocabulary`)."""

    name: str
    value: str
    query: Query

    @property
    def kind(self) -> Kind:
        return self.query.kind

    @property
    def needs(self) -> frozenset[str]:
        needs = {EVERY_STEP} if self.query.every_step else set()
        return frozenset(needs | ({BLOCS} if self.query.blocs else set()))

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The pairs whose ties it reads: the runs record them, watched or not."""
        return self.query.pairs

    @property
    def never(self) -> bool:
        """``first step when …``: −1 when the condition never held."""
        return self.query.mode == "first"

    def columns(self, scenario: Any) -> list[str]:
        return [self.name]

    def values(self, result: Any) -> dict[str, Any]:
        return {self.name: evaluate(self.query, result)}


@dataclass(frozen=True)
class FunctionOutcome:
    """``{name: gap, function: "my_outcomes:gap", kind: float}``: ``function(result)`` of
    every run, a value of ``kind`` (column ``name``), or with ``labels`` a dict {label: value}
    (columns ``name.label``). Only the import path travels to the workers, which import it
    with ``folder`` (the sweep file's) first on ``sys.path``."""

    name: str
    function: str
    """``module:attribute`` (``my_outcomes:gap``, ``package.module:Class.method``)."""
    kind: Kind
    labels: tuple[str, ...] = ()
    folder: str | None = None

    needs = frozenset({FULL})

    def columns(self, scenario: Any) -> list[str]:
        return [f"{self.name}.{label}" for label in self.labels] or [self.name]

    def values(self, result: Any) -> dict[str, Any]:
        function = load_function(self.function, self.folder)
        try:
            value = function(result)
        except Exception as error:
            text = f"{type(error).__name__}: {error}".rstrip(": ")
            raise OutcomeError(f"outcome {self.name} ({self.function}) raised {text}") from error
        if not self.labels:
            return {self.name: self._checked(value, self.name)}
        if not isinstance(value, dict) or set(value) != set(self.labels):
            got = sorted(map(str, value)) if isinstance(value, dict) else _shown(value)
            raise OutcomeError(
                f"outcome {self.name} ({self.function}) returned {got}; with `columns:` it must "
                f"return a dict with the keys {list(self.labels)}"
            )
        columns = {label: f"{self.name}.{label}" for label in self.labels}
        return {column: self._checked(value[label], column) for label, column in columns.items()}

    def _checked(self, value: Any, column: str) -> Any:
        checked = checked_value(value, self.kind)
        if checked is None:
            raise OutcomeError(
                f"outcome {column} ({self.function}) returned {_shown(value)}; "
                f"a {self.kind} outcome needs {_KIND_WORDS[self.kind]}"
            )
        return checked


_KIND_WORDS = {
    "binary": "0, 1, True or False",
    "int": "a whole number (int)",
    "float": "a finite number",
    "category": "text (str)",
}


def _shown(value: Any) -> str:
    text = repr(value)
    text = f"{text[:60]}…" if len(text) > 60 else text
    return f"{text} ({type(value).__name__})"


def checked_value(value: Any, kind: Kind) -> Any:
    """``value`` as a column of ``kind`` stores it, or None if it is not one."""
    if isinstance(value, np.generic):
        value = value.item()
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "binary":
        ok = isinstance(value, bool) or (isinstance(value, int) and value in (0, 1))
        return int(value) if ok else None
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "float":
        return float(value) if number and math.isfinite(value) else None
    return value if isinstance(value, str) else None


class FunctionImportError(ImportError):
    """``module:attribute`` could not be found; ``part`` says which ("module" or
    "attribute"), so that a sweep file's message can point at it."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.part = part


_FUNCTIONS: dict[tuple[str, str | None], Callable[[Any], Any] | FunctionImportError] = {}
_IMPORT_LOCK = threading.Lock()


def load_function(target: str, folder: str | None = None) -> Callable[[Any], Any]:
    """The function ``module:attribute`` names, imported with ``folder`` first on
    ``sys.path`` (so that a module beside the sweep file is found); once per process.
    Raises :class:`FunctionImportError`."""
    key = (target, folder)
    with _IMPORT_LOCK:  # a Dask worker may run tasks in several threads
        if key not in _FUNCTIONS:
            try:
                _FUNCTIONS[key] = _import_function(target, folder)
            except FunctionImportError as error:
                _FUNCTIONS[key] = error
        found = _FUNCTIONS[key]
    if isinstance(found, FunctionImportError):
        raise found
    return found


def _import_function(target: str, folder: str | None) -> Callable[[Any], Any]:
    module_name, _, attribute = target.partition(":")
    with _first_on_path(folder):
        _forget_if_elsewhere(module_name, folder)
        try:
            module = importlib.import_module(module_name)
        except Exception as error:
            where = f" (looked in {folder} and the installed packages)" if folder else ""
            text = f"{type(error).__name__}: {error}"
            message = f"cannot import {module_name}{where}: {text}"
            raise FunctionImportError(message, "module") from None
    found: Any = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            names = [n for n in dir(found) if not n.startswith("_") and callable(getattr(found, n))]
            hint = did_you_mean("function", part, names).partition("; ")[2]
            message = f"{module_name} has no function '{attribute}'" + (f"; {hint}" if hint else "")
            raise FunctionImportError(message, "attribute")
        found = getattr(found, part)
    if not callable(found):
        message = f"{target} is {type(found).__name__}, not a function"
        raise FunctionImportError(message, "attribute")
    return found


@contextmanager
def _first_on_path(folder: str | None) -> Iterator[None]:
    """``folder`` first on ``sys.path`` meanwhile (and the import system's caches of folder
    contents dropped: the module may have been written a moment ago)."""
    importlib.invalidate_caches()
    if folder is None or folder in sys.path:
        yield
        return
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        if folder in sys.path:
            sys.path.remove(folder)


def _forget_if_elsewhere(module_name: str, folder: str | None) -> None:
    """Drop an imported module of this name from another folder when ``folder`` has one:
    two sweep files beside two ``my_outcomes.py`` each get their own."""
    top = module_name.partition(".")[0]
    loaded = sys.modules.get(top)
    if folder is None or loaded is None:
        return
    here = Path(folder) / top
    candidates = [here.with_suffix(".py"), here / "__init__.py"]
    mine = next((c for c in candidates if c.is_file()), None)
    where = getattr(loaded, "__file__", None)
    if mine is None or (where is not None and Path(where).resolve() == mine.resolve()):
        return
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]


#: An item of a sweep's ``outcomes``: a built-in outcome's name, or a sweep file's own.
Outcome = str | WordedOutcome | FunctionOutcome


# --- series: quantities at every step ------------------------------------------------------


@dataclass(frozen=True)
class SeriesDef:
    """A quantity kept at every step of every run (``series:`` of a sweep file), stored in
    long form (:mod:`alignsim.sweep.storage`, ``series/``)."""

    name: str
    description: str
    labels: Callable[[Any], list[str]]
    """Series names for a scenario (empty string: the series is the name itself)."""
    compute: Callable[[Any], dict[str, np.ndarray]]
    """From a Result recorded at every step to {label: values at steps 0..T}."""
    needs: frozenset[str] = frozenset({EVERY_STEP})

    def names(self, scenario: Any) -> list[str]:
        return [f"{self.name}.{label}" if label else self.name for label in self.labels(scenario)]

    def values(self, result: Any) -> dict[str, np.ndarray]:
        return {
            f"{self.name}.{label}" if label else self.name: np.asarray(v, dtype=float)
            for label, v in self.compute(result).items()
        }


def _strength_series(result: Any) -> dict[str, np.ndarray]:
    return {_label(p): result.strength(*p) for p in watched_ties(result.scenario)}


def _triangle_series(result: Any) -> dict[str, np.ndarray]:
    return {
        _label(t): (_formed(result, t, "formed") >= 0.5).astype(float)
        for t in watched_triangles(result.scenario)
    }


def _metric_series(name: str) -> Callable[[Any], dict[str, np.ndarray]]:
    def compute(result: Any) -> dict[str, np.ndarray]:
        return {"": result.metric(name)}

    return compute


def _same_bloc_series(result: Any) -> dict[str, np.ndarray]:
    blocs = np.asarray(result.recorder.bloc[: result.steps + 1])
    out = {}
    for a, b in watched_ties(result.scenario):
        i, j = result.names.index(a), result.names.index(b)
        out[_label((a, b))] = ((blocs[:, i] == blocs[:, j]) & (blocs[:, i] != 0)).astype(float)
    return out


SERIES: dict[str, SeriesDef] = {
    d.name: d
    for d in (
        SeriesDef("strength", "tie strength of each watched pair and triangle side (−1…1)",
                  _ties, _strength_series),
        SeriesDef("triangle_formed", "1 while the watched triangle is formed, else 0",
                  _triangles, _triangle_series),
        SeriesDef("same_bloc", "1 while the two states of a watched pair are in one bloc, else 0",
                  _ties, _same_bloc_series, frozenset({EVERY_STEP, BLOCS})),
        SeriesDef("balance_ratio", "share of balanced closed signed triads", _none,
                  _metric_series("balance_ratio")),
        SeriesDef("polarization", "mean hostility between the two largest blocs", _none,
                  _metric_series("polarization"), frozenset({EVERY_STEP, BLOCS})),
        SeriesDef("blocs", "number of blocs", _none, _metric_series("blocs"),
                  frozenset({EVERY_STEP, BLOCS})),
    )
}  # fmt: skip


def series_names(scenario: Any, names: Sequence[str]) -> list[str]:
    """The stored series (``strength.Russia-Pakistan``, ``balance_ratio``, …) of ``names``."""
    return [n for name in names for n in SERIES[name].names(scenario)]


def series_values(result: Any, names: Sequence[str]) -> dict[str, np.ndarray]:
    """{series: its value at every step 0..T} of one run recorded at every step."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        out.update(SERIES[name].values(result))
    return out
