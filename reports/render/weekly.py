"""How the 周例会简报 looks: one A4 page with a few trend panels (the content is
`reports.content.weekly`)."""

from __future__ import annotations

from pathlib import Path

from reports import labels, periods
from reports.content.weekly import WeeklyBrief
from reports.files import ASSET_HREF, report_file_name
from reports.render import charts
from reports.render.html import render_page

CHART_PANELS = 4
BRIEF_PANEL_HEIGHT_PX = 190


def brief_files(week_dir: Path, stem: str, lang: str) -> list[Path]:
    """The brief's one page."""
    return [week_dir / report_file_name(stem, lang, ".html")]


def write_brief(brief: WeeklyBrief, week_dir: Path, stem: str) -> list[Path]:
    """Write one department's brief page; return it as `brief_files` lists it."""
    files = brief_files(week_dir, stem, brief.lang)
    files[0].write_text(render_brief_page(brief), encoding="utf-8")
    return files


def render_brief_page(brief: WeeklyBrief) -> str:
    lang = brief.lang
    panels = [charts.trend_panel(trend, lang) for trend in brief.trends[:CHART_PANELS]]
    chart = charts.trend_chart(
        "chart-week", panels, brief.trend_weeks, panel_height=BRIEF_PANEL_HEIGHT_PX
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
