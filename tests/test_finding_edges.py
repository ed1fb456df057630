"""imr_finding_edges: a finding's degree, laterality and result words written before it join the span."""

from __future__ import annotations

import numpy

from imr_determinations.finding_edges import FindingEdges
from imr_determinations.labels import SPANS_KEY
from imr_determinations.tokenizer import blank_nlp


def _widen(text: str, spans: list[tuple[str, str]]) -> list[str]:
    nlp = blank_nlp()
    doc = nlp.make_doc(text)
    doc.spans[SPANS_KEY] = [doc.char_span(text.index(t), text.index(t) + len(t), label=label)
                            for t, label in spans]
    out = FindingEdges(nlp)(doc)
    return [s.text for s in out.spans[SPANS_KEY]]


def test_degree_and_result_words_before_a_finding_join_it() -> None:
    text = "Exam showed moderately decreased range of motion and a negative SLR test."
    assert _widen(text, [("range of motion", "CLINICAL_FINDING"), ("SLR test", "CLINICAL_FINDING")]) == [
        "moderately decreased range of motion", "negative SLR test"]


def test_lead_ins_and_other_labels_stay_as_they_are() -> None:
    text = "The exam revealed tenderness. Diagnoses: left knee sprain."
    assert _widen(text, [("tenderness", "CLINICAL_FINDING"), ("knee sprain", "DIAGNOSIS")]) == [
        "tenderness", "knee sprain"]


def test_a_single_line_break_is_crossed_but_not_a_paragraph_or_another_span() -> None:
    text = "There was mild\ntenderness. Severe pain\n\nspasm noted."
    assert _widen(text, [("tenderness", "CLINICAL_FINDING"), ("spasm", "CLINICAL_FINDING")]) == [
        "mild\ntenderness", "spasm"]
    text = "pain rated 7/10 left knee swelling"
    spans = [("pain rated 7/10 left", "CLINICAL_FINDING"), ("knee swelling", "CLINICAL_FINDING")]
    assert _widen(text, spans) == ["pain rated 7/10 left", "knee swelling"]


def test_scores_keep_their_order() -> None:
    nlp = blank_nlp()
    text = "mild tenderness and spasm"
    doc = nlp.make_doc(text)
    doc.spans[SPANS_KEY] = [doc.char_span(5, 15, label="CLINICAL_FINDING"),
                            doc.char_span(20, 25, label="CLINICAL_FINDING")]
    doc.spans[SPANS_KEY].attrs["scores"] = numpy.asarray([0.9, 0.6], dtype="float32")
    out = FindingEdges(nlp)(doc).spans[SPANS_KEY]
    assert [s.text for s in out] == ["mild tenderness", "spasm"]
    assert numpy.allclose(out.attrs["scores"], [0.9, 0.6])
