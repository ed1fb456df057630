"""The README's results section, rendered from the metrics files the measurement commands write.

Figures are never typed into the README by hand: ``spacy project run results`` reads
``training/metrics/spans.json`` and ``records.json`` (required) and ``seed_spread.json`` /
``benchmark.json`` (when present) and writes one markdown section with the date and machine of the
measurement, which can replace the block between ``RESULTS_START`` and ``RESULTS_END`` in the README.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..labels import NER_LABELS, SPAN_LABELS

RESULTS_START = "<!-- RESULTS:START -->"
RESULTS_END = "<!-- RESULTS:END -->"

SPAN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("model, real test", "model", "real_test"),
    ("model, held-out synthetic", "model", "heldout"),
    ("model, seed letters", "model", "seeds"),
    ("rules, real test", "rules", "real_test"),
    ("rules, held-out synthetic", "rules", "heldout"),
)
RECORD_ROWS: tuple[tuple[str, str], ...] = (
    ("item F1", "item_f1"),
    ("decision accuracy", "decision_accuracy"),
    ("guideline-id precision", "guideline_id_precision"),
    ("guideline-id recall", "guideline_id_recall"),
    ("page-range accuracy", "page_range_accuracy"),
    ("finding precision", "finding_precision"),
    ("finding recall", "finding_recall"),
)
SPREAD_ROWS = ("NER (all)", "DISPUTED_SERVICE", "CLINICAL_FINDING", "DIAGNOSIS")


class MetricsMissingError(FileNotFoundError):
    """A metrics file the table needs has not been written yet; the message names the command."""


def _load(path: Path, command: str | None) -> dict[str, Any] | None:
    if not path.exists():
        if command is None:
            return None
        raise MetricsMissingError(f"{path} not found: run `spacy project run {command}` first")
    return json.loads(path.read_text(encoding="utf-8"))


def _f(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _when(data: dict[str, Any] | None) -> str | None:
    measured = (data or {}).get("measured_on") or {}
    if measured.get("date") and measured.get("machine"):
        return f"{measured['date'][:10]} on {measured['machine']}"
    return None


def span_table(spans: dict[str, Any]) -> str:
    results = spans["results"]
    cols = [(title, s, d) for title, s, d in SPAN_COLUMNS if (results.get(s) or {}).get(d)]
    lines = [
        "| label | " + " | ".join(t for t, _, _ in cols) + " |",
        "| --- |" + " ---: |" * len(cols),
    ]
    for label in (*NER_LABELS, *SPAN_LABELS):
        lines.append(f"| {label} | " + " | ".join(
            _f(results[s][d]["per_label"][label]["f"]) for _, s, d in cols) + " |")
    lines.append("| NER micro F | " + " | ".join(_f(results[s][d]["ents_f"]) for _, s, d in cols) + " |")
    for label in SPAN_LABELS:
        cells = [_f(((results[s][d].get("overlap") or {}).get(label) or {}).get("f")) for _, s, d in cols]
        lines.append(f"| {label}, overlap | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _records_column(results: dict[str, Any], system: str, prefix: str) -> dict[str, Any] | None:
    for name, r in (results.get(system) or {}).items():
        if name == prefix or (prefix.endswith(":") and name.startswith(prefix)):
            return r
    return None


def records_table(records: dict[str, Any]) -> str:
    results = records["results"]
    cols = [
        (title, r)
        for title, system, prefix in (
            ("model, real test", "model", "gold:"),
            ("model, held-out synthetic", "model", "heldout"),
            ("rules, real test", "baseline", "gold:"),
            ("rules, held-out synthetic", "baseline", "heldout"),
        )
        if (r := _records_column(results, system, prefix)) is not None
    ]
    lines = [
        "| metric | " + " | ".join(t for t, _ in cols) + " |",
        "| --- |" + " ---: |" * len(cols),
        "| letters / gold items | "
        + " | ".join(f"{r.get('letters')} / {r.get('items_gold')}" for _, r in cols)
        + " |",
    ]
    for title, key in RECORD_ROWS:
        lines.append(f"| {title} | " + " | ".join(_f(r.get(key)) for _, r in cols) + " |")
    return "\n".join(lines)


def spread_table(spread: dict[str, Any], split: str = "real_test") -> str | None:
    stats = (spread.get("spread") or {}).get(split)
    if not stats:
        return None
    lines = [
        "| real test | mean F over training seeds | max - min |",
        "| --- | ---: | ---: |",
    ]
    for row in SPREAD_ROWS:
        if row in stats:
            lines.append(f"| {row} | {stats[row]['mean']:.3f} | {stats[row]['range']:.3f} |")
    return "\n".join(lines)


def speed_line(bench: dict[str, Any]) -> str | None:
    rows = {(c["name"], c["batch_size"], c["n_process"]): c for c in bench.get("configurations", [])
            if "words_per_s" in c}
    full = [c for (name, _, n), c in rows.items() if n == 1 and "linker" in name and "without" not in name]
    one = full[0] if full else None
    if one is None:
        return None
    two = rows.get((one["name"], one["batch_size"], 2))
    text = f"Speed (`spacy project run benchmark`): {one['words_per_s']:,.0f} words/s on one process"
    if two is not None:
        text += f", {two['words_per_s']:,.0f} with `n_process=2`"
    return text + f" (batch {one['batch_size']}, full pipeline incl. linker)."


def labelled_table(taxonomy: dict[str, Any] | None, icd: dict[str, Any] | None,
                   assertion: dict[str, Any] | None) -> str | None:
    """Taxonomy, ICD-10-CM and assertion accuracy on the hand-labelled real material, where measured."""
    rows = []
    if taxonomy and isinstance(taxonomy.get("accuracy"), dict):
        acc = taxonomy["accuracy"]
        rows.append(f"| service category / drug group (`evaluate-taxonomy`) | {taxonomy.get('n')} services | "
                    f"{_f(acc.get('category'))} / {_f(acc.get('drug_group'))} |")
    if icd and icd.get("top1_accuracy") is not None:
        rows.append(f"| ICD-10-CM top-1 / top-3 (`evaluate-icd`) | {icd.get('diagnoses')} diagnoses | "
                    f"{_f(icd['top1_accuracy'])} / {_f(icd.get('top3_accuracy'))} |")
    if assertion and assertion.get("accuracy") is not None:
        rows.append(f"| finding assertion (`evaluate-assertion`) | {assertion.get('n')} findings | "
                    f"{_f(assertion['accuracy'])} |")
    if not rows:
        return None
    return "\n".join(["| what | labelled by reading | accuracy |", "| --- | ---: | ---: |", *rows])


def render(metrics_dir: Path) -> str:
    """The whole results section (markdown, between the README markers)."""
    spans = _load(metrics_dir / "spans.json", "evaluate")
    records = _load(metrics_dir / "records.json", "evaluate-records")
    spread = _load(metrics_dir / "seed_spread.json", None)
    bench = _load(metrics_dir / "benchmark.json", None)
    when = _when(spans) or _when(records) or "date and machine not recorded"
    parts = [
        RESULTS_START,
        "## Results",
        "",
        f"Generated by `spacy project run results` from `training/metrics/*.json`; measured {when}. "
        "Weights differ across CPUs, so a model retrained elsewhere gives slightly different figures. "
        "*Real test* = 42 real letters training never saw; *held-out synthetic* = letters built only from "
        "vocabulary and templates training never saw; *rules* = the rule pipeline (`--model rules`).",
        "",
        "Spans, exact-match F (P and R are in `spans.json`; *overlap* counts a prediction that overlaps a "
        "gold span of its label):",
        "",
        span_table(spans),
        "",
        "Determination records (an item matches when its service overlaps the gold service):",
        "",
        records_table(records),
    ]
    labelled = labelled_table(*(_load(metrics_dir / f"{name}.json", None)
                                for name in ("taxonomy", "icd", "assertion")))
    if labelled is not None:
        title = ("Coding and assertion on hand-labelled real letters (rules and tables written knowing them: "
                 "in-sample figures):")
        parts += ["", title, "", labelled]
    if spread is not None and (table := spread_table(spread)) is not None:
        title = "How far retraining with another seed moves the scores (`spacy project run seed-spread`):"
        parts += ["", title, "", table]
    if bench is not None and (line := speed_line(bench)) is not None:
        parts += ["", line]
    parts.append(RESULTS_END)
    return "\n".join(parts) + "\n"


def replace_section(readme: str, section: str) -> str:
    """``readme`` with its results block replaced by ``section`` (which carries the markers)."""
    start, end = readme.find(RESULTS_START), readme.find(RESULTS_END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {RESULTS_START} ... {RESULTS_END} block")
    return readme[:start] + section.rstrip("\n") + readme[end + len(RESULTS_END):]
