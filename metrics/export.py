"""metrics.csv: every indicator value at every grain, as METRICS.md's "Output" section says."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ledgers.excel_text import write_excel_csv
from metrics.compute import sql

# The columns METRICS.md requires first, then what helps a reader check and understand a row
# (the order of sql/metrics_csv.sql, which writes them).
COLUMNS = [
    "grain", "period", "dept", "metric", "value", "numerator", "denominator",
    "prior_value", "yoy_value", "status", "months_covered", "months_in_period",
    "name_zh", "name_en", "unit", "family", "reason",
    "prior_period", "prior_change", "prior_change_rel", "prior_reason",
    "yoy_period", "yoy_change", "yoy_change_rel", "yoy_reason", "band_low", "band_high",
    "in_progress", "depts_included", "depts_in_group",
]  # fmt: skip


# The rows' order: one row per grain, period, department group and indicator.
ORDER = "grain, period, dept, metric"

# The catalog of metrics_csv_words.sql's types: attached in memory for one write, then detached.
WORDS = "metrics_csv_words"


@contextlib.contextmanager
def _words(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The ENUM types of metrics.csv's text columns (sql/metrics_csv_words.sql) for the block. In
    an in-memory catalog, not the warehouse: nothing of the write stays behind in it."""
    con.execute(f"detach database if exists {WORDS}")
    con.execute(f"attach ':memory:' as {WORDS}")
    try:
        con.execute(sql("metrics_csv_words"))
        yield
    finally:
        con.execute(f"detach database {WORDS}")


def write_metrics_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write metric_report sorted by grain, period, dept and metric; returns the rows written.

    The sort and Python's shortest round-trip float format make two runs byte-identical."""
    with _words(con):
        return write_excel_csv(con, sql("metrics_csv"), path, order=ORDER)
