"""How the 财务科运营看板 looks: the HTML heat table and its Excel copy (what it shows is
`reports.content.dashboard`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from openpyxl import Workbook

from reports import labels, periods
from reports.content.dashboard import DashboardView, Line
from reports.data import privacy
from reports.data.publication import KIND_PREFIX
from reports.files import (
    ASSET_HREF,
    ASSISTANTS_DIR,
    DASHBOARD_STEM,
    assistant_file_name,
    report_file_name,
)
from reports.formatting import EXCEL_FORMATS
from reports.render import charts
from reports.render.assistants import score_cells, score_columns
from reports.render.html import render_page
from reports.render.workbook import (
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
            _hospital_chart(view),
            ASSET_HREF,
            title=labels.text("dashboard_title", lang),
            period_title=view.period_title,
            in_progress=view.coverage.in_progress,
            trend_caption=periods.trend_caption(grain, view.trend, lang),
            indicators=view.indicators,
            departments=view.departments,
            totals=view.totals,
            blocks=view.blocks,
            assistant_scores=[
                (s, assistant_href(s.assistant, lang)) for s in view.assistant_scores
            ],
        ),
        encoding="utf-8",
    )
    _write_workbook(xlsx, view, [*view.departments, *view.totals])
    return [html, xlsx]


def _hospital_chart(view: DashboardView) -> str | None:
    panels = [charts.trend_panel(trend, view.lang) for trend in view.hospital_trends]
    return charts.trend_chart("chart-hospital", panels, view.trend)


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
    if view.assistant_scores:
        _assistant_sheet(workbook, view)
    workbook.properties.title = f"{t('dashboard_title')} {view.period}"
    workbook.properties.creator = "deptops"
    workbook.save(path)
    return path


def assistant_href(name: str, lang: str) -> str:
    """The link from a period's folder to an assistant's page (reports/publish/assistants.py)."""
    return f"../{ASSISTANTS_DIR}/{assistant_file_name(name, lang, '.html')}"


def _assistant_sheet(workbook: Workbook, view: DashboardView) -> None:
    """运营助理台账质量评分: every assistant's scores in the period's months (names stay text)."""
    lang = view.lang
    sheet = workbook.create_sheet(sheet_name(labels.text("desk_assistants_scores", lang)))
    title(sheet, f"{labels.text('desk_assistants_scores', lang)} · {view.period_title}")
    columns = score_columns(lang, "desk_assistant")
    rows = [score_cells(score) for score in view.assistant_scores]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=1)
