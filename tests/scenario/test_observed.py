"""Observed histories: CSV files of what happened, read and checked against a scenario."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignsim.cli import main
from alignsim.model.metrics import LEVELS as MODEL_LEVELS
from alignsim.model.metrics import level_codes
from alignsim.scenario import ScenarioError, load_scenario, load_scenario_text
from alignsim.scenario.observed import (
    LEVELS,
    TABLE_COLUMNS,
    ObservedHistory,
    build_table,
    observation_step,
    parse_value,
    read_observed,
    read_observed_text,
    strength_level,
    value_text,
)
from alignsim.scenario.schema import Thresholds

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"
RECORD = ROOT / "scenarios" / "observed" / "pakistan_china_russia.csv"

#: Four states, quarters from 2014-Q1 to 2016-Q1 (steps 0 to 8), partner from 0.3.
SCENARIO = """\
name: small
calendar: {start: 2014-01, step: quarter}
steps: 8
dimensions:
  energy: {kind: complementary}
states:
  China: {power: 0.2, interests: {energy: 0.9}}
  Russia: {power: 0.1, interests: {energy: -0.9}}
  Pakistan: {power: 0.05, interests: {energy: 0.8}}
  India: {power: 0.1, interests: {energy: 0.7}}
params: {thresholds: {partner: 0.3}}
"""
HEADER = "date,source,target,value,note\n"


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def validate(capsys, *args: str | Path) -> tuple[int, list[str], list[str]]:
    """Run `alignsim validate ARGS`: (exit code, stdout lines, stderr lines)."""
    code = main(["validate", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out.splitlines(), err.splitlines()


def problems(capsys, csv: Path, scenario: Path) -> list[str]:
    code, out, err = validate(capsys, csv, "--scenario", scenario)
    assert code == 2 and out == []
    return err


# -- every error, with its FILE:LINE:COL ---------------------------------------------------


def test_a_good_file_is_ok(capsys, tmp_path, scenario_file):
    good = write(tmp_path / "good.csv", HEADER + "2014-Q4,Russia,Pakistan,partner,fact\n")
    assert validate(capsys, good, "--scenario", scenario_file) == (0, [f"{good}: ok"], [])


def test_an_unknown_state_is_named_with_a_did_you_mean(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", HEADER + "2014-Q4,Rusia,Pakistan,1,\n2015,China,Pakistn,1,\n")
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:2:9: source: unknown state 'Rusia'; did you mean 'Russia'?",
        f"{bad}:3:12: target: unknown state 'Pakistn'; did you mean 'Pakistan'?",
    ]


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2014-13", "bad date '2014-13': month 13 is not 1-12"),
        ("last year", "bad date 'last year'; expected YYYY-MM, YYYY-MM-DD, YYYY-Qn or YYYY"),
        (
            "3",
            "'3' is not a date; the scenario has a calendar: write YYYY-MM, YYYY-MM-DD, "
            "YYYY-Qn or YYYY",
        ),
        ("2013-Q4", "2013-Q4 is before the calendar start 2014-01"),
        ("2016-04", "2016-04 is after the last step (8, 2016-Q1); the scenario ends there"),
    ],
)
def test_a_date_must_parse_and_lie_within_the_calendar_and_steps(
    capsys, tmp_path, scenario_file, date, message
):
    bad = write(tmp_path / "o.csv", HEADER + f"{date},China,India,-1,\n")
    assert problems(capsys, bad, scenario_file) == [f"{bad}:2:1: date: {message}"]


def test_the_last_step_and_the_start_are_inside(tmp_path, scenario_file):
    text = HEADER + "2014-01,China,India,-1,\n2016-03-31,China,India,-1,\n"
    history = read_observed_text(text, "o.csv", load_scenario(scenario_file))
    assert history.table["step"].tolist() == [0, 8]


def test_without_a_calendar_dates_are_steps(capsys, tmp_path, minimal_text):
    scenario = write(tmp_path / "plain.yaml", minimal_text + "steps: 10\n")
    good = write(tmp_path / "good.csv", HEADER + "0,China,Russia,1,\n10,China,Russia,0,\n")
    assert validate(capsys, good, "--scenario", scenario)[0] == 0
    bad = write(tmp_path / "bad.csv", HEADER + "2014-Q1,China,Russia,1,\n11,China,Russia,1,\n")
    assert problems(capsys, bad, scenario) == [
        f"{bad}:2:1: date: '2014-Q1' is not a step number; the scenario has no calendar, so "
        "dates are steps, 0 to 10",
        f"{bad}:3:1: date: step 11 is outside the scenario's steps, 0 to 10",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2",
            "2 is out of range: a sign is -1, 0 or 1 (a strength is written with a decimal "
            "point and lies in [-1, 1])",
        ),
        ("1.5", "1.5 is out of range: a strength is in [-1, 1]"),
        ("-1.01", "-1.01 is out of range: a strength is in [-1, 1]"),
        ("nan", "not a finite number: 'nan'; a strength is in [-1, 1]"),
        (
            "allied",
            "unknown level 'allied'; did you mean 'alliance'? (a value is a sign (-1, 0, "
            "1), a level (hostile, rival, neutral, partner, alliance, formal_alliance) "
            "or a strength in [-1, 1])",
        ),
        (
            "friendly",
            "'friendly' is not a value: a value is a sign (-1, 0, 1), a level "
            "(hostile, rival, neutral, partner, alliance, formal_alliance) or a "
            "strength in [-1, 1]",
        ),
    ],
)
def test_a_value_must_be_a_sign_a_level_or_a_strength(
    capsys, tmp_path, scenario_file, value, message
):
    bad = write(tmp_path / "o.csv", HEADER + f"2015-Q1,China,India,{value},note\n")
    assert problems(capsys, bad, scenario_file) == [f"{bad}:2:21: value: {message}"]


def test_a_pair_needs_two_different_states(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", HEADER + "2015-Q1,India,India,-1,\n")
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:2:15: target: 'India' is the source too; a tie joins two different states"
    ]


def test_a_duplicate_in_either_order_names_the_first_line(capsys, tmp_path, scenario_file):
    text = HEADER + "2015-Q1,India,Pakistan,-1,\n2015-Q1,China,India,0,\n"
    text += "2015-02,Pakistan,India,hostile,same quarter, other order\n"
    bad = write(tmp_path / "o.csv", text.replace("other order", '"other order"'))
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:4:1: date: Pakistan–India at 2015-Q1 (step 4) is observed already, at line 2; "
        "give one observation per pair and step",
        f"{bad}:4:45: (top): 6 fields, but the header has 5; quote a note that contains a comma",
    ]


def test_a_missing_column_is_named_at_the_header(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", "# a comment\ndate,source,target\n2015-Q1,China,India\n")
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:2:1: value: missing column 'value'; the header is date,source,target,value,note "
        "(note may be left out)"
    ]


def test_unknown_and_repeated_columns(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", "date,source,target,valeu,value,date\n")
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:1:20: valeu: unknown column 'valeu'; did you mean 'value'?",
        f"{bad}:1:32: date: column 'date' appears twice (first as column 1)",
    ]


def test_a_file_without_a_header(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", "2015-Q1,China,India,1,\n")
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:1:1: (top): the first row is not a header: an observed history starts with "
        "the header date,source,target,value,note"
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file(capsys, tmp_path, scenario_file, text):
    bad = write(tmp_path / "o.csv", text)
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:1:1: (top): the file is empty; it needs the header date,source,target,value,"
        "note and a row per observation"
    ]


def test_a_header_without_rows(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", HEADER)
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:1:1: (top): no observations: the file has a header and no rows"
    ]


def test_empty_fields_and_short_rows(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", HEADER + "2015-Q1,China,,1,x\n2015-Q1,China,India\n")
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:2:15: target: no target; every row needs a date, source, target and value",
        f"{bad}:3:20: value: no value; every row needs a date, source, target and value",
    ]


def test_every_problem_is_reported_at_once_in_line_order(capsys, tmp_path, scenario_file):
    text = HEADER + "2015-Q1,Chna,India,7,\n2014-Q2,China,India,rival,fine\n2099,India,China,0,\n"
    bad = write(tmp_path / "o.csv", text)
    assert [line.split(": ")[0:2] for line in problems(capsys, bad, scenario_file)] == [
        [f"{bad}:2:9", "source"],
        [f"{bad}:2:20", "value"],
        [f"{bad}:4:1", "date"],
    ]


def test_lines_and_columns_count_comments_and_notes_that_span_lines(
    capsys, tmp_path, scenario_file
):
    text = (
        "# how levels were judged\n"
        "\n"
        "date, source ,target,value,note\n"
        '2014-Q4,China,India,partner,"a note\n'
        "# not a comment: inside the quotes\n"
        'on three lines, with ""quotes"""\n'
        "# a comment between rows\n"
        '"2015-Q1", China,Russya,partner,\n'
    )
    bad = write(tmp_path / "o.csv", text)
    assert problems(capsys, bad, scenario_file) == [
        f"{bad}:8:18: target: unknown state 'Russya'; did you mean 'Russia'?"
    ]
    scenario = load_scenario(scenario_file)
    history = read_observed_text(text.replace("Russya", "Russia"), "o.csv", scenario)
    assert history.table["note"].iloc[0] == (
        'a note\n# not a comment: inside the quotes\non three lines, with "quotes"'
    )
    assert history.table["source"].tolist() == ["China", "China"]  # fields are stripped


