"""ICD-10-CM candidates: invented diagnosis wording -> codes, no guess for non-diagnoses, laterality,
7th characters, and the codes carried by records and the CSV."""

import pytest

from imr_determinations.extract.models import build_rules_pipeline
from imr_determinations.extract.writers import CSV_COLUMNS, csv_rows
from imr_determinations.icd10 import icd10_candidates
from imr_determinations.records import doc_to_record, validate_record


def top(text: str) -> str | None:
    found = icd10_candidates(text)
    return found[0]["code"] if found else None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Lumbar sprain/strain", "S33.5XXA"),
        ("lumbar muscle strain", "S39.012A"),
        ("Cervical strain", "S16.1XXA"),
        ("Chronic LBP", "M54.50"),
        ("lumbago", "M54.50"),
        ("HNP of the lumbar spine", "M51.26"),
        ("cervical radiculopathy", "M54.12"),
        ("Lumbar radiculopathy", "M54.16"),
        ("s/p CTS", "G56.00"),
        ("HTN", "I10"),
        ("chronic pain syndrome", "G89.4"),
        ("Depression", "F32.A"),
        ("insomnia", "G47.00"),
        ("Plantar fasciitis", "M72.2"),
    ],
)
def test_invented_diagnoses_get_the_expected_code(text: str, code: str) -> None:
    assert top(text) == code


@pytest.mark.parametrize("text", ["the patient", "follow-up", "Request for authorization", "", "   "])
def test_no_candidate_for_words_that_are_not_a_diagnosis(text: str) -> None:
    assert icd10_candidates(text) == []


def test_laterality_selects_the_side_digit_and_none_gives_unspecified() -> None:
    assert top("knee pain, right") == "M25.561"
    assert top("Lt knee pain") == "M25.562"
    assert top("knee pain") == "M25.569"
    assert top("left shoulder impingement") == "M75.42"
    assert top("bilateral carpal tunnel syndrome") == "G56.03"


def test_seventh_character_follows_the_encounter_wording() -> None:
    assert top("sprain of ligaments of cervical spine, subsequent encounter") == "S13.4XXD"
    assert top("sprain of ligaments of cervical spine") == "S13.4XXA"


def test_candidates_are_scored_ranked_and_deterministic() -> None:
    found = icd10_candidates("right knee pain", k=3)
    assert 1 <= len(found) <= 3
    assert all(0 <= c["score"] <= 1 for c in found)
    assert [c["score"] for c in found] == sorted((c["score"] for c in found), reverse=True)
    assert found == icd10_candidates("right knee pain", k=3)


def test_records_carry_diagnosis_codes_parallel_to_diagnoses(synthetic_letter: str) -> None:
    doc = build_rules_pipeline()(synthetic_letter)
    doc._.case = {**(doc._.case or {}), "diagnoses": ["lumbar radiculopathy", "the patient"]}
    record = doc_to_record(doc, "x.txt", "0" * 64)
    case = record["case"]
    assert [d["text"] for d in case["diagnosis_codes"]] == case["diagnoses"]
    assert case["diagnosis_codes"][0]["candidates"][0]["code"] == "M54.16"
    assert case["diagnosis_codes"][1]["candidates"] == []
    validate_record(record)


def test_csv_diagnosis_codes_column_follows_diagnoses() -> None:
    assert CSV_COLUMNS.index("diagnosis_codes") == CSV_COLUMNS.index("diagnoses") + 1
    codes = [
        {"text": "low back pain", "candidates": [{"code": "M54.50", "description": "d", "score": 1.0}]},
        {"text": "the patient", "candidates": []},
        {"text": "neck pain", "candidates": [{"code": "M54.2", "description": "d", "score": 1.0}]},
    ]
    rec = {"id": "x", "source": "x.txt", "status": "ok", "case": {"diagnosis_codes": codes},
           "determinations": []}
    assert csv_rows(rec)[0]["diagnosis_codes"] == "M54.50 |  | M54.2"
    assert csv_rows({**rec, "case": {"diagnosis_codes": codes[1:2]}})[0]["diagnosis_codes"] == ""
