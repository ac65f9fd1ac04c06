"""Degenerate scenarios (docs/scenarios.md, "Edge cases"): each gives a valid run folder,
with and without figures, or a clear message with exit code 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alignsim.cli import main
from alignsim.io.reader import read_run
from tests.tables import assert_finite_tables

THREE = """\
  A: {{power: 1.0, interests: {{d: 0.5, e: 0.5}}{salience}}}
  B: {{power: 0.5, interests: {{d: 0.4, e: -0.6}}{salience}}}
  C: {{power: 0.3, interests: {{d: -0.5, e: 0.1}}{salience}}}
"""

CASES = {
    "one_state": (
        "steps: 4\ndimensions: {d: {kind: shared}}\n"
        "states:\n  Alone: {power: 1, interests: {d: 0.5}}\n"
    ),
    "two_states": (
        "steps: 4\ndimensions: {d: {kind: shared}}\n"
        "states:\n  A: {power: 1, interests: {d: 0.5}}\n  B: {power: 1, interests: {d: 0.5}}\n"
        "watch: {pairs: [[A, B]]}\n"
    ),
    "zero_steps": (
        "steps: 0\ncalendar: {start: 2014-01}\n"
        "dimensions: {d: {kind: shared}, e: {kind: complementary}}\nstates:\n"
        + THREE.format(salience="")
        + "watch: {triangles: [[A, B, C]]}\n"
    ),
    "all_saliences_zero": (
        "steps: 4\ndimensions: {d: {kind: shared}, e: {kind: complementary}}\nstates:\n"
        + THREE.format(salience=", salience: {d: 0, e: 0}")
    ),
    "dimension_nobody_cares_about": (
        "steps: 4\ndimensions: {d: {kind: shared}, e: {kind: complementary}}\nstates:\n"
        + THREE.format(salience=", salience: {e: 0}")
        + "corridors: {R: {route: [A, B], boost: 0.5}}\n"
    ),
    "no_events_no_corridors": (
        "steps: 4\ndimensions: {d: {kind: shared}, e: {kind: complementary}}\nstates:\n"
        + THREE.format(salience="")
        + "events: []\ncorridors: {}\n"
    ),
}


def write(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.yaml"
    path.write_text(f"name: {case}\n" + CASES[case], encoding="utf-8")
    return path


@pytest.mark.parametrize("plots", [False, True], ids=["no-plots", "plots"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_degenerate_scenario_gives_a_valid_run(tmp_path, capsys, case, plots):
    path = write(tmp_path, case)
    out = tmp_path / "run"
    args = ["run", str(path), "--out", str(out)] + ([] if plots else ["--no-plots"])
    assert main(args) == 0, capsys.readouterr().err
    assert_finite_tables(out)
    result = read_run(out)
    assert result.steps == (0 if case == "zero_steps" else 4)
    assert np.isfinite(result.recorder.strength).all()
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "nan" not in summary.lower()
    if plots:
        assert (out / "plots" / "network_final.png").stat().st_size > 1000
        assert main(["plot", str(out)]) == 0
    else:
        assert not (out / "plots").exists()


def test_one_state_has_no_ties_and_no_blocs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(write(tmp_path, "one_state")), "--no-plots", "--out", str(out)]) == 0
    assert (out / "ties.csv").read_text().splitlines() == ["step,date,source,target,strength,level"]
    result = read_run(out)
    assert result.metric("blocs").tolist() == [0] * 5
    assert "1 state," in (out / "summary.md").read_text()
    capsys.readouterr()
    assert main(["explain", str(out), "Alone", "Alone"]) == 2
    assert "a pair needs two different states" in capsys.readouterr().err


def test_all_saliences_zero_leaves_interests_out(tmp_path, capsys):
    """A state that cares about nothing gets no interest payoff: ties follow the rest."""
    out = tmp_path / "run"
    path = write(tmp_path, "all_saliences_zero")
    assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 0
    events = (out / "events.csv").read_text()
    for line in events.splitlines()[1:]:
        assert "nan" not in line.lower()


def test_zero_steps_records_the_start_only(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(write(tmp_path, "zero_steps")), "--no-plots", "--out", str(out)]) == 0
    result = read_run(out)
    assert result.dates == ["2014-Q1"]
    assert result.metric("watch.A-B-C.formed").tolist() == [0]


def test_zero_steps_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "run"
    path = write(tmp_path, "two_states")
    assert main(["run", str(path), "--steps", "0", "--out", str(out)]) == 0
    assert read_run(out).steps == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: 2\ndimensions: {d: {kind: shared}}\nstates: {}\n", "states: needs at least 1"),
        ("steps: 2\ndimensions: {}\nstates: {A: {power: 1, interests: {}}}\n", "dimensions: "),
        (
            "steps: 2\ndimensions: {d: {kind: shared}}\n"
            "states: {A: {power: 1, interests: {d: 0.5}}}\nwatch: {pairs: [[A, A]]}\n",
            "watch.pairs.0.1: 'A' appears twice",
        ),
    ],
    ids=["no_states", "no_dimensions", "pair_of_one_state"],
)
def test_impossible_scenarios_are_refused_with_a_location(tmp_path, capsys, text, message):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n" + text, encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:")
    assert message in err
    assert not (tmp_path / "run").exists()


def test_an_event_after_the_last_step_never_fires_and_the_summary_says_so(tmp_path, capsys):
    """Accepted, so that --steps, --set steps= and sweeps can shorten a run."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: x\nsteps: 2\ndimensions: {d: {kind: shared}}\n"
        "states: {A: {power: 1, interests: {d: 0.5}}, B: {power: 1, interests: {d: 0.1}}}\n"
        "events: [{id: late, at: 3, note: late, tie: {between: [A, B], set: 1}}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 0
    assert "late" not in (out / "events.csv").read_text()
    summary = (out / "summary.md").read_text()
    assert "1 event lies after the last step and never fired: late (step 3)." in summary


