from pathlib import Path

import pytest

from imr_determinations.tokenizer import blank_nlp


@pytest.fixture(scope="module")
def nlp():
    return blank_nlp()


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("UpheldClaims", ["Upheld", "Claims"]),
        ("UPHELDClaims", ["UPHELD", "Claims"]),
        ("MTUSChronic", ["MTUS", "Chronic"]),
        ("Pain.MAXIMUS", ["Pain", ".", "MAXIMUS"]),
        # the verdict phrase with the spaces column extraction dropped
        ("is notmedically necessary", ["is", "not", "medically", "necessary"]),
        ("medicallynecessary andappropriate", ["medically", "necessary", "and", "appropriate"]),
        ("NOTMEDICALLY NECESSARYAND", ["NOT", "MEDICALLY", "NECESSARY", "AND"]),
        ("necessaryandappropriate", ["necessary", "and", "appropriate"]),
    ],
)
def test_glued_words_are_split(nlp, text, tokens):
    assert [t.text for t in nlp(text)] == tokens


@pytest.mark.parametrize(
    "word", ["inappropriate", "nothing", "notably", "unnecessary", "necessarily", "MRIs", "NSAIDs", "ACOEM"]
)
def test_ordinary_words_stay_whole(nlp, word):
    assert [t.text for t in nlp(word)] == [word]


def test_dates_in_brackets_are_not_emoticons(nlp):
    assert [t.text for t in nlp("(DOS 12/29/16):")][-2:] == [")", ":"]


# a lone surrogate (a bad decode upstream) must not crash a letter; U+FFFD keeps every offset
SURROGATE_LETTER = """IMR ISSUES, DECISIONS AND RATIONALES
Massage ther\udcffapy 2x6 for the lumbar spine: Upheld
Claims Administrator guideline: Decision based on MTUS Chronic Pain Page(s): 60.
Decision rationale: No functional gain is documented. The request is not medically necessary.
"""


def test_lone_surrogate_reads_as_replacement_character(nlp):
    doc = nlp("abc \udcff \ud800x")
    assert doc.text == "abc \ufffd \ufffdx"


def test_rules_pipeline_reads_a_letter_with_a_lone_surrogate():
    from imr_determinations.extract.models import build_rules_pipeline

    rules = build_rules_pipeline()
    assert len(rules("abc \udcff").text) == len("abc \udcff")
    doc = rules(SURROGATE_LETTER)
    assert len(doc.text) == len(SURROGATE_LETTER)
    [det] = doc._.determinations
    assert det["service"] == "Massage ther\ufffdapy 2x6 for the lumbar spine"
    assert det["decision"] == "UPHELD"


def test_trained_pipeline_configs_use_the_surrogate_safe_tokenizer(tmp_path):
    """configs/*.cfg build the tokenizer that survives surrogates, also after a save and load."""
    import spacy
    from spacy.util import load_config

    from imr_determinations.tokenizer import customize_tokenizer

    root = Path(__file__).resolve().parents[1] / "configs"
    safe = {"@tokenizers": "imr_determinations.Tokenizer.v1"}
    for cfg in ("config.cfg", "ner_boundaries.cfg"):
        assert load_config(root / cfg)["nlp"]["tokenizer"] == safe
    tokenizer = load_config(root / "config.cfg")["nlp"]["tokenizer"]
    saved = customize_tokenizer(spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}}))
    saved.to_disk(tmp_path)
    loaded = spacy.load(tmp_path)
    assert [t.text for t in loaded("UpheldClaims \udcff")] == ["Upheld", "Claims", "\ufffd"]


def test_a_sentence_final_stop_after_a_unit_is_its_own_token() -> None:
    """'112 mg/dL.' kept the stop on the unit, so a laboratory finding could not end on a token boundary."""
    text = "Glucose was 112 mg/dL. ALT was 42 U/L. Seen by Dr. Smith at 3 p.m. in the U.S. office."
    doc = blank_nlp()(text)
    for value in ("112 mg/dL", "42 U/L"):
        start = text.index(value)
        assert doc.char_span(start, start + len(value)) is not None, value
    assert {"Dr.", "p.m.", "U.S."} <= {t.text for t in doc}
