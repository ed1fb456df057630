import copy
from pathlib import Path

import pytest
from layouts import ALL_LAYOUTS

from imr_determinations.records import (
    RecordValidationError,
    doc_to_record,
    error_record,
    validate_record,
)
from imr_determinations.textnorm import text_sha256
from imr_determinations.tokenizer import blank_nlp


@pytest.fixture(scope="module")
def nlp():
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker", config={"rules_only": True})
    return nlp


@pytest.mark.parametrize("name", sorted(ALL_LAYOUTS))
def test_layout_records_validate(nlp, name):
    text = ALL_LAYOUTS[name]
    record = doc_to_record(nlp(text), f"{name}.txt", text_sha256(text))
    validate_record(record)
    assert record["id"] == name and record["status"] == "ok" and record["error"] is None
    assert record["determinations"]


def test_error_record_validates():
    record = error_record("bad.pdf", "PDF could not be opened")
    validate_record(record)
    assert record["status"] == "error" and record["determinations"] == []


def test_letter_id_override(nlp):
    record = doc_to_record(nlp("x"), "a/b.txt", text_sha256("x"), letter_id="L1")
    assert record["id"] == "L1"


def test_doc_without_linker_still_makes_a_record():
    doc = blank_nlp()("plain text")
    record = doc_to_record(doc, "p.txt", text_sha256("plain text"))
    validate_record(record)
    assert record["determinations"] == [] and "no imr_determination_linker" in record["warnings"][0]


def test_invalid_records_are_rejected(nlp):
    text = ALL_LAYOUTS["2016"]
    good = doc_to_record(nlp(text), "x.txt", text_sha256(text))
    bad = copy.deepcopy(good)
    bad["determinations"][0]["decision"] = "MAYBE"
    with pytest.raises(RecordValidationError, match="decision"):
        validate_record(bad)
    bad = copy.deepcopy(good)
    bad["case"]["date_assigned"] = "11/01/2016"
    with pytest.raises(RecordValidationError):
        validate_record(bad)
    bad = copy.deepcopy(good)
    bad["status"] = "error"  # an error record must carry an error message
    with pytest.raises(RecordValidationError):
        validate_record(bad)


@pytest.mark.letters
def test_real_letters_validate_and_match_rationale_count(nlp, shared_letters: Path):
    from imr_determinations.io import iter_letter_paths, read_letter

    paths = list(iter_letter_paths([shared_letters]))[:15]
    for path in paths:
        letter = read_letter(path)
        record = doc_to_record(nlp(letter.text), letter.source, letter.sha256)
        validate_record(record)
        assert len(record["determinations"]) == letter.text.count("Decision rationale:"), path.name
