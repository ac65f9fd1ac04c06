"""Observed histories made by the model itself, with parameter values one knows.

Calibrating such a history back, and finding the known values inside the credible
intervals, is the test of the method (parameter recovery; docs/calibration.md). The
history is one run's level of every pair at every ``every``-th step, as an observed history
file would give it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

from alignsim.scenario.observed import ObservedHistory, build_table

from .runs import overrides, pair_levels

#: The parameters a recovery case fits, with their prior ranges.
RECOVERY_RANGES: dict[str, tuple[float, float]] = {
    "params.balance_weight": (0.0, 1.5),
    "params.interest_weight": (0.2, 2.0),
    "params.learning_rate": (0.05, 0.6),
}


def synthetic_history(
    scenario: Any,
    values: dict[str, float],
    seed: int,
    *,
    steps: Sequence[int],
    pairs: Sequence[tuple[str, str]] | None = None,
) -> ObservedHistory:
    """The levels of ``pairs`` (default: every pair) at ``steps`` of one run of ``scenario``
    with ``values`` (scenario paths) and ``seed``, as an observed history."""
    from alignsim.model.simulate import simulate
    from alignsim.scenario import apply_overrides
    from alignsim.scenario.observed import LEVELS, SIGN_OF_LEVEL
    from alignsim.scenario.schema import Scenario

    document = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    document = apply_overrides(document, list(overrides(values, {})))
    truth = Scenario.model_validate(document)
    chosen = list(pairs) if pairs is not None else list(combinations(truth.state_names, 2))
    result = simulate(truth, seed=seed, steps=max(steps), record="watched",
                      record_pairs=chosen, log=False, blocs=False)  # fmt: skip
    codes = pair_levels(result, chosen)
    rows = []
    for step in steps:
        for k, (source, target) in enumerate(chosen):
            level = LEVELS[int(codes[step, k])]
            date = truth.date_of(step) if truth.calendar else str(step)
            note = f"simulated, seed {seed}"
            rows.append({"date": date, "step": step, "source": source, "target": target,
                         "value": float("nan"), "kind": "level", "level": level,
                         "sign": SIGN_OF_LEVEL[level], "note": note})  # fmt: skip
    return ObservedHistory(build_table(rows, truth), "<synthetic>")


def recovery_case(
    folder: Path,
    scenario_text: str,
    truth: dict[str, float],
    seed: int,
    *,
    steps: int,
    replications: int,
    population: int,
    generations: int,
    min_acceptance_rate: float = 0.0,
) -> Path:
    """A calibration file in ``folder`` that fits :data:`RECOVERY_RANGES` to the history of
    one run with ``truth`` over ``steps`` steps (every pair, every step), with its scenario
    (``scenario_text`` for ``steps`` steps) and observed history beside it. A
    ``min_acceptance_rate`` above 0 lets the search stop before ``generations`` once its
    tolerance has closed in on what the history can tell."""
    from alignsim.scenario import load_scenario_text

    folder.mkdir(parents=True, exist_ok=True)
    text = re.sub(r"(?m)^steps: *\d+", f"steps: {steps}", scenario_text)
    text = re.sub(r"(?m)^observed: .*\n", "", text) + "observed: observed.csv\n"
    scenario_file = folder / "scenario.yaml"
    scenario_file.write_text(text, encoding="utf-8")
    scenario = load_scenario_text(text.replace("observed: observed.csv\n", ""), "<recovery>")
    history = synthetic_history(scenario, truth, seed, steps=range(1, steps + 1))
    history.to_csv(folder / "observed.csv")
    ranges = "".join(
        f"  {p}: {{low: {lo}, high: {hi}}}\n" for p, (lo, hi) in RECOVERY_RANGES.items()
    )
    calibration = folder / "calibration.yaml"
    calibration.write_text(
        "scenario: scenario.yaml\n"
        f"parameters:\n{ranges}"
        f"replications: {replications}\n"
        f"method: {{population: {population}, generations: {generations}, "
        f"min_acceptance_rate: {min_acceptance_rate}}}\n"
        f"seed: {seed}\n",
        encoding="utf-8",
    )
    return calibration
