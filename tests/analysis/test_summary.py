"""summary.md: events in date order with their own dates, glossed terms, drivers of moves."""

from __future__ import annotations

import re

import pytest

from alignsim.analysis.summary import GLOSSES, summary_text
from alignsim.model.simulate import simulate
from alignsim.scenario.calendar import month_index
from tests.conftest import scenario_from


@pytest.fixture(scope="module")
def flagship_summary(flagship):
    watched = [tuple(pair) for pair in flagship.watch.pairs]
    return summary_text(simulate(flagship, seed=7, trace=watched))


def event_lines(text: str) -> list[str]:
    section = text.split("## Scenario events that fired")[1].split("## ")[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


def test_events_are_listed_in_date_order_with_their_own_dates(flagship_summary):
    lines = event_lines(flagship_summary)
    dates = [month_index(line[2:].split(":")[0]) for line in lines]
    assert dates == sorted(dates)
    assert (
        "- 2016-12: Moscow talks on Afghanistan: Russia, China, Pakistan (applied at 2017-Q1)"
        in lines
    )
    chance = [line for line in lines if "chance event" in line]
    assert chance and all(re.match(r"- \d{4}-Q\d: ", line) for line in chance)
    assert "- 2015-04: CPEC launched during Xi's visit; eight submarines agreed" in lines


def test_each_term_is_glossed_once_at_its_first_use(flagship_summary):
    body = "\n".join(
        line for line in flagship_summary.lower().splitlines() if not line.startswith("#")
    )
    for term, gloss in GLOSSES.items():
        gloss = gloss.format(after=4)
        assert body.count(gloss) == 1, term
        first_use = re.search(rf"\b{term}\b", body).start()
        assert body.index(gloss) - first_use <= len(term) + 2, term


def test_level_changes_read_as_the_rule_moves_the_tie(flagship_summary):
    assert "fell below alliance level in 2014-Q2 (relaxing from +0.60 toward +0.48" in (
        flagship_summary
    )
    assert "How to read the level changes" in flagship_summary


def test_event_between_yearly_steps_says_when_it_applied():
    doc = {
        "name": "yearly",
        "calendar": {"start": "1960-01", "step": "year"},
        "steps": 5,
        "dimensions": {"d": {"kind": "shared"}},
        "states": {
            "A": {"power": 1, "interests": {"d": 0.5}},
            "B": {"power": 1, "interests": {"d": -0.5}},
        },
        "events": [
            {
                "at": "1962-10",
                "note": "Cuban crisis",
                "tie": {"between": ["A", "B"], "shift": -0.5},
            },
            {
                "at": "1962-01",
                "note": "New year talks",
                "tie": {"between": ["A", "B"], "shift": 0.1},
            },
        ],
    }
    lines = event_lines(summary_text(simulate(scenario_from(doc), seed=1)))
    assert lines == [
        "- 1962-01: New year talks",
        "- 1962-10: Cuban crisis (applied at 1963)",
    ]


def test_the_summary_says_who_is_in_the_world_and_reads_pairs_while_both_are():
    from alignsim.analysis.summary import summary_text
    from alignsim.model import simulate
    from alignsim.scenario import load_scenario_text
    from tests.viz.test_active_figures import NEWCOMER

    text = summary_text(simulate(load_scenario_text(NEWCOMER, filename="newcomer.yaml")))
    assert "## Who is in the world" in text
    assert "- Drava: in the world until 1956, and from 1964." in text
    assert "- Estoria: in the world from 1960." in text
    line = next(line for line in text.splitlines() if line.startswith("- **Atlantia–Estoria**"))
    # the pair is read from 1960, when Estoria enters, not from a 0 before it existed
    assert line.startswith("- **Atlantia–Estoria** (Estoria in the world from 1960): +")
    assert " in 1960 → " in line and "lowest +0.00" not in line
    line = next(line for line in text.splitlines() if line.startswith("- **Cascadia–Drava**"))
    assert "(Drava in the world until 1956, and from 1964)" in line
    assert "lowest +0.00" not in line  # the years Drava was out do not count

    early = summary_text(simulate(load_scenario_text(NEWCOMER, filename="newcomer.yaml"), steps=5))
    blocs = early[early.index("## Blocs at the end") :]
    assert "- not in the world at the end: Estoria" in blocs  # it enters in 1960
    assert "unaligned (no tie beyond the partner threshold): " not in blocs or (
        "Estoria"
        not in blocs.split("unaligned (no tie beyond the partner threshold): ")[1].splitlines()[0]
    )
