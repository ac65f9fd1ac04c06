"""End to end: `alignsim run`, `validate` and `schema` as a user calls them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alignsim.cli import main
from tests.conftest import FLAGSHIP, ROOT

TABLES = ("ties.csv", "states.csv", "metrics.csv", "events.csv")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alignsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def flagship_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for label, seed in (("a", 3), ("b", 3), ("c", 4)):
        folder = base / label
        assert main(["run", str(FLAGSHIP), "--seed", str(seed), "--out", str(folder)]) == 0
        out[label] = folder
    return out


def test_run_folder_is_complete(flagship_runs):
    folder = flagship_runs["a"]
    for name in (*TABLES, "manifest.json", "scenario.yaml", "summary.md"):
        assert (folder / name).is_file(), name
    assert (folder / "plots" / "network_final.png").stat().st_size > 10_000
    assert (folder / "plots" / "timeline_watched.png").stat().st_size > 10_000
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["steps"] == 48
    assert set(manifest["versions"]) >= {"alignsim", "mesa", "numba", "python"}
    assert len(manifest["scenario_sha256"]) == 64
    assert not list(folder.parent.glob(".*.partial"))


def test_same_seed_identical_tables_other_seed_differs(flagship_runs):
    for name in TABLES:
        a = (flagship_runs["a"] / name).read_bytes()
        assert a == (flagship_runs["b"] / name).read_bytes(), name
    assert (flagship_runs["a"] / "ties.csv").read_bytes() != (
        flagship_runs["c"] / "ties.csv"
    ).read_bytes()


def test_plots_identical_for_same_seed(flagship_runs):
    for png in (flagship_runs["a"] / "plots").glob("*.png"):
        assert png.read_bytes() == (flagship_runs["b"] / "plots" / png.name).read_bytes()


def test_resolved_scenario_reruns_to_identical_tables(tmp_path):
    """scenario.yaml records the run's seed and steps: re-running it needs no options."""
    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["run", str(FLAGSHIP), "--seed", "5", "--steps", "10", "--no-plots",
                 "--out", str(first)]) == 0  # fmt: skip
    assert main(["run", str(first / "scenario.yaml"), "--no-plots", "--out", str(again)]) == 0
    for name in TABLES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_summary_names_watched_pairs_with_dates(flagship_runs):
    text = (flagship_runs["a"] / "summary.md").read_text()
    assert "Russia–Pakistan" in text
    assert "2014-Q1" in text
    assert "## Caveats" in text


def test_refuses_non_empty_out(tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    keep = out / "notes.txt"
    keep.write_text("mine")
    proc = run_cli("run", str(FLAGSHIP), "--out", str(out), "--steps", "2")
    assert proc.returncode == 2
    assert "not empty" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert keep.read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_last_stdout_line_is_the_run_folder(tmp_path):
    proc = run_cli("run", str(FLAGSHIP), "--steps", "3", "--results", str(tmp_path), "--no-plots")
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip().splitlines()[-1])
    assert folder.is_dir() and folder.parent.parent == tmp_path
    assert (folder / "ties.csv").is_file()


def test_overrides_change_the_run(tmp_path):
    out = tmp_path / "override"
    assert main(["run", str(FLAGSHIP), "--steps", "4", "--no-plots", "--out", str(out),
                 "--set", "params.balance_weight=0.9"]) == 0  # fmt: skip
    assert "balance_weight: 0.9" in (out / "scenario.yaml").read_text()


def test_bad_override_exits_2_without_traceback(tmp_path):
    proc = run_cli("run", str(FLAGSHIP), "--set", "params.balance_wieght=0.9", "--out",
                   str(tmp_path / "x"))  # fmt: skip
    assert proc.returncode == 2
    assert "balance_weight" in proc.stderr  # did-you-mean
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()


def test_validate_ok_and_schema():
    proc = run_cli("validate", str(FLAGSHIP))
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(run_cli("schema").stdout)
    assert "states" in schema["properties"]


def test_validate_reports_all_three_problems(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: broken\n"
        "dimensions:\n"
        "  energy: {kind: complementary}\n"
        "states:\n"
        "  Russia: {power: 0.3, interests: {energy: -0.9}}\n"
        "  China: {power: 0.8, interests: {energy: 1.7}}\n"
        "evnets: []\n"
        "events:\n"
        "  - {at: 2, note: x, shift: {Rusia: {energy: 0.1}}}\n"
    )
    proc = run_cli("validate", str(broken))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert any(line.startswith(f"{broken}:6:") and "states.China.interests.energy" in line
               for line in lines), lines  # fmt: skip
    assert any(line.startswith(f"{broken}:7:") and "evnets" in line and "events" in line
               for line in lines), lines  # fmt: skip
    assert any(line.startswith(f"{broken}:9:") and "Rusia" in line and "Russia" in line
               for line in lines), lines  # fmt: skip


def test_validate_cli_reports_every_broken_file_with_lines():
    """`alignsim validate` over the sixteen broken files: every expected problem, exit 2."""
    from tests.scenario.test_broken_files import BROKEN, EXPECTED

    files = sorted(BROKEN.glob("*.yaml"))
    assert len(files) >= 10
    proc = run_cli("validate", *map(str, files))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for stem, problems in EXPECTED.items():
        for line, col, path, _message in problems:
            prefix = f"{BROKEN / stem}.yaml:{line}:{col}: {path}: "
            assert prefix in proc.stderr, prefix


