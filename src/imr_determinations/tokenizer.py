"""Tokenizer tweaks for PDF-extracted IMR letters.

Column extraction glues words together ("UpheldClaims", "Pain.MAXIMUS", "is notmedically
necessary"); splitting them at tokenizer level lets NER see "Upheld" as a token. The extra infix pattern is
serialised with the tokenizer, so a packaged pipeline needs no code to reproduce it.

spaCy hashes every token's text as UTF-8, so a lone surrogate ("\\udcff", from a bad decode) would
crash ``nlp(text)``; ``SurrogateSafeTokenizer`` (tokenizer ``imr_determinations.Tokenizer.v1``) reads
each one as U+FFFD first, one code point for one, so every character offset holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import spacy
from spacy.lang.tokenizer_exceptions import emoticons
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_suffix_regex, registry

_SURROGATE = re.compile("[\ud800-\udfff]")

# lower-case run followed by a capitalised word: "UpheldClaims" -> "Upheld" "Claims"; the same after an
# upper-case word: "UPHELDClaims", "MTUSChronic"
EXTRA_INFIXES = [
    r"(?<=[a-z]{3})(?=[A-Z][a-z]{2})",
    r"(?<=[A-Z]{3})(?=[A-Z][a-z]{2})",
    r"(?<=[a-z0-9])\.(?=[A-Z][A-Za-z])",
    # a date glued to the next word: "11/17/2013.were"
    r"(?<=[0-9])\.(?=[a-z]{2})",
    r"(?<=[A-Za-z])[\u2022\u25cf\u25aa\u00b7](?=[A-Za-z])",
    # the verdict phrase with its spaces lost: "is notmedically necessary andappropriate"
    r"(?i:(?<=not)(?=medically))",
    r"(?i:(?<=medically)(?=necessary|appropriate|reasonable))",
    r"(?i:(?<=necessary)(?=(?:and|or)(?:appropriate)?\b))",
    r"(?i:(?<=and)(?=appropriate))",
]

# a sentence-final full stop after a unit with a capital ("112 mg/dL.", "42 U/L."): spaCy keeps it on the
# word as if it closed an abbreviation, so a finding ending in a unit could not end on a token boundary
EXTRA_SUFFIXES = [r"(?<=/[A-Za-z])\.$", r"(?<=/[A-Za-z]{2})\.$", r"(?<=/[A-Za-z]{3})\.$"]


def customize_tokenizer(nlp: Language) -> Language:
    infixes = list(nlp.Defaults.infixes) + EXTRA_INFIXES
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex(EXTRA_SUFFIXES + list(nlp.Defaults.suffixes)).search
    # emoticon exceptions glue "(DOS 12/29/16):" into "16):"; letters have no emoticons
    nlp.tokenizer.rules = {k: v for k, v in nlp.tokenizer.rules.items() if k not in emoticons}
    return nlp


@registry.callbacks("imr_determinations.customize_tokenizer.v1")
def create_customize_tokenizer() -> Callable[[Language], Language]:
    return customize_tokenizer


def replace_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (same length, same offsets)."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


class SurrogateSafeTokenizer(Tokenizer):
    """spaCy's tokenizer, except that lone surrogates become U+FFFD instead of raising."""

    def __call__(self, text: str) -> Doc:
        return super().__call__(replace_surrogates(text))


@registry.tokenizers("imr_determinations.Tokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """spaCy's default tokenizer settings (``spacy.Tokenizer.v1``) in a ``SurrogateSafeTokenizer``."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> Tokenizer:
        base = default(nlp)
        return SurrogateSafeTokenizer(
            nlp.vocab,
            rules=base.rules,
            prefix_search=base.prefix_search,
            suffix_search=base.suffix_search,
            infix_finditer=base.infix_finditer,
            token_match=base.token_match,
            url_match=base.url_match,
            faster_heuristics=base.faster_heuristics,
        )

    return make


def blank_nlp() -> Language:
    """The blank English pipeline every corpus and gold Doc is tokenised with."""
    config = {"nlp": {"tokenizer": {"@tokenizers": "imr_determinations.Tokenizer.v1"}}}
    return customize_tokenizer(spacy.blank("en", config=config))
