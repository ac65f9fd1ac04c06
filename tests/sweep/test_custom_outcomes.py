"""A sweep file's own outcomes: in words (``strength(Russia, Pakistan) at 2020-Q1``) or a
function by import path; their values equal what a fully recorded run gives."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignsim.cli import main
from alignsim.model import simulate
from alignsim.model.metrics import LEVELS
from alignsim.model.prepared import PreparedScenario
from alignsim.scenario import load_scenario
from alignsim.scenario.calendar import PERIOD_MONTHS, month_index
from alignsim.scenario.schema import Calendar
from alignsim.sweep import load_sweep
from alignsim.sweep.outcomes import (
    FunctionOutcome,
    WordedOutcome,
    outcome_columns,
    outcome_kinds,
    recording_for,
)
from alignsim.sweep.runner import run
from alignsim.sweep.vocabulary import VocabularyError, parse, step_of
from tests.sweep.conftest import FLAGSHIP, write_sweep

FLAGSHIP_SCENARIO = load_scenario(FLAGSHIP)
STATES = list(FLAGSHIP_SCENARIO.states)
#: The flagship's own balance weight: a sweep point that is the flagship itself.
SAME_AS_FLAGSHIP = "  params.balance_weight: [0.3]\n"

#: Outcomes in words, their kinds; India–Japan and France–Israel are pairs the flagship
#: does not watch, so their runs must record them anyway.
WORDED = {
    "rp_end": ("strength(Russia, Pakistan)", "float"),
    "rp_2016": ("strength(Russia, Pakistan) at 2016-Q1", "float"),
    "ij_2015": ("strength(India, Japan) at 2015-02", "float"),
    "ij_step": ("strength(Japan, India) at step 7", "float"),
    "fi_mean": ("strength(France, Israel) mean over steps from 2014-Q3 to 2016", "float"),
    "fi_min": ("strength(France, Israel) min over steps", "float"),
    "ij_max": ("strength(India, Japan) max over steps to step 6", "float"),
    "ij_level": ("level(India, Japan)", "category"),
    "ij_level_2015": ("level(India, Japan) at 2015-Q1", "category"),
    "rp_alliance": ("first step when level(Russia, Pakistan) >= alliance", "int"),
    "fi_above": ("first step when strength(France, Israel) > 0.05", "int"),
    "us_hostile": ("first step when level(United States, Iran) <= hostile from step 2", "int"),
    "pk_cn": ("Pakistan in bloc of China", "binary"),
    "car_ru": ("Central Asian Republics in bloc of Russia at 2015-Q2", "binary"),
    "pk_cn_first": ("first step when Pakistan in bloc of China", "int"),
    "balance": ("balance_ratio", "float"),
    "balance_2015": ("balance_ratio at 2015-Q3", "float"),
    "polarization_mean": ("polarization mean over steps", "float"),
    "blocs_2016": ("blocs at 2016-Q1", "int"),
    "blocs_max": ("blocs max over steps", "int"),
    "blocs_mean": ("blocs mean over steps", "float"),
    "first_two_blocs": ("first step when blocs >= 2", "int"),
}


def worded(name: str) -> WordedOutcome:
    text = WORDED[name][0]
    return WordedOutcome(name, text, parse(text, STATES))


def outcomes_yaml(items: list[str]) -> str:
    return "outcomes:\n" + "".join(f"  - {item}\n" for item in items)


def sweep_file(folder: Path, items: list[str], **options) -> Path:
    """A sweep of the flagship (6 steps by default) with ``items`` as its outcomes."""
    path = write_sweep(folder, **options)
    path.write_text(path.read_text() + outcomes_yaml(items))
    return path


# --- the grammar -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(WORDED))
def test_every_phrase_has_its_kind(name):
    assert worded(name).kind == WORDED[name][1]


def test_what_a_phrase_reads():
    query = parse("strength(United States, India) mean over steps from 2016-Q1 to 2020", STATES)
    assert query.quantity.names == ("United States", "India")
    assert (query.mode, query.start.date, query.stop.date) == ("mean", "2016-Q1", "2020")
    assert query.pairs == (("United States", "India"),) and query.every_step and not query.blocs
    end = parse("  STRENGTH( Russia ,Pakistan )  ", STATES)  # keywords in any case, free spaces
    assert end.mode == "at" and end.at is None and not end.every_step
    bloc = parse("Pakistan in bloc of China at step 3", STATES)
    assert bloc.quantity.what == "same_bloc" and bloc.blocs and bloc.pairs == ()
    level = parse("first step when level(Russia, Pakistan) = formal_alliance", STATES)
    assert (level.op, level.threshold) == ("=", "formal_alliance")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("", 0, "expected strength(A, B), level(A, B), A in bloc of B"),
        ("strenght(Russia, Pakistan)", 0, "unknown quantity 'strenght'; did you mean 'strength'?"),
        ("strength(Russia Pakistan)", 16, "expected ',' and a second state after 'Russia'"),
        ("strength(Russia, Pakistan", 25, "expected ')' after 'Pakistan', found the end"),
        ("strength(Russia, Pakistan) at", 29, "expected a date (YYYY-MM"),
        ("strength(Russia, Pakistan) at 2020-13", 30, "month 13 is not 1-12"),
        ("strength(Russia, Pakistan) at step x", 35, "expected a step number after 'step'"),
        ("strength(Russia, Pakistan) average", 27, "expected 'at DATE', 'mean over steps'"),
        ("strength(Russia, Pakistan) mean", 31, "expected 'over steps' after 'mean'"),
        ("level(Russia, Pakistan) max over steps", 24, "level(A, B) is a level"),
        ("Pakistan in bloc of China mean over steps", 26, "A in bloc of B is a yes or no"),
        ("first step when level(Russia, Pakistan) >= aliance", 43, "did you mean 'alliance'?"),
        ("first step when strength(Russia, Pakistan) 0.5", 43, "expected a comparison (>="),
        ("first step when blocs >= many", 25, "expected a number, found 'many'"),
        ("polarisation at 2016", 0, "did you mean 'polarization'?"),
        ("balance_ratio at 2016 and more", 22, "expected the end after the time, found 'and'"),
    ],
)
def test_syntax_errors_say_what_was_expected_and_where(text, offset, message):
    with pytest.raises(VocabularyError) as caught:
        parse(text, STATES)
    assert caught.value.offset == offset
    assert message in caught.value.message


#: Words of the grammar and names, to put together into phrases right and wrong.
PIECES = st.sampled_from([
    "strength(", "level(", ")", ",", "Russia", "United States", "Pakistn", " in bloc of ",
    " at ", "step ", "2016-Q1", "2020-13", "12", " mean over steps", " max", " from ", " to ",
    "first step when ", ">=", " < ", "0.5", "alliance", "blocs", "balance_ratio", " ", "'",
])  # fmt: skip


@settings(max_examples=300)
@given(text=st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=12).map("".join)))
def test_any_text_is_read_or_refused_with_a_place(text):
    """The reader never fails otherwise than with a message at an offset inside the text."""
    try:
        query = parse(text, STATES)
    except VocabularyError as error:
        assert 0 <= error.offset <= len(text) and error.message
    else:
        assert query.kind in ("binary", "int", "float", "category")


#: Calendars of every unit, starting anywhere in a year.
CALENDARS = st.builds(
    lambda year, month, unit: Calendar(start=f"{year}-{month:02d}", step=unit),
    st.integers(1900, 2100),
    st.integers(1, 12),
    st.sampled_from(["month", "quarter", "year"]),
)


@settings(max_examples=200)
@given(calendar=CALENDARS, step=st.integers(0, 400), data=st.data())
def test_a_date_inside_the_calendar_is_the_step_of_its_period(calendar, step, data):
    """Any way of writing the month, quarter or year a step is dated with in the run's tables
    (a calendar may start in the middle of a quarter or a year) is that step."""
    scenario = FLAGSHIP_SCENARIO.model_copy(update={"calendar": calendar, "steps": 400})
    label = scenario.date_of(step)  # "2016-Q3", "2016-09" or "2016": the tables' date
    months = PERIOD_MONTHS[calendar.step]
    first = month_index(label)  # the first month of the labelled month, quarter or year
    assert first // months == (month_index(calendar.start) + step * months) // months
    inside = data.draw(st.integers(0, months - 1), label="month of the period")
    y, m = divmod(first + inside, 12)
    written = data.draw(st.sampled_from([label, f"{y}-{m + 1:02d}", f"{y}-{m + 1}-15"]))
    query = parse(f"strength(Russia, Pakistan) at {written}", STATES)
    assert step_of(query.at, scenario) == step, (written, label)


# --- recording: what the runs keep, and values equal to full runs ----------------------------


def test_runs_record_the_pairs_and_steps_their_words_read():
    assert recording_for([worded("rp_end")], 48) == {
        "record": "watched", "record_every": 48, "log": False, "blocs": False,
        "record_pairs": [("Russia", "Pakistan")],
    }  # fmt: skip
    at = recording_for([worded("ij_2015"), worded("fi_mean"), "final_strength"], 48)
    assert at["record_every"] == 1 and not at["blocs"]
    assert at["record_pairs"] == [("India", "Japan"), ("France", "Israel")]
    blocs = recording_for([worded("pk_cn")], 48)
    assert blocs["blocs"] and blocs["record_every"] == 1 and "record_pairs" not in blocs
    function = FunctionOutcome("gap", "my_outcomes:gap", "float")
    assert recording_for([worded("rp_end"), function], 48) == {
        "record": "all", "record_every": 1, "log": True, "blocs": True,
    }  # fmt: skip


@pytest.mark.parametrize("seed", [3, 41])
def test_worded_outcomes_equal_those_of_a_full_run(seed):
    prepared = PreparedScenario(FLAGSHIP_SCENARIO)
    full = simulate(FLAGSHIP_SCENARIO, seed=seed, steps=12)
    everything = [worded(name) for name in WORDED]
    assert outcome_columns(full, everything)  # every phrase reads a complete run
    for outcome in everything:
        thin = simulate(prepared, seed=seed, steps=12, **recording_for([outcome], 12))
        assert not thin.complete
        assert outcome_columns(thin, [outcome]) == outcome_columns(full, [outcome]), outcome
    kinds = outcome_kinds(FLAGSHIP_SCENARIO, everything)
    assert kinds == {name: kind for name, (_, kind) in WORDED.items()}


def test_a_sweep_of_worded_outcomes_equals_full_runs_computed_by_hand(tmp_path):
    """The stored values, against the same quantities read off full runs of the same seeds."""
    items = [f'{{name: {n}, value: "{WORDED[n][0]}"}}' for n in
             ("ij_2015", "fi_mean", "ij_level", "rp_alliance", "car_ru", "blocs_max")]  # fmt: skip
    path = sweep_file(tmp_path, items, steps=12, replications=3, parameters=SAME_AS_FLAGSHIP)
    runs = run(path, out=tmp_path / "out", workers=1, progress=False)
    assert (runs["status"] == "ok").all() and len(runs) == 3
    names = FLAGSHIP_SCENARIO.state_names
    for row in runs.itertuples():
        full = simulate(FLAGSHIP_SCENARIO, seed=row.seed, steps=12)
        assert row.ij_2015 == full.strength("India", "Japan")[4]  # 2015-02 is in 2015-Q1, step 4
        assert row.fi_mean == np.mean(full.strength("France", "Israel")[2:9])  # 2014-Q3 … 2016-Q1
        assert row.ij_level == full.levels("India", "Japan")[12]
        alliance = [s for s, lv in enumerate(full.levels("Russia", "Pakistan")) if lv in LEVELS[4:]]
        assert row.rp_alliance == (alliance[0] if alliance else -1)
        blocs = full.recorder.bloc[5]  # 2015-Q2
        i, j = names.index("Central Asian Republics"), names.index("Russia")
        assert row.car_ru == int(blocs[i] == blocs[j] != 0)
        assert row.blocs_max == round(full.metric("blocs").max())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["outcomes"] == ["ij_2015", "fi_mean", "ij_level", "rp_alliance", "car_ru",
                                    "blocs_max"]  # fmt: skip
    assert manifest["outcome_kinds"] == {
        "ij_2015": "float", "fi_mean": "float", "ij_level": "category", "rp_alliance": "int",
        "car_ru": "binary", "blocs_max": "int",
    }  # fmt: skip


def test_summary_and_compare_read_them_like_built_in_outcomes(tmp_path):
    items = ["final_strength", '{name: ij_2015, value: "strength(India, Japan) at 2015-Q1"}',
             '{name: pk_cn, value: "Pakistan in bloc of China"}',
             '{name: ij_level, value: "level(India, Japan)"}']  # fmt: skip
    parameters = "  params.balance_weight: [0.2, 0.8]\n"
    path = sweep_file(tmp_path, items, steps=8, replications=3, parameters=parameters)
    out = tmp_path / "out"
    runs = run(path, out=out, workers=1, progress=False)
    summary = pd.read_csv(out / "summary.csv")
    for column in ("ij_2015.mean", "ij_2015.ci_low", "P(pk_cn)", "P(pk_cn).ci_high"):
        assert column in summary.columns
    assert any(c.startswith("P(ij_level=") for c in summary.columns)
    means = runs.groupby("point")["ij_2015"].mean()
    assert summary["ij_2015.mean"].tolist() == pytest.approx(means.tolist(), rel=1e-5)
    compared = tmp_path / "compare"
    by = ["compare", str(out), "--by", "params.balance_weight", "--out", str(compared)]
    assert main(by) == 0
    table = pd.read_csv(compared / "compare.csv").set_index("outcome")
    assert table.loc["ij_2015", ["a", "b"]].tolist() == pytest.approx(means.tolist(), rel=1e-5)
    assert table.loc["P(pk_cn)", "a"] == runs.loc[runs["point"] == 0, "pk_cn"].mean()
    assert any(name.startswith("P(ij_level=") for name in table.index)


# --- functions by import path ----------------------------------------------------------------

MODULE = '''
import numpy as np

def gap(result):
    """Russia–Pakistan minus China–Pakistan at the end: reads two ties."""
    rp, cp = result.strength("Russia", "Pakistan"), result.strength("China", "Pakistan")
    return float(rp[-1] - cp[-1])

def everything(result):
    """Reads what only a full recording has: every pair, the event log, every step."""
    return {
        "ij": result.strength("India", "Japan")[-1],
        "events": float(len(result.events_frame())),
        "complete": float(result.complete),
    }

def crossings(result):
    return int(np.count_nonzero(result.events_frame()["kind"] != "scenario"))

def broken(result):
    return 1 / 0

def wrong_kind(result):
    return "high"
'''


def write_module(folder: Path, name: str = "my_outcomes", text: str = MODULE) -> Path:
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path


FUNCTIONS = [
    '{name: gap, function: "my_outcomes:gap", kind: float}',
    '{name: full, function: "my_outcomes:everything", kind: float, '
    "columns: [ij, events, complete]}",
    '{name: crossings, function: "my_outcomes:crossings", kind: int}',
]


def expected_functions(seed: int, steps: int) -> dict[str, float]:
    full = simulate(FLAGSHIP_SCENARIO, seed=seed, steps=steps)
    events = full.events_frame()
    gap = full.strength("Russia", "Pakistan")[-1] - full.strength("China", "Pakistan")[-1]
    return {
        "gap": float(gap), "full.ij": float(full.strength("India", "Japan")[-1]),
        "full.events": float(len(events)), "full.complete": 1.0,
        "crossings": int((events["kind"] != "scenario").sum()),
    }  # fmt: skip


@pytest.mark.slow
def test_a_function_beside_the_sweep_file_runs_in_spawned_workers(tmp_path):
    write_module(tmp_path)
    path = sweep_file(tmp_path, FUNCTIONS, steps=6, replications=2, parameters=SAME_AS_FLAGSHIP)
    sweep = load_sweep(path)  # imports the module in this process, to report errors early
    assert str(tmp_path) not in sys.path  # only while importing: the workers find it themselves
    assert [getattr(o, "function", None) for o in sweep.outcomes] == [
        "my_outcomes:gap", "my_outcomes:everything", "my_outcomes:crossings",
    ]  # fmt: skip
    runs = run(path, out=tmp_path / "out", workers=2, progress=False)
    assert (runs["status"] == "ok").all(), runs["error"].tolist()
    for row in runs.to_dict("records"):
        expected = expected_functions(row["seed"], 6)
        assert {k: row[k] for k in expected} == expected
    assert isinstance(runs["crossings"].iloc[0], np.integer | int)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["outcome_kinds"] == {
        "gap": "float", "full.ij": "float", "full.events": "float", "full.complete": "float",
        "crossings": "int",
    }  # fmt: skip


@pytest.mark.slow
def test_a_function_outcome_on_dask_workers(tmp_path):
    write_module(tmp_path)
    path = sweep_file(tmp_path, FUNCTIONS[:1], steps=4, replications=2, parameters=SAME_AS_FLAGSHIP)
    runs = run(path, out=tmp_path / "out", scheduler="local", progress=False)
    assert (runs["status"] == "ok").all(), runs["error"].tolist()
    for row in runs.to_dict("records"):
        assert row["gap"] == expected_functions(row["seed"], 4)["gap"]


def test_two_sweep_files_each_get_their_own_module(tmp_path):
    """Two folders with a ``my_outcomes.py`` each: a sweep file imports the one beside it."""
    for number in (1, 2):
        folder = tmp_path / f"s{number}"
        folder.mkdir()
        write_module(folder, text=f"def gap(result):\n    return {number}.0\n")
        path = sweep_file(folder, FUNCTIONS[:1], steps=2, replications=1)
        runs = run(path, out=folder / "out", workers=1, progress=False)
        assert runs["gap"].tolist() == [float(number)] * 4


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ('{name: boom, function: "my_outcomes:broken", kind: float}',
         "outcome boom (my_outcomes:broken) raised ZeroDivisionError: division by zero"),
        ('{name: level, function: "my_outcomes:wrong_kind", kind: float}',
         "outcome level (my_outcomes:wrong_kind) returned 'high' (str); a float outcome needs a "
         "finite number"),
        ('{name: two, function: "my_outcomes:gap", kind: float, columns: [a, b]}',
         "with `columns:` it must return a dict with the keys ['a', 'b']"),
    ],
)  # fmt: skip
def test_a_function_that_fails_fails_its_runs_not_the_sweep(tmp_path, item, error):
    write_module(tmp_path)
    path = sweep_file(tmp_path, ["final_strength", item], steps=3, replications=1)
    runs = run(path, out=tmp_path / "out", workers=1, progress=False)
    assert (runs["status"] == "failed").all()
    assert all(error in text for text in runs["error"]), runs["error"].iloc[0]
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert summary["failed"].tolist() == [1, 1, 1, 1]


# --- errors at FILE:LINE:COL --------------------------------------------------------------------

#: The first item of ``outcomes:`` is on line 10 of a file written by ``sweep_file``.
LINE = 10
SYNTAX = "expected a date (YYYY-MM, YYYY-MM-DD, YYYY-Qn or YYYY) or 'step N', found the end"


@pytest.mark.parametrize(
    ("items", "line", "col", "where", "message"),
    [
        (['{name: a, value: "strength(Russia, Pakistn) at 2015-Q1"}'], LINE, 40,
         "outcomes.0.value", "unknown state 'Pakistn'; did you mean 'Pakistan'?"),
        (['{name: a, value: "Pakistan in bloc of Chna"}'], LINE, 43,
         "outcomes.0.value", "unknown state 'Chna'; did you mean 'China'?"),
        (['{name: a, value: "strength(Russia, Pakistan) at 2013-Q4"}'], LINE, 53,
         "outcomes.0.value", "2013-Q4 is before the calendar's start, 2014-01"),
        (['{name: a, value: "strength(Russia, Pakistan) at 2016-Q1"}'], LINE, 53,
         "outcomes.0.value", "2016-Q1 is step 8, after the run's last step, 6 (2015-Q3)"),
        (['{name: a, value: "blocs mean over steps from step 2 to step 7"}'], LINE, 60,
         "outcomes.0.value", "step 7 is after the run's last step, 6 (2015-Q3)"),
        (['{name: a, value: "strength(Russia, Pakistan) at"}'], LINE, 52,
         "outcomes.0.value", SYNTAX),
        (['{name: a, value: "first step when level(Russia, Pakistan) >= alliances"}'], LINE, 66,
         "outcomes.0.value", "unknown level 'alliances'; did you mean 'alliance'?"),
        (["{name: a, value: blocs}", "final_level", "{name: a, value: polarization}"], LINE + 2,
         12, "outcomes.2.name", "'a' is listed twice (also line 10)"),
        (['{name: "rp 2020", value: blocs}'], LINE, 12, "outcomes.0.name",
         "'rp 2020' is not an outcome name"),
        (["{name: bloc_of, value: blocs}"], LINE, 12, "outcomes.0.name",
         "'bloc_of' is a built-in outcome; give yours another name"),
        (["{name: seed, value: blocs}"], LINE, 12, "outcomes.0.name",
         "'seed' is a column every run has"),
        (['{name: a, function: "no_outcomes_here:gap", kind: float}'], LINE, 26,
         "outcomes.0.function", "cannot import no_outcomes_here"),
        (['{name: a, function: "my_outcomes:gapp", kind: float}'], LINE, 38,
         "outcomes.0.function", "my_outcomes has no function 'gapp'; did you mean 'gap'?"),
        (['{name: a, function: "my_outcomes gap", kind: float}'], LINE, 25,
         "outcomes.0.function", "expected MODULE:FUNCTION (e.g. my_outcomes:gap)"),
        (['{name: a, function: "my_outcomes:gap"}'], LINE, 5, "outcomes.0",
         "a function outcome needs `kind:` (binary, int, float, category)"),
        (['{name: a, function: "my_outcomes:gap", kind: real}'], LINE, 50, "outcomes.0.kind",
         "unknown kind 'real'; expected one of: binary, int, float, category"),
        (["{name: a, value: blocs, kind: int}"], LINE, 29, "outcomes.0.kind",
         "`kind` is for function outcomes"),
        (["{name: a, value: blocs, function: 'my_outcomes:gap'}"], LINE, 29,
         "outcomes.0.function", "give `value:` (an outcome in words) or `function:`, not both"),
        (["{name: a}"], LINE, 5, "outcomes.0", "needs `value:` (an outcome in words"),
        (["{value: blocs}"], LINE, 5, "outcomes.0", "needs `name:`"),
        (["{name: a, valeu: blocs}"], LINE, 15, "outcomes.0.valeu",
         "unknown key 'valeu'; did you mean 'value'?"),
    ],
)  # fmt: skip
def test_validate_reports_each_mistake_at_its_column(tmp_path, capsys, items, line, col, where,
                                                     message):  # fmt: skip
    write_module(tmp_path)
    path = sweep_file(tmp_path, items)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}:{col}: {where}: {message}" in err, err
    assert "Traceback" not in err


def test_a_module_that_fails_to_import_is_reported_with_its_error(tmp_path, capsys):
    write_module(tmp_path, "shaky", "import numpy\nraise RuntimeError('no data file here')\n")
    path = sweep_file(tmp_path, ['{name: a, function: "shaky:gap", kind: float}'])
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{LINE}:26: outcomes.0.function: cannot import shaky" in err
    assert "RuntimeError: no data file here" in err and "Traceback" not in err


def test_block_scalars_point_at_the_word_on_the_line_below(tmp_path, capsys):
    path = sweep_file(tmp_path, ["name: a\n    value: >-\n      level(Rusia, Pakistan) at step 2"])
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{LINE + 2}:13: outcomes.0.value: unknown state 'Rusia'" in err


def test_sweep_stops_before_running_with_status_2(tmp_path, capsys):
    path = sweep_file(tmp_path, ['{name: a, value: "level(India, Japan) at 2031"}'])
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{LINE}:46: outcomes.0.value: 2031 is step 68" in err
    assert "Traceback" not in err and not out.exists()


def test_a_variant_without_the_state_is_named(tmp_path, capsys):
    """Outcomes are checked against every scenario of a sweep over several."""
    small = tmp_path / "small.yaml"
    small.write_text(FLAGSHIP.read_text().replace("France", "Francia"))
    path = tmp_path / "variants.yaml"
    path.write_text(
        f"scenario: {{flagship: {FLAGSHIP}, renamed: small.yaml}}\nsteps: 4\n"
        + outcomes_yaml(['{name: a, value: "strength(France, Israel)"}'])
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown state 'France'; did you mean 'Francia'? (in scenario renamed)" in err
