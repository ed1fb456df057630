"""The HTML report in headless Chromium, offline: every plot draws, with axes and tick labels."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.report import build
from imr_determinations.report.plots import chart

CHROMIUM = os.environ.get("IMR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


def test_report_renders_offline_with_every_chart(synthetic_records, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    _, db = synthetic_records
    html = tmp_path / "report.html"
    assert CliRunner().invoke(app, ["report", str(db), "-o", str(html)]).exit_code == 0
    expected = sum(chart(t) is not None for t in build(db))
    assert expected >= 8

    errors: list[str] = []
    outside: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

            def route(r):
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(html.as_uri())
            figures = page.locator("figure.chart")
            assert figures.count() == expected
            assert page.locator("figure.chart > svg").count() == expected
            for i in range(expected):
                svg = figures.nth(i).locator("svg")
                box = svg.bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 80
                ticks = svg.locator("g[id^='xtick'] text, g[id^='ytick'] text").evaluate_all(
                    "els => els.map(e => e.textContent)")
                assert len([t for t in ticks if t.strip()]) >= 2, figures.nth(i).get_attribute("data-chart")
                assert svg.locator("g[id^='patch'], g[id^='line2d']").count() > 0
            assert page.locator("table").count() == len(build(db))
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            if os.environ.get("IMR_REPORT_SCREENSHOT"):  # a copy to look at, outside tmp_path
                page.screenshot(path=os.environ["IMR_REPORT_SCREENSHOT"], full_page=True)
        finally:
            browser.close()
    assert errors == [] and outside == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
