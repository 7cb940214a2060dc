"""Every data-quality check on small ledgers written here and loaded into a real DuckDB file: a clean
hospital month that no check objects to, and for each check the same month broken in exactly the
way that check looks for. Then publication blocks, data_quality.csv, the anomaly arithmetic and the
ledger-quality score, each computed by hand."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

import expectations.findings as findings_module
from expectations.checks import catalogue, thresholds
from expectations.findings import (
    CSV_COLUMNS,
    CheckSummary,
    anomaly_check_summaries,
    is_blocked,
    ledger_check_summaries,
    ledger_findings,
    publication_blocks,
    run_anomaly_checks,
    run_checks,
    run_ledger_checks,
    stored_findings,
    write_data_quality_csv,
)
from expectations.sql_checks import SQL_DIR, parameters_of, sql
from ledgers.loader import load_inbox
from metrics.catalogue import indicators
from metrics.compute import compute_months
from tests.ledger_files import days, write_csv, write_xlsx

D = dt.date
HOSPITAL_ZONE = ZoneInfo("Asia/Shanghai")  # DEPTOPS_TIMEZONE's default
MONTH = "2026-10"
TODAY = D(2026, 11, 20)  # after the due day (the 5th) and the report day (the 10th)
ON_TIME = dt.datetime(2026, 11, 3, 9, 0)
LATE = dt.datetime(2026, 11, 7, 16, 30)
OCTOBER = days(D(2026, 10, 1), D(2026, 10, 31))

WORKLOAD = "workload.xlsx"
WORKLOAD_SHEET = "Oct"
WORKLOAD_HEADER = [
    "date", "dept", "outpatient_visits", "admissions", "discharges", "transfers_in",
    "transfers_out", "open_beds", "census", "surgeries",
]  # fmt: skip
DISCHARGES_HEADER = [
    "episode_id", "dept", "admit_date", "discharge_date", "surgery_date", "total_cost",
    "drug_cost", "consumables_cost",
]  # fmt: skip
FINANCE_HEADER = [
    "month", "dept", "ip_drug_revenue", "ip_consumables_revenue", "ip_service_revenue",
    "personnel_expense",
]  # fmt: skip
SUPPLIES_HEADER = [
    "month", "dept", "item_code", "item_name", "opening_qty", "received_qty", "issued_qty",
    "closing_qty", "unit_price", "reorder_level",
]  # fmt: skip


def workload_row(dept: str, day: dt.date) -> int:
    """Excel row of a department's day: a title row, the header, then A's 31 days, then B's."""
    return 2 + (0 if dept == "A" else 31) + day.day


# --- the clean hospital ------------------------------------------------------------------------
#
# A (心内科, medical, 10 beds): every day 20 outpatient visits, 1 admission and 1 discharge (none on
# 31 October), midnight census 8 of 10 open beds. B (骨科, surgical, 20 beds): every day 10 visits,
# 2 admissions and 2 discharges, census 15 of 20; one operation a day from 1 to 30 October.
# Every discharge is an episode (A 30, B 62) of 10,000 CNY with 3,000 drugs and 1,000 consumables,
# and the finance ledger books exactly that inpatient drug and consumables revenue.


def episodes() -> list[list[object]]:
    rows = []
    for day in OCTOBER:
        admitted = day - dt.timedelta(days=5)
        if day.day <= 30:
            rows.append([f"A{day.day:02}", "A", admitted, day, None])
        # B's first episode of the day was operated on the day before its discharge
        rows.append([f"B{day.day:02}a", "B", admitted, day, day - dt.timedelta(days=1)])
        rows.append([f"B{day.day:02}b", "B", admitted, day, None])
    return [[*r, 10000, 3000, 1000] for r in rows]


def hospital() -> dict[str, list[list[object]]]:
    """File name -> rows (header first) of a clean October 2026; the workload file is an xlsx."""
    workload = [["心内科 骨科 2026年10月业务量台账"], WORKLOAD_HEADER]
    for day in OCTOBER:
        moves = 0 if day.day == 31 else 1
        workload.append([day, "A", 20, moves, moves, 0, 0, 10, 8, 0])
    for day in OCTOBER:
        workload.append([day, "B", 10, 2, 2, 0, 0, 20, 15, 0 if day.day == 31 else 1])
    return {
        "departments.csv": [
            ["code", "name_zh", "name_en", "kind", "beds_authorised"],
            ["A", "心内科", "Cardiology", "medical", 10],
            ["B", "骨科", "Orthopaedics", "surgical", 20],
        ],
        WORKLOAD: workload,
        "discharges.csv": [
            DISCHARGES_HEADER,
            *episodes(),
        ],
        "finance.csv": [
            FINANCE_HEADER,
            ["2026-10", "A", 90000, 30000, 150000, 200000],
            ["2026-10", "B", 186000, 62000, 300000, 400000],
        ],
        "supplies.csv": [
            SUPPLIES_HEADER,
            ["2026-09", "A", "GZ01", "手套", 80, 80, 60, 100, 1.5, 20],
            ["2026-10", "A", "GZ01", "手套", 100, 50, 60, 90, 1.5, 20],
            ["2026-10", "B", "GZ02", "纱布", 40, 0, 10, 30, 2, 5],
        ],  # fmt: skip
        "patient_feedback.csv": [
            ["month", "dept", "surveys", "satisfied"],
            ["2026-10", "A", 50, 45],
            ["2026-10", "B", 50, 46],
        ],
        "appointments.csv": [
            ["month", "dept", "slots", "booked", "attended"],
            ["2026-10", "A", 500, 400, 350],
            ["2026-10", "B", 300, 250, 200],
        ],
        "equipment.csv": [
            ["asset_code", "dept", "name", "purchase_date", "retired_date"],
            ["EQ1", "A", "心电图机", "2020-01-01", None],
        ],
        "equipment_usage.csv": [
            ["asset_code", "month", "uses", "hours_used", "hours_available"],
            ["EQ1", "2026-10", 100, 200, 300],
        ],
        "staffing.csv": [
            ["dept", "staff_code", "role", "start_date", "end_date"],
            ["A", "D1", "doctor", "2020-01-01", None],
            ["B", "N1", "nurse", "2021-03-01", None],
        ],
    }


Ledgers = dict[str, list[list[object]]]


