"""Disputed-service mentions checked against the letter's items, and page ranges kept to numbers."""

import re

import pytest
from spacy.tokens import Span

from imr_determinations.mentions import (
    find_request_mentions,
    find_restatements,
    item_occurrences,
    item_share,
    names_a_portion,
    page_numbers_only,
    split_at_item_words,
    split_at_items,
    tidy_mention,
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
    nlp.add_pipe("imr_entity_repair")
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


def _mention(doc, text):
    start = doc.text.index(text)
    return doc.char_span(start, start + len(text), label="DISPUTED_SERVICE", alignment_mode="strict")


@pytest.mark.parametrize(
    "sentence, predicted, expected",
    [
        # a verb clause after the service is outside the mention
        (
            "On May 2 a request for twelve sessions of physical therapy was denied by utilization review.",
            "twelve sessions of physical therapy was denied by utilization",
            "twelve sessions of physical therapy",
        ),
        # a dangling function word at the end
        (
            "UR found physical therapy 2 times a week for 3 weeks for lumbar to be non-certified.",
            "physical therapy 2 times a week for 3 weeks for lumbar to",
            "physical therapy 2 times a week for 3 weeks for lumbar",
        ),
        # the request wrapper and a trailing line break
        (
            "The retrospective request for cyclobenzaprine provided on 11/14/2016 \nwas non-certified.",
            "retrospective request for cyclobenzaprine provided on 11/14/2016 \n",
            "cyclobenzaprine provided on 11/14/2016",
        ),
        # "retrospective" that qualifies the service stays; so do units and brackets
        (
            "UR non-certified a retrospective TENS unit (30 day rental) and Lidoderm 5%.",
            "retrospective TENS unit (30 day rental)",
            "retrospective TENS unit (30 day rental)",
        ),
        ("UR non-certified Lidoderm 5%.", "Lidoderm 5%.", "Lidoderm 5%"),
    ],
)
def test_tidy_mention_keeps_the_service_and_its_qualifiers(sentence, predicted, expected):
    doc = blank_nlp().make_doc(sentence)
    assert tidy_mention(_mention(doc, predicted)).text == expected


def test_tidy_mention_drops_a_mention_with_no_service_left():
    doc = blank_nlp().make_doc("It was the request for the.")
    assert tidy_mention(_mention(doc, "the request for the")) is None


def test_a_list_naming_items_in_other_words_is_split():
    items = ["Spinal manipulation 1 times 8", "Electrical stimulation 1 times 8", "Ultrasound 1 times 8"]
    mention = "spinal\nmanipulation, electrical stimulation, ultrasound"
    doc = blank_nlp().make_doc(f"the request for {mention}, were denied")
    pieces = split_at_item_words(_mention(doc, mention), items)
    assert [p.text for p in pieces] == ["spinal\nmanipulation", "electrical stimulation", "ultrasound"]


@pytest.mark.parametrize(
    "mention, items",
    [
        # one item's own words, "and" inside it
        ("acupuncture of the lumbar and cervical", ["Acupuncture of the lumbar and cervical x8", "MRI"]),
        # two parts naming the same item
        ("acupuncture, acupuncture sessions", ["Acupuncture x8", "MRI"]),
        # a part naming no item
        ("home exercise, MRI", ["Acupuncture x8", "MRI"]),
        # a comma inside brackets is not a list separator
        ("MRI (lumbar, with contrast)", ["MRI lumbar", "Contrast dye"]),
    ],
)
def test_a_mention_that_is_not_a_list_of_items_is_not_split(mention, items):
    doc = blank_nlp().make_doc(f"UR denied {mention} today")
    assert split_at_item_words(_mention(doc, mention), items) is None


def test_a_trimmed_mention_of_the_original_request_is_dropped(nlp):
    text = TWO_ITEMS.replace(
        "The Request for Authorization dated 11-16-2016 includes Lumbar MRI.",
        "Lumbar MRI was the original request.",
    )
    doc = nlp.make_doc(text)
    start = text.index("Lumbar MRI was the original")
    doc.ents = [doc.char_span(start, start + len("Lumbar MRI was the original"), label="DISPUTED_SERVICE")]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert not any(e.start_char == start for e in doc.ents if e.label_ == "DISPUTED_SERVICE")


REQUEST_ITEMS = ["Flector 1.3% transdermal patch", "Hot/cold therapy wrap", "Lidocaine patch", "Back support"]


def _requested(sentence, taken=()):
    doc = blank_nlp().make_doc(sentence)
    spans = [_mention(doc, t) for t in taken]
    return [m.text for m in find_request_mentions(doc, REQUEST_ITEMS, spans, "DISPUTED_SERVICE")]


def test_a_request_naming_an_item_in_fewer_words_is_a_mention():
    sentence = "Nothing warrants the requested Flector patch; and the requested heat/cold therapy and a cane."
    assert _requested(sentence) == ["Flector patch", "heat/cold therapy"]


@pytest.mark.parametrize(
    "sentence",
    [
        # one shared word names a form, not the item
        "NSAIDs do not support the requested patch. As such, it is not necessary.",
        # the request is for something that is not an item
        "The request for acute pain relief was noted.",
        # a request for authorization
        "A request for authorization was submitted on 12/20/2016.",
    ],
)
def test_a_request_that_names_no_item_adds_nothing(sentence):
    assert _requested(sentence) == []


def test_a_request_already_tagged_is_not_tagged_twice():
    sentence = "UR denied the requested Flector patch today."
    assert _requested(sentence, taken=["Flector patch"]) == []
