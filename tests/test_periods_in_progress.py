"""Periods in progress and groups over longer periods (METRICS.md), by hand, through the real stack:
ledger files in tmp_path -> load_inbox -> compute_months on a DuckDB file -> metrics.csv.

The hospital: MED (a ward with daily workload and finance from January 2025) and CLN (a clinic
opened on 1 March 2025 that sends only finance, and forgot August 2025). The daily workload ends on
Wednesday 13 May 2026 and finance in May 2026; the 2026 budget was entered in January for the
whole year, so June to December 2026 hold budget lines only. The data month is therefore May 2026:
2026 covers January–May (in progress), 2026-Q2 covers April–May, and week 2026-W20 (11–17 May)
covers Monday to Wednesday.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months, months_with_data
from metrics.export import write_metrics_csv
from reports.publish import render_reports
from tests.ledger_files import days, write_csv

D = dt.date
REVENUE_LINES = [f"{s}_{line}_revenue" for s in ("op", "ip")
                 for line in ("drug", "consumables", "exam", "lab", "service", "other")]  # fmt: skip
EXPENSE_LINES = ["personnel_expense", "drug_expense", "consumables_expense",
                 "depreciation_expense", "maintenance_expense", "other_expense"]  # fmt: skip
FINANCE_COLUMNS = ["month", "dept", *REVENUE_LINES, *EXPENSE_LINES, "revenue_budget"]


def months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y}-{m:02d}" <= last:
        out.append(f"{y}-{m:02d}")
        y, m = y + (m == 12), m % 12 + 1
    return out


def med_revenue(month: str) -> int:
    """MED's revenue (all of it outpatient drugs): 1000 × month number in 2025, 1100 × in 2026."""
    year, number = map(int, month.split("-"))
    return (1000 if year == 2025 else 1100) * number


def finance_row(dept: str, month: str, revenue: int, budget: int) -> list[object]:
    lines = [revenue] + [0] * (len(REVENUE_LINES) - 1)
    return [month, dept, *lines, 500, *[0] * (len(EXPENSE_LINES) - 1), budget]


def write_inbox(inbox):
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind", "start_date"],
         ["MED", "心内科", "medical", ""],
         ["CLN", "社区门诊", "medical", "2025-03-01"]],
    )  # fmt: skip
    workload = [["date", "dept", "outpatient_visits", "open_beds", "census"]]
    for day in days(D(2025, 1, 1), D(2026, 5, 13)):
        visits, census = (10, 8) if day.year == 2025 else (12, 9)
        workload.append([day.isoformat(), "MED", visits, 10, census])
    write_csv(inbox / "workload.csv", workload)
    finance = [FINANCE_COLUMNS]
    for month in months("2025-01", "2026-05"):
        finance.append(finance_row("MED", month, med_revenue(month), 10000))
    for month in months("2025-03", "2026-05"):
        if month != "2025-08":  # the clinic forgot August
            finance.append(finance_row("CLN", month, 500, 600))
    # the rest of the 2026 budget, entered in January: budget lines only
    for month in months("2026-06", "2026-12"):
        finance.append([month, "MED", *[None] * (len(REVENUE_LINES) + len(EXPENSE_LINES)), 10000])
    write_csv(inbox / "finance.csv", finance)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("in_progress")
    write_inbox(root / "inbox")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        report = load_inbox(con, root / "inbox")
        assert report.rows_rejected == 0, report.rejected_by_reason
        held = months_with_data(con)
        compute_months(con, held)
        ((raw_budget_rows,),) = con.execute(
            "select count(*) from raw_finance where month >= date '2026-06-01'"
        ).fetchall()
        write_metrics_csv(con, root / "metrics.csv")
    frame = pd.read_csv(root / "metrics.csv", dtype={"period": str})
    return held, raw_budget_rows, frame.set_index(["grain", "period", "dept", "metric"]), root


def row(run, grain, period, dept, metric) -> dict:
    values = run[2].loc[(grain, period, dept, metric)].to_dict()
    return {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in values.items()}


def test_budget_lines_ahead_load_but_hold_no_month(run):
    held, raw_budget_rows, metrics, _ = run
    assert raw_budget_rows == 7  # June–December 2026 are stored ...
    assert held[-1] == "2026-05"  # ... but do not make a month held
    assert not any(p >= "2026-06" for g, p, *_ in metrics.index if g == "month")