def write_inbox(inbox: Path, files: Ledgers, arrived: dict[str, dt.datetime] | None = None) -> None:
    for name, rows in files.items():
        path = inbox / name
        if name.endswith(".xlsx"):
            write_xlsx(path, {WORKLOAD_SHEET: rows})
        else:
            write_csv(path, rows)
        # file times are the hospital's wall clock (ledgers.clock), not the test machine's TZ
        when = (arrived or {}).get(name, ON_TIME)
        stamp = (when if when.tzinfo else when.replace(tzinfo=HOSPITAL_ZONE)).timestamp()
        os.utime(path, (stamp, stamp))


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def load(
    con, tmp_path: Path, files: Ledgers, arrived=None, tamper: str | None = None, rejected: int = 0
) -> None:
    write_inbox(tmp_path / "inbox", files, arrived)
    report = load_inbox(con, tmp_path / "inbox")
    assert report.rows_rejected == rejected, report.rejected_by_reason
    if tamper:
        con.execute(tamper)


# --- editing the clean hospital ----------------------------------------------------------------


def where(files: Ledgers, name: str, **match) -> list[list[object]]:
    """The data rows of a file whose named columns hold the given values."""
    header_index = 1 if name == WORKLOAD else 0
    header = files[name][header_index]
    return [
        row
        for row in files[name][header_index + 1 :]
        if all(row[header.index(k)] == v for k, v in match.items())
    ]


def set_cells(name: str, match: dict, **values) -> Callable[[Ledgers], None]:
    def change(files: Ledgers) -> None:
        header = files[name][1 if name == WORKLOAD else 0]
        rows = where(files, name, **match)
        assert rows, match
        for row in rows:
            for column, value in values.items():
                row[header.index(column)] = value

    return change


def drop_rows(name: str, **match) -> Callable[[Ledgers], None]:
    def change(files: Ledgers) -> None:
        doomed = where(files, name, **match)
        assert doomed, match
        files[name] = [row for row in files[name] if not any(row is d for d in doomed)]

    return change


def add_rows(name: str, *rows: list[object]) -> Callable[[Ledgers], None]:
    def change(files: Ledgers) -> None:
        files[name].extend(rows)

    return change


def with_drg_codes(codes: dict[str, str], default: str) -> Callable[[Ledgers], None]:
    """A drg column on the discharges: `default` for every episode but those in `codes`."""

    def change(files: Ledgers) -> None:
        header, *rows = files["discharges.csv"]
        files["discharges.csv"] = [
            [*header, "drg"],
            *([*row, codes.get(row[0], default)] for row in rows),
        ]

    return change


def add_file(name: str, rows: list[list[object]]) -> Callable[[Ledgers], None]:
    def change(files: Ledgers) -> None:
        files[name] = rows

    return change


def feedback_complaints(a: int, b: int, registered_a: int) -> Callable[[Ledgers], None]:
    """A complaints column on the feedback ledger (A's and B's October counts) and a complaints
    register listing `registered_a` of A's complaints."""

    def change(files: Ledgers) -> None:
        header, row_a, row_b = files["patient_feedback.csv"]
        files["patient_feedback.csv"] = [[*header, "complaints"], [*row_a, a], [*row_b, b]]
        files["complaints.csv"] = [
            ["date", "dept", "category", "closed_date"],
            *(
                ["2026-10-0" + str(i + 1), "A", "waiting", "2026-10-09"]
                for i in range(registered_a)
            ),
        ]

    return change


def both(*changes: Callable[[Ledgers], None]) -> Callable[[Ledgers], None]:
    def change(files: Ledgers) -> None:
        for step in changes:
            step(files)

    return change


def found(findings) -> set[tuple]:
    return {(f.check, f.severity, f.dept, f.period, f.file, f.sheet, f.row) for f in findings}


# --- one case per check ------------------------------------------------------------------------
# Each case: how the clean month is broken, and the findings expected as
# (check, severity, dept, period, file, sheet, row). The run must find exactly these checks.
# The reader refuses blanks, out-of-range values, unknown categories and dates out of order at load,
# so the suites (gx_*) are a second line of defence; their cases write the bad value into the
# stored rows directly, as a row from another tool or an older reader would arrive.

