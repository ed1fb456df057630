"""Disputed-service mentions checked against the letter's items, and page ranges kept to numbers."""

import re

import pytest
from spacy.tokens import Span

from imr_determinations.mentions import (
    find_restatements,
    item_occurrences,
    item_share,
    names_a_portion,
    page_numbers_only,
    split_at_items,
    widen_to_items,
)
from imr_determinations.tokenizer import blank_nlp

TWO_ITEMS = """CLINICAL CASE SUMMARY

The patient has had 12 sessions of physical therapy and a home exercise program. Request(s) under
consideration include Lumbar MRI and eight sessions of
acupuncture. The Request for Authorization dated 11-16-2016 includes Lumbar MRI.

IMR ISSUES, DECISIONS AND RATIONALES

Lumbar MRI:  Upheld

Decision rationale: No red flags. The Lumbar MRI is not medically necessary and appropriate. An
MRI ordered later was normal.

Eight sessions of acupuncture:  Upheld

Decision rationale: Acupuncture helped before. The request for eight sessions of
acupuncture is not medically necessary and appropriate. See ACOEM page 182 does apply.
"""


@pytest.fixture(scope="module")
def nlp():
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker")
    return nlp


def _span(doc, text, n=0, label="DISPUTED_SERVICE"):
    start = [m.start() for m in re.finditer(re.escape(text), doc.text)][n]
    return doc.char_span(start, start + len(text), label=label, alignment_mode="strict")


def _link(nlp, ents):
    doc = nlp.make_doc(TWO_ITEMS)
    doc.ents = [_span(doc, text, n, label) for text, n, label in ents]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


HEADINGS = [
    ("Lumbar MRI", 2, "DISPUTED_SERVICE"),
    ("Upheld", 0, "DECISION"),
    ("Eight sessions of acupuncture", 0, "DISPUTED_SERVICE"),
    ("Upheld", 1, "DECISION"),
]


def _services(doc):
    return [re.sub(r"\s+", " ", e.text) for e in doc.ents if e.label_ == "DISPUTED_SERVICE"]


def test_a_mention_listing_two_items_becomes_two_mentions(nlp):
    doc = _link(nlp, [("Lumbar MRI and eight sessions of\nacupuncture", 0, "DISPUTED_SERVICE"), *HEADINGS])
    assert [d["service"] for d in doc._.determinations] == ["Lumbar MRI", "Eight sessions of acupuncture"]
    services = _services(doc)
    assert services[:2] == ["Lumbar MRI", "eight sessions of acupuncture"]
    assert "Lumbar MRI and eight sessions of acupuncture" not in services


def test_a_mention_naming_no_item_is_dropped(nlp):
    doc = _link(nlp, [("12 sessions of physical therapy", 0, "DISPUTED_SERVICE"), *HEADINGS])
    assert "12 sessions of physical therapy" not in _services(doc)


def test_missed_request_and_verdict_restatements_are_added(nlp):
    doc = _link(nlp, HEADINGS)
    services = _services(doc)
    # "... includes Lumbar MRI", "The Lumbar MRI is not medically necessary", "the request for
    # eight sessions of acupuncture is not ...": each is a disputed-service mention
    assert services.count("Lumbar MRI") == 4
    # summary list continuation ("include Lumbar MRI and eight sessions of acupuncture"), heading, verdict
    assert [s.lower() for s in services].count("eight sessions of acupuncture") == 3
    # "An MRI ordered later" names the service without a request or verdict: not tagged
    assert "MRI" not in services


def test_page_range_keeps_only_its_numbers(nlp):
    doc = _link(nlp, [*HEADINGS, ("182 does", 0, "PAGE_RANGE"), ("home exercise", 0, "PAGE_RANGE")])
    pages = [e.text for e in doc.ents if e.label_ == "PAGE_RANGE"]
    assert pages == ["182"]


