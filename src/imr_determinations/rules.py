"""Rule baseline: lexicon phrase patterns plus generic layout regexes, no training.

It is the yardstick the evaluation compares the trained model against ("what does the
model add on letter forms the rules have not seen") and the pre-annotator for reviewing
real letters. It is built only from the lexicons shipped in the package (``data/lexicons``, the
files the synthetic-letter generator reads) and from the generic layout of an IMR letter (item
headings "<service>: Upheld", "Decision based on <guideline>", "Page(s): <numbers>",
determination statements), never from specific real letters.

Lexicon phrases live in two ``span_ruler`` components (serialised with the pipeline);
what a token pattern cannot express (labels that exclude a prefix, text before
": Upheld") comes from the ``imr_regex_spans`` factory registered here.

Over 500 lines: lexicon pattern building and the regex component are both part of the one baseline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from . import linking, sections  # noqa: F401  (register the imr_sections and linker factories)
from .assertion import FACTORY as CONTEXT_FACTORY
from .diagnosis_lists import FACTORY as DIAGNOSIS_LISTS_FACTORY
from .labels import SPANS_KEY
from .layout import DECISION_BASED_ON, RULE_HEADING_MARKER, RULE_PAGES, RULE_PARTIAL, VERDICT_PHRASE
from .package_data import lexicon_dir as packaged_lexicon_dir
from .tokenizer import blank_nlp

ENT_RULER_NAME = "imr_entity_ruler"
SPAN_RULER_NAME = "imr_span_ruler"
REGEX_NAME = "imr_regex_spans"
SECTIONS_FACTORY = "imr_sections"
LINKER_FACTORY = "imr_determination_linker"

# --------------------------------------------------------------------------- lexicons

# Generic token specs for template slots whose values a lexicon does not list ("{side}" in a
# findings line). Keys are lower-cased slot names; unknown slots become a 1-3 token wildcard.
_NUMBER = r"^\d+(?:\.\d+)?(?:/\d+)*%?$"
_LEVEL = r"^[CTLSctls]\d{1,2}$"
SLOT_SPECS: dict[str, list[dict[str, Any]]] = {
    "side": [{"LOWER": {"IN": ["right", "left", "bilateral", "bilaterally", "both"]}}],
    "spine": [{"LOWER": {"IN": ["lumbar", "cervical", "thoracic", "lumbosacral", "thoracolumbar"]}}],
    "lvl": [
        {"TEXT": {"REGEX": _LEVEL}},
        {"ORTH": {"IN": ["-", "/"]}, "OP": "?"},
        {"TEXT": {"REGEX": r"^(?:[CTLSctls]?\d{1,2})$"}, "OP": "?"},
    ],
    "derm": [{"TEXT": {"REGEX": _LEVEL}}],
    "grade": [{"TEXT": {"REGEX": r"^[0-5][+-]?(?:/5)?$"}}],
    "date": [{"TEXT": {"REGEX": r"^\d{1,2}/\d{1,2}/\d{2,4}$"}}],
}
for _slot in ("deg", "score", "score2", "mm", "n", "num", "pct"):
    SLOT_SPECS[_slot] = [{"TEXT": {"REGEX": _NUMBER}}]
_WILDCARD = [{"IS_SPACE": False, "IS_PUNCT": False, "OP": "{1,3}"}]
_SLOT = re.compile(r"\{(\w+)\}")
MAX_EXPANSIONS = (
    5000  # per template; beyond that slots with listed values become IN-lists of their first tokens
)

# lexicon file name keyword -> label; files matching none are ignored (and reported)
LEXICON_LABELS: tuple[tuple[str, str], ...] = (
    ("service", "DISPUTED_SERVICE"),
    ("drug", "DISPUTED_SERVICE"),  # "<drug> <strength>" is how a medication request is named
    ("guideline", "GUIDELINE"),
    ("finding", "CLINICAL_FINDING"),
    ("diagnos", "DIAGNOSIS"),
)
ENT_LEXICON_LABELS = ("DISPUTED_SERVICE", "GUIDELINE")
SC_LEXICON_LABELS = ("CLINICAL_FINDING", "DIAGNOSIS")

# keys whose string values are surface forms; keys in SKIP_KEYS (or starting "_") never are
TEXT_KEYS = frozenset(
    {
        "text",
        "name",
        "names",
        "term",
        "terms",
        "surface",
        "surfaces",
        "surface_forms",
        "phrase",
        "phrases",
        "variants",
        "variant",
        "aliases",
        "alias",
        "synonyms",
        "forms",
        "examples",
        "entries",
        "items",
        "values",
        "patterns",
        "pattern",
        "mentions",
        "strings",
        "canonical",
    }
)
SKIP_KEYS = frozenset(
    {
        "id",
        "ids",
        "family",
        "topic",
        "category",
        "categories",
        "cats",
        "classes",
        "class",
        "type",
        "kind",
        "code",
        "pages",
        "page",
        "page_ranges",
        "sections",
        "section",
        "edition",
        "year",
        "weight",
        "weights",
        "freq",
        "frequency",
        "notes",
        "note",
        "comment",
        "description",
        "source",
        "cited_by",
        "label",
        "labels",
        "key_slots",
        "quantities",
        "sigs",
        "refills",
        "meta",
        "decision",
    }
)


class RuleBaselineError(RuntimeError):
    """The rule pipeline cannot be built as asked; the message says what is missing."""


@dataclass
class Template:
    """A lexicon surface form, possibly with {slot}s, and the slot values its file lists."""

    text: str
    slots: dict[str, list[str]]
    suffix: list[dict[str, Any]]  # optional trailing token specs (a drug's "#60")


@dataclass
class LexiconPatterns:
    """span_ruler patterns per label built from a lexicon folder, plus files left out and why."""

    patterns: dict[str, list[dict[str, Any]]]
    ignored_files: list[str]

    def count(self, label: str) -> int:
        return len(self.patterns.get(label, []))


def _label_for_file(path: Path) -> str | None:
    name = path.name.lower()
    for key, label in LEXICON_LABELS:
        if key in name:
            return label
    return None


_QUANTITY = [{"ORTH": "#", "OP": "?"}, {"TEXT": {"REGEX": r"^\d+$"}, "OP": "?"}]


def _iter_templates(value: Any, in_text_key: bool, slots: dict[str, list[str]]) -> Iterator[Template]:
    """Surface forms from any nesting of lists and dicts (the lexicon format may change)."""
    if isinstance(value, str):
        if in_text_key:
            yield Template(value, slots, [])
    elif isinstance(value, list):
        for item in value:
            # a bare list of strings is a list of terms whatever key holds it
            yield from _iter_templates(item, in_text_key or isinstance(item, str), slots)
    elif isinstance(value, dict):
        if isinstance(value.get("slots"), dict):
            slots = {
                **slots,
                **{
                    k: [v for v in vs if isinstance(v, str)]
                    for k, vs in value["slots"].items()
                    if isinstance(vs, list)
                },
            }
        if isinstance(value.get("name"), str) and isinstance(value.get("strengths"), list):
            for strength in value["strengths"] or [""]:
                yield Template(f"{value['name']} {strength}".strip(), slots, _QUANTITY)
            return
        for key, sub in value.items():
            k = str(key).lower()
            if k in SKIP_KEYS or k.startswith("_") or k == "slots":
                continue
            yield from _iter_templates(sub, k in TEXT_KEYS, slots)


def _read_lexicon_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return json.loads(text)
    if suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    # .txt / .tsv: one surface form per line, first tab field, '#' comments
    return [ln.split("\t")[0] for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _slot_values(name: str, slots: dict[str, list[str]]) -> list[str] | None:
    for key in (name, name.lower()):
        if slots.get(key):
            return slots[key]
    return None


def _expand(template: Template) -> Iterator[str]:
    """Fill slots that have listed values (all combinations); others stay as {slot}."""
    names = [n for n in dict.fromkeys(_SLOT.findall(template.text)) if _slot_values(n, template.slots)]
    if not names:
        yield template.text
        return
    total = 1
    for n in names:
        total *= len(_slot_values(n, template.slots) or [])
    if total > MAX_EXPANSIONS:
        names = names[:1]
    for combo in product(*(_slot_values(n, template.slots) or [] for n in names)):
        text = template.text
        for n, v in zip(names, combo, strict=True):
            if n[:1].isupper():
                v = v[:1].upper() + v[1:]
            text = text.replace("{" + n + "}", v)
        yield text


def _token_pattern(nlp: Language, text: str, suffix: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Literal tokens as LOWER, slots as generic specs; None when nothing literal is left."""
    pattern: list[dict[str, Any]] = []
    literal = 0
    pos = 0
    for m in list(_SLOT.finditer(text)) + [None]:
        chunk = text[pos : m.start() if m else len(text)]
        for tok in nlp.make_doc(chunk):
            if not tok.is_space:
                pattern.append({"LOWER": tok.lower_})
                literal += tok.is_alpha
        if m is None:
            break
        pattern.extend(dict(spec) for spec in SLOT_SPECS.get(m.group(1).lower(), _WILDCARD))
        pos = m.end()
    if not literal:
        return None
    return pattern + [dict(s) for s in suffix]


