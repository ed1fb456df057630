"""Property tests: the section rules and the linker never raise and always emit schema-valid records.

Texts are built from the letters' own vocabulary (headings, verdicts, citations, partial
certifications) shuffled with arbitrary characters, so the fuzzing reaches the linker's
branches instead of bouncing off "not an IMR letter". Spans are put on the Doc at random, the
way a poorly trained model might.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import Span

from imr_determinations.records import doc_to_record, validate_record
from imr_determinations.tokenizer import blank_nlp

FRAGMENTS = [
    "IMR ISSUES, DECISIONS AND RATIONALES\n",
    "The Final Determination was based on decisions for the disputed items/services set forth below:\n",
    "CLINICAL CASE SUMMARY\n",
    "HOW THE IMR FINAL DETERMINATION WAS MADE\n",
    "Acupuncture 3x4: Upheld\n",
    "MRI of the lumbar spine:  \n\nOverturned\n",
    "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was authorized by the Claims "
    "Administrator. The remaining IMR eligible portion of the original request, "
    "Norco 10/325mg #35 is: Upheld\n",
    "Claims Administrator guideline: Decision based on MTUS ACOEM Chapter 12 Low Back Complaints "
    "Page(s): 303-305.\n",
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.\n",
    "Decision rationale: ",
    "Therefore, the request is not medically necessary.\n",
    "is medically necessary and appropriate.",
    "1) MAXIMUS Federal Services, Inc. has determined the request for physical therapy is not medically "
    "necessary and appropriate.\n",
    "Notice of Independent Medical Review Determination\n",
    "ISSUE AT DISPUTE: ",
    "Case Number: CM16-0219557\nDate of Injury: 10/10/2016\n",
    "This 40 year-old female sustained an injury on 2/28/13.",
    "Page 2 of 5\n",
    "\n\n",
    ": ",
]
TEXTS = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=14
).map("".join)
LABELS = ["DISPUTED_SERVICE", "DECISION", "GUIDELINE", "PAGE_RANGE"]


@pytest.fixture(scope="module")
def pipelines():
    out = {}
    for rules_only in (True, False):
        nlp = blank_nlp()
        nlp.add_pipe("imr_sections")
        nlp.add_pipe("imr_determination_linker", config={"rules_only": rules_only})
        if not rules_only:
            nlp.add_pipe("imr_entity_repair")
        out[rules_only] = nlp
    return out


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXTS, st.data(), st.booleans())
def test_linker_never_raises_and_records_validate(
    pipelines, text: str, data: st.DataObject, rules_only: bool
) -> None:
    nlp = pipelines[rules_only]
    doc = nlp.make_doc(text)
    n = len(doc)
    if n and not rules_only:
        # random non-overlapping entities and overlapping sc spans, as a bad model would give
        cuts = sorted(set(data.draw(st.lists(st.integers(0, n), max_size=8))))
        ents = []
        for a, b in zip(cuts[::2], cuts[1::2], strict=False):
            if a < b:
                ents.append(Span(doc, a, b, label=data.draw(st.sampled_from(LABELS))))
        doc.ents = ents
        sc = []
        for _ in range(data.draw(st.integers(0, 4))):
            a = data.draw(st.integers(0, n - 1))
            b = data.draw(st.integers(a + 1, n))
            sc.append(Span(doc, a, b, label=data.draw(st.sampled_from(["CLINICAL_FINDING", "DIAGNOSIS"]))))
        doc.spans["sc"] = sc
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    failed = ("linker failed", "entity repair failed")
    assert not any(w.startswith(failed) for w in doc._.warnings), doc._.warnings
    record = doc_to_record(doc, source="fuzz.txt", sha256="0" * 64)
    validate_record(record)
    for det in record["determinations"]:
        start, end = det["spans"]["service"]
        assert 0 <= start < end <= len(text)
