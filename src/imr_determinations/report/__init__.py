"""``imr report``: the analysis report (HTML with inline SVG plots, or markdown tables)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from ..store import StoreError, connect, load_jsonl
from .queries import Table, all_tables


def open_source(source: Path) -> duckdb.DuckDBPyConnection:
    """A store read-only, or a JSONL file loaded into an in-memory store."""
    if not source.is_file():
        raise StoreError(f"{source}: no such file")
    if source.suffix in (".jsonl", ".json", ".ndjson"):
        con = connect(None)
        load_jsonl(con, source)
        return con
    return connect(source, read_only=True)


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
