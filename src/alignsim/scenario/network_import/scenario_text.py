"""The scenario of an imported network, written as YAML with a comment on every number.

A network says who was tied to whom with which sign, and nothing about interests or power,
so the scenario has one dimension on which every stance is 0 (no interest payoff), equal
powers, the start window's signs as initial ties, and parameters that keep a sparse network
sparse (docs/networks.md says why each is what it is).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from ..yamlpos import EXP_FLOAT
from .edges import Pair, Window
from .plan import ImportOptions, Plan

#: The one dimension of an imported network.
DIMENSION = "none"


@dataclass(frozen=True)
class Setting:
    """One parameter the import sets, with the reason written beside it in the scenario."""

    key: str
    value: float | str
    why: str


#: The parameters an imported scenario sets; the rest keep the defaults of docs/scenarios.md.
PARAMS: tuple[Setting, ...] = (
    Setting(
        "rule",
        "threshold",
        "ties are -1, 0 or +1 and stay until a payoff crosses a "
        "threshold; relax would pull every untied pair off 0",
    ),
    Setting(
        "form_threshold",
        0.7,
        "above what balance alone reaches (balance_weight 0.5) by "
        "4 noise sd: no tie forms from balance alone",
    ),
    Setting(
        "break_threshold",
        -0.25,
        "a tie ends only when its contradicting two-step "
        "paths outnumber the supporting ones 3 to 1, not for lack of support",
    ),
    Setting("tie_cost", 0.0, "a cost would lower every untied pair's payoff toward hostility"),
)


def scenario_text(plan: Plan, options: ImportOptions, command: str) -> str:
    """The scenario's YAML: a header naming ``command``, then every section."""
    parts = [
        _header(plan, options, command),
        _top(plan, options),
        _dimensions(),
        _params(),
        _states(plan),
        _ties(plan, options),
        _relations(plan),
    ]
    return "\n".join(part for part in parts if part)


def scenario_name(plan: Plan, options: ImportOptions) -> str:
    """``--name``, or the file's stem and the start window (``edges-46-49``)."""
    if options.name:
        return options.name
    stem = re.sub(r"\.csv$", "", plan.networks.file.replace("\\", "/").rsplit("/", 1)[-1])
    start = plan.networks.windows[plan.start].label
    return f"{stem}-{start}" if start else stem


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same text: plain when it can be."""
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*( [A-Za-z0-9_.\-]+)*", text)
    if plain and not EXP_FLOAT.match(text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def number(value: float) -> str:
    """A number as YAML reads it back as a float: ``1.0``, ``-0.5``, ``0.3333``."""
    return repr(round(float(value), 4))


# -- sections ------------------------------------------------------------------------------
def _header(plan: Plan, options: ImportOptions, command: str) -> str:
    start = plan.networks.windows[plan.start]
    what = f"{options.label} signed network" if options.label else "Signed network"
    span = f", window {start.label}" if start.label else ""
    return "\n".join([
        f"# {what} of {plan.networks.file}{span}, as an alignsim scenario.",
        "#",
        "# Written by:",
        f"#   {command}",
        "# Edit the command, not this file: running it again (with --force) writes it anew.",
        "# docs/networks.md explains every choice; the comments name the line of the edge",
        "# file each tie comes from.",
        "",
    ])  # fmt: skip


def _top(plan: Plan, options: ImportOptions) -> str:
    networks = plan.networks
    lines = [f"name: {scalar(scenario_name(plan, options))}"]
    lines.append(f"description: {scalar(_description(plan, options))}")
    lines.append(f"source: {scalar(_source(plan))}")
    if networks.dated:
        start, end = plan.windows[0], plan.windows[-1]
        lines += [
            "calendar:",
            f"  start: '{start.last_year}'  # the last year of window {start.label}: a window is "
            "dated at its last year, when all of its ties have happened",
            "  step: year      # one step a year: the windows slide by a year",
            f"steps: {plan.steps}  # {start.last_year} to {end.last_year}, the last year of "
            f"window {end.label}",
        ]  # fmt: skip
    else:
        lines.append(f"steps: {plan.steps}  # --steps (default 10): the file has no dates")
    lines.append("seed: 0  # the default seed; runs differ by their payoff noise only")
    return "\n".join(lines) + "\n"


def _description(plan: Plan, options: ImportOptions) -> str:
    start = plan.networks.windows[plan.start]
    data = f"the {options.label} signed network" if options.label else "a signed network"
    when = f" of window {start.label}" if start.label else ""
    return (f"Alliances and conflicts of {data}{when}, run forward by structural balance "
            "alone: no interests, equal powers, the start window's signs as initial "
            "ties.")  # fmt: skip


def _source(plan: Plan) -> str:
    networks = plan.networks
    if not networks.dated:
        return f"{networks.file} (one network); imported by alignsim import-network"
    labels = [w.label for w in plan.windows]
    return (f"{networks.file}, windows {labels[0]} to {labels[-1]} ({len(labels)}); imported "
            "by alignsim import-network (docs/networks.md)")  # fmt: skip


def _dimensions() -> str:
    return "\n".join([
        "dimensions:",
        f"  {DIMENSION}:",
        "    kind: shared  # any kind: every stance is 0, so the interest payoff is 0",
        "    description: >-",
        "      A network has no interests: every stance on this one dimension is 0, so ties",
        "      move by balance, history and noise alone (docs/networks.md).",
        "",
    ])  # fmt: skip


def _params() -> str:
    if not PARAMS:
        return ""
    lines = ["params:  # the others are the defaults of docs/scenarios.md"]
    for setting in PARAMS:
        value = setting.value if isinstance(setting.value, str) else number(setting.value)
        lines.append(f"  {setting.key}: {value}  # {setting.why}")
    return "\n".join(lines) + "\n"


def _states(plan: Plan) -> str:
    lines = [
        "# Every state: power 1.0 and stance 0.0, since a network gives neither (power_weight",
        "# is 0 by default, so power does not enter the payoff). A state is in the world in",
        '# the years of the windows it appears in (docs/networks.md, "States").',
        "states:",
    ]
    for state, periods, note in _state_periods(plan):
        active = f", active: {periods}" if periods else ""
        entry = f"{{power: 1.0, interests: {{{DIMENSION}: 0.0}}{active}}}"
        lines.append(f"  {scalar(state)}: {entry}  # {note}")
    return "\n".join(lines) + "\n"


def state_names(plan: Plan) -> list[str]:
    """The states of the scenario: those of any window it covers, sorted by name."""
    return sorted(set().union(*(w.states for w in plan.windows)))


def _state_periods(plan: Plan) -> list[tuple[str, str, str]]:
    """Each state's ``active`` periods (text; empty when it is there throughout) and a note
    naming the windows they come from."""
    out = []
    windows = plan.windows
    for state in state_names(plan):
        runs = _runs([state in w.states for w in windows])
        labels = ", ".join(_run_label(windows, a, b) for a, b in runs)
        if not plan.networks.dated:
            out.append((state, "", "in the network"))
            continue
        if runs == [(0, len(windows) - 1)]:
            out.append((state, "", f"windows {labels}: throughout"))
            continue
        periods = [_period(windows, a, b) for a, b in runs]
        text = periods[0] if len(periods) == 1 else "[" + ", ".join(periods) + "]"
        out.append((state, text, f"windows {labels}"))
    return out


def _runs(present: list[bool]) -> list[tuple[int, int]]:
    """The runs of consecutive True values, as (first, last) positions."""
    runs: list[tuple[int, int]] = []
    for i, here in enumerate(present):
        if here and runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        elif here:
            runs.append((i, i))
    return runs


def _run_label(windows: list[Window], a: int, b: int) -> str:
    return windows[a].label if a == b else f"{windows[a].label} to {windows[b].label}"


def _period(windows: list[Window], a: int, b: int) -> str:
    """The years of a run of windows a..b: from the last year of a (the date of the first
    window it is in) to the year before the next window's date (the last year it is known
    to be there); open at the start and end of the scenario."""
    keys = []
    if a > 0:
        keys.append(f"from: '{windows[a].last_year}'")
    if b < len(windows) - 1:
        next_year = windows[b + 1].last_year
        assert next_year is not None
        keys.append(f"until: '{next_year - 1}'")
    return "{" + ", ".join(keys) + "}"


def _ties(plan: Plan, options: ImportOptions) -> str:
    start = plan.networks.windows[plan.start]
    file = plan.networks.file.replace("\\", "/").rsplit("/", 1)[-1]
    where = f"window {start.label}" if start.label else "the network"
    lines = [
        f"# The initial ties: the signs of {where}, each times {number(options.strength)} "
        "(--strength;",
        "# docs/networks.md). Pairs not listed start at 0, with no tie.",
    ]
    entries = _sorted_pairs(start.signs, plan)
    if not any(start.signs[p] for p in entries):
        return "\n".join([*lines, "ties: []"]) + "\n"
    lines.append("ties:")
    for pair in entries:
        sign = start.signs[pair]
        if sign:
            a, b = sorted(pair)
            value = number(sign * options.strength)
            lines.append(f"  - {{between: [{scalar(a)}, {scalar(b)}], value: {value}}}"
                         f"  # {sign:+d} at {file}:{start.lines[pair]}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _relations(plan: Plan) -> str:
    if not plan.history:
        return ""
    windows = plan.networks.windows
    first, last = windows[plan.history[0]], windows[plan.history[-1]]
    known = set(state_names(plan))
    means = relation_means([windows[i] for i in plan.history], known)
    lines = [
        f"# History: each pair's mean sign over the windows {first.label} to {last.label} "
        "(--relations-from)",
        "# in which both of its states appear, a window without a tie counting 0",
        "# (docs/networks.md). Pairs not listed have no history.",
    ]
    if not means:
        return "\n".join([*lines, "relations: []"]) + "\n"
    lines.append("relations:")
    for pair in _sorted_pairs(means, plan):
        mean, count, counts = means[pair]
        a, b = sorted(pair)
        lines.append(f"  - {{between: [{scalar(a)}, {scalar(b)}], value: {number(mean)}}}"
                     f"  # {counts} of {count} windows")  # fmt: skip
    return "\n".join(lines) + "\n"


def relation_means(windows: list[Window], states: set[str]) -> dict[Pair, tuple[float, int, str]]:
    """Each pair's mean sign over the ``windows`` that have both of its states, for pairs of
    ``states`` with a tie in one of them: (mean, windows counted, "+1 in 3, -1 in 1")."""
    tied = {pair for w in windows for pair, sign in w.signs.items() if sign and pair <= states}
    out = {}
    for pair in tied:
        signs = [w.signs.get(pair, 0) for w in windows if pair <= w.states]
        mean = round(sum(signs) / len(signs), 4)
        if mean:
            parts = [f"{s:+d} in {signs.count(s)}" for s in (1, -1) if s in signs]
            out[pair] = (mean, len(signs), ", ".join(parts))
    return out


def _sorted_pairs(pairs: dict[Pair, object], plan: Plan) -> list[Pair]:
    order = {name: i for i, name in enumerate(state_names(plan))}
    return sorted(pairs, key=lambda p: tuple(sorted(order[s] for s in p)))
