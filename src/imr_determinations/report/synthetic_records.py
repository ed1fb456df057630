"""Plausible ``imr extract`` records made without a model or letters, for scale tests of the store and
the report (``scripts/benchmark_store.py``). The mix (about 45% pharmaceutical items, about 10% overturned,
some error rows and letters without items) is set to look like published IMR figures, not measured."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from ..normalise import service_category
from ..records import empty_case
from ..taxonomy import classify_service

# (service template, weight): the mix of service kinds; their categories come from the real classifiers
SERVICES = (("{generic} 50mg #60", 45), ("physical therapy 2x6", 12), ("MRI lumbar spine", 10),
            ("epidural steroid injection", 8), ("arthroscopy right knee", 5), ("TENS unit", 5),
            ("functional restoration program", 4), ("psychotherapy x6", 4),
            ("pain management consultation", 4), ("urine drug screen", 2), ("home care", 1))
DRUGS = ("tramadol", "Norco 10/325", "naproxen", "cyclobenzaprine", "Lidoderm patch", "omeprazole",
         "gabapentin")
GUIDELINES = (("MTUS/CPMTG", "MTUS"), ("MTUS/ACOEM/ch12", "MTUS"), ("MTUS/ACOEM/ch8", "MTUS"),
              ("ODG/Pain", "ODG"), ("ODG/LowBack", "ODG"), ("ACOEM/3RD", "ACOEM"), ("OTHER", "OTHER"))
SPECIALTIES = ("Physical Medicine & Rehabilitation", "Orthopaedic Surgery", "Anesthesiology", "Neurology",
               "Family Practice", "Internal Medicine", "Psychiatry", "Chiropractor")
FINDINGS = ("tenderness to palpation", "decreased range of motion", "positive straight leg raise",
            "no functional improvement", "intact neurological exam", "muscle spasm", "antalgic gait")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _guideline(gid: str, family: str, cited_by: str, rng: random.Random) -> dict:
    start = rng.randint(1, 300)
    return {"text": gid.replace("/", " "), "id": gid, "family": family, "topic": None, "cited_by": cited_by,
            "pages": f"{start}-{start + 2}", "page_start": start, "page_end": start + 2,
            "page_ranges": [[start, start + 2]], "section": None, "edition": None}


def _determination(item: int, rng: random.Random) -> dict:
    service = _pick(rng, SERVICES).format(generic=rng.choice(DRUGS))
    taxonomy = classify_service(service).record_fields()
    category = service_category(service)
    overturned = rng.random() < (0.06 if taxonomy["drug_group"] == "opioids" else 0.10)
    decision = None if rng.random() < 0.01 else ("OVERTURNED" if overturned else "UPHELD")
    ca = GUIDELINES[rng.randrange(len(GUIDELINES))]
    rv = ca if rng.random() < 0.6 else GUIDELINES[rng.randrange(len(GUIDELINES))]
    findings = rng.sample(FINDINGS, rng.randint(0, 3))
    offset = rng.randint(500, 3000)
    return {
        "item": item, "service": service,
        "service_normalised": {"text": service, "normalised": service.lower(), "quantity": None,
                               "visits": None, "days": None, "frequency": None, "strength": [],
                               "refills": None,
                               "category": category},
        "service_taxonomy": taxonomy,
        "original_request": None, "authorized": None, "decision": decision,
        "decision_text": decision.title() if decision else None,
        "medically_necessary": None if decision is None else overturned,
        "guidelines": [_guideline(*ca, "claims_administrator", rng), _guideline(*rv, "reviewer", rng),
                       _guideline(*rv, "rationale", rng)],
        "findings": findings,
        "finding_details": [{"text": f, "start": offset + 40 * i, "end": offset + 40 * i + len(f),
                             "score": None} for i, f in enumerate(findings)],
        "rationale": f"The {service} is {'' if overturned else 'not '}medically necessary and appropriate.",
        "spans": {"service": [offset, offset + len(service)], "decision": None}, "warnings": [],
    }


def synthetic_record(index: int, rng: random.Random) -> dict:
    source = f"synthetic/letter_{index:07d}.pdf"
    input_sha = hashlib.sha256(source.encode()).hexdigest()
    model = {"name": "synthetic", "version": "0"}
    if rng.random() < 0.005:
        return {"id": f"letter_{index:07d}", "source": source, "sha256": None, "input_sha256": input_sha,
                "model": model, "status": "error", "error": "no text layer (scanned PDF?)", "warnings": [],
                "case": empty_case(), "determinations": []}
    injury = date(2005, 1, 1) + timedelta(days=rng.randrange(4500))
    decided = date(2014, 1, 1) + timedelta(days=rng.randrange(1800))
    n_items = 0 if rng.random() < 0.01 else min(1 + int(rng.expovariate(0.7)), 12)
    text_sha = hashlib.sha256(f"text {index}".encode()).hexdigest()
    return {
        "id": f"CM{decided:%y}-{index:07d}", "source": source, "sha256": text_sha, "input_sha256": input_sha,
        "model": model, "status": "ok", "error": None, "warnings": [],
        "case": {"case_number": f"CM{decided:%y}-{index:07d}", "patient_age": rng.randint(20, 75),
                 "patient_sex": rng.choice(("male", "female", None)), "date_of_injury": injury.isoformat(),
                 "decision_date": decided.isoformat(), "ur_denial_date": None, "date_assigned": None,
                 "application_received": None, "priority": "Standard",
                 "reviewer_specialty": rng.choice(SPECIALTIES), "reviewer_licensure": "California",
                 "diagnoses": rng.sample(("lumbar strain", "cervical radiculopathy", "knee sprain"),
                                         rng.randint(0, 2)),
                 "findings": []},
        "determinations": [_determination(i + 1, rng) for i in range(n_items)],
    }


def iter_synthetic_records(n: int, seed: int = 0) -> Iterator[dict]:
    rng = random.Random(seed)
    for index in range(n):
        yield synthetic_record(index, rng)


def write_synthetic_records(path: Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` records as JSONL (the ``imr extract`` format)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for record in iter_synthetic_records(n, seed):
            fh.write(json.dumps(record) + "\n")
    return path
