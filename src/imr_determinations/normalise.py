"""Normalisers for the values a determination record carries.

Each normaliser keeps the original text beside the normalised value (key ``text``), so a
reviewer can always see what the letter said. Tables (guideline ids, service categories)
live in ``data/guideline_ids.json`` so they can be extended without touching code.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .layout import DECISION_BASED_ON, PAGE_PREFIX, PAGES_TAIL, SECTION_CUE

_WS = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def collapse(text: str) -> str:
    """Collapse runs of whitespace (PDF line breaks, double spaces) into one space.

    Cached: the linker collapses the same span texts many times per letter."""
    return _WS.sub(" ", text).strip()


# ---------------------------------------------------------------- decisions
_DECISION_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\boverturn(?:ed|s)?\b", re.I), "OVERTURNED"),
    (re.compile(r"\buph(?:e|o)ld(?:s)?\b", re.I), "UPHELD"),
    (re.compile(r"\bnon[- ]?certif(?:ied|y|ication)\b|\bnot\s+certified\b|\bdenied\b", re.I), "UPHELD"),
    (
        re.compile(
            r"\bnot[\s-]*(?:(?:be|been|considered|deemed|found|established\s+as)\s+){0,2}"
            r"medically\s*(?:necessary|reasonable|appropriate)"
            r"|\bnot\s+(?:reasonable\s+and\s+)?necessary\b|\bnot\s+indicated\b|\bunnecessary\b",
            re.I,
        ),
        "UPHELD",
    ),
    (re.compile(r"\bmedically\s*(?:necessary|reasonable|appropriate)\b", re.I), "OVERTURNED"),
    (re.compile(r"\b(?:is|was|are|were)\s+(?:reasonable\s+and\s+)?necessary\b", re.I), "OVERTURNED"),
    (re.compile(r"\b(?:certified|approved|authorized)\b", re.I), "OVERTURNED"),
]


def normalise_decision(text: str | None) -> dict[str, Any] | None:
    """'Upheld' / 'is not medically necessary and appropriate' / 'certified' -> UPHELD or OVERTURNED.

    In an IMR the reviewer upholds the utilisation-review denial when the service is *not*
    medically necessary, so UPHELD <-> medically_necessary False. Returns None when the
    phrase carries no verdict.
    """
    if not text:
        return None
    flat = collapse(text)
    for pattern, decision in _DECISION_RULES:
        if pattern.search(flat):
            return {"decision": decision, "medically_necessary": decision == "OVERTURNED", "text": text}
    return None


# ---------------------------------------------------------------- pages
_PAGE_ITEM = re.compile(r"(\d{1,4})(?:\s*(?:-|\u2013|\u2014|to|through|thru)\s*(\d{1,4}))?", re.I)


def parse_pages(text: str | None) -> list[list[int]]:
    """Every written page form into [[start, end], ...]: '303-305', '22, 24-25', '78-80; 91', 'pg. 607'.

    A descending second number ('303-5') is read as a suffix of the first ('303-305').
    """
    if not text:
        return []
    body = PAGE_PREFIX.sub("", text.strip())
    ranges: list[list[int]] = []
    for m in _PAGE_ITEM.finditer(body):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else start
        if end < start:
            digits = m.group(2)
            prefix = m.group(1)[: len(m.group(1)) - len(digits)]
            candidate = int(prefix + digits) if prefix else end
            end = candidate if candidate >= start else start
        ranges.append([start, end])
    return ranges


# ---------------------------------------------------------------- dates
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
NUMERIC_DATE = r"\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*(?:\d{4}|\d{2})"
WORD_DATE = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
)
DATE_PATTERN = rf"(?:{NUMERIC_DATE}|{WORD_DATE})"
_NUMERIC_RE = re.compile(r"^(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4}|\d{2})$")
_WORD_RE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def normalise_date(text: str | None) -> str | None:
    """'2/28/13', '11-18-16', '01/12/2017', 'October 10, 2015' -> 'YYYY-MM-DD' (None if not a real date).

    Two-digit years are read as 20xx up to the current year + 1, else 19xx (injuries go back decades).
    """
    if not text:
        return None
    t = collapse(text).rstrip(".,;")
    m = _NUMERIC_RE.match(t)
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), m.group(3)
    else:
        m = _WORD_RE.match(t)
        if not m or m.group(1).lower() not in _MONTHS:
            return None
        month, day, year = _MONTHS[m.group(1).lower()], int(m.group(2)), m.group(3)
    y = int(year)
    if len(year) == 2:
        y = 2000 + y if 2000 + y <= _dt.date.today().year + 1 else 1900 + y
    try:
        return _dt.date(y, month, day).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- guidelines
@lru_cache(maxsize=1)
def load_tables() -> dict[str, Any]:
    """The guideline / category table shipped as package data (compiled once)."""
    raw = json.loads(resources.files("imr_determinations").joinpath("data/guideline_ids.json").read_text())
    rules = [
        {
            **r,
            "compiled": [re.compile(p, re.I) for p in r["patterns"]],
            "unless": [re.compile(p, re.I) for p in r.get("unless", [])],
        }
        for r in raw["rules"]
    ]
    chapters = [{**c, "compiled": [re.compile(p, re.I) for p in c["patterns"]]} for c in raw["odg_chapters"]]
    cats = [
        (c["category"], re.compile("|".join(f"(?:{p})" for p in c["patterns"]), re.I))
        for c in raw["service_categories"]
    ]
    return {"rules": rules, "odg_chapters": chapters, "categories": cats}


_EDITION_RE = re.compile(r"\b(19[89]\d|20\d\d)\b|\b(\d)(?:st|nd|rd|th)\s*ed(?:ition)?\b", re.I)
_BASED_ON = re.compile(r"^\s*(?:the\s+)?(?:decision\s+based\s+on|based\s+on)\s+", re.I)


def _clean_guideline_text(text: str) -> str:
    t = collapse(text)
    t = _BASED_ON.sub("", t)
    m = SECTION_CUE.search(t)
    if m:
        t = t[: m.start()]
    t = PAGES_TAIL.sub("", t)
    return t.strip(" ,.;:")


_SECTION_STOP = re.compile(r"\b" + DECISION_BASED_ON + r"\b|\bPage\s*\(s\)\s*:", re.I)
_TRAILING_AND = re.compile(r"(?:,?\s*and)?\s*$")


def guideline_section(text: str | None) -> str | None:
    """The 'Section(s): X' topic of a citation, trimmed of trailing joiners; None when absent/empty."""
    if not text:
        return None
    m = SECTION_CUE.search(text)
    if not m:
        return None
    sec = collapse(text[m.end() :])
    sec = _SECTION_STOP.split(sec, maxsplit=1)[0]
    sec = _TRAILING_AND.sub("", sec.strip(" ,;")).strip(" ,.;")
    return sec or None


_ODG_SOURCE = re.compile(
    r"^(?:non-?\s*mtus\s+(?:citation\s+)?)?(?:the\s+)?(?:official\s+disability\s+guidelines?(?:\s*\(odg\))?|odg)"
    r"(?:\s+guidelines?)?(?:\s*(?:treatment\s+in\s+workers'?\s+comp(?:ensation)?|\(?twc\)?))?",
    re.I,
)
# edition / version remarks and chapter words that are neither chapter nor topic
_ODG_NOISE = re.compile(
    r"\((?:acute\s*(?:&|and)\s*chronic|chronic|updated[^)]*|online[^)]*|web[^)]*|\d{4})\)"
    r"|\b(?:updated|last\s+updated)\s+\d[\d/.-]*|\b(?:online|web)\s+version\b|\bchapters?\b|\b(?:19|20)\d\d\b",
    re.I,
)
_ODG_SPLIT = re.compile(r"\s*(?:[,;:/]|\s-+\s|--|\(|\))\s*")
# words that belong to chapter names, not topics ("Knee & Leg", "Low Back - Lumbar & Thoracic")
_ODG_CHAPTER_WORDS = re.compile(
    r"\b(?:and|leg|thoracic|upper|lower|pelvis|acute|chronic|illness|syndrome|index|guidelines?)\b|&", re.I
)


def _chapter_residual(seg: str, chapter: dict[str, Any]) -> str | None:
    """``seg`` without the chapter's name words, or None when ``seg`` does not name the chapter."""
    if not any(p.search(seg) for p in chapter["compiled"]):
        return None
    for p in chapter["compiled"]:
        seg = p.sub(" ", seg)
    return collapse(_ODG_CHAPTER_WORDS.sub(" ", seg)).strip(" .-&")


