"""The search: ABC-SMC with pyabc, its model runs sent to the sweep executors.

pyabc draws parameters, keeps the tolerances and weights, and stores every generation in
its SQLite history, from which a killed calibration is continued. The runs go through
:class:`ExecutorSampler`, a pyabc ``Sampler`` of our own rather than pyabc's multicore or
Dask samplers: those hand each worker pyabc's whole sampling closure and accept particles
in the order they happen to finish, so a result depends on the number of workers and on
timing. Here every random draw is made in this process from a seed derived from the
calibration's seed, the generation and the particle's index, only the model's runs go to
the workers (local processes or Dask, as for sweeps), and particles are accepted in index
order: the same seed gives the same posterior with one worker, eight, or a cluster, and
after a resume.

pyabc's sampling closure draws a proposal and then calls the model; the sampler runs it
twice per particle. First the model answers with :class:`_Proposed`, which carries the
proposed values out; the runs of all proposals of a round are made by the executor; then
the closure runs again from the same seed, proposes the same values, and the model
answers with their runs, so that pyabc computes the distance, acceptance and weight as
it always does.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .loss import Observations, level_distribution, loss
from .runs import Job, RunContext, particle_seeds, run_batch

#: The key of the simulated level distribution in a particle's summary statistics.
LEVELS_KEY = "levels"
#: A round never holds more than this many times the population.
MAX_ROUND = 10


@dataclass(frozen=True)
class Evaluation:
    """One evaluated particle, as ``evaluations/`` stores it."""

    generation: int
    particle: int
    values: dict[str, float]
    distance: float
    weight: float
    accepted: bool
    epsilon: float


class _Proposed(Exception):
    """Raised by the model in the first pass: the proposed parameter values."""

    def __init__(self, values: dict[str, float]) -> None:
        super().__init__("proposal")
        self.values = values


def _model_class() -> type:
    import pyabc

    class ScenarioModel(pyabc.Model):
        """pyabc's model: proposes (first pass), or gives the runs' levels (second pass)."""

        def __init__(self) -> None:
            super().__init__(name="scenario")
            self.answer: dict[str, Any] | None = None
            self.expected: dict[str, float] | None = None

        def sample(self, pars: Any) -> dict[str, Any]:
            values = {str(k): float(v) for k, v in dict(pars).items()}
            if self.answer is None:
                raise _Proposed(values)
            if values != self.expected:  # pragma: no cover - the seeds make them equal
                raise RuntimeError(f"replayed proposal {values} is not {self.expected}")
            return self.answer

    return ScenarioModel


class LossDistance:
    """The distance of a particle: the loss of its runs' level distribution."""

    def __init__(self, observations: Observations, rule: str) -> None:
        self.observations = observations
        self.rule = rule

    def __call__(self, x: dict[str, Any], x_0: dict[str, Any]) -> float:
        return loss(x[LEVELS_KEY], self.observations, self.rule)  # type: ignore[arg-type]


def _sampler_class() -> type:
    from pyabc.sampler import Sampler

    class ExecutorSampler(Sampler):
        """Draws here, runs on the executor, accepts in index order (see the module)."""

        def __init__(self, search: Search) -> None:
            super().__init__()
            self.search = search

        def sample_until_n_accepted(
            self, n: int, simulate_one: Callable, t: int, *, max_eval: float = np.inf,
            all_accepted: bool = False, ana_vars: Any = None,
        ) -> Any:  # fmt: skip
            return self.search.sample(self, n, simulate_one, t, max_eval, ana_vars)

    return ExecutorSampler


