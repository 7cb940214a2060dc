"""Monthly reports: the month grain of `reports.periodic` (kept for callers of the first API)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reports.periodic import write_period_reports


def write_month_reports(
    con: duckdb.DuckDBPyConnection,
    reports_dir: Path,
    month: str,
    lang: str = "zh",
    *,
    self_contained: bool = False,
    suppress_below: int | None = None,
) -> list[Path]:
    """`write_period_reports(con, reports_dir, "month", month, lang, self_contained, ...)`."""
    return write_period_reports(
        con, reports_dir, "month", month, lang, self_contained, suppress_below=suppress_below
    )
