"""The rule baseline finds the layout-anchored spans of a seed-layout letter and survives to_disk/load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from imr_determinations.rules import (
    RuleBaselineError,
    build_rule_pipeline,
    load_lexicon_patterns,
    regex_spans,
)
from imr_determinations.tokenizer import blank_nlp

# hand-written, seed layout (blank line between lines, heading wrapped before ": Upheld")
LINES = [
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "The Final Determination was based on decisions for the disputed items/services set forth below:",
    "Lumbar epidural steroid injection at L4-5 under fluoroscopy:",
    "Upheld",
    "Claims Administrator guideline: Decision based on MTUS ACOEM Chapter 12 Low Back",
    "Complaints Page(s): 303-305.",
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment Guidelines, pages 46",
    "Page(s): 46.",
    "Decision rationale: The records show no radicular findings. Therefore, the lumbar epidural steroid",
    "injection at L4-5 under fluoroscopy is not medically necessary and appropriate.",
]
# seed layout: each line followed by a space and a blank line
LETTER = "".join(line + " \n\n" for line in LINES)


@pytest.fixture(scope="module")
def lexicon_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny lexicon in the shapes the generator writes (JSON families, records, text templates)."""
    d = tmp_path_factory.mktemp("lexicons")
    (d / "services.json").write_text(
        json.dumps(
            {
                "_doc": "test",
                "families": [
                    {
                        "family": "imaging",
                        "key_slots": ["mod"],
                        "patterns": ["{mod} of the {bp}", "Retrospective {mod} (DOS {date})"],
                        "slots": {"mod": ["MRI", "CT scan"], "bp": ["lumbar spine", "left knee"]},
                    }
                ],
            }
        )
    )
    (d / "drugs.json").write_text(json.dumps({"drugs": [{"name": "Norco", "strengths": ["10/325mg"]}]}))
    (d / "guidelines.json").write_text(
        json.dumps(
            {"guidelines": [{"id": "MTUS/ACOEM/ch12", "names": ["MTUS ACOEM Chapter 12"], "pages": [[1, 2]]}]}
        )
    )
    (d / "findings.txt").write_text(
        "# comment\nnegative SLR test\ntenderness over the {spine} paraspinal muscles\n"
    )
    (d / "diagnoses.txt").write_text("lumbar radiculopathy\n")
    (d / "states.txt").write_text("California\n")
    return d


def test_lexicon_shapes_become_patterns(lexicon_dir: Path) -> None:
    lex = load_lexicon_patterns(lexicon_dir)
    services = [p["pattern"] for p in lex.patterns["DISPUTED_SERVICE"]]
    assert "MRI of the lumbar spine" in services and "CT scan of the left knee" in services
    assert not any(isinstance(p, str) and "{" in p for p in services)
    assert any(isinstance(p, list) and p[0] == {"LOWER": "norco"} for p in services)  # drug + strength
    assert [p["pattern"] for p in lex.patterns["GUIDELINE"]] == ["MTUS ACOEM Chapter 12"]
    findings = [p["pattern"] for p in lex.patterns["CLINICAL_FINDING"]]
    assert "negative SLR test" in findings and any(isinstance(p, list) for p in findings)
    assert any("states.txt" in f for f in lex.ignored_files)


def test_missing_lexicon_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuleBaselineError, match="lexicon folder not found"):
        build_rule_pipeline(tmp_path / "nope", with_linker=False)


def _ents(doc: spacy.tokens.Doc) -> list[tuple[str, str]]:
    return [(e.label_, " ".join(e.text.split())) for e in doc.ents]


