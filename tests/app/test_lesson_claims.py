"""The lesson plan's "what if" table (docs/teaching.md) states what each lever does to the
flagship with seed 7; these tests run the page's settings and check each statement."""

from __future__ import annotations

import pytest

from alignsim.app.settings import PageSettings, build_scenario
from alignsim.model.simulate import simulate
from tests.conftest import FLAGSHIP

ALLIED = ("alliance", "formal_alliance")


def run(**settings):
    return simulate(build_scenario(PageSettings(FLAGSHIP, **settings)), seed=7)


def first_date(result, a, b, levels) -> str | None:
    return next((result.dates[s] for s, lv in enumerate(result.levels(a, b)) if lv in levels), None)


@pytest.fixture(scope="module")
def flagship():
    return run()


def test_the_flagship_as_the_lesson_tells_it(flagship):
    assert first_date(flagship, "Russia", "Pakistan", ("partner", *ALLIED)) == "2015-Q2"
    assert first_date(flagship, "Russia", "Pakistan", ALLIED) == "2019-Q1"
    us_pk = flagship.strength("United States", "Pakistan")
    assert flagship.dates[int(us_pk.argmin())] == "2018-Q1"
    assert us_pk.min() == pytest.approx(-0.51, abs=0.005)
    assert flagship.strength("China", "Pakistan")[-1] == pytest.approx(0.78, abs=0.005)
    assert flagship.levels("Russia", "India")[-1] == "neutral"
    assert flagship.metric("balance_ratio")[-1] == 1.0


def test_less_opposition_to_the_us_changes_little(flagship):
    pakistan = run(salience={("Pakistan", "opposition_to_us"): 0.0})
    assert first_date(pakistan, "Russia", "Pakistan", ALLIED) == "2019-Q1"
    assert pakistan.strength("Russia", "Pakistan")[-1] == pytest.approx(0.63, abs=0.005)
    everyone = run(salience={(s, "opposition_to_us"): 0.0 for s in ("Pakistan", "Russia", "China")})
    assert first_date(everyone, "Russia", "Pakistan", ALLIED) == "2017-Q2"
    assert everyone.levels("China", "Russia")[-1] == "partner"


def test_balance_weight_softens_or_hardens_the_camps():
    soft = run(params={"balance_weight": 0.1})
    assert first_date(soft, "Russia", "Pakistan", ALLIED) is None
    assert first_date(soft, "China", "Russia", ALLIED) is None
    assert soft.levels("United States", "Pakistan")[-1] == "neutral"
    assert soft.levels("Russia", "India")[-1] == "partner"
    hard = run(params={"balance_weight": 0.8})
    assert first_date(hard, "Russia", "Pakistan", ALLIED) == "2016-Q1"
    assert hard.strength("United States", "Pakistan").min() == pytest.approx(-0.86, abs=0.005)
    assert hard.levels("Russia", "India")[-1] == "rival"
    afghanistan = hard.names.index("Afghanistan")
    pakistan = hard.names.index("Pakistan")
    assert hard.recorder.bloc[hard.steps, afghanistan] != hard.recorder.bloc[hard.steps, pakistan]


def test_without_history_the_all_weather_friendship_weakens():
    result = run(params={"history_weight": 0.0})
    assert result.levels("China", "Pakistan")[-1] == "partner"
    assert first_date(result, "Russia", "Pakistan", ALLIED) == "2016-Q4"


def test_druzhba_speeds_the_alliance_but_does_not_make_it(flagship):
    result = run(events_off=frozenset({"druzhba_2016"}))
    assert first_date(result, "Russia", "Pakistan", ALLIED) == "2020-Q2"
    assert result.levels("Russia", "Pakistan")[-1] == flagship.levels("Russia", "Pakistan")[-1]
