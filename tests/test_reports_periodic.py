"""Period reports, weekly briefs and the dashboard from a small hand-made inbox: numbers a person
computed by hand, escaping of ledger text, and the publication-block and anomaly paths.

The inbox, September and October 2026 (30 and 31 days):
- D01 `<script>alert(1)</script>心内科` (medical, no English name); D02 呼吸内科 and D03 老年科
  (medical); D04 骨科 (surgical).
- D01: 40 open beds, midnight census 30 in September and 32 in October; outpatient visits 50 a day
  in September, 60 in October; one admission and one discharge a day on days 1-10 of September
  and 1-12 of October. Discharged episodes: ten of 8 days in September, twelve of 10 days in
  October. Finance: outpatient service revenue 150,000.00 then 204,600.00, inpatient service
  revenue 100,000.00 then 132,000.00. October feedback: 100 surveyed, 85 satisfied; appointments:
  1,000 slots, 900 booked, 800 attended. October supplies: 100 infusion sets at 2.50 (closing 50
  under a safety stock of 80) and 20 packs of paper at 12.00 whose name starts with `=`.
  Commentary for October: one text that is an Excel formula, one that is HTML.
- D02: 20 beds, census 15. D03: 30 beds, census 18. D04: 20 beds, census 19. 10 visits a day each.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ledgers.specs import ledger
from metrics import catalogue
from reports import labels
from reports.content.report import period_content
from reports.data.warehouse import load_period
from reports.formatting import NumberKind, format_value
from reports.publish import render_reports
from reports.publish.index import write_index
from tests.ledger_files import computed_warehouse, days, write_csv

MONTH, QUARTER, YEAR, WEEK = "2026-10", "2026-Q4", "2026", "2026-W42"
EVIL_NAME = "<script>alert(1)</script>心内科"
FORMULA_TEXT = "=SUM(A1:A9) 床位紧张"
HTML_TEXT = "<img src=x onerror=alert(2)>"
FORMULA_ITEM = "=1+2 复印纸"

# --- hand arithmetic, D01 -------------------------------------------------------------------
# Outpatient revenue R = visits V × revenue per visit P:
#   September V₀ = 50 × 30 = 1,500, R₀ = 150,000.00, P₀ = 100.00
#   October   V₁ = 60 × 31 = 1,860, R₁ = 204,600.00, P₁ = 110.00
#   volume effect (V₁ − V₀) × P₀ = 360 × 100 = 36,000.00; price effect V₁ × (P₁ − P₀) = 18,600.00
#   36,000.00 + 18,600.00 = 54,600.00 = R₁ − R₀
OP = {"volume": 36_000.00, "rate": 18_600.00, "total": 54_600.00}
# Inpatient revenue = discharges × revenue per discharge: 10 × 10,000 -> 12 × 11,000
#   (12 − 10) × 10,000 = 20,000.00; 12 × (11,000 − 10,000) = 12,000.00; total 32,000.00
IP = {"volume": 20_000.00, "rate": 12_000.00, "total": 32_000.00}
# Occupancy per day: average census B/n over average open beds a (n = days, a = 40 both months):
#   September 900 / 30 = 30.0 of 40 = 75%, October 992 / 31 = 32.0 of 40 = 80%: +5.00 pp.
#   D₀ = 10, L₀ = 8 (D₀L₀ = 80); D₁ = 12, L₁ = 10 (D₁L₁ = 120)
#   discharges (12/31 − 10/30) × 8 / 40          = 0.0107527 -> 1.0753 pp
#   stay       12/31 × (10 − 8) / 40             = 0.0193548 -> 1.9355 pp
#   other      [(992 − 120)/31 − (900 − 80)/30] / 40 = (28.1290 − 27.3333) / 40 = 0.0198925
#   open beds  30/40 − 30/40                     = 0
#   Rounded to 0.01 pp the terms would add to 1.08 + 1.94 + 1.99 + 0.00 = 5.01; the term rounded
#   up the most (1.0753 -> 1.08) gives back the hundredth: 1.07 + 1.94 + 1.99 + 0.00 = 5.00.
OCCUPANCY = {
    "discharges": (12 / 31 - 10 / 30) * 8 / 40,
    "stay": 12 / 31 * 2 / 40,
    "other": ((992 - 120) / 31 - (900 - 80) / 30) / 40,
    "capacity": 0.0,
    "total": 0.05,
}
# Same-kind comparison of bed occupancy in October (medical: D01, D02, D03; D04 is surgical):
#   D01 992/1,240 = 80.0%, D02 465/620 = 75.0%, D03 558/930 = 60.0%
#   rank of D01 (higher first for a band indicator) 1 of 3, median 75.0%
#   KIND:medical pooled: (992 + 465 + 558) / (1,240 + 620 + 930) = 2,015 / 2,790 = 72.2%
# ALOS 10 days against the band ≤ 9: bringing it to 9 at the same 12 discharges frees
#   (10 − 9) × 12 = 12 bed-days in the month, 12 / 31 = 0.39 beds a day.
# Appointment rate 800 / 1,860 = 43.0% against ≥ 50%: (0.50 × 1,860) − 800 = 130 more visits.
# Supplies drawn: 100 × 2.50 = 250.00 and 20 × 12.00 = 240.00, total 490.00.


def _inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "name_en", "kind"],
            ["D01", EVIL_NAME, "", "medical"],
            ["D02", "呼吸内科", "Respiratory", "medical"],
            ["D03", "老年科", "Geriatrics", "medical"],
            ["D04", "骨科", "Orthopaedics", "surgical"],
        ],
    )
    beds = {"D01": 40, "D02": 20, "D03": 30, "D04": 20}
    census = {"D02": 15, "D03": 18, "D04": 19}
    workload = [
        [
            "date",
            "dept",
            "outpatient_visits",
            "emergency_visits",
            "admissions",
            "discharges",
            "open_beds",
            "census",
        ]
    ]
    for day in days(dt.date(2026, 9, 1), dt.date(2026, 10, 31)):
        october = day.month == 10
        moved = int(day.day <= (12 if october else 10))
        workload.append(
            [day, "D01", 60 if october else 50, 0, moved, moved, 40, 32 if october else 30]
        )
        for dept in ("D02", "D03", "D04"):
            workload.append([day, dept, 10, 0, 0, 0, beds[dept], census[dept]])
    write_csv(inbox / "workload.csv", workload)
    episodes = [["episode_id", "dept", "admit_date", "discharge_date", "outcome"]]
    for month, count, stay in ((9, 10, 8), (10, 12, 10)):
        for number in range(1, count + 1):
            admitted = dt.date(2026, month, number)
            discharged = admitted + dt.timedelta(days=stay)
            episodes.append([f"E{month}-{number}", "D01", admitted, discharged, "cured"])
    write_csv(inbox / "discharges.csv", episodes)
    columns = [column.name for column in ledger("finance").columns]
    finance = [columns]
    for month, op, ip in (
        ("2026-09", "150000.00", "100000.00"),
        ("2026-10", "204600.00", "132000.00"),
    ):
        values = {
            "month": month,
            "dept": "D01",
            "op_service_revenue": op,
            "ip_service_revenue": ip,
            "personnel_expense": "150000",
        }
        finance.append([values.get(column, "0") for column in columns])
    write_csv(inbox / "finance.csv", finance)
    write_csv(
        inbox / "patient_feedback.csv",
        [
            [
                "month",
                "dept",
                "surveys",
                "satisfied",
                "complaints",
                "compliments",
                "wait_samples",
                "avg_wait_minutes",
            ],
            [MONTH, "D01", 100, 85, 2, 3, 50, 20],
        ],
    )
    write_csv(
        inbox / "appointments.csv",
        [["month", "dept", "slots", "booked", "attended"], [MONTH, "D01", 1000, 900, 800]],
    )
    write_csv(
        inbox / "supplies.csv",
        [
            [
                "month",
                "dept",
                "item_code",
                "item_name",
                "category",
                "unit",
                "opening_qty",
                "received_qty",
                "issued_qty",
                "closing_qty",
                "unit_price",
                "reorder_level",
            ],
            [
                MONTH,
                "D01",
                "HC001",
                "一次性使用输液器",
                "medical",
                "套",
                150,
                0,
                100,
                50,
                "2.50",
                80,
            ],
            [MONTH, "D01", "BG001", FORMULA_ITEM, "office", "包", 50, 0, 20, 30, "12.00", 10],
        ],
    )
    write_csv(
        inbox / "commentary.csv",
        [
            ["month", "dept", "topic", "text", "factor"],
            [MONTH, "D01", "床位", FORMULA_TEXT, "internal"],
            [MONTH, "D01", "<b>周转</b>", HTML_TEXT, "external"],
            # on an indicator by its id: shown beside that indicator in 问题与原因
            [MONTH, "D01", "alos", "术后康复床位不足导致转出延迟", "internal"],
        ],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = computed_warehouse(tmp_path_factory.mktemp("small"), _inbox)
    yield con
    con.close()


@pytest.fixture(scope="module")
def written(warehouse, tmp_path_factory) -> tuple[Path, list[Path]]:
    """Month, quarter and year reports in both languages, the week's briefs, the dashboard."""
    reports_dir = tmp_path_factory.mktemp("reports")
    files = []
    for grain, period in (("month", MONTH), ("quarter", QUARTER), ("year", YEAR)):
        for lang in ("zh", "en"):
            files += render_reports(warehouse, reports_dir, grain, [period], lang).rendered
    files += render_reports(warehouse, reports_dir, "week", [WEEK]).rendered
    return reports_dir, files


