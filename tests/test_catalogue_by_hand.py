"""Every indicator of the catalogue against values computed by hand, through the real stack:
ledger files in tmp_path -> load_inbox -> compute_months on a DuckDB file -> metrics.csv.

The hospital: a medical ward MED (10 beds; closed for works in February 2024) and a surgical ward
SUR (20 beds, 30 in February 2025), January to March of 2024 and of 2025, every ledger kind, daily
figures constant within a month so that a month's sum is days × the day's figure.

Three layers of checks:
1. HAND_CASES: for every indicator, values written as arithmetic with a comment, among them the
   cases where a ratio of sums is not a mean or a sum of ratios, and the null-with-reason cases.
   A catalogue indicator without a hand case fails the test.
2. The hand model (`Hand`): the ledgers' monthly sums as a person would total them, the formulas of
   METRICS.md, and its aggregation rules (ratio of sums; FTE-days / days; the months-present rule of
   the monthly ledgers). Every indicator at every grain, period and group, with prior (环比) and
   year-ago (同比) values, their absolute (percentage-point) and relative changes, band and status
   is compared with it.
3. Rows: exactly one per grain, period, group and indicator; weeks only for the weekly indicators.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ledgers.loader import load_inbox
from metrics import catalogue
from metrics.compute import compute_months, months_with_data
from metrics.export import COLUMNS, write_metrics_csv
from tests.ledger_files import days, write_csv, write_xlsx

D = dt.date
MONTHS = ["2024-01", "2024-02", "2024-03", "2025-01", "2025-02", "2025-03"]
KIND = {"MED": "medical", "SUR": "surgical"}
GROUPS = {
    "MED": ["MED"],
    "SUR": ["SUR"],
    "KIND:medical": ["MED"],
    "KIND:surgical": ["SUR"],
    "ALL": ["MED", "SUR"],
}

# --- the ledgers ------------------------------------------------------------------------------

# Daily workload, the same every day of a month: outpatient and emergency visits, admissions,
# discharges, open beds, midnight census, surgeries, examinations.
W = dict  # noqa: N816 -- a short name keeps the table readable
# fmt: off
WORKLOAD = {
    "MED": {
        "2024-01": W(op=30, em=10, adm=1, dis=1, beds=10, census=6, surg=0, exams=4),
        "2024-02": W(op=30, em=10, adm=0, dis=0, beds=0, census=0, surg=0, exams=4),  # ward closed
        "2024-03": W(op=30, em=10, adm=1, dis=1, beds=10, census=8, surg=0, exams=4),
        "2025-01": W(op=40, em=10, adm=1, dis=1, beds=10, census=8, surg=0, exams=5),
        "2025-02": W(op=50, em=10, adm=2, dis=2, beds=10, census=9, surg=0, exams=5),
        "2025-03": W(op=40, em=10, adm=1, dis=1, beds=10, census=7, surg=0, exams=5),
    },
    "SUR": {
        "2024-01": W(op=20, em=5, adm=2, dis=2, beds=20, census=16, surg=1, exams=2),
        "2024-02": W(op=20, em=5, adm=2, dis=2, beds=20, census=16, surg=1, exams=2),
        "2024-03": W(op=20, em=5, adm=2, dis=2, beds=20, census=16, surg=1, exams=2),
        "2025-01": W(op=20, em=5, adm=2, dis=2, beds=20, census=15, surg=1, exams=2),
        "2025-02": W(op=20, em=5, adm=4, dis=4, beds=30, census=27, surg=2, exams=2),  # 10 more beds
        "2025-03": W(op=20, em=5, adm=2, dis=2, beds=20, census=18, surg=1, exams=2),
    },
}
# fmt: on


@dataclass(frozen=True)
class Episode:
    id: str
    dept: str
    admit: str
    discharge: str
    surgery: str | None
    grade: int | None
    outcome: str
    complication: bool | None
    total_cost: int
    drug_cost: int

    @property
    def los(self) -> int:  # a stay of 0 days counts as 1
        return max((D.fromisoformat(self.discharge) - D.fromisoformat(self.admit)).days, 1)

    @property
    def preop(self) -> int:
        return (D.fromisoformat(self.surgery) - D.fromisoformat(self.admit)).days

    @property
    def month(self) -> str:
        return self.discharge[:7]


# fmt: off
EPISODES = [
    # MED: stays of 4, 0 (counts as 1) and 13 days in 2025; none discharged in March 2025
    Episode("m1", "MED", "2025-01-02", "2025-01-06", None, None, "cured", False, 5000, 2000),
    Episode("m2", "MED", "2025-01-10", "2025-01-10", None, None, "improved", True, 1000, 500),
    Episode("m3", "MED", "2025-01-20", "2025-02-02", None, None, "died", False, 9000, 3000),
    Episode("m4", "MED", "2024-01-03", "2024-01-09", None, None, "cured", False, 4000, 1000),
    # SUR: s5's complication is not recorded (blank), s4 had no operation
    Episode("s1", "SUR", "2025-01-03", "2025-01-10", "2025-01-05", 3, "cured", False, 20000, 4000),
    Episode("s2", "SUR", "2025-01-12", "2025-01-15", "2025-01-12", 2, "improved", True, 10000, 1000),
    Episode("s3", "SUR", "2025-02-01", "2025-02-11", "2025-02-04", 4, "cured", False, 30000, 6000),
    Episode("s4", "SUR", "2025-02-05", "2025-02-08", None, None, "unhealed", False, 6000, 3000),
    Episode("s5", "SUR", "2025-03-01", "2025-03-09", "2025-03-02", 1, "improved", None, 12000, 2400),
    Episode("s6", "SUR", "2024-01-02", "2024-01-12", "2024-01-04", 3, "cured", False, 15000, 3000),
    Episode("s7", "SUR", "2024-02-01", "2024-02-06", "2024-02-02", 2, "improved", True, 8000, 2000),
]
# fmt: on

# Per episode: payer, DRG code, insurance fund payment, DRG/DIP payment standard. s4's code XX99 has
# no weights row (not grouped, 未入组); self-pay (自费, self-pay) is uninsured; s4 records no payer.
INSURANCE = {
    "m1": ("职工医保", "FR21", 3500, 5500),
    "m2": ("自费", "FR21", None, None),
    "m3": ("居民医保", "ES31", 6000, 8000),
    "m4": ("职工医保", "FR21", 2800, 4500),
    "s1": ("职工医保", "GB11", 14000, 18000),
    "s2": ("self-pay", "GB11", None, None),
    "s3": ("居民医保", "GB25", 21000, 28000),
    "s4": (None, "XX99", None, None),
    "s5": ("职工医保", "GB11", 8000, 12500),
    "s6": ("职工医保", "GB11", 10000, 16000),
    "s7": ("居民医保", "GB25", 5000, 9000),
}
SELF_PAY = {"自费", "self-pay"}
# drg, name, weight, benchmark stay, benchmark cost, low risk, year. GB11 has its own 2025 row (an
# episode discharged in 2025 uses it; 2024's use the row without a year); GB25 has no benchmark cost.
DRG_WEIGHTS = [
    ("FR21", "心力衰竭", 0.8, 6, 5000, True, None),
    ("ES31", "呼吸系统感染", 1.2, 10, 8000, True, None),
    ("GB11", "胃肠手术", 2.0, 8, 18000, False, None),
    ("GB11", "胃肠手术", 2.2, 8, 20000, False, 2025),
    ("GB25", "肝胆手术", 3.0, 10, None, False, None),
]


def weights_row(e: Episode) -> tuple | None:
    """The episode's weights row: its discharge year's first, else the row without a year."""
    drg, year = INSURANCE[e.id][1], int(e.discharge[:4])
    rows = [w for w in DRG_WEIGHTS if w[0] == drg]
    return next((w for w in rows if w[6] == year), next((w for w in rows if w[6] is None), None))


# Finance: every line is given (a missing column would make the totals unknown). The lines that
# do not move are fixed per department; drug revenue (op, ip) moves by month and drugs are
# bought at cost (drug_expense = drug revenue). SUR's February 2025 row is missing.
FINANCE_FIXED = {
    "MED": W(
        op_consumables_revenue=5000, op_exam_revenue=10000, op_lab_revenue=5000,
        op_service_revenue=20000, op_other_revenue=0,
        ip_consumables_revenue=10000, ip_exam_revenue=5000, ip_lab_revenue=5000,
        ip_service_revenue=30000, ip_other_revenue=0,
        personnel_expense=60000, consumables_expense=14000, depreciation_expense=5000,
        maintenance_expense=1000, other_expense=2000, revenue_budget=120000, expense_budget=110000,
    ),
    "SUR": W(
        op_consumables_revenue=10000, op_exam_revenue=10000, op_lab_revenue=5000,
        op_service_revenue=15000, op_other_revenue=0,
        ip_consumables_revenue=40000, ip_exam_revenue=10000, ip_lab_revenue=10000,
        ip_service_revenue=50000, ip_other_revenue=5000,
        personnel_expense=80000, consumables_expense=45000, depreciation_expense=10000,
        maintenance_expense=2000, other_expense=3000, revenue_budget=200000, expense_budget=190000,
    ),
}  # fmt: skip
DRUG_REVENUE = {  # (op_drug_revenue, ip_drug_revenue)
    "MED": {"2024-01": (15000, 10000), "2024-02": (15000, 10000), "2024-03": (15000, 10000),
            "2025-01": (20000, 10000), "2025-02": (25000, 15000), "2025-03": (20000, 10000)},
    "SUR": {"2024-01": (10000, 25000), "2024-02": (10000, 25000), "2024-03": (10000, 25000),
            "2025-01": (10000, 30000), "2025-03": (10000, 35000)},
}  # fmt: skip


def finance_row(dept: str, month: str) -> dict[str, int]:
    op_drug, ip_drug = DRUG_REVENUE[dept][month]
    return FINANCE_FIXED[dept] | W(
        op_drug_revenue=op_drug, ip_drug_revenue=ip_drug, drug_expense=op_drug + ip_drug
    )


# Staff roster: (dept, staff code, role, title, fte, start, end, training hours). MD03 joins on
# 15 February 2025, MN03 leaves on 14 February 2024, SD03 (half time) joins on 1 March 2024,
# ST01 (a technician: in all FTE, neither doctor nor nurse) joins on 10 January 2025.
ROSTER = [
    ("MED", "MD01", "doctor", "senior", 1, "2015-01-01", None, None),
    ("MED", "MD02", "doctor", "intermediate", 1, "2015-01-01", None, None),
    ("MED", "MD03", "doctor", "junior", 1, "2025-02-15", None, 16),
    ("MED", "MN01", "nurse", "junior", 1, "2015-01-01", None, None),
    ("MED", "MN02", "nurse", "junior", 0.5, "2015-01-01", None, None),
    ("MED", "MN03", "nurse", "intermediate", 1, "2015-01-01", "2024-02-14", None),
    ("SUR", "SD01", "doctor", "associate", 1, "2015-01-01", None, None),
    ("SUR", "SD02", "doctor", "junior", 1, "2015-01-01", None, None),
    ("SUR", "SD03", "doctor", "senior", 0.5, "2024-03-01", None, 8),
    *[("SUR", f"SN0{i}", "nurse", "junior", 1, "2015-01-01", None, None) for i in range(1, 9)],
    ("SUR", "ST01", "technician", "junior", 1, "2025-01-10", None, 12),
    # MP01 (a pharmacist) renews the contract from 1 February 2025: a second row from the next
    # day, neither a leaver nor a hire. ST02 (a technician) leaves on 15 January 2024, is rehired
    # from 10 to 20 March 2024 and again from 5 January 2025: one leaver of 2024-Q1, not two.
    ("MED", "MP01", "pharmacist", "intermediate", 1, "2015-01-01", "2025-01-31", None),
    ("MED", "MP01", "pharmacist", "intermediate", 1, "2025-02-01", None, None),
    ("SUR", "ST02", "technician", "junior", 1, "2015-01-01", "2024-01-15", None),
    ("SUR", "ST02", "technician", "junior", 1, "2024-03-10", "2024-03-20", None),
    ("SUR", "ST02", "technician", "junior", 1, "2025-01-05", None, None),
]

# The training ledger dates the hours (dept, staff code, date, hours, kind): with it, the
# roster's training_hours above are ignored.
TRAINING = [
    ("MED", "MD01", "2024-01-15", 6, "course"),
    ("MED", "MN01", "2024-03-05", 4, "cme"),
    ("MED", "MD03", "2025-02-20", 16, "further_study"),
    ("MED", "MD01", "2025-03-10", 8, "conference"),
    ("SUR", "SD01", "2025-01-20", 12, "cme"),
    ("SUR", "SN01", "2025-03-03", 2, "course"),
    ("SUR", "SN02", "2025-03-03", 2, "course"),
]

# The complaints register (date, dept, category, channel, closed): closed within 15 days is in
# time. The published count stays the feedback ledger's (FEEDBACK below gives every month).
COMPLAINTS = [
    ("2025-01-05", "MED", "waiting", "in_person", "2025-01-08"),  # 3 days: in time
    ("2025-01-20", "MED", "attitude", "phone", "2025-02-10"),  # 21 days: late
    ("2025-02-03", "MED", "waiting", "online", None),  # still open: not in time
    ("2025-02-10", "MED", "cost", "in_person", "2025-02-25"),  # 15 days: in time
    ("2025-01-12", "SUR", "quality", "letter", "2025-01-20"),
    ("2025-03-01", "SUR", "waiting", "in_person", "2025-03-16"),
    ("2024-02-02", "SUR", "environment", "online", "2024-02-05"),
]

# Equipment: (asset, dept, name, large, purchased). CT-02 comes into service on 15 February 2025.
EQUIPMENT = [
    ("ECG-01", "MED", "心电图机", False, "2020-01-01"),
    ("CT-01", "SUR", "CT", True, "2020-01-01"),
    ("CT-02", "SUR", "CT", True, "2025-02-15"),
]
# Usage per device and month: (uses, hours used, hours available, downtime hours).
USAGE = {
    "ECG-01": {"2024-01": (90, 90, 180, 0), "2024-02": (90, 90, 180, 0),
               "2024-03": (90, 90, 180, 0), "2025-01": (100, 100, 200, 10),
               "2025-02": (80, 80, 160, 0), "2025-03": (100, 120, 200, 20)},
    "CT-01": {"2024-01": (600, 300, 400, 0), "2024-02": (600, 300, 400, 0),
              "2024-03": (600, 300, 400, 0), "2025-01": (620, 300, 400, 40),
              "2025-02": (560, 280, 360, 0), "2025-03": (620, 310, 400, 0)},
    "CT-02": {"2025-02": (140, 70, 100, 0), "2025-03": (310, 150, 200, 10)},
}  # fmt: skip

# Supplies drawn per month: item -> (category, unit price); issued quantities by month.
ITEMS = {
    "G01": ("手套", "medical", 2.5),
    "S01": ("缝线", "medical", 15),
    "P01": ("打印纸", "office", 20),
}
ISSUED = {
    ("MED", "G01"): {"2024-01": 80, "2024-02": 80, "2024-03": 80,
                     "2025-01": 100, "2025-02": 120, "2025-03": 100},
    ("MED", "P01"): {"2024-01": 5, "2024-02": 5, "2024-03": 5,
                     "2025-01": 5, "2025-02": 4, "2025-03": 5},
    ("SUR", "S01"): {"2024-01": 30, "2024-02": 30, "2024-03": 30,
                     "2025-01": 40, "2025-02": 50, "2025-03": 40},
    ("SUR", "P01"): {"2024-01": 3, "2024-02": 3, "2024-03": 3,
                     "2025-01": 3, "2025-02": 3, "2025-03": 2},
}  # fmt: skip

# Patient feedback: (surveys, satisfied, complaints, wait samples, average wait minutes).
# MED surveyed nobody in February 2025.
FEEDBACK = {
    "MED": {"2024-01": (100, 90, 1, 100, 25), "2024-02": (100, 90, 1, 100, 25),
            "2024-03": (100, 90, 1, 100, 25), "2025-01": (100, 95, 1, 100, 20),
            "2025-02": (0, 0, 2, 300, 40), "2025-03": (50, 44, 0, 100, 30)},
    "SUR": {m: (80, 72, 1, 50, 20) for m in MONTHS[:3]}
    | {m: (80, 68, 2, 50, 15) for m in MONTHS[3:]},
}  # fmt: skip

# Appointments: (slots, booked, attended); MED's February 2025 is overbooked (加号).
APPOINTMENTS = {
    "MED": {m: (800, 720, 648) for m in MONTHS[:3]}
    | {"2025-01": (1000, 900, 810), "2025-02": (1000, 1100, 990), "2025-03": (1000, 800, 760)},
    "SUR": {m: (500, 350, 315) for m in MONTHS[:3]} | {m: (500, 400, 360) for m in MONTHS[3:]},
}

# Targets: every department's occupancy band is 75–85% (`*`), SUR's own row says 85–95%.
TARGETS = [("*", "bed_occupancy", 0.75, 0.85), ("SUR", "bed_occupancy", 0.85, 0.95)]

# The holiday calendar: New Year and the 2025 Spring Festival off; Sunday 26 January and
# Saturday 8 February 2025 worked instead (调休).
HOLIDAYS = ["2024-01-01", "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
            "2025-02-03", "2025-02-04"]  # fmt: skip
ADJUSTED_WORKDAYS = ["2025-01-26", "2025-02-08"]
HOLIDAYS_TOML = f"""
holidays = [{", ".join(HOLIDAYS)}]
adjusted_workdays = [{", ".join(ADJUSTED_WORKDAYS)}]
"""


def month_days(month: str) -> list[D]:
    first = D.fromisoformat(f"{month}-01")
    return days(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


def write_inbox(inbox: Path) -> None:
    write_xlsx(
        inbox / "科室字典.xlsx",
        {
            "科室": [
                ["code", "name_zh", "name_en", "kind"],
                ["MED", "心内科", "Cardiology", "medical"],
                ["SUR", "普外科", "General Surgery", "surgical"],
            ]
        },
    )
    workload = [["date", "dept", "outpatient_visits", "emergency_visits", "admissions",
                 "discharges", "open_beds", "census", "surgeries", "exams"]]  # fmt: skip
    for dept, months in WORKLOAD.items():
        for month, w in months.items():
            for day in month_days(month):
                workload.append([day.isoformat(), dept, w["op"], w["em"], w["adm"], w["dis"],
                                 w["beds"], w["census"], w["surg"], w["exams"]])  # fmt: skip
    write_csv(inbox / "workload.csv", workload)
    write_csv(
        inbox / "discharges.csv",
        [["episode_id", "dept", "admit_date", "discharge_date", "surgery_date", "surgery_grade",
          "outcome", "complication", "total_cost", "drug_cost", "payer", "drg", "insurance_paid",
          "drg_payment"]]
        + [[e.id, e.dept, e.admit, e.discharge, e.surgery, e.grade, e.outcome,
            None if e.complication is None else ("yes" if e.complication else "no"),
            e.total_cost, e.drug_cost, *INSURANCE[e.id]] for e in EPISODES],
    )  # fmt: skip
    write_csv(
        inbox / "drg_weights.csv",
        [["drg", "name", "weight", "benchmark_los", "benchmark_cost", "low_risk", "year"]]
        + [[d, n, w, los, cost, "是" if low else "否", year]
           for d, n, w, los, cost, low, year in DRG_WEIGHTS],
    )  # fmt: skip
    columns = ["month", "dept", *finance_row("MED", "2025-01")]
    write_csv(
        inbox / "finance.csv",
        [columns]
        + [
            [month, dept, *finance_row(dept, month).values()]
            for dept, months in DRUG_REVENUE.items()
            for month in months
        ],
    )
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "title", "fte", "start_date", "end_date",
          "training_hours"], *map(list, ROSTER)],
    )  # fmt: skip
    write_csv(
        inbox / "equipment.csv",
        [["asset_code", "dept", "name", "large", "purchase_date"]]
        + [[a, d, n, "yes" if large else "no", p] for a, d, n, large, p in EQUIPMENT],
    )
    write_csv(
        inbox / "equipment_usage.csv",
        [["asset_code", "month", "uses", "hours_used", "hours_available", "downtime_hours"]]
        + [[a, m, *u] for a, months in USAGE.items() for m, u in months.items()],
    )
    write_csv(
        inbox / "supplies.csv",
        [["month", "dept", "item_code", "item_name", "category", "issued_qty", "unit_price"]]
        + [
            [m, dept, item, ITEMS[item][0], ITEMS[item][1], qty, ITEMS[item][2]]
            for (dept, item), months in ISSUED.items()
            for m, qty in months.items()
        ],
    )
    write_csv(
        inbox / "patient_feedback.csv",
        [["month", "dept", "surveys", "satisfied", "complaints", "wait_samples",
          "avg_wait_minutes"]]
        + [[m, dept, *f] for dept, months in FEEDBACK.items() for m, f in months.items()],
    )  # fmt: skip
    write_csv(
        inbox / "appointments.csv",
        [["month", "dept", "slots", "booked", "attended"]]
        + [[m, dept, *a] for dept, months in APPOINTMENTS.items() for m, a in months.items()],
    )
    write_csv(inbox / "targets.csv", [["dept", "metric", "low", "high"], *map(list, TARGETS)])
    write_csv(inbox / "training.csv", [["dept", "staff_code", "date", "hours", "kind"], *TRAINING])
    write_csv(
        inbox / "complaints.csv",
        [["date", "dept", "category", "channel", "closed_date"], *COMPLAINTS],
    )


@pytest.fixture(scope="module")
def metrics(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("catalogue")
    write_inbox(root / "inbox")
    (root / "holidays.toml").write_text(HOLIDAYS_TOML, encoding="utf-8")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        report = load_inbox(con, root / "inbox")
        assert report.rows_rejected == 0, report.rejected_by_reason
        compute_months(con, MONTHS, holidays=root / "holidays.toml")
        write_metrics_csv(con, root / "metrics.csv")
    frame = pd.read_csv(root / "metrics.csv", dtype={"period": str})
    return frame.set_index(["grain", "period", "dept", "metric"]).sort_index()


def cell(metrics: pd.DataFrame, grain: str, period: str, dept: str, metric: str, column="value"):
    value = _rows(metrics)[grain, period, dept, metric][column]
    return None if isinstance(value, float) and math.isnan(value) else value


_ROWS: dict[int, tuple[pd.DataFrame, dict]] = {}


def _rows(metrics: pd.DataFrame) -> dict[tuple, dict]:
    """The export's rows by (grain, period, dept, metric), made once per frame: the tests read
    tens of thousands of cells, and pandas' `.loc` on the four-level index took ~5 ms a cell
    (most of the model test's time)."""
    kept = _ROWS.get(id(metrics))
    if kept is None or kept[0] is not metrics:
        kept = _ROWS[id(metrics)] = (metrics, metrics.to_dict("index"))
    return kept[1]


# --- 1. hand cases: every indicator, as arithmetic ---------------------------------------------

NA = "not available"  # the value is null; the case names the reason instead


@dataclass(frozen=True)
class Case:
    grain: str
    period: str
    dept: str
    expected: float | str | None
    column: str = "value"
    reason: str | None = None  # with expected=NA: the reason code


def na(grain: str, period: str, dept: str, reason: str) -> Case:
    return Case(grain, period, dept, NA, reason=reason)


HAND_CASES: dict[str, list[Case]] = {
    # --- workload: counts (denominator 1) over days ---
    "outpatient_visits": [
        Case("month", "2025-02", "MED", 28 * 50),
        # Q1 2025: MED 31×40 + 28×50 + 31×40, SUR 90×20
        Case("quarter", "2025-Q1", "ALL", 1240 + 1400 + 1240 + 1800),
        # ISO week 5 (27 Jan – 2 Feb) straddles two months: 5 days × 40 + 2 days × 50
        Case("week", "2025-W05", "MED", 5 * 40 + 2 * 50),
        # week 1 of 2025 starts on 30 Dec 2024, which the warehouse does not hold: 1–5 Jan only
        Case("week", "2025-W01", "SUR", 5 * 20),
        Case("month", "2025-02", "MED", 1, column="denominator"),
    ],
    "emergency_visits": [
        Case("week", "2025-W14", "ALL", 10 + 5),  # Monday 31 March only: April is not held
        Case("year", "2025", "ALL", 90 * 10 + 90 * 5),
        Case("month", "2024-02", "MED", 29 * 10),  # 2024 is a leap year
    ],
    "admissions": [
        Case("quarter", "2025-Q1", "SUR", 31 * 2 + 28 * 4 + 31 * 2),
        Case("week", "2025-W07", "MED", 7 * 2),  # 10–16 Feb
    ],
    "discharges": [
        Case("month", "2025-02", "ALL", 28 * 2 + 28 * 4),
        Case("month", "2025-02", "ALL", 29 * 0 + 29 * 2, column="yoy_value"),
        Case("month", "2025-02", "ALL", 168 / 58 - 1, column="yoy_change_rel"),
        Case("month", "2025-02", "ALL", 168 - 58, column="yoy_change"),
        Case("week", "2024-W05", "MED", 3 * 1 + 4 * 0),  # 29–31 Jan, then the closed ward
    ],
    "surgeries": [
        Case("quarter", "2025-Q1", "SUR", 31 * 1 + 28 * 2 + 31 * 1),
        Case("quarter", "2025-Q1", "MED", 0),  # a medical ward operating on nobody: 0, not null
        Case("week", "2025-W07", "SUR", 7 * 2),
    ],
    "exams": [
        Case("month", "2025-01", "ALL", 31 * 5 + 31 * 2),
        Case("month", "2025-02", "ALL", 31 * 5 + 31 * 2, column="prior_value"),
        Case("month", "2025-02", "ALL", (28 * 7 - 217) / 217, column="prior_change_rel"),
        Case("week", "2025-W09", "ALL", 7 * 5 + 7 * 2),  # 24 Feb – 2 Mar
    ],
    # --- efficiency ---
    "available_bed_days": [
        Case("quarter", "2025-Q1", "SUR", 31 * 20 + 28 * 30 + 31 * 20),
        Case("week", "2025-W05", "SUR", 5 * 20 + 2 * 30),
    ],
    "occupied_bed_days": [
        Case("quarter", "2024-Q1", "MED", 31 * 6 + 29 * 0 + 31 * 8),
        Case("week", "2024-W09", "MED", 4 * 0 + 3 * 8),  # 26–29 Feb closed, 1–3 Mar open
    ],
    "avg_open_beds": [
        # beds are a stock: bed-days / days(Q1) = 2080 / 90, not the mean of 20, 30, 20
        Case("quarter", "2025-Q1", "SUR", 2080 / 90),
        Case("quarter", "2025-Q1", "SUR", 90, column="denominator"),
        Case("quarter", "2024-Q1", "MED", (310 + 0 + 310) / 91),  # closed in February
        Case("week", "2025-W01", "MED", 5 * 10 / 5),  # a partial week counts its 5 held days
    ],
    "bed_occupancy": [
        Case("month", "2025-01", "MED", 248 / 310),
        # two wards of different size: (31×8 + 31×15) / (31×10 + 31×20) = 713 / 930 = 76.7%,
        # not the mean (80% + 75%) / 2 = 77.5%
        Case("month", "2025-01", "ALL", 713 / 930),
        # Q1 2025: MED (248 + 252 + 217) / (310 + 280 + 310); SUR (465 + 756 + 558) / 2080
        Case("quarter", "2025-Q1", "ALL", (717 + 1779) / (900 + 2080)),
        Case("week", "2025-W05", "MED", (5 * 8 + 2 * 9) / (5 * 10 + 2 * 10)),
        Case("week", "2025-W05", "ALL", (58 + 129) / (70 + 160)),
        Case("week", "2025-W05", "MED", (7 * 8) / (7 * 10), column="prior_value"),  # W04
        # 2024-W05: 29–31 Jan at 6 of 10 beds, 1–4 Feb closed: 18 / 30
        Case("week", "2025-W05", "MED", (3 * 6 + 4 * 0) / (3 * 10 + 4 * 0), column="yoy_value"),
        # percentage points: February 90% against January 80%
        Case("month", "2025-02", "MED", (0.9 - 0.8) * 100, column="prior_change"),
        Case("month", "2025-01", "MED", (0.8 - 0.6) * 100, column="yoy_change"),
        Case("month", "2025-01", "MED", 0.8 / 0.6 - 1, column="yoy_change_rel"),
        # the ward was closed in February 2024: no year-ago value
        na("month", "2024-02", "MED", "no_beds"),
        Case("month", "2025-02", "MED", None, column="yoy_value"),
        Case("month", "2025-02", "MED", None, column="yoy_change"),
        # the `*` target band 75–85%: 80% ok, 90% watch (0.05 ≤ 10% of 0.85), 70% watch
        Case("month", "2025-01", "MED", "ok", column="status"),
        Case("month", "2025-02", "MED", "watch", column="status"),
        Case("month", "2025-03", "MED", "watch", column="status"),
        # SUR's own band 85–95%: 75% is 0.10 below 0.85, beyond 0.085: alert; its kind keeps `*`
        Case("month", "2025-01", "SUR", "alert", column="status"),
        Case("month", "2025-01", "SUR", 0.85, column="band_low"),
        Case("month", "2025-01", "KIND:surgical", "ok", column="status"),
        Case("month", "2025-01", "KIND:surgical", 0.75, column="band_low"),
    ],
    "bed_turnover": [
        # discharges / average open beds = (62 + 112 + 62) / (2080 / 90) = 10.21, not the sum of
        # the monthly turnovers 62/20 + 112/30 + 62/20 = 9.93
        Case("quarter", "2025-Q1", "SUR", 236 / (2080 / 90)),
        Case("quarter", "2024-Q1", "MED", (31 + 0 + 31) / (620 / 91)),
        na("month", "2024-02", "MED", "no_beds"),
        Case("week", "2025-W05", "SUR", (5 * 2 + 2 * 4) / (160 / 7)),
    ],
    "bed_work_days": [
        Case("quarter", "2025-Q1", "MED", 717 / (900 / 90)),
        Case("week", "2025-W05", "MED", 58 / (70 / 7)),
    ],
    "alos": [
        # Σ LOS / episodes: (4 + 1 + 13 + 7 + 3 + 10 + 3 + 8) / 8, not the mean of the monthly
        # ALOS (15/4 + 26/3 + 8/1) / 3 = 6.81
        Case("quarter", "2025-Q1", "ALL", 49 / 8),
        Case("quarter", "2025-Q1", "ALL", 8, column="denominator"),
        Case("month", "2025-01", "MED", (4 + 1) / 2),  # a stay of 0 days counts as 1
        Case("month", "2025-02", "MED", 13),
        Case("month", "2025-02", "MED", "alert", column="status"),  # ≤ 9: 13 is 4 above
        na("month", "2025-03", "MED", "no_discharges"),
        # MED's Q1 ALOS (4 + 1 + 13) / 3 = 6 against Q1 2024's 6 / 1: no change
        Case("quarter", "2025-Q1", "MED", (18 / 3) / (6 / 1) - 1, column="yoy_change_rel"),
    ],
    "preop_days": [
        Case("quarter", "2025-Q1", "SUR", (2 + 0 + 3 + 1) / 4),  # s4 had no operation
        Case("month", "2025-02", "SUR", 3),
        Case("month", "2025-02", "SUR", "ok", column="status"),  # on the limit ≤ 3
        na("quarter", "2025-Q1", "MED", "no_surgery"),
    ],
    "large_equipment_daily_uses": [
        # CT-02 serves from 15 Feb: (620 + 560 + 140 + 620 + 310) / (31 + 28 + 14 + 31 + 31)
        Case("quarter", "2025-Q1", "SUR", 2250 / 135),
        Case("month", "2025-02", "SUR", (560 + 140) / (28 + 14)),
        Case("quarter", "2025-Q1", "ALL", 2250 / 135),  # MED has no large device
        na("quarter", "2025-Q1", "MED", "no_large_equipment"),
    ],
    "equipment_utilization": [
        Case("month", "2025-01", "ALL", (100 + 300) / (200 + 400)),
        Case("quarter", "2025-Q1", "MED", (100 + 80 + 120) / (200 + 160 + 200)),
    ],
    "equipment_downtime_rate": [
        Case("quarter", "2025-Q1", "SUR", (40 + 0 + 0 + 0 + 10) / (400 + 360 + 100 + 400 + 200)),
    ],
    # --- quality: episodes by discharge date ---
    "cure_rate": [
        Case("quarter", "2025-Q1", "ALL", 3 / 8),  # m1, s1, s3
        na("month", "2025-03", "MED", "no_discharges"),
    ],
    "cure_improve_rate": [
        Case("quarter", "2025-Q1", "ALL", 6 / 8),  # m1, m2, s1, s2, s3, s5
        Case("year", "2024", "ALL", 3 / 3),  # m4, s6, s7
    ],
    "mortality_rate": [
        Case("month", "2025-02", "MED", 1 / 1),
        Case("quarter", "2025-Q1", "ALL", 1 / 8),
    ],
    "complication_rate": [
        # s5's complication is blank: not counted in the denominator
        Case("quarter", "2025-Q1", "SUR", 1 / 4),
        Case("quarter", "2025-Q1", "ALL", 2 / 7),
    ],
    "grade34_surgery_share": [
        Case("quarter", "2025-Q1", "SUR", 2 / 4),  # s1 (3), s3 (4) of s1, s2, s3, s5
        Case("quarter", "2024-Q1", "SUR", 1 / 2),
        Case("quarter", "2025-Q1", "SUR", (0.5 - 0.5) * 100, column="yoy_change"),
        na("month", "2025-01", "MED", "no_surgery"),
    ],
    "grade4_surgery_share": [
        Case("quarter", "2025-Q1", "SUR", 1 / 4),  # s3 (4) of s1, s2, s3, s5
        Case("quarter", "2025-Q1", "KIND:surgical", 1 / 4),
        Case("year", "2024", "SUR", 0 / 2),  # s6 (3), s7 (2)
        Case("month", "2025-02", "ALL", 1 / 1),  # s3; MED operated nobody
        na("month", "2025-01", "MED", "no_surgery"),
    ],
    # --- case mix and insurance (grouped: a drg with a weights row; s4's XX99 has none) ---
    "drg_cases": [
        Case("quarter", "2025-Q1", "SUR", 4),  # s1, s2, s3, s5
        Case("quarter", "2025-Q1", "ALL", 3 + 4),  # m1, m2, m3 + SUR's
        Case("year", "2024", "ALL", 3),  # m4, s6, s7
        Case("month", "2025-02", "KIND:surgical", 1),  # s3 (s4 not grouped)
    ],
    "drg_groups": [
        # not additive: January GB11, February GB25, March GB11 give 1 + 1 + 1, the quarter 2
        Case("quarter", "2025-Q1", "SUR", 2),
        Case("month", "2025-01", "SUR", 1),
        Case("quarter", "2025-Q1", "ALL", 4),  # FR21, ES31, GB11, GB25
        Case("year", "2025", "KIND:medical", 2),  # FR21, ES31
    ],
    "total_weight": [
        Case("quarter", "2025-Q1", "SUR", 2.2 + 2.2 + 3.0 + 2.2),  # GB11's own 2025 row: 2.2
        Case("year", "2024", "SUR", 2.0 + 3.0),  # s6 in 2024: GB11's row without a year, 2.0
        Case("quarter", "2025-Q1", "ALL", 9.6 + 0.8 + 0.8 + 1.2),
    ],
    "cmi": [
        Case("quarter", "2025-Q1", "SUR", 9.6 / 4),  # 2.4
        Case("year", "2024", "SUR", 5.0 / 2),
        Case("quarter", "2025-Q1", "ALL", 12.4 / 7),  # not the mean of 2.4 and 2.8 / 3
        Case("quarter", "2025-Q1", "KIND:medical", (0.8 + 0.8 + 1.2) / 3),
        Case("month", "2025-02", "MED", 1.2 / 1),  # m3
        na("month", "2025-03", "MED", "no_discharges"),
    ],
    "cost_index": [
        # s1 20000/20000 + s2 10000/20000 + s5 12000/20000; s3's GB25 has no benchmark cost
        Case("quarter", "2025-Q1", "SUR", (1 + 0.5 + 0.6) / 3),
        Case("quarter", "2025-Q1", "MED", (5000 / 5000 + 1000 / 5000 + 9000 / 8000) / 3),
        Case("year", "2024", "SUR", (15000 / 18000) / 1),  # s6, by the row without a year
        Case("quarter", "2025-Q1", "ALL", (2.1 + 2.325) / 6),
    ],
    "time_index": [
        Case("quarter", "2025-Q1", "SUR", (7 / 8 + 3 / 8 + 10 / 10 + 8 / 8) / 4),
        Case("quarter", "2025-Q1", "MED", (4 / 6 + 1 / 6 + 13 / 10) / 3),  # m2's 0 days count 1
        Case("year", "2024", "ALL", (6 / 6 + 10 / 8 + 5 / 10) / 3),
    ],
    "low_risk_mortality": [
        Case("quarter", "2025-Q1", "MED", 1 / 3),  # m3 died in ES31, low risk
        Case("month", "2025-01", "MED", 0 / 2),  # m1, m2 in FR21
        Case("quarter", "2025-Q1", "ALL", 1 / 3),
        na("quarter", "2025-Q1", "SUR", "no_low_risk"),
    ],
    "insured_share": [
        Case("quarter", "2025-Q1", "SUR", 3 / 4),  # s2 self-pay; s4 records no payer
        Case("month", "2025-01", "MED", 1 / 2),  # m2 自费
        Case("quarter", "2025-Q1", "ALL", (2 + 3) / (3 + 4)),
        Case("year", "2024", "ALL", 3 / 3),
    ],
    "insurance_fund_share": [
        Case("quarter", "2025-Q1", "SUR", (14000 + 21000 + 8000) / (20000 + 30000 + 12000)),
        Case("quarter", "2025-Q1", "MED", (3500 + 6000) / (5000 + 9000)),
        Case("quarter", "2025-Q1", "ALL", (43000 + 9500) / (62000 + 14000)),
        Case("year", "2024", "SUR", (10000 + 5000) / (15000 + 8000)),
    ],
    "drg_margin": [
        # (18000 − 20000) + (28000 − 30000) + (12500 − 12000)
        Case("quarter", "2025-Q1", "SUR", -2000 - 2000 + 500),
        Case("quarter", "2025-Q1", "MED", (5500 - 5000) + (8000 - 9000)),
        Case("quarter", "2025-Q1", "ALL", -3500 - 500),
        Case("month", "2025-03", "SUR", 500),
        na("month", "2025-03", "MED", "no_drg_payment"),
    ],
    "drg_overspend_share": [
        Case("quarter", "2025-Q1", "SUR", 2 / 3),  # s1, s3 of s1, s3, s5
        Case("quarter", "2025-Q1", "MED", 1 / 2),  # m3 of m1, m3
        Case("quarter", "2025-Q1", "ALL", 3 / 5),
    ],
    "surgery_cost_per_case": [
        Case("quarter", "2025-Q1", "SUR", (20000 + 10000 + 30000 + 12000) / 4),  # 18,000
        Case("year", "2024", "SUR", (15000 + 8000) / 2),
        Case("quarter", "2025-Q1", "ALL", 18000),  # MED operated nobody
        na("month", "2025-01", "MED", "no_surgery"),
    ],
    # --- economics ---
    "medical_revenue": [
        # SUR January: drugs 10000 + 30000, the other lines 155000
        Case("month", "2025-01", "SUR", 40000 + 155000),
        Case("quarter", "2025-Q1", "MED", 120000 + 130000 + 120000),
        Case("quarter", "2024-Q1", "ALL", 3 * 115000 + 3 * 190000),
        # SUR has no February 2025 finance row: February, Q1 and 2025 are not available for SUR,
        # nor for its kind, which has no other department ...
        na("month", "2025-02", "SUR", "no_finance"),
        na("quarter", "2025-Q1", "SUR", "no_finance"),
        na("year", "2025", "SUR", "no_finance"),
        na("quarter", "2025-Q1", "KIND:surgical", "no_finance"),
        # ... while the hospital's quarter sums the departments complete for it (METRICS.md,
        # "Groups over longer periods"): MED alone, and it says so, 覆盖 1/2 个科室
        Case("quarter", "2025-Q1", "ALL", 120000 + 130000 + 120000),
        Case("quarter", "2025-Q1", "ALL", 1, column="depts_included"),
        Case("quarter", "2025-Q1", "ALL", 2, column="depts_in_group"),
        Case("quarter", "2024-Q1", "ALL", 2, column="depts_included"),
        Case("quarter", "2024-Q1", "ALL", 2, column="depts_in_group"),
        # ... while February's hospital total covers the departments that sent the month
        Case("month", "2025-02", "ALL", 130000),
        Case("quarter", "2025-Q1", "SUR", None, column="yoy_change"),
    ],
    "total_expense": [
        Case("quarter", "2024-Q1", "ALL", 3 * 107000 + 3 * 175000),
        Case("month", "2025-03", "SUR", 45000 + 140000),
    ],
    "margin": [
        Case("month", "2025-01", "MED", 120000 - 112000),
        Case("quarter", "2024-Q1", "ALL", 915000 - 846000),
        # January 2024: 115000 − 107000, the same margin
        Case("month", "2025-01", "MED", 8000 - 8000, column="yoy_change"),
        Case("month", "2025-01", "MED", 0 / 8000, column="yoy_change_rel"),
    ],
    "margin_rate": [
        Case("quarter", "2024-Q1", "ALL", 69000 / 915000),
        Case("month", "2025-03", "SUR", (200000 - 185000) / 200000),
    ],
    "drug_ratio": [
        # drug revenue (op + ip) of both wards over Q1 2024 / their revenue
        Case("quarter", "2024-Q1", "ALL", (3 * 25000 + 3 * 35000) / 915000),
        Case("month", "2025-02", "MED", 40000 / 130000),
        Case("month", "2025-02", "MED", "watch", column="status"),  # ≤ 30%: 0.0077 above
        Case("month", "2025-02", "MED", (40000 / 130000 - 30000 / 120000) * 100, "prior_change"),
    ],
    "consumables_ratio": [
        Case("month", "2025-01", "MED", (5000 + 10000) / 120000),
        Case("month", "2025-01", "SUR", (10000 + 40000) / 195000),
    ],
    "consumables_per_100": [
        # consumables expense / (revenue − drug revenue) × 100
        Case("month", "2025-01", "SUR", 45000 / (195000 - 40000) * 100),
        Case("month", "2025-01", "SUR", "alert", column="status"),  # ≤ 20: 9.03 above
        Case("month", "2025-01", "MED", 14000 / (120000 - 30000) * 100),
    ],
    "service_revenue_ratio": [
        Case("month", "2025-01", "MED", (20000 + 30000) / 120000),
        Case("quarter", "2024-Q1", "ALL", (3 * 50000 + 3 * 65000) / 915000),
    ],
    "op_revenue_per_visit": [
        # op revenue 20000 + 5000 + 10000 + 5000 + 20000 over 31 × (40 + 10) visits
        Case("month", "2025-01", "MED", 60000 / 1550),
    ],
    "revenue_per_exam": [
        # MED's January 2025 revenue 120,000 over 31 days × 5 exams
        Case("month", "2025-01", "MED", 120000 / (31 * 5)),
        # both wards over Q1 2024: revenue 915,000 over (4 + 2) exams × 91 days (2024 is leap)
        Case("quarter", "2024-Q1", "ALL", 915000 / ((4 + 2) * 91)),
    ],
    "ip_revenue_per_discharge": [
        Case("month", "2025-01", "MED", (10000 + 10000 + 5000 + 5000 + 30000) / 31),
        # MED discharged nobody in February 2024 but billed inpatient lines: Q1 sums
        Case("quarter", "2024-Q1", "MED", 3 * 60000 / (31 + 0 + 31)),
    ],
    "episode_cost": [
        Case(
            "quarter",
            "2025-Q1",
            "ALL",
            (5000 + 1000 + 9000 + 20000 + 10000 + 30000 + 6000 + 12000) / 8,
        ),
    ],  # fmt: skip
    "episode_drug_ratio": [
        Case(
            "quarter",
            "2025-Q1",
            "ALL",
            (2000 + 500 + 3000 + 4000 + 1000 + 6000 + 3000 + 2400) / 93000,
        ),
    ],  # fmt: skip
    "revenue_budget_execution": [
        Case("month", "2025-02", "MED", 130000 / 120000),
        Case("month", "2025-02", "MED", "watch", column="status"),  # 95–105%: 3.3 points above
        Case("quarter", "2025-Q1", "MED", 370000 / 360000),
        Case("quarter", "2025-Q1", "MED", "ok", column="status"),  # the months' swings net out
    ],
    "expense_budget_execution": [
        Case("month", "2025-02", "MED", 122000 / 110000),
        Case("quarter", "2024-Q1", "ALL", 846000 / (3 * 110000 + 3 * 190000)),
        Case("quarter", "2024-Q1", "ALL", "watch", column="status"),  # 94%: 1 point below
    ],
    "personnel_expense_ratio": [
        # MED January 2025: 60000 of 60000 + 30000 drugs + 14000 + 5000 + 1000 + 2000
        Case("month", "2025-01", "MED", 60000 / 112000),
        Case("quarter", "2024-Q1", "ALL", (3 * 60000 + 3 * 80000) / (3 * 107000 + 3 * 175000)),
        na("quarter", "2025-Q1", "SUR", "no_finance"),
    ],
    "cost_per_100_revenue": [
        Case("month", "2025-01", "MED", 112000 / 120000 * 100),
        Case("quarter", "2024-Q1", "ALL", 846000 / 915000 * 100),
    ],
    "op_drug_per_visit": [
        Case("month", "2025-01", "MED", 20000 / (31 * 40 + 31 * 10)),
        # MED 3 × 15000 + SUR 3 × 10000 over MED (31 + 29 + 31) × 40 and SUR 91 × 25 visits
        Case("quarter", "2024-Q1", "ALL", (3 * 15000 + 3 * 10000) / (91 * 40 + 91 * 25)),
        # SUR gave finance for two of three months: MED's drugs over both wards' visits would
        # compare unlike sets, so the hospital's quarter is not available
        na("quarter", "2025-Q1", "ALL", "no_finance"),
    ],
    "ip_drug_per_discharge": [
        Case("month", "2025-01", "SUR", 30000 / (31 * 2)),
        Case("quarter", "2024-Q1", "MED", 3 * 10000 / (31 + 0 + 31)),  # closed in February
        na("quarter", "2025-Q1", "KIND:surgical", "no_finance"),
    ],
    "revenue_ytd": [
        Case("month", "2025-03", "MED", 120000 + 130000 + 120000),
        Case("month", "2025-02", "MED", 120000 + 130000),
        na("month", "2025-02", "SUR", "no_finance"),  # no February row ...
        na("month", "2025-03", "SUR", "no_finance"),  # ... so no January–March either
        # the hospital's to-date sums the departments complete for it: MED alone, 覆盖 1/2
        Case("month", "2025-03", "ALL", 370000),
        Case("month", "2025-03", "ALL", 1, column="depts_included"),
        Case("month", "2024-03", "ALL", 915000),
    ],
    "expense_ytd": [
        Case("month", "2024-03", "ALL", 3 * 107000 + 3 * 175000),
        Case("month", "2025-01", "MED", 112000),
    ],
    "time_progress": [
        Case("month", "2025-03", "MED", (31 + 28 + 31) / 365),
        Case("month", "2024-02", "ALL", (31 + 29) / 366),  # a leap year
    ],
    # The ledgers hold three months of budget a year, never all twelve, and no whole year before:
    # the annual figures are not available (tests/test_periods_in_progress.py has them by hand).
    "revenue_budget_ytd_execution": [na("month", "2025-03", "MED", "no_budget_year")],
    "expense_budget_ytd_execution": [na("month", "2025-03", "ALL", "no_budget_year")],
    "revenue_forecast": [na("month", "2025-03", "MED", "no_last_year")],
    "revenue_forecast_execution": [na("month", "2025-03", "MED", "no_last_year")],
    # --- service and supplies ---
    "satisfaction_rate": [
        na("month", "2025-02", "MED", "no_surveys"),  # 0 surveys: not 0%, not 100%
        Case("quarter", "2025-Q1", "MED", (95 + 0 + 44) / (100 + 0 + 50)),
        Case("month", "2025-01", "SUR", 68 / 80),
        Case("month", "2025-01", "SUR", "watch", column="status"),  # ≥ 90%: 5 points below
    ],
    "complaints_per_10k": [
        Case("month", "2025-01", "MED", 1 / (1240 + 310 + 31) * 10000),
        # MED 3 complaints / (3880 + 900 + 118), SUR 6 / (1800 + 450 + 236)
        Case("quarter", "2025-Q1", "ALL", (3 + 6) / (4898 + 2486) * 10000),
    ],
    "outpatient_wait_minutes": [
        # weighted by samples: (100×20 + 300×40 + 100×30) / 500 = 34, not (20 + 40 + 30) / 3 = 30
        Case("quarter", "2025-Q1", "MED", (100 * 20 + 300 * 40 + 100 * 30) / (100 + 300 + 100)),
        Case("quarter", "2025-Q1", "MED", "alert", column="status"),  # ≤ 30: 4 above, beyond 3
        Case("month", "2025-03", "MED", "ok", column="status"),  # 30: on the limit
    ],
    "appointment_rate": [
        Case("month", "2025-02", "MED", 990 / 1400),
        Case("quarter", "2025-Q1", "SUR", 3 * 360 / 1800),
    ],
    "slot_utilization": [
        Case("month", "2025-02", "MED", 1100 / 1000),  # overbooked: above 100%
    ],
    "no_show_rate": [
        Case("quarter", "2025-Q1", "MED", ((900 - 810) + (1100 - 990) + (800 - 760)) / 2800),
    ],
    "supplies_issued_value": [
        Case("month", "2025-01", "MED", 100 * 2.5 + 5 * 20),
        Case("quarter", "2025-Q1", "ALL", 350 + 380 + 350 + 660 + 810 + 640),
    ],
    "office_supplies_issued_value": [
        Case("quarter", "2025-Q1", "SUR", 3 * 20 + 3 * 20 + 2 * 20),
    ],
    # --- staffing: FTE-days / days ---
    "doctors_fte": [
        # MD03 joins on 15 Feb: (28 + 28 + 14) FTE-days / 28 days
        Case("month", "2025-02", "MED", (28 + 28 + 14) / 28),
        Case("quarter", "2025-Q1", "MED", (62 + 70 + 93) / 90),
        Case("quarter", "2025-Q1", "ALL", (225 + 225) / 90),  # FTE-days of both / days, once
    ],
    "nurses_fte": [
        # MN03 (1.0) leaves on 14 Feb 2024: (29 × 1 + 29 × 0.5 + 14 × 1) / 29
        Case("month", "2024-02", "MED", 57.5 / 29),
        Case("quarter", "2024-Q1", "MED", (77.5 + 57.5 + 46.5) / 91),
    ],
    "nurse_bed_ratio": [
        Case("month", "2025-01", "SUR", 248 / 620),
        Case("month", "2025-01", "SUR", "ok", column="status"),
        Case("quarter", "2025-Q1", "SUR", (248 + 224 + 248) / 2080),
        Case("quarter", "2025-Q1", "SUR", "alert", column="status"),  # ≥ 0.4: 0.054 below
        na("month", "2024-02", "MED", "no_beds"),
    ],
    "nurse_doctor_ratio": [
        Case("quarter", "2025-Q1", "ALL", (135 + 720) / (225 + 225)),
    ],
    "senior_title_share": [
        Case("month", "2025-02", "MED", 28 / 70),
        Case("month", "2024-03", "SUR", (31 + 15.5) / 77.5),  # associate + half-time senior
    ],
    "visits_per_doctor_day": [
        # January 2025 has 19 workdays here: 23 Mon–Fri − 1 Jan − 28…31 Jan + Sunday 26 Jan
        Case("month", "2025-01", "MED", (1240 + 310) / (62 * 19 / 31)),
        # Q1 2025: 19 + 19 (20 − 3, 4 Feb + Saturday 8 Feb) + 21 = 59 workdays of 90 days
        Case("quarter", "2025-Q1", "ALL", (3880 + 900 + 1800 + 450) / (450 * 59 / 90)),
    ],
    "bed_days_per_doctor_day": [
        Case("month", "2025-01", "SUR", 465 / 77.5),
        Case("month", "2024-02", "MED", 0 / 58),  # a closed ward with doctors in post: a real 0
    ],
    "training_hours_per_fte": [
        # MD03's 16 hours of 20 Feb (the training ledger's; the roster's are ignored) /
        # (doctors 70 + nurses 42 + pharmacist 28 FTE-days) / 28
        Case("month", "2025-02", "MED", 16 / ((70 + 42 + 28) / 28)),
        Case("month", "2025-01", "MED", 0),  # the ledger lists no training of MED this month
        # 8 hours of 10 March / (doctors 93 + nurses 46.5 + pharmacist 31) / 31
        Case("month", "2025-03", "MED", 8 / ((93 + 46.5 + 31) / 31)),
        # (16 + 8) + (12 + 2 + 2) hours; ST01 81 and ST02 86 technician days, MP01 90
        Case(
            "quarter",
            "2025-Q1",
            "ALL",
            (16 + 8 + 12 + 2 + 2) / ((225 + 135 + 90 + 225 + 720 + 81 + 86) / 90),
        ),
    ],  # fmt: skip
    "staff_fte": [
        # doctors 70 + nurses 42 + pharmacist 28 FTE-days / 28 days
        Case("month", "2025-02", "MED", (70 + 42 + 28) / 28),
        Case("quarter", "2025-Q1", "ALL", (225 + 135 + 90 + 225 + 720 + 81 + 86) / 90),
        Case("year", "2024", "KIND:surgical", None, column="status"),  # no band
    ],
    "technicians_fte": [
        Case("month", "2024-03", "SUR", 11 / 31),  # ST02 rehired 10–20 March
        Case("quarter", "2025-Q1", "SUR", (81 + 86) / 90),  # ST01 from 10 Jan, ST02 from 5 Jan
        Case("month", "2025-01", "KIND:medical", 0),  # a roster without technicians: a real 0
    ],
    "nurse_senior_title_share": [
        # MN03 (intermediate, 31 days) of MN01 31 + MN02 15.5 + MN03 31 nurse FTE-days
        Case("month", "2024-01", "MED", 31 / 77.5),
        Case("month", "2025-01", "MED", 0),
        # MN03's 31 + 14 days of MED's 77.5 + 57.5 + 46.5 and SUR's 8 × 91 nurse FTE-days
        Case("year", "2024", "ALL", 45 / (181.5 + 728)),
    ],
    "hires": [
        Case("month", "2024-03", "SUR", 2),  # SD03 (1 March) and ST02 rehired (10 March)
        Case("quarter", "2024-Q1", "SUR", 2),
        Case("month", "2025-02", "MED", 1),  # MD03; MP01's renewal from the next day is not
        Case("quarter", "2025-Q1", "ALL", 3),  # MD03, ST01, ST02 (5 January)
    ],
    "leavers": [
        Case("month", "2024-01", "SUR", 1),  # ST02 on 15 January
        Case("month", "2024-03", "SUR", 1),  # ST02 again on 20 March
        Case("quarter", "2024-Q1", "SUR", 1),  # one person: not a leaver twice
        Case("month", "2025-01", "MED", 0),  # MP01's first contract ends, the next day's begins
        Case("year", "2024", "ALL", 2),  # MN03 and ST02
    ],
    "turnover_rate": [
        # 1 leaver / (staff-days: SD01 31 + SD02 31 + 8 nurses 248 + ST02 15) / 31
        Case("month", "2024-01", "SUR", 1 / (325 / 31)),
        # Q1: Jan 325, Feb 29 × 10 = 290, Mar 31 × 11 (SD03 counts 1 a day at half time) + ST02 11
        Case("quarter", "2024-Q1", "SUR", 1 / ((325 + 290 + 352) / 91)),
    ],
    "complaints": [
        Case("month", "2025-01", "MED", 1),  # the feedback ledger's, not the register's 2
        Case("quarter", "2025-Q1", "ALL", 3 + 6),
        Case("year", "2024", "SUR", 3),
        Case("quarter", "2025-Q1", "KIND:medical", 1 + 2 + 0),
    ],
    "complaint_closure_rate": [
        Case("month", "2025-01", "MED", 1 / 2),  # 3 days in time, 21 days late
        Case("quarter", "2025-Q1", "MED", 2 / 4),  # + an open one and one closed on day 15
        Case("quarter", "2025-Q1", "ALL", (2 + 2) / (4 + 2)),
        Case("year", "2024", "KIND:surgical", 1 / 1),
        na("month", "2024-01", "MED", "no_complaints"),
        Case("quarter", "2025-Q1", "MED", "alert", column="status"),  # ≥ 95%
    ],
}


def test_every_indicator_has_a_hand_case():
    missing = [i for i in catalogue.indicators() if not HAND_CASES.get(i)]
    assert not missing, f"indicators without a hand-computed case: {missing}"
    assert set(HAND_CASES) <= set(catalogue.indicators())
    for indicator in catalogue.indicators().values():
        if indicator.weekly:
            assert any(c.grain == "week" for c in HAND_CASES[indicator.id]), indicator.id


@pytest.mark.parametrize("metric", list(catalogue.indicators()))
def test_hand_cases(metrics, metric):
    for case in HAND_CASES[metric]:
        where = (case.grain, case.period, case.dept, metric, case.column)
        actual = cell(metrics, case.grain, case.period, case.dept, metric, case.column)
        if case.expected is NA:
            assert actual is None, where
            assert cell(metrics, case.grain, case.period, case.dept, metric, "reason") == (
                case.reason
            ), where
        elif case.expected is None or isinstance(case.expected, str):
            assert actual == case.expected, where
        else:
            assert actual == pytest.approx(case.expected, rel=1e-12, abs=1e-12), where


def test_a_department_with_a_ledger_for_part_of_a_period(metrics):
    """SUR gave its finance ledger for January and March 2025, not February: for its own group,
    the finance entry of its coverage over 2025-Q1 (and 2025) is partial, 0 departments of 1
    (period_sums.sql), the one case that sends a department's coverage through evaluate.sql's
    join (partial_mix). Its indicators that mix finance with the workload are not available for
    the quarter, for the want of finance, as are its finance totals; the months around the gap and
    the workload over the whole quarter are."""

    def reason(grain, period, metric):
        return cell(metrics, grain, period, "SUR", metric, "reason")

    # SUR's op revenue in a month: op drugs 10,000 (January and March) + consumables 10,000 +
    # exams 10,000 + lab 5,000 + service 15,000 + other 0 = 50,000; visits 20 + 5 a day
    for month, days_in in (("2025-01", 31), ("2025-03", 31)):
        value = cell(metrics, "month", month, "SUR", "op_revenue_per_visit")
        assert value == pytest.approx(50000 / (days_in * (20 + 5)), rel=1e-12)
    assert cell(metrics, "month", "2025-02", "SUR", "op_revenue_per_visit") is None
    assert reason("month", "2025-02", "op_revenue_per_visit") == "no_finance"
    # The quarter is neither the two months' op revenue over the quarter's visits,
    # 100,000 / (90 × 25) = 44.4, nor over the two months' visits, 100,000 / (62 × 25) = 64.5:
    # not available, and finance is why (the workload, its other input, is there).
    for metric in ("op_revenue_per_visit", "ip_revenue_per_discharge", "medical_revenue"):
        assert cell(metrics, "quarter", "2025-Q1", "SUR", metric) is None, metric
        assert reason("quarter", "2025-Q1", metric) == "no_finance", metric
        assert cell(metrics, "year", "2025", "SUR", metric) is None, metric
        assert reason("year", "2025", metric) == "no_finance", metric
    # ... while January's inpatient revenue per discharge is its own: ip drugs 30,000 +
    # consumables 40,000 + exams 10,000 + lab 10,000 + service 50,000 + other 5,000 = 145,000
    # over 31 days × 2 discharges
    value = cell(metrics, "month", "2025-01", "SUR", "ip_revenue_per_discharge")
    assert value == pytest.approx(145000 / (31 * 2), rel=1e-12)
    # The workload alone is whole over the quarter: 90 days × 20 outpatient visits, 31 × 2 +
    # 28 × 4 + 31 × 2 discharges; a department's own value carries no coverage note.
    assert cell(metrics, "quarter", "2025-Q1", "SUR", "outpatient_visits") == 90 * 20
    assert cell(metrics, "quarter", "2025-Q1", "SUR", "discharges") == 31 * 2 + 28 * 4 + 31 * 2
    assert cell(metrics, "quarter", "2025-Q1", "SUR", "outpatient_visits", "depts_included") is None


# --- 2. the hand model: every indicator, grain, period and group ------------------------------

HELD_DAYS = [day for month in MONTHS for day in month_days(month)]


def period_keys(day: D) -> dict[str, str]:
    iso = day.isocalendar()
    return {
        "week": f"{iso.year}-W{iso.week:02d}",
        "month": f"{day:%Y-%m}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "year": f"{day.year}",
    }


# Each period as the days of it the warehouse holds (a period in progress has fewer).
PERIODS: dict[tuple[str, str], list[D]] = {}
for _day in HELD_DAYS:
    for _grain, _key in period_keys(_day).items():
        PERIODS.setdefault((_grain, _key), []).append(_day)


def prior_key(grain: str, period: str) -> str:
    if grain == "week":
        return period_keys(PERIODS[(grain, period)][0] - dt.timedelta(days=7))["week"]
    if grain == "month":
        year, month = map(int, period.split("-"))
        return f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    if grain == "quarter":
        year, quarter = int(period[:4]), int(period[-1])
        return f"{year - (quarter == 1)}-Q{(quarter - 2) % 4 + 1}"
    return str(int(period) - 1)


def yoy_key(grain: str, period: str) -> str:
    return str(int(period[:4]) - 1) + period[4:]


HELD = set(HELD_DAYS)
DATA_END = max(HELD_DAYS)  # the data month ends it, and the workload ledger's last day


def full_days(grain: str, period: str) -> list[D]:
    """Every calendar day of the period, held or not."""
    if grain == "week":
        year, week = int(period[:4]), int(period[-2:])
        return [D.fromisocalendar(year, week, 1) + dt.timedelta(days=i) for i in range(7)]
    first = {
        "month": lambda: D(int(period[:4]), int(period[5:]), 1),
        "quarter": lambda: D(int(period[:4]), 3 * int(period[-1]) - 2, 1),
        "year": lambda: D(int(period), 1, 1),
    }[grain]()
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    end_month = first.month + months
    end = D(first.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((end - first).days)]


def is_whole(grain: str, period: str) -> bool:
    """The data holds every day of the period (weeks: up to the last workload day; a month is
    held whole or not at all), and it does not end after the data."""
    return (grain, period) in PERIODS and all(d in HELD for d in full_days(grain, period))


def yoy_window(grain: str, period: str) -> list[D]:
    """The held days of a partial period moved a year back: the same months, or for a week the
    same weekdays of the same ISO week of the year before."""
    held = PERIODS[(grain, period)]
    if grain == "week":
        year, week = int(period[:4]), int(period[-2:])
        shift = D.fromisocalendar(year - 1, week, 1) - D.fromisocalendar(year, week, 1)
        return [d + shift for d in held]
    months = sorted({(d.year - 1, d.month) for d in held})
    return [d for y, m in months for d in month_days(f"{y}-{m:02d}")]


def total(values):
    """Σ of what is known; None when nothing is."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def plus(*values):
    return None if any(v is None for v in values) else sum(values)


def ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def monthly_ledgers(dept: str, month: str) -> dict[str, float | None]:
    """The monthly ledgers' measures of a department and month: None where it sent no row."""
    measures: dict[str, float | None] = {}
    if month in DRUG_REVENUE[dept]:
        f = finance_row(dept, month)
        op = sum(v for k, v in f.items() if k.startswith("op_"))
        ip = sum(v for k, v in f.items() if k.startswith("ip_"))
        measures |= {
            "op_revenue": op,
            "ip_revenue": ip,
            "drug_revenue": f["op_drug_revenue"] + f["ip_drug_revenue"],
            "consumables_revenue": f["op_consumables_revenue"] + f["ip_consumables_revenue"],
            "service_revenue": f["op_service_revenue"] + f["ip_service_revenue"],
            "total_expense": sum(v for k, v in f.items() if k.endswith("_expense")),
            "consumables_expense": f["consumables_expense"],
            "revenue_budget": f["revenue_budget"],
            "expense_budget": f["expense_budget"],
            "personnel_expense": f["personnel_expense"],
            "op_drug_revenue": f["op_drug_revenue"],
            "ip_drug_revenue": f["ip_drug_revenue"],
        }
    usage = [
        (asset, large, USAGE[asset][month])
        for asset, owner, _, large, _ in EQUIPMENT
        if owner == dept and month in USAGE[asset]
    ]
    if usage:
        measures |= {
            "large_device_uses": sum(u[0] for _, large, u in usage if large),
            "hours_used": sum(u[1] for *_, u in usage),
            "hours_available": sum(u[2] for *_, u in usage),
            "downtime_hours": sum(u[3] for *_, u in usage),
        }
    surveys, satisfied, complaints, samples, wait = FEEDBACK[dept][month]
    measures |= {
        "surveys": surveys,
        "satisfied": satisfied,
        "complaints": complaints,
        "wait_minutes": samples * wait,
        "wait_samples": samples,
    }
    slots, booked, attended = APPOINTMENTS[dept][month]
    measures |= {"slots": slots, "booked": booked, "attended": attended}
    issued = [(ITEMS[item], qty[month]) for (d, item), qty in ISSUED.items() if d == dept]
    measures |= {
        "supplies_value": sum(price * q for (_, _, price), q in issued),
        "office_value": sum(
            price * q for (_, category, price), q in issued if category == "office"
        ),
    }
    return measures


@dataclass(frozen=True)
class Hand:
    """The measures of a group of departments over a period, as a person would total them."""

    depts: tuple[str, ...]
    grain: str
    period: str
    window: tuple[D, ...] | None = None  # other days than the period's: a 同比 window

    @cached_property
    def period_days(self) -> list[D]:
        return list(self.window) if self.window else PERIODS[(self.grain, self.period)]

    @property
    def days(self) -> int:
        return len(self.period_days)

    @property
    def workdays(self) -> int:
        off = {D.fromisoformat(d) for d in HOLIDAYS}
        on = {D.fromisoformat(d) for d in ADJUSTED_WORKDAYS}
        return sum(1 for d in self.period_days if (d.isoweekday() <= 5 and d not in off) or d in on)

    @cached_property
    def months(self) -> list[str]:
        return sorted({f"{d:%Y-%m}" for d in self.period_days})

    def daily(self, name: str) -> int:
        return sum(
            WORKLOAD[dept][f"{d:%Y-%m}"][name] for dept in self.depts for d in self.period_days
        )

    @cached_property
    def episodes(self) -> list[Episode]:
        held = {d.isoformat() for d in self.period_days}
        return [e for e in EPISODES if e.dept in self.depts and e.discharge in held]

    def episode_sum(self, value: Callable[[Episode], float], where=lambda e: True):
        """A sum over the period's episodes; None when the group discharged nobody in it."""
        if not self.episodes:
            return None
        return sum(value(e) for e in self.episodes if where(e))

    def fte_days(self, role: str | None = None, titles: tuple[str, ...] = ()) -> float:
        return sum(
            fte
            for dept_, _, role_, title, fte, start, end, _ in ROSTER
            for d in self.period_days
            if dept_ in self.depts
            and (role is None or role_ == role)
            and (not titles or title in titles)
            and D.fromisoformat(start) <= d
            and (end is None or d <= D.fromisoformat(end))
        )

    @property
    def training_hours(self) -> float:
        # the training ledger's hours, in the month they happen
        held = {d.isoformat() for d in self.period_days}
        return sum(h for dept_, _, day, h, _ in TRAINING if dept_ in self.depts and day in held)

    def in_post(self, start: str, end: str | None) -> int:
        """Days of the period a posting covers."""
        return sum(
            1
            for d in self.period_days
            if D.fromisoformat(start) <= d and (end is None or d <= D.fromisoformat(end))
        )

    @property
    def staff_days(self) -> int:
        return sum(
            self.in_post(start, end) for dept_, *_, start, end, _ in ROSTER if dept_ in self.depts
        )

    def moves(self, hires: bool) -> int:
        """Staff codes whose posting starts (hires) or ends (leavers) in the period with no posting
        of theirs in the department the day before (after): each code once."""
        held = set(self.period_days)
        found = set()
        for dept_, code, *_, start, end, _ in ROSTER:
            if dept_ not in self.depts or (not hires and end is None):
                continue
            day = D.fromisoformat(start if hires else end)
            neighbour = day - dt.timedelta(days=1) if hires else day + dt.timedelta(days=1)
            covered = any(
                d == dept_ and c == code and D.fromisoformat(s) <= neighbour
                and (e is None or neighbour <= D.fromisoformat(e))
                for d, c, *_, s, e, _ in ROSTER
            )  # fmt: skip
            if day in held and not covered:
                found.add((dept_, code))
        return len(found)

    def registered(self, in_time: bool = False) -> int | None:
        """Complaints of the register dated in the period (closed within 15 days); None when the
        register lists none of the group's."""
        held = {d.isoformat() for d in self.period_days}
        rows = [c for c in COMPLAINTS if c[1] in self.depts and c[0] in held]
        if not rows:
            return None
        if not in_time:
            return len(rows)
        return sum(
            1
            for day, *_, closed in rows
            if closed and (D.fromisoformat(closed) - D.fromisoformat(day)).days <= 15
        )

    @property
    def large_device_days(self) -> int | None:
        days_in_service = [
            1
            for asset, dept_, _, large, purchased in EQUIPMENT
            for d in self.period_days
            if dept_ in self.depts and large and D.fromisoformat(purchased) <= d
        ]
        return sum(days_in_service) if days_in_service else None

    def kept(self, name: str) -> float | None:
        """The months-present rule: per department, the sum when every month of the period has
        the measure, nothing when none has, unknown when some have; a group sums the departments
        that have it whole."""
        sums = []
        for dept in self.depts:
            values = [monthly_ledgers(dept, m).get(name) for m in self.months]
            known = [v for v in values if v is not None]
            if known and len(known) < len(values):
                # unknown for the department; a group sums the departments complete for the
                # period (METRICS.md, "Groups over longer periods")
                if len(self.depts) == 1:
                    return None
                continue
            sums.append(sum(known) if known else None)
        return total(sums)


H = Hand
FORMULAS: dict[str, Callable[[Hand], tuple[float | None, float | None]]] = {
    # workload
    "outpatient_visits": lambda h: (h.daily("op"), 1),
    "emergency_visits": lambda h: (h.daily("em"), 1),
    "admissions": lambda h: (h.daily("adm"), 1),
    "discharges": lambda h: (h.daily("dis"), 1),
    "surgeries": lambda h: (h.daily("surg"), 1),
    "exams": lambda h: (h.daily("exams"), 1),
    # efficiency
    "available_bed_days": lambda h: (h.daily("beds"), 1),
    "occupied_bed_days": lambda h: (h.daily("census"), 1),
    "avg_open_beds": lambda h: (h.daily("beds"), h.days),
    "bed_occupancy": lambda h: (h.daily("census"), h.daily("beds")),
    "bed_turnover": lambda h: (h.daily("dis"), h.daily("beds") / h.days),
    "bed_work_days": lambda h: (h.daily("census"), h.daily("beds") / h.days),
    "alos": lambda h: (h.episode_sum(lambda e: e.los), h.episode_sum(lambda e: 1)),
    "preop_days": lambda h: (
        h.episode_sum(lambda e: e.preop, lambda e: e.surgery),
        h.episode_sum(lambda e: 1, lambda e: e.surgery),
    ),
    "large_equipment_daily_uses": lambda h: (h.kept("large_device_uses"), h.large_device_days),
    "equipment_utilization": lambda h: (h.kept("hours_used"), h.kept("hours_available")),
    "equipment_downtime_rate": lambda h: (h.kept("downtime_hours"), h.kept("hours_available")),
    # quality
    "cure_rate": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: e.outcome == "cured"),
        h.episode_sum(lambda e: 1),
    ),
    "cure_improve_rate": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: e.outcome in ("cured", "improved")),
        h.episode_sum(lambda e: 1),
    ),
    "mortality_rate": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: e.outcome == "died"),
        h.episode_sum(lambda e: 1),
    ),
    "complication_rate": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: e.complication),
        h.episode_sum(lambda e: 1, lambda e: e.complication is not None),
    ),
    "grade34_surgery_share": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: e.surgery and e.grade in (3, 4)),
        h.episode_sum(lambda e: 1, lambda e: e.surgery),
    ),
    "grade4_surgery_share": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: e.surgery and e.grade == 4),
        h.episode_sum(lambda e: 1, lambda e: e.surgery),
    ),
    # case mix and insurance: grouped episodes are those with a weights row
    "drg_cases": lambda h: (h.episode_sum(lambda e: 1, weights_row), 1),
    "drg_groups": lambda h: (
        None if not h.episodes else len({INSURANCE[e.id][1] for e in h.episodes if weights_row(e)}),
        1,
    ),
    "total_weight": lambda h: (h.episode_sum(lambda e: weights_row(e)[2], weights_row), 1),
    "cmi": lambda h: (
        h.episode_sum(lambda e: weights_row(e)[2], weights_row),
        h.episode_sum(lambda e: 1, weights_row),
    ),
    "cost_index": lambda h: (
        h.episode_sum(lambda e: e.total_cost / weights_row(e)[4], lambda e: benchmarked(e, 4)),
        h.episode_sum(lambda e: 1, lambda e: benchmarked(e, 4)),
    ),
    "time_index": lambda h: (
        h.episode_sum(lambda e: e.los / weights_row(e)[3], lambda e: benchmarked(e, 3)),
        h.episode_sum(lambda e: 1, lambda e: benchmarked(e, 3)),
    ),
    "low_risk_mortality": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: benchmarked(e, 5) and e.outcome == "died"),
        h.episode_sum(lambda e: 1, lambda e: benchmarked(e, 5)),
    ),
    "insured_share": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: INSURANCE[e.id][0] not in (None, *SELF_PAY)),
        h.episode_sum(lambda e: 1, lambda e: INSURANCE[e.id][0] is not None),
    ),
    "insurance_fund_share": lambda h: (
        h.episode_sum(lambda e: INSURANCE[e.id][2], lambda e: INSURANCE[e.id][2] is not None),
        h.episode_sum(lambda e: e.total_cost, lambda e: INSURANCE[e.id][2] is not None),
    ),
    "drg_margin": lambda h: (
        h.episode_sum(lambda e: INSURANCE[e.id][3] - e.total_cost, paid_by_drg)
        if h.episode_sum(lambda e: 1, paid_by_drg)
        else None,
        1,
    ),
    "drg_overspend_share": lambda h: (
        h.episode_sum(lambda e: 1, lambda e: paid_by_drg(e) and e.total_cost > INSURANCE[e.id][3]),
        h.episode_sum(lambda e: 1, paid_by_drg),
    ),
    "surgery_cost_per_case": lambda h: (
        h.episode_sum(lambda e: e.total_cost, lambda e: e.surgery),
        h.episode_sum(lambda e: 1, lambda e: e.surgery),
    ),
    # economics
    "medical_revenue": lambda h: (plus(h.kept("op_revenue"), h.kept("ip_revenue")), 1),
    "total_expense": lambda h: (h.kept("total_expense"), 1),
    "margin": lambda h: (
        plus(h.kept("op_revenue"), h.kept("ip_revenue"), neg(h.kept("total_expense"))),
        1,
    ),
    "margin_rate": lambda h: (
        plus(h.kept("op_revenue"), h.kept("ip_revenue"), neg(h.kept("total_expense"))),
        plus(h.kept("op_revenue"), h.kept("ip_revenue")),
    ),
    "drug_ratio": lambda h: (h.kept("drug_revenue"), revenue(h)),
    "consumables_ratio": lambda h: (h.kept("consumables_revenue"), revenue(h)),
    "consumables_per_100": lambda h: (
        h.kept("consumables_expense"),
        plus(revenue(h), neg(h.kept("drug_revenue"))),
    ),
    "service_revenue_ratio": lambda h: (h.kept("service_revenue"), revenue(h)),
    "op_revenue_per_visit": lambda h: (h.kept("op_revenue"), h.daily("op") + h.daily("em")),
    "revenue_per_exam": lambda h: (revenue(h), h.daily("exams")),
    "ip_revenue_per_discharge": lambda h: (h.kept("ip_revenue"), h.daily("dis")),
    "episode_cost": lambda h: (
        h.episode_sum(lambda e: e.total_cost),
        h.episode_sum(lambda e: 1),
    ),
    "episode_drug_ratio": lambda h: (
        h.episode_sum(lambda e: e.drug_cost),
        h.episode_sum(lambda e: e.total_cost),
    ),
    "revenue_budget_execution": lambda h: (revenue(h), h.kept("revenue_budget")),
    "expense_budget_execution": lambda h: (h.kept("total_expense"), h.kept("expense_budget")),
    "personnel_expense_ratio": lambda h: (h.kept("personnel_expense"), h.kept("total_expense")),
    "cost_per_100_revenue": lambda h: (h.kept("total_expense"), revenue(h)),
    "op_drug_per_visit": lambda h: (h.kept("op_drug_revenue"), h.daily("op") + h.daily("em")),
    "ip_drug_per_discharge": lambda h: (h.kept("ip_drug_revenue"), h.daily("dis")),
    # year to date, month grain: January to the month, when every one of those months is held
    "revenue_ytd": lambda h: (revenue(y) if (y := to_date(h)) else None, 1),
    "expense_ytd": lambda h: (y.kept("total_expense") if (y := to_date(h)) else None, 1),
    # for a group whose finance is known from January to the month
    "time_progress": lambda h: (
        (month_end(h.period) - D(int(h.period[:4]), 1, 1)).days + 1
        if (y := to_date(h)) and y.kept("op_revenue") is not None
        else None,
        365 + calendar.isleap(int(h.period[:4])),
    ),
    # the ledgers hold 3 months of budget a year, never 12: no annual budget
    "revenue_budget_ytd_execution": lambda h: (revenue(y) if (y := to_date(h)) else None, None),
    "expense_budget_ytd_execution": lambda h: (
        y.kept("total_expense") if (y := to_date(h)) else None,
        None,
    ),
    # no whole previous year in the ledgers: no forecast
    "revenue_forecast": lambda h: (revenue(y) if (y := to_date(h)) else None, None),
    "revenue_forecast_execution": lambda h: (revenue(y) if (y := to_date(h)) else None, None),
    # service and supplies
    "satisfaction_rate": lambda h: (h.kept("satisfied"), h.kept("surveys")),
    "complaints_per_10k": lambda h: (
        h.kept("complaints"),
        h.daily("op") + h.daily("em") + h.daily("dis"),
    ),
    "outpatient_wait_minutes": lambda h: (h.kept("wait_minutes"), h.kept("wait_samples")),
    "appointment_rate": lambda h: (h.kept("attended"), h.daily("op")),
    "slot_utilization": lambda h: (h.kept("booked"), h.kept("slots")),
    "no_show_rate": lambda h: (plus(h.kept("booked"), neg(h.kept("attended"))), h.kept("booked")),
    "supplies_issued_value": lambda h: (h.kept("supplies_value"), 1),
    "office_supplies_issued_value": lambda h: (h.kept("office_value"), 1),
    # staffing
    "doctors_fte": lambda h: (h.fte_days("doctor"), h.days),
    "nurses_fte": lambda h: (h.fte_days("nurse"), h.days),
    "nurse_bed_ratio": lambda h: (h.fte_days("nurse"), h.daily("beds")),
    "nurse_doctor_ratio": lambda h: (h.fte_days("nurse"), h.fte_days("doctor")),
    "senior_title_share": lambda h: (
        h.fte_days("doctor", ("senior", "associate")),
        h.fte_days("doctor"),
    ),
    "visits_per_doctor_day": lambda h: (
        h.daily("op") + h.daily("em"),
        h.fte_days("doctor") * h.workdays / h.days,
    ),
    "bed_days_per_doctor_day": lambda h: (h.daily("census"), h.fte_days("doctor")),
    "training_hours_per_fte": lambda h: (h.training_hours, h.fte_days() / h.days),
    "staff_fte": lambda h: (h.fte_days(), h.days),
    "technicians_fte": lambda h: (h.fte_days("technician"), h.days),
    "nurse_senior_title_share": lambda h: (
        h.fte_days("nurse", ("senior", "associate", "intermediate")),
        h.fte_days("nurse"),
    ),
    "hires": lambda h: (h.moves(hires=True), 1),
    "leavers": lambda h: (h.moves(hires=False), 1),
    "turnover_rate": lambda h: (h.moves(hires=False), h.staff_days / h.days),
    "complaints": lambda h: (h.kept("complaints"), 1),
    "complaint_closure_rate": lambda h: (h.registered(in_time=True), h.registered()),
}
SCALE = {"consumables_per_100": 100, "complaints_per_10k": 10000, "cost_per_100_revenue": 100}


