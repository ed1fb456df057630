"""Candidate spans for spancat from a boundary tagger.

spaCy's span_finder scores span starts/ends with a sigmoid and a squared-error loss; on whole
letters (under 1% of tokens start a finding) it saturated to zero and proposed nothing (see
docs/design.md). An n-gram range long enough for findings (1-20 tokens) means ~15k
candidates per letter, far over the speed budget. Instead a plain softmax tagger (instance
``span_boundaries``) labels each token as a span start (S), end (E), both (SE), inside (I) or
outside (O), and the suggester pairs predicted starts with predicted ends within ``max_length``
(and proposes tagged runs, cut at their own starts and ends).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import numpy
from spacy.language import Language
from spacy.pipeline import Tagger
from spacy.pipeline.tagger import DEFAULT_TAGGER_MODEL
from spacy.tokens import Doc
from spacy.training import Corpus, Example
from spacy.util import registry
from thinc.api import Model, Ops, get_current_ops
from thinc.types import Ragged

from .labels import SPANS_KEY

BOUNDARY_TAGS = ("O", "S", "E", "SE", "I")
# a token is a start (end) when P(S) + P(SE) (P(E) + P(SE)) passes this, even if another tag wins
DEFAULT_BOUNDARY_THRESHOLD = 0.5


class BoundaryTagger(Tagger):
    """Tagger whose decoding reads starts and ends from summed probabilities.

    Argmax hides a token that is 45% S and 15% SE behind a 40% I: it is more likely a start than
    not, yet no candidate starts there. How much that matters depends on how sure the tagger is
    (docs/design.md: large on a weaker model, negligible on the shipped one).
    Training and loss are the plain Tagger's.
    """

    def __init__(
        self, *args: Any, boundary_threshold: float = DEFAULT_BOUNDARY_THRESHOLD, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.boundary_threshold = boundary_threshold

    def _scores2guesses(self, scores: list[Any]) -> list[numpy.ndarray]:
        labels = list(self.labels)
        if not all(tag in labels for tag in ("S", "E", "SE")):
            return super()._scores2guesses(scores)
        i_s, i_e, i_se = labels.index("S"), labels.index("E"), labels.index("SE")
        guesses = []
        for doc_scores in scores:
            probs = numpy.asarray(self.model.ops.to_numpy(doc_scores))
            ids = probs.argmax(axis=1)
            if len(probs):
                start = probs[:, i_s] + probs[:, i_se] > self.boundary_threshold
                end = probs[:, i_e] + probs[:, i_se] > self.boundary_threshold
                ids = numpy.where(start & end, i_se, numpy.where(start, i_s, numpy.where(end, i_e, ids)))
            guesses.append(ids)
        return guesses


@Language.factory(
    "imr_boundary_tagger",
    assigns=["token.tag"],
    default_config={
        "model": DEFAULT_TAGGER_MODEL,
        "overwrite": True,
        "scorer": {"@scorers": "spacy.tagger_scorer.v1"},
        "neg_prefix": "!",
        "label_smoothing": 0.0,
        "boundary_threshold": DEFAULT_BOUNDARY_THRESHOLD,
    },
    default_score_weights={"tag_acc": 1.0},
)
def make_boundary_tagger(
    nlp: Language,
    name: str,
    model: Model,
    overwrite: bool,
    scorer: Callable | None,
    neg_prefix: str,
    label_smoothing: float,
    boundary_threshold: float,
) -> BoundaryTagger:
    return BoundaryTagger(
        nlp.vocab,
        model,
        name=name,
        overwrite=overwrite,
        scorer=scorer,
        neg_prefix=neg_prefix,
        label_smoothing=label_smoothing,
        boundary_threshold=boundary_threshold,
    )


def boundary_tags(doc: Doc, spans_key: str = SPANS_KEY) -> list[str]:
    """Token-level boundary tags for the spans in ``doc.spans[spans_key]``."""
    starts: set[int] = set()
    ends: set[int] = set()
    inside: set[int] = set()
    for span in doc.spans.get(spans_key, []):
        starts.add(span.start)
        ends.add(span.end - 1)
        inside.update(range(span.start, span.end))
    tags = []
    for i in range(len(doc)):
        if i in starts and i in ends:
            tags.append("SE")
        elif i in starts:
            tags.append("S")
        elif i in ends:
            tags.append("E")
        elif i in inside:
            tags.append("I")
        else:
            tags.append("O")
    return tags


def _candidates(tags: list[str], max_length: int) -> list[tuple[int, int]]:
    """Predicted starts paired with later predicted ends, plus every tagged run (S/I/E...) cut at
    its own starts and ends, so a span whose first or last tag was missed is still proposed."""
    starts = [i for i, t in enumerate(tags) if t in ("S", "SE")]
    ends = [i for i, t in enumerate(tags) if t in ("E", "SE")]
    found: set[tuple[int, int]] = set()
    j0 = 0
    for s in starts:
        while j0 < len(ends) and ends[j0] < s:
            j0 += 1
        for e in ends[j0:]:
            if e - s >= max_length:
                break
            found.add((s, e + 1))
    i, n = 0, len(tags)
    while i < n:
        if tags[i] in ("", "O"):
            i += 1
            continue
        j = i
        while j < n and tags[j] not in ("", "O"):
            j += 1
        run_starts = [i] + [k for k in range(i + 1, j) if tags[k] in ("S", "SE")]
        run_ends = [k for k in range(i, j - 1) if tags[k] in ("E", "SE")] + [j - 1]
        for s in run_starts:
            for e in run_ends:
                if 0 <= e - s < max_length:
                    found.add((s, e + 1))
        i = j
    return sorted(found)


@cache
def _clause_breaks() -> tuple[frozenset[str], frozenset[str], int]:
    raw = json.loads(resources.files("imr_determinations").joinpath("data/clause_suggester.json").read_text())
    return frozenset(raw["break_punct"]), frozenset(raw["break_words"]), int(raw["max_clause_tokens"])


def clauses(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) token offsets of the runs between clause breaks (data/clause_suggester.json)."""
    punct, words, _ = _clause_breaks()
    out: list[tuple[int, int]] = []
    start: int | None = None
    for t in doc:
        if t.text in punct or t.lower_ in words or (t.is_space and t.text.count("\n") >= 2):
            if start is not None:
                out.append((start, t.i))
            start = None
        elif start is None and not t.is_space:
            start = t.i
    if start is not None:
        out.append((start, len(doc)))
    return out


