"""The service taxonomy: DWC category, subcategory, drug group and generic name of a disputed service.

Analytics group determinations by what was disputed ("how often are opioids upheld?"); the letters
name services freely ("Norco 10/325mg #60", "Retrospective request for Flexeril", "Ketoprofen 20% in
cream base"). The rules and the drug table are data (``data/service_taxonomy.json``); this module only
normalises the text and applies them in a fixed order, so the same text always gets the same answer.
The older ``normalise.service_category`` (``service_normalised.category``) is kept unchanged beside it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

PHARMACEUTICALS = "pharmaceuticals"


class TaxonomyDataError(ValueError):
    """The taxonomy data file names a category or subcategory it does not define."""


@dataclass(frozen=True)
class ServiceTaxonomy:
    """Where a service sits in the taxonomy; ``matched`` is the name or pattern that decided it."""

    category: str
    subcategory: str
    drug_group: str | None = None
    generic: str | None = None
    matched: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def record_fields(self) -> dict[str, str | None]:
        """The four keys a determination record carries (``matched`` is for debugging only)."""
        return {k: getattr(self, k) for k in ("category", "subcategory", "drug_group", "generic")}


_DASHES = re.compile(r"[\u2010-\u2015\-_]+")
_SLASH = re.compile(r"\s*/\s*")
_DROP = re.compile(r"[^a-z0-9%/#.&+ ]+")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Lower case, hyphens and punctuation to spaces, '/' kept tight ('x-ray' -> 'x ray').

    Shared by the texts and the drug names, so both sides of a match look alike."""
    t = _DASHES.sub(" ", text.lower())
    t = _SLASH.sub("/", t)
    t = _DROP.sub(" ", t)
    return _SPACES.sub(" ", t).strip(" .")


def _name_pattern(name: str) -> str:
    """A drug name as a regex: its words joined by a space or a slash, not inside a longer word."""
    words = [re.escape(w) for w in re.split(r"[ /]", normalise_text(name)) if w]
    return r"(?<![a-z0-9])" + "[ /]".join(words) + r"(?![a-z0-9])"


def _compile_all(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@lru_cache(maxsize=1)
def load_taxonomy() -> dict[str, Any]:
    """The taxonomy data file, compiled once; raises ``TaxonomyDataError`` when it is inconsistent."""
    raw = json.loads(resources.files("imr_determinations").joinpath("data/service_taxonomy.json").read_text())
    cats = raw["categories"]
    groups = raw["drug_groups"]
    for rule in raw["rules"]:
        if rule["subcategory"] not in cats.get(rule["category"], {}).get("subcategories", {}):
            raise TaxonomyDataError(f"rule names unknown {rule['category']}/{rule['subcategory']}")
    by_name: dict[str, dict[str, str]] = {}
    for drug in raw["drugs"]:
        if drug["group"] not in groups or drug["group"] not in cats[PHARMACEUTICALS]["subcategories"]:
            raise TaxonomyDataError(f"drug {drug['generic']} has unknown group {drug['group']}")
        for name in [drug["generic"], *drug["names"]]:
            by_name.setdefault(normalise_text(name), {"generic": drug["generic"], "group": drug["group"]})
    # longest names first, so 'hydrocodone/apap' wins over 'hydrocodone' and 'voltaren gel' over 'voltaren'
    names = sorted(by_name, key=len, reverse=True)
    rules = [
        {
            **r,
            "compiled": [re.compile(p) for p in r["patterns"]],
            "unless_re": _compile_all(r.get("unless", [])),
        }
        for r in raw["rules"]
    ]
    return {
        "categories": cats,
        "drug_by_name": by_name,
        "drug_re": re.compile("|".join(f"(?P<d{i}>{_name_pattern(n)})" for i, n in enumerate(names))),
        "drug_names": names,
        "rules_before": [r for r in rules if r.get("before_drugs")],
        "rules_after": [r for r in rules if not r.get("before_drugs")],
        "prefixes": [re.compile(p) for p in raw["strip_prefixes"]],
        "topical_re": _compile_all(raw["topical_forms"]),
        "systemic_patch_groups": set(raw["systemic_patch_groups"]),
        "systemic_patch_re": _compile_all(raw["systemic_patch_forms"]),
        "medication_re": _compile_all(raw["medication_signals"]),
        "compound_generic": raw["compound_generic"],
    }


def _apply_rules(rules: list[dict[str, Any]], text: str) -> ServiceTaxonomy | None:
    for rule in rules:
        if rule["unless_re"] is not None and rule["unless_re"].search(text):
            continue
        for pattern in rule["compiled"]:
            if pattern.search(text):
                return ServiceTaxonomy(rule["category"], rule["subcategory"], matched=pattern.pattern)
    return None


def _drugs_in(text: str, tables: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Each drug named in ``text`` (name as written, table entry), leftmost first, distinct generics."""
    found: list[tuple[str, dict[str, str]]] = []
    seen: set[str] = set()
    for m in tables["drug_re"].finditer(text):
        entry = tables["drug_by_name"][tables["drug_names"][int(m.lastgroup[1:])]]
        if entry["generic"] not in seen:
            seen.add(entry["generic"])
            found.append((m.group(0), entry))
    return found


def _is_topical(text: str, drugs: list[tuple[str, dict[str, str]]], tables: dict[str, Any]) -> bool:
    """A topical form word makes a drug topical, except a patch of a systemic drug (fentanyl, Butrans)."""
    if not tables["topical_re"].search(text):
        return False
    if all(e["group"] in tables["systemic_patch_groups"] for _, e in drugs):
        without_patch = tables["systemic_patch_re"].sub(" ", text)
        return bool(tables["topical_re"].search(without_patch))
    return True


def _pharmaceutical(text: str, tables: dict[str, Any]) -> ServiceTaxonomy | None:
    drugs = _drugs_in(text, tables)
    topical_group = "topical_analgesics"
    if drugs:
        name, entry = drugs[0]
        if entry["group"] == topical_group or _is_topical(text, drugs, tables):
            generic = entry["generic"] if len(drugs) == 1 else tables["compound_generic"]
            return ServiceTaxonomy(PHARMACEUTICALS, topical_group, topical_group, generic, name)
        return ServiceTaxonomy(PHARMACEUTICALS, entry["group"], entry["group"], entry["generic"], name)
    return None


def _medication_fallback(text: str, tables: dict[str, Any]) -> ServiceTaxonomy | None:
    """An unnamed or unknown drug ('compounded cream', 'Xyz 10mg #60'): pharmaceuticals all the same."""
    m = tables["medication_re"].search(text)
    if m is None:
        return None
    if tables["topical_re"].search(text):
        group = "topical_analgesics"
        return ServiceTaxonomy(PHARMACEUTICALS, group, group, tables["compound_generic"], m.group(0))
    return ServiceTaxonomy(PHARMACEUTICALS, "other", "other", None, m.group(0))


@lru_cache(maxsize=4096)
def classify_service(text: str | None) -> ServiceTaxonomy:
    """The taxonomy of one disputed service; other/other when nothing matches (never raises on text)."""
    tables = load_taxonomy()
    flat = normalise_text(text or "")
    for prefix in tables["prefixes"]:
        flat = prefix.sub("", flat)
    if not flat:
        return ServiceTaxonomy("other", "other")
    return (
        _apply_rules(tables["rules_before"], flat)
        or _pharmaceutical(flat, tables)
        or _apply_rules(tables["rules_after"], flat)
        or _medication_fallback(flat, tables)
        or ServiceTaxonomy("other", "other")
    )
