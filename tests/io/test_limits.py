"""Limits: a run that would not fit in memory or on disk is refused before it starts."""

from __future__ import annotations

import pytest

from alignsim.cli import main
from alignsim.io import limits
from tests.conftest import FLAGSHIP


def test_estimate_grows_with_steps_and_shrinks_with_thinning():
    big = limits.estimate(200, 5, 1000)
    assert big.disk > limits.estimate(200, 5, 100).disk
    assert limits.estimate(200, 5, 1000, every=10).disk < big.disk / 5
    assert limits.estimate(200, 5, 1000, pairs=10).memory < big.memory
    # 19,900 pairs × 1,001 steps of about 60 characters: over a gigabyte of ties.csv
    assert 1.0 < big.disk / 2**30 < 2.5


@pytest.mark.parametrize("text, value", [("1500", 1500), ("64M", 64 * 2**20), ("2GiB", 2**31)])
def test_parse_size(text, value):
    assert limits.parse_size(text) == value


def test_refusal_names_the_numbers_and_an_option_that_fits(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(limits.DISK_ENV, "2M")
    out = tmp_path / "run"
    code = main(["run", str(FLAGSHIP), "--steps", "2000", "--out", str(out), "--no-plots"])
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert "2000 steps of 12 states" in err and "2.0 MiB of disk" in err
    assert "--record-every 10 would need" in err
    assert "Traceback" not in err
    assert main(["run", str(FLAGSHIP), "--steps", "2000", "--out", str(out), "--no-plots",
                 "--record-every", "10"]) == 0  # fmt: skip
    assert out.is_dir()


def test_refusal_when_nothing_fits(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(limits.MEMORY_ENV, "1M")
    code = main(["run", str(FLAGSHIP), "--steps", "10", "--out", str(tmp_path / "r")])
    assert code == 2
    assert "use fewer --steps or fewer states" in capsys.readouterr().err


def test_thinned_runs_explain_but_do_not_plot(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(FLAGSHIP), "--steps", "12", "--out", str(out), "--record-every", "4",
                 "--record", "watched"]) == 0  # fmt: skip
    assert "no figures" in capsys.readouterr().err
    assert main(["explain", str(out), "China", "Pakistan"]) == 0
    assert main(["plot", str(out)]) == 2
    assert "--record-every 4" in capsys.readouterr().err
    assert main(["compare", str(out), str(out), "--out", str(tmp_path / "c")]) == 2
