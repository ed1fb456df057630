"""Finding context (spaCy component ``imr_finding_context``): assertion, type and value of each finding.

A denial usually turns on what the records lack ("no documentation of functional improvement"), so a
finding's text alone is not enough: each CLINICAL_FINDING span gets ``span._.assertion`` = ``present``,
``absent`` ("no pitting edema", "negative Spurling's") or ``not_documented`` (the reviewer says the
records lack it). The algorithm is ConText's (Harkema et al. 2009, as in medspaCy, which pins spaCy < 3.8):
cue phrases from a data file (data/assertion_cues.json) open a scope forward and/or backward that ends
at a terminator ("but", "however", ";", sentence end) or after ``max_scope`` tokens; pseudo cues ("no
change") mask the cues they overlap. A finding in the scope of a not-documented cue is
``not_documented``, else in the scope of a negation cue ``absent``, else ``present``. A cue inside a
finding governs only that finding, and a forward cue inside it only when it opens it ("negative SLR";
"9/10 without medications" stays present; "Tinel's negative at elbow" is absent). A negation whose scope
reaches the finding through a documentation word ("without any documentation of X") is not_documented.
Line breaks between a cue's words (PDF text) do not stop it matching. ``span._.finding_type`` and
``span._.value`` come from keyword data
(data/finding_types.json): "pain 7/10" -> pain score, 7; "4/5 strength" -> strength, "4/5".

It reads ``doc.spans[spans_key]`` (spancat's or the rule pipeline's) and has no weights.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from spacy.attrs import IS_SPACE, LOWER
from spacy.language import Language
from spacy.tokens import Doc

from .labels import SPANS_KEY

ASSERTIONS = ("present", "absent", "not_documented")
OTHER_TYPE = "symptom/other"
FACTORY = "imr_finding_context"
_ALTERNATIVES = re.compile(r"^\((.+)\)$")

@dataclass(frozen=True)
class Cue:
    start: int  # token offsets
    end: int
    category: str  # absent | not_documented | pseudo | terminator
    direction: str  # forward | backward | bidirectional | none
    result: bool = False  # "revealed no ...": inside a finding it negates all of it


def _data(name: str) -> str:
    return resources.files("imr_determinations").joinpath("data", name).read_text(encoding="utf-8")


class CueIndex:
    """Cue word sequences by their first word, matched on a doc's non-space tokens, so a line break
    between a cue's words does not stop it. One dict look-up per token: spaCy's Matcher, with a
    whitespace wildcard between words, tried every pattern at every token and cost a quarter of the
    trained pipeline's time."""

    def __init__(self) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}

    def add(self, key: int, words: list[str]) -> None:
        self.by_first.setdefault(words[0], []).append((tuple(words), key))

    def __call__(self, lowers: list[str], positions: list[int]) -> list[tuple[int, int, int]]:
        """(key, start, end) token offsets of every cue in the non-space tokens ``lowers`` (at doc
        offsets ``positions``), in the order of their start."""
        found = []
        for k, word in enumerate(lowers):
            for words, key in self.by_first.get(word, ()):
                n = len(words)
                if n == 1 or tuple(lowers[k : k + n]) == words:
                    found.append((key, positions[k], positions[k + n - 1] + 1))
        return found


def _expand(literal: str) -> Iterator[list[str]]:
    """Token sequences of a literal; a word written "(a|b)" stands for either."""
    choices = []
    for word in literal.split():
        m = _ALTERNATIVES.match(word)
        choices.append(m.group(1).split("|") if m else [word])
    for combo in itertools.product(*choices):
        yield list(combo)


def _space_tokens(doc: Doc) -> list[int]:
    """Offsets of the whitespace tokens (line breaks in PDF text), read from one array."""
    return [i for i, flag in enumerate(doc.to_array([IS_SPACE]).tolist()) if flag]


def _non_space(doc: Doc, spaces: list[int]) -> tuple[list[str], list[int]]:
    """The lower-case forms of the non-space tokens and their offsets."""
    strings = doc.vocab.strings
    skip = set(spaces)
    positions = [i for i in range(len(doc)) if i not in skip]
    lowers = doc.to_array([LOWER]).tolist()
    return [strings[lowers[i]] for i in positions], positions


@cache
def load_cues() -> dict[str, Any]:
    """The cue lexicon (data/assertion_cues.json)."""
    return json.loads(_data("assertion_cues.json"))


@cache
def load_types() -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """(type, keyword regex, value regex) in priority order (data/finding_types.json)."""
    data = json.loads(_data("finding_types.json"))
    out = []
    for entry in data["types"]:
        keywords = re.compile(r"(?<![\w'])(?:" + "|".join(entry["keywords"]) + r")(?![\w])", re.I)
        value = re.compile(entry["value"], re.I) if entry.get("value") else None
        out.append((entry["type"], keywords, value))
    return out


def finding_type(text: str) -> str:
    """The first type whose keyword occurs in ``text``, else "symptom/other"."""
    for name, keywords, _ in load_types():
        if keywords.search(text):
            return name
    return OTHER_TYPE


def finding_value(text: str, kind: str) -> int | float | str | None:
    """The value the text states for its type: a number when it is one ("7/10" -> 7), else the text
    of the value ("4/5", "130/80", "7-9")."""
    for name, _, value in load_types():
        if name != kind or value is None:
            continue
        m = value.search(text)
        if not m:
            return None
        raw = re.sub(r"\s+", "", m.group("v"))
        if re.fullmatch(r"\d+", raw):
            return int(raw)
        if re.fullmatch(r"\d+\.\d+", raw):
            return float(raw)
        return raw
    return None