def test_vanishing_salience_gives_finite_payoffs(tmp_path, capsys):
    """Saliences so small that 1/total overflows still weigh the dimensions by their shares."""
    from alignsim.model.payoffs import InterestTerm
    from alignsim.model.simulate import simulate
    from alignsim.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "name: tiny\nsteps: 3\ndimensions: {d: {kind: shared}, e: {kind: shared}}\n"
        "states:\n  A: {power: 1, interests: {d: 0.5, e: -0.5}, salience: {d: 5.0e-324, e: 0}}\n"
        "  B: {power: 1, interests: {d: 0.5, e: 0.5}}\n",
        encoding="utf-8",
    )
    with np.errstate(over="raise", invalid="raise"):
        result = simulate(load_scenario(path))
    assert np.isfinite(result.recorder.strength).all()
    from alignsim.model.world import World

    world = World.from_scenario(load_scenario(path))
    parts = InterestTerm().parts(world, np.random.default_rng(0))
    assert parts[0, 0, 1] == pytest.approx(0.25)  # all of A's care is on d: 1 * 0.5 * 0.5
    assert parts[1, 0, 1] == 0.0


def run_and_read(tmp_path: Path, text: str):
    """Run a scenario given as text, without figures; the run folder and its reading."""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 0
    return out, read_run(out)


def test_names_and_notes_that_read_as_missing_values_survive_the_run_folder(tmp_path, capsys):
    out, result = run_and_read(
        tmp_path,
        "name: x\nsteps: 2\ndimensions: {d: {kind: shared}}\n"
        "states: {NA: {power: 1, interests: {d: 0.5}}, None: {power: 1, interests: {d: 0.4}}}\n"
        "events: [{at: 1, note: NA, tie: {between: [NA, None], set: 0.9}}]\n",
    )
    assert result.names == ["NA", "None"]
    fired = [row for row in result.recorder.events if row["kind"] == "scenario"]
    assert fired[0]["detail"] == "NA"
    assert fired[0]["subject"] == "events.0"
    assert main(["plot", str(out)]) == 0


def test_names_that_look_like_numbers_survive_the_resolved_scenario(tmp_path, capsys):
    """scenario.yaml quotes a name like 1E5, which would otherwise load back as a number."""
    _, result = run_and_read(
        tmp_path,
        "name: '2E3'\nsteps: 2\ndimensions: {'1e-3': {kind: shared}}\n"
        "states: {'1E5': {power: 1, interests: {'1e-3': 0.5}}, B: {power: 1, interests: "
        "{'1e-3': 0.4}}}\nwatch: {pairs: [['1E5', B]]}\n",
    )
    assert result.names == ["1E5", "B"] and result.scenario.name == "2E3"
    assert result.scenario.watch.pairs == [("1E5", "B")]
