"""Tables of every department against chosen indicators: the dashboard's two tables and the
hospital report's department table. Above all 经济运行 — every department's money (医疗收入, 医疗支出,
结余, 结余率, 次均费用, each with its 同比), budget progress and case mix (CMI, the cost and time
indices, the DRG/DIP margin), coloured by status, sortable and filtered by 运营助理.

Which indicators, in which order, is written here once; the values are indicator rows
(reports.indicators), so withheld and suppressed figures stay out.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics import catalogue
from metrics.catalogue import Indicator
from reports import labels
from reports.content.indicators import IndicatorRow, indicator_row
from reports.data.publication import KIND_PREFIX
from reports.data.warehouse import Department, PeriodData
from reports.files import department_stems, report_file_name
from reports.formatting import number_kind

MONEY = (
    "medical_revenue",
    "total_expense",
    "margin",
    "margin_rate",
    "op_revenue_per_visit",
    "ip_revenue_per_discharge",
)
# Budget progress: a month against the whole year's budget (year to date, coloured against the
# time progress); a quarter or a year against the budgets of its own months.
BUDGET = {
    "month": ("revenue_budget_ytd_execution", "expense_budget_ytd_execution"),
    "quarter": ("revenue_budget_execution", "expense_budget_execution"),
    "year": ("revenue_budget_execution", "expense_budget_execution"),
}
CASE_MIX = ("cmi", "cost_index", "time_index", "drg_margin")


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass
class Line:
    """A row of the table: a department (or a total) and its key indicators in column order."""

    department: Department
    rows: list[IndicatorRow]
    links: list[Link]


def department_lines(
    data: PeriodData, indicators: list[Indicator], lang: str
) -> tuple[list[Line], list[Line]]:
    """Department lines (sortable), then the hospital's and each department kind's total."""
    stems = dict(
        zip(
            (d.code for d in data.departments),
            department_stems([d.code for d in data.departments]),
            strict=True,
        )
    )

    def line(department: Department) -> Line:
        links = []
        if department.code in stems:
            stem = stems[department.code]
            links = [
                Link(report_file_name(stem, lang, ".html"), labels.text("html_report", lang)),
                Link(report_file_name(stem, lang, ".xlsx"), labels.text("excel", lang)),
            ]
        rows = [
            indicator_row(data, department.code, indicator)
            if indicator.shown_for(department.kind)
            # a column its kind's report leaves out (a radiology department's revenue per
            # visit): blank in its line
            else IndicatorRow(indicator, number_kind(indicator, []))
            for indicator in indicators
        ]
        return Line(department, rows, links)

    departments = [line(d) for d in data.departments if not d.is_hospital]
    kinds = sorted({d.kind for d in data.departments if d.kind})
    groups = [
        Department(f"{KIND_PREFIX}{kind}", labels.kind(kind, "zh"), labels.kind(kind, "en"), kind)
        for kind in kinds
    ]
    hospital = next(d for d in data.departments if d.is_hospital)
    return departments, [line(hospital), *(line(group) for group in groups)]


@dataclass(frozen=True)
class FinanceColumn:
    indicator: Indicator
    group: str  # money, budget, casemix: the header above it
    with_yoy: bool  # a 同比 column beside the value


def finance_columns(grain: str) -> list[FinanceColumn]:
    indicators = catalogue.indicators()
    return [
        *(FinanceColumn(indicators[i], "money", True) for i in MONEY),
        *(FinanceColumn(indicators[i], "budget", False) for i in BUDGET[grain]),
        *(FinanceColumn(indicators[i], "casemix", False) for i in CASE_MIX),
    ]


@dataclass
class DepartmentTable:
    """The 经济运行 table: its columns, every department's line, then the totals (the hospital's
    and each department kind's)."""

    columns: list[FinanceColumn]
    departments: list[Line]
    totals: list[Line]
    time_progress: float | None = None  # a month's: what budget progress is read against

    @property
    def sheet_columns(self) -> list[tuple[Indicator, bool]]:
        return [(c.indicator, c.with_yoy) for c in self.columns]


def finance_table(data: PeriodData, lang: str) -> DepartmentTable:
    """The 经济运行 table of the data's period: the dashboard's, and the hospital report's."""
    columns = finance_columns(data.grain)
    departments, totals = department_lines(data, [c.indicator for c in columns], lang)
    return DepartmentTable(columns, departments, totals, time_progress(data))


def time_progress(data: PeriodData) -> float | None:
    """The month's time progress (the same for every department): what budget progress is read
    against; None for a quarter or a year."""
    if data.grain != "month":
        return None
    value = data.value("ALL", "time_progress")
    return None if value is None else value.value


def assistants(departments) -> list[str]:
    """The 运营助理 of the department list, for the filter: each name once, in order."""
    return sorted({d.assistant for d in departments if d.assistant})
