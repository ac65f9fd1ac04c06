"""The balance-only model: the same calibration with the interest weight fixed at 0.

Does the calibrated model forecast better because of what states want (their interests),
or would structural balance, history, power and costs do as well? The balance-only model
answers it: the calibration file's scenario with ``params.interest_weight`` at 0, the
interest weight left out of the fitted parameters, everything else fitted the same way (the
same priors, observations, loss and ABC-SMC settings) through the same search, with a seed
stream of its own (a seed derived from the calibration's). It lives in ``DIR/balance-only/``:

```
calibration.yaml   the calibration file of the refit (relative paths, as written here)
scenario.yaml      the scenario with interest weight 0 (extends the calibrated scenario)
fit/               the refit's calibration folder: parameters.csv, calibrated.yaml, ...
```

A calibration that fits nothing but the interest weight leaves nothing to refit: the
balance-only model is then the scenario with interest weight 0 as it is (no ``fit/``).
A scenario without interests (every stance 0, and no event that moves a stance, as in an
imported network) is its own balance-only model: its interest payoff is 0 whatever the
interest weight, so the refit would fit the same model again; the calibrated fit stands for
both (``same_model``; no ``balance-only/`` folder), and both score alike.
A refit killed in the middle continues with ``alignsim calibrate --resume DIR``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import storage
from .runner import execute
from .spec import Calibration

FOLDER = "balance-only"
FIT = "fit"
#: The parameter the balance-only model fixes (scenario/schema.py, ``Params``).
INTEREST_WEIGHT = "params.interest_weight"
#: The spawn key of the refit's root seed (next to the predictive runs' key).
SEED_KEY = 2**31 - 2


@dataclass(frozen=True)
class Refit:
    """The balance-only model as fitted: its calibration and its posterior's particles."""

    folder: Path
    calibration: Calibration
    particles: Any
    """The posterior's particles with weights (one particle of weight 1 when nothing is
    fitted)."""
    done: Any = None
    """The refit's :class:`~.runner.Done`; None when nothing is fitted."""
    same_model: bool = False
    """The scenario has no interests: the balance-only model is the calibrated one."""

    @property
    def fit(self) -> Path | None:
        return self.folder / FIT if self.done is not None else None


def has_interests(scenario: Any) -> bool:
    """Whether interests can move a tie: some stance is not 0, or an event sets or shifts
    one. Without them the interest payoff is 0 whatever the interest weight."""
    if any(v != 0 for state in scenario.states.values() for v in state.interests.values()):
        return True
    return any(event.shift or event.set for event in scenario.events)


def refit_seed(seed: int) -> int:
    """The refit's root seed: a child of the calibration's, so its draws and runs are a
    stream of their own."""
    sequence = np.random.SeedSequence(seed, spawn_key=(SEED_KEY,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def _relative(path: str | Path, folder: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()


def scenario_text(calibration: Calibration, folder: Path) -> str:
    """``scenario.yaml``: the calibrated scenario, by ``extends``, with interest weight 0."""
    import yaml

    document = {
        "extends": _relative(calibration.scenario_path, folder),
        "name": f"{calibration.scenario.name}-balance-only",
        "params": {"interest_weight": 0.0},
    }
    header = (
        f"# {calibration.scenario.name} with interest weight 0: the balance-only model of\n"
        f"# the calibration {calibration.path}. Balance, history, power and costs move\n"
        "# the ties; shared and complementary interests do not.\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def calibration_text(calibration: Calibration, folder: Path) -> str | None:
    """``calibration.yaml`` of the refit; None when no parameter is left to fit."""
    import yaml

    document = dict(calibration.document)
    parameters = {k: v for k, v in document["parameters"].items() if k != INTEREST_WEIGHT}
    if not parameters:
        return None
    document.update(
        scenario="scenario.yaml",
        observed=_relative(calibration.history.file, folder),
        parameters=parameters,
        seed=refit_seed(calibration.seed),
    )
    document.pop("description", None)
    header = (
        f"# The balance-only refit of {calibration.path}: its scenario with interest\n"
        "# weight 0 (scenario.yaml), the interest weight left out of the fitted parameters,\n"
        "# the same observations, periods, loss and method, and a seed derived from its seed.\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def write_inputs(calibration: Calibration, out: Path) -> tuple[Path, str | None]:
    """Write ``scenario.yaml`` and (when something is fitted) ``calibration.yaml`` into
    ``out/balance-only``; the folder and the calibration file's text."""
    folder = Path(out) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    storage.write_atomic(folder / "scenario.yaml", scenario_text(calibration, folder).encode())
    text = calibration_text(calibration, folder)
    if text is not None:
        storage.write_atomic(folder / "calibration.yaml", text.encode("utf-8"))
    return folder, text


def refit(
    out: Path,
    calibration: Calibration,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    command: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Refit:
    """Fit the balance-only model into ``out/balance-only`` (or continue its fit there)."""
    if not has_interests(calibration.scenario):
        particles = storage.read_posterior(out)
        return Refit(Path(out), calibration, particles, same_model=True)
    folder, text = write_inputs(calibration, out)
    if text is None:
        return fixed(calibration, folder)
    fit = folder / FIT
    resume = (fit / storage.MANIFEST).is_file()
    say = None if progress is None else (lambda line: progress(f"balance only: {line}"))
    done = execute(
        None if resume else folder / "calibration.yaml", fit, workers=workers,
        scheduler=scheduler, resume=resume, command=command, progress=say,
    )  # fmt: skip
    particles = storage.read_posterior(fit)
    return Refit(folder, done.calibration, particles, done)


def fixed(calibration: Calibration, folder: Path) -> Refit:
    """The balance-only model when nothing is left to fit: the scenario with interest
    weight 0, one particle without values."""
    import pandas as pd

    from alignsim.scenario import load_scenario

    scenario = load_scenario(folder / "scenario.yaml")
    model = dataclasses.replace(
        calibration, scenario=scenario, scenario_path=folder / "scenario.yaml", parameters={},
        seed=refit_seed(calibration.seed),
    )  # fmt: skip
    return Refit(folder, model, pd.DataFrame({"weight": [1.0]}))