def test_text_the_csv_module_cannot_read(capsys, tmp_path, scenario_file):
    bad = write(tmp_path / "o.csv", HEADER + '2015-Q1,China,India,1,"never closed\n')
    [line] = problems(capsys, bad, scenario_file)
    assert line.startswith(f"{bad}:2:1: (top): cannot read on as CSV: ")


def test_a_file_that_cannot_be_read(capsys, tmp_path, scenario_file):
    missing = tmp_path / "missing.csv"
    assert problems(capsys, missing, scenario_file) == [
        f"{missing}:1:1: (top): cannot read file: No such file or directory"
    ]
    latin = tmp_path / "latin.csv"
    row = "2015-Q1,China,India,1,caf"
    latin.write_bytes((HEADER + row + "\xe9\n").encode("latin-1"))
    assert problems(capsys, latin, scenario_file) == [
        f"{latin}:1:1: (top): not UTF-8 text (byte {len(HEADER + row)})"
    ]


def test_a_csv_file_needs_a_scenario(capsys, tmp_path):
    good = write(tmp_path / "o.csv", HEADER + "2014-Q4,Russia,Pakistan,partner,\n")
    assert validate(capsys, good) == (2, [], [
        f"{good}:1:1: (top): an observed history is checked against a scenario: give "
        "--scenario SCENARIO.yaml, or name it in the scenario with `observed:` and validate "
        "the scenario"
    ])  # fmt: skip


