"""What reviewers changed relative to the model: per label and per letter.

Spans are paired in three passes so each difference is named once: exact matches; then same
offsets with another label ("relabelled"); then same label, overlapping offsets ("boundary",
largest overlap first). What is left is "added" (only in the review) or "removed" (only in
the predictions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .formats import read_predictions, read_reviewed
from .goldmerge import LETTERS_DIR, SEEDS_FILE
from .tasks import ReviewedLetter, SpanKey, letter_id_for

COLUMNS = ("matched", "added", "removed", "relabelled", "boundary")


@dataclass
class LetterDiff:
    letter_id: str
    matched: list[SpanKey] = field(default_factory=list)
    added: list[SpanKey] = field(default_factory=list)
    removed: list[SpanKey] = field(default_factory=list)
    relabelled: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, pred, gold
    boundary: list[tuple[str, int, int, int, int]] = field(default_factory=list)  # label, pred s/e, gold s/e

    def as_json(self) -> dict[str, Any]:
        return {
            "letter_id": self.letter_id,
            "matched": len(self.matched),
            "added": [{"start": s, "end": e, "label": lab} for s, e, lab in self.added],
            "removed": [{"start": s, "end": e, "label": lab} for s, e, lab in self.removed],
            "relabelled": [{"start": s, "end": e, "from": p, "to": g} for s, e, p, g in self.relabelled],
            "boundary": [
                {"label": lab, "pred": [ps, pe], "gold": [gs, ge]} for lab, ps, pe, gs, ge in self.boundary
            ],
        }


def diff_spans(letter_id: str, gold: list[SpanKey], pred: list[SpanKey]) -> LetterDiff:
    out = LetterDiff(letter_id)
    g_left, p_left = sorted(set(gold)), sorted(set(pred))
    exact = set(g_left) & set(p_left)
    out.matched = sorted(exact)
    g_left = [s for s in g_left if s not in exact]
    p_left = [s for s in p_left if s not in exact]

    for g in list(g_left):
        for p in p_left:
            if (p[0], p[1]) == (g[0], g[1]):
                out.relabelled.append((g[0], g[1], p[2], g[2]))
                g_left.remove(g)
                p_left.remove(p)
                break

    pairs = []
    for g in g_left:
        for p in p_left:
            overlap = min(g[1], p[1]) - max(g[0], p[0])
            if g[2] == p[2] and overlap > 0:
                pairs.append((overlap, g, p))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g: set[SpanKey] = set()
    used_p: set[SpanKey] = set()
    for _, g, p in pairs:
        if g in used_g or p in used_p:
            continue
        used_g.add(g)
        used_p.add(p)
        out.boundary.append((g[2], p[0], p[1], g[0], g[1]))
    out.boundary.sort(key=lambda b: (b[3], b[4], b[0]))
    out.added = [g for g in g_left if g not in used_g]
    out.removed = [p for p in p_left if p not in used_p]
    return out


def per_label(diffs: list[LetterDiff]) -> dict[str, dict[str, int]]:
    """Counts by label; relabelled counts under the reviewed (gold) label."""
    table: dict[str, dict[str, int]] = {}

    def bump(label: str, column: str) -> None:
        table.setdefault(label, dict.fromkeys(COLUMNS, 0))[column] += 1

    for d in diffs:
        for *_, label in d.matched:
            bump(label, "matched")
        for *_, label in d.added:
            bump(label, "added")
        for *_, label in d.removed:
            bump(label, "removed")
        for _, _, _, gold_label in d.relabelled:
            bump(gold_label, "relabelled")
        for b in d.boundary:
            bump(b[0], "boundary")
    return dict(sorted(table.items()))


def load_gold_dir(gold_dir: Path) -> list[ReviewedLetter]:
    """Spans of every gold letter (standoff files and seeds), without needing the letter text."""
    letters: list[ReviewedLetter] = []
    seeds = gold_dir / SEEDS_FILE
    if seeds.is_file():
        for n, line in enumerate(seeds.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                meta = row.get("meta") or {}
                source = str(meta.get("source") or meta.get("letter_id") or f"seed{n}")
                spans = sorted(
                    {(int(s["start"]), int(s["end"]), str(s["label"])) for s in row.get("spans", [])}
                )
                lid = str(meta.get("letter_id") or letter_id_for(source))
                letters.append(
                    ReviewedLetter(lid, source, str(meta.get("sha256", "")), "", spans, "accept", str(seeds))
                )
    for path in sorted((gold_dir / LETTERS_DIR).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        spans = sorted({(int(s["start"]), int(s["end"]), str(s["label"])) for s in data.get("spans", [])})
        source = str(data.get("source") or path.name)
        letters.append(
            ReviewedLetter(path.stem, source, str(data.get("sha256", "")), "", spans, "accept", str(path))
        )
    return letters


def load_side(path: Path, predictions: bool) -> list[ReviewedLetter]:
    if path.is_dir():
        return load_gold_dir(path)
    return (read_predictions(path) if predictions else read_reviewed(path)).letters


def diff_files(gold_path: Path, pred_path: Path) -> dict[str, Any]:
    gold = load_side(gold_path, predictions=False)
    pred = load_side(pred_path, predictions=True)
    pred_by_sha = {p.sha256: p for p in pred if p.sha256}
    pred_by_id = {p.letter_id: p for p in pred}
    diffs: list[LetterDiff] = []
    matched_pred: set[str] = set()
    only_gold: list[str] = []
    for g in gold:
        p = pred_by_sha.get(g.sha256) or pred_by_id.get(g.letter_id)
        if p is None:
            only_gold.append(g.letter_id)
            continue
        matched_pred.add(p.letter_id)
        diffs.append(diff_spans(g.letter_id, g.spans, p.spans))
    only_pred = sorted(p.letter_id for p in pred if p.letter_id not in matched_pred)
    labels = per_label(diffs)
    totals = {c: sum(row[c] for row in labels.values()) for c in COLUMNS}
    return {
        "gold": str(gold_path),
        "pred": str(pred_path),
        "labels": labels,
        "totals": totals,
        "letters": [d.as_json() for d in diffs],
        "only_in_gold": sorted(only_gold),
        "only_in_pred": only_pred,
    }


def format_table(report: dict[str, Any]) -> str:
    """A fixed-width per-label table followed by one line per changed letter."""
    head = f"{'label':<18}" + "".join(f"{c:>11}" for c in COLUMNS)
    lines = [head, "-" * len(head)]
    for label, row in report["labels"].items():
        lines.append(f"{label:<18}" + "".join(f"{row[c]:>11}" for c in COLUMNS))
    lines.append(f"{'TOTAL':<18}" + "".join(f"{report['totals'][c]:>11}" for c in COLUMNS))
    lines.append("")
    for d in report["letters"]:
        changes = {k: len(d[k]) for k in ("added", "removed", "relabelled", "boundary")}
        if any(changes.values()):
            lines.append(f"{d['letter_id']}: " + ", ".join(f"{v} {k}" for k, v in changes.items() if v))
    if report["only_in_gold"]:
        lines.append(f"not in predictions: {', '.join(report['only_in_gold'])}")
    if report["only_in_pred"]:
        lines.append(f"not reviewed: {', '.join(report['only_in_pred'])}")
    return "\n".join(lines)
