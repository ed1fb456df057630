"""Cost against the number of letters: `imr extract` over growing sets of synthetic letters.

Usage: python scripts/benchmark_scale.py training/model-best --sizes 1000,10000 --n-process 2
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from imr_determinations.evaluation.benchmark import int_list
from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.scale import markdown_table, run_scale


def main(
    model: str = typer.Argument(..., help="pipeline folder, package name or 'rules'"),
    sizes: str = typer.Option("1000,10000", help="comma-separated numbers of letters"),
    n_process: int = typer.Option(2, help="--n-process of each imr extract run"),
    seed: int = typer.Option(0, help="seed of the synthetic letters"),
    workdir: Path | None = typer.Option(None, help="keep letters and outputs here (default: a temp folder)"),
    output: Path = typer.Option(Path("training/metrics/scale.json")),
) -> None:
    with tempfile.TemporaryDirectory(prefix="imr-scale-") as tmp:
        report = run_scale(model, int_list(sizes), n_process, workdir or Path(tmp), seed,
                           progress=lambda message: typer.echo(message, err=True))
    report["markdown"] = markdown_table(report)
    write_metrics(output, report)
    typer.echo(report["markdown"])


if __name__ == "__main__":
    typer.run(main)
