"""rejected_rows.csv: every ledger row that was not loaded, with where it is and why."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ledgers.excel_text import excel_text_frame


def write_rejected_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the rejected rows sorted by file, sheet and row; returns the rows written."""
    frame = con.execute(
        """select file, sheet, "row", ledger, "column", reason, twin, "values"
           from rejected_rows order by file, sheet, "row", "column", reason"""
    ).df()
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig so that Excel on a Chinese Windows opens the Chinese text correctly
    frame = excel_text_frame(frame)
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return len(frame)
