"""Invented letters and a rule-based pipeline for the review tests (no trained model needed)."""

from __future__ import annotations

from spacy.language import Language

from imr_determinations.tokenizer import blank_nlp

# Invented letters in the shape of an IMR determination (not taken from any real letter).
LETTER_A = """Case Number: CM00-0000001
Disputed Items
1. Acupuncture 3x4: Upheld
2. Norco 10/325mg #60: Overturned

Clinical Case Summary
The patient is a 45 year old male with lumbar radiculopathy. Examination showed negative SLR test.
Requests under consideration include Acupuncture 3x4 and Norco 10/325mg #60.

Decision based on MTUS ACOEM Chapter 12 Low Back Complaints, pages 303-305.
The Acupuncture 3x4 is not medically necessary and appropriate.
"""

LETTER_B = """Case Number: CM00-0000002
Disputed Items
1. Physical therapy 2x6: Upheld

Clinical Case Summary
The patient has cervical strain. There is tenderness to palpation over the neck.
The Physical therapy 2x6 is not medically necessary.
"""

ENT_PATTERNS = [
    {"label": "DISPUTED_SERVICE", "pattern": "Acupuncture 3x4"},
    {"label": "DISPUTED_SERVICE", "pattern": "Norco 10/325mg #60"},
    {"label": "DISPUTED_SERVICE", "pattern": "Physical therapy 2x6"},
    {"label": "DECISION", "pattern": "Upheld"},
    {"label": "DECISION", "pattern": "Overturned"},
    {"label": "DECISION", "pattern": "not medically necessary and appropriate"},
    {"label": "GUIDELINE", "pattern": "MTUS ACOEM Chapter 12 Low Back Complaints"},
    {"label": "PAGE_RANGE", "pattern": "303-305"},
]
SPAN_PATTERNS = [
    {"label": "DIAGNOSIS", "pattern": "lumbar radiculopathy"},
    {"label": "DIAGNOSIS", "pattern": "cervical strain"},
    {"label": "CLINICAL_FINDING", "pattern": "negative SLR test"},
    {"label": "CLINICAL_FINDING", "pattern": "tenderness to palpation over the neck"},
]


def make_rule_nlp() -> Language:
    nlp = blank_nlp()
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(ENT_PATTERNS)
    sc = nlp.add_pipe("span_ruler", name="sc_ruler", config={"spans_key": "sc"})
    sc.add_patterns(SPAN_PATTERNS)
    return nlp
