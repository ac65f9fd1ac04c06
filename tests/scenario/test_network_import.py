"""alignsim import-network: signed edge lists as scenarios and observed histories.

The COW expectations are computed here from data/cow_signed with pandas, not with the
import's own reader, so a mistake in the reader cannot hide itself.
"""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path

import pandas as pd
import pytest

from alignsim.cli import build_parser, import_request, main
from alignsim.scenario import load_scenario
from alignsim.scenario.network_import import build_import
from alignsim.scenario.observed import read_named_history

ROOT = Path(__file__).resolve().parents[2]
COW = ROOT / "data" / "cow_signed"
SHIPPED_SCENARIO = ROOT / "scenarios" / "cow" / "cow_1946.yaml"
SHIPPED_HISTORY = ROOT / "scenarios" / "observed" / "cow_1946_1989.csv"


@pytest.fixture(scope="module")
def edges() -> pd.DataFrame:
    return pd.read_csv(COW / "edges.csv")


@pytest.fixture(scope="module")
def presence() -> pd.DataFrame:
    return pd.read_csv(COW / "states.csv")


@pytest.fixture(scope="module")
def cow(tmp_path_factory) -> tuple[Path, Path]:
    """The COW import from 46-49 with its 1950-1989 history, written by the command."""
    folder = tmp_path_factory.mktemp("cow")
    scenario, history = folder / "cow.yaml", folder / "history.csv"
    code = main(["import-network", str(COW / "edges.csv"), "--window", "46-49", "--label",
                 "COW", "--out", str(scenario), "--observed-from", "50-53", "--observed-to",
                 "86-89", "--observed-out", str(history)])  # fmt: skip
    assert code == 0
    return scenario, history


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["import-network", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


# -- the COW scenario ----------------------------------------------------------------------
def test_the_cow_scenario_validates_and_runs(cow, tmp_path, capsys):
    scenario, _ = cow
    assert main(["validate", str(scenario)]) == 0
    run = tmp_path / "run"
    assert main(["run", str(scenario), "--steps", "4", "--no-plots", "--out", str(run)]) == 0
    assert "4 steps (1949 to 1953)" in capsys.readouterr().out
    ties = pd.read_csv(run / "ties.csv")
    assert ties["step"].max() == 4


def test_every_state_of_the_file_is_in_the_scenario(cow, presence):
    scenario = load_scenario(cow[0])
    assert sorted(scenario.states) == sorted(presence["state"].unique())
    assert len(scenario.states) == 151  # over 41 windows; the largest window (86-89) has 139
    assert presence.groupby("window").size().max() == 139


def test_a_state_is_in_the_world_in_the_last_years_of_the_windows_it_appears_in(cow, presence):
    scenario = load_scenario(cow[0])
    start = scenario.calendar.start
    assert (start, scenario.calendar.step, scenario.steps) == ("1949-01", "year", 40)
    periods = scenario.active_steps()
    for state, rows in presence.groupby("state"):
        expected = {1949 + step for step in range(41)} & set(rows["last_year"])
        spans = periods.get(state, [(0, None)])
        years = {1949 + s for a, b in spans for s in range(a, 41 if b is None else b + 1)}
        assert years == expected, state


def test_states_that_leave_and_come_back_have_periods_in_order(cow):
    text = cow[0].read_text(encoding="utf-8")
    line = {ln.split(":")[0].strip(): ln for ln in text.splitlines() if ln.startswith("  ")}
    # Albania: windows 46-49 to 68-71, none in 69-72 to 72-75, back in 73-76 to 76-79
    assert "active: [{until: '1971'}, {from: '1976', until: '1979'}]" in line["ALB"]
    # Cuba: absent from window 63-66 only, so out of the world in 1966 only
    assert "active: [{until: '1965'}, {from: '1967'}]" in line["CUB"]
    # Ghana: independent in 1957, its first tie in window 57-60
    assert "active: [{from: '1960', until: '1972'}, {from: '1977'}]" in line["GHA"]
    assert "active" not in line["USA"]  # in every window: throughout


def test_the_initial_ties_are_the_signs_of_the_start_window(cow, edges):
    scenario = load_scenario(cow[0])
    first = edges[edges["window"] == "46-49"]
    expected = {
        _pair(s, t): float(v)
        for s, t, v in zip(first.source, first.target, first.sign, strict=True)
    }
    got = {_pair(*tie.between): tie.value for tie in scenario.ties}
    assert got == expected
    assert len(got) == 362 and scenario.relations == []


def test_the_observed_history_is_the_later_windows_and_the_drops_to_zero(cow, edges, presence):
    scenario = load_scenario(cow[0])
    history = read_named_history(scenario, cow[0]).table  # validated against the scenario
    windows = list(dict.fromkeys(edges["window"]))
    tied: set[frozenset[str]] = set()
    expected = set()
    for window in windows:
        rows = edges[edges["window"] == window]
        signs = {
            _pair(s, t): v for s, t, v in zip(rows.source, rows.target, rows.sign, strict=True) if v
        }
        here = set(presence.loc[presence["window"] == window, "state"])
        year = str(int(rows["last_year"].iloc[0]))
        if windows.index(window) >= windows.index("50-53"):
            expected |= {(year, p, v) for p, v in signs.items()}
            expected |= {(year, p, 0) for p in tied - set(signs) if p <= here}
        tied |= set(signs)
    columns = (history.date, history.source, history.target, history.sign)
    got = {(d, _pair(s, t), v) for d, s, t, v in zip(*columns, strict=True)}
    assert got == expected
    assert len(history) == len(expected) == 33780
    assert set(history["kind"]) == {"sign"}
    assert history.loc[history["date"] == "1953", "note"].eq("COW window 50-53").all()


def test_all_pairs_every_fourth_window_lists_every_pair_whatever_happened(
    tmp_path, edges, presence, capsys
):
    scenario, history = tmp_path / "cow.yaml", tmp_path / "all.csv"
    observed = ["--observed-from", "50-53", "--observed-to", "86-89", "--observed-every", "4",
                "--observed-pairs", "all", "--observed-out", history]  # fmt: skip
    code, _, _ = _run([COW / "edges.csv", "--window", "46-49", "--out", scenario, *observed],
                      capsys)  # fmt: skip
    assert code == 0
    table = read_named_history(load_scenario(scenario), scenario).table
    years = ["1953", "1957", "1961", "1965", "1969", "1973", "1977", "1981", "1985", "1989"]
    assert sorted(set(table["date"])) == years  # 50-53, 54-57, ... 86-89: none overlap
    for year, window in (("1953", "50-53"), ("1989", "86-89")):
        here = sorted(set(presence.loc[presence["window"] == window, "state"]))
        rows = table[table["date"] == year]
        assert len(rows) == len(here) * (len(here) - 1) // 2  # every pair of its states
        tied = edges[(edges["window"] == window) & (edges["sign"] != 0)]
        signs = {_pair(a, b): v for a, b, v in zip(tied.source, tied.target, tied.sign,
                                                   strict=True)}  # fmt: skip
        got = {_pair(a, b): v for a, b, v in zip(rows.source, rows.target, rows.sign,
                                                 strict=True)}  # fmt: skip
        assert {p: v for p, v in got.items() if v} == signs
    assert "--observed-every 4 --observed-pairs all" in history.read_text().splitlines()[2]


def test_bad_observed_every_and_pairs_are_named(tmp_path, capsys):
    text = HEADER + "a,2001,2004,A,B,1\nb,2002,2005,A,B,1\n"
    out = str(tmp_path / "out.csv")
    err = _fails(tmp_path, capsys, text, "--window", "a", "--observed-from", "b",
                 "--observed-to", "b", "--observed-out", out, "--observed-every", "0",
                 "--observed-pairs", "some")  # fmt: skip
    assert "bad.csv: --observed-every: 0 is out of range: needs 1 <= x\n" in err
    err = _fails(tmp_path, capsys, text, "--window", "a", "--observed-from", "b",
                 "--observed-to", "b", "--observed-out", out,
                 "--observed-pairs", "some")  # fmt: skip
    assert err == "bad.csv: --observed-pairs: 'some' is not one of tied, all\n"
    err = _fails(tmp_path, capsys, "source,target,sign\nA,B,1\n", "--observed-every", "4")
    assert err.startswith("bad.csv: --observed-every: the file is one network")
    err = _fails(tmp_path, capsys, text, "--window", "a", "--observed-pairs", "all")
    assert err == ("bad.csv: --observed-pairs: there is no observed history to shape; give "
                   "--observed-from, --observed-to and --observed-out\n")  # fmt: skip


def test_the_shipped_files_are_what_their_command_writes(monkeypatch):
    """The header of the shipped scenario names the command; running it again (without
    writing) gives both shipped files byte for byte."""
    header = SHIPPED_SCENARIO.read_text(encoding="utf-8").splitlines()[3]
    command = shlex.split(header.lstrip("# "))
    assert command[:2] == ["alignsim", "import-network"]
    request = import_request(build_parser().parse_args(command[1:]))
    assert (request.out, request.observed_out) == (
        SHIPPED_SCENARIO.relative_to(ROOT),
        SHIPPED_HISTORY.relative_to(ROOT),
    )
    monkeypatch.chdir(ROOT)
    imported = build_import(dataclasses.replace(request, force=True))
    assert imported.scenario == SHIPPED_SCENARIO.read_text(encoding="utf-8")
    assert imported.history == SHIPPED_HISTORY.read_text(encoding="utf-8")


# -- other files and options ---------------------------------------------------------------
def test_a_plain_file_is_one_network_without_a_calendar(tmp_path, capsys):
    edges = tmp_path / "mine.csv"
    edges.write_text("source,target,sign\nA,B,1\nB,C,-1\nC,D,0\n", encoding="utf-8")
    out = tmp_path / "mine.yaml"
    code, printed, _ = _run([edges, "--out", out, "--steps", "6"], capsys)
    assert code == 0, printed
    scenario = load_scenario(out)
    assert (scenario.name, scenario.calendar, scenario.steps) == ("mine", None, 6)
    assert list(scenario.states) == ["A", "B", "C", "D"]  # D: named by a row with sign 0
    assert {_pair(*t.between): t.value for t in scenario.ties} == {
        _pair("A", "B"): 1.0,
        _pair("B", "C"): -1.0,
    }
    assert all(spec.active is None for spec in scenario.states.values())
    assert main(["run", str(out), "--no-plots", "--out", str(tmp_path / "run")]) == 0


def test_strength_until_and_relations_from(tmp_path, capsys):
    edges = tmp_path / "w.csv"
    edges.write_text(
        "window,first_year,last_year,source,target,sign\n"
        "a,2001,2004,X,Y,1\n"
        "b,2002,2005,X,Y,-1\nb,2002,2005,Y,Z,1\n"
        "c,2003,2006,X,Z,1\n"
        "d,2004,2007,X,Y,1\nd,2004,2007,W,Z,1\n",
        encoding="utf-8",
    )
    out = tmp_path / "w.yaml"
    code, _, err = _run([edges, "--window", "c", "--until", "c", "--relations-from", "a",
                         "--strength", "0.5", "--out", out], capsys)  # fmt: skip
    assert code == 0, err
    scenario = load_scenario(out)
    assert list(scenario.states) == ["X", "Z"]  # only the windows c..c: W and Y are left out
    assert scenario.steps == 0 and scenario.calendar.start == "2006-01"
    assert [(t.between, t.value) for t in scenario.ties] == [(("X", "Z"), 0.5)]
    assert scenario.relations == []  # X-Z had no tie in a or b; Y is not in the scenario
    code, _, err = _run([edges, "--window", "d", "--relations-from", "a", "--out",
                         tmp_path / "d.yaml"], capsys)  # fmt: skip
    relations = {_pair(*r.between): r.value for r in load_scenario(tmp_path / "d.yaml").relations}
    # X-Y: +1 in a, -1 in b, and Y is not in c: mean 0, not listed. X-Z: Z is not in a, no
    # tie in b, +1 in c: 0.5. Y-Z: +1 in b, the only window with both.
    assert relations == {_pair("X", "Z"): 0.5, _pair("Y", "Z"): 1.0}


def test_an_existing_file_is_refused_and_kept_unless_forced(tmp_path, capsys):
    edges = tmp_path / "mine.csv"
    edges.write_text("source,target,sign\nA,B,1\n", encoding="utf-8")
    out = tmp_path / "mine.yaml"
    out.write_text("mine\n", encoding="utf-8")
    code, _, err = _run([edges, "--out", out], capsys)
    assert (code, err) == (2, f"--out: {out} exists; give --force to overwrite it\n")
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert _run([edges, "--out", out, "--force"], capsys)[0] == 0
    assert load_scenario(out).name == "mine"


# -- bad input ---------------------------------------------------------------------------
HEADER = "window,first_year,last_year,source,target,sign\n"


def _fails(tmp_path, capsys, text: str, *args: str) -> str:
    """Import ``text`` and return stderr, checking exit 2, no traceback, nothing written."""
    edges = tmp_path / "bad.csv"
    edges.write_text(text, encoding="utf-8")
    out, history = tmp_path / "out.yaml", tmp_path / "out.csv"
    code, printed, err = _run([edges, "--out", out, *args], capsys)
    assert code == 2 and printed == ""
    assert "Traceback" not in err
    assert not out.exists() and not history.exists()
    return err.replace(str(edges), "bad.csv").replace(str(tmp_path) + "/", "")


def test_a_missing_column_is_named(tmp_path, capsys):
    err = _fails(
        tmp_path, capsys, "window,first_year,source,target,sign\na,1,A,B,1\n", "--window", "a"
    )
    assert err.startswith("bad.csv:1:1: last_year: missing column 'last_year'")
    err = _fails(tmp_path, capsys, "source,target\nA,B\n")
    assert err.startswith("bad.csv:1:1: sign: missing column 'sign'")
    err = _fails(tmp_path, capsys, "source,target,sing\nA,B,1\n")
    assert "bad.csv:1:15: sing: unknown column 'sing'; did you mean 'sign'?" in err


@pytest.mark.parametrize("sign", ["2", "0.5", "yes", "1.0"])
def test_a_sign_must_be_minus_one_zero_or_one(tmp_path, capsys, sign):
    err = _fails(tmp_path, capsys, f"source,target,sign\nA,B,1\nB,C,{sign}\n")
    assert err == f"bad.csv:3:5: sign: '{sign}' is not a sign: a sign is -1, 0 or 1 (+1 too)\n"


def test_a_self_loop(tmp_path, capsys):
    err = _fails(
        tmp_path, capsys, HEADER + "a,2001,2004,A,B,1\na,2001,2004,C,C,-1\n", "--window", "a"
    )
    assert err == ("bad.csv:3:15: target: 'C' is the source too; an edge joins two different "
                   "states\n")  # fmt: skip


def test_a_duplicate_edge_in_a_window_in_either_order(tmp_path, capsys):
    text = HEADER + "a,2001,2004,A,B,1\nb,2002,2005,A,B,1\na,2001,2004,B,A,-1\n"
    err = _fails(tmp_path, capsys, text, "--window", "a")
    assert err == ("bad.csv:4:13: source: A–B is listed already in window a, at line 2; give "
                   "each pair once per window (in either order)\n")  # fmt: skip


def test_an_unknown_window_gets_a_did_you_mean(tmp_path, capsys):
    text = HEADER + "46-49,1946,1949,A,B,1\n47-50,1947,1950,A,B,1\n"
    err = _fails(tmp_path, capsys, text, "--window", "46-94")
    assert err == "bad.csv: --window: unknown window '46-94'; did you mean '46-49'?\n"
    err = _fails(tmp_path, capsys, text, "--window", "46-49", "--observed-from", "47-05",
                 "--observed-to", "47-50", "--observed-out", str(tmp_path / "out.csv"))  # fmt: skip
    assert err == "bad.csv: --observed-from: unknown window '47-05'; did you mean '47-50'?\n"
    err = _fails(tmp_path, capsys, text)
    assert err.startswith("bad.csv: --window: the file has windows; name the one whose signs")


def test_a_window_range_given_backwards(tmp_path, capsys):
    text = HEADER + "".join(f"{y}-{y + 3},19{y},19{y + 3},A,B,1\n" for y in range(46, 52))
    history = str(tmp_path / "out.csv")
    err = _fails(tmp_path, capsys, text, "--window", "46-49", "--observed-from", "50-53",
                 "--observed-to", "48-51", "--observed-out", history)  # fmt: skip
    assert err == ("bad.csv: --observed-to: window 48-51 is before --observed-from 50-53; the "
                   "range runs forwards: give one on or after it\n")  # fmt: skip
    err = _fails(tmp_path, capsys, text, "--window", "48-51", "--relations-from", "49-52")
    assert err == ("bad.csv: --relations-from: window 49-52 is after --window 48-51; the "
                   "history is of the windows before the start: give one before it\n")  # fmt: skip
    err = _fails(tmp_path, capsys, text, "--window", "48-51", "--observed-from", "48-51",
                 "--observed-to", "50-53", "--observed-out", history)  # fmt: skip
    assert err.startswith("bad.csv: --observed-from: window 48-51 is the same as --window 48-51")
    err = _fails(tmp_path, capsys, text, "--window", "48-51", "--until", "47-50")
    assert err.startswith("bad.csv: --until: window 47-50 is before --window 48-51")
    err = _fails(
        tmp_path,
        capsys,
        text,
        "--window",
        "46-49",
        "--until",
        "49-52",
        "--observed-from",
        "47-50",
        "--observed-to",
        "50-53",
        "--observed-out",
        history,
    )
    assert err.startswith(
        "bad.csv: --observed-to: window 50-53 is after --until 49-52; the scenario ends there"
    )


@pytest.mark.parametrize("text", ["", "\n# only a comment\n"])
def test_an_empty_file(tmp_path, capsys, text):
    err = _fails(tmp_path, capsys, text)
    assert err.startswith("bad.csv:1:1: (top): the file is empty; it needs the header window,")


def test_a_header_without_edges(tmp_path, capsys):
    err = _fails(tmp_path, capsys, "source,target,sign\n")
    assert err == "bad.csv:1:1: (top): no edges: the file has a header and no rows\n"


def test_every_problem_of_the_file_at_once(tmp_path, capsys):
    text = HEADER + "a,2001,2004,A,A,1\na,2001,2004,B,C,3\na,2001,x,B,D,1\nb,2005,2004,B,C,1\n"
    err = _fails(tmp_path, capsys, text, "--window", "a")
    assert [line.split(":")[1] for line in err.splitlines()] == ["2", "3", "4", "5"]


def test_observed_options_go_together(tmp_path, capsys):
    text = HEADER + "a,2001,2004,A,B,1\nb,2002,2005,A,B,1\n"
    err = _fails(tmp_path, capsys, text, "--window", "a", "--observed-from", "b",
                 "--observed-to", "b")  # fmt: skip
    assert err == "bad.csv: --observed-from: name the file to write with --observed-out\n"
    err = _fails(tmp_path, capsys, text, "--window", "a", "--observed-to", "b",
                 "--observed-out", str(tmp_path / "out.csv"))  # fmt: skip
    assert err == "bad.csv: --observed-to: give --observed-from and --observed-to together\n"
    err = _fails(tmp_path, capsys, "source,target,sign\nA,B,1\n", "--window", "a")
    assert err.startswith("bad.csv: --window: the file is one network (source, target, sign)")


def test_the_python_example_of_the_docs_runs(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "networks.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/networks.md", "exec"), {"__name__": "docs_example"})
    history = read_named_history(load_scenario("cow.yaml"), "cow.yaml")
    assert len(history.table) == 33780


def test_names_yaml_would_misread_are_kept_as_written(tmp_path, capsys):
    edges = tmp_path / "odd.csv"
    edges.write_text('source,target,sign\nNO,United States,1\n"Côte d\'Ivoire",1E5,-1\n'
                     '"a: b",null,1\n"x, y",yes,1\n', encoding="utf-8")  # fmt: skip
    out = tmp_path / "odd.yaml"
    assert _run([edges, "--out", out, "--name", "odd: name"], capsys)[0] == 0
    scenario = load_scenario(out)
    assert scenario.name == "odd: name"
    assert set(scenario.states) == {
        "NO", "United States", "Côte d'Ivoire", "1E5", "a: b", "null", "x, y", "yes"
    }  # fmt: skip
    assert {_pair(*t.between): t.value for t in scenario.ties}[_pair("NO", "United States")] == 1


def test_a_line_break_in_an_option_is_refused(tmp_path, capsys):
    err = _fails(tmp_path, capsys, "source,target,sign\nA,B,1\n", "--label", "COW\n# x")
    assert err == ("--label: a line break cannot go into the comment that names the command at "
                   "the top of each file\n")  # fmt: skip