def clause_candidates(doc: Doc, tags: list[str]) -> set[tuple[int, int]]:
    """Clause tails that start on a content word after a function word, punctuation or space, and
    clause-bounded completions of a predicted start (to the clause end) or end (from the clause start):
    the tagger often finds one edge of a finding and misses the other."""
    _, _, max_tokens = _clause_breaks()
    found: set[tuple[int, int]] = set()
    for cs, ce in clauses(doc):
        if ce - cs > max_tokens:
            continue
        for i in range(cs, ce):
            tok = doc[i]
            prev = doc[i - 1] if i > cs else None
            if not (tok.is_space or tok.is_punct or tok.is_stop) and (
                prev is None or prev.is_stop or prev.is_punct or prev.is_space
            ):
                found.add((i, ce))
            if tags[i] in ("S", "SE"):
                found.add((i, ce))
            if tags[i] in ("E", "SE"):
                found.add((cs, i + 1))
    return found


def _ragged(per_doc: list[list[tuple[int, int]]], ops: Ops | None) -> Ragged:
    ops = ops or get_current_ops()
    pairs = [pair for found in per_doc for pair in found]
    lengths_arr = ops.asarray([len(found) for found in per_doc], dtype="i")
    if pairs:
        return Ragged(ops.asarray(pairs, dtype="i"), lengths_arr)
    return Ragged(ops.xp.zeros((0, 0), dtype="i"), lengths_arr)


def clause_suggester(docs: Iterable[Doc], max_length: int = 30, *, ops: Ops | None = None) -> Ragged:
    """The boundary tagger's candidates plus the clause candidates (``clause_candidates``)."""
    per_doc = []
    for doc in docs:
        tags = [t.tag_ for t in doc]
        found = set(_candidates(tags, max_length)) | clause_candidates(doc, tags)
        per_doc.append(sorted(found))
    return _ragged(per_doc, ops)


def boundary_suggester(docs: Iterable[Doc], max_length: int = 30, *, ops: Ops | None = None) -> Ragged:
    return _ragged([_candidates([t.tag_ for t in doc], max_length) for doc in docs], ops)


@registry.misc("imr_determinations.clause_suggester.v1")
def build_clause_suggester(max_length: int = 30) -> Callable[..., Ragged]:
    return partial(clause_suggester, max_length=max_length)



@registry.misc("imr_determinations.boundary_suggester.v1")
def build_boundary_suggester(max_length: int = 30) -> Callable[..., Ragged]:
    return partial(boundary_suggester, max_length=max_length)


@registry.readers("imr_determinations.BoundaryCorpus.v1")
def create_boundary_corpus(
    path: Path,
    spans_key: str = SPANS_KEY,
    limit: int = 0,
    max_length: int = 0,
    real_boundaries_only: bool = False,
) -> Callable[[Language], Iterator[Example]]:
    """spacy.Corpus.v1 that also sets the boundary tags on each reference Doc.

    With ``real_boundaries_only`` the tags of synthetic letters (no ``letter_id`` in user_data) are
    left missing, so the tagger learns where findings start and end from real letters alone while
    NER still learns from both (docs/experiments.md, "Stage 1")."""
    corpus = Corpus(path, limit=limit, max_length=max_length)

    def read(nlp: Language) -> Iterator[Example]:
        for eg in corpus(nlp):
            if real_boundaries_only and not eg.reference.user_data.get("letter_id"):
                tags = [""] * len(eg.reference)
            else:
                tags = boundary_tags(eg.reference, spans_key)
            for token, tag in zip(eg.reference, tags, strict=True):
                token.tag_ = tag
            yield eg

    return read