A10 = D(2026, 10, 10)
A10_ROW = workload_row("A", A10)  # row 12 of the workload sheet
A05_ROW = workload_row("A", D(2026, 10, 5))
CASES = {
    "gx_not_null": dict(
        tamper="update stored_raw_appointments set slots = null where dept = 'B'",
        expected={("gx_not_null", "error", "B", MONTH, "appointments.csv", None, 3)},
    ),
    "gx_range": dict(
        tamper="update stored_raw_finance set personnel_expense = -5 where dept = 'A'",
        expected={("gx_range", "error", "A", MONTH, "finance.csv", None, 2)},
    ),
    "gx_enum": dict(
        # the department list has no month: its finding belongs to every month checked
        tamper="update stored_raw_departments set kind = 'hospital' where code = 'B'",
        expected={("gx_enum", "error", "B", MONTH, "departments.csv", None, 3)},
    ),
    "gx_order": dict(
        tamper="update stored_raw_discharges set admit_date = date '2026-10-20' where episode_id = 'A10'",
        # episodes are listed day by day, A's then B's two: A10 is the 28th, below the header
        expected={("gx_order", "error", "A", MONTH, "discharges.csv", None, 29)},
    ),
    "gx_unique": dict(
        # A's 5 October sent again in a second file: both rows are named; same figures, so the
        # kept row changes nothing else (the loader keeps one and lists the other as a conflict)
        rejected=1,
        change=add_file(
            "workload_again.csv",
            [WORKLOAD_HEADER, [D(2026, 10, 5), "A", 20, 1, 1, 0, 0, 10, 8, 0]],
        ),
        expected={
            ("gx_unique", "warning", "A", MONTH, "workload_again.csv", None, 2),
            ("gx_unique", "warning", "A", MONTH, WORKLOAD, WORKLOAD_SHEET, A05_ROW),
        },
    ),
    "duplicate_fuller_row": dict(
        # A's 5 October again in a second file that gives only the outpatient visits (1 value
        # against the full row's 8): the full row is kept and the thin one set aside, and two files
        # disagreeing on that day is an error for A's October, named at the thin row
        rejected=1,
        change=add_file(
            "workload_thin.csv", [["date", "dept", "outpatient_visits"], [D(2026, 10, 5), "A", 20]]
        ),
        expected={
            ("gx_unique", "warning", "A", MONTH, "workload_thin.csv", None, 2),
            ("gx_unique", "warning", "A", MONTH, WORKLOAD, WORKLOAD_SHEET, A05_ROW),
            ("duplicate_fuller_row", "error", "A", MONTH, "workload_thin.csv", None, 2),
        },
    ),
    "discharges_vs_episodes": dict(
        change=drop_rows("discharges.csv", episode_id="A10"),
        expected={("discharges_vs_episodes", "error", "A", MONTH, None, None, None)},
    ),
    "surgeries_vs_episodes": dict(
        # no operation recorded on 15–18 October: 26 operations against 30 operated episodes,
        # 4 more episodes than operations > max(2, 10% × 26)
        change=both(
            *(
                set_cells(WORKLOAD, {"dept": "B", "date": D(2026, 10, d)}, surgeries=0)
                for d in range(15, 19)
            )
        ),
        expected={("surgeries_vs_episodes", "warning", "B", MONTH, None, None, None)},
    ),
    "surgeries_vs_episodes/settled": dict(
        # 34 operations against 30 operated episodes: fewer episodes than operations is a fault
        # only once the discharges ledger holds November (patients operated on in October have
        # left); the unsettled month is the clean hospital itself
        change=both(
            set_cells(WORKLOAD, {"dept": "B", "date": D(2026, 10, 15)}, surgeries=5),
            add_rows(
                "discharges.csv", ["BN1", "B", D(2026, 11, 1), D(2026, 11, 3), None, 100, 0, 0]
            ),
        ),
        expected={("surgeries_vs_episodes", "warning", "B", MONTH, None, None, None)},
    ),
    "ward_flow_identity": dict(
        # census 9 on the 10th: 8 + 1 − 1 = 8 ≠ 9, and on the 11th 9 + 1 − 1 = 9 ≠ 8
        change=set_cells(WORKLOAD, {"dept": "A", "date": A10}, census=9),
        expected={
            ("ward_flow_identity", "error", "A", MONTH, WORKLOAD, WORKLOAD_SHEET, A10_ROW),
            ("ward_flow_identity", "error", "A", MONTH, WORKLOAD, WORKLOAD_SHEET, A10_ROW + 1),
        },
    ),
    "extra_beds": dict(
        change=set_cells(WORKLOAD, {"dept": "A", "date": A10}, open_beds=7),
        expected={("extra_beds", "warning", "A", MONTH, WORKLOAD, WORKLOAD_SHEET, A10_ROW)},
    ),
    "overbooking": dict(
        # 520 booked against 500 slots: 号源使用率 104%, a notice (warning), not an error
        change=set_cells("appointments.csv", {"dept": "A"}, booked=520),
        expected={("overbooking", "warning", "A", MONTH, "appointments.csv", None, 2)},
    ),
    "drg_ungrouped": dict(
        # B05b (the 15th episode: CSV row 16) carries XX99, missing from the weights catalogue
        change=both(
            with_drg_codes({"B05b": "XX99"}, default="GB11"),
            add_file("drg_weights.csv", [["drg", "weight"], ["GB11", 2.0]]),
        ),
        expected={("drg_ungrouped", "warning", "B", MONTH, "discharges.csv", None, 16)},
    ),
    "ward_monthly_ignored": dict(
        # a monthly ward summary for A's October, which the daily ledger holds (31 days)
        change=add_file(
            "ward_monthly.csv",
            [["month", "dept", "occupied_bed_days", "discharges"], ["2026-10", "A", 248, 30]],
        ),
        expected={("ward_monthly_ignored", "warning", "A", MONTH, "ward_monthly.csv", None, 2)},
    ),
    "finance_missing": dict(
        # missing after the 5th is also late
        change=drop_rows("finance.csv", dept="B"),
        expected={
            ("finance_missing", "warning", "B", MONTH, None, None, None),
            ("ledger_late", "warning", "B", MONTH, None, None, None),
        },
    ),
    "equipment_usage_unregistered": dict(
        change=both(
            add_rows("equipment.csv", ["EQ2", "A", "呼吸机", "2018-01-01", "2026-06-30"]),
            add_rows("equipment_usage.csv", ["EQ2", "2026-10", 12, 30, 40]),
        ),
        expected={
            ("equipment_usage_unregistered", "error", "A", MONTH, "equipment_usage.csv", None, 3)
        },
    ),
    "equipment_usage_unregistered/unregistered": dict(
        # the reader refuses usage of an unknown device; a register changed since is caught here,
        # without a department to name
        tamper="delete from stored_raw_equipment where asset_code = 'EQ1'",
        expected={
            ("equipment_usage_unregistered", "error", None, MONTH, "equipment_usage.csv", None, 2)
        },
    ),
    "episode_costs_vs_finance": dict(
        # 90,000 of drugs on A's episodes against 50,000 booked: 80% apart
        change=set_cells("finance.csv", {"dept": "A"}, ip_drug_revenue=50000),
        expected={("episode_costs_vs_finance", "warning", "A", MONTH, None, None, None)},
    ),
    "stock_identity": dict(
        # 100 + 50 − 60 = 90, closing written as 95
        change=set_cells("supplies.csv", {"dept": "A", "month": "2026-10"}, closing_qty=95),
        expected={("stock_identity", "error", "A", MONTH, "supplies.csv", None, 3)},
    ),
    "stock_continuity": dict(
        # opening 110 (September closed at 100); 110 + 50 − 60 = 100 still balances
        change=set_cells(
            "supplies.csv", {"dept": "A", "month": "2026-10"}, opening_qty=110, closing_qty=100
        ),
        expected={("stock_continuity", "warning", "A", MONTH, "supplies.csv", None, 3)},
    ),
    "low_stock": dict(
        change=set_cells("supplies.csv", {"dept": "B"}, reorder_level=35),
        expected={("low_stock", "warning", "B", MONTH, "supplies.csv", None, 4)},
    ),
    "attended_vs_visits": dict(
        # 320 attended against 31 × 10 = 310 outpatient visits
        # (slots raised with the bookings: more bookings than slots would be overbooking too)
        change=set_cells("appointments.csv", {"dept": "B"}, slots=330, booked=330, attended=320),
        expected={("attended_vs_visits", "error", "B", MONTH, "appointments.csv", None, 3)},
    ),
    "complaints_vs_feedback": dict(
        # the feedback ledger counts 3 of A's complaints in October, the register lists 2
        change=feedback_complaints(a=3, b=0, registered_a=2),
        expected={
            ("complaints_vs_feedback", "warning", "A", MONTH, "patient_feedback.csv", None, 2)
        },
    ),
    "feedback_missing": dict(
        change=drop_rows("patient_feedback.csv", dept="B"),
        expected={
            ("feedback_missing", "warning", "B", MONTH, None, None, None),
            ("ledger_late", "warning", "B", MONTH, None, None, None),
        },
    ),
    "appointments_missing": dict(
        change=drop_rows("appointments.csv", dept="A"),
        expected={
            ("appointments_missing", "warning", "A", MONTH, None, None, None),
            ("ledger_late", "warning", "A", MONTH, None, None, None),
        },
    ),
    "staffing_overlap": dict(
        # D1 posted again from 15 October while the first posting is still open
        change=add_rows("staffing.csv", ["A", "D1", "doctor", "2026-10-15", None]),
        expected={("staffing_overlap", "error", "A", MONTH, "staffing.csv", None, 4)},
    ),
    "workload_days_missing": dict(
        # 31 October is a day without movements: dropping it breaks no other rule
        change=drop_rows(WORKLOAD, dept="A", date=D(2026, 10, 31)),
        expected={("workload_days_missing", "error", "A", MONTH, None, None, None)},
    ),
    "ledger_late": dict(
        arrived={"appointments.csv": LATE},
        expected={
            ("ledger_late", "warning", "A", MONTH, "appointments.csv", None, None),
            ("ledger_late", "warning", "B", MONTH, "appointments.csv", None, None),
        },
    ),
}


