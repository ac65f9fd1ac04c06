"""Sweep files: which scenario, which parameters to vary, how, and what to measure.

A sweep file is read with the scenario package's safe YAML reader, so every
problem carries ``FILE:LINE:COL: path: message`` just like a scenario's. Each
parameter path is checked the way ``--set`` would use it: its values are applied
to the base scenario's raw document with the override machinery and the result
is validated, so an unknown path or a value the scenario would reject is
reported at the sweep file's line, with the scenario package's did-you-mean.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from alignsim.scenario.cli_support import FileKind
from alignsim.scenario.crossref import did_you_mean
from alignsim.scenario.loading import read_file, read_raw, resolve_raw
from alignsim.scenario.overrides import apply_overrides_tracked
from alignsim.scenario.paths import lookup
from alignsim.scenario.problems import TOP, Problem, format_path, name_events, sort_problems
from alignsim.scenario.problems import Path as DocPath
from alignsim.scenario.schema import MAX_STEPS, Scenario
from alignsim.scenario.validation import describe, validate_document
from alignsim.scenario.yamlpos import Pos, Positions, RawDocument, load_yaml

#: Every outcome a sweep may ask for (the runner computes them; see outcomes.py).
KNOWN_OUTCOMES: tuple[str, ...] = (
    "triangle_formed",
    "triangle_alliance",
    "first_triangle_step",
    "final_strength",
    "bloc_of",
    "final_level",
    "balance_ratio",
    "polarization",
    "blocs",
)
#: Outcomes measured when a sweep file names none.
DEFAULT_OUTCOMES: tuple[str, ...] = KNOWN_OUTCOMES[:5]

DesignMethod = Literal["grid", "random", "lhs", "sobol", "morris"]
DESIGN_METHODS: tuple[str, ...] = ("grid", "random", "lhs", "sobol", "morris")
#: Designs that draw `samples` points instead of taking every combination.
SAMPLED_METHODS = frozenset({"random", "lhs", "sobol", "morris"})
#: Designs computed by SALib, which need a numeric range for every parameter.
SALIB_METHODS = frozenset({"sobol", "morris"})
DEFAULT_LEVELS = 4
#: Most runs a sweep may have (design points × replications).
MAX_RUNS = 10_000_000

TOP_KEYS = (
    "scenario",
    "description",
    "steps",
    "replications",
    "seed",
    "seeds",
    "series",
    "design",
    "parameters",
    "outcomes",
)
DESIGN_KEYS = ("method", "samples", "levels")
#: ``seeds:``: replication r of every design point and scenario variant runs with the same
#: seed (common random numbers), or every run gets its own.
SEEDS = ("common", "independent")
DEFAULT_SEEDS = "common"
#: The categorical factor of a sweep over several scenario files (``scenario:`` a list or a
#: mapping): its column in ``runs/`` and ``summary.csv``.
VARIANT = "scenario"
RANGE_KEYS = ("low", "high", "num")
#: Keys of an outcome of a sweep file's own: in words, or a function by import path.
OWN_OUTCOME_KEYS = ("name", "value", "function", "kind", "columns")
#: An own outcome's name, and a function outcome's column suffixes.
OUTCOME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
OUTCOME_LABEL = re.compile(r"[A-Za-z0-9_-]+")
#: ``module.sub:function`` or ``module:Class.method``.
FUNCTION_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
#: Columns of every run row, which an outcome's column must not repeat.
RESERVED_COLUMNS = frozenset({"point", "replication", "seed", "status", "error", "scenario"})


class SweepError(Exception):
    """A sweep file could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sort_problems(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class ParameterSpec:
    """One varied scenario path: an explicit list of values or a numeric range."""

    path: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = None
    #: The scenario wants a whole number here (a step, a count): design values are ints.
    integer: bool = False

    def is_numeric_range(self) -> bool:
        return self.values is None and self.low is not None and self.high is not None


@dataclass(frozen=True)
class Design:
    """How design points are chosen."""

    method: DesignMethod = "grid"
    samples: int | None = None
    levels: int | None = None


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file."""

    path: Path
    scenario_path: Path
    scenario: Scenario
    steps: int
    replications: int
    seed: int
    design: Design
    parameters: dict[str, ParameterSpec]
    outcomes: tuple[Any, ...]
    """Built-in outcomes by name, and the sweep file's own (``WordedOutcome``,
    ``FunctionOutcome`` of :mod:`alignsim.sweep.outcomes`)."""
    document: dict[str, Any]
    seeds: str = DEFAULT_SEEDS
    """``common`` or ``independent`` (see :data:`SEEDS`)."""
    variants: dict[str, Scenario] | None = None
    """Label → scenario when ``scenario:`` names several files (in file order; ``scenario``
    is the first); None for a sweep of one scenario."""
    variant_paths: dict[str, Path] | None = None
    series: tuple[str, ...] = ()
    """Quantities kept at every step (``series:``; :data:`alignsim.sweep.outcomes.SERIES`)."""

    def scenarios(self) -> dict[str, Scenario]:
        """Every scenario the sweep runs, by label (one, labelled by its name, if no variants)."""
        return dict(self.variants) if self.variants else {self.scenario.name: self.scenario}


# --- values and their --set text -------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` with numpy scalars made Python scalars and dates made ISO text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item) and not isinstance(value, str | bytes):
        return item()
    return value


def format_value(value: Any, integer: bool = False) -> str:
    """Text that the scenario's ``--set`` parser reads back as ``value``."""
    value = plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if integer and isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    back = load_yaml(text, "<value>")
    if not back.problems and back.data == text:
        return text
    return json.dumps(text, ensure_ascii=False)  # a YAML double-quoted string


