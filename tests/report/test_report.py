"""imr report's numbers against the records they come from, and its markdown output."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.report import build
from imr_determinations.report.queries import MISSING_SAID, wilson


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _table(tables, key):
    return next(t for t in tables if t.key == key)


def test_wilson_interval_matches_published_values() -> None:
    low, high = wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = wilson(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    assert wilson(0, 0) == (None, None)


def test_category_counts_and_overturn_rates_match_the_records(synthetic_records) -> None:
    jsonl, db = synthetic_records
    dets = [d for r in _records(jsonl) for d in r["determinations"]]
    items = Counter(d["service_taxonomy"]["category"] for d in dets)
    over = Counter(d["service_taxonomy"]["category"] for d in dets if d["decision"] == "OVERTURNED")
    rows = {r[0]: r for r in _table(build(db), "category").rows}
    assert len(items) > 3 and sum(over.values()) > 0
    assert {c: (r[1], r[4]) for c, r in rows.items()} == {c: (items[c], over[c]) for c in items}
    for category, row in rows.items():
        decided = sum(1 for d in dets if d["service_taxonomy"]["category"] == category and d["decision"])
        assert row[3] == decided and row[6] <= row[5] <= row[7]


def test_items_naming_a_missing_finding_are_counted_apart(synthetic_records) -> None:
    jsonl, db = synthetic_records
    dets = [d for r in _records(jsonl) for d in r["determinations"]]
    lacking = [d for d in dets if any(f["assertion"] == "not_documented" for f in d["finding_details"])]
    rows = {r[0]: r for r in _table(build(db), "missing").rows}
    assert 0 < len(lacking) < len(dets)
    assert rows[MISSING_SAID][1] == len(lacking)
    assert rows["no missing finding"][1] == len(dets) - len(lacking)
    assert rows[MISSING_SAID][4] == sum(d["decision"] == "OVERTURNED" for d in lacking)


def test_drug_groups_count_the_pharmaceutical_items(synthetic_records) -> None:
    jsonl, db = synthetic_records
    groups = Counter(d["service_taxonomy"]["drug_group"] for r in _records(jsonl) for d in r["determinations"]
                     if d["service_taxonomy"]["category"] == "pharmaceuticals")
    rows = {r[0]: r[1] for r in _table(build(db), "drug_group").rows}
    assert groups and rows == dict(groups)


def test_agreement_counts_items_where_the_reviewer_cites_the_administrators_id(synthetic_records) -> None:
    jsonl, db = synthetic_records
    both = same = 0
    for det in (d for r in _records(jsonl) for d in r["determinations"]):
        ca = {g["id"] for g in det["guidelines"] if g["cited_by"] == "claims_administrator"}
        rv = {g["id"] for g in det["guidelines"] if g["cited_by"] == "reviewer"}
        if ca and rv:
            both += 1
            same += bool(ca & rv)
    overall = _table(build(db), "agreement").rows[0]
    assert both > 0 and overall[:3] == ["all categories", both, same]


def test_jsonl_and_store_give_the_same_report(synthetic_records) -> None:
    jsonl, db = synthetic_records
    assert [t.rows for t in build(jsonl)] == [t.rows for t in build(db)]


def test_a_parquet_folder_gives_the_same_report_as_its_store(synthetic_records, tmp_path: Path) -> None:
    from imr_determinations.store import connect, export_parquet

    _, db = synthetic_records
    con = connect(db, read_only=True)
    try:
        export_parquet(con, tmp_path / "pq")
    finally:
        con.close()
    assert [t.rows for t in build(tmp_path / "pq")] == [t.rows for t in build(db)]


def test_a_csv_output_is_refused_with_what_to_do_instead(tmp_path: Path) -> None:
    csv = tmp_path / "determinations.csv"
    csv.write_text("source,id\nletter.txt,letter\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(csv)])
    assert result.exit_code == 2
    assert "imr report: error" in result.output and "--db" in result.output
    assert "Traceback" not in result.output


def test_data_quality_panel_counts_error_rows(synthetic_records) -> None:
    _, db = synthetic_records
    tables = build(db)
    errors = [r for r in _table(tables, "quality").rows if r[0] == "error"]
    assert sum(r[2] for r in errors) == 1
    assert dict(_table(tables, "overview").rows)["error rows"] == 1


def test_markdown_report_prints_every_table(synthetic_records) -> None:
    _, db = synthetic_records
    result = CliRunner().invoke(app, ["report", str(db), "--format", "md"])
    assert result.exit_code == 0
    for table in build(db):
        assert f"## {table.title}" in result.output
    assert "| category | items | share |" in result.output


@pytest.mark.parametrize("args", [["missing.duckdb"], ["x", "--format", "pdf"]])
def test_report_refuses_bad_arguments(args, tmp_path: Path) -> None:
    args = [str(tmp_path / args[0]), *args[1:]]
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == 2 and "imr report: error" in result.output


def test_synthetic_records_are_valid_records_and_load(tmp_path: Path) -> None:
    from imr_determinations.records import validate_record
    from imr_determinations.report.synthetic_records import iter_synthetic_records, write_synthetic_records
    from imr_determinations.store import connect, load_jsonl

    records = list(iter_synthetic_records(300, seed=1))
    for record in records:
        validate_record({k: v for k, v in record.items() if k != "input_sha256"})
    result = load_jsonl(connect(None), write_synthetic_records(tmp_path / "s.jsonl", 300, seed=1))
    assert result.added == 300 and {r["status"] for r in records} >= {"ok"}


def test_rate_chart_draws_one_bar_per_row_even_when_shortened_labels_coincide() -> None:
    from imr_determinations.report.plots import rate_bars
    from imr_determinations.report.queries import Table

    def svg(names: list[str]) -> str:
        rows = [[n, 10, 0.1, 10, 2, 0.2, 0.05, 0.5] for n in names]
        return rate_bars(Table("t", "t", "", ["x"] * 8, rows, "rate"))

    distinct = svg(["a", "b", "c"])
    prefix = "Physical Medicine & Rehabilitation, P"
    colliding = svg([prefix + "ain Management", prefix + "ediatric Rehabilitation", "c"])
    assert colliding.count('id="patch_') == distinct.count('id="patch_')
    assert colliding.count("Rehabilitation, P…") == 2  # one tick per bar, not one merged category
