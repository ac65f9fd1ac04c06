"""AlignmentModel: states form and break signed ties from their payoffs (docs/ODD.md).

One step:
1. apply the scenario events due at this step, in file order;
2. revise ties — every pair at once (``simultaneous``) or state by state in random order
   (``random``, Mesa's ``shuffle_do``), each from the current network;
3. let stances on shared dimensions drift toward partners' (socialization, optional);
4. record ties, levels, states, blocs and metrics, and every level crossing with the
   exact payoff parts that caused it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np

from alignsim.model import events as scenario_events
from alignsim.model.blocs import find_blocs, frustration, match_labels
from alignsim.model.metrics import (
    ALLIANCE,
    FORMAL_ALLIANCE,
    LEVELS,
    LevelBands,
    balance_ratio,
    polarization,
)
from alignsim.model.payoffs import Payoffs
from alignsim.model.recorder import Recorder
from alignsim.model.rules import make_rule, mutual
from alignsim.model.state import State
from alignsim.model.trace import PairTrace
from alignsim.model.world import World

#: Kinds of level crossing, by the level boundary crossed (upward, downward).
CROSSINGS = {
    1: ("hostility_ended", "hostile"),
    2: ("rivalry_ended", "rival"),
    3: ("formed", "broken"),
    4: ("alliance", "alliance_ended"),
}


class AlignmentModel(mesa.Model):
    """The alignment model for one scenario.

    Args:
        scenario: a validated ``Scenario``, or a path to a scenario file.
        rng: seed or generator (Mesa's convention); defaults to the scenario's ``seed``.
        steps: how many steps the run plans for (defaults to the scenario's ``steps``);
            ``running`` turns False after them, so ``mesa.batch_run`` stops there.
        collect: feed a Mesa ``DataCollector`` each step (for ``batch_run`` and SolaraViz).
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
        **params: Any,
    ) -> None:
        spec = _with_params(_resolve_scenario(scenario), params)
        if rng is None:
            rng = spec.seed if seed is None else seed
        super().__init__(rng=rng)
        self.spec = spec
        self.max_steps = spec.steps if steps is None else int(steps)
        self.world = World.from_scenario(spec)
        self.payoffs = Payoffs(self.world)
        self.rule = make_rule(self.world.params["rule"])
        root = int(rng) if isinstance(rng, int | np.integer) else int(self.rng.integers(2**32))
        self.schedule_of_events = scenario_events.schedule(spec, root)
        for index, name in enumerate(self.world.names):
            State(self, index, name)
        self.states = list(self.agents)
        self.recorder = Recorder(self.world.n, self.world.k, self.max_steps)
        self.bands = LevelBands.of(self.world.thresholds)
        self.alliance_run = np.zeros((self.world.n, self.world.n), dtype=int)
        self.blocs = np.zeros(self.world.n, dtype=np.int32)
        self._next_bloc = 1
        self.fired: list[scenario_events.ScheduledEvent] = []
        self._watch = _watch_indices(spec, self.world)
        self.traces: dict[tuple[int, int], PairTrace] = {}
        self._revised = np.zeros(self.world.n, dtype=bool)
        self.datacollector = (
            mesa.DataCollector(model_reporters=self._reporters()) if collect else None
        )
        self._record(0)
        self.running = self.max_steps > 0

    def trace_pair(self, a: str, b: str) -> PairTrace:
        """Keep the payoff parts of pair a–b at every following step (see ``PairTrace``)."""
        i, j = sorted((self.world.index[a], self.world.index[b]))
        if (i, j) not in self.traces:
            names = self.world.names
            self.traces[(i, j)] = PairTrace(names[i], names[j], list(self.payoffs.names))
        return self.traces[(i, j)]

    # -- the step ---------------------------------------------------------------------
    def step(self) -> None:
        step = self.steps
        self._apply_events(step)
        if self.world.params["activation"] == "simultaneous":
            self._update_all(step)
        else:
            self._revised = np.zeros(self.world.n, dtype=bool)
            self.agents.shuffle_do("step")
        self._socialize()
        self._record(step)
        self.running = step < self.max_steps

    def _apply_events(self, step: int) -> None:
        self.fired = scenario_events.due(self.schedule_of_events, step)
        for event in self.fired:
            old = self.world.ties.copy()
            try:
                changes = scenario_events.apply(event, self.world)
            except scenario_events.EventError as error:
                when = f"at step {step}"
                if self.spec.calendar is not None:
                    when += f" ({self.spec.date_of(step)})"
                raise scenario_events.EventError(
                    f"events.{event.position} ({event.label}) {when}: {error}",
                    position=event.position,
                    detail=f"{when}: {error}",
                ) from None
            self._log(step, "scenario", event.label, event.note, effect="; ".join(changes))
            before, after = self.bands.codes(old), self.bands.codes(self.world.ties)
            for i, j in zip(*np.nonzero(np.triu(before != after, 1)), strict=True):
                self._log_crossing(
                    step, i, j, before[i, j], after[i, j], old[i, j], self.world.ties[i, j],
                    None, None, cause=event.label,
                )  # fmt: skip
        if self.fired:
            np.fill_diagonal(self.world.ties, 0.0)
            self.payoffs.invalidate()

    def _update_all(self, step: int) -> None:
        """Simultaneous activation: every pair from T(t), fully vectorised."""
        payoff, dynamic = self.payoffs.evaluate(self.rng)
        old = self.world.ties.copy()
        new = self.rule.update(old, mutual(payoff, payoff.T), self.world.params)
        np.fill_diagonal(new, 0.0)
        self.world.ties[:] = new
        for (i, j), trace in self.traces.items():
            trace.store(
                step,
                self.payoffs.pair_parts(i, j, dynamic[:, i, j]),
                self.payoffs.pair_parts(j, i, dynamic[:, j, i]),
                payoff[i, j],
                payoff[j, i],
            )
        before, after = self.bands.codes(old), self.bands.codes(new)
        for i, j in zip(*np.nonzero(np.triu(before != after, 1)), strict=True):
            self._log_crossing(
                step, i, j, before[i, j], after[i, j], old[i, j], new[i, j],
                self.payoffs.pair_parts(i, j, dynamic[:, i, j]),
                self.payoffs.pair_parts(j, i, dynamic[:, j, i]),
                totals=(payoff[i, j], payoff[j, i]),
            )  # fmt: skip

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
                trace.store(self.steps, ab, ba, *totals)
        before, after = self.bands.codes(old), self.bands.codes(new)
        for j in np.flatnonzero(before != after):
            self._log_crossing(
                self.steps, i, j, before[j], after[j], old[j], new[j],
                self.payoffs.pair_parts(i, j, dynamic[:, 0, j]),
                self.payoffs.pair_parts(j, i, dynamic[:, 1, j]),
                totals=(payoff[0, j], payoff[1, j]),
            )  # fmt: skip

    def _socialize(self) -> None:
        """Stances on shared dimensions drift toward positive partners' (weight μ)."""
        mu = float(self.world.params["socialization"])
        shared = self.world.sign > 0
        if mu == 0.0 or not shared.any():
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
        self.payoffs.invalidate()

    # -- recording --------------------------------------------------------------------
    def _record(self, step: int) -> None:
        world = self.world
        codes = self.bands.codes(world.ties)
        self.alliance_run = np.where(codes == ALLIANCE, self.alliance_run + 1, 0)
        after = int(world.params["alliance_after"])
        newly_formal = np.triu(self.alliance_run == after, 1)
        for i, j in zip(*np.nonzero(newly_formal), strict=True):
            self._log(
                step, "formal_alliance", f"{world.names[i]}–{world.names[j]}",
                f"at alliance level for {after} steps", before=world.ties[i, j],
                after=world.ties[i, j],
            )  # fmt: skip
        codes = np.where(self.alliance_run >= after, FORMAL_ALLIANCE, codes).astype(np.int8)
        self.levels = codes
        # a state with no tie at all is never aligned, whatever the partner threshold
        aligned_at = max(world.thresholds["partner"], np.finfo(float).eps)
        labels = find_blocs(world.ties, partner=aligned_at)
        self.blocs, self._next_bloc = match_labels(labels, self.blocs, self._next_bloc)
        self.recorder.record(
            step,
            ties=world.ties,
            levels=codes,
            stances=world.stances,
            salience=world.salience,
            power=world.power,
            blocs=self.blocs,
            metrics=self._metrics(codes),
        )
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _metrics(self, codes: np.ndarray) -> dict[str, float]:
        world, ties = self.world, self.world.ties
        upper = codes[self.recorder.upper]
        counts = np.bincount(upper, minlength=len(LEVELS))
        out: dict[str, float] = {f"count.{lvl}": counts[c] for c, lvl in enumerate(LEVELS)}
        ratio, triads = balance_ratio(ties, world.thresholds["rival"], world.thresholds["partner"])
        aligned = self.blocs > 0
        out.update(
            balance_ratio=ratio,
            closed_triads=triads,
            blocs=len(np.unique(self.blocs[aligned])),
            unaligned=int((~aligned).sum()),
            frustration=frustration(ties, self.blocs),
            polarization=polarization(ties, self.blocs),
            mean_strength=float(ties[self.recorder.upper].mean()) if world.n > 1 else 0.0,
        )
        partner = world.thresholds["partner"]
        alliance = world.thresholds["alliance"]
        for label, (i, j) in self._watch["pairs"].items():
            out[f"watch.{label}.strength"] = ties[i, j]
        for label, idx in self._watch["triangles"].items():
            a, b, c = idx
            sides = np.array([ties[a, b], ties[b, c], ties[a, c]])
            out[f"watch.{label}.formed"] = float((sides >= partner).all())
            out[f"watch.{label}.alliance"] = float((sides >= alliance).all())
        return out

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
            "date": self.spec.date_of(step),
            "kind": kind,
            "subject": subject,
            "detail": detail,
            "effect": effect,
            "cause": cause,
            "strength_before": before,
            "strength_after": after,
        }
        for k, (side, parts) in enumerate((("payoff_ab", ab), ("payoff_ba", ba))):
            if parts is None:
                continue
            row[f"{side}.total"] = float(parts.sum() if totals is None else totals[k])
            for name, value in zip(self.payoffs.names, parts, strict=True):
                row[f"{side}.{name}"] = float(value)
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

    def _reporters(self) -> dict[str, Any]:
        def latest(name: str):
            return lambda m: float(m.recorder.metrics[name][m.recorder.last_step])

        names = ["balance_ratio", "blocs", "frustration", "polarization", "mean_strength"]
        names += [f"count.{lvl}" for lvl in LEVELS]
        names += [f"watch.{label}.strength" for label in self._watch["pairs"]]
        for label in self._watch["triangles"]:
            names += [f"watch.{label}.formed", f"watch.{label}.alliance"]
        return {name: latest(name) for name in names}


def _watch_indices(spec: Any, world: World) -> dict[str, dict[str, Any]]:
    pairs = {"-".join(p): tuple(world.index[s] for s in p) for p in spec.watch.pairs}
    triangles = {"-".join(t): tuple(world.index[s] for s in t) for t in spec.watch.triangles}
    return {"pairs": pairs, "triangles": triangles}


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
