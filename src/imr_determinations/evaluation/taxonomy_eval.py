"""Accuracy of the service taxonomy against hand-assigned labels of real services.

Labels live in ``corpus/gold/service_categories.json`` as standoff: letter file name + item index
(+ the letter text's sha256), never the service text, so the real letters' text stays out of the
repository. Real-letter items need the letters folder (the service span is cut from the letter
text); the seed letters carry their text in ``seeds.jsonl`` and are always scored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io import LetterReadError, read_letter
from ..taxonomy import classify_service
from ..textnorm import text_sha256

SEEDS_PREFIX = "seeds.jsonl#"
FIELDS = ("category", "subcategory", "drug_group", "generic")


@dataclass(frozen=True)
class LabelledService:
    letter: str
    item: int
    text: str
    label: dict[str, Any]


def _sha(text: str) -> str:
    return text_sha256(text)


def _seed_services(gold_dir: Path) -> dict[str, tuple[str, list[str]]]:
    """letter key -> (text sha256, service texts in item order) of the seed letters."""
    out: dict[str, tuple[str, list[str]]] = {}
    path = gold_dir / "seeds.jsonl"
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            services = [r["service"] for r in d["records"]]
            out[SEEDS_PREFIX + d["meta"]["letter_id"]] = (_sha(d["text"]), services)
    return out


def _letter_services(gold_file: Path, letters_dir: Path) -> tuple[str, list[str]]:
    """(text sha256, service texts in item order) of one real gold letter; raises LetterReadError."""
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    text = read_letter(letters_dir / gold["source"]).text
    return _sha(text), [text[s:e] for s, e in (r["service"] for r in gold["records"])]


def load_labelled(
    labels_file: Path, gold_dir: Path, letters_dir: Path | None
) -> tuple[list[LabelledService], list[str]]:
    """Every labelled service whose text can be recovered, and why the others were skipped."""
    labels = json.loads(labels_file.read_text(encoding="utf-8"))["letters"]
    seeds = _seed_services(gold_dir)
    have_letters = letters_dir is not None and letters_dir.is_dir()
    out: list[LabelledService] = []
    skipped: list[str] = []
    real = [k for k in labels if not k.startswith(SEEDS_PREFIX)]
    if real and not have_letters:
        where = "not given" if letters_dir is None else f"{letters_dir} is absent"
        skipped.append(f"{len(real)} real letter(s) skipped: letters folder {where}")
    for key, entry in labels.items():
        if key.startswith(SEEDS_PREFIX):
            if key not in seeds:
                skipped.append(f"{key}: not in seeds.jsonl")
                continue
            sha, services = seeds[key]
        elif not have_letters:
            continue
        else:
            try:
                sha, services = _letter_services(gold_dir / "letters" / key, letters_dir)
            except (OSError, LetterReadError, ValueError, KeyError) as exc:
                skipped.append(f"{key}: {exc}")
                continue
        if sha != entry["sha256"]:
            skipped.append(f"{key}: letter text changed (sha256 differs from the labels')")
            continue
        for lab in entry["items"]:
            if not 0 <= lab["item"] < len(services):
                skipped.append(f"{key}: item {lab['item']} not in the gold records")
                continue
            out.append(LabelledService(key, lab["item"], services[lab["item"]], lab))
    return out, skipped


def score(
    services: list[LabelledService], classify: Callable[[str], Any] = classify_service
) -> dict[str, Any]:
    """Accuracy per field (drug group over the gold pharmaceuticals only) and the confusions."""
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    confusions: Counter[tuple[str, str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    for s in services:
        got = classify(s.text).to_dict()
        wrong = []
        for field in FIELDS:
            if field in ("drug_group", "generic") and s.label["category"] != "pharmaceuticals":
                continue
            seen[field] += 1
            if got[field] == s.label[field]:
                right[field] += 1
            else:
                wrong.append(field)
        if wrong:
            gold_pair = f"{s.label['category']}/{s.label['subcategory']}"
            got_pair = f"{got['category']}/{got['subcategory']}"
            confusions[(wrong[0], gold_pair, got_pair)] += 1
            errors.append(
                {
                    "letter": s.letter,
                    "item": s.item,
                    **{f: {"gold": s.label[f], "predicted": got[f]} for f in wrong},
                    "matched": got.get("matched"),
                }
            )
    return {
        "n": len(services),
        "accuracy": {f: round(right[f] / seen[f], 4) if seen[f] else None for f in FIELDS},
        "counted": dict(seen),
        "confusions": [
            {"field": f, "gold": g, "predicted": p, "count": c}
            for (f, g, p), c in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "errors": errors,
        "gold_categories": dict(Counter(s.label["category"] for s in services).most_common()),
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    acc = result["accuracy"]
    lines = [
        f"services scored: {result['n']}",
        *(f"{f} accuracy: {acc[f]} (of {result['counted'].get(f, 0)})" for f in FIELDS),
    ]
    for c in result["confusions"]:
        lines.append(f"  {c['count']}x {c['field']}: gold {c['gold']} -> {c['predicted']}")
    return lines
