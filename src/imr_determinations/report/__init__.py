"""``imr report``: the analysis report (HTML with inline SVG plots, or markdown tables)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from ..store import TABLES, StoreError, connect, load_jsonl
from .queries import Table, all_tables

READS = ("a DuckDB store (imr extract --db)", "a JSONL file (imr extract -o records.jsonl)",
         "a Parquet folder (imr extract --format parquet -o DIR)")


def open_source(source: Path) -> duckdb.DuckDBPyConnection:
    """A store read-only, a JSONL file loaded into an in-memory store, or the tables of a Parquet folder."""
    if source.is_dir():
        return _open_parquet(source)
    if not source.is_file():
        raise StoreError(f"{source}: no such file or folder")
    if source.suffix in (".jsonl", ".json", ".ndjson"):
        con = connect(None)
        load_jsonl(con, source)
        return con
    with source.open("rb") as fh:
        magic = fh.read(16)
    if magic[8:12] != b"DUCK":  # a DuckDB file has its magic bytes at offset 8
        raise StoreError(f"{source}: not a file imr report reads; it reads {', '.join(READS)}"
                         + (" (a CSV file flattens the records: extract with --db or as JSONL)"
                            if source.suffix.lower() == ".csv" else ""))
    return connect(source, read_only=True)


def _open_parquet(folder: Path) -> duckdb.DuckDBPyConnection:
    """The tables ``--format parquet`` wrote, as views of an in-memory database."""
    missing = [t for t in TABLES if not (folder / f"{t}.parquet").is_file()]
    if missing:
        raise StoreError(f"{folder}: a folder must hold the Parquet tables of imr extract --format parquet; "
                         f"missing {', '.join(t + '.parquet' for t in missing)}")
    con = duckdb.connect(":memory:")
    for table in TABLES:
        path = str(folder / f"{table}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    con.execute("CREATE VIEW errors AS SELECT * FROM read_parquet('"
                + str(folder / "errors.parquet").replace("'", "''") + "')"
                if (folder / "errors.parquet").is_file() else
                "CREATE VIEW errors AS SELECT * FROM letters WHERE status = 'error'")
    return con


def build(source: Path) -> list[Table]:
    con = open_source(source)
    try:
        return all_tables(con)
    finally:
        con.close()


def run_report(source: Path, output: Path | None, fmt: str) -> None:
    from .render import to_html, to_markdown

    tables = build(source)
    text = (to_html if fmt == "html" else to_markdown)(tables, source.name)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
