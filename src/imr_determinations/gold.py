"""Gold annotations: loading, validating, writing standoff files and turning them into Docs.

Seed letters carry their text inline (``seeds.jsonl``); real letters are standoff only
(``letters/<CASE>.json``: offsets + SHA-256, no text) because their text must not live in the
repo. The loader re-extracts a real letter's text and refuses annotations whose hash differs,
since offsets into a different text would silently point at the wrong words.

Over 500 lines: loading, validation, inline markup and standoff records share the GoldLetter format.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from .io import read_letter
from .labels import ALL_LABELS, CANDIDATES_KEY, NER_LABELS, SPAN_LABELS, SPANS_KEY
from .layout import MARKER_AFTER
from .normalise import collapse
from .textnorm import text_sha256

log = logging.getLogger(__name__)

SEEDS_FILE = "seeds.jsonl"
LETTERS_SUBDIR = "letters"
SPLITS_FILE = "splits.json"
SPLITS = ("train", "dev", "test")
DECISIONS = ("UPHELD", "OVERTURNED")
CITED_BY = ("claims_administrator", "reviewer", "rationale")
HEADING_DECISIONS = {"upheld": "UPHELD", "overturned": "OVERTURNED"}


class GoldError(Exception):
    """A gold file that cannot be used as it stands; the message names the file and the cause."""


class GoldHashMismatch(GoldError):
    """The letter's canonical text no longer matches the hash the annotation was made on."""


@dataclass
class GoldLetter:
    letter_id: str
    source: str
    text: str
    sha256: str
    spans: list[dict[str, Any]]
    records: list[dict[str, Any]]
    split: str
    notes: str = ""
    path: str = ""  # gold file the annotation came from (for messages)
    kind: str = "real"  # "seed" | "real"
    extra: dict[str, Any] = field(default_factory=dict)

    def span_text(self, span: dict[str, Any]) -> str:
        return self.text[span["start"] : span["end"]]


def letter_id_for(source: str) -> str:
    return Path(source).stem


