"""The boundary tags and the suggester that turns predicted tags into spancat candidates."""

from __future__ import annotations

from imr_determinations.suggesters import boundary_suggester, boundary_tags
from imr_determinations.tokenizer import blank_nlp


def _doc_with_spans(text: str, spans: list[tuple[int, int]]):
    doc = blank_nlp().make_doc(text)
    doc.spans["sc"] = [doc[s:e] for s, e in spans]
    return doc


def test_boundary_tags_mark_starts_ends_and_single_tokens() -> None:
    doc = _doc_with_spans("Exam showed positive straight leg raise and spasm today.", [(2, 6), (7, 8)])
    assert boundary_tags(doc) == ["O", "O", "S", "I", "I", "E", "O", "SE", "O", "O"]


def test_suggester_pairs_predicted_starts_with_later_ends_within_max_length() -> None:
    doc = blank_nlp().make_doc("a b c d e f")
    for token, tag in zip(doc, ["S", "O", "E", "S", "O", "E"], strict=True):
        token.tag_ = tag
    ragged = boundary_suggester([doc], max_length=3)
    pairs = ragged.dataXd.tolist()
    assert [0, 3] in pairs and [3, 6] in pairs and [0, 6] not in pairs
    assert ragged.lengths.tolist() == [len(pairs)]
    # longer window admits the span across both
    assert [0, 6] in boundary_suggester([doc], max_length=6).dataXd.tolist()


def test_suggester_proposes_tagged_runs_with_a_missed_boundary_tag() -> None:
    doc = blank_nlp().make_doc("x pain in the back y")
    # the tagger saw the inside of "pain in the back" but missed its start tag
    for token, tag in zip(doc, ["O", "I", "I", "I", "E", "O"], strict=True):
        token.tag_ = tag
    assert boundary_suggester([doc]).dataXd.tolist() == [[1, 5]]


def test_suggester_handles_docs_without_tags() -> None:
    doc = blank_nlp().make_doc("no tags here")
    ragged = boundary_suggester([doc, blank_nlp().make_doc("")])
    assert ragged.lengths.tolist() == [0, 0]
    assert ragged.dataXd.shape[0] == 0


def test_boundary_tagger_reads_starts_and_ends_from_summed_probabilities():
    """A token that is more likely a start than not (S + SE > 0.5) is decoded as a start even
    when I has the single highest probability; argmax alone would hide it from the suggester."""
    import numpy

    nlp = blank_nlp()
    tagger = nlp.add_pipe("imr_boundary_tagger", name="span_boundaries")
    for tag in ("O", "S", "E", "SE", "I"):
        tagger.add_label(tag)
    nlp.initialize()
    labels = list(tagger.labels)

    def row(**probs):
        out = numpy.zeros(len(labels), dtype="f")
        for tag, p in probs.items():
            out[labels.index(tag)] = p
        return out

    scores = [numpy.stack([
        row(O=0.9, I=0.1),
        row(I=0.4, S=0.35, SE=0.25),  # start by sum, I by argmax
        row(I=0.6, E=0.4),  # inside: E does not pass the threshold alone
        row(I=0.45, E=0.3, SE=0.25),  # end by sum
    ])]
    guesses = tagger._scores2guesses(scores)[0]
    assert [labels[i] for i in guesses] == ["O", "S", "I", "E"]
    plain = nlp.add_pipe("tagger", name="plain")
    for tag in labels:
        plain.add_label(tag)
    assert [labels[i] for i in plain._scores2guesses(scores)[0]] == ["O", "I", "I", "I"]


def test_boundary_corpus_can_leave_synthetic_boundaries_missing(tmp_path) -> None:
    from spacy.tokens import DocBin

    from imr_determinations.suggesters import create_boundary_corpus

    nlp = blank_nlp()
    real = _doc_with_spans("Exam showed spasm today.", [(2, 3)])
    real.user_data["letter_id"] = "CM16-0000001"
    synthetic = _doc_with_spans("Exam showed spasm today.", [(2, 3)])
    path = tmp_path / "mixed.spacy"
    DocBin(docs=[real, synthetic], store_user_data=True).to_disk(path)

    both = [[t.tag_ for t in eg.reference] for eg in create_boundary_corpus(path)(nlp)]
    assert both == [["O", "O", "SE", "O", "O"]] * 2
    real_only = create_boundary_corpus(path, real_boundaries_only=True)(nlp)
    assert [[t.tag_ for t in eg.reference] for eg in real_only] == [["O", "O", "SE", "O", "O"], [""] * 5]