def test_a_broken_scenario_is_reported_once_and_nothing_is_checked_against_it(capsys, tmp_path):
    scenario = write(tmp_path / "s.yaml", SCENARIO.replace("steps: 8", "steps: -1"))
    one = write(tmp_path / "one.csv", HEADER + "2014-Q4,Russia,Pakistan,partner,\n")
    two = write(tmp_path / "two.csv", HEADER)
    code, out, err = validate(capsys, one, two, "--scenario", scenario)
    assert code == 2 and out == []
    assert err == [
        f"{scenario}:3:8: steps: -1 is out of range: needs 0 <= x <= 100000",
        f"{one}:1:1: (top): not checked: the scenario {scenario} has problems",
        f"{two}:1:1: (top): not checked: the scenario {scenario} has problems",
    ]


def test_scenarios_sweeps_and_observed_histories_in_one_list(capsys, tmp_path, scenario_file):
    good = write(tmp_path / "o.csv", HEADER + "2014-Q4,Russia,Pakistan,partner,\n")
    sweep = ROOT / "scenarios" / "sweeps" / "druzhba_timing.yaml"
    code, out, _ = validate(capsys, scenario_file, good, sweep, "--scenario", scenario_file)
    assert code == 0
    assert out == [f"{scenario_file}: ok", f"{good}: ok", f"{sweep}: ok"]


