"""The finance and case-mix tables of the reports (issue 18), by hand, through the real stack:
ledger files in tmp_path -> load_inbox -> compute_months on a DuckDB file -> the period reports'
pages and workbooks, read back.

The hospital: GSUR (普外科, surgical) and CARD (心内科, medical) keep finance for October 2025 and
October 2026; GSUR and ORTH (骨科, surgical, no finance) discharge patients in October 2026 with
DRG codes, two of which are in the weights ledger (GB11, HC29) and one not (XX99).
"""

from __future__ import annotations

import re

import duckdb
import openpyxl
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months, months_with_data
from reports.publish import render_reports
from tests.ledger_files import write_csv

REVENUE = [f"{s}_{line}_revenue" for s in ("op", "ip")
           for line in ("drug", "consumables", "exam", "lab", "service", "other")]  # fmt: skip
EXPENSE = ["personnel_expense", "drug_expense", "consumables_expense",
           "depreciation_expense", "maintenance_expense", "other_expense"]  # fmt: skip


def finance_row(dept: str, month: str, **amounts: int) -> list[object]:
    return [month, dept, *(amounts.get(column, 0) for column in [*REVENUE, *EXPENSE])]


def write_inbox(inbox, with_weights=True):
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind", "运营助理"], ["GSUR", "普外科", "surgical", "张磊"],
         ["ORTH", "骨科", "surgical", "张磊"], ["CARD", "心内科", "medical", "王敏"]],
    )  # fmt: skip
    write_csv(
        inbox / "finance.csv",
        [
            ["month", "dept", *REVENUE, *EXPENSE],
            finance_row("GSUR", "2025-10", op_drug_revenue=25_000, ip_drug_revenue=40_000,
                        ip_service_revenue=15_000, personnel_expense=35_000,
                        drug_expense=25_000),
            finance_row("GSUR", "2026-10", op_drug_revenue=20_000, ip_drug_revenue=50_000,
                        ip_service_revenue=30_000, personnel_expense=40_000,
                        drug_expense=30_000, consumables_expense=10_000),
            finance_row("CARD", "2025-10", op_drug_revenue=10_000, personnel_expense=5_000),
            finance_row("CARD", "2026-10", op_drug_revenue=10_000, personnel_expense=5_000),
        ],
    )  # fmt: skip
    write_csv(
        inbox / "discharges.csv",
        [["病例编号", "出院科室", "入院日期", "出院日期", "总费用", "医保类型", "病组编码",
          "DRG支付标准", "转归"],
         ["e1", "GSUR", "2026-10-01", "2026-10-11", 26000, "城镇职工医保", "GB11", 20000, "好转"],
         ["e2", "GSUR", "2026-10-02", "2026-10-14", 24000, "城乡居民医保", "GB11", 20000, "好转"],
         ["e3", "GSUR", "2026-10-03", "2026-10-09", 16000, "城镇职工医保", "GB11", 20000, "治愈"],
         ["e4", "GSUR", "2026-10-04", "2026-10-08", 9000, "城镇职工医保", "HC29", 10000, "治愈"],
         ["e5", "GSUR", "2026-10-05", "2026-10-07", 3000, "自费", "XX99", None, "治愈"],
         ["e6", "ORTH", "2026-10-06", "2026-10-11", 12000, "城乡居民医保", "HC29", 10000, "死亡"]],
    )  # fmt: skip
    if with_weights:
        write_csv(
            inbox / "DRG病组权重.csv",
            [["DRG组", "病组名称", "权重", "标杆住院日", "标杆费用", "低风险组"],
             ["GB11", "胃肠手术", 2.0, 8, 20000, "否"],
             ["HC29", "胆囊切除", 1.2, 5, 10000, "是"]],
        )  # fmt: skip


