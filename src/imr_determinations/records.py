"""One record per letter: the linker's output plus provenance, validated against a JSON Schema.

The schema (``schema/record.schema.json``) is the public shape of the JSONL output; jsonschema is
only needed to validate (tests, ``validate_record``), never to build records.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from .icd10 import icd10_candidates
from .taxonomy import classify_service

CASE_KEYS = (
    "case_number",
    "patient_age",
    "patient_sex",
    "date_of_injury",
    "decision_date",
    "ur_denial_date",
    "date_assigned",
    "application_received",
    "priority",
    "reviewer_specialty",
    "reviewer_licensure",
)


class RecordValidationError(ValueError):
    """A record that does not match the schema; the message lists where and why."""


def empty_case() -> dict[str, Any]:
    return {**{k: None for k in CASE_KEYS}, "diagnoses": [], "diagnosis_codes": [], "findings": []}


def diagnosis_codes(diagnoses: list[str]) -> list[dict[str, Any]]:
    """ICD-10-CM candidates per diagnosis, parallel to ``case["diagnoses"]`` (empty list: no match)."""
    return [{"text": text, "candidates": icd10_candidates(text)} for text in diagnoses]


def _letter_id(source: str, letter_id: str | None) -> str:
    return letter_id or Path(source).stem or source


def doc_to_record(doc: Doc, source: str, sha256: str, letter_id: str | None = None) -> dict[str, Any]:
    """The record of a processed Doc. A Doc the linker did not run on gets status ok, no
    determinations and a warning saying so (rather than a KeyError deep in a batch)."""
    warnings = list(doc._.warnings or [])
    if doc._.determinations is None:
        warnings.append("no determinations: the pipeline has no imr_determination_linker")
    case = empty_case()
    case.update({k: v for k, v in (doc._.case or {}).items() if k in case})
    case["diagnosis_codes"] = diagnosis_codes(case["diagnoses"])
    return {
        "id": _letter_id(source, letter_id),
        "source": str(source),
        "sha256": sha256,
        "status": "ok",
        "error": None,
        "warnings": warnings,
        "case": case,
        "determinations": [with_taxonomy(det) for det in doc._.determinations or []],
    }


def with_taxonomy(det: dict[str, Any]) -> dict[str, Any]:
    """A copy of a determination with its ``service_taxonomy`` (category, subcategory, drug group,
    generic name) for analytics; kept beside the older ``service_normalised.category``."""
    return {**det, "service_taxonomy": classify_service(det.get("service") or "").record_fields()}


def error_record(source: str, message: str, sha256: str | None = None) -> dict[str, Any]:
    """The record written for a letter that could not be processed (unreadable, too large, ...)."""
    return {
        "id": _letter_id(str(source), None),
        "source": str(source),
        "sha256": sha256,
        "status": "error",
        "error": message,
        "warnings": [],
        "case": empty_case(),
        "determinations": [],
    }


@lru_cache(maxsize=1)
def record_schema() -> dict[str, Any]:
    return json.loads(resources.files("imr_determinations").joinpath("schema/record.schema.json").read_text())


def validate_record(record: dict[str, Any]) -> None:
    """Raise ``RecordValidationError`` listing every schema violation (needs the jsonschema package)."""
    try:
        import jsonschema
    except ImportError as exc:  # runtime installs do not carry it
        raise RecordValidationError(
            "validating records needs the jsonschema package (pip install jsonschema)"
        ) from exc
    validator = jsonschema.Draft202012Validator(record_schema())
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [
            f"{'/'.join(str(p) for p in e.absolute_path) or '<record>'}: {e.message}" for e in errors[:20]
        ]
        raise RecordValidationError("record does not match the schema:\n" + "\n".join(lines))