# --- known outcomes ---------------------------------------------------------------------


def known_outcomes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every outcome name, the defaults), from the runner's outcomes module when present."""
    try:
        from . import outcomes  # imported here: the runner side may not exist yet
    except ImportError:
        return KNOWN_OUTCOMES, DEFAULT_OUTCOMES
    names = getattr(outcomes, "OUTCOMES", None)
    defaults = getattr(outcomes, "DEFAULT_OUTCOMES", DEFAULT_OUTCOMES)
    known = tuple(names) if names else KNOWN_OUTCOMES
    return known, tuple(defaults)


# --- schema types -----------------------------------------------------------------------


def _base_types(tp: Any) -> set[type]:
    """The plain Python types a schema annotation accepts (through Annotated, unions, Literal)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _base_types(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        out: set[type] = set()
        for arg in get_args(tp):
            out |= _base_types(arg)
        return out
    if origin is Literal:
        return {type(arg) for arg in get_args(tp)}
    if isinstance(tp, type):
        return {tp}
    return {object}


def _number_kind(tp: Any) -> Literal["int", "float", "none"]:
    kinds = _base_types(tp) - {type(None)}
    if float in kinds or object in kinds:
        return "float"
    if int in kinds:
        return "int"
    return "none"


def _words(tp: Any) -> str:
    kinds = _base_types(tp) - {type(None)}
    if kinds <= {str}:
        return "text"
    if kinds <= {bool}:
        return "true or false"
    if kinds & {dict, list}:
        return "a collection"
    return "not a number"


# --- the loader -------------------------------------------------------------------------


@dataclass
class _Base:
    """The base scenario as the checks need it."""

    filename: str
    scenario: Scenario | None = None
    raw: RawDocument | None = None
    #: The raw document the parameter values are applied to (steps as in the sweep).
    data: Any = None
    #: Problems of the base document itself, as (path, message), ignored for values.
    known: frozenset[tuple[str, str]] = frozenset()


class _Loader:
    def __init__(self, text: str, filename: str, base_dir: Path):
        self.filename = filename
        self.base_dir = base_dir
        self.text = text
        self.raw = load_yaml(text, filename)
        self.problems: list[Problem] = list(self.raw.problems)
        self.scenario_problems: list[Problem] = []
        #: The design method when it is a known one (checks of the parameters need it).
        self.method: str = "grid"
        #: Parameters read without problems (design checks look at them).
        self.specs: dict[str, ParameterSpec] = {}
        #: The base scenario's raw document, once read (messages name its events by id).
        self.scenario_doc: Any = None

    # helpers
    def pos(self, path: DocPath, at: Literal["key", "value"] = "value") -> Pos:
        return self.raw.positions.locate(path, at) or (self.filename, 1, 1)

    def report(self, path: DocPath, message: str, at: Literal["key", "value"] = "value") -> None:
        file, line, col = self.pos(path, at)
        self.problems.append(Problem(file, line, col, self.shown(path), message))

    def shown(self, path: DocPath) -> str:
        """``path`` as printed; an event in a parameter's path is named by index and id,
        as the scenario's own messages name it (``parameters.events.2 (missiles).at``)."""
        doc = self.scenario_doc
        if doc is not None and len(path) > 1 and path[0] == "parameters":
            path = (path[0], name_events(str(path[1]), doc), *path[2:])
        return format_path(path)

    def reported(self, path: DocPath) -> bool:
        return any(path[: len(p)] == p for p in self.raw.reported)

    def whole(
        self, mapping: dict[str, Any], path: DocPath, minimum: int, maximum: int | None = None
    ) -> int | None:
        """A whole number in [minimum, maximum] at ``path`` (its last part a key of ``mapping``)."""
        if path[-1] not in mapping or self.reported(path):
            return None
        value = mapping[path[-1]]
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(path, f"expected a whole number, got {describe(value)}")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" <= {maximum}"
            self.report(path, f"{value} is out of range: needs {minimum} <= x{upper}")
            return None
        return value

    # the stages
    def load(self) -> Sweep:
        raw = self.raw
        if raw.fatal:
            raise SweepError(self.problems)
        if raw.data is None and not raw.problems:
            self.problems.append(Problem(self.filename, 1, 1, TOP, "the file is empty"))
        if not isinstance(raw.data, dict):
            if raw.data is not None:
                got = describe(raw.data)
                message = f"a sweep file must be a mapping (scenario:, parameters:, ...), got {got}"
                self.problems.append(Problem(self.filename, 1, 1, TOP, message))
            raise SweepError(self.problems)
        data: dict[str, Any] = raw.data
        for key in data:
            if key not in TOP_KEYS:
                self.report((key,), did_you_mean("key", key, TOP_KEYS), "key")
        references = self.scenario_references(data)
        several = isinstance(data.get("scenario"), list | dict) and len(data["scenario"]) > 1
        required = ("scenario",) if several else ("scenario", "parameters")
        for key in required:
            if key not in data:
                self.problems.append(
                    Problem(self.filename, 1, 1, TOP, f"missing required key '{key}'")
                )
        if "description" in data and not isinstance(data["description"], str):
            self.report(("description",), f"expected text, got {describe(data['description'])}")

        steps = self.whole(data, ("steps",), 0, MAX_STEPS)
        replications = self.whole(data, ("replications",), 1)
        seed = self.whole(data, ("seed",), 0)
        seeds = self.seeds(data)
        bases = {label: self.base_scenario(ref, where, steps) for label, ref, where in references}
        base = next(iter(bases.values()), _Base(""))
        design = self.design(data)
        parameters = self.parameters(data, base) if "parameters" in data else {}
        if len(bases) > 1:
            self.check_variant_clocks(bases, steps)
        if parameters and len(bases) > 1:
            self.check_variants(data, bases)
        self.design_needs()
        outcomes = self.outcomes(data, bases, steps)
        series = self.series(data)
        if len(references) > 1 and self.method in SALIB_METHODS:
            message = (f"scenario variants cannot be crossed with a {self.method} design: its "
                       "analysis needs one scenario; run one per scenario")  # fmt: skip
            self.report(("scenario",), message, "key")

        if design is not None and parameters is not None:
            runs_per_point = (1 if replications is None else replications) * max(1, len(bases))
            self.check_size(design, parameters, runs_per_point)
        problems = self.problems + self.scenario_problems
        scenarios = {label: b.scenario for label, b in bases.items()}
        if problems or None in scenarios.values() or not scenarios or design is None:
            raise SweepError(problems)
        assert outcomes is not None and parameters is not None and base.scenario is not None
        variants = scenarios if len(references) > 1 else None
        paths = {label: Path(b.filename) for label, b in bases.items()} if variants else None
        return Sweep(
            path=Path(self.filename),
            scenario_path=Path(base.filename),
            scenario=base.scenario,
            steps=base.scenario.steps if steps is None else steps,
            replications=1 if replications is None else replications,
            seed=0 if seed is None else seed,
            design=design,
            parameters=parameters,
            outcomes=outcomes,
            document=plain(data),
            seeds=seeds,
            variants=variants,  # type: ignore[arg-type]
            variant_paths=paths,
            series=series,
        )

    def series(self, data: dict[str, Any]) -> tuple[str, ...]:
        """``series:``: names of quantities kept at every step (empty: none)."""
        from .outcomes import SERIES

        where: DocPath = ("series",)
        value = data.get("series", [])
        if self.reported(where):
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.report(where, f"expected a list of series names, got {describe(value)}")
            return ()
        out: list[str] = []
        for i, name in enumerate(value):
            here = (*where, i) if isinstance(data.get("series"), list) else where
            if self.reported(here):
                continue
            if not isinstance(name, str):
                self.report(here, f"expected a series name, got {describe(name)}")
            elif name not in SERIES:
                self.report(here, did_you_mean("series", name, tuple(SERIES)))
            elif name in out:
                self.report(here, f"'{name}' is listed twice")
            else:
                out.append(name)
        return tuple(out)

    def seeds(self, data: dict[str, Any]) -> str:
        value = data.get("seeds", DEFAULT_SEEDS)
        if "seeds" in data and not self.reported(("seeds",)) and value not in SEEDS:
            if isinstance(value, str):
                self.report(("seeds",), did_you_mean("seeds", value, SEEDS))
            else:
                self.report(("seeds",), f"expected common or independent, got {describe(value)}")
        return value if value in SEEDS else DEFAULT_SEEDS

    def scenario_references(self, data: dict[str, Any]) -> list[tuple[str, Any, DocPath]]:
        """(label, file name, where) of each scenario: one for ``scenario: FILE``, one per
        item of a list (labelled by file stem) or a mapping (labelled by key)."""
        where: DocPath = ("scenario",)
        value = data.get("scenario")
        if "scenario" not in data or self.reported(where):
            return []
        if isinstance(value, list):
            if not value:
                self.report(where, "needs at least one scenario file")
                return []
            found = [(_stem(v), v, (*where, i)) for i, v in enumerate(value)]
        elif isinstance(value, dict):
            if not value:
                self.report(where, "needs at least one label: scenario file")
                return []
            found = [(str(k), v, (*where, k)) for k, v in value.items()]
        else:
            return [("", value, where)]
        labels: dict[str, DocPath] = {}
        out = []
        for label, reference, here in found:
            if label in labels:
                first = self.pos(labels[label])[1]
                hint = (
                    " (name them: scenario: {label: file, ...})" if isinstance(value, list) else ""
                )
                self.report(here, f"a second scenario labelled '{label}' (line {first}){hint}")
                continue
            if not label.strip():
                self.report(here, "a scenario label must not be empty", "key")
                continue
            labels[label] = here
            out.append((label, reference, here))
        return out

    def check_variants(self, data: dict[str, Any], bases: dict[str, _Base]) -> None:
        """Every parameter value must suit every scenario variant, not only the first: the
        checks of :meth:`parameter` run again against each other variant, and what they find
        is reported at the parameter's line, naming the variant."""
        given = data.get("parameters")
        if not isinstance(given, dict):
            return
        seen = {(p.line, p.col, p.message) for p in self.problems}
        for label, base in list(bases.items())[1:]:
            if base.raw is None:
                continue
            kept = self.problems
            self.problems = []
            try:
                for name, value in given.items():
                    self.parameter(name, value, base, {})
                found = self.problems
            finally:
                self.problems = kept
            for p in found:
                if (p.line, p.col, p.message) not in seen:
                    message = f"with scenario '{label}': {p.message}"
                    self.problems.append(Problem(p.file, p.line, p.col, p.path, message))
        self.check_event_indices(given, bases)

    def check_event_indices(self, given: dict[str, Any], bases: dict[str, _Base]) -> None:
        """A parameter that names an event by its index (``events.20.at``) must name the
        same event in every variant: a variant that adds or removes an event shifts the
        indices, and the sweep would move a different event in each."""
        for name in given:
            parts = str(name).split(".")
            if len(parts) < 2 or parts[0] != "events" or not parts[1].isdigit():
                continue
            index = int(parts[1])
            ids = {label: _event_id(b.data, index) for label, b in bases.items() if b.data}
            if len(set(ids.values())) > 1:
                named = ", ".join(f"{i or '(no id)'} in {label}" for label, i in ids.items())
                message = (f"events.{index} is {named}: name the event by its id, so that "
                           "every variant moves the same one")  # fmt: skip
                self.report(("parameters", name), message, "key")

    def check_variant_clocks(self, bases: dict[str, _Base], steps: int | None) -> None:
        """Variants run on one clock: the same calendar, and (unless the sweep gives
        ``steps:``) the same number of steps, so that step t means one date in all of them
        and their runs can be compared step by step."""
        scenarios = {label: b.scenario for label, b in bases.items() if b.scenario is not None}
        if len(scenarios) < 2:
            return
        calendars = {label: s.calendar for label, s in scenarios.items()}
        first, *others = calendars.items()
        for label, calendar in others:
            if calendar != first[1]:
                self.report(("scenario",), f"scenario variants must share a calendar: "
                            f"'{label}' has {_calendar_text(calendar)}, '{first[0]}' "
                            f"{_calendar_text(first[1])}", "key")  # fmt: skip
        lengths = {label: s.steps for label, s in scenarios.items()}
        if steps is None and len(set(lengths.values())) > 1:
            runs = ", ".join(f"'{label}' {n}" for label, n in lengths.items())
            message = (f"the scenario variants run different numbers of steps ({runs}); give "
                       "the sweep's steps:, which all of them run")  # fmt: skip
            self.report(("scenario",), message, "key")

    def base_scenario(self, reference: Any, where: DocPath, steps: int | None) -> _Base:
        """Read, merge and validate a scenario the sweep runs; its problems keep its own
        lines."""
        if self.reported(where):
            return _Base("")
        if not isinstance(reference, str) or not reference.strip():
            self.report(where, f"expected a scenario file name, got {describe(reference)}")
            return _Base("")
        name = os.path.normpath(os.path.join(self.base_dir, reference))
        base = _Base(name)
        text, reason = read_file(name)
        if text is None:
            self.report(where, f"scenario file {name}: {reason}")
            return base
        raw = resolve_raw(read_raw(text, name))
        problems = list(raw.problems)
        scenario = None
        if not raw.fatal:
            scenario, found = validate_document(raw.data, raw.positions, name, raw.reported)
            problems += found
            base.raw = raw
            if self.scenario_doc is None:  # messages name events as the first scenario does
                self.scenario_doc = raw.data
        if problems:
            self.scenario_problems += problems
            count = len(problems)
            self.report(
                where,
                f"the scenario {name} has {count} problem{'s' if count > 1 else ''} (listed below)",
            )
            return base
        base.scenario = scenario
        base.data = raw.data
        if steps is not None:
            base.data = apply_overrides_tracked(raw.data, [f"steps={steps}"]).data
        _, found = validate_document(base.data, raw.positions, name, raw.reported)
        base.known = frozenset((p.path, p.message) for p in found)
        return base

    def design(self, data: dict[str, Any]) -> Design | None:
        where: DocPath = ("design",)
        value = data.get("design")
        if "design" in data:
            self.method = ""  # until a known method is found
        if value is None or self.reported(where):
            if "design" in data and not self.reported(where):
                self.report(where, "expected a mapping like {method: grid}, got nothing (null)")
                return None
            return Design() if not self.reported(where) else None
        if isinstance(value, str):  # `design: grid` for short
            value = {"method": value}
            method_path: DocPath = where
        elif isinstance(value, dict):
            method_path = (*where, "method")
        else:
            self.report(where, f"expected a mapping like {{method: grid}}, got {describe(value)}")
            return None
        ok = True
        for key in value:
            if key not in DESIGN_KEYS:
                self.report((*where, key), did_you_mean("key", key, DESIGN_KEYS), "key")
                ok = False
        method = value.get("method")
        if "method" not in value:
            self.report(where, "missing required key 'method'", "key")
            ok = False
        elif not isinstance(method, str) or method not in DESIGN_METHODS:
            if isinstance(method, str):
                self.report(method_path, did_you_mean("design method", method, DESIGN_METHODS))
            else:
                options = ", ".join(DESIGN_METHODS)
                self.report(method_path, f"expected one of {options}, got {describe(method)}")
            ok = False
        else:
            self.method = method
        samples = levels = None
        if "samples" in value:
            samples = self.whole(value, (*where, "samples"), 1)
            ok = ok and samples is not None
        if "levels" in value:
            levels = self.whole(value, (*where, "levels"), 2)
            ok = ok and levels is not None
        if not isinstance(method, str) or method not in DESIGN_METHODS:
            return None
        if method in SAMPLED_METHODS and samples is None and "samples" not in value:
            self.report(where, f"the {method} design needs `samples` (how many points)", "key")
            ok = False
        if method not in SAMPLED_METHODS and samples is not None:
            self.report(
                (*where, "samples"),
                "a grid takes every combination; `samples` is for random, lhs, sobol and morris",
                "key",
            )
            ok = False
        if method != "morris" and levels is not None:
            self.report((*where, "levels"), "`levels` is for the morris design only", "key")
            ok = False
        if method == "morris" and levels is None:
            levels = DEFAULT_LEVELS
        return Design(method, samples, levels) if ok else None  # type: ignore[arg-type]

    def outcomes(
        self, data: dict[str, Any], bases: dict[str, _Base], steps: int | None
    ) -> tuple[Any, ...] | None:
        """``outcomes:``: built-in names, and outcomes of the file's own (mappings)."""
        known, defaults = known_outcomes()
        where: DocPath = ("outcomes",)
        if "outcomes" not in data:
            return defaults
        value = data["outcomes"]
        if self.reported(where):
            return None
        if isinstance(value, str | dict):
            value = [value]
        if not isinstance(value, list):
            self.report(where, f"expected a list of outcomes, got {describe(value)}")
            return None
        if not value:
            self.report(where, "needs at least one outcome; leave `outcomes` out for the defaults")
            return None
        scenarios = {label: b.scenario for label, b in bases.items() if b.scenario is not None}
        first = next(iter(scenarios.values()), None)
        run_steps = steps if steps is not None or first is None else first.steps
        out: list[Any] = []
        lines: dict[str, int] = {}
        for i, item in enumerate(value):
            here = (*where, i) if isinstance(data["outcomes"], list) else where
            if self.reported(here):
                continue
            if isinstance(item, dict):
                outcome = self.own_outcome(here, item, known, scenarios, run_steps)
                name = item.get("name") if isinstance(item.get("name"), str) else None
                name = None if name in known else name  # said: a built-in outcome's name
            elif not isinstance(item, str):
                self.report(here, f"expected an outcome name or a mapping, got {describe(item)}")
                continue
            elif item not in known:
                self.report(here, did_you_mean("outcome", item, known))
                continue
            else:
                outcome = name = item
            path = (*here, "name") if isinstance(item, dict) else here
            if name is not None and name in lines:
                self.report(path, f"'{name}' is listed twice (also line {lines[name]})")
                continue
            if name is not None:
                lines[name] = self.pos(path)[1]
            if outcome is not None:
                out.append(outcome)
        return tuple(out) if len(out) == len(value) else None

    def own_outcome(
        self,
        here: DocPath,
        item: dict[str, Any],
        known: tuple[str, ...],
        scenarios: dict[str, Scenario],
        steps: int | None,
    ) -> Any:
        """``{name:, value:}`` or ``{name:, function:, kind:[, columns:]}``; None if wrong."""
        ok = True
        for key in item:
            if key not in OWN_OUTCOME_KEYS:
                self.report((*here, key), did_you_mean("key", key, OWN_OUTCOME_KEYS), "key")
                ok = False
        name = self.outcome_name(here, item, known)
        if "value" in item and "function" in item:
            message = "give `value:` (an outcome in words) or `function:`, not both"
            self.report((*here, "function"), message, "key")
            return None
        if "value" in item:
            outcome = self.worded_outcome(here, item, name, scenarios, steps)
        elif "function" in item:
            outcome = self.function_outcome(here, item, name)
        else:
            message = ("needs `value:` (an outcome in words, e.g. \"strength(Russia, Pakistan) "
                       "at 2020-Q1\") or `function:` (MODULE:FUNCTION)")  # fmt: skip
            if ok:  # else the misspelt key was reported
                self.report(here, message)
            return None
        return outcome if ok and name is not None else None

    def outcome_name(self, here: DocPath, item: dict[str, Any], known: tuple[str, ...]) -> Any:
        """The ``name`` of an own outcome (its column), if it is a good one."""
        path = (*here, "name")
        name = item.get("name")
        if "name" not in item:
            self.report(here, "needs `name:` (its column in runs/ and summary.csv)")
        elif self.reported(path):
            return None
        elif not isinstance(name, str) or not OUTCOME_NAME.fullmatch(name):
            shown = repr(name) if isinstance(name, str) else describe(name)
            message = f"{shown} is not an outcome name: letters, digits, _ and -, from a letter"
            self.report(path, message)
        elif name in known:
            self.report(path, f"'{name}' is a built-in outcome; give yours another name")
        elif name in RESERVED_COLUMNS:
            self.report(path, f"'{name}' is a column every run has; give the outcome another name")
        else:
            return name
        return None

    def worded_outcome(
        self,
        here: DocPath,
        item: dict[str, Any],
        name: str | None,
        scenarios: dict[str, Scenario],
        steps: int | None,
    ) -> Any:
        """An outcome in words, read and checked against every scenario of the sweep."""
        from .outcomes import WordedOutcome
        from .vocabulary import VocabularyError, check, parse

        path = (*here, "value")
        for key in ("kind", "columns"):
            if key in item:
                message = f"`{key}` is for function outcomes; a value's kind follows from its words"
                self.report((*here, key), message, "key")
        text = item["value"]
        if self.reported(path):
            return None
        if not isinstance(text, str):
            self.report(path, f"expected an outcome in words, got {describe(text)}")
            return None
        states = list(dict.fromkeys(n for s in scenarios.values() for n in s.states))
        try:
            query = parse(text, states)
        except VocabularyError as error:
            self.report_inside(path, text, error.offset, error.message)
            return None
        found: dict[tuple[int, str], list[str]] = {}
        for label, scenario in scenarios.items():
            last = scenario.steps if steps is None else steps
            for offset, message in check(query, scenario, last):
                found.setdefault((offset, message), []).append(label)
        for (offset, message), labels in found.items():
            if len(labels) < len(scenarios):
                message += f" (in scenario {', '.join(labels)})"
            self.report_inside(path, text, offset, message)
        if found or name is None:
            return None
        return WordedOutcome(name, text, query)

    def function_outcome(self, here: DocPath, item: dict[str, Any], name: str | None) -> Any:
        """An outcome computed by a function of the user's: importable from here, of a kind."""
        from .outcomes import KINDS, FunctionImportError, FunctionOutcome, load_function

        ok = True
        kind = item.get("kind")
        if "kind" not in item:
            self.report(here, f"a function outcome needs `kind:` ({', '.join(KINDS)})")
            ok = False
        elif not self.reported((*here, "kind")) and kind not in KINDS:
            self.report((*here, "kind"), did_you_mean("kind", kind, KINDS))
            ok = False
        labels = self.outcome_labels((*here, "columns"), item) if "columns" in item else ()
        ok = ok and labels is not None
        path = (*here, "function")
        target = item["function"]
        if self.reported(path):
            return None
        if not isinstance(target, str) or not FUNCTION_PATH.fullmatch(target):
            shown = repr(target) if isinstance(target, str) else describe(target)
            message = f"expected MODULE:FUNCTION (e.g. my_outcomes:gap), got {shown}"
            self.report(path, message)
            return None
        folder = str(self.base_dir.resolve())
        try:
            load_function(target, folder)
        except FunctionImportError as error:
            offset = target.index(":") + 1 if error.part == "attribute" else 0
            self.report_inside(path, target, offset, str(error))
            return None
        if not ok or name is None:
            return None
        return FunctionOutcome(name, target, kind, tuple(labels or ()), folder)

    def outcome_labels(self, path: DocPath, item: dict[str, Any]) -> tuple[str, ...] | None:
        """``columns:`` of a function outcome: the keys of the dict it returns."""
        given = item["columns"]
        if self.reported(path):
            return None
        if not isinstance(given, list) or not given:
            self.report(path, "expected a list of column names (the keys the function returns)")
            return None
        ok = True
        for i, label in enumerate(given):
            if not isinstance(label, str) or not OUTCOME_LABEL.fullmatch(label):
                self.report((*path, i), "a column name is letters, digits, _ and -")
                ok = False
            elif label in given[:i]:
                self.report((*path, i), f"'{label}' is listed twice")
                ok = False
        return tuple(given) if ok else None

    def report_inside(self, path: DocPath, text: str, offset: int, message: str) -> None:
        """Report ``message`` at character ``offset`` of the text value at ``path``."""
        file, line, col = self.pos(path)
        line, col = self.inside(line, col, text, offset)
        self.problems.append(Problem(file, line, col, self.shown(path), message))

    def inside(self, line: int, col: int, text: str, offset: int) -> tuple[int, int]:
        """Line and column of character ``offset`` of ``text``, a value starting at ``line``,
        ``col``: exact when the value's first line holds it as it reads (plain, quoted with
        no escapes, or the line under a ``>-`` or ``|``); else where the value starts."""
        lines = self.text.splitlines()
        at_line = line
        source = lines[line - 1][col - 1 :] if 0 < line <= len(lines) else ""
        if source[:1] in ("|", ">") and line < len(lines):  # a block: the text starts below
            at_line, below = line + 1, lines[line]
            source = below.lstrip()
            at_col = len(below) - len(source) + 1
        else:
            at_col = col
        quote = source[:1] if source[:1] in ("'", '"') else ""
        body = source[len(quote) :]
        if body.startswith(text) and body[len(text) : len(text) + len(quote)] == quote:
            return at_line, at_col + len(quote) + offset
        return line, col

    # parameters
    def parameters(self, data: dict[str, Any], base: _Base) -> dict[str, ParameterSpec] | None:
        where: DocPath = ("parameters",)
        if "parameters" not in data or self.reported(where):
            return None
        value = data["parameters"]
        if not isinstance(value, dict):
            if value is None:
                self.report(where, "needs at least one parameter to vary", "key")
            else:
                got = describe(value)
                self.report(where, f"expected a mapping of scenario paths to values, got {got}")
            return None
        if not value:
            self.report(where, "needs at least one parameter to vary", "key")
            return None
        out: dict[str, ParameterSpec] = {}
        seen: dict[DocPath, str] = {}
        for name, given in value.items():
            spec = self.parameter(name, given, base, seen)
            if spec is not None:
                out[name] = self.specs[name] = spec
        return out if len(out) == len(value) else None

    def parameter(
        self, name: str, given: Any, base: _Base, seen: dict[DocPath, str]
    ) -> ParameterSpec | None:
        here: DocPath = ("parameters", name)
        if self.reported(here):
            return None
        segments = name.split(".")
        if not all(s.strip() for s in segments) or "=" in name or name != name.strip():
            self.report(here, "expected a dotted scenario path like params.balance_weight", "key")
            return None
        # the shape: a list of values or a range
        spec: ParameterSpec | None
        items: list[tuple[DocPath, Any]]
        if isinstance(given, list):
            spec, items = self.value_list(here, given)
        elif isinstance(given, dict):
            spec, items = self.value_range(here, given)
        else:
            self.report(
                here,
                f"expected a list of values or a range {{low, high, num}}, got {describe(given)}",
            )
            return None
        if spec is None or base.raw is None:
            return None
        # the path, checked on the base scenario with the override machinery
        first = items[0][1] if items else given.get("low", 0)
        applied = apply_overrides_tracked(base.raw.data, [f"{name}={format_value(first)}"])
        if applied.problems:
            for problem in applied.problems:
                self.report(here, problem.message, "key")
            return None
        resolved = applied.changed[0][0]
        if resolved in seen:
            line = self.pos(("parameters", seen[resolved]), "key")[1]
            message = f"the same scenario value as parameters.{seen[resolved]} (line {line})"
            self.report(here, message, "key")
            return None
        seen[resolved] = name
        if resolved == ("seed",):
            self.report(here, "run seeds come from the sweep's `seed:`; vary something else", "key")
            return None
        found = lookup(Scenario, resolved, applied.data)
        kind = _number_kind(found[0]) if found else "float"
        if spec.is_numeric_range() and kind == "none":
            assert found is not None
            self.report(here, f"a range needs a numeric value; {name} is {_words(found[0])}", "key")
            return None
        spec = _typed(spec, kind)
        if base.data is None:
            return spec
        if spec.values is None:  # a range: its ends, as the design will give them
            checks = [(p, round(v) if spec.integer else v) for p, v in items]
        else:
            checks = list(zip((p for p, _ in items), spec.values, strict=True))
        ok = True
        for path, value in checks:
            status = self.check_value(name, resolved, path, value, spec.integer, base)
            if status == "path":
                return None
            ok = ok and status == "ok"
        return spec if ok else None

    def value_list(
        self, here: DocPath, given: list[Any]
    ) -> tuple[ParameterSpec | None, list[tuple[DocPath, Any]]]:
        if not given:
            self.report(here, "needs at least one value")
            return None, []
        values: list[Any] = []
        items: list[tuple[DocPath, Any]] = []
        ok = True
        for i, value in enumerate(given):
            path = (*here, i)
            if self.reported(path):
                ok = False
                continue
            value = plain(value)
            if value is None or isinstance(value, dict | list):
                self.report(path, f"expected a number or text, got {describe(value)}")
                ok = False
                continue
            values.append(value)
            items.append((path, value))
        spec = ParameterSpec(format_path(here[1:]), values=tuple(values)) if ok else None
        return spec, items

    def value_range(
        self, here: DocPath, given: dict[str, Any]
    ) -> tuple[ParameterSpec | None, list[tuple[DocPath, Any]]]:
        ok = True
        for key in given:
            if key not in RANGE_KEYS:
                self.report((*here, key), did_you_mean("key", key, RANGE_KEYS), "key")
                ok = False
        bounds: dict[str, float] = {}
        for key in ("low", "high"):
            path = (*here, key)
            if key not in given:
                self.report(here, f"a range needs `{key}`", "key")
                ok = False
                continue
            if self.reported(path):
                ok = False
                continue
            value = given[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.report(path, f"expected a number, got {describe(value)}")
                ok = False
                continue
            if not _fits_float(value):
                self.report(path, f"{value} is too large for a number of this kind")
                ok = False
                continue
            bounds[key] = float(value)
        num = None
        if "num" in given:
            num = self.whole(given, (*here, "num"), 1)
            ok = ok and num is not None
        if len(bounds) == 2 and bounds["low"] > bounds["high"]:
            low, high = (_num_text(given[k]) for k in ("low", "high"))
            self.report((*here, "low"), f"low ({low}) is above high ({high})")
            ok = False
        if not ok:
            return None, []
        spec = ParameterSpec(format_path(here[1:]), low=bounds["low"], high=bounds["high"], num=num)
        return spec, [((*here, "low"), bounds["low"]), ((*here, "high"), bounds["high"])]

    def check_value(
        self,
        name: str,
        resolved: DocPath,
        path: DocPath,
        value: Any,
        integer: bool,
        base: _Base,
    ) -> Literal["ok", "bad", "path"]:
        """Validate the base scenario with ``value`` at ``resolved``; report what it breaks."""
        assert base.raw is not None
        applied = apply_overrides_tracked(base.data, [f"{name}={format_value(value, integer)}"])
        if applied.problems:  # pragma: no cover - the path was resolved already
            for problem in applied.problems:
                self.report(path, problem.message)
            return "bad"
        key_pos = self.pos(("parameters", name), "key")
        value_pos = self.pos(path)
        positions = Positions(dict(base.raw.positions.keys), dict(base.raw.positions.values))
        positions.forget(resolved)
        positions.set(resolved, key_pos, value_pos)
        reported = [p for p in base.raw.reported if p[: len(resolved)] != resolved]
        _, found = validate_document(applied.data, positions, base.filename, reported)
        status: Literal["ok", "bad", "path"] = "ok"
        for problem in found:
            if (problem.path, problem.message) in base.known:
                continue
            at = (problem.file, problem.line, problem.col)
            if at == key_pos:  # a name the scenario does not know: the path is wrong
                self.report(("parameters", name), problem.message, "key")
                return "path"
            message = problem.message
            if problem.path != format_path(resolved, applied.data) or at != value_pos:
                message = f"{problem.path}: {message}"
            self.report(path, message)
            status = "bad"
        return status

    def check_size(
        self, design: Design, parameters: dict[str, ParameterSpec], replications: int
    ) -> None:
        """A sweep of more than :data:`MAX_RUNS` runs is a typo, not a plan: say so early."""
        count = len(parameters)
        if design.method == "grid":
            points = math.prod(
                len(p.values) if p.values is not None else (p.num or 1) for p in parameters.values()
            )
        else:
            factor = {"sobol": 2 * count + 2, "morris": count + 1}.get(design.method, 1)
            points = (design.samples or 1) * factor
        runs = points * replications
        if runs > MAX_RUNS:
            where: DocPath = ("replications",) if "replications" in self.raw.data else ("design",)
            self.report(
                where,
                f"the sweep has {runs:.3g} runs ({points:.3g} design points × {replications} "
                f"replications); at most {MAX_RUNS:,} are allowed",
            )

    def design_needs(self) -> None:
        """What the design asks of the parameters (a num for grids, ranges for SALib)."""
        given_all = self.raw.data.get("parameters")
        if not isinstance(given_all, dict) or self.reported(("design", "method")):
            return
        method = self.method
        for name, given in given_all.items():
            here: DocPath = ("parameters", name)
            if method == "grid" and isinstance(given, dict) and "num" not in given:
                self.report(here, "a range needs `num` (how many values) for a grid design", "key")
            if method not in SALIB_METHODS:
                continue
            if isinstance(given, list):
                message = f"the {method} design needs a range {{low, high}}, not a list"
                self.report(here, message, "key")
            spec = self.specs.get(name)
            if spec is not None and spec.is_numeric_range() and spec.low == spec.high:
                self.report((*here, "high"), f"the {method} design needs low < high")


def _event_id(document: Any, index: int) -> str | None:
    """The id of the scenario document's event ``index`` (None: no such event, or no id)."""
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list) or not 0 <= index < len(events):
        return None
    event = events[index]
    return str(event["id"]) if isinstance(event, dict) and "id" in event else None


