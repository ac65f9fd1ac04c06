"""The model the page steps, and what the page needs beside it.

``PageModel`` is ``AlignmentModel`` built from the page's settings — nothing else: the page
steps the one implementation of the rules, through Mesa, like any Mesa model.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable

import numpy as np

from alignsim.analysis.explain import Explanation, explanation_from
from alignsim.app.settings import PageSettings, build_scenario
from alignsim.model.model import AlignmentModel
from alignsim.model.recorder import Result
from alignsim.model.simulate import result_of, simulate
from alignsim.viz.network import layout

#: Up to this many states the page traces every pair's payoff parts (about +35% step time
#: at 12 states), so any pair can be explained; above it, only the watched ones.
TRACE_ALL_STATES = 40

#: Whole runs by (scenario hash, seed), shared by the page's sessions.
_WHOLE_RUNS: dict[tuple[str, int], tuple[Result, dict[str, np.ndarray]]] = {}
_LOCK = threading.Lock()


class PageModel(AlignmentModel):
    """``AlignmentModel`` built from page settings, tracing pairs for the explanation panel.

    Mesa's SolaraViz restarts a run (its Reset button) by calling the model's class with the
    page's model parameters; ``settings`` may therefore be a function that returns the
    current settings, so Reset restarts the run with the controls as they are now.
    """

    def __init__(self, settings: PageSettings | Callable[[], PageSettings]) -> None:
        if callable(settings):
            settings = settings()
        scenario = build_scenario(settings)
        seed = scenario.seed if settings.seed is None else int(settings.seed)
        #: Held while a step runs and while a reader copies the run so far: Mesa's play loop
        #: steps in a worker thread while the page draws, and Step may be pressed meanwhile.
        self._stepping = threading.Lock()
        super().__init__(scenario, rng=seed, collect=False)
        # Mesa replaces ``step`` on the instance by its clock's: pop the step's event from its
        # event list, run it, schedule the next. Two threads in there at once (the play loop's
        # last step after ❚❚ and a press of Step) lose steps, so the lock covers all of it.
        clock_step = self.step

        def step() -> None:
            with self._stepping:
                clock_step()

        self.step = step
        self.settings = settings
        self.run_seed = seed
        self._whole: tuple[Result, dict[str, np.ndarray]] | None = None
        self._so_far: tuple[int, Result] | None = None
        names = self.world.names
        if len(names) <= TRACE_ALL_STATES:
            pairs = list(itertools.combinations(names, 2))
        else:
            pairs = scenario.watched_ties()
        for a, b in pairs:
            self.trace_pair(a, b)

    def so_far(self) -> Result:
        """The run up to the current step, copied so that further steps do not change it.

        ``extra["fired"]`` holds the scenario events of that step. The copy is kept until
        the next step: the panels of one redraw share it (one copy per step, not per panel).
        """
        with self._stepping:
            step = self.recorder.last_step
            if self._so_far is None or self._so_far[0] != step:
                live = result_of(self, self.run_seed)
                extra = {**live.extra, "fired": list(self.fired)}
                copied = dataclasses.replace(live, recorder=live.recorder.snapshot(), extra=extra)
                self._so_far = (step, copied)
            return self._so_far[1]

    def whole_run(self) -> tuple[Result, dict[str, np.ndarray]]:
        """The complete run of these settings and its network layout (cached).

        The page needs the whole run before it is stepped: the network's layout (placed by
        mean tie strength over the run, as in the run folder's pictures) and the power range
        that sizes nodes must not move while the class watches. The model is deterministic,
        so this run is the one the page is about to show.
        """
        if self._whole is not None:
            return self._whole
        key = (self.spec.content_hash(), self.run_seed)
        with _LOCK:
            if key not in _WHOLE_RUNS:
                whole = simulate(self.spec, seed=self.run_seed)
                _WHOLE_RUNS[key] = (whole, layout(whole))
                while len(_WHOLE_RUNS) > 16:  # forget the oldest
                    _WHOLE_RUNS.pop(next(iter(_WHOLE_RUNS)))
            self._whole = _WHOLE_RUNS[key]
        return self._whole

    def explain(self, a: str, b: str) -> Explanation | None:
        """Payoff parts of a–b so far (None when the pair is not traced or not yet stepped,
        or has not yet been in the world together)."""
        live = self.so_far()
        key = tuple(n for n in live.names if n in (a, b))
        if a == b or key not in live.extra.get("traces", {}) or live.steps == 0:
            return None
        if not live.extra["traces"][key].rows:  # not yet in the world together
            return None
        return explanation_from(live, a, b)
