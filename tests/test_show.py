"""``imr show --html``: one view of the letter, its highlighted spans and the records linked to them."""

from __future__ import annotations

import html as html_lib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.show import _letter_html, run_show

runner = CliRunner()
HOSTILE_LINE = "Note: <script>alert('x')</script> Smith & Jones, seen 10/20/2016 \"twice\".\n"


class PageParser(HTMLParser):
    """Collects the letter block's text, every element id and the records table's links per row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.letter_text: list[str] = []
        self.letter_blocks = 0
        self.row_links: list[list[str]] = []
        self.scripts: list[str] = []
        self._depth = 0  # element depth inside the letter block (0: outside)
        self._in_records = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if self._depth:
            self._depth += 1
        elif "letter" in (a.get("class") or "").split():
            self.letter_blocks += 1
            self._depth = 1
        if tag == "table" and "records" in (a.get("class") or "").split():
            self._in_records = True
        if self._in_records and tag == "tr" and a.get("class") == "det":
            self.row_links.append([])
        if self._in_records and tag == "a" and self.row_links and (a.get("href") or "").startswith("#"):
            self.row_links[-1].append((a.get("href") or "")[1:])
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
        if tag == "table":
            self._in_records = False
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.letter_text.append(data)
        if self._in_script:
            self.scripts.append(data)


@pytest.fixture
def hostile_letter(tmp_path: Path, synthetic_letter: str) -> tuple[Path, str]:
    """The synthetic letter with markup, an ampersand, quotes and a slashed date in its summary."""
    anchor = "The patient\nreported neck pain"
    assert anchor in synthetic_letter
    text = synthetic_letter.replace(anchor, HOSTILE_LINE + anchor, 1)
    path = tmp_path / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    return path, text


def _show_html(letter: Path, tmp_path: Path) -> str:
    page = tmp_path / "show.html"
    result = runner.invoke(app, ["show", str(letter), "--model", "rules", "--html", str(page)])
    assert result.exit_code == 0, result.output
    return page.read_text(encoding="utf-8")


def test_html_shows_the_letter_once_exactly_as_extracted(hostile_letter, tmp_path: Path) -> None:
    path, text = hostile_letter
    page = _show_html(path, tmp_path)
    assert page.count("10/20/2016") == 1 and "10 - 20 - 2016" not in page
    parsed = PageParser()
    parsed.feed(page)
    assert parsed.letter_blocks == 1
    assert "".join(parsed.letter_text) == text  # every character and line break, nothing added
    assert "white-space: pre-wrap" in page


def test_html_escapes_the_letter_text(hostile_letter, tmp_path: Path) -> None:
    path, _ = hostile_letter
    page = _show_html(path, tmp_path)
    assert "<script>alert" not in page
    assert html_lib.escape("<script>alert('x')</script> Smith & Jones", quote=False) in page
    parsed = PageParser()
    parsed.feed(page)
    assert not any("alert" in s for s in parsed.scripts)


def test_every_record_row_links_to_its_spans_in_the_text(hostile_letter, tmp_path: Path) -> None:
    path, text = hostile_letter
    out = tmp_path / "show.html"
    dets = run_show(path, model="rules", html=out)["determinations"]
    page = out.read_text(encoding="utf-8")
    parsed = PageParser()
    parsed.feed(page)
    assert dets and len(parsed.row_links) == len(dets)
    for det, links in zip(dets, parsed.row_links, strict=True):
        service = det["spans"]["service"]
        assert f"span-{service[0]}-{service[1]}" in links
        if det["spans"]["decision"]:
            decision = det["spans"]["decision"]
            assert f"span-{decision[0]}-{decision[1]}" in links
        for g in det["guidelines"]:
            assert f"span-{g['span'][0]}-{g['span'][1]}" in links  # each guideline is linked too
        assert links and all(link in parsed.ids for link in links), (links, sorted(parsed.ids))
    assert "http://" not in page and "https://" not in page  # self-contained: nothing fetched


def test_crossing_spans_keep_one_id_each_and_the_text_intact() -> None:
    text = "a<b & c>d efg"
    spans = [(0, 7, "A"), (4, 7, "B"), (4, 7, "C"), (5, 11, "D")]
    page = _letter_html(text, spans, {0: "intro"})
    parsed = PageParser()
    parsed.feed(page)
    assert "".join(parsed.letter_text) == text
    assert parsed.ids == {"span-0-7", "span-4-7", "span-5-11"}
    assert page.count("data-span='span-5-11'") == 2  # D is reopened after A and B close inside it
    assert "data-labels='B C'" in page and "data-section='intro'" in page
