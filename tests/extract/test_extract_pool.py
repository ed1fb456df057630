"""`imr extract --n-process N` on the local engine: whole letters (reading, PDF text extraction, the
pipeline, the records) run in N forked workers, the parent only writes; a worker that dies costs only
the letter that killed it."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import pytest
from spacy.language import Language

from imr_determinations.extract import local
from imr_determinations.extract.models import build_rules_pipeline
from imr_determinations.extract.run import run_extract

KILL_MARKER = "KILL-THIS-WORKER"


def _finishes(seconds: int, fn, *args, **kw) -> None:
    """fn(*args, **kw) in a forked child with its own process group: a run that hangs fails the test
    (and the group, workers included, is killed) instead of hanging the test run."""

    def child() -> None:
        os.setpgrp()
        fn(*args, **kw)

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(seconds)
    if proc.is_alive():
        os.killpg(proc.pid, signal.SIGKILL)
        proc.join()
        pytest.fail(f"still running after {seconds}s")
    assert proc.exitcode == 0, "the run failed (its traceback is in the captured stderr)"


def _run(folder: Path, out: Path, **kw) -> None:
    run_extract([str(folder)], model="rules", output=out, quiet=True, batch_size=2, partition_size=2, **kw)
    assert not multiprocessing.active_children(), "worker processes left running"


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@Language.component("test_pool_kill_on_marker")
def _kill_on_marker(doc):
    if KILL_MARKER in doc.text:
        os.kill(os.getpid(), signal.SIGKILL)
    return doc


def _killing_nlp(spec: str) -> Language:
    nlp = build_rules_pipeline()
    nlp.add_pipe("test_pool_kill_on_marker", first=True)
    return nlp


def test_two_processes_write_the_same_bytes_as_one(letter_folder: Path, tmp_path: Path) -> None:
    (letter_folder / "letter_2b.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (letter_folder / "letter_4b.txt").write_text("   \n", encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    _run(letter_folder, one, n_process=1)
    _finishes(60, _run, letter_folder, two, n_process=2)
    assert two.read_bytes() == one.read_bytes()
    status = [(Path(r["source"]).name, r["status"]) for r in _records(two)]
    assert [name for name, _ in status] == sorted(p.name for p in letter_folder.iterdir())
    assert {name for name, s in status if s == "error"} == {"letter_2b.pdf", "letter_4b.txt"}


def test_a_letter_that_kills_its_worker_gets_an_error_row_and_the_run_goes_on(
    letter_folder: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.jsonl"
    _run(letter_folder, clean, n_process=1)
    bad = letter_folder / "letter_3.txt"
    bad.write_text(bad.read_text(encoding="utf-8") + f"\n{KILL_MARKER}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    _finishes(60, _run, letter_folder, out, n_process=2, nlp_factory=_killing_nlp)
    recs = _records(out)
    assert [Path(r["source"]).name for r in recs] == sorted(p.name for p in letter_folder.iterdir())
    died = recs.pop(3)
    assert (Path(died["source"]).name, died["status"]) == ("letter_3.txt", "error")
    assert died["error"] == "the worker process died while running this letter (killed by SIGKILL)"
    expected = _records(clean)
    del expected[3]
    assert recs == expected  # every other letter: its record, as a run without the marker wrote it


def test_letters_are_read_in_the_workers_not_in_the_parent(
    letter_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent, real = os.getpid(), local.read_letter

    def read_letter(path, **kw):
        if os.getpid() == parent:
            raise AssertionError("read_letter ran in the parent")
        return real(path, **kw)

    monkeypatch.setattr(local, "read_letter", read_letter)
    out = tmp_path / "out.jsonl"
    _run(letter_folder, out, n_process=2)
    assert [(r["status"], r["error"]) for r in _records(out)] == [("ok", None)] * 6


class _FailingStream:
    """stdout that breaks after the first record, like a closed pipe."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        if self.writes > 1:
            raise BrokenPipeError("reader went away")
        return len(text)

    def flush(self) -> None:
        pass


def _write_to_a_broken_pipe(folder: Path) -> None:
    with pytest.raises(BrokenPipeError):
        run_extract([str(folder)], model="rules", quiet=True, n_process=2, batch_size=1, partition_size=1,
                    stdout=_FailingStream())
    assert not multiprocessing.active_children(), "worker processes left running"


def test_an_error_while_writing_leaves_no_worker_running(letter_folder: Path) -> None:
    _finishes(60, _write_to_a_broken_pipe, letter_folder)
