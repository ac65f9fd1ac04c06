"""Runs of a sweep: design points × replications, their seeds, and running one of them.

Seeds. With ``seeds: common`` (the default) replication ``r`` of every design point and
every scenario variant gets the same seed, child ``r`` of the root:
``SeedSequence(root).spawn(R)[r].generate_state(1, uint32)[0]`` — common random numbers, so
two points differ only by what their parameters change, and a difference between them is a
paired difference. With ``seeds: independent`` task ``k = point * R + replication`` gets
child ``k`` of ``SeedSequence(root).spawn(P * R)``. Children are computed without
materializing the others (``SeedSequence(root, spawn_key=(k,))`` is the same child), so the
seed of a run depends only on the root seed and its position, never on which worker ran it
or in which order.

:func:`run_task` never raises for a run that fails: it returns a row with ``status``
"failed" and the error text, so one bad design point does not stop a sweep. Workers get
tasks in batches (:class:`RunBatch`, sized by :class:`Batches`), and each design point's
scenario is validated and prepared once per worker
(:class:`alignsim.model.prepared.PreparedScenario`); a run records only what the sweep's
outcomes read (:func:`alignsim.sweep.outcomes.recording_for`).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alignsim.sweep import storage
from alignsim.sweep.outcomes import (
    never_columns,
    outcome_columns,
    outcome_kinds,
    outcome_name,
    recording_for,
    series_names,
    series_values,
)

#: Columns every row starts with.
KEY_COLUMNS = ("point", "replication", "seed")
#: A row's per-step series, when the sweep keeps any: {"run", "dates", "values": {name:
#: [value at step 0..T]}}; storage writes them in long form beside the run's row.
SERIES_KEY = storage.SERIES_KEY
STATUS_OK, STATUS_FAILED = "ok", "failed"


def task_seed(root: int, k: int) -> int:
    """Seed of task ``k``: child k of ``SeedSequence(root).spawn(...)``, as a uint32."""
    child = np.random.SeedSequence(root, spawn_key=(k,))
    return int(child.generate_state(1, dtype=np.uint32)[0])


def run_seed(root: int, seeds: str, point: int, replication: int, replications: int) -> int:
    """The seed of run (point, replication) under ``seeds`` (common or independent)."""
    k = replication if seeds == "common" else point * replications + replication
    return task_seed(root, k)


@dataclass(frozen=True)
class Task:
    """One run: a design point's overrides and parameter values, a replication and a seed."""

    point: int
    replication: int
    seed: int
    overrides: tuple[str, ...]
    values: dict[str, float | str] = field(hash=False)
    variant: str | None = None
    """The label of the scenario variant it runs (None: the sweep has one scenario)."""


@dataclass(frozen=True)
class SweepContext:
    """What every run of a sweep shares; sent once to each worker."""

    base_document: dict[str, Any]
    """The base scenario, resolved (``model_dump(mode="json", by_alias=True)``)."""
    steps: int
    outcomes: tuple[str, ...]
    """The outcomes' names, built-in and the sweep file's own (see ``own_outcomes``)."""
    parameters: tuple[str, ...]
    """Varied parameter paths, in file order (row columns)."""
    parameter_kinds: dict[str, str]
    """{path: "float" | "str"}."""
    outcome_kinds: dict[str, str]
    """{column: kind} (see :mod:`alignsim.sweep.outcomes`)."""
    key: str = ""
    """Identifies the base document (SHA-256 of its JSON), for the per-worker scenario cache."""
    recording: dict[str, Any] = field(default_factory=dict)
    """Options of ``simulate`` that record what the outcomes read (``recording_for``)."""
    variants: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    """Label → (resolved document, key) of each scenario variant; empty for one scenario."""
    series: tuple[str, ...] = ()
    """Quantities kept at every step (``series:``); a row then carries them under
    :data:`SERIES_KEY`."""
    replications: int = 1
    series_columns: tuple[str, ...] = ()
    never_columns: tuple[str, ...] = ()
    """Outcome columns holding a step, −1 when it never came (``never_columns``)."""
    """Every stored series name (``strength.Russia-Pakistan``, …), over all variants."""
    own_outcomes: tuple[Any, ...] = ()
    """The sweep file's own outcomes (``WordedOutcome``, ``FunctionOutcome``): their words
    parsed, or a function's import path (each worker imports it)."""

    @property
    def outcome_definitions(self) -> tuple[Any, ...]:
        """``outcomes`` with the sweep file's own by their definitions (built-in by name)."""
        own = {outcome.name: outcome for outcome in self.own_outcomes}
        return tuple(own.get(name, name) for name in self.outcomes)

    def base(self, variant: str | None) -> tuple[dict[str, Any], str]:
        """The resolved document and its key of the scenario a task runs."""
        return self.variants[variant] if variant is not None else (self.base_document, self.key)

    @property
    def columns(self) -> list[str]:
        return [*KEY_COLUMNS, *self.parameters, *self.outcome_kinds, "status", "error"]


