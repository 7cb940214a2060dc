"""Inboxes that several test modules share (fixtures), built once (session scope) where the tests
only read them; tests/ledger_files.py holds the builders they use. A module that needs a variant
copies the folder. The costly ones (whole loads and runs) are built once for all of `make test`'s
workers (tests.runs.shared_folder)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from ledgers.specs import ledger
from pipelines.settings import REPORT_WORKERS_VARIABLE
from tests.browser import SharedChromium
from tests.ledger_files import (
    FILE_TIME,
    computed_warehouse,
    days,
    write_csv,
    write_one_ward,
)
from tests.runs import NO_REPORTS, run_here, shared_folder

# how make test hands the tests to its workers (pytest-xdist hooks)
from tests.scheduling import pytest_collection_modifyitems, pytest_xdist_make_scheduler  # noqa: F401

# Reports render in the test's own process, and in a `deptops run` child's (pipelines.settings.
# default_report_workers): each of make test's xdist workers has its core already, and a pool's
# spawned processes each import the report stack again for a few dozen reports (test_injection's
# run with every grain: 22.0 s CPU with two, 16.7 s with none). The pool is tested where a test
# asks for one (test_report_batch, test_orchestration).
os.environ.setdefault(REPORT_WORKERS_VARIABLE, "1")


@pytest.fixture(scope="session")
def _shared_chromium():
    shared = SharedChromium()
    yield shared
    shared.close()


@pytest.fixture
def chromium(_shared_chromium):
    """Headless Chromium (a playwright Browser), one per test process (tests/browser.py): open a
    context of your own in it (`chromium.new_context(...)`); it is closed after the test."""
    with _shared_chromium.lend() as browser:
        yield browser


@pytest.fixture
def october_ward(tmp_path) -> Path:
    """write_one_ward for October 2026: 31 days × 10 open beds, 8 occupied -> occupancy
    248 / 310 = 0.8."""
    return write_one_ward(tmp_path / "inbox", days(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))


@pytest.fixture(scope="session")
def demo_inbox(tmp_path_factory) -> Path:
    """The demo hospital's ledger files as synthetic_hospital.demo.write_demo writes them (its
    default seed), built once: read-only."""

    def build(root: Path) -> None:
        from synthetic_hospital.demo import write_demo

        write_demo(root / "inbox")

    return shared_folder(tmp_path_factory, "demo_inbox", build) / "inbox"


@pytest.fixture(scope="session")
def demo_warehouse(demo_inbox, tmp_path_factory) -> Path:
    """The demo hospital (synthetic_hospital.demo: CARD and RESP medical, GSUR and ORTH surgical,
    RAD medtech without beds, 2024-01 … 2026-10) loaded and every month computed: the DuckDB file,
    built once for the report tests that only read it (open it read-only)."""

    def build(root: Path) -> None:
        import duckdb

        from ledgers.loader import load_inbox
        from metrics.compute import compute_months, months_with_data

        with duckdb.connect(str(root / "w.duckdb")) as con:
            load_inbox(con, demo_inbox)
            compute_months(con, months_with_data(con))

    return shared_folder(tmp_path_factory, "demo", build) / "w.duckdb"


@pytest.fixture(scope="session")
def demo_reports(demo_warehouse, tmp_path_factory) -> Path:
    """The demo's reports of 2026-Q3 and 2025 (department reports and dashboards, zh), which the
    report tests read and print: rendered once, read-only (copy the folder to add to it)."""

    def build(root: Path) -> None:
        import duckdb

        from reports.publish import render_reports

        with duckdb.connect(str(demo_warehouse), read_only=True) as con:
            for grain, period in (("quarter", "2026-Q3"), ("year", "2025")):
                render_reports(con, root / "reports", grain, [period])

    return shared_folder(tmp_path_factory, "demo_reports", build) / "reports"


@pytest.fixture(scope="session")
def two_ward_inbox(tmp_path_factory) -> Path:
    """A (心内科, 10 open beds, census 8; operations assistant 王芳) and B (骨科, 20 open beds,
    census 18; 李明): 2 admissions and 2 discharges a day from 2025-05-01 to 2025-06-30, one
    rejected row (admissions 'two' on 2025-07-01), and a finance ledger of May and June (so that
    no month is withheld for the want of one). Shared by the whole-run tests: copy it before
    changing anything. Two months: June and the month it is compared with (环比), all the
    reports read; each month more is a month of reports more in every run that renders them."""
    return shared_folder(tmp_path_factory, "two_ward_inbox", _write_two_ward_inbox)


def _write_two_ward_inbox(folder: Path) -> None:
    write_csv(
        folder / "科室字典.csv",
        [
            ["科室编码", "科室名称", "科室类型", "运营助理"],
            ["A", "心内科", "内科系统", "王芳"],
            ["B", "骨科", "外科系统", "李明"],
        ],
    )
    rows = [["日期", "科室", "入院人数", "出院人数", "实际开放床位", "期末在院人数"]]
    for dept, beds in (("A", 10), ("B", 20)):
        census = beds - 2
        for day in days(dt.date(2025, 5, 1), dt.date(2025, 6, 30)):
            rows.append([day.isoformat(), dept, 2, 2, beds, census])
    rows.append(["2025-07-01", "A", "two", 1, 10, 8])  # one rejected row
    write_csv(folder / "业务量.csv", rows)
    finance = [["month", "dept", "ip_drug_revenue", "ip_service_revenue", "personnel_expense"]]
    finance += [[f"2025-0{m}", d, 30000, 50000, 80000] for m in (5, 6) for d in "AB"]
    write_csv(folder / "finance.csv", finance)
    for path in folder.iterdir():
        os.utime(path, (FILE_TIME, FILE_TIME))


@pytest.fixture(scope="session")
def two_ward_home(two_ward_inbox, tmp_path_factory) -> Path:
    """HOME after one `deptops run --reports none` of two_ward_inbox (its output in ../run.log),
    run in the test's process: the exports that the reliability and backup tests compare with,
    and Dagster's history in HOME/dagster, which the backup holds. Read-only: copy it to run
    again in it."""

    def build(folder: Path) -> None:
        output = run_here(two_ward_inbox, folder / "home", *NO_REPORTS)
        (folder / "run.log").write_text(output, encoding="utf-8")

    return shared_folder(tmp_path_factory, "two_ward_home", build) / "home"


@pytest.fixture(scope="session")
def two_ward_month_home(two_ward_inbox, tmp_path_factory) -> Path:
    """A folder holding inbox/ (a copy of two_ward_inbox), home/ after one run of it that
    rendered the month's reports (and the index), and first_run.json (what that run's summary
    said of corrections and which report grains it rendered). The run is on a Dagster instance
    in memory: its readers read the warehouse, the reports and the exports. Shared by
    test_package (it packages those reports), test_corrections (it copies the folder, then
    corrects a cell and runs again) and test_reliability (its exports against two_ward_home's,
    a run of the same inbox that rendered no report). Read-only: copy it to run again in it."""

    def build(folder: Path) -> None:
        import dagster as dg

        from pipelines.runner import run_pipeline
        from pipelines.settings import Settings

        inbox = shutil.copytree(two_ward_inbox, folder / "inbox")
        settings = Settings(home=folder / "home", inbox=inbox, report_workers=1)
        with dg.DagsterInstance.ephemeral() as instance:
            first = run_pipeline(
                settings, progress=lambda _line: None, reports=["month"], instance=instance
            )
        said = {"corrections": first.corrections, "report_grains": first.report_grains}
        (folder / "first_run.json").write_text(json.dumps(said))

    return shared_folder(tmp_path_factory, "two_ward_month_home", build)


# A radiology department (no beds) and a medical ward, 2025-01 … 2026-10, every figure constant
# within a month so that a month's sum is days × the day's figure (the hand arithmetic of
# tests/test_medtech_report.py and tests/test_chart_rules.py):
# - RAD 放射科 (医技): 10 outpatient visits and no emergency visit a day; exams a day 100 in 2025,
#   120 in 2026-01 … 09, 130 in 2026-10; revenue per exam (门诊检查收入 only) 180 元 in 2025,
#   200 in 2026-01 … 09, 210 in 2026-10. Devices CT1 (large) and DR1: CT1 38 uses a day before
#   2026-10 and 40 in it; hours used CT1 + DR1 260 + 180 in 2025, 280 + 200 in 2026-01 … 09,
#   300 + 200 in 2026-10, 400 h available each, no downtime.
# - WARD 内科 (内科系统): 20 outpatient and 2 emergency visits, 1 admission and 1 discharge a day,
#   10 open beds, census 8; revenue 50,000 (门诊药品) + 300,000 (住院服务) a month.
MEDTECH_MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:22]


def medtech_exams_a_day(month: str) -> int:
    return 100 if month < "2026-01" else 130 if month == "2026-10" else 120


def medtech_revenue_per_exam(month: str) -> int:
    return 180 if month < "2026-01" else 210 if month == "2026-10" else 200


def write_medtech_inbox(folder: Path) -> Path:
    write_csv(
        folder / "科室字典.csv",
        [
            ["科室编码", "科室名称", "科室类型", "编制床位"],
            ["RAD", "放射科", "医技", ""],
            ["WARD", "内科", "内科系统", 10],
        ],
    )
    workload = [["日期", "科室", "门诊人次", "急诊人次", "入院人数", "出院人数", "实际开放床位", "期末在院人数", "检查人次"]]  # fmt: skip
    # every finance column written (0 where not said), as the finance office's sheet has them
    finance_columns = [column.zh[0] for column in ledger("finance").columns]
    finance = [finance_columns]
    usage = [["资产编号", "月份", "使用人次", "使用时长", "可用时长", "故障停机时长"]]
    for month in MEDTECH_MONTHS:
        first = dt.date.fromisoformat(f"{month}-01")
        month_days = days(
            first, (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        )
        exams = medtech_exams_a_day(month)
        for day in month_days:
            workload.append([day.isoformat(), "RAD", 10, 0, "", "", "", "", exams])
            workload.append([day.isoformat(), "WARD", 20, 2, 1, 1, 10, 8, 5])
        lines = {"门诊检查收入": exams * len(month_days) * medtech_revenue_per_exam(month)}
        finance.append([month, "RAD", *(lines.get(c, 0) for c in finance_columns[2:])])
        lines = {"门诊药品收入": 50_000, "住院医疗服务收入": 300_000}
        finance.append([month, "WARD", *(lines.get(c, 0) for c in finance_columns[2:])])
        ct_hours = 260 if month < "2026-01" else 300 if month == "2026-10" else 280
        dr_hours = 180 if month < "2026-01" else 200
        ct_uses = (40 if month == "2026-10" else 38) * len(month_days)
        usage.append(["CT1", month, ct_uses, ct_hours, 400, 0])
        usage.append(["DR1", month, 3_000, dr_hours, 400, 0])
    write_csv(folder / "业务量.csv", workload)
    write_csv(folder / "经济运行.csv", finance)
    write_csv(
        folder / "设备台账.csv",
        [
            ["资产编号", "科室", "设备名称", "大型设备", "购置日期"],
            ["CT1", "RAD", "CT", "是", "2020-01-01"],
            ["DR1", "RAD", "DR", "否", "2020-01-01"],
        ],
    )
    write_csv(folder / "设备使用.csv", usage)
    for path in folder.iterdir():
        os.utime(path, (FILE_TIME, FILE_TIME))
    return folder


@pytest.fixture(scope="session")
def medtech_warehouse(tmp_path_factory) -> Path:
    """write_medtech_inbox loaded and every month computed: the DuckDB file (open it read-only)."""

    def build(root: Path) -> None:
        computed_warehouse(root, write_medtech_inbox).close()

    return shared_folder(tmp_path_factory, "medtech", build) / "w.duckdb"


@pytest.fixture(scope="session")
def medtech_october(medtech_warehouse):
    """The medtech warehouse's October 2026 as the reports read it (reports.data.PeriodData)."""
    import duckdb

    from reports.data.warehouse import load_period

    with duckdb.connect(str(medtech_warehouse), read_only=True) as con:
        return load_period(con, "month", "2026-10")
