"""财务科运营看板: every department against every key indicator of a period, on one page.

A heat table coloured by status and sortable by any column (a few lines of inline JavaScript, no
library), the hospital's and the department kinds' totals beneath it, the hospital's trends, and
links to each department's reports of the period; an Excel copy of the same table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics import catalogue
from metrics.catalogue import Indicator
from reports import labels, periods
from reports.content.assistants import AssistantScore, assistant_scores
from reports.content.indicators import (
    IndicatorRow,
    Trend,
    family_sections,
    indicator_row,
    key_indicators,
)
from reports.data.publication import HOSPITAL, KIND_PREFIX, Block
from reports.data.warehouse import Department, PeriodData
from reports.files import department_stems, report_file_name

HOSPITAL_TREND_PANELS = 8


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


@dataclass
class DashboardView:
    """Everything the dashboard of a period shows, in one language."""

    grain: str
    period: str
    lang: str
    trend: list[str]
    indicators: list[Indicator]
    departments: list[Line]
    totals: list[Line]
    hospital_trends: list[Trend]  # the hospital's key indicators, banded ones first
    blocks: list[Block]
    coverage: periods.Coverage = periods.Coverage()
    # 运营助理台账质量评分 (issue 19): each assistant's ledger quality in the period's months
    assistant_scores: list[AssistantScore] = field(default_factory=list)

    @property
    def period_title(self) -> str:
        return periods.title(self.grain, self.period, self.lang, self.coverage)


def dashboard_view(data: PeriodData, lang: str) -> DashboardView:
    """What the dashboard of the data's period shows."""
    indicators = dashboard_indicators(data)
    departments, totals = dashboard_lines(data, indicators, lang)
    return DashboardView(
        grain=data.grain,
        period=data.period,
        lang=lang,
        trend=data.trend,
        indicators=indicators,
        departments=departments,
        totals=totals,
        hospital_trends=_hospital_trends(data),
        blocks=data.publication.blocks_for(HOSPITAL, data.months),
        coverage=data.coverage,
        assistant_scores=assistant_scores(data.departments, data.quality, data.months),
    )


def dashboard_indicators(data: PeriodData) -> list[Indicator]:
    """The key indicators of any department or of the hospital (the tiles of their reports), in
    catalogue order."""
    wanted = set()
    for department in data.departments:
        wanted |= {
            row.indicator.id for row in key_indicators(family_sections(data, department.code))
        }
    return [i for i in catalogue.indicators().values() if i.id in wanted]


def dashboard_lines(
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
        rows = [indicator_row(data, department.code, indicator) for indicator in indicators]
        return Line(department, rows, links)

    departments = [line(d) for d in data.departments if not d.is_hospital]
    kinds = sorted({d.kind for d in data.departments if d.kind})
    groups = [
        Department(f"{KIND_PREFIX}{kind}", labels.kind(kind, "zh"), labels.kind(kind, "en"), kind)
        for kind in kinds
    ]
    hospital = next(d for d in data.departments if d.is_hospital)
    return departments, [line(hospital), *(line(group) for group in groups)]


def _hospital_trends(data: PeriodData) -> list[Trend]:
    sections = family_sections(data, HOSPITAL)
    trends = [trend for section in sections for trend in section.trends]
    keys = {row.indicator.id for row in key_indicators(sections)}
    return sorted(
        (trend for trend in trends if trend.row.indicator.id in keys),
        key=lambda trend: not trend.row.has_band,
    )[:HOSPITAL_TREND_PANELS]
