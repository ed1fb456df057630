"""Build the pipeline wheel (en_<name>) and the imr-determinations wheel it requires.

`spacy package` records `imr-determinations` as a requirement because the pipeline's
custom factories come from that installed distribution (entry points), so both wheels
are collected in packages/wheels for `pip install packages/wheels/*.whl`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import typer


def main(
    model: Path,
    output_dir: Path,
    name: str = typer.Option("imr_determinations"),
    version: str = typer.Option("0.1.0"),
    max_mb: float = typer.Option(30.0, help="Fail if the pipeline wheel is larger"),
) -> None:
    project_root = Path(__file__).resolve().parents[1]
    output_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(model), str(output_dir), "--name", name,
         "--version", version, "--build", "wheel", "--force"],
        check=True,
    )
    wheels = output_dir / "wheels"
    if wheels.exists():
        shutil.rmtree(wheels)
    wheels.mkdir()
    for whl in (output_dir / f"en_{name}-{version}" / "dist").glob("*.whl"):
        shutil.copy(whl, wheels / whl.name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
         str(project_root)],
        check=True,
    )
    for whl in sorted(wheels.glob("*.whl")):
        size = whl.stat().st_size / 1e6
        typer.echo(f"{whl.name}: {size:.2f} MB")
        if whl.name.startswith(f"en_{name}") and size > max_mb:
            raise SystemExit(f"pipeline wheel is {size:.1f} MB, over the {max_mb} MB budget")


if __name__ == "__main__":
    typer.run(main)
