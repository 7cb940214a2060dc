"""The HTML pages (jinja2, autoescaped): period reports, weekly briefs, the dashboard, the index.

Charts are drawn by plotly.js, loaded from the one shared copy or inlined for a one-file copy.
"""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path

import jinja2
from markupsafe import Markup

from ledgers.specs import ledgers
from metrics import catalogue
from reports import labels, periods
from reports.content.indicators import LAST_YEAR_GRAINS
from reports.content.quality import check_title
from reports.content.report import ReportContent
from reports.data import privacy
from reports.files import plotly_js_source
from reports.formatting import (
    format_band,
    format_change,
    format_relative,
    format_value,
    is_missing,
    unit_label,
)
from reports.render import charts, periodic_charts, svg

TEMPLATES_DIR = Path(__file__).with_name("templates")
# Rows of the supplies table on the page; the workbook lists every item.
PAGE_SUPPLY_LINES = 20


@cache
def environment() -> jinja2.Environment:
    """Templates of `reports/render/templates`; autoescape is on for every file, whatever its suffix."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_helpers(lang: str) -> dict[str, object]:
    """Label and number formatting functions the templates call, bound to the reader's language."""
    return {
        "lang": lang,
        "t": partial(labels.text, lang=lang),
        "unit": partial(labels.unit, lang=lang),
        # the unit beside a figure as format_value shows it: 万元 for a total of money
        "unit_of": partial(unit_label, lang=lang),
        "status": partial(labels.status, lang=lang),
        "severity": partial(labels.severity, lang=lang),
        "kind_name": partial(labels.kind, lang=lang),
        "reason": partial(catalogue.reason_text, lang=lang),
        "ptitle": partial(_period_title, lang=lang),
        "value": format_value,
        # 万元 with 2 decimals: what a person reads for money (exact 元 stay in Excel and CSV)
        "wan": lambda v: None if is_missing(v) else f"{v:,.2f}",
        "percent": lambda v: None if is_missing(v) else f"{v:.1%}",
        # a change of 元 in signed 万元, and a fraction as signed percentage points (numbers only)
        "signed_wan": lambda v: None if is_missing(v) else f"{v / 10_000:+,.2f}",
        "points": lambda v: None if is_missing(v) else f"{round(v * 100, 1) + 0.0:+.1f}",
        "change": partial(format_change, lang=lang),
        "relative": format_relative,
        "band": format_band,
        "number": _number,
        "quantity": quantity,
        "indicator_name": lambda metric: catalogue.indicators()[metric].name(lang),
        "ledger_title": partial(ledger_title, lang=lang),
        "suppressed_note": lambda row: privacy.note(row.suppressed_below, lang),
        # a data-quality check in words, never its id
        "check_title": partial(check_title, lang=lang),
    }


def ledger_title(kind: str | None, lang: str) -> str:
    """A ledger kind ('workload') by its title in the specs; anything else as written."""
    if not kind:
        return ""
    spec = ledgers().get(kind)
    return spec.title(lang) if spec else kind


def quantity(amount: float | None) -> str:
    """A quantity as a ledger would write it: whole numbers without decimals."""
    if amount is None:
        return ""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def _period_title(grain: str, period: str, lang: str) -> str:
    return periods.title(grain, period, lang)


def _number(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def plotly_script(self_contained: bool, asset_href: str) -> Markup:
    """A <script> that loads the shared plotly.js, or that holds all of it for a one-file copy."""
    if self_contained:
        script = plotly_js_source().read_text(encoding="utf-8")
        return Markup("<script>") + Markup(script) + Markup("</script>")
    return Markup('<script src="{}" charset="utf-8"></script>').format(asset_href)


def chart_markup(key: str, figure: dict | None, self_contained: bool) -> str | None:
    """A figure for the page: plotly's <div> and script, or static SVG in the copy sent alone."""
    if figure is None:
        return None
    if self_contained:
        return svg.figure_svg(figure)
    return charts.plotly_div(f"chart-{key}", figure)


def scripted_chart(chart: str | None, lang: str) -> Markup | None:
    """A plotly chart and the words shown in its place until it is drawn: without scripts or
    without `../assets/` (a page sent alone) the reader sees why, never a blank gap. The CSS
    (`.chart:has(.main-svg)`) hides the words once plotly.js has drawn."""
    if not chart:
        return None
    return Markup(chart) + Markup('<p class="chart-fallback">{}</p>').format(
        labels.text("chart_fallback", lang)
    )


def render_period_page(
    content: ReportContent, *, self_contained: bool, asset_href: str, quality_href: str = ""
) -> str:
    """The page of one department and period; plotly.js is linked by `asset_href` or inlined."""
    lang = content.lang
    figures = {
        section.family.id: charts.family_figure(section, content.trend_periods, lang)
        for section in content.families
    }
    family_charts = {
        key: chart_markup(key, figure, self_contained) for key, figure in figures.items()
    }
    family_charts["structure"] = chart_markup(
        "structure", charts.structure_figure(content.structures, lang), self_contained
    )
    if content.periodic is not None:
        blocks = content.periodic
        family_charts["periodic_quarters"] = chart_markup(
            "periodic-quarters",
            periodic_charts.quarters_figure(
                blocks.quarters if blocks.grain == "quarter" else None, lang
            ),
            self_contained,
        )
        family_charts["periodic_months"] = chart_markup(
            "periodic-months", periodic_charts.months_figure(blocks.months, lang), self_contained
        )
    if content.department_table is not None:
        family_charts["departments"] = chart_markup(
            "departments", charts.department_figure(content.department_table, lang), self_contained
        )
    has_charts = any(family_charts.values())
    due = periods.due_date(content.grain, content.period)
    return (
        environment()
        .get_template("period.html")
        .render(
            content=content,
            report_title=content.report_title,
            period_title=content.period_title,
            due=due.isoformat() if due else None,
            trend_caption=_trend_caption(content),
            charts={
                key: (Markup(html) if self_contained else scripted_chart(html, lang))
                if html
                else None
                for key, html in family_charts.items()
            },
            # the copy sent alone draws its charts as SVG and needs no script
            plotly_script=plotly_script(False, asset_href)
            if has_charts and not self_contained
            else "",
            self_contained=self_contained,
            quality_href=quality_href,
            page_supply_lines=PAGE_SUPPLY_LINES,
            **template_helpers(lang),
        )
    )


def _trend_caption(content: ReportContent) -> str:
    """'近13个月趋势 (2025-10 – 2026-10)', and what the dashed line is where it is drawn."""
    caption = periods.trend_caption(content.grain, content.trend_periods, content.lang)
    if content.grain in LAST_YEAR_GRAINS:
        separator = "；" if content.lang == "zh" else "; "
        caption += separator + labels.text("last_year_caption", content.lang)
    return caption


def render_page(template: str, lang: str, chart: str | None, asset_href: str, **context) -> str:
    """A page with at most one chart: the weekly brief and the dashboard."""
    return (
        environment()
        .get_template(template)
        .render(
            chart=scripted_chart(chart, lang),
            plotly_script=plotly_script(False, asset_href) if chart else "",
            **context,
            **template_helpers(lang),
        )
    )
