"""Every SQL example in docs/analysis.md runs on a store made from synthetic letters."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_ten_queries() -> None:
    assert len(QUERIES) == 10


@pytest.mark.parametrize("sql", QUERIES, ids=[f"query{i + 1}" for i in range(len(QUERIES))])
def test_doc_query_runs(sql: str, synthetic_records) -> None:
    _, db = synthetic_records
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(sql).fetchall()
    finally:
        con.close()
