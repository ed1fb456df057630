"""Text-extraction noise that keeps every character offset, for stress-testing the readers.

Different PDF extractors and OCR engines give the same letter with other line breaks and other
casing. These transforms make such variants of a letter without moving any character, so gold
spans and record offsets stay valid and the records of a noisy copy can be scored against the
clean letter's gold (``scripts/evaluate_records.py --noise``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from .layout import VERDICTS

# also where a lost line break glued the next label on: "UpheldClaims" -> "UPHELDClaims"
_DECISION_WORD = re.compile(r"\b(" + VERDICTS + r")(?![a-z])")


def lost_line_breaks(text: str, rng: random.Random, share: float = 0.3) -> str:
    """Each line break becomes a space with probability ``share`` (column or paragraph extraction)."""
    return "".join(" " if ch == "\n" and rng.random() < share else ch for ch in text)


def no_line_breaks(text: str, rng: random.Random) -> str:
    """Every line break becomes a space: the whole letter on one line."""
    return text.replace("\n", " ")


def upper_case_decisions(text: str, rng: random.Random) -> str:
    """'Upheld' / 'Overturned' written in capitals."""
    return _DECISION_WORD.sub(lambda m: m.group(1).upper(), text)


OFFSET_KEEPING_NOISE: dict[str, Callable[[str, random.Random], str]] = {
    "lost-line-breaks": lost_line_breaks,
    "no-line-breaks": no_line_breaks,
    "upper-case-decisions": upper_case_decisions,
}


def add_noise(text: str, kind: str, key: str) -> str:
    """``text`` with noise ``kind``; the same ``key`` (a letter id) always gives the same copy."""
    out = OFFSET_KEEPING_NOISE[kind](text, random.Random(f"{kind}:{key}"))
    if len(out) != len(text):  # pragma: no cover - a transform that moves characters is a bug
        raise ValueError(f"noise {kind} changed the text length")
    return out
