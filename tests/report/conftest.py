"""Records the rules pipeline makes from synthetic letters (never real letter text): JSONL and a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_determinations.extract.run import run_extract
from imr_determinations.synth.generator import make_letter


@pytest.fixture(scope="session")
def synthetic_records(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(records.jsonl, records.duckdb) of 40 synthetic letters and one unreadable PDF (an error row)."""
    base = tmp_path_factory.mktemp("report")
    letters = base / "letters"
    letters.mkdir()
    for i in range(40):
        (letters / f"letter_{i:03d}.txt").write_text(make_letter(7, "heldout", i).text, encoding="utf-8")
    (letters / "broken.pdf").write_bytes(b"%PDF-1.4 not a pdf")
    jsonl, db = base / "records.jsonl", base / "records.duckdb"
    run_extract([str(letters)], model="rules", output=jsonl, db=db, quiet=True)
    return jsonl, db