def test_split_refuses_text_between_items():
    nlp = blank_nlp()
    doc = nlp.make_doc("Request for Lumbar MRI with a follow-up visit and Acupuncture x6.")
    ent = Span(doc, 2, len(doc) - 1, label="DISPUTED_SERVICE")
    assert split_at_items(doc, ent, ["Lumbar MRI", "Acupuncture x6"]) is None
    doc2 = nlp.make_doc("Request for Lumbar MRI, and Acupuncture x6.")
    ent2 = Span(doc2, 2, len(doc2) - 1, label="DISPUTED_SERVICE")
    pieces = split_at_items(doc2, ent2, ["Lumbar MRI", "Acupuncture x6"])
    assert [p.text for p in pieces] == ["Lumbar MRI", "Acupuncture x6"]


def test_item_share_ignores_function_words():
    assert item_share("the MRI of the lumbar spine", ["MRI lumbar spine"]) == 1.0
    assert item_share("of the and", ["MRI lumbar spine"]) == 0.0
    assert item_share("home exercise program", ["Physical therapy 2x6"]) == 0.0


def test_restatement_needs_token_boundaries():
    nlp = blank_nlp()
    doc = nlp.make_doc("The request for MRIs is not medically necessary.")
    assert find_restatements(doc, item_occurrences(doc.text, ["MRI"]), [], "DISPUTED_SERVICE") == []


def test_page_numbers_only_drops_spans_without_digits():
    nlp = blank_nlp()
    doc = nlp.make_doc("pages 8-9 of it and UA")
    assert page_numbers_only(Span(doc, 1, 4, label="PAGE_RANGE")).text == "8-9"
    assert page_numbers_only(Span(doc, 5, 6, label="PAGE_RANGE")) is None


def test_a_clipped_mention_inside_an_item_restatement_is_widened(nlp):
    # the model stopped at "Lumbar" inside "The Lumbar MRI is not medically necessary"
    doc = _link(nlp, [*HEADINGS, ("Lumbar", 3, "DISPUTED_SERVICE")])
    rationale = doc.text.index("The Lumbar MRI is") + len("The ")
    services = [(e.start_char, e.text) for e in doc.ents if e.label_ == "DISPUTED_SERVICE"]
    assert (rationale, "Lumbar MRI") in services
    assert "Lumbar" not in _services(doc)


def test_widening_leaves_run_on_mentions_to_the_other_checks():
    nlp = blank_nlp()
    doc = nlp.make_doc("The Lumbar MRI is not medically necessary.")
    run_on = Span(doc, 1, 4, label="DISPUTED_SERVICE")  # "Lumbar MRI is"
    occurrences = item_occurrences(doc.text, ["Lumbar MRI"])
    assert widen_to_items(doc, [run_on], occurrences, "DISPUTED_SERVICE") == [run_on]


def test_original_and_authorized_portions_are_not_disputed_mentions():
    nlp = blank_nlp()
    text = (
        "The Request for Authorization requested Acupuncture for 8 sessions. Acupuncture for 4 sessions was "
        "authorized by the Claims Administrator. The request for Acupuncture for 8 sessions is not medically "
        "necessary."
    )
    doc = nlp.make_doc(text)

    def span(s, n=0):
        start = [m.start() for m in re.finditer(re.escape(s), text)][n]
        return doc.char_span(start, start + len(s), label="DISPUTED_SERVICE")

    items = ["Acupuncture for 4 additional sessions"]
    portions = ["Acupuncture for 8 sessions", "Acupuncture for 4 sessions"]
    # the request-for-authorization copy of the original: not a disputed mention
    assert names_a_portion(doc, span("Acupuncture for 8 sessions"), items, portions)
    # a run-on mention carrying the "was authorized" predicate
    assert names_a_portion(doc, span("Acupuncture for 4 sessions was authorized"), items, portions)
    # the closing restatement is tagged as written even when it repeats the original quantity
    assert not names_a_portion(doc, span("Acupuncture for 8 sessions", 1), items, portions)
    # the item itself is never a portion
    whole = ["Acupuncture for 8 sessions"]
    assert not names_a_portion(doc, span("Acupuncture for 8 sessions"), whole, portions)