def odg_topic(text: str, chapter: dict[str, Any] | None) -> str | None:
    """The topic of an ODG citation: what is left once the source name, chapter names and edition
    remarks are removed ("ODG Low Back, Preoperative lab testing" -> "Preoperative lab testing",
    "ODG MRI shoulder" -> "MRI"); None when nothing is left. Only the first segment naming the
    chapter gives up its other words as topic ("MRI shoulder"); a later segment is a topic as written
    ("Shoulder, Surgery for shoulder dislocation") unless it is only a chapter name."""
    rest = _ODG_SOURCE.sub("", _clean_guideline_text(text), count=1)
    rest = _ODG_NOISE.sub(" ", rest)
    chapters = load_tables()["odg_chapters"]
    topics: list[str] = []
    seen_chapter = False
    for seg in _ODG_SPLIT.split(rest):
        seg = collapse(seg).strip(" .-&")
        if not seg:
            continue
        residual = _chapter_residual(seg, chapter) if chapter is not None else None
        if residual is not None and (not seen_chapter or not residual):
            seen_chapter = True
            if residual:
                topics.append(residual)
            continue
        if any(_chapter_residual(seg, ch) == "" for ch in chapters):
            continue  # another chapter named alongside ("Neck and Upper Back; Low Back")
        topics.append(seg)
    return ", ".join(topics) or None


