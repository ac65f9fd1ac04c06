"""Safe input and safe output: no code from YAML, no writing outside the place named,
no run folder that looks complete unless it is, and clear errors when writing fails."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alignsim.cli import main
from alignsim.io.reader import read_run
from alignsim.io.run_folder import default_run_dir, safe_name

SCENARIO = """\
name: {name}
steps: {steps}
dimensions:
  energy: {{kind: complementary}}
  security: {{kind: shared}}
states:
  A: {{power: 1.0, interests: {{energy: 0.8, security: 0.5}}}}
  B: {{power: 0.5, interests: {{energy: -0.7, security: 0.4}}}}
  C: {{power: 0.3, interests: {{energy: 0.2, security: -0.6}}}}
watch: {{triangles: [[A, B, C]]}}
"""

PAYLOADS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:argparse.Namespace {{a: 1}}",
]


def scenario(tmp_path: Path, name: str = "safety", steps: int = 4, file: str = "s.yaml") -> Path:
    path = tmp_path / file
    path.write_text(SCENARIO.format(name=name, steps=steps), encoding="utf-8")
    return path


def run(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alignsim", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd, **kwargs,
    )  # fmt: skip


# --- safe input ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["description", "seed", "key", "list"])
def test_python_tags_are_rejected_and_never_run(tmp_path, capsys, payload, where):
    marker = tmp_path / "pwned"
    tagged = payload.format(marker=marker)
    text = SCENARIO.format(name="x", steps=2)
    if where == "description":
        text += f"description: {tagged}\n"
    elif where == "seed":
        text = text.replace("steps: 2", f"steps: 2\nseed: {tagged}")
    elif where == "key":
        text += f"? {tagged}\n: 1\n"
    else:
        text += f"events:\n  - {tagged}\n"
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "run")]):
        assert main(args) == 2
        err = capsys.readouterr().err
        line = {"description": 11, "seed": 3, "key": 11, "list": 12}[where]
        assert err.startswith(f"{path}:{line}:"), err
        assert "is not allowed" in err or "a key must be plain text" in err
    assert not marker.exists()
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_python_tag_in_a_real_process(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        SCENARIO.format(name="x", steps=2)
        + f"description: !!python/object/apply:os.system ['touch {marker}']\n",
        encoding="utf-8",
    )
    done = run("run", str(path), "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"{path}:11:14: description: YAML tag")
    assert "Traceback" not in done.stderr
    assert not marker.exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_python_tags_in_sweep_files_are_rejected(tmp_path, capsys, payload):
    marker = tmp_path / "pwned"
    scenario(tmp_path, file="base.yaml")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        "scenario: base.yaml\n"
        f"parameters:\n  params.noise: [0.0, {payload.format(marker=marker)}]\n",
        encoding="utf-8",
    )
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{sweep}:3:")
    assert "is not allowed" in err
    assert not marker.exists() and not (tmp_path / "out").exists()


# --- names and destinations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../../etc/x", "etc-x"),
        ("/abs/path", "abs-path"),
        ("..", "scenario"),
        ("...", "scenario"),
        ("☂ ☂", "scenario"),
        ("  ", "scenario"),
        ("中国 axis", "中国-axis"),
        ("C:\\Windows\\x", "C-Windows-x"),
        ("a/../../b", "a-..-..-b"),
        (".hidden", "hidden"),
        ("𠀀" * 60, "𠀀" * 20),
    ],
)
def test_scenario_names_become_one_folder_inside_the_results(name, folder):
    assert safe_name(name) == folder
    assert len(safe_name(name).encode("utf-8")) <= 80
    root = Path("/results")
    path = default_run_dir(root, name, 7, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert path.parent.parent == root
    assert path.parent.name == folder


@pytest.mark.parametrize("name", ["../../escape", "/tmp/abs-escape", "..", "☂", "中国"])
def test_run_with_a_hostile_name_writes_only_inside_the_results(tmp_path, capsys, name):
    work = tmp_path / "work"
    work.mkdir()
    path = scenario(work, name=f'"{name}"')
    results = work / "results"
    assert main(["run", str(path), "--no-plots", "--results", str(results)]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[-1])
    assert folder.parent.parent == results
    assert read_run(folder).scenario.name == name
    outside = {p for p in tmp_path.rglob("*") if not p.is_relative_to(work)}
    assert outside == set()
    assert not Path("/tmp/abs-escape").exists()


def test_out_with_dots_writes_exactly_where_it_points(tmp_path, capsys):
    path = scenario(tmp_path)
    (tmp_path / "a").mkdir()
    out = tmp_path / "a" / ".." / "b"
    assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "s.yaml"]
    assert not any((tmp_path / "a").iterdir())
    read_run(tmp_path / "b")


def test_a_full_run_folder_is_never_replaced(tmp_path, capsys):
    path = scenario(tmp_path)
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_runs_in_the_same_second_get_their_own_folders(tmp_path, capsys, monkeypatch):
    path = scenario(tmp_path)
    frozen = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen

    monkeypatch.setattr("alignsim.cli.datetime", Frozen)
    folders = []
    for _ in range(3):
        assert main(["run", str(path), "--no-plots", "--results", str(tmp_path / "r")]) == 0
        folders.append(Path(capsys.readouterr().out.splitlines()[-1]))
    assert [f.name for f in folders] == [
        "20240102T030405Z-seed0", "20240102T030405Z-seed0-2", "20240102T030405Z-seed0-3"
    ]  # fmt: skip
    for folder in folders:
        read_run(folder)


# --- atomic outputs --------------------------------------------------------------------------


def _check_destination(out: Path) -> str:
    """'absent' or 'complete'; anything else fails the test."""
    if not out.exists():
        return "absent"
    result = read_run(out)  # raises for an incomplete folder
    assert result.steps == 60
    return "complete"


@pytest.mark.slow
def test_sigkill_never_leaves_a_folder_that_looks_complete(tmp_path):
    """Kill real runs at random moments: the destination is absent or complete, never half.

    The moments are spread over the run; where each lands depends on the machine's speed,
    and any outcome passes but a half folder. The first kill comes at once, before the
    interpreter has started, so that one destination is surely absent."""
    path = scenario(tmp_path, steps=60)
    rng = random.Random(20240101)
    seen = set()
    delays = [0.0, 0.2, 0.5, 0.8, 1.1, 1.4, 1.7, 2.0, 2.5, 3.0, 4.0]
    for attempt, delay in enumerate(delays):
        out = tmp_path / f"run{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-m", "alignsim", "run", str(path), "--out", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(delay * rng.uniform(0.8, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        seen.add(_check_destination(out))
        partial = list(tmp_path.glob(f".run{attempt}.*.partial"))
        assert all(not (p / "manifest.json").exists() or p.name.startswith(".") for p in partial)
    # one uninterrupted run, to know what "complete" looks like
    done = run("run", str(path), "--out", str(tmp_path / "whole"))
    assert done.returncode == 0, done.stderr
    assert _check_destination(tmp_path / "whole") == "complete"
    assert "absent" in seen  # the first kill happened before the rename


@pytest.mark.slow
def test_unwritable_folder_gives_a_clear_error(tmp_path):
    path = scenario(tmp_path)
    if os.geteuid() == 0:  # root writes through chmod: use a folder no one may write to
        parent = Path("/sys/alignsim-test")
        try:
            parent.mkdir()
        except OSError:
            pass
        else:  # pragma: no cover - /sys is writable here after all
            parent.rmdir()
            pytest.skip("running as root and /sys is writable: no unwritable folder to try")
        out = parent / "run"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        out = locked / "run"
    try:
        done = run("run", str(path), "--no-plots", "--out", str(out))
    finally:
        if os.geteuid() != 0:
            (tmp_path / "locked").chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"alignsim: cannot write the run folder {out}: ")
    assert "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.slow
def test_results_under_a_file_is_bad_input(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "plain").write_text("a file")
    done = run("run", str(path), "--no-plots", "--results", str(tmp_path / "plain" / "r"))
    assert done.returncode == 2
    assert "is a file, not a folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_full_disk_gives_a_clear_error_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    """No small file system can be mounted without root here, so the writer is made to fail
    the way a full disk fails (ENOSPC) half-way through the folder."""
    import pandas as pd

    path = scenario(tmp_path)
    real = pd.DataFrame.to_csv
    calls = []

    def full(self, target, *args, **kwargs):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return real(self, target, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "run"
    assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"alignsim: cannot write the run folder {out}: No space left on device\n"
    assert not out.exists()
    assert not list(tmp_path.glob(".*.partial"))
    # the default location leaves nothing behind either
    calls.clear()
    assert main(["run", str(path), "--no-plots", "--results", str(tmp_path / "res")]) == 1
    assert not [p for p in (tmp_path / "res").rglob("*") if p.is_dir() and "seed" in p.name]


#: Writes a run folder and stops half-way, holding its temporary folder until the test
#: closes its standard input or kills it.
WRITER_THAT_HANGS = """
import sys
from datetime import UTC, datetime
from alignsim.io.run_folder import write_run_folder
from alignsim.model.simulate import simulate
from alignsim.scenario import load_scenario

