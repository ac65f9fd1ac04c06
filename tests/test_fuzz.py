"""Fuzzing the command line with generated scenario and sweep files, valid and broken.

Every generated file is written to disk and given to ``alignsim validate``, ``alignsim run``
and ``alignsim sweep``, which must either succeed or exit 2 with ``FILE:LINE:COL: path:
message`` lines: never an uncaught exception, never a NaN or an infinity in an output table.

The quick profile (25 examples of each file test, 5 sweeps) runs with the test suite. The
long one (5,000 examples of each file test, 312 sweeps) runs on demand (README, "Testing"):

    ALIGNSIM_FUZZ=long python -m pytest -n 2 -q tests/test_fuzz.py --hypothesis-show-statistics

``ALIGNSIM_FUZZ_EXAMPLES=N`` sets the number of examples of each file test instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from alignsim.cli import main
from alignsim.io.reader import read_run
from alignsim.scenario.yamlpos import EXP_FLOAT
from tests.tables import assert_finite_tables

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("fuzz-quick", max_examples=25, **_COMMON)
settings.register_profile("fuzz-long", max_examples=5000, **_COMMON)
PROFILE = "fuzz-long" if os.environ.get("ALIGNSIM_FUZZ") == "long" else "fuzz-quick"
FUZZ = settings.get_profile(PROFILE)
if os.environ.get("ALIGNSIM_FUZZ_EXAMPLES"):
    FUZZ = settings(FUZZ, max_examples=int(os.environ["ALIGNSIM_FUZZ_EXAMPLES"]))
#: Sweeps run many simulations and draw figures per example: fewer examples.
SWEEP_FUZZ = settings(FUZZ, max_examples=max(5, FUZZ.max_examples // 16))

LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>.+?): (?P<message>.+)$")

# --- writing YAML (with duplicate keys when asked) ------------------------------------------


@dataclass
class Dup:
    """A mapping written with a key given twice (PyYAML cannot dump one)."""

    pairs: list[tuple[str, Any]]


class _Dumper(yaml.SafeDumper):
    """Quotes text like "1E5", which scenario files read as a number (as YAML 1.2 does)."""


_Dumper.add_representer(
    str,
    lambda dumper, data: dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style="'" if EXP_FLOAT.match(data) else None
    ),
)


def _flow(value: Any) -> str:
    if isinstance(value, Dup):
        inner = ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.pairs)
        return "{" + inner + "}"
    text = yaml.dump(
        value, Dumper=_Dumper, default_flow_style=True, allow_unicode=True, width=10**9,
        sort_keys=False,
    )  # fmt: skip
    # not .strip(): that would also drop a name made of unicode spaces ("\xa0")
    return text.removesuffix("\n").removesuffix("\n...")


def _pairs(value: Any) -> list[tuple[str, Any]]:
    return value.pairs if isinstance(value, Dup) else list(value.items())


def to_yaml(doc: Any) -> str:
    """Block style for the top level and its sections, flow style below, one entry a line."""
    if not isinstance(doc, dict | Dup):
        return _flow(doc) + "\n"
    lines = []
    for key, value in _pairs(doc):
        if isinstance(value, dict | Dup) and value:
            lines.append(f"{_flow(key)}:")
            lines += [f"  {_flow(k)}: {_flow(v)}" for k, v in _pairs(value)]
        elif isinstance(value, list) and value:
            lines.append(f"{_flow(key)}:")
            lines += [f"  - {_flow(v)}" for v in value]
        else:
            lines.append(f"{_flow(key)}: {_flow(value)}")
    return "\n".join(lines) + "\n"


# --- valid documents -------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
    min_size=1,
    max_size=10,
)
STATE_NAMES = st.one_of(
    st.sampled_from(["China", "Russia", "Pakistan", "India", "United States", "NA", "Türkiye"]),
    _TEXT,
)
DIM_NAMES = st.one_of(st.sampled_from(["energy", "defense", "ct", "d0", "énergie", "能源"]), _TEXT)
STANCE = st.one_of(st.floats(-1, 1), st.sampled_from([-1.0, 0.0, 1.0]))
SHARE = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 5e-324, 1e-310]))
POWER = st.one_of(st.floats(1e-6, 10), st.sampled_from([1e-300, 5e-324, 1e6, 1e15]))


@st.composite
def scenarios(draw) -> dict[str, Any]:
    """A scenario document that should be valid (the mutations break it)."""
    names = draw(st.lists(STATE_NAMES, min_size=1, max_size=5, unique=True))
    dims = draw(
        st.lists(
            DIM_NAMES.filter(lambda d: "." not in d and d not in {"step", "date", "state",
                                                                  "power", "bloc"}),
            min_size=1, max_size=3, unique=True,
        )
    )  # fmt: skip
    steps = draw(st.integers(0, 6))
    kinds = {d: draw(st.sampled_from(["shared", "complementary"])) for d in dims}
    doc: dict[str, Any] = {"name": draw(st.one_of(_TEXT, st.sampled_from(["../../etc/x", ".."])))}
    calendar = draw(st.booleans())
    if calendar:
        doc["calendar"] = {"start": "2014-01", "step": draw(st.sampled_from(["month", "quarter"]))}
    doc["steps"] = steps
    doc["seed"] = draw(st.integers(0, 2**32))
    doc["dimensions"] = {d: {"kind": kinds[d]} for d in dims}
    states = {}
    for name in names:
        spec: dict[str, Any] = {
            "power": draw(POWER),
            "interests": {d: draw(STANCE) for d in dims},
        }
        if draw(st.booleans()):
            spec["salience"] = {d: draw(SHARE) for d in dims if draw(st.booleans())}
        states[name] = spec
    doc["states"] = states
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4)) if pairs else []
    doc["relations"] = [{"between": list(p), "value": draw(STANCE)} for p in chosen]
    if pairs and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3))
        doc["ties"] = [{"between": list(p), "value": draw(STANCE)} for p in chosen]
    corridors = {}
    if len(names) >= 2 and draw(st.booleans()):
        for c in range(draw(st.integers(1, 2))):
            route = draw(st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True))
            corridors[f"C{c}"] = {
                "route": route,
                "status": draw(st.sampled_from(["planned", "active", "blocked"])),
                "boost": draw(st.one_of(st.floats(0, 2), st.just(1000.0))),
            }
        doc["corridors"] = corridors
    params = {}
    for key, strategy in PARAMS.items():
        if draw(st.booleans()):
            params[key] = draw(strategy)
    if draw(st.booleans()):
        params["thresholds"] = draw(
            st.sampled_from(
                [
                    {"alliance": 0.6, "partner": 0.2, "rival": -0.2, "hostile": -0.6},
                    {"alliance": 1.0, "partner": 0.0, "rival": -0.01, "hostile": -1.0},
                ]
            )
        )
    doc["params"] = params
    events = []
    for e in range(draw(st.integers(0, 3))):
        event: dict[str, Any] = {"note": f"event {e}"}
        if steps >= 1 and draw(st.booleans()):
            first = draw(st.integers(1, steps))
            event.update({"from": first, "to": draw(st.integers(first, steps)),
                          "probability": draw(SHARE)})  # fmt: skip
        else:
            at = draw(st.integers(1, max(steps, 1)))
            event["at"] = f"{2014 + at // 12}-{at % 12 + 1:02d}" if calendar and at < 3 else at
        action = draw(st.sampled_from(["shift", "set", "salience", "power", "tie", "relation",
                                       "param", "corridor", "note"]))  # fmt: skip
        state, dim = draw(st.sampled_from(names)), draw(st.sampled_from(dims))
        if action in ("shift", "set"):
            event[action] = {state: {dim: draw(STANCE)}}
        elif action == "salience":
            event["salience"] = {draw(st.sampled_from(["shift", "set"])): {state: {dim: 0.5}}}
        elif action == "power":
            event["power"] = {"shift": {state: draw(st.floats(-5, 5))}}
        elif action in ("tie", "relation") and pairs:
            event[action] = {"between": list(draw(st.sampled_from(pairs))),
                             draw(st.sampled_from(["shift", "set"])): draw(STANCE)}  # fmt: skip
        elif action == "param":
            name = draw(st.sampled_from(["balance_weight", "noise", "tie_cost", "steepness"]))
            value = draw(st.floats(0.1, 1) if name == "steepness" else SHARE)  # steepness > 0
            event["param"] = {draw(st.sampled_from(["shift", "set"])): {name: value}}
        elif action == "corridor" and corridors:
            event["corridor"] = {draw(st.sampled_from(list(corridors))): "blocked"}
        events.append(event)
    doc["events"] = events
    watch: dict[str, Any] = {}
    if pairs:
        # each pair once, and under a label of its own (names may contain '-')
        unique = (frozenset, "-".join)
        chosen = draw(st.lists(st.sampled_from(pairs), max_size=2, unique_by=unique))
        watch["pairs"] = [list(p) for p in chosen]
    if len(names) >= 3:
        watch["triangles"] = [names[:3]]
    doc["watch"] = watch
    return doc


PARAMS = {
    "interest_weight": st.floats(0, 3),
    "balance_weight": st.floats(0, 3),
    "history_weight": st.floats(0, 3),
    "power_weight": st.floats(0, 1),
    "tie_cost": st.floats(0, 1),
    "noise": st.one_of(st.floats(0, 1), st.just(0.0)),
    "learning_rate": st.floats(0.01, 1),
    "steepness": st.floats(0.1, 10),
    "socialization": SHARE,
    "balance_norm": st.sampled_from(["paths", "mean"]),
    "activation": st.sampled_from(["random", "simultaneous"]),
    "rule": st.sampled_from(["relax", "threshold"]),
    "alliance_after": st.integers(1, 5),
}

# --- breaking them ---------------------------------------------------------------------------

BAD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10),
    st.sampled_from([10**6, 10**30, 2**63, 2**64, -(2**63) - 1, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324]),
    _TEXT,
    st.sampled_from(["", "2014-03", "2014-Q5", "2015-02-30", "1999-01", "3000-01", "Rusia"]),
    st.sampled_from([[], {}, [1, 2], {"x": 1}, ["China", "China"], dt.date(2014, 3, 1)]),
)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out += _paths(inner, (*path, i))
    return out


def _parent(doc: Any, path: tuple) -> Any:
    for seg in path[:-1]:
        doc = doc[seg]
    return doc


@st.composite
def mutated(draw, documents) -> Any:
    """A document with up to three mutations (none: it stays valid)."""
    doc = draw(documents)
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(doc) if p]
        kind = draw(st.sampled_from(["replace", "replace", "delete", "unknown", "duplicate",
                                     "outside", "whole"]))  # fmt: skip
        if kind == "whole":
            doc = draw(st.one_of(BAD_VALUES, st.just({})))
            break
        if not isinstance(doc, dict) or not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        if kind == "replace":
            parent[path[-1]] = draw(BAD_VALUES)
        elif kind == "delete":
            del parent[path[-1]]
        elif kind == "unknown":
            target = parent if isinstance(parent, dict) else doc
            target[draw(st.sampled_from(["stats", "sailence", "Rusia", "extra"]))] = 1
        elif kind == "duplicate":
            section = draw(st.sampled_from([(), ("states",), ("dimensions",), ("corridors",)]))
            holder = doc if not section else doc.get(section[0])
            if isinstance(holder, dict) and holder:
                key = draw(st.sampled_from(list(holder)))
                dup = Dup([*holder.items(), (key, holder[key])])
                if section:
                    doc[section[0]] = dup
                else:
                    return dup
        elif kind == "outside":
            events = doc.get("events")
            if isinstance(events, list) and events and isinstance(events[0], dict):
                events[0].pop("from", None)
                events[0].pop("to", None)
                events[0]["at"] = draw(st.sampled_from([0, -1, 10**4, 10**12, "2100-01", "1900"]))
    return doc


# --- running the command line ----------------------------------------------------------------


def call(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def assert_located(code: int, err: str, files: set[str]) -> None:
    """Exit 2 with every line ``FILE:LINE:COL: path: message`` about one of ``files``."""
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "exit 2 without a message"
    for line in lines:
        match = LOCATED.match(line)
        assert match, f"not FILE:LINE:COL: path: message: {line!r}"
        assert match["file"] in files, line
        assert int(match["line"]) >= 1 and int(match["col"]) >= 1, line
        assert "internal error" not in line and "Traceback" not in line, line


def run_and_check(scenario: Path, out: Path, *extra: str) -> int:
    """``validate`` and ``run`` on one file; the checks every outcome must pass."""
    files = {str(scenario)}
    code, _, err = call("validate", str(scenario))
    event(f"validate exit {code}")
    if code != 0:
        assert_located(code, err, files)
    run_code, stdout, run_err = call("run", str(scenario), "--no-plots", "--out", str(out), *extra)
    note(run_err)
    event(f"run exit {run_code}")
    if run_code == 0:
        assert code == 0, "run accepted a file that validate rejects"
        assert stdout.splitlines()[-1] == str(out)
        assert_finite_tables(out)
        result = read_run(out)
        assert np.isfinite(result.recorder.strength).all()
    else:
        assert_located(run_code, run_err, files)
        assert not out.exists() or not any(out.iterdir()), "a failed run left files behind"
    assert not list(out.parent.glob(".*.partial")), "a temporary folder was left behind"
    return run_code


@settings(FUZZ)
@given(doc=mutated(scenarios()))
def test_fuzz_scenario_files(doc):
    text = to_yaml(doc)
    note(text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        with np.errstate(over="raise", invalid="raise"):
            run_and_check(path, Path(tmp) / "run")


@settings(FUZZ)
@given(doc=scenarios(), steps=st.sampled_from(["0", "1", "3", "-1", "10000000000000000000000"]))
def test_fuzz_valid_scenarios_run(doc, steps):
    """Every generated valid document runs (also with --steps), or exits 2 with a location."""
    text = to_yaml(doc)
    note(text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        code, _, err = call("validate", str(path))
        assert code == 0, err
        with np.errstate(over="raise", invalid="raise"):
            code, _, err = call("run", str(path), "--no-plots", "--steps", steps,
                                "--out", str(Path(tmp) / "run"))  # fmt: skip
        event(f"run exit {code}")
        if steps.startswith("-") or len(steps) > 6:
            assert code == 2 and "--steps" in err, err
        elif code == 2:  # an event that breaks a parameter at run time
            assert_located(code, err, {str(path)})
        else:
            assert code == 0, err
            assert_finite_tables(Path(tmp) / "run")


# --- sweeps ----------------------------------------------------------------------------------

SWEEP_PATHS = st.sampled_from(
    [
        "params.balance_weight",
        "params.noise",
        "params.activation",
        "params.thresholds.partner",
        "params.alliance_after",
        "steps",
        "seed",
        "events.0.at",
        "states.Nowhere.power",
        "params.balance_wieght",
        "dimensions",
        "",
    ]
)
SWEEP_VALUES = st.one_of(
    st.lists(st.one_of(st.floats(0, 1), st.integers(0, 3)), min_size=1, max_size=3),
    st.fixed_dictionaries(
        {"low": st.floats(0, 1), "high": st.floats(0, 2), "num": st.integers(1, 3)}
    ),
    # a broken value inside a list or a range, not only in place of it
    st.lists(st.one_of(st.floats(0, 1), BAD_VALUES), min_size=1, max_size=3),
    st.fixed_dictionaries(
        {
            "low": st.floats(0, 1) | BAD_VALUES,
            "high": st.floats(0, 2) | BAD_VALUES,
            "num": st.integers(1, 3) | BAD_VALUES,
        }
    ),
    st.just(["random", "simultaneous"]),
    BAD_VALUES,
)


@st.composite
def sweeps(draw) -> dict[str, Any]:
    doc: dict[str, Any] = {"scenario": "base.yaml"}
    if draw(st.booleans()):
        doc["steps"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        doc["replications"] = draw(st.integers(1, 2))
    doc["seed"] = draw(st.integers(0, 100))
    method = draw(st.sampled_from(["grid", "grid", "random", "lhs", "sobol", "morris"]))
    doc["design"] = {"method": method}
    if method != "grid":
        doc["design"]["samples"] = draw(st.integers(1, 3))
    names = draw(st.lists(SWEEP_PATHS, min_size=1, max_size=2, unique=True))
    doc["parameters"] = {name: draw(SWEEP_VALUES) for name in names}
    if draw(st.booleans()):
        doc["outcomes"] = draw(
            st.lists(st.sampled_from(["balance_ratio", "blocs", "polarization", "final_level",
                                      "bloc_of", "triangle_formed", "nonsense"]),
                     min_size=1, max_size=3)
        )  # fmt: skip
    return doc


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
@settings(SWEEP_FUZZ)
@given(base=scenarios(), sweep=mutated(sweeps()))
def test_fuzz_sweep_files(base, sweep):
    base["steps"] = min(base["steps"], 3)
    text = to_yaml(sweep)
    note(text)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "base.yaml").write_text(to_yaml(base), encoding="utf-8")
        path = Path(tmp) / "sweep.yaml"
        path.write_text(text, encoding="utf-8")
        out = Path(tmp) / "out"
        with np.errstate(over="raise", invalid="raise"):
            code, _, err = call("sweep", str(path), "--out", str(out), "--workers", "1")
        note(err)
        event(f"sweep exit {code}")
        if code != 0:
            assert_located(code, err, {str(path), str(Path(tmp) / "base.yaml")})
            return
        runs = pd.concat([pd.read_parquet(p) for p in sorted((out / "runs").glob("*.parquet"))])
        ok = runs[runs["status"] == "ok"]
        failed = runs[runs["status"] != "ok"]
        for error in failed["error"]:
            assert error.startswith("EventError"), error  # only events can fail at run time
        outcomes = [c for c in ok.columns if c not in ("status", "error")]
        assert not ok[outcomes].isna().any().any(), ok


# --- a few cases through a real process ------------------------------------------------------

BROKEN = {
    "nan": "name: x\nsteps: .nan\ndimensions: {d: {kind: shared}}\n"
    "states: {A: {power: 1, interests: {d: 0.5}}}\n",
    "types": "name: [1]\nsteps: many\ndimensions: {d: {kind: sideways}}\nstates: {}\n",
    "duplicate": "name: x\ndimensions: {d: {kind: shared}}\n"
    "states:\n  A: {power: 1, interests: {d: 0.5}}\n  A: {power: 2, interests: {d: 0.5}}\n",
    "outside": "name: x\nsteps: 4\ndimensions: {d: {kind: shared}}\n"
    "states: {A: {power: 1, interests: {d: 0.5}}}\nevents:\n  - {at: 0, note: early}\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_in_a_real_process(tmp_path, case):
    path = tmp_path / f"{case}.yaml"
    path.write_text(BROKEN[case], encoding="utf-8")
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "run")]):
        done = subprocess.run(
            [sys.executable, "-m", "alignsim", *args], capture_output=True, text=True, timeout=600
        )
        assert "Traceback" not in done.stderr
        assert_located(done.returncode, done.stderr, {str(path)})
    assert not (tmp_path / "run").exists()


def test_unicode_scenario_runs_in_a_real_process(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: Ünïcødé ☂ axis\nsteps: 3\ndimensions: {énergie: {kind: complementary}}\n"
        "states:\n  中国: {power: 1, interests: {énergie: -0.5}}\n"
        "  Türkiye: {power: 0.3, interests: {énergie: 0.7}}\n  NA: {power: 0.1, interests: "
        "{énergie: 0.2}}\nwatch: {triangles: [[中国, Türkiye, NA]]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "alignsim", "run", str(path), "--no-plots", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_finite_tables(out)
    assert read_run(out).names == ["中国", "Türkiye", "NA"]
