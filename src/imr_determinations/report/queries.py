"""The report's numbers: SQL over the store, one function per table, rates with 95% Wilson intervals.

An overturn rate is OVERTURNED / (UPHELD + OVERTURNED) over determinations with a decision; items
without a decision count in ``n`` but not in the rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

Z95 = 1.959963984540054


@dataclass
class Table:
    """One report table: a title, what it shows, column names and rows; ``chart`` names the plot."""

    key: str
    title: str
    note: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str | None = None  # "rate" (bars with intervals), "count", "trend", "pair" or None
    extra: dict[str, Any] = field(default_factory=dict)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of k successes in n trials (sound for small n and rates near 0 or 1)."""
    if n <= 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # clamped to contain p: float rounding leaves e.g. 5e-17 above 0 for k = 0
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


_RATE_COLUMNS = ["items", "share", "decided", "overturned", "overturn rate", "95% CI low", "95% CI high"]


def _rate_table(con: duckdb.DuckDBPyConnection, key: str, title: str, note: str, label: str,
                group_sql: str, from_sql: str, limit: int = 20, order: str = "items DESC, g",
                share_of: str | None = None) -> Table:
    """Items, share of items, and overturn rate per group; ``group_sql`` is the group expression."""
    rows = _rows(con, f"""
        SELECT {group_sql} AS g, count(*) AS items,
               count(decision) AS decided, count(*) FILTER (decision = 'OVERTURNED') AS overturned
        FROM {from_sql} GROUP BY g ORDER BY {order} LIMIT {limit}""")
    total = _rows(con, f"SELECT count(*) FROM {share_of or from_sql}")[0][0] or 1
    out = []
    for g, items, decided, over in rows:
        low, high = wilson(over, decided)
        out.append([g if g is not None else "(none)", items, items / total, decided, over,
                    over / decided if decided else None, low, high])
    return Table(key, title, note, [label, *_RATE_COLUMNS], out, chart="rate")


DETS = "determinations d JOIN letters l USING (letter_id)"


def overview(con: duckdb.DuckDBPyConnection) -> Table:
    letters, ok, errors, no_items = _rows(con, """
        SELECT count(*), count(*) FILTER (status = 'ok'), count(*) FILTER (status = 'error'),
               count(*) FILTER (status = 'ok' AND n_determinations = 0) FROM letters""")[0]
    items, decided, over = _rows(con, """
        SELECT count(*), count(decision), count(*) FILTER (decision = 'OVERTURNED') FROM determinations""")[0]
    low, high = wilson(over, decided)
    rate = over / decided if decided else None
    rows = [["letters", letters], ["letters read (status ok)", ok], ["error rows", errors],
            ["letters without items", no_items], ["determinations (items)", items],
            ["items with a decision", decided], ["overturned", over],
            ["overturn rate", _pct(rate)], ["overturn rate 95% CI", f"{_pct(low)} - {_pct(high)}"],
            ["uphold rate", _pct(None if rate is None else 1 - rate)]]
    return Table("overview", "Overview", "All letters in the store.", ["measure", "value"], rows)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def by_category(con: duckdb.DuckDBPyConnection) -> Table:
    return _rate_table(con, "category", "Service mix and overturn rate by category",
                       "Category: service_taxonomy.category where present, else service_normalised.category.",
                       "category", "d.category", DETS)


def by_drug_group(con: duckdb.DuckDBPyConnection) -> Table:
    # 'pharmaceuticals' is the service taxonomy's category; 'medication' the extracted category of
    # records made before the taxonomy existed
    return _rate_table(con, "drug_group", "Pharmaceutical items by drug group",
                       "Items whose category is pharmaceuticals; drug group from service_taxonomy (none: not "
                       "classified).", "drug group", "d.drug_group",
                       DETS + " WHERE d.category IN ('pharmaceuticals', 'medication')")


