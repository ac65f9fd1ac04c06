"""`alignsim plot` and `alignsim animate` on a run folder, as a user calls them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from alignsim.cli import main
from alignsim.viz.animation import frame_count
from tests.conftest import FLAGSHIP


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viz") / "run"
    assert main(["run", str(FLAGSHIP), "--seed", "2", "--steps", "6", "--no-plots",
                 "--out", str(folder)]) == 0  # fmt: skip
    return folder


def test_plot_writes_every_figure(run_dir, capsys):
    assert main(["plot", str(run_dir), "--steps", "0,3,6"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == str(run_dir / "plots")
    names = {p.name for p in (run_dir / "plots").glob("*.png")}
    assert {"network_0.png", "network_3.png", "network_6.png", "network_final.png",
            "network_snapshots.png", "timeline_watched.png", "heatmap_ties.png", "stances.png",
            "blocs.png", "balance_polarization.png"} <= names  # fmt: skip


def test_plot_rejects_steps_outside_the_run(run_dir, capsys):
    assert main(["plot", str(run_dir), "--steps", "7"]) == 2
    assert "outside the run" in capsys.readouterr().err


def test_animate_one_frame_per_step(run_dir, capsys):
    assert main(["animate", str(run_dir), "--fps", "5"]) == 0
    path = capsys.readouterr().out.strip().splitlines()[-1]
    assert path == str(run_dir / "animation.gif")
    assert frame_count(run_dir / "animation.gif") == 7


def test_animate_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["animate", str(tmp_path)]) == 2
    assert "not a complete alignsim run folder" in capsys.readouterr().err


def listing(folder: Path) -> list[str]:
    """Every file of the folder but the manifest, as the manifest names them."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )


def manifest_files(folder: Path) -> dict[str, str]:
    return json.loads((folder / "manifest.json").read_text())["files"]


def snapshots(folder: Path) -> set[str]:
    return {p.name for p in (folder / "plots").glob("network_*.png")}


@pytest.fixture()
def drawn_run(tmp_path):
    """A short run folder with its figures, as `alignsim run` writes it."""
    folder = tmp_path / "run"
    assert main(["run", str(FLAGSHIP), "--seed", "2", "--steps", "8", "--out", str(folder)]) == 0
    return folder


def test_plot_steps_replaces_the_snapshots_and_the_manifest_follows(drawn_run, capsys):
    assert snapshots(drawn_run) == {f"network_{s}.png" for s in (0, 2, 4, 6, 8)} | {
        "network_final.png", "network_snapshots.png"}  # fmt: skip
    user = drawn_run / "plots" / "network_5.png"  # a file alignsim did not write
    user.write_bytes(b"not alignsim's")
    capsys.readouterr()
    assert main(["plot", str(drawn_run), "--steps", "1,3"]) == 0
    out = capsys.readouterr().out
    assert out.count("removed ") == 5 and out.strip().splitlines()[-1] == str(drawn_run / "plots")
    assert snapshots(drawn_run) == {"network_1.png", "network_3.png", "network_5.png",
                                    "network_final.png", "network_snapshots.png"}  # fmt: skip
    assert user.read_bytes() == b"not alignsim's"
    files = manifest_files(drawn_run)
    assert sorted(files) == listing(drawn_run)
    for name, digest in files.items():
        assert hashlib.sha256((drawn_run / name).read_bytes()).hexdigest() == digest, name
    manifest = json.loads((drawn_run / "manifest.json").read_text())
    assert manifest["updates"][-1]["command"] == ["alignsim", "plot", str(drawn_run),
                                                  "--steps", "1,3"]  # fmt: skip
    assert not [p for p in drawn_run.iterdir() if p.name.startswith(".")]  # no temporary file


def test_plot_keeps_a_snapshot_changed_since_it_was_drawn(drawn_run):
    edited = drawn_run / "plots" / "network_2.png"
    edited.write_bytes(edited.read_bytes() + b"annotated")  # the manifest's hash no longer fits
    assert main(["plot", str(drawn_run), "--steps", "8"]) == 0
    assert edited.is_file() and not (drawn_run / "plots" / "network_4.png").exists()
    assert sorted(manifest_files(drawn_run)) == listing(drawn_run)


def test_all_ties_redraws_only_the_network_pictures(drawn_run):
    before = {p.name: p.read_bytes() for p in (drawn_run / "plots").glob("*.png")}
    assert main(["plot", str(drawn_run), "--all-ties"]) == 0
    after = {p.name: p.read_bytes() for p in (drawn_run / "plots").glob("*.png")}
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"network_0.png", "network_2.png", "network_4.png", "network_6.png",
                       "network_8.png", "network_final.png", "network_snapshots.png"}  # fmt: skip
    assert main(["plot", str(drawn_run)]) == 0  # the default again: the first pictures
    assert {p.name: p.read_bytes() for p in (drawn_run / "plots").glob("*.png")} == before


def test_animate_lists_the_animation_in_the_manifest(drawn_run, tmp_path):
    assert main(["animate", str(drawn_run)]) == 0
    assert "animation.gif" in manifest_files(drawn_run)
    assert sorted(manifest_files(drawn_run)) == listing(drawn_run)
    elsewhere = tmp_path / "elsewhere.gif"
    before = (drawn_run / "manifest.json").read_bytes()
    assert main(["animate", str(drawn_run), "--out", str(elsewhere)]) == 0
    assert (drawn_run / "manifest.json").read_bytes() == before  # not the run folder's file
