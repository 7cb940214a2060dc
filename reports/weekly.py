"""周例会简报: one A4 page per department and for the hospital, for the Monday meeting.

Last week's workload and bed figures (the catalogue's weekly indicators, those the daily workload
ledger gives) against the week before and the same ISO week a year earlier, with a 9-week trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from metrics import catalogue
from reports import charts, labels, periods, privacy
from reports.files import department_stems, ensure_plotly_js, report_file_name, write_manifest
from reports.html import render_page
from reports.indicators import IndicatorRow, indicator_row, published_value
from reports.periodic import ASSET_HREF, manifest_entries
from reports.publication import Block
from reports.warehouse import Department, PeriodData, load_period

CHART_PANELS = 4
BRIEF_PANEL_HEIGHT_PX = 190


@dataclass
class WeeklyBrief:
    department: Department
    week: str
    lang: str
    prior_week: str
    yoy_week: str
    trend_weeks: list[str]
    rows: list[IndicatorRow]
    blocks: list[Block]
    coverage: periods.Coverage = periods.Coverage()  # a week in progress: to its last day held

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


def write_weekly_briefs(
    con: duckdb.DuckDBPyConnection,
    reports_dir: Path,
    week: str,
    lang: str = "zh",
    *,
    suppress_below: int | None = None,
) -> list[Path]:
    """Write `reports_dir/<week>/<dept>.html` (`.en.html` in English) for `ALL` and every
    department; return them sorted. `suppress_below` as in `write_period_reports`."""
    labels.check_language(lang)
    privacy.check_threshold(suppress_below)
    periods.check_period("week", week)
    reports_dir = Path(reports_dir)
    week_dir = reports_dir / week
    week_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(reports_dir)
    data = load_period(con, "week", week)
    data.suppress_below = suppress_below
    stems = department_stems([d.code for d in data.departments])
    written, shown = [], []
    for department, stem in zip(data.departments, stems, strict=True):
        brief = weekly_brief(data, department, lang)
        if brief.is_empty:
            continue
        written.append(write_brief(brief, brief_panels(brief, data), week_dir, stem))
        shown.append((department, stem))
    write_manifest(week_dir, manifest_entries([d for d, _ in shown], [s for _, s in shown]))
    return sorted(written)


def weekly_brief(data: PeriodData, department: Department, lang: str) -> WeeklyBrief:
    weekly = [i for i in catalogue.indicators().values() if i.weekly]
    blocks = data.publication.blocks_for(department.code, data.months)
    return WeeklyBrief(
        department=department,
        week=data.period,
        lang=lang,
        prior_week=periods.shift("week", data.period, -1),
        yoy_week=_same_week_last_year(data.period),
        trend_weeks=data.trend,
        rows=[indicator_row(data, department.code, indicator) for indicator in weekly],
        coverage=data.coverage,
        # Only the blocks that withhold one of the brief's figures.
        blocks=[b for b in blocks if any(b.blocks_metric(i.id) for i in weekly)],
    )


def _same_week_last_year(week: str) -> str:
    """The same ISO week number a year earlier, as metric_report's 同比 pairs weeks."""
    return f"{int(week[:4]) - 1:04d}{week[4:]}"


def write_brief(brief: WeeklyBrief, panels: list[charts.Panel], week_dir: Path, stem: str) -> Path:
    """Write one department's brief page; return its path."""
    path = week_dir / report_file_name(stem, brief.lang, ".html")
    path.write_text(render_brief_page(brief, panels), encoding="utf-8")
    return path


def brief_panels(brief: WeeklyBrief, data: PeriodData) -> list[charts.Panel]:
    """The trend panels of the brief (banded indicators first), values withheld as on the page."""
    lang = brief.lang
    panels = []
    for row in sorted(brief.rows, key=lambda r: not r.has_band):
        values = [
            published_value(data, brief.department.code, row.indicator.id, w)
            for w in brief.trend_weeks
        ]
        if any(v is not None for v in values):
            panels.append(
                charts.Panel(
                    charts.panel_title(row.indicator, lang),
                    values,
                    row.kind,
                    row.band_low,
                    row.band_high,
                )
            )
    return panels


def render_brief_page(brief: WeeklyBrief, panels: list[charts.Panel]) -> str:
    lang = brief.lang
    chart = charts.trend_chart(
        "chart-week", panels[:CHART_PANELS], brief.trend_weeks, panel_height=BRIEF_PANEL_HEIGHT_PX
    )
    return render_page(
        "weekly.html",
        lang,
        chart,
        ASSET_HREF,
        brief=brief,
        title=labels.text("weekly_title", lang),
        week_title=periods.title("week", brief.week, lang, brief.coverage),
        in_progress=brief.coverage.in_progress,
        week_days=f"{periods.first_day('week', brief.week)} – {periods.last_day('week', brief.week)}",
        trend_caption=periods.trend_caption("week", brief.trend_weeks, lang),
    )
