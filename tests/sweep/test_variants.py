"""Common random numbers, scenario variants as a factor, and per-step series."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignsim.cli import main
from alignsim.sweep import execute, load_sweep, read_manifest, read_runs
from alignsim.sweep.designs import design_points
from alignsim.sweep.spec import SweepError
from alignsim.sweep.storage import chunk_files, read_series, series_files
from alignsim.sweep.tasks import task_seed

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"
TAPI = ROOT / "scenarios" / "counterfactuals" / "tapi_blocked.yaml"
#: tapi_blocked differs from the flagship from its event of 2016-09, applied at step 11.
TAPI_STEP = 11


def _sweep(folder: Path, body: str, name: str = "sweep.yaml") -> Path:
    rel = {"FLAGSHIP": os.path.relpath(FLAGSHIP, folder), "TAPI": os.path.relpath(TAPI, folder)}
    path = folder / name
    path.write_text(body.format(**rel), encoding="utf-8")
    return path


VARIANTS = """\
scenario:
  flagship: {FLAGSHIP}
  tapi_blocked: {TAPI}
steps: 14
replications: 3
seed: 7
parameters:
  params.balance_weight: [0.2, 0.6]
outcomes: [final_strength, triangle_formed, bloc_of]
series: [strength, balance_ratio, same_bloc, triangle_formed]
"""


@pytest.fixture(scope="module")
def variants_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("variants")
    execute(_sweep(folder, VARIANTS), folder / "out", workers=1, progress=False)
    return folder / "out"


def test_common_seeds_give_replication_r_one_seed_everywhere(variants_folder):
    runs = read_runs(variants_folder)
    assert runs["point"].nunique() == 4  # 2 scenarios × 2 balance weights
    by_replication = runs.groupby("replication")["seed"].unique()
    assert all(len(seeds) == 1 for seeds in by_replication)
    assert list(by_replication.str[0]) == [task_seed(7, r) for r in range(3)]
    manifest = read_manifest(variants_folder)
    assert manifest["seeds"] == "common" and "same at every design point" in manifest["seeding"]


def test_independent_seeds_give_every_run_its_own(tmp_path):
    body = VARIANTS.replace("seed: 7\n", "seed: 7\nseeds: independent\n").replace("series:", "#")
    execute(_sweep(tmp_path, body), tmp_path / "out", workers=1, progress=False)
    runs = read_runs(tmp_path / "out")
    assert runs["seed"].is_unique
    keys = zip(runs["point"], runs["replication"], strict=True)
    assert list(runs["seed"]) == [task_seed(7, p * 3 + r) for p, r in keys]
    assert read_manifest(tmp_path / "out")["seeds"] == "independent"


def test_variants_are_a_factor_crossed_with_the_design(variants_folder):
    runs = read_runs(variants_folder)
    manifest = read_manifest(variants_folder)
    assert manifest["parameters"] == ["scenario", "params.balance_weight"]
    assert set(manifest["variants"]) == {"flagship", "tapi_blocked"}
    design = runs.drop_duplicates("point")[["point", "scenario", "params.balance_weight"]]
    assert design.values.tolist() == [
        [0, "flagship", 0.2], [1, "flagship", 0.6],
        [2, "tapi_blocked", 0.2], [3, "tapi_blocked", 0.6],
    ]  # fmt: skip
    summary = pd.read_csv(variants_folder / "summary.csv")
    assert list(summary["scenario"]) == ["flagship", "flagship", "tapi_blocked", "tapi_blocked"]


def test_a_variants_runs_equal_a_sweep_of_that_scenario_alone(variants_folder, tmp_path):
    alone = VARIANTS.replace(
        "scenario:\n  flagship: {FLAGSHIP}\n  tapi_blocked: {TAPI}\n", "scenario: {TAPI}\n"
    )
    execute(_sweep(tmp_path, alone), tmp_path / "alone", workers=1, progress=False)
    single = read_runs(tmp_path / "alone")
    crossed = read_runs(variants_folder)
    crossed = crossed[crossed["scenario"] == "tapi_blocked"].reset_index(drop=True)
    columns = [c for c in single.columns if c.startswith(("final_strength", "seed"))]
    pd.testing.assert_frame_equal(crossed[columns], single[columns])


def test_paired_differences_are_exactly_zero_before_the_corridor_event(variants_folder):
    """The flagship and tapi_blocked share everything before 2016-09: with common seeds
    every per-step series is identical at every step before the event, and differs after."""
    series = read_series(variants_folder)
    runs = read_runs(variants_folder)[["point", "scenario", "params.balance_weight"]]
    series = series.merge(runs.drop_duplicates("point"), on="point")
    wide = series.pivot_table(
        index=["params.balance_weight", "replication", "outcome", "step"],
        columns="scenario", values="value",
    )  # fmt: skip
    difference = wide["tapi_blocked"] - wide["flagship"]
    steps = difference.index.get_level_values("step")
    before = difference[steps < TAPI_STEP]
    assert len(before) and (before == 0).all(), before[before != 0].head()
    assert (difference[steps >= TAPI_STEP] != 0).any()  # the event does change something
    outcomes = set(series["outcome"])
    assert {"strength.Russia-Pakistan", "balance_ratio", "same_bloc.China-Pakistan",
            "triangle_formed.China-Russia-Pakistan"} <= outcomes  # fmt: skip


def test_series_are_stored_in_long_form(variants_folder):
    series = read_series(variants_folder)
    assert list(series.columns) == ["run", "point", "replication", "step", "date", "outcome",
                                    "value"]  # fmt: skip
    runs = read_runs(variants_folder)
    per_run = series.groupby("run")["outcome"].nunique()
    assert len(per_run) == len(runs) and per_run.nunique() == 1
    one = series[(series["run"] == 0) & (series["outcome"] == "strength.Russia-Pakistan")]
    assert list(one["step"]) == list(range(15))
    assert one["date"].iloc[0] == "2014-Q1" and one["date"].iloc[-1] == "2017-Q3"
    # the last step's strength is the run's final_strength
    final = runs.loc[(runs["point"] == 0) & (runs["replication"] == 0),
                     "final_strength.Russia-Pakistan"].item()  # fmt: skip
    assert one["value"].iloc[-1] == final
    assert len(series_files(variants_folder)) == len(chunk_files(variants_folder))


def test_a_resumed_sweep_keeps_seeds_series_and_variants(variants_folder, tmp_path):
    path = _sweep(tmp_path, VARIANTS)
    out = tmp_path / "out"
    execute(path, out, workers=1, chunk=4, progress=False)
    chunks = chunk_files(out)
    chunks[-1].unlink()  # a kill after the series chunk was written, before the runs chunk
    assert (out / "series" / chunks[-1].name).is_file()
    assert len(series_files(out)) == len(chunks) - 1  # that one is not read as data
    done = execute(out=out, resume=True, workers=1, progress=False)
    assert done.ran == 4
    pd.testing.assert_frame_equal(read_runs(out), read_runs(variants_folder))
    pd.testing.assert_frame_equal(read_series(out), read_series(variants_folder))


def test_a_folder_from_before_seeds_existed_resumes_with_its_own_seeds(tmp_path):
    body = VARIANTS.replace("series: [strength, balance_ratio, same_bloc, triangle_formed]\n", "")
    out = tmp_path / "out"
    execute(_sweep(tmp_path, body), out, workers=1, chunk=6, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("seeds", "variants", "series", "series_columns"):
        manifest.pop(key)
    (out / "manifest.json").write_text(json.dumps(manifest))
    for chunk in chunk_files(out):
        chunk.unlink()
    execute(out=out, resume=True, workers=1, progress=False)
    runs = read_runs(out)
    keys = zip(runs["point"], runs["replication"], strict=True)
    assert list(runs["seed"]) == [task_seed(7, p * 3 + r) for p, r in keys]


def test_one_scenario_in_a_list_and_no_parameters(tmp_path):
    body = "scenario: [{FLAGSHIP}, {TAPI}]\nsteps: 2\nreplications: 2\n"
    sweep = load_sweep(_sweep(tmp_path, body))
    assert list(sweep.variants) == ["pakistan_china_russia", "tapi_blocked"]
    design = design_points(sweep)
    assert design.to_dict("list") == {
        "point": [0, 1], "scenario": ["pakistan_china_russia", "tapi_blocked"]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("scenario: [{FLAGSHIP}, {FLAGSHIP}]\nsteps: 2\n", 1,
         "a second scenario labelled 'pakistan_china_russia' (line 1) (name them"),
        ("scenario: {FLAGSHIP}\nseeds: commom\nparameters: {{params.noise: [0.1]}}\n", 2,
         "did you mean 'common'?"),
        ("scenario: {FLAGSHIP}\nseries: [strenght]\nparameters: {{params.noise: [0.1]}}\n", 2,
         "did you mean 'strength'?"),
        ("scenario:\n  a: {FLAGSHIP}\n  b: {TAPI}\ndesign: {{method: sobol, samples: 4}}\n"
         "parameters: {{params.noise: {{low: 0.0, high: 0.1}}}}\n", 1,
         "scenario variants cannot be crossed with a sobol design"),
        ("scenario:\n  blocked: {TAPI}\n  flagship: {FLAGSHIP}\n"
         "parameters: {{events.tapi_blocked_early.at: ['2017-01']}}\n", 4,
         "with scenario 'flagship': unknown event id 'tapi_blocked_early'"),
    ],
)  # fmt: skip
def test_bad_variants_seeds_and_series_are_reported_at_their_line(
    tmp_path, capsys, body, line, message
):
    path = _sweep(tmp_path, body)
    with pytest.raises(SweepError) as caught:
        load_sweep(path)
    assert any(p.line == line and message in str(p) for p in caught.value.problems), str(
        caught.value
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}:" in err and "Traceback" not in err


def test_every_worker_count_gives_the_same_runs_and_series(variants_folder, tmp_path):
    execute(_sweep(tmp_path, VARIANTS), tmp_path / "two", workers=2, progress=False)
    pd.testing.assert_frame_equal(read_runs(tmp_path / "two"), read_runs(variants_folder))
    pd.testing.assert_frame_equal(read_series(tmp_path / "two"), read_series(variants_folder))


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_runs_and_series(variants_folder, tmp_path):
    execute(_sweep(tmp_path, VARIANTS), tmp_path / "dask", scheduler="local", workers=2,
            progress=False)  # fmt: skip
    pd.testing.assert_frame_equal(read_runs(tmp_path / "dask"), read_runs(variants_folder))
    pd.testing.assert_frame_equal(read_series(tmp_path / "dask"), read_series(variants_folder))


def test_series_of_failed_runs_are_left_out(tmp_path):
    body = (
        "scenario: {FLAGSHIP}\nsteps: 3\nreplications: 1\n"
        "parameters:\n  params.balance_weight: [0.2, 0.8]\n"
        "  events.crimea_sanctions.param.shift.noise: [0.0, -1.0]\n"
        "outcomes: [final_strength]\nseries: [strength]\n"
    )
    execute(_sweep(tmp_path, body), tmp_path / "out", workers=1, progress=False)
    runs = read_runs(tmp_path / "out")
    series = read_series(tmp_path / "out")
    ok = runs.loc[runs["status"] == "ok", "point"]
    assert set(series["point"]) == set(ok) and (runs["status"] == "failed").any()
    assert np.isfinite(series["value"]).all()


@pytest.mark.slow
def test_the_sweep_figures_include_a_fan_chart_of_the_series_per_point(variants_folder, tmp_path):
    from PIL import Image

    from alignsim.workflows.sweep import draw_sweep_figures

    paths = draw_sweep_figures(variants_folder)
    fans = sorted(p.name for p in paths if p.name.startswith("series_"))
    assert fans == [f"series_point{k:03d}.png" for k in range(4)]
    pixels = np.asarray(Image.open(variants_folder / "plots" / fans[0]).convert("L"), float)
    assert pixels.var() > 100


def test_variants_on_different_clocks_are_refused(tmp_path):
    shifted = tmp_path / "shifted.yaml"
    shifted.write_text(f"extends: {os.path.relpath(TAPI, tmp_path)}\n"
                       "calendar: {start: 2014-01, step: month}\nsteps: 144\n",
                       encoding="utf-8")  # fmt: skip
    longer = tmp_path / "longer.yaml"
    longer.write_text(f"extends: {os.path.relpath(TAPI, tmp_path)}\nsteps: 60\n", encoding="utf-8")
    body = "scenario: [{FLAGSHIP}, shifted.yaml]\nreplications: 2\n"
    with pytest.raises(SweepError, match="must share a calendar: 'shifted' has a month"):
        load_sweep(_sweep(tmp_path, body))
    body = "scenario: [{FLAGSHIP}, longer.yaml]\nreplications: 2\n"
    steps = r"different numbers of steps \('pakistan_china_russia' 48"
    with pytest.raises(SweepError, match=steps):
        load_sweep(_sweep(tmp_path, body))
    assert load_sweep(_sweep(tmp_path, body + "steps: 12\n")).steps == 12


def test_an_event_named_by_index_must_be_the_same_event_in_every_variant(tmp_path):
    downturn = ROOT / "scenarios" / "counterfactuals" / "no_us_pakistan_downturn.yaml"
    body = (f"scenario: [{{FLAGSHIP}}, {os.path.relpath(downturn, tmp_path)}]\n"
            "parameters: {{events.20.at: ['2014-06']}}\n")  # fmt: skip
    named = r"events\.20 is us_aid_suspension in .* name the event"
    with pytest.raises(SweepError, match=named):
        load_sweep(_sweep(tmp_path, body))
    by_id = body.replace("events.20.at", "events.crimea_sanctions.at")
    assert load_sweep(_sweep(tmp_path, by_id)).variants


def test_a_series_chunk_without_its_runs_chunk_is_not_read(tmp_path):
    out = tmp_path / "out"
    execute(_sweep(tmp_path, VARIANTS), out, workers=1, chunk=4, progress=False)
    chunk_files(out)[-1].unlink()  # killed between the series chunk and the runs chunk
    runs, series = read_runs(out), read_series(out)
    assert set(series["run"]) == set(runs["point"] * 3 + runs["replication"])
    assert read_series(out, outcomes=[]).empty
    assert set(read_series(out, outcomes="balance_ratio")["outcome"]) == {"balance_ratio"}
