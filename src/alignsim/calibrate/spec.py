"""Calibration files: which scenario, which observed history, which parameters to fit, how.

A calibration file is read like a sweep file (:mod:`alignsim.sweep.spec`), whose loader it
extends: the scenario package's YAML reader with positions, every problem collected and
reported as ``FILE:LINE:COL: path: message`` with a did-you-mean, and each parameter path
checked the way ``--set`` would use it, both ends of its range validated against the
scenario. The observed history is read against the scenario (its own problems keep their
own lines), and the training and test periods are dates of the scenario's calendar
(docs/calibration.md).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alignsim.scenario.cli_support import FileKind
from alignsim.scenario.crossref import did_you_mean
from alignsim.scenario.loading import read_file, resolve_observed
from alignsim.scenario.observed import (
    ObservedHistory,
    observation_step,
    read_named_history,
    read_observed,
)
from alignsim.scenario.overrides import apply_overrides_tracked
from alignsim.scenario.problems import TOP, Problem, ScenarioError
from alignsim.scenario.problems import Path as DocPath
from alignsim.scenario.schema import Scenario
from alignsim.scenario.validation import describe
from alignsim.sweep.spec import ParameterSpec, SweepError, _Base, _Loader, format_value, plain

from .loss import DEFAULT_RULE, RULES

TOP_KEYS = (
    "scenario",
    "description",
    "observed",
    "parameters",
    "replications",
    "train",
    "test",
    "loss",
    "method",
    "seed",
)
PARAMETER_KEYS = ("low", "high", "prior")
PRIORS = ("uniform", "loguniform")
DEFAULT_PRIOR = "uniform"
PERIOD_KEYS = ("from", "to")
#: Optional key of a period: keep only every N-th step, counted from its first.
EVERY = "every"
METHOD_KEYS = ("name", "population", "generations", "quantile", "min_acceptance_rate")
METHODS = ("abc-smc",)
DEFAULT_REPLICATIONS = 20


class CalibrationError(SweepError):
    """A calibration file could not be loaded; ``problems`` lists every reason."""


@dataclass(frozen=True)
class FitParameter:
    """A scenario path to fit: its range and its prior on the range."""

    path: str
    low: float
    high: float
    prior: str = DEFAULT_PRIOR
    #: The scenario wants a whole number here: values are rounded when applied.
    integer: bool = False


@dataclass(frozen=True)
class Method:
    """ABC-SMC's settings (docs/calibration.md, "The method")."""

    name: str = "abc-smc"
    population: int = 100
    """Accepted particles per generation."""
    generations: int = 6
    """Generations at most; generation 0 is drawn from the prior."""
    quantile: float = 0.5
    """Each generation's tolerance: this quantile of the previous generation's distances."""
    min_acceptance_rate: float = 0.0
    """Stop when a generation would accept fewer than this share of its evaluations."""