# Rules bent as far as they allow: none of these is a finding.
NEAR_MISSES = {
    # a transfer in on the 10th and out on the 11th: 8 + 1 + 1 − 1 = 9, then 9 + 1 − 1 − 1 = 8
    "ward_flow_identity": both(
        set_cells(WORKLOAD, {"dept": "A", "date": A10}, transfers_in=1, census=9),
        set_cells(WORKLOAD, {"dept": "A", "date": D(2026, 10, 11)}, transfers_out=1),
    ),
    "extra_beds": set_cells(WORKLOAD, {"dept": "A", "date": A10}, open_beds=8),  # 8 of 8: full
    "overbooking": set_cells("appointments.csv", {"dept": "A"}, booked=500),  # 500 of 500: full
    # 28 operations against 30 operated episodes: 2 ≤ max(2, 10% × 28)
    "surgeries_vs_episodes": both(
        *(set_cells(WORKLOAD, {"dept": "B", "date": D(2026, 10, d)}, surgeries=0) for d in (15, 16))
    ),
    # 90,000 against 99,000: 9.1% ≤ 10%
    "episode_costs_vs_finance": set_cells("finance.csv", {"dept": "A"}, ip_drug_revenue=99000),
    "stock_identity": set_cells(  # 0.0005 off: rounding, not a break
        "supplies.csv", {"dept": "A", "month": "2026-10"}, closing_qty=90.0005
    ),
    "low_stock": set_cells("supplies.csv", {"dept": "B"}, reorder_level=30),  # at, not below
    "attended_vs_visits": set_cells(
        "appointments.csv", {"dept": "B"}, slots=310, booked=310, attended=310
    ),
    # retired in the middle of October: still in service that month
    "equipment_usage_unregistered": both(
        add_rows("equipment.csv", ["EQ2", "A", "呼吸机", "2018-01-01", "2026-10-15"]),
        add_rows("equipment_usage.csv", ["EQ2", "2026-10", 12, 30, 40]),
    ),
    # 2 counted, 2 registered; B counts none and the register lists none of B's
    "complaints_vs_feedback": feedback_complaints(a=2, b=0, registered_a=2),
    # one posting ends the day before the next begins
    "staffing_overlap": both(
        set_cells("staffing.csv", {"staff_code": "D1"}, end_date="2026-10-14"),
        add_rows("staffing.csv", ["A", "D1", "doctor", "2026-10-15", None]),
    ),
    # radiology has no beds and no clinic: no finance, feedback or appointments are expected of it
    "finance_missing": both(
        add_rows("departments.csv", ["C", "放射科", "Radiology", "medtech", None]),
        add_rows(
            WORKLOAD,
            *([day, "C", None, None, None, None, None, None, None, None] for day in OCTOBER),
        ),
    ),
}


@pytest.mark.parametrize("check_id", NEAR_MISSES)
def test_near_misses_are_not_findings(con, tmp_path, check_id):
    files = hospital()
    NEAR_MISSES[check_id](files)
    load(con, tmp_path, files)
    assert run_checks(con, [MONTH], today=TODAY) == []


def test_arriving_on_the_due_day_is_on_time(con, tmp_path):
    load(con, tmp_path, hospital(), arrived={"appointments.csv": dt.datetime(2026, 11, 5, 23, 59)})
    assert run_checks(con, [MONTH], today=TODAY) == []


def test_yearly_workbook_saved_again_is_not_late_for_earlier_months(con, tmp_path):
    # the supplies file holds September and October and was saved on 3 November: September's due
    # day (5 October) is long past, but the file was saved for October, so September is not late
    load(con, tmp_path, hospital())
    late = {
        (f.dept, f.ledger)
        for f in run_checks(con, ["2026-09"], today=TODAY)
        if f.check == "ledger_late"
    }
    assert ("A", "supplies") not in late
    # (the September finance of the departments with beds never came: that is late)
    assert late == {("A", "finance"), ("B", "finance")}


def run_case(con, tmp_path, case: dict) -> list:
    files = hospital()
    if "change" in case:
        case["change"](files)
    load(con, tmp_path, files, case.get("arrived"), case.get("tamper"), case.get("rejected", 0))
    return run_checks(con, [MONTH], today=TODAY)


def test_clean_month_has_no_findings(con, tmp_path):
    load(con, tmp_path, hospital())
    assert run_checks(con, [MONTH], today=TODAY) == []
    assert publication_blocks(con) == []
    assert con.execute("select count(*) from dq_findings").fetchone()[0] == 0


@pytest.mark.parametrize("name", CASES)
def test_each_check_finds_its_fault(con, tmp_path, name):
    case, check_id = CASES[name], name.split("/")[0]
    findings = run_case(con, tmp_path, case)
    assert found(findings) == case["expected"]
    # stored as returned, and every message exists in both languages
    assert found(stored_findings(con, [MONTH])) == case["expected"]
    assert all(f.message_zh and f.message_en and "{" not in f.message_en for f in findings)
    assert catalogue()[check_id].severity in {f.severity for f in findings if f.check == check_id}
    # worded in SQL (expectations.messages_sql) word for word as Python words them
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findings_module, "message_sql", lambda *_: None)
        in_python = ledger_findings(con, [MONTH], today=TODAY)
    assert in_python == [f for f in findings if catalogue()[f.check].guards == "ledger"]


def test_every_check_has_a_case():
    anomaly_checks = {"anomaly_mad_zscore", "anomaly_yoy"}  # tested on indicators below
    assert {name.split("/")[0] for name in CASES} | anomaly_checks == set(catalogue())


