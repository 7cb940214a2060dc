"""What a quarter's and a year's report say beyond a month's (issue 17: their own reports).

- A quarter: 本季度 beside 本年累计 (January to the quarter's end, or to the data month while the
  quarter is in progress) with 累计同比, for the figures a head reads first (the 概述's volume, use
  and money); the budget progress at the quarter's end (reports.content.budget, from the month
  grain's year-to-date indicators); the last 8 quarters as a table.
- A year: 同比 only; this year's 12 months against last year's; the year quarter by quarter
  with last year's quarters; every indicator with a target against its actual (目标完成情况).
  The budget progress and the year's measures with their effect (管理成效) come as for a month.

Every figure is an indicator the warehouse computed (metric_report at month, quarter or year
grain; the year to date by metrics.ranges over the summed measures), never a sum or mean of
ratios; figures that publication blocks withhold or that circulation suppresses are left out,
as everywhere (reports.content.indicators).
"""

from __future__ import annotations

from calendar import month_abbr
from dataclasses import dataclass, field, replace

from metrics import catalogue
from metrics.catalogue import Indicator
from reports import labels, periods
from reports.content import budget, summary
from reports.content.indicators import IndicatorRow, indicator_row, published_value
from reports.data import privacy
from reports.data.warehouse import PeriodData
from reports.formatting import NumberKind

# The figures of the 累计 block and the period tables: those the 概述 reads (volume, use, money).
TABLE_METRICS = (*summary.VOLUME, *summary.USE, *summary.MONEY)
# The charted figures (a quarter's 8 quarters, a year's 12 months against last year's, which are
# tabled too): the first four of these the department has.
CHART_METRICS = (
    "medical_revenue",
    "outpatient_visits",
    "discharges",
    "exams",
    "bed_occupancy",
    "equipment_utilization",
    "margin",
)
CHART_PANELS = 4


def change_between(
    now: float | None, before: float | None, kind: NumberKind
) -> tuple[float | None, float | None]:
    """(change, relative change) as metric_report gives them: a % indicator's change in
    percentage points; no relative change from a base of 0 or without either figure."""
    if now is None or before is None:
        return None, None
    change = (now - before) * (100 if kind is NumberKind.PERCENT else 1)
    return change, None if not before else (now - before) / abs(before)


@dataclass(frozen=True)
class ToDate:
    """One indicator's quarter and year to date (本年累计) with the same months a year earlier."""

    row: IndicatorRow  # the quarter's, with its 环比 and 同比
    value: float | None  # 本年累计
    last_year: float | None  # 去年同期累计
    withheld: bool = False
    suppressed: bool = False

    @property
    def change(self) -> float | None:
        return change_between(self.value, self.last_year, self.row.kind)[0]

    @property
    def change_rel(self) -> float | None:
        return change_between(self.value, self.last_year, self.row.kind)[1]


@dataclass(frozen=True)
class PeriodLine:
    """One indicator over the periods of a table; `last_year` the same periods a year earlier."""

    indicator: Indicator
    kind: NumberKind
    values: list[float | None]
    last_year: list[float | None] | None = None
    total: float | None = None  # the whole year (the annual report's quarter table)
    total_last_year: float | None = None
    # which periods' figures a data error withholds (said so in their cell, not a bare —)
    withheld: tuple[bool, ...] = ()
    total_withheld: bool = False

    def changes(self) -> list[tuple[float | None, float | None]]:
        """同比 of each period: (change, relative change)."""
        before = self.last_year or [None] * len(self.values)
        return [change_between(v, b, self.kind) for v, b in zip(self.values, before, strict=True)]

    @property
    def total_change(self) -> tuple[float | None, float | None]:
        return change_between(self.total, self.total_last_year, self.kind)


@dataclass(frozen=True)
class PeriodTable:
    periods: list[str]  # keys, oldest first
    headers: list[str]  # as a reader names them: '2026年第1季度', '1月', or '2026-Q1' in a row of 8
    lines: list[PeriodLine]
    # the last period still in progress, named by what it covers ('2026年第4季度（截至10月）'); in
    # a row of 8 quarters its header is marked '*' and this note says so
    in_progress: str | None = None


@dataclass
class PeriodBlocks:
    grain: str
    to_date_title: str | None = None  # '2026年1–9月'
    to_date: list[ToDate] = field(default_factory=list)
    quarters: PeriodTable | None = None  # a quarter's last 8; a year's 4 with last year's
    months: PeriodTable | None = None  # a year's 12 months against last year's
    targets: list[IndicatorRow] = field(default_factory=list)  # a year's indicators with a target


def period_blocks(
    data: PeriodData, dept: str, rows: dict[str, IndicatorRow], lang: str
) -> PeriodBlocks | None:
    """The quarter's or the year's own blocks; None for a month."""
    if data.grain == "quarter":
        return PeriodBlocks(
            "quarter",
            to_date_title=_to_date_title(data, lang),
            to_date=_to_date(data, dept, rows),
            quarters=_table(data, dept, data.trend, lang),
        )
    if data.grain == "year":
        quarterly = data.at_grain("quarter")
        monthly = data.at_grain("month")
        blocks = PeriodBlocks(
            "year",
            quarters=_table(
                quarterly, dept, periods.within("quarter", "year", data.period), lang, True
            ),
            months=_table(monthly, dept, periods.months("year", data.period), lang, True),
            targets=[row for row in rows.values() if row.has_band and not _empty(row)],
        )
        if blocks.quarters is not None:
            blocks.quarters = _with_totals(blocks.quarters, rows)
        if blocks.months is not None:
            blocks.months = _month_panels(blocks.months)
        return blocks
    return None


