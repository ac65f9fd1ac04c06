"""`alignsim app` refuses what it cannot serve with a message, not a traceback."""

from __future__ import annotations

import socket

from alignsim.cli import main


def test_a_broken_scenario_is_refused_with_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nstates: {}\nsteps: -1\n")
    assert main(["app", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:" in err and "Traceback" not in err


def test_a_missing_scenario_is_refused(tmp_path, capsys):
    assert main(["app", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_a_port_out_of_range_is_refused(capsys):
    assert main(["app", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_a_port_in_use_is_refused_with_exit_1(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 1
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err
