"""Monthly reports from a tiny hand-made inbox: files, escaping, a real browser, an Excel round-trip.

The inbox (numbers chosen so that a person can check them):
- D01 `<script>alert(1)</script>心内科` (no English name), D02 普外科 / General Surgery.
- D01 daily workload 2025-09-01 … 2026-10-31 (14 months), 40 open beds every day; midnight census
  30 in 2025, 31 from 2026-01 to 2026-08, 32 in 2026-09, and in 2026-10 34 on days 1–15, 36 on
  days 16–31. 50 outpatient visits a day.
- D02 workload only in 2026-10: 20 open beds, census 15.
- D01 finance for 2026-10: op drug revenue 120,000.50 and ip service revenue 1,000,000.00.
- D01 commentary for 2026-10 whose text is an Excel formula, and one whose text is HTML.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ledgers.specs import ledger
from metrics import catalogue
from reports import labels
from reports.files import plotly_js_source, safe_file_stem
from reports.formatting import NumberKind, format_points, format_relative, format_value
from reports.publish import render_reports
from reports.publish.index import write_index
from tests.browser import draw_charts, listen
from tests.ledger_files import computed_warehouse

MONTH = "2026-10"
CHROMIUM = Path("/usr/bin/chromium")
EVIL_NAME = "<script>alert(1)</script>心内科"
FORMULA_TEXT = '=HYPERLINK("http://x","y")'
HTML_TEXT = "<img src=x onerror=alert(2)>"

# Hand arithmetic for D01, 2026-10 (31 days, 40 beds):
OPEN_BED_DAYS = 40 * 31  # 1,240
OCCUPIED_BED_DAYS = 34 * 15 + 36 * 16  # 510 + 576 = 1,086
OCCUPANCY = OCCUPIED_BED_DAYS / OPEN_BED_DAYS  # 0.87580… -> "87.6%"
PRIOR_OCCUPANCY = (32 * 30) / (40 * 30)  # 2026-09: 0.80
YOY_OCCUPANCY = (30 * 31) / (40 * 31)  # 2025-10: 0.75
OUTPATIENT_VISITS = 50 * 31  # 1,550
MEDICAL_REVENUE = 120_000.50 + 1_000_000.00  # every other revenue line is 0


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _d01_census(day: dt.date) -> int:
    if (day.year, day.month) == (2026, 10):
        return 34 if day.day <= 15 else 36
    if (day.year, day.month) == (2026, 9):
        return 32
    return 30 if day.year == 2025 else 31


def _build_inbox(inbox: Path) -> None:
    inbox.mkdir()
    _write_csv(
        inbox / "departments.csv",
        ["code", "name_zh", "name_en", "kind", "assistant", "beds_authorised"],
        [
            ["D01", EVIL_NAME, "", "medical", "王", 40],
            ["D02", "普外科", "General Surgery", "surgical", "李", 20],
        ],
    )
    workload = []
    day = dt.date(2025, 9, 1)
    while day <= dt.date(2026, 10, 31):
        workload.append([day.isoformat(), "D01", 50, 5, 2, 2, 0, 0, 40, _d01_census(day), 1, 3])
        if (day.year, day.month) == (2026, 10):
            workload.append([day.isoformat(), "D02", 10, 1, 1, 1, 0, 0, 20, 15, 1, 0])
        day += dt.timedelta(days=1)
    _write_csv(
        inbox / "workload.csv",
        [
            "date",
            "dept",
            "outpatient_visits",
            "emergency_visits",
            "admissions",
            "discharges",
            "transfers_in",
            "transfers_out",
            "open_beds",
            "census",
            "surgeries",
            "exams",
        ],
        workload,
    )
    finance = {
        "month": MONTH,
        "dept": "D01",
        "op_drug_revenue": "120000.50",
        "ip_service_revenue": "1000000.00",
        "personnel_expense": "600000",
        "drug_expense": "100000",
        "consumables_expense": "50000",
        "revenue_budget": "1100000",
        "expense_budget": "800000",
    }
    finance_columns = [column.name for column in ledger("finance").columns]
    _write_csv(
        inbox / "finance.csv",
        finance_columns,
        [[finance.get(column, "0") for column in finance_columns]],
    )
    _write_csv(
        inbox / "commentary.csv",
        ["month", "dept", "topic", "text", "factor"],
        [
            [MONTH, "D01", "床位", FORMULA_TEXT, "internal"],
            [MONTH, "D01", "<b>周转</b>", HTML_TEXT, "external"],
        ],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = computed_warehouse(tmp_path_factory.mktemp("warehouse"), _build_inbox)
    yield con
    con.close()


@pytest.fixture(scope="module")
def reports(warehouse, tmp_path_factory) -> tuple[Path, list[Path], Path]:
    reports_dir = tmp_path_factory.mktemp("reports")
    written = render_reports(warehouse, reports_dir, "month", [MONTH]).rendered
    index = write_index(reports_dir)
    return reports_dir, written, index


def _report_value(con: duckdb.DuckDBPyConnection, dept: str, metric: str) -> float | None:
    row = con.execute(
        "select value from metric_report where grain = 'month' and period = ? and dept = ? "
        "and metric = ?",
        [MONTH, dept, metric],
    ).fetchone()
    return row[0]


def _table_row(page: str, metric: str) -> str:
    match = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', page, re.S)
    assert match, f"no table row for {metric}"
    return match.group(1)


# --- files -----------------------------------------------------------------------------------


def test_reports_are_written_where_documented(reports):
    reports_dir, written, index = reports
    # each report: its page, the copy to send alone, its workbook and its data-quality report
    # (page and workbook, for the assistant); the dashboard: page, workbook
    expected = sorted(
        [
            reports_dir / MONTH / f"{stem}{suffix}"
            for stem in ("ALL", "D01", "D02")
            for suffix in (
                ".html",
                ".standalone.html",
                ".xlsx",
                ".quality.html",
                ".quality.xlsx",
            )
        ]
        + [reports_dir / MONTH / "dashboard.html", reports_dir / MONTH / "dashboard.xlsx"]
    )
    assert written == expected
    assert all(path.is_file() and path.stat().st_size > 0 for path in written)
    assert index == reports_dir / "index.html" and index.is_file()
    copies = list(reports_dir.rglob("plotly.min.js"))
    assert copies == [reports_dir / "assets" / "plotly.min.js"]
    assert copies[0].read_bytes() == plotly_js_source().read_bytes()


def test_pages_load_plotly_from_the_shared_copy_only(reports):
    _, written, _ = reports
    pages = [p for p in written if p.suffix == ".html" and ".standalone." not in p.name]
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert "cdn.plot.ly" not in page
        # a data-quality report draws no chart and loads no script; nor does D02's, whose one
        # month of data is a single point on every trend (no chart for a constant series)
        charted = ".quality." not in path.name and path.name != "D02.html"
        wanted = ["../assets/plotly.min.js"] if charted else []
        assert re.findall(r'<script[^>]*\bsrc="([^"]*)"', page) == wanted


def test_self_contained_copy_draws_its_charts_as_svg(warehouse, tmp_path):
    written = render_reports(warehouse, tmp_path, "month", [MONTH]).rendered
    standalone = tmp_path / MONTH / "D01.standalone.html"
    assert standalone in written and (tmp_path / MONTH / "D01.html") in written
    page = standalone.read_text(encoding="utf-8")
    linked = (tmp_path / MONTH / "D01.html").read_text(encoding="utf-8")
    # no script at all (a mail client runs none), the same charts as static SVG
    assert "<script" not in page and plotly_js_source().name not in page
    assert page.count('class="chart-svg"') == linked.count('class="plotly-graph-div"') > 0


def test_a_month_that_is_not_a_month_is_refused(warehouse, tmp_path):
    with pytest.raises(ValueError, match="2026-10"):
        render_reports(warehouse, tmp_path, "month", ["../2026-10"])


@pytest.mark.parametrize(
    "code",
    ["../../etc/passwd", "a/b", "a\\b", "x\x00y\n", "..", ".hidden", "CON", "", "KIND:medical"],
)
def test_file_stems_are_safe(code):
    stem = safe_file_stem(code)
    assert stem and "/" not in stem and "\\" not in stem and ".." not in stem
    assert not any(ord(c) < 32 for c in stem) and not stem.startswith(".")
    assert stem.upper() != "CON"


def test_file_stems_keep_plain_codes_and_never_merge_two_codes():
    assert safe_file_stem("D01") == "D01"
    assert safe_file_stem("心内科") == "心内科"
    assert safe_file_stem("a/b") != safe_file_stem("a_b")


# --- HTML content ----------------------------------------------------------------------------


def test_ledger_text_is_escaped(reports):
    reports_dir, _, index = reports
    for path in (reports_dir / MONTH / "D01.html", reports_dir / MONTH / "ALL.html"):
        page = path.read_text(encoding="utf-8")
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>周转" not in page
        assert "&lt;img src=x onerror=alert(2)&gt;" in page
        assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in page
    page = (reports_dir / MONTH / "D01.html").read_text(encoding="utf-8")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;心内科</h1>" in page
    index_page = index.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;心内科" in index_page
    assert "<script>alert" not in index_page


def test_the_report_reads_in_the_order_a_head_reads_it(reports):
    """Header (with who compiled it), 概述, key tiles, 问题与原因, 改进建议与下月计划, the families,
    then the appendix: decomposition tables and data quality (issue 17)."""
    reports_dir, _, _ = reports
    page = (reports_dir / MONTH / "D01.html").read_text(encoding="utf-8")
    first_family = next(iter(catalogue.families()))
    marks = [
        "<header",
        'id="overview"',
        'class="key-indicators"',
        'id="attention"',
        'id="recommendations"',
        f'id="family-{first_family}"',
        'id="appendix"',
        'id="movement"',
        'id="data-quality"',
    ]
    positions = [page.index(mark) for mark in marks]
    assert positions == sorted(positions)
    header = page[: page.index("</header>")]
    assert "编制: 王" in header and "数据截至: 2026-10-31" in header  # D01's 运营助理
    assert "生成日期: " in header
    assert "科室运营月度分析报告" in header
    # 概述 sentences are the figures' (the rules are tested in test_report_summary.py)
    overview = page[page.index('id="overview"') : page.index('class="key-indicators"')]
    assert overview.count("<li>") >= 3 and "本月门诊人次1,550" in overview
    # D01 is the only medical department: no ranking among fewer than 3, against the hospital
    assert "<h2>与全院对比</h2>" in page and "<h2>同类科室对比</h2>" not in page
    hospital = (reports_dir / MONTH / "ALL.html").read_text(encoding="utf-8")
    assert "全院运营月度分析报告" in hospital and 'id="department-matrix"' in hospital


def test_values_are_formatted_by_unit_and_null_is_never_zero(reports, warehouse):
    reports_dir, _, _ = reports
    page = (reports_dir / MONTH / "D01.html").read_text(encoding="utf-8")
    assert '<td class="num value">87.6%</td>' in _table_row(page, "bed_occupancy")
    # changes in percentage points: (0.8758 − 0.80) × 100 = +7.6, (0.8758 − 0.75) × 100 = +12.6
    assert "+7.6个百分点" in _table_row(page, "bed_occupancy")
    assert "+12.6个百分点" in _table_row(page, "bed_occupancy")
    assert '<td class="num value">1,550</td>' in _table_row(page, "outpatient_visits")
    # money in 万元 where a person reads it: 1,120,000.50 元 = 112.00万元 (2 decimals), the
    # unit beside the name says so; a revenue per case stays in 元
    revenue = _table_row(page, "medical_revenue")
    assert '<td class="num value">112.00</td>' in revenue and "(万元)" in revenue
    # bed_work_days = occupied bed-days / average open beds = 1086 / 40 = 27.15 days
    assert '<td class="num value">27.15</td>' in _table_row(page, "bed_work_days")
    # D02 has no finance ledger: its revenue is not available, with the catalogue's reason.
    d02 = (reports_dir / MONTH / "D02.html").read_text(encoding="utf-8")
    assert _report_value(warehouse, "D02", "medical_revenue") is None
    row = _table_row(d02, "medical_revenue")
    assert '<td class="na value">—</td>' in row
    assert catalogue.reason_text("no_finance", "zh") in row
    assert not re.search(r">\s*0(\.0+)?\s*<", row)


def test_a_change_that_rounds_to_zero_never_reads_minus_zero():
    # 8.78 days one month, 8.7797 the next: −0.0003 / 8.78 = −0.0034 % shows as +0.0%, not −0.0%
    assert format_relative(-0.0003 / 8.78) == "+0.0%"
    assert format_relative(-0.0006) == "-0.1%"  # −0.06 % rounds to −0.1 %
    assert format_relative(0.0951) == "+9.5%"
    assert format_points(-0.04, "zh") == "+0.0个百分点"
    assert format_relative(None) is None


def test_every_catalogue_indicator_and_family_is_on_the_page(reports):
    reports_dir, _, _ = reports
    page = (reports_dir / MONTH / "D02.html").read_text(encoding="utf-8")
    for family in catalogue.families().values():
        assert f'id="family-{family.id}"' in page and family.zh in page
    # every indicator a surgical department's report shows (not revenue per exam: a medtech's)
    shown = [i for i in catalogue.indicators().values() if i.shown_for("surgical")]
    assert "revenue_per_exam" not in {i.id for i in shown}
    for indicator in shown:
        assert f'<tr data-metric="{indicator.id}">' in page


def test_english_report_falls_back_to_the_chinese_name(warehouse, tmp_path):
    render_reports(warehouse, tmp_path, "month", [MONTH], "zh")
    written = render_reports(warehouse, tmp_path, "month", [MONTH], "en").rendered
    # English files sit beside the Chinese ones instead of replacing them.
    assert (
        tmp_path / MONTH / "D01.en.html" in written and tmp_path / MONTH / "D01.en.xlsx" in written
    )
    assert (
        (tmp_path / MONTH / "D01.html")
        .read_text(encoding="utf-8")
        .startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    )
    d01 = (tmp_path / MONTH / "D01.en.html").read_text(encoding="utf-8")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;心内科</h1>" in d01
    assert labels.text("mom", "en") in d01 and "+7.6 pp" in d01
    d02 = (tmp_path / MONTH / "D02.en.html").read_text(encoding="utf-8")
    assert "<h1>General Surgery</h1>" in d02


def test_index_links_every_report_relatively(reports):
    reports_dir, written, index = reports
    hrefs = re.findall(r'<a href="([^"]+)">', index.read_text(encoding="utf-8"))
    # every file written, the data-quality reports (page and workbook) included
    assert sorted(hrefs) == sorted(p.relative_to(reports_dir).as_posix() for p in written)
    assert all("://" not in href and not href.startswith("/") for href in hrefs)


# --- the page in a real browser --------------------------------------------------------------


@pytest.mark.browser
def test_page_draws_in_headless_chromium(reports, warehouse, chromium, tmp_path):
    reports_dir, _, _ = reports
    page_path = reports_dir / MONTH / "D01.html"
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    problems, requests = listen(page)
    chart_count, drawn = draw_charts(page, page_path, problems)
    tile_value = page.locator('.tile[data-metric="bed_occupancy"] .tile-value').inner_text()
    page.screenshot(path=str(tmp_path / "D01.png"))
    context.close()

    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests
    # Workload and efficiency have values that move in the window; economics has one month of
    # finance (a single point: no chart), the other families none; the third is the revenue
    # and expense structure.
    assert chart_count == 3 and drawn == chart_count
    value = _report_value(warehouse, "D01", "bed_occupancy")
    assert value == pytest.approx(OCCUPANCY)
    assert tile_value == format_value(value, NumberKind.PERCENT) == "87.6%"
    assert (tmp_path / "D01.png").stat().st_size > 10_000


# --- Excel -----------------------------------------------------------------------------------


def _rows_by_indicator(sheet, name_column: int) -> dict[str, tuple]:
    return {
        row[name_column - 1].value: row
        for row in sheet.iter_rows(min_row=3)
        if row[name_column - 1].value is not None
    }


def test_excel_workbook_round_trip(reports, warehouse):
    reports_dir, _, _ = reports
    path = reports_dir / MONTH / "D01.xlsx"
    workbook = openpyxl.load_workbook(path)
    families = [family.zh for family in catalogue.families().values()]
    summary_name = labels.text("summary_sheet", "zh")
    commentary_name = labels.text("commentary_sheet", "zh")
    analysis = [
        labels.text(key, "zh")
        for key in ("attention_sheet", "movement_sheet", "peers_sheet", "supplies_sheet")
    ]
    quality_name = labels.text("dq_sheet", "zh")
    assert workbook.sheetnames == [
        summary_name,
        *families,
        labels.text("structure_sheet", "zh"),  # D01 keeps finance (no DRG codes: no case-mix sheet)
        *analysis,
        commentary_name,
        quality_name,
    ]

    summary = workbook[summary_name]
    assert summary.freeze_panes == "C3" and summary.auto_filter.ref.startswith("A2:")
    header = [cell.value for cell in summary[2]]
    value_column = header.index(labels.text("value", "zh"))
    rows = _rows_by_indicator(summary, 2)
    occupancy = rows[catalogue.indicators()["bed_occupancy"].zh][value_column]
    assert occupancy.value == pytest.approx(OCCUPANCY)
    assert occupancy.value == pytest.approx(_report_value(warehouse, "D01", "bed_occupancy"))
    assert occupancy.number_format == "0.0%"
    prior = rows[catalogue.indicators()["bed_occupancy"].zh][
        header.index(labels.text("prior", "zh"))
    ]
    assert prior.value == pytest.approx(PRIOR_OCCUPANCY) and prior.number_format == "0.0%"
    yoy = rows[catalogue.indicators()["bed_occupancy"].zh][
        header.index(labels.text("yoy_base", "zh"))
    ]
    assert yoy.value == pytest.approx(YOY_OCCUPANCY)
    visits = rows[catalogue.indicators()["outpatient_visits"].zh][value_column]
    assert visits.value == OUTPATIENT_VISITS and visits.number_format == "#,##0"

    economics = workbook[catalogue.families()["economics"].zh]
    assert economics.freeze_panes == "B3"
    revenue = _rows_by_indicator(economics, 1)[catalogue.indicators()["medical_revenue"].zh]
    assert revenue[1].value == pytest.approx(MEDICAL_REVENUE)
    assert revenue[1].number_format == "#,##0.00"
    assert len(economics.conditional_formatting) > 0

    efficiency = workbook[catalogue.families()["efficiency"].zh]
    work_days = _rows_by_indicator(efficiency, 1)[catalogue.indicators()["bed_work_days"].zh]
    assert work_days[1].value == pytest.approx(OCCUPIED_BED_DAYS / 40)
    assert work_days[1].number_format == "0.00"
    assert len(efficiency._charts) >= 1  # openpyxl reads native charts back

    # Ledger text that looks like a formula stays text.
    commentary = workbook[commentary_name]
    texts = {row[1].value: row[3] for row in commentary.iter_rows(min_row=3)}
    assert texts["床位"].value == FORMULA_TEXT and texts["床位"].data_type == "s"
    assert commentary["A3"].value == EVIL_NAME
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(re.search(rb"<f[ >]", archive.read(n)) for n in sheets)


def test_indicator_formula_on_hover_and_in_the_workbook(reports):
    # Each indicator's formula in words comes from the catalogue (formula_zh): a title attribute
    # on its name in the page, a column of the workbook's indicator sheets.
    reports_dir, _, _ = reports
    page = (reports_dir / MONTH / "D01.html").read_text(encoding="utf-8")
    per_visit = catalogue.indicators()["op_revenue_per_visit"]
    assert per_visit.zh == "门急诊次均费用"
    row = _table_row(page, "op_revenue_per_visit")
    assert f'title="{html.escape(per_visit.formula_zh)}"' in row
    assert "门急诊人次" in per_visit.formula_zh
    economics = openpyxl.load_workbook(reports_dir / MONTH / "D01.xlsx")[
        catalogue.families()["economics"].zh
    ]
    header = [cell.value for cell in economics[2]]
    formula_column = header.index(labels.text("formula", "zh"))
    rows = _rows_by_indicator(economics, 1)
    assert rows[per_visit.zh][formula_column].value == per_visit.formula_zh
