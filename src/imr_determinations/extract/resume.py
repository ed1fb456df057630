"""``--resume`` and the output lock: reading back the letters an output already holds, keeping only
whole letters of current inputs, and the ``OUTPUT.lock`` that keeps two runs off one output."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .models import model_label
from .writers import CSV_COLUMNS, csv_value


class OutputLockedError(Exception):
    """Another ``imr extract`` holds the output's lock; the message names its pid."""


class OutputLock:
    """An exclusive, non-blocking ``flock`` on ``OUTPUT.lock`` (holding the writer's pid) for the
    whole run, so that two runs never write one output. A sidecar, not the output itself, because
    --resume may replace the output file. Removed on release; a lock file left by a killed run is
    harmless (the kernel drops a dead process's lock)."""

    def __init__(self, output: Path):
        self.output = output
        self.path = output.with_name(output.name + ".lock")
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputLockedError(
                    f"output {self.output} is being written by another imr extract (pid {pid})"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else the holder removed the file between our open and flock: retry
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


@dataclass
class _Written:
    """One letter already in the output: its key, model, status, byte range and whether it is whole."""

    source: str
    input_sha256: str | None
    model: str | None
    status: str | None
    start: int
    end: int
    complete: bool


def _jsonl_letters(path: Path) -> Iterator[_Written]:
    with path.open("rb") as fh:
        pos = 0
        for n, line in enumerate(fh, start=1):
            start, pos = pos, pos + len(line)
            if not line.endswith(b"\n"):  # torn by a kill
                yield _Written("", None, None, None, start, pos, False)
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                rec = None
            if not isinstance(rec, dict) or not isinstance(rec.get("source"), str):
                raise ValueError(f"cannot resume: line {n} of {path} is not an imr extract record")
            yield _Written(rec["source"], rec.get("input_sha256"), model_label(rec.get("model")),
                           rec.get("status"), start, pos, True)


def _csv_letters(path: Path) -> Iterator[_Written]:
    """Letters of a CSV output: consecutive rows of one (source, input_sha256), as many as their
    ``rows_in_letter`` says; a letter with fewer rows, or a torn row, is incomplete."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    with path.open("rb") as fh:
        offsets = [0]  # end of each line read so far
        ended = [True]  # whether the last line read ends in a newline (not torn by a kill)

        def lines() -> Iterator[str]:
            for raw in fh:
                offsets.append(offsets[-1] + len(raw))
                ended[0] = raw.endswith(b"\n")
                yield raw.decode("utf-8", "surrogateescape")

        reader = csv.reader(lines())
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise ValueError(f"cannot resume: {path} is not an imr extract CSV ({exc})") from exc
        if header != list(CSV_COLUMNS):
            raise ValueError(f"cannot resume: the columns of {path} differ from the ones this version "
                             "writes (an older imr, or not an imr extract CSV); write to a new --output")
        ncols, col = len(CSV_COLUMNS), {c: i for i, c in enumerate(CSV_COLUMNS)}
        cur: _Written | None = None
        rows = want = 0
        while True:
            start = offsets[-1]
            try:
                row = next(reader, None)
            except csv.Error:
                row = []
            torn = row is not None and (len(row) != ncols or not ended[0])
            if row is not None and not torn:
                key = (csv_value(row[0]), row[col["input_sha256"]] or None)
                if cur is not None and (key != (cur.source, cur.input_sha256) or rows >= want):
                    cur.complete = rows == want
                    yield cur
                    cur = None
                if cur is None:
                    try:
                        want = int(row[col["rows_in_letter"]])
                    except ValueError:
                        want = 0
                    cur = _Written(key[0], key[1], csv_value(row[col["model"]]) or None,
                                   row[col["status"]], start, start, False)
                    rows = 0
                rows += 1
                cur.end = offsets[-1]
                continue
            if cur is not None:
                cur.complete = rows == want
                yield cur
                cur = None
            if row is None:
                return
            yield _Written("", None, None, None, start, offsets[-1], False)


@dataclass
class ResumePlan:
    """What --resume found in the output: inputs already done and what it removed."""

    done: set[str] = field(default_factory=set)
    done_errors: int = 0
    replaced: list[str] = field(default_factory=list)
    dropped_incomplete: int = 0


def plan_resume(
    output: Path, fmt: str, current: dict[str, str | None], model: str | None, allow_mixed_models: bool
) -> ResumePlan:
    """Read ``output`` and make it hold only whole letters of current inputs' current bytes.

    Inputs whose bytes changed lose their old record (the caller redoes them, with a warning);
    incomplete letters (a torn line, a CSV letter missing rows) are dropped and redone; a letter
    written twice keeps its first copy. Letters of other inputs are kept. Refuses (ValueError) an
    output made with another model unless ``allow_mixed_models``.
    """
    letters = list(_jsonl_letters(output) if fmt == "jsonl" else _csv_letters(output))
    plan = ResumePlan()
    keep: list[_Written] = []
    seen: set[tuple[str, str | None]] = set()
    for w in letters:
        key = (w.source, w.input_sha256)
        if not w.complete:
            plan.dropped_incomplete += 1
        elif w.source in current and current[w.source] != w.input_sha256:
            plan.replaced.append(w.source)
        elif key not in seen:
            seen.add(key)
            keep.append(w)
            if w.source in current:
                plan.done.add(w.source)
                plan.done_errors += w.status == "error"
    plan.replaced = sorted(set(plan.replaced) - plan.done)
    others = sorted({w.model or "an unrecorded model (older imr)" for w in keep if w.model != model})
    if others and not allow_mixed_models:
        raise ValueError(f"cannot resume {output}: it was written with {', '.join(others)}; this run uses "
                         f"{model}. Use the same --model, a new --output, or --allow-mixed-models")
    if len(keep) < len(letters):
        _keep_only(output, fmt, keep, letters)
    return plan


def _keep_only(output: Path, fmt: str, keep: list[_Written], letters: list[_Written]) -> None:
    """Remove the letters not in ``keep``: truncate when they are all at the end (a killed run),
    else write the kept byte ranges to a temp file and ``os.replace`` the output with it."""
    kept = {id(w) for w in keep}
    first_dropped = next(k for k, w in enumerate(letters) if id(w) not in kept)
    if all(id(w) not in kept for w in letters[first_dropped:]):
        os.truncate(output, letters[first_dropped].start)
        return
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    with output.open("rb") as src, tmp.open("wb") as dst:
        if fmt == "csv":
            dst.write(src.read(letters[0].start if letters else 0))
        for w in keep:
            src.seek(w.start)
            dst.write(src.read(w.end - w.start))
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, output)
