"""周例会简报: one A4 page per department and for the hospital, for the Monday meeting.

Last week's workload and bed figures (the catalogue's weekly indicators, those the daily workload
ledger gives) against the week before and the same ISO week a year earlier, with a 9-week trend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics import catalogue
from reports import periods
from reports.content import measures
from reports.content.indicators import IndicatorRow, Trend, indicator_row, published_value
from reports.data.publication import Block
from reports.data.warehouse import Department, PeriodData


@dataclass
class WeeklyBrief:
    department: Department
    week: str
    lang: str
    prior_week: str
    yoy_week: str | None  # None for a week 53 whose year before has none
    trend_weeks: list[str]
    rows: list[IndicatorRow]
    blocks: list[Block]
    coverage: periods.Coverage = periods.Coverage()  # a week in progress: to its last day held
    # The trend panels' figures (banded indicators first), withheld values as on the page.
    trends: list[Trend] = field(default_factory=list)
    # The improvement measures completed in the week (上周完成情况) and due in the next (本周计划).
    done_last_week: list[measures.Measure] = field(default_factory=list)
    due_this_week: list[measures.Measure] = field(default_factory=list)
    hospital_name: str | None = None  # the deployment's, above the title

    @property
    def dept_name(self) -> str:
        return self.department.name(self.lang)

    @property
    def withheld(self) -> bool:
        return bool(self.blocks)

    @property
    def is_empty(self) -> bool:
        """No figure of the week, shown, withheld or suppressed: the brief is not written."""
        return not any(r.has_value or r.withheld or r.suppressed for r in self.rows)


def weekly_brief(data: PeriodData, department: Department, lang: str) -> WeeklyBrief:
    weekly = [i for i in catalogue.indicators().values() if i.weekly]
    blocks = data.publication.blocks_for(department.code, data.months)
    brief = WeeklyBrief(
        department=department,
        week=data.period,
        lang=lang,
        prior_week=periods.shift("week", data.period, -1),
        yoy_week=periods.yoy("week", data.period),
        trend_weeks=data.trend,
        rows=[indicator_row(data, department.code, indicator) for indicator in weekly],
        coverage=data.coverage,
        # Only the blocks that withhold one of the brief's figures.
        blocks=[b for b in blocks if any(b.blocks_metric(i.id) for i in weekly)],
    )
    brief.trends = _trends(brief, data)
    brief.hospital_name = data.hospital_name
    # the brief reports the week just ended for the Monday meeting: its completed measures, and
    # those due in the week that begins
    first, last = periods.first_day("week", data.period), periods.last_day("week", data.period)
    code = department.code
    brief.done_last_week = measures.done_between(data.measures, code, lang, first, last)
    following = periods.shift("week", data.period, 1)
    brief.due_this_week = measures.due_between(
        data.measures,
        code,
        lang,
        periods.first_day("week", following),
        periods.last_day("week", following),
    )
    if department.is_hospital:  # each measure's department by its name
        names = {d.code: d.name(lang) for d in data.departments}
        brief.done_last_week = measures.named(brief.done_last_week, names)
        brief.due_this_week = measures.named(brief.due_this_week, names)
    return brief


def _trends(brief: WeeklyBrief, data: PeriodData) -> list[Trend]:
    """The indicators with a figure in the trend window, banded ones first."""
    trends = []
    for row in sorted(brief.rows, key=lambda r: not r.has_band):
        values = [
            published_value(data, brief.department.code, row.indicator.id, w)
            for w in brief.trend_weeks
        ]
        if any(v is not None for v in values):
            trends.append(Trend(row, values))
    return trends
