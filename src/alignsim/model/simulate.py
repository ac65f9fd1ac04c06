"""The core of alignsim: one pure function from a scenario and a seed to a result.

The CLI, sweeps, Dask workers, ``mesa.batch_run`` and the interactive page all go through
``simulate`` or the model class it drives, so there is one implementation of the rules.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from alignsim.model.model import SMALL_WORLD, AlignmentModel
from alignsim.model.recorder import Result

#: Environment variables by which a user chooses BLAS and OpenMP threads.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def simulate(
    scenario: Any,
    seed: int | None = None,
    steps: int | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    trace: Iterable[tuple[str, str]] = (),
    record_every: int = 1,
    record: str = "all",
    record_pairs: Iterable[tuple[str, str]] = (),
    log: bool = True,
    blocs: bool = True,
) -> Result:
    """Run ``scenario`` for ``steps`` steps (default: its own) from ``seed`` (default: its own).

    ``progress`` is called with the number of steps done, after every 1% of the steps.
    ``trace`` names pairs whose payoff parts are kept at every step, in
    ``result.extra["traces"]``, keyed by the pair in scenario order. ``record_every`` and
    ``record`` thin what is kept (see ``AlignmentModel``; ``record_pairs`` adds pairs to the
    watched ones); the result then reads only the recorded steps and pairs. Worlds of more
    than ``SMALL_WORLD`` states run with one BLAS thread (see ``one_blas_thread``).
    ``log=False`` keeps no event log and ``blocs=False`` finds no blocs (see
    ``AlignmentModel``). ``scenario`` may be a ``PreparedScenario``, for many runs.
    """
    model = AlignmentModel(
        scenario, rng=seed, steps=steps, collect=False, record_every=record_every, record=record,
        record_pairs=record_pairs, log=log, blocs=blocs,
    )  # fmt: skip
    for a, b in trace:
        model.trace_pair(a, b)
    chunk = model.max_steps if progress is None else max(1, model.max_steps // 100)
    done = 0
    with one_blas_thread(model.world.n > SMALL_WORLD):
        while done < model.max_steps:
            ahead = min(chunk, model.max_steps - done)
            _advance(model, ahead)
            done += ahead
            if progress is not None:
                progress(done)
    result = result_of(model, seed)
    release(model)
    return result


def release(model: AlignmentModel) -> None:
    """Drop what ``model`` refers to, once its result is taken.

    A model and its agents refer to each other (the agents to their model, the model to its
    agents and to its own bound methods), so a finished model is freed only by a full
    garbage collection, which a process that has imported much runs rarely: a calibration's
    worker, running thousands of runs of a 151-state world, grew by about 3 MB of dead
    models per run. ``simulate`` hands its model to nobody, so it empties it, and the model
    goes as soon as the run ends; the arrays of the result are kept by the result.
    """
    vars(model).clear()


@contextlib.contextmanager
def one_blas_thread(needed: bool = True) -> Iterator[None]:
    """One BLAS thread meanwhile, unless the user chose a number in the environment.

    A run's matrices have at most a few hundred rows, where one thread is as fast as several,
    and on a busy machine several threads per process spin against each other: a 200-state
    run took 0.77 s with OpenBLAS's two threads and 0.29 s with one (docs/performance.md).
    Up to ``SMALL_WORLD`` states the step calls no BLAS product at all, and setting the limit
    (2–7 ms, threadpoolctl looks up the loaded libraries) would cost more than the run, so
    ``needed=False`` leaves the threads alone. The limit is lifted on the way out.
    """
    if not needed or any(os.environ.get(name) for name in THREAD_VARIABLES):
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _advance(model: AlignmentModel, steps: int) -> None:
    """Step ``model`` ``steps`` times, keeping Mesa's ``steps`` and ``time`` as ``run_for`` does.

    Mesa 3.5 runs each step as an event of its event list (``run_for``): popping it,
    rescheduling the next and logging cost 30–60 µs a step, as much as a whole step of the
    flagship once it records only a sweep's outcomes. ``simulate`` schedules no events of
    its own and hands the model to nobody, so it calls the model's step directly, as
    Mesa's event would; the model object is not meant to be stepped further by Mesa
    afterwards (its event list still holds the first step).
    """
    step = type(model).step  # the model's own step; Mesa wraps the instance's
    for _ in range(steps):
        model.time += 1
        model.steps += 1
        step(model)


def result_of(model: AlignmentModel, seed: int | None = None) -> Result:
    """The result of ``model`` as stepped so far (all of it once the run is complete).

    The arrays are the model's own, not copies: take the result when stepping is done, or
    treat it as a view of the run so far (as the interactive page does).
    """
    spec = model.spec
    seed = spec.seed if seed is None else int(seed)
    steps = max(model.recorder.last_step, 0)
    # the scenario as run: re-running it without options reproduces this run
    spec = spec.model_copy(update={"seed": seed, "steps": model.max_steps})
    return Result(
        scenario=spec,
        seed=seed,
        steps=steps,
        names=model.world.names,
        dimensions=model.world.dimensions,
        dates=[spec.date_of(s) for s in range(steps + 1)],
        part_names=model.payoffs.names,
        recorder=model.recorder,
        extra={"traces": {(t.a, t.b): t for t in model.traces.values()}} if model.traces else {},
    )