def test_messages_say_what_is_wrong(con, tmp_path):
    findings = run_case(con, tmp_path, CASES["ward_flow_identity"])
    tenth = next(f for f in findings if f.row == A10_ROW)
    assert tenth.message_zh.startswith("2026-10-10 期末在院 9 人")
    assert "应为 8 人" in tenth.message_zh
    assert "gives 8" in tenth.message_en and "census 9" in tenth.message_en


def test_gx_suite_per_month_sees_only_that_month(con, tmp_path):
    # a September row with a bad value is not October's finding, and October's run leaves
    # September's stored findings alone
    files = hospital()
    load(
        con,
        tmp_path,
        files,
        tamper="update stored_raw_supplies set issued_qty = -1 where month = '2026-09-01'",
    )
    assert run_checks(con, [MONTH], today=TODAY) == []
    september = run_ledger_checks(con, ["2026-09"], today=TODAY)
    assert ("gx_range", "A", "2026-09", 2) in {
        (f.check, f.dept, f.period, f.row) for f in september
    }
    run_checks(con, [MONTH], today=TODAY)
    assert {f.period for f in stored_findings(con)} == {"2026-09"}


# --- publication blocks ------------------------------------------------------------------------


def test_error_blocks_only_that_department(con, tmp_path):
    files = hospital()
    set_cells(WORKLOAD, {"dept": "A", "date": A10}, census=9)(files)  # an error for A
    set_cells("supplies.csv", {"dept": "B"}, reorder_level=35)(files)  # a warning for B
    load(con, tmp_path, files)
    run_checks(con, [MONTH], today=TODAY)
    rows = con.execute('select dept, month, "check" from publication_blocks').fetchall()
    assert rows == [("A", D(2026, 10, 1), "ward_flow_identity")]  # a month is a date in a table
    assert is_blocked(con, "A", MONTH) and not is_blocked(con, "B", MONTH)
    (block,) = publication_blocks(con, MONTH, "A")
    assert block.message_zh.startswith("病房日报不平衡（2 处）：2026-10-10")
    assert block.message("en").startswith("Ward daily report does not balance (2 found)")
    # rerunning the month replaces its rows: nothing doubles
    run_checks(con, [MONTH], today=TODAY)
    assert con.execute("select count(*) from publication_blocks").fetchone()[0] == 1
    assert con.execute("select count(*) from dq_findings").fetchone()[0] == 3


def test_corrected_ledger_lifts_the_block(con, tmp_path):
    files = hospital()
    set_cells(WORKLOAD, {"dept": "A", "date": A10}, census=9)(files)
    load(con, tmp_path, files)
    run_checks(con, [MONTH], today=TODAY)
    assert is_blocked(con, "A", MONTH)
    load(con, tmp_path, hospital())  # the assistant fixes the census and saves again
    run_checks(con, [MONTH], today=TODAY)
    assert publication_blocks(con) == []


# --- data_quality.csv --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_quality_csv_columns_and_order(con, tmp_path, lang):
    files = hospital()
    set_cells("supplies.csv", {"dept": "B"}, reorder_level=35)(files)  # B: low stock
    # A: census 9 on the 10th with 8 beds open: the flow breaks on the 10th and 11th, extra bed
    set_cells(WORKLOAD, {"dept": "A", "date": A10}, census=9, open_beds=8)(files)
    drop_rows("patient_feedback.csv", dept="A")(files)  # A: feedback missing, so late too
    load(con, tmp_path, files)
    run_checks(con, [MONTH], today=TODAY)
    path = tmp_path / "reports" / "data_quality.csv"
    assert write_data_quality_csv(con, path, lang) == 6
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == CSV_COLUMNS
    assert CSV_COLUMNS == [
        "check", "severity", "dept", "period", "ledger", "file", "sheet", "row", "message"
    ]  # fmt: skip
    # month, department, errors first, then check, ledger, file, sheet, row
    assert [r[:8] for r in rows[1:]] == [
        ["ward_flow_identity", "error", "A", MONTH, "workload", WORKLOAD, WORKLOAD_SHEET, "12"],
        ["ward_flow_identity", "error", "A", MONTH, "workload", WORKLOAD, WORKLOAD_SHEET, "13"],
        ["extra_beds", "warning", "A", MONTH, "workload", WORKLOAD, WORKLOAD_SHEET, "12"],
        ["feedback_missing", "warning", "A", MONTH, "patient_feedback", "", "", ""],
        ["ledger_late", "warning", "A", MONTH, "patient_feedback", "", "", ""],
        ["low_stock", "warning", "B", MONTH, "supplies", "supplies.csv", "", "4"],
    ]
    first, low_stock = rows[1][8], rows[6][8]
    if lang == "zh":
        assert first.startswith("2026-10-10 期末在院 9 人")
        assert low_stock == "物资 GZ02 纱布 期末库存 30，低于安全库存 35，请及时申领。"
    else:
        assert first.startswith("2026-10-10: midnight census 9")
        assert "below the safety stock of 35" in low_stock
    # two writes of the same warehouse are byte-identical
    again = tmp_path / "again.csv"
    write_data_quality_csv(con, again, lang)
    assert again.read_bytes() == path.read_bytes()


# --- today as a parameter ----------------------------------------------------------------------


def test_nothing_is_late_before_the_due_day(con, tmp_path):
    files = hospital()
    drop_rows("appointments.csv", dept="A")(files)
    load(con, tmp_path, files, arrived={name: dt.datetime(2026, 11, 2) for name in files})
    findings = run_checks(con, [MONTH], today=D(2026, 11, 4))
    # the month is over, so the ledger is missing; it is not due before the 5th, so not late
    assert {f.check for f in findings} == {"appointments_missing"}
    timeliness = con.execute(
        "select timeliness from ledger_quality where dept = 'A' and month = ?", [D(2026, 10, 1)]
    ).fetchone()[0]
    assert timeliness == 100  # appointments, not in and not yet due, are left out: 5 of 5


def test_month_in_progress_expects_days_up_to_yesterday(con, tmp_path):
    load(con, tmp_path, hospital())
    findings = run_checks(con, ["2026-11"], today=TODAY)
    # A and B report workload (October) but sent nothing for 1–19 November; monthly ledgers of a
    # month not over are not expected yet
    assert found(findings) == {
        ("workload_days_missing", "error", dept, "2026-11", None, None, None) for dept in "AB"
    }
    assert "应有 19 天的日报，缺少 19 天：11-01, 11-02" in findings[0].message_zh
    assert findings[0].message_zh.count(", ") == 10  # ten days listed, then an ellipsis


# --- anomalies against the department's own history --------------------------------------------

HISTORY = [100, 102, 98, 101, 99, 103, 97, 100, 104, 96, 100, 105]  # Oct 2025 … Sep 2026
HISTORY_MONTHS = [f"{2025 + (9 + i) // 12}-{(9 + i) % 12 + 1:02}" for i in range(12)]


