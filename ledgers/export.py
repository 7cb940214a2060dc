"""rejected_rows.csv: every ledger row that was not loaded, with where it is and why."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ledgers.excel_text import excel_text_frame


def write_rejected_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the rejected rows sorted by file, sheet and row, and a line (without sheet or row)
    for each file not used at all, with its status and why; returns the lines written."""
    frame = con.execute(
        """select file, sheet, "row", ledger, "column", reason, twin, "values" from (
               select file, sheet, "row", ledger, "column", reason, twin, "values"
               from rejected_rows
               union all
               select file, null, null, null, null, status || ': ' || coalesce(message, ''),
                      null, null
               from ledger_files where status <> 'loaded')
           order by file, sheet nulls first, "row" nulls first, "column", reason"""
    ).df()
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig so that Excel on a Chinese Windows opens the Chinese text correctly
    frame = excel_text_frame(frame)
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return len(frame)
