"""Report periods: how reports name a period, and the arithmetic they use from `metrics.periods`.

week '2026-W44' (ISO), month '2026-10', quarter '2026-Q4', year '2026'. The key also names the
report folder, so a key is checked strictly before it reaches a path.
"""

from __future__ import annotations

import calendar
import datetime as dt

from metrics.periods import (  # noqa: F401 -- re-exported: the reports' vocabulary of periods
    GRAINS,
    Coverage,
    DataExtent,
    check_grain,
    check_period,
    comparisons,
    coverage,
    days_in,
    first_day,
    first_within,
    grain_of,
    last_day,
    last_within,
    month_key,
    month_of_date,
    month_start,
    months,
    period_of,
    periods_between,
    shift,
    within,
    year_and_number,
    year_to_date,
    yoy,
)
from metrics.periods import window as _window
from reports import labels

REPORT_GRAINS = ("month", "quarter", "year")
# The trend window ends with the report's period: 13 months shows the same month a year ago.
TREND_LENGTH = {"week": 9, "month": 13, "quarter": 8, "year": 5}


def window(grain: str, period: str, length: int | None = None) -> list[str]:
    """The trend window: `length` periods (default by grain) ending with `period`, oldest first."""
    return _window(grain, period, TREND_LENGTH[grain] if length is None else length)


def title(grain: str, period: str, lang: str, covered: Coverage | None = None) -> str:
    """'2026年10月', '2026年第4季度', '2026年', '2026年第44周' and their English spellings; a period
    in progress is named by what it covers: '2026年1–10月（累计）', '2026年第4季度（截至10月）',
    '2026年第20周（截至5月13日）'."""
    year, number = year_and_number(grain, period)
    if covered is None or not covered.in_progress or covered.through is None:
        return labels.text(f"{grain}_format", lang).format(year=year, number=number, month=number)
    first, through = covered.first, covered.through
    key = f"{grain}_to_date_format"
    if grain == "year" and first.month == through.month:
        key = "year_to_date_one_month_format"
    return labels.text(key, lang).format(
        year=year,
        number=number,
        first=first.month,
        last=through.month,
        day=through.day,
        first_name=calendar.month_abbr[first.month],
        last_name=calendar.month_name[through.month],
    )


def due_date(grain: str, period: str) -> dt.date | None:
    """When the report is due (the training material's deadlines): a month's by the 10th of the
    next month, a quarter's within 15 days of its end, a year's by the end of January."""
    end = last_day(grain, period)
    if grain == "month":
        return end + dt.timedelta(days=10)
    if grain == "quarter":
        return end + dt.timedelta(days=15)
    if grain == "year":
        return dt.date(end.year + 1, 1, 31)
    return None


def trend_caption(grain: str, trend: list[str], lang: str) -> str:
    """'近13个月趋势 (2025-10 – 2026-10)'."""
    words = labels.text(f"trend_{grain}", lang).format(count=len(trend))
    return f"{words} ({trend[0]} – {trend[-1]})"
