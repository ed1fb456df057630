from pathlib import Path

import numpy
import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from imr_determinations.focus import FocusPipeError, skipped_tokens
from imr_determinations.tokenizer import blank_nlp

SEEDS = Path(__file__).resolve().parents[1] / "corpus" / "seeds"
SEEN: list[str] = []


@Language.component("test_focus_fake_model")
def fake_model(doc: Doc) -> Doc:
    """Stands in for the trained components: remembers what it read, marks words it recognises."""
    SEEN.append(doc.text)
    words = [t for t in doc if t.lower_ in ("affiliation", "request", "upheld")]
    doc.ents = [Span(doc, t.i, t.i + 1, label="DECISION") for t in words if t.lower_ == "upheld"]
    spans = [Span(doc, t.i, t.i + 1, label="CLINICAL_FINDING") for t in words]
    doc.spans["sc"] = SpanGroup(doc, name="sc", attrs={"scores": numpy.arange(len(spans), dtype="f")},
                                spans=spans)
    for t in words:
        t.tag_ = "B"
    return doc


def _pipeline(*, restore: bool = True) -> Language:
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_focus")
    nlp.add_pipe("test_focus_fake_model")
    if restore:
        nlp.add_pipe("imr_focus_restore")
    return nlp


@pytest.fixture(scope="module")
def letter() -> str:
    return next(SEEDS.glob("*.txt")).read_text()


def test_the_models_do_not_read_the_reviewer_block_and_the_letter_comes_back_whole(letter: str) -> None:
    SEEN.clear()
    doc = _pipeline()(letter)
    assert doc.text == letter
    assert "HOW THE IMR FINAL DETERMINATION WAS MADE" in letter
    assert "HOW THE IMR FINAL DETERMINATION WAS MADE" not in SEEN[0]
    assert len(SEEN[0]) < len(letter)
    # what the model marked lands on the same words of the whole letter, with its scores and tags
    assert doc.ents and all(e.text.lower() == "upheld" for e in doc.ents)
    sc = doc.spans["sc"]
    assert [s.text.lower() for s in sc] and {s.text.lower() for s in sc} <= {"request", "upheld"}
    assert list(sc.attrs["scores"]) == list(range(len(sc)))
    assert {t.tag_ for s in sc for t in s} == {"B"}
    assert "sections" in doc.spans
    # "affiliation" occurs only in the reviewer block: the model never saw it
    assert "affiliation" in letter.lower()


def test_a_reviewer_block_that_ends_the_letter_is_kept(letter: str) -> None:
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    start = letter.index("HOW THE IMR FINAL DETERMINATION WAS MADE")
    end = letter.index("Review determinations.", start) + len("Review determinations.")
    cut = nlp(letter[:end])  # the letter ends with the reviewer block
    assert [s.label_ for s in cut.spans["sections"]] == ["reviewer"]
    assert skipped_tokens(cut, ["reviewer"]) == set()
    assert skipped_tokens(nlp(letter), ["reviewer"])


def test_a_letter_without_a_reviewer_block_is_passed_through_as_it_is() -> None:
    SEEN.clear()
    nlp = _pipeline()
    text = "The request for physical therapy is Upheld."
    doc = nlp(text)
    assert SEEN == [text] and doc.text == text and [e.text for e in doc.ents] == ["Upheld"]


def test_focus_without_restore_is_a_pipeline_error(letter: str) -> None:
    with pytest.raises(FocusPipeError, match="imr_focus_restore"):
        _pipeline(restore=False)(letter)
    nlp = _pipeline()
    with nlp.select_pipes(disable=["imr_focus_restore"]), pytest.raises(FocusPipeError):
        nlp(letter)


def test_two_processes_give_the_whole_letters_back(letter: str) -> None:
    nlp = _pipeline()
    texts = [letter, letter[:2000], "Upheld."]
    one = [(d.text, [(e.start_char, e.end_char) for e in d.ents]) for d in nlp.pipe(texts)]
    two = [(d.text, [(e.start_char, e.end_char) for e in d.ents]) for d in nlp.pipe(texts, n_process=2)]
    assert one == two and [t for t, _ in one] == texts


def test_a_pipeline_saved_before_the_focus_gets_it_on_load_with_the_same_records(
    tmp_path: Path, letter: str
) -> None:
    from imr_determinations.extract.models import load_model, with_missing_findings
    from imr_determinations.records import doc_to_record

    old = blank_nlp()
    old.add_pipe("tok2vec")
    old.add_pipe("imr_sections")
    old.add_pipe("imr_determination_linker", config={"rules_only": True})
    old.initialize()
    old.to_disk(tmp_path / "old")
    loaded = load_model(str(tmp_path / "old"))
    assert loaded.pipe_names == [
        "imr_sections", "imr_focus", "tok2vec", "imr_focus_restore", "imr_missing_findings",
        "imr_determination_linker",
    ]
    unfocused = with_missing_findings(old)  # the focus alone must not change the records
    sha = "0" * 64
    assert doc_to_record(loaded(letter), "l.txt", sha) == doc_to_record(unfocused(letter), "l.txt", sha)
