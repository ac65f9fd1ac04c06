"""summary.md: what happened in a run, in sentences with dates."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alignsim.analysis.drivers import (
    bands_of,
    describe,
    is_crossing,
    net_crossings,
    part_label,
    signed,
)
from alignsim.analysis.events import fired_events, in_date_order
from alignsim.model.metrics import LEVELS
from alignsim.model.recorder import Result

KIND_WORDS = {
    "formed": "became partners",
    "broken": "stopped being partners",
    "alliance": "reached alliance level",
    "alliance_ended": "fell below alliance level",
    "hostile": "became hostile",
    "hostility_ended": "stopped being hostile",
    "rival": "became rivals",
    "rivalry_ended": "stopped being rivals",
    "formal_alliance": "became a formal alliance",
}


#: One-line glosses of the terms a student may not know, given where each first appears.
GLOSSES = {
    "formal alliance": "at alliance level for {after} steps in a row",
    "cooler side": "the state that gains less from the tie; its payoff sets the tie",
    "bloc": "states with positive ties among themselves and negative ties to other blocs, "
    "grouped so that as few ties as possible break that pattern",
    "structural balance": "a closed triad — three states all tied to each other — is "
    "balanced when a friend's friend is a friend and an enemy's enemy is a friend",
    "frustration": "the strength of the ties that break the bloc pattern: positive ties "
    "between blocs plus negative ties within them",
    "polarization": "the mean hostility between the two largest blocs, from 0 to 1",
}


class Glossary:
    """Adds a term's gloss the first time the summary uses it, and never again."""

    def __init__(self, result: Result) -> None:
        self.after = int(result.scenario.params.alliance_after)
        self.used: set[str] = set()

    def __call__(self, term: str, shown: str | None = None, *, inside: bool = False) -> str:
        """``shown`` (default: the term) with its gloss the first time; ``inside`` text that
        is already in parentheses gets "term: gloss"."""
        shown = term if shown is None else shown
        if term in self.used:
            return shown
        self.used.add(term)
        gloss = GLOSSES[term].format(after=self.after)
        return f"{shown}: {gloss}" if inside else f"{shown} ({gloss})"


def write_summary(result: Result, folder: Path) -> Path:
    path = Path(folder) / "summary.md"
    path.write_text(summary_text(result), encoding="utf-8")
    return path


def summary_text(result: Result) -> str:
    spec = result.scenario
    lines = [
        f"# {spec.name}: run summary",
        "",
        f"Seed {result.seed}, {result.steps} steps, {result.dates[0]} to {result.dates[-1]}; "
        f"{_count(len(result.names), 'state')}, "
        f"{_count(len(result.dimensions), 'interest dimension')} "
        f"({', '.join(result.dimensions)}).",
        "",
    ]
    if not result.complete:
        lines += [f"Ties, states and metrics were recorded {result.recording()}; dates below "
                  "are those of recorded steps, events.csv has every step.", ""]  # fmt: skip
    if spec.description.strip():
        lines += ["## The question", "", spec.description.strip(), ""]
    gloss = Glossary(result)
    lines += _who(result)
    lines += _triangles(result) + _pairs(result, gloss) + _blocs(result, gloss) + _events(result)
    lines += [
        "## Caveats",
        "",
        "- This is one run with one seed. Noise and stochastic events make other seeds differ; "
        "run a sweep with replications before reading any outcome as likely.",
        "- Stances, saliences and relations are judgements encoded in the scenario file, not "
        "measurements; the drivers named above are the model's payoff parts, not causes in the "
        "world.",
    ]
    late = _after_the_end(result)
    if late:
        lines.append(
            f"- {_count(len(late), 'event')} lie after the last step and never fired: "
            f"{', '.join(late)}."
            if len(late) > 1
            else f"- 1 event lies after the last step and never fired: {late[0]}."
        )
    lines.append("")
    return "\n".join(lines)


def _after_the_end(result: Result) -> list[str]:
    """Events whose first possible step is after the run's last step (e.g. after --steps)."""
    spec = result.scenario
    late = []
    for position, event in enumerate(spec.events):
        try:
            first, _ = spec.event_window(position)
        except ValueError:  # pragma: no cover - validated scenarios have a timing
            continue
        if first > result.steps:
            late.append(f"{event.id or f'events.{position}'} ({spec.date_of(first)})")
    return late


def presence_periods(result: Result) -> dict[str, list[tuple[int, int]]]:
    """For each state that is not in the world throughout (``states.X.active``), its
    periods as (first, last) recorded rows; empty when every state is there throughout."""
    there = result.present()
    if there is None:
        return {}
    periods: dict[str, list[tuple[int, int]]] = {}
    for i, name in enumerate(result.names):
        column = there[:, i]
        if column.all():
            continue
        runs, start = [], None
        for row, here in enumerate(column):
            if here and start is None:
                start = row
            if not here and start is not None:
                runs.append((start, row - 1))
                start = None
        if start is not None:
            runs.append((start, len(column) - 1))
        periods[name] = runs
    return periods


