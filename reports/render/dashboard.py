"""How the 财务科运营看板 looks: the HTML heat table and its Excel copy (what it shows is
`reports.content.dashboard`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from openpyxl import Workbook

from reports import labels, periods
from reports.content.dashboard import DashboardView, Line
from reports.files import (
    ASSET_HREF,
    ASSISTANTS_DIR,
    DASHBOARD_STEM,
    assistant_file_name,
    report_file_name,
)
from reports.render import charts
from reports.render.assistants import score_cells, score_columns
from reports.render.excel_finance import department_sheet
from reports.render.html import render_page
from reports.render.workbook import (
    finish_table,
    named,
    page_header,
    sheet_name,
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
            hospital_name=view.hospital_name,
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
            finance=view.finance,
            assistants=view.assistants,
        ),
        encoding="utf-8",
    )
    _write_workbook(xlsx, view, [*view.departments, *view.totals])
    return [html, xlsx]


def _hospital_chart(view: DashboardView) -> str | None:
    panels = [charts.trend_panel(trend, view.lang) for trend in view.hospital_trends]
    return charts.trend_chart("chart-hospital", panels, view.trend)


def _write_workbook(path: Path, view: DashboardView, lines: list[Line]) -> Path:
    """The 经济运行 table, then the key indicators' table, as sheets (excel_finance)."""
    t = partial(labels.text, lang=view.lang)
    workbook = Workbook()
    finance = workbook.active
    finance.title = sheet_name(t("finance_dashboard"))
    for sheet, name, sheet_lines, columns in (
        (
            finance,
            "finance_dashboard",
            [*view.finance.departments, *view.finance.totals],
            view.finance.sheet_columns,
        ),
        (
            workbook.create_sheet(sheet_name(t("dashboard"))),
            "dashboard",
            lines,
            [(indicator, False) for indicator in view.indicators],
        ),
    ):
        heading = f"{t('dashboard_title')} · {t(name)} · {view.period_title}"
        department_sheet(sheet, heading, sheet_lines, columns, view.lang)
    if view.assistant_scores:
        _assistant_sheet(workbook, view)
    for sheet in workbook.worksheets:
        page_header(
            sheet,
            named(view.hospital_name, t("hospital")),
            t("dashboard_title"),
            view.period_title,
        )
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
