"""What ``alignsim validate FILE...`` prints and returns, kept out of the CLI so it is testable.

``validate`` takes files of several kinds (scenarios, sweep files) in one list. Each kind
is a :class:`FileKind`: its top-level keys, by which a file is recognised, and the loader
that checks it. Scenarios are built in; the CLI adds the kinds of the packages above this
one (``alignsim.sweep.spec.SWEEP_FILE``), so this package imports none of them. A new kind
of file is one more :class:`FileKind` in that list.

Observed histories (``.csv``) are told by their suffix instead, a CSV file having no keys,
and are checked against the scenario given with ``--scenario``; a scenario that names one
(``observed:``) has it checked with it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .extends import EXTENDS
from .loading import load_scenario, read_file
from .observed import COLUMNS, read_named_history, read_observed
from .paths import fields_by_alias
from .problems import TOP, Problem, ScenarioError
from .schema import Scenario
from .yamlpos import load_yaml

EXIT_OK = 0
EXIT_INVALID = 2


@dataclass(frozen=True)
class FileKind:
    """One kind of file ``validate`` checks."""

    #: What the kind is called in messages ("scenario", "sweep file").
    name: str
    #: Its top-level keys; those no other kind has tell a file of this kind.
    keys: tuple[str, ...]
    #: Loads and checks a file; raises an exception with a ``problems`` list when it is bad.
    check: Callable[[Path], object]
    #: Its telling keys as a reader writes them ("name:, dimensions:, states:").
    example: str
    #: File name endings that tell the kind instead of keys (".csv"); none for YAML kinds.
    suffixes: tuple[str, ...] = ()
    #: The keys that tell this kind from the others, when only some of its own do: a kind
    #: that shares most keys with another (a calibration file with a sweep file) is told by
    #: these, and leaves the shared keys telling the other kind.
    telling: tuple[str, ...] = ()


def check_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load a scenario and check the observed history it names (``observed:``), if any."""
    scenario = load_scenario(path, overrides)
    if scenario.observed is not None:
        read_named_history(scenario, path)
    return scenario


SCENARIO = FileKind(
    name="scenario",
    keys=(*fields_by_alias(Scenario), EXTENDS),
    check=check_scenario,
    example="name:, dimensions:, states:",
)
OBSERVED_SUFFIX = ".csv"


def observed_kind(scenario: Scenario | None, scenario_path: str | Path | None) -> FileKind:
    """Observed histories (``.csv``), checked against ``scenario`` (loaded from
    ``scenario_path``); with no scenario path, each is a problem asking for one, and with a
    scenario that could not be loaded, each says it was not checked."""

    def check(path: Path) -> object:
        if scenario is not None:
            return read_observed(path, scenario)
        if scenario_path is None:
            message = ("an observed history is checked against a scenario: give "
                       "--scenario SCENARIO.yaml, or name it in the scenario with "
                       "`observed:` and validate the scenario")  # fmt: skip
        else:
            message = f"not checked: the scenario {scenario_path} has problems"
        raise ScenarioError([Problem(str(path), 1, 1, TOP, message)])

    return FileKind(
        name="observed history",
        keys=(),
        check=check,
        example=",".join(COLUMNS),
        suffixes=(OBSERVED_SUFFIX,),
    )


def own_keys(kind: FileKind, kinds: Sequence[FileKind]) -> list[str]:
    """The keys that tell ``kind``: its ``telling`` keys, or the keys of it that no other of
    ``kinds`` tells by."""
    if kind.telling:
        return list(kind.telling)
    others = {key for other in kinds if other is not kind
              for key in (other.telling or other.keys)}  # fmt: skip
    return [key for key in kind.keys if key not in others]


def recognise(path: Path, kinds: Sequence[FileKind]) -> FileKind | Problem:
    """The kind of the file at ``path``, told by its top-level keys, or why it cannot be told.

    A file that cannot be read as a YAML mapping is checked as the first kind, whose loader
    says what is wrong with it. Keys are matched exactly first, then as misspellings (the
    kind's own loader then suggests the right key).
    """
    by_suffix = [kind for kind in kinds if path.suffix.lower() in kind.suffixes]
    if by_suffix:
        return by_suffix[0]
    kinds = [kind for kind in kinds if not kind.suffixes]
    if len(kinds) == 1:
        return kinds[0]
    text, _ = read_file(path)
    raw = load_yaml(text, str(path)) if text is not None else None
    if raw is None or raw.fatal or not isinstance(raw.data, dict) or not raw.data:
        return kinds[0]
    keys = [str(key) for key in raw.data]
    owned = {kind.name: own_keys(kind, kinds) for kind in kinds}
    exact = {name: [k for k in keys if k in own] for name, own in owned.items()}
    found = [kind for kind in kinds if exact[kind.name]]
    if len(found) == 1:
        return found[0]
    fits = [kind for kind in found if set(keys) <= set(kind.keys)]
    if len(fits) == 1:  # every key is one of this kind's: the others' keys are shared with it
        return fits[0]
    if found:
        return _mixed(path, found, exact)
    known = {key for kind in kinds for key in kind.keys}
    unknown = [key for key in keys if key not in known]
    votes = _misspelt(unknown, {kind.name: owned[kind.name] for kind in kinds})
    best = [kind for kind in kinds if votes[kind.name] == max(votes.values()) > 0]
    return best[0] if len(best) == 1 else _neither(path, kinds)


