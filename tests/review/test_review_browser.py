"""The review page in a real headless Chromium: reject a span, draw one, submit, check the JSONL."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from review_fixtures import LETTER_A
from spacy.language import Language

from imr_determinations.review.export import build_tasks
from imr_determinations.review.server import ReviewStore, make_server

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


@pytest.fixture
def page_server(letters_dir: Path, rule_nlp: Language, tmp_path: Path):
    out = tmp_path / "answers.jsonl"
    store = ReviewStore(build_tasks([letters_dir], rule_nlp).tasks, out)
    server = make_server(store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", out
    finally:
        server.shutdown()
        server.server_close()


def test_review_page_in_chromium(page_server) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed (pip install playwright)"
    )
    url, out = page_server
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
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
        finally:
            browser.close()

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