def _calendar_text(calendar: Any) -> str:
    if calendar is None:
        return "no calendar"
    return f"a {calendar.step} calendar from {calendar.start}"


def _stem(reference: Any) -> str:
    """The label of a scenario given in a list: its file name without folder and suffix."""
    return Path(reference).stem if isinstance(reference, str) else str(reference)


def _fits_float(value: float) -> bool:
    """A finite float, or an int a float can hold (10**400 cannot: validation reports it)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _typed(spec: ParameterSpec, kind: Literal["int", "float", "none"]) -> ParameterSpec:
    """Numbers as the scenario wants them: whole numbers stay ints, others are floats."""
    if spec.values is None:
        return ParameterSpec(spec.path, None, spec.low, spec.high, spec.num, kind == "int")
    values: list[Any] = []
    for value in spec.values:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and kind == "float" and _fits_float(value):
            value = float(value)
        elif number and kind == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        values.append(value)
    return ParameterSpec(spec.path, tuple(values), integer=kind == "int")


def _num_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _get(data: Any, path: DocPath) -> Any:
    for seg in path:
        data = data.get(seg) if isinstance(data, dict) else None
    return data


def _dict_at(data: Any, path: DocPath) -> dict[str, Any]:
    found = _get(data, path) if path else data
    return found if isinstance(found, dict) else {}


def load_sweep_text(text: str, filename: str = "<string>", base_dir: Path = Path(".")) -> Sweep:
    """Load a sweep from YAML text; the scenario path is relative to ``base_dir``.

    Raises :class:`SweepError` listing every problem.
    """
    return _Loader(text, filename, Path(base_dir)).load()


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    """Load and validate a sweep file; raises :class:`SweepError` with every problem."""
    filename = str(path)
    text, reason = read_file(filename)
    if text is None:
        raise SweepError([Problem(filename, 1, 1, TOP, reason)])
    return load_sweep_text(text, filename, Path(filename).parent)


#: Sweep files for ``alignsim validate``, told from scenarios by their keys; checking one
#: checks the scenario it names too.
SWEEP_FILE = FileKind(
    name="sweep file", keys=TOP_KEYS, check=load_sweep, example="scenario:, parameters:"
)
