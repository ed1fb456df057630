"""``imr db load`` and ``imr report``: the command-line side of the analytical store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The DuckDB analytical store (docs/analysis.md).", no_args_is_help=True)


@app.command(help="Load imr extract JSONL files into a DuckDB store. Idempotent: stored letters are skipped.")
def load(
    jsonl: Annotated[list[Path], typer.Argument(help="records.jsonl files written by imr extract")],
    db: Annotated[Path, typer.Option("--db", help="The DuckDB file (created if missing)")],
) -> None:
    from .store import StoreError, connect, load_jsonl

    try:
        con = connect(db)
        for path in jsonl:
            typer.echo(f"imr db load: {path}: {load_jsonl(con, path).summary()}", err=True)
        con.close()
    except StoreError as exc:
        typer.echo(f"imr db load: error: {exc}", err=True)
        raise typer.Exit(2) from exc


def report(
    source: Annotated[
        Path, typer.Argument(help="records.duckdb (a store), records.jsonl, or a --format parquet folder")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (default: stdout)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html | md")] = "html",
) -> None:
    from .report import run_report
    from .store import StoreError

    if fmt not in ("html", "md"):
        typer.echo(f"imr report: error: unknown format {fmt!r}; choose html or md", err=True)
        raise typer.Exit(2)
    try:
        run_report(source, output, fmt)
    except StoreError as exc:
        typer.echo(f"imr report: error: {exc}", err=True)
        raise typer.Exit(2) from exc
