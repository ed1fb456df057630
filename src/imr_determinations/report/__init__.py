"""``imr report``: the analysis report (HTML with inline SVG plots, or markdown tables)."""

from __future__ import annotations

from pathlib import Path


def run_report(source: Path, output: Path | None, fmt: str) -> None:
    raise NotImplementedError
