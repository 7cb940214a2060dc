"""Definitions that match their names (issue 14), against values computed by hand through the
real stack: ledger files in tmp_path -> load_inbox -> compute_months on a DuckDB file.

The hospital, January and February 2026 (31 and 28 days; with no holidays, 22 and 20 workdays
Monday to Friday), three departments, each with one full-time doctor all through:
- MED (medical) keeps a hospital-wide workload file with emergency visits: 30 outpatient and 10
  emergency visits a day.
- ER2 (medical) is in the same file with 20 outpatient visits a day; its emergency cells are blank
  in January and 5 a day in February: a blank cell in a file that gives emergency visits is unknown.
- RAD (medtech, 放射科) keeps its own workload file with no emergency column at all: 10 outpatient
  visits a day. It has no emergency service, so its 门急诊人次 is its outpatient visits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ledgers.loader import load_inbox
from metrics import catalogue
from metrics.compute import compute_months
from metrics.export import write_metrics_csv
from tests.ledger_files import days, write_csv

D = dt.date
MONTHS = ["2026-01", "2026-02"]
MONTH_DAYS = {"2026-01": days(D(2026, 1, 1), D(2026, 1, 31)),
              "2026-02": days(D(2026, 2, 1), D(2026, 2, 28))}  # fmt: skip


def write_inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind"], ["MED", "心内科", "medical"], ["ER2", "急诊二科", "medical"],
         ["RAD", "放射科", "medtech"]],
    )  # fmt: skip
    hospital = [["date", "dept", "outpatient_visits", "emergency_visits"]]
    for month, month_days in MONTH_DAYS.items():
        for day in month_days:
            hospital.append([day.isoformat(), "MED", 30, 10])
            hospital.append([day.isoformat(), "ER2", 20, None if month == "2026-01" else 5])
    write_csv(inbox / "workload_hospital.csv", hospital)
    write_csv(
        inbox / "workload_rad.csv",
        [["date", "dept", "outpatient_visits", "exams"]]
        + [[day.isoformat(), "RAD", 10, 40] for d in MONTH_DAYS.values() for day in d],
    )
    # Outpatient revenue per department and month, all of it medical service; complaints.
    op_lines = ["op_drug_revenue", "op_consumables_revenue", "op_exam_revenue", "op_lab_revenue",
                "op_service_revenue", "op_other_revenue"]  # fmt: skip
    write_csv(
        inbox / "finance.csv",
        [["month", "dept", *op_lines]]
        + [[m, dept, 0, 0, 0, 0, revenue, 0] for m in MONTHS
           for dept, revenue in (("MED", 124000), ("ER2", 62000), ("RAD", 31000))],
    )  # fmt: skip
    write_csv(
        inbox / "patient_feedback.csv",
        [["month", "dept", "complaints"]]
        + [[m, dept, 2] for m in MONTHS for dept in ("MED", "ER2", "RAD")],
    )
    # One full-time doctor in every department all through.
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "fte", "start_date"]]
        + [[dept, f"{dept}01", "doctor", 1, "2020-01-01"] for dept in ("MED", "ER2", "RAD")],
    )


@pytest.fixture(scope="module")
def metrics(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("definitions")
    write_inbox(root / "inbox")
    (root / "holidays.toml").write_text("holidays = []\nadjusted_workdays = []\n", "utf-8")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        report = load_inbox(con, root / "inbox")
        assert report.rows_rejected == 0, report.rejected_by_reason
        compute_months(con, MONTHS, holidays=root / "holidays.toml")
        write_metrics_csv(con, root / "metrics.csv")
    frame = pd.read_csv(root / "metrics.csv", dtype={"period": str})
    return frame.set_index(["grain", "period", "dept", "metric"]).sort_index()


def cell(metrics, period: str, dept: str, metric: str, column: str = "value"):
    value = metrics.loc[("month", period, dept, metric), column]
    return None if pd.isna(value) else value


def test_department_without_emergency_column_counts_outpatient_visits(metrics):
    # RAD, January: 31 days × 10 outpatient visits = 310 visits, 0 emergency (no such service).
    assert cell(metrics, "2026-01", "RAD", "emergency_visits") == 0
    # 门急诊次均费用 = op_revenue / visits = 31,000 / 310 = 100 元
    assert cell(metrics, "2026-01", "RAD", "op_revenue_per_visit") == pytest.approx(100)
    assert cell(metrics, "2026-01", "RAD", "op_revenue_per_visit", "denominator") == 310
    # 每万人次投诉数 = 2 complaints / (310 visits + 0 discharges: no beds) × 10,000 = 64.52
    assert cell(metrics, "2026-01", "RAD", "complaints_per_10k") == pytest.approx(2 / 310 * 1e4)
    # 医师日均担负诊疗人次 = 310 / (31 doctor FTE-days × 22 workdays / 31 days) = 310 / 22
    assert cell(metrics, "2026-01", "RAD", "visits_per_doctor_day") == pytest.approx(310 / 22)
    # February: 28 × 10 = 280 visits; 31,000 / 280 = 110.714...; 280 / 20 workdays = 14
    assert cell(metrics, "2026-02", "RAD", "op_revenue_per_visit") == pytest.approx(31000 / 280)
    assert cell(metrics, "2026-02", "RAD", "visits_per_doctor_day") == pytest.approx(14)


def test_department_with_emergency_counts_both(metrics):
    # MED, January: 31 × (30 + 10) = 1,240 visits; 124,000 / 1,240 = 100 元
    assert cell(metrics, "2026-01", "MED", "op_revenue_per_visit") == pytest.approx(100)
    assert cell(metrics, "2026-01", "MED", "op_revenue_per_visit", "denominator") == 1240


def test_blank_emergency_cells_in_a_file_that_has_them_stay_unknown(metrics):
    # Near miss: ER2's January emergency cells are blank in a file that gives emergency visits
    # (MED's, and ER2's own in February): unknown, so its visits are unknown, not 620.
    assert cell(metrics, "2026-01", "ER2", "emergency_visits") is None
    assert cell(metrics, "2026-01", "ER2", "op_revenue_per_visit") is None
    # February: 28 × (20 + 5) = 700 visits; 62,000 / 700 = 88.57 元
    assert cell(metrics, "2026-02", "ER2", "op_revenue_per_visit") == pytest.approx(62000 / 700)


def test_names_say_what_the_formula_computes():
    # op_revenue / (outpatient + emergency visits) is 门急诊, not 门诊; consumables_expense over
    # revenue less drug revenue says 不含药品收入 (METRICS.md, Economics).
    names = {i.id: i.zh for i in catalogue.indicators().values()}
    assert names["op_revenue_per_visit"] == "门急诊次均费用"
    assert names["consumables_per_100"] == "百元医疗收入（不含药品收入）消耗卫生材料"