def hang(result, folder):
    print(folder, flush=True)
    sys.stdin.read()

result = simulate(load_scenario(sys.argv[1]))
write_run_folder(result, sys.argv[2], command=[], started=datetime.now(UTC), write_extras=hang)
"""


@pytest.mark.slow
def test_the_next_run_removes_a_killed_runs_temporary_folder(tmp_path):
    """A run killed while writing leaves its hidden folder; the next run in the same place
    deletes it once it is stale, and never while its writer lives or just after."""
    path = scenario(tmp_path)
    results = tmp_path / "results"
    long_ago = time.time() - 3600
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER_THAT_HANGS, str(path), str(results / "killed")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        partial = Path(writer.stdout.readline().strip())
        assert partial.is_dir() and partial.name.endswith(".partial")
        os.utime(partial, (long_ago, long_ago))
        assert run("run", str(path), "--out", str(results / "first")).returncode == 0
        assert partial.is_dir(), "its writer is alive: the folder is not stale"
    finally:
        writer.kill()
        writer.wait(timeout=60)
    # killed a moment ago, as the next run sees it however long it takes to start: dated
    # an hour ahead, so that no loaded machine can make it 60 s old before the run looks
    ahead = time.time() + 3600
    os.utime(partial, (ahead, ahead))
    assert run("run", str(path), "--out", str(results / "second")).returncode == 0
    assert partial.is_dir(), "a young folder is left alone"
    os.utime(partial, (long_ago, long_ago))
    assert run("run", str(path), "--out", str(results / "third")).returncode == 0
    assert not partial.exists()
    assert sorted(p.name for p in results.iterdir()) == ["first", "second", "third"]
    for name in ("first", "second", "third"):
        read_run(results / name)