def _misspelt(keys: Iterable[str], owned: dict[str, list[str]]) -> dict[str, int]:
    """How many of ``keys`` read as a misspelling of a key of each kind (its closest one)."""
    kind_of = {key: name for name, own in owned.items() for key in own}
    votes = dict.fromkeys(owned, 0)
    for key in keys:
        close = difflib.get_close_matches(key, list(kind_of), n=1, cutoff=0.7)
        if close:
            votes[kind_of[close[0]]] += 1
    return votes


def _mixed(path: Path, found: Sequence[FileKind], exact: dict[str, list[str]]) -> Problem:
    parts = [f"{kind.name} keys ({', '.join(exact[kind.name])})" for kind in found]
    expected = "; ".join(f"a {kind.name} has {kind.example}" for kind in found)
    message = f"cannot tell which kind of file this is: it has {' and '.join(parts)}; {expected}"
    return Problem(str(path), 1, 1, TOP, message)


def _neither(path: Path, kinds: Sequence[FileKind]) -> Problem:
    names = " nor ".join(f"a {kind.name}" for kind in kinds)
    expected = "; ".join(f"a {kind.name} has {kind.example}" for kind in kinds)
    message = f"neither {names}: none of its keys tells which ({expected})"
    return Problem(str(path), 1, 1, TOP, message)


def validate_files(
    paths: Iterable[str | Path],
    overrides: Sequence[str] = (),
    kinds: Sequence[FileKind] = (SCENARIO,),
    scenario: str | Path | None = None,
) -> tuple[int, list[str]]:
    """Check every file as the kind its keys say it is; return (exit code, lines to print).

    ``FILE: ok`` for a good file, one ``FILE:LINE:COL: path: message`` line per
    problem otherwise. Exit code 0 when every file is fine, else 2. Never raises
    for a bad file: even an unexpected failure is reported as a problem line.
    ``overrides`` (``PATH=VALUE``) apply to scenarios. ``kinds``: what a file may be; the
    first is what a file that is no YAML mapping is checked as. ``.csv`` files are observed
    histories, checked against ``scenario`` (whose own problems, if any, are listed first).
    """
    if overrides:
        with_overrides = partial(check_scenario, overrides=overrides)
        kinds = [replace(k, check=with_overrides) if k is SCENARIO else k for k in kinds]
    code = EXIT_OK
    lines: list[str] = []
    paths = list(paths)
    against = None
    if scenario is not None and any(Path(p).suffix.lower() == OBSERVED_SUFFIX for p in paths):
        against, problems = _load_against(Path(scenario), overrides)
        if problems:
            code = EXIT_INVALID
            lines += [str(p) for p in problems]
    kinds = [*kinds, observed_kind(against, scenario)]
    for path in paths:
        problems = _check(Path(path), kinds)
        if problems:
            code = EXIT_INVALID
            lines += [str(p) for p in problems]
        else:
            lines.append(f"{path}: ok")
    return code, lines


def _load_against(path: Path, overrides: Sequence[str]) -> tuple[Scenario | None, list[Problem]]:
    """The scenario observed histories are checked against, or its problems (not those of
    an observed history it names: that is checked when the scenario itself is validated)."""
    loaded: list[Scenario] = []
    kind = replace(SCENARIO, check=lambda p: loaded.append(load_scenario(p, overrides)))
    problems = _check(path, [kind])
    return (loaded[0] if loaded else None), problems


def _check(path: Path, kinds: Sequence[FileKind]) -> list[Problem]:
    """The problems of one file (none when it is good)."""
    try:
        kind = recognise(path, kinds)
        if isinstance(kind, Problem):
            return [kind]
        kind.check(path)
    except Exception as exc:  # a bug in the checks must not become a traceback
        problems = getattr(exc, "problems", None)
        if isinstance(problems, list) and problems:
            return problems
        return [Problem(str(path), 1, 1, TOP, f"internal error: {exc!r}")]
    return []
