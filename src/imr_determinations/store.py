"""The embedded analytical store: ``imr extract --db FILE``, ``--format parquet`` and ``imr db load``.

Records are loaded into DuckDB tables (letters, determinations, guidelines, findings, diagnoses and
an ``errors`` view; schema in ``data/store_schema.sql``, documented in docs/analysis.md) by SQL over
``read_json``, so a 100,000-letter JSONL file loads in seconds without a Python loop per record.
Loading is idempotent: a letter is keyed by (text SHA-256, source), or (``input:`` + input SHA-256,
source) for an error row without text; a record whose key and model are already stored is skipped,
and a new record for a stored source replaces the old one (the input changed, or a new model).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

TABLES: tuple[str, ...] = ("letters", "determinations", "guidelines", "findings", "diagnoses")
EXPORTS: tuple[str, ...] = (*TABLES, "errors")

_CASE = (
    "case_number VARCHAR, patient_age INTEGER, patient_sex VARCHAR, date_of_injury VARCHAR, "
    "decision_date VARCHAR, ur_denial_date VARCHAR, date_assigned VARCHAR, application_received VARCHAR, "
    "priority VARCHAR, reviewer_specialty VARCHAR, reviewer_licensure VARCHAR, diagnoses VARCHAR[], "
    "diagnosis_codes STRUCT(text VARCHAR, "
    "candidates STRUCT(code VARCHAR, description VARCHAR, score DOUBLE)[])[]"
)
_GUIDELINE = (
    "text VARCHAR, id VARCHAR, family VARCHAR, topic VARCHAR, cited_by VARCHAR, adopted_from VARCHAR, "
    "pages VARCHAR, page_start INTEGER, page_end INTEGER, section VARCHAR, edition VARCHAR"
)
_FINDING = ('"text" VARCHAR, "start" INTEGER, "end" INTEGER, score DOUBLE, assertion VARCHAR, '
            '"type" VARCHAR, "value" VARCHAR')
_DETERMINATION = (
    "item INTEGER, service VARCHAR, service_normalised STRUCT(normalised VARCHAR, quantity INTEGER, "
    "visits INTEGER, days INTEGER, frequency VARCHAR, strength VARCHAR[], refills INTEGER, "
    "category VARCHAR), "
    "service_taxonomy STRUCT(category VARCHAR, subcategory VARCHAR, drug_group VARCHAR, generic VARCHAR), "
    "original_request VARCHAR, authorized VARCHAR, decision VARCHAR, decision_text VARCHAR, "
    f"medically_necessary BOOLEAN, guidelines STRUCT({_GUIDELINE})[], findings VARCHAR[], "
    f"finding_details STRUCT({_FINDING})[], rationale VARCHAR, warnings VARCHAR[]"
)
# The record fields the store reads (record.schema.json); other fields are ignored, missing ones are null.
RECORD_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "source": "VARCHAR",
    "sha256": "VARCHAR",
    "input_sha256": "VARCHAR",
    "model": "STRUCT(name VARCHAR, version VARCHAR)",
    "status": "VARCHAR",
    "error": "VARCHAR",
    "warnings": "VARCHAR[]",
    "case": f"STRUCT({_CASE})",
    "determinations": f"STRUCT({_DETERMINATION})[]",
}


class StoreError(Exception):
    """The store cannot be opened or a file cannot be loaded (message says why)."""


@dataclass
class LoadResult:
    """What one load did: records read, letters added, replaced, and skipped as already stored."""

    read: int = 0
    added: int = 0
    replaced: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def __iadd__(self, other: LoadResult) -> LoadResult:
        self.read += other.read
        self.added += other.added
        self.replaced += other.replaced
        self.skipped += other.skipped
        self.seconds += other.seconds
        return self

    def summary(self) -> str:
        return (f"{self.read} records read: {self.added} letters added, {self.replaced} replaced, "
                f"{self.skipped} already stored ({self.seconds:.1f}s)")


def schema_sql() -> str:
    return resources.files("imr_determinations").joinpath("data/store_schema.sql").read_text("utf-8")


def connect(path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create, unless read-only) the store; ``None`` is an in-memory store."""
    target = ":memory:" if path is None else str(path)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        raise StoreError(f"cannot open {target}: {exc}") from exc
    if not read_only:
        con.execute(schema_sql())
    return con


