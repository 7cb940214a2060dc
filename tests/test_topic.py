"""Special-topic reports (专题分析, issue 19) over a range of months that crosses a year, against
values computed by hand through the real stack: ledger files in tmp_path -> load_inbox ->
compute_months on a DuckDB file -> the range's indicators (metrics.ranges) -> the report.

The range is 2025-11 … 2026-02 (30 + 31 + 31 + 28 = 120 days); a year earlier 2024-11 … 2025-02
(also 120 days). The ledgers hold those eight months only. Three departments, 20 open beds each
every day:
- MED 心内科 (medical, assistant 张三): midnight census per month
      2024-11 16, 2024-12 15, 2025-01 14, 2025-02 16   |   2025-11 18, 2025-12 16, 2026-01 15, 2026-02 17
  10 outpatient visits a day a year earlier, 12 in the range; outpatient service revenue 30,000 a
  month a year earlier, 36,000 in Nov, Dec and Jan and 40,000 in Feb.
- RES 呼吸科 (medical, assistant 李/四): census 18 every day; 20,000 a month, 5 visits a day.
- CAR 心外科 (surgical, assistant 张三): census 10 every day; 10,000 a month, 4 visits a day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months
from metrics.ranges import PARTIAL, evaluate_range
from tests.ledger_files import days, write_csv

D = dt.date
LAST_YEAR = ["2024-11", "2024-12", "2025-01", "2025-02"]
RANGE = ["2025-11", "2025-12", "2026-01", "2026-02"]
MONTHS = LAST_YEAR + RANGE
MED_CENSUS = dict(zip(MONTHS, [16, 15, 14, 16, 18, 16, 15, 17], strict=True))
MED_REVENUE = dict(zip(MONTHS, [30000] * 4 + [36000, 36000, 36000, 40000], strict=True))
DEPARTMENTS = [
    ["code", "name_zh", "name_en", "kind", "assistant"],
    ["MED", "心内科", "Cardiology", "medical", "张三"],
    ["RES", "呼吸科", "Respiratory", "medical", "李/四"],
    ["CAR", "心外科", "Cardiac surgery", "surgical", "张三"],
]
REVENUE_LINES = [
    f"{side}_{line}_revenue"
    for side in ("op", "ip")
    for line in ("drug", "consumables", "exam", "lab", "service", "other")
]


def month_days(month: str) -> list[dt.date]:
    first = D.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return days(first, following - dt.timedelta(days=1))


def census(dept: str, month: str) -> int:
    return {"MED": MED_CENSUS[month], "RES": 18, "CAR": 10}[dept]


def visits(dept: str, month: str) -> int:
    return {"MED": 10 if month in LAST_YEAR else 12, "RES": 5, "CAR": 4}[dept]


def revenue(dept: str, month: str) -> int:
    return {"MED": MED_REVENUE[month], "RES": 20000, "CAR": 10000}[dept]


def write_inbox(inbox: Path) -> None:
    write_csv(inbox / "departments.csv", DEPARTMENTS)
    workload = [["date", "dept", "open_beds", "census", "outpatient_visits"]]
    for month in MONTHS:
        for day in month_days(month):
            for dept in ("MED", "RES", "CAR"):
                workload.append(
                    [day.isoformat(), dept, 20, census(dept, month), visits(dept, month)]
                )
    write_csv(inbox / "workload.csv", workload)
    finance = [["month", "dept", *REVENUE_LINES]]
    for month in MONTHS:
        for dept in ("MED", "RES", "CAR"):
            lines = {line: 0 for line in REVENUE_LINES} | {
                "op_service_revenue": revenue(dept, month)
            }
            finance.append([month, dept, *lines.values()])
    write_csv(inbox / "finance.csv", finance)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("topic")
    write_inbox(root / "inbox")
    (root / "holidays.toml").write_text("holidays = []\nadjusted_workdays = []\n", "utf-8")
    path = root / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        report = load_inbox(con, root / "inbox")
        assert report.rows_rejected == 0, report.rejected_by_reason
        compute_months(con, MONTHS, holidays=root / "holidays.toml")
    return path


@pytest.fixture(scope="module")
def figures(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:  # temp tables only
        return evaluate_range(con, "2025-11", "2026-02")


def test_range_is_a_formula_over_summed_measures(figures):
    occupancy = figures.value("MED", "bed_occupancy")
    # MED, 2025-11 … 2026-02: occupied bed-days 18×30 + 16×31 + 15×31 + 17×28
    #   = 540 + 496 + 465 + 476 = 1,977; available 20 × 120 = 2,400; 1,977 / 2,400 = 0.82375
    # (the mean of the monthly rates, (0.90 + 0.80 + 0.75 + 0.85) / 4 = 0.825, would be wrong)
    assert occupancy.numerator == 1977
    assert occupancy.denominator == 2400
    assert occupancy.value == pytest.approx(0.82375)
    assert (occupancy.months_covered, occupancy.months_in_period) == (4, 4)
    # a year earlier: 16×30 + 15×31 + 14×31 + 16×28 = 480 + 465 + 434 + 448 = 1,827 / 2,400
    assert figures.value("MED", "bed_occupancy", last_year=True).value == pytest.approx(0.76125)
    # avg_open_beds = 2,400 bed-days / 120 days = 20 (days(P) of the range, not summed per month)
    assert figures.value("MED", "avg_open_beds").value == pytest.approx(20)


def test_range_of_a_ratio_of_money(figures):
    # 门急诊次均费用, MED: (36,000 × 3 + 40,000) / (12 × 120) = 148,000 / 1,440 = 102.78 元;
    # a year earlier 120,000 / 1,200 = 100 元
    now = figures.value("MED", "op_revenue_per_visit")
    assert (now.numerator, now.denominator) == (148000, 1440)
    assert now.value == pytest.approx(148000 / 1440)
    assert figures.value("MED", "op_revenue_per_visit", last_year=True).value == pytest.approx(100)
    # the hospital: (148,000 + 4 × 20,000 + 4 × 10,000) / ((12 + 5 + 4) × 120)
    #   = 268,000 / 2,520 = 106.35 元
    assert figures.value("ALL", "op_revenue_per_visit").value == pytest.approx(268000 / 2520)
    # 内科系统 (MED + RES): (148,000 + 80,000) / ((12 + 5) × 120) = 228,000 / 2,040
    assert figures.value("KIND:medical", "op_revenue_per_visit").value == pytest.approx(
        228000 / 2040
    )


def test_a_window_the_data_does_not_hold_whole_has_no_value(warehouse):
    # 2025-12 … 2026-03: March is not held (3 of 4 months); a year earlier only 2024-12 … 2025-02
    with duckdb.connect(str(warehouse), read_only=True) as con:
        partial = evaluate_range(con, "2025-12", "2026-03")
    occupancy = partial.value("MED", "bed_occupancy")
    assert occupancy.value is None and occupancy.reason == PARTIAL
    assert (occupancy.months_covered, occupancy.months_in_period) == (3, 4)


def test_range_spelling_is_checked(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        with pytest.raises(ValueError, match="YYYY-MM"):
            evaluate_range(con, "2025-13", "2026-02")
        with pytest.raises(ValueError, match="after it ends"):
            evaluate_range(con, "2026-02", "2025-11")
