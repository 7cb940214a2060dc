"""The hospital report's department matrix (value, rank, 同比 per key indicator) and 同类科室对比's
fallback to the hospital for a kind of fewer than 3 departments, from a small hand-made inbox.

The inbox, October 2025 and October 2026 (31 days each), workload only:
- M1 心内科, M2 呼吸内科, M3 老年科 (medical: 3, a peer group); S1 骨科 and S2 眼科 (surgical: 2,
  too few, compared with the hospital). S2 has no ledger row at all.
- Outpatient visits a day, 2025 → 2026: M1 40 → 50, M2 10 → 12, M3 20 → 30, S1 30 → 30.
- Open beds (both years): M1 40, M2 20, M3 30, S1 20. Midnight census 2025 → 2026: M1 30 → 32,
  M2 16 → 15, M3 18 → 18, S1 17 → 19.
- Finance (inpatient service revenue, the rest 0), 2025 → 2026: M1 600,000 → 500,000, S1 400,000
  → 410,000: the hospital's 医疗收入 1,000,000 → 910,000, 同比 −9.0% (no September: no 环比).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ledgers.specs import ledger
from metrics import catalogue
from reports import labels
from reports.content import hospital
from reports.content.indicators import indicator_row
from reports.content.report import period_content
from reports.data.warehouse import HOSPITAL, load_period
from reports.publish import render_reports
from tests.ledger_files import computed_warehouse, days, write_csv

MONTH = "2026-10"
VISITS = {"M1": (40, 50), "M2": (10, 12), "M3": (20, 30), "S1": (30, 30)}
BEDS = {"M1": 40, "M2": 20, "M3": 30, "S1": 20}
CENSUS = {"M1": (30, 32), "M2": (16, 15), "M3": (18, 18), "S1": (17, 19)}

# --- hand arithmetic, October 2026 against October 2025 -----------------------------------
# Outpatient visits (direction none: rank 1 is the highest; ties share a rank):
#   M1 50 × 31 = 1,550 (2025: 1,240, 同比 +25.0%)   rank 1 of 4
#   M3 30 × 31 =   930 (2025:   620, 同比 +50.0%)   rank 2 of 4 (tied with S1)
#   S1 30 × 31 =   930 (2025:   930, 同比  +0.0%)   rank 2 of 4
#   M2 12 × 31 =   372 (2025:   310, 同比 +20.0%)   rank 4 of 4
#   S2 no rows: no value, no rank, not counted (4 ranked, not 5)
#   hospital 1,550 + 372 + 930 + 930 = 3,782 (2025: 1,240 + 310 + 620 + 930 = 3,100), +22.0%
# Bed occupancy = census bed-days / open bed-days (band 80–90%: rank 1 is the highest):
#   S1 19/20 = 95.0% (2025 85.0%: +10.0 pp)  rank 1
#   M1 32/40 = 80.0% (2025 75.0%:  +5.0 pp)  rank 2
#   M2 15/20 = 75.0% (2025 80.0%:  −5.0 pp)  rank 3
#   M3 18/30 = 60.0% (2025 60.0%:   0.0 pp)  rank 4
#   hospital (32 + 15 + 18 + 19) / 110 = 84/110 = 76.36% (2025 81/110 = 73.64%: +2.7 pp)
EXPECTED = {
    "outpatient_visits": {
        "M1": (1550, 1, 0.25),
        "M3": (930, 2, 0.50),
        "S1": (930, 2, 0.0),
        "M2": (372, 4, 0.20),
    },
    "bed_occupancy": {
        "S1": (0.95, 1, 10.0),  # a rate's change is in percentage points
        "M1": (0.80, 2, 5.0),
        "M2": (0.75, 3, -5.0),
        "M3": (0.60, 4, 0.0),
    },
}


def _inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "name_en", "kind"],
            ["M1", "心内科", "Cardiology", "medical"],
            ["M2", "呼吸内科", "Respiratory", "medical"],
            ["M3", "老年科", "Geriatrics", "medical"],
            ["S1", "骨科", "Orthopaedics", "surgical"],
            ["S2", "眼科", "Ophthalmology", "surgical"],
        ],
    )
    rows = [["date", "dept", "outpatient_visits", "emergency_visits", "open_beds", "census"]]
    for year, index in ((2025, 0), (2026, 1)):
        for day in days(dt.date(year, 10, 1), dt.date(year, 10, 31)):
            for dept in ("M1", "M2", "M3", "S1"):
                rows.append([day, dept, VISITS[dept][index], 0, BEDS[dept], CENSUS[dept][index]])
    write_csv(inbox / "workload.csv", rows)
    columns = [column.name for column in ledger("finance").columns]
    finance = [columns]
    for month, dept, revenue in (
        ("2025-10", "M1", "600000"),
        ("2025-10", "S1", "400000"),
        ("2026-10", "M1", "500000"),
        ("2026-10", "S1", "410000"),
    ):
        values = {"month": month, "dept": dept, "ip_service_revenue": revenue}
        finance.append([values.get(column, "0") for column in columns])
    write_csv(inbox / "finance.csv", finance)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = computed_warehouse(tmp_path_factory.mktemp("matrix"), _inbox)
    yield con
    con.close()


@pytest.fixture(scope="module")
def written(warehouse, tmp_path_factory) -> Path:
    reports_dir = tmp_path_factory.mktemp("reports")
    render_reports(warehouse, reports_dir, "month", [MONTH], "zh")
    return reports_dir / MONTH


def _matrix(con) -> hospital.DepartmentMatrix:
    data = load_period(con, "month", MONTH)
    indicators = catalogue.indicators()
    tiles = [
        indicator_row(data, HOSPITAL, indicators[m]) for m in ("outpatient_visits", "bed_occupancy")
    ]
    return hospital.department_matrix(data, tiles)


def test_matrix_values_ranks_and_yoy_by_hand(warehouse):
    matrix = _matrix(warehouse)
    assert [i.id for i in matrix.indicators] == ["outpatient_visits", "bed_occupancy"]
    assert [line.department.code for line in matrix.lines] == ["M1", "M2", "M3", "S1", "S2"]
    for column, indicator in enumerate(matrix.indicators):
        for line in matrix.lines:
            cell = line.cells[column]
            if line.department.code == "S2":  # no rows: shown as missing, never 0, not ranked
                assert (cell.row.value, cell.rank, cell.count) == (None, None, 4)
                continue
            value, rank, yoy = EXPECTED[indicator.id][line.department.code]
            assert cell.row.value == pytest.approx(value)
            assert (cell.rank, cell.count) == (rank, 4)
            change = cell.row.yoy_change if indicator.is_percent else cell.row.yoy_change_rel
            assert change == pytest.approx(yoy, abs=1e-9)
    visits, occupancy = matrix.hospital
    assert visits.value == 3782 and visits.yoy_change_rel == pytest.approx(0.22)
    assert occupancy.value == pytest.approx(84 / 110)
    assert occupancy.yoy_change == pytest.approx((84 / 110 - 81 / 110) * 100)


def test_hospital_page_shows_the_matrix_sortable_and_the_workbook_a_filtered_sheet(
    warehouse, written
):
    page = (written / "ALL.html").read_text(encoding="utf-8")
    match = re.search(r'<section class="matrix" id="department-matrix">(.*?)</section>', page, re.S)
    assert match, "no department matrix"
    matrix = match.group(1)
    assert 'class="heat sortable matrix-table"' in matrix
    assert "<h2>科室关键指标对比</h2>" in matrix
    # the hospital's report has the matrix in place of a peer comparison
    assert 'id="peers"' not in page
    # the sort script is on the page once, after the tables it sorts
    assert page.count("const collator") == 1
    assert page.index("const collator") > page.rindex('class="heat sortable matrix-table"')

    def line(dept: str) -> str:  # the department's cells in every table of the matrix
        return "".join(re.findall(rf'<tr data-dept="{dept}">(.*?)</tr>', matrix, re.S))

    m1 = line("M1")
    # visits 1,550, rank 1 of 4, 同比 +25.0%; occupancy 80.0%, rank 2 of 4, +5.0 points
    assert 'data-value="1550' in m1 and 'data-rank="1">1/4<' in m1 and ">+25.0%<" in m1
    assert "80.0%" in m1 and 'data-rank="2">2/4<' in m1 and ">+5.0<" in m1
    s2 = line("S2")
    # no value, no rank, no 同比 in any column: missing, never 0
    assert set(re.findall(r">([^<]*)</td>", s2)[1:]) == {"—"}
    foot = "".join(re.findall(r"<tfoot>(.*?)</tfoot>", matrix, re.S))
    assert "全院" in foot and ">+22.0%<" in foot and ">+2.7<" in foot

    sheet = openpyxl.load_workbook(written / "ALL.xlsx")[labels.text("matrix_sheet", "zh")]
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["科室编码", "科室", "科室类型", "门诊人次", "门诊人次 排名"]
    assert sheet.auto_filter.ref.startswith("A2:")
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
    # M3: 930 visits, rank 2 (tied with S1), 同比 +50%; occupancy 60%, rank 4, 0 points
    assert rows["M3"][3:9] == (930, 2, pytest.approx(0.5), pytest.approx(0.6), 4, 0)
    assert rows["S2"][3:9] == (None,) * 6
    assert rows[HOSPITAL][3] == 3782 and rows[HOSPITAL][4] is None


def test_peers_of_a_kind_of_three_and_against_the_hospital_below_three(warehouse, written):
    data = load_period(warehouse, "month", MONTH)
    # M1's kind has 3 departments: ranked among them (M1 1,550, M3 930, M2 372: 1 of 3)
    m1 = period_content(data, data.department("M1"), "zh").peers
    assert not m1.against_hospital and m1.members == ["心内科", "呼吸内科", "老年科"]
    visits = next(p for p in m1.rows if p.row.indicator.id == "outpatient_visits")
    assert (visits.rank, visits.count) == (1, 3)
    assert visits.group_value == 1550 + 372 + 930  # the medical kind's pooled figure
    # S1's kind has 2 (S1, S2): ranked among all 4 with a value, beside the hospital's figure
    s1 = period_content(data, data.department("S1"), "zh").peers
    assert s1.against_hospital and len(s1.members) == 5
    visits = next(p for p in s1.rows if p.row.indicator.id == "outpatient_visits")
    assert (visits.rank, visits.count, visits.group_value) == (2, 4, 3782)
    assert visits.median == pytest.approx((930 + 930) / 2)

    same_kind = (written / "M1.html").read_text(encoding="utf-8")
    assert "<h2>同类科室对比</h2>" in same_kind and "不足3个" not in same_kind
    page = (written / "S1.html").read_text(encoding="utf-8")
    section = re.search(r'<section class="peers" id="peers">(.*?)</section>', page, re.S).group(1)
    assert "<h2>与全院对比</h2>" in section
    assert "同类科室（外科系统）不足3个，改为在全院各科室中排名，并与全院数值对比。" in section
    assert "<th>全院值</th>" in section
    sheet = openpyxl.load_workbook(written / "S1.xlsx")[labels.text("peers_sheet", "zh")]
    assert "与全院对比" in sheet["A1"].value


@pytest.mark.browser
def test_matrix_sorts_by_value_and_by_yoy_in_chromium(written, chromium):
    context = chromium.new_context()
    view = context.new_page()
    view.goto((written / "ALL.html").as_uri(), wait_until="load")

    def table(column: str) -> str:  # the matrix's table holding that column
        return f"#department-matrix table:has(th[{column}])"

    def order(column: str) -> list[str]:
        return view.locator(f"{table(column)} tbody tr").evaluate_all(
            "(rows) => rows.map(row => row.dataset.dept)"
        )

    # occupancy highest first: S1 95%, M1 80%, M2 75%, M3 60%; S2 (none) last
    occupancy = 'data-metric="bed_occupancy"'
    view.locator(f"{table(occupancy)} th[{occupancy}]").click()
    assert order(occupancy) == ["S1", "M1", "M2", "M3", "S2"]
    # visits' 同比 highest first: M3 +50%, M1 +25%, M2 +20%, S1 0%; S2 last
    visits = 'data-yoy="outpatient_visits"'
    view.locator(f"{table(visits)} th[{visits}]").click()
    assert order(visits) == ["M3", "M1", "M2", "S1", "S2"]
    context.close()


def test_a_marked_fall_on_last_year_is_a_hospital_recommendation_in_a_month(written):
    # 医疗收入 1,000,000 → 910,000 同比: −9.0%; M1 −100,000 (−10.00 万元), S1 +10,000. There is
    # no September, so no 环比: the month's main comparison alone would say nothing.
    page = (written / "ALL.html").read_text(encoding="utf-8")
    section = re.search(
        r'<section class="recommendations" id="recommendations">(.*?)</section>', page, re.S
    ).group(1)
    assert (
        "<li>全院医疗收入同比-9.0%，降幅较大的科室：心内科（-10.00万元）。"
        "请相关科室分析原因并提出措施。</li>"
    ) in section
    assert "无专项建议" not in section
    sheet = openpyxl.load_workbook(written / "ALL.xlsx")[labels.text("attention_sheet", "zh")]
    advice = [row for row in sheet.iter_rows(values_only=True) if row[0] == "全院层面"]
    assert any(str(row[3]).startswith("全院医疗收入同比-9.0%，降幅较大的科室") for row in advice)
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("无专项建议" in text for text in texts)


def test_the_appendix_defines_each_indicator_given_a_figure_from_the_catalogue(
    warehouse, written, tmp_path
):
    data = load_period(warehouse, "month", MONTH)
    content = period_content(data, data.department("M1"), "zh")
    defined = [row.indicator.id for s in content.definitions for row in s.rows]
    with_figure = [r.indicator.id for s in content.families for r in s.rows if r.has_value]
    # M1 has workload and finance only: visits and occupancy are defined, mortality (no
    # discharges ledger) is not, and nothing is defined twice
    assert defined == with_figure and len(set(defined)) == len(defined)
    assert {"outpatient_visits", "bed_occupancy", "medical_revenue"} <= set(defined)
    assert "mortality_rate" not in defined
    page = (written / "M1.html").read_text(encoding="utf-8")
    appendix = page[page.index('id="appendix"') :]
    section = re.search(
        r'<section class="definitions" id="definitions">(.*?)</section>', page, re.S
    )
    assert section and appendix.index('id="movement"') < appendix.index('id="definitions"')
    assert appendix.index('id="definitions"') < appendix.index('id="data-quality"')
    rows = re.findall(r'<tr data-definition="([^"]+)">(.*?)</tr>', section.group(1), re.S)
    assert [metric for metric, _ in rows] == defined
    indicators = catalogue.indicators()
    for metric, row in rows:  # the catalogue's words, escaped as the page escapes text
        formula = indicators[metric].formula("zh")
        assert html.escape(formula, quote=False) in row, metric
    # checks not run on this warehouse: the one line says so, with nothing to link to
    status = re.search(r'<p class="dq-line">(.*?)</p>', page, re.S).group(1)
    assert status == labels.text("dq_not_run", "zh")
    # checked (the expectations stage's table, no finding): the line links to the
    # data-quality report written beside the page
    warehouse.execute("""
        create table dq_findings ("check" varchar, severity varchar, dept varchar,
            period date, ledger varchar, file varchar, sheet varchar, "row" integer,
            message_zh varchar, message_en varchar)""")
    try:
        render_reports(warehouse, tmp_path, "month", [MONTH])
    finally:
        warehouse.execute("drop table dq_findings")
    page = (tmp_path / MONTH / "M1.html").read_text(encoding="utf-8")
    status = re.search(r'<p class="dq-line">(.*?)</p>', page, re.S).group(1)
    assert status.startswith("台账") and "未发现问题" in status
    assert '<a href="M1.quality.html">查看数据质量报告</a>' in status
    assert (tmp_path / MONTH / "M1.quality.html").exists()
