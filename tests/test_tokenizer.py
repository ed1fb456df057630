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
