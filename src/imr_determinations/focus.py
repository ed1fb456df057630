"""The trained components read only the parts of a letter that can hold what they find (components
``imr_focus`` and ``imr_focus_restore``).

The reviewer-credential block ("HOW THE IMR FINAL DETERMINATION WAS MADE ... strength of evidence
hierarchy") is the same in every letter and names no disputed service, decision, guideline, finding or
diagnosis, yet it is about a seventh of a letter's tokens, and tok2vec and ner cost the same per token
wherever it is. ``imr_focus`` (after ``imr_sections``, before tok2vec) returns a Doc of the other tokens,
the whole letter kept in its ``user_data``; ``imr_focus_restore`` (after the last trained component)
returns the whole letter again with the entities, span groups (with their attrs, e.g. spancat's scores)
and tags mapped back, so the rule components and the records see every character. A block is skipped
only when another top-level section follows it: a reviewer section that runs to the end of a letter may
have swallowed content under a heading the segmenter does not know. Whitespace tokens stay: the models
were trained with line breaks as context. The tensor is not mapped back (``doc_cleaner`` drops it).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.attrs import NORM, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from .labels import SECTIONS_KEY
from .layout import TOP_LEVEL_HEADINGS

FOCUS = "imr_focus"
RESTORE = "imr_focus_restore"
_WHOLE = "imr_determinations.focus.whole_letter"  # user_data key of the focused Doc: (letter, kept tokens)
_TOP_LEVEL = frozenset(label for label, _, _ in TOP_LEVEL_HEADINGS)  # the sections letters head themselves


class FocusPipeError(RuntimeError):
    """``imr_focus`` runs without ``imr_focus_restore`` after it: the Doc would end as the cut letter."""


def skipped_tokens(doc: Doc, skip: Iterable[str], spans_key: str = SECTIONS_KEY) -> set[int]:
    """Token offsets of the sections labelled ``skip`` that another top-level section follows."""
    sections = doc.spans[spans_key] if spans_key in doc.spans else []
    top = sorted((s for s in sections if s.label_ in _TOP_LEVEL), key=lambda s: s.start)
    skip = set(skip)
    out: set[int] = set()
    for k, section in enumerate(top):
        if section.label_ in skip and any(later.start >= section.end for later in top[k + 1 :]):
            out.update(range(section.start, section.end))
    return out


def focused(doc: Doc, kept: list[int]) -> Doc:
    """A Doc of ``doc``'s tokens at ``kept``, with the same text, whitespace and norms per token."""
    tokens = [doc[i] for i in kept]
    sub = Doc(doc.vocab, words=[t.text for t in tokens], spaces=[bool(t.whitespace_) for t in tokens])
    sub.from_array([NORM], doc.to_array([NORM])[kept])
    sub.user_data[_WHOLE] = (doc, kept)
    return sub


def restored(sub: Doc) -> Doc:
    """The whole letter of a focused Doc, with what the trained components set on the cut one."""
    if _WHOLE not in sub.user_data:
        return sub  # nothing was cut
    doc, kept = sub.user_data.pop(_WHOLE)

    def span(s: Span) -> Span:
        return Span(doc, kept[s.start], kept[s.end - 1] + 1, label=s.label, kb_id=s.kb_id, span_id=s.id)

    doc.ents = [span(e) for e in sub.ents]
    for key, group in sub.spans.items():
        doc.spans[key] = SpanGroup(doc, name=key, attrs=dict(group.attrs), spans=[span(s) for s in group])
    if sub.has_annotation("TAG"):
        tags = numpy.zeros((len(doc), 1), dtype="uint64")
        tags[kept, 0] = sub.to_array([TAG])
        doc.from_array([TAG], tags)
    doc.cats.update(sub.cats)
    return doc


class Focus:
    """Cuts the sections labelled ``skip`` out of the Doc the trained components read."""

    def __init__(self, nlp: Language, name: str, skip: list[str], spans_key: str) -> None:
        self.nlp = nlp
        self.name = name
        self.skip = list(skip)
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        if RESTORE not in self.nlp.pipe_names:
            raise FocusPipeError(f"{self.name} needs {RESTORE} later in the pipeline (the whole letter)")
        cut = skipped_tokens(doc, self.skip, self.spans_key)
        if not cut or len(cut) == len(doc):
            return doc
        return focused(doc, [i for i in range(len(doc)) if i not in cut])


@Language.factory(
    FOCUS,
    requires=["doc.spans"],
    default_config={"skip": ["reviewer"], "spans_key": SECTIONS_KEY},
)
def make_focus(nlp: Language, name: str, skip: list[str], spans_key: str) -> Focus:
    return Focus(nlp, name, skip, spans_key)


@Language.factory(RESTORE, assigns=["doc.ents", "doc.spans", "token.tag"])
def make_focus_restore(nlp: Language, name: str):  # noqa: ANN201 - a plain function component
    return restored