def build(root, with_weights=True):
    write_inbox(root / "inbox", with_weights)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    report = load_inbox(con, root / "inbox")
    assert report.rows_rejected == 0, report.rejected_by_reason
    compute_months(con, months_with_data(con))
    return con


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    root = tmp_path_factory.mktemp("finance_report")
    con = build(root)
    # a month's and a year's reports and the month's dashboard, and the month for circulation
    written = render_reports(con, root / "reports", "month", ["2026-10"]).rendered
    written += render_reports(con, root / "reports", "year", ["2026"]).rendered
    circulated = render_reports(
        con, root / "circulated", "month", ["2026-10"], suppress_below=5
    ).rendered
    yield con, {p.relative_to(root).as_posix(): p for p in [*written, *circulated]}
    con.close()


def page(hospital, name: str) -> str:
    return hospital[1][name].read_text(encoding="utf-8")


def cells(html: str, attribute: str, value: str) -> list[str]:
    """The text of the cells of the first row marked attribute="value"."""
    row = re.search(rf'<tr[^>]*\s{attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={value}"
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]


def section(html: str, marker: str) -> str:
    """The table whose tag carries `marker`."""
    start = html.index(marker)
    return html[start : html.index("</table>", start) + 8]


def test_finance_lines_add_up_to_the_indicators(hospital):
    con = hospital[0]
    lines = dict(
        con.execute(
            "select line, amount from finance_lines "
            "where grain = 'month' and period = '2026-10' and dept = 'ALL' and amount <> 0"
        ).fetchall()
    )
    # the hospital's October 2026: GSUR + CARD, line by line
    assert lines == {"op_drug_revenue": 30_000, "ip_drug_revenue": 50_000,
                     "ip_service_revenue": 30_000, "personnel_expense": 45_000,
                     "drug_expense": 30_000, "consumables_expense": 10_000}  # fmt: skip
    (revenue,) = con.execute(
        "select value from metric_values where grain = 'month' and period = '2026-10' "
        "and dept = 'ALL' and metric = 'medical_revenue'"
    ).fetchone()
    assert revenue == 30_000 + 50_000 + 30_000


def test_revenue_structure_with_shares_and_points_of_change(hospital):
    html = section(page(hospital, "reports/2026-10/GSUR.html"), 'data-structure="revenue"')
    # GSUR 2026-10: 20,000 + 50,000 + 30,000 = 100,000 (10.00 万元); 2025-10: 25,000 + 40,000 +
    # 15,000 = 80,000. Shares 20 / 50 / 30 %. Points of the total's 同比 (拉动): the line's change
    # over last year's total: −5,000 / 80,000 = −6.25 → −6.2 (half to even); +10,000 / 80,000 = +12.5;
    # +15,000 / 80,000 = +18.75 → +18.8; they add up to the total's +25.0 %.
    assert cells(html, "data-line", "op_drug_revenue") == [
        "门诊药品收入", "2.00", "20.0%", "2.50", "-0.50", "-20.0%", "-6.2"]  # fmt: skip
    assert cells(html, "data-line", "ip_drug_revenue") == [
        "住院药品收入", "5.00", "50.0%", "4.00", "+1.00", "+25.0%", "+12.5"]  # fmt: skip
    assert cells(html, "data-line", "ip_service_revenue") == [
        "住院医疗服务收入", "3.00", "30.0%", "1.50", "+1.50", "+100.0%", "+18.8"]  # fmt: skip
    # every line of the ledger is listed, a line of 0 too (no share of a change without a base)
    assert cells(html, "data-line", "op_lab_revenue") == [
        "门诊化验收入", "0.00", "0.0%", "0.00", "+0.00", "—", "+0.0"]  # fmt: skip
    assert cells(html, "data-line", "total") == [
        "医疗收入合计", "10.00", "100.0%", "8.00", "+2.00", "+25.0%", "+25.0"]  # fmt: skip
    sentence = page(hospital, "reports/2026-10/GSUR.html")
    assert (
        "医疗收入合计同比+25.0%，拉动最大的项目：住院医疗服务收入+18.8个百分点、住院药品收入+12.5个百分点、门诊药品收入-6.2个百分点。"
        in sentence
    )


