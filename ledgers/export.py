"""rejected_rows.csv: every ledger row that was not loaded, with where it is and why; changes.csv:
every correction a load made to rows already accepted (ledgers.changes)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ledgers.changes import ensure_changes_table
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
    return _write(frame, path)


def write_changes_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write every correction (ledger_changes), newest first; returns the rows written."""
    ensure_changes_table(con)
    frame = con.execute(
        """select changed_at, file, ledger, "key", dept, period, "column", old_value, new_value
           from ledger_changes order by changed_at desc, ledger, "key", "column" """
    ).df()
    return _write(frame, path)


def _write(frame: pd.DataFrame, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig so that Excel on a Chinese Windows opens the Chinese text correctly; ledger text
    # that starts like a formula stays text
    frame = excel_text_frame(frame)
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return len(frame)
