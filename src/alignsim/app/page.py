"""The teaching page: the alignment model under Mesa's SolaraViz controller, with the
scenario's levers beside it.

Mesa's SolaraViz ``ModelController`` steps, plays, pauses and resets the model, and its
update counter redraws the panels after each step. The layout is the page's own: SolaraViz's
draggable grid gives every panel half the width, too small to read on a 1280×720
projector. The levers — the scenario, the seed, the main weights, one state's salience per
dimension and the scheduled events — build a new ``PageModel`` through the CLI's scenario
loader at every change and start the run again; a lever that makes the scenario invalid
shows the loader's message and leaves the run shown as it was.

Start it with ``alignsim app`` (see ``docs/teaching.md``); ``Page`` is the Solara entry point.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from alignsim.app import figures
from alignsim.app.export import export_run
from alignsim.app.session import PageModel
from alignsim.app.settings import MAIN_PARAMS, PageSettings, build_scenario, shipped_scenarios
from alignsim.model.events import EventError
from alignsim.scenario import ScenarioError

#: Environment variables through which ``alignsim app`` passes its options to the server.
SCENARIO_ENV = "ALIGNSIM_APP_SCENARIO"
RESULTS_ENV = "ALIGNSIM_APP_RESULTS"

#: Milliseconds between steps while playing, until the page's own slider changes it.
PLAY_INTERVAL_MS = 150

#: Width of the controls column: the rest of a 1280-pixel projector goes to the pictures.
SIDEBAR_PX = 300

#: Width of the charts' column: their pictures (350 pixels) and the cards around them.
CHARTS_PX = 384

#: Size of the text beside and under the pictures, in pixels: read from the back of a
#: classroom on a 1280×720 projector (the pictures' letters are as large, see ``figures``).
BODY_PX = 16


def scenario_choices() -> dict[str, Path]:
    """The scenario picker's entries: the file given to ``alignsim app`` first, if any,
    then the shipped scenarios."""
    choices = shipped_scenarios()
    given = os.environ.get(SCENARIO_ENV)
    if given:
        path = Path(given).resolve()
        known = {p.resolve(): label for label, p in choices.items()}
        if path in known:
            return {known[path]: choices.pop(known[path]), **choices}
        return {path.name: path, **choices}
    return choices


def first_settings() -> PageSettings:
    return PageSettings(path=next(iter(scenario_choices().values())))


# -- panels -------------------------------------------------------------------------------
# Each panel reads Mesa's update counter, so Mesa's controller redraws it after every step.


def _text(html: str, size: int = 16, style: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=html, style=f"font-size: {size}px; {style}")


@solara.component
def NetworkPanel(model: PageModel):
    update_counter.get()
    live = model.so_far()
    whole, positions = model.whole_run()
    picture = solara.use_memo(lambda: figures.NetworkPicture(live, whole, positions), [model])
    notes = [event.note for event in live.extra["fired"]] if live.steps else []
    with solara.Card(margin=0, classes=["alignsim-network"]):
        _text(
            f"<b>{escape(live.dates[live.steps])}</b> &nbsp;·&nbsp; step {live.steps} of "
            f"{model.max_steps}",
            size=26,
        )
        happened = (
            "<b>Just happened:</b> " + escape("; ".join(notes))
            if notes
            else "<i>no scenario event this step</i>"
        )
        _text(happened, size=BODY_PX, style="min-height: 2.7em; line-height: 1.3")
        _picture(picture.update(live), model, live)
        _text(network_legend(live), size=BODY_PX, style="line-height: 1.3")


def network_legend(live) -> str:
    """Tie and bloc key under the network, as text: crisp at any size."""
    from alignsim.viz.network import rival_ties_left_out
    from alignsim.viz.style import NEGATIVE, POSITIVE, bloc_colour, bloc_names, minus

    hidden = rival_ties_left_out(live, live.steps)
    thresholds = live.scenario.params.thresholds
    ties = (
        f"<span style='color:{POSITIVE}'>━━ friendly</span> &nbsp; "
        f"<span style='color:{NEGATIVE}'>╍╍ hostile</span> &nbsp; "
        f"width = strength, node size = power; not drawn: neutral ties and {hidden} rival "
        f"{'tie' if hidden == 1 else 'ties'} (between {minus(thresholds.hostile)} and "
        f"{minus(thresholds.rival)})"
    )
    chips = " &nbsp; ".join(
        f"<span style='display:inline-block;width:0.9em;height:0.9em;border-radius:50%;"
        f"border:1px solid #000;background:{bloc_colour(bloc)};vertical-align:-0.1em'></span> "
        f"{escape(label)}"
        for bloc, label in bloc_names(live, live.steps).items()
    )
    return f"{ties}<br>{chips}"


@solara.component
def ChartPanel(model: PageModel, title: str, kind):
    """A titled chart of the run so far, its key as text under it; ``kind(live, whole)``
    builds it once per run."""
    update_counter.get()
    live = model.so_far()
    picture = solara.use_memo(lambda: kind(live, model.whole_run()[0]), [model])
    with solara.Card(margin=0):
        _text(f"<b>{escape(title)}</b>", size=18)
        _picture(picture.update(live), model, live)
        _text(picture.legend(), size=BODY_PX, style="line-height: 1.3")


def _picture(fig, model: PageModel, live) -> None:
    """A kept figure as a PNG, redrawn when the run or the step changes.

    zlib's fastest level: a third faster to write than matplotlib's default PNG, and the
    pictures are a few tens of kilobytes either way.
    """
    solara.FigureMatplotlib(
        fig, dependencies=[model, live.steps], format="png",
        pil_kwargs={"compress_level": 1},
    )  # fmt: skip


def _absent(model: PageModel, *names: str) -> str | None:
    """The first of ``names`` not in the world at the model's step (``states.X.active``)."""
    active = model.world.active
    if active is None:
        return None
    return next((n for n in names if not active[model.world.index[n]]), None)


