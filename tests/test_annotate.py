"""The inline annotation workflow (scripts/annotate.py) and the rule pre-annotator, on the seed letters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_determinations.corpus.annotate import app
from imr_determinations.gold import load_gold, parse_inline, render_inline
from imr_determinations.io import read_letter
from imr_determinations.preannotate import draft_records, preannotate
from imr_determinations.tokenizer import blank_nlp

REPO = Path(__file__).resolve().parents[1]
SEED0 = REPO / "corpus" / "seeds" / "000_455a604ddc9a446c.txt"
SEED3 = REPO / "corpus" / "seeds" / "003_c13123f40a8e530d.txt"


@pytest.fixture(scope="module")
def cli():
    return app


def test_preannotate_finds_headings_guidelines_and_pages():
    text = read_letter(SEED0).text
    spans = preannotate(blank_nlp(), text)
    got = {(s["label"], " ".join(text[s["start"] : s["end"]].split())) for s in spans}
    assert ("DISPUTED_SERVICE", "ONE SESSION OF ACUPUNCTURE BETWEEN 10/3/2013 AND 11/17/2013") in got
    assert ("DECISION", "Upheld") in got
    assert ("DECISION", "not medically necessary and appropriate") in got
    assert ("GUIDELINE", "MTUS ACOEM Chapter 12 Low Back Complaints") in got
    assert {("PAGE_RANGE", "303-305"), ("PAGE_RANGE", "303-304"), ("PAGE_RANGE", "8-9")} <= got
    # never a prefix inside a page range, never whitespace at an edge
    for s in spans:
        frag = text[s["start"] : s["end"]]
        assert frag == frag.strip() and "Page" not in (frag if s["label"] == "PAGE_RANGE" else "")


def test_draft_records_from_seed_gold_match_the_annotated_records():
    for gl in load_gold(REPO / "corpus" / "gold"):
        drafted = draft_records(gl.text, gl.spans)
        assert [r["service"] for r in drafted] == [r["service"] for r in gl.records]
        assert [r["decision"] for r in drafted] == [r["decision"] for r in gl.records]
        assert [[g["pages"] for g in r["guidelines"]] for r in drafted] == [
            [g["pages"] for g in r["guidelines"]] for r in gl.records
        ]
        # a record's findings are its rationale's, never the case summary's (ANNOTATION.md 8)
        assert [r["findings"] for r in drafted] == [r["findings"] for r in gl.records]


def test_fill_findings_keeps_only_rationale_findings(cli, tmp_path):
    seeds = (REPO / "corpus" / "gold" / "seeds.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(x) for x in seeds.splitlines() if x.strip()]
    summary_finding = "tenderness to palpation over the thoracic paraspinal muscles"
    for row in rows:
        for rec in row["records"]:
            rec["findings"] = [summary_finding, *rec["findings"]]  # the old drafts' mistake
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["fill-findings", str(path)])
    assert result.exit_code == 0, result.output
    fixed = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    by_id = {r["meta"]["letter_id"]: r["records"] for r in fixed}
    seed3 = by_id["003_c13123f40a8e530d"]
    assert summary_finding not in seed3[0]["findings"] and len(seed3[0]["findings"]) == 1
    assert fixed == [json.loads(x) for x in seeds.splitlines() if x.strip()]


def test_pre_import_show_round_trip(cli, tmp_path):
    runner = CliRunner()
    marked = tmp_path / "seed3.txt"
    res = runner.invoke(cli, ["pre", str(SEED3), "--out", str(marked)])
    assert res.exit_code == 0, res.output
    records = tmp_path / "records.json"
    res = runner.invoke(cli, ["records-draft", str(marked), "--source", str(SEED3), "--out", str(records)])
    assert res.exit_code == 0, res.output
    assert json.loads(records.read_text())[0]["service"] == "Acupuncture 3x4"
    # the seed lives in a temporary letters folder so the standoff can be re-read
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / SEED3.name).write_bytes(SEED3.read_bytes())
    out = tmp_path / "gold" / "letters" / "seed3.json"
    res = runner.invoke(
        cli,
        [
            "import",
            str(marked),
            "--source",
            str(letters / SEED3.name),
            "--records",
            str(records),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    stored = json.loads(out.read_text())
    assert "text" not in stored and stored["sha256"] == read_letter(SEED3).sha256
    res = runner.invoke(cli, ["show", str(out), "--letters-dir", str(letters)])
    assert res.exit_code == 0, res.output
    shown = res.output.split("\n[", 1)[0]
    assert shown.rstrip("\n") == marked.read_text().rstrip("\n")
    # importing over an existing file needs --force
    res = runner.invoke(
        cli,
        [
            "import",
            str(marked),
            "--source",
            str(letters / SEED3.name),
            "--records",
            str(records),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 1 and "exists" in res.output


def test_import_refuses_edited_text(cli, tmp_path):
    text = read_letter(SEED3).text
    marked = tmp_path / "m.txt"
    marked.write_text(render_inline(text, []).replace("female nurse", "female  nurse"), encoding="utf-8")
    records = tmp_path / "r.json"
    records.write_text("[]")
    res = CliRunner().invoke(
        cli,
        [
            "import",
            str(marked),
            "--source",
            str(SEED3),
            "--records",
            str(records),
            "--out",
            str(tmp_path / "o.json"),
        ],
    )
    assert res.exit_code == 1
    assert "first difference at character" in res.output


def test_work_files_refused_inside_repo(cli):
    res = CliRunner().invoke(cli, ["pre", str(SEED3), "--out", str(REPO / "corpus" / "x.txt")])
    assert res.exit_code == 1 and "inside the repository" in res.output
    assert not (REPO / "corpus" / "x.txt").exists()


def test_parse_inline_offsets_point_at_the_marked_words():
    text = read_letter(SEED3).text
    marked = render_inline(text, []).replace("Acupuncture 3x4:", "⟦DISPUTED_SERVICE|Acupuncture 3x4⟧:", 1)
    plain, spans = parse_inline(marked)
    assert plain == text
    assert [text[s["start"] : s["end"]] for s in spans] == ["Acupuncture 3x4"]


# a partial certification in the wording where the Claims Administrator "authorized" the portion
PARTIAL_AUTHORIZED = """IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
Aquatic therapy 12 sessions was the original request. The Claims Administrator
authorized Aquatic therapy 6 sessions, leaving the original request IMR eligible. The original
request, Aquatic therapy 12 sessions is: Upheld
Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016,
Section(s): Aquatic therapy, Page(s): 22.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical
Medicine, Page(s): 98-99.
Decision rationale: Land-based therapy was not tried. The request for Aquatic therapy 12 sessions
is not medically necessary and appropriate.
"""


def test_draft_records_read_partial_certification_and_sections_from_the_rule_baseline():
    text = PARTIAL_AUTHORIZED
    spans = preannotate(blank_nlp(), text)
    heading = text.index("Upheld")
    assert {"start": heading, "end": heading + len("Upheld"), "label": "DECISION"} in spans
    (rec,) = draft_records(text, spans)
    assert rec["decision"] == "UPHELD"
    assert (rec["original_request"], rec["authorized"]) == (
        "Aquatic therapy 12 sessions",
        "Aquatic therapy 6 sessions",
    )
    # the section ends at its page cue; each citation is attributed to the block that holds it
    assert [(g["cited_by"], g.get("section"), g["pages"]) for g in rec["guidelines"]] == [
        ("claims_administrator", "Aquatic therapy", [[22, 22]]),
        ("reviewer", "Physical Medicine", [[98, 99]]),
    ]
