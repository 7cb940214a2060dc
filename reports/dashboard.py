"""财务科运营看板: every department against every key indicator of a period, on one page.

A heat table coloured by status and sortable by any column (a few lines of inline JavaScript, no
library), the hospital's and the department kinds' totals beneath it, the hospital's trends, and
links to each department's reports of the period; an Excel copy of the same table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb
from openpyxl import Workbook

from metrics import catalogue
from metrics.catalogue import Indicator
from reports import charts, labels, periods, privacy
from reports.files import (
    DASHBOARD_STEM,
    department_stems,
    ensure_plotly_js,
    report_file_name,
)
from reports.formatting import EXCEL_FORMATS
from reports.html import render_page
from reports.indicators import IndicatorRow, family_sections, indicator_row, key_indicators
from reports.periodic import ASSET_HREF
from reports.publication import HOSPITAL, KIND_PREFIX, Block
from reports.warehouse import Department, PeriodData, load_period
from reports.workbook import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    Column,
    Number,
    finish_table,
    sheet_name,
    status_fills,
    title,
    write_table,
)

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


def write_dashboard(
    con: duckdb.DuckDBPyConnection,
    reports_dir: Path,
    grain: str,
    period: str,
    lang: str = "zh",
    *,
    suppress_below: int | None = None,
) -> list[Path]:
    """Write `reports_dir/<period>/dashboard.html` and `dashboard.xlsx` (`dashboard.en.*` in
    English); return them sorted. `suppress_below` as in `write_period_reports`."""
    labels.check_language(lang)
    privacy.check_threshold(suppress_below)
    if grain not in periods.REPORT_GRAINS:
        raise ValueError(f"dashboards are per {', '.join(periods.REPORT_GRAINS)}, not {grain!r}")
    periods.check_period(grain, period)
    reports_dir = Path(reports_dir)
    period_dir = reports_dir / period
    period_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(reports_dir)
    data = load_period(con, grain, period)
    data.suppress_below = suppress_below
    return write_dashboard_files(dashboard_view(data, lang), period_dir)


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
    hospital_chart: str | None
    blocks: list[Block]
    coverage: periods.Coverage = periods.Coverage()

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
        hospital_chart=_hospital_chart(data, lang),
        blocks=data.publication.blocks_for(HOSPITAL, data.months),
        coverage=data.coverage,
    )


def dashboard_files(period_dir: Path, lang: str) -> list[Path]:
    """The dashboard's page and workbook, sorted."""
    return [period_dir / report_file_name(DASHBOARD_STEM, lang, s) for s in (".html", ".xlsx")]


def write_dashboard_files(view: DashboardView, period_dir: Path) -> list[Path]:
    """Write the dashboard's page and workbook; return them sorted."""
    lang, grain = view.lang, view.grain
    html, xlsx = dashboard_files(period_dir, lang)
    html.write_text(
        render_page(
            "dashboard.html",
            lang,
            view.hospital_chart,
            ASSET_HREF,
            title=labels.text("dashboard_title", lang),
            period_title=view.period_title,
            in_progress=view.coverage.in_progress,
            trend_caption=periods.trend_caption(grain, view.trend, lang),
            indicators=view.indicators,
            departments=view.departments,
            totals=view.totals,
            blocks=view.blocks,
        ),
        encoding="utf-8",
    )
    _write_workbook(xlsx, view, [*view.departments, *view.totals])
    return [html, xlsx]


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


def _hospital_chart(data: PeriodData, lang: str) -> str | None:
    sections = family_sections(data, HOSPITAL)
    trends = [trend for section in sections for trend in section.trends]
    keys = {row.indicator.id for row in key_indicators(sections)}
    chosen = sorted(
        (trend for trend in trends if trend.row.indicator.id in keys),
        key=lambda trend: not trend.row.has_band,
    )[:HOSPITAL_TREND_PANELS]
    return charts.trend_chart(
        "chart-hospital", [charts.trend_panel(trend, lang) for trend in chosen], data.trend
    )


def _write_workbook(path: Path, view: DashboardView, lines: list[Line]) -> Path:
    """The table as a workbook: values with their number formats, then a status column per
    indicator that the value cells' conditional fills read (so a re-sort keeps the colours)."""
    lang, indicators = view.lang, view.indicators
    t = partial(labels.text, lang=lang)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(t("dashboard"))
    columns = [Column(t("department_code")), Column(t("department"), 12), Column(t("kind"))]
    columns += [
        Column(indicator.name(lang), 10, note=indicator.formula(lang)) for indicator in indicators
    ]
    columns += [Column(f"{indicator.name(lang)} · {t('status')}") for indicator in indicators]
    withheld = t("withheld")
    rows = []
    for line in lines:
        values, statuses = [], []
        for row in line.rows:
            if row.withheld:
                values.append(withheld)
            elif row.suppressed:
                values.append(privacy.note(row.suppressed_below, lang))
            else:
                values.append(Number(row.value, EXCEL_FORMATS[row.kind]))
            statuses.append(labels.status(row.status, lang))
        department = line.department
        kind = (
            labels.kind(department.kind, lang)
            if not department.code.startswith(KIND_PREFIX)
            else None
        )
        if department.is_hospital or department.code.startswith(KIND_PREFIX):
            kind = t("groups")
        rows.append([department.code, department.name(lang), kind, *values, *statuses])
    title(sheet, f"{t('dashboard_title')} · {view.period_title}")
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=3)
    # Each department's name links to its workbook of the period, beside this one.
    for offset, line in enumerate(lines):
        xlsx = next((link.href for link in line.links if link.href.endswith(".xlsx")), None)
        if xlsx:
            sheet.cell(FIRST_DATA_ROW + offset, 2).hyperlink = xlsx
    end = max(last, FIRST_DATA_ROW)
    first_value, count = 4, len(indicators)
    for number in range(count):
        value_column = sheet.cell(HEADER_ROW, first_value + number).column_letter
        status_column = sheet.cell(HEADER_ROW, first_value + count + number).column_letter
        status_fills(
            sheet,
            f"{value_column}{FIRST_DATA_ROW}:{value_column}{end}",
            f"${status_column}{FIRST_DATA_ROW}",
            lang,
        )
    workbook.properties.title = f"{t('dashboard_title')} {view.period}"
    workbook.properties.creator = "deptops"
    workbook.save(path)
    return path
