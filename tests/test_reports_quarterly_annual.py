"""The quarterly and the annual report as reports of their own (issue 17), from a small ledger
built here: the quarter's 本季度与本年累计 and last 8 quarters, the year's months against last
year's, its quarter table and targets, 同比 only in a year's report, and the order of sections.

The ledger: one department A (心内科, medical), January 2024 to June 2026 (the data month).
- Outpatient visits a day: 8 in 2024, 10 in 2025, 12 in 2026 (2024 is a leap year).
- Finance, per month: outpatient drug revenue 30,000 (2024) and 40,000 (2025, 2026); outpatient
  service revenue 60,000 (2024), 60,000 + 1,000 × m in month m of 2025, 70,000 (2026). So
  medical revenue is 90,000 a month in 2024, 100,000 + 1,000 × m in 2025, 110,000 in 2026.
  Personnel expense 80,000 every month; the other lines 0. Budgets for 2026 entered for all twelve months (July to
  December as budget-only rows): revenue 100,000 and expense 90,000 a month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ledgers.specs import ledger
from reports.publish import render_reports
from tests.ledger_files import computed_warehouse, days, write_csv

QUARTER, YEAR = "2026-Q2", "2025"


def _revenue(year: int, month: int) -> tuple[int, int]:
    """(drug, service) outpatient revenue of the month."""
    if year == 2024:
        return 30_000, 60_000
    if year == 2025:
        return 40_000, 60_000 + 1_000 * month
    return 40_000, 70_000


def _inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "name_en", "kind"], ["A", "心内科", "Cardiology", "medical"]],
    )
    visits = {2024: 8, 2025: 10, 2026: 12}
    write_csv(
        inbox / "workload.csv",
        [["date", "dept", "outpatient_visits"]]
        + [[day, "A", visits[day.year]] for day in days(dt.date(2024, 1, 1), dt.date(2026, 6, 30))],
    )
    columns = [column.name for column in ledger("finance").columns]
    rows = [columns]
    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            values = {"month": f"{year}-{month:02d}", "dept": "A"}
            if (year, month) <= (2026, 6):
                drug, service = _revenue(year, month)
                values |= {
                    "op_drug_revenue": drug,
                    "op_service_revenue": service,
                    "personnel_expense": 80_000,
                }
            if year == 2026:
                values |= {"revenue_budget": 100_000, "expense_budget": 90_000}
            if len(values) > 2:
                # a month with data has every line (0 where none); a budget-only row none
                blank = "" if "personnel_expense" not in values else "0"
                rows.append([values.get(column, blank) for column in columns])
    write_csv(inbox / "finance.csv", rows)


@pytest.fixture(scope="module")
def reports_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("periodic")
    con = computed_warehouse(root, _inbox)
    out = root / "reports"
    for lang in ("zh", "en"):
        render_reports(con, out, "quarter", [QUARTER], lang)
        render_reports(con, out, "year", [YEAR], lang)
    # a past third quarter (its year to date evaluated over the summed months) and a first
    render_reports(con, out, "quarter", ["2025-Q3", "2026-Q1"], "zh")
    con.close()
    return out


def _page(reports_dir: Path, period: str, lang: str = "zh") -> str:
    name = "A.html" if lang == "zh" else "A.en.html"
    return (reports_dir / period / name).read_text(encoding="utf-8")


def _cells(html: str, attribute: str, value: str) -> list[str]:
    """The text of the cells of the first row marked attribute="value"."""
    row = re.search(rf'<tr[^>]*\s{attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={value}"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="[^"]*" id="{section_id}">(.*?)</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def _visible_text(html: str) -> str:
    """The page's words: no scripts (plotly's own code), no tags."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _workbook_text(path: Path) -> str:
    """Every string of a workbook: cells, sheet names, chart titles and series names."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


# --- the quarter ------------------------------------------------------------------------------


def test_quarter_and_year_to_date_by_hand(reports_dir):
    block = _section(_page(reports_dir, QUARTER), "to-date")
    assert "2026年1–6月（累计）" in block
    # Visits: Q2 2026 = 12 × 91 = 1,092; Q1 2026 = 12 × 90 = 1,080, 环比 12 / 1,080 = +1.1%;
    # Q2 2025 = 10 × 91 = 910, 同比 182 / 910 = +20.0%.
    # 累计 Jan–Jun 2026 = 12 × 181 = 2,172; 2025 = 10 × 181 = 1,810; 362 / 1,810 = +20.0%.
    assert _cells(block, "data-to-date", "outpatient_visits")[1:] == [
        "1,092",
        "+1.1%",
        "+20.0%",
        "2,172",
        "1,810",
        "+20.0%",
    ]
    # Revenue: Q2 2026 = 3 × 110,000 = 33.00 万元; Q1 the same (环比 +0.0%); Q2 2025 = 104,000 +
    # 105,000 + 106,000 = 31.50 万元, 同比 15,000 / 315,000 = +4.8%.
    # 累计 6 × 110,000 = 66.00 万元; Jan–Jun 2025 = 600,000 + 21,000 = 62.10 万元;
    # 39,000 / 621,000 = +6.3%.
    assert _cells(block, "data-to-date", "medical_revenue")[1:] == [
        "33.00",
        "+0.0%",
        "+4.8%",
        "66.00",
        "62.10",
        "+6.3%",
    ]
    # Margin: 累计 660,000 − 6 × 80,000 = 18.00 万元; 2025: 621,000 − 480,000 = 14.10 万元;
    # 39,000 / 141,000 = +27.7%.
    assert _cells(block, "data-to-date", "margin")[4:] == ["18.00", "14.10", "+27.7%"]


def test_year_to_date_of_a_past_quarter_and_of_a_first_quarter(reports_dir):
    block = _section(_page(reports_dir, "2025-Q3"), "to-date")
    assert "2025年1–9月（累计）" in block
    # Jan–Sep 2025: visits 10 × 273 = 2,730 against 8 × 274 = 2,192 (a leap February):
    # 538 / 2,192 = +24.5%; revenue 9 × 100,000 + 1,000 × (1 + … + 9) = 945,000 (94.50) against
    # 9 × 90,000 = 81.00: 135 / 810 = +16.7%.
    assert _cells(block, "data-to-date", "outpatient_visits")[4:] == ["2,730", "2,192", "+24.5%"]
    assert _cells(block, "data-to-date", "medical_revenue")[4:] == ["94.50", "81.00", "+16.7%"]
    # A first quarter's year to date is the quarter: 12 × 90 = 1,080 against 10 × 90 = 900.
    block = _section(_page(reports_dir, "2026-Q1"), "to-date")
    assert _cells(block, "data-to-date", "outpatient_visits")[4:] == ["1,080", "900", "+20.0%"]


def test_budget_progress_at_the_quarters_end(reports_dir):
    page = _page(reports_dir, QUARTER)
    budget = page[page.index('id="budget"') : page.index("</table>", page.index('id="budget"'))]
    assert "本季度" in budget and "本月" not in budget
    # Revenue: this quarter 33.00; to date 66.00; Jan–Jun 2025 62.10 (+6.3%); budget 12 × 100,000
    # = 120.00; 660,000 / 1,200,000 = 55.0%; time elapsed 181 / 365 = 49.6%; forecast
    # 660,000 × 1,278,000 / 621,000 = 1,358,260.87 -> 135.83 万元 (2025 = 1,200,000 + 1,000 ×
    # (1 + … + 12) = 1,278,000).
    revenue = _cells(budget, "data-budget", "revenue")
    assert revenue[1:6] == ["33.00", "66.00", "62.10", "+6.3%", "120.00"]
    assert revenue[6].startswith("55.0%")
    assert revenue[7:] == ["49.6%", "135.83"]
    # Expense: 3 × 80,000 = 24.00; 6 × 80,000 = 48.00, as in 2025 (+0.0%), of 12 × 90,000 =
    # 108.00: 44.4%.
    expense = _cells(budget, "data-budget", "expense")
    assert expense[1:6] == ["24.00", "48.00", "48.00", "+0.0%", "108.00"]
    assert expense[6].startswith("44.4%")


def test_the_last_eight_quarters_by_hand(reports_dir):
    block = _section(_page(reports_dir, QUARTER), "quarter-trend")
    headers = re.findall(r"<th>([^<]*)</th>", block)
    assert headers[1:] == [
        f"{y}-Q{q}"
        for y, q in (
            (2024, 3),
            (2024, 4),
            (2025, 1),
            (2025, 2),
            (2025, 3),
            (2025, 4),
            (2026, 1),
            (2026, 2),
        )
    ]
    # Visits: 8 × 92, 8 × 92, 10 × 90, 10 × 91, 10 × 92, 10 × 92, 12 × 90, 12 × 91
    assert _cells(block, "data-quarters", "outpatient_visits")[1:] == [
        "736",
        "736",
        "900",
        "910",
        "920",
        "920",
        "1,080",
        "1,092",
    ]
    # Revenue in 万元: 3 × 9.00; 2025 Q1 = 101 + 102 + 103 = 306 千 … Q4 = 110 + 111 + 112 = 333 千
    assert _cells(block, "data-quarters", "medical_revenue")[1:] == [
        "27.00",
        "27.00",
        "30.60",
        "31.50",
        "32.40",
        "33.30",
        "33.00",
        "33.00",
    ]
    assert "chart-periodic-quarters" in block


def test_quarter_workbook_has_the_year_to_date_in_exact_yuan(reports_dir):
    book = openpyxl.load_workbook(reports_dir / QUARTER / "A.xlsx")
    assert book.sheetnames[1:3] == ["本季度与本年累计", "近8个季度"]
    rows = {row[0]: row for row in book["本季度与本年累计"].iter_rows(min_row=3, values_only=True)}
    revenue = rows["医疗收入"]
    assert revenue[1] == "元" and revenue[2] == 330_000 and revenue[5:7] == (660_000, 621_000)
    assert revenue[7] == pytest.approx(39_000 / 621_000)
    trend = {row[0]: row for row in book["近8个季度"].iter_rows(min_row=3, values_only=True)}
    assert trend["门诊人次"][2:] == (736, 736, 900, 910, 920, 920, 1080, 1092)


def test_quarter_workbook_has_the_budget_progress_in_exact_yuan(reports_dir):
    book = openpyxl.load_workbook(reports_dir / QUARTER / "A.xlsx")
    sheet = book["预算进度"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]}
    # The page's figures (test_budget_progress_at_the_quarters_end) in 元: this quarter 330,000;
    # to date 660,000 against 621,000 (+6.3%); budget 1,200,000, 55.0% reached; time elapsed
    # 181 / 365; forecast 660,000 × 1,278,000 / 621,000 = 1,358,260.87.
    revenue = rows["医疗收入"]
    assert revenue[1:4] == (330_000, 660_000, 621_000)
    assert revenue[4] == pytest.approx(39_000 / 621_000)
    assert revenue[5] == 1_200_000 and revenue[6] == pytest.approx(0.55)
    assert revenue[7] == pytest.approx(181 / 365) and revenue[8] == 1_358_260.87
    # Expense: 240,000 this quarter; 480,000 to date as in 2025; budget 12 × 90,000 = 1,080,000.
    assert rows["医疗支出"][1:4] == (240_000, 480_000, 480_000)
    assert rows["医疗支出"][5] == 1_080_000
    # Margin: 660,000 − 480,000 = 180,000 against 621,000 − 480,000 = 141,000.
    assert rows["收支结余"][2:4] == (180_000, 141_000)
    # 55.0% reached against 49.6% elapsed: 5.4 points ahead, outside ±5, so 关注 (yellow), as the
    # page's status says
    assert sheet.cell(3, 7).fill.start_color.rgb.endswith("FFEB9C")
    page = _page(reports_dir, QUARTER)
    budget = page[page.index('id="budget"') : page.index("</table>", page.index('id="budget"'))]
    assert "关注" in _cells(budget, "data-budget", "revenue")[6]


# --- the year ---------------------------------------------------------------------------------


def test_the_year_month_by_month_against_last_year(reports_dir):
    block = _section(_page(reports_dir, YEAR), "year-months")
    assert "chart-periodic-months" in block
    # January: revenue 101,000 (10.10) against 90,000 (9.00), +12.2%; visits 10 × 31 = 310
    # against 8 × 31 = 248, +25.0%.
    january = _cells(block, "data-month", "2025-01")
    assert january[:7] == ["1月", "10.10", "9.00", "+12.2%", "310", "248", "+25.0%"]
    # February: 10 × 28 = 280 against 8 × 29 = 232 (2024 a leap year): 48 / 232 = +20.7%.
    assert _cells(block, "data-month", "2025-02")[4:7] == ["280", "232", "+20.7%"]
    # December: 112,000 against 90,000: 22,000 / 90,000 = +24.4%.
    assert _cells(block, "data-month", "2025-12")[1:4] == ["11.20", "9.00", "+24.4%"]


def test_the_year_quarter_by_quarter(reports_dir):
    block = _section(_page(reports_dir, YEAR), "year-quarters")
    # Revenue 2025: 30.60, 31.50, 32.40, 33.30; the year 127.80 (1,278,000).
    assert _cells(block, "data-quarters", "medical_revenue")[2:] == [
        "30.60",
        "31.50",
        "32.40",
        "33.30",
        "127.80",
    ]
    # 同比 of each quarter against 3 × 90,000 = 270,000: 36,000 / 270,000 = +13.3%, 45 / 270 =
    # +16.7%, 54 / 270 = +20.0%, 63 / 270 = +23.3%; the year 198,000 / 1,080,000 = +18.3%.
    assert _cells(block, "data-quarters-yoy", "medical_revenue")[2:] == [
        "+13.3%",
        "+16.7%",
        "+20.0%",
        "+23.3%",
        "+18.3%",
    ]
    # Visits: 900, 910, 920, 920, 3,650; 2024's quarters 8 × 91 = 728 (a leap February), 728,
    # 736, 736: 172 / 728 = +23.6%, 182 / 728 = +25.0%, 184 / 736 = +25.0%, +25.0%; the year
    # 3,650 against 8 × 366 = 2,928: 722 / 2,928 = +24.7%.
    assert _cells(block, "data-quarters", "outpatient_visits")[2:] == [
        "900",
        "910",
        "920",
        "920",
        "3,650",
    ]
    assert _cells(block, "data-quarters-yoy", "outpatient_visits")[2:] == [
        "+23.6%",
        "+25.0%",
        "+25.0%",
        "+25.0%",
        "+24.7%",
    ]


def test_the_year_targets_attained(reports_dir):
    block = _section(_page(reports_dir, YEAR), "targets")
    # 药占比 2025: 12 × 40,000 / 1,278,000 = 37.6% against ≤ 30%: not met; 2024: 360,000 /
    # 1,080,000 = 33.3%, so +4.2 points (37.559 − 33.333 = 4.226).
    drug = _cells(block, "data-target", "drug_ratio")
    assert drug[1:4] == ["≤ 30.0%", "37.6%", "+4.2个百分点"]
    assert drug[4].startswith("未达标")


def test_a_year_shows_yoy_only_in_its_page_and_workbook(reports_dir):
    """No 环比 anywhere in a year's report, the department's or the hospital's: tiles, tables,
    概述, decompositions, recommendations, charts, and every sheet, chart and header of the
    workbook."""
    for stem in ("A", "ALL"):
        for lang, word in (("zh", "环比"), ("en", "MoM")):
            suffix = "" if lang == "zh" else ".en"
            for page in (f"{stem}{suffix}.html", f"{stem}{suffix}.standalone.html"):
                # the whole file: the charts' figures (JSON in the page's scripts) too
                assert word not in (reports_dir / YEAR / page).read_text(encoding="utf-8")
            assert word not in _workbook_text(reports_dir / YEAR / f"{stem}{suffix}.xlsx")
            page = (reports_dir / YEAR / f"{stem}{suffix}.html").read_text(encoding="utf-8")
            assert ("同比" if lang == "zh" else "YoY") in _visible_text(page)
    # a quarter keeps both
    assert "环比" in _visible_text(_page(reports_dir, QUARTER))


def test_year_workbook_has_its_months_quarters_and_targets(reports_dir):
    book = openpyxl.load_workbook(reports_dir / YEAR / "A.xlsx")
    assert book.sheetnames[1:4] == ["目标与预算完成情况", "逐月对比（今年与去年）", "分季度情况"]
    months = list(book["逐月对比（今年与去年）"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in months] == [f"{m}月" for m in range(1, 13)]
    assert months[0][1:3] == (101_000, 90_000)  # exact 元
    assert book["逐月对比（今年与去年）"]._charts  # the two years' lines
    quarters = list(book["分季度情况"].iter_rows(min_row=3, values_only=True))
    revenue = next(row for row in quarters if row[0] == "医疗收入")
    assert revenue[3:] == (306_000, 315_000, 324_000, 333_000, 1_278_000)


def test_sections_in_the_order_a_head_reads_them(reports_dir):
    def order(page: str, markers: list[str]) -> list[int]:
        return [page.index(marker) for marker in markers]

    quarter = _page(reports_dir, QUARTER)
    found = order(
        quarter,
        [
            'id="overview"',
            'class="key-indicators"',
            'id="to-date"',
            'id="quarter-trend"',
            'id="attention"',
            'id="recommendations"',
            'id="appendix"',
        ],
    )
    assert found == sorted(found)
    year = _page(reports_dir, YEAR)
    found = order(
        year,
        [
            'id="overview"',
            'class="key-indicators"',
            'id="targets"',
            'id="year-months"',
            'id="year-quarters"',
            'id="attention"',
            'id="recommendations"',
            'id="appendix"',
        ],
    )
    assert found == sorted(found)
    # the budget table sits with the targets in a year's report, in the economics section else
    assert year.index('id="budget"') < year.index('id="year-months"')
    assert quarter.index('id="budget"') > quarter.index('id="family-economics"')


def test_english_reports_name_their_blocks(reports_dir):
    quarter = _page(reports_dir, QUARTER, "en")
    assert "This quarter and the year to date" in quarter and "2026 Jan–Jun" in quarter
    year = _page(reports_dir, YEAR, "en")
    assert "Month by month, this year against last year" in year
    assert _cells(_section(year, "year-months"), "data-month", "2025-01")[0] == "Jan"
    assert calendar.month_abbr[12] in _section(year, "year-months")
