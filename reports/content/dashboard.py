"""财务科运营看板: 经济运行 (reports.content.finance_dashboard) and every department against every key
indicator of a period, on one page.

A heat table coloured by status and sortable by any column (a few lines of inline JavaScript, no
library), the hospital's and the department kinds' totals beneath it, the hospital's trends, and
links to each department's reports of the period; an Excel copy of the same table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics import catalogue
from metrics.catalogue import Indicator
from reports import periods
from reports.content import finance_dashboard
from reports.content.assistants import AssistantScore, assistant_scores
from reports.content.finance_dashboard import Line, department_lines
from reports.content.indicators import Trend, family_sections, key_indicators
from reports.data.publication import HOSPITAL, Block
from reports.data.warehouse import PeriodData

HOSPITAL_TREND_PANELS = 8


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
    # 经济运行 (reports.content.finance_dashboard), and the names of the 运营助理 filter
    finance: finance_dashboard.DepartmentTable | None = None
    assistants: list[str] = field(default_factory=list)
    hospital_name: str | None = None  # the deployment's, above the title

    @property
    def period_title(self) -> str:
        return periods.title(self.grain, self.period, self.lang, self.coverage)


def dashboard_view(data: PeriodData, lang: str) -> DashboardView:
    """What the dashboard of the data's period shows."""
    indicators = dashboard_indicators(data)
    departments, totals = department_lines(data, indicators, lang)
    return DashboardView(
        grain=data.grain,
        period=data.period,
        lang=lang,
        hospital_name=data.hospital_name,
        trend=data.trend,
        indicators=indicators,
        departments=departments,
        totals=totals,
        hospital_trends=_hospital_trends(data),
        blocks=data.publication.blocks_for(HOSPITAL, data.months),
        coverage=data.coverage,
        assistant_scores=assistant_scores(data.departments, data.quality, data.months),
        finance=finance_dashboard.finance_table(data, lang),
        assistants=finance_dashboard.assistants(data.departments),
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


def _hospital_trends(data: PeriodData) -> list[Trend]:
    sections = family_sections(data, HOSPITAL)
    trends = [trend for section in sections for trend in section.trends]
    keys = {row.indicator.id for row in key_indicators(sections)}
    return sorted(
        (trend for trend in trends if trend.row.indicator.id in keys),
        key=lambda trend: not trend.row.has_band,
    )[:HOSPITAL_TREND_PANELS]