def _content(con, grain: str, period: str, dept: str, lang: str = "zh"):
    data = load_period(con, grain, period)
    return period_content(data, data.department(dept), lang)


def _page(reports_dir: Path, period: str, name: str) -> str:
    return (reports_dir / period / name).read_text(encoding="utf-8")


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section class="[^"]*" id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


# --- files and index -------------------------------------------------------------------------


def test_every_report_is_written_beside_its_english_twin_and_indexed(written):
    reports_dir, files = written
    stems = ("ALL", "D01", "D02", "D03", "D04")
    for period in (MONTH, QUARTER, YEAR):
        for stem in stems:
            for name in (f"{stem}.html", f"{stem}.xlsx", f"{stem}.en.html", f"{stem}.en.xlsx"):
                assert reports_dir / period / name in files
    assert {reports_dir / WEEK / f"{stem}.html" for stem in stems} <= set(files)
    assert reports_dir / MONTH / "dashboard.html" in files
    assert reports_dir / MONTH / "dashboard.xlsx" in files
    index = write_index(reports_dir).read_text(encoding="utf-8")
    hrefs = re.findall(r'<a href="([^"]+)">', index)
    # every file written is listed, the data-quality reports (page and workbook) included
    assert sorted(hrefs) == sorted(p.relative_to(reports_dir).as_posix() for p in files)
    assert f'<a href="{MONTH}/D01.quality.html">D01.quality.html</a>' in index
    assert f'<a href="{MONTH}/D01.en.quality.xlsx">D01.en.quality.xlsx</a>' in index
    for slot in ("quality_report", "quality_workbook", "quality_report_en"):
        assert f"<th>{labels.text(slot, 'zh')}</th>" in index
    # grouped by grain, monthly reports first: months, quarters, years, weeks
    order = [index.index(f'id="grain-{g}"') for g in ("month", "quarter", "year", "week")]
    assert order == sorted(order)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;心内科" in index and "<script>alert" not in index