def normalise_guideline(text: str | None, section: str | None = None) -> dict[str, Any]:
    """A citation -> {'text', 'id', 'family', 'topic', 'section', 'edition'}.

    Robust to case, line breaks and a missing 'MTUS' prefix; unknown sources get id OTHER.
    ``section`` (from 'Section(s): X') refines the topic of section-organised guides (CPMTG, ODG).
    Cached (letters cite the same few guides over and over); each call returns a fresh dict.
    """
    return dict(_normalise_guideline(text or "", section))


@lru_cache(maxsize=4096)
def _normalise_guideline(original: str, section: str | None) -> tuple[tuple[str, Any], ...]:
    section = section or guideline_section(original)
    cleaned = _clean_guideline_text(original).lower()
    cleaned = re.sub(r"[^a-z0-9.&/()'\- ]+", " ", cleaned)
    cleaned = collapse(cleaned)
    edition = None
    m = _EDITION_RE.search(collapse(original))
    if m:
        if m.group(1):
            edition = m.group(1)
        else:
            n = int(m.group(2))
            edition = f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n, 'th') } ed"
    tables = load_tables()
    gid, family, topic = "OTHER", "OTHER", None
    for rule in tables["rules"]:
        if any(p.search(cleaned) for p in rule["compiled"]) and not any(
            p.search(cleaned) for p in rule["unless"]
        ):
            gid, family, topic = rule["id"], rule["family"], rule["topic"]
            if rule.get("chapters") == "odg_chapters":
                best: tuple[int, dict[str, Any]] | None = None
                haystack = cleaned + " " + (section or "").lower()
                for ch in tables["odg_chapters"]:
                    for p in ch["compiled"]:
                        hit = p.search(haystack)
                        if hit and (best is None or hit.start() < best[0]):
                            best = (hit.start(), ch)
                if best is not None:
                    gid, topic = f"ODG/{best[1]['chapter']}", best[1]["topic"]
                if section is None:
                    section = odg_topic(original, best[1] if best else None)
            break
    if section and gid in ("MTUS/CPMTG", "MTUS/OPIOIDS", "MTUS/ACUPUNCTURE", "MTUS/POSTSURGICAL"):
        topic = section
    return (
        ("text", original),
        ("id", gid),
        ("family", family),
        ("topic", topic),
        ("section", section),
        ("edition", edition),
    )


