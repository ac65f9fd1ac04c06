"""The set-up behind the README's two commands finds a Python >= 3.12 or says what to do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV_SH = ROOT / "scripts" / "env.sh"
SYSTEM_DIRS = ("/usr/bin", "/bin", "/usr/local/bin", "/opt/homebrew/bin")


def bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/bash", "-c", f"source {ENV_SH}; {script}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # only a script that hangs takes this long
    )


def isolated_env(tmp_path: Path, path_dirs: list[Path | str]) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.pathsep.join(map(str, path_dirs)),
        "HOME": str(home),
        "PYENV_ROOT": str(tmp_path / "pyenv"),
        "ALIGNSIM_VENV": str(tmp_path / "venv"),
    }


def _runs(exe: Path, code: str) -> bool:
    return subprocess.run([exe, "-c", code], capture_output=True).returncode == 0


def system_has_new_python() -> bool:
    """Whether a system folder already holds a Python >= 3.12 (then the finder may use it)."""
    probe = "import sys; sys.exit(sys.version_info < (3, 12))"
    for folder in SYSTEM_DIRS:
        for exe in Path(folder).glob("python3*"):
            candidate = re.fullmatch(r"python3(\.\d+)?", exe.name) and os.access(exe, os.X_OK)
            if candidate and _runs(exe, probe):
                return True
    return False


def test_skips_a_broken_shim_and_finds_a_pyenv_install(tmp_path):
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.12"  # like pyenv's shim for a version that is not selected
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    installed = tmp_path / "pyenv" / "versions" / "3.12.9" / "bin"
    installed.mkdir(parents=True)
    (installed / "python3").symlink_to(sys.executable)
    proc = bash("find_python", isolated_env(tmp_path, [shims, "/usr/bin", "/bin"]))
    if system_has_new_python():
        assert proc.returncode == 0
    else:
        assert proc.stdout.strip() == str(installed / "python3"), proc.stderr


def test_prefers_alignsim_python(tmp_path):
    env = isolated_env(tmp_path, ["/usr/bin", "/bin"])
    env["ALIGNSIM_PYTHON"] = sys.executable
    proc = bash("find_python", env)
    assert proc.returncode == 0
    assert proc.stdout.strip() == sys.executable


def test_says_what_to_install_when_none_is_found(tmp_path):
    if system_has_new_python():
        pytest.skip("this machine has a Python >= 3.12 in a system folder")
    proc = bash("ensure_venv", isolated_env(tmp_path, ["/usr/bin", "/bin"]))
    assert proc.returncode == 1
    assert "needs Python 3.12 or newer" in proc.stderr
    assert "apt install python3.12" in proc.stderr
    assert "ALIGNSIM_PYTHON" in proc.stderr
    assert not (tmp_path / "venv").exists()