# -- the three kinds of value ---------------------------------------------------------------


def test_signs_levels_and_strengths(tmp_path, scenario_file):
    rows = [
        "2014-Q1,China,Russia,+1,a sign",
        "2014-Q1,China,Pakistan,-1,",
        "2014-Q1,China,India,0,",
        "2014-Q1,Russia,Pakistan,formal alliance,a level with a space",
        "2014-Q1,Russia,India,Partner,any case",
        "2014-Q1,Pakistan,India,0.3,at the partner threshold of this scenario",
        "2014-Q2,China,Russia,0.25,below it: neutral",
        "2014-Q2,China,India,-0.2,at the rival threshold",
        "2014-Q2,Russia,India,1.0,a strength of 1",
        "2014-Q2,Pakistan,India,-1e-1,an exponent",
    ]
    scenario = load_scenario(scenario_file)
    table = read_observed_text(HEADER + "\n".join(rows) + "\n", "o.csv", scenario).table
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table["kind"].tolist() == ["sign"] * 3 + ["level"] * 2 + ["strength"] * 5
    assert table["level"].tolist()[3:] == [
        "formal_alliance", "partner", "partner", "neutral", "rival", "alliance", "neutral"
    ]  # fmt: skip
    assert table["level"].isna().tolist()[:3] == [True] * 3  # a sign is no level
    assert table["sign"].tolist() == [1, -1, 0, 1, 1, 1, 0, -1, 1, 0]
    values = table["value"].tolist()
    assert values[:3] == [1.0, -1.0, 0.0] and all(math.isnan(v) for v in values[3:5])
    assert values[5:] == [0.3, 0.25, -0.2, 1.0, -0.1]


def test_pairs_and_rows_come_in_the_scenarios_order(tmp_path, scenario_file):
    text = HEADER + "2014-Q3,India,China,1,\n2014-Q2,India,Pakistan,1,\n2014-Q2,Russia,China,1,\n"
    table = read_observed_text(text, "o.csv", load_scenario(scenario_file)).table
    assert table[["date", "step", "source", "target"]].values.tolist() == [
        ["2014-Q2", 1, "China", "Russia"],
        ["2014-Q2", 1, "Pakistan", "India"],
        ["2014-Q3", 2, "China", "India"],
    ]


def test_the_levels_are_the_models():
    assert LEVELS == MODEL_LEVELS


@given(
    st.floats(-1, 1),
    st.lists(st.floats(-1, 1), min_size=4, max_size=4, unique=True).map(sorted),
)
def test_a_strength_gets_the_level_the_model_gives_it(strength, cuts):
    if len(set(cuts)) < 4:
        return
    thresholds = Thresholds(hostile=cuts[0], rival=cuts[1], partner=cuts[2], alliance=cuts[3])
    code = level_codes(np.array([strength]), thresholds)[0]
    assert strength_level(strength, thresholds) == MODEL_LEVELS[code]


# -- a scenario names its observed history ------------------------------------------------