@pytest.fixture(scope="module")
def indicator_history(tmp_path_factory) -> tuple[Path, list]:
    """Outpatient visits per month (all on the 1st) of five clinics, and their indicators: the
    warehouse (read-only: copy it to write) and October's anomaly findings, built once for the
    two tests that read them."""
    visits = {
        "A": dict(zip(HISTORY_MONTHS, HISTORY, strict=True)) | {MONTH: 120},
        "B": dict(zip(HISTORY_MONTHS, HISTORY, strict=True)) | {MONTH: 104},
        "C": {"2025-10": 100, MONTH: 150},
        "D": {"2026-05": 100, "2026-06": 100, "2026-07": 101, "2026-08": 99, "2026-09": 100}
        | {MONTH: 200},
        "E": dict(zip(HISTORY_MONTHS, [100] * 7 + [110] * 5, strict=True)) | {MONTH: 130},
    }
    departments = [["code", "name_zh", "kind"]] + [[d, f"门诊{d}", "medical"] for d in visits]
    workload = [["date", "dept", "outpatient_visits"]] + [
        [f"{month}-01", dept, count]
        for dept, months in visits.items()
        for month, count in months.items()
    ]
    folder = tmp_path_factory.mktemp("history")
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        load(con, folder, {"departments.csv": departments, "workload.csv": workload})
        compute_months(con, [*HISTORY_MONTHS, MONTH])
        return folder / "warehouse.duckdb", run_anomaly_checks(con, [MONTH])


def test_modified_z_score_by_hand(indicator_history):
    _, findings = indicator_history
    flagged = {(f.check, f.dept): f for f in findings if not f.dept.startswith(("ALL", "KIND"))}
    # A: history sorted 96 97 98 99 100 100 100 101 102 103 104 105 -> median (100 + 100) / 2 = 100
    #    |deviations| sorted 0 0 0 1 1 2 2 3 3 4 4 5 -> MAD (2 + 2) / 2 = 2, spread 2 / 0.6745 =
    #    2.965, under the floor of 3% of the median = 3 -> spread 3
    #    z = (120 − 100) / 3 = 6.67 > 3.5; last year (2025-10) 100 is 20 away, beyond 3.5 × 3 =
    #    10.5: no season. Material: +20 ≥ 10 visits, ≥ 20% of 100, ≥ 5 visits.
    #    Last year 100 -> +20%, within ±33%: no change on last year.
    a = flagged[("anomaly_mad_zscore", "A")]
    assert (a.severity, a.period, a.metric, a.ledger) == (
        "warning",
        MONTH,
        "outpatient_visits",
        "workload",
    )
    assert (a.value, a.reference, a.threshold) == (120, 100, 3.5)
    assert a.score == pytest.approx(20 / 3)
    assert a.message_zh.startswith("门诊人次较近12个月明显升高（近12个月中位数 100，本月 120）")
    assert a.message_en.startswith("Outpatient visits rose markedly against the last 12 months")
    for jargon in ("Z", "MAD", "阈值", "threshold", "z-score"):
        assert jargon not in a.message_zh + a.message_en
    # B: z = (104 − 100) / 3 = 1.33: not flagged
    # C: a year ago 100, now 150: +50% beyond ±33%; the history is that one month (spread: the
    #    floor 3% of 100 = 3), 50 > 3.5 × 3; material. Too little history for the z-score.
    c = flagged[("anomaly_yoy", "C")]
    assert (c.value, c.reference, c.score, c.threshold) == (150, 100, pytest.approx(0.5), 0.33)
    assert "较去年同期明显升高（去年同期 2025-10 为 100，本月 150，同比 +50%）" in c.message_zh
    # D: 200 against a flat 100 but only 5 months of history (< 12): not flagged yet
    # E: seven 100s and five 110s: median 100, MAD 0 (more than half the deviations are 0), so the
    #    mean absolute deviation stands in: MeanAD = 5 × 10 / 12; spread 1.253314 × 50 / 12 =
    #    5.22 (above the floor 3); z = 30 / 5.22 = 5.74
    e = flagged[("anomaly_mad_zscore", "E")]
    assert e.score == pytest.approx(30 / (1.253314 * 50 / 12))
    assert set(flagged) == {
        ("anomaly_mad_zscore", "A"),
        ("anomaly_yoy", "C"),
        ("anomaly_mad_zscore", "E"),
    }


# Each rule of thresholds.toml [anomaly] on a department of its own, with a near miss: the same
# history and a month just on the other side of the threshold. Every history is the 12 months
# before October 2026 (the workload on the 1st of each month, the finance ledger once a month).
FLAT = dict.fromkeys(HISTORY_MONTHS)


def _workload(dept: str, visits=None, beds=None, census=None, october=None) -> list[list]:
    """Rows of one department: `visits`/`census` per month (a number for every month of the
    history, or a dict), October's values in `october`."""
    rows = []
    for month in HISTORY_MONTHS + [MONTH]:
        values = dict(visits=visits, beds=beds, census=census)
        values = {k: (v.get(month) if isinstance(v, dict) else v) for k, v in values.items()}
        if month == MONTH:
            values |= october or {}
        rows.append([f"{month}-01", dept, values["visits"], values["beds"], values["census"]])
    return rows


# Every line of the finance ledger (an unknown line makes its total unknown): the revenue is all
# outpatient service revenue, the expense all personnel expense, the other lines 0.
REVENUE_LINES = [f"{side}_{line}_revenue" for side in ("op", "ip")
                 for line in ("drug", "consumables", "exam", "lab", "service", "other")]  # fmt: skip
EXPENSE_LINES = ["personnel", "drug", "consumables", "depreciation", "maintenance", "other"]
FINANCE_LINES = ["month", "dept", *REVENUE_LINES, *(f"{e}_expense" for e in EXPENSE_LINES)]


