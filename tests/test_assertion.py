"""imr_finding_context: assertion, type and value of findings, on invented sentences; the records and CSV
carry them; a saved pipeline keeps the component; an older pipeline gets it on load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from imr_determinations.assertion import FACTORY, finding_type, finding_value
from imr_determinations.evaluation.assertion_eval import evaluate, score
from imr_determinations.extract.models import load_model
from imr_determinations.extract.writers import csv_rows
from imr_determinations.records import doc_to_record, validate_record
from imr_determinations.synth import hostile
from imr_determinations.textnorm import text_sha256
from imr_determinations.tokenizer import blank_nlp

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    nlp = blank_nlp()
    nlp.add_pipe(FACTORY)
    return nlp


def assertions(nlp, text: str, *findings: str) -> list[str]:
    """The component's assertion of each finding (a substring of ``text``)."""
    doc = nlp.make_doc(text)
    spans = []
    for f in findings:
        start = text.index(f)
        spans.append(doc.char_span(start, start + len(f), label="CLINICAL_FINDING"))
    doc.spans["sc"] = spans
    doc = nlp.get_pipe(FACTORY)(doc)
    return [sp._.assertion for sp in doc.spans["sc"]]


@pytest.mark.parametrize(
    ("text", "finding", "expected"),
    [
        ("No pitting edema.", "pitting edema", "absent"),
        ("No pitting edema.", "No pitting edema", "absent"),
        ("There is no documentation of functional improvement.", "functional improvement", "not_documented"),
        ("Positive Spurling's test", "Positive Spurling's test", "present"),
        ("Exam: negative straight leg raise on the left.", "negative straight leg raise", "absent"),
        ("Exam: negative straight leg raise on the left.", "straight leg raise", "absent"),
        ("Straight leg raise was negative bilaterally.", "Straight leg raise", "absent"),
        ("Objective functional improvement was not documented.", "Objective functional improvement",
         "not_documented"),
        ("She denies numbness in the hands.", "numbness in the hands", "absent"),
        ("Pain is rated at 9/10 without medications.", "Pain is rated at 9/10 without medications",
         "present"),
        ("The patient had no change in pain levels.", "pain levels", "present"),  # pseudo-negation
        ("There is no\ndocumentation of\nfunctional improvement.", "functional improvement",
         "not_documented"),
        ("Therapy continued without any documentation of objective improvement.", "objective improvement",
         "not_documented"),
        ("The MRI revealed no evidence of a labral tear.", "a labral tear", "absent"),
    ],
)
def test_assertion_of_invented_sentences(nlp, text: str, finding: str, expected: str) -> None:
    assert assertions(nlp, text, finding) == [expected]


def test_scope_ends_at_but(nlp) -> None:
    text_but = "No fever but tenderness over the lumbar spine."
    text_list = "No fever, tenderness over the lumbar spine."
    assert assertions(nlp, text_but, "fever", "tenderness over the lumbar spine") == ["absent", "present"]
    assert assertions(nlp, text_list, "fever", "tenderness over the lumbar spine") == ["absent", "absent"]


def test_scope_ends_at_sentence_end(nlp) -> None:
    text = "No swelling. Tenderness over the knee."
    assert assertions(nlp, text, "swelling", "Tenderness over the knee") == ["absent", "present"]


def test_backward_cue_negates_only_the_nearest_finding(nlp) -> None:
    text = "Tenderness over the elbow, Tinel's negative."
    assert assertions(nlp, text, "Tenderness over the elbow", "Tinel's negative") == ["present", "absent"]
    text = "Positive Spurling's test, straight leg raise negative."
    assert assertions(nlp, text, "Positive Spurling's test", "straight leg raise") == ["present", "absent"]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("pain 7/10", "pain score", 7),
        ("pain rated 7-9/10", "pain score", "7-9"),
        ("lumbar flexion 130 degrees", "range of motion", 130),
        ("4/5 strength in the left EHL", "strength", "4/5"),
        ("BP 130/80", "vital sign", "130/80"),
        ("PHQ-9 of 12", "psychological scale", 12),
        ("positive Spurling's test", "special test", None),
        ("MRI of the lumbar spine showed a disc bulge", "imaging", None),
        ("EMG/NCV showed L5 radiculopathy", "electrodiagnostic", None),
        ("decreased sensation in the L5 dermatome", "sensation", None),
        ("patellar reflexes 2+", "reflex", "2+"),
        ("urine drug screen was consistent", "laboratory", None),
        ("55% improvement in walking tolerance", "function", "55%"),
        ("tenderness over the paraspinal muscles", "symptom/other", None),
    ],
)
def test_type_and_value(text: str, kind: str, value) -> None:
    assert finding_type(text) == kind
    assert finding_value(text, kind) == value


RATIONALE = (
    "Decision rationale: The patient reported neck pain rated at 6/10. Exam showed no muscle spasm.\n"
    "There is no\n"
    "documentation of functional improvement with prior use. The Tramadol\n"
    "50mg #90 is not medically necessary and appropriate.\n"
)