def test_expense_structure(hospital):
    html = section(page(hospital, "reports/2026-10/GSUR.html"), 'data-structure="expense"')
    # 40,000 + 30,000 + 10,000 = 80,000 against 35,000 + 25,000 = 60,000: +33.3 %; personnel
    # 50 %, +5,000 / 60,000 = +8.3 points; consumables 12.5 %, from 0 (no relative change)
    assert cells(html, "data-line", "personnel_expense") == [
        "人员经费", "4.00", "50.0%", "3.50", "+0.50", "+14.3%", "+8.3"]  # fmt: skip
    assert cells(html, "data-line", "consumables_expense") == [
        "卫生材料费", "1.00", "12.5%", "0.00", "+1.00", "—", "+16.7"]  # fmt: skip
    assert cells(html, "data-line", "total") == [
        "医疗支出合计", "8.00", "100.0%", "6.00", "+2.00", "+33.3%", "+33.3"]  # fmt: skip


def test_a_year_in_progress_compares_the_lines_with_the_same_months(hospital):
    # 2026 holds October only: its 同比 is October 2025 (the window), not all of 2025
    html = section(page(hospital, "reports/2026/GSUR.html"), 'data-structure="revenue"')
    assert cells(html, "data-line", "total") == [
        "医疗收入合计", "10.00", "100.0%", "8.00", "+2.00", "+25.0%", "+25.0"]  # fmt: skip


def test_structure_in_the_workbook_in_exact_yuan(hospital):
    sheet = openpyxl.load_workbook(hospital[1]["reports/2026-10/ALL.xlsx"])["收支结构"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1]}
    # the hospital: GSUR + CARD; op drugs 20,000 + 10,000 = 30,000 of 110,000 (27.3 %), against
    # 25,000 + 10,000 = 35,000 of 90,000: −5,000, −14.3 %, −5,000 / 90,000 = −5.56 points
    label, line, amount, share, base, change, change_rel, points = rows["门诊药品收入"]
    assert (amount, base, change) == (30_000, 35_000, -5_000)
    assert share == pytest.approx(30_000 / 110_000)
    assert change_rel == pytest.approx(-5_000 / 35_000)
    assert points == pytest.approx(-5_000 / 90_000 * 100)
    assert rows["医疗收入合计"][2:6] == (110_000, 1.0, 90_000, 20_000)
    assert sheet._charts, "a bar chart of the revenue lines' shares"


def test_drg_groups_against_their_benchmarks(hospital):
    html = page(hospital, "reports/2026-10/GSUR.html")
    losses = section(html, 'data-table="drg_losses"')
    # GB11: 3 cases of weight 2.0; stays 10, 12, 6 → 28 / 3 = 9.3 days against 8; cost
    # (26,000 + 24,000 + 16,000) / 3 = 22,000 against 20,000; margin (20,000 − 26,000) +
    # (20,000 − 24,000) + (20,000 − 16,000) = −6,000 (−0.60 万元); 2 of 3 over the payment
    assert cells(losses, "data-drg", "GB11") == [
        "GB11", "胃肠手术", "3", "2.0000", "9.3", "8.0", "22,000", "20,000", "-0.60", "2/3"]  # fmt: skip
    assert 'data-drg="HC29"' not in losses  # +1,000: not a loss
    most = section(html, 'data-table="drg_most_cases"')
    assert re.findall(r'data-drg="(\w+)"', most) == ["GB11", "HC29", "XX99"]
    # HC29: 1 case, 4 days against 5, 9,000 against 10,000, +1,000; XX99 has no weights row
    assert cells(most, "data-drg", "HC29")[2:] == [
        "1", "1.2000", "4.0", "5.0", "9,000", "10,000", "+0.10", "0/1"]  # fmt: skip
    assert cells(most, "data-drg", "XX99")[1:] == [
        "未入组", "1", "—", "2.0", "—", "3,000", "—", "—", "—"]  # fmt: skip
    assert "未入组编码（不在病组目录中）：XX99，共 1 例" in html