def test_a_scenario_names_its_observed_history_relative_to_itself(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    (folder / "observed").mkdir(parents=True)
    write(folder / "observed" / "small.csv", HEADER + "2014-Q4,Russia,Pakistan,partner,\n")
    write(folder / "small.yaml", SCENARIO + "observed: observed/small.csv\n")
    monkeypatch.chdir(tmp_path)
    relative = Path("scenarios") / "small.yaml"
    assert load_scenario(relative).observed == os.path.join("scenarios", "observed", "small.csv")
    assert validate(capsys, relative) == (0, [f"{relative}: ok"], [])


def test_validating_a_scenario_checks_its_observed_history(capsys, tmp_path):
    observed = write(tmp_path / "o.csv", HEADER + "2014-Q4,Russia,Pakistn,partner,\n")
    scenario = write(tmp_path / "s.yaml", SCENARIO + "observed: o.csv\n")
    assert validate(capsys, scenario) == (2, [], [
        f"{observed}:2:16: target: unknown state 'Pakistn'; did you mean 'Pakistan'?"
    ])  # fmt: skip


def test_a_missing_observed_file_is_reported_at_the_observed_line(capsys, tmp_path):
    scenario = write(tmp_path / "s.yaml", SCENARIO + "observed: nowhere.csv\n")
    assert validate(capsys, scenario) == (2, [], [
        f"{scenario}:12:11: observed: observed history {tmp_path / 'nowhere.csv'}: cannot read "
        "file: No such file or directory"
    ])  # fmt: skip


def test_a_variant_inherits_the_observed_history_relative_to_its_parent(capsys, tmp_path):
    write(tmp_path / "o.csv", HEADER + "2014-Q4,Russia,Pakistan,partner,\n")
    write(tmp_path / "s.yaml", SCENARIO + "observed: o.csv\n")
    (tmp_path / "variants").mkdir()
    variant = write(tmp_path / "variants" / "v.yaml", "extends: ../s.yaml\nname: v\n")
    assert load_scenario(variant).observed == str(tmp_path / "o.csv")
    assert validate(capsys, variant)[0] == 0
    # a variant that names the file itself: relative to the variant
    write(tmp_path / "variants" / "o.csv", HEADER + "2014-Q4,Russia,India,rival,\n")
    write(variant, "extends: ../s.yaml\nname: v\nobserved: o.csv\n")
    assert load_scenario(variant).observed == str(tmp_path / "variants" / "o.csv")


def test_observed_from_the_command_line_or_text_is_relative_to_the_working_directory(
    tmp_path,
):
    scenario = write(tmp_path / "s.yaml", SCENARIO + "observed: o.csv\n")
    assert load_scenario(scenario, ["observed=data/x.csv"]).observed == "data/x.csv"
    assert load_scenario_text(SCENARIO + "observed: o.csv\n").observed == "o.csv"


def test_the_observed_history_is_no_part_of_a_run(tmp_path):
    plain = load_scenario_text(SCENARIO)
    named = load_scenario_text(SCENARIO + "observed: o.csv\n")
    assert named.observed == "o.csv"
    assert named.to_yaml() == plain.to_yaml()  # a run folder's scenario.yaml
    assert named.content_hash() == plain.content_hash()  # and the manifest's hash


def test_the_schema_knows_observed(capsys):
    import json

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["observed"]["anyOf"][0] == {"minLength": 1, "type": "string"}


# -- the flagship's record ------------------------------------------------------------------


def test_the_flagships_record_validates_against_the_flagship(capsys):
    assert validate(capsys, RECORD, "--scenario", FLAGSHIP) == (0, [f"{RECORD}: ok"], [])


def test_the_flagships_record_covers_its_pairs_every_year():
    scenario = load_scenario(FLAGSHIP)
    table = read_observed(RECORD, scenario).table
    pairs = set(zip(table["source"], table["target"], strict=True))
    watched = {tuple(sorted(p, key=scenario.state_names.index)) for p in scenario.watch.pairs}
    assert watched <= pairs and len(pairs) == 11
    assert (table.groupby(["source", "target"])["date"].apply(list) == [
        [f"{year}-Q4" for year in range(2014, 2026)]
    ] * 11).all()  # fmt: skip
    assert (table["kind"] == "level").all()
    assert table["note"].str.match(r"(fact|judgement): .*\(.*20[12]\d").all()


# -- round trip ------------------------------------------------------------------------------

STATES = ["China", "Russia", "Pakistan", "India"]
PAIRS = [(a, b) for i, a in enumerate(STATES) for b in STATES[i + 1 :]]
DATES = st.one_of(
    st.builds(lambda y, q: f"{y}-Q{q}", st.integers(2014, 2015), st.integers(1, 4)),
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2014, 2015), st.integers(1, 12)),
    st.just("2016-Q1"),
)
VALUES = st.one_of(
    st.sampled_from(["-1", "0", "1"]),
    st.sampled_from(LEVELS),
    st.floats(-1, 1).map(repr),
)
NOTES = st.text(st.characters(exclude_categories=("Cs",)), max_size=30).map(str.strip)
ROW = st.tuples(DATES, st.sampled_from(PAIRS), VALUES, NOTES)


