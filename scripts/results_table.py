"""Render the results section from training/metrics/*.json; optionally put it into the README."""

from __future__ import annotations

from pathlib import Path

import typer

from imr_determinations.evaluation.results_table import MetricsMissingError, render, replace_section


def main(
    metrics_dir: Path = typer.Option(Path("training/metrics"), help="where the measurement commands wrote"),
    output: Path = typer.Option(Path("training/metrics/results.md"), help="markdown section to write"),
    readme: Path = typer.Option(None, help="also replace the results block of this README"),
) -> None:
    try:
        section = render(metrics_dir)
    except MetricsMissingError as exc:
        raise typer.BadParameter(str(exc)) from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(section, encoding="utf-8")
    if readme is not None:
        readme.write_text(replace_section(readme.read_text(encoding="utf-8"), section), encoding="utf-8")
    typer.echo(section)


if __name__ == "__main__":
    typer.run(main)