_REVIEWER_CITES = ("(SELECT DISTINCT letter_id, item, {col} AS g FROM guidelines "
                   "WHERE cited_by IN ('reviewer', 'rationale')) c "
                   "JOIN determinations d USING (letter_id, item)")


def by_family(con: duckdb.DuckDBPyConnection) -> Table:
    return _rate_table(con, "family", "Overturn rate by guideline family (reviewer's citations)",
                       "An item counts once under each family the reviewer cites (guideline line or "
                       "rationale); shares can sum past 100%.", "family", "c.g",
                       _REVIEWER_CITES.format(col="family"), share_of="determinations")


def by_chapter(con: duckdb.DuckDBPyConnection) -> Table:
    return _rate_table(con, "chapter", "Overturn rate by guideline (chapter or part, top 20)",
                       "Canonical guideline ids (docs/guideline_ids.md) the reviewer cites; an item counts "
                       "once per id.", "guideline id", "c.g", _REVIEWER_CITES.format(col="guideline_id"),
                       share_of="determinations")


def by_specialty(con: duckdb.DuckDBPyConnection) -> Table:
    return _rate_table(con, "specialty", "Overturn rate by reviewer specialty (top 20)",
                       "The expert reviewer's certification or specialty as written.", "specialty",
                       "l.reviewer_specialty", DETS)


def by_month(con: duckdb.DuckDBPyConnection) -> Table:
    t = _rate_table(con, "month", "Items and overturn rate by decision month",
                    "Month of the letter's decision date (none: no date found).", "month",
                    "strftime(l.decision_date, '%Y-%m')", DETS, limit=1000, order="g NULLS LAST")
    t.chart = "trend"
    return t


def by_accident_year(con: duckdb.DuckDBPyConnection) -> Table:
    t = _rate_table(con, "accident_year", "Items and overturn rate by accident year",
                    "Year of the date of injury (none: no date found).", "accident year",
                    "CAST(year(l.date_of_injury) AS VARCHAR)", DETS, limit=1000, order="g NULLS LAST")
    t.chart = "trend"
    return t


def items_per_letter(con: duckdb.DuckDBPyConnection) -> Table:
    rows = _rows(con, """SELECT n_determinations, count(*) FROM letters WHERE status = 'ok'
                         GROUP BY 1 ORDER BY 1""")
    total = sum(r[1] for r in rows) or 1
    return Table("items", "Items per letter", "Letters read (status ok) by their number of determinations.",
                 ["items in letter", "letters", "share"], [[n, c, c / total] for n, c in rows], chart="count")


def agreement(con: duckdb.DuckDBPyConnection) -> Table:
    """Per category: of items where both the claims administrator and the reviewer cite a guideline,
    the share where the reviewer cites one of the claims administrator's guideline ids."""
    rows = _rows(con, """
        WITH ca AS (SELECT DISTINCT letter_id, item, guideline_id FROM guidelines
                    WHERE cited_by = 'claims_administrator'),
             rv AS (SELECT DISTINCT letter_id, item, guideline_id FROM guidelines
                    WHERE cited_by = 'reviewer'),
             both_cite AS (SELECT DISTINCT letter_id, item FROM ca JOIN rv USING (letter_id, item)),
             same AS (SELECT DISTINCT letter_id, item FROM ca JOIN rv USING (letter_id, item, guideline_id))
        SELECT coalesce(d.category, '(none)') AS g, count(*) AS items,
               count(s.item) AS same
        FROM both_cite b JOIN determinations d USING (letter_id, item)
        LEFT JOIN same s ON s.letter_id = b.letter_id AND s.item = b.item
        GROUP BY ROLLUP (g) ORDER BY g NULLS FIRST""")
    out = []
    for g, items, same in rows:
        low, high = wilson(same, items)
        out.append(["all categories" if g is None else g, items, same, same / items, low, high])
    return Table("agreement", "Claims administrator vs reviewer: same guideline",
                 "Items where both cite a guideline; agreement = the reviewer's guideline line names an id "
                 "the claims administrator also cited.",
                 ["category", "items (both cite)", "same id", "agreement", "95% CI low", "95% CI high"], out,
                 chart="pair")


