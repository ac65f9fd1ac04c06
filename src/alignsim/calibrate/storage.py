"""A calibration's folder: the manifest, pyabc's history, every evaluation, the estimates.

```
DIR/manifest.json           the calibration file's text, the scenario's hash, versions,
                            the command, every resume, whether it finished
DIR/abc.db                  pyabc's SQLite history (a killed calibration continues from it)
DIR/evaluations/            every evaluation, one Parquet file per generation
DIR/parameters.csv          parameter, estimate, low, high: posterior median, 90% interval
DIR/calibrated.yaml         the scenario with the estimates (extends the calibrated one)
```

Every file is written whole through a temporary file and a rename, so a kill leaves the
last complete version (docs/calibration.md, "The output folder").
"""

from __future__ import annotations

import io
import json
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from alignsim.scenario.overrides import apply_overrides_tracked
from alignsim.sweep.storage import StorageError, check_new_folder, write_atomic

FORMAT = "alignsim-calibration/1"
MANIFEST = "manifest.json"
DATABASE = "abc.db"
EVALUATIONS = "evaluations"
PARAMETERS = "parameters.csv"
CALIBRATED = "calibrated.yaml"
#: The credible interval of ``parameters.csv``: from the 5% to the 95% posterior quantile.
INTERVAL = (0.05, 0.95)
EVALUATION_COLUMNS = ("generation", "particle", "distance", "weight", "accepted", "epsilon")

__all__ = ["StorageError", "check_new_folder"]


