"""The blocking Great Expectations checks can fail. The loader rejects every row that breaks a
ledger rule, so the accepted rows (raw_<kind>) always pass; here rows that break one expectation
each are written into the warehouse behind the loader's back (as another tool, or a loader bug,
would), and each expectation of each blocking suite must then fail, naming the file and row, with
DuckDB's pre-filter (expectations.suites.suspect_rows) handing GX the row. Then the same through
Dagster: the check on ledger_tables fails and the run publishes no indicators."""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest

from expectations.suites import build_expectations, suite_findings, validate_ledger
from ledgers import rules
from ledgers.loader import load_inbox
from ledgers.specs import ledger, ledgers
from pipelines.assets import CHECKED_LEDGERS
from pipelines.runner import PipelineError, run_pipeline
from pipelines.settings import Settings
from tests.test_data_quality import hospital, write_inbox


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """tests/test_data_quality.py's clean October 2026 (A 心内科, B 骨科), the blocking kinds only."""
    root = tmp_path_factory.mktemp("blocking")
    files = {
        name: rows
        for name, rows in hospital().items()
        if name in ("departments.csv", "workload.xlsx", "discharges.csv")
    }
    write_inbox(root / "inbox", files)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    report = load_inbox(con, root / "inbox")
    assert report.rows_rejected == 0
    yield con
    con.close()


def _first(con, table: str, where: str = "true") -> int:
    (rowid,) = con.execute(f"select min(rowid) from {table} where {where}").fetchone()  # noqa: S608
    assert rowid is not None, f"no row of {table} where {where}: nothing to break"
    return rowid


def break_one(con, table: str, expectation) -> int:
    """Write one row that breaks `expectation` into `table`; returns its source_row."""
    kind = type(expectation).__name__
    if kind == "ExpectColumnValuesToNotBeNull":
        column, value = expectation.column, None
        rowid = _first(con, table)
    elif kind == "ExpectColumnValuesToBeBetween":
        column = expectation.column
        # just outside: the floor itself for a strict floor, one below it, or one above the cap
        if isinstance(expectation.max_value, dict):  # not in the future (today: a parameter)
            value = dt.date.today() + dt.timedelta(days=400)
        elif expectation.min_value is not None:
            value = expectation.min_value - (0 if expectation.strict_min else 1)
        else:
            value = expectation.max_value + 1
        rowid = _first(con, table)
    elif kind == "ExpectColumnValuesToBeInSet":
        column, value = expectation.column, "不在列表中"
        rowid = _first(con, table)
    elif kind == "ExpectColumnPairValuesAToBeGreaterThanB" and expectation.column_B in BOUNDS:
        return break_dated_from(con, table, expectation.column_A, expectation.column_B)
    elif kind == "ExpectColumnPairValuesAToBeGreaterThanB":
        # B one step above A (a day for dates), on a row that holds A
        other, column = expectation.column_A, expectation.column_B
        rowid = _first(con, table, f'"{other}" is not null')
        (value,) = con.execute(
            f'select "{other}" from {table} where rowid = ?',  # noqa: S608 -- spec names
            [rowid],
        ).fetchone()
        value = value + (dt.timedelta(days=1) if isinstance(value, dt.date) else 1)
    elif kind in ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"):
        # the same key twice: a second copy of the first row, from another row of the file
        rowid = _first(con, table)
        con.execute(f"insert into {table} select * from {table} where rowid = ?", [rowid])  # noqa: S608
        con.execute(
            f"update {table} set source_row = source_row + 1000 "  # noqa: S608
            f"where rowid = (select max(rowid) from {table})"
        )
        return con.execute(f"select max(source_row) from {table}").fetchone()[0]  # noqa: S608
    else:
        raise AssertionError(f"this test cannot break {kind} yet: add it here")
    con.execute(f'update {table} set "{column}" = ? where rowid = ?', [value, rowid])  # noqa: S608
    return con.execute(f"select source_row from {table} where rowid = ?", [rowid]).fetchone()[0]  # noqa: S608


# The first dates a row may be dated by (rules.DatedFrom), which the suite's batch carries.
BOUNDS = {rules.FarPast.bound: "far_past", rules.AfterStart.bound: "before_start"}


def break_dated_from(con, table: str, column: str, bound: str) -> int:
    """One row dated before the first date its row allows; returns its source_row.
    FarPast: the year mistyped (1900). AfterStart: the row's department starts on the table's
    earliest date (科室字典), and the row is dated the day before it, so it alone breaks it."""
    rowid = _first(con, table, f'"{column}" is not null')
    if BOUNDS[bound] == "far_past":
        value = dt.date(1900, 1, 1)
    else:
        (earliest,) = con.execute(f'select min("{column}") from {table}').fetchone()  # noqa: S608
        dept = ledger_of(table).dept
        con.execute(
            f'update stored_raw_departments set start_date = ? where code = (select "{dept}" from {table} where rowid = ?)',  # noqa: S608
            [earliest, rowid],
        )
        value = earliest - dt.timedelta(days=1)
    con.execute(f'update {table} set "{column}" = ? where rowid = ?', [value, rowid])  # noqa: S608
    return con.execute(f"select source_row from {table} where rowid = ?", [rowid]).fetchone()[0]  # noqa: S608


def ledger_of(table: str):
    return next(spec for spec in ledgers().values() if table == spec.stored_table)