def _finance(dept: str, revenue: float, expense: float, october: tuple) -> list[list]:
    def row(month: str, revenue: float, expense: float) -> list:
        lines = [revenue if n == "op_service_revenue" else 0 for n in REVENUE_LINES]
        return [month, dept, *lines, expense, *[0] * (len(EXPENSE_LINES) - 1)]

    return [*(row(m, revenue, expense) for m in HISTORY_MONTHS), row(MONTH, *october)]


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    """The anomaly findings of October over the departments below, keyed (check, dept, metric):
    built once for the five tests that read them (a load and 13 months computed)."""
    workload = [
        # floor, resolution of a rate: 50 of 100 beds occupied every month, then 75 or 74
        *_workload("FL", beds=100, census=50, october={"census": 75}),
        *_workload("FN", beds=100, census=50, october={"census": 74}),
        # materiality in the unit (10 visits) and relative (20% of the median)
        *_workload("MA", visits=40, october={"visits": 50}),
        *_workload("MB", visits=40, october={"visits": 49}),
        *_workload("MC", visits=100, october={"visits": 120}),
        *_workload("MD", visits=100, october={"visits": 119}),
        # a season: October was as high a year ago (SE), or not quite (SF)
        *_workload("SE", visits={m: 150 if m == "2025-10" else 100 for m in FLAT}, october={"visits": 150}),
        *_workload("SF", visits={m: 130 if m == "2025-10" else 100 for m in FLAT}, october={"visits": 150}),
    ]  # fmt: skip
    finance = [
        # direction: revenue should rise, expense should not
        *_finance("DI", 1_000_000, 1_000_000, (1_300_000, 1_300_000)),
        *_finance("DJ", 1_000_000, 1_000_000, (700_000, 700_000)),
        # a history of zeros, then 5,000 or 4,999 CNY
        *_finance("ZE", 0, 0, (0, 5_000)),
        *_finance("ZF", 0, 0, (0, 4_999)),
    ]
    codes = sorted({row[1] for row in workload + finance})
    files = {
        "departments.csv": [
            ["code", "name_zh", "kind"],
            *[[d, f"科{d}", "medical"] for d in codes],
        ],
        "workload.csv": [["date", "dept", "outpatient_visits", "open_beds", "census"], *workload],
        "finance.csv": [FINANCE_LINES, *finance],
    }
    folder = tmp_path_factory.mktemp("rules")
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        load(con, folder, files)
        compute_months(con, [*HISTORY_MONTHS, MONTH])
        return {(f.check, f.dept, f.metric): f for f in run_anomaly_checks(con, [MONTH])}


def test_spread_floor_is_the_resolution_of_a_rate(rules):
    # FL: occupancy 50 / 100 every month: MAD 0 and mean deviation 0; 3% of 0.5 = 0.015; a rate
    #     over cases is read no finer than its count's noise: √(0.5 × 100) / 100 = 0.0707.
    #     October 75 / 100: z = 0.25 / 0.0707 = 3.54 > 3.5. Material: 25 points ≥ 2, ≥ 20% of
    #     0.5, 25 bed-days ≥ 5. Against last year too: +50% > 33%, 0.25 > 3.5 × 0.0707 = 0.247.
    fl = rules[("anomaly_mad_zscore", "FL", "bed_occupancy")]
    assert fl.severity == "warning"
    assert fl.score == pytest.approx(0.25 / (50**0.5 / 100))
    name = indicators()["bed_occupancy"].zh
    assert f"{name}较近12个月明显升高（近12个月中位数 50.0%，本月 75.0%）" in fl.message_zh
    assert ("anomaly_yoy", "FL", "bed_occupancy") in rules
    # FN: 74 / 100: z = 0.24 / 0.0707 = 3.39 and 0.24 < 0.247: neither
    assert not [key for key in rules if key[1:] == ("FN", "bed_occupancy")]


def test_a_change_must_be_material(rules):
    visits = {key[1] for key in rules if key[2] == "outpatient_visits"}
    # MA: flat 40 -> spread max(0, 3% of 40, one visit) = 1.2; 50: z = 8.3, +10 ≥ 10 visits and
    #     ≥ 20% of 40 = 8: an alarm. MB: 49: +9 < 10 visits although 9 ≥ 8: none.
    # MC: flat 100 -> spread 3; 120: +20 ≥ 20% of 100: an alarm. MD: 119: +19 < 20: none,
    #     although z = 19 / 3 = 6.3 and 19 ≥ 10 visits.
    assert {"MA", "MC"} <= visits and not {"MB", "MD"} & visits
    assert rules[("anomaly_mad_zscore", "MA", "outpatient_visits")].value == 50


def test_an_improvement_is_a_note_not_an_alarm(rules):
    # DI: revenue and expense 1,000,000 every month -> spread 3% = 30,000; October 1,300,000:
    #     z = 10, +300,000 material. Revenue should rise (direction up): a note (severity info);
    #     expense should not (direction down): an alarm.
    revenue = rules[("anomaly_mad_zscore", "DI", "medical_revenue")]
    expense = rules[("anomaly_mad_zscore", "DI", "total_expense")]
    assert (revenue.severity, revenue.is_note) == ("info", True)
    assert revenue.message_zh.endswith("属向好变化。")
    assert (expense.severity, expense.is_note) == ("warning", False)
    assert "明显升高" in expense.message_zh and "请核实数据" in expense.message_zh
    # DJ: both fall to 700,000: the revenue's fall is the alarm, the expense's a note
    assert rules[("anomaly_mad_zscore", "DJ", "medical_revenue")].severity == "warning"
    assert rules[("anomaly_mad_zscore", "DJ", "total_expense")].severity == "info"
    assert "明显下降" in rules[("anomaly_mad_zscore", "DJ", "medical_revenue")].message_zh


def test_first_non_zero_after_zeros_only_when_material(rules):
    # ZE: total expense 0 for 12 months, then 5,000 CNY: the spread of nothing says nothing; the
    #     change 5,000 ≥ 5,000 CNY (and ≥ 20% of 0, ≥ 5 CNY): an alarm, said as what it is.
    first = rules[("anomaly_mad_zscore", "ZE", "total_expense")]
    assert first.severity == "warning"
    name = indicators()["total_expense"].zh
    assert first.message_zh.startswith(f"{name}此前 12 个月均为 0，本月为 5,000。")
    # ZF: 4,999 CNY < 5,000: none (a z against a spread of one yuan would be 4,999)
    assert not [key for key in rules if key[1:] == ("ZF", "total_expense")]


def test_a_season_is_not_an_alarm(rules):
    # SE: eleven months of 100 and October 2025 at 150: median 100, MAD 0, mean deviation 50 / 12
    #     -> spread 1.253314 × 4.167 = 5.22; October 2026 150: z = 9.6, but a year ago it was 150
    #     too (0 ≤ 3.5 × 5.22): a season.
    # SF: October 2025 at 130: mean deviation 30 / 12 -> spread 1.253314 × 2.5 = 3.13; 150 is
    #     20 from last year, beyond 3.5 × 3.13 = 10.97: an alarm, z = 50 / 3.13 = 16.0.
    assert ("anomaly_mad_zscore", "SE", "outpatient_visits") not in rules
    sf = rules[("anomaly_mad_zscore", "SF", "outpatient_visits")]
    assert sf.score == pytest.approx(50 / (1.253314 * 2.5))


