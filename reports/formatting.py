"""How an indicator's numbers look, the same on the HTML page, in the chart and in Excel."""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum

from metrics.catalogue import Indicator
from reports import labels


class NumberKind(StrEnum):
    PERCENT = "percent"
    MONEY = "money"  # an amount per case or visit, in 元
    AMOUNT = "amount"  # a total of money: read in 万元, exact 元 in Excel cells and metrics.csv
    COUNT = "count"
    DECIMAL = "decimal"


EXCEL_FORMATS = {
    NumberKind.PERCENT: "0.0%",
    NumberKind.MONEY: "#,##0.00",
    NumberKind.AMOUNT: "#,##0.00",
    NumberKind.COUNT: "#,##0",
    NumberKind.DECIMAL: "0.00",
}
PLOTLY_TICK_FORMATS = {
    NumberKind.PERCENT: ".1%",
    NumberKind.MONEY: ",.0f",
    NumberKind.AMOUNT: ",.2f",  # charts draw amounts in 万元 (reports.render.charts)
    NumberKind.COUNT: ",d",
    NumberKind.DECIMAL: ",.2f",
}
_PYTHON_FORMATS = {
    NumberKind.PERCENT: "{:.1%}",
    NumberKind.MONEY: "{:,.2f}",
    NumberKind.AMOUNT: "{:,.2f}",  # of 万元: format_value divides
    NumberKind.COUNT: "{:,.0f}",
    NumberKind.DECIMAL: "{:,.2f}",
}


def number_kind(indicator: Indicator, denominators: Iterable[float | None]) -> NumberKind:
    """% and CNY by unit; a count is a plain sum: its denominator is always 1 and can never be 0.

    The unit alone cannot tell: `visits_per_doctor_day` is in visits but is a ratio."""
    if indicator.is_percent:
        return NumberKind.PERCENT
    if is_amount(indicator):
        return NumberKind.AMOUNT
    if indicator.unit == "CNY":
        return NumberKind.MONEY
    known = [d for d in denominators if d is not None]
    if indicator.zero is None and indicator.scale == 1 and known and all(d == 1 for d in known):
        return NumberKind.COUNT
    return NumberKind.DECIMAL


def is_amount(indicator: Indicator) -> bool:
    """A total of money (医疗收入, 结余), not an amount per case: no denominator in its formula
    (the catalogue gives a ratio the reason for a zero denominator)."""
    return indicator.unit == "CNY" and indicator.zero is None


def unit_label(indicator: Indicator, lang: str) -> str:
    """The unit a person reads beside the figure: 万元 for a total of money."""
    if is_amount(indicator):
        return labels.text("wan_unit", lang)
    return labels.unit(indicator.unit, lang)


WAN = 10_000


def is_missing(value: float | None) -> bool:
    """None, or a NaN that a frame may have put in its place."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: float | None, kind: NumberKind) -> str | None:
    """87.6% / 212.50 (元 a case) / 112.00 (万元, a total) / 1,550 / 8.50; None stays None so
    that no page shows 0 for it."""
    if is_missing(value):
        return None
    if kind is NumberKind.AMOUNT:
        value = value / WAN
    return _PYTHON_FORMATS[kind].format(value)


def format_change(change: float | None, kind: NumberKind, lang: str) -> str | None:
    """A signed absolute change; for a % indicator it is in percentage points already."""
    if is_missing(change):
        return None
    if kind is NumberKind.PERCENT:
        return format_points(change, lang)
    magnitude = abs(change) / WAN if kind is NumberKind.AMOUNT else abs(change)
    return _signed(_PYTHON_FORMATS[kind].format(magnitude), change)


def format_points(change: float | None, lang: str, digits: int = 1) -> str | None:
    """A signed change in percentage points: +7.6个百分点 / +7.6 pp."""
    if is_missing(change):
        return None
    # A change that rounds to zero is shown as +0.0, never as -0.0.
    shown = round(change, digits) + 0.0
    return f"{shown:+.{digits}f}{_pp_suffix(lang)}"


def format_relative(change_rel: float | None) -> str | None:
    """A signed relative change, +9.5%; one that rounds to zero is +0.0%, never -0.0%."""
    return None if is_missing(change_rel) else f"{round(change_rel, 3) + 0.0:+.1%}"


def format_wan(amount_cny: float | None, lang: str, signed: bool = False) -> str | None:
    """An amount of money as a person reads it: 112.00万元 / 112.00 × 10k CNY (2 decimals of
    万元); exact 元 stay in the workbook's cells and metrics.csv."""
    if is_missing(amount_cny):
        return None
    magnitude = f"{abs(amount_cny) / 10_000 if signed else amount_cny / 10_000:,.2f}"
    text = _signed(magnitude, amount_cny) if signed else magnitude
    return (
        f"{text}{labels.text('wan_unit', lang)}"
        if lang == "zh"
        else (f"{text} {labels.text('wan_unit', lang)}")
    )


def format_band(low: float | None, high: float | None, kind: NumberKind) -> str | None:
    """80.0%–90.0%, ≤ 9.00 or ≥ 90.0%; None without a band."""
    low_text, high_text = format_value(low, kind), format_value(high, kind)
    if low_text and high_text:
        return f"{low_text}–{high_text}"
    if high_text:
        return f"≤ {high_text}"
    if low_text:
        return f"≥ {low_text}"
    return None


def excel_change_format(kind: NumberKind, lang: str) -> str:
    """Signed Excel format of an absolute change, percentage points spelt out for % indicators."""
    if kind is NumberKind.PERCENT:
        return excel_points_format(lang)
    plain = EXCEL_FORMATS[kind]
    return f"+{plain};-{plain};{plain}"


EXCEL_RELATIVE_FORMAT = "+0.0%;-0.0%;0.0%"


def excel_points_format(lang: str, digits: int = 1) -> str:
    """Signed Excel format of a number of percentage points."""
    suffix = f'"{_pp_suffix(lang)}"'
    zeros = "0." + "0" * digits if digits else "0"
    return f"+{zeros}{suffix};-{zeros}{suffix};{zeros}{suffix}"


def _pp_suffix(lang: str) -> str:
    word = labels.text("percentage_points", lang)
    # English abbreviations take a space, Chinese words do not.
    return f" {word}" if word.isascii() else word


def _signed(magnitude: str, number: float) -> str:
    if not any(c in "123456789" for c in magnitude):
        return magnitude  # rounds to zero: no sign
    if number > 0:
        return f"+{magnitude}"
    if number < 0:
        return f"-{magnitude}"
    return magnitude
