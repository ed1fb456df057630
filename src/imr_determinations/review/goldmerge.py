"""Merging reviewed letters into the gold corpus as standoff, without ever clobbering gold silently.

Real letters go to ``<gold>/letters/<letter_id>.json`` holding only source, sha256 and offsets
(their text stays out of the repository); a letter that is a seed (same sha256 as a row of
``seeds.jsonl``) is compared with that row instead. Different spans for a letter gold already
holds are a conflict: listed and skipped unless ``overwrite``. Records and notes are kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..gold import LETTERS_SUBDIR as LETTERS_DIR
from ..gold import SEEDS_FILE, write_standoff
from .tasks import ReviewedLetter, SpanKey


@dataclass
class MergeOutcome:
    letter_id: str
    status: str  # created | updated | unchanged | conflict
    path: Path
    detail: str = ""


def spans_json(spans: list[SpanKey]) -> list[dict[str, Any]]:
    """Gold order (as ``gold.write_standoff``): by start, longer first, then label."""
    ordered = sorted(set(spans), key=lambda k: (k[0], -k[1], k[2]))
    return [{"start": s, "end": e, "label": label} for s, e, label in ordered]


def _gold_keys(spans: Any) -> list[SpanKey]:
    if not isinstance(spans, list):
        raise ValueError("'spans' is not a list")
    return sorted({(int(s["start"]), int(s["end"]), str(s["label"])) for s in spans})


def describe_difference(gold: list[SpanKey], reviewed: list[SpanKey]) -> str:
    g, r = set(gold), set(reviewed)
    return f"{len(g - r)} span(s) only in gold, {len(r - g)} only in the review, {len(g & r)} shared"


def _read_seeds(gold_dir: Path) -> list[dict[str, Any]]:
    path = gold_dir / SEEDS_FILE
    if not path.is_file():
        return []
    with path.open("r", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _write_seeds(gold_dir: Path, rows: list[dict[str, Any]]) -> None:
    path = gold_dir / SEEDS_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _merge_seed(
    letter: ReviewedLetter,
    rows: list[dict[str, Any]],
    idx: int,
    gold_dir: Path,
    overwrite: bool,
    dry_run: bool,
) -> MergeOutcome:
    path = gold_dir / SEEDS_FILE
    row = rows[idx]
    gold = _gold_keys(row.get("spans") or [])
    if gold == letter.spans:
        return MergeOutcome(letter.letter_id, "unchanged", path, "seed")
    if gold and not overwrite:
        return MergeOutcome(
            letter.letter_id, "conflict", path, "seed: " + describe_difference(gold, letter.spans)
        )
    row["spans"] = spans_json(letter.spans)
    if not dry_run:
        _write_seeds(gold_dir, rows)
    return MergeOutcome(letter.letter_id, "updated", path, "seed")


def merge_letter(
    letter: ReviewedLetter,
    gold_dir: Path,
    *,
    overwrite: bool = False,
    dry_run: bool = False,
    seeds: list[dict[str, Any]] | None = None,
) -> MergeOutcome:
    """Merge one validated letter; never writes its text."""
    seeds = _read_seeds(gold_dir) if seeds is None else seeds
    for idx, row in enumerate(seeds):
        if (row.get("meta") or {}).get("sha256") == letter.sha256:
            return _merge_seed(letter, seeds, idx, gold_dir, overwrite, dry_run)

    path = gold_dir / LETTERS_DIR / f"{letter.letter_id}.json"
    if not path.exists():
        if not dry_run:
            write_standoff(path, letter.source, letter.sha256, spans_json(letter.spans), [])
        return MergeOutcome(letter.letter_id, "created", path)

    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(existing, dict):
            raise ValueError("not a JSON object")
        gold = _gold_keys(existing.get("spans") or [])
    except (ValueError, KeyError, TypeError) as exc:
        return MergeOutcome(letter.letter_id, "conflict", path, f"existing gold file unreadable: {exc}")

    same_text = existing.get("sha256") == letter.sha256
    if same_text and gold == letter.spans:
        return MergeOutcome(letter.letter_id, "unchanged", path)
    if not overwrite and (not same_text or gold):
        detail = (
            "gold sha256 differs (letter text changed)"
            if not same_text
            else describe_difference(gold, letter.spans)
        )
        return MergeOutcome(letter.letter_id, "conflict", path, detail)
    detail = "" if same_text else "sha256 replaced; check the records"
    if not dry_run:
        write_standoff(
            path,
            str(existing.get("source") or letter.source),
            letter.sha256,
            spans_json(letter.spans),
            existing.get("records") or [],
            str(existing.get("notes") or ""),
        )
    return MergeOutcome(letter.letter_id, "updated", path, detail)


def merge_letters(
    letters: list[ReviewedLetter], gold_dir: Path, *, overwrite: bool = False, dry_run: bool = False
) -> list[MergeOutcome]:
    seeds = _read_seeds(gold_dir)
    return [merge_letter(x, gold_dir, overwrite=overwrite, dry_run=dry_run, seeds=seeds) for x in letters]
