"""Composed CLINICAL_FINDING surface forms: site x side x sign or test x result x measurement.

A list of finding templates teaches the model a few dozen phrasings; real letters carry examinations,
imaging and electrodiagnostic impressions, laboratory values, vital signs, psychological scales,
function and drug screens in thousands. The grammar (data/lexicons/clinical_grammar.json) composes them
from parts; about 20% of every part's values and of the forms are held out by hash (``visible``), so the
held-out split measures findings built from vocabulary and phrasings training never saw. Of the findings
in a synthetic letter, the grammar's ``share`` are composed here and the rest come from findings.txt.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from imr_determinations.synth.facts import fill_slots

GRAMMAR_FILE = "clinical_grammar.json"
_ALTERNATIVES = re.compile(r"\(([^()]*\|[^()]*)\)")
_PART = re.compile(r"\{(\w+)\}")
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)


def _number_slots(rng: random.Random) -> dict[str, str]:
    """Measurement slots the grammar adds to the generator's own (synth/facts.py)."""
    return {
        "bp": f"{rng.randint(104, 168)}/{rng.randint(62, 102)}",
        "hr": str(rng.randint(52, 112)),
        "rr": str(rng.randint(12, 22)),
        "spo2": str(rng.randint(92, 100)),
        "bmi": f"{rng.randint(19, 41)}.{rng.randint(0, 9)}",
        "wt": str(rng.randint(110, 290)),
        "pct": str(rng.choice((20, 25, 30, 40, 50, 60, 75))),
        "degmax": str(rng.choice((90, 180, 60, 45, 30))),
        "n2": str(rng.randint(3, 27)),
        "blocks": rng.choice(("1", "2", "3", "half a", "one to two", "four")),
    }


@dataclass(frozen=True)
class FindingGrammar:
    """The parts and forms one corpus split may use."""

    parts: dict[str, tuple[str, ...]]
    forms: tuple[tuple[str, tuple[str, ...], float], ...]  # (type, forms, weight)
    share: float

    @classmethod
    def for_split(cls, raw: dict, split: str, visible: Callable[[str, str, str], bool]) -> FindingGrammar:
        """``visible(namespace, key, split)`` is the lexicon's hash hold-out (synth/lexicon.py)."""
        parts = {}
        for name, values in raw["parts"].items():
            kept = tuple(v for v in values if visible(f"finding_part:{name}", v, split))
            parts[name] = kept or tuple(values[:1])  # a part never empties: its forms stay usable
        forms = []
        for t in raw["types"]:
            kept = tuple(f for f in t["forms"] if visible("finding_form", f, split))
            if kept:
                forms.append((t["type"], kept, float(t["weight"])))
        return cls(parts, tuple(forms), float(raw["share"]))

    def compose(self, rng: random.Random) -> str:
        """One finding: a type by weight, one of its forms, alternatives and slots filled."""
        _, forms, _ = rng.choices(self.forms, weights=[w for _, _, w in self.forms])[0]
        text = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), rng.choice(forms))
        text = _PART.sub(
            lambda m: rng.choice(self.parts[m.group(1)]) if m.group(1) in self.parts else m.group(0), text
        )
        numbers = _number_slots(rng)
        text = _PART.sub(lambda m: numbers.get(m.group(1), m.group(0)), text)
        # an article belongs to the sentence, not to the finding (corpus/ANNOTATION.md)
        return _ARTICLE.sub("", fill_slots(text, rng))

    def size(self) -> dict[str, int]:
        return {
            "forms": sum(len(f) for _, f, _ in self.forms),
            "part_values": sum(map(len, self.parts.values())),
        }


def load_grammar(lexicon_dir: Path) -> dict:
    return json.loads((Path(lexicon_dir) / GRAMMAR_FILE).read_text(encoding="utf-8"))
