"""Monthly reports: for the hospital and every department, an HTML page and an Excel workbook."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reports import labels
from reports.content import check_month, departments, month_content
from reports.excel import write_month_workbook
from reports.files import (
    ASSETS_DIR,
    PLOTLY_JS,
    STANDALONE_SUFFIX,
    ensure_plotly_js,
    safe_file_stem,
    write_manifest,
)
from reports.html import render_month_page

# Pages sit one folder below reports_dir, the shared script in reports_dir/assets.
ASSET_HREF = f"../{ASSETS_DIR}/{PLOTLY_JS}"


def write_month_reports(
    con: duckdb.DuckDBPyConnection,
    reports_dir: Path,
    month: str,
    lang: str = "zh",
    *,
    self_contained: bool = False,
) -> list[Path]:
    """Write `reports_dir/<month>/<dept>.html` and `.xlsx` for `ALL` and every department (and
    `<dept>.standalone.html` with plotly.js inlined when `self_contained`); return them sorted."""
    labels.check_language(lang)
    period_dir = Path(reports_dir) / check_month(month)
    period_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(Path(reports_dir))
    targets = departments(con)
    stems = _unique_stems([d.code for d in targets])
    written = []
    for department, stem in zip(targets, stems, strict=True):
        content = month_content(con, department, month, lang)
        html = period_dir / f"{stem}.html"
        html.write_text(
            render_month_page(content, self_contained=False, asset_href=ASSET_HREF),
            encoding="utf-8",
        )
        written.append(html)
        if self_contained:
            standalone = period_dir / f"{stem}{STANDALONE_SUFFIX}.html"
            standalone.write_text(
                render_month_page(content, self_contained=True, asset_href=ASSET_HREF),
                encoding="utf-8",
            )
            written.append(standalone)
        written.append(write_month_workbook(content, period_dir / f"{stem}.xlsx"))
    write_manifest(
        period_dir,
        {
            stem: {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
            for d, stem in zip(targets, stems, strict=True)
        },
    )
    return sorted(written)


def _unique_stems(codes: list[str]) -> list[str]:
    """File stems of the codes; two codes that only a case-insensitive disk confuses are refused."""
    stems = [safe_file_stem(code) for code in codes]
    seen: dict[str, str] = {}
    for code, stem in zip(codes, stems, strict=True):
        other = seen.setdefault(stem.casefold(), code)
        if other != code:
            raise ValueError(
                f"departments {other!r} and {code!r} would share the report file {stem!r}: "
                "department codes must differ by more than letter case"
            )
    return stems