def _columns_sql() -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in RECORD_COLUMNS.items()) + "}"


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def load_jsonl(con: duckdb.DuckDBPyConnection, path: Path | str) -> LoadResult:
    """Load an ``imr extract`` JSONL file (one transaction; idempotent, see the module doc)."""
    start = time.perf_counter()
    if not Path(path).is_file():
        raise StoreError(f"{path}: no such file")
    if Path(path).stat().st_size == 0:
        return LoadResult(seconds=time.perf_counter() - start)
    con.execute("BEGIN")
    try:
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () AS line, * FROM "
                f"read_json({_quote(path)}, format='newline_delimited', columns={_columns_sql()})"
            )
        except duckdb.Error as exc:
            raise StoreError(f"{path} is not an imr extract JSONL file: {exc}") from exc
        result = _merge_raw(con)
        con.execute("DROP TABLE raw")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.seconds = time.perf_counter() - start
    return result


def _merge_raw(con: duckdb.DuckDBPyConnection) -> LoadResult:
    """Move the temp table ``raw`` into the store: last record per source wins, unchanged ones skip."""
    bad = con.execute("SELECT min(line) FROM raw WHERE source IS NULL OR status IS NULL").fetchall()[0][0]
    if bad is not None:
        raise StoreError(f"line {bad} is not an imr extract record (no source or status)")
    read = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    con.execute("""
        CREATE OR REPLACE TEMP TABLE incoming AS
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, coalesce(sha256, 'input:' || coalesce(input_sha256, '')) AS letter_key,
                   row_number() OVER (PARTITION BY source ORDER BY line DESC) AS rn
            FROM raw) WHERE rn = 1
    """)
    con.execute("""
        DELETE FROM incoming i USING letters l
        WHERE l.source = i.source AND l.letter_key = i.letter_key
          AND l.model_name IS NOT DISTINCT FROM i.model.name
          AND l.model_version IS NOT DISTINCT FROM i.model.version
    """)
    fresh = con.execute("SELECT count(*) FROM incoming").fetchall()[0][0]
    con.execute("CREATE OR REPLACE TEMP TABLE gone AS SELECT letter_id FROM letters "
                "WHERE source IN (SELECT source FROM incoming)")
    replaced = con.execute("SELECT count(*) FROM gone").fetchall()[0][0]
    for table in reversed(TABLES):
        con.execute(f"DELETE FROM {table} WHERE letter_id IN (SELECT letter_id FROM gone)")
    base = con.execute("SELECT coalesce(max(letter_id), 0) FROM letters").fetchall()[0][0]
    con.execute(f"""
        INSERT INTO letters BY NAME SELECT
            {base} + row_number() OVER (ORDER BY line) AS letter_id, letter_key, source, id, sha256,
            input_sha256, model.name AS model_name, model.version AS model_version, status, error,
            coalesce(warnings, []) AS warnings,
            "case".case_number, "case".patient_age, "case".patient_sex,
            TRY_CAST("case".date_of_injury AS DATE) AS date_of_injury,
            TRY_CAST("case".decision_date AS DATE) AS decision_date,
            TRY_CAST("case".ur_denial_date AS DATE) AS ur_denial_date,
            TRY_CAST("case".date_assigned AS DATE) AS date_assigned,
            TRY_CAST("case".application_received AS DATE) AS application_received,
            "case".priority, "case".reviewer_specialty, "case".reviewer_licensure,
            coalesce(len(determinations), 0) AS n_determinations
        FROM incoming
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE dets AS
        SELECT l.letter_id, i."case".diagnoses AS diagnoses, unnest(i.determinations) AS d
        FROM incoming i JOIN letters l ON l.source = i.source AND l.letter_id > {base}
    """)
    _insert_children(con, base)
    con.execute("DROP TABLE dets; DROP TABLE incoming; DROP TABLE gone")
    return LoadResult(read=read, added=fresh - replaced, replaced=replaced, skipped=read - fresh)