def _period_words(result: Result, periods: list[tuple[int, int]]) -> str:
    """``from 1960``, ``until 1956, and from 1964``, ``1957–1963``, or ``never``."""
    last = len(result.recorded_steps) - 1
    words = []
    for first, end in periods:
        since, until = result.date_of_row(first), result.date_of_row(end)
        if first == 0:
            words.append(f"until {until}")
        elif end == last:
            words.append(f"from {since}")
        else:
            words.append(since if first == end else f"{since}–{until}")
    return ", and ".join(words) if words else "never"


def _who(result: Result) -> list[str]:
    """Which states are in the world when, if some enter or leave (``states.X.active``)."""
    periods = presence_periods(result)
    if not periods:
        return []
    lines = ["## Who is in the world", "",
             "Some states are in the world for part of the run only. Out of it, a state holds "
             "no ties and is left out of the metrics and blocs; when it enters, its ties start "
             "from the scenario's initial ties.", ""]  # fmt: skip
    for name, runs in periods.items():
        lines.append(f"- {name}: in the world {_period_words(result, runs)}.")
    return [*lines, ""]


def _triangles(result: Result) -> list[str]:
    triangles = result.scenario.watch.triangles
    if not triangles:
        return []
    lines = ["## Watched triangles", ""]
    for triangle in triangles:
        label = "-".join(triangle)
        formed = result.metric(f"watch.{label}.formed")
        alliance = result.metric(f"watch.{label}.alliance")
        name = "–".join(triangle)
        if formed.any():
            first = int(np.argmax(formed > 0))
            held = "and held to the end" if formed[-1] else "but did not hold to the end"
            text = f"The {name} triangle formed (all three pairs partners or closer) in "
            text += f"{result.date_of_row(first)} {held}"
            if alliance.any():
                reached = result.date_of_row(int(np.argmax(alliance > 0)))
                text += f"; it reached alliance level in {reached}"
            lines.append(text + ".")
        else:
            weakest = min(
                (result.strength(a, b)[-1], f"{a}–{b}")
                for a, b in ((triangle[0], triangle[1]), (triangle[1], triangle[2]),
                             (triangle[0], triangle[2]))
            )  # fmt: skip
            lines.append(
                f"The {name} triangle never formed; its weakest side at the end was "
                f"{weakest[1]} at {weakest[0]:+.2f}."
            )
    return [*lines, ""]


#: Before the watched pairs: how to read why a tie changed level.
HOW_TIES_MOVE = (
    "How to read the level changes: each step a tie moves part of the way toward the strength "
    "its payoff sustains (its payoff is what the tie is worth to the side that gains less "
    "from it: the sum of the parts named, such as energy, balance — a friend's friend or an "
    "enemy's enemy — history, cost and noise, the random part redrawn at every step). "
    '"Relaxing from +0.60 toward +0.48" says where the tie was heading; the parts listed '
    "after it are those whose change since the tie entered its level pushed it the way it "
    "went, with the size of that change."
)


def _pairs(result: Result, gloss: Glossary) -> list[str]:
    pairs = [tuple(p) for p in result.scenario.watch.pairs]
    if not pairs:
        return []
    lines = ["## Watched pairs", ""]
    crossings = net_crossings([e for e in result.recorder.events if e["kind"] in KIND_WORDS])
    watched = {f"{a}–{b}" for a, b in pairs} | {f"{b}–{a}" for a, b in pairs}
    if any(is_crossing(e["kind"]) and e["subject"] in watched for e in crossings):
        lines += [HOW_TIES_MOVE, ""]
    periods = presence_periods(result)
    there = result.present()
    for a, b in pairs:
        strength = result.strength(a, b)
        levels = [level.replace("_", " ") for level in result.levels(a, b)]
        rows = np.arange(len(strength))
        if there is not None:  # the steps both states are in the world
            rows = np.flatnonzero(there[:, result.names.index(a)] & there[:, result.names.index(b)])
        if rows.size == 0:
            lines += [f"- **{a}–{b}**: never both in the world during the run."]
            continue
        first, last = int(rows[0]), int(rows[-1])
        levels[first], levels[last] = (
            gloss(level, inside=True) if level in GLOSSES else level
            for level in (levels[first], levels[last])
        )
        low = int(rows[np.argmin(strength[rows])])
        high = int(rows[np.argmax(strength[rows])])
        away = [f"{s} in the world {_period_words(result, periods[s])}" for s in (a, b)
                if s in periods]  # fmt: skip
        text = (
            f"**{a}–{b}**" + (f" ({'; '.join(away)})" if away else "") + ": "
            f"{strength[first]:+.2f} ({levels[first]}) in {result.date_of_row(first)} → "
            f"{strength[last]:+.2f} ({levels[last]}) in {result.date_of_row(last)}; "
            f"highest {strength[high]:+.2f} in {result.date_of_row(high)}, "
            f"lowest {strength[low]:+.2f} in {result.date_of_row(low)}."
        )
        subject = {f"{a}–{b}", f"{b}–{a}"}
        changes = [e for e in crossings if e["subject"] in subject]
        if changes:
            text += " Level changes: " + "; ".join(_crossing(result, e, gloss) for e in changes[:8])
            if len(changes) > 8:
                text += f"; and {len(changes) - 8} more (see events.csv)"
            text += "."
        text += _overall_drivers(result, a, b, gloss)
        lines += [f"- {text}"]
    return [*lines, ""]


