"""Prodigy and Label Studio task files: writing exported tasks, reading reviewed ones back.

Prodigy: JSONL in the ``spans_manual`` shape (``text``, ``tokens``, ``spans`` with inclusive
``token_end``, ``meta``, int32 ``_input_hash``/``_task_hash``, ``answer`` after review).
Label Studio: a JSON task list with ``predictions`` for import; reviewed files are the JSON export
(``annotations``; cancelled ones skipped, newest wins) or JSON-MIN (flat rows with a ``label`` list).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from ..labels import ALL_LABELS
from ..textnorm import text_sha256
from .colors import LABEL_COLORS
from .tasks import (
    ReviewedLetter,
    ReviewTask,
    SpanKey,
    input_hash,
    letter_id_for,
    snap_span,
    task_hash,
    token_dicts,
    tokenize,
)

FORMATS = ("prodigy", "labelstudio")
LS_FROM_NAME = "label"
LS_TO_NAME = "text"
MODEL_VERSION = "imr-determinations"


class ReviewFormatError(ValueError):
    """A task file that cannot be read at all (not JSON, wrong shape)."""


@dataclass
class ReadResult:
    letters: list[ReviewedLetter] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rows that could not be read, with the reason
    skipped: list[str] = field(default_factory=list)  # rows without a usable answer


# ---------------------------------------------------------------- writing


def prodigy_task(task: ReviewTask, spans: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``spans_manual`` JSON for one task; spans are snapped to the blank tokenizer's tokens."""
    doc = tokenize(task.text)
    out_spans: list[dict[str, Any]] = []
    seen: set[SpanKey] = set()
    for s in task.spans if spans is None else spans:
        snapped = snap_span(doc, int(s["start"]), int(s["end"]))
        if snapped is None:
            continue
        start, end, tok_start, tok_end = snapped
        key = (start, end, str(s["label"]))
        if key in seen:
            continue
        seen.add(key)
        item: dict[str, Any] = {
            "start": start,
            "end": end,
            "token_start": tok_start,
            "token_end": tok_end,
            "label": key[2],
        }
        if s.get("score") is not None:
            item["score"] = round(float(s["score"]), 4)
        out_spans.append(item)
    out_spans.sort(key=lambda x: (x["start"], x["end"], x["label"]))
    return {
        "text": task.text,
        "tokens": token_dicts(doc),
        "spans": out_spans,
        "meta": {
            "source": task.source,
            "sha256": task.sha256,
            "letter_id": task.letter_id,
            "score": round(task.score, 4),
        },
        "_input_hash": input_hash(task.text),
        "_task_hash": task_hash(task.text, sorted(seen)),
        "_view_id": "spans_manual",
        "uncertainty": task.uncertainty,
        "determinations": task.determinations,
        "warnings": task.warnings,
    }


def labelstudio_task(task: ReviewTask) -> dict[str, Any]:
    """A Label Studio task with the model's spans as one prediction."""
    doc = tokenize(task.text)
    result = []
    for i, s in enumerate(task.spans):
        snapped = snap_span(doc, int(s["start"]), int(s["end"]))
        if snapped is None:
            continue
        start, end = snapped[0], snapped[1]
        value: dict[str, Any] = {
            "start": start,
            "end": end,
            "text": task.text[start:end],
            "labels": [s["label"]],
        }
        if s.get("score") is not None:
            value["score"] = round(float(s["score"]), 4)
        result.append(
            {
                "id": f"{task.letter_id}-{i}",
                "from_name": LS_FROM_NAME,
                "to_name": LS_TO_NAME,
                "type": "labels",
                "value": value,
            }
        )
    return {
        "data": {
            "text": task.text,
            "source": task.source,
            "sha256": task.sha256,
            "letter_id": task.letter_id,
        },
        "predictions": [
            {"model_version": MODEL_VERSION, "score": round(1.0 - task.score, 4), "result": result}
        ],
    }


def labelstudio_config(labels: Iterable[str] = ALL_LABELS) -> str:
    """The labeling config matching ``labelstudio_task`` (from_name="label", to_name="text")."""
    lines = ["<View>", f'  <Labels name="{LS_FROM_NAME}" toName="{LS_TO_NAME}">']
    for label in labels:
        lines.append(f"    <Label value={quoteattr(label)} background={quoteattr(LABEL_COLORS[label])}/>")
    lines += ["  </Labels>", f'  <Text name="{LS_TO_NAME}" value="$text"/>', "</View>", ""]
    return "\n".join(lines)