@solara.component
def PairPanel(model: PageModel):
    update_counter.get()
    names = model.world.names
    watched = model.spec.watched_ties()
    default = watched[0] if watched else (names[0], names[min(1, len(names) - 1)])
    first, set_first = solara.use_state(default[0])
    second, set_second = solara.use_state(default[1])
    over_time, set_over_time = solara.use_state(False)
    if first not in names or second not in names:  # another scenario was picked
        first, second = default
    with solara.Card("Why a tie moves: payoff parts", margin=0):
        with solara.Row(style="align-items: center"):
            solara.Select("State A", values=names, value=first, on_value=set_first)
            solara.Select("State B", values=names, value=second, on_value=set_second)
            # drawn at every step, the chart would slow playing by about a third
            solara.Switch(label="parts over time", value=over_time, on_value=set_over_time)
        explanation = model.explain(first, second)
        if first == second:
            solara.Warning("Pick two different states.")
        elif (absent := _absent(model, first, second)) is not None:
            solara.Info(f"{absent} is not in the world at this step: its ties are 0, and "
                        "nothing drives them.")  # fmt: skip
        elif explanation is None:
            solara.Info("Step the model to see what drives this tie.")
        else:
            with solara.Row(style="align-items: flex-start; flex-wrap: wrap"):
                _text(parts_table(explanation), size=BODY_PX)
                if over_time:
                    whole, _ = model.whole_run()
                    solara.FigureMatplotlib(figures.parts_figure(explanation, whole), format="png")
            for sentence in explanation.sentences[-3:]:
                _text("• " + escape(sentence), size=BODY_PX)


def parts_table(explanation) -> str:
    """The latest step's parts of A→B and B→A as an HTML table: every part, largest first,
    rounded so that each column adds up to the payoff under it; then the strength the lower
    payoff sustains (where the tie is heading) and the tie itself."""
    from alignsim.analysis.drivers import part_label
    from alignsim.analysis.drivers import signed as _signed
    from alignsim.analysis.explain import parts_at

    shown = parts_at(explanation)
    a, b = explanation.a, explanation.b
    cell = "style='text-align:right;padding:1px 10px'"
    total = "style='text-align:right;padding:1px 10px;border-top:1px solid #888'"
    lines = [
        f"<tr><th style='text-align:left'>{escape(shown.date)}</th>"
        f"<th {cell}>{escape(a)} → {escape(b)}</th><th {cell}>{escape(b)} → {escape(a)}</th></tr>"
    ]
    lines += [
        f"<tr><td>{escape(part_label(str(name)))}</td><td {cell}>{_signed(ab)}</td>"
        f"<td {cell}>{_signed(ba)}</td></tr>"
        for name, (ab, ba) in zip(shown.parts.index, shown.parts.to_numpy(), strict=True)
    ]
    lines += [
        f"<tr><td style='border-top:1px solid #888'><b>payoff</b> (the sum)</td>"
        f"<td {total}><b>{_signed(shown.payoffs[0])}</b></td>"
        f"<td {total}><b>{_signed(shown.payoffs[1])}</b></td></tr>",
        f"<tr><td>tie heads for</td><td {cell} colspan=2>{_signed(shown.sustained)} "
        f"(what the lower payoff sustains)</td></tr>",
        f"<tr><td>tie strength</td><td {cell} colspan=2>{_signed(shown.strength)}</td></tr>",
    ]
    return "<table style='border-collapse:collapse'>" + "".join(lines) + "</table>"


# -- the scenario's levers ------------------------------------------------------------------


@solara.component
def LabelledSlider(text: str, value: float, low: float, high: float, step: float, on_value):
    """A slider under its label and value: long labels beside a slider squeeze it."""
    digits = max(0, -int(f"{step:e}".split("e")[1]))
    _text(f"{escape(text)}: <b>{value:.{digits}f}</b>", size=15, style="margin-top: 6px")
    solara.SliderFloat("", value=value, min=low, max=high, step=step, on_value=on_value)