def test_periods_that_are_not_periods_are_refused(warehouse, tmp_path):
    for grain, period in (("quarter", "2026-Q5"), ("year", "../2026"), ("month", "2026-13")):
        with pytest.raises(ValueError):
            render_reports(warehouse, tmp_path, grain, [period])
    with pytest.raises(ValueError):
        render_reports(warehouse, tmp_path, "day", ["2026-10-01"])
    with pytest.raises(ValueError):
        render_reports(warehouse, tmp_path, "week", ["2026-W54"])


# --- ledger text stays harmless --------------------------------------------------------------


def test_markup_and_formulas_from_ledgers_are_harmless_in_html(written):
    reports_dir, _ = written
    pages = [
        _page(reports_dir, period, name)
        for period in (MONTH, QUARTER)
        for name in ("D01.html", "ALL.html", "D01.en.html")
    ]
    pages += [_page(reports_dir, MONTH, "dashboard.html"), _page(reports_dir, WEEK, "D01.html")]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>周转" not in page
    d01 = _page(reports_dir, QUARTER, "D01.html")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;心内科</h1>" in d01
    assert "=SUM(A1:A9) 床位紧张" in d01 and "&lt;img src=x onerror=alert(2)&gt;" in d01
    # the factor is shown as the cause
    assert f"{labels.text('cause', 'zh')}: {labels.factor('internal', 'zh')}" in d01
    assert "cause: internal" in _page(reports_dir, QUARTER, "D01.en.html")
    assert "=1+2 复印纸" in d01


