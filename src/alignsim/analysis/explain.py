"""Why a tie moved: every payoff part of A→B and B→A over time, and the drivers of each
level change, from a run folder alone.

The run folder stores the parts only at level crossings, so the explanation re-simulates
the run from its ``scenario.yaml`` and seed (after checking the scenario's hash against the
manifest) while tracing the pair, and checks that the re-simulation reproduces the folder's
ties before trusting it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alignsim.analysis.drivers import bands_of, describe, net_crossings, part_label
from alignsim.analysis.summary import KIND_WORDS
from alignsim.io.reader import RunFolderReadError, read_manifest, read_run
from alignsim.model.recorder import Result
from alignsim.model.simulate import simulate


class ExplainError(Exception):
    """The pair cannot be explained from this run folder (unknown state, mismatch)."""


@dataclass
class Explanation:
    """Parts over time for both directions, and one sentence per level change."""

    result: Result
    a: str
    b: str
    #: step, date, source, target, strength, mutual_payoff (the lower of the two payoffs,
    #: which sets the tie), sustained (the strength it sustains), payoff, one column per part
    table: pd.DataFrame
    changes: list[dict]  # events.csv rows of this pair's level crossings
    sentences: list[str]

    @property
    def part_names(self) -> list[str]:
        return self.result.part_names


def resolve_state(result: Result, name: str) -> str:
    """The state called ``name`` (case-insensitive), or an error with a did-you-mean."""
    if name in result.names:
        return name
    folded = {n.casefold(): n for n in result.names}
    if name.casefold() in folded:
        return folded[name.casefold()]
    close = difflib.get_close_matches(name, result.names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ExplainError(f"unknown state {name!r}{hint} (states: {', '.join(result.names)})")


def explain(run_dir: Path, a: str, b: str) -> Explanation:
    run_dir = Path(run_dir)
    try:
        stored = read_run(run_dir)
    except RunFolderReadError as error:
        raise ExplainError(str(error)) from error
    a, b = resolve_state(stored, a), resolve_state(stored, b)
    if a == b:
        raise ExplainError(f"a pair needs two different states, got {a!r} twice")
    manifest = read_manifest(run_dir)
    rerun = simulate(stored.scenario, seed=stored.seed, steps=stored.steps, trace=[(a, b)])
    try:
        recorded = stored.strength(a, b)
    except ValueError:  # a pair the run did not record (--record watched): nothing to check
        recorded = rerun.strength(a, b)[stored.recorded_steps]
    if not np.array_equal(rerun.strength(a, b)[stored.recorded_steps], recorded):
        raise ExplainError(
            f"{run_dir}: re-simulating the run does not reproduce its ties for {a}–{b}; the run "
            f"was made with alignsim {manifest['versions'].get('alignsim')}, numpy "
            f"{manifest['versions'].get('numpy')}, numba {manifest['versions'].get('numba')} "
            f"on {manifest.get('platform')} — explain it with those versions on such a machine"
        )
    there = rerun.present()
    i, j = rerun.names.index(a), rerun.names.index(b)
    if there is not None and not (there[1:, i] & there[1:, j]).any():  # never revised
        raise ExplainError(
            f"{a} and {b} are never in the world together in this run (states.<name>.active): "
            "their tie stays 0 and there is nothing to explain"
        )
    return explanation_from(rerun, a, b)


def explanation_from(
    result: Result, a: str, b: str, *, events: list[dict] | None = None
) -> Explanation:
    """The explanation of a–b from a result that traced the pair (a run or a run so far).

    ``events`` are the level crossings to explain (default: the result's own).
    """
    trace = result.extra["traces"][tuple(n for n in result.names if n in (a, b))]
    trace = trace.until(result.steps)  # a live model may have stepped since ``result``
    table = _table(result, trace, a, b)
    subject = {f"{a}–{b}", f"{b}–{a}"}
    rows = result.recorder.events if events is None else events
    changes = net_crossings(
        [e for e in rows if e["kind"] in KIND_WORDS and e["subject"] in subject]
    )
    sentences = [_sentence(result, row, a, b) for row in changes]
    return Explanation(result, a, b, table, changes, sentences)


def _table(result: Result, trace, a: str, b: str) -> pd.DataFrame:
    steps = trace.steps
    strength = result.strength(a, b)[steps]
    frames = []
    for direction, (src, dst) in (("ab", (trace.a, trace.b)), ("ba", (trace.b, trace.a))):
        parts = trace.parts(direction)
        frame = pd.DataFrame(parts, columns=trace.part_names)
        frame.insert(0, "payoff", trace.totals(direction))
        frame.insert(0, "sustained", trace.sustained())
        frame.insert(0, "mutual_payoff", np.minimum(trace.totals("ab"), trace.totals("ba")))
        frame.insert(0, "strength", strength)
        frame.insert(0, "target", dst)
        frame.insert(0, "source", src)
        frame.insert(0, "date", [result.dates[s] for s in steps])
        frame.insert(0, "step", steps)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    order = {a: 0, b: 1}
    table["_first"] = table["source"].map(order)
    return table.sort_values(["_first", "step"], kind="stable").drop(columns="_first")


def _sentence(result: Result, row: dict, a: str, b: str) -> str:
    """'Russia–India fell below alliance level in 2014-Q2: relaxing from +0.60 toward …'."""
    why = describe(row, result.part_names, result.dates.__getitem__, bands_of(result.scenario))
    return f"{a}–{b} {KIND_WORDS[row['kind']]} in {row['date']}: {why}."


def format_table(explanation: Explanation, step: int | None = None) -> str:
    """The parts over time as a fixed-width terminal table, one block per direction.

    Every part is a column, cost and noise included, so that each row's parts add up to its
    payoff; long part names are wrapped over two header lines rather than cut.
    """
    table = explanation.table
    if step is not None:
        table = table[table["step"] == step]
    names = explanation.part_names
    headers = [["step"], ["date"], ["tie"], ["sustains"], ["payoff"],
               *[_wrapped(part_label(n)) for n in names]]  # fmt: skip
    depth = max(len(h) for h in headers)
    headers = [[""] * (depth - len(h)) + h for h in headers]  # bottom-aligned
    widths = [max(6, *(len(line) for line in h)) for h in headers]
    widths[1] = max(widths[1], *(len(str(d)) for d in table["date"])) if len(table) else widths[1]
    lines: list[str] = []
    for source in (explanation.a, explanation.b):
        block = table[table["source"] == source]
        if block.empty:
            continue
        target = block["target"].iloc[0]
        lines.append(
            f"{source} → {target}: what {source} gains from a tie with {target} (payoff = the "
            f"parts; the tie moves toward what the lower of the two payoffs sustains)"
        )
        for k in range(depth):
            lines.append(
                "  ".join(h[k].rjust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
            )
        for row in block.to_dict(orient="records"):
            values = [row["step"], row["date"], f"{row['strength']:+.3f}",
                      f"{row['sustained']:+.3f}", f"{row['payoff']:+.3f}"]  # fmt: skip
            values += [f"{row[n]:+.3f}" for n in names]
            lines.append("  ".join(str(v).rjust(w) for v, w in zip(values, widths, strict=True)))
        lines.append("")
    return "\n".join(lines)


@dataclass
class PartsAt:
    """One step's payoff parts of A→B and B→A, rounded for display so that each column's
    rows add up to the payoff shown (largest-remainder rounding)."""

    step: int
    date: str
    strength: float
    sustained: float
    mutual_payoff: float
    #: one row per part, every part (cost and noise too), largest first; columns A→B, B→A
    parts: pd.DataFrame
    payoffs: tuple[float, float]


def parts_at(explanation: Explanation, step: int | None = None, decimals: int = 2) -> PartsAt:
    """The parts at ``step`` (default: the last traced step), rounded to ``decimals``."""
    table = explanation.table
    step = int(table["step"].max()) if step is None else int(step)
    rows = table[table["step"] == step].set_index("source")
    a, b = explanation.a, explanation.b
    names = sorted(explanation.part_names, key=lambda n: -abs(rows.loc[a, n]) - abs(rows.loc[b, n]))
    columns, payoffs = {}, []
    for source in (a, b):
        payoff = round(float(rows.loc[source, "payoff"]), decimals)
        values = rows.loc[source, names].to_numpy(dtype=float)
        columns[f"{source} → {b if source == a else a}"] = rounded_to_sum(values, payoff, decimals)
        payoffs.append(payoff)
    first = rows.loc[a]
    return PartsAt(
        step=step,
        date=str(first["date"]),
        strength=float(first["strength"]),
        sustained=float(first["sustained"]),
        mutual_payoff=float(first["mutual_payoff"]),
        parts=pd.DataFrame(columns, index=names),
        payoffs=(payoffs[0], payoffs[1]),
    )


def rounded_to_sum(values: np.ndarray, total: float, decimals: int) -> np.ndarray:
    """``values`` rounded to ``decimals`` so that they add up to ``total`` (itself rounded):
    round down, then give the units left over to the largest remainders (Hamilton's method).
    Each value moves by less than one unit of the last decimal."""
    unit = 10.0**-decimals
    scaled = np.asarray(values, dtype=float) / unit
    floors = np.floor(scaled)
    left = round(float(total / unit - floors.sum()))
    order = np.argsort(-(scaled - floors), kind="stable")
    floors[order[: max(left, 0)]] += 1
    return np.round(floors * unit, decimals) + 0.0  # + 0.0: no "-0.00"


def _wrapped(label: str, width: int = 10) -> list[str]:
    """A part's name over as few header lines as fit ``width``, broken after a hyphen."""
    words = [w + "-" for w in label.split("-")]
    words[-1] = words[-1][:-1]
    lines = [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + len(word) > width:
            lines.append("")
        lines[-1] += word
    return lines


def explanation_stem(explanation: Explanation) -> str:
    """``<A>-<B>``: the file name (without suffix) of a pair's explanation."""
    return f"{_safe(explanation.a)}-{_safe(explanation.b)}"


def write_explanation_table(explanation: Explanation, folder: Path) -> Path:
    """``explain/<A>-<B>.csv`` in the run folder ``folder``."""
    folder = Path(folder) / "explain"
    folder.mkdir(exist_ok=True)
    csv = folder / f"{explanation_stem(explanation)}.csv"
    explanation.table.to_csv(csv, index=False, lineterminator="\n")
    return csv


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)
