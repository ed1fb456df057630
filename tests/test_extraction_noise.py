import random

import pytest

from imr_determinations.extraction_noise import (
    OFFSET_KEEPING_NOISE,
    add_noise,
    lost_line_breaks,
    upper_case_decisions,
)

LETTER = (
    "Norco 10/325mg #60:  Upheld\nClaims Administrator guideline: Decision based on MTUS\nPage(s): 78-80.\n"
)


@pytest.mark.parametrize("kind", sorted(OFFSET_KEEPING_NOISE))
def test_noise_keeps_every_offset(kind):
    noisy = add_noise(LETTER, kind, "L1")
    assert len(noisy) == len(LETTER)
    # only line breaks and letter case change: a gold span still covers the same words
    assert noisy.replace("\n", " ").lower() == LETTER.replace("\n", " ").lower()
    assert add_noise(LETTER, kind, "L1") == noisy  # the same letter id gives the same copy


def test_lost_line_breaks_drops_some_breaks_by_seed():
    text = "line\n" * 200
    noisy = lost_line_breaks(text, random.Random(0), share=0.3)
    assert 30 < 200 - noisy.count("\n") < 90
    assert lost_line_breaks(text, random.Random(0), share=0.0) == text
    assert add_noise(LETTER, "no-line-breaks", "x").count("\n") == 0


def test_upper_case_decisions_only_touches_decision_words():
    noisy = upper_case_decisions("Upheld; Overturned; upheld by; UpheldClaims", random.Random(0))
    assert noisy == "UPHELD; OVERTURNED; upheld by; UPHELDClaims"
