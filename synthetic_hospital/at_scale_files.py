"""The benchmark's inbox files: the big ledgers as an HIS exports them, one file per month (discharged
episodes as CSV with Chinese headers, the daily workload as Parquet with English headers), and
the small ledgers as workbooks; headers from the ledger contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from metrics import periods
from synthetic_hospital.departments import KIND_ZH
from synthetic_hospital.files import save_ledger_sheet
from synthetic_hospital.spelling import headers
from synthetic_hospital.staff import ROLE_ZH, TITLES
from synthetic_hospital.wards import OUTCOME_ZH, OUTCOMES

DISCHARGE_COLUMNS = [
    "episode_id", "dept", "admit_date", "discharge_date", "surgery_date", "surgery_grade",
    "outcome", "complication", "total_cost", "drug_cost", "consumables_cost", "payer", "drg",
]  # fmt: skip
DISCHARGE_HEADERS = dict(
    zip(DISCHARGE_COLUMNS, headers("discharges", DISCHARGE_COLUMNS), strict=True)
)
SQL_DIR = Path(__file__).with_name("sql")
PAYERS_AT_SCALE = ("城镇职工", "城乡居民", "自费", "商业保险")  # as some HIS exports spell them


def sql(name: str) -> str:
    """The text of `synthetic_hospital/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def copy_discharges(con, path: Path, first: dt.date, start: dt.date, end: dt.date) -> None:
    """One month of discharged episodes as an HIS CSV export (Chinese headers, ISO dates)."""
    month = con.sql(
        sql("discharges_month"),
        params={
            "first": first,
            "start": start,
            "end": end,
            "outcomes": [OUTCOME_ZH[o] for o in OUTCOMES],
            "payers": list(PAYERS_AT_SCALE),
        },
    )
    # the contract's headers as column aliases of the relation: no name is formatted into SQL
    month.select(
        *(duckdb.ColumnExpression(c).alias(DISCHARGE_HEADERS[c]) for c in DISCHARGE_COLUMNS)
    ).write_csv(str(path), header=True, sep=",")


def copy_workload(con, path: Path, start: dt.date, end: dt.date) -> None:
    """One month of the daily workload ledger as a Parquet export (English canonical headers)."""
    con.sql(sql("workload_month"), params={"start": start, "end": end}).write_parquet(str(path))


def small_ledgers(rng, con, folder: Path, departments: pd.DataFrame, months, first, n_days):
    """The small ledgers as workbooks, one sheet each; returns the rows written per ledger."""
    rows = {}
    rows["departments"] = _workbook(
        folder / "科室字典.xlsx",
        "科室",
        "departments",
        ["code", "name_zh", "name_en", "kind", "beds_authorised"],
        [
            (r.code, r.name_zh, r.name_en, KIND_ZH[r.kind], int(r.beds))
            for r in departments.itertuples()
        ],
    )
    rows["staffing"] = _workbook(
        folder / "人力资源台账.xlsx",
        "人员",
        "staffing",
        ["dept", "staff_code", "role", "title", "fte", "start_date", "end_date"],
        _roster(rng, departments, first, n_days),
    )
    devices = _devices(rng, departments, first)
    rows["equipment"] = _workbook(
        folder / "设备登记.xlsx",
        "设备",
        "equipment",
        ["asset_code", "dept", "name", "large", "purchase_date", "purchase_value",
         "service_life_years"],
        devices,
        alias={"dept": 1},
    )  # fmt: skip
    rows["equipment_usage"] = _workbook(
        folder / "设备使用.xlsx",
        "使用",
        "equipment_usage",
        ["asset_code", "month", "uses", "hours_used", "hours_available", "downtime_hours"],
        _usage(rng, devices, months),
    )
    finance, feedback, appointments = _monthly(rng, con, first, months)
    rows["finance"] = 0
    for year, lines in finance.items():
        rows["finance"] += _workbook(
            folder / f"经济运行台账{year}.xlsx", "经济", "finance", FINANCE_COLUMNS, lines
        )
    rows["patient_feedback"] = _workbook(
        folder / "患者满意度.xlsx",
        "反馈",
        "patient_feedback",
        ["month", "dept", "surveys", "satisfied", "complaints", "compliments", "wait_samples",
         "avg_wait_minutes"],
        feedback,
    )  # fmt: skip
    rows["appointments"] = _workbook(
        folder / "预约挂号.xlsx",
        "预约",
        "appointments",
        ["month", "dept", "slots", "booked", "attended"],
        appointments,
        alias={"attended": 1},
    )
    return rows


def _workbook(path: Path, sheet: str, kind: str, columns, rows: list, alias=0) -> int:
    """One sheet of a ledger under the contract's Chinese headers; returns the rows written."""
    save_ledger_sheet(path, sheet, kind, columns, rows, alias=alias)
    return len(rows)


def _roster(rng, departments: pd.DataFrame, first: dt.date, n_days: int) -> list[tuple]:
    """Doctors and nurses in proportion to beds (or a small team), some leavers."""
    roster = []
    titles = [title for title, _, _ in TITLES["doctor"]]
    doctor, nurse = ROLE_ZH["doctor"], ROLE_ZH["nurse"]
    for r in departments.itertuples():
        doctors = max(4, int(r.beds) // 6)
        nurses = max(3, int(r.beds * 0.5))
        for role, count in ((doctor, doctors), (nurse, nurses)):
            for n in range(count):
                start = first - dt.timedelta(days=int(rng.integers(30, 3000)))
                end = None
                if rng.random() < 0.1:
                    end = first + dt.timedelta(days=int(rng.integers(0, n_days)))
                title = titles[n % 4] if role == doctor else "护师"
                roster.append((r.code, f"{r.code}-{role}{n:03d}", role, title, 1, start, end))
    return roster


def _devices(rng, departments: pd.DataFrame, first: dt.date) -> list[tuple]:
    """Two devices per medtech department (one large), one per other department."""
    devices = []
    for r in departments.itertuples():
        count = 2 if r.kind == "medtech" else 1
        for n in range(count):
            large = "是" if (r.kind == "medtech" and n == 0) else "否"
            bought = first - dt.timedelta(days=int(rng.integers(100, 2000)))
            devices.append(
                (
                    f"{r.code}-EQ{n}",
                    r.code,
                    "CT" if large == "是" else "监护仪",
                    large,
                    bought,
                    1_500_000.0,
                    8,
                )
            )
    return devices


def _usage(rng, devices: list[tuple], months) -> list[tuple]:
    usage = []
    for month in months:
        for asset, *_ in devices:
            hours = float(rng.integers(300, 600))
            usage.append(
                (
                    asset,
                    str(month),
                    int(rng.integers(100, 3000)),
                    hours,
                    720.0,
                    float(rng.integers(0, 20)),
                )
            )
    return usage


FINANCE_COLUMNS = [
    "month", "dept", "op_drug_revenue", "op_consumables_revenue", "op_exam_revenue",
    "op_service_revenue", "ip_drug_revenue", "ip_consumables_revenue", "ip_service_revenue",
    "personnel_expense", "drug_expense", "consumables_expense", "depreciation_expense",
    "other_expense", "revenue_budget", "expense_budget",
]  # fmt: skip


def _monthly(rng, con, first: dt.date, months):
    """Finance (by year), feedback and appointments per department and month, from the simulated
    activity."""
    monthly = con.execute(
        sql("monthly_activity"), {"first": first, "months": [str(m) for m in months]}
    ).fetchall()
    by_year: dict[str, list] = {}
    feedback, appointments = [], []
    for dept, month, op, er, total, drug, consumables in monthly:
        op_revenue = (op + er) * 260.0
        ip_service = total - drug - consumables
        revenue = op_revenue + total
        expense = revenue * float(rng.uniform(0.85, 1.0))
        by_year.setdefault(periods.period_of("year", periods.month_start(month)), []).append(
            (
                month, dept, round(op_revenue * 0.35, 2), round(op_revenue * 0.1, 2),
                round(op_revenue * 0.25, 2), round(op_revenue * 0.3, 2), round(drug, 2),
                round(consumables, 2), round(ip_service, 2), round(expense * 0.4, 2),
                round(drug * 0.9, 2), round(consumables * 0.9, 2), round(expense * 0.08, 2),
                round(expense * 0.1, 2), round(revenue * float(rng.uniform(0.95, 1.05)), 2),
                round(expense * float(rng.uniform(0.95, 1.05)), 2),
            )
        )  # fmt: skip
        surveys = int(rng.integers(50, 200))
        samples = int(rng.integers(20, 80))
        feedback.append(
            (
                month,
                dept,
                surveys,
                int(surveys * rng.uniform(0.85, 0.99)),
                int(rng.integers(0, 4)),
                int(rng.integers(0, 10)),
                samples,
                round(float(rng.uniform(10, 40)), 1),
            )
        )
        slots = int(op * 0.8)
        booked = int(slots * rng.uniform(0.6, 1.0))
        appointments.append((month, dept, slots, booked, int(booked * rng.uniform(0.85, 0.97))))
    return by_year, feedback, appointments
