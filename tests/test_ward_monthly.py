"""The monthly ward summary (病房工作月报, issue 15): a hospital whose information system gives no
daily rows reports its wards by month. Its bed indicators come out at month, quarter and year and
for the hospital and its kinds; its weekly indicators are absent with the reason `monthly_only`;
where a department has daily rows and a summary for one month, the daily rows win."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ledgers.loader import load_inbox
from metrics.catalogue import reason_text
from metrics.compute import compute_months
from tests.ledger_files import days, write_csv, write_xlsx

DEPARTMENTS = [
    ["科室编码", "科室名称", "科室类型"],
    ["D01", "心内科", "内科"],  # monthly ward summary only
    ["D02", "普外科", "外科"],  # daily rows, and a summary of September that must be ignored
]

# 月份, 科室, 实际开放总床日数, 平均开放床位, 实际占用总床日数, 入院人数, 出院人数
SUMMARY = [
    [
        "月份",
        "科室",
        "实际开放总床日数",
        "平均开放床位",
        "实际占用总床日数",
        "入院人数",
        "出院人数",
    ],
    ["2026-07", "D01", None, 30, 744, 60, 62],  # open bed-days = 30 beds × 31 days = 930
    ["2026-08", "D01", 900, None, 810, 70, 68],
    ["2026-09", "D01", None, 30, 780, 65, 66],  # 30 beds × 30 days = 900
    ["2026-09", "D02", 600, None, 500, 40, 45],  # D02 has daily rows for September: ignored
]


def _inbox(tmp_path: Path) -> Path:
    import datetime as dt

    inbox = tmp_path / "inbox"
    write_csv(inbox / "departments.csv", DEPARTMENTS)
    write_xlsx(inbox / "病房工作月报.xlsx", {"月报": SUMMARY})
    # D02, every day of September 2026: 18 open beds, census 12, one admission, one discharge.
    workload = [["日期", "科室", "实际开放床位", "期末在院人数", "入院人数", "出院人数"]]
    workload += [
        [d.isoformat(), "D02", 18, 12, 1, 1]
        for d in days(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    ]
    write_csv(inbox / "业务量.csv", workload)
    # D01's episodes discharged in September 2026: stays of 3, 5, 7 and 9 days.
    episodes = [["病例编号", "出院科室", "入院日期", "出院日期"]]
    for i, stay in enumerate([3, 5, 7, 9]):
        out = dt.date(2026, 9, 20)
        episodes.append([f"E{i}", "D01", (out - dt.timedelta(days=stay)).isoformat(), out])
    write_csv(inbox / "出院.csv", episodes)
    return inbox


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    tmp_path = tmp_path_factory.mktemp("ward_monthly")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_inbox(con, _inbox(tmp_path))
    assert report.rows_rejected == 0, report.rejected_by_reason
    assert report.rows_by_kind["ward_monthly"] == 4
    compute_months(con, ["2026-07", "2026-08", "2026-09"])
    return con


def _value(con, metric: str, grain: str, period: str, dept: str) -> tuple:
    return con.execute(
        """select value, numerator, denominator, reason from metric_values
           where grain = ? and period = ? and dept = ? and metric = ?""",
        [grain, period, dept, metric],
    ).fetchone()


def test_a_month_of_the_summary_gives_the_bed_indicators(warehouse):
    """July 2026, D01: open bed-days = 30 average beds × 31 days = 930; occupied 744.
    occupancy = 744 / 930 = 80.0%; average open beds = 930 / 31 = 30;
    turnover = 62 discharges / 30 beds = 2.0667; bed work days = 744 / 30 = 24.8."""
    con = warehouse
    assert _value(con, "available_bed_days", "month", "2026-07", "D01")[:3] == pytest.approx(
        (930, 930, 1)
    )
    assert _value(con, "bed_occupancy", "month", "2026-07", "D01")[:3] == pytest.approx(
        (744 / 930, 744, 930)
    )
    assert _value(con, "avg_open_beds", "month", "2026-07", "D01")[0] == pytest.approx(930 / 31)
    assert _value(con, "bed_turnover", "month", "2026-07", "D01")[:3] == pytest.approx(
        (62 / (930 / 31), 62, 30)
    )
    assert _value(con, "bed_work_days", "month", "2026-07", "D01")[0] == pytest.approx(744 / 30)
    assert _value(con, "admissions", "month", "2026-07", "D01")[0] == 60
    # August gives open bed-days directly: 810 / 900 = 90.0%
    assert _value(con, "bed_occupancy", "month", "2026-08", "D01")[0] == pytest.approx(810 / 900)


def test_alos_comes_from_the_discharged_episodes(warehouse):
    """September 2026, D01: episodes of 3, 5, 7 and 9 days: ALOS = (3 + 5 + 7 + 9) / 4 = 6.0."""
    assert _value(warehouse, "alos", "month", "2026-09", "D01")[:3] == pytest.approx((6.0, 24, 4))


def test_quarter_year_and_groups_sum_the_months(warehouse):
    """2026-Q3, D01: open bed-days 930 + 900 + 900 = 2730 over 92 days; occupied
    744 + 810 + 780 = 2334; discharges 62 + 68 + 66 = 196.
    occupancy = 2334 / 2730; average open beds = 2730 / 92; turnover = 196 / (2730 / 92).
    The year 2026 holds those three months only: the same sums over the same 92 days."""
    con = warehouse
    for grain, period in [("quarter", "2026-Q3"), ("year", "2026")]:
        assert _value(con, "bed_occupancy", grain, period, "D01")[:3] == pytest.approx(
            (2334 / 2730, 2334, 2730)
        )
        assert _value(con, "avg_open_beds", grain, period, "D01")[0] == pytest.approx(2730 / 92)
        assert _value(con, "bed_turnover", grain, period, "D01")[:3] == pytest.approx(
            (196 / (2730 / 92), 196, 2730 / 92)
        )
        assert _value(con, "discharges", grain, period, "D01")[0] == 196
    # September 2026, the hospital: D01's summary (900 open, 780 occupied, 66 discharges) plus
    # D02's daily rows (18 × 30 = 540 open, 12 × 30 = 360 occupied, 30 discharges), not D02's
    # summary: occupancy = (780 + 360) / (900 + 540) = 1140 / 1440; turnover = 96 / (1440 / 30).
    assert _value(con, "bed_occupancy", "month", "2026-09", "ALL")[:3] == pytest.approx(
        (1140 / 1440, 1140, 1440)
    )
    assert _value(con, "bed_turnover", "month", "2026-09", "ALL")[:3] == pytest.approx(
        (96 / 48, 96, 48)
    )
    # the medical kind is D01 alone
    assert _value(con, "bed_occupancy", "month", "2026-09", "KIND:medical")[:3] == pytest.approx(
        (780 / 900, 780, 900)
    )


def test_daily_rows_win_over_the_summary_of_the_same_month(warehouse):
    """D02, September 2026: the daily rows give 18 × 30 = 540 open bed-days, 12 × 30 = 360
    occupied and 30 discharges; its summary (600, 500, 45) is ignored: occupancy 360 / 540."""
    con = warehouse
    assert _value(con, "available_bed_days", "month", "2026-09", "D02")[0] == 540
    assert _value(con, "bed_occupancy", "month", "2026-09", "D02")[:3] == pytest.approx(
        (360 / 540, 360, 540)
    )
    assert _value(con, "discharges", "month", "2026-09", "D02")[0] == 30
    assert _value(con, "admissions", "month", "2026-09", "D02")[0] == 30


def test_weeks_of_a_department_known_only_by_month_say_why(warehouse):
    """2026-W37 (7 to 13 September): D02's daily rows give 18 × 7 = 126 open bed-days; D01 has
    no days: every weekly indicator is null with the reason monthly_only, not no_workload."""
    con = warehouse
    assert _value(con, "available_bed_days", "week", "2026-W37", "D02")[0] == 126
    rows = con.execute(
        """select distinct value, reason from metric_values
           where grain = 'week' and period = '2026-W37' and dept = 'D01'"""
    ).fetchall()
    assert rows == [(None, "monthly_only")]
    assert "病房工作月报" in reason_text("monthly_only", "zh")


def test_a_hospital_week_says_it_lacks_the_summary_only_departments(warehouse):
    """2026-W37 for the hospital: only D02 has days (126 open bed-days, 18 × 7); D01 gives its
    September by the monthly summary alone. The hospital's week is D02's sum, and it says so:
    1 department of 2 (depts_included / depts_in_group), never read as the whole hospital.
    September itself (month grain) has both departments through the summary: no such note."""
    con = warehouse
    week = con.execute(
        """select value, depts_included, depts_in_group from metric_values
           where grain = 'week' and period = '2026-W37' and dept = 'ALL'
             and metric = 'available_bed_days'"""
    ).fetchone()
    assert week == (126, 1, 2)
    # 900 (D01: 30 beds × 30 days) + 540 (D02) = 1,440, with no coverage note at month grain
    month = con.execute(
        """select value, depts_included, depts_in_group from metric_values
           where grain = 'month' and period = '2026-09' and dept = 'ALL'
             and metric = 'available_bed_days'"""
    ).fetchone()
    assert month[0] == 1440
    assert month[1] is None or month[1] == month[2]
