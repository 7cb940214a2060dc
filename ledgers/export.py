"""rejected_rows.csv: every ledger row that was not loaded, with where it is and why; changes.csv:
every correction a load made to rows already accepted (ledgers.changes)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ledgers.changes import ensure_changes_table
from ledgers.excel_text import write_excel_csv


def write_rejected_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the rejected rows sorted by file, sheet and row, and a line (without sheet or row)
    for each file not used at all, with its status and why; returns the lines written."""
    return write_excel_csv(
        con,
        """select file, sheet, "row", ledger, "column", reason, twin, "values"
           from rejected_rows
           union all
           select file, null, null, null, null, status || ': ' || coalesce(message, ''), null, null
           from ledger_files where status <> 'loaded'""",
        path,
        order='file, sheet nulls first, "row" nulls first, "column", reason',
    )


def write_changes_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write every correction (ledger_changes), newest first; returns the rows written."""
    ensure_changes_table(con)
    return write_excel_csv(
        con,
        """select changed_at, file, ledger, "key", dept, strftime(period, '%Y-%m') as period,
                  "column", old_value, new_value
           from ledger_changes""",
        path,
        order='changed_at desc, ledger, "key", "column"',
    )
