"""Recomputing a month touches only the periods that contain it, and gives what a full run gives.

The proof is `metric_values.computed_at` (the time of the transaction that wrote a row): after a
ledger of February 2025 changes, the rows of February, 2025-Q1, 2025 and the ISO weeks that overlap
February are rewritten; every other row keeps its computed_at and its values, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from ledgers.loader import load_inbox
from ledgers.specs import ledger
from metrics import catalogue
from metrics.compute import compute_months, load_holidays
from tests.ledger_files import days, write_csv

D = dt.date
MONTHS = ["2024-12", "2025-01", "2025-02", "2025-03"]
LAST_DAY = {"2024-12": 31, "2025-01": 31, "2025-02": 28, "2025-03": 31}
# The periods a change in February 2025 must rewrite: ISO weeks 5 (27 Jan – 2 Feb) to 9
# (24 Feb – 2 Mar) overlap February.
FEBRUARY_PERIODS = {("month", "2025-02"), ("quarter", "2025-Q1"), ("year", "2025")} | {
    ("week", f"2025-W{w:02d}") for w in range(5, 10)
}
VALUE_COLUMNS = "grain, period, dept, metric, value, numerator, denominator, reason"


def write_month(inbox: Path, month: str, census: int = 8, revenue: int = 100000) -> None:
    """One workload file and one finance file per month, as an assistant sends them."""
    first = D.fromisoformat(f"{month}-01")
    rows = [["date", "dept", "outpatient_visits", "emergency_visits", "discharges", "open_beds",
             "census"]]  # fmt: skip
    for day in days(first, first.replace(day=LAST_DAY[month])):
        rows.append([day.isoformat(), "A", 30, 0, 1, 10, census])
        rows.append([day.isoformat(), "B", 20, 0, 2, 20, 15])
    write_csv(inbox / f"workload_{month}.csv", rows)
    # every finance line is given (a missing one would make the totals unknown): 0 but drugs
    lines = {c.name: 0 for c in ledger("finance").columns} | {"month": month}
    write_csv(
        inbox / f"finance_{month}.csv",
        [list(lines),
         list((lines | {"dept": "A", "op_drug_revenue": revenue // 2,
                        "ip_drug_revenue": revenue // 2}).values()),
         list((lines | {"dept": "B", "op_drug_revenue": 80000,
                        "ip_drug_revenue": 120000}).values())],
    )  # fmt: skip


def write_inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind"], ["A", "心内科", "medical"], ["B", "骨科", "surgical"]],
    )
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "start_date"],
         ["A", "D1", "doctor", "2020-01-01"], ["B", "D2", "doctor", "2020-01-01"]],
    )  # fmt: skip
    for month in MONTHS:
        write_month(inbox, month)


def values(con: duckdb.DuckDBPyConnection, with_time: bool = True) -> dict[tuple, tuple]:
    columns = VALUE_COLUMNS + (", computed_at" if with_time else "")
    rows = con.execute(f"select {columns} from metric_values").fetchall()  # noqa: S608
    by_key = {row[:4]: row[4:] for row in rows}
    assert len(by_key) == len(rows), "one row per grain, period, department and indicator"
    return by_key


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The inbox loaded and its months computed once (a folder holding inbox/ and the file)."""
    folder = tmp_path_factory.mktemp("incremental")
    write_inbox(folder / "inbox")
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        load_inbox(con, folder / "inbox")
        compute_months(con, MONTHS)
    return folder


