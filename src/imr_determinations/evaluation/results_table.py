"""The README's results section, rendered from the metrics files the measurement commands write.

Figures are never typed into the README by hand: ``spacy project run results`` reads
``training/metrics/spans.json`` and ``records.json`` (required) and the other measurements' files
(``seed_spread.json``, ``benchmark.json``, ``missing.json`` ..., when present) and writes one markdown
section with the date and machine of the measurement, which can replace the block between
``RESULTS_START`` and ``RESULTS_END`` in the README.
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


ARCHIVE_LETTERS = 2_000_000  # IMR letters published since 2013
MACHINES = (("this machine", None), ("a 16-core box", 16), ("10 nodes of 16 cores", 160))


def speed_table(bench: dict[str, Any]) -> str | None:
    """``imr extract`` end to end at each n_process, the pipeline over the tokenizer, and the archive
    extrapolated from the measured per-process rate and the 1 -> 2 process efficiency."""
    extract = {e["n_process"]: e for e in bench.get("extract") or [] if "letters_per_s" in e}
    if 1 not in extract:
        return None
    lines = ["| `imr extract` (PDF to records) | letters/s | words/s | peak RSS per process (MB) |",
             "| --- | ---: | ---: | ---: |"]
    for n, e in sorted(extract.items()):
        rss = e.get("peak_rss_workers_mb") if n > 1 else e.get("peak_rss_mb")
        rss_cell = f"{rss:.0f}" if isinstance(rss, int | float) else "-"
        lines.append(f"| n_process {n} | {e['letters_per_s']:,.1f} | {e['words_per_s']:,.0f} | {rss_cell} |")
    ratio = next((r["ratio"] for r in bench.get("ratio_to_tokenizer") or []
                  if r["name"] == "pipeline: all components" and r["n_process"] == 1), None)
    one = extract[1]["letters_per_s"]
    cores = max(extract)
    efficiency = extract[cores]["letters_per_s"] / (cores * one) if cores > 1 else 1.0
    notes = []
    if ratio is not None:
        notes.append(f"The whole pipeline runs at {ratio:.2f} of the tokenizer's words/s (one process).")
    notes.append(f"{cores} processes give x{cores * efficiency:.2f} of one.")
    rows = ["| the 2-million-letter archive on | processes | hours |", "| --- | ---: | ---: |"]
    for name, n in MACHINES:
        rate = extract[cores]["letters_per_s"] if n is None else n * one * efficiency
        rows.append(f"| {name} | {n or cores} | {ARCHIVE_LETTERS / rate / 3600:,.1f} |")
    extrapolation = ("Extrapolated from the per-process rate above and its measured efficiency with "
                     f"{cores} processes ({efficiency:.2f}), assuming cores like these and letters like the "
                     "101 real ones; the Dask engine runs the same partitions on every node.")
    return "\n".join([*lines, "", " ".join(notes), "", *rows, "", extrapolation])


def scale_table(scale: dict[str, Any]) -> str | None:
    runs = scale.get("runs") or []
    if not runs:
        return None
    lines = [f"Cost against the number of letters (`spacy project run benchmark-scale`, synthetic letters, "
             f"n_process {scale.get('n_process')}):", "",
             "| letters | seconds | ms per letter after start-up | peak RSS per process (MB) |",
             "| ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['letters']:,} | {r['seconds']:,.1f} | {r['ms_per_letter_after_startup']:.1f} | "
              f"{r['peak_rss_mb']:.0f} |" for r in runs]
    return "\n".join(lines)


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


def missing_table(trained: dict[str, Any] | None, rules: dict[str, Any] | None) -> str | None:
    """P/R/F of the findings each pipeline says the records lack, per split of the labelled letters."""
    rows = []
    for name, result in (("trained", trained), ("rules", rules)):
        for split in ("test", "train"):
            m = ((result or {}).get("scores") or {}).get(split)
            if m:
                rows.append(f"| {name} | {split} | {m['gold']} | {m['predicted']} | {_f(m['p'])} | "
                            f"{_f(m['r'])} | {_f(m['f'])} |")
    if not rows:
        return None
    return "\n".join(["| pipeline | letters | gold findings | predicted | P | R | F |",
                      "| --- | --- | ---: | ---: | ---: | ---: | ---: |", *rows])


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
    missing = missing_table(*(_load(metrics_dir / f"{name}.json", None)
                              for name in ("missing", "missing_rules")))
    if missing is not None:
        title = ("What the records lack: not-documented findings against those read on the real letters "
                 "(`evaluate-missing`; a prediction counts when it covers half a gold finding; the cues were "
                 "written reading the train letters, so *test* is the fair figure):")
        parts += ["", title, "", missing]
    if spread is not None and (table := spread_table(spread)) is not None:
        title = "How far retraining with another seed moves the scores (`spacy project run seed-spread`):"
        parts += ["", title, "", table]
    if bench is not None and (table := speed_table(bench)) is not None:
        m, n = bench.get("machine", {}), bench.get("input", {}).get("letters")
        title = (f"Speed (`spacy project run benchmark` over {n} real letters, {m.get('date', '')[:10]} "
                 f"on {m.get('cpu_model')}, {m.get('cpu_count')} CPUs):")
        parts += ["", title, "", table]
    scale = _load(metrics_dir / "scale.json", None)
    if scale is not None and (table := scale_table(scale)) is not None:
        parts += ["", table]
    parts.append(RESULTS_END)
    return "\n".join(parts) + "\n"


def replace_section(readme: str, section: str) -> str:
    """``readme`` with its results block replaced by ``section`` (which carries the markers)."""
    start, end = readme.find(RESULTS_START), readme.find(RESULTS_END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {RESULTS_START} ... {RESULTS_END} block")
    return readme[:start] + section.rstrip("\n") + readme[end + len(RESULTS_END):]
