"""Period reports: for the hospital and every department, an HTML page and an Excel workbook of
a month, a quarter or a year, in Chinese or English."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reports import labels, periods, privacy
from reports.content import ReportContent, period_content
from reports.excel import write_period_workbook
from reports.files import (
    ASSETS_DIR,
    PLOTLY_JS,
    department_stems,
    ensure_plotly_js,
    report_file_name,
    write_manifest,
)
from reports.html import render_period_page
from reports.warehouse import Department, load_period

# Pages sit one folder below reports_dir, the shared script in reports_dir/assets.
ASSET_HREF = f"../{ASSETS_DIR}/{PLOTLY_JS}"


def write_period_reports(
    con: duckdb.DuckDBPyConnection,
    reports_dir: Path,
    grain: str,
    period: str,
    lang: str = "zh",
    self_contained: bool = False,
    *,
    suppress_below: int | None = None,
) -> list[Path]:
    """Write `reports_dir/<period>/<dept>.html` and `.xlsx` (`<dept>.en.html`, `.en.xlsx` in
    English) for `ALL` and every department, and with `self_contained` a `.standalone.html` copy
    with plotly.js inlined; return the files written, sorted.

    `suppress_below=N` makes them fit for wide circulation: the figures of sensitive indicators
    (reports/privacy.toml) that rest on a count of 1 … N−1 are shown as "<N, suppressed for
    circulation" on the page and in the workbook alike (reports.privacy)."""
    labels.check_language(lang)
    privacy.check_threshold(suppress_below)
    if grain not in periods.REPORT_GRAINS:
        raise ValueError(
            f"reports are written per {', '.join(periods.REPORT_GRAINS)}, not {grain!r}"
        )
    periods.check_period(grain, period)
    reports_dir = Path(reports_dir)
    period_dir = reports_dir / period
    period_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(reports_dir)
    data = load_period(con, grain, period)
    data.suppress_below = suppress_below
    stems = department_stems([d.code for d in data.departments])
    written, shown = [], []
    for department, stem in zip(data.departments, stems, strict=True):
        content = period_content(data, department, lang)
        if content.is_empty:
            continue  # nothing to show: no file
        written += write_department_report(content, period_dir, stem, self_contained)
        shown.append((department, stem))
    write_manifest(period_dir, manifest_entries([d for d, _ in shown], [s for _, s in shown]))
    return sorted(written)


def report_files(
    period_dir: Path, stem: str, lang: str, self_contained: bool = False
) -> list[Path]:
    """The files of one department's report: the page, its one-file copy if asked, the workbook."""
    names = [report_file_name(stem, lang, ".html")]
    if self_contained:
        names.append(report_file_name(stem, lang, ".html", standalone=True))
    return [period_dir / name for name in [*names, report_file_name(stem, lang, ".xlsx")]]


def write_department_report(
    content: ReportContent, period_dir: Path, stem: str, self_contained: bool = False
) -> list[Path]:
    """Write one department's page (and one-file copy) and workbook; return them as
    `report_files` lists them."""
    files = report_files(period_dir, stem, content.lang, self_contained)
    pages = [False, True] if self_contained else [False]
    for path, inline in zip(files, pages, strict=False):
        path.write_text(
            render_period_page(content, self_contained=inline, asset_href=ASSET_HREF),
            encoding="utf-8",
        )
    write_period_workbook(content, files[-1])
    return files


def manifest_entries(departments: list[Department], stems: list[str]) -> dict[str, dict]:
    return {
        stem: {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
        for d, stem in zip(departments, stems, strict=True)
    }
