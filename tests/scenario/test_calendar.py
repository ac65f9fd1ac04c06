"""Dates <-> steps for month, quarter and year calendars."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignsim.scenario import load_scenario_text
from alignsim.scenario.calendar import DateError, month_index, normalize_start


def scenario(minimal_text: str, start: str, step: str):
    return load_scenario_text(minimal_text + f"calendar: {{start: '{start}', step: {step}}}\n")


@pytest.mark.parametrize(
    ("step", "labels"),
    [
        ("quarter", ["2014-Q1", "2014-Q2", "2014-Q3", "2014-Q4", "2015-Q1"]),
        ("month", ["2014-01", "2014-02", "2014-03", "2014-04", "2014-05"]),
        ("year", ["2014", "2015", "2016", "2017", "2018"]),
    ],
)
def test_date_of_labels_each_step(minimal_text: str, step: str, labels: list[str]):
    s = scenario(minimal_text, "2014-01", step)
    assert [s.date_of(i) for i in range(5)] == labels


@pytest.mark.parametrize(
    ("step", "when", "expected"),
    [
        ("quarter", "2014-01", 1),  # on the start: the first update
        ("quarter", "2014-03", 1),  # 2 months -> ceil(2/3)
        ("quarter", "2014-04", 1),
        ("quarter", "2014-05", 2),
        ("quarter", "2016-09", 11),  # 32 months -> ceil(32/3)
        ("quarter", "2016-Q3", 10),  # the quarter starts in July: 30 months
        ("quarter", "2016", 8),
        ("quarter", dt.date(2016, 9, 30), 11),
        ("month", "2014-03", 2),
        ("month", "2014-03-31", 2),  # days are ignored
        ("month", "2015-01", 12),
        ("year", "2014-06", 1),
        ("year", "2015-01", 1),
        ("year", "2015-02", 2),
        ("year", 7, 7),  # a step number is itself
    ],
)
def test_step_of(minimal_text: str, step: str, when, expected: int):
    assert scenario(minimal_text, "2014-01", step).step_of(when) == expected


def test_step_of_rejects_dates_before_the_start(minimal_text: str):
    with pytest.raises(ValueError, match="before the calendar start 2014-01"):
        scenario(minimal_text, "2014-01", "quarter").step_of("2013-12")


@pytest.mark.parametrize(
    ("start", "expected"),
    [("2014-01", "2014-01"), ("2014", "2014-01"), ("2014-Q3", "2014-07"), ("2014-2", "2014-02")],
)
def test_calendar_start_forms(minimal_text: str, start: str, expected: str):
    s = scenario(minimal_text, start, "month")
    assert s.calendar is not None and s.calendar.start == expected
    assert normalize_start(dt.date(2014, 5, 17)) == "2014-05"
    assert normalize_start(2014) == "2014-01"


@pytest.mark.parametrize("text", ["2014-13", "14-01", "2014/01", "Q3-2014", "2015-02-30", ""])
def test_month_index_rejects_bad_dates(text: str):
    with pytest.raises(DateError):
        month_index(text)


@given(
    year=st.integers(1900, 2100),
    month=st.integers(1, 12),
    unit=st.sampled_from(["month", "quarter", "year"]),
    step=st.integers(1, 600),
)
def test_step_of_date_of_round_trip(year: int, month: int, unit: str, step: int):
    text = f"""\
name: rt
calendar: {{start: '{year}-{month:02d}', step: {unit}}}
dimensions: {{e: {{kind: shared}}}}
states: {{A: {{power: 1.0, interests: {{e: 0.0}}}}}}
"""
    s = load_scenario_text(text)
    assert s.step_of(s.date_of(step)) == step


@given(st.integers(1, 400), st.sampled_from(["month", "quarter", "year"]))
def test_each_step_owns_the_dates_that_map_to_it(step: int, unit: str):
    text = f"""\
name: rt
calendar: {{start: '2014-01', step: {unit}}}
dimensions: {{e: {{kind: shared}}}}
states: {{A: {{power: 1.0, interests: {{e: 0.0}}}}}}
"""
    s = load_scenario_text(text)
    # A step's update covers the months after the previous step's date up to its own date.
    first = month_index("2014-01") + (step - 1) * {"month": 1, "quarter": 3, "year": 12}[unit] + 1
    year, month0 = divmod(first, 12)
    assert s.step_of(f"{year}-{month0 + 1:02d}") == step
