"""What the finance and case-mix tables of a report read from the warehouse, once per period for
every department: the finance ledger's revenue and expense lines (metrics' `finance_lines`), the
DRG/DIP groups of the period's episodes and their payer mix. SQL in `reports/data/sql/`, values bound.

Episode rows come per department; a group (the hospital, a department kind) adds its departments
up (`group_rows`), since they are lists of episodes (plain sums, METRICS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import TypeVar

import duckdb

from reports.data.publication import HOSPITAL, KIND_PREFIX
from reports.periods import month_start

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class DrgGroup:
    """One DRG/DIP code's episodes of the period in one department (or group): additive sums."""

    dept: str
    drg: str
    name: str | None
    grouped: bool  # the code has a weights row (入组)
    cases: int
    total_weight: float | None
    bed_days: int
    stay_benchmarked_cases: int
    stay_benchmarked_days: int | None
    benchmark_days: float | None
    costed_cases: int
    total_cost: float | None
    costed_bed_days: int | None
    cost_benchmarked_cases: int
    benchmarked_cost: float | None  # Σ cost of the costed episodes with a benchmark cost
    benchmark_cost: float | None  # Σ their benchmark cost
    paid_cases: int
    margin: float | None
    losing_cases: int


@dataclass(frozen=True)
class PayerLine:
    dept: str
    payer: str | None  # None: left blank in the ledger
    episodes: int
    costed_episodes: int
    total_cost: float | None


@dataclass
class FinanceData:
    """The period's lines and episode tables, every department."""

    # (dept, grain or 'yoy:<grain>', period) -> {line: amount}
    lines: dict[tuple[str, str, str], dict[str, float]]
    drg_groups: list[DrgGroup]
    payers: list[PayerLine]
    has_weights: bool  # whether a DRG/DIP weights ledger was provided at all


def read_finance(
    con: duckdb.DuckDBPyConnection,
    grain: str,
    periods: list[str],
    months: list[str],
    tables: set[str],
) -> FinanceData:
    """The lines of `periods` at `grain` (and their 同比 windows), and the episodes of `months`."""
    lines: dict[tuple[str, str, str], dict[str, float]] = {}
    if "finance_lines" in tables:
        rows = con.execute(sql("finance_lines"), {"grain": grain, "periods": periods}).fetchall()
        for row_grain, period, dept, line, amount in rows:
            lines.setdefault((dept, row_grain, period), {})[line] = amount
    firsts = [month_start(m) for m in months]
    groups, payers, has_weights = [], [], False
    if "discharges_weighted" in tables:
        groups = _rows(con, "drg_groups", DrgGroup, firsts)
        payers = _rows(con, "payer_mix", PayerLine, firsts)
        has_weights = con.execute("select 1 from raw_drg_weights limit 1").fetchone() is not None
    return FinanceData(lines, groups, payers, has_weights)


Row = TypeVar("Row", DrgGroup, PayerLine)


def _rows(con: duckdb.DuckDBPyConnection, name: str, kind: type[Row], months: list) -> list[Row]:
    cursor = con.execute(sql(name), {"months": months})
    names = [column[0] for column in cursor.description]
    expected = [f.name for f in fields(kind)]
    if names != expected:  # the SQL file and the row type are one contract
        raise ValueError(f"reports/data/sql/{name}.sql returns {names}, expected {expected}")
    return [kind(*row) for row in cursor.fetchall()]


def members(dept: str, kinds: dict[str, str | None]) -> set[str]:
    """The departments whose episodes a report of `dept` counts: itself, every department for the
    hospital, the kind's for `KIND:<kind>`."""
    if dept == HOSPITAL:
        return set(kinds)
    if dept.startswith(KIND_PREFIX):
        kind = dept.removeprefix(KIND_PREFIX)
        return {code for code, k in kinds.items() if k == kind}
    return {dept}


def group_rows(rows: list[Row], dept: str, kinds: dict[str, str | None], key: str) -> list[Row]:
    """`rows` of the departments `dept` counts, added up per `key` (drg, payer) under `dept`:
    numbers sum (None when no department has one), flags are true if any is."""
    wanted = members(dept, kinds)
    merged: dict[object, dict] = {}
    kind = None
    for row in rows:
        if row.dept not in wanted:
            continue
        kind = type(row)
        values = {f.name: getattr(row, f.name) for f in fields(row)} | {"dept": dept}
        slot = merged.setdefault(values[key], dict.fromkeys(values))
        for name, value in values.items():
            if value is None:
                continue
            if slot[name] is None or name in ("dept", key):
                slot[name] = value  # a name: the first department's that has one
            elif isinstance(value, bool):
                slot[name] = slot[name] or value
            elif isinstance(value, int | float):
                slot[name] += value
    return [kind(**values) for values in merged.values()]
