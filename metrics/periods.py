"""Periods: the one place for period arithmetic (DESIGN.md "metrics/ … periods").

A period is a grain and a key: week '2026-W44' (ISO 8601), month '2026-10', quarter '2026-Q4',
year '2026'. The keys are what metrics.csv and the report folders spell; inside the warehouse a
month is a DATE, its first day (`month_start`, `month_key` convert), and an indicator value
carries its period's key with its first and last day (metric_values' period, period_start,
period_end). Dagster's partition keys are a third spelling at the pipeline's edge: a quarter's is
the month it starts ('2026-10'), a week's its Monday ('2026-11-16') (`partition_key`,
`period_of_partition`).

The warehouse's SQL lists the periods of the days it holds (sql/calendar.sql, sql/periods.sql);
tests/test_periods.py holds it to this module's keys, shifts and boundaries. Whatever else is
summed like a period (a year to date, a range, an improvement measure's windows, the 同比 window
of a period in progress) is a `Span` made here, whose held days sql/spans.sql counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

GRAINS = ("year", "quarter", "month", "week")

_PATTERNS = {
    "week": re.compile(r"(\d{4})-W(\d{2})"),
    "month": re.compile(r"(\d{4})-(\d{2})"),
    "quarter": re.compile(r"(\d{4})-Q([1-4])"),
    "year": re.compile(r"(\d{4})"),
}
_EXAMPLES = {"week": "2026-W44", "month": "2026-10", "quarter": "2026-Q4", "year": "2026"}


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    return grain


def check_period(grain: str, period: str) -> str:
    """The period itself, or a ValueError saying how the grain's periods are spelt."""
    check_grain(grain)
    if not isinstance(period, str) or _parse(grain, period) is None:
        raise ValueError(f"a {grain} must look like {_EXAMPLES[grain]}, not {period!r}")
    return period


def grain_of(period: str) -> str | None:
    """The grain whose spelling `period` follows; None for anything else (a folder name)."""
    return next((g for g in GRAINS if _parse(g, period) is not None), None)


# Pure functions of (grain, period) strings, asked hundreds of thousands of times per period of
# reports (every figure checks the months it spans against the publication blocks): cached.
@lru_cache(maxsize=65536)
def _parse(grain: str, period: str) -> tuple[int, int] | None:
    match = _PATTERNS[grain].fullmatch(period)
    if not match:
        return None
    year = int(match.group(1))
    number = int(match.group(2)) if grain != "year" else 1
    if year < 1900:
        return None
    if grain == "month" and not 1 <= number <= 12:
        return None
    if grain == "week" and not 1 <= number <= dt.date(year, 12, 28).isocalendar().week:
        return None
    return year, number


def year_and_number(grain: str, period: str) -> tuple[int, int]:
    """(2026, 4) for '2026-Q4', (2026, 44) for '2026-W44', (2026, 10) for '2026-10', (2026, 1)
    for '2026'."""
    return _parse(grain, check_period(grain, period))


def _index(grain: str, period: str) -> int:
    parsed = _parse(grain, period) if isinstance(period, str) else None
    if parsed is None:
        check_period(grain, period)
    year, number = parsed
    if grain == "month":
        return year * 12 + number - 1
    if grain == "quarter":
        return year * 4 + number - 1
    if grain == "year":
        return year
    # 0001-01-01 was a Monday: Monday ordinals step by 7 from 1.
    return (dt.date.fromisocalendar(year, number, 1).toordinal() - 1) // 7


def _spell(grain: str, year: int, number: int) -> str:
    """The key of the `number`th period of `grain` in `year` (a year's number is ignored)."""
    if grain == "month":
        return f"{year:04d}-{number:02d}"
    if grain == "quarter":
        return f"{year:04d}-Q{number}"
    if grain == "year":
        return f"{year:04d}"
    return f"{year:04d}-W{number:02d}"


