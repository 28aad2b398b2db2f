"""Seconds from clicking run to the updated chart on the dashboard, for an ensemble of
isis-2014 (default: 10 replications at scale 0.1), in headless Debian Chromium.

    .venv/bin/python benchmarks/dashboard_latency.py [--replications 10] [--scale 0.1] [--repeat 3]

Starts `desertion dashboard` on a free loopback port in a temporary folder, loads the page,
sets the scale and the replications, then for each repetition clicks run and waits until
the page shows the command line of the new ensemble (drawn with the chart and the table).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="dashboard-")
    server = subprocess.Popen([sys.executable, "-m", "desertion.cli", "dashboard", "--port",
                               str(port)], cwd=folder, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page()
            page.goto(url)
            expect(page.get_by_text("set the levers and press run")).to_be_visible(
                timeout=60_000)
            page.get_by_label("replications").fill(str(args.replications))
            page.get_by_label("replications").press("Enter")
            page.wait_for_timeout(1000)
            _set_scale(page, args.scale)
            times = []
            for i in range(args.repeat):
                page.get_by_label("seed").fill(str(1000 + i))  # a new ensemble each time
                page.get_by_label("seed").press("Enter")
                page.wait_for_timeout(1000)
                started = time.perf_counter()
                page.get_by_role("button", name="run", exact=True).click()
                expect(page.locator("code").filter(has_text=f"--seed {1000 + i}")).to_be_visible(
                    timeout=300_000)
                times.append(time.perf_counter() - started)
                command = page.locator("code").filter(has_text="desertion run").inner_text()
                assert f"--scale {args.scale:g}" in command, command  # what was timed
                assert args.replications == 1 or f"of {args.replications}" in command, command
            browser.close()
    finally:
        server.terminate()
    print(f"isis-2014, {args.replications} replications at scale {args.scale:g}: click to "
          f"chart {', '.join(f'{t:.2f}' for t in times)} s (median "
          f"{statistics.median(times):.2f} s)")


def _set_scale(page, scale: float) -> None:  # type: ignore[no-untyped-def]
    """The scale slider: step with the arrow keys from the default 0.05."""
    values = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    slider = page.get_by_role("slider", name="scale")
    slider.focus()
    key = "ArrowRight" if scale > 0.05 else "ArrowLeft"
    for _ in range(abs(values.index(scale) - values.index(0.05))):
        slider.press(key)
    page.wait_for_timeout(1000)


if __name__ == "__main__":
    main()
