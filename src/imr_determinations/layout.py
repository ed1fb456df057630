"""How IMR letters are laid out: the one place that knows their wording.

Section headings, sub-part labels, the heading decision marker ("<service>: Upheld"), partial
certification, verdict phrases, citation and page cues and page furniture. The phrase lists are data
(``data/layout.json``); the regexes are compiled here once, from shared fragments, so a fix for a layout
quirk reaches every consumer (sections, linking, mentions, rules, gold, normalise). Where consumers need
different shapes of one cue, each variant is named here, built from the same fragment, with the reason.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any


def _load() -> dict[str, Any]:
    return json.loads(resources.files("imr_determinations").joinpath("data/layout.json").read_text())


_DATA = _load()

# ---------------------------------------------------------------- verdicts
# the heading's decision word ("Upheld" / "Overturned")
VERDICT_WORDS: tuple[str, ...] = tuple(_DATA["verdict_words"])
VERDICTS = "|".join(VERDICT_WORDS)
VERDICT_WORD = "(?:" + VERDICTS + ")"
# the word ends there in lower case, but a sub-part label may be glued to it ("UpheldClaims Administrator")
_WORD_END = r"(?-i:(?![a-z]))"
# the verdict phrase of a determination statement, spaces optional where PDF extraction drops them
# ("is notmedically necessary andappropriate")
VERDICT_PHRASE = r"(?:not\s*)?medically\s*necessary(?:\s*(?:and|or)\s*appropriate)?"
_COPULA = r"(?:is|are|was|were)"
# a verdict statement's copula and phrase ("... is not medically necessary")
VERDICT_STATEMENT = re.compile(r"\b" + _COPULA + r"\s+" + VERDICT_PHRASE, re.I)
# the linker reads the phrase itself (group "phrase") and also after "be" / "to" ("... to be medically
# necessary"), but only the "and appropriate" ending: its rationale phrases are normalised from this group
VERDICT_IN_RATIONALE = re.compile(
    r"\b(?:is|are|was|were|be|to)\s+(?P<phrase>(?:not\s*(?:be\s+)?)?medically\s*necessary(?:\s*and\s*appropriate)?)",
    re.I,
)
# a verdict right after a mention ("<service>" is not medically necessary)
VERDICT_AFTER = re.compile(r"[\"”]?\s*" + _COPULA + r"\s+" + VERDICT_PHRASE, re.I)

# ---------------------------------------------------------------- heading decision marker
# Variants of ": Upheld", all from VERDICT_WORD; they differ in what their consumer scans:
# sections looks for markers in the whole decisions block, where the word may sit up to four lines below
# the colon (seed layout);
DECISION_MARKER = re.compile(
    r"(?:\b(?:is|are|was)\s*)?:[ \t]*(?:\n[ \t]*){0,4}(" + VERDICTS + ")" + _WORD_END, re.I
)
# the linker tests one heading text that ends in the marker (newlines anywhere); linear on long blank runs:
# a match never starts inside a run ("(?<!\s)") and blanks are possessive ("\s++")
HEADING_DECISION = re.compile(
    r"(?:(?<!\s)\s++(?:is|are|was))?(?:(?<!\s)\s++)?:\s*+(" + VERDICTS + ")" + _WORD_END + r"\s*+$", re.I
)
# the heading span rule labels the word (group "dec") and lets it follow on later lines, blank-only
RULE_HEADING_MARKER = r"[ \t]*:[ \t\n]*(?P<dec>" + VERDICTS + r")\b"
# gold anchoring asks whether a service occurrence is followed by a marker ("is:" optional)
MARKER_AFTER = re.compile(r"\s*(?:is)?\s*:\s*" + VERDICT_WORD, re.I)

# ---------------------------------------------------------------- partial certification
# "<original> was the original request. <authorized> was authorized by the Claims Administrator, leaving
#  the original request IMR eligible. The remaining IMR eligible portion of the original request, <svc> is:"
_ORIGINAL = r"was\s+the\s+original\s+request"
_REMAINING = r"remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request"
_LEAVING = r"leaving\s+the\s+original\s+request"
ORIGINAL_REQUEST = re.compile(_ORIGINAL, re.I)
# words that mark a heading as a partial certification (sections walks back to its first sentence)
PARTIAL_HINT = re.compile(r"remaining\s+IMR\s+eligible|" + _LEAVING + r"|original\s+request\s*,", re.I)
# the whole heading text (linker): original, authorized (auth1 / auth2 wording) and remaining parts
PARTIAL = re.compile(
    r"^(?P<original>.*?\S)\s++" + _ORIGINAL + r"\.\s*+"
    r"(?:(?P<auth1>.*?\S)\s++was\s+authorized\s+by\s+the\s+Claims\s+Administrator"
    r"|The\s+Claims\s+Administrator\s+authorized\s++(?P<auth2>.*?\S))"
    r"\s*+(?:,\s*" + _LEAVING + r"\s+IMR\s+eligible)?\.\s*+"
    r"(?:The\s+" + _REMAINING + r"|The\s+original\s+request)"
    r"\s*+(?:,|is)?\s*+(?P<remaining>\S.*?)\s*+,?\s*+(?:(?:is|are)\s*+)?(?::\s*+" + VERDICT_WORD + r"\b.*)?$",
    re.I | re.S,
)
# the span rule: the remaining portion (svc) up to its marker (dec)
RULE_PARTIAL = (
    _REMAINING + r",?\s+"
    r"(?P<svc>(?:[^:]|:(?!\s*" + VERDICT_WORD + r"))+?)\s+(?:is|are)\s*:\s*(?P<dec>" + VERDICTS + r")\b"
)
# "<original> was the original request", "<authorized> was authorized by the Claims Administrator"
PORTION_PREDICATE = re.compile(r"\s+(?:was|were)\s+(?:the\s+original\s+request|authorized\b)", re.I)

# ---------------------------------------------------------------- items of the decisions block
_REGARDING = r"Regarding\s+the\s+requests?\s+for"
# a numbered notice item at a line start, or numbered after a sentence or page footer that a lost line
# break glued to it ("... at work. 1) Regarding the request for", "Page 3 of 4 2) Regarding the request for")
REGARDING = re.compile(
    r"(?im)(?:^[ \t]*|(?<=[.:;!?\"')\d])[ \t]+(?=\d{1,2}[).]))(?:(\d{1,2})[).][ \t]*)?" + _REGARDING + r"\b"
)
# the whole heading of such an item (linker), its service in group "service"
REGARDING_HEAD = re.compile(
    r"^\s*(?:\d{1,2}[).]\s*)?" + _REGARDING + r"\s++(?P<service>.*?\S)\s*+:?\s*+$", re.I | re.S
)
# a numbered determination statement (2013 notice, later layout), up to four lines
# the 2013 notice's opener of a determination statement
HAS_DETERMINED = r"MAXIMUS\s+Federal\s+Services,?\s+Inc\.?\s+has\s+determined\s+"
STATEMENT = re.compile(
    r"(?im)(?:^[ \t]*|(?<=[.:;!?\"')])[ \t]+(?=\d{1,2}[).]))(\d{1,2})[).][ \t]*"
    r"(?:" + HAS_DETERMINED + r")?"
    r"[^\n]{0,400}?(?:\n[^\n]{0,400}?){0,3}?"
    r"\b" + _COPULA + r"\s+" + VERDICT_PHRASE + r"\s*\."
)
_INTRO = r"Final\s+Determination\s+was\s+based\s+on\s+decisions"
# the decisions block's intro sentence when a line break fell inside "set forth / below:"
DECISIONS_INTRO_BROKEN = re.compile(
    r"\s*[^\n]{0,40}" + _INTRO + r"\s+for\s+the\s+disputed\b[^:]{0,120}?\bbelow\s*:[ \t]*\n?", re.I
)
DECISIONS_INTRO = re.compile(
    r"\s*[^\n]{0,40}" + _INTRO + r"\s+for\s+the\s+disputed[^\n]*\n?"
    r"(?:[^\n]*set\s+forth\s+below\s*:?[^\n]*\n?)?",
    re.I,
)
# the intro sentence, also where its heading is missing or glued to the first item
INTRO_LEAD = re.compile(
    r"(?:Final\s+Determination\s+was\s+based\s+on\s+decisions?\s+for\s+the\s+disputed\b[^:]{0,80}?"
    r"|\bset\s+forth\s+below)\s*:",
    re.I,
)

# ---------------------------------------------------------------- citations and pages
DECISION_BASED_ON = r"Decision\s+based\s+on"
DECISION_BASED = re.compile(DECISION_BASED_ON + r"\s+", re.I)
SECTION_CUE = re.compile(r"Sections?\s*\(s\)\s*:|Sections?\s*:", re.I)
# page numbers after a page prefix (group "pages"), as the linker reads a citation
PAGE_CUE = re.compile(
    r"(?:Page\s*\(s\)\s*:?|\bpages?\b|\bpgs?\.?|\bpp\.?)\s*(?P<pages>\d{1,4}(?:\s*(?:-|\u2013|to|,|;|and)\s*\d{1,4})*)",
    re.I,
)
# a page prefix that ends a citation's tail (the numbers are cut off)
PAGE_CUE_TAIL = re.compile(r"(?:\bpages?|\bpgs?\.?|\bpp?\.?)\s*$", re.I)
# where a citation's text ends: the next citation, its page cue, a sentence end or a blank line
TAIL_STOP = re.compile(DECISION_BASED_ON + r"|Page\s*\(s\)|\bpages?\b|\bpgs?\b|[.;]\s|\n\s*\n", re.I)
# the page prefix of a citation's pages value, and a citation text's page tail (normalisers cut them)
PAGE_PREFIX = re.compile(r"^\s*(?:page\s*\(s\)|pages?|pgs?|pp|p)\s*\.?\s*:?\s*", re.I)
PAGES_TAIL = re.compile(
    r"(?:,|\.)?\s*(?:page\s*\(s\)|pages?|pgs?\.?|pp\.?|p\.)\s*:?\s*[\d\s,;\-\u2013to]+\.?\s*$", re.I
)
_NUM_RANGE = r"\d{1,4}(?:\s*[-\u2013]\s*\d{1,4})?"
_PAGES = rf"{_NUM_RANGE}(?:\s*[,;]\s*(?:and\s+)?{_NUM_RANGE}|\s+and\s+{_NUM_RANGE})*"
# the page span rule: numbers after a prefix (group "pr"); the prefix is not part of the label
RULE_PAGES = rf"(?:\bPage\(s\)\s*:?|\bPages?\s*:|\bpages?\b|\bpg\.|\bpp?\.)\s*(?P<pr>{_PAGES})(?![\d/])"

# ---------------------------------------------------------------- page furniture
# page furniture that may sit anywhere: "Page 2 of 5", a case number, the repeated letterhead; as a line of
# its own also a bare page number ("- 3 -"), and run into the text when a line break was lost
FURNITURE = "|".join(_DATA["page_furniture"])
# matched against a line stripped of its blanks (section_text.is_furniture_line): a
# "^[ \t]*...[ \t]*$" pattern
# backtracks quadratically over a long run of blanks
FURNITURE_LINE = re.compile(r"(?:" + FURNITURE + r"|-?\s*\d{1,3}\s*-?)", re.I)
INLINE_FURNITURE = re.compile(r"(?:\s*(?:" + FURNITURE + r"))+", re.I)
TRAILING_FURNITURE = re.compile(r"(?:\s*(?:" + FURNITURE + r"))+\s*$", re.I)


# ---------------------------------------------------------------- section headings and sub-part labels
def _flexible_spaces(rx: str) -> str:
    """A literal space of a heading pattern (outside character classes) matches any run of blanks:
    PDF text spaces words unevenly ("CASE  SUMMARY:")."""
    out: list[str] = []
    in_class = escaped = False
    for ch in rx:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == " " and not in_class:
            out.append(r"[ \t]+")
            continue
        out.append(ch)
    return "".join(out)


def _compile_top_level() -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    out = []
    for rule in _DATA["top_level_headings"]:
        rx = _flexible_spaces(rule["pattern"])
        line = re.compile(r"(?im)^[ \t]*" + rx)
        # no look-behind in the pattern: a literal upper-case start lets the regex engine skip ahead
        # (5x faster); the character before is checked by section_text.find_top_level (GLUE_BEFORE)
        glued = re.compile(r"(?m)" + rx) if rule["may_be_glued"] else None
        out.append((rule["label"], line, glued))
    return out


# (label, heading at a line start, heading glued to the previous sentence or None)
TOP_LEVEL_HEADINGS = _compile_top_level()
# item sub-part labels; found anywhere (the letters glue them: "is: UpheldClaims Administrator guideline")
SUBPARTS = [(rule["label"], re.compile(rule["pattern"], re.I)) for rule in _DATA["subpart_labels"]]
# sub-part labels that head a whole top-level block in the professional-review layout
PROFESSIONAL_SUBPART = re.compile(r"RELIED\s+UPON|RATIONALE\s+FOR\s+WHY", re.I)
