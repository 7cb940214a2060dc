"""Writing one page per operations assistant: HOME/reports/assistants/<name>.html (+ .xlsx), for
the data month, after that month's reports (their links point at them). The name is made safe as
a file name (reports.files.safe_file_stem); pages of assistants no longer on the list are removed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from reports import periods
from reports.content.assistants import assistant_page, assistants
from reports.data.warehouse import load_period, read_extent, read_ledger_quality
from reports.files import (
    ASSISTANTS_DIR,
    assistant_file_name,
    department_stems,
    report_file_name,
)
from reports.render.assistants import render_assistant_page, write_assistant_workbook


def write_assistant_pages(
    con: duckdb.DuckDBPyConnection,
    reports_dir: Path,
    lang: str = "zh",
    month: str | None = None,
    today: dt.date | None = None,
    *,
    suppress_below: int | None = None,
    hospital_name: str | None = None,
) -> list[Path]:
    """Every assistant's page and workbook for `month` (default: the data month); returns them.
    Nothing is written when the warehouse has no month or the list names no assistant."""
    from ledgers import clock

    extent = read_extent(con)
    if month is None:
        if extent is None or extent.data_month is None:
            return []
        month = periods.month_key(extent.data_month)
    data = load_period(con, "month", month)
    data.suppress_below = suppress_below  # as the month's reports (reports.data.privacy)
    data.hospital_name = hospital_name  # in the header, as on the month's reports
    found = assistants(data.departments)
    out = reports_dir / ASSISTANTS_DIR
    stems = dict(
        zip(
            [d.code for d in data.departments],
            department_stems([d.code for d in data.departments]),
            strict=True,
        )
    )
    quality = read_ledger_quality(con)
    written = []
    if found:
        out.mkdir(parents=True, exist_ok=True)
    for name in found:
        page = assistant_page(data, name, stems, quality, lang, today or clock.today())
        links = {
            d.department.code: {
                kind: f"../{month}/{report_file_name(d.stem, lang, '.' + kind)}"
                for kind in ("html", "xlsx")
            }
            for d in page.departments
        }
        html = out / assistant_file_name(name, lang, ".html")
        html.write_text(render_assistant_page(page, links), encoding="utf-8")
        xlsx = write_assistant_workbook(page, out / assistant_file_name(name, lang, ".xlsx"))
        written += [html, xlsx]
    if out.is_dir():
        for path in out.iterdir():
            if path.suffix in (".html", ".xlsx") and path not in written and _ours(path, lang):
                path.unlink()
    return written


def _ours(path: Path, lang: str) -> bool:
    """A page of this language (an English page beside a Chinese one is another run's)."""
    from reports.files import parse_report_file_name

    parsed = parse_report_file_name(path.name)
    return parsed is not None and parsed[1] == lang and not parsed[2]
