"""What a special-topic report (专题分析报告) reads from the warehouse, for a range of whole months:
the indicators over the range and a year earlier (metrics.ranges: formulas over the summed
measures), the months of the range with their 同比 (metric_report, the stored monthly values), the
commentary of the range; the improvement measures come with the months (PeriodData.measures)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from metrics.ranges import RangeFigures, check_range, evaluate_range
from reports import periods
from reports.data.warehouse import (
    CommentRow,
    PeriodData,
    existing_tables,
    load_period,
    read_commentary,
    read_extent,
)


class TopicError(ValueError):
    """A topic report that cannot be made as asked; the message says why."""


@dataclass
class TopicData:
    figures: RangeFigures
    months: list[str]  # the range's months, in order
    monthly: PeriodData  # month grain, the range's months as its trend, every department
    commentary: list[CommentRow] = field(default_factory=list)


def range_months(first: str, last: str) -> list[str]:
    """'2025-11', '2026-02' -> ['2025-11', '2025-12', '2026-01', '2026-02']."""
    check_range(first, last)
    count = 0
    while periods.shift("month", first, count) != last:
        count += 1
    return periods.window("month", last, count + 1)


def load_topic(con: duckdb.DuckDBPyConnection, first: str, last: str) -> TopicData:
    """Everything a topic report over `first` … `last` shows, for every department."""
    try:
        months = range_months(first, last)
    except ValueError as error:
        raise TopicError(str(error)) from None
    tables = existing_tables(con)
    if "metric_values" not in tables:
        raise TopicError("the warehouse has no indicators yet: run `deptops run` first")
    extent = read_extent(con)
    data_month = periods.month_of_date(extent.data_month) if extent else None
    if data_month is None or last > data_month:
        raise TopicError(f"the data ends with {data_month or 'no month'}: the range ends in {last}")
    monthly = load_period(con, "month", last, trend_length=len(months))
    return TopicData(
        figures=evaluate_range(con, first, last),
        months=months,
        monthly=monthly,
        commentary=read_commentary(con, months),
    )
