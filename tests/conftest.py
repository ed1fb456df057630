"""Shared fixtures: the generated hostile corpus, a synthetic letter, the real-letters folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imr_determinations.synth import hostile

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LETTERS = Path("..") / "shared" / "letters"

pytest_plugins = ["pytester"]


def real_letters_dir() -> Path:
    """Where the real letters are: ``LETTERS_DIR`` when set (a relative path is taken from the repo,
    as ``scripts/run_all.sh`` takes it), else ../shared/letters next to the repo."""
    path = Path(os.environ.get("LETTERS_DIR") or DEFAULT_LETTERS).expanduser()
    return (path if path.is_absolute() else REPO / path).resolve()


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{case name: path} of every hostile input, written once per test session."""
    return hostile.build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def synthetic_letter() -> str:
    return hostile.synthetic_letter()


@pytest.fixture
def letter_folder(tmp_path: Path) -> Path:
    """A folder of 6 small letters (text and text-layer PDF) that differ in their case number."""
    folder = tmp_path / "letters"
    folder.mkdir()
    base = hostile.synthetic_letter()
    for i in range(6):
        text = base.replace("CM99-0000001", f"CM99-000010{i}")
        if i % 3 == 2:
            (folder / f"letter_{i}.pdf").write_bytes(hostile.text_pdf(text))
        else:
            (folder / f"letter_{i}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def shared_letters() -> Path:
    """The real letters (every test that reads them takes this fixture); skips where absent."""
    path = real_letters_dir()
    if not path.is_dir() or not any(path.glob("*.pdf")):
        pytest.skip(f"real letters not found at {path} (set LETTERS_DIR to the folder of letter PDFs)")
    return path
