"""Tasks, seeds, failed runs, the sweep folder, the summary and the CLI command."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from alignsim.cli import main
from alignsim.sweep import design_points, load_sweep
from alignsim.sweep.aggregate import wilson
from alignsim.sweep.runner import execute, run
from alignsim.sweep.storage import StorageError, chunk_files, read_manifest, read_runs
from alignsim.sweep.tasks import iter_tasks, make_context, run_task, task_seed

TRIANGLE = "China-Russia-Pakistan"


def test_seeds_are_spawned_children():
    children = np.random.SeedSequence(5).spawn(12)
    expected = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    assert [task_seed(5, k) for k in range(12)] == expected


def test_tasks_are_points_times_replications(tiny_sweep):
    sweep = load_sweep(tiny_sweep)
    design = design_points(sweep)
    context = make_context(sweep, design)
    tasks = list(iter_tasks(sweep, design, context))
    assert len(tasks) == 4 * 3
    assert [(t.point, t.replication) for t in tasks] == [(p, r) for p in range(4) for r in range(3)]
    assert [t.seed for t in tasks] == [task_seed(11, r) for _ in range(4) for r in range(3)]
    assert tasks[3].values == {"params.balance_weight": 0.2, "params.history_weight": 0.9}
    assert tasks[3].overrides == ("params.balance_weight=0.2", "params.history_weight=0.9")
    rest = list(iter_tasks(sweep, design, context, skip={(0, 0), (0, 1), (0, 2), (2, 1)}))
    assert [(t.point, t.replication) for t in rest] == [
        (1, 0), (1, 1), (1, 2), (2, 0), (2, 2), (3, 0), (3, 1), (3, 2)
    ]  # fmt: skip


def test_a_bad_override_gives_a_failed_row(tiny_sweep):
    sweep = load_sweep(tiny_sweep)
    design = design_points(sweep)
    context = make_context(sweep, design)
    task = next(iter_tasks(sweep, design, context))
    bad = type(task)(0, 0, 1, ("params.balance_weight=-5",), task.values)
    row = run_task(bad, context)
    assert row["status"] == "failed"
    assert "balance_weight" in row["error"]
    assert all(row[c] is None for c in context.outcome_kinds)
    good = run_task(task, context)
    assert good["status"] == "ok" and good["error"] is None
    assert list(good) == context.columns


def test_failing_runs_are_recorded_and_the_sweep_goes_on(tmp_path, make_sweep):
    from tests.sweep.conftest import FAILING_PARAMETERS

    path = make_sweep(tmp_path, parameters=FAILING_PARAMETERS)
    out = tmp_path / "out"
    frame = run(path, out=out, workers=1, chunk=5, progress=False)
    assert len(frame) == 12
    shift = frame["events.crimea_sanctions.param.shift.noise"]
    failed = frame[shift == -1.0]
    assert (failed["status"] == "failed").all() and len(failed) == 6
    assert failed["error"].str.contains("crimea_sanctions").all()
    assert failed["error"].str.contains("params.noise").all()
    assert failed["final_strength.China-Russia"].isna().all()
    ok = frame[shift == 0.0]
    assert (ok["status"] == "ok").all() and ok["error"].isna().all()
    assert ok[f"first_triangle_step.{TRIANGLE}"].notna().all()
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["failed"]) == [0, 3, 0, 3]
    assert math.isnan(summary.loc[1, f"P(triangle_formed.{TRIANGLE})"])


def test_sweep_folder(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    frame = run(tiny_sweep, out=out, workers=1, chunk=5, progress=False, command=["test"])
    # 12 runs in chunks of 5: 5 + 5 + 2
    assert [p.name for p in chunk_files(out)] == [
        "chunk-00000.parquet", "chunk-00001.parquet", "chunk-00002.parquet"
    ]  # fmt: skip
    assert list(frame[["point", "replication"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(4) for r in range(3)
    ]
    assert (frame["status"] == "ok").all()
    assert list(frame.columns[:5]) == [
        "point", "replication", "seed", "params.balance_weight", "params.history_weight"
    ]  # fmt: skip
    assert frame[f"first_triangle_step.{TRIANGLE}"].dtype == "Int64"
    manifest = read_manifest(out)
    sweep = load_sweep(tiny_sweep)
    assert manifest["scenario_sha256"] == sweep.scenario.content_hash()
    assert manifest["seed"] == 11 and manifest["runs"] == 12 and manifest["points"] == 4
    assert manifest["sweep"] == sweep.document
    assert manifest["command"] == ["test"]
    assert {"alignsim", "numpy", "pyarrow"} <= set(manifest["versions"])
    assert json.loads((out / "manifest.json").read_text())["replications"] == 3
    pd.testing.assert_frame_equal(frame, read_runs(out))


def test_summary(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    frame = run(tiny_sweep, out=out, workers=1, chunk=4, progress=False)
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["point"]) == [0, 1, 2, 3]
    assert list(summary["runs"]) == [3, 3, 3, 3]
    column = "final_strength.China-Russia"
    by_point = frame.groupby("point")[column]
    np.testing.assert_allclose(summary[f"{column}.mean"], by_point.mean(), rtol=1e-5)
    half = 1.959963984540054 * by_point.std() / np.sqrt(3)
    np.testing.assert_allclose(summary[f"{column}.ci_high"], by_point.mean() + half, rtol=1e-5)
    formed = frame.groupby("point")[f"triangle_formed.{TRIANGLE}"].mean().astype(float)
    np.testing.assert_allclose(summary[f"P(triangle_formed.{TRIANGLE})"], formed)
    china = (frame["bloc_of.Pakistan"] == "China").groupby(frame["point"]).mean()
    np.testing.assert_allclose(summary["P(bloc_of.Pakistan=China)"], china)
    assert summary["params.balance_weight"].tolist() == [0.2, 0.2, 0.8, 0.8]


def test_wilson_interval():
    p, low, high = wilson(0, 10)
    assert (p, low) == (0.0, 0.0) and 0.2 < high < 0.35
    p, low, high = wilson(5, 10)
    assert p == 0.5 and low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_refuses_a_non_empty_folder(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(StorageError, match="not empty"):
        execute(tiny_sweep, out, workers=1, progress=False)
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "manifest.json").exists()


def test_cli_sweep(tiny_sweep, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["sweep", str(tiny_sweep), "--out", str(out), "--workers", "1", "--chunk", "5"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.strip().splitlines()[-1] == str(out)
    assert len(read_runs(out)) == 12
    # again into the same folder: refused, exit 2, no traceback
    code = main(["sweep", str(tiny_sweep), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert "not empty" in captured.err and "--resume" in captured.err
    assert "Traceback" not in captured.err
    # resuming a finished sweep runs nothing and keeps the rows
    code = main(["sweep", "--resume", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and "0 runs" in captured.out
    assert captured.out.strip().splitlines()[-1] == str(out)
    assert len(read_runs(out)) == 12


def test_cli_bad_sweep_file(tmp_path, make_sweep, capsys):
    path = make_sweep(tmp_path, parameters="  params.no_such_parameter: [1, 2]\n")
    code = main(["sweep", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert f"{path}:" in captured.err and "no_such_parameter" in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sweep"], "--resume DIR"),
        (["sweep", "x.yaml"], "--out DIR"),
        (["sweep", "--resume", "nowhere"], "no such sweep folder"),
        (["sweep", "x.yaml", "--out", "o", "--workers", "0"], "--workers"),
    ],
)
def test_cli_usage_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_the_package_exports_the_python_api(tiny_sweep, tmp_path):
    import alignsim.sweep as sweep

    runs = sweep.run(tiny_sweep, out=tmp_path / "out", workers=1, progress=False)
    assert len(runs) == 12
    pd.testing.assert_frame_equal(runs, sweep.read_runs(tmp_path / "out"))
    assert sweep.load_sweep(tiny_sweep).replications == 3
    assert not list((tmp_path / "out" / "runs").glob("journal-*"))


def test_the_sweep_workflow_draws_figures_and_a_failure_to_draw_is_not_fatal(
    tiny_sweep, tmp_path, monkeypatch, capsys
):
    from alignsim.viz import sweep_plots
    from alignsim.workflows.sweep import run_sweep

    out = tmp_path / "out"
    assert execute(tiny_sweep, out, workers=1, progress=False).plots == []  # storing only
    assert not (out / "plots").exists()
    done = run_sweep(out=out, resume=True, progress=False)
    assert done.ran == 0 and done.plots and all(p.parent == out / "plots" for p in done.plots)
    assert all(p.is_file() for p in done.plots)

    def broken(*args, **kwargs):
        raise RuntimeError("no figures today")

    monkeypatch.setattr(sweep_plots, "_figure_makers", broken)
    done = run_sweep(out=out, resume=True, progress=False)  # a figure failing is not fatal
    assert done.plots == [] and done.summary is not None
    assert "the figures could not be drawn: no figures today" in capsys.readouterr().err
