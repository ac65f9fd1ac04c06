"""The teaching page rendered headlessly (``solara.render``, as Mesa's own tests render
SolaraViz): the controls exist, and each one drives the real model."""

from __future__ import annotations

import re
from typing import ClassVar

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from solara.widgets import HTML

from alignsim.app import page as page_module
from alignsim.app.session import PageModel
from alignsim.app.settings import MAIN_PARAMS, PageSettings, build_scenario, shipped_scenarios
from alignsim.io.reader import read_run
from alignsim.model.simulate import simulate
from tests.conftest import FLAGSHIP


class RecordingModel(PageModel):
    """The real page model, remembering every instance the page builds."""

    built: ClassVar[list[PageModel]] = []

    def __init__(self, settings) -> None:
        super().__init__(settings)
        RecordingModel.built.append(self)


@pytest.fixture
def page(monkeypatch, tmp_path):
    RecordingModel.built = []
    monkeypatch.setattr(page_module, "PageModel", RecordingModel)
    monkeypatch.delenv(page_module.SCENARIO_ENV, raising=False)
    monkeypatch.setenv(page_module.RESULTS_ENV, str(tmp_path / "results"))
    root, rc = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    rc.root = root  # where slider_after starts walking the widget tree
    return rc


def model() -> PageModel:
    return RecordingModel.built[-1]


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def select(rc, label: str):
    return rc.find(v.Select, label=label).widget


def texts(rc) -> str:
    return " ".join(w.unsafe_innerHTML or "" for w in rc.find(HTML).widgets)


def slider_after(rc, label_start: str):
    """The slider that follows the label text starting with ``label_start``."""
    widgets = rc.find(HTML).widgets + rc.find(v.Slider).widgets
    order = [w for w in _walk(rc.root) if w in widgets]
    for k, widget in enumerate(order):
        if isinstance(widget, HTML) and (widget.unsafe_innerHTML or "").startswith(label_start):
            return next(w for w in order[k + 1 :] if isinstance(w, v.Slider))
    raise AssertionError(f"no slider labelled {label_start!r}")


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", []) or []:
        if isinstance(child, ipywidgets.Widget):
            yield from _walk(child)


def network_png(rc) -> bytes:
    return rc.find(ipywidgets.Image).widgets[0].value


def test_the_controls_exist(page):
    for label in ("Reset", "▶", "Step", "Save this run as a run folder"):
        assert button(page, label)
    assert select(page, "Scenario").v_model == "pakistan_china_russia"
    assert set(select(page, "Scenario").items) >= {
        "pakistan_china_russia",
        "counterfactuals/tapi_blocked",
    }
    assert page.find(v.TextField, label="Seed").widget.v_model == "7"
    for _name, text, *_ in MAIN_PARAMS:
        assert slider_after(page, text)
    scenario = model().spec
    for dim in scenario.dimensions:
        assert slider_after(page, dim.replace("_", " "))
    switches = page.find(v.Checkbox).widgets
    assert len(switches) == len([e for e in scenario.events if e.id and e.at])
    assert all(s.v_model for s in switches)


def test_step_advances_the_model_and_redraws(page):
    before = network_png(page)
    button(page, "Step").click()
    assert model().steps == 1
    assert model().so_far().steps == 1
    assert "step 1 of 48" in texts(page)
    assert "Crimea annexed" in texts(page)  # the notes of the events that just fired
    assert network_png(page) != before


def test_a_weight_slider_restarts_the_run_with_the_new_value(page):
    button(page, "Step").click()
    slider_after(page, "Balance weight").v_model = 0.8
    assert model().spec.params.balance_weight == pytest.approx(0.8)
    assert model().steps == 0
    assert "step 0 of 48" in texts(page)
    assert "Balance weight (enemy of my enemy): <b>0.80</b>" in texts(page)


def test_salience_of_a_chosen_state(page):
    select(page, "State").v_model = "Russia"
    slider_after(page, "energy").v_model = 0.1
    assert model().spec.states["Russia"].salience["energy"] == pytest.approx(0.1)
    assert model().spec.states["Pakistan"].salience["energy"] == pytest.approx(0.9)


def test_switching_an_event_off_and_on(page):
    switch = next(w for w in page.find(v.Checkbox).widgets if "Druzhba-2016" in str(w.label))
    switch.v_model = False
    assert "druzhba_2016" not in [e.id for e in model().spec.events]
    switch = next(w for w in page.find(v.Checkbox).widgets if "Druzhba-2016" in str(w.label))
    switch.v_model = True
    assert "druzhba_2016" in [e.id for e in model().spec.events]


def test_scenario_picker_and_seed(page):
    select(page, "Scenario").v_model = "counterfactuals/tapi_blocked"
    assert model().spec.name == "pakistan-china-russia-axis-tapi-blocked"
    seed = page.find(v.TextField, label="Seed").widget
    seed.v_model = "11"
    seed.fire_event("focusout", None)  # what the browser sends when the field loses focus
    assert model().run_seed == 11
    assert model().spec.name == "pakistan-china-russia-axis-tapi-blocked"