def test_year_in_progress_is_compared_with_the_same_months(run):
    r = row(run, "year", "2026", "MED", "medical_revenue")
    assert r["value"] == 1100 * (1 + 2 + 3 + 4 + 5)  # January–May 2026: 16,500
    assert (r["months_covered"], r["months_in_period"], r["in_progress"]) == (5, 12, True)
    # 累计同比: January–May 2025, 1000 × (1+2+3+4+5) = 15,000, not the whole of 2025 (78,000)
    assert r["yoy_period"] == "2025"
    assert r["yoy_value"] == 15000
    assert r["yoy_change_rel"] == pytest.approx(16500 / 15000 - 1)  # +10 %
    # never 环比 against the whole of 2025
    assert (r["prior_value"], r["prior_reason"]) == (None, "partial_period")
    whole = row(run, "year", "2025", "MED", "medical_revenue")
    assert whole["value"] == 1000 * 78  # 1 + … + 12 = 78
    assert (whole["months_covered"], whole["months_in_period"], whole["in_progress"]) == (
        12, 12, False)  # fmt: skip


def test_quarter_in_progress(run):
    r = row(run, "quarter", "2026-Q2", "MED", "medical_revenue")
    assert r["value"] == 1100 * (4 + 5)  # April and May 2026: 9,900
    assert (r["months_covered"], r["months_in_period"], r["in_progress"]) == (2, 3, True)
    assert r["yoy_value"] == 1000 * (4 + 5)  # April and May 2025: 9,000
    assert (r["prior_value"], r["prior_reason"]) == (None, "partial_period")
    # the quarter before is whole and keeps both comparisons
    q1 = row(run, "quarter", "2026-Q1", "MED", "medical_revenue")
    assert (q1["value"], q1["prior_value"], q1["yoy_value"]) == (1100 * 6, 1000 * 33, 1000 * 6)
    assert q1["prior_reason"] is None and q1["in_progress"] == False  # noqa: E712


def test_budget_execution_uses_the_budgets_of_the_months_covered(run):
    r = row(run, "year", "2026", "MED", "revenue_budget_execution")
    # 16,500 of the budgets of January–May (5 × 10,000), not of the year's 120,000
    assert (r["numerator"], r["denominator"]) == (16500, 50000)
    assert r["value"] == pytest.approx(0.33)


def test_week_in_progress_counts_days(run):
    r = row(run, "week", "2026-W20", "MED", "outpatient_visits")
    # Monday 11 to Wednesday 13 May 2026: 3 days × 12 visits
    assert r["value"] == 36
    assert (r["months_covered"], r["months_in_period"], r["in_progress"]) == (3, 7, True)
    # the same weekdays of 2025-W20: Monday 12 to Wednesday 14 May 2025, 3 × 10 visits
    assert r["yoy_value"] == 30
    assert (r["prior_value"], r["prior_reason"]) == (None, "partial_period")
    beds = row(run, "week", "2026-W20", "MED", "avg_open_beds")
    assert (beds["numerator"], beds["denominator"], beds["value"]) == (30, 3, 10)  # 30 bed-days / 3
    whole = row(run, "week", "2026-W19", "MED", "outpatient_visits")
    assert (whole["value"], whole["prior_value"], whole["in_progress"]) == (84, 84, False)


def test_a_group_sums_the_departments_complete_for_the_period(run):
    # 2025: CLN (open from March) lacks August, so the hospital's year is MED's alone, and says so
    r = row(run, "year", "2025", "ALL", "medical_revenue")
    assert r["value"] == 1000 * 78
    assert (r["depts_included"], r["depts_in_group"]) == (1, 2)
    q3 = row(run, "quarter", "2025-Q3", "ALL", "medical_revenue")
    assert (q3["value"], q3["depts_included"]) == (1000 * (7 + 8 + 9), 1)
    # 2025-Q1: CLN opened in March, so March alone makes it complete for the quarter
    q1 = row(run, "quarter", "2025-Q1", "ALL", "medical_revenue")
    assert (q1["value"], q1["depts_included"], q1["depts_in_group"]) == (6000 + 500, 2, 2)
    # 2026 through May: both complete; 累计同比 over January–May 2025, when CLN gave March–May
    y = row(run, "year", "2026", "ALL", "medical_revenue")
    assert y["value"] == 16500 + 5 * 500
    assert y["yoy_value"] == 15000 + 3 * 500
    # a department's own row carries no coverage
    assert row(run, "year", "2025", "MED", "medical_revenue")["depts_included"] is None