def test_validate_takes_scenarios_and_sweep_files_in_one_list():
    scenarios = sorted((ROOT / "scenarios").glob("*.yaml"))
    sweeps = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    proc = run_cli("validate", *map(str, scenarios + sweeps))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{path}: ok" for path in scenarios + sweeps]
    broken = ROOT / "tests" / "sweep" / "broken" / "combined.yaml"
    proc = run_cli("validate", str(scenarios[0]), str(broken))
    assert proc.returncode == 2
    assert proc.stdout == f"{scenarios[0]}: ok\n"
    lines = proc.stderr.splitlines()
    assert len(lines) == 8 and all(line.startswith(f"{broken}:") for line in lines), lines
    assert f"{broken}:2:15: replications: 0 is out of range: needs 1 <= x" in lines
    assert "Traceback" not in proc.stderr


def test_run_refuses_python_tags_and_runs_nothing(tmp_path):
    from tests.scenario.test_broken_files import BROKEN

    payload = Path("/tmp/alignsim-scenario-pwned")
    payload.unlink(missing_ok=True)
    proc = run_cli("run", str(BROKEN / "python_tag.yaml"), "--out", str(tmp_path / "run"))
    assert proc.returncode == 2
    assert "is not allowed" in proc.stderr and "Traceback" not in proc.stderr
    assert not payload.exists()
    assert not (tmp_path / "run").exists()


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


SMALL = """name: small
dimensions:
  d: {kind: shared}
states:
  A: {power: 1, interests: {d: 0.5}}
"""


@pytest.mark.parametrize(
    ("label", "text", "args"),
    [
        ("one state", SMALL, []),
        ("two states, no calendar", SMALL + "  B: {power: 0.5, interests: {d: -0.5}}\n", []),
        ("zero steps", SMALL + "  B: {power: 0.5, interests: {d: 0.5}}\n", ["--steps", "0"]),
        ("all saliences zero",
         SMALL.replace("0.5}}", "0.5}, salience: {d: 0}}")
         + "  B: {power: 0.5, interests: {d: 0.5}, salience: {d: 0}}\n", []),
    ],
)  # fmt: skip
def test_degenerate_scenarios_run(tmp_path, label, text, args):
    scenario = write(tmp_path / "s.yaml", text)
    out = tmp_path / "run"
    proc = run_cli("run", str(scenario), "--out", str(out), *args)
    assert proc.returncode == 0, (label, proc.stderr)
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    for name in TABLES:
        assert (out / name).is_file()
    import pandas as pd

    for name in ("ties.csv", "states.csv", "metrics.csv"):
        frame = pd.read_csv(out / name)
        assert not frame.isna().any().any(), name


@pytest.mark.parametrize(
    ("events", "where"),
    [
        ("  - {at: 2, note: calm, param: {shift: {noise: -1}}}\n", "8:5: events.0: "),
        # an event with an id is named by index and id
        ("  - {at: 1, note: first}\n  - {id: calm, at: 2, param: {shift: {noise: -1}}}\n",
         "9:5: events.1 (calm): "),
    ],
)  # fmt: skip
def test_event_that_breaks_a_parameter_is_bad_input(tmp_path, events, where):
    scenario = write(
        tmp_path / "p.yaml", SMALL + "  B: {power: 0.5, interests: {d: 0.5}}\nevents:\n" + events
    )
    proc = run_cli("run", str(scenario), "--out", str(tmp_path / "run"), "--steps", "4")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{scenario}:{where}at step 2: params.noise would become")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_unwritable_destination_exits_1(tmp_path):
    proc = run_cli("run", str(FLAGSHIP), "--steps", "1", "--no-plots", "--out",
                   "/proc/alignsim-cannot-write-here")  # fmt: skip
    assert proc.returncode == 1
    assert "cannot write the run folder" in proc.stderr and "Traceback" not in proc.stderr


def test_out_that_is_a_file_is_bad_input(tmp_path):
    target = write(tmp_path / "file", "")
    proc = run_cli("run", str(FLAGSHIP), "--steps", "1", "--out", str(target))
    assert proc.returncode == 2 and "is a file" in proc.stderr
    proc = run_cli("run", str(FLAGSHIP), "--steps", "1", "--out", str(target / "sub"))
    assert proc.returncode == 2 and "is a file" in proc.stderr


def test_validate_prints_ok_files_on_stdout(tmp_path):
    bad = write(tmp_path / "bad.yaml", "name: x\n")
    proc = run_cli("validate", str(FLAGSHIP), str(bad))
    assert proc.returncode == 2
    assert f"{FLAGSHIP}: ok" in proc.stdout
    assert str(bad) in proc.stderr


def test_manifest_records_the_command_given(tmp_path):
    out = tmp_path / "m"
    assert main(["run", str(FLAGSHIP), "--steps", "2", "--no-plots", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == ["alignsim", "run", str(FLAGSHIP), "--steps", "2", "--no-plots",
                                   "--out", str(out)]  # fmt: skip
