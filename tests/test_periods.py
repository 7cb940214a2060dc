"""The period module (metrics/periods.py), by hand: keys, quarters, 环比 and 同比, ISO weeks across
a year end, Dagster partition keys, periods in progress; and the warehouse's SQL calendar
(metrics/sql/calendar.sql, periods.sql) held to the same answers for every period of 2019–2028."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from metrics import periods
from metrics.compute import sql


def test_the_quarter_of_november_is_q4_with_october_to_december():
    # 2026-11 is month 11; (11 - 1) // 3 + 1 = 4: the fourth quarter, months 10, 11, 12.
    assert periods.period_of("quarter", periods.month_start("2026-11")) == "2026-Q4"
    assert periods.months("quarter", "2026-Q4") == ["2026-10", "2026-11", "2026-12"]
    assert periods.first_day("quarter", "2026-Q4") == dt.date(2026, 10, 1)
    assert periods.last_day("quarter", "2026-Q4") == dt.date(2026, 12, 31)


def test_prior_and_year_earlier_at_every_grain():
    # 环比: one step back, across a year end for Q1 and January; 同比: the same number, year − 1.
    assert periods.prior("quarter", "2026-Q1") == "2025-Q4"
    assert periods.yoy("quarter", "2026-Q1") == "2025-Q1"
    assert periods.prior("month", "2026-01") == "2025-12"
    assert periods.yoy("month", "2026-10") == "2025-10"
    assert periods.prior("year", "2026") == periods.yoy("year", "2026") == "2025"
    assert periods.shift("month", "2026-10", -12) == "2025-10"
    assert periods.shift("quarter", "2026-Q4", 1) == "2027-Q1"
    assert periods.window("quarter", "2026-Q2", 4) == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    # how many steps apart: November 2025 to February 2026 is 3 months (Dec, Jan, Feb), back is −3;
    # 2025-Q4 to 2027-Q1 is 5 quarters (4 to 2026-Q4, then 1)
    assert periods.periods_between("month", "2025-11", "2026-02") == 3
    assert periods.periods_between("month", "2026-02", "2025-11") == -3
    assert periods.periods_between("quarter", "2025-Q4", "2027-Q1") == 5
    assert periods.periods_between("week", "2026-W52", "2027-W01") == 2  # across 2026-W53
    # what a period holds of a finer grain: 2026's January, December, Q4 and four quarters;
    # 2026-Q3's months July … September
    assert periods.first_within("month", "year", "2026") == "2026-01"
    assert periods.last_within("month", "year", "2026") == "2026-12"
    assert periods.last_within("quarter", "year", "2026") == "2026-Q4"
    assert periods.within("quarter", "year", "2026") == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert periods.within("month", "quarter", "2026-Q3") == ["2026-07", "2026-08", "2026-09"]
    assert periods.within("month", "year", "2024") == periods.months("year", "2024")
    # 本年累计 through March: January, February, March of the same year
    assert periods.year_to_date("2026-03") == ["2026-01", "2026-02", "2026-03"]
    assert periods.year_to_date("2026-01") == ["2026-01"]


def test_iso_weeks_across_a_year_end():
    # 1 January 2027 is a Friday: its week began on Monday 28 December 2026 and belongs to the
    # ISO year 2026, which has 53 weeks (it began on a Thursday, 1 January 2026).
    assert periods.period_of("week", dt.date(2027, 1, 1)) == "2026-W53"
    assert periods.first_day("week", "2026-W53") == dt.date(2026, 12, 28)
    assert periods.last_day("week", "2026-W53") == dt.date(2027, 1, 3)
    assert periods.months("week", "2026-W53") == ["2026-12", "2027-01"]
    # Monday 4 January 2027 starts 2027-W01; the week before it is 2026-W53.
    assert periods.period_of("week", dt.date(2027, 1, 4)) == "2027-W01"
    assert periods.prior("week", "2027-W01") == "2026-W53"
    # 29 December 2025 (a Monday) is already in 2026-W01; 2025 has 52 weeks.
    assert periods.period_of("week", dt.date(2025, 12, 29)) == "2026-W01"
    assert periods.prior("week", "2026-W01") == "2025-W52"
    # 同比 of a week: the same week number a year earlier; 2025 has no W53.
    assert periods.yoy("week", "2026-W44") == "2025-W44"
    assert periods.yoy("week", "2026-W53") is None
    with pytest.raises(ValueError, match="2026-W44"):
        periods.check_period("week", "2025-W53")


def test_months_are_dates_inside_and_keys_at_the_edges():
    assert periods.month_start("2026-10") == dt.date(2026, 10, 1)
    assert periods.month_end("2024-02") == dt.date(2024, 2, 29)  # a leap year
    assert periods.month_end("2026-02") == dt.date(2026, 2, 28)
    assert periods.month_key(dt.date(2026, 10, 17)) == "2026-10"
    assert periods.month_of_date(dt.datetime(2026, 10, 17, 9, 30)) == "2026-10"
    assert periods.month_of_date("2026-10-01") == "2026-10"
    assert periods.month_of_date("2026-13") is None
    assert periods.year_and_number("quarter", "2026-Q4") == (2026, 4)
    assert [periods.grain_of(p) for p in ("2026", "2026-Q4", "2026-10", "2026-W44", "x")] == [
        "year",
        "quarter",
        "month",
        "week",
        None,
    ]


def test_partition_keys_are_dagsters_spelling():
    # A quarter's partition is the month it starts, a week's its Monday (pipelines/assets.py).
    assert periods.partition_key("quarter", "2026-Q3") == "2026-07"
    assert periods.period_of_partition("quarter", "2026-07") == "2026-Q3"
    assert periods.partition_key("week", "2026-W47") == "2026-11-16"
    assert periods.period_of_partition("week", "2026-11-16") == "2026-W47"
    assert periods.partition_key("month", "2026-10") == "2026-10"
    assert periods.partition_key("year", "2026") == "2026"
    # The schedules' due period: the last one ended before the tick's own.
    tick = dt.date(2026, 11, 5)  # a Thursday, in 2026-W45 (Monday 2 November)
    assert periods.previous_whole("month", tick) == "2026-10"
    assert periods.previous_whole("quarter", tick) == "2026-Q3"
    assert periods.previous_whole("year", tick) == "2025"
    assert periods.previous_whole("week", tick) == "2026-W44"  # Monday 26 October
    # The first whole week from Thursday 1 October 2026 starts Monday 5 October (2026-W41);
    # the last whole week to Saturday 31 October ends Sunday 25 October (2026-W43).
    assert periods.first_whole("week", dt.date(2026, 10, 1)) == "2026-W41"
    assert periods.last_whole("week", dt.date(2026, 10, 31)) == "2026-W43"
    assert periods.last_whole("week", dt.date(2026, 10, 25)) == "2026-W43"


def test_a_period_in_progress_covers_the_data_it_holds():
    # Data through October 2026, workload through Wednesday 14 October.
    extent = periods.DataExtent(dt.date(2026, 10, 1), dt.date(2026, 10, 14))
    held = {f"2026-{m:02d}" for m in range(1, 11)}
    # 2026 ends 31 December, after 31 October: in progress, covering 1 January … 31 October.
    assert periods.coverage("year", "2026", extent, held) == periods.Coverage(
        True, dt.date(2026, 1, 1), dt.date(2026, 10, 31)
    )
    # Q4 holds October only: 1 … 31 October.
    assert periods.coverage("quarter", "2026-Q4", extent, held) == periods.Coverage(
        True, dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    )
    # Q3 ended 30 September: whole. A month never is in progress.
    assert periods.coverage("quarter", "2026-Q3", extent, held) == periods.Coverage()
    assert periods.coverage("month", "2026-10", extent, held) == periods.Coverage()
    # 2026-W42 is Monday 12 … Sunday 18 October: the workload reaches Wednesday 14.
    assert periods.coverage("week", "2026-W42", extent) == periods.Coverage(
        True, dt.date(2026, 10, 12), dt.date(2026, 10, 14)
    )
    # days(P) counts only held months: 2026 through October = 365 − 30 − 31 = 304 days.
    assert periods.days_in("year", "2026", held) == 304
    # A week across a month end with only the first month held: 2026-W53's 28–31 December.
    assert periods.days_in("week", "2026-W53", {"2026-12"}) == 4


def _sql_periods(first: dt.date, last: dt.date) -> list[tuple]:
    """periods.sql over a calendar of every month from `first` to `last` (no holidays)."""
    months = [periods.month_start(m) for m in _month_keys(first, last)]
    with duckdb.connect() as con:
        con.execute(
            f"create temp table calendar as {sql('calendar')}",
            {"months": months, "holidays": [], "adjusted_workdays": []},
        )
        con.execute(f"create temp table periods as {sql('periods')}", {"last_workload_day": last})
        return con.execute(
            "select grain, period, period_start, period_end, prior_period, yoy_period, "
            "months_in_period from periods"
        ).fetchall()


def _month_keys(first: dt.date, last: dt.date) -> list[str]:
    keys, month = [], periods.month_key(first)
    while month <= periods.month_key(last):
        keys.append(month)
        month = periods.shift("month", month, 1)
    return keys


def test_the_warehouse_calendar_agrees_with_the_module_for_every_period():
    """calendar.sql and periods.sql spell keys, starts, ends, 环比 and 同比 as the module does:
    2019-2028 holds weeks 53 (2020, 2026) and leap years (2020, 2024, 2028)."""
    rows = _sql_periods(dt.date(2019, 1, 1), dt.date(2028, 12, 31))
    seen = {grain: 0 for grain in periods.GRAINS}
    for grain, period, start, end, prior, yoy, months_in_period in rows:
        seen[grain] += 1
        assert start == periods.first_day(grain, period), (grain, period)
        assert end == periods.last_day(grain, period), (grain, period)
        assert prior == periods.prior(grain, period), (grain, period)
        # SQL spells a W53's 同比 although the year before has none: no value carries that key
        assert yoy == (periods.yoy(grain, period) or f"{int(period[:4]) - 1}{period[4:]}")
        want = {"week": 7, "month": 1, "quarter": 3, "year": 12}[grain]
        assert months_in_period == want
    # 10 years, 40 quarters, 120 months; 522 ISO weeks touch 2019-2028 (52 × 10 + W53 of 2020 and
    # 2026, 2019-W01 starting 31 December 2018 included)
    assert seen == {"year": 10, "quarter": 40, "month": 120, "week": 522}


def test_every_month_in_the_warehouse_is_a_date(medtech_warehouse, tmp_path):
    """Loaded, computed and checked, the warehouse holds every month as a DATE (its first day):
    the ledgers' month columns, the measures, the checks' findings, blocks and ledger quality.
    Text keys ('2026-10') are for periods of any grain (metric_values.period) and the edges."""
    from expectations.findings import run_checks
    from metrics.compute import months_with_data

    copy = tmp_path / "w.duckdb"
    copy.write_bytes(medtech_warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        months = months_with_data(con)
        run_checks(con, months, today=dt.date(2026, 11, 20))
        columns = con.execute(
            """select table_name, column_name, data_type from duckdb_columns()
               where not internal and (column_name in ('month', 'data_month')
                  or (table_name in ('dq_findings', 'ledger_changes') and column_name = 'period'))"""
        ).fetchall()
        assert {t for t, _, _ in columns} >= {
            "raw_finance",
            "dept_month_measures",
            "dept_month_ledger_measures",
            "data_extent",
            "dq_findings",
            "ledger_changes",
            "publication_blocks",
            "ledger_quality",
        }
        assert [c for c in columns if c[2] != "DATE"] == []
        # every indicator value carries its period's first and last day, as the module has them
        dated = con.execute(
            "select distinct grain, period, period_start, period_end from metric_values"
        ).fetchall()
        assert {g for g, *_ in dated} == set(periods.GRAINS)
        for grain, period, start, end in dated:
            assert (start, end) == (
                periods.first_day(grain, period),
                periods.last_day(grain, period),
            ), (grain, period)
        # the checks read and write them as months: October's quality row is there
        (count,) = con.execute(
            "select count(*) from ledger_quality where month = ?", [dt.date(2026, 10, 1)]
        ).fetchone()
        assert count > 0


def test_a_warehouse_with_text_months_is_turned_to_dates(tmp_path):
    """A warehouse written before months were dates: its text months become first days."""
    from expectations.findings import ensure_tables, publication_blocks, unchecked_months

    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("""create table publication_blocks (dept varchar, month varchar,
            "check" varchar, message_zh varchar, message_en varchar, ledgers varchar)""")
        con.execute("""insert into publication_blocks values
            ('*', '2026-09', 'unchecked', '未检查', 'unchecked', null)""")
        con.execute("""create table ledger_quality (dept varchar, month varchar,
            completeness double, timeliness double, accuracy double, score double)""")
        con.execute("insert into ledger_quality values ('A', '2025-12', 100, 50, 100, 87.5)")
        ensure_tables(con)
        assert con.execute("select month from publication_blocks").fetchall() == [
            (dt.date(2026, 9, 1),)
        ]
        assert con.execute("select month from ledger_quality").fetchall() == [
            (dt.date(2025, 12, 1),)
        ]
        # and read back as the keys the rest of the pipeline speaks
        assert unchecked_months(con) == ["2026-09"]
        assert [b.month for b in publication_blocks(con, "2026-09")] == ["2026-09"]


def test_the_warehouse_columns_by_table_without_temporary_ones(tmp_path):
    """table_columns: what the migrations (and the loader's ensure_schema) ask of a warehouse."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create table blocks (dept varchar, month date, n integer)")
        con.execute("create temp table scratch (month varchar)")  # a connection's, not the file's
        assert periods.table_columns(con) == {
            "blocks": {"dept": "VARCHAR", "month": "DATE", "n": "INTEGER"}
        }
        # a month column already a date is left alone; a missing table or column is no error
        periods.month_column_as_date(con, "blocks", "month")
        periods.month_column_as_date(con, "nowhere", "month")
        assert periods.table_columns(con)["blocks"]["month"] == "DATE"


def test_a_warehouse_with_periods_as_text_only_gets_their_dates(tmp_path):
    """metric_values written before periods had dates (a text key and a period_end): opened, each
    row gets its period's first and last day from the module: 2026-W53 runs 28 December 2026 to
    3 January 2027, 2026-Q4 1 October to 31 December, 2024-02 to the 29th (a leap year)."""
    from expectations.findings import ensure_tables

    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("create table metric_values (grain varchar, period varchar, dept varchar, "
                    "metric varchar, value double, period_end date)")  # fmt: skip
        con.execute("""insert into metric_values values
            ('week', '2026-W53', 'A', 'visits', 1, null), ('quarter', '2026-Q4', 'A', 'visits', 2,
            '2026-12-31'), ('month', '2024-02', 'A', 'visits', 3, null), ('year', '2026', 'A',
            'visits', 4, null)""")
        ensure_tables(con)
        assert con.execute(
            "select grain, period_start, period_end from metric_values order by value"
        ).fetchall() == [
            ("week", dt.date(2026, 12, 28), dt.date(2027, 1, 3)),
            ("quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
            ("month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
            ("year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ]
        # opened again, nothing changes (the columns are there)
        ensure_tables(con)
        assert con.execute("select count(period_start) from metric_values").fetchone() == (4,)


def test_a_weeks_targets_are_those_of_its_iso_year(tmp_path):
    """metric_report takes a period's year from its first day: a week's ISO year. 2026-W01 starts
    on Monday 29 December 2025 and 2026-W53 ends on Sunday 3 January 2027, yet both are 2026's
    weeks: 2026's target (0.5) applies, not 2025's (0.1) or 2027's (0.9)."""
    from ledgers.loader import store_rows
    from ledgers.specs import ledger
    from metrics.compute import ensure_tables, store_values

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_tables(con)
        store_rows(
            con,
            ledger("targets"),
            """from (values ('A', 'outpatient_visits', 0.1, 2025),
                            ('A', 'outpatient_visits', 0.5, 2026),
                            ('A', 'outpatient_visits', 0.9, 2027)) t(dept, metric, low, year)""",
        )
        for period in ("2026-W01", "2026-W53", "2025-W52"):
            store_values(
                con,
                "select 'week' as grain, ? as period, 'A' as dept, 'outpatient_visits' as metric, "
                "1 as value, ? as period_start, ? as period_end",
                [period, periods.first_day("week", period), periods.last_day("week", period)],
            )
        assert con.execute(
            "select period, band_low from metric_report order by period"
        ).fetchall() == [("2025-W52", 0.1), ("2026-W01", 0.5), ("2026-W53", 0.5)]


def test_spans_of_whole_months_a_year_to_date_and_a_year_earlier():
    # 本年累计 of March 2026: January … March (3 months); the same months of 2025; all of 2025.
    ytd, ytd_ly, last_year = periods.year_to_date_spans("2026-03")
    assert (ytd.grain, ytd.period, ytd.start, ytd.end, ytd.months_in_period) == (
        "ytd", "2026-03", dt.date(2026, 1, 1), dt.date(2026, 3, 31), 3
    )  # fmt: skip
    assert (ytd_ly.grain, ytd_ly.start, ytd_ly.end, ytd_ly.months_in_period) == (
        "ytd_ly", dt.date(2025, 1, 1), dt.date(2025, 3, 31), 3
    )  # fmt: skip
    assert (last_year.grain, last_year.start, last_year.end, last_year.months_in_period) == (
        "ly", dt.date(2025, 1, 1), dt.date(2025, 12, 31), 12
    )  # fmt: skip
    # February of a leap year, a year earlier, ends on the 28th
    february = periods.month_span("range", "2024-02..2024-02", "2024-02", "2024-02")
    assert periods.year_earlier(february, "range_ly").end == dt.date(2023, 2, 28)
    # no month (a measure started in the data month has none after it): it ends the day before it
    # starts, and so does its year earlier
    after = periods.month_span("effect_after", "1", "2026-11", "2026-10")
    assert (after.start, after.end, after.months_in_period) == (
        dt.date(2026, 11, 1), dt.date(2026, 10, 31), 0
    )  # fmt: skip
    earlier = periods.year_earlier(after, "effect_after_ly")
    assert (earlier.start, earlier.end, earlier.months_in_period) == (
        dt.date(2025, 11, 1), dt.date(2025, 10, 31), 0
    )  # fmt: skip


def test_the_yoy_window_of_a_period_in_progress():
    # 2026-W42 (Monday 12 October 2026) covered Monday to Wednesday: 2025-W42 starts Monday 13
    # October 2025, so its window is 13 … 15 October 2025, 3 days of the week 13 … 19 October.
    week = periods.yoy_window(
        "week", "2026-W42", dt.date(2026, 10, 12), dt.date(2026, 10, 14), [], 3
    )
    assert (week.grain, week.period, week.start, week.end) == (
        "yoy:week", "2026-W42", dt.date(2025, 10, 13), dt.date(2025, 10, 19)
    )  # fmt: skip
    assert (week.first, week.last, week.months_in_period) == (
        dt.date(2025, 10, 13), dt.date(2025, 10, 15), 3
    )  # fmt: skip
    # 2026-W53 has no 同比: 2025 has 52 weeks
    assert periods.yoy_window("week", "2026-W53", dt.date(2026, 12, 28), dt.date(2026, 12, 29),
                              [], 2) is None  # fmt: skip
    # 2026 holding January, February and October: those months of 2025, and only those
    held = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 10, 1)]
    year = periods.yoy_window("year", "2026", dt.date(2026, 1, 1), dt.date(2026, 10, 31), held, 3)
    assert year.months == (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 10, 1))
    assert (year.grain, year.start, year.end, year.months_in_period) == (
        "yoy:year", dt.date(2025, 1, 1), dt.date(2025, 10, 31), 3
    )  # fmt: skip


def test_spans_sql_counts_what_the_calendar_holds_of_each_span():
    """sql/spans.sql over a calendar of 2025-01 … 2025-06 without March (no holidays): it counts
    the held days and months of each span the module makes."""
    held = [dt.date(2025, m, 1) for m in (1, 2, 4, 5, 6)]
    ytd = periods.year_to_date_spans("2025-04")  # 'ly' (2024) holds nothing: no row
    window = periods.yoy_window(  # 2026-W02 (5 … 11 January 2026) through Tuesday
        "week", "2026-W02", dt.date(2026, 1, 5), dt.date(2026, 1, 6), [], 2
    )
    empty = periods.month_span("range", "2024-01..2024-02", "2024-01", "2024-02")
    year = periods.yoy_window(  # 2026 holding February and March: 2025's February only is held
        "year", "2026", dt.date(2026, 2, 1), dt.date(2026, 3, 31),
        [dt.date(2026, 2, 1), dt.date(2026, 3, 1)], 2,
    )  # fmt: skip
    with duckdb.connect() as con:
        con.execute(
            f"create temp table calendar as {sql('calendar')}",
            {"months": held, "holidays": [], "adjusted_workdays": []},
        )
        rows = con.execute(
            "select grain, days, workdays, months_covered, months_in_period "  # noqa: S608
            f"from ({sql('spans')}) order by grain",
            periods.span_params([*ytd, window, empty, year]),
        ).fetchall()
    assert rows == [
        # 2024-01 … 2024-02: nothing held, yet a row (a range says it is not covered)
        ("range", 0, 0, 0, 2),
        # 2026-W02's 同比 is 2025-W02 (6 … 12 January 2025): Monday 6 and Tuesday 7, 2 of 2 days
        ("yoy:week", 2, 2, 2, 2),
        # February 2025 (28 days, 20 workdays) held, March not: 1 of 2
        ("yoy:year", 28, 20, 1, 2),
        # January … April 2025 without March: 31 + 28 + 30 = 89 days; workdays: January 23,
        # February 20, April 22 = 65; 3 months held of 4
        ("ytd", 89, 65, 3, 4),
    ]