def test_seed_layout_letter(lexicon_dir: Path) -> None:
    nlp = build_rule_pipeline(lexicon_dir, with_linker=False)
    doc = nlp(LETTER)
    ents = _ents(doc)
    assert ("DISPUTED_SERVICE", "Lumbar epidural steroid injection at L4-5 under fluoroscopy") in ents
    assert ("DECISION", "Upheld") in ents
    assert ("GUIDELINE", "MTUS ACOEM Chapter 12 Low Back Complaints") in ents
    assert ("GUIDELINE", "MTUS Chronic Pain Medical Treatment Guidelines") in ents
    assert ("PAGE_RANGE", "303-305") in ents and ("PAGE_RANGE", "46") in ents
    assert ("DECISION", "not medically necessary and appropriate") in ents
    # the closing restatement names the service too; prefixes never leak into labels
    assert ("DISPUTED_SERVICE", "lumbar epidural steroid injection at L4-5 under fluoroscopy") in ents
    assert not any(text.startswith(("Page", "Decision based", ":")) for _, text in ents)


def test_lexicon_phrases_and_sc_spans(lexicon_dir: Path) -> None:
    nlp = build_rule_pipeline(lexicon_dir, with_linker=False)
    doc = nlp(
        "Exam showed negative SLR test and tenderness over the lumbar paraspinal muscles. "
        "Diagnoses include lumbar radiculopathy; left knee strain. MRI of the left knee was done."
    )
    sc = {(s.label_, s.text) for s in doc.spans["sc"]}
    assert ("CLINICAL_FINDING", "negative SLR test") in sc
    assert ("CLINICAL_FINDING", "tenderness over the lumbar paraspinal muscles") in sc
    assert ("DIAGNOSIS", "lumbar radiculopathy") in sc and ("DIAGNOSIS", "left knee strain") in sc
    assert ("DISPUTED_SERVICE", "MRI of the left knee") in _ents(doc)


def test_page_range_forms() -> None:
    doc = blank_nlp()("Page(s): 22, 24-25; 78-80; 91. See pg. 607 and p. 8-9 of it.")
    ranges = [s.text for s in regex_spans(doc) if s.label_ == "PAGE_RANGE"]
    assert ranges == ["22, 24-25; 78-80; 91", "607", "8-9"]


def test_partial_certification_heading() -> None:
    text = (
        "Physical therapy 12 sessions was the original request. Physical therapy 6 sessions was "
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the original "
        "request, Physical therapy 6 sessions is: Overturned\n"
    )
    ents = [(s.label_, s.text) for s in regex_spans(blank_nlp()(text))]
    assert ("DISPUTED_SERVICE", "Physical therapy 6 sessions") in ents
    assert ("DECISION", "Overturned") in ents


def test_round_trip_to_disk(lexicon_dir: Path, tmp_path: Path) -> None:
    nlp = build_rule_pipeline(lexicon_dir, with_linker=False)
    nlp.to_disk(tmp_path / "rules")
    loaded = spacy.load(tmp_path / "rules")
    assert loaded.pipe_names == nlp.pipe_names
    assert _ents(loaded(LETTER)) == _ents(nlp(LETTER))
    assert loaded(LETTER).spans["sc"] is not None


def test_with_linker_builds_full_pipeline(lexicon_dir: Path) -> None:
    if not (
        spacy.language.Language.has_factory("imr_sections")
        and spacy.language.Language.has_factory("imr_determination_linker")
    ):
        pytest.skip("sections/linker factories not installed yet")
    nlp = build_rule_pipeline(lexicon_dir)
    assert nlp.pipe_names[-2:] == ["imr_sections", "imr_determination_linker"]
    doc = nlp(LETTER)
    assert doc.has_extension("determinations")


def test_default_lexicons_load() -> None:
    """The packaged lexicons (format owned by the generator) still parse into patterns."""
    lex = load_lexicon_patterns()
    assert lex.count("DISPUTED_SERVICE") > 100 and lex.count("GUIDELINE") > 10


def test_generic_request_keeps_verdict_but_not_service() -> None:
    doc = blank_nlp()("Therefore, the request is not medically necessary or appropriate at this time.")
    assert [(s.label_, s.text) for s in regex_spans(doc)] == [
        ("DECISION", "not medically necessary or appropriate")
    ]