def _sorted_spans(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [{"start": int(s["start"]), "end": int(s["end"]), "label": str(s["label"])} for s in spans]
    return sorted(out, key=lambda s: (s["start"], -s["end"], s["label"]))


def load_splits(path: str | os.PathLike | None) -> dict[str, str]:
    if path is None or not Path(path).exists():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise GoldError(f"{path}: splits file must map letter_id -> split")
    bad = {k: v for k, v in data.items() if v not in SPLITS}
    if bad:
        raise GoldError(f"{path}: unknown split(s) {bad}; use one of {SPLITS}")
    return data


def load_seeds(path: str | os.PathLike, splits: dict[str, str] | None = None) -> list[GoldLetter]:
    splits = splits or {}
    out: list[GoldLetter] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
            meta = row["meta"]
            letter_id = meta["letter_id"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(f"{path}:{n}: malformed seed line ({exc})") from exc
        sha = text_sha256(text)
        if meta.get("sha256") and meta["sha256"] != sha:
            raise GoldHashMismatch(
                f"{path}:{n}: sha256 in meta does not match the inline text of {letter_id}"
            )
        out.append(
            GoldLetter(
                letter_id=letter_id,
                source=meta.get("source", ""),
                text=text,
                sha256=sha,
                spans=_sorted_spans(row.get("spans", [])),
                records=row.get("records", []),
                split=splits.get(letter_id, "train"),
                notes=row.get("notes", ""),
                path=f"{path}:{n}",
                kind="seed",
            )
        )
    return out


def load_standoff(
    path: str | os.PathLike, letters_dir: str | os.PathLike, splits: dict[str, str] | None = None
) -> GoldLetter:
    """One real-letter annotation, with its text re-extracted from ``letters_dir/source``."""
    path = Path(path)
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
        source = row["source"]
        sha = row["sha256"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise GoldError(f"{path}: malformed standoff file ({exc})") from exc
    letter = read_letter(Path(letters_dir) / source)
    if letter.sha256 != sha:
        raise GoldHashMismatch(
            f"{path}: text of {source} has sha256 {letter.sha256[:12]}..., "
            f"annotation was made on {sha[:12]}...; "
            "the extractor or the letter changed, re-annotate or re-anchor the spans"
        )
    letter_id = letter_id_for(source)
    return GoldLetter(
        letter_id=letter_id,
        source=source,
        text=letter.text,
        sha256=sha,
        spans=_sorted_spans(row.get("spans", [])),
        records=resolve_records(row.get("records", []), letter.text),
        split=(splits or {}).get(letter_id, "test"),
        notes=row.get("notes", ""),
        path=str(path),
        kind="real",
    )


def load_gold(
    gold_dir: str | os.PathLike,
    letters_dir: str | os.PathLike | None = None,
    split_file: str | os.PathLike | None = None,
) -> list[GoldLetter]:
    """Seeds plus (when ``letters_dir`` exists) real letters; raises on a hash mismatch."""
    gold_dir = Path(gold_dir)
    splits = load_splits(split_file if split_file is not None else gold_dir / SPLITS_FILE)
    out: list[GoldLetter] = []
    seeds = gold_dir / SEEDS_FILE
    if seeds.exists():
        out.extend(load_seeds(seeds, splits))
    standoff = sorted((gold_dir / LETTERS_SUBDIR).glob("*.json"))
    if not standoff:
        return out
    if letters_dir is None or not Path(letters_dir).is_dir():
        log.warning(
            "skipping %d real-letter gold file(s): letters folder %s",
            len(standoff),
            "not given" if letters_dir is None else f"{letters_dir} is absent",
        )
        return out
    for path in standoff:
        out.append(load_standoff(path, letters_dir, splits))
    return out


def dump_standoff(payload: dict[str, Any]) -> str:
    """JSON with one span and one record per line, so reviews of gold changes read as small diffs."""
    head = {k: v for k, v in payload.items() if k not in ("spans", "records")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "spans": [')
    lines.append(",\n".join("    " + json.dumps(s) for s in payload.get("spans", [])))
    lines.append("  ],")
    lines.append('  "records": [')
    lines.append(",\n".join("    " + json.dumps(r) for r in payload.get("records", [])))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_standoff(
    path: str | os.PathLike,
    source: str,
    sha256: str,
    spans: Iterable[dict[str, Any]],
    records: list[dict[str, Any]],
    notes: str = "",
    text: str | None = None,
) -> Path:
    """Write a real-letter annotation without any of its text (only offsets, labels and records).

    Record fields given as text are anchored to offsets in ``text`` (the letter's canonical text);
    without ``text`` such records are refused rather than written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spans = _sorted_spans(spans)
    if records_hold_text(records):
        if text is None:
            raise GoldError("records hold letter text; pass text= so they can be stored as offsets")
        records = anchor_records(records, text, spans)
    row = {
        "source": Path(source).name,
        "sha256": sha256,
        "spans": spans,
        "records": records,
        "notes": notes,
    }
    path.write_text(dump_standoff(row), encoding="utf-8")
    return path


def seed_line(
    text: str, source: str, letter_id: str, spans: Iterable[dict[str, Any]], records: list, notes: str = ""
) -> str:
    row = {
        "text": text,
        "meta": {"source": source, "letter_id": letter_id, "sha256": text_sha256(text)},
        "spans": _sorted_spans(spans),
        "records": records,
        "notes": notes,
    }
    return json.dumps(row, ensure_ascii=False)


# ---------------------------------------------------------------- validation


def _check_pages(pages: Any) -> str | None:
    if not isinstance(pages, list):
        return "pages must be a list of [start, end]"
    for p in pages:
        if not (
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, int) for x in p) and 0 < p[0] <= p[1]
        ):
            return f"bad page range {p!r} (want [start, end] with 0 < start <= end)"
    return None


def validate_records(records: Any) -> list[str]:
    """Errors in the gold record list (format only; see ``validate_letter`` for text checks)."""
    if not isinstance(records, list) or not records:
        return ["records missing or empty (every letter has at least one disputed item)"]
    errors: list[str] = []
    for i, rec in enumerate(records, start=1):
        where = f"record {i}"
        if not isinstance(rec, dict):
            errors.append(f"{where}: not an object")
            continue
        if not isinstance(rec.get("service"), str) or not rec["service"].strip():
            errors.append(f"{where}: service missing or empty")
        if rec.get("decision") not in DECISIONS:
            errors.append(f"{where}: decision {rec.get('decision')!r} not in {DECISIONS}")
        for key in ("original_request", "authorized"):
            if rec.get(key) is not None and not isinstance(rec[key], str):
                errors.append(f"{where}: {key} must be a string or null")
        findings = rec.get("findings")
        if not isinstance(findings, list) or not all(isinstance(f, str) and f.strip() for f in findings):
            errors.append(f"{where}: findings must be a list of non-empty strings")
        guidelines = rec.get("guidelines")
        if not isinstance(guidelines, list):
            errors.append(f"{where}: guidelines must be a list")
            continue
        for j, g in enumerate(guidelines, start=1):
            gw = f"{where} guideline {j}"
            if not isinstance(g, dict):
                errors.append(f"{gw}: not an object")
                continue
            if not isinstance(g.get("text"), str) or not g["text"].strip():
                errors.append(f"{gw}: text missing")
            if g.get("id") is not None and not isinstance(g["id"], str):
                errors.append(f"{gw}: id must be a string (empty or absent until normalised)")
            if g.get("cited_by") not in CITED_BY:
                errors.append(f"{gw}: cited_by {g.get('cited_by')!r} not in {CITED_BY}")
            if "section" in g and g["section"] is not None and not isinstance(g["section"], str):
                errors.append(f"{gw}: section must be a string or null")
            msg = _check_pages(g.get("pages"))
            if msg:
                errors.append(f"{gw}: {msg}")
    return errors


def validate_letter(nlp: Language, gl: GoldLetter) -> tuple[list[str], list[str]]:
    """(errors, warnings) for one letter: spans align, labels known, NER does not overlap, records fit."""
    errors: list[str] = []
    warnings: list[str] = []
    doc = nlp.make_doc(gl.text)
    n = len(gl.text)
    seen: set[tuple[int, int, str]] = set()
    for s in gl.spans:
        start, end, label = s["start"], s["end"], s["label"]
        where = f"span [{start}, {end}) {label}"
        if label not in ALL_LABELS:
            errors.append(f"{where}: unknown label (known: {', '.join(ALL_LABELS)})")
            continue
        if not (0 <= start < end <= n):
            errors.append(f"{where}: offsets outside the text (length {n})")
            continue
        key = (start, end, label)
        if key in seen:
            errors.append(f"{where}: duplicate span")
        seen.add(key)
        frag = gl.text[start:end]
        if frag != frag.strip():
            errors.append(f"{where}: whitespace at the edge of {frag!r}")
            continue
        if doc.char_span(start, end, label=label) is None:
            errors.append(f"{where}: {frag!r} does not align to token boundaries")
    ner = [s for s in gl.spans if s["label"] in NER_LABELS]
    ner.sort(key=lambda s: (s["start"], s["end"]))
    for a, b in zip(ner, ner[1:], strict=False):
        if b["start"] < a["end"]:
            errors.append(
                f"NER spans overlap: [{a['start']}, {a['end']}) {a['label']} "
                f"and [{b['start']}, {b['end']}) {b['label']}"
            )
    rec_errors = validate_records(gl.records)
    errors.extend(rec_errors)
    if rec_errors:
        return errors, warnings
    # the heading decisions fix the number and order of items
    heading = [
        HEADING_DECISIONS[gl.span_text(s).lower()]
        for s in ner
        if s["label"] == "DECISION" and gl.span_text(s).lower() in HEADING_DECISIONS
    ]
    decided = [r["decision"] for r in gl.records]
    if heading != decided:
        errors.append(f"records' decisions {decided} do not match the heading DECISION spans {heading}")
    texts = {lab: {collapse(gl.span_text(s)) for s in gl.spans if s["label"] == lab} for lab in ALL_LABELS}
    for i, rec in enumerate(gl.records, start=1):
        if collapse(rec["service"]) not in texts["DISPUTED_SERVICE"]:
            warnings.append(
                f"record {i}: service {rec['service']!r} is not the text of a DISPUTED_SERVICE span"
            )
        for g in rec["guidelines"]:
            if collapse(g["text"]) not in texts["GUIDELINE"]:
                warnings.append(f"record {i}: guideline {g['text']!r} is not the text of a GUIDELINE span")
            if not g.get("id"):
                warnings.append(f"record {i}: guideline {g['text']!r} has no id yet")
        for f in rec["findings"]:
            if collapse(f) not in texts["CLINICAL_FINDING"]:
                warnings.append(f"record {i}: finding {f!r} is not the text of a CLINICAL_FINDING span")
    return errors, warnings


# ---------------------------------------------------------------- Docs


def to_doc(nlp: Language, gl: GoldLetter) -> Doc:
    """A Doc with gold ents and sc/candidates spans; raises GoldError if a span does not align."""
    doc = nlp.make_doc(gl.text)
    ents: list[Span] = []
    sc: list[Span] = []
    for s in gl.spans:
        span = doc.char_span(s["start"], s["end"], label=s["label"])
        if span is None:
            raise GoldError(
                f"{gl.path or gl.letter_id}: span [{s['start']}, {s['end']}) {s['label']} "
                f"{gl.text[s['start'] : s['end']]!r} does not align to token boundaries"
            )
        if s["label"] in NER_LABELS:
            ents.append(span)
        elif s["label"] in SPAN_LABELS:
            sc.append(span)
        else:
            raise GoldError(f"{gl.path or gl.letter_id}: unknown label {s['label']!r}")
    try:
        doc.ents = ents
    except ValueError as exc:
        raise GoldError(f"{gl.path or gl.letter_id}: overlapping NER spans ({exc})") from exc
    doc.spans[SPANS_KEY] = sc
    doc.spans[CANDIDATES_KEY] = list(sc)
    doc.user_data["letter_id"] = gl.letter_id
    doc.user_data["source"] = gl.source
    doc.user_data["sha256"] = gl.sha256
    doc.user_data["split"] = gl.split
    doc.user_data["records"] = gl.records
    return doc


# ---------------------------------------------------------------- inline markup

OPEN = "\u27e6"  # ⟦
CLOSE = "\u27e7"  # ⟧
SEP = "|"


class MarkupError(GoldError):
    """Inline markup that cannot be turned into spans; the message gives the line and column."""


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, col {col}"


def render_inline(text: str, spans: Iterable[dict[str, Any]]) -> str:
    """The text with ``⟦LABEL|...⟧`` around each span; crossing overlaps cannot be written and raise."""
    if OPEN in text or CLOSE in text:
        raise MarkupError(f"the letter itself contains {OPEN} or {CLOSE}; inline markup cannot represent it")
    ordered = _sorted_spans(spans)
    opens: dict[int, list[dict[str, Any]]] = {}
    closes: dict[int, int] = {}
    for s in ordered:
        opens.setdefault(s["start"], []).append(s)  # already longest-first at each start
        closes[s["end"]] = closes.get(s["end"], 0) + 1
    out: list[str] = []
    stack: list[dict[str, Any]] = []
    for pos in range(len(text) + 1):
        for _ in range(closes.get(pos, 0)):
            if not stack or stack[-1]["end"] != pos:
                top = stack[-1] if stack else None
                raise MarkupError(f"spans cross at {pos} ({top} is still open); inline markup needs nesting")
            stack.pop()
            out.append(CLOSE)
        for s in opens.get(pos, []):
            if stack and s["end"] > stack[-1]["end"]:
                raise MarkupError(f"span {s} crosses {stack[-1]}; inline markup needs nesting")
            stack.append(s)
            out.append(f"{OPEN}{s['label']}{SEP}")
        if pos < len(text):
            out.append(text[pos])
    return "".join(out)


def parse_inline(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """(plain text, spans) from ``⟦LABEL|...⟧`` markup; unknown labels and unbalanced brackets raise."""
    plain: list[str] = []
    spans: list[dict[str, Any]] = []
    stack: list[tuple[str, int, int]] = []  # label, plain start, marked position
    i = 0
    n = len(marked)
    pos = 0
    while i < n:
        ch = marked[i]
        if ch == OPEN:
            bar = marked.find(SEP, i + 1)
            label = marked[i + 1 : bar] if bar != -1 else ""
            if bar == -1 or label not in ALL_LABELS:
                shown = marked[i + 1 : i + 30].split(SEP)[0]
                raise MarkupError(
                    f"{_line_col(marked, i)}: unknown or missing label {shown!r} after {OPEN} "
                    f"(known: {', '.join(ALL_LABELS)})"
                )
            stack.append((label, pos, i))
            i = bar + 1
            continue
        if ch == CLOSE:
            if not stack:
                raise MarkupError(f"{_line_col(marked, i)}: {CLOSE} without an open {OPEN}")
            label, start, at = stack.pop()
            if start == pos:
                raise MarkupError(f"{_line_col(marked, at)}: empty {label} span")
            spans.append({"start": start, "end": pos, "label": label})
            i += 1
            continue
        plain.append(ch)
        pos += 1
        i += 1
    if stack:
        label, _, at = stack[-1]
        raise MarkupError(f"{_line_col(marked, at)}: {label} span is never closed")
    return "".join(plain), _sorted_spans(spans)


def first_difference(a: str, b: str) -> str:
    """Human-readable description of where two texts first differ (for import errors)."""
    limit = min(len(a), len(b))
    i = next((k for k in range(limit) if a[k] != b[k]), limit)
    if i == limit and len(a) == len(b):
        return "texts are equal"
    return (
        f"first difference at character {i} ({_line_col(b, i)} of the letter): "
        f"edited {a[max(0, i - 30) : i + 30]!r} vs letter {b[max(0, i - 30) : i + 30]!r}"
    )


# --- standoff records ----------------------------------------------------------------------
# Real-letter gold records must not carry letter text either: every text-valued field is stored as
# its [start, end] character offsets in the canonical text and resolved again at load time.
_RECORD_TEXT_FIELDS = {"service": "DISPUTED_SERVICE", "original_request": None, "authorized": None}
_GUIDELINE_TEXT_FIELDS = {"text": "GUIDELINE", "section": None}


def _is_offsets(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)


def _anchor(value: Any, text: str, spans: list[dict[str, Any]], label: str | None) -> Any:
    if value is None or _is_offsets(value):
        return value
    if not isinstance(value, str):
        raise GoldError(f"record field {value!r} is neither text nor offsets")
    parts = [re.escape(p) for p in value.split()]
    if not parts:
        return None
    matches = list(re.finditer(r"\s+".join(parts), text))
    if not matches:
        raise GoldError(f"record text {value!r} does not occur in the letter")
    if label:
        labelled = {(s["start"], s["end"]) for s in spans if s["label"] == label}
        tagged = [m for m in matches if (m.start(), m.end()) in labelled] or matches
        if label == "DISPUTED_SERVICE":
            # a record's service points at its item heading ("<service>: Upheld") where there is one
            for m in tagged:
                if MARKER_AFTER.match(text, m.end()):
                    return [m.start(), m.end()]
        return [tagged[0].start(), tagged[0].end()]
    return [matches[0].start(), matches[0].end()]


def anchor_records(
    records: list[dict[str, Any]], text: str, spans: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records with every letter-text field replaced by its [start, end] offsets."""
    out = []
    for rec in records:
        new = dict(rec)
        for key, label in _RECORD_TEXT_FIELDS.items():
            if key in new:
                new[key] = _anchor(new[key], text, spans, label)
        if "findings" in new:
            new["findings"] = [_anchor(f, text, spans, "CLINICAL_FINDING") for f in new["findings"]]
        guidelines = []
        for g in new.get("guidelines", []):
            g = dict(g)
            for key, label in _GUIDELINE_TEXT_FIELDS.items():
                if key in g:
                    g[key] = _anchor(g[key], text, spans, label)
            guidelines.append(g)
        if "guidelines" in new:
            new["guidelines"] = guidelines
        out.append(new)
    return out


def resolve_records(records: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Records with offsets turned back into (whitespace-collapsed) text; keeps the offsets as *_span."""

    def res(value: Any) -> Any:
        return collapse(text[value[0] : value[1]]) if _is_offsets(value) else value

    out = []
    for rec in records:
        new = dict(rec)
        for key in _RECORD_TEXT_FIELDS:
            if _is_offsets(new.get(key)):
                new[f"{key}_span"] = new[key]
                new[key] = res(new[key])
        if "findings" in new:
            new["findings"] = [res(f) for f in new["findings"]]
        guidelines = []
        for g in new.get("guidelines", []):
            g = dict(g)
            for key in _GUIDELINE_TEXT_FIELDS:
                if _is_offsets(g.get(key)):
                    g[f"{key}_span"] = g[key]
                    g[key] = res(g[key])
            guidelines.append(g)
        if "guidelines" in new:
            new["guidelines"] = guidelines
        out.append(new)
    return out


def records_hold_text(records: list[dict[str, Any]]) -> bool:
    for rec in records:
        if any(isinstance(rec.get(k), str) for k in _RECORD_TEXT_FIELDS):
            return True
        if any(isinstance(f, str) for f in rec.get("findings", [])):
            return True
        for g in rec.get("guidelines", []):
            if any(isinstance(g.get(k), str) for k in _GUIDELINE_TEXT_FIELDS):
                return True
    return False
