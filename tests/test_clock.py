"""Today in the hospital's timezone (DEPTOPS_TIMEZONE, default Asia/Shanghai) whatever the
machine's TZ: the future-date rule and timeliness, with the clock set rather than waited for."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from expectations.findings import run_ledger_checks
from ledgers import clock
from ledgers.loader import load_inbox
from pipelines.settings import Settings
from tests.ledger_files import write_csv
from tests.test_data_quality import MONTH, hospital, write_inbox

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def machine_tz(monkeypatch):
    """Set the machine's TZ (what dt.date.today() and naive timestamps follow) for one test."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_today_is_the_hospitals_date_on_a_utc_server(machine_tz, monkeypatch):
    machine_tz("UTC")
    monkeypatch.delenv("DEPTOPS_TIMEZONE", raising=False)
    # 17:00 UTC on 26 November is 01:00 on 27 November in Shanghai (UTC+8)
    with clock.frozen(dt.datetime(2026, 11, 26, 17, 0, tzinfo=UTC)):
        assert clock.today() == dt.date(2026, 11, 27)
        assert clock.today("America/New_York") == dt.date(2026, 11, 26)  # 12:00 there
        monkeypatch.setenv("DEPTOPS_TIMEZONE", "Europe/London")
        assert clock.today() == dt.date(2026, 11, 26)
        assert Settings(home=Path("h"), inbox=Path("i")).timezone == "Europe/London"


def test_a_row_dated_today_is_accepted_at_one_in_the_morning(machine_tz, monkeypatch, tmp_path):
    machine_tz("UTC")
    monkeypatch.delenv("DEPTOPS_TIMEZONE", raising=False)
    inbox = tmp_path / "inbox"
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "name_en", "kind", "beds_authorised"],
            ["A", "心内科", "C", "medical", 10],
        ],
    )
    header = [
        "date",
        "dept",
        "outpatient_visits",
        "admissions",
        "discharges",
        "open_beds",
        "census",
    ]
    write_csv(
        inbox / "workload.csv",
        [header, ["2026-11-27", "A", 20, 1, 1, 10, 8], ["2026-11-28", "A", 20, 1, 1, 10, 8]],
    )
    # 01:00 on 27 November in Shanghai; the machine (UTC) still says 26 November
    with (
        clock.frozen(dt.datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),
        duckdb.connect(str(tmp_path / "w.duckdb")) as con,
    ):
        report = load_inbox(con, inbox)
        days = [d for (d,) in con.execute("select date from raw_workload").fetchall()]
        reasons = [r for (r,) in con.execute("select reason from rejected_rows").fetchall()]
    assert days == [dt.date(2026, 11, 27)]  # today in the hospital: accepted
    assert report.rows_rejected == 1  # the 28th is tomorrow there
    assert reasons == ["date: 2026-11-28 is in the future (today is 2026-11-27): a mistyped year?"]


def late_ledgers(tmp_path, machine_tz, tz: str) -> list[tuple]:
    """The ledger_late findings of one inbox loaded and checked under the machine TZ `tz`."""
    machine_tz(tz)
    files = hospital()
    folder = tmp_path / tz.replace("/", "_")
    # appointments saved at 02:00 UTC on 6 November: 10:00 on the 6th in Shanghai, after the due
    # day (the 5th), but 21:00 on the 5th in New York
    write_inbox(
        folder / "inbox",
        files,
        arrived={"appointments.csv": dt.datetime(2026, 11, 6, 2, 0, tzinfo=UTC)},
    )
    # 20 November 01:00 in Shanghai (19 November 17:00 UTC, 12:00 in New York)
    with (
        clock.frozen(dt.datetime(2026, 11, 19, 17, 0, tzinfo=UTC)),
        duckdb.connect(str(folder / "w.duckdb")) as con,
    ):
        load_inbox(con, folder / "inbox")
        findings = run_ledger_checks(con, [MONTH])
        arrived = con.execute(
            "select modified_at from ledger_files where file = 'appointments.csv'"
        ).fetchone()[0]
    assert arrived == dt.datetime(2026, 11, 6, 10, 0)  # the hospital's wall clock
    return sorted((f.check, f.dept, f.ledger, f.file) for f in findings)


def test_same_inbox_same_findings_whatever_the_machine_tz(machine_tz, monkeypatch, tmp_path):
    monkeypatch.delenv("DEPTOPS_TIMEZONE", raising=False)
    utc = late_ledgers(tmp_path, machine_tz, "UTC")
    new_york = late_ledgers(tmp_path, machine_tz, "America/New_York")
    # both departments' appointments arrived on the 6th in Shanghai: late, on either machine
    assert utc == [
        ("ledger_late", "A", "appointments", "appointments.csv"),
        ("ledger_late", "B", "appointments", "appointments.csv"),
    ]
    assert new_york == utc