def _letter() -> str:
    text = hostile.synthetic_letter()
    start = text.index("Decision rationale: Ongoing opioid use")
    end = text.index("appropriate.", start) + len("appropriate.\n")
    return text[:start] + RATIONALE + text[end:]


def _pipeline(with_context: bool) -> spacy.language.Language:
    """Findings from a phrase ruler (standing in for spancat), then the rule components."""
    nlp = blank_nlp()
    ruler = nlp.add_pipe("span_ruler", name="spancat", config={"spans_key": "sc"})
    ruler.add_patterns([{"label": "CLINICAL_FINDING", "pattern": p}
                        for p in ("neck pain rated at 6/10", "muscle spasm", "functional improvement")])
    if with_context:
        nlp.add_pipe(FACTORY)
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker", config={"rules_only": True})
    return nlp


def test_records_carry_assertion_type_value_and_validate() -> None:
    text = _letter()
    record = doc_to_record(_pipeline(True)(text), "l.txt", text_sha256(text))
    validate_record(record)
    tramadol = [d for d in record["determinations"] if d["service"].startswith("Tramadol")][0]
    got = {f["text"]: (f["assertion"], f["type"], f["value"]) for f in tramadol["finding_details"]}
    assert got == {
        "neck pain rated at 6/10": ("present", "pain score", 6),
        "muscle spasm": ("absent", "symptom/other", None),
        "functional improvement": ("not_documented", "function", None),
    }
    row = [r for r in csv_rows(record) if r["service"].startswith("Tramadol")][0]
    assert row["findings_not_documented"] == "functional improvement"


def test_without_the_component_the_fields_are_null() -> None:
    text = _letter()
    record = doc_to_record(_pipeline(False)(text), "l.txt", text_sha256(text))
    validate_record(record)
    details = [f for d in record["determinations"] for f in d["finding_details"]]
    assert details and all(f["assertion"] is None and f["type"] is None for f in details)


def test_saved_pipeline_keeps_the_component(tmp_path: Path) -> None:
    _pipeline(True).to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert loaded.pipe_names == ["spancat", FACTORY, "imr_sections", "imr_determination_linker"]
    text = _letter()
    record = doc_to_record(loaded(text), "l.txt", text_sha256(text))
    details = [f for d in record["determinations"] for f in d["finding_details"]]
    assert "not_documented" in {f["assertion"] for f in details}


def test_pipeline_saved_before_the_component_gets_it_on_load(tmp_path: Path) -> None:
    _pipeline(False).to_disk(tmp_path / "old")
    loaded = load_model(str(tmp_path / "old"))
    assert loaded.pipe_names == [
        "spancat", "imr_sections", FACTORY, "imr_missing_findings", "imr_determination_linker"]


def test_shipped_config_runs_the_component_after_spancat_before_the_linker() -> None:
    config = spacy.util.load_config(REPO / "configs" / "config.cfg")
    pipeline = config["nlp"]["pipeline"]
    assert pipeline.index("spancat") < pipeline.index(FACTORY) < pipeline.index("imr_determination_linker")
    assert config["components"][FACTORY]["factory"] == FACTORY


def test_rule_pipeline_sets_assertions() -> None:
    from imr_determinations.rules import build_rule_pipeline

    text = "Exam showed no tenderness to palpation over the lumbar paraspinal muscles."
    doc = build_rule_pipeline(with_linker=False)(text)
    found = [(sp.text, sp._.assertion) for sp in doc.spans["sc"] if sp.label_ == "CLINICAL_FINDING"]
    assert found == [("tenderness to palpation over the lumbar paraspinal muscles", "absent")]


def test_labels_are_standoff_and_evaluation_skips_without_letters(tmp_path: Path) -> None:
    labels = REPO / "corpus" / "gold" / "finding_assertions.json"
    data = json.loads(labels.read_text(encoding="utf-8"))
    rows = [r for entry in data["letters"].values() for r in entry["findings"]]
    assert len(rows) >= 200 and sum(r["assertion"] == "not_documented" for r in rows) >= 30
    assert all(set(r) == {"start", "end", "assertion", "origin"} for r in rows)  # offsets only, no text
    assert {e["split"] for e in data["letters"].values()} == {"train", "test"}
    result = evaluate(labels, tmp_path / "no-letters")
    assert result["n"] == 0 and result["skipped"]


def test_score_counts_per_class() -> None:
    result = score([("present", "present", "a"), ("absent", "present", "a"),
                    ("not_documented", "not_documented", "b")])
    assert result["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert result["per_class"]["absent"] == {"p": 0.0, "r": 0.0, "f": 0.0, "support": 1}
    assert result["per_class"]["present"]["p"] == 0.5 and result["by_split"]["b"]["accuracy"] == 1.0


def test_show_puts_the_assertion_next_to_each_finding() -> None:
    from imr_determinations.show import record_rows

    text = _letter()
    record = doc_to_record(_pipeline(True)(text), "l.txt", text_sha256(text))
    cells = {row["service"]: row["findings"] for row in record_rows(record)}
    cell = [v for k, v in cells.items() if k.startswith("Tramadol")][0]
    assert "muscle spasm [absent]" in cell and "functional improvement [not_documented]" in cell
    assert "neck pain rated at 6/10 [present]" in cell
