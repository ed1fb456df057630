"""Tokenizer tweaks for PDF-extracted IMR letters.

Column extraction glues words together ("UpheldClaims", "Pain.MAXIMUS", "is notmedically
necessary"); splitting them at tokenizer level lets NER see "Upheld" as a token. The extra infix pattern is
serialised with the tokenizer, so a packaged pipeline needs no code to reproduce it.
"""

from __future__ import annotations

from collections.abc import Callable

import spacy
from spacy.lang.tokenizer_exceptions import emoticons
from spacy.language import Language
from spacy.util import compile_infix_regex, registry

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


def customize_tokenizer(nlp: Language) -> Language:
    infixes = list(nlp.Defaults.infixes) + EXTRA_INFIXES
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    # emoticon exceptions glue "(DOS 12/29/16):" into "16):"; letters have no emoticons
    nlp.tokenizer.rules = {k: v for k, v in nlp.tokenizer.rules.items() if k not in emoticons}
    return nlp


@registry.callbacks("imr_determinations.customize_tokenizer.v1")
def create_customize_tokenizer() -> Callable[[Language], Language]:
    return customize_tokenizer


def blank_nlp() -> Language:
    """The blank English pipeline every corpus and gold Doc is tokenised with."""
    return customize_tokenizer(spacy.blank("en"))