def test_the_hospital_adds_the_departments_episodes_up(hospital):
    html = page(hospital, "reports/2026-10/ALL.html")
    losses = section(html, 'data-table="drg_losses"')
    # HC29: GSUR's e4 (4 days, 9,000, +1,000) and ORTH's e6 (5 days, 12,000, −2,000): 9 / 2 =
    # 4.5 days, 21,000 / 2 = 10,500, margin −1,000; the largest loss is still GB11's −6,000
    assert re.findall(r'data-drg="(\w+)"', losses) == ["GB11", "HC29"]
    assert cells(losses, "data-drg", "HC29")[2:] == [
        "2", "1.2000", "4.5", "5.0", "10,500", "10,000", "-0.10", "1/2"]  # fmt: skip


def test_payer_mix(hospital):
    html = section(page(hospital, "reports/2026-10/GSUR.html"), 'class="payer-mix"')
    # GSUR: 5 episodes, 78,000 in all. 城镇职工医保: e1, e3, e4 = 3 (60 %), 26,000 + 16,000 + 9,000
    # = 51,000 (5.10 万元, 65.4 %), 17,000 a case; 城乡居民医保 e2: 24,000 (30.8 %); 自费 e5: 3,000
    assert re.findall(r'data-payer="([^"]*)"', html) == ["城镇职工医保", "城乡居民医保", "自费"]
    assert cells(html, "data-payer", "城镇职工医保") == [
        "城镇职工医保", "3", "60.0%", "5.10", "17,000", "65.4%"]  # fmt: skip
    assert cells(html, "data-payer", "城乡居民医保") == [
        "城乡居民医保", "1", "20.0%", "2.40", "24,000", "30.8%"]  # fmt: skip
    assert cells(html, "data-payer", "自费") == ["自费", "1", "20.0%", "0.30", "3,000", "3.8%"]


def test_case_mix_figures_and_the_indices_against_one(hospital):
    html = page(hospital, "reports/2026-10/GSUR.html")
    figures = html[
        html.index('class="casemix-figures"') : html.index(
            "</ul>", html.index('class="casemix-figures"')
        )
    ]
    # grouped: e1–e4; CMI (2.0 × 3 + 1.2) / 4 = 1.80; cost index (26/20 + 24/20 + 16/20 + 9/10) / 4
    # = (1.3 + 1.2 + 0.8 + 0.9) / 4 = 1.05: above 1.0; time index (10/8 + 12/8 + 6/8 + 4/5) / 4 =
    # (1.25 + 1.5 + 0.75 + 0.8) / 4 = 1.075 → 1.07 (half-even of a binary 1.07499…) or 1.08
    assert re.search(r"病例组合指数 \(CMI\) 1\.80", figures)
    assert "费用消耗指数 1.05：高于标杆（&gt;1.0）" in figures
    assert re.search(r"时间消耗指数 1\.0[78]：高于标杆", figures)
    # DRG/DIP margin: −6,000 + 1,000 = −5,000 (e5 has no payment standard)
    assert "-0.50 万元" in figures


def test_low_risk_mortality_is_suppressed_for_circulation(hospital):
    # HC29 is low-risk: e4 (GSUR) survived, e6 (ORTH) died: the hospital's 1 of 2 = 50.0 %
    shown = page(hospital, "reports/2026-10/ALL.html")
    figures = shown[shown.index('class="casemix-figures"') :]
    assert 'data-metric="low_risk_mortality">低风险组死亡率 50.0%' in figures
    circulated = page(hospital, "circulated/2026-10/ALL.html")
    figures = circulated[circulated.index('class="casemix-figures"') :]
    item = figures[figures.index('data-metric="low_risk_mortality"') :].split("</li>")[0]
    assert "50.0%" not in item and "&lt;5" in item


