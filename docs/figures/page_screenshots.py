"""Redraw docs/figures/app_page.png and app_pair_panel.png: the teaching page in headless
Chromium at 1280x720, stepped to 2018-Q2 (step 17) with the flagship's seed 7, and its pair
panel with the parts over time.

    .venv/bin/python docs/figures/page_screenshots.py docs/figures

Needs Chromium (Debian's chromium package) and the test extras (Playwright). It also prints
the text sizes and picture sizes of each card, as the browser computes them."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.app.test_browser import CHROMIUM_ARGS as ARGS  # Chromium as the test runs it

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
log = open(out / "app.log", "w")
server = subprocess.Popen(
    [
        sys.executable,
        "-m",
        "alignsim",
        "app",
        "--port",
        str(port),
        "--results",
        str(out / "results"),
    ],
    stdout=log,
    stderr=subprocess.STDOUT,
    cwd=Path(__file__).resolve().parents[2],
)
url = f"http://127.0.0.1:{port}/"
try:
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=5)
            break
        except OSError:
            time.sleep(0.5)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=120_000)
        card = page.locator(".alignsim-network")
        expect(card.get_by_text("step 0 of 48")).to_be_visible(timeout=60_000)
        for k in range(1, 18):
            step.click()
            expect(card.get_by_text(f"step {k} of 48")).to_be_visible(timeout=60_000)
        time.sleep(2)
        page.screenshot(path=out / "app_page.png")
        # sizes of the right column's text, as the browser computes them
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll('.v-card')).map(c => {
            const r = c.getBoundingClientRect();
            const imgs = Array.from(c.querySelectorAll('img')).map(i => [i.naturalWidth, i.naturalHeight, Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)]);
            const fonts = Array.from(c.querySelectorAll('div')).filter(d => d.childNodes.length && Array.from(d.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())).map(d => getComputedStyle(d).fontSize);
            return {x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), text: c.innerText.slice(0, 40).replace(/\\n/g, ' | '), imgs, fonts: [...new Set(fonts)]};
        })""")
        for s in sizes:
            print(s)
        page.get_by_text("parts over time").click()
        time.sleep(3)
        heading = page.get_by_text("Why a tie moves: payoff parts")
        heading.evaluate("e => e.scrollIntoView({block: 'start'})")
        time.sleep(1)
        page.mouse.move(800, 400)
        page.mouse.wheel(0, heading.bounding_box()["y"] - 76)
        time.sleep(2)
        print("heading at", heading.bounding_box())
        psizes = page.evaluate(
            """() => Array.from(document.querySelectorAll('img')).map(i => [i.naturalWidth, i.naturalHeight, Math.round(i.getBoundingClientRect().width)])"""
        )
        print("images", psizes)
        page.screenshot(path=out / "app_pair_panel.png")
        browser.close()
finally:
    server.terminate()
    server.wait(timeout=20)
    log.close()
