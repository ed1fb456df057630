"""How records are written: the CSV columns and cell formatting (with OWASP's formula guard), the
JSONL line, and ``RecordWriter``, which writes each record with one ``write`` so a kill leaves whole lines."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any, TextIO

from ..records import CASE_KEYS
from .models import model_label

NOT_DOCUMENTED = "not_documented"


# One CSV row per determination; case fields repeat on every row of a letter. A letter with no
# determinations, or an error, still gets one row (determination columns empty). Whitespace inside
# values is flattened to single spaces (except `source`, written exactly: CSV quoting keeps a newline
# in a file name). A cell that starts with = + - @ TAB CR or ' gets one leading ' so that a
# spreadsheet shows it as text instead of running it as a formula; strip one leading ' to read a value.
CSV_COLUMNS: tuple[str, ...] = (
    "source",  # input path exactly as given
    "input_sha256",  # SHA-256 of the input file's bytes (the --resume key with source)
    "id",  # letter id
    "sha256",  # SHA-256 of the canonical text
    "model",  # "name version" of the pipeline that made the row
    "status",  # ok | error
    "error",  # cause, for status=error
    "warnings",  # letter warnings joined by " | "
    "rows_in_letter",  # rows this letter has (fewer in the file = a letter cut by a kill; --resume redoes it)
    *CASE_KEYS,
    "diagnoses",  # joined by " | "
    "diagnosis_codes",  # top ICD-10-CM candidate per diagnosis, parallel to diagnoses (empty: none)
    "item",  # 1-based item number in the letter
    "service",
    "service_category",  # service_normalised.category: medication, imaging, therapy, evaluation, ..., other
    "service_subcategory",  # service_taxonomy.subcategory (the drug group for pharmaceuticals)
    "drug_group",  # service_taxonomy.drug_group: opioids, nsaids, ... (pharmaceuticals only)
    "generic_name",  # service_taxonomy.generic: e.g. hydrocodone/acetaminophen for Norco
    "original_request",
    "authorized",
    "decision",  # UPHELD | OVERTURNED | empty
    "decision_text",
    "medically_necessary",  # true | false | empty
    "guideline_ids",  # distinct ids in letter order, joined by " | "
    "reviewer_guideline_ids",  # ids the expert reviewer cited (guideline line and rationale)
    "claims_administrator_guideline_ids",  # ids the claims administrator cited
    "guidelines",  # "text [cited_by; pages]" joined by " | "
    "findings",  # joined by " | " (scores: finding_details in JSONL)
    "findings_not_documented",  # findings the reviewer says the records lack (assertion not_documented)
    "determination_warnings",  # joined by " | "
    "rationale",
)
CASE_COLUMNS = CSV_COLUMNS[CSV_COLUMNS.index("case_number") : CSV_COLUMNS.index("diagnoses") + 1]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " | ".join(_flat(v) for v in value)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _pages(pages: Any) -> str:
    """[[303, 305], [8, 8]] -> "303-305, 8"."""
    out = []
    for p in pages or []:
        if isinstance(p, (list, tuple)) and len(p) == 2:
            out.append(str(p[0]) if p[0] == p[1] else f"{p[0]}-{p[1]}")
        else:
            out.append(str(p))
    return ", ".join(out)


def _guideline_text(g: dict) -> str:
    extra = [x for x in (g.get("cited_by"), _pages(g.get("page_ranges")), g.get("section")) if x]
    return f"{g.get('text') or g.get('id') or ''}" + (f" [{'; '.join(extra)}]" if extra else "")


def _ids(guidelines: list[dict], cited_by: tuple[str, ...] | None = None) -> list[str]:
    """Distinct guideline ids in order, optionally only those cited by one party."""
    ids = (g.get("id") for g in guidelines if cited_by is None or g.get("cited_by") in cited_by)
    return list(dict.fromkeys(i for i in ids if i))


def _cell(value: str) -> str:
    """OWASP's CSV injection guard: a leading ' makes a spreadsheet show the cell as text. A cell
    already starting with ' gets one too, so that stripping one leading ' always gives the value."""
    return "'" + value if value.startswith((*FORMULA_STARTS, "'")) else value


def csv_value(cell: str) -> str:
    """The value of a CSV cell this module wrote (undoes ``_cell``)."""
    return cell[1:] if cell.startswith("'") else cell


def _top_codes(diagnosis_codes: list[dict]) -> str:
    """Top-1 code per diagnosis joined by " | " (an empty place where a diagnosis has no candidate);
    empty when no diagnosis has one."""
    codes = [(d.get("candidates") or [{}])[0].get("code") or "" for d in diagnosis_codes]
    return " | ".join(codes) if any(codes) else ""


def csv_rows(record: dict) -> list[dict[str, str]]:
    """CSV rows of one record (one per determination, at least one), cells guarded by ``_cell``."""
    case = record.get("case") or {}
    dets = record.get("determinations") or []
    base = {
        "source": str(record.get("source") or ""),
        "input_sha256": _flat(record.get("input_sha256")),
        "id": _flat(record.get("id")),
        "sha256": _flat(record.get("sha256")),
        "model": _flat(model_label(record.get("model"))),
        "status": _flat(record.get("status")),
        "error": _flat(record.get("error")),
        "warnings": _flat(record.get("warnings") or []),
        "rows_in_letter": str(max(1, len(dets))),
    }
    for col in CASE_COLUMNS:
        base[col] = _flat(case.get(col))
    base["diagnosis_codes"] = _top_codes(case.get("diagnosis_codes") or [])
    rows = []
    for det in dets:
        row = dict(base)
        guidelines = det.get("guidelines") or []
        taxonomy = det.get("service_taxonomy") or {}
        row.update(
            item=_flat(det.get("item")),
            service=_flat(det.get("service")),
            service_category=_flat((det.get("service_normalised") or {}).get("category")),
            service_subcategory=_flat(taxonomy.get("subcategory")),
            drug_group=_flat(taxonomy.get("drug_group")),
            generic_name=_flat(taxonomy.get("generic")),
            original_request=_flat(det.get("original_request")),
            authorized=_flat(det.get("authorized")),
            decision=_flat(det.get("decision")),
            decision_text=_flat(det.get("decision_text")),
            medically_necessary=_flat(det.get("medically_necessary")),
            guideline_ids=_flat(_ids(guidelines)),
            reviewer_guideline_ids=_flat(_ids(guidelines, ("reviewer", "rationale"))),
            claims_administrator_guideline_ids=_flat(_ids(guidelines, ("claims_administrator",))),
            guidelines=_flat([_guideline_text(g) for g in guidelines]),
            findings=_flat(det.get("findings") or []),
            findings_not_documented=_flat(
                [f["text"] for f in det.get("finding_details") or [] if f.get("assertion") == NOT_DOCUMENTED]
            ),
            determination_warnings=_flat(det.get("warnings") or []),
            rationale=_flat(det.get("rationale")),
        )
        rows.append(row)
    if not rows:
        rows.append(base)
    return [{col: _cell(row.get(col, "")) for col in CSV_COLUMNS} for row in rows]


def format_record(record: dict, fmt: str) -> str:
    """The exact text written for one record (whole lines, ending in a newline)."""
    if fmt == "jsonl":
        return json.dumps(record, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writerows(csv_rows(record))
    return buf.getvalue()


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_COLUMNS)
    return buf.getvalue()


class RecordWriter:
    """Writes records as they come: to a file with one ``os.write`` per record (a kill leaves
    whole lines), or to a text stream (stdout) with a flush per record."""

    def __init__(self, target: int | TextIO, fmt: str, write_header: bool):
        self.target = target
        self.fmt = fmt
        if fmt == "csv" and write_header:
            self._write(csv_header())

    def _write(self, text: str) -> None:
        if not isinstance(self.target, int):
            self.target.write(text)
            self.target.flush()
            return
        data = memoryview(text.encode("utf-8"))
        while data:
            written = os.write(self.target, data)
            data = data[written:]

    def write(self, record: dict) -> None:
        self._write(format_record(record, self.fmt))