class FindingContext:
    """Sets ``span._.assertion``, ``span._.finding_type`` and ``span._.value`` on the finding spans."""

    def __init__(self, nlp: Language, name: str = FACTORY, spans_key: str = SPANS_KEY,
                 labels: Iterable[str] = ("CLINICAL_FINDING",), max_scope: int | None = None) -> None:
        self.name = name
        self.spans_key = spans_key
        self.labels = set(labels)
        lexicon = load_cues()
        # None: the scope runs to a terminator or the sentence end, as ConText's default
        self.max_scope = max_scope if max_scope is not None else lexicon.get("max_scope")
        self.doc_words = {w.lower() for w in lexicon["documentation_words"]}
        self.index = CueIndex()
        self.kinds: list[tuple[str, str, bool]] = []
        entries = [
            (c["literal"], c["category"], c["direction"], c.get("result", False)) for c in lexicon["cues"]
        ]
        entries += [(p, "pseudo", "none", False) for p in lexicon["pseudo"]]
        entries += [(t, "terminator", "none", False) for t in lexicon["terminators"]]
        for key, (literal, category, direction, result) in enumerate(entries):
            self.kinds.append((category, direction, result))
            for words in _expand(literal):
                self.index.add(key, words)

    def cues(self, doc: Doc, spaces: list[int] | None = None) -> list[Cue]:
        """Cue matches, the longest where they overlap; a pseudo cue masks every cue it overlaps.
        ``spaces``: the offsets of the doc's whitespace tokens, when the caller has them."""
        spaces = _space_tokens(doc) if spaces is None else spaces
        lowers, positions = _non_space(doc, spaces)
        matches = self.index(lowers, positions)
        pseudo = [(s, e) for key, s, e in matches if self.kinds[key][0] == "pseudo"]
        kept = [m for m in matches if not any(ps < m[2] and m[1] < pe for ps, pe in pseudo)]
        # spaCy's filter_spans: the longest first, then the earliest; one whose first or last token is
        # taken gives way
        taken: list[tuple[int, int, int]] = []
        claimed: set[int] = set()
        for key, s, e in sorted(kept, key=lambda m: (m[2] - m[1], -m[1]), reverse=True):
            if s not in claimed and e - 1 not in claimed:
                taken.append((key, s, e))
                claimed.update(range(s, e))
        return [Cue(s, e, *self.kinds[key]) for key, s, e in sorted(taken, key=lambda m: m[1])]

    def _boundaries(self, doc: Doc, cues: list[Cue], spaces: list[int]) -> list[int]:
        """Token offsets where a scope stops: terminators, sentence starts, paragraph breaks."""
        stops = {c.start for c in cues if c.category == "terminator"}
        if doc.has_annotation("SENT_START"):
            stops.update(s.start for s in doc.sents)
        stops.update(i for i in spaces if doc[i].text.count("\n") >= 2)
        return sorted(stops)

    def _through_documentation(self, doc: Doc, cue: Cue, start: int) -> str:
        """A negation reaching the finding through "documentation", "evidence" ...: the records lack it."""
        if cue.category == "absent" and any(t.lower_ in self.doc_words for t in doc[cue.end : start]):
            return "not_documented"
        return cue.category

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans:
            return doc
        findings = [sp for sp in doc.spans[self.spans_key] if sp.label_ in self.labels]
        if not findings:
            return doc
        spaces = _space_tokens(doc)
        cues = self.cues(doc, spaces)
        stops = self._boundaries(doc, cues, spaces)
        categories: dict[tuple[int, int], set[str]] = {(f.start, f.end): set() for f in findings}
        ordered = sorted(categories)
        reach = self.max_scope if self.max_scope is not None else len(doc)
        for cue in cues:
            if cue.category not in ("absent", "not_documented"):
                continue
            inside = [(s, e) for s, e in ordered if s <= cue.start and cue.end <= e]
            if inside:  # a cue written in a finding governs that finding only
                for s, e in inside:
                    if s == cue.start or cue.direction != "forward" or cue.result:
                        categories[(s, e)].add(cue.category)
                continue
            if cue.direction in ("forward", "bidirectional"):
                limit = min([s for s in stops if s >= cue.end] + [cue.end + reach, len(doc)])
                for start, end in ordered:
                    if cue.start < start < limit:  # the finding opens in the cue or its scope
                        categories[(start, end)].add(self._through_documentation(doc, cue, start))
            if cue.direction in ("backward", "bidirectional"):
                limit = max([s for s in stops if s <= cue.start] + [cue.start - reach, 0])
                before = [(s, e) for s, e in ordered if e <= cue.start and e > limit]
                if before:  # only the nearest finding: "SLR positive, Spurling's negative"
                    nearest = max(e for _, e in before)
                    for key in before:
                        if key[1] == nearest:
                            categories[key].add(cue.category)
        for f in findings:
            found = categories[(f.start, f.end)]
            f._.assertion = "not_documented" if "not_documented" in found else (
                "absent" if "absent" in found else "present")
            kind = finding_type(f.text)
            f._.finding_type = kind
            f._.value = finding_value(f.text, kind)
        return doc

    def to_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> None:
        """No state: the lexicon is package data."""

    def from_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> FindingContext:
        return self


@Language.factory(
    FACTORY,
    assigns=["span._.assertion", "span._.finding_type", "span._.value"],
    default_config={"spans_key": SPANS_KEY, "labels": ["CLINICAL_FINDING"], "max_scope": None},
)
def make_finding_context(nlp: Language, name: str, spans_key: str, labels: list[str],
                         max_scope: int | None) -> FindingContext:
    return FindingContext(nlp, name, spans_key, labels, max_scope)