@pytest.fixture
def warehouse(built, tmp_path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A test's own copy of the built warehouse and its inbox (files, times and all)."""
    inbox = shutil.copytree(built / "inbox", tmp_path / "inbox")
    shutil.copy2(built / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con, inbox
    con.close()


def test_recomputing_a_month_rewrites_only_the_periods_containing_it(warehouse):
    con, inbox = warehouse
    before = values(con)
    months_before = con.execute(
        "select * from dept_month_measures where month <> date '2025-02-01' order by all"
    ).fetchall()

    write_month(inbox, "2025-02", census=9, revenue=120000)  # February corrected
    report = load_inbox(con, inbox)
    assert report.touched_months == {"2025-02"}
    written = compute_months(con, sorted(report.touched_months))
    after = values(con)

    assert after.keys() == before.keys()  # no row lost or added
    # The periods containing February, and the year-to-date indicators of every month of 2025
    # (January to the month) and of 2026 (whose forecast reads the whole of 2025)
    to_date = {i.id for i in catalogue.indicators().values() if i.to_date}
    touched = {
        key
        for key in after
        if key[:2] in FEBRUARY_PERIODS
        or (key[0] == "month" and key[1][:4] in ("2025", "2026") and key[3] in to_date)
    }
    assert written == len(touched)
    # 5 groups (A, B, ALL, KIND:medical, KIND:surgical) × (78 indicators × 3 periods (month,
    # quarter, year) + 7 year-to-date indicators × 1 month + 12 weekly indicators × 5 weeks), and
    # the 7 year-to-date indicators of January and March 2025 for the 5 groups. (检查次均收入 is
    # shown in medtech reports only, but computed for every group like the others.)
    assert len(catalogue.indicators()) - len(to_date) == 78 and len(to_date) == 7
    assert written == 5 * (78 * 3 + 7 + 12 * 5) + 5 * 7 * 2
    assert {key[:2] for key in touched} == FEBRUARY_PERIODS | {
        ("month", "2025-01"), ("month", "2025-03")}  # fmt: skip
    for key, row in after.items():
        if key in touched:
            assert row[-1] > before[key][-1], f"{key} was not rewritten"
        else:
            assert row == before[key], f"{key} was rewritten"
    # The other months' measures were not rewritten either
    months_after = con.execute(
        "select * from dept_month_measures where month <> date '2025-02-01' order by all"
    ).fetchall()
    assert months_after == months_before

    def value(key):
        return after[key][0]

    # February and the periods above it changed, January did not
    assert value(("month", "2025-02", "A", "bed_occupancy")) == pytest.approx(28 * 9 / (28 * 10))
    assert value(("month", "2025-01", "A", "bed_occupancy")) == pytest.approx(0.8)
    # Q1: (31×8 + 28×9 + 31×8) / (90×10)
    assert value(("quarter", "2025-Q1", "A", "bed_occupancy")) == pytest.approx(748 / 900)
    assert value(("quarter", "2025-Q1", "A", "medical_revenue")) == pytest.approx(320000)
    # week 5 (27 Jan – 2 Feb): (5×8 + 2×9) / 70; week 4 (20–26 Jan) untouched
    assert value(("week", "2025-W05", "A", "bed_occupancy")) == pytest.approx(58 / 70)
    assert value(("week", "2025-W04", "A", "bed_occupancy")) == pytest.approx(0.8)
    # Comparisons are read when asked: March (not rewritten) already compares with the new February
    march = con.execute(
        "select prior_value from metric_report where grain = 'month' and period = '2025-03' "
        "and dept = 'A' and metric = 'bed_occupancy'"
    ).fetchone()[0]
    assert march == pytest.approx(0.9)


def test_recomputing_is_idempotent(warehouse):
    con, _ = warehouse
    before = values(con, with_time=False)
    compute_months(con, ["2025-02"])
    assert values(con, with_time=False) == before


def test_months_one_by_one_in_any_order_give_the_full_run(warehouse, tmp_path):
    con, inbox = warehouse
    full = values(con, with_time=False)
    with duckdb.connect(str(tmp_path / "one_by_one.duckdb")) as other:
        load_inbox(other, inbox)
        for month in random.Random(7).sample(MONTHS, len(MONTHS)):
            compute_months(other, [month])
        assert values(other, with_time=False) == full


def test_a_month_whose_ledgers_are_removed_loses_its_rows(warehouse):
    con, inbox = warehouse
    (inbox / "workload_2025-03.csv").unlink()
    (inbox / "finance_2025-03.csv").unlink()
    report = load_inbox(con, inbox)
    assert "2025-03" in report.touched_months
    compute_months(con, sorted(report.touched_months))
    after = values(con)
    assert not [key for key in after if key[:2] == ("month", "2025-03")]
    # Q1 now holds January and February: 59 days
    avg_beds = con.execute(
        "select numerator, denominator from metric_values where grain = 'quarter' "
        "and period = '2025-Q1' and dept = 'A' and metric = 'avg_open_beds'"
    ).fetchone()
    assert avg_beds == (59 * 10, 59)
    # weeks 10–14 lie in March only; week 9 keeps its February days (24–28 Feb)
    weeks = {key[1] for key in after if key[0] == "week" and key[1].startswith("2025")}
    assert max(weeks) == "2025-W09"
    assert con.execute(
        "select denominator from metric_values where grain = 'week' and period = '2025-W09' "
        "and dept = 'A' and metric = 'avg_open_beds'"
    ).fetchone() == (5,)


def test_a_new_holiday_calendar_recomputes_every_month(warehouse, tmp_path):
    con, _ = warehouse
    before = values(con)

    def visits_per_doctor_day(period: str) -> float:
        return con.execute(
            "select value from metric_values where grain = 'month' and period = ? "
            "and dept = 'A' and metric = 'visits_per_doctor_day'",
            [period],
        ).fetchone()[0]

    # No holiday calendar: January 2025 has 23 workdays, Monday to Friday
    assert visits_per_doctor_day("2025-01") == pytest.approx(31 * 30 / (31 * 23 / 31))
    holidays = tmp_path / "holidays.toml"
    holidays.write_text(
        "holidays = [2024-12-25, 2025-01-01]\nadjusted_workdays = [2025-01-26]\n", encoding="utf-8"
    )
    compute_months(con, ["2025-02"], holidays=holidays)  # asks for February only ...
    after = values(con)
    assert after.keys() == before.keys()
    assert all(row[-1] > before[key][-1] for key, row in after.items())  # ... rewrites all
    # January: 23 − 1 January + Sunday 26 January = 23; December: 22 − 25 December = 21
    assert visits_per_doctor_day("2025-01") == pytest.approx(31 * 30 / (31 * 23 / 31))
    assert visits_per_doctor_day("2024-12") == pytest.approx(31 * 30 / (31 * 21 / 31))


def test_holiday_file_is_checked(tmp_path):
    assert load_holidays().holidays == ()  # the shipped calendar is empty
    both = tmp_path / "both.toml"
    both.write_text("holidays = [2025-01-01]\nadjusted_workdays = [2025-01-01]\n")
    with pytest.raises(ValueError, match="both a holiday and a workday"):
        load_holidays(both)
    text = tmp_path / "text.toml"
    text.write_text('holidays = ["2025-01-01"]\n')
    with pytest.raises(ValueError, match="must hold dates"):
        load_holidays(text)


def test_values_do_not_depend_on_how_duckdb_splits_the_work(demo_warehouse, tmp_path):
    """The demo hospital computed with 1 thread and with 8 gives the values conftest's build of it
    computed (DuckDB's default: a thread per core), to the last bit: ledger numbers with decimals
    (wait minutes, FTE, hours) are summed as exact decimals, so the order in which threads add
    them cannot move a hospital total's last binary digit (with doubles, 121 of the demo's 38,916
    values did)."""
    from metrics.compute import months_with_data

    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        built = values(con, with_time=False)
    assert len(built) > 30_000
    for threads in (1, 8):
        # a copy of the shared build, every month computed again (every row rewritten)
        copy = shutil.copy(demo_warehouse, tmp_path / f"warehouse-{threads}.duckdb")
        with duckdb.connect(str(copy)) as con:
            con.execute(f"set threads = {threads}")
            before = values(con)
            compute_months(con, months_with_data(con))
            after = values(con)
        assert all(row[-1] > before[key][-1] for key, row in after.items())  # all rewritten
        assert {key: row[:-1] for key, row in after.items()} == built, f"{threads} threads"
