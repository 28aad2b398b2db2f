"""The dashboard end to end: `desertion dashboard` on loopback, driven in headless Debian
Chromium by Playwright (never a downloaded browser): load the page, run, change a lever,
run again, and see the chart and the numbers change. `.ci/run` installs Chromium."""

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

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (.ci/run installs "
                                "it; `apt-get install chromium` here)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "desertion.cli", "dashboard", "--port",
                             str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"the dashboard did not start: {proc.stdout.read().decode()[-2000:]}")
    yield url, tmp_path
    proc.terminate()
    proc.wait(timeout=20)


def test_load_change_a_lever_run_and_see_it_change(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    url, cwd = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        expect(page.get_by_text("set the levers and press run")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="run", exact=True).click()
        code = page.locator("code").filter(has_text="desertion run")
        expect(code).to_be_visible(timeout=120_000)
        expect(page.locator(".js-plotly-plot")).to_be_visible()
        page.get_by_role("button", name="keep as baseline").click()
        first = _attempts(page)
        # the ISIS punishment for desertion: execution -> prison
        lever = page.get_by_label("ISIS: punishment for desertion")
        lever.click()
        page.get_by_role("option", name="prison").click()
        page.wait_for_timeout(500)  # the page reruns on the change; then run
        page.get_by_role("button", name="run", exact=True).click()
        second, deadline = first, time.monotonic() + 120
        while second == first and time.monotonic() < deadline:  # until the new table shows
            page.wait_for_timeout(500)
            second = _attempts(page)
        # DESERTION_DASHBOARD_SCREENSHOT=docs/images/dashboard.png keeps the picture
        shot = os.environ.get("DESERTION_DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png"
        page.screenshot(path=str(Path(shot).resolve()), full_page=True)
        browser.close()
    assert second > 3 * first, (first, second)
    assert len(list((cwd / "runs" / "dashboard").glob("*/run.json"))) == 10


def _attempts(page) -> float:  # type: ignore[no-untyped-def]
    """The median ISIS attempts to leave, read from the page's table."""
    table = page.locator("[data-testid='stTable']").first
    table.wait_for()
    found = re.search(r"attempted_isis\s+([\d,.]+)", table.inner_text())
    if found is None:
        raise AssertionError(f"no attempted_isis row in the table: {table.inner_text()[:500]}")
    return float(found.group(1).replace(",", ""))