def benchmarked(e: Episode, field: int):
    """Grouped, with the weights row's field (3 stay, 4 cost, 5 low risk) given."""
    row = weights_row(e)
    return row is not None and row[field] not in (None, False)


def paid_by_drg(e: Episode) -> bool:
    return INSURANCE[e.id][3] is not None


def month_end(month: str) -> D:
    first = D.fromisoformat(f"{month}-01")
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def to_date(h: Hand) -> Hand | None:
    """The group over January to the month (本年累计), when the ledgers hold every one of those
    months; None otherwise."""
    year, month = int(h.period[:4]), int(h.period[5:])
    wanted = [f"{year}-{m:02d}" for m in range(1, month + 1)]
    if not all(m in MONTHS for m in wanted):
        return None
    return Hand(h.depts, "month", h.period, tuple(d for m in wanted for d in month_days(m)))


# Ledgers kept one row per month, and a measure each that tells whether a department gave it.
MONTHLY_LEDGERS = {"finance": "op_revenue", "patient_feedback": "surveys", "appointments": "slots",
                   "supplies": "supplies_value", "equipment_usage": "hours_used"}  # fmt: skip


def partial_mix(metric: str, h: Hand) -> bool:
    """A group's indicator that mixes a monthly ledger with one listing days or episodes is not
    available when a department of the group gives the monthly ledger for only part of P."""
    inputs = catalogue.indicators()[metric].inputs
    monthly = [i for i in inputs if i in MONTHLY_LEDGERS]
    if len(h.depts) < 2 or not monthly or len(monthly) == len(inputs):
        return False
    measure = MONTHLY_LEDGERS[monthly[0]]
    for dept in h.depts:
        known = [monthly_ledgers(dept, m).get(measure) is not None for m in h.months]
        if any(known) and not all(known):
            return True
    return False


