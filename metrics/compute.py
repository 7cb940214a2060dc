"""Compute indicators in DuckDB: measures per department and month, then every formula over their sums.

Tables written:
- `dept_day_measures`: one row per department and day (daily workload ledger).
- `dept_month_measures`: one row per department and month: lists of days, episodes and date ranges
  (daily workload, discharges, roster, equipment register), summed as they are.
- `dept_month_ledger_measures`: one row per department and month from the ledgers kept per month
  (finance, patient feedback, appointments, supplies, equipment usage), summed over a period only
  when every month of it is there (the months-present rule, `sql/period_sums.sql`).
- `metric_values` (a view, `sql/metric_values.sql`): one row per grain, period, department group and
  indicator, with the numerator and denominator of its formula, the period's first and last day
  (`period_start`, `period_end`: the text key `period` is its spelling at the edges), how much of
  the period the data covers (`months_covered` of `months_in_period`; days for a week), the
  departments a group's value covers and `computed_at`; `metric_report` (a view) adds
  comparisons, bands and status. Stored narrow: `metric_facts` (integer ids of period, group and
  indicator with the value's own columns) and the ids' tables `metric_fact_periods` (a period's
  columns, once per period), `metric_fact_depts`, `metric_fact_metrics` (`store_values`).
- `metric_windows`: for each period the data covers only in part (a quarter or year in progress),
  the indicator over the same months a year earlier: its 同比 (累计同比), the window from
  `metrics.periods.yoy_window` (its own first and last day in `period_start`, `period_end`).
- `finance_lines`: every revenue and expense line of the finance ledger per grain, period and
  department group, summed by the same rules as the indicators (`sql/finance_lines.sql`), for the
  reports' structure tables; the 同比 windows of periods in progress as grain `yoy:<grain>`.
- `data_extent`: the data month and the last day of the daily workload ledger, which tell a period
  in progress (`sql/data_extent.sql`).
- `metric_state`: the fingerprint of the formulas, catalogue and holiday calendar the stored
  values were computed with; when it changes, the next run recomputes every month.

Recomputing a month rewrites that month's measures and only the periods that contain it: the month,
its quarter, its year and the ISO weeks that overlap it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from ledgers.loader import ensure_schema
from metrics import catalogue
from metrics.periods import (
    month_key,
    month_start,
    period_columns_as_dates,
    span_params,
    table_columns,
    year_to_date_spans,
    yoy_window,
)

SQL_DIR = Path(__file__).with_name("sql")
HOLIDAYS_PATH = Path(__file__).with_name("holidays.toml")

# Measure tables and the SQL that fills them, in the order they must be filled (the monthly
# workload sums read the daily table), with the column that dates a row.
MEASURE_TABLES = {
    "dept_day_measures": ("measures_daily", "day"),
    "dept_month_measures": ("measures", "month"),
    "dept_month_ledger_measures": ("measures_monthly_ledgers", "month"),
}
# The indicators computed at month grain only, over January to the month (METRICS.md, "Year to date").
YEAR_TO_DATE = [i.id for i in catalogue.indicators().values() if i.to_date]
# SQL files that stored values do not depend on (left out of the formulas' fingerprint): the
# export, and how the values are stored and read back (the same rows whatever their storage).
ON_DEMAND_SQL = (
    "metrics_csv.sql",
    "metrics_csv_words.sql",
    "metric_values.sql",
    "fact_keys.sql",
    "facts.sql",
)
# The values: of the periods, and of the 同比 windows of the periods in progress.
VALUE_TABLES = ("metric_values", "metric_windows")
# metric_values' columns (the view's; metric_windows is stored with them).
VALUE_COLUMNS = """
    grain varchar, period varchar, dept varchar, metric varchar, value double,
    numerator double, denominator double, reason varchar,
    prior_period varchar, yoy_period varchar, period_start date, period_end date,
    months_covered integer, months_in_period integer,
    depts_included integer, depts_in_group integer,
    computed_at timestamp with time zone"""
# metric_values stored narrow (sql/metric_values.sql reads them back), and the columns of each.
FACT_TABLES = {
    "metric_facts": """
        period_id integer not null, dept_id integer not null, metric_id integer not null,
        value double, numerator double, denominator double, reason varchar,
        depts_included integer, depts_in_group integer, computed_at timestamp with time zone""",
    "metric_fact_periods": """
        period_id integer, grain varchar, period varchar, period_start date, period_end date,
        prior_period varchar, yoy_period varchar, months_covered integer,
        months_in_period integer""",
    "metric_fact_depts": "dept_id integer, dept varchar",
    "metric_fact_metrics": "metric_id integer, metric varchar",
}
# Amounts per line, period and group beside the values (the reports' structure tables).
LINE_TABLE = "finance_lines"


@cache
def sql(name: str) -> str:
    """The text of `metrics/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of `metrics/sql/<name>.sql`, separated there by a line holding ';' alone."""
    return [part for part in sql(name).split("\n;\n") if part.strip()]


@dataclass(frozen=True)
class HolidayCalendar:
    """Dates that change workdays(P): holidays off Monday–Friday, adjusted workdays (调休) on."""

    holidays: tuple[dt.date, ...] = ()
    adjusted_workdays: tuple[dt.date, ...] = ()

    def params(self) -> dict[str, list[dt.date]]:
        return {"holidays": list(self.holidays), "adjusted_workdays": list(self.adjusted_workdays)}


def load_holidays(path: Path | None = None) -> HolidayCalendar:
    """The holiday calendar of `path` (default `metrics/holidays.toml`); see that file's comments."""
    data = tomllib.loads((path or HOLIDAYS_PATH).read_text(encoding="utf-8"))
    lists = {}
    for key in ("holidays", "adjusted_workdays"):
        values = data.get(key, [])
        wrong = [v for v in values if type(v) is not dt.date]
        if wrong:
            raise ValueError(f"{path or HOLIDAYS_PATH}: {key} must hold dates, found {wrong[0]!r}")
        lists[key] = tuple(sorted(set(values)))
    both = set(lists["holidays"]) & set(lists["adjusted_workdays"])
    if both:
        raise ValueError(f"{path or HOLIDAYS_PATH}: {min(both)} is both a holiday and a workday")
    return HolidayCalendar(**lists)


def formulas_fingerprint(calendar: HolidayCalendar) -> str:
    """What the stored values depend on besides the ledgers: SQL, catalogue and holiday calendar."""
    digest = hashlib.sha256()
    # metrics_csv.sql only writes the export: changing it must not recompute every month
    formulas = [path for path in sorted(SQL_DIR.glob("*.sql")) if path.name not in ON_DEMAND_SQL]
    for path in [*formulas, catalogue.CATALOGUE_PATH]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(calendar).encode())
    return digest.hexdigest()


def ensure_views(con: duckdb.DuckDBPyConnection) -> None:
    """The views over the ledgers that the indicators, the checks and the reports share: episodes
    with their DRG weights row (sql/discharges_weighted.sql)."""
    ensure_schema(con)
    con.execute(sql("discharges_weighted"))


def ensure_tables(
    con: duckdb.DuckDBPyConnection, fingerprint: str | None = None, measures: bool = True
) -> bool:
    """Create the measure and value tables with the columns the SQL files define.

    With a fingerprint that differs from the stored one (or none stored), drop the measures and
    values computed by other formulas first; returns True when there were any, so that every
    month is recomputed. A missing measure table is made empty (_fill_measures over no month);
    without `measures` it is left to compute_months, which makes it with its months' rows."""
    ensure_views(con)  # the ledger tables (ensure_schema) and the views over them, once
    catalogue.store(con)
    con.execute("create table if not exists metric_state (key varchar primary key, value varchar)")
    stored = con.execute("select value from metric_state where key = 'formulas'").fetchone()
    stale = fingerprint is not None and (stored is None or stored[0] != fingerprint)
    rebuilt = False
    if stale:
        existing = stored_tables(con)
        rebuilt = bool(existing & {*MEASURE_TABLES, "metric_values", "metric_facts"})
        # (metric_values is a view over FACT_TABLES, or in an older warehouse a table)
        for table in (*MEASURE_TABLES, *FACT_TABLES, *VALUE_TABLES, LINE_TABLE):
            if table in existing:
                con.execute(f"drop table {table}")
        con.execute("insert or replace into metric_state values ('formulas', ?)", [fingerprint])
    if measures:
        _fill_measures(con, [])
    con.execute(f"create table if not exists metric_windows ({VALUE_COLUMNS})")
    for table, columns in FACT_TABLES.items():
        con.execute(f"create table if not exists {table} ({columns})")
    # A warehouse made before periods had dates: metric_values' keys give theirs; the windows are
    # rewritten whole by every computation.
    for table in VALUE_TABLES:
        period_columns_as_dates(con, table, fill=table == "metric_values")
    # A warehouse whose metric_values is a table (before they were stored narrow): its rows move
    # into the narrow tables, and the view takes its name.
    if "metric_values" in stored_tables(con):
        store_values(con, "select * from metric_values")
        con.execute("drop table metric_values")
    con.execute(sql("metric_values"))
    con.execute(f"""
        create table if not exists {LINE_TABLE} (
            grain varchar, period varchar, dept varchar, line varchar, amount decimal(38, 2))
    """)  # fmt: skip
    con.execute("create table if not exists data_extent (data_month date, last_workload_day date)")
    con.execute(sql("report"))
    return rebuilt


def _fill_measures(
    con: duckdb.DuckDBPyConnection, months: list[dt.date], rewrite: list[dt.date] | None = None
) -> None:
    """The measure tables, in MEASURE_TABLES' order (the monthly workload sums read the daily
    table): one that is missing is made by its query over `months`; with `rewrite`, one that is
    there loses its rows of those months and takes its query's rows over `months`.

    Made over no month (ensure_tables) a table has its query's columns and no row. Made over the
    held months (compute_months' first computation, or the first since the formulas changed), the
    query is planned once, not twice as when an empty table was made and then filled: 0.08 s CPU
    at city scale for the three tables. Never `select * from (query) limit 0`: with tables made
    that way, compute_months' first run at city scale stored every workload measure of
    dept_month_measures as null (2026-11-28, DuckDB 2.0; the bench's three-way agreement caught
    it, no test warehouse is big enough), though the tables' columns were the same. A table
    there already is not asked for by `if not exists`, which plans the whole query."""
    present = stored_tables(con)
    for table, (query, dated_by) in MEASURE_TABLES.items():
        if table not in present:
            con.execute(f"create table {table} as {sql(query)}", {"months": months})  # noqa: S608
        elif rewrite is not None:
            con.execute(
                f"delete from {table} "  # noqa: S608 -- identifiers from MEASURE_TABLES
                f"where list_contains($months, cast(date_trunc('month', {dated_by}) as date))",
                {"months": rewrite},
            )
            con.execute(f"insert into {table} by name {sql(query)}", {"months": months})


def compute_months(
    con: duckdb.DuckDBPyConnection, months: Iterable[str], holidays: Path | None = None
) -> int:
    """Recompute the measures of these months ('2026-10', ...) and every period containing them.

    `holidays` is the holiday calendar file (default `metrics/holidays.toml`). Returns the number
    of indicator values written. One transaction: readers never see half."""
    calendar = load_holidays(holidays)
    con.execute("begin transaction")
    try:
        if ensure_tables(con, formulas_fingerprint(calendar), measures=False):
            months = [*months, *months_with_data(con)]
        params = {"months": sorted({month_start(m) for m in months})}
        # A month is held when a dated ledger has rows in it: the roster and the equipment
        # register span all time and would otherwise make every month asked for look held.
        with_data = {month_start(m) for m in months_with_data(con)}
        held_months = [m for m in params["months"] if m in with_data]
        _fill_measures(con, held_months, rewrite=params["months"])
        held = measured_months(con)
        # The periods to rewrite contain a requested month, data or not (a month whose ledgers
        # were all removed loses its rows); their values come from the months the warehouse holds.
        con.execute(
            f"create or replace temp table requested_calendar as {sql('calendar')}",
            params | calendar.params(),
        )
        # (unnest in a subquery: DuckDB 2.0 drops rows of `select distinct unnest(..., recursive)`)
        con.execute("""
            create or replace temp table periods_to_compute as
            select distinct p.grain, p.period
            from (
                select unnest([{'grain': 'week', 'period': week},
                               {'grain': 'month', 'period': month},
                               {'grain': 'quarter', 'period': quarter},
                               {'grain': 'year', 'period': year}]) as p
                from requested_calendar
            )
        """)
        con.execute(
            f"create or replace temp table calendar as {sql('calendar')}",
            {"months": held} | calendar.params(),
        )
        con.execute(f"create or replace table data_extent as {sql('data_extent')}")
        (last_workload_day,) = con.execute("select last_workload_day from data_extent").fetchone()
        con.execute(
            f"create or replace temp table periods as {sql('periods')}",
            {"last_workload_day": last_workload_day},
        )
        # The 同比 windows of every partial period, computed afresh each time: there are a handful,
        # and a correction a year back changes the window of the period in progress.
        partial = con.execute(sql("partial_periods")).fetchall()
        windows = [w for row in partial if (w := yoy_window(*row)) is not None]
        con.execute(f"create or replace temp table windows as {sql('spans')}", span_params(windows))
        con.execute("insert into periods by name select * from windows")
        con.execute("insert into periods_to_compute select grain, period from windows")
        con.execute(f"create or replace temp view departments_in_groups as {sql('groups')}")
        con.execute(
            "create or replace temp table sum_periods as select p.* from periods p "
            "semi join periods_to_compute c on c.grain = p.grain and c.period = p.period"
        )
        con.execute(f"create or replace temp table period_sums as {sql('period_sums')}")
        # The windows are computed afresh each time (as metric_windows below): all of theirs go.
        # (an exists, a hash join on equality: `using ... where (keys equal) or grain like` was a
        # nested loop over every stored line and period, 0.4 s CPU at city scale, 1.9 s at region)
        con.execute(
            f"delete from {LINE_TABLE} f where f.grain like 'yoy:%' or exists ("  # noqa: S608
            "select 1 from periods_to_compute c where c.grain = f.grain and c.period = f.period)"
        )
        con.execute(
            f"insert into {LINE_TABLE} by name "  # noqa: S608 -- a constant, our own SQL file
            f"select * from ({sql('finance_lines')}) order by grain, period"
        )
        # Year to date (month grain): a month's figures run from January, and next year's
        # forecast reads this whole year, so every held month of the requested months' years and
        # of the years after them is brought up to date.
        years = {m.year for m in params["months"]} | {m.year + 1 for m in params["months"]}
        ytd_months = sorted(m for m in held if m.year in years)
        con.execute(
            f"create or replace temp table sum_periods as {sql('spans')}",
            span_params([s for m in ytd_months for s in year_to_date_spans(month_key(m))]),
        )
        # Only the columns read of them (_year_to_date_columns): DuckDB then leaves out the sums
        # of every other measure of the ledgers kept per month, 0.28-0.31 -> 0.14-0.15 s CPU at
        # city scale (one thread: as much wall), the same values.
        con.execute(
            f"create or replace temp table ytd_sums as "  # noqa: S608 -- our own SQL and columns
            f"select {', '.join(_year_to_date_columns(con))} from ({sql('period_sums')})"
        )
        con.execute(f"create or replace temp table annual_budgets as {sql('annual_budgets')}")
        create_formulas(con)
        _check_formulas(con)
        _check_year_to_date_inputs(con)
        con.execute(
            "delete from metric_facts where period_id in (select p.period_id "
            "from metric_fact_periods p semi join periods_to_compute c "
            "on c.grain = p.grain and c.period = p.period)"
        )
        ytd = {"months": [month_key(m) for m in ytd_months], "metrics": YEAR_TO_DATE}
        con.execute(
            "delete from metric_facts where period_id in (select period_id "
            "from metric_fact_periods where grain = 'month' and list_contains($months, period)) "
            "and metric_id in (select metric_id from metric_fact_metrics "
            "where list_contains($metrics, metric))",
            ytd,
        )
        # The keys of the values below: the periods rewritten, the year-to-date months, the
        # groups summed and every indicator (the values themselves are evaluated once, below).
        con.execute(
            "create or replace temp table fact_periods as select * from periods p "
            "where grain not like 'yoy:%' and (exists (select 1 from periods_to_compute c "
            "where c.grain = p.grain and c.period = p.period) "
            "or (grain = 'month' and list_contains($months, period)))",
            {"months": ytd["months"]},
        )
        con.execute(
            "create or replace temp view fact_depts as "
            "select dept from period_sums union select dept from ytd_sums"
        )
        con.execute(
            "create or replace temp view fact_metrics as select metric from metric_catalogue"
        )
        for statement in statements("fact_keys"):
            con.execute(statement)
        # The formulas are evaluated once for the values and once for the 同比 windows, each pass
        # filtered to its own grains: all of them in a temp table first wrote the 2 M values
        # twice, 4.6 s more CPU at city scale (the commit included) than the second, small pass.
        # Sorted by period: whole row groups, which the commit's checkpoint (one thread) writes as
        # they are, 0.7-0.8 -> 0.15 s CPU at city scale, 3.6 -> 0.6 s at region. The sort holds
        # the narrow rows: at region scale (10.2 M values) it needs more than 1 GB of DuckDB's
        # memory (it passed at 1.5 GB; unsorted at 1 GB), where the wide rows' sort failed at 2 GB.
        con.execute(
            "create or replace temp view fact_rows as "  # noqa: S608 -- our own SQL file
            f"select *, current_timestamp as computed_at from ({sql('evaluate')}) "
            "where grain not like 'yoy:%'"
        )
        written = con.execute(
            f"insert into metric_facts select * from ({sql('facts')}) order by period_id"  # noqa: S608
        ).fetchone()[0]
        # The windows' pass reads the windows' sums alone: without the periods' and the
        # year-to-date spans' rows (the values above were their last reader; the effects below
        # sum their own), each of its formulas scans a handful of rows and evaluate.sql lists
        # the ledgers of those alone, 0.16-0.18 -> 0.08 s CPU at city scale.
        con.execute("delete from period_sums where grain not like 'yoy:%'")
        con.execute("delete from ytd_sums")
        con.execute("delete from metric_windows")
        con.execute(
            f"insert into metric_windows by name "  # noqa: S608 -- our own SQL file
            f"select * replace (substr(grain, 5) as grain), current_timestamp as computed_at "
            f"from ({sql('evaluate')}) where grain like 'yoy:%' order by grain, period"
        )
        # The improvement measures' effects read every month's measures: afresh each time (a
        # handful of measures), last, since they reuse the temp tables above.
        from metrics.effects import store_effects  # effects builds on this module

        store_effects(con, holidays)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return written


def store_values(con: duckdb.DuckDBPyConnection, query: str, params: object = None) -> int:
    """Store the rows of `query` (metric_values' columns, by name; a column it lacks is null) in
    metric_values' narrow tables; returns their number. A period's columns are stored once: of
    rows of one period that disagree on them, the last computed row's are kept. For a warehouse
    whose metric_values is a table, and for tests that write values of their own.

    Without parameters the query is read where it is (a view over it): converting a region's
    10 M values into a temp table first would hold them all in memory."""
    if params is None:
        present = {name for (name, *_) in con.execute(f"describe {query}").fetchall()}
        columns = ", ".join(
            name if name in present else f"cast(null as {kind}) as {name}"
            for name, kind in (column.split(maxsplit=1) for column in VALUE_COLUMNS.split(","))
        )
        con.execute(
            f"create or replace temp view fact_input as select {columns} from ({query})"  # noqa: S608
        )
    else:
        con.execute(f"create or replace temp table fact_input ({VALUE_COLUMNS})")
        con.execute(f"insert into fact_input by name {query}", params)
    con.execute("""
        create or replace temp table fact_periods as
        select grain, period, unnest(columns)
        from (
            select grain, period, arg_max(
                {'period_start': period_start, 'period_end': period_end,
                 'prior_period': prior_period, 'yoy_period': yoy_period,
                 'months_covered': months_covered, 'months_in_period': months_in_period},
                coalesce(computed_at, '-infinity'::timestamptz)) as columns
            from fact_input
            group by grain, period
        )
    """)  # fmt: skip
    for name in ("fact_depts", "fact_metrics", "fact_rows"):
        con.execute(f"create or replace temp view {name} as select * from fact_input")  # noqa: S608
    for statement in statements("fact_keys"):
        con.execute(statement)
    (stored,) = con.execute(f"insert into metric_facts {sql('facts')}").fetchone()
    for name in ("fact_depts", "fact_metrics", "fact_rows"):
        con.execute(f"drop view {name}")
    con.execute(f"drop {'view' if params is None else 'table'} fact_input")
    return stored


def stored_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The warehouse's own tables (not views, not temporary)."""
    return {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = current_database() and not temporary"
        ).fetchall()
    }


def measured_months(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """The months (first days) the measure tables hold: what a period's sums can cover."""
    return [
        m
        for (m,) in con.execute(
            "select month from dept_month_measures "
            "union select month from dept_month_ledger_measures"
        ).fetchall()
    ]


def create_formulas(con: duckdb.DuckDBPyConnection) -> None:
    """The temp view `formulas`: every family's formulas over `period_sums` and `ytd_sums` (one
    row per grain, period, group and indicator with its numerator and denominator)."""
    # An indicator that is not weekly has no week rows: evaluate.sql would drop them after
    # joining them with the catalogue and periods (at city scale 3.3 M of 5.6 M formula rows in
    # the families without a weekly indicator, then 0.27 M of 2.35 M in the others). A formula's
    # metric is a constant: DuckDB folds the filter into each formula's own scans.
    weekly: dict[str, list[str]] = {}
    for indicator in catalogue.indicators().values():
        weekly.setdefault(indicator.family, [])
        if indicator.weekly:
            weekly[indicator.family].append(f"'{indicator.id}'")
    formulas = "\nunion all\n".join(
        f"select '{family}' as family, * from ({sql(family)}) "  # noqa: S608 -- our own files
        "where grain not in ('week', 'yoy:week')"
        + (f" or metric in ({', '.join(weekly[family])})" if weekly.get(family) else "")
        for family in catalogue.families()
    )
    # A view: evaluate.sql reads it once, and materialising its rows (1.5 M at city scale)
    # cost more than computing them
    con.execute(f"create or replace temp view formulas as {formulas}")


def formulas_over_periods(con: duckdb.DuckDBPyConnection) -> None:
    """The formulas (temp view `formulas`) over periods made on demand, never stored: the temp
    table `periods` (a topic report's range, a measure's windows) summed by period_sums.sql for
    the groups of the temp view `departments_in_groups`, over the temp `calendar`. The year-to-date
    indicators are month-grain only: their inputs stay empty."""
    con.execute("create or replace temp table sum_periods as select * from periods")
    (empty,) = con.execute("select not exists (from periods)").fetchone()
    _sum_periods(con, "period_sums", empty)
    con.execute(f"create or replace temp table sum_periods as {sql('spans')}", span_params([]))
    _sum_periods(con, "ytd_sums", True)
    con.execute(f"create or replace temp table annual_budgets as {sql('annual_budgets')}")
    create_formulas(con)


def _sum_periods(con: duckdb.DuckDBPyConnection, table: str, empty: bool) -> None:
    """The temp table `table` of period_sums.sql over the temp `sum_periods`; with `empty` (it
    holds no period, so the sums have no row) its columns alone: DuckDB plans the whole query
    whatever it reads, 0.03-0.04 s of CPU each time (an improvement measure's windows where no
    measure names an indicator, and the year-to-date spans beside a range, which are none)."""
    query = f"select * from ({sql('period_sums')}) limit 0" if empty else sql("period_sums")  # noqa: S608
    con.execute(f"create or replace temp table {table} as {query}")


def _year_to_date_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of the temp table period_sums (quoted) that the SQL files reading ytd_sums
    name, any word of their text: the year-to-date formulas (economics.sql) and evaluate.sql (its
    ledgers and coverage). Every column a reader names is kept (a word of a comment keeps one
    more, which is harmless), so none reads as null for want of it; a reader must name what it
    reads of ytd_sums (no `columns(...)` over it)."""
    readers = [sql(name) for name in (*catalogue.families(), "evaluate") if "ytd_sums" in sql(name)]
    named = set(re.findall(r"\w+", "\n".join(readers)))
    columns = [name for (name, *_) in con.execute("select * from period_sums limit 0").description]
    return [f'"{name}"' for name in columns if name in named]


def _check_formulas(con: duckdb.DuckDBPyConnection) -> None:
    """Each catalogue indicator has its formula in its own family's SQL file, and nothing else does."""
    found = set(con.execute("select distinct metric, family from formulas").fetchall())
    catalogued = {(i.id, i.family) for i in catalogue.indicators().values()}
    if found != catalogued:
        raise ValueError(
            "formulas and catalogue disagree: "
            f"catalogued without formula {sorted(catalogued - found)}, "
            f"formula not catalogued {sorted(found - catalogued)}"
        )


def _check_year_to_date_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The year-to-date spans sum only the ledgers kept per month (period_sums.sql, those with a
    `<ledger>_months` column in dept_month_ledger_measures): each year-to-date indicator's inputs
    must be among them, or its value would read as missing."""
    columns = table_columns(con).get("dept_month_ledger_measures", {})
    monthly = {c.removesuffix("_months") for c in columns if c.endswith("_months")}
    for indicator in catalogue.indicators().values():
        if indicator.to_date and not set(indicator.inputs) <= monthly:
            raise ValueError(
                f"year-to-date indicator {indicator.id} reads {sorted(set(indicator.inputs) - monthly)}"
                f", which the year-to-date sums leave out (only {sorted(monthly)}): see period_sums.sql"
            )


def months_with_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every month that some ledger row belongs to, in order (the ledger tables must exist); budget
    lines entered ahead do not make a month held (`sql/held_months.sql`)."""
    return [m for (m,) in con.execute(sql("held_months")).fetchall()]