# --- the manifest --------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("alignsim", "pyabc", "numpy", "mesa"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - an uninstalled checkout
            continue
    return out


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": FORMAT, **manifest}, indent=2, ensure_ascii=False, default=str)
    write_atomic(out / MANIFEST, (text + "\n").encode("utf-8"))


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of a calibration folder; :class:`StorageError` if ``out`` is none."""
    path = Path(out) / MANIFEST
    if not Path(out).is_dir():
        raise StorageError(f"{out}: no such calibration folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StorageError(f"{out}: not a calibration folder (no {MANIFEST})") from None
    except (OSError, ValueError) as error:
        raise StorageError(f"{path}: cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StorageError(f"{path}: not the manifest of an alignsim calibration ({FORMAT})")
    return manifest


# --- evaluations ---------------------------------------------------------------------------


def generation_file(out: Path, generation: int) -> Path:
    return Path(out) / EVALUATIONS / f"generation-{generation:03d}.parquet"


def write_generation(
    out: Path, generation: int, evaluations: Sequence[Any], parameters: Sequence[str]
) -> Path:
    """One generation's evaluations: generation, particle, the parameters, distance, weight
    (normalized over the accepted), accepted, epsilon (the generation's tolerance)."""
    import pandas as pd

    rows = [
        {"generation": e.generation, "particle": e.particle, **{p: e.values[p] for p in parameters},
         "distance": e.distance, "weight": e.weight, "accepted": e.accepted, "epsilon": e.epsilon}
        for e in evaluations
    ]  # fmt: skip
    columns = ["generation", "particle", *parameters, *EVALUATION_COLUMNS[2:]]
    frame = pd.DataFrame(rows, columns=columns).astype(
        {"generation": "int64", "particle": "int64", "accepted": "bool"}
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    path = generation_file(out, generation)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue())
    return path


def read_evaluations(out: str | Path) -> Any:
    """Every evaluation of the folder, in order. A generation that stopped the calibration
    (too few acceptances) is there too, none of it accepted; one that a kill interrupted
    is not (it is written when its sampling ends, and run again on resume)."""
    import pandas as pd

    files = sorted((Path(out) / EVALUATIONS).glob("generation-*.parquet"))
    frames = [pd.read_parquet(f) for f in files]
    if not frames:
        raise StorageError(f"{out}: no evaluations stored")
    return pd.concat(frames, ignore_index=True)


# --- the posterior -------------------------------------------------------------------------


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of a weighted sample: the weighted empirical distribution, each
    point at the middle of its weight, linearly interpolated (as pyabc computes it)."""
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values)[order], np.asarray(weights)[order]
    weights = weights / weights.sum()
    middle = np.cumsum(weights) - 0.5 * weights
    return float(np.interp(q, middle, values))


def posterior(evaluations: Any, generation: int | None = None) -> Any:
    """The accepted particles of ``generation`` (default: the last stored), with their
    weights."""
    accepted = evaluations[evaluations["accepted"]]
    chosen = int(accepted["generation"].max()) if generation is None else generation
    return accepted[accepted["generation"] == chosen].reset_index(drop=True)


def read_posterior(out: str | Path) -> Any:
    """The posterior of a calibration folder: the generation its manifest names
    (``posterior_generation``, :mod:`.noise_floor`), or the last one."""
    generation = read_manifest(out).get("posterior_generation")
    return posterior(read_evaluations(out), generation)


def estimates(particles: Any, parameters: Sequence[str]) -> Any:
    """``parameter, estimate, low, high``: posterior median and 90% credible interval."""
    import pandas as pd

    weights = particles["weight"].to_numpy()
    rows = []
    for name in parameters:
        values = particles[name].to_numpy()
        low, high = (weighted_quantile(values, weights, q) for q in INTERVAL)
        rows.append({"parameter": name, "estimate": weighted_quantile(values, weights, 0.5),
                     "low": low, "high": high})  # fmt: skip
    return pd.DataFrame(rows, columns=["parameter", "estimate", "low", "high"])


def write_csv(path: Path, frame: Any) -> Path:
    write_atomic(path, frame.to_csv(index=False, float_format="%.6g").encode("utf-8"))
    return path


# --- calibrated.yaml -----------------------------------------------------------------------


def calibrated_document(
    raw: dict[str, Any], values: dict[str, float], integer: dict[str, bool]
) -> dict[str, Any]:
    """The smallest child document that gives the scenario ``values`` through ``extends``:
    mappings nest; an event is given whole under its id, a relation or tie whole with its
    pair (the merge rules of docs/scenarios.md, "Variants")."""
    texts = [f"{path}={_number(v, integer.get(path, False))}" for path, v in values.items()]
    applied = apply_overrides_tracked(raw, texts)
    if applied.problems:  # pragma: no cover - the calibration file's checks apply them too
        raise ValueError("; ".join(p.message for p in applied.problems))
    child: dict[str, Any] = {}
    for resolved, *_ in applied.changed:
        _place(child, applied.data, tuple(resolved))
    return child


def _number(value: float, integer: bool) -> str:
    return str(round(value)) if integer else repr(_round(value))


def _round(value: float, digits: int = 4) -> float:
    """``value`` to ``digits`` significant digits: an estimate is not known better."""
    return float(f"{value:.{digits}g}")


def _place(child: dict[str, Any], data: Any, path: tuple[Any, ...]) -> None:
    node, source = child, data
    for depth, key in enumerate(path):
        value = source[key]
        if isinstance(source, list):  # an event, a relation or a tie: given whole
            _entry(child, path[:depth], value)
            return
        if depth == len(path) - 1 or not isinstance(value, dict | list):
            node[key] = value
            return
        if isinstance(value, list):
            source = value
            continue
        node = node.setdefault(key, {})
        source = value


def _entry(child: dict[str, Any], path: tuple[Any, ...], entry: Any) -> None:
    section = path[0]
    if section == "events" and not (isinstance(entry, dict) and entry.get("id")):
        raise ValueError("an event without an id cannot be given in calibrated.yaml")
    entries = child.setdefault(section, [])
    key = entry.get("id") or entry.get("between")
    for i, old in enumerate(entries):
        if (old.get("id") or old.get("between")) == key:
            entries[i] = entry
            return
    entries.append(entry)


def calibrated_text(
    scenario_file: Path, out: Path, child: dict[str, Any], header: Sequence[str]
) -> str:
    """``calibrated.yaml``: comments, ``extends:`` (relative to ``out``) and the values."""
    import yaml

    parent = os.path.relpath(Path(scenario_file).resolve(), Path(out).resolve())
    body = yaml.safe_dump({"extends": parent, **child}, sort_keys=False, allow_unicode=True)
    return "".join(f"# {line}\n" if line else "#\n" for line in header) + body
