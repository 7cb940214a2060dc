"""How a department's (or the hospital's) period report is written: its HTML page, the one-file
copy to send alone (charts as SVG, no script), and its Excel workbook, all from one
`ReportContent`."""

from __future__ import annotations

from pathlib import Path

from reports.content.report import ReportContent
from reports.files import ASSET_HREF, report_file_name
from reports.render.excel import write_period_workbook
from reports.render.html import render_period_page
from reports.render.quality import quality_files, write_quality_report


def report_files(period_dir: Path, stem: str, lang: str, self_contained: bool = True) -> list[Path]:
    """The files of one department's report: the page, its one-file copy (unless asked not to),
    the workbook, then the data-quality report's page and workbook."""
    names = [report_file_name(stem, lang, ".html")]
    if self_contained:
        names.append(report_file_name(stem, lang, ".html", standalone=True))
    names.append(report_file_name(stem, lang, ".xlsx"))
    return [period_dir / name for name in names] + quality_files(period_dir, stem, lang)


def write_department_report(
    content: ReportContent, period_dir: Path, stem: str, self_contained: bool = True
) -> list[Path]:
    """Write one department's page (and one-file copy) and workbook; return them as
    `report_files` lists them. A PDF printed from an earlier version goes: it would be stale."""
    (period_dir / report_file_name(stem, content.lang, ".pdf")).unlink(missing_ok=True)
    files = report_files(period_dir, stem, content.lang, self_contained)
    pages = [False, True] if self_contained else [False]
    quality_page = quality_files(period_dir, stem, content.lang)[0].name
    for path, inline in zip(files, pages, strict=False):
        path.write_text(
            render_period_page(
                content, self_contained=inline, asset_href=ASSET_HREF, quality_href=quality_page
            ),
            encoding="utf-8",
        )
    write_period_workbook(content, files[len(pages)])
    if content.quality is not None:
        write_quality_report(content.quality, period_dir, stem)
    return files