def test_case_mix_in_the_workbook(hospital):
    sheet = openpyxl.load_workbook(hospital[1]["reports/2026-10/GSUR.xlsx"])["DRG_DIP 病组与医保"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
    code, name, cases, weight, stay, benchmark, extra, cost, benchmark_cost, margin, losing = rows[
        "GB11"
    ]
    # extra bed-days over the benchmark: (10 − 8) + (12 − 8) + (6 − 8) = 4
    assert (cases, weight, benchmark, extra, cost, margin, losing) == (
        3, 2.0, 8, 4, 22_000, -6_000, "2/3")  # fmt: skip
    assert stay == pytest.approx(28 / 3)
    assert rows["医保类型"][:2] == ("医保类型", "出院人次")
    assert rows["城镇职工医保"][1:3] == (3, 0.6)


def test_without_a_weights_ledger_the_report_says_how_to_add_it(tmp_path):
    con = build(tmp_path, with_weights=False)
    written = render_reports(con, tmp_path / "reports", "month", ["2026-10"]).rendered
    con.close()
    html = next(p for p in written if p.name == "GSUR.html").read_text(encoding="utf-8")
    assert "未提供DRG/DIP病组目录与权重台账" in html and "deptops templates" in html
    # the margin and the payer mix need no catalogue: GB11 still loses 0.60 万元
    assert cells(section(html, 'data-table="drg_losses"'), "data-drg", "GB11")[8] == "-0.60"
    assert 'class="payer-mix"' in html


def recommendations(html: str) -> list[str]:
    items = re.findall(r'<li data-recommendation="drg_margin">(.*?)</li>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_a_group_losing_on_most_cases_with_a_long_stay_is_named_with_its_bed_days(hospital):
    # GB11 in GSUR: 2 of 3 settled cases over the payment standard (more than half), margin
    # −6,000; stays (10 − 8) + (12 − 8) + (6 − 8) = 4 bed-days over the benchmark; its cost per
    # bed-day 66,000 / 28 = 2,357.14, so the extra bed-days cost 4 × 2,357.14 = 9,428.57 元
    # = 0.94 万元. HC29 (+1,000) is not a loss. Totals of money in 万元, unit costs in 元.
    (advice,) = recommendations(page(hospital, "reports/2026-10/GSUR.html"))
    assert "病组GB11：3例，结余-0.60万元" in advice
    assert (
        "病组GB11（胃肠手术）2/3例超出支付标准，结余-0.60万元；平均住院日9.3天，高于标杆8.0天："
        "共多占4.0床日，按该组每床日费用2,357元计约0.94万元。"
    ) in advice


def test_a_group_losing_with_a_cost_above_its_benchmark_is_named_with_the_excess(hospital):
    # HC29 in ORTH: e6 alone, 12,000 against a payment of 10,000 (1 of 1 over), its 5 days are the
    # benchmark's 5: no extra bed-days; its cost is 12,000 − 10,000 = 2,000 over the benchmark
    (advice,) = recommendations(page(hospital, "reports/2026-10/ORTH.html"))
    assert (
        "病组HC29（胆囊切除）1/1例超出支付标准，结余-0.20万元；次均费用12,000元，高于标杆10,000元："
        "共超出标杆约0.20万元"
    ) in advice
    # the hospital: HC29 is GSUR's e4 (+1,000) and ORTH's e6 (−2,000), 1 of 2 over the standard:
    # not most of its cases, so only GB11 is named
    hospital_advice = recommendations(page(hospital, "reports/2026-10/ALL.html"))
    assert [a.split("（")[0].split("病组")[-1] for a in hospital_advice] == ["GB11"]


def test_finance_dashboard_has_money_with_yoy_and_case_mix(hospital):
    html = section(page(hospital, "reports/2026-10/dashboard.html"), 'id="finance-table"')
    # GSUR: revenue 100,000 (10.00 万元, +25.0 % on 80,000); expense 80,000 (+33.3 % on 60,000);
    # margin 20,000 both years (+0.0 %); margin rate 20 % against 25 %: −5.0 points; no visits,
    # discharges or budget: —; CMI 1.80, cost index 1.05, DRG/DIP margin −5,000 (−0.50 万元)
    row = cells(html, "data-dept", "GSUR")
    assert row[1] == "张磊"
    assert row[2:10] == [
        "10.00",
        "+25.0%",
        "8.00",
        "+33.3%",
        "2.00",
        "+0.0%",
        "20.0%",
        "-5.0个百分点",
    ]
    assert row[10:16] == ["—"] * 6
    assert row[16:18] == ["1.80", "1.05"] and row[19] == "-0.50"
    assert 'data-assistant="王敏"' in html and '<option value="张磊">张磊</option>' in page(
        hospital, "reports/2026-10/dashboard.html"
    )


def test_finance_dashboard_workbook_in_exact_yuan_without_status_columns(hospital):
    workbook = openpyxl.load_workbook(hospital[1]["reports/2026-10/dashboard.xlsx"])
    sheet = workbook["经济运行"]
    header = [c.value for c in sheet[2]]
    assert header[:6] == ["科室编码", "科室", "科室类型", "运营助理", "医疗收入", "医疗收入 同比"]
    assert not [h for h in header if h and "状态" in h]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    # the hospital: 110,000 against 90,000 (+22.2 %); expense 85,000 against 65,000
    assert rows["ALL"][4:8] == (110_000, pytest.approx(20_000 / 90_000), 85_000,
                                pytest.approx(20_000 / 65_000))  # fmt: skip
    assert rows["CARD"][3] == "王敏"
    assert sheet.auto_filter.ref.startswith("A2:")  # Excel filters by 运营助理 too


@pytest.mark.browser
def test_finance_dashboard_sorts_and_filters_by_assistant_in_chromium(hospital, chromium):
    path = hospital[1]["reports/2026-10/dashboard.html"]
    context = chromium.new_context()
    view = context.new_page()
    view.goto(path.as_uri(), wait_until="load")

    def shown(table: str) -> list[str]:
        return view.locator(f"#{table} tbody tr:not([hidden])").evaluate_all(
            "(rows) => rows.map(row => row.dataset.dept)"
        )

    # 医疗收入: GSUR 100,000, CARD 10,000, ORTH none (last)
    view.locator('#finance-table th[data-metric="medical_revenue"]').click()
    assert shown("finance-table") == ["GSUR", "CARD", "ORTH"]
    view.select_option("#assistant-filter", "张磊")
    assert shown("finance-table") == ["GSUR", "ORTH"]
    assert sorted(shown("dashboard-table")) == ["GSUR", "ORTH"]
    view.select_option("#assistant-filter", "")
    assert len(shown("finance-table")) == 3
    # the hospital report's table by department sorts the same way (CMI: GSUR 1.80, ORTH
    # 1.20 — its one case is HC29 —, CARD none)
    view.goto(hospital[1]["reports/2026-10/ALL.html"].as_uri(), wait_until="load")
    view.locator('#department-table th[data-metric="cmi"]').click()
    assert shown("department-table") == ["GSUR", "ORTH", "CARD"]
    view.goto(path.as_uri(), wait_until="load")
    # the page's own @page rule (A4 landscape), as Chromium's print dialog takes it
    pdf = view.pdf(print_background=True, prefer_css_page_size=True)
    context.close()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    # A4 landscape is 297 × 210 mm: 842 × 595 points
    assert boxes and all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in boxes), (
        boxes[:3]
    )


def test_hospital_report_has_finance_and_case_mix_by_department(hospital):
    html = section(page(hospital, "reports/2026-10/ALL.html"), 'id="department-table"')
    # the same columns as the dashboard's: ORTH has no finance (—) and one case, HC29 (weight
    # 1.2: CMI 1.20; 12,000 / 10,000: cost index 1.20; 5 / 5: time index 1.00; margin −2,000)
    row = cells(html, "data-dept", "ORTH")
    assert row[2:10] == ["—"] * 8
    assert row[16:20] == ["1.20", "1.20", "1.00", "-0.20"]
    # (a total's name is a header cell: its cells start with 合计行)
    assert cells(html, "data-dept", "ALL")[:3] == ["合计行", "11.00", "+22.2%"]  # 110,000 on 90,000
    sheet = openpyxl.load_workbook(hospital[1]["reports/2026-10/ALL.xlsx"])["各科室经济运行与病种"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    header = [c.value for c in sheet[2]]
    assert rows["ORTH"][header.index("病例组合指数 (CMI)")] == pytest.approx(1.2)
    assert rows["GSUR"][header.index("DRG/DIP 结余")] == -5_000


def test_a_group_named_in_advice_tells_its_stay_from_the_benchmark_and_its_unsettled_cases():
    """Built by hand (no warehouse needed: the wording alone). FM19: 14 cases, 12 settled, 8 of
    them over the payment standard (8 > 0.5 × 12); margin −69,572 元 = −6.96 万元. Its stay
    Σ LOS / cases = 90 / 14 = 6.4286 and the benchmark 6.40 both round to 6.4: two decimals,
    6.43 above 6.40. 0.4 extra bed-days × 8,083 元 = 3,233.2 元 = 0.32 万元."""
    from metrics.catalogue import indicators
    from reports.content.casemix import CaseMix, GroupLine
    from reports.content.indicators import IndicatorRow
    from reports.content.recommendations import drg_recommendations
    from reports.formatting import NumberKind

    group = GroupLine(
        drg="FM19", name="经皮冠状动脉支架植入", grouped=True, cases=14, weight=1.9,
        stay=90 / 14, benchmark_stay=6.4, cost_per_case=50_000.0, benchmark_cost=None,
        margin=-69_572.0, paid_cases=12, losing_cases=8, extra_bed_days=0.4,
        cost_per_bed_day=8_083.0, excess_cost=None,
    )  # fmt: skip
    row = IndicatorRow(indicators()["drg_margin"], NumberKind.AMOUNT, value=-69_572.0)
    (advice,) = drg_recommendations({"drg_margin": row}, CaseMix(True, groups=[group]), "zh")
    assert advice.evidence == "病组FM19：14例（已结算12例），结余-6.96万元"
    assert advice.action.startswith(
        "病组FM19（经皮冠状动脉支架植入）8/12例超出支付标准，结余-6.96万元；"
        "平均住院日6.43天，高于标杆6.40天：共多占0.4床日，按该组每床日费用8,083元计约0.32万元。"
    )


def test_a_structure_total_does_not_depend_on_the_order_the_lines_arrive_in():
    """The warehouse returns finance_lines in any order; the total (and last year's, its 同比
    base) is summed in the ledger's column order: op_drug, op_consumables, op_exam."""
    from reports.content.structure import line_total

    forward = {"op_drug_revenue": 0.1, "op_consumables_revenue": 0.2, "op_exam_revenue": 0.3}
    backward = dict(reversed(forward.items()))
    # summed as they come, the two orders differ in the last digit: 0.6000000000000001 and 0.6
    assert sum(forward.values()) != sum(backward.values())
    # in the column order both are (0.1 + 0.2) + 0.3 = 0.6000000000000001; a cost line is no revenue
    assert line_total(forward, "_revenue") == line_total(backward, "_revenue") == 0.1 + 0.2 + 0.3
    assert line_total({**backward, "drug_expense": 5.0}, "_revenue") == 0.1 + 0.2 + 0.3