def _key(grain: str, index: int) -> str:
    if grain == "month":
        return _spell(grain, index // 12, index % 12 + 1)
    if grain == "quarter":
        return _spell(grain, index // 4, index % 4 + 1)
    if grain == "year":
        return _spell(grain, index, 1)
    year, week, _ = dt.date.fromordinal(index * 7 + 1).isocalendar()
    return _spell(grain, year, week)


def shift(grain: str, period: str, steps: int) -> str:
    """The period `steps` periods later (earlier when negative) at the same grain."""
    return _key(grain, _index(grain, period) + steps)


def periods_between(grain: str, first: str, last: str) -> int:
    """How many periods `last` is after `first` (negative when before): shift's inverse,
    ('month', '2025-11', '2026-02') -> 3."""
    return _index(grain, last) - _index(grain, first)


def window(grain: str, period: str, length: int) -> list[str]:
    """`length` periods ending with `period`, oldest first."""
    end = _index(grain, period)
    return [_key(grain, i) for i in range(end - length + 1, end + 1)]


def comparisons(grain: str) -> tuple[str, ...]:
    """'prior' (环比) and 'yoy' (同比); a year's previous period is the year before, its 同比, so
    a year has 同比 only: its reports never show the same comparison twice."""
    return ("yoy",) if grain == "year" else ("prior", "yoy")


def prior(grain: str, period: str) -> str:
    """环比: the period just before, at the same grain (2026-Q1 → 2025-Q4, 2027-W01 → 2026-W53)."""
    return shift(grain, period, -1)


def yoy(grain: str, period: str) -> str | None:
    """同比: the same period a year earlier (2026-Q1 → 2025-Q1, 2026-10 → 2025-10); a week is the
    same ISO week number of the year before, None when that year has no such week (a W53)."""
    year, number = year_and_number(grain, period)
    earlier = _spell(grain, year - 1, number)
    return earlier if _parse(grain, earlier) else None


def year_to_date(month: str) -> list[str]:
    """January to `month` of its year (本年累计): '2026-03' -> ['2026-01', '2026-02', '2026-03']."""
    return window("month", month, year_and_number("month", month)[1])


def first_day(grain: str, period: str) -> dt.date:
    year, number = _parse(grain, check_period(grain, period))
    if grain == "week":
        return dt.date.fromisocalendar(year, number, 1)
    if grain == "month":
        return dt.date(year, number, 1)
    if grain == "quarter":
        return dt.date(year, 3 * number - 2, 1)
    return dt.date(year, 1, 1)


def last_day(grain: str, period: str) -> dt.date:
    return first_day(grain, shift(grain, period, 1)) - dt.timedelta(days=1)


def first_within(finer: str, grain: str, period: str) -> str:
    """The first period of the `finer` grain that `period` holds: a year's January or Q1."""
    return period_of(finer, first_day(grain, period))


def last_within(finer: str, grain: str, period: str) -> str:
    """The last period of the `finer` grain that `period` holds: a year's December or Q4, a
    quarter's last month."""
    return period_of(finer, last_day(grain, period))


def within(finer: str, grain: str, period: str) -> list[str]:
    """The periods of the `finer` grain that `period` holds, oldest first: a year's quarters (a
    period's months: `months`, which also gives the two a week overlaps)."""
    last = last_within(finer, grain, period)
    return window(finer, last, periods_between(finer, first_within(finer, grain, period), last) + 1)


def period_of(grain: str, day: dt.date) -> str:
    """The period of `grain` that holds `day` (a week by its ISO year: 2027-01-01 is 2026-W53)."""
    if check_grain(grain) == "week":
        year, week, _ = day.isocalendar()
        return _spell(grain, year, week)
    return _spell(grain, day.year, (day.month - 1) // 3 + 1 if grain == "quarter" else day.month)


def months(grain: str, period: str) -> list[str]:
    """The months ('2026-10') that the period overlaps; a week may overlap two."""
    return list(_months(grain, check_period(grain, period)))


@lru_cache(maxsize=65536)
def _months(grain: str, period: str) -> tuple[str, ...]:
    first, last = first_day(grain, period), last_day(grain, period)
    start, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return tuple(_key("month", i) for i in range(start, end + 1))


# --- months: a DATE in the warehouse, a key at the edges ----------------------------------------


def month_start(month: str) -> dt.date:
    """'2026-10' -> date(2026, 10, 1): how the warehouse holds a month."""
    return first_day("month", month)


def month_end(month: str) -> dt.date:
    """'2026-02' -> date(2026, 2, 28)."""
    return last_day("month", month)


def month_key(day: dt.date) -> str:
    """date(2026, 10, 17) -> '2026-10': the month's key, for labels, files and metrics.csv."""
    return period_of("month", day)


def month_of_date(value: object) -> str | None:
    """'2026-10' from a date, a datetime or text that starts with a month; None otherwise."""
    if isinstance(value, dt.date):
        return month_key(value)
    text = str(value or "")[:7]
    return text if _parse("month", text) else None


def days_in(grain: str, period: str, held_months: set[str]) -> int:
    """Calendar days of the period inside months that hold data: the metrics' days(P), which the
    warehouse calendar limits the same way (a year still running has fewer than 365)."""
    first, last = first_day(grain, period), last_day(grain, period)
    total = 0
    for month in months(grain, period):
        if month not in held_months:
            continue
        year, number = _parse("month", month)
        month_first = dt.date(year, number, 1)
        month_last = dt.date(year, number, calendar.monthrange(year, number)[1])
        total += (min(last, month_last) - max(first, month_first)).days + 1
    return total


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """The warehouse's tables (of its own schema: no temporary ones) with their columns' types,
    {table: {column: 'VARCHAR'}}: what the migrations of a warehouse made by an older version
    (here, ledgers.loader.ensure_schema) ask before they change anything."""
    found: dict[str, dict[str, str]] = {}
    # fetchall: an unfinished result would block the next create_function
    for table, column, kind in con.execute(
        """select table_name, column_name, data_type from duckdb_columns()
           where database_name = current_database() and schema_name = current_schema()
             and not internal"""
    ).fetchall():
        found.setdefault(table, {})[column] = kind
    return found


def month_column_as_date(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """Turn a month column a warehouse made before months were dates holds as text ('2026-10')
    into the DATE of its first day, as every table now holds a month."""
    if table_columns(con).get(table, {}).get(column) == "VARCHAR":
        con.execute(
            f'alter table {table} alter column "{column}" set data type date '  # our own names
            f"""using cast("{column}" || '-01' as date)"""
        )


def period_columns_as_dates(con: duckdb.DuckDBPyConnection, table: str, fill: bool) -> None:
    """Give a table of (grain, period) rows that a warehouse made before periods had dates its
    period_start and period_end DATE columns; with `fill`, the first and last day of each row's
    period from this module (a key it cannot read, say a window's, stays null)."""
    columns = table_columns(con).get(table, {})
    if not columns or "period_start" in columns:
        return
    for column in ("period_start", "period_end"):
        if column not in columns:
            con.execute(f"alter table {table} add column {column} date")  # our own names
    if not fill:
        return
    keys = [
        (grain, period)
        for grain, period in con.execute(f"select distinct grain, period from {table}").fetchall()  # noqa: S608
        if grain in GRAINS and isinstance(period, str) and _parse(grain, period)
    ]
    con.execute(
        f"""update {table} t set period_start = k.first, period_end = k.last
            from (select unnest($grains) as grain, unnest($periods) as period,
                         unnest($firsts) as first, unnest($lasts) as last) k
            where t.grain = k.grain and t.period = k.period""",  # noqa: S608 -- our own name
        {
            "grains": [g for g, _ in keys],
            "periods": [p for _, p in keys],
            "firsts": [first_day(g, p) for g, p in keys],
            "lasts": [last_day(g, p) for g, p in keys],
        },
    )


# --- Dagster partition keys: the pipeline's spelling of a period -------------------------------


def partition_key(grain: str, period: str) -> str:
    """The Dagster partition key of a period: a month and a year are their own key, a quarter
    the month it starts ('2026-Q3' -> '2026-07'), a week its Monday ('2026-W47' -> '2026-11-16')."""
    if grain == "quarter":
        return month_key(first_day(grain, period))
    if grain == "week":
        return first_day(grain, period).isoformat()
    return check_period(grain, period)


def period_of_partition(grain: str, key: str) -> str:
    """The period a partition key names: the inverse of `partition_key`."""
    if grain == "quarter":
        return period_of("quarter", month_start(key))
    if grain == "week":
        return period_of("week", dt.date.fromisoformat(key))
    return check_period(grain, key)


def first_whole(grain: str, day: dt.date) -> str:
    """The first period of `grain` that starts on or after `day` (a week: the next Monday's)."""
    period = period_of(grain, day)
    return period if first_day(grain, period) >= day else shift(grain, period, 1)


def last_whole(grain: str, day: dt.date) -> str:
    """The last period of `grain` that ends on or before `day`."""
    period = period_of(grain, day)
    return period if last_day(grain, period) <= day else shift(grain, period, -1)


def previous_whole(grain: str, day: dt.date) -> str:
    """The last period of `grain` that ended before `day`'s own: what a schedule reports on."""
    return prior(grain, period_of(grain, day))


# --- periods in progress (METRICS.md "Periods in progress") ------------------------------------


@dataclass(frozen=True)
class DataExtent:
    """How far the data reaches (the warehouse's `data_extent`, METRICS.md "Periods in
    progress"): the data month, and the last day of the daily workload ledger, which ends weeks."""

    data_month: dt.date | None
    last_workload_day: dt.date | None


@dataclass(frozen=True)
class Coverage:
    """Whether a period ends after the data, and the first and last day the data covers of it."""

    in_progress: bool = False
    first: dt.date | None = None
    through: dt.date | None = None


def coverage(
    grain: str, period: str, extent: DataExtent | None, held_months: set[str] | None = None
) -> Coverage:
    """A week, quarter or year is in progress when it ends after the data: a week after the last
    day of the workload ledger, a quarter or year after the data month. A month is the unit of
    the ledgers and never is. `held_months` (when known) tells where a period's data starts."""
    if extent is None or grain == "month":
        return Coverage()
    if grain == "week":
        limit = extent.last_workload_day
    else:
        month = extent.data_month
        limit = None if month is None else last_day("month", month_key(month))
    first, end = first_day(grain, period), last_day(grain, period)
    if limit is None or end <= limit:
        return Coverage()
    if grain != "week" and held_months is not None:
        held = [m for m in months(grain, period) if m in held_months]
        first = first_day("month", held[0]) if held else first
    return Coverage(True, first, limit if limit >= first else None)


# --- spans: days summed as one period without a key of its own -------------------------------


@dataclass(frozen=True)
class Span:
    """Days that period_sums.sql sums like a period (sql/spans.sql makes its row): a year to
    date, a topic report's range, an improvement measure's window, the 同比 window of a period
    in progress. `grain` names the kind ('ytd', 'range_ly', 'yoy:week', …) and `period` the key
    it is found by; its days are `start` … `end`, or `first` … `last` of them when given, and of
    those only the `months` listed when given. It holds what the warehouse holds of them: its
    row counts those (`months_covered`, days for a week's window) against `months_in_period`;
    without `keep_empty` a span that holds none has no row."""

    grain: str
    period: str
    start: dt.date
    end: dt.date
    months_in_period: int
    first: dt.date | None = None
    last: dt.date | None = None
    months: tuple[dt.date, ...] | None = None
    keep_empty: bool = True


def month_span(grain: str, period: str, first: str, last: str, keep_empty: bool = True) -> Span:
    """The months `first` … `last` ('2025-11', '2026-02'); no month when `last` is the month
    before `first` (its start is then the day after its end)."""
    after_last = shift("month", last, 1)
    return Span(
        grain,
        period,
        month_start(first),
        month_start(after_last) - dt.timedelta(days=1),
        max(periods_between("month", first, after_last), 0),
        keep_empty=keep_empty,
    )


def year_earlier(span: Span, grain: str) -> Span:
    """A span of whole months (`month_span`) a year earlier: 2026-02 … 2026-04 → 2025-02 … 2025-04,
    February to its own last day whatever the year."""
    first, last = month_key(span.start), month_key(span.end)
    return month_span(
        grain, span.period, shift("month", first, -12), shift("month", last, -12), span.keep_empty
    )


def year_to_date_spans(month: str) -> list[Span]:
    """本年累计 of a month M (METRICS.md "Economics"), keyed by M: 'ytd' January … M, 'ytd_ly' the
    same months a year earlier, 'ly' the whole year before; none where the warehouse holds none
    of it (the formulas use a span only when it holds all its months)."""
    january = _spell("month", year_and_number("month", month)[0], 1)
    ytd = month_span("ytd", month, january, month, keep_empty=False)
    last_year = month_span(
        "ly", month, shift("month", january, -12), shift("month", january, -1), keep_empty=False
    )
    return [ytd, year_earlier(ytd, "ytd_ly"), last_year]


def yoy_window(
    grain: str, period: str, first: dt.date, last: dt.date, held: list[dt.date], covered: int
) -> Span | None:
    """The 同比 window of a period the data covers only in part (METRICS.md "Periods in
    progress"), keyed by that period, of grain 'yoy:<grain>': for a quarter or year the months it
    holds (`held`, first days), each a year back (2026 through October → 2025-01 … 2025-10,
    累计同比); for a week its `covered` days `first` … `last` moved to the same weekdays of its 同比
    week (none for a W53 whose year before has no W53). It must hold all of them to compare."""
    if grain == "week":
        earlier = yoy(grain, period)
        if earlier is None:
            return None
        monday = first_day(grain, earlier)
        moved = monday - first_day(grain, period)
        return Span(
            f"yoy:{grain}", period, monday, last_day(grain, earlier), covered,
            first + moved, last + moved, keep_empty=False,
        )  # fmt: skip
    months = tuple(month_start(shift("month", month_key(m), -12)) for m in held)
    return Span(
        f"yoy:{grain}", period, months[0], month_end(month_key(months[-1])), covered,
        months=months, keep_empty=False,
    )  # fmt: skip


def span_params(spans: list[Span]) -> dict[str, list]:
    """The spans as the parameters of sql/spans.sql: one list per field."""
    return {
        "grains": [s.grain for s in spans],
        "periods": [s.period for s in spans],
        "starts": [s.start for s in spans],
        "ends": [s.end for s in spans],
        "firsts": [s.first or s.start for s in spans],
        "lasts": [s.last or s.end for s in spans],
        "months_in_period": [s.months_in_period for s in spans],
        "only_months": [None if s.months is None else list(s.months) for s in spans],
        "keep_empty": [s.keep_empty for s in spans],
    }
