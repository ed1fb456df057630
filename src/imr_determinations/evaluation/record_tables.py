"""Markdown tables and error lines of the record-level evaluation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .record_gold import LAYOUT_PREFIX, NOISE_PREFIX

TABLE_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("letters", "letters", None),
    ("gold items", "items_gold", None),
    ("predicted items", "items_pred", None),
    ("item precision", "item_precision", None),
    ("item recall", "item_recall", None),
    ("item F1", "item_f1", None),
    ("decision accuracy", "decision_accuracy", "matched"),
    ("guideline-id precision", "guideline_id_precision", "gid_pred"),
    ("guideline-id recall", "guideline_id_recall", "gid_gold"),
    ("page-range accuracy", "page_range_accuracy", "pg_gold"),
    ("finding precision", "finding_precision", "fd_pred"),
    ("finding recall", "finding_recall", "fd_gold"),
    ("items with warnings", "items_with_warnings", None),
)


def _cell(r: dict[str, Any], key: str, denom: str | None) -> str:
    v = r.get(key)
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" + (f" (n={r['counts'].get(denom, 0)})" if denom else "")
    return str(v)


LAYOUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("letters", "letters"),
    ("items gold / pred", "items_gold"),
    ("item F1", "item_f1"),
    ("decision acc.", "decision_accuracy"),
    ("guideline-id P", "guideline_id_precision"),
    ("guideline-id R", "guideline_id_recall"),
    ("page-range acc.", "page_range_accuracy"),
    ("items with warnings", "items_with_warnings"),
)


def layout_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Rows = system x layout of the held-out synthetic letters: layouts no real letter shows."""
    lines = [
        "| system | layout | " + " | ".join(label for label, _ in LAYOUT_COLUMNS) + " |",
        "|---|---|" + "---|" * len(LAYOUT_COLUMNS),
    ]
    for system, per in results.items():
        for name, r in per.items():
            if not name.startswith(LAYOUT_PREFIX):
                continue
            cells = [
                f"{r['items_gold']} / {r['items_pred']}" if key == "items_gold" else _cell(r, key, None)
                for _, key in LAYOUT_COLUMNS
            ]
            lines.append(f"| {system} | {name[len(LAYOUT_PREFIX) :]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


NOISE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("item F1", "item_f1"),
    ("decision acc.", "decision_accuracy"),
    ("guideline-id P", "guideline_id_precision"),
    ("guideline-id R", "guideline_id_recall"),
    ("page-range acc.", "page_range_accuracy"),
    ("finding R", "finding_recall"),
)


def noise_table(results: dict[str, dict[str, dict[str, Any]]], bases: list[str], kinds: list[str]) -> str:
    """Rows = system x data set x noise (first the clean letters): what extraction noise costs."""
    lines = [
        "| system | data set | noise | " + " | ".join(label for label, _ in NOISE_COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(NOISE_COLUMNS),
    ]
    for system, per in results.items():
        for base in bases:
            for kind in ["none", *kinds]:
                r = per.get(base if kind == "none" else f"{NOISE_PREFIX}{kind}:{base}")
                if r is None:
                    continue
                cells = [_cell(r, key, None) for _, key in NOISE_COLUMNS]
                lines.append(f"| {system} | {base} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Rows = metrics, columns = system / data set (the per-layout and noisy sets have their own tables)."""
    cols = [
        (s, d)
        for s, per in results.items()
        for d in per
        if not d.startswith(LAYOUT_PREFIX) and not d.startswith(NOISE_PREFIX)
    ]
    lines = [
        "| metric | " + " | ".join(f"{s} / {d}" for s, d in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for label, key, denom in TABLE_ROWS:
        lines.append(f"| {label} | " + " | ".join(_cell(results[s][d], key, denom) for s, d in cols) + " |")
    return "\n".join(lines)


def format_errors(errors: dict[str, dict[str, list[dict[str, Any]]]]) -> Iterator[str]:
    """One line per system and letter, then one indented line per error."""
    for sys_name, per_letter in errors.items():
        for letter_id, errs in per_letter.items():
            yield f"[{sys_name}] {letter_id}"
            for e in errs:
                names = " / ".join(str(e[k]) for k in ("gold", "pred") if e.get(k))
                yield f"    {e['kind']}: {names}: {e['reason']}"


def summary_lines(report: dict[str, Any], show_problems: bool = False) -> Iterator[str]:
    """What the command prints: the tables, timings, errors when asked, the self-check verdicts."""
    yield report["table"]
    if report["heldout"]["n"] > 0:
        yield "\nheld-out synthetic letters per layout:\n" + report["layout_table"]
    if report["noise"]:
        yield "\nthe same letters with extraction noise (offsets kept, same gold):\n" + report["noise_table"]
    yield "seconds: " + ", ".join(f"{k} {v}" for k, v in report["seconds"].items())
    if show_problems:
        yield from format_errors(report["errors"])
    if "self_check" in report:
        sc = report["self_check"]
        for sys_name in report["systems"]:
            r = sc[sys_name]
            yield (
                f"self-check [{sys_name}]: {r['passed']} letters pass, {r['failed']} fail, "
                f"{len(sc['skipped_no_label'])} without 'Decision rationale:'"
            )
            for f in r["failures"]:
                yield f"    {json.dumps(f)}"