MISSING_SAID = "a finding the reviewer says the records lack"


def by_missing(con: duckdb.DuckDBPyConnection) -> Table:
    """Overturn rate of the items whose rationale names a finding the records lack, against the rest."""
    return _rate_table(
        con, "missing", "Items whose rationale says the records lack a finding",
        "A not-documented finding ('there is no documentation of functional improvement') in the item's "
        "rationale, against items with none; rate with 95% Wilson interval.",
        "rationale names", f"CASE WHEN m.item IS NULL THEN 'no missing finding' ELSE '{MISSING_SAID}' END",
        "determinations d LEFT JOIN (SELECT DISTINCT letter_id, item FROM findings "
        "WHERE assertion = 'not_documented') m USING (letter_id, item)")


def top_findings(con: duckdb.DuckDBPyConnection, limit: int = 12) -> Table:
    rows = _rows(con, f"""
        WITH f AS (SELECT lower(trim(f.text)) || CASE WHEN f.assertion IN ('absent', 'not_documented')
                          THEN ' [' || replace(f.assertion, '_', ' ') || ']' ELSE '' END AS finding,
                          d.decision
                   FROM findings f JOIN determinations d USING (letter_id, item)
                   WHERE d.decision IS NOT NULL),
             n AS (SELECT decision, count(*) AS total FROM determinations WHERE decision IS NOT NULL
                   GROUP BY decision),
             c AS (SELECT decision, finding, count(*) AS k,
                          row_number() OVER (PARTITION BY decision ORDER BY count(*) DESC, finding) AS r
                   FROM f GROUP BY decision, finding)
        SELECT c.decision, c.r, c.finding, c.k, c.k / n.total FROM c JOIN n USING (decision)
        WHERE c.r <= {limit} ORDER BY c.decision DESC, c.r""")
    return Table("findings", "Findings cited most in upheld vs overturned items",
                 "Finding text lower-cased, [absent] or [not documented] where the finding context says so; "
                 "per item share = citations / items with that decision.",
                 ["decision", "rank", "finding", "citations", "per item"], [list(r) for r in rows])


def data_quality(con: duckdb.DuckDBPyConnection, limit: int = 10) -> Table:
    rows = _rows(con, """
        SELECT 'error' AS kind, regexp_replace(error, '^(.{0,90}).*$', '\\1') AS what, count(*) AS n
            FROM letters WHERE status = 'error' GROUP BY what
        UNION ALL SELECT 'letter warning', regexp_replace(w, '[0-9]+', 'N', 'g'), count(*)
            FROM (SELECT unnest(warnings) AS w FROM letters) GROUP BY 2
        UNION ALL SELECT 'item warning', regexp_replace(w, '[0-9]+', 'N', 'g'), count(*)
            FROM (SELECT unnest(warnings) AS w FROM determinations) GROUP BY 2
        UNION ALL SELECT 'letter without items', 'status ok, no determination found', count(*)
            FROM letters WHERE status = 'ok' AND n_determinations = 0
        UNION ALL SELECT 'item without decision', 'no UPHELD/OVERTURNED found', count(*)
            FROM determinations WHERE decision IS NULL
        ORDER BY kind, n DESC""")
    kept: dict[str, int] = {}
    out = []
    for kind, what, n in rows:
        kept[kind] = kept.get(kind, 0) + 1
        if kept[kind] <= limit:
            out.append([kind, what, n])
    return Table("quality", "Data quality",
                 "Error rows, warnings (digits shown as N) and letters without items.",
                 ["kind", "what", "count"], out)


SECTIONS = (overview, by_category, by_drug_group, by_family, by_chapter, by_specialty, by_month,
            by_accident_year, items_per_letter, agreement, by_missing, top_findings, data_quality)


def all_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    return [section(con) for section in SECTIONS]