def test_reset_restarts_with_the_controls_as_they_are(page):
    slider_after(page, "Noise").v_model = 0.0
    for _ in range(3):
        button(page, "Step").click()
    assert model().steps == 3
    button(page, "Reset").click()
    assert model().steps == 0
    assert model().spec.params.noise == 0.0


def test_pair_panel_shows_the_payoff_parts(page):
    for _ in range(4):
        button(page, "Step").click()
    select(page, "State A").v_model = "China"
    select(page, "State B").v_model = "Pakistan"
    html = texts(page)
    assert "China → Pakistan" in html and "Pakistan → China" in html
    assert "<b>payoff</b>" in html
    pictures = len(page.find(ipywidgets.Image).widgets)
    page.find(v.Switch, label="parts over time").widget.v_model = True
    assert len(page.find(ipywidgets.Image).widgets) == pictures + 1
    explanation = model().explain("China", "Pakistan")
    parts = explanation.table[explanation.part_names].to_numpy()
    assert np.allclose(parts.sum(axis=1), explanation.table["payoff"], atol=1e-9)


def _number(text: str) -> float:
    return float(re.sub(r"<[^>]+>", "", text).replace("−", "-"))


@pytest.mark.parametrize("pair", [("China", "Pakistan"), ("Russia", "India")])
def test_pair_table_rows_add_up_to_the_payoff_shown(page, pair):
    """Every part is listed, cost and noise too, and each column's rows, as shown, add up to
    the payoff shown under them."""
    for _ in range(6):
        button(page, "Step").click()
    select(page, "State A").v_model, select(page, "State B").v_model = pair
    table = next(w.unsafe_innerHTML for w in page.find(HTML).widgets
                 if "(the sum)" in (w.unsafe_innerHTML or ""))  # fmt: skip
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")]
    rows = [row for row in cells if len(row) == 3]
    parts = [(label, _number(ab), _number(ba)) for label, ab, ba in rows if "payoff" not in label]
    payoff = next((_number(ab), _number(ba)) for label, ab, ba in rows if "payoff" in label)
    explanation = model().explain(*pair)
    assert len(parts) == len(explanation.part_names)
    assert {"cost", "noise", "balance", "history"} <= {label for label, _, _ in parts}
    assert round(sum(ab for _, ab, _ in parts), 2) == payoff[0]
    assert round(sum(ba for _, _, ba in parts), 2) == payoff[1]
    last = explanation.table[explanation.table["step"] == 6]
    assert payoff[0] == round(float(last["payoff"].iloc[0]), 2)
    assert "tie heads for" in table and "tie strength" in table


def test_network_key_counts_the_rival_ties_left_out(page):
    for _ in range(20):
        button(page, "Step").click()
    shown = model().so_far()
    strength = shown.recorder.strength[shown.steps]
    rival = int(((strength <= -0.2) & (strength > -0.6)).sum())
    assert rival > 0
    assert f"not drawn: neutral ties and {rival} rival ties" in texts(page)


def test_export_writes_the_run_shown_as_a_run_folder(page, tmp_path):
    slider_after(page, "History weight").v_model = 0.9
    button(page, "Save this run as a run folder").click()
    folders = list((tmp_path / "results").glob("*/*"))
    assert len(folders) == 1
    assert f"Saved to {folders[0]}" in texts(page)
    stored = read_run(folders[0])
    assert stored.scenario.params.history_weight == pytest.approx(0.9)
    assert (folders[0] / "summary.md").is_file()
    shown = model()
    while shown.running:
        shown.step()
    assert np.array_equal(stored.recorder.strength, shown.so_far().recorder.strength[:49])


def test_the_page_steps_the_one_implementation():
    settings = PageSettings(
        FLAGSHIP, seed=5, params={"balance_weight": 0.5}, events_off=frozenset({"tapi_stalls"})
    )
    shown = PageModel(settings)
    while shown.running:
        shown.step()
    reference = simulate(build_scenario(settings), seed=5)
    assert np.array_equal(shown.so_far().recorder.strength, reference.recorder.strength)


def test_shipped_scenarios_are_the_flagship_then_the_counterfactuals():
    labels = list(shipped_scenarios())
    assert labels[0] == "pakistan_china_russia"
    assert all(label.startswith("counterfactuals/") for label in labels[1:])
    assert len(labels) >= 5


def test_steps_from_two_threads_at_once_are_all_taken():
    """Mesa's play loop may finish a step while Step is pressed: every press is a step.

    Mesa's clock (pop the step's event, run it, schedule the next) is not safe from two
    threads: without a lock around all of it, 40 calls took one to three steps.
    """
    import threading

    shown = PageModel(PageSettings(FLAGSHIP, seed=4))
    start = threading.Barrier(2)

    def play():
        start.wait()
        for _ in range(20):
            shown.step()

    players = [threading.Thread(target=play) for _ in range(2)]
    for player in players:
        player.start()
    for player in players:
        player.join()
    assert shown.steps == 40
    assert shown.recorder.last_step == 40
    assert shown.so_far().recorded_steps.tolist() == list(range(41))