# METRICS.md: the workload family and the bed indicators are also computed per ISO week.
WEEKLY = {"outpatient_visits", "emergency_visits", "admissions", "discharges", "surgeries",
          "exams", "available_bed_days", "occupied_bed_days", "avg_open_beds", "bed_occupancy",
          "bed_turnover", "bed_work_days"}  # fmt: skip


def neg(value):
    return None if value is None else -value


def revenue(h: Hand):
    return plus(h.kept("op_revenue"), h.kept("ip_revenue"))


def hand_value(metric: str, grain: str, period: str, group: str, window=None):
    """(value, numerator, denominator) of the hand model; value None when not available."""
    if (grain, period) not in PERIODS:
        return None, None, None
    hand = Hand(tuple(GROUPS[group]), grain, period, window)
    numerator, denominator = FORMULAS[metric](hand)
    value = None if partial_mix(metric, hand) else ratio(numerator, denominator)
    return (None if value is None else value * SCALE.get(metric, 1)), numerator, denominator


def hand_band(metric: str, dept: str) -> tuple[float | None, float | None]:
    """The department's target row, else the `*` row, else the catalogue's default band."""
    targets = {(d, m): (low, high) for d, m, low, high in TARGETS}
    indicator = catalogue.indicators()[metric]
    return targets.get((dept, metric), targets.get(("*", metric), (
        indicator.band_low, indicator.band_high)))  # fmt: skip


