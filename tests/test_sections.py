import time

import pytest
from layouts import (
    ALL_LAYOUTS,
    LATER_RELIED_UPON,
    LAYOUT_2016,
    NOTICE_2013,
    PROFESSIONAL_LAYOUT,
    PROFESSIONAL_TWO_ISSUES,
    SEED_LAYOUT,
    SEED_NOISY,
)
from spacy.tokens import Doc

from imr_determinations.section_text import logical_lines
from imr_determinations.sections import segment
from imr_determinations.tokenizer import blank_nlp


@pytest.fixture(scope="module")
def nlp():
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    return nlp


def _labels(text):
    return [s.label for s in segment(text)]


def _items(text):
    return [s for s in segment(text) if s.label == "item"]


@pytest.mark.parametrize(
    ("name", "n_items", "top"),
    [
        ("seed", 1, ["reviewer", "case_summary", "decisions"]),
        ("2016", 2, ["header", "reviewer", "case_summary", "decisions"]),
        ("notice2013", 4, ["header", "decisions", "reviewer", "case_summary"]),
        ("later", 2, ["header", "documents_reviewed", "case_summary", "decisions"]),
        (
            "professional",
            1,
            ["header", "decisions", "case_summary", "documents_reviewed", "rationale", "reviewer"],
        ),
    ],
)
def test_layouts(name, n_items, top):
    text = ALL_LAYOUTS[name]
    secs = segment(text)
    assert len([s for s in secs if s.label == "item"]) == n_items
    got = [s.label for s in secs if s.label not in ("item", "reviewer_guideline")]
    assert got == top


def test_seed_item_parts_and_heading():
    (item,) = _items(SEED_LAYOUT)
    heading = next(c for c in item.children if c.label == "item_heading")
    assert SEED_LAYOUT[heading.start : heading.end].startswith("Physical therapy 2x6 for the neck")
    assert [c.label for c in item.children[1:]] == [
        "claims_admin_guideline",
        "reviewer_guideline",
        "rationale",
    ]
    rationale = item.children[-1]
    assert SEED_LAYOUT[rationale.start : rationale.end].startswith("Decision rationale:")


def test_run_together_heading_and_partial_certification():
    secs = segment(LAYOUT_2016)
    decisions = next(s for s in secs if s.label == "decisions")
    assert LAYOUT_2016[decisions.start :].startswith("IMR ISSUES")
    summary = next(s for s in secs if s.label == "case_summary")
    assert summary.end <= decisions.start
    first, second = _items(LAYOUT_2016)
    assert LAYOUT_2016[first.start : first.end].startswith("Tramadol 50mg #90: Upheld")
    head2 = next(c for c in second.children if c.label == "item_heading")
    assert LAYOUT_2016[head2.start : head2.end].startswith(
        "Acupuncture 10 sessions was the original request."
    )
    assert LAYOUT_2016[head2.start : head2.end].endswith("Overturned")


def test_notice_numbered_items():
    items = _items(NOTICE_2013)
    assert [(i.kind, i.number) for i in items] == [
        ("statement", "1"),
        ("statement", "2"),
        ("regarding", "1"),
        ("regarding", "2"),
    ]
    summary = next(s for s in segment(NOTICE_2013) if s.label == "case_summary")
    assert "Regarding" not in NOTICE_2013[summary.start : summary.end]


def test_professional_issue_is_one_item():
    (item,) = _items(PROFESSIONAL_LAYOUT)
    assert PROFESSIONAL_LAYOUT[item.start : item.end] == "Lumbar MRI without contrast"


def test_unnumbered_issues_are_one_item_each():
    items = _items(PROFESSIONAL_TWO_ISSUES)
    assert [" ".join(PROFESSIONAL_TWO_ISSUES[i.start : i.end].split()) for i in items] == [
        "Is the request for Lidoderm 5% patch #30 medically necessary?",
        "Is the request for 8 sessions of aquatic therapy for the lumbar spine, two times a week for four "
        "weeks medically necessary?",
    ]


@pytest.mark.parametrize(
    ("block", "entries"),
    [
        ("- MRI of the knee\n- Naproxen 550mg #60\n", ["- MRI of the knee", "- Naproxen 550mg #60"]),
        ("MRI of the knee\nNaproxen 550mg #60\n", ["MRI of the knee", "Naproxen 550mg #60"]),
        ("Physical therapy for the lumbar spine two times a week for six weeks with home exercise\n"
         "program\n", ["Physical therapy for the lumbar spine two times a week for six weeks with home "
                       "exercise\nprogram"]),
        ("Naproxen 550mg\n#60\n\nMRI\n", ["Naproxen 550mg\n#60", "MRI"]),
    ],
)
def test_logical_lines(block, entries):
    assert [block[s:e] for s, e in logical_lines(block, 0, len(block))] == entries


def test_unknown_layout_degrades():
    assert segment("") == []
    assert segment("   \n ") == []
    secs = segment("Dear Sir,\nplease find the invoice attached.\n")
    assert [s.label for s in secs] == ["header"]


def test_component_writes_spans(nlp):
    doc = nlp(LAYOUT_2016)
    labels = [s.label_ for s in doc.spans["sections"]]
    assert labels.count("item") == 2
    assert "decisions" in labels and "rationale" in labels
    items = [s for s in doc.spans["sections"] if s.label_ == "item"]
    assert all(s._.section_kind == "heading" for s in items)
    # items nest inside the decisions span
    dec = next(s for s in doc.spans["sections"] if s.label_ == "decisions")
    assert all(dec.start <= s.start and s.end <= dec.end for s in items)


def test_item_kind_and_number_belong_to_the_item_span_and_survive_a_doc_round_trip(nlp):
    doc = Doc(nlp.vocab).from_bytes(nlp(NOTICE_2013).to_bytes())
    sections = doc.spans["sections"]
    items = [s for s in sections if s.label_ == "item"]
    kinds = [(s._.section_kind, s._.section_number) for s in items]
    assert kinds == [("statement", "1"), ("statement", "2"), ("regarding", "1"), ("regarding", "2")]
    # a statement's heading covers the same characters as its item, but it is no item
    statements = {(s.start_char, s.end_char) for s in items if s._.section_kind == "statement"}
    headings = [s for s in sections if s.label_ == "item_heading"]
    assert statements <= {(h.start_char, h.end_char) for h in headings}
    assert all(h._.section_kind is None and h._.section_number is None for h in headings)


def test_empty_doc(nlp):
    assert len(nlp("").spans["sections"]) == 0


def test_linear_time():
    block = LAYOUT_2016.split("The Final Determination was based on")[1].split("\n", 1)[1]
    small = LAYOUT_2016 + block * 25
    big = LAYOUT_2016 + block * 200

    def best_of_three(text):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            found = segment(text)
            times.append(time.perf_counter() - t0)
        return min(times), found

    t_small, _ = best_of_three(small)
    t_big, found = best_of_three(big)
    assert len([s for s in found if s.label == "item"]) == 2 + 2 * 200
    assert t_big < max(0.5, t_small * 8 * 4)


def test_intro_sentence_not_in_heading_without_decisions_heading():
    """Section headings lost in extraction: the decisions intro must not start the first item heading."""
    text = SEED_LAYOUT.replace("IMR ISSUES, DECISIONS AND RATIONALES", "").replace(
        "set forth below: \n\n \n\n", "set forth below: "
    )
    (item,) = _items(text)
    heading = next(c for c in item.children if c.label == "item_heading")
    assert text[heading.start : heading.end].startswith("Physical therapy 2x6 for the neck")


def _headings(text):
    out = []
    for item in _items(text):
        heading = next(c for c in item.children if c.label == "item_heading")
        out.append(" ".join(text[heading.start : heading.end].split()))
    return out


def test_later_layout_items_head_their_guideline_lines():
    # un-numbered statements, the guideline line labelled "Guideline(s) relied upon:" (OCR "up0n" too)
    assert _headings(LATER_RELIED_UPON) == [
        "Diagnostic ultrasound left shoulder is not medically necessary and appropriate.",
        "Etodolac 500mg #45 is medically necessary and appropriate.",
    ]
    first = _items(LATER_RELIED_UPON)[0]
    assert "reviewer_guideline" in [c.label for c in first.children]


def test_seed_layout_headings_survive_page_breaks_and_blank_lines():
    # "set forth / below:" split by a line break, a decision word a blank line below its heading,
    # page furniture after "Upheld" and a repeated letterhead line above a heading
    assert _headings(SEED_NOISY) == [
        "Repeat MRI of the bilateral hands: Upheld",
        "Percocet 10/325mg #90: Upheld",
        "Work hardening 1x6 for the lumbar spine: Upheld",
    ]


def test_numbered_later_statements_head_their_blocks():
    numbered = LATER_RELIED_UPON.replace("Diagnostic ultrasound", "1. Diagnostic ultrasound").replace(
        "Etodolac 500mg", "2. Etodolac 500mg"
    )
    items = _items(numbered)
    assert len(items) == 2
    for item in items:
        assert {c.label for c in item.children} >= {"item_heading", "reviewer_guideline", "rationale"}
    # the 2013 notice lists its numbered statements before the blocks: those stay one-line items
    notice_statements = [s for s in _items(NOTICE_2013) if s.kind == "statement"]
    assert notice_statements and all(len(s.children) == 1 for s in notice_statements)
