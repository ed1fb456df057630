"""Running the pipeline over letters and turning each into a review task with pre-annotations."""

from __future__ import annotations

import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..io import LetterReadError, LetterText, iter_letter_paths, read_letter
from ..labels import ALL_LABELS, SPANS_KEY
from .tasks import ReviewTask, letter_id_for
from .uncertainty import doc_determinations, doc_warnings, uncertainty

SORTS = ("uncertainty", "random")


@dataclass
class ExportResult:
    tasks: list[ReviewTask] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "<path>: <reason>" for letters that were skipped


def doc_spans(doc: Doc) -> list[dict[str, object]]:
    """Predicted entities and spancat spans (with their scores) as plain dicts."""
    spans: list[dict[str, object]] = [
        {"start": e.start_char, "end": e.end_char, "label": e.label_}
        for e in doc.ents
        if e.label_ in ALL_LABELS
    ]
    group = doc.spans.get(SPANS_KEY)
    if group is not None:
        scores = group.attrs.get("scores")
        score_list = [float(s) for s in scores] if scores is not None else []
        for i, span in enumerate(group):
            if span.label_ not in ALL_LABELS:
                continue
            item: dict[str, object] = {"start": span.start_char, "end": span.end_char, "label": span.label_}
            if i < len(score_list):
                item["score"] = score_list[i]
            spans.append(item)
    spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))  # type: ignore[index]
    return spans


LINKER_FACTORY = "imr_determination_linker"


def has_linker(nlp: Language) -> bool:
    return LINKER_FACTORY in nlp.pipe_factories.values()


def task_from_doc(doc: Doc, letter: LetterText, linked: bool | None = None) -> ReviewTask:
    score, parts = uncertainty(doc, linked)
    source = Path(letter.source).name
    return ReviewTask(
        letter_id=letter_id_for(source),
        source=source,
        sha256=letter.sha256,
        text=letter.text,
        spans=doc_spans(doc),
        score=score,
        uncertainty=parts,
        determinations=(doc_determinations(doc) if linked is not False else None) or [],
        warnings=list(letter.warnings) + doc_warnings(doc),
    )


def blank_task(letter: LetterText) -> ReviewTask:
    """A task without predictions, for annotating from scratch."""
    source = Path(letter.source).name
    return ReviewTask(
        letter_id_for(source), source, letter.sha256, letter.text, [], warnings=list(letter.warnings)
    )


def read_letters(paths: Iterable[str | os.PathLike]) -> tuple[list[LetterText], list[str]]:
    letters, errors = [], []
    for path in iter_letter_paths(paths):
        try:
            letters.append(read_letter(path))
        except LetterReadError as exc:
            errors.append(f"{path}: {exc}")
    return letters, errors


def order_tasks(tasks: list[ReviewTask], sort: str, seed: int, limit: int | None) -> list[ReviewTask]:
    """Most uncertain first (ties by letter id), or a seeded shuffle; then the first ``limit``."""
    if sort == "uncertainty":
        ordered = sorted(tasks, key=lambda t: (-t.score, t.letter_id))
    elif sort == "random":
        ordered = sorted(tasks, key=lambda t: t.letter_id)
        random.Random(seed).shuffle(ordered)
    else:
        raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    return ordered[:limit] if limit is not None else ordered


def build_tasks(
    paths: Iterable[str | os.PathLike],
    nlp: Language | None,
    *,
    sort: str = "uncertainty",
    seed: int = 0,
    limit: int | None = None,
) -> ExportResult:
    """One task per readable letter; unreadable letters and pipeline failures become errors."""
    letters, errors = read_letters(paths)
    result = ExportResult(errors=errors)
    seen: dict[str, str] = {}
    linked = has_linker(nlp) if nlp is not None else False
    for letter in letters:
        lid = letter_id_for(letter.source)
        if lid in seen:
            result.errors.append(f"{letter.source}: same letter id {lid!r} as {seen[lid]}; skipped")
            continue
        seen[lid] = letter.source
        if nlp is None:
            result.tasks.append(blank_task(letter))
            continue
        try:
            doc = nlp(letter.text)
        except Exception as exc:  # noqa: BLE001 - one bad letter must not stop the batch
            result.errors.append(f"{letter.source}: pipeline failed: {type(exc).__name__}: {exc}")
            continue
        result.tasks.append(task_from_doc(doc, letter, linked))
    result.tasks = order_tasks(result.tasks, sort, seed, limit)
    return result
