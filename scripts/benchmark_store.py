"""Scale check of the store and the report: load N synthetic records into DuckDB, render the report.

Writes load and render times, the DuckDB file size and its linear extrapolation to 2 million letters.
Usage: python scripts/benchmark_store.py --n 100000 --output training/metrics/store_benchmark.json
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import typer

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.report import build
from imr_determinations.report.render import to_html
from imr_determinations.report.synthetic_records import write_synthetic_records
from imr_determinations.store import connect, load_jsonl


def main(
    n: int = typer.Option(100_000, "--n", help="synthetic letters"),
    seed: int = typer.Option(0, help="seed of the synthetic records"),
    output: Path = typer.Option(Path("training/metrics/store_benchmark.json"), help="JSON output"),
) -> None:
    with tempfile.TemporaryDirectory(prefix="imr-store-bench-") as tmp:
        jsonl, db, html = Path(tmp) / "records.jsonl", Path(tmp) / "records.duckdb", Path(tmp) / "report.html"
        t = time.perf_counter()
        write_synthetic_records(jsonl, n, seed)
        generate_s = time.perf_counter() - t
        con = connect(db)
        loaded = load_jsonl(con, jsonl)
        again = load_jsonl(con, jsonl)
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("letters", "determinations", "guidelines", "findings", "diagnoses")}
        con.execute("CHECKPOINT")
        con.close()
        t = time.perf_counter()
        html.write_text(to_html(build(db), db.name), encoding="utf-8")
        report_s = time.perf_counter() - t
        size = db.stat().st_size
        result = {
            "letters": n, "rows": rows, "jsonl_mb": round(jsonl.stat().st_size / 1e6, 1),
            "generate_seconds": round(generate_s, 2), "load_seconds": round(loaded.seconds, 2),
            "reload_seconds": round(again.seconds, 2), "reload_added": again.added,
            "report_seconds": round(report_s, 2), "report_kb": round(html.stat().st_size / 1e3, 1),
            "duckdb_mb": round(size / 1e6, 1), "duckdb_mb_per_100k": round(size / 1e6 * 100_000 / n, 1),
            "duckdb_gb_at_2m_extrapolated": round(size / 1e9 * 2_000_000 / n, 2),
        }
    write_metrics(output, result)
    typer.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    typer.run(main)
