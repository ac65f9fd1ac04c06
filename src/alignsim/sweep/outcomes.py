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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Kind = str  # "binary" | "int" | "float" | "category"

#: What an outcome can need beyond the watched ties and the metrics of the last step.
EVERY_STEP = "every_step"  # the watched ties (and metrics) at every step, not only the last
BLOCS = "blocs"  # the blocs: found at every step, since each search starts from the last

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
            _triangles, _first_triangle_step, frozenset({EVERY_STEP}),
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


def _check(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in OUTCOMES]
    if unknown:
        raise KeyError(f"unknown outcome(s) {unknown}; known: {', '.join(OUTCOMES)}")


def outcome_kinds(scenario: Any, names: Sequence[str] = DEFAULT_OUTCOMES) -> dict[str, Kind]:
    """{column: kind} of the named outcomes for ``scenario``, in a fixed order."""
    _check(names)
    return {col: OUTCOMES[n].kind for n in names for col in OUTCOMES[n].columns(scenario)}


def outcome_columns(result: Any, names: Sequence[str] = DEFAULT_OUTCOMES) -> dict[str, Any]:
    """{column: value} of the named outcomes for one run (a :class:`Result`)."""
    _check(names)
    row: dict[str, Any] = {}
    for name in names:
        row.update(OUTCOMES[name].values(result))
    return row


def recording_for(names: Sequence[str], steps: int, series: Sequence[str] = ()) -> dict[str, Any]:
    """The thinnest recording from which the named outcomes (and ``series``) come out as
    from a full run: options of ``simulate``. No event log; the watched ties only; every
    step only when an outcome or a series reads the steps in between or the blocs (found at
    recorded steps only)."""
    _check(names)
    needs = frozenset().union(
        *(OUTCOMES[n].needs for n in names), *(SERIES[n].needs for n in series)
    )
    every = 1 if needs & {EVERY_STEP, BLOCS} else max(1, int(steps))
    return {"record": "watched", "record_every": every, "log": False, "blocs": BLOCS in needs}


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