# ---------------------------------------------------------------- services
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
    "once": 1,
    "twice": 2,
    "thrice": 3,
}
_NUM = r"(\d+|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_FREQ_X = re.compile(r"\b(\d{1,2})\s*x\s*(\d{1,2})\b(?!\s*(?:mg|mcg|ml|%|cm|mm))", re.I)
_TIMES_WEEK = re.compile(
    _NUM + r"\s*(?:times?|x)\s*(?:a|per|/)\s*week\s*(?:for|x|times)\s*" + _NUM + r"\s*weeks?", re.I
)
_X_N = re.compile(r"(?:^|\s)x\s*(\d{1,3})\b(?!\s*(?:mg|mcg|ml|%))", re.I)
_SESSIONS = re.compile(
    _NUM + r"\s*(?:additional\s+|more\s+|\w+\s+)?(sessions?|visits?|treatments?|days?)\b", re.I
)
_QUANTITY = re.compile(r"(?:#|\bqty\.?:?\s*|\bquantity:?\s*|\bnumber\s+)(\d{1,4})\b", re.I)
_STRENGTH = re.compile(
    r"\b\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*\s*(?:mg|mcg|g|ml|meq|units?|iu)\b(?:\s*/\s*(?:hr|h|ml|day))?"
    r"|\b\d+(?:\.\d+)?\s*%",
    re.I,
)
_REFILLS = re.compile(r"(?:\b" + _NUM + r"\s+refills?\b|\brefills?\s*:?\s*(?:x\s*)?" + _NUM + r"\b)", re.I)


def _num(token: str) -> int:
    return int(token) if token.isdigit() else _WORD_NUMBERS[token.lower()]


def service_category(text: str) -> str:
    """Category by the first keyword table (in data-file order) that matches; 'other' if none."""
    for category, pattern in load_tables()["categories"]:
        if pattern.search(text):
            return category
    return "other"


def normalise_service(text: str | None) -> dict[str, Any]:
    """A light normal form of a disputed service: lower-cased text, quantity, visits,
    strength, refills, category.

    '3x4' and 'two times a week for four weeks' give visits 12 / 8; '#60' quantity 60; '12 sessions'
    visits 12; 'x 6' visits 6; '10/325 mg' and '5%' are strengths. Cached; returns a fresh dict.
    """
    out = dict(_normalise_service(text or ""))
    out["strength"] = list(out["strength"])
    return out


@lru_cache(maxsize=4096)
def _normalise_service(original: str) -> tuple[tuple[str, Any], ...]:
    flat = collapse(original)
    out: dict[str, Any] = {
        "text": original,
        "normalised": flat.lower().strip(" .,;:"),
        "quantity": None,
        "visits": None,
        "frequency": None,
        "strength": [],
        "refills": None,
        "days": None,
        "category": service_category(flat) if flat else "other",
    }
    if not flat:
        return tuple(out.items())
    m = _QUANTITY.search(flat)
    if m:
        out["quantity"] = int(m.group(1))
    m = _TIMES_WEEK.search(flat)
    if m:
        per_week, weeks = _num(m.group(1)), _num(m.group(2))
        out["frequency"] = f"{per_week}x{weeks}"
        out["visits"] = per_week * weeks
    if out["visits"] is None:
        m = _FREQ_X.search(flat)
        if m:
            out["frequency"] = f"{int(m.group(1))}x{int(m.group(2))}"
            out["visits"] = int(m.group(1)) * int(m.group(2))
    m = _SESSIONS.search(flat)
    if m:
        n = _num(m.group(1))
        if m.group(2).lower().startswith("day"):
            out["days"] = n
        elif out["visits"] is None or "session" in m.group(2).lower():
            out["visits"] = n
    if out["visits"] is None:
        m = _X_N.search(flat)
        if m:
            out["visits"] = int(m.group(1))
    out["strength"] = [collapse(s.group(0)).lower().replace(" ", "") for s in _STRENGTH.finditer(flat)]
    m = _REFILLS.search(flat)
    if m:
        out["refills"] = _num(m.group(1) or m.group(2))
    out["strength"] = tuple(out["strength"])
    return tuple(out.items())


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=8192)
def service_key(text: str) -> str:
    """Comparison key for 'is this the same service?' (alphanumerics only, lower-cased)."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def token_overlap(a: str, b: str) -> float:
    """Share of the smaller token set found in the other: 1.0 = one service names the other in full."""
    ta, tb = set(service_key(a).split()), set(service_key(b).split())
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / min(len(ta), len(tb))