def test_formulas_from_ledgers_stay_text_in_excel(written):
    reports_dir, _ = written
    for path in (reports_dir / QUARTER / "D01.xlsx", reports_dir / MONTH / "dashboard.xlsx"):
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
            assert sheets and not any(re.search(rb"<f[ >]", archive.read(n)) for n in sheets)
    workbook = openpyxl.load_workbook(reports_dir / QUARTER / "D01.xlsx")
    commentary = workbook[labels.text("commentary_sheet", "zh")]
    texts = {row[1].value: row[3] for row in commentary.iter_rows(min_row=3)}
    assert texts["床位"].value == FORMULA_TEXT and texts["床位"].data_type == "s"
    assert commentary["A3"].value == EVIL_NAME
    supplies = workbook[labels.text("supplies_sheet", "zh")]
    names = [row[1] for row in supplies.iter_rows(min_row=3, max_row=4)]
    assert {cell.value for cell in names} == {FORMULA_ITEM, "一次性使用输液器"}
    assert all(cell.data_type == "s" for cell in names)
    # the key indicators' sheet (the first is 经济运行)
    dashboard = openpyxl.load_workbook(reports_dir / MONTH / "dashboard.xlsx")[
        labels.text("dashboard", "zh")
    ]
    assert EVIL_NAME in [row[1].value for row in dashboard.iter_rows(min_row=3)]
    # Each indicator's header carries its formula in words as a cell note (the catalogue's).
    notes = {cell.value: cell.comment.text for cell in dashboard[2] if cell.comment}
    occupancy = catalogue.indicators()["bed_occupancy"]
    assert notes[occupancy.zh] == occupancy.formula_zh


# --- movement analysis -----------------------------------------------------------------------


def test_revenue_and_occupancy_decompositions_add_up_exactly(warehouse, written):
    content = _content(warehouse, "month", MONTH, "D01")
    found = {(d.id, d.comparison): d for d in content.decompositions}
    # No 2025 ledgers: only the previous month to compare with.
    assert set(found) == {
        ("op_revenue", "prior"),
        ("ip_revenue", "prior"),
        ("bed_occupancy", "prior"),
    }
    for key, hand in (("op_revenue", OP), ("ip_revenue", IP)):
        d = found[(key, "prior")]
        volume, rate = d.terms
        assert volume.amount == pytest.approx(hand["volume"], abs=1e-6)
        assert rate.amount == pytest.approx(hand["rate"], abs=1e-6)
        assert d.change == pytest.approx(hand["total"], abs=1e-6)
        assert volume.shown + rate.shown == d.change_shown == Decimal(f"{hand['total']:.2f}")
    op = found[("op_revenue", "prior")]
    assert op.terms[0].arithmetic == "(1,860 − 1,500) × 100.00"
    assert op.terms[1].arithmetic == "1,860 × (110.00 − 100.00)"
    assert [t.text for t in op.terms] == ["+36,000.00", "+18,600.00"]

    occupancy = found[("bed_occupancy", "prior")]
    exact = [term.amount for term in occupancy.terms]
    assert exact == pytest.approx(
        [OCCUPANCY[k] for k in ("discharges", "stay", "other", "capacity")], abs=1e-12
    )
    assert sum(exact) == pytest.approx(OCCUPANCY["total"], abs=1e-12)
    assert [term.shown for term in occupancy.terms] == [
        Decimal("1.07"),
        Decimal("1.94"),
        Decimal("1.99"),
        Decimal("0.00"),
    ]
    assert sum(term.shown for term in occupancy.terms) == occupancy.change_shown == Decimal("5.00")
    assert occupancy.terms[0].arithmetic == "(12 ÷ 31 − 10 ÷ 30) × 8.00 ÷ 40.00"
    assert occupancy.terms[2].arithmetic == "[(992 − 120) ÷ 31 − (900 − 80) ÷ 30] ÷ 40.00"

    reports_dir, _ = written
    movement = _section(_page(reports_dir, MONTH, "D01.html"), "movement")
    assert "(1,860 − 1,500) × 100.00" in movement and "+54,600.00" in movement
    assert "+5.00个百分点" in movement and "+1.07个百分点" in movement
    # the quarter holds October alone and is in progress (METRICS.md): it is named by what it
    # covers and never decomposed against Q3 (September alone here, a whole quarter elsewhere)
    quarter = _content(warehouse, "quarter", QUARTER, "D01")
    assert quarter.in_progress and quarter.decompositions == []
    assert quarter.period_title == "2026年第4季度（截至10月）"
    english = _content(warehouse, "quarter", QUARTER, "D01", "en")
    assert english.period_title == "2026 Q4 (to October)"
    year = _content(warehouse, "year", YEAR, "D01")
    assert year.in_progress and year.period_title.endswith("月（累计）")


