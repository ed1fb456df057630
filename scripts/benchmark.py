"""Speed benchmark: PDF extraction, tokenizer floor, pipeline with/without linker, n_process 1 vs 2.

Every configuration runs on the same texts in its own forked process, so the peak RSS it
reports is its own: ``VmHWM`` of that process (reset through /proc/self/clear_refs where
the kernel allows, else inherited from the parent) and ``RUSAGE_CHILDREN.ru_maxrss`` for
the largest spaCy worker when n_process > 1. Each measurement is warmed up once and
repeated until it has run for at least --min-seconds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import spacy
import typer

from imr_determinations.evaluation.benchmark import (
    init_untrained,
    int_list,
    load_texts,
    markdown_table,
    run_benchmark,
)

ROOT = Path(__file__).resolve().parents[1]

app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    model: Annotated[Path, typer.Argument(help="Trained pipeline directory (e.g. training/model-best)")],
    letters_dir: Annotated[
        Path | None, typer.Option(help="Letters (PDF/txt); else corpus/dev.spacy, else corpus/seeds")
    ] = None,
    output: Annotated[Path, typer.Option(help="JSON report")] = Path("training/metrics/benchmark.json"),
    markdown: Annotated[Path | None, typer.Option(help="Also write the markdown table here")] = None,
    min_seconds: Annotated[float, typer.Option(help="Minimum timed seconds per measurement")] = 3.0,
    batch_sizes: Annotated[str, typer.Option(help="Comma-separated batch sizes")] = "16,64",
    n_process: Annotated[str, typer.Option(help="Comma-separated n_process values")] = "1,2",
    limit: Annotated[int, typer.Option(help="Use at most this many letters (0 = all)")] = 0,
    copies: Annotated[
        int, typer.Option(help="Feed the letters this many times per pass, so process start-up is amortised")
    ] = 1,
    profile_letters: Annotated[int, typer.Option(help="Letters for the per-component profile")] = 10,
    init_config: Annotated[
        Path | None, typer.Option(help="If MODEL does not exist, time an untrained pipeline from this config")
    ] = None,
    train_log: Annotated[
        Path | None, typer.Option(help="JSON {'train_seconds': N} or a log with 'training time: N s'")
    ] = None,
    wheels_dir: Annotated[Path, typer.Option(help="Report sizes of the wheels found here")] = Path(
        "packages/wheels"
    ),
    also_without: Annotated[
        list[str] | None, typer.Option(help="Extra row with these comma-separated components disabled")
    ] = None,
) -> None:
    """Benchmark MODEL and write the JSON report and a markdown table."""
    texts, pdfs, source = load_texts(letters_dir, limit, root=ROOT)
    if copies > 1:
        texts = texts * copies
        source = f"{source} (x{copies} per pass)"
    if model.is_dir():
        nlp = spacy.load(model)
        model_path: Path | None = model
    elif init_config is not None:
        typer.echo(f"{model} not found: timing an untrained pipeline from {init_config}", err=True)
        nlp = init_untrained(init_config, texts)
        model_path = None
    else:
        raise typer.BadParameter(f"model not found: {model} (train first, or pass --init-config)")
    report = run_benchmark(
        nlp,
        texts,
        text_source=source,
        pdf_paths=pdfs,
        batch_sizes=int_list(batch_sizes),
        n_processes=int_list(n_process),
        min_seconds=min_seconds,
        profile_letters=profile_letters,
        model_path=model_path,
        train_log=train_log,
        wheels_dir=wheels_dir,
        also_without=[[n.strip() for n in v.split(",") if n.strip()] for v in also_without or []],
    )
    table = markdown_table(report)
    report["markdown"] = table
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(table)
    sys.stdout.write(table)


if __name__ == "__main__":
    app()