def load_lexicon_patterns(lexicon_dir: Path | None = None, nlp: Language | None = None) -> LexiconPatterns:
    """span_ruler patterns from every lexicon file whose name says which label it feeds.

    The lexicon format belongs to the corpus generator and may change, so this accepts lists
    of strings, records with text-like keys (``name``, ``names``, ``variants`` ...), families
    of ``patterns`` x ``slots`` (expanded), drugs with ``strengths``, JSONL and plain text with
    ``{slot}`` templates (slots without listed values become generic token specs). A file
    that cannot be parsed raises with its name.
    """
    lexicon_dir = Path(lexicon_dir) if lexicon_dir is not None else packaged_lexicon_dir()
    if not lexicon_dir.is_dir():
        raise RuleBaselineError(f"lexicon folder not found: {lexicon_dir}")
    nlp = nlp or blank_nlp()
    patterns: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    ignored: list[str] = []
    for path in sorted(p for p in lexicon_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() not in {".json", ".jsonl", ".txt", ".tsv"}:
            ignored.append(f"{path.name}: not a lexicon format")
            continue
        label = _label_for_file(path)
        if label is None:
            ignored.append(f"{path.name}: name matches no label")
            continue
        try:
            data = _read_lexicon_file(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RuleBaselineError(f"cannot parse lexicon {path}: {exc}") from exc
        pid = f"lexicon:{path.stem}"
        for template in _iter_templates(data, in_text_key=False, slots={}):
            for text in _expand(template):
                text = " ".join(text.split())
                if len(text) < 2 or not any(c.isalpha() for c in text) or (label, text.lower()) in seen:
                    continue
                seen.add((label, text.lower()))
                if _SLOT.search(text) or template.suffix:
                    tokens = _token_pattern(nlp, text, template.suffix)
                    if tokens:
                        patterns.setdefault(label, []).append({"label": label, "pattern": tokens, "id": pid})
                elif not re.search(r"[{}<>]", text):
                    patterns.setdefault(label, []).append({"label": label, "pattern": text, "id": pid})
    return LexiconPatterns(patterns=patterns, ignored_files=ignored)


# --------------------------------------------------------------------------- generic patterns


def generic_ent_patterns() -> list[dict[str, Any]]:
    """Token patterns that need no lexicon. Verdict words after ':' come from the regex
    component (the label must exclude the colon and the heading before it)."""
    neg = {"LOWER": "not", "OP": "?"}
    return [
        {
            "label": "DECISION",
            "pattern": [
                neg,
                {"LOWER": "medically"},
                {"LOWER": "necessary"},
                {"LOWER": {"IN": ["and", "or"]}},
                {"LOWER": "appropriate"},
            ],
            "id": "verdict_phrase",
        },
    ]


# Each regex names the groups to label: svc, dec, gl, pr (ents). Diagnosis lists: diagnosis_lists.py.
_GROUP_LABELS = {"svc": "DISPUTED_SERVICE", "dec": "DECISION", "gl": "GUIDELINE", "pr": "PAGE_RANGE"}

# text of a clause: anything but a sentence end ('.' followed by space/end) or ';'
_CLAUSE = r"(?:[^.;:\n]|\.(?=\S)|\n(?=[ \t]*\S)|\n[ \t]*\n(?=[ \t]*[a-z0-9(]))"
_VERDICT = r"(?P<dec>" + VERDICT_PHRASE + ")"
_GENERIC_SERVICE = re.compile(
    r"^(?:the\s+)?(?:requested|proposed|current|above|this|that|such|said|additional)?\s*"
    r"(?:request|requests|treatment|treatments|service|services|item|items|procedure|medication|"
    r"medications|it|these|those|same)$",
    re.I,
)

REGEX_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # item heading: "<service>:  Upheld" (service may wrap over up to two preceding lines)
    (
        "heading",
        re.compile(
            r"(?:^|(?<=\n))[ \t]*(?P<svc>(?:[^\n:]*[^\s:.;][ \t]*\n(?:[ \t]*\n)?){0,2}[^\n:]{2,250}?)"
            + RULE_HEADING_MARKER,
            re.I,
        ),
    ),
    # partial certification: "The remaining IMR eligible portion of the original request, <svc> is: Upheld"
    (
        "partial",
        re.compile(
            RULE_PARTIAL,
            re.I,
        ),
    ),
    # "Decision based on <guideline>[, Section(s): ...][ Page(s): ...]"
    (
        "guideline",
        re.compile(
            DECISION_BASED_ON + r"\s+(?:(?:the\s+)?Non-MTUS\s+Citation:?\s+)?"
            r"(?P<gl>[A-Z](?:[^.;:\n]|\.(?=[,\w])|\n(?!\s*(?:MAXIMUS|Claims|Decision\s+rationale)))+?)"
            r"(?=\s*,?\s*(?:Section\(s\)|Page\(s\)|pages?\s+\d|pg\.\s*\d|p\.\s*\d)|\s*\.(?:\s|$)|\s*;|\s*$)",
        ),
    ),
    # ", and <guideline>, Section(s):" after a first citation
    (
        "guideline_more",
        re.compile(r"\band\s+(?:the\s+)?(?P<gl>[A-Z][^,.;:\n]{3,150}?)(?=,?\s*Section\(s\))"),
    ),
    # page numbers after a page prefix (the prefix is not part of the label)
    (
        "pages",
        re.compile(
            RULE_PAGES,
            re.I,
        ),
    ),
    # request statements of the case summary
    (
        "request_under_consideration",
        re.compile(
            rf"Request\(s\)\s+under\s+consideration\s+include[sd]?:?\s+(?P<svc>{_CLAUSE}{{3,300}}?)(?=\.(?:\s|$)|;)",
            re.I,
        ),
    ),
    (
        "denied_request",
        re.compile(
            r"(?:denied|non-?certified|failed\s+to\s+approve|did\s+not\s+(?:approve|certify)|modified|"
            r"partially\s+approved)\s+(?:a|the|an)\s+requests?\s+for\s+"
            rf"(?P<svc>{_CLAUSE}{{3,250}}?)(?=\.(?:\s|$)|;|,\s|\s+(?:on|in\s+a|via|through|citing)\s)",
            re.I,
        ),
    ),
    # determination statement: "The <svc> is not medically necessary and appropriate."
    (
        "determination",
        re.compile(
            r"(?:^|(?<=[.!?:])\s+|(?<=\n)\s*|(?:Therefore|Thus|Hence|Consequently|Accordingly|As\s+such|"
            r"No|Yes),\s+)(?:the\s+)(?:requests?\s+for\s+(?:the\s+)?)?"
            rf"(?P<svc>{_CLAUSE}{{2,250}}?)\s+(?:is|are|was|were)\s+{_VERDICT}",
            re.I,
        ),
    ),
)


def _char_span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    # trim whitespace so contract alignment does not swallow a newline token
    text = doc.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return None
    span = doc.char_span(start, end, label=label, alignment_mode="contract")
    if span is None or len(span) == 0:
        return None
    return span


def regex_spans(doc: Doc) -> list[Span]:
    """All regex matches as entity spans; overlaps not yet resolved."""
    ents: list[Span] = []
    text = doc.text
    for _name, rx in REGEX_RULES:
        for m in rx.finditer(text):
            for group, label in _GROUP_LABELS.items():
                if group not in rx.groupindex or m.start(group) < 0:
                    continue
                if group == "svc" and _GENERIC_SERVICE.match(" ".join(m.group(group).split())):
                    continue
                span = _char_span(doc, m.start(group), m.end(group), label)
                if span is not None:
                    ents.append(span)
    return ents


@Language.factory(
    REGEX_NAME,
    default_config={"overwrite_ents": False},
    assigns=["doc.ents"],
)
def make_regex_spans(nlp: Language, name: str, overwrite_ents: bool) -> RegexSpans:
    """Factory for the generic-layout regex component (entry point ``imr_regex_spans``)."""
    return RegexSpans(name=name, overwrite_ents=overwrite_ents)


class RegexSpans:
    """Adds regex matches over doc.text as char spans; merges with existing ents (longest wins)."""

    def __init__(self, name: str = REGEX_NAME, overwrite_ents: bool = False) -> None:
        self.name = name
        self.overwrite_ents = overwrite_ents

    def __call__(self, doc: Doc) -> Doc:
        current = [] if self.overwrite_ents else list(doc.ents)
        # regex spans first: on equal length the layout rule beats a lexicon phrase
        merged = filter_spans(regex_spans(doc) + current)
        doc.ents = sorted(merged, key=lambda s: s.start)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    # nothing to serialise: the patterns are code; config carries the options
    def to_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> None:
        return None

    def from_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> RegexSpans:
        return self


# --------------------------------------------------------------------------- pipeline


def build_rule_pipeline(lexicon_dir: Path | None = None, with_linker: bool = True) -> Language:
    """blank_nlp() + lexicon span rulers + generic regexes (+ sections and rules-only linker).

    Raises ``RuleBaselineError`` when the lexicon folder is missing.
    """
    nlp = blank_nlp()
    lex = load_lexicon_patterns(lexicon_dir, nlp)
    ent_ruler = nlp.add_pipe(
        "span_ruler",
        name=ENT_RULER_NAME,
        config={"spans_key": None, "annotate_ents": True, "phrase_matcher_attr": "LOWER", "overwrite": False},
    )
    ent_ruler.add_patterns(
        generic_ent_patterns() + [p for lab in ENT_LEXICON_LABELS for p in lex.patterns.get(lab, [])]
    )
    span_ruler = nlp.add_pipe(
        "span_ruler",
        name=SPAN_RULER_NAME,
        config={"spans_key": SPANS_KEY, "annotate_ents": False, "phrase_matcher_attr": "LOWER"},
    )
    span_ruler.add_patterns([p for lab in SC_LEXICON_LABELS for p in lex.patterns.get(lab, [])])
    nlp.add_pipe(REGEX_NAME)
    nlp.add_pipe(DIAGNOSIS_LISTS_FACTORY)  # one DIAGNOSIS per item of a cue-led list
    nlp.add_pipe(CONTEXT_FACTORY)  # assertion, type and value of the CLINICAL_FINDING spans
    if with_linker:
        nlp.add_pipe(SECTIONS_FACTORY)
        # rules_only: the linker finds the spans itself and expects no model scores
        nlp.add_pipe(LINKER_FACTORY, config={"rules_only": True})
    nlp.meta["name"] = "imr_rule_baseline"
    nlp.meta["description"] = "Rule baseline: lexicon phrase patterns and generic IMR layout regexes"
    return nlp
