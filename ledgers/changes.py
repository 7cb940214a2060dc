"""The corrections trail: what a load changed in rows that were already accepted.

A department re-saves a ledger with a cell corrected; the load replaces the file's rows. Before it
does, the accepted rows of the kinds and months that load can touch are set aside; after it, they
are compared key by key with the accepted rows that replaced them, and every cell whose value
differs is recorded in `ledger_changes` (one row per key and column: file, ledger, key, column,
old → new, when). Rows of a key seen for the first time are additions, not corrections, and are
not recorded, so a first load writes nothing here.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ledgers.specs import Ledger, ledgers

CHANGES_COLUMNS = (
    "changed_at", "file", "ledger", "key", "dept", "period", "column", "old_value", "new_value",
)  # fmt: skip


def ensure_changes_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create table if not exists ledger_changes (
            changed_at timestamp, file varchar, ledger varchar, "key" varchar, dept varchar,
            period varchar, "column" varchar, old_value varchar, new_value varchar)
    """)


def _before_table(spec: Ledger) -> str:
    return f"changes_before_{spec.kind}"


def _month_of(spec: Ledger, alias: str) -> str:
    return f"""strftime(date_trunc('month', {alias}."{spec.period}"), '%Y-%m')"""


def set_aside(con: duckdb.DuckDBPyConnection, kinds: set[str], months: set[str]) -> None:
    """Copy the accepted rows that this load may replace: of these kinds, in these months (every
    row of a kind without a period: departments, equipment, staff). Call before the load."""
    ensure_changes_table(con)
    for spec in ledgers().values():
        where = f"list_contains($months, {_month_of(spec, 'r')})" if spec.period else "true"
        keep = spec.kind in kinds
        # Identifiers below come from specs.toml, never from ledger text.
        con.execute(
            f"create or replace temp table {_before_table(spec)} as "  # noqa: S608
            f"select * from {spec.table} r where $keep and {where}",
            {"keep": keep, "months": sorted(months)} if spec.period else {"keep": keep},
        )


def record_changes(con: duckdb.DuckDBPyConnection, changed_at: dt.datetime) -> int:
    """Compare the rows set aside with the accepted rows now, store every changed cell in
    ledger_changes and return how many. Call after the load, in its transaction."""
    written = 0
    for spec in ledgers().values():
        before = _before_table(spec)
        values = [c.name for c in spec.columns if c.name not in spec.key]
        on_key = " and ".join(f'b."{k}" is not distinct from a."{k}"' for k in spec.key)
        key_text = " || ', ' || ".join(
            f"""'{k}=' || coalesce(cast(b."{k}" as varchar), '')""" for k in spec.key
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
        con.execute(f"drop table {before}")
        con.execute("drop table change_pairs")
    return written


def corrections_line(con: duckdb.DuckDBPyConnection, since: dt.datetime) -> str | None:
    """The run summary's line for the corrections recorded since `since`:
    "纠正 3 个单元格，涉及 2025-06 骨科" (None when there were none)."""
    if not con.execute(
        "select 1 from duckdb_tables() where table_name = 'ledger_changes'"
    ).fetchone():
        return None  # a warehouse from before the trail, opened read-only
    rows = con.execute(
        """select c.period, coalesce(d.name_zh, c.dept) as dept, count(*) as cells
           from ledger_changes c left join raw_departments d on d.code = c.dept
           where c.changed_at >= $since
           group by all order by c.period nulls last, dept""",
        {"since": since},
    ).fetchall()
    if not rows:
        return None
    total = sum(cells for *_, cells in rows)
    places = "、".join(" ".join(p for p in (period, dept) if p) for period, dept, _ in rows[:6])
    more = f" 等 {len(rows)} 处" if len(rows) > 6 else ""
    return f"纠正 {total} 个单元格，涉及 {places}{more}"
