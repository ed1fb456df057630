"""Lexicon loading, combinatorial expansion and the deterministic train/held-out split.

The data lives in the package, ``imr_determinations/data/lexicons/`` (JSON and one-entry-per-line
text): the same files the rule pipeline reads, so one copy of each entry serves both. Each entry
has a *key* (a drug name, a modality and body part, a guideline name, a finding pattern); about
20% of keys, chosen by a hash of the key, are held out, so the held-out corpus names services,
guidelines and findings the training corpus never shows.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from imr_determinations.package_data import lexicon_dir as packaged_lexicon_dir
from imr_determinations.synth.findings_grammar import FindingGrammar, load_grammar

HELDOUT_FRACTION = 0.2
SPLIT_TRAIN = "train"
SPLIT_HELDOUT = "heldout"
# entries every split may use (real letters always license reviewers in California)
SHARED_ENTRIES = {("states", "California")}


class LexiconError(ValueError):
    """A lexicon file is missing or malformed."""


def is_heldout(namespace: str, key: str) -> bool:
    """Stable ~20% held-out choice from a hash of the entry (independent of file order)."""
    if (namespace, key) in SHARED_ENTRIES:
        return False
    digest = hashlib.sha256(f"{namespace}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < HELDOUT_FRACTION * 2**32


def visible(namespace: str, key: str, split: str) -> bool:
    """Whether an entry may appear in a corpus split ("heldout" vs train-visible splits)."""
    if (namespace, key) in SHARED_ENTRIES:
        return True
    return is_heldout(namespace, key) == (split == SPLIT_HELDOUT)


@dataclass(frozen=True)
class ServiceForm:
    """One surface form of a disputed service; ``{date}`` is filled at generation time."""

    surface: str
    category: str
    key: str
    cls: str = ""


@dataclass(frozen=True)
class GuidelineName:
    name: str
    gid: str
    family: str
    sections: tuple[str, ...]
    pages: tuple[tuple[int, int], ...]
    cats: tuple[str, ...]


@dataclass(frozen=True)
class PainTopic:
    topic: str
    pages: tuple[tuple[int, int], ...]
    cats: tuple[str, ...]
    classes: tuple[str, ...]


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise LexiconError(f"lexicon file missing: {path}")
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    if not out:
        raise LexiconError(f"lexicon file has no entries: {path}")
    return out


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise LexiconError(f"lexicon file missing: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LexiconError(f"{path}: invalid JSON ({exc})") from exc


_SLOT = re.compile(r"\{(\w+)\}")


def _expand_family(fam: dict) -> Iterable[ServiceForm]:
    slots: dict[str, list[str]] = fam["slots"]
    key_slots: list[str] = fam["key_slots"]
    for pattern in fam["patterns"]:
        names = [n for n in dict.fromkeys(_SLOT.findall(pattern)) if n != "date"]
        pools = []
        for n in names:
            if n in slots:
                pools.append(slots[n])
            elif n[:1].isupper() and n.lower() in slots:
                pools.append([v[:1].upper() + v[1:] for v in slots[n.lower()]])
            else:
                raise LexiconError(f"service family {fam['family']}: pattern slot {{{n}}} undefined")
        for combo in itertools.product(*pools):
            values = dict(zip(names, combo, strict=True))
            surface = pattern
            for n, v in values.items():
                surface = surface.replace("{" + n + "}", v)
            surface = surface[:1].upper() + surface[1:]
            key_parts = [values.get(k) or values.get(k[:1].upper() + k[1:], "") for k in key_slots]
            # a key slot absent from this pattern falls back to its lower/upper twin (Side/side)
            key = fam["family"] + ":" + "|".join(p.lower() for p in key_parts)
            yield ServiceForm(surface, fam["category"], key)


def _expand_drugs(data: dict) -> Iterable[ServiceForm]:
    qtys, sigs, refills = data["quantities"], data["sigs"], data["refills"]
    for drug in data["drugs"]:
        name, cls = drug["name"], drug["class"]
        cat = "topical" if cls == "topical" else "medication"
        key = "drug:" + name.lower()
        yield ServiceForm(name, cat, key, cls)
        for strength in drug["strengths"]:
            base = f"{name} {strength}".strip()
            if strength:
                yield ServiceForm(base, cat, key, cls)
            for q in qtys:
                yield ServiceForm(f"{base} {q}", cat, key, cls)
            for q, r in itertools.product(qtys[:3], refills):
                yield ServiceForm(f"{base} {q} {r}", cat, key, cls)
            for s in sigs:
                yield ServiceForm(f"{base}, {s} {qtys[1]}", cat, key, cls)
            yield ServiceForm(f"Retrospective {base} {qtys[0]} (DOS {{date}})", cat, key, cls)


def _expand_compounds(data: dict) -> Iterable[ServiceForm]:
    ingredients: list[list] = data["ingredients"]
    bases, amounts = data["bases"], data["amounts"]
    for size in (2, 3):
        for combo in itertools.combinations(range(len(ingredients)), size):
            # one entry per ingredient set; strengths/base/amount vary deterministically with it
            names = [ingredients[i][0] for i in combo]
            key = "compound:" + "+".join(n.lower() for n in names)
            h = int(hashlib.sha256(key.encode()).hexdigest(), 16)
            parts = [
                f"{ingredients[i][0]} {ingredients[i][1][(h >> (4 * j)) % len(ingredients[i][1])]}"
                for j, i in enumerate(combo)
            ]
            base = bases[h % len(bases)]
            amount = amounts[(h >> 8) % len(amounts)]
            joined = ", ".join(parts)
            yield ServiceForm(f"{joined} {base}", "topical", key, "compound")
            yield ServiceForm(f"{joined} {base} {amount}", "topical", key, "compound")
            yield ServiceForm(f"Compounded {joined} {base}", "topical", key, "compound")


class Lexicon:
    """All lexicons, loaded once; :meth:`for_split` gives the pools one split may use."""

    def __init__(self, lexicon_dir: Path | None = None) -> None:
        d = Path(lexicon_dir) if lexicon_dir else packaged_lexicon_dir()
        if not d.is_dir():
            raise LexiconError(f"lexicon directory not found: {d}")
        self.dir = d
        services: list[ServiceForm] = []
        services.extend(_expand_drugs(_read_json(d / "drugs.json")))
        services.extend(_expand_compounds(_read_json(d / "compounds.json")))
        for fam in _read_json(d / "services.json")["families"]:
            services.extend(_expand_family(fam))
        # distinct surface forms, first occurrence wins (keeps order deterministic)
        seen: dict[str, ServiceForm] = {}
        for s in services:
            seen.setdefault(s.surface, s)
        self.services: list[ServiceForm] = list(seen.values())

        gdata = _read_json(d / "guidelines.json")
        self.guidelines: list[GuidelineName] = [
            GuidelineName(
                name,
                g["id"],
                g["family"],
                tuple(g["sections"]),
                tuple(tuple(p) for p in g["pages"]),
                tuple(g["cats"]),
            )
            for g in gdata["guidelines"]
            for name in g["names"]
        ]
        self.pain_topics: list[PainTopic] = [
            PainTopic(t["topic"], tuple(tuple(p) for p in t["pages"]), tuple(t["cats"]), tuple(t["classes"]))
            for t in gdata["chronic_pain_topics"]
        ]
        self.findings = _read_lines(d / "findings.txt")
        self.findings_grammar = load_grammar(d)
        self.diagnoses = _read_lines(d / "diagnoses.txt")
        self.specialties = _read_lines(d / "specialties.txt")
        self.states = _read_lines(d / "states.txt")
        self.history = _read_lines(d / "history.txt")

    def for_split(self, split: str) -> SplitLexicon:
        return SplitLexicon(self, split)

    def split_summary(self) -> dict[str, dict[str, int]]:
        """Entry counts per lexicon and side of the split (recorded in stats.json)."""

        def count(ns: str, keys: Iterable[str]) -> dict[str, int]:
            uniq = list(dict.fromkeys(keys))
            held = sum(is_heldout(ns, k) for k in uniq)
            return {"train": len(uniq) - held, "heldout": held}

        return {
            "services_keys": count("services", (s.key for s in self.services)),
            "services_surface_forms": {
                "train": sum(not is_heldout("services", s.key) for s in self.services),
                "heldout": sum(is_heldout("services", s.key) for s in self.services),
            },
            "guidelines": count("guidelines", (g.name for g in self.guidelines)),
            "pain_topics": count("pain_topics", (t.topic for t in self.pain_topics)),
            "findings": count("findings", self.findings),
            "diagnoses": count("diagnoses", self.diagnoses),
            "specialties": count("specialties", self.specialties),
            "states": count("states", self.states),
            "history": count("history", self.history),
        }


class SplitLexicon:
    """The entries visible to one split, grouped for fast sampling."""

    def __init__(self, lex: Lexicon, split: str) -> None:
        self.split = split
        self.services = [s for s in lex.services if visible("services", s.key, split)]
        self.by_category: dict[str, list[ServiceForm]] = {}
        for s in self.services:
            self.by_category.setdefault(s.category, []).append(s)
        self.guidelines = [g for g in lex.guidelines if visible("guidelines", g.name, split)]
        self.pain_topics = [t for t in lex.pain_topics if visible("pain_topics", t.topic, split)]
        self.findings = [f for f in lex.findings if visible("findings", f, split)]
        self.finding_grammar = FindingGrammar.for_split(lex.findings_grammar, split, visible)
        self.diagnoses = [f for f in lex.diagnoses if visible("diagnoses", f, split)]
        self.specialties = [f for f in lex.specialties if visible("specialties", f, split)]
        self.states = [f for f in lex.states if visible("states", f, split)]
        self.history = [f for f in lex.history if visible("history", f, split)]
        for name in (
            "services",
            "guidelines",
            "pain_topics",
            "findings",
            "diagnoses",
            "specialties",
            "states",
            "history",
        ):
            if not getattr(self, name):
                raise LexiconError(f"split {split!r} has no {name} entries; lexicon too small")
