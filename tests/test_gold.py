"""Gold loading, validation, inline markup and Doc conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_determinations.gold import (
    GoldError,
    GoldHashMismatch,
    GoldLetter,
    MarkupError,
    load_gold,
    parse_inline,
    render_inline,
    to_doc,
    validate_letter,
    validate_records,
    write_standoff,
)
from imr_determinations.labels import CANDIDATES_KEY, SPANS_KEY
from imr_determinations.textnorm import text_sha256
from imr_determinations.tokenizer import blank_nlp

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "corpus" / "gold"

TEXT = (
    "Acupuncture 3x4:  Upheld\nMAXIMUS guideline: Decision based on MTUS ACOEM Chapter 12 Page(s): 303-305.\n"
)


def _spans(text: str, *items: tuple[str, str]) -> list[dict]:
    out = []
    for frag, label in items:
        start = text.index(frag)
        out.append({"start": start, "end": start + len(frag), "label": label})
    return out


RECORD = {
    "service": "Acupuncture 3x4",
    "decision": "UPHELD",
    "guidelines": [
        {"text": "MTUS ACOEM Chapter 12", "id": "", "cited_by": "reviewer", "pages": [[303, 305]]}
    ],
    "findings": [],
}


@pytest.fixture(scope="module")
def nlp():
    return blank_nlp()


def _letter(spans: list[dict], records: list | None = None) -> GoldLetter:
    return GoldLetter("x", "x.txt", TEXT, text_sha256(TEXT), spans, records or [RECORD], "test")


def test_inline_round_trip_with_nesting():
    text = "Request for MRI of the lumbar spine for lumbar radiculopathy. Pain 9/10."
    spans = _spans(
        text,
        ("MRI of the lumbar spine for lumbar radiculopathy", "DISPUTED_SERVICE"),
        ("lumbar radiculopathy", "DIAGNOSIS"),
        ("Pain 9/10", "CLINICAL_FINDING"),
    )
    marked = render_inline(text, spans)
    assert "⟦DISPUTED_SERVICE|MRI of the lumbar spine for ⟦DIAGNOSIS|lumbar radiculopathy⟧⟧" in marked
    plain, back = parse_inline(marked)
    assert plain == text
    assert sorted(back, key=lambda s: s["start"]) == sorted(spans, key=lambda s: s["start"])


def test_inline_rejects_crossing_and_bad_labels():
    text = "abc def ghi"
    crossing = [
        {"start": 0, "end": 7, "label": "DIAGNOSIS"},
        {"start": 4, "end": 11, "label": "CLINICAL_FINDING"},
    ]
    with pytest.raises(MarkupError):
        render_inline(text, crossing)
    with pytest.raises(MarkupError, match="unknown or missing label"):
        parse_inline("⟦FOO|abc⟧")
    with pytest.raises(MarkupError, match="never closed"):
        parse_inline("⟦DIAGNOSIS|abc")
    with pytest.raises(MarkupError, match="without an open"):
        parse_inline("abc⟧")


def test_validate_accepts_aligned_letter(nlp):
    spans = _spans(
        TEXT,
        ("Acupuncture 3x4", "DISPUTED_SERVICE"),
        ("Upheld", "DECISION"),
        ("MTUS ACOEM Chapter 12", "GUIDELINE"),
        ("303-305", "PAGE_RANGE"),
    )
    errors, warnings = validate_letter(nlp, _letter(spans))
    assert errors == []
    assert any("no id yet" in w for w in warnings)


def test_validate_rejects_misaligned_whitespace_overlap_and_records(nlp):
    start = TEXT.index("Acupuncture")
    misaligned = [{"start": start, "end": start + 5, "label": "DISPUTED_SERVICE"}]  # "Acupu"
    errors, _ = validate_letter(nlp, _letter(misaligned))
    assert any("does not align" in e for e in errors)
    edge = [{"start": start, "end": start + len("Acupuncture 3x4:  "), "label": "DISPUTED_SERVICE"}]
    errors, _ = validate_letter(nlp, _letter(edge))
    assert any("whitespace at the edge" in e for e in errors)
    overlap = _spans(TEXT, ("Acupuncture 3x4", "DISPUTED_SERVICE"), ("3x4", "DECISION"))
    errors, _ = validate_letter(nlp, _letter(overlap))
    assert any("overlap" in e for e in errors)
    errors, _ = validate_letter(nlp, _letter(_spans(TEXT, ("Upheld", "BOGUS"))))
    assert any("unknown label" in e for e in errors)
    # heading says Upheld, record says OVERTURNED
    bad = dict(RECORD, decision="OVERTURNED")
    errors, _ = validate_letter(nlp, _letter(_spans(TEXT, ("Upheld", "DECISION")), [bad]))
    assert any("do not match the heading" in e for e in errors)


def test_validate_records_format():
    assert validate_records([]) != []
    assert validate_records([RECORD]) == []
    bad = dict(RECORD, guidelines=[{"text": "MTUS", "cited_by": "someone", "pages": [[5, 3]]}])
    errs = validate_records([bad])
    assert any("cited_by" in e for e in errs) and any("bad page range" in e for e in errs)


def test_to_doc_sets_ents_sc_and_candidates(nlp):
    spans = _spans(
        TEXT, ("Acupuncture 3x4", "DISPUTED_SERVICE"), ("Upheld", "DECISION"), ("3x4", "CLINICAL_FINDING")
    )
    doc = to_doc(nlp, _letter(spans))
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Acupuncture 3x4", "DISPUTED_SERVICE"),
        ("Upheld", "DECISION"),
    ]
    assert [s.text for s in doc.spans[SPANS_KEY]] == ["3x4"]
    assert [s.text for s in doc.spans[CANDIDATES_KEY]] == ["3x4"]
    assert doc.user_data["records"] == [RECORD]
    with pytest.raises(GoldError, match="does not align"):
        to_doc(nlp, _letter([{"start": 0, "end": 5, "label": "DISPUTED_SERVICE"}]))


def test_standoff_hash_mismatch_refused(tmp_path):
    letters = tmp_path / "letters_src"
    letters.mkdir()
    (letters / "L1.txt").write_text(TEXT, encoding="utf-8")
    gold = tmp_path / "gold"
    spans = _spans(TEXT, ("Acupuncture 3x4", "DISPUTED_SERVICE"), ("Upheld", "DECISION"))
    with pytest.raises(GoldError):  # records with letter text are never written without anchoring them
        write_standoff(gold / "letters" / "L1.json", "L1.txt", text_sha256(TEXT), spans, [RECORD])
    write_standoff(gold / "letters" / "L1.json", "L1.txt", text_sha256(TEXT), spans, [RECORD], text=TEXT)
    stored = json.loads((gold / "letters" / "L1.json").read_text())
    assert "text" not in stored and TEXT not in json.dumps(stored)
    assert RECORD["service"] not in json.dumps(stored["records"])  # the record holds offsets only
    loaded = load_gold(gold, letters)
    assert [g.letter_id for g in loaded] == ["L1"] and loaded[0].split == "test"
    assert loaded[0].records[0]["service"] == RECORD["service"]
    # the letter changes under the annotation
    (letters / "L1.txt").write_text(TEXT.replace("Upheld", "Overturned"), encoding="utf-8")
    with pytest.raises(GoldHashMismatch):
        load_gold(gold, letters)
    # no letters folder: real letters are skipped, not an error
    assert load_gold(gold, tmp_path / "absent") == []


def test_seed_gold_loads_and_aligns(nlp):
    seeds = [g for g in load_gold(GOLD) if g.kind == "seed"]
    assert {g.letter_id for g in seeds} == {"000_455a604ddc9a446c", "003_c13123f40a8e530d"}
    for g in seeds:
        errors, _ = validate_letter(nlp, g)
        assert errors == [], errors
        doc = to_doc(nlp, g)
        assert len(doc.ents) + len(doc.spans[SPANS_KEY]) == len(g.spans)
        assert all(r["decision"] == "UPHELD" for r in g.records)
    by_id = {g.letter_id: g for g in seeds}
    mri = by_id["000_455a604ddc9a446c"].records[0]
    assert {tuple(p) for gl in mri["guidelines"] for p in gl["pages"]} == {(303, 305), (303, 304)}
    assert [r["service"] for r in by_id["003_c13123f40a8e530d"].records] == ["Acupuncture 3x4"]


@pytest.mark.letters
def test_real_gold_validates(nlp, shared_letters: Path):
    letters = [g for g in load_gold(GOLD, shared_letters) if g.kind == "real"]
    assert letters
    for g in letters:
        errors, _ = validate_letter(nlp, g)
        assert errors == [], (g.path, errors)


def test_gold_docbins_drop_a_split_that_has_become_empty(tmp_path):
    """Moving every dev letter to train must not leave last run's real_gold_dev.spacy behind
    (assemble-corpus would still put those letters into the dev split)."""
    from imr_determinations.corpus.gold_docbins import write_gold_docbins

    nlp = blank_nlp()
    letter = _letter([])
    letter.split = "dev"
    write_gold_docbins(nlp, [letter], tmp_path)
    assert (tmp_path / "real_gold_dev.spacy").exists()
    letter.split = "train"
    write_gold_docbins(nlp, [letter], tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.spacy")) == ["real_gold.spacy", "real_gold_train.spacy"]
