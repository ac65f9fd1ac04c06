"""The ``alignsim`` command line: parses arguments, calls the package, prints results.

Bad input ends with exit code 2 and messages of the form ``FILE:LINE:COL: path: message``;
a failure to write ends with exit code 1. Neither shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from alignsim import __version__

if TYPE_CHECKING:
    from alignsim.scenario.network_import import ImportRequest

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alignsim",
        description="Agent-based simulation of geopolitical alignment, driven by scenario files.",
    )
    parser.add_argument("--version", action="version", version=f"alignsim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="run a scenario and write a run folder")
    run.add_argument("scenario", type=Path, help="scenario file (YAML)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--steps", type=int, help="number of steps (default: the scenario's)")
    run.add_argument("--out", type=Path, help="run folder to create (must not exist or be empty)")
    run.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="where default run folders go (default: ./results)",
    )
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. --set params.balance_weight=0.8 (repeatable)",
    )
    run.add_argument("--no-plots", action="store_true", help="skip the figures")
    run.add_argument(
        "--record-every", type=int, default=1, metavar="K",
        help="keep ties, states and metrics of every K-th step and the last (default 1: all); "
        "events are always kept",
    )  # fmt: skip
    run.add_argument(
        "--record", choices=("all", "watched"), default="all",
        help="ties of all pairs (default) or only of the pairs and triangles the scenario watches",
    )  # fmt: skip

    app = commands.add_parser(
        "app", help="start the interactive teaching page in a browser (http://127.0.0.1:8765)"
    )
    app.add_argument(
        "scenario", type=Path, nargs="?", help="scenario file to open first (default: flagship)"
    )
    app.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1, this machine only)",
    )
    app.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="where the page saves run folders (default: ./results)",
    )

    validate = commands.add_parser(
        "validate", help="check scenario and sweep files (told apart by their keys) and "
        "observed histories (.csv); report every problem",
    )  # fmt: skip
    validate.add_argument(
        "files", nargs="+", type=Path,
        help="scenario or sweep files (YAML), observed histories (CSV)",
    )  # fmt: skip
    validate.add_argument(
        "--scenario", type=Path,
        help="the scenario the .csv files (observed histories) are checked against",
    )  # fmt: skip

    commands.add_parser("schema", help="print the scenario file's JSON Schema")

    explain = commands.add_parser(
        "explain", help="payoff parts of A→B and B→A over time, and why each level change happened"
    )
    explain.add_argument("run_dir", type=Path, help="a run folder written by `alignsim run`")
    explain.add_argument("a", help="a state of the run")
    explain.add_argument("b", help="another state of the run")
    explain.add_argument("--step", type=int, help="show the parts at this step only")

    plot = commands.add_parser("plot", help="(re)draw the figures of a run folder into its plots/")
    plot.add_argument("run_dir", type=Path, help="a run folder written by `alignsim run`")
    plot.add_argument(
        "--steps", type=_step_list, metavar="S1,S2,…",
        help="steps of the network snapshots (default: start, three in between, end); "
        "snapshots of other steps that alignsim drew before are removed",
    )  # fmt: skip
    plot.add_argument(
        "--all-ties", action="store_true",
        help="draw rival-level hostile ties in the network pictures too (default: only ties "
        "at or below the hostile threshold)",
    )  # fmt: skip

    animate = commands.add_parser("animate", help="animation of the tie network, one frame a step")
    animate.add_argument("run_dir", type=Path, help="a run folder written by `alignsim run`")
    animate.add_argument("--format", choices=("gif", "mp4"), default="gif")
    animate.add_argument("--fps", type=float, default=4.0, help="frames per second (default 4)")
    animate.add_argument(
        "--out", type=Path, help="file to write (default: RUN_DIR/animation.gif or .mp4)"
    )
    animate.add_argument(
        "--all-ties", action="store_true",
        help="draw rival-level hostile ties too (default: only ties at or below the hostile "
        "threshold, as in plots/)",
    )  # fmt: skip

    compare = commands.add_parser(
        "compare", help="two runs: where and why they diverge; two sweeps (or the scenarios of "
        "one, --by scenario): every outcome's difference with a 95%% interval",
    )  # fmt: skip
    compare.add_argument("run_a", type=Path, metavar="A", help="the reference run or sweep folder")
    compare.add_argument(
        "run_b", type=Path, nargs="?", metavar="B",
        help="the run or sweep folder to compare with it (leave out with --by)",
    )  # fmt: skip
    compare.add_argument(
        "--by", metavar="FACTOR",
        help="compare within the sweep A: each value of FACTOR (scenario, or a parameter "
        "path) against its first",
    )  # fmt: skip
    compare.add_argument(
        "--out", type=Path, help="folder for compare.csv and the figures "
        "(default: results/compare/<A>-vs-<B>; must not exist or be empty)",
    )  # fmt: skip

    sweep = commands.add_parser(
        "sweep", help="run a sweep file (many runs over a design) into a folder, or resume one"
    )
    sweep.add_argument("sweep", nargs="?", type=Path, help="sweep file (YAML)")
    sweep.add_argument(
        "--out", type=Path, help="sweep folder to create (must not exist or be empty)"
    )
    sweep.add_argument(
        "--resume", type=Path, metavar="DIR", help="continue the sweep stored in DIR"
    )
    sweep.add_argument(
        "--workers", type=int, help="local worker processes (default: all cores; 1: in-process)"
    )
    sweep.add_argument(
        "--scheduler", metavar="local|ADDRESS",
        help="run on Dask: 'local' starts a LocalCluster on 127.0.0.1, or tcp://HOST:PORT",
    )  # fmt: skip
    sweep.add_argument(
        "--chunk", type=int, help="runs per Parquet file under DIR/runs/ (default 1000)"
    )
    sweep.add_argument(
        "--batch", type=int, metavar="N",
        help="runs sent to a worker at a time (default: as many as take about 0.25 s)",
    )  # fmt: skip

    calibrate = commands.add_parser(
        "calibrate", help="fit a scenario's parameters to an observed history (ABC-SMC), "
        "with a posterior; or resume a calibration",
    )  # fmt: skip
    calibrate.add_argument("calibration", nargs="?", type=Path, help="calibration file (YAML)")
    calibrate.add_argument(
        "--out", type=Path, help="calibration folder to create (must not exist or be empty)"
    )
    calibrate.add_argument(
        "--resume", type=Path, metavar="DIR", help="continue the calibration stored in DIR"
    )
    calibrate.add_argument(
        "--workers", type=int, help="local worker processes (default: all cores; 1: in-process)"
    )
    calibrate.add_argument(
        "--scheduler", metavar="local|ADDRESS",
        help="run on Dask: 'local' starts a LocalCluster on 127.0.0.1, or tcp://HOST:PORT",
    )  # fmt: skip

    discover = commands.add_parser(
        "discover", help="scenario discovery: the box of parameter limits where an outcome of a "
        "sweep holds (PRIM)",
    )  # fmt: skip
    discover.add_argument(
        "sweep_dir", type=Path, metavar="SWEEP_DIR", help="a sweep folder of `alignsim sweep`"
    )
    discover.add_argument(
        "--outcome", required=True, metavar="NAME",
        help="outcome column (triangle_alliance.China-Russia-Pakistan), an outcome with one "
        "column (triangle_alliance), or COLUMN=VALUE for a category (bloc_of.Pakistan=China)",
    )  # fmt: skip
    discover.add_argument(
        "--threshold", type=float, metavar="X",
        help="for a numeric outcome: the runs with a value of at least X are the cases of interest",
    )  # fmt: skip
    discover.add_argument(
        "--box", type=int, metavar="K",
        help="show box K of the peeling trajectory (default: the densest box with coverage ≥ 0.8)",
    )  # fmt: skip
    discover.add_argument(
        "--out", type=Path,
        help="folder for boxes.csv, box.csv and discover.png (default: "
        "SWEEP_DIR/discover/<outcome>; must not exist or be empty)",
    )  # fmt: skip

    sens = commands.add_parser(
        "sensitivity", help="Sobol or Morris sensitivity analysis of a sweep file (SALib)"
    )
    sens.add_argument("sweep", type=Path, help="sweep file (YAML) whose parameters are ranges")
    sens.add_argument("--method", choices=("sobol", "morris"), required=True)
    sens.add_argument(
        "--out", type=Path,
        help="folder to create (default: results/sensitivity/<sweep>-<method>-<UTC time>)",
    )  # fmt: skip
    sens.add_argument(
        "--samples", type=int,
        help="base samples (sobol, at least 32, a power of two) or trajectories (morris, at "
        "least 4); default: the sweep file's if its design is the same method, else 64 / 10",
    )  # fmt: skip
    sens.add_argument(
        "--workers", type=int, help="local worker processes (default: all cores; 1: in-process)"
    )

    export = commands.add_parser(
        "export", help="a sweep folder's runs as one CSV or one Parquet file (spreadsheets, R)"
    )
    export.add_argument(
        "sweep_dir", type=Path, metavar="SWEEP_DIR", help="a sweep folder of `alignsim sweep`"
    )
    export.add_argument("--format", required=True, metavar="csv|parquet", help="file format")
    export.add_argument(
        "--out", type=Path, metavar="FILE_OR_DIR",
        help="file (.csv / .parquet) or folder to write (default: SWEEP_DIR/export/runs.EXT); "
        "an existing file is never overwritten",
    )  # fmt: skip
    _import_network_parser(commands)
    return parser


def _import_network_parser(commands: argparse._SubParsersAction) -> None:
    imp = commands.add_parser(
        "import-network", help="a signed edge list (Correlates of War windows, or source, "
        "target, sign) as a scenario, and its later windows as an observed history",
    )  # fmt: skip
    imp.add_argument("edges", type=Path, metavar="EDGES.csv", help="the edge file (CSV)")
    imp.add_argument(
        "--window", metavar="W", help="the window whose signs are the initial ties, e.g. 46-49 "
        "(needed for a file with windows)",
    )  # fmt: skip
    imp.add_argument("--out", type=Path, required=True, metavar="SCENARIO.yaml",
                     help="the scenario file to write")  # fmt: skip
    imp.add_argument(
        "--until", metavar="W",
        help="the last window the scenario covers (default: the file's last)",
    )  # fmt: skip
    imp.add_argument(
        "--relations-from", metavar="W0",
        help="history: each pair's mean sign over the windows from W0 to the one before --window",
    )  # fmt: skip
    imp.add_argument("--observed-from", metavar="W2", help="first window of the observed history")
    imp.add_argument("--observed-to", metavar="W3", help="last window of the observed history")
    imp.add_argument("--observed-out", type=Path, metavar="FILE.csv",
                     help="the observed history to write")  # fmt: skip
    imp.add_argument(
        "--observed-every", type=int, default=1, metavar="N",
        help="keep one window in N of the observed history, from W2 (4: windows that do not "
        "overlap); default 1",
    )  # fmt: skip
    imp.add_argument(
        "--observed-pairs", default="tied", metavar="tied|all",
        help="the pairs of a window's rows: tied (default: those tied in it or earlier) or "
        "all (every pair of its states, as a forecast test needs)",
    )  # fmt: skip
    imp.add_argument("--name", help="the scenario's name (default: the file's stem and window)")
    imp.add_argument("--label", default="", help="names the data in notes, e.g. COW")
    imp.add_argument(
        "--strength", type=float, default=1.0,
        help="initial tie strength of a +1 (and minus it of a -1); default 1.0",
    )  # fmt: skip
    imp.add_argument("--steps", type=int, help="steps, for a file with no windows (default 10)")
    imp.add_argument("--force", action="store_true", help="overwrite existing files")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    handler = {
        "run": cmd_run,
        "app": cmd_app,
        "validate": cmd_validate,
        "schema": cmd_schema,
        "explain": cmd_explain,
        "discover": cmd_discover,
        "compare": cmd_compare,
        "plot": cmd_plot,
        "animate": cmd_animate,
        "sweep": cmd_sweep,
        "calibrate": cmd_calibrate,
        "sensitivity": cmd_sensitivity,
        "export": cmd_export,
        "import-network": cmd_import_network,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("alignsim: interrupted", file=sys.stderr)
        return 130


def cmd_run(args: argparse.Namespace) -> int:
    from alignsim.io.limits import LimitError, check_run
    from alignsim.io.run_folder import (
        RunFolderError,
        check_destination,
        default_run_dir,
        write_run_folder,
    )
    from alignsim.model.events import EventError
    from alignsim.model.simulate import simulate
    from alignsim.scenario import ScenarioError, load_scenario
    from alignsim.scenario.schema import MAX_STEPS
    from alignsim.workflows.run import summary_and_figures

    if args.steps is not None and not 0 <= args.steps <= MAX_STEPS:
        return _bad_input(f"--steps: {args.steps} is out of range: needs 0 <= x <= {MAX_STEPS}")
    if args.seed is not None and args.seed < 0:
        return _bad_input("--seed: must be 0 or more")
    if args.record_every < 1:
        return _bad_input("--record-every: must be 1 or more")
    try:
        scenario = load_scenario(args.scenario, overrides=args.overrides)
    except ScenarioError as error:
        return _bad_input(str(error))
    seed = scenario.seed if args.seed is None else args.seed
    started = datetime.now(UTC)
    out = args.out or default_run_dir(args.results, scenario.name, seed, started)
    try:
        check_destination(out)
    except RunFolderError as error:
        return _bad_input(str(error))

    steps = scenario.steps if args.steps is None else args.steps
    _one_blas_thread()
    if args.record == "watched" and not scenario.watched_ties():
        return _bad_input(f"{args.scenario}: --record watched, but the scenario watches no pairs")
    try:
        check_run(scenario, steps, args.out or args.results, every=args.record_every,
                  record=args.record)  # fmt: skip
    except LimitError as error:
        return _bad_input(f"alignsim run: {error}")
    clock = time.perf_counter()
    try:
        with _progress(steps) as bar:
            result = simulate(
                scenario, seed=seed, steps=steps, progress=bar,
                trace=scenario.watched_ties(), record_every=args.record_every,
                record=args.record,
            )  # fmt: skip
    except EventError as error:
        if error.position is None:  # pragma: no cover - the model always names the event
            return _bad_input(f"{args.scenario}:1:1: events: {error}")
        return _bad_input(f"{_where(args, ('events', error.position))}: {error.detail}")
    except MemoryError:
        return _bad_input(
            f"{args.scenario}: {steps} steps of {len(scenario.states)} states do not fit in "
            "memory; use fewer --steps"
        )
    elapsed = time.perf_counter() - clock

    plots = not args.no_plots
    if plots and not result.complete:
        print(f"alignsim: no figures: they need every step of every pair, and ties were "
              f"recorded {result.recording()}", file=sys.stderr)  # fmt: skip
        plots = False

    try:
        folder = write_run_folder(
            result, Path(out), command=["alignsim", *args.argv], started=started,
            write_extras=summary_and_figures(plots=plots), unique=args.out is None,
        )  # fmt: skip
    except RunFolderError as error:
        return _bad_input(str(error))
    except OSError as error:
        print(f"alignsim: cannot write the run folder {out}: {error.strerror or error}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILURE
    print(
        f"{scenario.name}: {steps} steps ({result.dates[0]} to {result.dates[-1]}), "
        f"seed {seed}, simulated in {elapsed:.2f} s"
    )
    print(f"summary: {folder / 'summary.md'}")
    print(folder)
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    from alignsim.scenario import ScenarioError, load_scenario

    if not 0 <= args.port <= 65535:
        return _bad_input(f"--port: must be 0 to 65535, got {args.port}")
    if args.scenario is not None:
        try:
            load_scenario(args.scenario)
        except ScenarioError as error:
            return _bad_input(str(error))
    from alignsim.app.server import ServeError, serve

    try:
        return serve(args.scenario, host=args.host, port=args.port, results=args.results)
    except ServeError as error:
        print(f"alignsim app: {error}", file=sys.stderr)
        return EXIT_FAILURE


def _one_blas_thread() -> None:
    """One BLAS thread for the whole command, unless the user chose otherwise in the
    environment (why: ``alignsim.model.simulate.one_blas_thread``)."""
    from alignsim.model.simulate import THREAD_VARIABLES

    if any(os.environ.get(name) for name in THREAD_VARIABLES):
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _where(args: argparse.Namespace, path: tuple[str | int, ...]) -> str:
    """``FILE:LINE:COL: path`` of a value of the scenario file (its parent's, if merged)."""
    from alignsim.scenario.loading import read_file, read_raw, resolve_raw
    from alignsim.scenario.problems import format_path

    filename = str(args.scenario)
    text, _ = read_file(filename)
    pos = doc = None
    if text is not None:
        raw = resolve_raw(read_raw(text, filename))
        pos, doc = raw.positions.locate(path, "key"), raw.data
    file, line, col = pos or (filename, 1, 1)
    return f"{file}:{line}:{col}: {format_path(path, doc)}"


def cmd_validate(args: argparse.Namespace) -> int:
    from alignsim.calibrate.spec import CALIBRATION_FILE
    from alignsim.scenario.cli_support import SCENARIO, validate_files
    from alignsim.sweep.spec import SWEEP_FILE

    kinds = (SCENARIO, SWEEP_FILE, CALIBRATION_FILE)
    code, lines = validate_files(args.files, kinds=kinds, scenario=args.scenario)
    for line in lines:
        ok = line.endswith(": ok")
        print(line, file=sys.stdout if ok else sys.stderr)
    return code


def cmd_schema(args: argparse.Namespace) -> int:
    from alignsim.scenario import scenario_json_schema

    print(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    from alignsim.analysis.discover import DiscoverError, describe
    from alignsim.workflows.discover import run_discover

    try:
        done = run_discover(args.sweep_dir, args.outcome, threshold=args.threshold,
                            box=args.box, out=args.out)  # fmt: skip
    except DiscoverError as error:
        return _bad_input(f"alignsim discover: {error}")
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"alignsim discover: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    for line in describe(done.discovery):
        print(line)
    print(f"trajectory: {done.boxes}")
    print(f"box: {done.box}")
    print(f"figure: {done.figure}")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from alignsim.analysis.explain import ExplainError, explain, format_table
    from alignsim.workflows.explain import write_explanation

    try:
        explanation = explain(args.run_dir, args.a, args.b)
    except ExplainError as error:
        return _bad_input(f"alignsim explain: {error}")
    steps = explanation.table["step"]
    if args.step is not None and not (steps == args.step).any():
        return _bad_input(
            f"alignsim explain: --step {args.step} is outside the run (1 to {steps.max()})"
        )
    print(format_table(explanation, args.step))
    print("Level changes:" if explanation.sentences else "No level changes in this run.")
    for sentence in explanation.sentences:
        print(f"- {sentence}")
    try:
        csv, png = write_explanation(explanation, args.run_dir, ["alignsim", *args.argv])
    except OSError as error:
        print(f"alignsim: cannot write into {args.run_dir}: {error.strerror or error}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILURE
    print(f"table: {csv}")
    print(png)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from alignsim.analysis.compare import CompareError, compare_runs, describe
    from alignsim.io.run_folder import RunFolderError, check_destination
    from alignsim.workflows.compare import is_sweep_folder, write_comparison

    if args.run_b is None and args.by is None:
        return _bad_input("alignsim compare: give two folders A B, or one sweep folder and --by")
    if is_sweep_folder(args.run_a) or args.by is not None:
        return _compare_ensembles(args)
    if is_sweep_folder(args.run_b):
        return _bad_input(f"alignsim compare: {args.run_b} is a sweep folder and {args.run_a} "
                          "is not: compare two runs or two sweeps")  # fmt: skip
    out = args.out or Path("results") / "compare" / f"{args.run_a.name}-vs-{args.run_b.name}"
    try:
        check_destination(out)
        comparison = compare_runs(args.run_a, args.run_b)
    except (CompareError, RunFolderError) as error:
        return _bad_input(f"alignsim compare: {error}")
    for line in describe(comparison):
        print(line)
    try:
        csv, _png = write_comparison(comparison, out)
    except OSError as error:
        print(f"alignsim: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"table: {csv}")
    print(out)
    return EXIT_OK


def _compare_ensembles(args: argparse.Namespace) -> int:
    """``alignsim compare`` of two sweep folders, or of the levels of a factor in one."""
    from alignsim.analysis.ensembles import EnsembleError, describe_ensembles
    from alignsim.io.run_folder import RunFolderError, check_destination
    from alignsim.workflows.compare import compare_ensembles, is_sweep_folder

    a, b = args.run_a, args.run_b
    if args.by is not None and b is not None:
        return _bad_input(f"alignsim compare: --by compares within one sweep; leave out {b}")
    for folder in (a, b):
        if folder is not None and not is_sweep_folder(folder):
            return _bad_input(f"alignsim compare: {folder}: not a sweep folder (no manifest.json "
                              "of alignsim sweep); compare two runs or two sweeps")  # fmt: skip
    name = f"{a.name}-by-{args.by}" if args.by else f"{a.name}-vs-{b.name}"
    out = args.out or Path("results") / "compare" / name.replace("/", "_")
    try:
        check_destination(out)
        comparison, files = compare_ensembles(a, b, out=out, by=args.by)
    except (EnsembleError, RunFolderError) as error:
        return _bad_input(f"alignsim compare: {error}")
    except OSError as error:
        print(f"alignsim: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    for line in describe_ensembles(comparison):
        print(line)
    print(f"table: {files[0]}")
    print(out)
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from alignsim.io.reader import RunFolderReadError
    from alignsim.workflows.run import redraw_figures

    command = ["alignsim", *args.argv]
    try:
        paths, removed = redraw_figures(args.run_dir, command, steps=args.steps,
                                        all_ties=args.all_ties)  # fmt: skip
    except (RunFolderReadError, ValueError) as error:
        return _bad_input(f"alignsim plot: {error}")
    except OSError as error:
        print(f"alignsim: cannot write into {args.run_dir}: {error.strerror or error}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILURE
    for path in paths:
        print(path)
    for path in removed:
        print(f"removed {path} (a snapshot of a step not drawn this time)")
    print(args.run_dir / "plots")
    return EXIT_OK


def cmd_animate(args: argparse.Namespace) -> int:
    from alignsim.io.reader import RunFolderReadError
    from alignsim.viz.animation import AnimationError, frame_count
    from alignsim.workflows.run import animate

    out = args.out or args.run_dir / f"animation.{args.format}"
    try:
        path = animate(args.run_dir, out, ["alignsim", *args.argv], fmt=args.format,
                       fps=args.fps, all_ties=args.all_ties)  # fmt: skip
    except (RunFolderReadError, AnimationError, ValueError) as error:
        return _bad_input(f"alignsim animate: {error}")
    except OSError as error:
        print(f"alignsim: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    size = path.stat().st_size / 2**20
    print(f"{frame_count(path)} frames, {size:.1f} MiB")
    print(path)
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    from alignsim.sweep.runner import SweepInterrupted
    from alignsim.sweep.spec import SweepError
    from alignsim.sweep.storage import StorageError
    from alignsim.workflows.sweep import run_sweep

    if args.resume is not None:
        if args.out is not None and args.out != args.resume:
            return _bad_input("alignsim sweep: --resume DIR continues DIR; leave out --out")
        out = args.resume
    elif args.sweep is None or args.out is None:
        return _bad_input("alignsim sweep: give a sweep file and --out DIR, or --resume DIR")
    else:
        out = args.out
    for name in ("workers", "chunk", "batch"):
        value = getattr(args, name)
        if value is not None and value < 1:
            return _bad_input(f"alignsim sweep: --{name}: must be 1 or more")
    try:
        done = run_sweep(
            args.sweep, out, workers=args.workers, scheduler=args.scheduler, chunk=args.chunk,
            resume=args.resume is not None, command=["alignsim", *args.argv], batch=args.batch,
        )  # fmt: skip
    except SweepError as error:
        return _bad_input(str(error))
    except StorageError as error:
        return _bad_input(f"alignsim sweep: {error}")
    except OSError as error:
        print(f"alignsim sweep: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    except SweepInterrupted as stop:
        print(f"alignsim: interrupted; {stop.saved} of {stop.total} runs are saved in {out} "
              f"— resume with alignsim sweep --resume {out}", file=sys.stderr)  # fmt: skip
        return 130
    except KeyboardInterrupt:  # before the runs started, or while summarizing them
        resume = f"; resume with alignsim sweep --resume {out}"
        started = (out / "manifest.json").is_file()
        print(f"alignsim: interrupted{resume if started else ''}", file=sys.stderr)
        return 130
    resumed = f" ({done.before} stored before)" if done.before else ""
    failed = f", {done.failed} failed" if done.failed else ""
    print(f"{done.ran} runs in {done.seconds:.1f} s{failed}{resumed}; {done.total} in the design")
    print(f"summary: {done.summary}")
    print(out)
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from alignsim.calibrate.skill import format_skill, read_skill
    from alignsim.calibrate.spec import CalibrationError
    from alignsim.calibrate.storage import StorageError
    from alignsim.workflows.calibrate import run_calibration

    if args.resume is not None:
        if args.out is not None and args.out != args.resume:
            return _bad_input("alignsim calibrate: --resume DIR continues DIR; leave out --out")
        out = args.resume
    elif args.calibration is None or args.out is None:
        return _bad_input("alignsim calibrate: give a calibration file and --out DIR, or "
                          "--resume DIR")  # fmt: skip
    else:
        out = args.out
    if args.workers is not None and args.workers < 1:
        return _bad_input("alignsim calibrate: --workers: must be 1 or more")
    try:
        done = run_calibration(
            args.calibration, out, workers=args.workers, scheduler=args.scheduler,
            resume=args.resume is not None, command=["alignsim", *args.argv],
            progress=lambda line: print(line, file=sys.stderr),
        )  # fmt: skip
    except CalibrationError as error:
        return _bad_input(str(error))
    except StorageError as error:
        return _bad_input(f"alignsim calibrate: {error}")
    except OSError as error:
        print(f"alignsim calibrate: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        started = (out / "manifest.json").is_file()
        resume = f"; resume with alignsim calibrate --resume {out}" if started else ""
        print(f"alignsim: interrupted{resume}", file=sys.stderr)
        return 130
    print(f"{done.generations} generations, {done.evaluations} evaluations in "
          f"{done.seconds:.1f} s ({done.seconds_per_evaluation:.3f} s of runs each)")  # fmt: skip
    print(done.estimates.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    for row in done.scores.itertuples():
        print(f"loss ({row.rule}) on the {row.period} period: {row.loss:.4f} "
              f"({row.observations} observations)")  # fmt: skip
    print(out)
    skill = read_skill(out)
    if skill is not None:
        print(f"skill on the test period against baselines ({out / 'skill.csv'}; n: the "
              "observations, or pairs for the AUC):")  # fmt: skip
        print(format_skill(skill))
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from alignsim.sweep.runner import execute
    from alignsim.sweep.sensitivity import format_report, plan_for_method, too_few
    from alignsim.sweep.spec import SweepError
    from alignsim.sweep.storage import StorageError, check_new_folder, read_manifest
    from alignsim.workflows.sweep import write_sensitivity

    for name in ("workers", "samples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            return _bad_input(f"alignsim sensitivity: --{name}: must be 1 or more")
    if args.samples is not None and (reason := too_few(args.method, args.samples)):
        return _bad_input(f"alignsim sensitivity: {args.sweep}: --samples {reason}")
    try:
        plan = plan_for_method(args.sweep, args.method, args.samples)
    except SweepError as error:
        return _bad_input(str(error))
    sweep = plan.sweep
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or Path("results") / "sensitivity" / f"{args.sweep.stem}-{args.method}-{stamp}"
    try:
        check_new_folder(out)
        if plan.note:
            print(f"note: {plan.note}")
        done = execute(sweep, out, workers=args.workers, command=["alignsim", *args.argv])
        table = write_sensitivity(out)
        manifest = read_manifest(out)
    except StorageError as error:
        return _bad_input(f"alignsim sensitivity: {error}")
    except OSError as error:
        print(f"alignsim sensitivity: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    failed = f", {done.failed} failed" if done.failed else ""
    points = done.total // sweep.replications
    print(f"{done.ran} runs in {done.seconds:.1f} s{failed}; {sweep.design.method} design, "
          f"{points} points × {sweep.replications} replications")  # fmt: skip
    print(format_report(table, manifest))
    print(f"table: {out / 'sensitivity.csv'}")
    print(f"chart: {out / 'sensitivity.png'}")
    print(out)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from alignsim.sweep.export import plan_export, write_export
    from alignsim.sweep.storage import StorageError

    try:
        plan = plan_export(args.sweep_dir, args.format, args.out)
        if note := plan.note():
            print(f"alignsim export: {note}", file=sys.stderr)
        written = write_export(plan)
    except StorageError as error:
        return _bad_input(f"alignsim export: {error}")
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"alignsim export: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    for table, path, rows in written:
        print(f"{table}: {rows} rows → {path}")
    return EXIT_OK


def import_request(args: argparse.Namespace) -> ImportRequest:
    """What ``alignsim import-network`` was asked (also read by the test that regenerates the
    shipped COW files from the command in their header)."""
    from alignsim.scenario.network_import import ImportOptions, ImportRequest

    options = ImportOptions(
        window=args.window, until=args.until, relations_from=args.relations_from,
        observed_from=args.observed_from, observed_to=args.observed_to,
        observed_every=args.observed_every, observed_pairs=args.observed_pairs, name=args.name,
        label=args.label, strength=args.strength, steps=args.steps,
    )  # fmt: skip
    return ImportRequest(args.edges, args.out, options, args.observed_out, args.force)


def cmd_import_network(args: argparse.Namespace) -> int:
    from alignsim.scenario import ScenarioError
    from alignsim.scenario.network_import import NetworkImportError, build_import, write_import

    request = import_request(args)
    try:
        imported = build_import(request)
    except (ScenarioError, NetworkImportError) as error:
        return _bad_input(str(error))
    try:
        write_import(request, imported)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"alignsim import-network: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{args.out}: {imported.states} states, {imported.ties} initial ties, "
          f"{imported.steps}")  # fmt: skip
    if args.observed_out is not None:
        print(f"{args.observed_out}: {imported.observations} observations, checked against it")
    return EXIT_OK


def _step_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give step numbers like 0,12,48") from None


def _bad_input(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_BAD_INPUT


class _progress:
    """A tqdm bar on stderr for runs long enough to wait for; silent otherwise."""

    def __init__(self, steps: int, threshold: int = 200) -> None:
        self.steps = steps
        self.enabled = steps >= threshold
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=self.steps, unit="step", file=sys.stderr, leave=False)
        return self._update

    def _update(self, done: int) -> None:
        self.bar.update(done - self.bar.n)  # tqdm throttles redraws (mininterval)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


if __name__ == "__main__":
    raise SystemExit(main())
