"""The corrections trail: what a load changed in rows that were already accepted.

A department re-saves a ledger with a cell corrected; the load replaces the file's rows. Before it
does, the accepted rows of the kinds and months that load can touch are set aside; after it, they
are compared key by key with the accepted rows that replaced them, and every cell whose value
differs is recorded in `ledger_changes` (one row per key and column: file, ledger, key, column,
old → new, when). Rows whose key is gone, and rows of a new key in a file that was loaded before
(a forgotten discharge added to a corrected ledger), are recorded as counts per file, department
and month (column `(rows removed)` / `(rows added)`): a removed ledger is one line per month, not
thousands. A first load of a file writes nothing here. An episode's key (a `private_key` ledger)
is never written: its cells are logged without the key.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ledgers.specs import Ledger, ledgers
from metrics.periods import month_column_as_date, month_start

ROWS_ADDED = "(rows added)"
ROWS_REMOVED = "(rows removed)"

CHANGES_COLUMNS = (
    "changed_at", "file", "ledger", "key", "dept", "period", "column", "old_value", "new_value",
)  # fmt: skip


def ensure_changes_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create table if not exists ledger_changes (
            changed_at timestamp, file varchar, ledger varchar, "key" varchar, dept varchar,
            period date, "column" varchar, old_value varchar, new_value varchar)
    """)
    month_column_as_date(con, "ledger_changes", "period")  # a warehouse from before


def _before_table(spec: Ledger) -> str:
    return f"changes_before_{spec.kind}"


def _month_of(spec: Ledger, alias: str) -> str:
    return f"""cast(date_trunc('month', {alias}."{spec.period}") as date)"""


def _same_key(spec: Ledger, left: str, right: str) -> str:
    return " and ".join(f'{left}."{k}" is not distinct from {right}."{k}"' for k in spec.key)


def set_aside(con: duckdb.DuckDBPyConnection, kinds: set[str], months: set[str]) -> set[str]:
    """Copy the accepted rows that this load may replace: of these kinds, in these months (every
    row of a kind without a period: departments, equipment, staff). Call before the load; give
    what it returns (the kinds set aside) to `record_changes`."""
    ensure_changes_table(con)
    # Rows without a key (complaints) cannot be paired (record_changes): none is set aside, nor
    # any of a kind the load does not touch (a temp table made, counted and dropped for nothing,
    # about a tenth of a small load's statements).
    aside = {spec.kind for spec in ledgers().values() if spec.kind in kinds and spec.key}
    for spec in ledgers().values():
        if spec.kind not in aside:
            continue
        where = f"list_contains($months::date[], {_month_of(spec, 'r')})" if spec.period else "true"
        # Identifiers below come from specs.toml, never from ledger text.
        con.execute(
            f"create or replace temp table {_before_table(spec)} as "  # noqa: S608
            f"select * from {spec.table} r where {where}",
            {"months": sorted(month_start(m) for m in months)} if spec.period else {},
        )
    return aside


def record_changes(con: duckdb.DuckDBPyConnection, changed_at: dt.datetime, aside: set[str]) -> int:
    """Compare the rows set aside (of the kinds `aside`, as `set_aside` gave them) with the
    accepted rows now, store every changed cell in ledger_changes and return how many. Call after
    the load, in its transaction."""
    written = 0
    for spec in ledgers().values():
        if spec.kind not in aside:
            continue
        before = _before_table(spec)
        # Nothing set aside (a first load): nothing was corrected, and the accepted rows are not
        # read.
        if not con.execute(f"select count(*) from {before}").fetchone()[0]:  # noqa: S608
            con.execute(f"drop table {before}")
            continue
        values = [c.name for c in spec.columns if c.name not in spec.key]
        on_key = _same_key(spec, "b", "a")
        key_text = (
            "null"
            if spec.private_key
            else " || ', ' || ".join(
                f"""'{k}=' || coalesce(cast(b."{k}" as varchar), '')""" for k in spec.key
            )
        )
        # Identifiers below come from specs.toml, never from ledger text; values are bound.
        con.execute(
            f"""create or replace temp table change_pairs as
                select a.source_file as file, {key_text} as "key",
                       {f'b."{spec.dept}"' if spec.dept else "null"} as dept,
                       {_month_of(spec, "b") if spec.period else "null"} as period,
                       {", ".join(f'b."{c}" as "old_{c}", a."{c}" as "new_{c}"' for c in values)}
                from {before} b join {spec.table} a on {on_key}"""  # noqa: S608
        )
        cells = " union all ".join(
            f"""select file, "key", dept, period, '{c}' as "column",
                       cast("old_{c}" as varchar), cast("new_{c}" as varchar)
                from change_pairs where "old_{c}" is distinct from "new_{c}" """  # noqa: S608
            for c in values
        )
        written += con.execute(
            f"""insert into ledger_changes
                select $at, file, $ledger, "key", dept, period, "column", old_value, new_value
                from ({cells}) as cells(file, "key", dept, period, "column", old_value, new_value)
            """,  # noqa: S608
            {"at": changed_at, "ledger": spec.kind},
        ).fetchone()[0]
        _record_rows(con, spec, before, changed_at)
        con.execute(f"drop table {before}")
        con.execute("drop table change_pairs")
    return written


