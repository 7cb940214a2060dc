"""What one department's monthly report says, read from the warehouse (`metric_report`, ledgers).

The HTML page and the Excel workbook both render this; neither queries the warehouse itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from metrics import catalogue
from metrics.catalogue import Family, Indicator
from reports import labels
from reports.formatting import NumberKind, is_missing, number_kind

HOSPITAL = "ALL"
TREND_MONTHS = 13
# A chart panel per indicator: more than four per family would be too small to read on A4.
CHART_INDICATORS_PER_FAMILY = 4


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str | None

    def name(self, lang: str) -> str:
        """The name in the reader's language; an English name left blank falls back to Chinese."""
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of one department and month, with its comparisons and status."""

    indicator: Indicator
    kind: NumberKind
    value: float | None = None
    prior_value: float | None = None
    prior_change: float | None = None
    prior_change_rel: float | None = None
    yoy_value: float | None = None
    yoy_change: float | None = None
    yoy_change_rel: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    status: str | None = None
    reason: str | None = None

    @property
    def has_value(self) -> bool:
        return not is_missing(self.value)

    @property
    def has_band(self) -> bool:
        return self.band_low is not None or self.band_high is not None


@dataclass(frozen=True)
class Trend:
    """An indicator's monthly values over the trend window, None where it was not available."""

    row: IndicatorRow
    values: list[float | None]


@dataclass
class FamilySection:
    family: Family
    rows: list[IndicatorRow]
    trends: list[Trend] = field(default_factory=list)


@dataclass(frozen=True)
class Comment:
    dept: str
    dept_name: str
    topic: str
    factor: str | None
    text: str


@dataclass
class MonthContent:
    department: Department
    month: str
    lang: str
    trend_months: list[str]
    tiles: list[IndicatorRow]
    families: list[FamilySection]
    commentary: list[Comment]

    @property
    def dept_name(self) -> str:
        return self.department.name(self.lang)

    @property
    def is_hospital(self) -> bool:
        return self.department.code == HOSPITAL


def departments(con: duckdb.DuckDBPyConnection) -> list[Department]:
    """The hospital first, then every department of the department ledger by code."""
    hospital = Department(HOSPITAL, labels.text("hospital", "zh"), labels.text("hospital", "en"))
    rows = con.execute(
        "select code, name_zh, name_en from raw_departments order by code"
    ).fetchall()
    return [hospital, *(Department(*row) for row in rows)]


def trend_months(month: str, count: int = TREND_MONTHS) -> list[str]:
    """The `count` months ending with `month`, oldest first."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def check_month(month: str) -> str:
    """'2026-10' itself, or a ValueError: the month names a folder, so nothing else may pass."""
    try:
        valid = len(month) == 7 and dt.date.fromisoformat(f"{month}-01").strftime("%Y-%m") == month
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"month must look like 2026-10, not {month!r}")
    return month


# metric_report columns read into an IndicatorRow, under the same names.
_REPORT_FIELDS = (
    "value",
    "prior_value",
    "prior_change",
    "prior_change_rel",
    "yoy_value",
    "yoy_change",
    "yoy_change_rel",
    "band_low",
    "band_high",
    "status",
    "reason",
)


def month_content(
    con: duckdb.DuckDBPyConnection, department: Department, month: str, lang: str
) -> MonthContent:
    """Everything the monthly report of one department (or `ALL`) shows, in catalogue order."""
    months = trend_months(check_month(month))
    window = con.execute(
        f"""select metric, period, denominator, {", ".join(_REPORT_FIELDS)}
            from metric_report
            where grain = 'month' and dept = ? and period between ? and ?""",  # noqa: S608
        [department.code, months[0], months[-1]],
    ).fetchall()
    by_metric: dict[str, dict[str, tuple]] = {}
    for metric, period, denominator, *report in window:
        by_metric.setdefault(metric, {})[period] = (denominator, *report)

    sections = []
    for family in catalogue.families().values():
        rows, trends = [], []
        for indicator in catalogue.indicators().values():
            if indicator.family != family.id:
                continue
            periods = by_metric.get(indicator.id, {})
            row = _indicator_row(indicator, periods, month)
            rows.append(row)
            values = [periods[m][1] if m in periods else None for m in months]
            if any(not is_missing(v) for v in values):
                trends.append(Trend(row, [None if is_missing(v) else v for v in values]))
        # Indicators with a band first: their status is what a reader looks for.
        trends.sort(key=lambda trend: not trend.row.has_band)
        sections.append(FamilySection(family, rows, trends[:CHART_INDICATORS_PER_FAMILY]))

    return MonthContent(
        department=department,
        month=month,
        lang=lang,
        trend_months=months,
        tiles=key_indicators(sections),
        families=sections,
        commentary=_commentary(con, department, month, lang),
    )


def key_indicators(sections: list[FamilySection]) -> list[IndicatorRow]:
    """Per family, the indicators with a band and a value; else the family's first with a value."""
    tiles = []
    for section in sections:
        with_value = [row for row in section.rows if row.has_value]
        banded = [row for row in with_value if row.has_band]
        tiles.extend(banded or with_value[:1])
    return tiles


def _indicator_row(indicator: Indicator, periods: dict[str, tuple], month: str) -> IndicatorRow:
    kind = number_kind(indicator, (report[0] for report in periods.values()))
    if month not in periods:
        # No row at all: the department has no input rows for this month.
        return IndicatorRow(
            indicator,
            kind,
            band_low=indicator.band_low,
            band_high=indicator.band_high,
            reason=indicator.missing,
        )
    _denominator, *report = periods[month]
    fields = {
        name: None if is_missing(v) else v for name, v in zip(_REPORT_FIELDS, report, strict=True)
    }
    return IndicatorRow(indicator, kind, **fields)


def _commentary(
    con: duckdb.DuckDBPyConnection, department: Department, month: str, lang: str
) -> list[Comment]:
    """The department's commentary rows; the hospital's report gathers every department's."""
    rows = con.execute(
        """select c.dept, d.name_zh, d.name_en, c.topic, c.factor, c.text
           from raw_commentary c left join raw_departments d on d.code = c.dept
           where c.month = ? and (? or c.dept = ?)
           order by c.dept, c.topic""",
        [dt.date.fromisoformat(f"{month}-01"), department.code == HOSPITAL, department.code],
    ).fetchall()
    return [
        Comment(
            dept=dept,
            dept_name=Department(dept, name_zh or dept, name_en).name(lang),
            topic=topic,
            factor=labels.factor(factor, lang),
            text=text,
        )
        for dept, name_zh, name_en, topic, factor, text in rows
    ]