def budget_at_end(
    data: PeriodData, dept: str, rows: dict[str, IndicatorRow]
) -> budget.BudgetProgress | None:
    """本年累计与预算进度 at the end of a quarter or year (its last month the data holds): the
    month grain's year-to-date rows; the 本期 column is the quarter's own (none for a year, whose
    year to date is itself)."""
    if "month" not in data.other_grains:
        return None
    monthly = data.at_grain("month")
    end = data.last_month_held
    if end not in monthly.trend:
        return None
    indicators = catalogue.indicators()
    at_end = {
        metric: indicator_row(monthly, dept, indicators[metric], end)
        for metric in budget.READS
        if metric in indicators
    }
    return budget.budget_progress(at_end, rows if data.grain == "quarter" else {})


def _empty(row: IndicatorRow) -> bool:
    return not (row.has_value or row.withheld or row.suppressed)


def _to_date_title(data: PeriodData, lang: str) -> str | None:
    """'2026年1–9月（累计）': January to the quarter's last month held, named as a year in
    progress is."""
    figures = data.to_date
    if figures is None:
        return None
    first = periods.first_day("month", figures.first)
    through = periods.last_day("month", figures.last)
    year = periods.period_of("year", first)
    return periods.title("year", year, lang, periods.Coverage(True, first, through))


def _to_date(data: PeriodData, dept: str, rows: dict[str, IndicatorRow]) -> list[ToDate]:
    figures = data.to_date
    if figures is None:
        return []
    months = periods.year_to_date(figures.last)
    months_ly = [periods.shift("month", m, -12) for m in months]
    sensitive = privacy.sensitive_indicators() if data.suppress_below is not None else set()
    found = []
    for metric in TABLE_METRICS:
        row = rows.get(metric)
        if row is None or _empty(row):
            continue
        publication = data.publication
        if publication.withheld(dept, months, metric):
            found.append(ToDate(row, None, None, withheld=True))
            continue
        if metric in sensitive:
            # a range's counts are not checked against the threshold: not shown for circulation
            found.append(ToDate(row, None, None, suppressed=True))
            continue
        now, before = figures.value(dept, metric)
        if publication.withheld(dept, months_ly, metric):
            before = None
        found.append(ToDate(row, now, before))
    return found


def _table(
    data: PeriodData, dept: str, keys: list[str], lang: str, with_last_year: bool = False
) -> PeriodTable | None:
    """The indicators the department has over `keys` (CHART_METRICS for months, else
    TABLE_METRICS), with each period's 同比 base when asked: metric_report's, so that a quarter in
    progress is compared with the same months a year earlier; None when it has none."""
    indicators = catalogue.indicators()
    lines = []
    for metric in CHART_METRICS if data.grain == "month" else TABLE_METRICS:
        if metric not in indicators:
            continue
        rows = [indicator_row(data, dept, indicators[metric], key) for key in keys]
        values = [row.value if row.has_value else None for row in rows]
        if not any(v is not None or row.withheld for v, row in zip(values, rows, strict=True)):
            continue
        last_year = None
        if with_last_year and data.grain == "month":
            # a month is always whole: the same month a year earlier, also where this year's
            # months are still to come (the dashed line goes on to December)
            before = [periods.shift("month", key, -12) for key in keys]
            last_year = [published_value(data, dept, metric, key) for key in before]
        elif with_last_year:
            # metric_report's base: a quarter in progress against the same months a year earlier
            last_year = [row.yoy_value for row in rows]
        withheld = tuple(row.withheld for row in rows)
        lines.append(
            PeriodLine(indicators[metric], rows[0].kind, values, last_year, withheld=withheld)
        )
    if not lines:
        return None
    short = (
        data.grain == "quarter" and len(keys) > 4
    )  # eight quarters: '2026-Q1', as the charts' axes name them
    headers = list(keys) if short else [_header(data.grain, key, lang) for key in keys]
    in_progress = None
    if data.grain == "quarter" and data.coverage.in_progress and keys[-1] == data.period:
        in_progress = data.title(lang)  # '2026年第4季度（截至10月）'
        headers[-1] = f"{keys[-1]}*" if short else in_progress
    return PeriodTable(keys, headers, lines, in_progress)


def _header(grain: str, key: str, lang: str) -> str:
    """A column's name: '2025年第4季度' (2025 Q4) for a quarter, '1月' (Jan) for a month."""
    if grain == "month":
        number = periods.year_and_number(grain, key)[1]
        return labels.text("month_short", lang).format(month=number, name=month_abbr[number])
    return periods.title(grain, key, lang)


def _with_totals(table: PeriodTable, rows: dict[str, IndicatorRow]) -> PeriodTable:
    """The year's quarters with the year itself (全年) and its 同比 base as the last column."""
    lines = []
    for line in table.lines:
        row = rows[line.indicator.id]
        total = row.value if row.has_value else None
        lines.append(
            replace(line, total=total, total_last_year=row.yoy_value, total_withheld=row.withheld)
        )
    return replace(table, lines=lines)


def _month_panels(table: PeriodTable) -> PeriodTable:
    """At most CHART_PANELS indicators: a chart panel each, two lines (this year, last)."""
    return replace(table, lines=table.lines[:CHART_PANELS])
