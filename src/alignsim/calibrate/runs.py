"""The model's runs for a calibration: what a worker does with a particle's parameters.

A particle is evaluated by ``replications`` runs of the scenario with its parameter values,
each reading the level of every observed pair at every observed step. Workers get the
scenario once (:class:`RunContext`) and particles in batches (:func:`run_batch`), through
the sweep executors; the scenario with a particle's values is built by the sweeps' per-worker
cache (:func:`alignsim.sweep.tasks.scenario_for`), which checks only ``params`` again when
only parameters change. Nothing here imports pyabc: workers run the model and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alignsim.sweep.spec import format_value
from alignsim.sweep.tasks import scenario_for


def particle_seeds(root: int, generation: int, particle: int, replications: int) -> list[int]:
    """Seeds of a particle's runs: children of ``SeedSequence(root)`` keyed by the generation
    and the particle's index in it, so any worker gives the same runs, and a resumed
    calibration the same as an uninterrupted one."""
    sequence = np.random.SeedSequence(root, spawn_key=(generation, particle))
    return [int(s.generate_state(1, dtype=np.uint32)[0]) for s in sequence.spawn(replications)]


@dataclass(frozen=True)
class RunContext:
    """What every evaluation shares; sent once to each worker."""

    document: dict[str, Any]
    """The scenario, resolved (``model_dump(mode="json", by_alias=True)``)."""
    key: str
    """SHA-256 of the document's JSON (the per-worker scenario cache's key)."""
    steps: int
    """Steps of each run: up to the last observation read."""
    pairs: tuple[tuple[str, str], ...]
    """The observed pairs, in scenario order."""
    observation_steps: tuple[int, ...]
    observation_pairs: tuple[int, ...]
    """Per observation: its step, and its pair's index in ``pairs``."""
    integer: dict[str, bool] = field(default_factory=dict)
    """Parameter path → whether the scenario wants a whole number there."""

    def base(self, variant: str | None = None) -> tuple[dict[str, Any], str]:
        """The scenario's document and key, as :func:`scenario_for` asks a context for them."""
        return self.document, self.key


@dataclass(frozen=True)
class Job:
    """One particle to evaluate: its parameter values and the seeds of its runs."""

    index: int
    values: dict[str, float]
    seeds: tuple[int, ...]


def overrides(values: dict[str, float], integer: dict[str, bool]) -> tuple[str, ...]:
    """``--set`` texts that give the scenario these values."""
    out = []
    for path, value in values.items():
        whole = integer.get(path, False)
        out.append(f"{path}={format_value(round(value) if whole else float(value), whole)}")
    return tuple(out)


def level_codes(job: Job, context: RunContext) -> np.ndarray:
    """Level code (index into ``LEVELS``) of each observation in each run: runs × observations."""
    from alignsim.model.simulate import simulate

    prepared = scenario_for(context, overrides(job.values, context.integer))
    steps = np.asarray(context.observation_steps)
    columns = np.asarray(context.observation_pairs)
    out = np.empty((len(job.seeds), steps.size), dtype=np.int8)
    for run, seed in enumerate(job.seeds):
        result = simulate(
            prepared, seed=seed, steps=context.steps, record="watched",
            record_pairs=context.pairs, log=False, blocs=False,
        )  # fmt: skip
        out[run] = pair_levels(result, context.pairs)[steps, columns]
    return out


def pair_levels(result: Any, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Level codes of ``pairs`` at every step of a run: steps × pairs."""
    return result.level_codes(pairs)


def pair_strengths(result: Any, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Tie strengths of ``pairs`` at every step of a run: steps × pairs."""
    return np.column_stack([result.strength(a, b) for a, b in pairs])


def run_batch(
    jobs: Sequence[Job], context: RunContext
) -> tuple[list[tuple[int, np.ndarray]], float]:
    """Evaluate particles one after another: (index, level codes) each, and the seconds."""
    clock = time.perf_counter()
    out = [(job.index, level_codes(job, context)) for job in jobs]
    return out, time.perf_counter() - clock
