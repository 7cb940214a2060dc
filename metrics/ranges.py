"""Indicators over any range of whole months: the period of a special-topic report (专题分析).

A range is a period like a quarter or a year (METRICS.md): each indicator is its formula over the
measures summed over the range's months, never a mean of monthly ratios, and the same months a
year earlier give its 同比. Nothing is stored: the range is evaluated in temp tables of the
connection through the same SQL as every stored period (two spans of metrics.periods counted by
`sql/spans.sql`, then period_sums, the family formulas and evaluate), so it runs on a read-only
connection to the warehouse that `compute_months` filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from metrics.compute import (
    formulas_fingerprint,
    formulas_over_periods,
    load_holidays,
    measured_months,
    sql,
)
from metrics.periods import month_span, month_start, span_params, year_earlier

RANGE = "range"
RANGE_LY = "range_ly"
# The reason of a value left out because the data does not hold every month of its range.
PARTIAL = "partial_period"


class StaleWarehouse(ValueError):
    """The warehouse's values were computed by other formulas (the code was upgraded since)."""


@dataclass(frozen=True)
class RangeValue:
    value: float | None
    numerator: float | None
    denominator: float | None
    reason: str | None
    months_covered: int
    months_in_period: int


@dataclass(frozen=True)
class RangeFigures:
    """Every indicator of every department group over the range and a year earlier."""

    first: str  # '2025-11'
    last: str  # '2026-02'
    this: dict[tuple[str, str], RangeValue]  # (dept, metric) ->
    last_year: dict[tuple[str, str], RangeValue]

    @property
    def period(self) -> str:
        return range_key(self.first, self.last)

    def value(self, dept: str, metric: str, last_year: bool = False) -> RangeValue | None:
        return (self.last_year if last_year else self.this).get((dept, metric))


def range_key(first: str, last: str) -> str:
    """'2025-11..2026-02': the range's period key."""
    return f"{first}..{last}"


def check_range(first: str, last: str) -> None:
    """Both months spelled YYYY-MM, the first not after the last."""
    for month in (first, last):
        try:
            month_start(month)
        except ValueError:
            raise ValueError(f"{month!r} is not a month: write YYYY-MM, e.g. 2026-03") from None
    if month_start(first) > month_start(last):
        raise ValueError(f"the range starts ({first}) after it ends ({last})")


def evaluate_range(
    con: duckdb.DuckDBPyConnection, first: str, last: str, holidays: Path | None = None
) -> RangeFigures:
    """Every indicator over the months `first` … `last` ('2025-11', '2026-02') and the same months
    a year earlier, for every department and group. A window the warehouse does not hold whole
    has no value (reason `partial_period`): its sums would pass fewer months for the range."""
    check_range(first, last)
    calendar = load_holidays(holidays)
    stored = con.execute("select value from metric_state where key = 'formulas'").fetchone()
    if stored is None or stored[0] != formulas_fingerprint(calendar):
        # the measure tables were built by other SQL (an upgrade since the last run): the range's
        # formulas may not even bind to them
        raise StaleWarehouse(
            "the warehouse was computed with other formulas than this version's: "
            "run `deptops run` (or the monthly job) first"
        )
    con.execute(
        f"create or replace temp table calendar as {sql('calendar')}",
        {"months": measured_months(con)} | calendar.params(),
    )
    months = month_span(RANGE, range_key(first, last), first, last)
    con.execute(
        f"create or replace temp table periods as {sql('spans')}",
        span_params([months, year_earlier(months, RANGE_LY)]),
    )
    con.execute(f"create or replace temp view departments_in_groups as {sql('groups')}")
    formulas_over_periods(con)
    rows = con.execute(
        f"select grain, dept, metric, value, numerator, denominator, reason, months_covered, "  # noqa: S608 -- our own file
        f"months_in_period from ({sql('evaluate')}) where grain in (?, ?)",
        [RANGE, RANGE_LY],
    ).fetchall()
    figures: dict[str, dict[tuple[str, str], RangeValue]] = {RANGE: {}, RANGE_LY: {}}
    for grain, dept, metric, value, numerator, denominator, reason, covered, spanned in rows:
        if covered < spanned:
            value, reason = None, PARTIAL
        figures[grain][(dept, metric)] = RangeValue(
            value, numerator, denominator, reason, covered, spanned
        )
    return RangeFigures(first, last, figures[RANGE], figures[RANGE_LY])
