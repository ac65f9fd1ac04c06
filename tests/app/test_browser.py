"""End to end: `alignsim app` as a subprocess, driven in a real headless Chromium.

Playwright drives Debian's ``chromium`` package (``.ci/run`` installs it). The test skips on
a machine without Chromium, and fails instead in CI, where Chromium must be present.

Nothing here depends on how fast the machine is: every wait is for something the page
shows (a step number, a label, a button's state), and its time limit only stops a test that
would otherwise hang. The server picks its own free port (``--port 0``) and prints it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

#: Chromium as the machine's closed network needs it: no sandbox as root, no GPU, and no
#: background connections (updates, sync) that would fail and flood the log.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long any one wait may last before the test gives up (ms): only a page that is broken
#: takes this long; a slow machine only makes the waits longer, never makes them fail.
WAIT_MS = 600_000
#: The flagship's steps.
STEPS = 48
#: The step number in the network card's headline.
SHOWN_STEP = re.compile(r"step (\d+) of")
#: True once the network card shows step ``n`` or later (run in the page).
STEP_AT_LEAST = """n => {
    const card = document.querySelector(".alignsim-network");
    const found = card && card.innerText.match(/step (\\d+) of/);
    return found !== null && Number(found[1]) >= n;
}"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium package")
    pytest.skip("needs Chromium (Debian: apt-get install chromium)")


