"""End to end: `alignsim app` as a subprocess, driven in a real headless Chromium.

Playwright drives Debian's ``chromium`` package (``.ci/run`` installs it). The test skips on
a machine without Chromium, and fails instead in CI, where Chromium must be present.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
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


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium package")
    pytest.skip("needs Chromium (Debian: apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    port = free_port()
    log = open(tmp_path / "app.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "alignsim", "app", "--port", str(port),
         "--results", str(tmp_path / "results")],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"alignsim app exited: {(tmp_path / 'app.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("alignsim app did not answer within 120 s")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_page_steps_and_reacts_to_a_slider_in_chromium(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("ALIGNSIM_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(app_url)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=120_000)
        network = page.locator(".alignsim-network img")
        headline = page.locator(".alignsim-network").get_by_text("step 0 of 48")
        expect(headline).to_be_visible(timeout=60_000)
        at_start = network.screenshot()

        clicked = time.perf_counter()
        step.click()
        expect(page.get_by_text("step 1 of 48")).to_be_visible(timeout=60_000)
        first_step_s = time.perf_counter() - clicked
        expect(page.get_by_text("Just happened: Crimea annexed")).to_be_visible()
        after_step = _changed(network, at_start)
        page.screenshot(path=shots / "app-step1.png")

        # "What if balance mattered more?": the balance weight's slider to its maximum
        sliders = page.get_by_role("slider")
        balance = sliders.nth(2)  # pause, interest weight, balance weight
        balance.focus()
        balance.press("End")
        expect(page.get_by_text("Balance weight (enemy of my enemy): 1.50")).to_be_visible(
            timeout=60_000
        )
        expect(page.get_by_text("step 0 of 48")).to_be_visible(timeout=60_000)
        step.click()
        expect(page.get_by_text("step 1 of 48")).to_be_visible(timeout=60_000)
        _changed(network, after_step)
        page.screenshot(path=shots / "app-slider.png")

        # play: the page steps on its own until paused
        page.get_by_role("button", name="▶").click()
        card = page.locator(".alignsim-network")
        expect(card).to_contain_text(re.compile(r"step ([3-9]|[1-4]\d) of 48"), timeout=180_000)
        started, first = time.perf_counter(), _step_shown(card)
        expect(card).to_contain_text(re.compile(r"step (1[3-9]|[2-4]\d) of 48"), timeout=180_000)
        per_step_s = (time.perf_counter() - started) / (_step_shown(card) - first)
        pause = page.get_by_role("button", name="❚❚")
        pause.click()
        time.sleep(3)  # a step under way when paused finishes and is shown
        paused = _step_shown(card)
        time.sleep(3)
        assert _step_shown(card) == paused, "the page went on stepping after pause"
        browser.close()
    assert (shots / "app-step1.png").stat().st_size > 10_000
    assert not problems, f"browser console errors: {problems}"
    print(
        f"first step shown {first_step_s:.2f} s after the click; playing: "
        f"{per_step_s:.2f} s a step; screenshots in {shots}"
    )


def _step_shown(card) -> int:
    return int(re.search(r"step (\d+) of", card.inner_text()).group(1))


def _changed(image, before: bytes, timeout: float = 60) -> bytes:
    """The element's new picture, once it differs from ``before`` (fails after timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = image.screenshot()
        if now != before:
            return now
        time.sleep(0.3)
    pytest.fail("the network picture did not change")
