"""The ``imr`` command line: ``imr extract``, ``imr show`` and ``imr review ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .extract.cluster import ClusterError, ClusterLostError
from .extract.models import ModelNotFoundError
from .extract.resume import OutputLockedError
from .extract.run import EXIT_CODES_HELP, EXIT_SETUP, EXIT_STOPPED, FORMATS, run_extract
from .extract.writers import CSV_COLUMNS
from .io import DEFAULT_MAX_CHARS, MB_PER_100K_CHARS
from .review.cli import app as review_app
from .store_cli import app as db_app
from .store_cli import report

app = typer.Typer(
    help="IMR Final Determination Letters -> structured determination records.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(review_app, name="review")
app.add_typer(db_app, name="db")
app.command(help="Render the analysis report (HTML with plots, or markdown tables) from a store or JSONL.")(
    report
)

_CSV_HELP = ", ".join(CSV_COLUMNS)
_MODEL_HELP = (
    "spaCy pipeline: a package name or folder, or 'rules' for the no-training rule pipeline. "
    "Default: the installed en_imr_determinations package, else training/model-best."
)

_MAX_CHARS_HELP = (
    "Refuse letters longer than this many characters (they get an error row). With the trained pipeline "
    f"a process needs about {MB_PER_100K_CHARS} MB per 100,000 characters in one batch (--batch-size "
    "letters), so one letter at the default limit takes about 1 GB."
)


@app.command(
    help=(
        "Extract determination records from letters (.pdf/.txt files or folders, searched recursively).\n\n"
        "JSONL: one record per letter. CSV: one row per determination, case fields repeated, one row for "
        f"a letter with no determinations or an error. CSV columns: {_CSV_HELP}. A CSV cell starting with "
        "= + - @ TAB CR or ' gets one leading ' (spreadsheets then show it as text, not a formula).\n\n"
        "Parquet (--format parquet -o DIR): one file per store table (docs/analysis.md), exported from the "
        "DuckDB store DIR/records.duckdb (or --db) at the end of the run.\n\n"
        "A run takes a lock on OUTPUT.lock: a second run on the same output is refused.\n\n"
        f"{EXIT_CODES_HELP}"
    )
)
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Letters (.pdf/.txt) or folders of them")],
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output file (default: stdout)"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"Output format: {' | '.join(FORMATS)}")] = "jsonl",
    n_process: Annotated[
        int,
        typer.Option("--n-process", help="Worker processes: with N > 1 each reads, runs and builds the "
                     "records of whole letters (a worker that dies costs only its letter's error row); "
                     "Dask: LocalCluster workers"),
    ] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Letters per nlp.pipe batch")] = 16,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Skip inputs already in --output and append the rest; redo letters cut by a kill and "
            "inputs whose bytes changed (their old record is replaced)",
        ),
    ] = False,
    allow_mixed_models: Annotated[
        bool,
        typer.Option("--allow-mixed-models", help="Let --resume append to an output made with another model"),
    ] = False,
    engine: Annotated[str, typer.Option("--engine", help="local | dask (needs the 'scale' extra)")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, tcp://HOST:8786"),
    ] = None,
    max_chars: Annotated[
        int,
        typer.Option("--max-chars", help=_MAX_CHARS_HELP),
    ] = DEFAULT_MAX_CHARS,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress line (the summary is still printed)"),
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Also load every record into this DuckDB store (idempotent; "
                     "docs/analysis.md)"),
    ] = None,
) -> None:
    from .store import StoreError

    try:
        result = run_extract(
            paths,
            model=model,
            output=output,
            fmt=fmt,
            n_process=n_process,
            batch_size=batch_size,
            resume=resume,
            allow_mixed_models=allow_mixed_models,
            engine=engine,
            scheduler=scheduler,
            max_chars=max_chars,
            quiet=quiet,
            db=db,
        )
    except ClusterLostError as exc:
        typer.echo(f"imr extract: error: {exc}", err=True)
        raise typer.Exit(EXIT_STOPPED) from exc
    except (ModelNotFoundError, ValueError, OutputLockedError, StoreError, ClusterError) as exc:
        typer.echo(f"imr extract: error: {exc}", err=True)
        raise typer.Exit(EXIT_SETUP) from exc
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command(help="Show one letter with its labelled spans and linked records (terminal, or --html FILE).")
def show(
    letter: Annotated[Path, typer.Argument(help="A .pdf or .txt letter")],
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write a displaCy HTML page here")] = None,
    color: Annotated[
        bool | None,
        typer.Option("--color/--no-color", help="ANSI colours (default: when a tty)"),
    ] = None,
) -> None:
    from .io import LetterReadError
    from .show import run_show

    try:
        run_show(letter, model=model, html=html, color=color)
    except (ModelNotFoundError, LetterReadError) as exc:
        typer.echo(f"imr show: error: {exc}", err=True)
        raise typer.Exit(2) from exc


def main() -> None:  # pragma: no cover - console entry for `python -m`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
