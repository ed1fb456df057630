"""imr_missing_findings: the findings a reviewer says the records lack, on invented sentences; the records
and the rule pipeline carry them."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.tokens import Doc

from imr_determinations.evaluation.record_scores import metrics, score_letter
from imr_determinations.extract.models import build_rules_pipeline
from imr_determinations.io import read_letter
from imr_determinations.labels import MISSING_KEY, SECTIONS_KEY, SPANS_KEY
from imr_determinations.missing_findings import FACTORY, MissingFindings, missing_offsets
from imr_determinations.tokenizer import blank_nlp


def found(text: str) -> list[str]:
    return [text[s:e] for s, e in missing_offsets(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("There is no documentation of functional improvement.", ["functional improvement"]),
        ("However, there was a lack of\nobjective findings indicative of radiculopathy to support the "
         "requested injection.", ["objective findings indicative of radiculopathy"]),
        ("There are no red flags noted on physical examination.", ["red flags"]),
        ("The records do not document the response to conservative therapy; the request is not supported.",
         ["response to conservative therapy"]),
        ("There was no indication that the patient gained significant functional improvement from Norco.",
         ["significant functional improvement from Norco"]),
        ("Objective findings related to the lumbar spine were not noted.",
         ["Objective findings related to the lumbar spine"]),
    ],
)
def test_cue_opens_a_scope_that_ends_with_the_clause(text: str, expected: list[str]) -> None:
    assert found(text) == expected


def test_coordinated_findings_are_split_and_a_shared_head_is_not() -> None:
    text = ("There is no documentation of pain relief with use of the medication, improved mood, and "
            "objective functional improvement. The notes do not indicate acute anxiety or agitation. "
            "There is no mention of pain or functional improvement due to its use.")
    assert found(text) == [
        "pain relief with use of the medication", "improved mood", "objective functional improvement",
        "acute anxiety", "agitation", "pain or functional improvement due to its use",
    ]


def test_treatment_history_and_paperwork_are_not_findings() -> None:
    text = ("There was no evidence the patient has trialed and failed physical therapy and NSAIDs. "
            "There is no clear rationale for the requested procedure. "
            "There was no evidence of red flag conditions or failed conservative care.")
    assert found(text) == ["red flag conditions"]


def test_a_documented_absence_is_not_missing() -> None:
    """'exam revealed no evidence of X' says X is absent, not that the records lack it."""
    assert found("Physical examination revealed no evidence of acute muscle spasm.") == []
    assert found("There has been no change in the symptoms.") == []


def test_a_cue_split_by_a_line_break_still_opens_a_scope() -> None:
    assert found("There is no\ndocumentation of\nneurological deficits.") == ["neurological deficits"]


def _run(text: str, findings: list[tuple[int, int]] = (), sections: list[tuple[int, int, str]] = ()) -> Doc:
    """The component on a doc whose spancat findings and sections are given."""
    nlp = blank_nlp()
    doc = nlp.make_doc(text)
    doc.spans[SPANS_KEY] = [doc.char_span(s, e, label="CLINICAL_FINDING") for s, e in findings]
    doc.spans[SECTIONS_KEY] = [doc.char_span(s, e, label=label, alignment_mode="expand")
                               for s, e, label in sections]
    return MissingFindings(nlp)(doc)


def test_component_writes_not_documented_spans_apart_from_spancat() -> None:
    text = "Tenderness was present. There is no documentation of functional improvement with therapy."
    doc = _run(text, [(0, 10)])
    assert [s.text for s in doc.spans[SPANS_KEY]] == ["Tenderness"]
    spans = list(doc.spans[MISSING_KEY])
    assert [(s.text, s.label_, s._.assertion) for s in spans] == [
        ("functional improvement with therapy", "CLINICAL_FINDING", "not_documented")]
    assert spans[0]._.finding_type is not None


def test_a_finding_spancat_already_holds_is_not_proposed_twice() -> None:
    text = "There is no documentation of functional improvement."
    start = text.index("functional")
    doc = _run(text, [(start, start + len("functional improvement"))])
    assert list(doc.spans[MISSING_KEY]) == []


def test_reviewer_section_is_skipped() -> None:
    text = "There is no evidence of instability. Reviewer: there is no evidence of conflict of interest."
    cut = text.index("Reviewer")
    doc = _run(text, sections=[(0, cut - 1, "decisions"), (cut, len(text), "reviewer")])
    assert [s.text for s in doc.spans[MISSING_KEY]] == ["instability"]


SEED = Path(__file__).resolve().parents[1] / "corpus" / "seeds" / "000_455a604ddc9a446c.txt"


def test_rule_pipeline_records_list_what_the_records_lack() -> None:
    nlp = build_rules_pipeline()
    assert FACTORY in nlp.pipe_names
    records = nlp(read_letter(SEED).text)._.determinations
    assert records, "the letter's item was not found"
    details = [d for r in records for d in r["finding_details"]]
    assert ("functional improvement", "not_documented") in [(d["text"], d["assertion"]) for d in details]


def test_record_finding_scores_leave_out_what_the_records_lack() -> None:
    """The gold records hold documented findings only; a missing finding is scored apart."""
    gold = [{"service": "MRI of the lumbar spine", "decision": "UPHELD", "findings": ["tenderness"]}]
    pred = [{"service": "MRI of the lumbar spine", "decision": "UPHELD",
             "findings": ["tenderness", "neurological deficits"],
             "finding_details": [{"text": "tenderness", "assertion": "present"},
                                 {"text": "neurological deficits", "assertion": "not_documented"}]}]
    counts, _ = score_letter(pred, gold, 0.5)
    scores = metrics(counts)
    assert scores["finding_precision"] == 1.0
    assert scores["finding_recall"] == 1.0


def test_an_examination_report_in_the_case_summary_is_not_what_the_records_lack() -> None:
    summary = ("Exam: there was no tenderness of the knee. There were no red flags noted on examination to "
               "warrant imaging. ")
    rationale = "There is no radiculopathy. "
    text = summary + rationale
    doc = _run(text, sections=[(0, len(summary) - 1, "case_summary"), (len(summary), len(text), "decisions")])
    assert [s.text for s in doc.spans[MISSING_KEY]] == ["red flags", "radiculopathy"]
    # without sections nothing says where the examination is reported
    unsectioned = _run(text)
    assert "tenderness of the knee" in [s.text for s in unsectioned.spans[MISSING_KEY]]
