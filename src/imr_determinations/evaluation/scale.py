"""Cost against the number of letters: ``imr extract`` over 1k, 10k, ... synthetic letters.

Each size runs as its own ``imr extract`` process (as a user runs it), so its wall time includes loading
the model once and its peak RSS is that of the largest process it started (``RUSAGE_CHILDREN``; with
``--n-process`` above 1 that is the largest worker). Linear cost shows as a flat time per letter beyond
the start-up, which is measured by a run over one letter; a cache or store that grew with the letters
would show as a rising time per letter or RSS. The letters are the generator's held-out split, every
one different, so strings new to the vocabulary keep coming as they do in an archive.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..synth.generator import make_letter
from ..synth.lexicon import SPLIT_HELDOUT

# runs a command and prints the peak RSS (KB) of the largest process it started: a fresh parent per run,
# since RUSAGE_CHILDREN only ever grows
_PEAK_OF = (
    "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)"
)


def write_letters(folder: Path, n: int, seed: int,
                  progress: Callable[[str], None] | None = None) -> list[Path]:
    """``n`` synthetic held-out letters as .txt files in ``folder`` (those already there are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"letter-{i:07d}.txt"
        if not path.exists():
            path.write_text(make_letter(seed, SPLIT_HELDOUT, i).text, encoding="utf-8")
        paths.append(path)
        if progress and (i + 1) % 10_000 == 0:
            progress(f"wrote {i + 1:,} letters")
    return paths


def time_extract(paths: list[Path], model: str, n_process: int, output: Path) -> dict[str, Any]:
    """One ``imr extract`` process over ``paths`` (listed in a folder of links): wall seconds, peak RSS."""
    folder = output.with_suffix(".inputs")
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        link = folder / path.name
        if not link.exists():
            link.symlink_to(path.resolve())
    cmd = [sys.executable, "-m", "imr_determinations", "extract", str(folder), "--model", model,
           "--output", str(output), "--n-process", str(n_process), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK_OF, *cmd], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"imr extract failed ({done.returncode}): {done.stderr[-2000:]}")
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    with output.open(encoding="utf-8") as f:
        records = sum(1 for _ in f)
    return {
        "letters": len(paths), "records": records, "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def run_scale(model: str, sizes: list[int], n_process: int, workdir: Path, seed: int = 0,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Time ``imr extract`` at each size (smallest first) after a one-letter run for the start-up."""
    say = progress or (lambda _message: None)
    paths = write_letters(workdir / "letters", max(sizes), seed, say)
    runs = []
    say("one letter (start-up)")
    startup = time_extract(paths[:1], model, n_process, workdir / "out-1.jsonl")
    for n in sorted(sizes):
        say(f"{n:,} letters")
        run = time_extract(paths[:n], model, n_process, workdir / f"out-{n}.jsonl")
        run["ms_per_letter_after_startup"] = round(1000 * (run["seconds"] - startup["seconds"]) / n, 2)
        runs.append(run)
    return {
        "date": dt.date.today().isoformat(), "model": model, "n_process": n_process, "seed": seed,
        "cpu_count": os.cpu_count(), "startup": startup, "runs": runs,
    }


def markdown_table(report: dict[str, Any]) -> str:
    lines = [
        f"`imr extract --n-process {report['n_process']}` over synthetic letters, model {report['model']}, "
        f"{report['date']}; start-up (one letter) {report['startup']['seconds']:.1f} s.",
        "",
        "| letters | records | seconds | ms per letter after start-up | peak RSS per process (MB) |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["runs"]:
        lines.append(f"| {r['letters']:,} | {r['records']:,} | {r['seconds']:,.1f} | "
                     f"{r['ms_per_letter_after_startup']:.1f} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines) + "\n"
