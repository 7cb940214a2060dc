"""How the 数据质量报告 looks: a page and a workbook beside the department's report
(`<stem>.quality.html`, `.quality.xlsx`); what it says is `reports.content.quality`."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from openpyxl import Workbook

from reports import labels
from reports.content.quality import QualityReport
from reports.files import ASSET_HREF, QUALITY_SUFFIX, report_file_name
from reports.render.html import render_page
from reports.render.workbook import (
    Column,
    finish_table,
    named,
    page_header,
    sheet_name,
    title,
    write_table,
)


def quality_files(period_dir: Path, stem: str, lang: str) -> list[Path]:
    """The data-quality report's page and workbook."""
    return [
        period_dir / report_file_name(stem, lang, f"{QUALITY_SUFFIX}{suffix}")
        for suffix in (".html", ".xlsx")
    ]


def write_quality_report(report: QualityReport, period_dir: Path, stem: str) -> list[Path]:
    page, workbook = quality_files(period_dir, stem, report.lang)
    lang = report.lang
    page.write_text(
        render_page(
            "quality.html",
            lang,
            None,
            ASSET_HREF,
            report=report,
            title=labels.text("quality_title", lang),
        ),
        encoding="utf-8",
    )
    _write_workbook(report, workbook)
    return [page, workbook]


def _write_workbook(report: QualityReport, path: Path) -> None:
    """One row per finding, grouped as on the page: ledger, file, then where and what to do."""
    t = partial(labels.text, lang=report.lang)
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(t("quality_title"))
    columns = [
        Column(t("ledger"), 12),
        Column(t("file"), 16),
        Column(t("severity")),
        Column(t("month")),
    ]
    if report.department.is_hospital:
        columns.append(Column(t("department"), 10))
    columns += [
        Column(t("location"), 10),
        Column(t("check"), 14),
        Column(t("message"), 40, wrap=True),
    ]
    rows = []
    for group in report.groups:
        for line in group.lines:
            row = [
                group.ledger,
                group.file,
                labels.severity(line.severity, report.lang),
                line.period,
            ]
            if report.department.is_hospital:
                row.append(line.dept)
            rows.append([*row, line.where, line.title, line.message])
    title(sheet, f"{report.dept_name} · {report.period_title} · {t('quality_title')}")
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last)
    page_header(
        sheet,
        named(report.hospital_name, report.dept_name),
        t("quality_title"),
        report.period_title,
    )
    book.properties.title = f"{t('quality_title')} {report.period}"
    book.properties.creator = "deptops"
    book.save(path)
