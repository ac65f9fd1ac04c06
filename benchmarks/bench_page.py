"""How long one step of the teaching page takes on the server, and where the time goes.

    .venv/bin/python benchmarks/bench_page.py [--steps N]

Renders the page headlessly (``solara.render``, the page's own components and Mesa's
controller), presses Step ``--steps`` times on the flagship and reports the median time a
press takes — the model's step plus redrawing every panel — beside the model's step alone
and each picture alone (updated to the step and written as a PNG, as the page does),
measured in the same run. The browser adds the transfer and display
of the pictures (a few tens of kilobytes each) on top; the end-to-end test
(tests/app/test_browser.py) prints the time it sees per step while playing.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import ipyvuetify as v
import solara

from alignsim.app import figures
from alignsim.app.page import Page
from alignsim.app.session import PageModel
from alignsim.app.settings import PageSettings, shipped_scenarios


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def kept(picture, live):
    """Update a kept picture to ``live`` and write it as the page does."""

    def run():
        picture.update(live).savefig(io.BytesIO(), format="png", pil_kwargs={"compress_level": 1})

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    _root, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()  # warm-up
    press = median_ms(step.click, args.steps)

    model = PageModel(PageSettings(shipped_scenarios()["pakistan_china_russia"]))
    whole, positions = model.whole_run()
    model_step = median_ms(model.step, args.steps)
    live = model.so_far()
    explanation = model.explain("Russia", "Pakistan")
    network = figures.NetworkPicture(live, whole, positions)
    timeline = figures.TimelinePicture(live, whole)
    balance = figures.BalancePicture(live, whole)

    def parts_chart():
        figures.parts_figure(explanation, whole).savefig(io.BytesIO(), format="png")

    rows = [
        ("press Step on the page (model + every panel)", press),
        ("model step alone (PageModel, all pairs traced)", model_step),
        ("network picture (kept, updated)", median_ms(kept(network, live), 5)),
        ("watched ties chart (kept, updated)", median_ms(kept(timeline, live), 5)),
        ("balance and levels chart (kept, updated)", median_ms(kept(balance, live), 5)),
        ("payoff parts chart (built at each step)", median_ms(parts_chart, 5)),
        ("payoff parts table data", median_ms(lambda: model.explain("Russia", "Pakistan"), 5)),
    ]
    print(f"teaching page, flagship, median over {args.steps} steps")
    print(f"{'what':50s} {'ms':>8s}")
    for what, ms in rows:
        print(f"{what:50s} {ms:8.0f}")
    print(f"steps per second while playing with no pause: {1000 / press:.1f}")


if __name__ == "__main__":
    main()