def _record_rows(
    con: duckdb.DuckDBPyConnection, spec: Ledger, before: str, at: dt.datetime
) -> None:
    """Rows removed (a key set aside that no accepted row has now) and rows added to a file that
    was loaded before (a key it did not hold), counted per file, department and month."""
    dept = f'r."{spec.dept}"' if spec.dept else "null"
    period = _month_of(spec, "r") if spec.period else "null"
    # Identifiers below come from specs.toml, never from ledger text; values are bound.
    con.execute(
        f"""insert into ledger_changes
            select $at, file, $ledger, null, dept, period, $removed, cast(count(*) as varchar), '0'
            from (select r.source_file as file, {dept} as dept, {period} as period
                  from {before} r
                  where not exists (select 1 from {spec.table} a
                                    where {_same_key(spec, "r", "a")}))
            group by all
            union all
            select $at, file, $ledger, null, dept, period, $added, '0', cast(count(*) as varchar)
            from (select r.source_file as file, {dept} as dept, {period} as period
                  from {spec.table} r
                  where r.source_file in (select source_file from {before})
                    and not exists (select 1 from {before} b
                                    where {_same_key(spec, "b", "r")}))
            group by all""",  # noqa: S608
        {"at": at, "ledger": spec.kind, "removed": ROWS_REMOVED, "added": ROWS_ADDED},
    )


def corrections_line(con: duckdb.DuckDBPyConnection, since: dt.datetime) -> str | None:
    """The run summary's line for the corrections recorded since `since`:
    "纠正 3 个单元格，涉及 2025-06 骨科" (None when there were none)."""
    if not con.execute(
        "select 1 from duckdb_tables() where table_name = 'ledger_changes'"
    ).fetchone():
        return None  # a warehouse from before the trail, opened read-only
    rows = con.execute(
        """select strftime(c.period, '%Y-%m') as period, coalesce(d.name_zh, c.dept) as dept,
                  count(*) filter (where c."column" not in ($added, $removed)) as cells,
                  coalesce(sum(try_cast(c.new_value as bigint))
                           filter (where c."column" = $added), 0) as added,
                  coalesce(sum(try_cast(c.old_value as bigint))
                           filter (where c."column" = $removed), 0) as removed
           from ledger_changes c left join raw_departments d on d.code = c.dept
           where c.changed_at >= $since
           group by all order by period nulls last, dept""",
        {"since": since, "added": ROWS_ADDED, "removed": ROWS_REMOVED},
    ).fetchall()
    if not rows:
        return None
    cells, added, removed = (sum(r[i] for r in rows) for i in (2, 3, 4))
    what = [
        f"纠正 {cells} 个单元格" if cells else "",
        f"增加 {added} 行" if added else "",
        f"删除 {removed} 行" if removed else "",
    ]
    places = "、".join(" ".join(p for p in (period, dept) if p) for period, dept, *_ in rows[:6])
    more = f" 等 {len(rows)} 处" if len(rows) > 6 else ""
    return f"{'，'.join(w for w in what if w)}，涉及 {places}{more}"