@given(st.lists(ROW, min_size=1, max_size=20))
def test_a_valid_history_round_trips_through_csv(rows):
    """Any history the reader accepts, written with ``csv_text``, reads back equal."""
    scenario = load_scenario_text(SCENARIO)
    table_rows, seen = [], set()
    for date, (a, b), text, note in rows:
        step = observation_step(date, scenario)
        if (step, a, b) not in seen:  # one observation per pair and step
            seen.add((step, a, b))
            value = parse_value(text, scenario.params.thresholds)
            table_rows.append({"date": date, "step": step, "source": a, "target": b,
                               "value": value.number, "kind": value.kind, "level": value.level,
                               "sign": value.sign, "note": note})  # fmt: skip
    history = ObservedHistory(build_table(table_rows, scenario))
    text = history.csv_text()
    back = read_observed_text(text, "o.csv", scenario)
    pd.testing.assert_frame_equal(back.table, history.table)
    assert back.csv_text() == text


def test_to_csv_writes_what_reads_back(tmp_path, scenario_file):
    scenario = load_scenario(scenario_file)
    text = HEADER + '2014-Q4,Russia,China,0.5,"a, b"\n2015,India,Pakistan,formal alliance,\n'
    history = read_observed_text(text, "o.csv", scenario)
    history.to_csv(tmp_path / "out.csv")
    again = read_observed(tmp_path / "out.csv", scenario)
    pd.testing.assert_frame_equal(again.table, history.table)
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [
        '2014-Q4,China,Russia,0.5,"a, b"',
        "2015,Pakistan,India,formal_alliance,",
    ]


@pytest.mark.parametrize(
    ("kind", "number", "level"),
    [("sign", -1.0, None), ("level", math.nan, "rival"), ("strength", 1.0, "alliance"),
     ("strength", 1e-7, "neutral")],
)  # fmt: skip
def test_value_text_reads_back_as_the_same_kind(kind, number, level):
    back = parse_value(value_text(kind, number, level), Thresholds())
    assert (back.kind, back.level) == (kind, level)
    assert back.number == number or (math.isnan(back.number) and math.isnan(number))


def test_errors_are_scenario_errors(scenario_file):
    with pytest.raises(ScenarioError) as caught:
        read_observed_text(HEADER + "2015,China,Chna,1,\n", "o.csv", load_scenario(scenario_file))
    assert [str(p) for p in caught.value.problems] == [
        "o.csv:2:12: target: unknown state 'Chna'; did you mean 'China'?"
    ]


def test_the_records_readme_shows_the_record():
    """scenarios/observed/README.md's table is the file's levels, * marking judgements."""
    readme = (RECORD.parent / "README.md").read_text(encoding="utf-8")
    shown = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 13 and "–" in cells[0]:
            for year, cell in zip(range(2014, 2026), cells[1:], strict=True):
                shown[(cells[0], f"{year}-Q4")] = cell
    table = read_observed(RECORD, load_scenario(FLAGSHIP)).table
    written = {}
    for row in table.itertuples():
        pair = {(row.source, row.target), (row.target, row.source)} & {
            tuple(key[0].split("–")) for key in shown
        }
        mark = "*" if row.note.startswith("judgement:") else ""
        written[("–".join(pair.pop()), row.date)] = row.level + mark
    assert shown == written
    assert f"({sum(table['note'].str.startswith('judgement:'))} of the 132 rows)" in readme


def test_the_example_in_the_docs_is_valid():
    text = (ROOT / "docs" / "observed.md").read_text(encoding="utf-8")
    example = text.split("```csv\n")[1].split("```")[0]
    table = read_observed_text(example, "docs/observed.md", load_scenario(FLAGSHIP)).table
    assert table["kind"].tolist() == ["strength", "level", "strength", "sign"]
    assert table["level"].tolist()[:3] == ["alliance", "partner", "neutral"]