class Search:
    """Everything one calibration's sampling needs: the executor, the runs' context, the
    seed, the model pyabc calls, and where each generation's evaluations go."""

    def __init__(
        self,
        executor: Any,
        context: RunContext,
        seed: int,
        replications: int,
        record: Callable[[int, list[Evaluation], bool], None],
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.executor = executor
        self.context = context
        self.seed = seed
        self.replications = replications
        self.record = record
        self.progress = progress
        self.model = _model_class()()
        self.sampler = _sampler_class()(self)
        self.seconds_per_particle: list[float] = []

    # -- one generation --------------------------------------------------------------------
    def sample(
        self, sampler: Any, n: int, simulate_one: Callable, t: int, max_eval: float, ana_vars: Any
    ) -> Any:
        clock = time.perf_counter()
        epsilon = float(ana_vars.eps(t)) if ana_vars is not None else math.nan
        sample = sampler._create_empty_sample()
        evaluations: list[Evaluation] = []
        taken: list[Any] = []
        evaluated = 0
        size = n if math.isinf(max_eval) else min(n, int(max_eval))
        while len(taken) < n and size > 0:
            indices = range(evaluated, evaluated + size)
            state = np.random.get_state()
            try:
                proposals = [self.propose(simulate_one, t, i) for i in indices]
                codes = self.evaluate(t, indices, proposals)
                particles = [self.replay(simulate_one, t, i, codes[i], proposals[k])
                             for k, i in enumerate(indices)]  # fmt: skip
            finally:
                np.random.set_state(state)
            for i, values, particle in zip(indices, proposals, particles, strict=True):
                take = bool(particle.accepted) and len(taken) < n
                if take:
                    sample.append(particle)
                    taken.append(particle)
                weight = float(particle.weight) if take else 0.0
                distance = float(particle.distance)
                evaluations.append(Evaluation(t, i, values, distance, weight, take, epsilon))
            evaluated += size
            size = self.next_round(n, len(taken), evaluated, max_eval)
        sampler.nr_evaluations_ = evaluated
        ok = len(taken) == n
        if not ok:
            sample.ok = False
        self.record(t, _normalized(evaluations, ok), ok)
        if self.progress is not None:
            seconds = time.perf_counter() - clock
            share = f"{len(taken)} accepted of {evaluated} evaluations"
            self.progress(f"generation {t}: tolerance {epsilon:.4g}, {share}, {seconds:.1f} s")
        return sample

    def next_round(self, n: int, accepted: int, evaluated: int, max_eval: float) -> int:
        """Particles in the next round: enough, at the acceptance rate so far, to fill the
        population, with a fifth more; it depends only on results, never on the workers."""
        missing = n - accepted
        if missing <= 0:
            return 0
        rate = max(accepted / evaluated, 1 / (MAX_ROUND * n))
        size = min(math.ceil(1.2 * missing / rate), MAX_ROUND * n)
        if not math.isinf(max_eval):
            size = min(size, int(max_eval) - evaluated)
        return max(size, 0)

    def seed_state(self, t: int, index: int) -> np.ndarray:
        """The seed of a particle's proposal; its runs' seeds are the same sequence's children."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(t, index))
        return sequence.generate_state(4)

    def propose(self, simulate_one: Callable, t: int, index: int) -> dict[str, float]:
        np.random.seed(self.seed_state(t, index))
        self.model.answer = self.model.expected = None
        try:
            simulate_one()
        except _Proposed as proposal:
            return proposal.values
        raise RuntimeError("pyabc did not call the model")  # pragma: no cover

    def replay(
        self, simulate_one: Callable, t: int, index: int, codes: np.ndarray, values: dict
    ) -> Any:
        np.random.seed(self.seed_state(t, index))
        self.model.answer = {LEVELS_KEY: level_distribution(codes)}
        self.model.expected = values
        try:
            return simulate_one()
        finally:
            self.model.answer = self.model.expected = None

    def evaluate(
        self, t: int, indices: Sequence[int], proposals: Sequence[dict[str, float]]
    ) -> dict[int, np.ndarray]:
        """The runs of every proposal of a round, through the executor: index → level codes."""
        jobs = [
            Job(i, values, tuple(particle_seeds(self.seed, t, i, self.replications)))
            for i, values in zip(indices, proposals, strict=True)
        ]
        per_batch = max(1, math.ceil(len(jobs) / (4 * self.executor.slots())))
        batches = [jobs[k : k + per_batch] for k in range(0, len(jobs), per_batch)]
        out: dict[int, np.ndarray] = {}
        for results, seconds in self.executor.map_unordered(run_batch, batches, self.context):
            out.update(results)
            self.seconds_per_particle.append(seconds / max(len(results), 1))
        return out


def _normalized(evaluations: list[Evaluation], ok: bool) -> list[Evaluation]:
    """Weights as pyabc normalizes them: the accepted particles' weights sum to 1. A
    generation that did not fill its population is not stored: none of it is accepted."""
    total = sum(e.weight for e in evaluations if e.accepted)
    out = []
    for e in evaluations:
        weight = e.weight / total if ok and e.accepted and total > 0 else 0.0
        out.append(Evaluation(e.generation, e.particle, e.values, e.distance, weight,
                              e.accepted and ok, e.epsilon))  # fmt: skip
    return out


# --- pyabc's pieces ------------------------------------------------------------------------


def _epsilon_class() -> type:
    import pyabc

    class PriorFirstEpsilon(pyabc.QuantileEpsilon):
        """∞ for generation 0 (a sample of the prior), then the quantile of the last
        generation's distances; also when a stored history is continued at a later
        generation, where pyabc's epsilon would start from ∞ again."""

        def initialize(self, t: int, get_weighted_distances: Callable, *args: Any,
                       **kwargs: Any) -> None:  # fmt: skip
            if t > 0:
                self._update(t, get_weighted_distances())

    return PriorFirstEpsilon


def priors(parameters: dict[str, Any]) -> Any:
    """pyabc's prior: each parameter uniform (or log-uniform) on its range, independently."""
    import pyabc

    rvs = {}
    for name, p in parameters.items():
        if p.prior == "loguniform":
            rvs[name] = pyabc.RV("loguniform", p.low, p.high)
        else:
            rvs[name] = pyabc.RV("uniform", p.low, p.high - p.low)
    return pyabc.Distribution(**rvs)


def build_abc(calibration: Any, search: Search, observations: Observations) -> Any:
    """pyabc's ABC-SMC for ``calibration``: generation 0 is a sample of the prior (tolerance
    ∞); each later one accepts particles within the ``quantile`` of the last one's distances."""
    import pyabc

    method = calibration.method
    epsilon = _epsilon_class()(initial_epsilon=np.inf, alpha=method.quantile, weighted=True)
    return pyabc.ABCSMC(
        search.model,
        priors(calibration.parameters),
        LossDistance(observations, calibration.loss),
        population_size=method.population,
        sampler=search.sampler,
        eps=epsilon,
    )


def database_url(path: Any) -> str:
    return f"sqlite:///{path}"


def start(abc: Any, database: Any, observations: Observations) -> None:
    """A new history in ``database``; the observed levels are its "observed data"."""
    with quiet():
        abc.new(database_url(database), {"observed": observations.level.copy()})


def load(abc: Any, database: Any) -> None:
    """Continue the history in ``database`` (its first and only analysis)."""
    with quiet():
        abc.load(database_url(database), 1)


def generations_done(abc: Any) -> int:
    """Generations stored in the history (after ``load`` or a run)."""
    return int(abc.history.max_t) + 1


def run(abc: Any, generations: int, min_acceptance_rate: float) -> None:
    """Run the generations still missing of ``generations``."""
    remaining = generations - generations_done(abc)
    if remaining > 0:
        with quiet():
            abc.run(max_nr_populations=remaining, min_acceptance_rate=min_acceptance_rate)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """pyabc's log at warnings only (its timings and counts would bury the progress lines),
    and without the warning its tolerance test gives on generation 0's infinite tolerance
    (∞ − ∞)."""
    loggers = [logging.getLogger(name) for name in ("ABC", "ABC.History", "ABC.Sampler")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
