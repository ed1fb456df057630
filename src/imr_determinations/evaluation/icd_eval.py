"""Accuracy of the ICD-10-CM lookup on diagnoses coded by reading (corpus/gold/diagnosis_codes.json).

The gold file is standoff: each item names a gold letter, span offsets into the letter's canonical text
and the codes acceptable for that diagnosis. The letters themselves live outside the repo; without them
the evaluation is skipped and says why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..icd10 import icd10_candidates
from ..io import read_letter


def evaluate(gold_path: Path, letters_dir: Path, k: int = 3) -> dict[str, Any]:
    """Top-1 / top-k accuracy, coverage and precision-when-given over the coded gold diagnoses."""
    gold = json.loads(gold_path.read_text())
    texts: dict[str, str] = {}
    n = top1 = topk = given = 0
    uncodable = mismatched = 0
    for item in gold["items"]:
        if not item["codes"]:
            uncodable += 1
            continue
        if item["source"] not in texts:
            texts[item["source"]] = read_letter(letters_dir / item["source"]).text
        text = texts[item["source"]]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != item["sha256"]:
            mismatched += 1
            continue
        acceptable = set(item["codes"])
        codes = [c["code"] for c in icd10_candidates(text[item["start"] : item["end"]], k=k)]
        n += 1
        given += bool(codes)
        top1 += bool(codes) and codes[0] in acceptable
        topk += any(c in acceptable for c in codes)
    return {
        "table": gold.get("table"),
        "diagnoses": n,
        "uncodable_skipped": uncodable,
        "sha256_mismatch_skipped": mismatched,
        "top1_accuracy": round(top1 / n, 4) if n else None,
        f"top{k}_accuracy": round(topk / n, 4) if n else None,
        "coverage": round(given / n, 4) if n else None,
        "precision_when_given": round(top1 / given, 4) if given else None,
        "note": "codes assigned by reading each diagnosis before the lookup ran on them; the abbreviation "
        "and synonym table (data/diagnosis_abbreviations.json) was written with knowledge of these "
        "diagnoses, so this is an optimistic, in-sample figure",
    }