def parameter_kinds(design: Any, parameters: Sequence[str]) -> dict[str, str]:
    """ "float" for parameters whose design values are all numbers, "str" otherwise."""
    import pandas as pd

    kinds = {}
    for path in parameters:
        column = design[path]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        kinds[path] = "float" if numeric else "str"
    return kinds


def _cast(value: Any, kind: str) -> float | str:
    if kind == "float":
        return float(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _document(scenario: Any) -> tuple[dict[str, Any], str]:
    document = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document, hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def make_context(sweep: Any, design: Any) -> SweepContext:
    from alignsim.sweep.spec import VARIANT

    parameters = ((VARIANT,) if sweep.variants else ()) + tuple(sweep.parameters)
    base, key = _document(sweep.scenario)
    variants = {label: _document(s) for label, s in (sweep.variants or {}).items()}
    kinds: dict[str, str] = {}
    series: dict[str, None] = {}
    never: dict[str, None] = {}
    for scenario in sweep.scenarios().values():  # variants may watch different pairs
        for column, kind in outcome_kinds(scenario, sweep.outcomes).items():
            kinds.setdefault(column, kind)
        series.update(dict.fromkeys(series_names(scenario, sweep.series)))
        never.update(dict.fromkeys(never_columns(scenario, sweep.outcomes)))
    return SweepContext(
        base_document=base,
        steps=int(sweep.steps),
        outcomes=tuple(outcome_name(outcome) for outcome in sweep.outcomes),
        parameters=parameters,
        parameter_kinds=parameter_kinds(design, parameters),
        outcome_kinds=kinds,
        key=key,
        recording=recording_for(sweep.outcomes, int(sweep.steps), sweep.series),
        variants=variants,
        series=tuple(sweep.series),
        replications=int(sweep.replications),
        series_columns=tuple(series),
        never_columns=tuple(never),
        own_outcomes=tuple(outcome for outcome in sweep.outcomes if not isinstance(outcome, str)),
    )


def iter_tasks(
    sweep: Any,
    design: Any,
    context: SweepContext,
    skip: set[tuple[int, int]] | frozenset = frozenset(),
) -> Iterator[Task]:
    """Tasks in order k = point * R + replication, leaving out the (point, replication) in skip."""
    from alignsim.sweep.designs import overrides_for
    from alignsim.sweep.spec import VARIANT

    reps = int(sweep.replications)
    for row in design.to_dict("records"):  # not iterrows: it would turn ints into floats
        point = int(row["point"])
        if all((point, r) in skip for r in range(reps)):
            continue
        overrides = tuple(overrides_for(sweep, row))
        values = {p: _cast(row[p], context.parameter_kinds[p]) for p in context.parameters}
        variant = str(row[VARIANT]) if sweep.variants else None
        for r in range(reps):
            if (point, r) in skip:
                continue
            seed = run_seed(int(sweep.seed), sweep.seeds, point, r, reps)
            yield Task(point, r, seed, overrides, values, variant)


# --- running one task --------------------------------------------------------------------

_SCENARIOS: dict[tuple[str, tuple[str, ...]], Any] = {}
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()


def scenario_for(
    context: SweepContext, overrides: Sequence[str], variant: str | None = None
) -> Any:
    """The scenario (the base, or the variant ``variant``) with ``overrides`` applied,
    validated and prepared for many runs (cached: replications of a point share it)."""
    document, base_key = context.base(variant)
    key = (base_key, tuple(overrides))
    with _CACHE_LOCK:  # a Dask worker may run tasks in several threads
        prepared = _SCENARIOS.get(key)
    if prepared is None:
        prepared = _with_parameters(document, base_key, overrides) or _validated(
            document, overrides
        )
        with _CACHE_LOCK:
            while len(_SCENARIOS) >= _CACHE_SIZE:
                _SCENARIOS.pop(next(iter(_SCENARIOS)))
            _SCENARIOS[key] = prepared
    return prepared


def _validated(base: dict[str, Any], overrides: Sequence[str]) -> Any:
    """The whole document with the overrides, validated as a scenario file is, and prepared."""
    from alignsim.model.prepared import PreparedScenario
    from alignsim.scenario import Scenario, apply_overrides

    document = apply_overrides(base, list(overrides))
    return PreparedScenario(Scenario.model_validate(document))


_BASES: dict[str, Any] = {}


def _with_parameters(document: dict[str, Any], key: str, overrides: Sequence[str]) -> Any:
    """The prepared base scenario with other parameter values, when every override is a
    parameter (``params.…``), as most designs are: only the ``params`` section is checked
    again (its schema and its cross-field rules), and the base's world, events and watched
    pairs are reused. It equals the scenario validated whole. None when an override is not a
    parameter or a value is not valid: the whole validation then runs and says why, in the
    same words as for any scenario."""
    from pydantic import ValidationError

    from alignsim.scenario import ScenarioError, apply_overrides
    from alignsim.scenario.crossref import check_params
    from alignsim.scenario.schema import Params

    if not overrides or not all(text.startswith("params.") for text in overrides):
        return None
    try:
        given = {"params": document.get("params", {})}
        values = apply_overrides(given, list(overrides))["params"]
        params = Params.model_validate(values)
    except (ScenarioError, ValidationError):
        return None
    if check_params(values):
        return None
    with _CACHE_LOCK:
        base = _BASES.get(key)
    if base is None:
        base = _validated(document, ())
        with _CACHE_LOCK:
            while len(_BASES) >= _CACHE_SIZE:  # a sweep's scenarios, a few per worker
                _BASES.pop(next(iter(_BASES)))
            _BASES[key] = base
    return base.with_params(params)


def _error_text(error: BaseException) -> str:
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def run_task(task: Task, context: SweepContext) -> dict[str, Any]:
    """Run one task; a row with the key columns, parameter values, outcomes, status, error.

    A run that raises (an override the scenario rejects, an event that breaks the model at
    run time, an outcome function of the sweep file's that raises or returns a value of
    another kind) gives a row with status "failed", the error text and empty outcomes.
    """
    from alignsim.model.simulate import simulate

    row: dict[str, Any] = {"point": task.point, "replication": task.replication, "seed": task.seed}
    row.update(task.values)
    try:
        prepared = scenario_for(context, task.overrides, task.variant)
        result = simulate(prepared, seed=task.seed, steps=context.steps, **context.recording)
        outcomes = outcome_columns(result, context.outcome_definitions)
        if context.series:
            values = series_values(result, context.series)
            row[SERIES_KEY] = {
                "run": task.point * context.replications + task.replication,
                "dates": list(result.dates[: context.steps + 1]),
                "values": {name: values[name].tolist() for name in values},
            }
    except Exception as error:  # a failed run is a result, not a crash of the sweep
        row.update(dict.fromkeys(context.outcome_kinds))
        row.update(status=STATUS_FAILED, error=_error_text(error))
        return row
    row.update({col: outcomes.get(col) for col in context.outcome_kinds})
    row.update(status=STATUS_OK, error=None)
    return row


@dataclass(frozen=True)
class RunBatch:
    """Runs a batch of tasks one after another with ``run`` (:func:`run_task`): their rows,
    and the seconds they took (for sizing the next batches). Sent to workers by reference."""

    run: Callable[[Task, SweepContext], dict[str, Any]]

    def __call__(
        self, tasks: Sequence[Task], context: SweepContext
    ) -> tuple[list[dict[str, Any]], float]:
        clock = time.perf_counter()
        rows = [self.run(task, context) for task in tasks]
        return rows, time.perf_counter() - clock


class Batches:
    """Tasks in batches that take about ``seconds`` each, once the time of a run is known.

    A task sent to a worker costs a round trip (pickling, a pipe or the network, the
    scheduler); runs of a few milliseconds need batches of many for that to stay a small
    share, and long runs need batches of one so that the workers share the end of the sweep
    evenly and an interrupted sweep loses little. The first batches hold one task each; after
    that the size follows the mean time per run measured so far (``record``; the first batch
    of each worker, which also pays for its start-up, counts only while nothing else is
    known), and never exceeds a ``1 / (4 × workers)`` share of the tasks still to come.
    ``fixed`` sets the size.
    """

    def __init__(
        self, tasks: Iterator[Task], remaining: int, workers: int, seconds: float = 0.25,
        largest: int = 256, fixed: int | None = None,
    ) -> None:  # fmt: skip
        self._tasks = iter(tasks)
        self.remaining = remaining
        self.workers = max(1, workers)
        self.seconds = seconds
        self.largest = largest
        self.fixed = fixed
        self._runs = 0
        self._time = 0.0
        self._batches = 0
        self._first = (0, 0.0)  # runs and seconds of the workers' first batches

    def record(self, runs: int, seconds: float) -> None:
        """A batch of ``runs`` runs took ``seconds`` in a worker."""
        self._batches += 1
        if self._batches <= self.workers:
            self._first = (self._first[0] + runs, self._first[1] + seconds)
        else:
            self._runs += runs
            self._time += seconds

    def size(self) -> int:
        if self.fixed is not None:
            return self.fixed
        runs, seconds = (self._runs, self._time) if self._runs else self._first
        if runs == 0:
            return 1
        per_run = max(seconds / runs, 1e-6)
        share = max(1, self.remaining // (4 * self.workers))
        return max(1, min(int(self.seconds / per_run), share, self.largest))

    def __iter__(self) -> Iterator[list[Task]]:
        while True:
            batch = [task for _, task in zip(range(self.size()), self._tasks, strict=False)]
            if not batch:
                return
            self.remaining -= len(batch)
            yield batch
