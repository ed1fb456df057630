"""Checks a reviewed letter must pass before it may become gold.

Gold spans are trained on Docs made by ``blank_nlp()``, so a span that does not fall on that
tokenizer's token boundaries would be silently dropped or shifted in training; such spans are
refused here, where the reviewer can still fix them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..io import LetterReadError, read_letter
from ..textnorm import text_sha256
from .tasks import ReviewedLetter, aligned_token_range, known_label, tokenize

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass
class Validation:
    valid: list[ReviewedLetter] = field(default_factory=list)
    invalid: list[tuple[ReviewedLetter, list[str]]] = field(default_factory=list)


def span_errors(text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    """Problems with spans on ``text``: labels, bounds, token alignment."""
    errors: list[str] = []
    doc = None
    for start, end, label in spans:
        where = f"span {start}-{end} {label}"
        if not known_label(label):
            errors.append(f"{where}: unknown label")
            continue
        if not (0 <= start < end <= len(text)):
            errors.append(f"{where}: offsets outside the text (length {len(text)})")
            continue
        doc = doc if doc is not None else tokenize(text)
        if aligned_token_range(doc, start, end) is None:
            errors.append(f"{where}: does not fall on token boundaries of blank_nlp()")
    return errors


def validate_letters(letters: list[ReviewedLetter], letters_dir: Path | None = None) -> Validation:
    out = Validation()
    counts = Counter(letter.letter_id for letter in letters)
    for letter in letters:
        errors: list[str] = []
        if not SAFE_ID.fullmatch(letter.letter_id) or ".." in letter.letter_id:
            errors.append(f"letter id {letter.letter_id!r} is not a safe file name")
        if counts[letter.letter_id] > 1:
            errors.append(f"letter appears {counts[letter.letter_id]} times in the file")
        if text_sha256(letter.text) != letter.sha256:
            errors.append("text does not match its sha256 (edited text?)")
        errors.extend(span_errors(letter.text, letter.spans))
        if letters_dir is not None:
            path = letters_dir / letter.source
            try:
                extracted = read_letter(path)
            except LetterReadError as exc:
                errors.append(f"{path}: {exc}")
            else:
                if extracted.sha256 != letter.sha256:
                    errors.append(f"{path}: re-extracted text differs from the reviewed text (sha256)")
        if errors:
            out.invalid.append((letter, errors))
        else:
            out.valid.append(letter)
    return out