def hand_status(value, low, high) -> str | None:
    """METRICS.md: inside the band ok; outside by at most 10% of the limit watch; else alert."""
    if value is None or (low is None and high is None):
        return None
    tolerance = 1e-9
    if (low is None or value >= low - tolerance) and (high is None or value <= high + tolerance):
        return "ok"
    limit = low if low is not None and value < low else high
    return "watch" if abs(value - limit) <= 0.1 * abs(limit) + tolerance else "alert"


def expected_rows() -> set[tuple[str, str, str, str]]:
    return {
        (grain, period, group, metric)
        for (grain, period) in PERIODS
        for group in GROUPS
        for metric, indicator in catalogue.indicators().items()
        if (grain != "week" or metric in WEEKLY) and grain in indicator.grains
    }


def test_weekly_indicators_are_those_of_metrics_md():
    assert {i.id for i in catalogue.indicators().values() if i.weekly} == WEEKLY
    assert set(FORMULAS) == set(catalogue.indicators())


def test_one_row_per_grain_period_group_and_indicator(metrics):
    assert not metrics.index.duplicated().any()
    assert set(metrics.index) == expected_rows()


def close(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("metric", list(catalogue.indicators()))
def test_indicator_by_hand_model(metrics, metric):
    """Value, numerator, denominator, comparisons, band and status of every row of the indicator."""
    percent = catalogue.indicators()[metric].is_percent
    wrong = []
    for grain, period, group, _ in sorted(r for r in expected_rows() if r[3] == metric):
        value, numerator, denominator = hand_value(metric, grain, period, group)
        prior = yoy = None
        # Periods in progress (METRICS.md): 环比 only between whole periods; 同比 of a whole
        # period with a whole one, of a partial one over the same days a year earlier.
        if is_whole(grain, period):
            if is_whole(grain, prior_key(grain, period)):
                prior = hand_value(metric, grain, prior_key(grain, period), group)[0]
            if is_whole(grain, yoy_key(grain, period)):
                yoy = hand_value(metric, grain, yoy_key(grain, period), group)[0]
        elif all(d in HELD for d in yoy_window(grain, period)):
            window = yoy_window(grain, period)
            yoy = hand_value(metric, grain, period, group, window)[0]
        low, high = hand_band(metric, group)
        if catalogue.indicators()[metric].band_around:
            # METRICS.md, Year to date: the time progress ± 5 points
            progress = hand_value(catalogue.indicators()[metric].band_around, grain, period, group)[
                0
            ]
            low, high = (None, None) if progress is None else (progress - 0.05, progress + 0.05)
        expected = {
            "value": value,
            "prior_value": prior,
            "yoy_value": yoy,
            "prior_change": None if None in (value, prior) else (value - prior) * (
                100 if percent else 1),
            "yoy_change": None if None in (value, yoy) else (value - yoy) * (100 if percent else 1),
            "prior_change_rel": None if None in (value, prior) or prior == 0 else (
                value - prior) / abs(prior),
            "yoy_change_rel": None if None in (value, yoy) or yoy == 0 else (
                value - yoy) / abs(yoy),
            "band_low": low,
            "band_high": high,
            "status": hand_status(value, low, high),
            "prior_period": prior_key(grain, period),
            "yoy_period": yoy_key(grain, period),
        }  # fmt: skip
        if numerator is not None:
            expected["numerator"] = numerator
        if denominator is not None:
            expected["denominator"] = denominator
        for column, want in expected.items():
            got = cell(metrics, grain, period, group, metric, column)
            ok = got == want if isinstance(want, str) or column == "status" else close(got, want)
            if not ok:
                wrong.append(f"{grain} {period} {group} {column}: got {got!r}, expected {want!r}")
        reason = cell(metrics, grain, period, group, metric, "reason")
        if (value is None) != (reason is not None):
            wrong.append(f"{grain} {period} {group}: value {value!r} with reason {reason!r}")
        if reason is not None and reason not in REASONS:
            wrong.append(f"{grain} {period} {group}: unknown reason {reason!r}")
    assert not wrong, f"{len(wrong)} differences, first ones:\n" + "\n".join(wrong[:25])


REASONS = set(catalogue.reasons())


# --- 3. the export ------------------------------------------------------------------------------


def test_csv_columns_and_names(metrics):
    frame = metrics.reset_index()
    assert list(frame.columns) == COLUMNS
    row = metrics.loc[("month", "2025-01", "MED", "bed_occupancy")]
    assert (row["name_zh"], row["name_en"], row["unit"]) == ("病床使用率", "Bed occupancy", "%")
    assert row["family"] == "efficiency"


# --- Year to date of groups, budgets entered ahead and a whole previous year (issue 18) -----
# Year to date for a department kind and the hospital (METRICS.md, "Year to date"), by hand, through
# the real stack: the 2026 budgets of both departments were entered in January for all twelve months
# (April–December hold budget lines only), and 2025 is a whole year, so the forecast has last year's
# shape. Ledgers in tmp_path -> load_inbox -> compute_months -> metric_values.
#
#  A (medical): 2025 revenue 1,000 a month, 2026 1,200; expense 800 a month; 2026 budgets 1,500
#               revenue and 1,000 expense a month.
#  B (medical): 2025 revenue 3,000 a month, 2026 2,700; expense 2,500 a month; 2026 budgets 3,000
#               revenue and 2,600 expense a month.
# The data month is March 2026.


YTD_DEPTS = {  # revenue 2025, revenue 2026, expense, revenue budget, expense budget (a month)
    "A": (1000, 1200, 800, 1500, 1000),
    "B": (3000, 2700, 2500, 3000, 2600),
}
YTD_REVENUE_LINES = [f"{s}_{line}_revenue" for s in ("op", "ip")
                 for line in ("drug", "consumables", "exam", "lab", "service", "other")]  # fmt: skip
YTD_EXPENSE_LINES = ["personnel_expense", "drug_expense", "consumables_expense",
                 "depreciation_expense", "maintenance_expense", "other_expense"]  # fmt: skip
YTD_COLUMNS = [
    "month",
    "dept",
    *YTD_REVENUE_LINES,
    *YTD_EXPENSE_LINES,
    "revenue_budget",
    "expense_budget",
]


def ytd_finance(month: str, dept: str, revenue, expense, budgets) -> list:
    """Every line given (a blank line makes its total unknown): the revenue all outpatient
    drugs, the expense all personnel; None for a budget-only row."""
    lines = [revenue, *[0 if revenue is not None else None] * (len(YTD_REVENUE_LINES) - 1)]
    lines += [expense, *[0 if expense is not None else None] * (len(YTD_EXPENSE_LINES) - 1)]
    return [month, dept, *lines, *budgets]


@pytest.fixture(scope="module")
def ytd_values(tmp_path_factory):
    root = tmp_path_factory.mktemp("ytd_groups")
    inbox = root / "inbox"
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind"], ["A", "心内科", "medical"], ["B", "呼吸内科", "medical"]],
    )
    rows = [YTD_COLUMNS]
    for dept, (rev25, rev26, expense, rev_budget, exp_budget) in YTD_DEPTS.items():
        budgets = (rev_budget, exp_budget)
        rows += [
            ytd_finance(f"2025-{m:02d}", dept, rev25, expense, (None, None)) for m in range(1, 13)
        ]
        rows += [ytd_finance(f"2026-{m:02d}", dept, rev26, expense, budgets) for m in (1, 2, 3)]
        # the rest of the 2026 budget, entered ahead: budget lines only
        rows += [ytd_finance(f"2026-{m:02d}", dept, None, None, budgets) for m in range(4, 13)]
    write_csv(inbox / "finance.csv", rows)
    with duckdb.connect(str(root / "w.duckdb")) as con:
        report = load_inbox(con, inbox)
        assert report.rows_rejected == 0, report.rejected_by_reason
        held = months_with_data(con)
        assert held[-1] == "2026-03"  # budget lines ahead hold no month
        compute_months(con, held)
        found = con.execute(
            """select dept, metric, value, numerator, denominator from metric_values
               where grain = 'month' and period = '2026-03'"""
        ).fetchall()
    return {(dept, metric): (value, num, den) for dept, metric, value, num, den in found}