@dataclass(frozen=True)
class Period:
    """Steps ``first`` to ``last``, ends included, as the file gave them (``text``); with
    ``every`` = N only every N-th of them, counted from ``first``, so that observations of
    overlapping windows (a moving four-year window observed each year) can be thinned to
    independent ones."""

    first: int
    last: int
    text: str
    every: int = 1

    def holds(self, step: int) -> bool:
        return self.first <= step <= self.last and (step - self.first) % self.every == 0


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file."""

    path: Path
    text: str
    scenario_path: Path
    scenario: Scenario
    history: ObservedHistory
    parameters: dict[str, FitParameter]
    replications: int
    train: Period
    test: Period | None
    loss: str
    method: Method
    seed: int
    description: str = ""
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def train_table(self) -> Any:
        """The observations of the training period."""
        table = self.history.table
        return table[table["step"].map(self.train.holds)].reset_index(drop=True)

    @property
    def test_table(self) -> Any:
        """The observations of the test period (none without one)."""
        table = self.history.table
        if self.test is None:
            return table.iloc[0:0]
        return table[table["step"].map(self.test.holds)].reset_index(drop=True)


class _CalibrationLoader(_Loader):
    """The sweep file loader's checks (positions, the base scenario, parameter paths and their
    values), with the keys of a calibration file."""

    def load_calibration(self) -> Calibration:
        data = self.mapping()
        for key in data:
            if key not in TOP_KEYS:
                self.report((key,), did_you_mean("key", key, TOP_KEYS), "key")
        for key in ("scenario", "parameters"):
            if key not in data:
                message = f"missing required key '{key}'"
                self.problems.append(Problem(self.filename, 1, 1, TOP, message))
        description = data.get("description", "")
        if not isinstance(description, str):
            self.report(("description",), f"expected text, got {describe(description)}")
        replications = self.whole(data, ("replications",), 1)
        seed = self.whole(data, ("seed",), 0)
        base = self.scenario_of(data)
        parameters = self.fit_parameters(data, base)
        history = self.history(data, base)
        train, test = self.periods(data, base.scenario, history)
        rule = self.choice(data, ("loss",), RULES, "loss")
        method = self.method_of(data)
        problems = self.problems + self.scenario_problems
        if problems or base.scenario is None or history is None or train is None:
            raise CalibrationError(problems)
        assert parameters is not None and method is not None and rule is not None
        return Calibration(
            path=Path(self.filename),
            text=self.text,
            scenario_path=Path(base.filename),
            scenario=base.scenario,
            history=history,
            parameters=parameters,
            replications=DEFAULT_REPLICATIONS if replications is None else replications,
            train=train,
            test=test,
            loss=rule,
            method=method,
            seed=0 if seed is None else seed,
            description=description if isinstance(description, str) else "",
            document=plain(data),
        )

    def mapping(self) -> dict[str, Any]:
        raw = self.raw
        if raw.fatal:
            raise CalibrationError(self.problems)
        if raw.data is None and not raw.problems:
            self.problems.append(Problem(self.filename, 1, 1, TOP, "the file is empty"))
        if not isinstance(raw.data, dict):
            if raw.data is not None:
                message = ("a calibration file must be a mapping (scenario:, parameters:, ...), "
                           f"got {describe(raw.data)}")  # fmt: skip
                self.problems.append(Problem(self.filename, 1, 1, TOP, message))
            raise CalibrationError(self.problems)
        return raw.data

    def scenario_of(self, data: dict[str, Any]) -> _Base:
        if "scenario" not in data:
            return _Base("")
        return self.base_scenario(data["scenario"], ("scenario",), None)

    # -- parameters ------------------------------------------------------------------------
    def fit_parameters(self, data: dict[str, Any], base: _Base) -> dict[str, FitParameter] | None:
        where: DocPath = ("parameters",)
        given = data.get("parameters")
        if "parameters" not in data or self.reported(where):
            return None
        if not isinstance(given, dict) or not given:
            got = "nothing" if not given else describe(given)
            self.report(where, "expected a mapping of scenario paths to ranges {low, high}, "
                        f"got {got}", "key" if not given else "value")  # fmt: skip
            return None
        out: dict[str, FitParameter] = {}
        seen: dict[DocPath, str] = {}
        for name, value in given.items():
            fitted = self.fit_parameter(str(name), value, base, seen)
            if fitted is not None:
                out[str(name)] = fitted
        return out if len(out) == len(given) else None

    def fit_parameter(
        self, name: str, value: Any, base: _Base, seen: dict[DocPath, str]
    ) -> FitParameter | None:
        here: DocPath = ("parameters", name)
        if self.reported(here):
            return None
        if not isinstance(value, dict):
            self.report(here, f"a fitted parameter needs a range {{low, high}}, got "
                        f"{describe(value)}")  # fmt: skip
            return None
        ok = True
        for key in value:
            if key not in PARAMETER_KEYS:
                self.report((*here, key), did_you_mean("key", key, PARAMETER_KEYS), "key")
                ok = False
        prior = self.choice(value, (*here, "prior"), PRIORS, "prior") or DEFAULT_PRIOR
        bounds = {k: value[k] for k in ("low", "high") if k in value}
        spec = self.parameter(name, bounds, base, seen) if ok else None
        if spec is None or prior is None or not self.writable(here, name, spec, base):
            return None
        return self.fitted(here, spec, prior)

    def writable(self, here: DocPath, name: str, spec: ParameterSpec, base: _Base) -> bool:
        """calibrated.yaml gives an event by its id (``extends`` merges events by id): an
        event without one cannot be calibrated."""
        if base.raw is None:
            return True
        applied = apply_overrides_tracked(base.raw.data, [f"{name}={format_value(spec.low)}"])
        resolved = applied.changed[0][0] if applied.changed else ()
        if len(resolved) < 2 or resolved[0] != "events":
            return True
        event = base.raw.data["events"][resolved[1]]
        if isinstance(event, dict) and event.get("id"):
            return True
        message = (f"event {resolved[1]} has no id; give it one (id: NAME) to calibrate it: "
                   "calibrated.yaml names events by id")  # fmt: skip
        self.report(here, message, "key")
        return False

    def fitted(self, here: DocPath, spec: ParameterSpec, prior: str) -> FitParameter | None:
        assert spec.low is not None and spec.high is not None
        if spec.low >= spec.high:
            self.report((*here, "high"), f"high ({spec.high:g}) must be above low "
                        f"({spec.low:g}): a fitted parameter needs a range")  # fmt: skip
            return None
        if prior == "loguniform" and spec.low <= 0:
            self.report((*here, "low"), f"a loguniform prior needs low > 0, got {spec.low:g}")
            return None
        return FitParameter(spec.path, spec.low, spec.high, prior, spec.integer)

    # -- the observed history --------------------------------------------------------------
    def history(self, data: dict[str, Any], base: _Base) -> ObservedHistory | None:
        scenario = base.scenario
        if scenario is None:
            return None
        try:
            if "observed" in data:
                return self.observed_file(data["observed"], scenario)
            if scenario.observed is None:
                message = ("the scenario names no observed history (observed:); give one "
                           "here with observed: FILE")  # fmt: skip
                self.report(("scenario",), message)
                return None
            return read_named_history(self.observed_resolved(base), base.filename)
        except ScenarioError as error:
            self.scenario_problems += error.problems
            count = len(error.problems)
            where: DocPath = ("observed",) if "observed" in data else ("scenario",)
            plural = "s" if count > 1 else ""
            self.report(where, f"the observed history has {count} problem{plural} (listed below)")
            return None

    def observed_resolved(self, base: _Base) -> Scenario:
        """The scenario with its ``observed:`` relative to the file that names it (the
        sweep loader validates the raw document, which keeps the path as written)."""
        assert base.scenario is not None and base.raw is not None
        data = {"observed": base.raw.data.get("observed")}
        resolve_observed(data, base.raw.positions)
        return base.scenario.model_copy(update={"observed": data["observed"]})

    def observed_file(self, reference: Any, scenario: Scenario) -> ObservedHistory | None:
        if self.reported(("observed",)):
            return None
        if not isinstance(reference, str) or not reference.strip():
            self.report(("observed",), f"expected a file name, got {describe(reference)}")
            return None
        name = os.path.normpath(os.path.join(self.base_dir, reference))
        text, reason = read_file(name)
        if text is None:
            self.report(("observed",), f"observed history {name}: {reason}")
            return None
        return read_observed(name, scenario)

    # -- periods ---------------------------------------------------------------------------
    def periods(
        self, data: dict[str, Any], scenario: Scenario | None, history: ObservedHistory | None
    ) -> tuple[Period | None, Period | None]:
        if scenario is None or history is None:
            return None, None
        whole = Period(0, scenario.steps, "the whole run")
        train = self.period(data, "train", scenario, whole) if "train" in data else whole
        test = self.period(data, "test", scenario, None) if "test" in data else None
        steps = history.table["step"].tolist()
        if train is not None and not any(map(train.holds, steps)):
            where: DocPath = ("train",) if "train" in data else ("scenario",)
            self.report(where, f"no observation falls in the training period ({train.text})")
        if test is not None and not any(map(test.holds, steps)):
            self.report(("test",), f"no observation falls in the test period ({test.text})")
        if train is not None and test is not None and "train" in data:
            if train.first <= test.last and test.first <= train.last:
                message = (f"the test period ({test.text}) overlaps the training period "
                           f"({train.text}); a test scores what the fit did not see")  # fmt: skip
                self.report(("test",), message)
        elif test is not None and train is not None:
            self.report(("test",), "a test period needs a training period (train:) that "
                        "leaves it out")  # fmt: skip
        return train, test

    def period(
        self, data: dict[str, Any], key: str, scenario: Scenario, default: Period | None
    ) -> Period | None:
        here: DocPath = (key,)
        value = data[key]
        if self.reported(here):
            return None
        if not isinstance(value, dict) or not value:
            self.report(here, f"expected a mapping {{from: DATE, to: DATE}}, got {describe(value)}")
            return None
        keys = (*PERIOD_KEYS, EVERY)
        ends: dict[str, int] = {}
        for part in value:
            if part not in keys:
                self.report((*here, part), did_you_mean("key", part, keys), "key")
        for part in PERIOD_KEYS:
            if part in value and not self.reported((*here, part)):
                step = self.date_step((*here, part), value[part], scenario)
                if step is not None:
                    ends[part] = step
        every = self.whole(value, (*here, EVERY), 1, max(scenario.steps, 1))
        if EVERY in value and every is None:
            return None
        if any(p in value and p not in ends for p in PERIOD_KEYS) or set(value) - {*keys}:
            return None
        first, last = ends.get("from", 0), ends.get("to", scenario.steps)
        text = f"{_date_text(value.get('from'), scenario, first)} to " + _date_text(
            value.get("to"), scenario, last
        )
        if every is not None and every > 1:
            text += f", every {every} steps"
        if first > last:
            self.report((*here, "from"), f"the period starts after it ends ({text})")
            return None
        return Period(first, last, text, every or 1)

    def date_step(self, path: DocPath, value: Any, scenario: Scenario) -> int | None:
        text = str(plain(value))
        if isinstance(value, bool) or value is None or isinstance(value, dict | list | float):
            self.report(path, f"expected a date of the scenario's calendar, got {describe(value)}")
            return None
        try:
            return observation_step(text, scenario)
        except ValueError as error:
            self.report(path, str(error))
            return None

    # -- loss and method -------------------------------------------------------------------
    def choice(
        self, data: dict[str, Any], path: DocPath, options: tuple[str, ...], kind: str
    ) -> str | None:
        key = path[-1]
        if key not in data:
            return {"loss": DEFAULT_RULE, "prior": DEFAULT_PRIOR}.get(kind, options[0])
        if self.reported(path):
            return None
        value = data[key]
        if isinstance(value, str) and value in options:
            return value
        if isinstance(value, str):
            self.report(path, did_you_mean(kind, value, options))
        else:
            self.report(path, f"expected one of {', '.join(options)}, got {describe(value)}")
        return None

    def method_of(self, data: dict[str, Any]) -> Method | None:
        where: DocPath = ("method",)
        value = data.get("method", {})
        if self.reported(where):
            return None
        if not isinstance(value, dict):
            self.report(where, f"expected a mapping {{population: N, generations: G}}, got "
                        f"{describe(value)}")  # fmt: skip
            return None
        for key in value:
            if key not in METHOD_KEYS:
                self.report((*where, key), did_you_mean("key", key, METHOD_KEYS), "key")
        name = self.choice(value, (*where, "name"), METHODS, "method")
        population = self.whole(value, (*where, "population"), 4)
        generations = self.whole(value, (*where, "generations"), 1)
        quantile = self.fraction(value, (*where, "quantile"), low_open=True)
        rate = self.fraction(value, (*where, "min_acceptance_rate"), low_open=False)
        default = Method()
        return Method(
            name=name or default.name,
            population=default.population if population is None else population,
            generations=default.generations if generations is None else generations,
            quantile=default.quantile if quantile is None else quantile,
            min_acceptance_rate=default.min_acceptance_rate if rate is None else rate,
        )

    def fraction(self, mapping: dict[str, Any], path: DocPath, low_open: bool) -> float | None:
        """A number strictly between 0 and 1 (``low_open``), or in [0, 1)."""
        if path[-1] not in mapping or self.reported(path):
            return None
        value = mapping[path[-1]]
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self.report(path, f"expected a number, got {describe(value)}")
            return None
        if not (0 < value < 1 if low_open else 0 <= value < 1):
            bounds = "0 < x < 1" if low_open else "0 <= x < 1"
            self.report(path, f"{value} is out of range: needs {bounds}")
            return None
        return float(value)


def _date_text(value: Any, scenario: Scenario, step: int) -> str:
    if value is None:
        return "the start" if step == 0 else scenario.date_of(step)
    return str(plain(value))


def load_calibration_text(
    text: str, filename: str = "<string>", base_dir: Path = Path(".")
) -> Calibration:
    """A calibration from YAML text (files it names relative to ``base_dir``)."""
    return _CalibrationLoader(text, filename, Path(base_dir)).load_calibration()


def load_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Load and validate a calibration file; raises :class:`CalibrationError`."""
    filename = str(path)
    text, reason = read_file(filename)
    if text is None:
        raise CalibrationError([Problem(filename, 1, 1, TOP, reason)])
    return load_calibration_text(text, filename, Path(filename).parent)


#: Calibration files for ``alignsim validate``; checking one checks the scenario and the
#: observed history it names. A calibration file shares ``scenario:``, ``parameters:`` and
#: ``replications:`` with a sweep file, so it is told by the keys only it has (``train:``,
#: ``test:``, ``loss:``, ``method:``), and a file with just the shared keys is a sweep file.
CALIBRATION_FILE = FileKind(
    name="calibration file", keys=TOP_KEYS, check=load_calibration,
    example="train:, test:, loss: or method:", telling=("train", "test", "loss", "method"),
)  # fmt: skip
