"""Typed models of a scenario file (pydantic v2).

The models are the single source of truth for keys, types, defaults and ranges:
validation, the JSON Schema (``alignsim schema``) and ``docs/scenarios.md`` all
follow them. Every model forbids unknown keys, so a typo is an error rather
than a silently ignored setting. Checks that need the whole document (does this
state exist? is this date after the calendar start?) live in :mod:`.crossref`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .calendar import (
    PERIOD_MONTHS,
    DateError,
    date_label,
    month_index,
    normalize_start,
    step_of_date,
)
from .yamlpos import EXP_FLOAT

# Numbers are strict: `yes` or "0.5" where a number belongs is a mistake, not a 1.0 or 0.5.
Finite = Annotated[float, Strict()]
Stance = Annotated[float, Strict(), Field(ge=-1, le=1)]
Share = Annotated[float, Strict(), Field(ge=0, le=1)]
Positive = Annotated[float, Strict(), Field(gt=0)]
Count = Annotated[int, Strict(), Field(ge=0)]
#: Most steps a run may have: far beyond any calendar, small enough to keep a run's tables
#: in memory.
MAX_STEPS = 100_000
#: Largest payoff weight, boost, noise or steepness. The payoff terms live on a [-1, 1]
#: scale and tanh saturates long before this; the bound keeps every sum finite.
MAX_WEIGHT = 1000.0
#: Largest power. Only ratios of power matter; the bound keeps sums of powers finite.
MAX_POWER = 1e15
Steps = Annotated[int, Strict(), Field(ge=0, le=MAX_STEPS)]
Weight = Annotated[float, Strict(), Field(ge=0, le=MAX_WEIGHT)]
Name = Annotated[str, Field(min_length=1)]
Status = Literal["planned", "active", "blocked"]

#: Context flag: the loader runs cross-reference checks itself (with line numbers).
SKIP_CROSSREF = "alignsim_skip_crossref"


def _when(value: Any) -> Any:
    """Accept a step number or a date; YAML date objects become ISO strings."""
    if isinstance(value, bool) or not isinstance(value, str | int | dt.date):
        raise ValueError(f"expected a date like '2014-03' or a step number, got {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return value


def _as_list(value: Any) -> Any:
    """A single change may be written without the surrounding list."""
    return [value] if isinstance(value, dict) else value


When = Annotated[str | int, BeforeValidator(_when)]


def period_step(start: str, unit: str, when: str, *, up: bool) -> int:
    """The first step dated on or after ``when`` (``up``), or the last one dated on or
    before it; a step's date is the first month of its period. Never below 0."""
    months = month_index(when) - month_index(start)
    steps = -(-months // PERIOD_MONTHS[unit]) if up else months // PERIOD_MONTHS[unit]
    return max(steps, 0)


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes short lists of names/numbers on one line: [China, Pakistan]."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # PyYAML writes "1E5" bare (YAML 1.1 has no such float), but the loader reads it as a
    # number, as YAML 1.2 does: quote it so that a name like "1E5" loads back as text.
    style = "'" if EXP_FLOAT.match(data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True, validate_default=False
    )


class Calendar(_Model):
    """Gives steps dates, so events and outputs can speak in dates."""

    start: str
    """Date of step 0: YYYY-MM (also YYYY, YYYY-Qn or a YAML date); stored as YYYY-MM."""
    step: Literal["month", "quarter", "year"] = "quarter"
    """Length of one step."""

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> str:
        try:
            return normalize_start(value)
        except DateError as exc:
            raise ValueError(str(exc)) from None


class Dimension(_Model):
    """An issue dimension states take stances on."""

    kind: Literal["shared", "complementary"]
    """shared: alike stances bond; complementary: opposite stances (buyer/supplier) bond."""
    description: str = ""
    """What + and - mean on this dimension."""


class ActivePeriod(_Model):
    """Steps during which a state is in the world, both ends included."""

    from_: When | None = Field(None, alias="from")
    """First date or step at which the state is active; left out: from the start."""
    until: When | None = None
    """Last date or step at which the state is active; left out: to the end."""


ActivePeriods = Annotated[
    list[ActivePeriod],
    BeforeValidator(_as_list, json_schema_input_type=ActivePeriod | list[ActivePeriod]),
    Field(min_length=1),
]


class StateSpec(_Model):
    """A state (agent): power, stances and how much it cares about each dimension."""

    power: Annotated[float, Strict(), Field(gt=0, le=MAX_POWER)]
    """Relative power p > 0 (e.g. share of world GDP or military spending)."""
    interests: dict[str, Stance]
    """Stance a in [-1, 1] on every declared dimension."""
    salience: dict[str, Share] = Field(default_factory=dict)
    """Weight w in [0, 1] per dimension; unlisted dimensions get 1.0."""
    label: str = ""
    """Display name (defaults to the key)."""
    note: str = ""
    """Free text, e.g. a source."""
    active: ActivePeriods | None = None
    """When the state is in the world: one period {from, until} or a list of periods in
    order; null means throughout. Outside them its ties are 0 (docs/ODD.md)."""


class PairValue(_Model):
    """A symmetric value for a pair of states (history or initial tie)."""

    between: tuple[str, str]
    """The two (different) states."""
    value: Stance
    """Value in [-1, 1]."""
    note: str = ""
    """Why, e.g. 'all-weather friendship'."""


class Corridor(_Model):
    """A route over states (pipeline, economic corridor) that boosts exchange along it."""

    route: list[str] = Field(min_length=2)
    """Two or more different states."""
    status: Status = "active"
    """planned, active or blocked."""
    boost: Weight = 0.3
    """Extra weight on complementary dimensions between states on an active route."""
    dimensions: list[str] | None = None
    """Complementary dimensions it boosts; null means all complementary dimensions."""
    note: str = ""
    """Free text."""


class Thresholds(_Model):
    """Cut-offs for reading tie levels; -1 <= hostile < rival < partner < alliance <= 1."""

    alliance: Stance = 0.6
    """Strength at or above which a tie is at alliance level."""
    partner: Stance = 0.2
    """Strength at or above which a tie is a partnership."""
    rival: Stance = -0.2
    """Strength at or below which a tie is a rivalry."""
    hostile: Stance = -0.6
    """Strength at or below which a tie is hostile."""


class Params(_Model):
    """Model parameters (see docs/ODD.md for the equations)."""

    interest_weight: Weight = 1.0
    """alpha: weight of shared and complementary interests."""
    balance_weight: Weight = 0.5
    """beta: weight of structural balance (friend of a friend, enemy of an enemy)."""
    history_weight: Weight = 0.3
    """gamma: weight of the historical relation."""
    power_weight: Weight = 0.0
    """rho: value of a powerful partner."""
    tie_cost: Weight = 0.05
    """c: cost of keeping a tie."""
    noise: Weight = 0.05
    """s: standard deviation of payoff noise."""
    learning_rate: Annotated[float, Strict(), Field(gt=0, le=1)] = 0.2
    """eta: how fast ties move toward their target."""
    steepness: Annotated[float, Strict(), Field(gt=0, le=MAX_WEIGHT)] = 2.0
    """kappa: steepness of tanh in the relax rule."""
    socialization: Share = 0.0
    """mu: drift of shared-dimension stances toward positive partners."""
    balance_norm: Literal["paths", "mean"] = "paths"
    """Normalisation of the balance term: paths (strength-weighted) or mean (divide by N-2)."""
    balance_floor: Positive = 0.1
    """lambda: floor in the paths normalisation so faint paths do not count as strong."""
    planned_boost_share: Share = 0.5
    """Share of a corridor's boost that a planned corridor already gives."""
    activation: Literal["random", "simultaneous"] = "random"
    """random: states update in random order; simultaneous: all pairs at once."""
    rule: Literal["relax", "threshold"] = "relax"
    """Tie update rule."""
    form_threshold: Positive = 0.2
    """threshold rule: a tie forms when min payoff M exceeds this (hostility below minus it)."""
    break_threshold: Finite = 0.05
    """threshold rule: a tie breaks when M falls below this (must be < form_threshold)."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    """Level cut-offs for reading ties."""
    alliance_after: Annotated[int, Strict(), Field(ge=1)] = 4
    """Steps at alliance level before a tie becomes a formal alliance."""


#: Params fields an event may shift or set (the float-valued ones).
NUMERIC_PARAMS: tuple[str, ...] = tuple(
    name for name, f in Params.model_fields.items() if f.annotation is float
)


class ChangeMap(_Model):
    """Salience change: shift and/or set {state: {dimension: value}}; result kept in [0, 1]."""

    shift: dict[str, dict[str, Finite]] | None = None
    """Added to the current salience."""
    set: dict[str, dict[str, Share]] | None = None
    """New salience in [0, 1]."""

    @model_validator(mode="after")
    def _some(self) -> ChangeMap:
        if self.shift is None and self.set is None:
            raise ValueError("give `shift`, `set` or both")
        return self


class PowerChange(_Model):
    """Power change: shift and/or set {state: value}; result kept in [1e-6, 1e15]."""

    shift: dict[str, Finite] | None = None
    """Added to the current power."""
    set: dict[str, Annotated[float, Strict(), Field(gt=0, le=MAX_POWER)]] | None = None
    """New power, 0 < x <= 1e15."""

    @model_validator(mode="after")
    def _some(self) -> PowerChange:
        if self.shift is None and self.set is None:
            raise ValueError("give `shift`, `set` or both")
        return self


class TieChange(_Model):
    """Change of one pair's tie (or relation); result clipped to [-1, 1]."""

    between: tuple[str, str]
    """The two states."""
    shift: Finite | None = None
    """Added to the current value."""
    set: Stance | None = None
    """New value in [-1, 1]."""

    @model_validator(mode="after")
    def _one(self) -> TieChange:
        if (self.shift is None) == (self.set is None):
            raise ValueError("give exactly one of `shift` or `set`")
        return self


class ParamChange(_Model):
    """Parameter change: shift and/or set {param: value} for numeric params."""

    shift: dict[str, Finite] | None = None
    """Added to the current value."""
    set: dict[str, Finite] | None = None
    """New value (within the parameter's range)."""

    @model_validator(mode="after")
    def _some(self) -> ParamChange:
        if self.shift is None and self.set is None:
            raise ValueError("give `shift`, `set` or both")
        return self


TieChanges = Annotated[
    list[TieChange], BeforeValidator(_as_list, json_schema_input_type=TieChange | list[TieChange])
]


class Event(_Model):
    """Something that happens at a date or step, or by chance within a window."""

    id: str | None = None
    """Handle for override paths (events.<id>.at); not only digits."""
    at: When | None = None
    """Date (needs a calendar) or step >= 1 when the event applies."""
    from_: When | None = Field(None, alias="from")
    """Window start (with `to`) for stochastic events."""
    to: When | None = None
    """Window end, inclusive."""
    probability: Share = 1.0
    """Chance of firing at each step inside the window (or at `at`)."""
    note: str = ""
    """What happened; shown in plots and summaries."""
    shift: dict[str, dict[str, Finite]] | None = None
    """Stance shifts {state: {dimension: delta}}; results clipped to [-1, 1]."""
    set: dict[str, dict[str, Stance]] | None = None
    """Stances set {state: {dimension: value}}."""
    salience: ChangeMap | None = None
    """Salience change."""
    power: PowerChange | None = None
    """Power change."""
    tie: TieChanges | None = None
    """Tie change(s): one mapping or a list."""
    relation: TieChanges | None = None
    """History change(s): one mapping or a list."""
    param: ParamChange | None = None
    """Parameter change."""
    corridor: dict[str, Status] | None = None
    """Corridor status changes {corridor: planned|active|blocked}."""


class Watch(_Model):
    """Outcomes to track and report each step."""

    pairs: list[tuple[str, str]] = Field(default_factory=list)
    """Pairs of states whose tie is reported."""
    triangles: list[tuple[str, str, str]] = Field(default_factory=list)
    """Triangles reported as formed when all three pairs are partners or better."""


class Scenario(_Model):
    """A complete scenario: world, parameters, events and what to watch."""

    name: Name
    """Short identifier, used in result folder names."""
    description: str = ""
    """What the scenario is about."""
    source: str = ""
    """Where the numbers come from."""
    calendar: Calendar | None = None
    """Dates for steps; without it steps are plain numbers."""
    steps: Steps = 48
    """Number of updates to run."""
    seed: Count = 0
    """Random seed."""
    dimensions: dict[str, Dimension] = Field(min_length=1)
    """Issue dimensions, at least one."""
    states: dict[str, StateSpec] = Field(min_length=1)
    """The states, at least one; file order is kept."""
    relations: list[PairValue] = Field(default_factory=list)
    """Symmetric history h; pairs not listed are 0."""
    ties: list[PairValue] | None = None
    """Initial tie strengths; null means the same as relations."""
    corridors: dict[str, Corridor] = Field(default_factory=dict)
    """Routes (pipelines, corridors)."""
    params: Params = Field(default_factory=Params)
    """Model parameters."""
    events: list[Event] = Field(default_factory=list)
    """Scheduled and stochastic events."""
    watch: Watch = Field(default_factory=Watch)
    """Outcomes to track."""
    observed: Name | None = None
    """Observed history (CSV) of this scenario's ties, relative to this file; checked by
    `alignsim validate`, read by calibration, not by a run (docs/observed.md)."""

    @model_validator(mode="after")
    def _resolve(self, info: ValidationInfo) -> Scenario:
        """Check cross-references (unless the loader does it) and fill salience defaults."""
        if not (info.context or {}).get(SKIP_CROSSREF):
            from .crossref import check_document

            issues = check_document(self.model_dump(by_alias=True))
            if issues:
                raise ValueError("; ".join(f"{i.where}: {i.message}" for i in issues))
        dims = list(self.dimensions)
        for spec in self.states.values():
            if set(spec.interests) == set(dims):
                spec.interests = {d: spec.interests[d] for d in dims}
            if set(spec.salience) <= set(dims):
                spec.salience = {d: spec.salience.get(d, 1.0) for d in dims}
        return self

    @property
    def state_names(self) -> list[str]:
        """State names in file order (the model's agent order)."""
        return list(self.states)

    @property
    def dimension_names(self) -> list[str]:
        """Dimension names in file order (columns of the stance matrix)."""
        return list(self.dimensions)

    def step_of(self, when: str | int | dt.date) -> int:
        """Step at which something dated ``when`` applies; a step number is returned as is."""
        if isinstance(when, int) and not isinstance(when, bool):
            return when
        if self.calendar is None:
            raise ValueError(f"{when!r} is a date but the scenario has no calendar")
        return step_of_date(self.calendar.start, self.calendar.step, when)

    def date_of(self, step: int) -> str:
        """Label of step ``step`` ("2016-Q3", "2016-09", "2016"), or "step N" without calendar."""
        if self.calendar is None:
            return f"step {step}"
        return date_label(self.calendar.start, self.calendar.step, step)

    def active_steps(self) -> dict[str, list[tuple[int, int | None]]]:
        """The periods of the states given `active`, as steps.

        ``{state: [(first, last), ...]}``, both ends included, ``last`` None for "to the
        end". A date maps to the steps whose own date lies within the period: ``from`` to
        the first step dated on or after it (0 at the calendar start), ``until`` to the
        last step dated on or before it. States without ``active`` are left out.
        """
        out = {}
        for name, spec in self.states.items():
            if spec.active is not None:
                out[name] = [self._period_steps(period) for period in spec.active]
        return out

    def _period_steps(self, period: ActivePeriod) -> tuple[int, int | None]:
        first = 0 if period.from_ is None else self._period_step(period.from_, up=True)
        last = None if period.until is None else self._period_step(period.until, up=False)
        return first, last

    def _period_step(self, when: str | int, *, up: bool) -> int:
        if isinstance(when, int):
            return when
        if self.calendar is None:
            raise ValueError(f"{when!r} is a date but the scenario has no calendar")
        return period_step(self.calendar.start, self.calendar.step, when, up=up)

    def watched_ties(self) -> list[tuple[str, str]]:
        """Watched pairs, then the sides of watched triangles not already listed."""
        ties: list[tuple[str, str]] = []
        seen: set[frozenset[str]] = set()
        candidates = [tuple(p) for p in self.watch.pairs]
        for a, b, c in self.watch.triangles:
            candidates += [(a, b), (a, c), (b, c)]
        for a, b in candidates:
            if frozenset((a, b)) not in seen:
                seen.add(frozenset((a, b)))
                ties.append((a, b))
        return ties

    def event_window(self, event: Event | int) -> tuple[int, int]:
        """First and last step (inclusive) at which ``event`` (or events[i]) may fire."""
        if isinstance(event, int):
            event = self.events[event]
        if event.at is not None:
            step = self.step_of(event.at)
            return step, step
        if event.from_ is None or event.to is None:
            raise ValueError("event has no timing")
        return self.step_of(event.from_), self.step_of(event.to)

    def to_yaml(self) -> str:
        """The resolved scenario (defaults filled, dates as text); loads back to an equal one,
        but for ``observed``, which is left out: it is input for calibration, not for the run,
        so a run folder's ``scenario.yaml`` and the content hash do not depend on it."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"observed"})
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)

    def content_hash(self) -> str:
        """SHA-256 (hex) of :meth:`to_yaml`: identifies what was run."""
        return hashlib.sha256(self.to_yaml().encode("utf-8")).hexdigest()