def test_year_to_date_against_the_annual_budget_entered_ahead(run):
    """METRICS.md "Year to date": May 2026 of MED, whose 2026 budget (10,000 a month) was entered
    in January for the whole year."""
    ytd = row(run, "month", "2026-05", "MED", "revenue_ytd")
    assert ytd["value"] == 1100 * (1 + 2 + 3 + 4 + 5)  # 16,500
    assert row(run, "month", "2026-05", "MED", "expense_ytd")["value"] == 5 * 500
    progress = row(run, "month", "2026-05", "MED", "time_progress")
    # 1 January to 31 May: 31 + 28 + 31 + 30 + 31 = 151 days of 365
    assert (progress["numerator"], progress["denominator"]) == (151, 365)
    attained = row(run, "month", "2026-05", "MED", "revenue_budget_ytd_execution")
    # the whole year's budget, the months ahead included: 12 × 10,000
    assert (attained["numerator"], attained["denominator"]) == (16500, 120000)
    # its band is the time progress ± 5 points: 41.4 % ± 5; 13.75 % is far below
    assert attained["band_low"] == pytest.approx(151 / 365 - 0.05)
    assert attained["band_high"] == pytest.approx(151 / 365 + 0.05)
    assert attained["status"] == "alert"
    # the forecast scales this year's to-date by last year's shape: 2025 made 15,000 by May of
    # its 78,000, so 16,500 × 78,000 / 15,000 = 85,800
    forecast = row(run, "month", "2026-05", "MED", "revenue_forecast")
    assert forecast["value"] == pytest.approx(85800)
    assert (forecast["numerator"], forecast["denominator"]) == (16500, pytest.approx(15000 / 78000))
    assert row(run, "month", "2026-05", "MED", "revenue_forecast_execution")["value"] == (
        pytest.approx(85800 / 120000)
    )
    # no whole 2024: no forecast in 2025
    early = row(run, "month", "2025-05", "MED", "revenue_forecast")
    assert (early["value"], early["reason"]) == (None, "no_last_year")
    # the expense budget is never entered: not available, and why
    expense = row(run, "month", "2026-05", "MED", "expense_budget_ytd_execution")
    assert (expense["value"], expense["reason"]) == (None, "no_budget_year")
    # the hospital's: CLN entered its 2026 budget for January–May only, so the hospital's
    # annual budget is unknown rather than MED's alone
    hospital = row(run, "month", "2026-05", "ALL", "revenue_budget_ytd_execution")
    assert (hospital["value"], hospital["reason"]) == (None, "no_budget_year")
    # month grain only
    assert ("year", "2026", "MED", "revenue_ytd") not in run[2].index


def test_the_monthly_report_shows_the_year_to_date_in_wan(run):
    """The finance office's table (reports/content/budget.py), May 2026 of MED, in 万元."""
    root = run[3]
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        written = render_reports(con, root / "reports", "month", ["2026-05"]).rendered
    page = next(p for p in written if p.name == "MED.html").read_text(encoding="utf-8")
    table = page[page.index('id="budget"') : page.index("</table>", page.index('id="budget"'))]
    cells = re.findall(r'<td class="num">\s*([^<]*?)\s*(?:<span|</td>)', table)
    revenue = cells[:8]
    # 本月 5,500 元; to date 16,500; January–May 2025 15,000; +10.0 %; budget 12 × 10,000;
    # 16,500 / 120,000 = 13.8 %; 151 / 365 = 41.4 %; forecast 85,800
    assert revenue == ["0.55", "1.65", "1.50", "+10.0%", "12.00", "13.8%", "41.4%", "8.58"]
    assert 'data-budget="margin"' in table and "status-alert" in table
    # a quarter's report has it at the quarter's end (March, the month grain's figures), its
    # first column the quarter's: 1,100 × (1 + 2 + 3) = 6,600, which is also the year to date;
    # January–March 2025 1,000 × 6 = 6,000, +10.0 %; 6,600 / 120,000 = 5.5 %; 90 / 365 =
    # 24.7 %; forecast 6,600 × 78,000 / 6,000 = 85,800
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        quarter = render_reports(con, root / "reports", "quarter", ["2026-Q1"]).rendered
    page = next(p for p in quarter if p.name == "MED.html").read_text(encoding="utf-8")
    table = page[page.index('id="budget"') : page.index("</table>", page.index('id="budget"'))]
    assert "本季度" in table
    cells = re.findall(r'<td class="num">\s*([^<]*?)\s*(?:<span|</td>)', table)
    assert cells[:8] == ["0.66", "0.66", "0.60", "+10.0%", "12.00", "5.5%", "24.7%", "8.58"]


def test_the_recommendation_for_a_revenue_behind_the_time_progress(run):
    """reports/recommendations.toml, revenue_budget_ytd_execution low: MED, May 2026."""
    root = run[3]
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        written = render_reports(con, root / "advice", "month", ["2026-05"]).rendered
    page = next(p for p in written if p.name == "MED.html").read_text(encoding="utf-8")
    advice = re.search(
        r'<li data-recommendation="revenue_budget_ytd_execution">(.*?)</li>', page, re.S
    )[1]
    # attained 16,500 / 120,000 = 13.75 %; band: time progress 151 / 365 = 41.37 % ± 5 points, so
    # the limit is 36.37 %; at the same budget the revenue to date is (0.363699 − 0.1375) ×
    # 120,000 = 27,143.8 behind (a month's report: one month, the whole of it), read in 万元:
    # 27,143.8 / 10,000 = 2.71
    limit = 151 / 365 - 0.05
    assert round((limit - 16_500 / 120_000) * 120_000) == 27_144
    assert "低于时间进度对应的下限36.4%：本年累计医疗收入约比进度少2.71万元" in advice