def test_anomaly_thresholds_come_from_one_file():
    limits = thresholds()
    assert (limits["z_threshold"], limits["min_history"], limits["window_months"]) == (3.5, 12, 12)
    assert limits["yoy_threshold"] == 0.33
    # every $parameter of every SQL file has its value: months, today, a threshold
    known = set(limits) | {"months", "today", "master_ledgers"}
    for path in SQL_DIR.glob("*.sql"):
        assert parameters_of(sql(path.stem)) <= known, path.name


def test_anomalies_are_stored_beside_ledger_findings(indicator_history, tmp_path):
    shutil.copyfile(indicator_history[0], tmp_path / "copy.duckdb")
    with duckdb.connect(str(tmp_path / "copy.duckdb")) as con:
        stored = stored_findings(con, [MONTH])
        assert {f.check for f in stored} == {"anomaly_mad_zscore", "anomaly_yoy"}
        # the ledger checks of the month do not remove them, and anomalies never block
        run_ledger_checks(con, [MONTH], today=TODAY)
        stored = stored_findings(con, [MONTH])
        assert {"anomaly_mad_zscore", "anomaly_yoy"} <= {f.check for f in stored}
        assert publication_blocks(con) != [] and all(
            b.check == "workload_days_missing" for b in publication_blocks(con)
        )


# --- what the pipeline's check results say --------------------------------------------------------


def summed_up(found) -> dict[str, CheckSummary]:
    """Findings (in the standard order) summed up per check by hand: the hits (not notes), the
    notes, the hits' departments and months sorted, the first hit's Chinese message."""
    checks = {}
    for check_id in dict.fromkeys(f.check for f in found):
        items = [f for f in found if f.check == check_id]
        hits = [f for f in items if not f.is_note]
        checks[check_id] = CheckSummary(
            hits=len(hits),
            notes=len(items) - len(hits),
            departments=tuple(sorted({f.dept for f in hits if f.dept})),
            months=tuple(sorted({f.period for f in hits if f.period})),
            first=hits[0].message_zh if hits else None,
        )
    return checks


def test_ledger_check_summaries_say_what_the_findings_say(con, tmp_path):
    # the Dagster checks report the findings summed up in SQL (pipelines.quality): faults of a
    # suite, of SQL-worded and Python-worded checks, several of a check, two departments
    files = hospital()
    for name in ("ward_flow_identity", "extra_beds", "overbooking", "drg_ungrouped"):
        CASES[name]["change"](files)
    load(con, tmp_path, files, tamper=CASES["gx_range"]["tamper"])
    found = run_ledger_checks(con, [MONTH], today=TODAY)
    assert len({f.check for f in found}) >= 4 and len({f.dept for f in found}) >= 2
    assert ledger_check_summaries(con, [MONTH], today=TODAY) == summed_up(found)


def test_anomaly_check_summaries_say_what_the_findings_say(con, tmp_path):
    # notes (DI's revenue up 30%: the good way) beside alarms (its expense up 30%, MA's and MC's
    # visits), over several months (the departments of `rules`, below)
    workload = [
        *_workload("MA", visits=40, october={"visits": 50}),
        *_workload("MC", visits=100, october={"visits": 120}),
    ]
    files = {
        "departments.csv": [["code", "name_zh", "kind"], *[[d, d, "medical"] for d in ("DI", "MA", "MC")]],
        "workload.csv": [["date", "dept", "outpatient_visits", "open_beds", "census"], *workload],
        "finance.csv": [FINANCE_LINES, *_finance("DI", 1_000_000, 1_000_000, (1_300_000, 1_300_000))],
    }  # fmt: skip
    load(con, tmp_path, files)
    compute_months(con, [*HISTORY_MONTHS, MONTH])
    months = [*HISTORY_MONTHS[-3:], MONTH]
    found = run_anomaly_checks(con, months)
    assert {f.is_note for f in found} == {True, False}
    assert anomaly_check_summaries(con, months) == summed_up(found)


# --- ledger quality ----------------------------------------------------------------------------


def test_ledger_quality_by_hand(con, tmp_path):
    files = hospital()
    drop_rows(WORKLOAD, dept="A", date=D(2026, 10, 31))(files)  # A: 30 of 31 days
    drop_rows("appointments.csv", dept="A")(files)  # A: appointments never came
    set_cells("supplies.csv", {"dept": "A", "month": "2026-10"}, closing_qty=95)(files)  # 1 bad row
    load(con, tmp_path, files, arrived={"finance.csv": LATE})  # finance late for A and B
    run_checks(con, [MONTH], today=TODAY)
    quality = {
        dept: rest
        for dept, *rest in con.execute(
            "select dept, completeness, timeliness, accuracy, score from ledger_quality "
            "where month = ? order by dept",
            [D(2026, 10, 1)],
        ).fetchall()
    }
    # A is expected to keep 6 ledgers: workload, discharges, finance, patient feedback,
    # appointments, and supplies (kept in September).
    #   completeness = (30/31 + 1 + 1 + 1 + 0 + 1) / 6 × 100
    #   timeliness   = 4 of 6 in by 5 November (finance late, appointments missing) × 100
    #   accuracy     = its October rows: workload 30 + episodes 30 + finance 1 + supplies 1
    #                  + feedback 1 + equipment usage 1 = 64, one of them faulty -> (1 − 1/64) × 100
    completeness, timeliness, accuracy = (4 + 30 / 31) / 6 * 100, 4 / 6 * 100, (1 - 1 / 64) * 100
    assert quality["A"] == pytest.approx(
        [completeness, timeliness, accuracy, (completeness + timeliness + accuracy) / 3]
    )
    # B keeps 5 (no supplies in September), all complete, finance late: 4 of 5 on time;
    # its 31 + 62 + 1 + 1 + 1 + 1 = 97 rows are all sound
    assert quality["B"] == pytest.approx([100, 80, 100, (100 + 80 + 100) / 3])


def test_a_month_not_yet_begun_is_not_scored(con, tmp_path):
    # A's finance ledger holds December 2026 already (budgets are entered ahead; not_future spares
    # the finance month). On 20 November December has rows but nothing is due or done: no
    # ledger_quality row for it, while October is scored as ever.
    files = hospital()
    add_rows("finance.csv", ["2026-12", "A", 90000, 30000, 150000, 200000])(files)
    load(con, tmp_path, files)
    run_checks(con, [MONTH, "2026-12"], today=TODAY)
    months = con.execute(
        "select distinct strftime(month, '%Y-%m') from ledger_quality order by 1"
    ).fetchall()
    assert months == [(MONTH,)]