def test_reading_while_another_thread_steps_sees_whole_steps():
    """Mesa's play loop steps in a worker thread while the page draws: every read is of
    whole steps, and the explanation, events and metrics agree on how many."""
    import threading

    shown = PageModel(PageSettings(FLAGSHIP, seed=4))
    errors: list[BaseException] = []
    # The player waits for a read before its first step and another halfway, so that reads
    # overlap the run however the threads are scheduled (no read is waited for after that).
    read_before, read_halfway = threading.Event(), threading.Event()
    halfway = shown.max_steps // 2

    def play():
        try:
            assert read_before.wait(600)
            while shown.running:
                shown.step()
                if shown.steps == halfway:
                    assert read_halfway.wait(600)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    player = threading.Thread(target=play)
    player.start()
    reads = 0
    while player.is_alive() or reads == 0:
        live = shown.so_far()
        read_before.set()
        if live.steps >= halfway:
            read_halfway.set()
        assert live.recorded_steps.tolist() == list(range(live.steps + 1))
        assert all(event["step"] <= live.steps for event in live.recorder.events)
        assert live.metric("balance_ratio").shape == (live.steps + 1,)
        explanation = shown.explain("China", "Pakistan")
        if explanation is not None:
            assert len(explanation.table) == 2 * explanation.result.steps
        reads += 1
    player.join()
    assert not errors
    assert reads > 1
    reference = simulate(build_scenario(PageSettings(FLAGSHIP, seed=4)), seed=4)
    final = shown.so_far()
    assert np.array_equal(final.recorder.strength, reference.recorder.strength)
    assert list(final.recorder.events) == list(reference.recorder.events)


#: Smallest text, in screen pixels, that the back of a classroom reads on a 1280×720 projector.
CLASSROOM_PX = 16


def _font_px(widget) -> int:
    return int(re.search(r"font-size: (\d+)px", widget.attributes["style"]).group(1))


def _sizes(rc, marker: str) -> list[int]:
    """Font sizes of the page's texts that contain ``marker``."""
    return [_font_px(w) for w in rc.find(HTML).widgets if marker in (w.unsafe_innerHTML or "")]


def test_text_beside_the_pictures_is_classroom_sized(page):
    button(page, "Step").click()
    notes = _sizes(page, "Crimea annexed")
    for _ in range(3):
        button(page, "Step").click()  # the pair panel's table appears
    shown = {
        "event notes": notes,
        "network key": _sizes(page, "friendly"),
        "watched ties key": _sizes(page, "Russia–Pakistan</span>"),
        "levels key": _sizes(page, "formal alliance"),
        "payoff parts": _sizes(page, "<table"),
        "sentences": _sizes(page, "• "),
    }
    for what, sizes in shown.items():
        assert sizes or what == "sentences", f"no {what} on the page"
        assert min(sizes, default=CLASSROOM_PX) >= CLASSROOM_PX, f"{what}: {min(sizes)} px"


def _drawn_texts(fig):
    """The texts a reader sees: titles, labels, legends and the tick labels in view."""
    texts = list(fig.texts)
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, *ax.texts]
        if ax.get_legend():
            texts += ax.get_legend().get_texts()
        if not ax.axison:  # the network: no axes drawn
            continue
        texts += [ax.xaxis.label, ax.yaxis.label]
        low, high = sorted(ax.get_xlim())
        texts += [t for t in ax.get_xticklabels() if low <= t.get_position()[0] <= high]
        low, high = sorted(ax.get_ylim())
        texts += [t for t in ax.get_yticklabels() if low <= t.get_position()[1] <= high]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def test_the_pictures_letters_are_classroom_sized_at_their_own_size():
    from alignsim.app import figures

    shown = PageModel(PageSettings(FLAGSHIP))
    for _ in range(17):  # 2018-Q2, as in the lesson
        shown.step()
    live = shown.so_far()
    whole, positions = shown.whole_run()
    pictures = {
        "network": figures.NetworkPicture(live, whole, positions).update(live),
        "watched ties": figures.TimelinePicture(live, whole).update(live),
        "balance": figures.BalancePicture(live, whole).update(live),
        "payoff parts": figures.parts_figure(shown.explain("Russia", "Pakistan"), whole),
    }
    for what, fig in pictures.items():
        fig.canvas.draw()
        texts = _drawn_texts(fig)
        assert len(texts) > 5, what
        smallest = min(t.get_fontsize() for t in texts) * fig.dpi / 72  # pixels at 1:1
        assert smallest >= CLASSROOM_PX, f"{what}: {smallest:.1f} px"
    # the charts' pictures fit their column with its cards' padding: shown at their own size
    for what in ("watched ties", "balance"):
        assert pictures[what].get_figwidth() * pictures[what].dpi <= page_module.CHARTS_PX - 32
    keys = figures.TimelinePicture(live, whole).legend() + figures.BalancePicture.legend()
    assert "United States–Pakistan" in keys and "formal alliance" in keys
