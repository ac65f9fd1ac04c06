"""Why a tie crossed a level, in the terms of the tie rule (docs/ODD.md, section 7.7).

A revision moves a tie toward the strength S that its mutual payoff M = min(U_ab, U_ba)
sustains (tanh(κ·M) under ``relax``; the level the rule sets under ``threshold``):

    T' − T = λ·(S − T)        (λ = η for relax, 1 for threshold)

Measured against a reference step r — the step at which the tie entered the level it is
leaving, or the start — the move splits exactly in two:

    λ·(S_r − T)   relaxation: the tie was still away from what the payoff of step r sustained
    λ·(S − S_r)   the payoff changed since r and moved the sustained level,

and the second is shared among the payoff parts in proportion to their change since r
(M − M_r = Σ_p ΔM_p, with M's parts those of the cooler side). S is monotone in M, so each
part's share has the sign of its change, and all shares add up to the move: a fall is
explained by what pulled the tie down. Noise is a part like any other.

This is the one definition behind ``events.csv``'s ``drivers`` column, the sentences of
``explain`` and ``summary.md``, the page's pair panel and ``compare``'s parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alignsim.model.eventlog import CROSSINGS, REFERENCE_STEP
from alignsim.model.metrics import LEVELS, LevelBands

#: The name of the share of a move that is relaxation toward the reference's level.
RELAXATION = "relaxation"
#: The name of the share of a move that a scenario event made directly.
EVENT = "event"
#: Kinds of level crossing that are moves up.
RISING = frozenset(up for up, _down in CROSSINGS.values())
FALLING = frozenset(down for _up, down in CROSSINGS.values())
#: Shares smaller than this are rounding, not drivers: left out of texts.
NEGLIGIBLE = 1e-12


def part_label(name: str) -> str:
    """'interest.counter_terrorism' -> 'counter-terrorism'."""
    if name.startswith("interest."):
        return name.removeprefix("interest.").replace("_", " ").replace(" ", "-")
    return name


def signed(value: float, decimals: int = 2) -> str:
    return f"+{value:.{decimals}f}" if value >= 0 else f"−{abs(value):.{decimals}f}"


def apart(first: float, second: float) -> tuple[str, str]:
    """Two values signed with two decimals, or as many more (up to four) as tell them apart."""
    for decimals in (2, 3, 4):
        texts = tuple(signed(v, decimals) for v in (first, second))
        if texts[0] != texts[1]:
            break
    return texts


def cooler_side(row: Mapping[str, Any]) -> str:
    """The direction whose payoff set the mutual payoff M = min(U_ab, U_ba) (U_ab on a tie)."""
    return "payoff_ab" if row["payoff_ab.total"] <= row["payoff_ba.total"] else "payoff_ba"


def event_cause(row: Mapping[str, Any]) -> str:
    """', set by the event druzhba_2016' when a scenario event moved the tie, ', set when
    ALG enters the world' when a state entering or leaving did, else ''."""
    cause = row.get("cause")
    return f", {cause_text(cause)}" if isinstance(cause, str) and cause else ""


#: How the model names the cause of a crossing made by a state entering or leaving
#: (model.py, ``_log_entering``): "ALG enters", "ALB leaves".
_ENTERING = (" enters", " leaves")


def cause_text(cause: str) -> str:
    """'set by the event druzhba_2016', or 'set when ALG enters the world'."""
    if cause.endswith(_ENTERING):
        return f"set when {cause} the world"
    return f"set by the event {cause}"