@pytest.mark.parametrize("group", ["ALL", "KIND:medical"])
def test_year_to_date_of_a_group_against_the_budgets_entered_ahead(ytd_values, group):
    # revenue Jan–Mar 2026: (1,200 + 2,700) × 3 = 11,700; expense (800 + 2,500) × 3 = 9,900
    assert ytd_values[(group, "revenue_ytd")][0] == 11700
    assert ytd_values[(group, "expense_ytd")][0] == 9900
    # 1 January to 31 March: 31 + 28 + 31 = 90 days of 365
    assert ytd_values[(group, "time_progress")][1:] == (90, 365)
    # the annual budgets, the months ahead included: (1,500 + 3,000) × 12 = 54,000 and
    # (1,000 + 2,600) × 12 = 43,200
    assert ytd_values[(group, "revenue_budget_ytd_execution")][1:] == (11700, 54000)
    assert ytd_values[(group, "revenue_budget_ytd_execution")][0] == pytest.approx(11700 / 54000)
    assert ytd_values[(group, "expense_budget_ytd_execution")][1:] == (9900, 43200)
    # last year's shape: 2025 made (1,000 + 3,000) × 3 = 12,000 by March of its 48,000, so the
    # forecast is 11,700 × 48,000 / 12,000 = 46,800, 86.7% of the 54,000 budget
    assert ytd_values[(group, "revenue_forecast")][0] == pytest.approx(46800)
    assert ytd_values[(group, "revenue_forecast_execution")][0] == pytest.approx(46800 / 54000)


def test_year_to_date_of_a_department(ytd_values):
    # A: 3,600 to date of a 18,000 budget; forecast 3,600 × 12,000 / 3,000 = 14,400 (80%)
    assert ytd_values[("A", "revenue_budget_ytd_execution")][1:] == (3600, 18000)
    assert ytd_values[("A", "revenue_forecast")][0] == pytest.approx(14400)
    assert ytd_values[("A", "revenue_forecast_execution")][0] == pytest.approx(0.8)
