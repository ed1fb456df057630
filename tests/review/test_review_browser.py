"""The review page in a real headless Chromium.

One test edits spans and submits (reject a span, draw one, check the JSONL); the other pages through
tasks exported by the real rules pipeline with the linker (page citations, a partial certification,
several items) and checks that each letter loads without a console error and shows its records.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from review_fixtures import LETTER_A
from spacy.language import Language
from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.review.export import build_tasks
from imr_determinations.review.server import ReviewStore, make_server, read_task_file

CHROMIUM = os.environ.get("IMR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path(os.environ.get("IMR_REVIEW_SCREENSHOT", "/tmp/imr_review_page.png"))

pytestmark = pytest.mark.slow

SELECT_JS = """([start, end]) => {
  // place a DOM selection over letter characters [start, end) of #text
  const box = document.getElementById('text');
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  let pos = 0, node, range = document.createRange(), a = null, b = null;
  while ((node = walker.nextNode())) {
    const len = node.textContent.length;
    if (a === null && start < pos + len) { range.setStart(node, start - pos); a = true; }
    if (b === null && end <= pos + len) { range.setEnd(node, end - pos); b = true; break; }
    pos += len;
  }
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  return sel.toString();
}"""


def serve(store: ReviewStore):
    """Serve ``store`` on a free loopback port for the duration of a test."""
    server = make_server(store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


@pytest.fixture
def page_server(letters_dir: Path, rule_nlp: Language, tmp_path: Path):
    out = tmp_path / "answers.jsonl"
    server = serve(ReviewStore(build_tasks([letters_dir], rule_nlp).tasks, out))
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", out
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page():
    """A new Chromium page and the list its console errors and uncaught exceptions go to."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed (pip install playwright)"
    )
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(5000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            yield page, errors
        finally:
            browser.close()


def test_review_page_in_chromium(page_server, browser_page) -> None:
    url, out = page_server
    page, errors = browser_page
    page.goto(url)
    page.wait_for_selector("#span-list .span-row")
    assert page.inner_text("#letter-name").startswith("CM00-0000001")
    assert page.locator("#text .seg.ann").count() >= 10

    # reject the predicted DIAGNOSIS span
    diag = page.locator('#span-list .span-row[data-label="DIAGNOSIS"]')
    assert diag.count() == 1
    diag.locator("button.span-reject").click()
    assert "rejected" in (diag.get_attribute("class") or "")

    # relabel the finding
    finding = page.locator('#span-list .span-row[data-label="CLINICAL_FINDING"]')
    finding.locator("select").select_option("DIAGNOSIS")

    # draw a new span: select part of "45 year old male" (mid-word ends), snap to tokens
    start = LETTER_A.index("45 year old male")
    selected = page.evaluate(SELECT_JS, [start + 1, start + len("45 year old ma")])
    assert selected == "5 year old ma"
    page.click('#label-buttons button[data-label="CLINICAL_FINDING"]')
    new_row = page.locator("#span-list .span-row.new")
    assert new_row.count() == 1
    assert new_row.get_attribute("data-start") == str(start)
    assert new_row.get_attribute("data-end") == str(start + len("45 year old male"))
    page.screenshot(path=str(SCREENSHOT), full_page=False)

    page.click("#btn-accept")
    page.locator("#letter-name", has_text="CM00-0000002").wait_for()
    assert page.inner_text("#progress").startswith("1 / 2")

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["answer"] == "accept"
    spans = {(s["start"], s["end"], s["label"]) for s in rows[0]["spans"]}
    diag_start = LETTER_A.index("lumbar radiculopathy")
    slr = LETTER_A.index("negative SLR test")
    assert (start, start + len("45 year old male"), "CLINICAL_FINDING") in spans
    assert (slr, slr + len("negative SLR test"), "DIAGNOSIS") in spans
    assert not any(s[0] == diag_start for s in spans)
    assert rows[0]["rejected_spans"] == [
        {"start": diag_start, "end": diag_start + len("lumbar radiculopathy"), "label": "DIAGNOSIS"}
    ]
    assert len(spans) == 12
    assert not errors, errors


def page_list(ranges: list[list[int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def test_review_page_shows_records_exported_by_the_rules_pipeline(
    linked_letters: Path, tmp_path: Path, browser_page
) -> None:
    tasks_file = tmp_path / "tasks.jsonl"
    args = ["review", "export", str(linked_letters), "--model", "rules", "-o", str(tasks_file)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in tasks_file.read_text(encoding="utf-8").splitlines()]
    records = [d for r in rows for d in r["determinations"]]
    cited = [g for d in records for g in d["guidelines"] if g["page_ranges"]]
    assert cited and all(isinstance(g["pages"], str) for g in cited)  # the linker's shape: "67-68"
    assert any(d["authorized"] for d in records) and len(records) > len(rows)

    out = tmp_path / "answers.jsonl"
    server = serve(ReviewStore(read_task_file(tasks_file), out))
    page, errors = browser_page
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        for row in rows:  # served in the exported order, most uncertain first
            page.locator("#letter-name", has_text=row["meta"]["letter_id"]).wait_for()
            boxes = page.locator("#records .record")
            assert boxes.count() == len(row["determinations"])
            for k, d in enumerate(row["determinations"]):
                shown = boxes.nth(k).inner_text()
                assert d["service"] in shown and d["decision"] in shown
                for g in d["guidelines"]:
                    assert g["text"] in shown
                    if g["page_ranges"]:
                        assert f"p. {page_list(g['page_ranges'])}" in shown
                if d["authorized"]:
                    assert d["original_request"] in shown and d["authorized"] in shown
            assert page.inner_text("#status") == ""
            page.click("#btn-ignore")
        page.locator("#done").wait_for()
    finally:
        server.shutdown()
        server.server_close()
    assert not errors, errors
    answers = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [a["meta"]["letter_id"] for a in answers] == [r["meta"]["letter_id"] for r in rows]
