"""AlignmentModel: states form and break signed ties from their payoffs (docs/ODD.md).

One step:
1. apply the scenario events due at this step, in file order;
2. revise ties — every pair at once (``simultaneous``) or state by state in random order
   (``random``, Mesa's ``shuffle_do``), each from the current network;
3. let stances on shared dimensions drift toward partners' (socialization, optional);
4. record ties, levels, states, blocs and metrics, and every level crossing with the
   exact payoff parts that caused it.

With the built-in payoff terms and the relax rule, step 2 runs as one compiled call
(``compiled.py``); the numpy code of ``payoffs.py`` and ``rules.py`` runs any other term or
rule, and is the reference the compiled step is tested against.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from alignsim.model import compiled as kernels
from alignsim.model import events as scenario_events
from alignsim.model.active import without_inactive
from alignsim.model.blocs import BlocTracker
from alignsim.model.eventlog import CROSSINGS, EventLog
from alignsim.model.metrics import (
    LEVELS,
    LevelBands,
    recorded_metrics,
)
from alignsim.model.payoffs import BUILT_IN, Payoffs
from alignsim.model.prepared import PreparedScenario, watch_indices
from alignsim.model.recorder import Recorder, _pair_column, watched_columns, with_pairs
from alignsim.model.rules import RelaxRule, make_rule, mutual
from alignsim.model.state import State
from alignsim.model.trace import PairTrace
from alignsim.model.world import World

#: Up to this many states the compiled step forms T·T and |T|·|T| itself: calling BLAS
#: would cost more than the products.
SMALL_WORLD = 32
_NO_PRODUCTS = np.zeros((0, 0))


class AlignmentModel(mesa.Model):
    """The alignment model for one scenario.

    Args:
        scenario: a validated ``Scenario``, or a path to a scenario file.
        rng: seed or generator (Mesa's convention); defaults to the scenario's ``seed``.
        steps: how many steps the run plans for (defaults to the scenario's ``steps``);
            ``running`` turns False after them, so ``mesa.batch_run`` stops there.
        collect: feed a Mesa ``DataCollector`` each step (for ``batch_run`` and SolaraViz).
        record_every: keep ties, states, blocs and metrics of every K-th step (and the last
            planned one) only; events are kept at every step.
        record: ``"all"`` pairs' ties, or ``"watched"``: only the pairs and triangle sides
            the scenario watches (metrics still describe the whole network).
        record_pairs: more pairs ``(a, b)`` whose ties ``record="watched"`` keeps, as if
            watched: a sweep outcome may read a pair the scenario does not watch.
        compiled: revise ties with the compiled step when the payoff terms, the tie rule and
            the agent class are the built-in ones (the default); False always runs the numpy
            code.
        log: keep the event log (``events.csv``): the events that fired, formal alliances and
            every level crossing with the payoff parts that explain it. A sweep that only
            wants outcomes turns it off; the run itself is the same.
        blocs: find the blocs at each recorded step. Off, the bloc ids stay 0 and the
            metrics made from blocs are not kept; nothing else changes.
        **params: any scenario parameter by name (``balance_weight=0.8``), so that
            ``mesa.batch_run`` can sweep them.
    """

    def __init__(
        self,
        scenario: Any = None,
        *,
        rng: Any = None,
        seed: int | None = None,
        steps: int | None = None,
        collect: bool = True,
        record_every: int = 1,
        record: str = "all",
        record_pairs: Iterable[tuple[str, str]] = (),
        compiled: bool = True,
        log: bool = True,
        blocs: bool = True,
        **params: Any,
    ) -> None:
        prepared = scenario if isinstance(scenario, PreparedScenario) and not params else None
        if isinstance(scenario, PreparedScenario):
            scenario = scenario.scenario
        spec = _with_params(_resolve_scenario(scenario), params)
        if rng is None:
            rng = spec.seed if seed is None else seed
        super().__init__(rng=rng)
        self.spec = spec
        self.max_steps = spec.steps if steps is None else int(steps)
        if prepared is None:
            self.world = World.from_scenario(spec)
            self.payoffs = Payoffs(self.world)
        else:  # built once for many runs: a copy of its world, its static payoffs shared
            self.world = prepared.world.copy()
            self.payoffs = Payoffs(self.world, shared=prepared.static)
        self.log = bool(log)
        self.track_blocs = bool(blocs)
        self.rule = make_rule(self.world.params["rule"])
        root = int(rng) if isinstance(rng, int | np.integer) else int(self.rng.integers(2**32))
        self.schedule_of_events = scenario_events.schedule(
            spec, root, None if prepared is None else prepared.events
        )
        for index, name in enumerate(self.world.names):
            State(self, index, name)
        self.states = list(self.agents)
        if record not in ("all", "watched"):
            raise ValueError(f"record must be 'all' or 'watched', got {record!r}")
        kept = None
        if record == "watched":
            kept = watched_columns(spec, self.world.names) if prepared is None else prepared.kept
            kept = with_pairs(kept, self.world.names, record_pairs)
        self.recorder = Recorder(
            self.world.n, self.world.k, self.max_steps, every=int(record_every), pairs=kept,
            blocs=self.track_blocs,
        )  # fmt: skip
        self.recorder.events = EventLog(self.world.names, self.payoffs.names)
        self.bands = LevelBands.of(self.world.thresholds)
        self.compiled = compiled and _compilable(self.payoffs, self.rule, self.states)
        n = self.world.n
        self._bounds = tuple(self.world.thresholds[t] for t in ("hostile", "rival", "partner",
                                                                 "alliance"))  # fmt: skip
        self._codes = np.zeros((n, n), dtype=np.int8)  # level codes of the current ties
        kernels.classify(self.world.ties, *self._bounds, self._codes)
        self.alliance_run = np.zeros((n, n), dtype=np.int64)
        self._crossed = np.zeros((n * n, 2), dtype=np.intp)
        self._formal = np.zeros((n * n, 2), dtype=np.intp)
        self._spare = np.zeros((n, n))
        self._payoff = np.zeros((n, n))
        self._balance = np.zeros((n, n))
        self._no_noise = np.zeros((n, n))
        self._no_noise_rows = np.zeros((n, 2, n))
        # a state with no tie at all is never aligned, whatever the partner threshold
        aligned_at = max(self.world.thresholds["partner"], np.finfo(float).eps)
        self.bloc_tracker = BlocTracker(aligned_at)
        self.blocs = np.zeros(self.world.n, dtype=np.intp)
        self.fired: list[scenario_events.ScheduledEvent] = []
        self._watch = watch_indices(spec, self.world) if prepared is None else prepared.watch
        # the world and the watched pairs, not the model: a result outlives its model
        self.recorder.compute_metrics = partial(_metrics_of, self.world, self._watch)
        self.traces: dict[tuple[int, int], PairTrace] = {}
        self._revised = np.zeros(self.world.n, dtype=bool)
        self._order = np.zeros(self.world.n, dtype=np.intp)
        self._states = np.arange(self.world.n)
        # the states the tie rule leaves alone: the compiled step counts them as revised
        self._inactive = (
            np.zeros(n, dtype=bool) if self.world.active is None else ~self.world.active
        )
        self._activated = 0
        n_dynamic = sum(sl.stop - sl.start for _, sl in self.payoffs._dynamic)
        self._rows = np.zeros((self.world.n, 2, self.world.n))
        self._dynamic_rows = np.zeros((self.world.n, n_dynamic, 2, self.world.n))
        self._dates: dict[int, str] = {}
        self._part_keys = [
            [f"{side}.{name}" for name in ("total", *self.payoffs.names)]
            for side in ("payoff_ab", "payoff_ba")
        ]
        # What each pair's tie is measured against when it next crosses a level: the payoff
        # parts (of the cooler side) at the step it entered its level, at first the start.
        self._reference_step = np.zeros((n, n), dtype=np.int64)
        self._reference = _mutual_parts(self.payoffs.noiseless()) if self.log else None
        self._pending: list[tuple[int, int]] = []  # an event moved them to a new level
        self._step_payoffs: tuple[np.ndarray, Any] | None = None  # simultaneous: U, dynamic
        self._dated_events: dict[int, list[scenario_events.ScheduledEvent]] = {}
        self._chance_events: list[scenario_events.ScheduledEvent] = []
        for event in self.schedule_of_events:
            if event.rng is None and event.first == event.last:
                self._dated_events.setdefault(event.first, []).append(event)
            else:
                self._chance_events.append(event)
        self.datacollector = (
            mesa.DataCollector(model_reporters=self._reporters()) if collect else None
        )
        self._record(0)
        self.running = self.max_steps > 0

    def trace_pair(self, a: str, b: str) -> PairTrace:
        """Keep the payoff parts of pair a–b at every following step (see ``PairTrace``)."""
        i, j = sorted((self.world.index[a], self.world.index[b]))
        if i == j:
            raise ValueError(f"a pair needs two states, got {a!r} twice")
        if (i, j) not in self.traces:
            names = self.world.names
            self.traces[(i, j)] = PairTrace(names[i], names[j], list(self.payoffs.names))
        return self.traces[(i, j)]

    # -- the step ---------------------------------------------------------------------
    def step(self) -> None:
        step = self.steps
        if self.world.presence is not None and step in self.world.presence.changes:
            self._enter_and_leave(step)
        self._apply_events(step)
        if self.world.params["activation"] == "simultaneous":
            self._update_all(step)
        else:
            self._revise_in_turn(step)
        self._socialize()
        self._record(step)
        self.running = step < self.max_steps

    def _enter_and_leave(self, step: int) -> None:
        """States whose period starts now enter, those whose period ended leave (before the
        step's events, which may then set an entering state's ties).

        A state that leaves has its ties set to 0; one that enters starts its ties with the
        active states from the scenario's initial ties (``ties``, else ``relations``).
        """
        world = self.world
        was, now = world.active, world.presence.at(step)
        entering, leaving = np.flatnonzero(now & ~was), np.flatnonzero(was & ~now)
        old = world.ties.copy() if self.log else None
        world.active = now
        without_inactive(world.ties, now)
        for e in entering:
            world.ties[e, now] = world.entry_ties[e, now]
            world.ties[now, e] = world.entry_ties[now, e]
        np.fill_diagonal(world.ties, 0.0)
        self._inactive = ~now
        self.payoffs.invalidate(-1 - step)  # the largest active power may have changed
        if self.log:
            self._log_entering(step, entering, leaving, old)
        kernels.classify(world.ties, *self._bounds, self._codes)

    def _log_entering(self, step: int, entering, leaving, old: np.ndarray) -> None:
        """Rows of events.csv for the states that entered and left, and for the level
        crossings that made (caused by the state that entered or left)."""
        names, ties = self.world.names, self.world.ties
        moved = {}
        for kind, states in (("leaves", leaving), ("enters", entering)):
            for i in states:
                changed = np.flatnonzero(old[i] != ties[i])
                what = "from the scenario's initial ties" if kind == "enters" else "to 0"
                count = f"{changed.size} tie{'' if changed.size == 1 else 's'}"
                self._log(step, kind, names[i], f"{names[i]} {kind} the world",
                          effect=f"{count} set {what}")  # fmt: skip
                for j in changed:
                    moved.setdefault(tuple(sorted((int(i), int(j)))), f"{names[i]} {kind}")
        before, after = self.bands.codes(old), self.bands.codes(ties)
        for (i, j), cause in sorted(moved.items()):
            if before[i, j] == after[i, j]:
                continue
            self._log_crossing(step, i, j, before[i, j], after[i, j], old[i, j], ties[i, j],
                               None, None, cause=cause)  # fmt: skip
            self._reference_step[i, j] = step
            self._pending.append((i, j))

    def _apply_events(self, step: int) -> None:
        candidates = self._dated_events.get(step, [])
        chance = [e for e in self._chance_events if e.first <= step <= e.last]
        if chance:
            candidates = sorted(candidates + chance, key=lambda e: e.position)
        self.fired = scenario_events.due(candidates, step) if candidates else []
        for event in self.fired:
            old = self.world.ties.copy() if self.log else None
            try:
                changes = scenario_events.apply(event, self.world)
            except scenario_events.EventError as error:
                when = f"at step {step}"
                if self.spec.calendar is not None:
                    when += f" ({self.spec.date_of(step)})"
                raise scenario_events.EventError(
                    f"events.{event.position}{f' ({event.spec.id})' if event.spec.id else ''} "
                    f"{when}: {error}",
                    position=event.position,
                    detail=f"{when}: {error}",
                ) from None
            self.payoffs.invalidate(event.position)
            if not self.log:
                continue
            self._log(step, "scenario", event.label, event.note, effect="; ".join(changes))
            before, after = self.bands.codes(old), self.bands.codes(self.world.ties)
            for i, j in zip(*np.nonzero(np.triu(before != after, 1)), strict=True):
                self._log_crossing(
                    step, i, j, before[i, j], after[i, j], old[i, j], self.world.ties[i, j],
                    None, None, cause=event.label,
                )  # fmt: skip
                self._reference_step[i, j] = step
                self._pending.append((int(i), int(j)))
        if self.fired:
            np.fill_diagonal(self.world.ties, 0.0)
            kernels.classify(self.world.ties, *self._bounds, self._codes)

    def _update_all(self, step: int) -> None:
        """Simultaneous activation: every pair from T(t), fully vectorised."""
        old = self.world.ties
        if self.compiled:
            payoff, dynamic, new = self._compiled_update_all()
        else:
            payoff, dynamic = self.payoffs.evaluate(self.rng)
            new = self.rule.update(old, mutual(payoff, payoff.T), self.world.params)
            np.fill_diagonal(new, 0.0)
        without_inactive(new, self.world.active)
        for (i, j), trace in self.traces.items():
            if not self._both_active(i, j):
                continue  # the pair was not revised: nothing to explain
            trace.store(
                step,
                self.payoffs.pair_parts(i, j, dynamic[:, i, j]),
                self.payoffs.pair_parts(j, i, dynamic[:, j, i]),
                payoff[i, j],
                payoff[j, i],
                sustained=self._sustains(old[i, j], payoff[i, j], payoff[j, i]),
                before=old[i, j],
            )
        self._step_payoffs = (payoff, dynamic)
        if not self.log:
            self._advance_levels(new)
        else:
            self._log_update_all(step, old, new, payoff, dynamic)
        if new is not old:
            old[...] = new  # in place: whoever holds ``world.ties`` sees the new ties

    def _log_update_all(self, step: int, old, new, payoff, dynamic) -> None:
        """Classify T(t+1) and log its level crossings with the parts of U(t)."""
        self._settle_references(step)
        before = self._codes.copy()
        crossed = self._advance_levels(new)
        if crossed.size:
            i, j = crossed[:, 0], crossed[:, 1]
            self._log_rule_crossings(
                step, i, j, before, self._codes, old, new,
                self.payoffs.parts_of_pairs(i, j, dynamic[:, i, j]),
                self.payoffs.parts_of_pairs(j, i, dynamic[:, j, i]),
                payoff[i, j], payoff[j, i],
            )  # fmt: skip

    def _compiled_update_all(self) -> tuple[np.ndarray, _Parts, np.ndarray]:
        """The compiled simultaneous step: U, its dynamic parts (balance, noise) and T(t+1)."""
        world, params = self.world, self.world.params
        ties = world.ties
        mean_norm = float(max(world.n_active - 2, 1)) if params["balance_norm"] == "mean" else 0.0
        if world.n <= SMALL_WORLD:  # the compiled loop sums the products itself
            paths = norm = _NO_PRODUCTS
        else:
            paths = norm = ties @ ties
            if not mean_norm:
                magnitude = np.abs(ties)
                norm = params["balance_floor"] + magnitude @ magnitude
        noise = self._noise((world.n, world.n))
        new = self._spare
        kernels.relax_simultaneous(
            ties, self.payoffs.static_total(self.rng), paths, norm, mean_norm,
            float(params["balance_floor"]), noise, float(params["balance_weight"]),
            float(params["learning_rate"]), float(params["steepness"]), new, self._payoff,
            self._balance,
        )  # fmt: skip
        return self._payoff, _Parts(self._balance, noise), new

    def _noise(self, shape: tuple[int, ...]) -> np.ndarray:
        """This step's noise draws, taken from the generator as ``NoiseTerm`` takes them."""
        scale = float(self.world.params["noise"])
        if scale == 0.0:
            return self._no_noise if len(shape) == 2 else self._no_noise_rows
        return self.rng.normal(0.0, scale, size=shape)

    def _advance_levels(self, ties: np.ndarray) -> np.ndarray:
        """Classify ``ties``, keep the alliance clock; the pairs whose level changed, (C, 2)."""
        self.levels = np.empty_like(self._codes)
        n_crossed, self._n_formal = kernels.advance_levels(
            ties, *self._bounds, self._codes, self.alliance_run,
            int(self.world.params["alliance_after"]), self.levels, self._crossed, self._formal,
        )  # fmt: skip
        return self._crossed[:n_crossed].copy()  # the event log keeps it

    def _revise_in_turn(self, step: int) -> None:
        """Asynchronous activation: states revise their ties one after another.

        The order is Mesa's ``shuffle_do`` order; the compiled step draws it the same way
        (one shuffle of the agents with the model's ``random``), so both give the same run.
        """
        n = self.world.n
        # the step's start and the activation order: for the event log and traced pairs
        keep = self.log or bool(self.traces) or not self.compiled
        start = self.world.ties.copy() if keep else None
        if not self.compiled:
            self._revised = np.zeros(n, dtype=bool)
            self._order = np.full(n, n, dtype=np.intp)
            self._activated = 0
            self.agents.shuffle_do("step")
        else:
            order = list(range(n))
            self.random.shuffle(order)
            order = np.array(order, dtype=np.intp)
            noise = self._noise((n, 2, n))
            if noise is not self._no_noise_rows:
                noise[self._states, :, order] = 0.0  # nobody draws a tie with itself
            params = self.world.params
            n_active = self.world.n_active
            mean_norm = float(max(n_active - 2, 1)) if params["balance_norm"] == "mean" else 0.0
            kernels.relax_random(
                self.world.ties, self.payoffs.static_total(self.rng), noise, order,
                float(params["balance_weight"]), float(params["balance_floor"]), mean_norm,
                float(params["learning_rate"]), float(params["steepness"]), self._inactive,
                self._rows, self._dynamic_rows,
            )  # fmt: skip
            if keep:
                self._order[order] = self._states
                self._trace_revisions(step, start)
        self._log_revisions(step, start)

    def _trace_revisions(self, step: int, start: np.ndarray) -> None:
        """Store traced pairs' parts from the activation that revised them (compiled step)."""
        for (a, b), trace in self.traces.items():
            if not self._both_active(a, b):
                continue
            i, j = (a, b) if self._order[a] < self._order[b] else (b, a)
            dynamic, payoff = self._dynamic_rows[i], self._rows[i]
            ij = self.payoffs.pair_parts(i, j, dynamic[:, 0, j])
            ji = self.payoffs.pair_parts(j, i, dynamic[:, 1, j])
            levels = {"sustained": self._sustains(start[a, b], payoff[0, j], payoff[1, j]),
                      "before": start[a, b]}  # fmt: skip
            if i == a:
                trace.store(step, ij, ji, payoff[0, j], payoff[1, j], **levels)
            else:
                trace.store(step, ji, ij, payoff[1, j], payoff[0, j], **levels)

    def _both_active(self, i: int, j: int) -> bool:
        active = self.world.active
        return active is None or bool(active[i] and active[j])

    def _sustains(self, tie: float, u_ij: float, u_ji: float) -> float:
        """The strength the mutual payoff min(U_ij, U_ji) sustains for a tie now at ``tie``."""
        m = np.array([min(u_ij, u_ji)])
        return float(self.rule.sustained(np.array([tie]), m, self.world.params)[0])

    def update_ties_of(self, i: int) -> None:
        """Asynchronous activation of state i: revise its ties from the current network.

        Each pair is revised once per step, by whichever of its two states is activated
        first, so ``random`` and ``simultaneous`` activation revise ties at the same rate and
        differ only in what each revision sees.
        """
        payoff, dynamic = self.payoffs.around(i, self.rng)
        ties = self.world.ties
        old = ties[i].copy()
        new = self.rule.update(old, mutual(payoff[0], payoff[1]), self.world.params)
        new[i] = 0.0
        open_ = ~self._revised
        open_[i] = False
        active = self.world.active
        if active is not None:  # an inactive state revises no tie, and no tie with it is
            open_ &= active & active[i]
        new = np.where(open_, new, old)
        ties[i, :] = new
        ties[:, i] = new
        self._revised[i] = True
        for (a, b), trace in self.traces.items():
            if i in (a, b):
                j = b if i == a else a
                if not open_[j]:
                    continue
                ij = self.payoffs.pair_parts(i, j, dynamic[:, 0, j])
                ji = self.payoffs.pair_parts(j, i, dynamic[:, 1, j])
                ab, ba = (ij, ji) if i == a else (ji, ij)
                totals = (payoff[0, j], payoff[1, j]) if i == a else (payoff[1, j], payoff[0, j])
                sustained = self._sustains(old[j], payoff[0, j], payoff[1, j])
                trace.store(self.steps, ab, ba, *totals, sustained=sustained, before=old[j])
        self._order[i] = self._activated
        self._activated += 1
        self._rows[i] = payoff
        self._dynamic_rows[i] = dynamic

    def _log_revisions(self, step: int, start: np.ndarray) -> None:
        """Log the level crossings of a step of asynchronous revisions, once it is over.

        Each pair is revised once per step, by whichever of its states was activated first,
        so a crossing is found by comparing the step's start with its end and its payoff
        parts are those kept from that activation. Rows come in activation order, then by
        partner, as if logged during the activations.
        """
        new = self.world.ties
        if not self.log:
            self._advance_levels(new)
            return
        self._settle_references(step)
        before = self._codes.copy()
        crossed = self._advance_levels(new)
        if crossed.size == 0:
            return
        crossings = []
        for a, b in crossed.tolist():
            i, j = (a, b) if self._order[a] < self._order[b] else (b, a)
            crossings.append((int(self._order[i]), j, i))
        crossings.sort()
        i = np.array([c[2] for c in crossings], dtype=np.intp)
        j = np.array([c[1] for c in crossings], dtype=np.intp)
        dynamic = self._dynamic_rows[i, :, :, j]  # (C, D, 2): the reviser's row and column
        self._log_rule_crossings(
            step, i, j, before, self._codes, start, new,
            self.payoffs.parts_of_pairs(i, j, dynamic[:, :, 0].T),
            self.payoffs.parts_of_pairs(j, i, dynamic[:, :, 1].T),
            self._rows[i, 0, j], self._rows[i, 1, j],
        )  # fmt: skip

    def _socialize(self) -> None:
        """Stances on shared dimensions drift toward positive partners' (weight μ)."""
        mu = float(self.world.params["socialization"])
        if mu == 0.0:
            return
        shared = self.world.sign > 0
        if not shared.any():
            return
        friends = np.clip(self.world.ties, 0.0, None)
        weight = friends.sum(axis=1)
        has = weight > 0
        if not has.any():
            return
        stances = self.world.stances
        target = (friends @ stances)[has] / weight[has, None]
        drift = mu * (target - stances[has])
        stances[np.ix_(has, shared)] += drift[:, shared]
        np.clip(stances, -1.0, 1.0, out=stances)
        self.payoffs.invalidate()  # stances drift: the world's history is no list of events

    # -- recording --------------------------------------------------------------------
    def _record(self, step: int) -> None:
        world = self.world
        if step == 0:
            self._advance_levels(world.ties)
        after = int(world.params["alliance_after"])
        for i, j in self._formal[: self._n_formal].tolist() if self.log else ():
            self._log(
                step, "formal_alliance", f"{world.names[i]}–{world.names[j]}",
                f"at alliance level for {after} steps", before=world.ties[i, j],
                after=world.ties[i, j],
            )  # fmt: skip
        codes = self.levels
        if not self.recorder.wants(step):
            return
        if self.track_blocs:
            self.blocs = self.bloc_tracker.update(world.ties)
        self.recorder.record(
            step,
            ties=world.ties,
            levels=codes,
            stances=world.stances,
            salience=world.salience,
            power=world.power,
            blocs=self.blocs,
        )
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _log(
        self, step, kind, subject, detail, *, effect=None, cause=None, before=None, after=None,
        ab=None, ba=None, totals=None,
    ):  # fmt: skip
        """One row of events.csv: a scenario event that fired, or a tie's level crossing.

        ``detail`` is the event's note or the crossing ("neutral → partner"); ``effect`` what
        an event changed; ``cause`` the event that moved a tie across a level directly.
        """
        row: dict[str, Any] = {
            "step": step,
            "date": self._date(step),
            "kind": kind,
            "subject": subject,
            "detail": detail,
            "effect": effect,
            "cause": cause,
            "strength_before": before,
            "strength_after": after,
        }
        for k, (keys, parts) in enumerate(zip(self._part_keys, (ab, ba), strict=True)):
            if parts is None:
                continue
            row[keys[0]] = float(parts.sum() if totals is None else totals[k])
            row.update(zip(keys[1:], parts.tolist(), strict=True))
        self.recorder.events.append(row)

    def _log_crossing(
        self, step, i, j, code_before, code_after, before, after, ij, ji, totals=None, cause=None
    ) -> None:
        """Record each level boundary a tie crossed, with U_ij's and U_ji's parts.

        ``totals`` are the payoffs the rule actually used, when known; the parts sum to them
        up to floating-point rounding.
        """
        a, b, ab, ba = (i, j, ij, ji) if i < j else (j, i, ji, ij)
        if totals is not None and i > j:
            totals = totals[::-1]
        names = self.world.names
        subject = f"{names[a]}–{names[b]}"
        lo, hi = sorted((int(code_before), int(code_after)))
        for boundary in range(lo + 1, hi + 1):
            up, down = CROSSINGS[boundary]
            kind = up if code_after > code_before else down
            detail = f"{LEVELS[code_before]} → {LEVELS[code_after]}"
            self._log(
                step, kind, subject, detail, cause=cause, before=float(before),
                after=float(after), ab=ab, ba=ba, totals=totals,
            )  # fmt: skip

    def _log_rule_crossings(
        self, step, i, j, codes_before, codes_after, before, after, ij, ji, total_ij, total_ji
    ) -> None:  # fmt: skip
        """``_log_crossing`` for many pairs revised by the tie rule, kept as columns.

        ``i``, ``j``: the pairs (C,); ``ij``, ``ji``: the parts of U_ij and U_ji (C, P);
        ``total_ij``, ``total_ji``: the payoffs the rule used (C,). Each row also gets what
        ``analysis/drivers.py`` splits the move with: the level the payoff sustains, and the
        payoff of the step the tie entered the level it leaves; that step becomes the pair's
        new reference.
        """
        a, b = np.minimum(i, j), np.maximum(i, j)
        tie = before[i, j]
        params = self.world.params
        reference = self._reference[a, b]
        reference_total = reference.sum(axis=1)
        attribution = np.column_stack([
            self.rule.sustained(tie, np.minimum(total_ij, total_ji), params),
            self._reference_step[a, b],
            self.rule.sustained(tie, reference_total, params),
            reference_total,
            reference,
        ])  # fmt: skip
        self.recorder.events.add_crossings(
            step, self._date(step), i, j, codes_before[i, j], codes_after[i, j], tie,
            after[i, j], ij, ji, total_ij, total_ji, attribution,
        )  # fmt: skip
        self._reference[a, b] = _cooler_parts(i, j, ij, ji, total_ij, total_ji)
        self._reference_step[a, b] = step

    def _settle_references(self, step: int) -> None:
        """Give the pairs an event moved to a new level this step the payoff of this step as
        their reference (an event row carries no payoff: the revision after it does)."""
        if not self._pending:
            return
        i, j = (np.array(side, dtype=np.intp) for side in zip(*self._pending, strict=True))
        self._pending = []
        if self._step_payoffs is not None and self.world.params["activation"] == "simultaneous":
            payoff, dynamic = self._step_payoffs
            ij = self.payoffs.parts_of_pairs(i, j, dynamic[:, i, j])
            ji = self.payoffs.parts_of_pairs(j, i, dynamic[:, j, i])
            total_ij, total_ji = payoff[i, j], payoff[j, i]
        else:  # random: the revision of the state activated first
            first = self._order[i] < self._order[j]
            i, j = np.where(first, i, j), np.where(first, j, i)
            dynamic = self._dynamic_rows[i, :, :, j]
            ij = self.payoffs.parts_of_pairs(i, j, dynamic[:, :, 0].T)
            ji = self.payoffs.parts_of_pairs(j, i, dynamic[:, :, 1].T)
            total_ij, total_ji = self._rows[i, 0, j], self._rows[i, 1, j]
        a, b = np.minimum(i, j), np.maximum(i, j)
        self._reference[a, b] = _cooler_parts(i, j, ij, ji, total_ij, total_ji)
        self._reference_step[a, b] = step

    def _date(self, step: int) -> str:
        if step not in self._dates:
            self._dates[step] = self.spec.date_of(step)
        return self._dates[step]

    def _reporters(self) -> dict[str, Any]:
        def latest(name: str):
            return lambda m: float(m.recorder.metrics[name][m.recorder.last_row])

        names = ["balance_ratio", "blocs", "frustration", "polarization", "mean_strength"]
        names += [f"count.{lvl}" for lvl in LEVELS]
        names += [f"watch.{label}.strength" for label in self._watch["pairs"]]
        for label in self._watch["triangles"]:
            names += [f"watch.{label}.formed", f"watch.{label}.alliance"]
        return {name: latest(name) for name in names}


class _Parts:
    """The dynamic parts (balance, noise) of a compiled step, indexed like a (2, N, N) stack
    without building one: only the pairs that crossed a level or are traced are read."""

    __slots__ = ("balance", "noise")

    def __init__(self, balance: np.ndarray, noise: np.ndarray) -> None:
        self.balance, self.noise = balance, noise

    def __getitem__(self, key: tuple) -> np.ndarray:
        _, i, j = key
        return np.stack([self.balance[i, j], self.noise[i, j]])


def _mutual_parts(parts: np.ndarray) -> np.ndarray:
    """(N, N, P): for each pair a < b, the parts of its cooler side (U_ab on a tie), whose
    total is the mutual payoff M_ab = min(U_ab, U_ba); (P, N, N) parts in."""
    totals = parts.sum(axis=0)
    upper = np.triu(np.ones_like(totals, dtype=bool), 1)
    ab_cooler = np.where(upper, totals <= totals.T, totals < totals.T)
    return np.ascontiguousarray(
        np.where(ab_cooler[None], parts, parts.transpose(0, 2, 1)).transpose(1, 2, 0)
    )


def _cooler_parts(i, j, ij, ji, total_ij, total_ji) -> np.ndarray:
    """(C, P): the parts of the side that sets M for pairs (i[c], j[c]), U_ab on a tie (a < b)."""
    ij_cooler = np.where(i < j, total_ij <= total_ji, total_ij < total_ji)
    return np.where(ij_cooler[:, None], ij, ji)


def _compilable(payoffs: Payoffs, rule: Any, states: list[Any]) -> bool:
    """Whether the compiled step does exactly what these terms, this rule and these agents
    would (an agent class of a modeler's own may do something else in ``step``)."""
    return (
        type(rule) is RelaxRule
        and tuple(type(t) for t in payoffs.terms) == BUILT_IN
        and all(type(state) is State for state in states)
    )


def _resolve_scenario(scenario: Any) -> Any:
    from alignsim.scenario import Scenario, load_scenario

    if scenario is None:  # the flagship, when running from a source checkout
        scenario = Path(__file__).resolve().parents[3] / "scenarios" / "pakistan_china_russia.yaml"
        if not scenario.is_file():
            raise TypeError("AlignmentModel needs scenario=PATH or a Scenario")
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


def _with_params(spec: Any, params: dict[str, Any]) -> Any:
    """The scenario with parameters replaced, validated by the same schema as files."""
    if not params:
        return spec
    document = spec.model_dump(by_alias=True, mode="json")
    for name, value in params.items():
        if name not in document["params"]:
            raise TypeError(f"unknown model parameter {name!r}")
        document["params"][name] = value
    return type(spec).model_validate(document)


def _metrics_of(
    world: World,
    watch: dict[str, Any],
    strength: np.ndarray,
    levels: np.ndarray,
    blocs: np.ndarray,
    steps: np.ndarray,
) -> dict[str, np.ndarray]:
    """Metrics of recorded steps from their full rows (see ``recorded_metrics``), of the
    states active at each step in ``world``, with the pairs and triangles of ``watch``."""
    n, thresholds = world.n, world.thresholds
    pairs = {label: _pair_column(n, *sorted(ij)) for label, ij in watch["pairs"].items()}
    triangles = {
        label: (_pair_column(n, *sorted((a, b))), _pair_column(n, *sorted((b, c))),
                _pair_column(n, *sorted((a, c))))
        for label, (a, b, c) in watch["triangles"].items()
    }  # fmt: skip
    return recorded_metrics(
        strength,
        levels,
        blocs,
        n=n,
        rival=thresholds["rival"],
        partner=thresholds["partner"],
        alliance=thresholds["alliance"],
        pairs=pairs,
        triangles=triangles,
        active=None if world.presence is None else world.presence.over(steps),
    )