def _overall_drivers(result: Result, a: str, b: str, gloss: Glossary) -> str:
    """Mean parts of the cooler side over the run, from the pair's trace (when traced): what
    holds the tie where it is, as opposed to what moved it across a level."""
    trace = result.extra.get("traces", {}).get(tuple(n for n in result.names if n in (a, b)))
    if trace is None or not trace.rows:
        return ""
    ab, ba = trace.parts("ab"), trace.parts("ba")
    cooler = np.where((trace.totals("ab") <= trace.totals("ba"))[:, None], ab, ba)
    mean = cooler.mean(axis=0)
    order = np.argsort(-np.abs(mean), kind="stable")
    ups = [i for i in order if mean[i] >= 0.01][:3]
    downs = [i for i in order if mean[i] <= -0.01][:2]

    def listed(indices) -> str:
        return ", ".join(f"{part_label(trace.part_names[i])} {signed(mean[i])}" for i in indices)

    text = f" Over the run, the payoff of its {gloss('cooler side')} averaged {signed(mean.sum())}"
    if ups:
        text += f", drawn together by {listed(ups)}"
    if downs:
        text += f"{',' if ups else ''} held apart by {listed(downs)}"
    return text + "."


def _crossing(result: Result, row: dict, gloss: Glossary) -> str:
    why = describe(row, result.part_names, result.dates.__getitem__, bands_of(result.scenario))
    what = KIND_WORDS[row["kind"]]
    if row["kind"] == "formal_alliance":
        what = what.replace("formal alliance", gloss("formal alliance"))
        return f"{what} in {row['date']}"
    return f"{what} in {row['date']} ({why})"


def _blocs(result: Result, gloss: Glossary) -> list[str]:
    last = len(result.recorded_steps) - 1  # the last step is always recorded
    final = result.recorder.bloc[last]
    power = result.recorder.power[last]
    lines = ["## Blocs at the end", "", f"Each {gloss('bloc')}, largest power first:", ""]
    for bloc in sorted(set(int(b) for b in final) - {0}):
        members = [result.names[i] for i in np.argsort(-power) if final[i] == bloc]
        lines.append(f"- bloc {bloc}: {', '.join(members)}")
    there = result.present()
    here = np.ones(len(result.names), bool) if there is None else there[last]
    unaligned = [result.names[i] for i in np.nonzero((final == 0) & here)[0]]
    if unaligned:
        lines.append(f"- unaligned (no tie beyond the partner threshold): {', '.join(unaligned)}")
    away = [result.names[i] for i in np.nonzero(~here)[0]]
    if away:
        lines.append(f"- not in the world at the end: {', '.join(away)}")
    ratio = result.metric("balance_ratio")[-1]
    triads = int(result.metric("closed_triads")[-1])
    balance = (
        f"{ratio:.0%} of {_count(triads, 'closed signed triad')} "
        f"{'is' if triads == 1 else 'are'} balanced"
        if triads
        else "no closed signed triads"
    )
    lines += [
        "",
        f"{gloss('structural balance', 'Structural balance')} at the end: {balance}; "
        f"{gloss('frustration')} {result.metric('frustration')[-1]:.2f}; "
        f"{gloss('polarization')} {result.metric('polarization')[-1]:.2f}.",
        "",
    ]
    counts = {lvl: int(result.metric(f"count.{lvl}")[-1]) for lvl in LEVELS}
    lines += [
        "Ties per level at the end: "
        + ", ".join(f"{lvl.replace('_', ' ')} {n}" for lvl, n in counts.items())
        + ".",
        "",
    ]
    return lines


#: Above the event list: why an event can show after its own date.
EVENTS_NOTE = (
    "In date order. An event is applied at the first step on or after its date, and a step is "
    "labelled with the date it ends on, so an event dated inside a step is applied at the next "
    'label: "applied at" says when. Chance events have no date of their own: they are drawn '
    "at a step."
)


def _events(result: Result) -> list[str]:
    fired = in_date_order(fired_events(result))
    if not fired:
        return []
    lines = ["## Scenario events that fired", "", EVENTS_NOTE, ""]
    for event in fired:
        if event.dated is None:
            lines.append(f"- {event.applied}: {event.note} (a chance event, drawn at this step)")
        elif event.late:
            lines.append(f"- {event.dated}: {event.note} (applied at {event.applied})")
        else:
            lines.append(f"- {event.dated}: {event.note}")
    return [*lines, ""]


def _count(n: int, noun: str) -> str:
    """``1 state``, ``3 states``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
