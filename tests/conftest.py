"""Shared fixtures: the generated hostile corpus, a synthetic letter, the real-letters folder."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LETTERS = Path("..") / "shared" / "letters"

pytest_plugins = ["pytester"]


def real_letters_dir() -> Path:
    """Where the real letters are: ``LETTERS_DIR`` when set (a relative path is taken from the repo,
    as ``scripts/run_all.sh`` takes it), else ../shared/letters next to the repo."""
    path = Path(os.environ.get("LETTERS_DIR") or DEFAULT_LETTERS).expanduser()
    return (path if path.is_absolute() else REPO / path).resolve()


def _load_script(name: str) -> ModuleType:
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_scripts_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def assemble_mod() -> ModuleType:
    """scripts/assemble_corpus.py as a module (which letters each training stage reads)."""
    return _load_script("assemble_corpus")


@pytest.fixture(scope="session")
def evaluate_mod() -> ModuleType:
    """scripts/evaluate.py as a module (span scores, overlap scores, suggester recall)."""
    return _load_script("evaluate")


@pytest.fixture(scope="session")
def seed_spread_mod() -> ModuleType:
    """scripts/seed_spread.py as a module (score spread over training seeds)."""
    return _load_script("seed_spread")


@pytest.fixture(scope="session")
def hostile_mod() -> ModuleType:
    """scripts/make_hostile_corpus.py as a module (PDF writers, synthetic letter)."""
    return _load_script("make_hostile_corpus")


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory, hostile_mod: ModuleType) -> dict[str, Path]:
    """{case name: path} of every hostile input, written once per test session."""
    return hostile_mod.build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def synthetic_letter(hostile_mod: ModuleType) -> str:
    return hostile_mod.synthetic_letter()


@pytest.fixture
def letter_folder(tmp_path: Path, hostile_mod: ModuleType) -> Path:
    """A folder of 6 small letters (text and text-layer PDF) that differ in their case number."""
    folder = tmp_path / "letters"
    folder.mkdir()
    base = hostile_mod.synthetic_letter()
    for i in range(6):
        text = base.replace("CM99-0000001", f"CM99-000010{i}")
        if i % 3 == 2:
            (folder / f"letter_{i}.pdf").write_bytes(hostile_mod.text_pdf(text))
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
