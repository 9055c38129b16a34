"""The page in a real browser: ``bordersim-app`` serves it locally, headless Chromium (Debian's
``chromium``, driven by Playwright) loads it with every request off this machine refused,
presses Step a few times and sees the date advance, the map image change and the charts gain
points. Skipped, saying why, when Chromium or Playwright is missing (``scripts/browser.sh``
installs Chromium during setup).

``BORDERSIM_APP_SCREENSHOT=docs/figures/app.png`` also runs the page on (▶) to
``SCREENSHOT_DAY`` and saves a screenshot there (the README's figure).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bordersim.app import cli

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
STEPS = 4
SCREENSHOT_DAY = 130
#: Generous waits for a loaded 2-core machine (they bound a hang; they measure nothing).
SERVER_WAIT_S = 120
PAGE_WAIT_MS = 90_000

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [
    pytest.mark.slow,  # a server and a browser: the full suite, not the edit loop
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing (Debian package chromium; see scripts/browser.sh)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The page served by the ``bordersim-app`` command line on a free local port."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "solara.log"
    args = ["--host", "127.0.0.1", "--port", str(port), "--no-open"]
    with log.open("w") as out:
        proc = subprocess.Popen(cli.command(args), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_served(url, proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_until_served(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Poll the page until it answers; fail with the server's log if it exits or never does."""
    deadline = time.monotonic() + SERVER_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the server did not answer within {SERVER_WAIT_S} s:\n{log.read_text()}")


@pytest.fixture
def browser_page(tmp_path) -> Iterator[tuple]:
    """A fresh headless Chromium page that refuses (and records) every request off this machine."""
    refused: list[str] = []

    def local_only(route) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1600, "height": 1250},
        )
        context.set_default_timeout(PAGE_WAIT_MS)
        context.route("**/*", local_only)
        try:
            yield context.new_page(), refused
        finally:
            context.close()


def shown_date(page) -> tuple[datetime, int]:
    """The date and the day count the page shows ('03 June 2019 · day 3 of 365 · ...')."""
    text = page.locator(".bordersim-date").inner_text()
    when, day = text.split(" · ")[:2]
    return datetime.strptime(when, "%d %B %Y"), int(day.split()[1])


def chart_points(page, metric: str) -> int:
    """Markers (one per day) of a metric's line in the charts."""
    return page.locator(f".bordersim-charts #series-{metric} use").count()


def step(page, to_day: int) -> None:
    page.get_by_role("button", name="Step").click()
    page.locator(".bordersim-date", has_text=f"day {to_day} of").wait_for()


def test_stepping_the_page_advances_the_date_the_map_and_the_charts(server, browser_page):
    page, refused = browser_page
    page.goto(server)
    page.locator(".bordersim-date", has_text="day 0 of").wait_for()
    start, day = shown_date(page)
    map_image = page.locator(".bordersim-map img")
    first_map = map_image.get_attribute("src")
    assert day == 0
    assert chart_points(page, "is_members") == 0

    for k in range(1, STEPS + 1):
        step(page, k)

    now, day = shown_date(page)
    assert day == STEPS
    assert now > start
    page.wait_for_function(
        "src => document.querySelector('.bordersim-map img').getAttribute('src') !== src", arg=first_map
    )
    assert chart_points(page, "is_members") == STEPS
    assert chart_points(page, "militia_fighters_irgc") == STEPS
    assert refused == [], "the page asked for something off this machine"

    target = os.environ.get("BORDERSIM_APP_SCREENSHOT")
    if target:
        page.get_by_role("button", name="▶").click()
        page.locator(".bordersim-date", has_text=f"day {SCREENSHOT_DAY} of").wait_for(timeout=600_000)
        page.get_by_role("button", name="❚❚").click()
        page.screenshot(path=target, full_page=True)
