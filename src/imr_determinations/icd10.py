"""ICD-10-CM candidates for a diagnosis, by a deterministic lookup over the CMS code table.

The table is the one shipped by the ``simple-icd-10-cm`` package (no download at run time). Billable
(leaf) codes are indexed by their description's tokens; injury codes that take a 7th character are
indexed once by their base description and get the 7th character from the diagnosis wording (A,
initial encounter, unless it says subsequent, sequela, delayed healing, ...). A diagnosis is rewritten
first (abbreviations and medical synonyms from ``data/diagnosis_abbreviations.json``), then scored
against each description by IDF-weighted token overlap. Laterality (right / left / bilateral) is an
ordinary token, so it selects the code whose description names that side, and a diagnosis without a
side gets the "unspecified" code. Below ``MIN_SCORE`` nothing is returned: no candidate beats a guess.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

MIN_SCORE = 0.5  # below this a candidate is not shown
QUERY_WEIGHT = 0.7  # share of the score from covering the diagnosis (rest: covering the description)
_TOKEN = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class _Entry:
    code: str  # leaf code, or the base of a 7th-character family (e.g. S33.5XX)
    description: str
    tokens: frozenset[str]
    seventh: tuple[tuple[str, frozenset[str]], ...] = ()  # (character, words of its meaning)


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    text = resources.files("imr_determinations").joinpath("data/diagnosis_abbreviations.json").read_text()
    data = json.loads(text)
    rewrites = {**data["abbreviations"], **data["phrases"]}
    keys = sorted(rewrites, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w/])", re.I)
    return {
        "rewrites": {k.lower(): v for k, v in rewrites.items()},
        "pattern": pattern,
        "canonical": data["canonical"],
        "stop": frozenset(data["stop_words"]),
        "encounter": frozenset(data["encounter_words"]),
    }


def _stem(token: str) -> str:
    """Plural to singular, enough for description wording (sprains, limbs, bones)."""
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "is", "us")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Normalised content tokens: lower case, canonical spelling, stop and encounter words dropped."""
    r = rules()
    out = []
    for tok in _TOKEN.findall(text.lower().replace("'s", "")):
        tok = r["canonical"].get(tok, tok)
        tok = _stem(tok)
        if tok and tok not in r["stop"] and tok not in r["encounter"]:
            out.append(tok)
    return out


def rewrite(text: str) -> str:
    """The diagnosis with abbreviations and synonyms replaced by the code table's wording."""
    r = rules()
    return r["pattern"].sub(lambda m: r["rewrites"][m.group(1).lower()], text)


@lru_cache(maxsize=1)
def _index() -> tuple[list[_Entry], dict[str, list[int]], dict[str, float]]:
    import simple_icd_10_cm as cm

    entries: list[_Entry] = []
    families: dict[str, list[str]] = defaultdict(list)
    for code in cm.get_all_codes(True):
        if not cm.is_leaf(code):
            continue
        if cm.is_extended_subcategory(code):
            families[code[:-1]].append(code[-1])
            continue
        entries.append(_Entry(code, cm.get_description(code), frozenset(tokens(cm.get_description(code)))))
    for base, chars in families.items():
        parent = cm.get_parent(base + chars[0])
        meanings = cm.get_seven_chr_def(parent, search_in_ancestors=True)
        seventh = tuple((c, frozenset(_TOKEN.findall(meanings.get(c, "").lower()))) for c in chars)
        desc = cm.get_description(parent)
        entries.append(_Entry(base, desc, frozenset(tokens(desc)), seventh))
    postings: dict[str, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        for tok in entry.tokens:
            postings[tok].append(i)
    n = len(entries)
    idf = {tok: math.log(1 + n / len(ids)) for tok, ids in postings.items()}
    return entries, dict(postings), idf


def _seventh(entry: _Entry, words: set[str]) -> tuple[str, str]:
    """The 7th character for the diagnosis wording: initial encounter (A) unless it says otherwise."""
    chars = dict(entry.seventh)
    best = "A" if "A" in chars else entry.seventh[0][0]
    said = words & {"subsequent", "sequela", "delayed", "nonunion", "malunion", "open"}
    if said:
        best = max(chars, key=lambda c: (len(chars[c] & said), c == "A", -ord(c)))
    return entry.code + best, best


def icd10_candidates(text: str, k: int = 3) -> list[dict[str, Any]]:
    """Up to ``k`` ICD-10-CM codes for a diagnosis, best first, each {"code", "description", "score"}
    with score in [0, 1]; an empty list when nothing scores ``MIN_SCORE`` (not a diagnosis, or wording
    the table does not have)."""
    import simple_icd_10_cm as cm

    entries, postings, idf = _index()
    rewritten = rewrite(text)
    query = set(tokens(rewritten))
    if not query:
        return []
    words = set(_TOKEN.findall(rewritten.lower()))
    unknown = math.log(1 + len(entries))  # a diagnosis word the table never uses weighs most
    q_weight = sum(idf.get(t, unknown) for t in query)
    hits = {i for t in query for i in postings.get(t, ())}
    scored = []
    for i in hits:
        entry = entries[i]
        shared = sum(idf[t] for t in query & entry.tokens)
        d_weight = sum(idf[t] for t in entry.tokens)
        score = QUERY_WEIGHT * shared / q_weight + (1 - QUERY_WEIGHT) * shared / d_weight
        if score >= MIN_SCORE:
            scored.append((round(score, 4), "unspecified" in entry.description.lower(), entry))
    scored.sort(key=lambda s: (-s[0], not s[1], len(s[2].description), s[2].code))
    out = []
    for score, _, entry in scored[:k]:
        code = _seventh(entry, words)[0] if entry.seventh else entry.code
        out.append({"code": code, "description": cm.get_description(code), "score": score})
    return out
