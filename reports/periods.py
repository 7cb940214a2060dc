"""Report periods: a grain and a period key spelt as `metric_report` spells it.

week '2026-W44' (ISO), month '2026-10', quarter '2026-Q4', year '2026'. The key also names the
report folder, so a key is checked strictly before it reaches a path.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from reports import labels

GRAINS = ("year", "quarter", "month", "week")
REPORT_GRAINS = ("month", "quarter", "year")
# The trend window ends with the report's period: 13 months shows the same month a year ago.
TREND_LENGTH = {"week": 9, "month": 13, "quarter": 8, "year": 5}

_PATTERNS = {
    "week": re.compile(r"(\d{4})-W(\d{2})"),
    "month": re.compile(r"(\d{4})-(\d{2})"),
    "quarter": re.compile(r"(\d{4})-Q([1-4])"),
    "year": re.compile(r"(\d{4})"),
}


def comparisons(grain: str) -> tuple[str, ...]:
    """'prior' (环比) and 'yoy' (同比); a year's previous period is the year before, its 同比, so
    a year has 同比 only: its reports never show the same comparison twice."""
    return ("yoy",) if grain == "year" else ("prior", "yoy")


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    return grain


def check_period(grain: str, period: str) -> str:
    """The period itself, or a ValueError saying how the grain's periods are spelt."""
    check_grain(grain)
    if not isinstance(period, str) or _parse(grain, period) is None:
        example = {"week": "2026-W44", "month": "2026-10", "quarter": "2026-Q4", "year": "2026"}
        raise ValueError(f"a {grain} must look like {example[grain]}, not {period!r}")
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


def _key(grain: str, index: int) -> str:
    if grain == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if grain == "quarter":
        return f"{index // 4:04d}-Q{index % 4 + 1}"
    if grain == "year":
        return f"{index:04d}"
    year, week, _ = dt.date.fromordinal(index * 7 + 1).isocalendar()
    return f"{year:04d}-W{week:02d}"


def shift(grain: str, period: str, steps: int) -> str:
    """The period `steps` periods later (earlier when negative) at the same grain."""
    return _key(grain, _index(grain, period) + steps)


def window(grain: str, period: str, length: int | None = None) -> list[str]:
    """The trend window: `length` periods (default by grain) ending with `period`, oldest first."""
    length = TREND_LENGTH[grain] if length is None else length
    end = _index(grain, period)
    return [_key(grain, i) for i in range(end - length + 1, end + 1)]


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


def months(grain: str, period: str) -> list[str]:
    """The months ('2026-10') that the period overlaps; a week may overlap two."""
    return list(_months(grain, check_period(grain, period)))


@lru_cache(maxsize=65536)
def _months(grain: str, period: str) -> tuple[str, ...]:
    first, last = first_day(grain, period), last_day(grain, period)
    start, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return tuple(_key("month", i) for i in range(start, end + 1))


def days_in(grain: str, period: str, held_months: set[str]) -> int:
    """Calendar days of the period inside months that hold data: the metrics' days(P), which the
    warehouse calendar limits the same way (a year still running has fewer than 365)."""
    first, last = first_day(grain, period), last_day(grain, period)
    total = 0
    for month in months(grain, period):
        if month not in held_months:
            continue
        year, number = (int(part) for part in month.split("-"))
        month_first = dt.date(year, number, 1)
        month_last = dt.date(year, number, calendar.monthrange(year, number)[1])
        total += (min(last, month_last) - max(first, month_first)).days + 1
    return total


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
        limit = None if month is None else last_day("month", month.strftime("%Y-%m"))
    first, end = first_day(grain, period), last_day(grain, period)
    if limit is None or end <= limit:
        return Coverage()
    if grain != "week" and held_months is not None:
        held = [m for m in months(grain, period) if m in held_months]
        first = first_day("month", held[0]) if held else first
    return Coverage(True, first, limit if limit >= first else None)


def title(grain: str, period: str, lang: str, covered: Coverage | None = None) -> str:
    """'2026年10月', '2026年第4季度', '2026年', '2026年第44周' and their English spellings; a period
    in progress is named by what it covers: '2026年1–10月（累计）', '2026年第4季度（截至10月）',
    '2026年第20周（截至5月13日）'."""
    year, number = _parse(grain, check_period(grain, period))
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


def month_of_date(value: object) -> str | None:
    """'2026-10' from a date, a datetime or text that starts with a month; None otherwise."""
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    text = str(value or "")[:7]
    return text if _parse("month", text) else None


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