# -- the arithmetic ----------------------------------------------------------------------------
def share_by_parts(change: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Share ``change`` (C,) among parts in proportion to their change ``delta`` (C, P).

    The shares of a row add up to its change. A row whose parts did not change on balance
    (Σ delta is 0, or rounding next to the changes themselves) gets no shares.
    """
    delta = np.asarray(delta, dtype=float)
    total = delta.sum(axis=1)
    some = np.abs(total) > 1e-12 * np.abs(delta).sum(axis=1)
    scale = np.divide(change, total, out=np.zeros_like(total), where=some)
    return delta * scale[:, None]


def split_move(
    before: np.ndarray,
    after: np.ndarray,
    sustained: np.ndarray,
    reference_sustained: np.ndarray,
    delta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The move ``after − before`` of C ties as (relaxation (C,), parts (C, P), rule (C,)).

    ``delta``: the change of each part of M since the reference. ``rule`` is the share the
    parts cannot carry because M did not change while the level it sustains did (an event
    changed the rule's parameters); relaxation + Σ parts + rule = move.
    """
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    sustained = np.asarray(sustained, dtype=float)
    move = after - before
    gap = sustained - before
    rate = np.divide(move, gap, out=np.zeros_like(move), where=gap != 0)  # the rule's λ
    relaxation = rate * (np.asarray(reference_sustained, dtype=float) - before)
    change = move - relaxation
    parts = share_by_parts(change, delta)
    unshared = change - parts.sum(axis=1)
    # what rounding leaves over stays with relaxation; a real remainder is the rule's
    rule = np.where(np.abs(unshared) > 1e-9 * np.maximum(np.abs(move), 1e-300), unshared, 0.0)
    return relaxation + (unshared - rule), parts, rule


# -- one crossing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attribution:
    """Why one level crossing happened: shares of the move, and what they were measured by."""

    subject: str
    kind: str
    step: int
    before: float
    after: float
    #: the mutual payoff M at the crossing and the strength it sustains (None: an event moved it)
    payoff: float | None = None
    sustained: float | None = None
    reference_step: int | None = None
    reference_payoff: float | None = None
    reference_sustained: float | None = None
    #: each share of the move by name (relaxation, a part, or the event); they add up to it
    shares: Mapping[str, float] | None = None
    #: how much each part of M changed since the reference step
    changes: Mapping[str, float] | None = None
    cause: str | None = None

    @property
    def move(self) -> float:
        return self.after - self.before

    @property
    def rising(self) -> bool:
        return self.kind in RISING

    def drivers(self) -> list[tuple[str, float]]:
        """The shares that pushed the tie the way it went, largest first."""
        sign = 1.0 if self.rising else -1.0
        pushing = [(n, v) for n, v in (self.shares or {}).items() if v * sign > NEGLIGIBLE]
        return sorted(pushing, key=lambda nv: -abs(nv[1]))

    def share(self, name: str) -> float:
        return float((self.shares or {}).get(name, 0.0))


def attribute(row: Mapping[str, Any], part_names: Sequence[str]) -> Attribution | None:
    """The attribution of one ``events.csv`` row, or None when it is not a level crossing
    (or comes from a run folder written before crossings carried their reference)."""
    kind = row.get("kind")
    if not is_crossing(kind):
        return None
    before, after = float(row["strength_before"]), float(row["strength_after"])
    base = dict(subject=row["subject"], kind=kind, step=int(row["step"]), before=before,
                after=after)  # fmt: skip
    if _missing(row.get("payoff_ab.total")):
        cause = row.get("cause")
        return Attribution(**base, shares={EVENT: after - before},
                           cause=cause if isinstance(cause, str) else None)  # fmt: skip
    if _missing(row.get("sustained")) or _missing(row.get(REFERENCE_STEP)):
        return None
    side = cooler_side(row)
    now = np.array([float(row[f"{side}.{p}"]) for p in part_names])
    then = np.array([float(row[f"reference.{p}"]) for p in part_names])
    relaxation, parts, rest = split_move(
        np.array([before]), np.array([after]), np.array([float(row["sustained"])]),
        np.array([float(row["reference.sustained"])]), (now - then)[None],
    )  # fmt: skip
    shares = {RELAXATION: float(relaxation[0])}
    shares.update((p, float(v)) for p, v in zip(part_names, parts[0], strict=True) if v != 0)
    if rest[0] != 0:
        shares["rule"] = float(rest[0])
    return Attribution(
        **base,
        payoff=float(row[f"{side}.total"]),
        sustained=float(row["sustained"]),
        reference_step=int(row[REFERENCE_STEP]),
        reference_payoff=float(row["reference.total"]),
        reference_sustained=float(row["reference.sustained"]),
        shares=shares,
        changes={p: float(v) for p, v in zip(part_names, now - then, strict=True) if v != 0},
    )


def is_crossing(kind: Any) -> bool:
    """Whether an events.csv kind is a level crossing (not a scenario event or a formal
    alliance)."""
    return kind in RISING or kind in FALLING


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# -- events.csv --------------------------------------------------------------------------------
def drivers_column(frame: pd.DataFrame, part_names: Sequence[str]) -> pd.Series:
    """events.csv's ``drivers``: for each level crossing, its shares of the move as
    ``part=value`` items joined by "; " (largest first, adding up to the move), then
    ``sustained=`` the strength its payoff sustains; empty for other rows."""
    out = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    if frame.empty:
        return out
    kinds = frame["kind"].to_numpy()
    crossing = np.isin(kinds, [*RISING, *FALLING])
    by_event = crossing & frame["payoff_ab.total"].isna().to_numpy()
    for index in np.nonzero(by_event)[0]:
        move = frame["strength_after"].iat[index] - frame["strength_before"].iat[index]
        out.iat[index] = f"{EVENT}={move:+.6g}"
    ruled = crossing & ~by_event & frame["sustained"].notna().to_numpy()
    if not ruled.any():
        return out
    rows = frame[ruled]
    ab_cooler = (rows["payoff_ab.total"] <= rows["payoff_ba.total"]).to_numpy()[:, None]
    ab = rows[[f"payoff_ab.{p}" for p in part_names]].to_numpy(dtype=float)
    ba = rows[[f"payoff_ba.{p}" for p in part_names]].to_numpy(dtype=float)
    then = rows[[f"reference.{p}" for p in part_names]].to_numpy(dtype=float)
    relaxation, parts, rest = split_move(
        rows["strength_before"].to_numpy(dtype=float), rows["strength_after"].to_numpy(dtype=float),
        rows["sustained"].to_numpy(dtype=float), rows["reference.sustained"].to_numpy(dtype=float),
        np.where(ab_cooler, ab, ba) - then,
    )  # fmt: skip
    names = np.array([RELAXATION, *part_names, "rule"], dtype=object)
    shares = np.column_stack([relaxation, parts, rest])
    out.iloc[np.nonzero(ruled)[0]] = _drivers_texts(
        names, shares, rows["sustained"].to_numpy(dtype=float)
    )
    return out


def _drivers_texts(names: np.ndarray, shares: np.ndarray, sustained: np.ndarray) -> list[str]:
    """``drivers`` cells: each row's shares largest first (those above rounding), then
    ``sustained=``; sorted for all rows at once, as a run can log tens of thousands."""
    order = np.argsort(-np.abs(shares), axis=1, kind="stable")
    values = np.take_along_axis(shares, order, axis=1)
    keep = np.abs(values) > NEGLIGIBLE
    rows = zip(names[order].tolist(), values.tolist(), keep.tolist(), sustained.tolist(),
               strict=True)  # fmt: skip
    texts = []
    for row_names, row_values, row_keep, level in rows:
        items = [
            f"{n}={v:+.6g}" for n, v, k in zip(row_names, row_values, row_keep, strict=True) if k
        ]
        items.append(f"sustained={level:+.6g}")
        texts.append("; ".join(items))
    return texts


# -- sentences ---------------------------------------------------------------------------------
def reason(attribution: Attribution, date_of: Callable[[int], str], bands: LevelBands) -> str:
    """Why the tie crossed, in words, true to the rule: where it was heading, then what pushed
    it that way since the reference step, largest share first, e.g. "relaxing from +0.60
    toward +0.48, which its payoff of +0.52 sustains: its payoff fell from +0.65 at the start
    (balance −0.12, noise −0.01), and it was already above the +0.57 that payoff sustained";
    "noise pushed it across" when the tie would have kept its level without noise."""
    a = attribution
    if a.shares is not None and EVENT in a.shares:
        return cause_text(a.cause) if a.cause else "set by a scenario event"
    assert a.sustained is not None and a.payoff is not None and a.reference_payoff is not None
    assert a.reference_sustained is not None
    then = "at the start" if a.reference_step == 0 else f"in {date_of(a.reference_step)}"
    moving = "relaxing" if abs(a.after - a.sustained) > 1e-12 else "moving"
    start, toward = apart(a.before, a.sustained)
    lead = f"{moving} from {start} toward {toward}, which its payoff of {signed(a.payoff)} sustains"
    relaxation = a.share(RELAXATION)
    change = a.move - relaxation
    clauses: list[tuple[float, str]] = []
    if change * a.move > 0 and abs(change) >= 0.1 * abs(a.move):
        verb = "rose" if a.payoff > a.reference_payoff else "fell"
        pushing = [
            (n, a.changes[n])
            for n, _v in a.drivers()
            if a.changes and n in a.changes and abs(a.changes[n]) >= 0.005
        ]
        listed = ", ".join(f"{part_label(n)} {signed(v)}" for n, v in pushing[:3])
        payoff = f"its payoff {verb} from {signed(a.reference_payoff)} {then}"
        payoff += f" ({listed})" if listed else ""
        clauses.append((abs(change), payoff))
    if relaxation * a.move > 0 and abs(relaxation) >= 0.1 * abs(a.move):
        side = "above" if a.before > a.reference_sustained else "below"
        level = signed(a.reference_sustained)
        clauses.append(
            (abs(relaxation), f"it was already {side} the {level} its payoff sustained {then}")
        )
    clauses.sort(key=lambda c: -c[0])
    text = lead + (": " + ", and ".join(c for _, c in clauses) if clauses else "")
    if pushed_across(a, "noise", bands):
        level = LEVELS[int(bands.codes(np.array([a.before]))[0])]
        text += f"; noise pushed it across (without it, it would have stayed {level})"
    return text


def describe(
    row: Mapping[str, Any],
    part_names: Sequence[str],
    date_of: Callable[[int], str],
    bands: LevelBands,
) -> str:
    """``reason`` for an events.csv row; for a row of an older run folder, which carries no
    reference, only the payoff at the crossing."""
    if not is_crossing(row.get("kind")):
        return str(row.get("detail") or "")
    attribution = attribute(row, part_names)
    if attribution is not None:
        return reason(attribution, date_of, bands)
    if _missing(row.get("payoff_ab.total")):
        return event_cause(row).removeprefix(", ") or "set by a scenario event"
    return f"mutual payoff {signed(float(row[f'{cooler_side(row)}.total']))}"


def bands_of(scenario: Any) -> LevelBands:
    """The level thresholds of a scenario, for ``reason``."""
    return LevelBands.of(scenario.params.thresholds)


def pushed_across(attribution: Attribution, name: str, bands: LevelBands) -> bool:
    """Whether the tie would have stayed at its level without the share called ``name``."""
    share = attribution.share(name)
    if share == 0.0 or share * attribution.move < 0:
        return False
    without = attribution.after - share
    return bool(
        bands.codes(np.array([without]))[0] == bands.codes(np.array([attribution.before]))[0]
    )


#: Each level boundary's (upward, downward) crossing kinds, as the model records them.
OPPOSITES = {up: down for up, down in CROSSINGS.values()}
OPPOSITES.update({down: up for up, down in list(OPPOSITES.items())})


def net_crossings(rows: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Drop crossings that a later revision in the same step undid.

    Under random activation both states of a pair revise it within one step, so a tie can
    cross a boundary and cross back before the step ends; only crossings that still hold at
    the end of the step are a change of level worth reporting.
    """
    kept: list[Mapping[str, Any]] = []
    for row in rows:
        undo = OPPOSITES.get(row["kind"])
        match = next(
            (
                k
                for k in range(len(kept) - 1, -1, -1)
                if kept[k]["kind"] == undo
                and kept[k]["subject"] == row["subject"]
                and kept[k]["step"] == row["step"]
            ),
            None,
        )
        if match is None:
            kept.append(row)
        else:
            del kept[match]
    return kept
