"""Where and when a measurement was made, stored beside its figures.

Trained weights and timings differ across CPUs, so every metrics file says which machine produced it;
the results table quotes this instead of guessing.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine_description() -> str:
    """One line: CPU model, cores, memory, Python and spaCy versions."""
    import spacy

    mem = _memory_gib()
    parts = [_cpu_model(), f"{os.cpu_count()} cores"]
    if mem is not None:
        parts.append(f"{mem:g} GiB")
    parts += [f"Python {platform.python_version()}", f"spaCy {spacy.__version__}"]
    return ", ".join(parts)


def provenance() -> dict[str, Any]:
    """``{"date": ISO-8601 UTC, "machine": ...}`` for a metrics file."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine_description(),
    }


def write_metrics(path: Path, result: dict[str, Any]) -> None:
    """Write a measurement's JSON with its ``measured_on`` stamp (added unless the result has one)."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"measured_on": provenance(), **result}, indent=2) + "\n", encoding="utf-8")