def labelstudio_config_path(output: Path) -> Path:
    return output.with_name(output.stem + ".label_config.xml")


def _atomic_write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_tasks(tasks: list[ReviewTask], output: Path, fmt: str) -> list[Path]:
    """Write tasks in ``fmt``; returns the files written (Label Studio adds its config XML)."""
    if fmt == "prodigy":
        lines = [json.dumps(prodigy_task(t), ensure_ascii=False) for t in tasks]
        _atomic_write(output, "".join(line + "\n" for line in lines))
        return [output]
    if fmt == "labelstudio":
        data = [labelstudio_task(t) for t in tasks]
        _atomic_write(output, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        config = labelstudio_config_path(output)
        _atomic_write(config, labelstudio_config())
        return [output, config]
    raise ReviewFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------- reading


def detect_format(path: Path) -> str:
    """Label Studio files are one JSON list; Prodigy files are JSONL objects."""
    with path.open("r", encoding="utf-8") as fh:
        head = fh.read(4096).lstrip("\ufeff \t\r\n")
    if not head:
        raise ReviewFormatError(f"{path}: empty file")
    return "labelstudio" if head.startswith("[") else "prodigy"


def _identity(row: dict[str, Any], meta: dict[str, Any], origin: str) -> tuple[str, str, str, str]:
    text = row.get("text")
    if not isinstance(text, str) or not text:
        raise ReviewFormatError(f"{origin}: no 'text'")
    source = meta.get("source") or meta.get("letter_id")
    if not isinstance(source, str) or not source:
        raise ReviewFormatError(f"{origin}: no 'source' (or 'letter_id') to name the letter")
    letter_id = meta.get("letter_id") or letter_id_for(source)
    sha = meta.get("sha256") or text_sha256(text)
    return str(letter_id), Path(source).name, str(sha), text


def _span_key(s: Any, origin: str) -> list[SpanKey]:
    if not isinstance(s, dict):
        raise ReviewFormatError(f"{origin}: span is not an object")
    start, end = s.get("start"), s.get("end")
    labels = s.get("labels") if "labels" in s else [s.get("label")]
    if (
        not isinstance(start, int)
        or not isinstance(end, int)
        or isinstance(start, bool)
        or isinstance(end, bool)
    ):
        raise ReviewFormatError(f"{origin}: span offsets must be integers, got {start!r}, {end!r}")
    if not isinstance(labels, list) or not labels:
        raise ReviewFormatError(f"{origin}: span without a label")
    return [(start, end, str(label)) for label in labels]


def parse_prodigy_row(row: Any, origin: str) -> ReviewedLetter:
    if not isinstance(row, dict):
        raise ReviewFormatError(f"{origin}: not a JSON object")
    meta = row.get("meta") if isinstance(row.get("meta"), dict) else {}
    letter_id, source, sha, text = _identity(row, meta, origin)
    spans_in = row.get("spans") or []
    if not isinstance(spans_in, list):
        raise ReviewFormatError(f"{origin}: 'spans' is not a list")
    spans = sorted({k for s in spans_in for k in _span_key(s, origin)})
    answer = row.get("answer")
    if answer is not None and answer not in ("accept", "reject", "ignore"):
        raise ReviewFormatError(f"{origin}: unknown answer {answer!r}")
    return ReviewedLetter(letter_id, source, sha, text, spans, answer or "", origin)


def read_prodigy(path: Path) -> ReadResult:
    res = ReadResult()
    with path.open("r", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            origin = f"{path.name}:{n}"
            try:
                letter = parse_prodigy_row(json.loads(line), origin)
            except json.JSONDecodeError as exc:
                res.problems.append(f"{origin}: not JSON ({exc.msg})")
                continue
            except ReviewFormatError as exc:
                res.problems.append(str(exc))
                continue
            if letter.answer != "accept":
                res.skipped.append(f"{origin}: {letter.letter_id} answer={letter.answer or 'none'}")
                continue
            res.letters.append(letter)
    return res


def _ls_result_spans(result: Any, origin: str) -> list[SpanKey]:
    if not isinstance(result, list):
        raise ReviewFormatError(f"{origin}: 'result' is not a list")
    spans: set[SpanKey] = set()
    for item in result:
        if not isinstance(item, dict) or item.get("type") not in ("labels", None):
            continue  # relations, choices etc. are not spans
        if item.get("from_name", LS_FROM_NAME) != LS_FROM_NAME:
            continue
        value = item.get("value")
        if not isinstance(value, dict):
            raise ReviewFormatError(f"{origin}: result item without 'value'")
        spans.update(_span_key(value, origin))
    return sorted(spans)


def _newest(annotations: list[dict[str, Any]]) -> dict[str, Any]:
    def key(a: dict[str, Any]) -> tuple[str, int]:
        stamp = a.get("updated_at") or a.get("created_at") or ""
        ident = a.get("id") if isinstance(a.get("id"), int) else 0
        return str(stamp), ident

    return max(annotations, key=key)


def parse_labelstudio_item(item: Any, origin: str) -> ReviewedLetter | None:
    """One exported task (full JSON or JSON-MIN); None when it holds no finished annotation."""
    if not isinstance(item, dict):
        raise ReviewFormatError(f"{origin}: not a JSON object")
    if "data" in item:  # full JSON export
        data = item["data"] if isinstance(item["data"], dict) else {}
        letter_id, source, sha, text = _identity(data, data, origin)
        anns = [
            a for a in item.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")
        ]
        if not anns:
            return None
        spans = _ls_result_spans(_newest(anns).get("result") or [], origin)
    else:  # JSON-MIN: data keys flattened, spans under the from_name
        letter_id, source, sha, text = _identity(item, item, origin)
        raw = item.get(LS_FROM_NAME) or []
        if not isinstance(raw, list):
            raise ReviewFormatError(f"{origin}: {LS_FROM_NAME!r} is not a list")
        spans = sorted({k for s in raw for k in _span_key(s, origin)})
    return ReviewedLetter(letter_id, source, sha, text, spans, "accept", origin)


def read_labelstudio(path: Path) -> ReadResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReviewFormatError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, list):
        raise ReviewFormatError(f"{path}: expected a JSON list of Label Studio tasks")
    res = ReadResult()
    for n, item in enumerate(data):
        origin = f"{path.name}[{n}]"
        try:
            letter = parse_labelstudio_item(item, origin)
        except ReviewFormatError as exc:
            res.problems.append(str(exc))
            continue
        if letter is None:
            res.skipped.append(f"{origin}: no finished annotation")
            continue
        res.letters.append(letter)
    return res


def read_reviewed(path: Path, fmt: str = "auto") -> ReadResult:
    """Reviewed letters with an accept answer, plus per-row problems and skips."""
    if not path.is_file():
        raise ReviewFormatError(f"{path}: no such file")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "prodigy":
        return read_prodigy(path)
    if fmt == "labelstudio":
        return read_labelstudio(path)
    raise ReviewFormatError(f"unknown format {fmt!r}; use prodigy, labelstudio or auto")


def read_predictions(path: Path) -> ReadResult:
    """The model's spans from an exported task file (Prodigy spans or Label Studio predictions)."""
    fmt = detect_format(path)
    res = ReadResult()
    if fmt == "prodigy":
        with path.open("r", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        res.letters.append(parse_prodigy_row(json.loads(line), f"{path.name}:{n}"))
                    except (json.JSONDecodeError, ReviewFormatError) as exc:
                        res.problems.append(f"{path.name}:{n}: {exc}")
        return res
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ReviewFormatError(f"{path}: expected a JSON list of Label Studio tasks")
    for n, item in enumerate(data):
        origin = f"{path.name}[{n}]"
        try:
            d = item["data"]
            letter_id, source, sha, text = _identity(d, d, origin)
            preds = item.get("predictions") or []
            result = preds[0].get("result", []) if preds else []
            spans = _ls_result_spans(result, origin)
        except (KeyError, TypeError, AttributeError, ReviewFormatError) as exc:
            res.problems.append(f"{origin}: {exc}")
            continue
        res.letters.append(ReviewedLetter(letter_id, source, sha, text, spans, "", origin))
    return res
