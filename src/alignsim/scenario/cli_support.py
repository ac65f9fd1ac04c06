"""What ``alignsim validate FILE...`` prints and returns, kept out of the CLI so it is testable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .loading import load_scenario
from .problems import TOP, Problem, ScenarioError

EXIT_OK = 0
EXIT_INVALID = 2


def validate_files(
    paths: Iterable[str | Path], overrides: Sequence[str] = ()
) -> tuple[int, list[str]]:
    """Check every file; return (exit code, lines to print).

    ``FILE: ok`` for a good file, one ``FILE:LINE:COL: path: message`` line per
    problem otherwise. Exit code 0 when every file is fine, else 2. Never raises
    for a bad file: even an unexpected failure is reported as a problem line.
    """
    code = EXIT_OK
    lines: list[str] = []
    for path in paths:
        try:
            load_scenario(path, overrides)
        except ScenarioError as exc:
            code = EXIT_INVALID
            lines += [str(p) for p in exc.problems]
        except Exception as exc:  # a bug in the checks must not become a traceback
            code = EXIT_INVALID
            lines.append(str(Problem(str(path), 1, 1, TOP, f"internal error: {exc!r}")))
        else:
            lines.append(f"{path}: ok")
    return code, lines
