"""本年累计与预算进度: the monthly report's year-to-date table for the finance office (METRICS.md,
"Year to date"), in 万元: this month, January to this month, the same months last year, the year's
budget, how much of it is reached against the time progress, and the forecast for the year.

Every figure is an indicator row already computed (revenue_ytd, expense_ytd, time_progress, the
budget attainments, the forecast); the margin row is revenue minus expense of those rows. Exact 元
stay in metrics.csv and the workbook; a person reads 万元.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.content.indicators import IndicatorRow

TEN_THOUSAND = 10_000
# The indicator rows the table reads (a quarter's and a year's report read them at the month
# grain, at their last month: reports.content.periodic).
READS = (
    "revenue_ytd",
    "expense_ytd",
    "time_progress",
    "revenue_budget_ytd_execution",
    "expense_budget_ytd_execution",
    "revenue_forecast",
    "medical_revenue",
    "total_expense",
    "margin",
)


@dataclass(frozen=True)
class BudgetLine:
    key: str  # revenue, expense, margin: the label's key
    month: float | None  # 本月 (本季度 in a quarter's report; none in a year's), 万元
    to_date: float | None  # 本年累计
    last_year: float | None  # 去年同期累计
    change_rel: float | None  # 累计同比
    budget: float | None  # 全年预算
    attained: float | None  # 累计完成率 (a fraction)
    status: str | None  # of the attainment against time progress ± 5 points
    forecast: float | None  # 全年预计 (revenue only)


@dataclass(frozen=True)
class BudgetProgress:
    time_progress: float | None
    lines: list[BudgetLine]


def _wan(value: float | None) -> float | None:
    return None if value is None else value / TEN_THOUSAND


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def budget_progress(
    rows: dict[str, IndicatorRow],
    current: dict[str, IndicatorRow] | None = None,
) -> BudgetProgress | None:
    """The table from a month's rows; None when the department has no year-to-date figures (a
    department without finance). The first column is `current`'s figures (a quarter's) when
    given, else the month's; a year's report passes empty `current`: it has no such column."""
    period = rows if current is None else current

    def period_value(metric: str) -> float | None:
        return period[metric].value if metric in period else None

    revenue, expense = rows.get("revenue_ytd"), rows.get("expense_ytd")
    if revenue is None or not (revenue.has_value or (expense and expense.has_value)):
        return None
    lines = []
    for key, month, to_date, attainment, forecast in (
        ("revenue", "medical_revenue", revenue, "revenue_budget_ytd_execution", "revenue_forecast"),
        ("expense", "total_expense", expense, "expense_budget_ytd_execution", None),
    ):
        # absent from a medtech department's rows when it has nothing to say (no budget)
        reached = rows.get(attainment)
        lines.append(
            BudgetLine(
                key=key,
                month=_wan(period_value(month)),
                to_date=_wan(to_date.value),
                last_year=_wan(to_date.yoy_value),
                change_rel=to_date.yoy_change_rel,
                budget=_wan(reached.denominator if reached and reached.denominator else None),
                attained=reached.value if reached else None,
                status=reached.status if reached else None,
                forecast=_wan(rows[forecast].value) if forecast in rows else None,
            )
        )
    income, spent = lines
    last_year = _minus(income.last_year, spent.last_year)
    to_date = _minus(income.to_date, spent.to_date)
    lines.append(
        BudgetLine(
            key="margin",
            month=_wan(period_value("margin")),
            to_date=to_date,
            last_year=last_year,
            change_rel=None
            if not last_year
            else (to_date - last_year) / abs(last_year)
            if to_date is not None
            else None,
            budget=_minus(income.budget, spent.budget),
            attained=None,
            status=None,
            forecast=None,
        )
    )
    return BudgetProgress(rows["time_progress"].value, lines)
