"""Redraw docs/figures/app_page.png and app_pair_panel.png: the teaching page in headless
Chromium at 1280x720, stepped to 2018-Q2 (step 17) with the flagship's seed 7, and its pair
panel with the parts over time.

    .venv/bin/python docs/figures/page_screenshots.py docs/figures

Needs Chromium (Debian's chromium package) and the test extras (Playwright). It also prints
the text sizes and picture sizes of each card, as the browser computes them. The page is
started as the browser test starts it (``alignsim app --port 0``, which prints its address)
and driven with the same Chromium flags."""

import re
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.app.test_browser import CHROMIUM_ARGS, chromium  # noqa: E402 - as the test runs it

WAIT_MS = 120_000
#: Text sizes and picture sizes of each card of the page, as the browser computes them.
CARD_SIZES = """() => Array.from(document.querySelectorAll('.v-card')).map(c => {
    const r = c.getBoundingClientRect();
    const imgs = Array.from(c.querySelectorAll('img')).map(i => [
        i.naturalWidth, i.naturalHeight,
        Math.round(i.getBoundingClientRect().width),
        Math.round(i.getBoundingClientRect().height)]);
    const texts = Array.from(c.querySelectorAll('div')).filter(d => d.childNodes.length
        && Array.from(d.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()));
    const fonts = texts.map(d => getComputedStyle(d).fontSize);
    return {x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width),
            text: c.innerText.slice(0, 40).replace(/\\n/g, ' | '), imgs,
            fonts: [...new Set(fonts)]};
})"""
#: Natural and shown widths of every picture on the page.
PICTURE_SIZES = """() => Array.from(document.querySelectorAll('img')).map(i => [
    i.naturalWidth, i.naturalHeight, Math.round(i.getBoundingClientRect().width)])"""


def shoot(page, out: Path) -> None:
    step = page.get_by_role("button", name="Step", exact=True)
    card = page.locator(".alignsim-network")
    expect(card).to_contain_text("step 0 of 48", timeout=WAIT_MS)
    for k in range(1, 18):
        step.click()
        expect(card).to_contain_text(f"step {k} of 48", timeout=WAIT_MS)
    time.sleep(2)  # let the pictures of the last step finish decoding before the shot
    page.screenshot(path=out / "app_page.png")
    for size in page.evaluate(CARD_SIZES):
        print(size)
    page.get_by_text("parts over time").click()
    heading = page.get_by_text("Why a tie moves: payoff parts")
    expect(heading).to_be_visible(timeout=WAIT_MS)
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(800, 400)
    page.mouse.wheel(0, heading.bounding_box()["y"] - 76)
    time.sleep(2)  # the chart of the parts is drawn after the click
    print("heading at", heading.bounding_box())
    print("images", page.evaluate(PICTURE_SIZES))
    page.screenshot(path=out / "app_pair_panel.png")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "alignsim", "app", "--port", "0", "--results",
               str(out / "results")]  # fmt: skip
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    try:
        first = server.stdout.readline()
        found = re.search(r"open (http://\S+) in a browser", first)
        if found is None:
            sys.exit(f"alignsim app did not start:\n{first}{server.stdout.read()}")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(found.group(1), timeout=WAIT_MS)
            shoot(page, out)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
