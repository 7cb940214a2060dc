"""Compute indicators in DuckDB: measures per department and month, then every formula over their sums.

Tables written:
- `dept_day_measures`: one row per department and day (daily workload ledger).
- `dept_month_measures`: one row per department and month (every ledger).
- `metric_values`: one row per grain, period, department group and indicator, with the numerator and
  denominator of its formula; `metric_report` (a view) adds comparisons, bands and status.

Recomputing a month rewrites that month's measures and only the periods that contain it: the month,
its quarter, its year and the ISO weeks that overlap it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import duckdb

from ledgers.loader import ensure_schema
from metrics import catalogue

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    """The text of `metrics/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def month_start(month: str) -> dt.date:
    """'2026-10' -> date(2026, 10, 1)."""
    return dt.date.fromisoformat(f"{month}-01")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the measure and value tables with the columns the SQL files define."""
    ensure_schema(con)
    catalogue.store(con)
    nothing = {"months": []}
    con.execute(f"create table if not exists dept_day_measures as {sql('measures_daily')}", nothing)
    con.execute(f"create table if not exists dept_month_measures as {sql('measures')}", nothing)
    con.execute("""
        create table if not exists metric_values (
            grain varchar, period varchar, dept varchar, metric varchar, value double,
            numerator double, denominator double, reason varchar,
            prior_period varchar, yoy_period varchar)
    """)
    con.execute(sql("report"))


def compute_months(con: duckdb.DuckDBPyConnection, months: Iterable[str]) -> int:
    """Recompute the measures of these months ('2026-10', ...) and every period containing them.

    Returns the number of indicator values written. One transaction: readers never see half."""
    dates = sorted({month_start(m) for m in months})
    ensure_tables(con)
    con.execute("begin transaction")
    try:
        params = {"months": dates}
        con.execute(
            "delete from dept_day_measures where list_contains($months, date_trunc('month', day)::date)",
            params,
        )
        con.execute(f"insert into dept_day_measures by name {sql('measures_daily')}", params)
        con.execute("delete from dept_month_measures where list_contains($months, month)", params)
        con.execute(f"insert into dept_month_measures by name {sql('measures')}", params)
        held = [
            m for (m,) in con.execute("select distinct month from dept_month_measures").fetchall()
        ]
        con.execute(f"create or replace temp table calendar as {sql('calendar')}", {"months": held})
        con.execute(f"create or replace temp table periods as {sql('periods')}")
        con.execute(
            """create or replace temp table periods_to_compute as
               select distinct unnest([('week', week), ('month', month), ('quarter', quarter),
                                       ('year', year)]) as p
               from calendar where list_contains($months, month_start)""",
            params,
        )
        con.execute(
            "create or replace temp table periods_to_compute as "
            "select p[1] as grain, p[2] as period from periods_to_compute"
        )
        con.execute(f"create or replace temp table period_sums as {sql('period_sums')}")
        formulas = "\nunion all\n".join(
            f"select * from ({sql(family)})"  # noqa: S608 -- our own SQL files
            for family in catalogue.families()
        )
        con.execute(f"create or replace temp table formulas as {formulas}")
        con.execute(
            "delete from metric_values v using periods_to_compute c "
            "where v.grain = c.grain and v.period = c.period"
        )
        con.execute(f"insert into metric_values by name {sql('evaluate')}")
        written = con.execute("select count(*) from formulas").fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return written


def months_with_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every month that some ledger row belongs to, in order (the ledger tables must exist)."""
    rows = con.execute("""
        select distinct strftime(m, '%Y-%m') from (
            select date_trunc('month', date) as m from raw_workload
            union select date_trunc('month', discharge_date) from raw_discharges
            union select month from raw_finance
            union select month from raw_patient_feedback
            union select month from raw_appointments
            union select month from raw_supplies
            union select month from raw_equipment_usage
        ) order by 1
    """).fetchall()
    return [m for (m,) in rows]