def _insert_children(con: duckdb.DuckDBPyConnection, base: int) -> None:
    con.execute("""
        INSERT INTO determinations BY NAME SELECT
            letter_id, d.item, d.service, d.service_normalised.normalised AS service_normalised,
            d.service_normalised.quantity, d.service_normalised.visits, d.service_normalised.days,
            d.service_normalised.frequency, d.service_normalised.strength, d.service_normalised.refills,
            coalesce(d.service_taxonomy.category, d.service_normalised.category) AS category,
            d.service_normalised.category AS normalised_category,
            d.service_taxonomy.subcategory, d.service_taxonomy.drug_group, d.service_taxonomy.generic,
            d.original_request, d.authorized, d.decision, d.decision_text, d.medically_necessary,
            d.rationale, coalesce(d.warnings, []) AS warnings
        FROM dets
    """)
    con.execute("""
        INSERT INTO guidelines BY NAME SELECT letter_id, item, position, g.id AS guideline_id, g.family,
            g.topic, g.cited_by, g.adopted_from, g.text, g.pages, g.page_start, g.page_end, g.section,
            g.edition
        FROM (SELECT letter_id, d.item AS item, unnest(d.guidelines) AS g,
                     generate_subscripts(d.guidelines, 1) AS position FROM dets)
    """)
    con.execute("""
        INSERT INTO findings BY NAME SELECT letter_id, item, position, f.text, f.start AS start_char,
            f.end AS end_char, f.score, f.assertion, f.type AS finding_type, f.value
        FROM (SELECT letter_id, d.item AS item, unnest(d.finding_details) AS f,
                     generate_subscripts(d.finding_details, 1) AS position
              FROM dets WHERE len(d.finding_details) > 0)
    """)
    con.execute("""
        INSERT INTO findings BY NAME SELECT letter_id, item, position, text
        FROM (SELECT letter_id, d.item AS item, unnest(d.findings) AS text,
                     generate_subscripts(d.findings, 1) AS position
              FROM dets WHERE coalesce(len(d.finding_details), 0) = 0)
    """)
    con.execute(f"""
        INSERT INTO diagnoses BY NAME SELECT letter_id, position, text,
            codes[position].candidates[1].code AS icd10cm_code,
            codes[position].candidates[1].description AS icd10cm_description FROM (
            SELECT l.letter_id, unnest(i."case".diagnoses) AS text,
                   generate_subscripts(i."case".diagnoses, 1) AS position, i."case".diagnosis_codes AS codes
            FROM incoming i JOIN letters l ON l.source = i.source AND l.letter_id > {base})
    """)


def load_records(con: duckdb.DuckDBPyConnection, records: list[dict[str, Any]]) -> LoadResult:
    """Load records held in memory (through a temporary JSONL file: one loading path)."""
    if not records:
        return LoadResult()
    fd, name = tempfile.mkstemp(suffix=".jsonl", prefix="imr-store-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return load_jsonl(con, name)
    finally:
        os.unlink(name)


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> list[Path]:
    """Write every table (and the errors view) as DIRECTORY/<table>.parquet with DuckDB's COPY."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in EXPORTS:
        path = directory / f"{table}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        con.execute(f"COPY (SELECT * FROM {table}) TO {_quote(tmp)} (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, path)
        paths.append(path)
    return paths


class StoreSink:
    """Feeds records from the ``imr extract`` writer loop into the store, a few at a time (every
    ``every`` records or ``seconds``), so a killed run keeps all but the last few and a long run does
    not pay one transaction per letter."""

    def __init__(self, path: Path | None, every: int = 64, seconds: float = 5.0):
        self.con = connect(path)
        self.every, self.seconds = every, seconds
        self.pending: list[dict[str, Any]] = []
        self.last = time.monotonic()
        self.result = LoadResult()

    def stored_sources(self, current: dict[str, str | None]) -> set[str]:
        """The inputs of ``current`` (source -> input SHA-256) stored with the same bytes: what
        --resume skips for --format parquet (a changed input is redone and its letter replaced)."""
        stored = dict(self.con.execute("SELECT source, input_sha256 FROM letters").fetchall())
        return {s for s, sha in current.items() if s in stored and stored[s] == sha}

    def add(self, record: dict[str, Any]) -> None:
        self.pending.append(record)
        if len(self.pending) >= self.every or time.monotonic() - self.last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        self.result += load_records(self.con, self.pending)
        self.pending = []
        self.last = time.monotonic()

    def close(self) -> None:
        self.flush()
        self.con.close()