@pytest.mark.parametrize("kind", CHECKED_LEDGERS)
def test_each_expectation_of_a_blocking_suite_fails_on_a_row_that_breaks_it(warehouse, kind):
    spec = ledger(kind)
    assert validate_ledger(warehouse, kind).success  # the clean hospital passes
    expectations = build_expectations(spec)
    assert len(expectations) >= 3
    missed = []
    for number, expectation in enumerate(expectations):
        warehouse.begin()
        try:
            row = break_one(warehouse, spec.stored_table, expectation)
            outcome = validate_ledger(warehouse, kind)
        finally:
            warehouse.rollback()
        own = expectation.configuration.kwargs
        failed = [
            o
            for o in outcome.failed
            if o.expectation == expectation.expectation_type
            and all(o.kwargs.get(k) == own.get(k) for k in ("column", "column_A", "column_B"))
        ]
        if not failed:
            missed.append((number, expectation.expectation_type, dict(own)))
            continue
        # the example names the file and the row that was broken
        assert any(e.endswith(f" row {row}") for e in failed[0].examples), failed[0].examples
    assert missed == []
    assert validate_ledger(warehouse, kind).success  # rolled back: clean again


@pytest.mark.slow
def test_a_failing_blocking_check_stops_the_run_before_indicators(tmp_path):
    """A negative open-bed count in the accepted workload rows: the workload_expectations check on
    ledger_tables fails in the Dagster run, and `deptops run` stops before computing indicators."""
    write_inbox(
        tmp_path / "inbox",
        {n: r for n, r in hospital().items() if n in ("departments.csv", "workload.xlsx")},
    )
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox", report_workers=1)
    # the checks' outcome is read from the runs' results: Dagster's history is not needed
    with dg.DagsterInstance.ephemeral() as instance:
        quiet = {"progress": lambda _line: None, "instance": instance}
        first = run_pipeline(settings, reports=(), **quiet)  # checks, not reports
        assert first.months == ["2026-10"] and not first.blocking_failed
        with duckdb.connect(str(settings.warehouse)) as con:
            con.execute(
                "update stored_raw_workload set open_beds = -1 "
                "where dept = 'A' and date = '2026-10-05'"
            )
            con.execute("delete from metric_facts")  # metric_values reads it
        # the files have not changed: the load keeps the rows it holds, and the check sees them
        with pytest.raises(PipelineError, match="workload_expectations"):
            run_pipeline(settings, **quiet)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from metric_values").fetchone() == (0,)


@pytest.mark.parametrize("kind", CHECKED_LEDGERS)
def test_each_blocking_dagster_check_fails_on_a_row_that_breaks_its_suite(
    warehouse, tmp_path, kind
):
    """One case per blocking check (`<kind>_expectations` on raw_<kind>, the Dagster asset check
    that stops indicators): a copy of the clean warehouse with one count or amount below its
    floor (its suite's bounds) makes the check itself fail, with ERROR severity, naming the
    expectation, the column, one row and where it is. The check is invoked as Dagster would run
    it, with the DuckDB resource on the copy."""
    from dagster_duckdb import DuckDBResource

    from pipelines.assets import load_definitions

    spec = ledger(kind)
    (check,) = [
        c
        for c in load_definitions(Settings(home=tmp_path / "home", inbox=tmp_path)).asset_checks
        if any(k.name == f"{kind}_expectations" for k in c.check_keys)
    ]
    (path,) = warehouse.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    warehouse.execute("checkpoint")
    copy = tmp_path / "broken.duckdb"
    shutil.copyfile(path, copy)
    resource = DuckDBResource(database=str(copy))
    assert check(duckdb=resource).passed  # the clean copy passes
    bounded = next(
        e for e in build_expectations(spec) if type(e).__name__ == "ExpectColumnValuesToBeBetween"
    )
    with duckdb.connect(str(copy)) as con:
        row = break_one(con, spec.stored_table, bounded)
    result = check(duckdb=resource)
    assert not result.passed and result.severity.value == "ERROR"
    failed = result.metadata["failed"].text
    assert failed.startswith(f"expect_column_values_to_be_between on {bounded.column}: 1 rows (")
    assert failed.endswith(f" row {row})"), failed


@pytest.mark.parametrize(
    ("bound", "month", "zh", "en"),
    [
        (
            rules.FarPast.bound,
            "1900-01",
            # no start date for A: 10 years before the data month 2026-10 -> 2016-10-01
            "业务量台账的“日期”为 1900-01-01，早于本院数据（科室成立日期，否则最新数据月份）"
            "10 年以上（最早 2016-10-01），疑为年份笔误。请更正。",
            "Daily workload: Date is 1900-01-01, more than 10 years before the hospital's data "
            "(the department's start, else the latest data month; earliest 2016-10-01): a "
            "mistyped year? Correct it.",
        ),
        (
            rules.AfterStart.bound,
            "2026-09",
            # A starts on the first day the ledger holds, 2026-10-01; the row is dated the day before
            "业务量台账的“日期”为 2026-09-30，早于所在科室在科室字典中的成立日期（最早 2026-10-01）。"
            "请核对此日期或科室的成立日期。",
            "Daily workload: Date is 2026-09-30, before its department's start in the department "
            "list (earliest 2026-10-01). Check this date or the department's start date.",
        ),
    ],
)
def test_a_row_dated_before_its_first_date_is_a_suite_finding(warehouse, bound, month, zh, en):
    """FarPast and AfterStart as GX expectations over every file's rows (staged_<kind>): a row
    written behind the loader's back is a finding of its month naming file and row, in words."""
    spec = ledger("workload")
    warehouse.begin()
    try:
        # in the accepted rows, which every file's rows (staged_<kind>, a view) include
        row = break_dated_from(warehouse, spec.stored_table, "date", bound)
        found = suite_findings(warehouse, [month], ["workload"])
    finally:
        warehouse.rollback()
    assert [(f.check, f.period, f.dept, f.row) for f in found] == [("gx_order", month, "A", row)]
    assert (found[0].message_zh, found[0].message_en) == (zh, en)
