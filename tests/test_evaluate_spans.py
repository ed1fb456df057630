"""evaluation.spans: the lenient overlap score that separates boundary disagreements from misses."""

from spacy.tokens import Span

from imr_determinations.evaluation import spans as evaluate
from imr_determinations.tokenizer import blank_nlp

TEXT = "pain in the neck and spasm today"


def _doc(spans):
    doc = blank_nlp().make_doc(TEXT)
    doc.spans["sc"] = [Span(doc, s, e, label=label) for s, e, label in spans]
    return doc


def test_overlap_score_counts_clipped_spans_but_not_misses_or_other_labels():
    gold = _doc([(0, 4, "CLINICAL_FINDING"), (5, 6, "CLINICAL_FINDING"), (2, 4, "DIAGNOSIS")])
    # "pain" overlaps "pain in the neck"; "today" overlaps nothing; the DIAGNOSIS label does not count
    pred = _doc([(0, 1, "CLINICAL_FINDING"), (6, 7, "CLINICAL_FINDING"), (5, 6, "DIAGNOSIS")])
    assert evaluate.overlap_prf([pred], [gold], "CLINICAL_FINDING") == {"p": 0.5, "r": 0.5, "f": 0.5}
    assert evaluate.overlap_prf([pred], [gold], "DIAGNOSIS") == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert evaluate.overlap_prf([gold], [gold], "CLINICAL_FINDING") == {"p": 1.0, "r": 1.0, "f": 1.0}
