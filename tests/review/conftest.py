"""Fixtures for the review loop: a rule-based pipeline (no trained model) and invented letters."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from review_fixtures import LETTER_A, LETTER_B, make_rule_nlp
from spacy.language import Language


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "rules"
    make_rule_nlp().to_disk(path)
    return path


@pytest.fixture(scope="session")
def rule_nlp(model_dir: Path) -> Language:
    return spacy.load(model_dir)


@pytest.fixture
def letters_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "CM00-0000001.txt").write_text(LETTER_A, encoding="utf-8")
    (folder / "CM00-0000002.txt").write_text(LETTER_B, encoding="utf-8")
    return folder


@pytest.fixture
def linked_letters(tmp_path: Path) -> Path:
    """Invented letters the rules pipeline links: page citations, a partial certification, several items."""
    from layouts import LAYOUT_2016, NOTICE_2013, SEED_LAYOUT

    folder = tmp_path / "linked"
    folder.mkdir()
    for name, text in (
        ("CM13-0001234", NOTICE_2013),  # two items, guidelines with pages 341-343, 67, 67-68
        ("CM16-0000001", LAYOUT_2016),  # Acupuncture: 10 requested, 4 authorized, 6 in dispute
        ("CM00-0000009", SEED_LAYOUT),  # Page(s): 173-174 and 98-99
    ):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder
