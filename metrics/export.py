"""metrics.csv: every indicator value at every grain, as METRICS.md's "Output" section says."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ledgers.excel_text import excel_text_frame

# The columns METRICS.md requires first, then what helps a reader check and understand a row.
COLUMNS = [
    "grain", "period", "dept", "metric", "value", "numerator", "denominator",
    "prior_value", "yoy_value", "status",
    "name_zh", "name_en", "unit", "family", "reason",
    "prior_period", "prior_change", "prior_change_rel",
    "yoy_period", "yoy_change", "yoy_change_rel", "band_low", "band_high",
]  # fmt: skip


def write_metrics_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write metric_report sorted by grain, period, dept and metric; returns the rows written.

    The sort and Python's shortest round-trip float format make two runs byte-identical."""
    columns = ", ".join(COLUMNS)
    frame = con.execute(
        f"select {columns} from metric_report order by grain, period, dept, metric"  # noqa: S608
    ).df()
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = excel_text_frame(frame)  # department codes come from ledgers
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return len(frame)
