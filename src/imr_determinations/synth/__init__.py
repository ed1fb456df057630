"""Deterministic synthetic IMR Final Determination Letters with exact gold spans.

``generate(seed, n, split)`` yields ``(text, spans, meta)``; ``write_corpus`` writes the
train/dev/heldout DocBins, ``generated/stats.json`` and ``generated/preview.jsonl``.
"""

from imr_determinations.synth.generator import (
    SPLITS,
    AlignmentError,
    generate,
    letter_to_doc,
    make_letter,
    write_corpus,
)
from imr_determinations.synth.layouts import LAYOUTS
from imr_determinations.synth.lexicon import Lexicon, LexiconError

__all__ = [
    "LAYOUTS",
    "SPLITS",
    "AlignmentError",
    "Lexicon",
    "LexiconError",
    "generate",
    "letter_to_doc",
    "make_letter",
    "write_corpus",
]
