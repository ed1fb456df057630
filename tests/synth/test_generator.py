import re
import time
from collections import Counter

import pytest
from spacy.tokens import DocBin

from imr_determinations.labels import ALL_LABELS, CANDIDATES_KEY, NER_LABELS, SPAN_LABELS, SPANS_KEY
from imr_determinations.synth import LAYOUTS, Lexicon, generate, letter_to_doc, write_corpus
from imr_determinations.synth.lexicon import visible
from imr_determinations.tokenizer import blank_nlp

N = 30


@pytest.fixture(scope="module")
def nlp():
    return blank_nlp()


@pytest.fixture(scope="module")
def letters():
    return {split: list(generate(0, N, split)) for split in ("train", "heldout")}


def test_same_seed_same_output_different_seed_differs(letters):
    again = list(generate(0, 5, "train"))
    assert [(t, s) for t, s, _ in again] == [(t, s) for t, s, _ in letters["train"][:5]]
    other = list(generate(1, 5, "train"))
    assert [t for t, _, _ in other] != [t for t, _, _ in again]


def test_every_span_aligns_and_has_a_known_label(letters, nlp):
    for split_letters in letters.values():
        for text, spans, _meta in split_letters:
            doc = letter_to_doc(nlp, text, spans)
            assert len(doc.ents) + len(doc.spans[SPANS_KEY]) == len(spans)
            assert [s.label_ for s in doc.spans[CANDIDATES_KEY]] == [s.label_ for s in doc.spans[SPANS_KEY]]
            for sp in spans:
                assert sp["label"] in ALL_LABELS
                piece = text[sp["start"] : sp["end"]]
                assert piece == piece.strip() and piece


def test_every_layout_appears(letters):
    seen = Counter(meta["layout"] for _, _, meta in letters["train"])
    assert set(seen) == set(LAYOUTS)


def test_items_have_one_heading_and_one_decision_each(letters):
    for split_letters in letters.values():
        for text, spans, meta in split_letters:
            headings = [s for s in spans if s["role"] == "heading"]
            decisions = [s for s in spans if s["role"] == "item_decision"]
            assert len(headings) == len(decisions) == meta["n_items"] >= 1
            assert all(s["label"] == "DISPUTED_SERVICE" for s in headings)
            assert all(s["label"] == "DECISION" for s in decisions)
            for item, dec in zip(meta["items"], decisions, strict=True):
                word = " ".join(text[dec["start"] : dec["end"]].split())
                if item["decision"] == "UPHELD":
                    assert word == "Upheld" or word.startswith("not medically necessary")
                else:
                    assert word == "Overturned" or word.startswith("medically necessary")


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", pattern)
    return re.compile(r"\S+?".join(re.escape(p) for p in parts), re.S)


def _form_regex(form: str) -> re.Pattern[str]:
    """A grammar form as a regex: slots match anything, (a|b) either word, a leading article may go."""
    out = []
    for piece in re.split(r"(\{\w+\}|\([^()]*\|[^()]*\))", form):
        if piece.startswith("{"):
            out.append(r".+?")
        elif piece.startswith("(") and "|" in piece:
            out.append("(?:" + "|".join(re.escape(a) for a in piece[1:-1].split("|")) + ")")
        else:
            out.append(re.escape(piece))
    return re.compile("".join(out), re.S)


def test_heldout_uses_only_heldout_entries(letters):
    lex = Lexicon()
    held = lex.for_split("heldout")
    train = lex.for_split("train")
    guideline_names = {g.name for g in lex.guidelines}
    held_forms = {f for _, forms, _ in held.finding_grammar.forms for f in forms}
    train_forms = {f for _, forms, _ in train.finding_grammar.forms for f in forms}
    assert held_forms and not held_forms & train_forms
    held_findings = [_pattern_regex(p) for p in held.findings] + [_form_regex(f) for f in held_forms]
    train_findings = [_pattern_regex(p) for p in train.findings]
    checked = 0
    for text, spans, meta in letters["heldout"]:
        for item in meta["items"]:
            assert visible("services", item["service_key"], "heldout")
            assert not visible("services", item["service_key"], "train")
        if set(meta["noise"]) & {"ocr_substitutions", "ligatures", "curly_quotes", "hyphenation"}:
            continue
        for sp in spans:
            piece = " ".join(text[sp["start"] : sp["end"]].split())
            if sp["label"] == "GUIDELINE" and piece in guideline_names:
                assert visible("guidelines", piece, "heldout"), piece
                checked += 1
            if sp["label"] == "CLINICAL_FINDING" and sp["role"] != "symptom":
                assert any(r.fullmatch(piece) for r in held_findings), piece
                assert not any(
                    r.fullmatch(piece)
                    for r in train_findings
                    if r.pattern not in {h.pattern for h in held_findings}
                ), piece
                checked += 1
    assert checked > 20


def test_generation_is_fast():
    t0 = time.perf_counter()
    list(generate(7, N, "dev"))
    assert time.perf_counter() - t0 < 10


def test_write_corpus_is_byte_identical(tmp_path, nlp):
    counts = {"train": 6, "dev": 3, "heldout": 3}
    stats = write_corpus(tmp_path / "a", 3, counts)
    write_corpus(tmp_path / "b", 3, counts)
    for name in (
        "train.spacy",
        "dev.spacy",
        "heldout.spacy",
        "generated/stats.json",
        "generated/preview.jsonl",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    docs = list(DocBin().from_disk(tmp_path / "a" / "train.spacy").get_docs(nlp.vocab))
    assert len(docs) == 6 and stats["splits"]["train"]["docs"] == 6
    assert all(d.ents for d in docs)
    assert {e.label_ for d in docs for e in d.ents} <= set(NER_LABELS)
    assert {s.label_ for d in docs for s in d.spans[SPANS_KEY]} <= set(SPAN_LABELS)
    assert stats["splits"]["heldout"]["misaligned"] == 0
    assert (tmp_path / "a" / "generated" / "preview.jsonl").read_text().count("\n") == 12
