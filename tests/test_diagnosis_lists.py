"""Diagnosis lists: one DIAGNOSIS per item of a cue-led list, merged into doc.spans["sc"]."""

from __future__ import annotations

import numpy
import pytest
from spacy.tokens import SpanGroup

from imr_determinations.diagnosis_lists import diagnosis_spans, list_items, merge_into
from imr_determinations.rules import build_rule_pipeline
from imr_determinations.tokenizer import blank_nlp


def items(text: str) -> list[str]:
    return [text[s:e] for s, e in list_items(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The worker is being treated for lumbar strain, right knee sprain and insomnia. He was seen.",
            ["lumbar strain", "right knee sprain", "insomnia"],
        ),
        (
            "Diagnoses include: Lumbar spine strain/sprain; Left knee sprain/strain; and Right ankle strain.",
            ["Lumbar spine strain/sprain", "Left knee sprain/strain", "Right ankle strain"],
        ),
        # a PDF line break between the cue's words and inside an item
        ("She is undergoing\ntreatment for carpal tunnel\nsyndrome.", ["carpal tunnel\nsyndrome"]),
        # qualifiers and quotes are outside the item
        ('He was given a diagnosis of "possible rotator cuff tear."', ["rotator cuff tear"]),
        ("The injured worker was diagnosed as having lumbar radiculitis.", ["lumbar radiculitis"]),
        # a stop phrase ends the list
        ("He was diagnosed with a neck strain on 10/12/2016 by his doctor.", ["neck strain"]),
        # a comma inside parentheses does not split
        (
            "Diagnoses were low back pain (M54.5, M54.16) and sciatica.",
            ["low back pain (M54.5, M54.16)", "sciatica"],
        ),
    ],
)
def test_a_cue_led_list_gives_one_item_per_diagnosis(text: str, expected: list[str]) -> None:
    assert items(text) == expected


def test_site_only_items_share_the_head_of_the_next_item() -> None:
    text = (
        "The injured worker is undergoing treatment for back and left shoulder pain. "
        "Diagnoses are lumbar, hip, and neck strain."
    )
    assert items(text) == ["back and left shoulder pain", "lumbar, hip, and neck strain"]


def test_trailing_descriptors_stay_with_the_item_before_them() -> None:
    text = (
        "The current diagnosis is documented as sprain of ligaments of lumbar spine, subsequent encounter. "
        "The current diagnosis is documented as dislocation, shoulder."
    )
    assert items(text) == [
        "sprain of ligaments of lumbar spine, subsequent encounter",
        "dislocation, shoulder",
    ]


def test_and_or_inside_an_item_does_not_split_it() -> None:
    assert items("He is being treated for strain of muscle and or tendon of wrist.") == [
        "strain of muscle and or tendon of wrist"
    ]


def test_purpose_phrases_and_clauses_are_not_lists() -> None:
    text = (
        "MRI or CT is used to validate the diagnosis of nerve root compromise. "
        "Studies assist in the diagnosis of brachial plexopathies. "
        "He has been treated for above conditions by the primary care physician."
    )
    assert items(text) == []


def test_text_without_a_cue_has_no_items() -> None:
    assert items("Lumbar strain, knee sprain and insomnia were noted in the history.") == []


def _doc_with_model_spans(text: str, spans: list[tuple[str, str]], scores: list[float]):
    doc = blank_nlp()(text)
    group = []
    for phrase, label in spans:
        s = text.index(phrase)
        group.append(doc.char_span(s, s + len(phrase), label=label))
    doc.spans["sc"] = SpanGroup(doc, name="sc", spans=group, attrs={"scores": numpy.asarray(scores)})
    return doc


def test_list_items_replace_overlapping_model_diagnoses_and_scores_stay_aligned() -> None:
    text = "He is being treated for lumbar strain and knee sprain. Exam showed tenderness. Also chronic pain."
    doc = _doc_with_model_spans(
        text,
        [
            ("lumbar strain and knee", "DIAGNOSIS"),
            ("tenderness", "CLINICAL_FINDING"),
            ("chronic pain", "DIAGNOSIS"),
        ],
        [0.6, 0.9, 0.7],
    )
    merge_into(doc, diagnosis_spans(doc))
    got = {
        (s.text, s.label_): float(x)
        for s, x in zip(doc.spans["sc"], doc.spans["sc"].attrs["scores"], strict=True)
    }
    assert got == pytest.approx(
        {
            ("tenderness", "CLINICAL_FINDING"): 0.9,
            ("lumbar strain", "DIAGNOSIS"): 1.0,
            ("knee sprain", "DIAGNOSIS"): 1.0,
        }
    )


def test_keep_existing_keeps_model_diagnoses_outside_the_lists() -> None:
    text = "He is being treated for lumbar strain. Also chronic pain."
    doc = _doc_with_model_spans(text, [("lumbar", "DIAGNOSIS"), ("chronic pain", "DIAGNOSIS")], [0.6, 0.7])
    merge_into(doc, diagnosis_spans(doc), keep_existing=True)
    assert sorted(s.text for s in doc.spans["sc"]) == ["chronic pain", "lumbar strain"]


def test_the_rule_pipeline_finds_diagnoses_through_the_lists() -> None:
    nlp = build_rule_pipeline(with_linker=False)
    doc = nlp("The injured worker is being treated for cervicalgia, lumbar radiculopathy and insomnia.")
    assert [s.text for s in doc.spans["sc"] if s.label_ == "DIAGNOSIS"] == [
        "cervicalgia",
        "lumbar radiculopathy",
        "insomnia",
    ]
