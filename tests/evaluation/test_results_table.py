"""The README's results section is rendered from the metrics files, never typed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_determinations.evaluation.provenance import provenance
from imr_determinations.evaluation.results_table import (
    RESULTS_END,
    RESULTS_START,
    MetricsMissingError,
    render,
    replace_section,
)
from imr_determinations.labels import NER_LABELS, SPAN_LABELS


def _split_scores(f: float) -> dict:
    per_label = {label: {"p": f, "r": f, "f": f} for label in (*NER_LABELS, *SPAN_LABELS)}
    return {"per_label": per_label, "ents_f": f, "overlap": {lb: {"f": f + 0.1} for lb in SPAN_LABELS}}


def _write_metrics(folder: Path) -> None:
    folder.mkdir()
    spans = {
        "measured_on": {"date": "2026-12-01T10:00:00Z", "machine": "Test CPU, 2 cores"},
        "results": {
            "model": {"real_test": _split_scores(0.812), "heldout": _split_scores(0.934), "seeds": None},
            "rules": {"real_test": _split_scores(0.523), "heldout": _split_scores(0.704)},
        },
    }
    record = {"letters": 44, "items_gold": 102, "item_f1": 0.991, "decision_accuracy": 0.977,
              "guideline_id_precision": 0.9, "guideline_id_recall": 0.95, "page_range_accuracy": None,
              "finding_precision": 0.7, "finding_recall": 0.6}
    records = {"results": {"model": {"gold:test": record, "heldout": {**record, "item_f1": 0.5}},
                           "baseline": {"gold:test": {**record, "item_f1": 0.444}}}}
    (folder / "spans.json").write_text(json.dumps(spans))
    (folder / "records.json").write_text(json.dumps(records))


def test_render_quotes_the_metrics_with_their_date_and_machine(tmp_path: Path) -> None:
    _write_metrics(tmp_path / "metrics")
    section = render(tmp_path / "metrics")
    assert section.startswith(RESULTS_START) and section.rstrip().endswith(RESULTS_END)
    assert "2026-12-01 on Test CPU, 2 cores" in section
    assert "0.812" in section and "0.934" in section and "0.523" in section  # span F per system and split
    assert "0.912" in section  # overlap F
    assert "0.991" in section and "0.444" in section and "0.500" in section  # record item F1 per column
    assert "model, seed letters" not in section  # a split that was not scored gets no column


def test_labelled_accuracy_appears_when_measured(tmp_path: Path) -> None:
    _write_metrics(tmp_path / "metrics")
    assert "ICD-10-CM" not in render(tmp_path / "metrics")
    (tmp_path / "metrics" / "icd.json").write_text(json.dumps({"diagnoses": 311, "top1_accuracy": 0.8521,
                                                                "top3_accuracy": 0.8842}))
    (tmp_path / "metrics" / "assertion.json").write_text(json.dumps({"n": 320, "accuracy": 0.9906}))
    section = render(tmp_path / "metrics")
    assert "| 311 diagnoses | 0.852 / 0.884 |" in section and "| 320 findings | 0.991 |" in section


def test_what_the_records_lack_appears_per_pipeline_and_split(tmp_path: Path) -> None:
    _write_metrics(tmp_path / "metrics")
    assert "What the records lack" not in render(tmp_path / "metrics")
    score = {"gold": 101, "predicted": 114, "p": 0.5789, "r": 0.6535, "f": 0.614}
    (tmp_path / "metrics" / "missing_rules.json").write_text(json.dumps({"scores": {"test": score}}))
    section = render(tmp_path / "metrics")
    assert "| rules | test | 101 | 114 | 0.579 | 0.653 | 0.614 |" in section


def test_missing_metrics_name_the_command_to_run(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    with pytest.raises(MetricsMissingError, match="spacy project run evaluate"):
        render(tmp_path / "m")


def test_replace_section_keeps_the_rest_of_the_readme() -> None:
    readme = f"# Title\n\nintro\n\n{RESULTS_START}\nold table\n{RESULTS_END}\n\n## After\n"
    new = replace_section(readme, f"{RESULTS_START}\nnew table\n{RESULTS_END}\n")
    assert "old table" not in new and "new table" in new
    assert new.startswith("# Title\n\nintro\n\n") and new.endswith(f"{RESULTS_END}\n\n## After\n")
    with pytest.raises(ValueError):
        replace_section("# no markers", "x")


def test_provenance_names_the_machine() -> None:
    p = provenance()
    assert p["date"].endswith("Z") and "cores" in p["machine"] and "spaCy" in p["machine"]


def test_speed_and_the_archive_extrapolation_come_from_the_benchmark(tmp_path: Path) -> None:
    _write_metrics(tmp_path / "metrics")
    bench = {
        "machine": {"date": "2026-12-02T06:00:00", "cpu_model": "Test CPU", "cpu_count": 2},
        "input": {"letters": 101},
        "ratio_to_tokenizer": [{"name": "pipeline: all components", "batch_size": 16, "n_process": 1,
                                "ratio": 0.25}],
        "extract": [
            {"n_process": 1, "letters_per_s": 10.0, "words_per_s": 11000, "peak_rss_mb": 400},
            {"n_process": 2, "letters_per_s": 18.0, "words_per_s": 19800, "peak_rss_mb": 120,
             "peak_rss_workers_mb": 410},
        ],
    }
    (tmp_path / "metrics" / "benchmark.json").write_text(json.dumps(bench))
    section = render(tmp_path / "metrics")
    assert "| n_process 1 | 10.0 | 11,000 | 400 |" in section
    assert "| n_process 2 | 18.0 | 19,800 | 410 |" in section
    assert "0.25 of the tokenizer" in section and "x1.80 of one" in section
    # 2M letters at 18 letters/s is 30.9 h; 16 cores at 10 letters/s x 0.9 efficiency: 3.9 h; 160: 0.4 h
    assert "| this machine | 2 | 30.9 |" in section
    assert "| a 16-core box | 16 | 3.9 |" in section and "| 10 nodes of 16 cores | 160 | 0.4 |" in section
    (tmp_path / "metrics" / "scale.json").write_text(json.dumps({"n_process": 2, "runs": [
        {"letters": 1000, "seconds": 60.0, "ms_per_letter_after_startup": 55.0, "peak_rss_mb": 400}]}))
    assert "| 1,000 | 60.0 | 55.0 | 400 |" in render(tmp_path / "metrics")