@solara.component
def Levers(model: solara.Reactive[PageModel], settings: solara.Reactive[PageSettings]):
    """Scenario picker, seed, weights, salience, events, export; each change restarts."""
    error = solara.use_reactive(None)
    salience_state = solara.use_reactive(None)
    exported = solara.use_reactive(None)
    events = solara.use_memo(lambda: _file_events(settings.value.path), [settings.value.path])
    current = model.value
    spec = current.spec

    def restart(new: PageSettings) -> None:
        try:
            built = PageModel(new)
        except (ScenarioError, EventError) as problem:
            error.set(str(problem))
            return
        error.set(None)
        exported.set(None)
        settings.set(new)
        model.set(built)

    def save() -> None:
        root = Path(os.environ.get(RESULTS_ENV, "results"))
        try:
            folder = export_run(settings.value, root, started=datetime.now(UTC))
        except OSError as problem:
            exported.set(f"Could not save the run in {root}: {problem.strerror or problem}")
            return
        exported.set(f"Saved to {folder}")

    choices = scenario_choices()
    label = next((k for k, p in choices.items() if p == settings.value.path), None)
    with solara.Card("Scenario", margin=0):
        solara.Select(
            "Scenario",
            values=list(choices),
            value=label,
            on_value=lambda k: restart(PageSettings(path=choices[k])),
        )
        solara.InputInt(
            "Seed",
            value=current.run_seed,
            on_value=lambda s: restart(dataclasses.replace(settings.value, seed=max(int(s), 0))),
        )
        if error.value:
            solara.Error(error.value)
    with solara.Card("Weights", margin=0):
        for name, text, low, high, step in MAIN_PARAMS:
            LabelledSlider(
                text,
                float(getattr(spec.params, name)),
                low,
                high,
                step,
                lambda v, name=name: restart(settings.value.with_param(name, v)),
            )
    with solara.Card("Salience", margin=0):
        names = list(spec.states)
        who = salience_state.value if salience_state.value in names else names[0]
        solara.Select("State", values=names, value=who, on_value=salience_state.set)
        state = spec.states[who]
        for dim in spec.dimensions:
            LabelledSlider(
                dim.replace("_", " "),
                float(state.salience.get(dim, 0.0)),
                0.0,
                1.0,
                0.05,
                lambda v, dim=dim: restart(settings.value.with_salience(who, dim, v)),
            )
    with (
        solara.Card("Scheduled events", margin=0),
        solara.Column(style={"max-height": "300px", "overflow-y": "auto", "gap": "0"}),
    ):
        for event in events:
            solara.Checkbox(
                label=f"{event.at} {event.note or event.id}",
                value=event.id not in settings.value.events_off,
                on_value=lambda on, eid=event.id: restart(settings.value.with_event(eid, on)),
            )
    with solara.Card("Export", margin=0):
        solara.Button("Save this run as a run folder", on_click=save, color="primary")
        if exported.value:
            _text(escape(exported.value), size=14, style="word-break: break-all")


def _file_events(path: Path) -> list:
    """The chosen file's events with an id (those the page can switch off), in file order."""
    base = build_scenario(PageSettings(path=path))
    return [e for e in base.events if e.id and e.at is not None]


@solara.component
def RunControls(model: solara.Reactive[PageModel], settings: solara.Reactive[PageSettings]):
    """Mesa's SolaraViz controller (reset, play/pause, step) and the play speed."""
    interval = solara.use_reactive(PLAY_INTERVAL_MS)
    with solara.Card("Run", margin=0):
        ModelController(
            model,
            model_parameters={"settings": settings.get},
            play_interval=interval,
            render_interval=solara.use_reactive(1),
            use_threads=solara.use_reactive(False),
        )
        _text(f"Pause between steps: <b>{interval.value} ms</b>", size=15)
        solara.SliderInt("", value=interval, min=0, max=1000, step=50)


@solara.component
def Page():
    settings = solara.use_reactive(first_settings())
    first_model = solara.use_memo(lambda: PageModel(settings.value), [])
    model = solara.use_reactive(first_model)
    solara.Title("alignsim")
    solara.AppBarTitle(f"alignsim — {model.value.spec.name}")
    with solara.Row(style="align-items: flex-start; flex-wrap: nowrap; gap: 16px"):
        controls = (
            f"flex: 0 0 {SIDEBAR_PX}px; width: {SIDEBAR_PX}px; gap: 12px; position: sticky; "
            "top: 0; max-height: calc(100vh - 90px); overflow-y: auto; padding: 2px"
        )  # the controls stay in view while the pictures scroll
        with solara.Column(style=controls):
            RunControls(model, settings)
            Levers(model, settings)
        with solara.Column(style="flex: 1 1 auto; min-width: 0; gap: 12px"):
            with solara.Row(style="align-items: flex-start; flex-wrap: nowrap; gap: 12px"):
                NetworkPanel(model.value)
                charts = f"gap: 12px; min-width: 0; flex: 0 0 {CHARTS_PX}px; width: {CHARTS_PX}px"
                with solara.Column(style=charts):
                    ChartPanel(model.value, "Watched ties", figures.TimelinePicture)
                    ChartPanel(model.value, "Balance and ties per level", figures.BalancePicture)
            PairPanel(model.value)