@pytest.fixture
def app_url(tmp_path):
    """The page's address: ``alignsim app --port 0`` listens on a port the system picks and
    prints it, so no other program can take the port between choosing and listening."""
    server = subprocess.Popen(
        [sys.executable, "-m", "alignsim", "app", "--port", "0",
         "--results", str(tmp_path / "results")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )  # fmt: skip
    output = [server.stdout.readline()]
    # keep reading what the server prints, so that a full pipe never blocks it
    reader = threading.Thread(target=lambda: output.extend(server.stdout), daemon=True)
    reader.start()
    try:
        found = re.search(r"open (http://\S+) in a browser", output[0])
        if found is None:
            server.wait(timeout=WAIT_MS / 1000)
            reader.join()
            pytest.fail(f"alignsim app did not start:\n{''.join(output)}")
        try:  # the port listens already: the request waits until the page is served
            with urllib.request.urlopen(found.group(1), timeout=WAIT_MS / 1000) as response:
                assert response.status == 200
        except OSError as error:
            pytest.fail(f"alignsim app did not serve the page ({error}):\n{''.join(output)}")
        yield found.group(1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        reader.join()
        print(f"alignsim app printed:\n{''.join(output)}")  # shown when a test fails


def test_page_steps_and_reacts_to_a_slider_in_chromium(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    shots = Path(os.environ.get("ALIGNSIM_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=CHROMIUM_ARGS, timeout=WAIT_MS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(WAIT_MS)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(app_url)
        timings = _step_and_slider(page, shots)
        timings["playing"] = _play_to_the_end(page)
        _pause_stops_playing(page)
        browser.close()
    assert (shots / "app-step1.png").stat().st_size > 10_000
    assert not problems, f"browser console errors: {problems}"
    print(
        f"first step shown {timings['first step']:.2f} s after the click; playing: "
        f"{timings['playing']:.2f} s a step; screenshots in {shots}"
    )


def _step_and_slider(page, shots: Path) -> dict[str, float]:
    """Step shows the next quarter and its events; a lever restarts the run with its value."""
    from playwright.sync_api import expect

    step = _step_button(page)
    network = page.locator(".alignsim-network img")
    expect(_card(page)).to_contain_text(f"step 0 of {STEPS}")
    at_start = _loaded_picture(page, network)

    clicked = time.perf_counter()
    step.click()
    expect(_card(page)).to_contain_text(f"step 1 of {STEPS}")
    first_step_s = time.perf_counter() - clicked
    expect(page.get_by_text("Just happened: Crimea annexed")).to_be_visible()
    after_step = _changed(network, at_start)
    page.screenshot(path=shots / "app-step1.png")

    # "What if balance mattered more?": the balance weight's slider to its maximum
    _slider(page, 2, "End")  # pause between steps, interest weight, balance weight
    expect(page.get_by_text("Balance weight (enemy of my enemy): 1.50")).to_be_visible()
    expect(_card(page)).to_contain_text(f"step 0 of {STEPS}")  # it was at step 1
    step.click()
    expect(_card(page)).to_contain_text(f"step 1 of {STEPS}")
    _changed(network, after_step)
    page.screenshot(path=shots / "app-slider.png")
    return {"first step": first_step_s}


def _play_to_the_end(page) -> float:
    """▶ steps the page on its own, at the default pause, to the last step, where the run
    stops; returns the seconds a step took to show (a figure for the docs, not checked)."""
    from playwright.sync_api import expect

    assert _step_shown(page) == 1
    clicked = time.perf_counter()
    _toggle(page).click()
    expect(_step_button(page)).to_be_disabled()  # disabled while playing
    expect(_card(page)).to_contain_text(f"step {STEPS} of {STEPS}")
    seconds_a_step = (time.perf_counter() - clicked) / (STEPS - 1)
    expect(_toggle(page)).to_be_disabled()  # the run is over: nothing left to play
    expect(_step_button(page)).to_be_disabled()
    return seconds_a_step


def _pause_stops_playing(page) -> None:
    """❚❚ stops the stepping: afterwards only Step moves the run, one step a press.

    The run restarts and plays with the longest pause between steps (1 s), which leaves
    the test most of a minute to press ❚❚ before the run could end. After ❚❚ the pause is
    set to 0 ms, so that a play loop that went on would step as fast as it can: three
    presses of Step must then advance the run by three steps, or four when the step under
    way at the press of ❚❚ was finished after it (Mesa's controller finishes it).
    """
    from playwright.sync_api import expect

    step = _step_button(page)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(_card(page)).to_contain_text(f"step 0 of {STEPS}")
    _slider(page, 0, "End")
    expect(page.get_by_text("Pause between steps: 1000 ms")).to_be_visible()
    _toggle(page).click()
    _wait_for_step(page, 1)  # it plays again after Reset
    expect(_toggle(page)).to_have_text("❚❚")
    _toggle(page).click()
    expect(_toggle(page)).to_have_text("▶")
    expect(step).to_be_enabled()
    _slider(page, 0, "Home")
    expect(page.get_by_text("Pause between steps: 0 ms")).to_be_visible()
    paused = _step_shown(page)
    assert paused < STEPS, "the run ended before it could be paused"
    shown = paused
    for _ in range(3):
        step.click()
        _wait_for_step(page, shown + 1)
        shown = _step_shown(page)
    _wait_for_step(page, paused + 3)
    assert _step_shown(page) - paused in (3, 4), "the page went on stepping after pause"


def _card(page):
    return page.locator(".alignsim-network")


def _step_button(page):
    return page.get_by_role("button", name="Step", exact=True)


def _toggle(page):
    """Mesa's play/pause button (▶ while paused, ❚❚ while playing)."""
    return page.get_by_role("button", name=re.compile(r"^(▶|❚❚)$"))


def _slider(page, index: int, key: str) -> None:
    slider = page.get_by_role("slider").nth(index)
    slider.focus()
    slider.press(key)


def _step_shown(page) -> int:
    return int(SHOWN_STEP.search(_card(page).inner_text()).group(1))


def _wait_for_step(page, at_least: int) -> None:
    page.wait_for_function(STEP_AT_LEAST, arg=at_least, polling=100, timeout=WAIT_MS)


def _loaded_picture(page, image) -> bytes:
    """The element's picture once the browser has decoded it (not a half-loaded frame)."""
    image.wait_for()
    page.wait_for_function(
        "el => el.complete && el.naturalWidth > 0", arg=image.element_handle(), polling=100
    )
    return image.screenshot()


def _changed(image, before: bytes) -> bytes:
    """The element's new picture, once it differs from ``before`` (fails after WAIT_MS)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        now = image.screenshot()
        if now != before:
            return now
        time.sleep(0.3)
    pytest.fail("the network picture did not change")