def test_the_hospital_report_says_which_departments_drove_its_change(written):
    """Outpatient visits 环比: D01 50 × 30 = 1,500 → 60 × 31 = 1,860 (+360); D02–D04 10 × 30 =
    300 → 10 × 31 = 310 (+10 each); the hospital +390, D01's share 360 / 390 = 92.3%."""
    reports_dir, _ = written
    hospital = _page(reports_dir, MONTH, "ALL.html")
    assert "全院运营月度分析报告" in hospital
    section = _section(hospital, "contribution")
    visits = section[section.index('data-contribution="outpatient_visits"') :]
    visits = visits[: visits.index("</table>")]
    assert "环比 +390" in visits
    assert re.findall(r"<td class=\"num\">([^<]*)</td>", visits)[:2] == ["+360", "92.3%"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;心内科" in visits
    # a department's report has no such section
    assert 'id="contribution"' not in _page(reports_dir, MONTH, "D01.html")


def test_attention_lists_the_breached_bands_with_their_breakdown(written):
    reports_dir, _ = written
    attention = _section(_page(reports_dir, MONTH, "D01.html"), "attention")
    for metric in ("alos", "appointment_rate", "satisfaction_rate"):
        assert f'data-attention="{metric}"' in attention
    alos = re.search(r'<tr data-attention="alos">(.*?)</tr>', attention, re.S).group(1)
    assert "预警" in alos and "+5.00个百分点" in alos and "#movement-bed_occupancy-prior" in alos
    # the assistant's commentary on the indicator, with its cause, in the same line
    assert "术后康复床位不足导致转出延迟" in alos and "原因: 内部因素" in alos


# --- same-kind comparison --------------------------------------------------------------------


def test_same_kind_comparison_ranks_and_medians_by_hand(warehouse, written):
    content = _content(warehouse, "month", MONTH, "D01")
    occupancy = next(p for p in content.peers.rows if p.row.indicator.id == "bed_occupancy")
    assert (occupancy.rank, occupancy.count) == (1, 3)
    assert occupancy.median == pytest.approx(465 / 620)
    assert (occupancy.low, occupancy.high) == (pytest.approx(0.6), pytest.approx(0.8))
    assert occupancy.group_value == pytest.approx(2015 / 2790)
    assert content.peers.members == [EVIL_NAME, "呼吸内科", "老年科"]
    d03 = _content(warehouse, "month", MONTH, "D03")
    d03_row = next(p for p in d03.peers.rows if p.row.indicator.id == "bed_occupancy")
    assert (d03_row.rank, d03_row.count) == (3, 3)

    reports_dir, _ = written
    peers = _section(_page(reports_dir, MONTH, "D01.html"), "peers")
    row = re.search(r'<tr data-peer="bed_occupancy">(.*?)</tr>', peers, re.S).group(1)
    assert '<td class="num rank">1/3</td>' in row
    assert '<td class="num median">75.0%</td>' in row and "72.2%" in row


# --- recommendations -------------------------------------------------------------------------


def test_recommendations_name_the_indicator_evidence_and_computed_effect(warehouse, written):
    content = _content(warehouse, "month", MONTH, "D01")
    by_metric = {r.row.indicator.id: r for r in content.recommendations}
    alos = by_metric["alos"]
    assert alos.status == "alert" and alos.side == "high" and alos.limit == 9
    assert alos.effect == pytest.approx(12.0)  # (10 − 9) × 12 discharges, one month
    assert alos.effect_daily == pytest.approx(12 / 31)
    assert "10.00天" in alos.action and "9.00天" in alos.action
    assert "12.0床日" in alos.action and "0.4张床" in alos.action
    assert "目标≤ 9.00" in alos.evidence and "环比+2.00" in alos.evidence
    appointments = by_metric["appointment_rate"]
    assert appointments.effect == pytest.approx(0.5 * 1860 - 800)  # 130 more visits
    assert "130人次" in appointments.action
    satisfaction = by_metric["satisfaction_rate"]
    assert satisfaction.effect == pytest.approx(5.0)  # (0.90 − 0.85) × 100 surveyed
    # alerts first
    assert [r.status for r in content.recommendations] == sorted(
        (r.status for r in content.recommendations), key=lambda s: s != "alert"
    )

    reports_dir, _ = written
    section = _section(_page(reports_dir, MONTH, "D01.html"), "recommendations")
    assert 'data-recommendation="alos"' in section and "12.0床日" in section
    english = _section(_page(reports_dir, MONTH, "D01.en.html"), "recommendations")
    assert "frees ≈ 12.0 bed-days a month" in english
    # the workbook carries the effect as a number
    sheet = openpyxl.load_workbook(reports_dir / MONTH / "D01.xlsx")[
        labels.text("attention_sheet", "zh")
    ]
    evidence_starts = labels.text("evidence", "zh").split("{")[0]
    effects = {
        row[0].value: row[4].value
        for row in sheet.iter_rows()
        if isinstance(row[2].value, str) and row[2].value.startswith(evidence_starts)
    }
    assert effects["平均住院日"] == pytest.approx(12.0)


# --- service and supplies --------------------------------------------------------------------


def test_service_counts_supplies_drawn_and_low_stock(warehouse, written):
    content = _content(warehouse, "quarter", QUARTER, "D01")
    counts = {figure.label: figure.value for figure in content.service}
    assert counts["调查人数"] == 100 and counts["满意人数"] == 85 and counts["预约就诊人次"] == 800
    issued = {line.item_code: line.issued_value for line in content.supplies.issued}
    assert issued == {"HC001": 250.00, "BG001": 240.00}
    assert content.supplies.total_value == 490.00
    assert [(i.item_code, i.shortfall) for i in content.supplies.low_stock] == [("HC001", 30)]

    reports_dir, _ = written
    page = _page(reports_dir, QUARTER, "D01.html")
    assert '<td class="num issued-value">250.00</td>' in page
    assert '<tr data-item="HC001">' in _section(page, "family-service").split("low-stock")[1]


# --- data quality: anomalies and publication blocks ------------------------------------------


@pytest.fixture
def quality_tables(warehouse):
    """The expectations stage's tables as documented, created here (the stage may not exist;
    the loader may have created them empty)."""
    warehouse.execute("drop table if exists dq_findings")
    warehouse.execute("drop table if exists publication_blocks")
    warehouse.execute("""
        create table dq_findings ("check" varchar, severity varchar, dept varchar,
            period date, ledger varchar, file varchar, sheet varchar, "row" integer,
            message_zh varchar, message_en varchar)""")
    warehouse.execute("""
        insert into dq_findings values
        ('anomaly_outpatient_visits', 'warning', 'D01', '2026-10-01', 'workload', 'workload.csv',
         null, null, '门诊人次高于近12个月均值3个标准差', 'outpatient visits 3 sd above the mean'),
        ('ward_flow', 'error', 'D02', '2026-10-01', 'workload', 'workload.csv', null, 42,
         '<b>期末在院人数</b>与出入院不平衡', 'census does not balance'),
        -- as the expectations stage writes them: the indicator only in the message
        ('anomaly_mad_zscore', 'warning', 'D01', '2026-10-01', 'discharges', null, null, null,
         '平均住院日本月为 10.00，前 6 个月的中位数为 8.00', 'Average length of stay is 10.00'),
        ('anomaly_yoy', 'warning', 'ALL', '2026-10-01', 'finance', null, null, null,
         '出院者药占比本月为 0.0%', 'Episode drug cost share is 0.0%'),
        -- notes: changes for the better, never an alarm
        ('anomaly_mad_zscore', 'info', 'D01', '2026-10-01', 'appointments', null, null, null,
         '门诊预约诊疗率较近12个月明显升高，属向好变化。', 'Appointment rate rose: better'),
        ('anomaly_mad_zscore', 'info', 'D01', '2026-10-01', 'patient_feedback', null, null, null,
         '门诊平均候诊时间较近12个月明显下降，属向好变化。', 'Waiting time fell: better')""")
    warehouse.execute("""
        create table publication_blocks (dept varchar, month date, "check" varchar,
            message_zh varchar, message_en varchar)""")
    warehouse.execute("""
        insert into publication_blocks values
        ('D02', '2026-10-01', 'ward_flow', '期末在院人数与出入院不平衡', 'census does not balance')""")
    yield
    warehouse.execute("drop table dq_findings")
    warehouse.execute("drop table publication_blocks")


def test_a_blocked_department_month_is_not_published(warehouse, quality_tables, tmp_path):
    render_reports(warehouse, tmp_path, "month", [MONTH])
    render_reports(warehouse, tmp_path, "quarter", [QUARTER])
    render_reports(warehouse, tmp_path, "week", [WEEK])
    withheld = labels.text("withheld", "zh")
    banner = labels.text("withheld_banner", "zh")
    d02_occupancy = format_value(465 / 620, NumberKind.PERCENT)  # October's 75.0%, blocked

    for period in (MONTH, QUARTER):
        page = _page(tmp_path, period, "D02.html")
        # the banner names the check in words, never its id (ward_flow: not in the catalogue)
        assert banner in page and "期末在院人数与出入院不平衡" in page and "ward_flow" not in page
        assert 'class="tile-value withheld">未发布：数据错误<' in page
        # no value cell anywhere; September (not blocked) may still show as the previous period
        assert '<td class="num value">' not in page
        row = re.search(r'<tr data-metric="bed_occupancy">(.*?)</tr>', page, re.S).group(1)
        assert '<td class="na value">—</td>' in row and withheld in row
        # the hospital's totals contain D02's month: withheld too
        hospital = _page(tmp_path, period, "ALL.html")
        assert banner in hospital and '<td class="num value">' not in hospital
    assert '<td class="num value">' in _page(tmp_path, MONTH, "D01.html")
    assert banner not in _page(tmp_path, MONTH, "D01.html")

    # D01's comparison leaves D02 out: D01 80.0%, D03 60.0%, median 70.0%; the pooled medical
    # figure contains D02 and is withheld
    d01 = _content(warehouse, "month", MONTH, "D01")
    occupancy = next(p for p in d01.peers.rows if p.row.indicator.id == "bed_occupancy")
    assert (occupancy.rank, occupancy.count, occupancy.withheld) == (1, 2, 1)
    assert occupancy.median == pytest.approx(0.7) and occupancy.group_value is None

    brief = _page(tmp_path, WEEK, "D02.html")
    assert banner in brief and withheld in brief

    dashboard = _page(tmp_path, MONTH, "dashboard.html")
    key_table = dashboard[dashboard.index('id="dashboard-table"') :]
    d02_row = re.search(r'<tr data-dept="D02"[^>]*>(.*?)</tr>', key_table, re.S).group(1)
    assert withheld in d02_row and d02_occupancy not in d02_row

    summary = openpyxl.load_workbook(tmp_path / MONTH / "D02.xlsx")[
        labels.text("summary_sheet", "zh")
    ]
    assert withheld in summary["A1"].value
    assert all(
        not isinstance(cell.value, int | float)
        for row in summary.iter_rows(min_row=3)
        for cell in row
    )
    quality = openpyxl.load_workbook(tmp_path / MONTH / "D02.xlsx")[labels.text("dq_sheet", "zh")]
    # in words, never the check's id: the block first, then the findings behind it
    assert quality["A3"].value == withheld and "期末在院人数与出入院不平衡" in quality["H3"].value
    texts = [c.value for row in quality.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("ward_flow" in text for text in texts)
    assert "项台账错误，相关数字暂不发布。" in quality["A1"].value  # the page's data-status line
    note = next(c for c in quality["A"] if c.value and "D02.quality.xlsx" in c.value)
    assert note.hyperlink.target == "D02.quality.xlsx"


def test_anomalies_join_attention_and_findings_fill_the_appendix(
    warehouse, quality_tables, tmp_path
):
    render_reports(warehouse, tmp_path, "month", [MONTH])
    d01 = _page(tmp_path, MONTH, "D01.html")
    attention = _section(d01, "attention")
    row = re.search(r'<tr data-attention="outpatient_visits">(.*?)</tr>', attention, re.S).group(1)
    assert labels.text("anomaly", "zh") in row and "门诊人次高于近12个月均值3个标准差" in row
    # the indicator named at the start of the message (the longest catalogue name that fits)
    alos = re.search(r'<tr data-attention="alos">(.*?)</tr>', attention, re.S).group(1)
    assert labels.text("anomaly", "zh") in alos and "平均住院日本月为 10.00" in alos
    assert "episode_drug_ratio" not in attention  # the hospital's anomaly, not D01's
    # one status vocabulary: the status cell holds the tile's status only, the alarm its own mark
    status_cell = re.search(r'<td class="status-cell">(.*?)</td>', alos, re.S).group(1)
    assert labels.text("anomaly", "zh") not in status_cell and "预警" in status_cell
    assert 'class="anomaly-mark"' in alos and "status-anomaly" not in d01
    # the tile says the same: 预警, and the mark beside it
    tile = re.split(r'<div class="tile[ "]', d01.split('data-metric="alos">')[1])[0]
    assert "预警" in tile and 'class="anomaly-mark"' in tile
    # a note is shown on an item that is there anyway (appointment_rate is below its band), it
    # makes none of its own (waiting time) and carries no mark
    appointments = re.search(
        r'<tr data-attention="appointment_rate">(.*?)</tr>', attention, re.S
    ).group(1)
    assert "属向好变化" in appointments and 'class="anomaly-mark"' not in appointments
    assert 'data-attention="outpatient_wait_minutes"' not in attention
    # most material first: workload (visits), efficiency (alos), then service (appointments, …)
    order = re.findall(r'data-attention="([a-z0-9_]+)"', attention)
    assert order.index("outpatient_visits") < order.index("alos") < order.index("appointment_rate")
    # the head reads one data line; the assistant's data-quality report has the findings in words
    status = _section(d01, "data-quality")
    assert "未发现问题" in status and 'href="D01.quality.html"' in status
    d01_quality = _page(tmp_path, MONTH, "D01.quality.html")
    assert "门诊人次高于" not in d01_quality  # an alarm is about a figure: 问题与原因
    assert "期末在院人数" not in d01_quality  # D02's
    hospital_attention = _section(_page(tmp_path, MONTH, "ALL.html"), "attention")
    assert 'data-attention="episode_drug_ratio"' in hospital_attention
    assert 'data-attention="outpatient_visits"' not in hospital_attention
    hospital = _section(_page(tmp_path, MONTH, "ALL.html"), "data-quality")
    assert "1项台账错误" in hospital
    quality = _page(tmp_path, MONTH, "ALL.quality.html")
    assert "&lt;b&gt;期末在院人数&lt;/b&gt;" in quality and "<b>期末在院人数" not in quality
    assert "呼吸内科" in quality and "行 42" in quality  # D02, row 42 of workload.csv
    assert "ward_flow" not in quality and "ward_flow" not in _page(tmp_path, MONTH, "ALL.html")


def test_without_the_quality_tables_the_appendix_says_checks_have_not_run(written):
    reports_dir, _ = written
    appendix = _section(_page(reports_dir, MONTH, "D01.html"), "data-quality")
    assert labels.text("dq_not_run", "zh") in appendix
