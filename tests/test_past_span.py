"""Dates far before the hospital's data (issue 16): a row dated more than ReadLimits.past_years
(default 10) years before its department's start, when the department list gives one, or else
before the data month (the latest month the dated ledgers reach, no later than today), is a
rejected row like a date in the future; the months come from the accepted rows only. Both the
general path (cell by cell) and the set-based path (SQL) judge it, word for word the same."""

from __future__ import annotations

import duckdb
import pytest

from ledgers.limits import ReadLimits
from ledgers.loader import load_inbox
from metrics.compute import months_with_data
from tests.ledger_files import write_csv

DEPARTMENTS = [
    ["科室编码", "科室名称", "科室类型", "成立日期"],
    ["OLD", "心内科", "内科", "2020-01-15"],  # the department list gives its start
    ["NEW", "普外科", "外科", ""],  # no start known: the data month decides
]
HEADER = ["日期", "科室", "门诊人次"]


def _load(tmp_path, name, rows, bulk_min_bytes=None, **kwargs):
    inbox = tmp_path / name / "inbox"
    write_csv(inbox / "科室字典.csv", DEPARTMENTS)
    write_csv(inbox / "业务量.csv", [HEADER, *rows])
    con = duckdb.connect(str(tmp_path / name / "w.duckdb"))
    load_inbox(
        con, inbox, bulk_min_bytes=bulk_min_bytes, work_root=tmp_path / name / "work", **kwargs
    )
    return con


def _rejected(con) -> list[tuple[int, str, str]]:
    return con.execute(
        """select "row", "column", reason from rejected_rows
           where file = '业务量.csv' order by "row" """
    ).fetchall()


def _days(con) -> list[tuple[str, str]]:
    return [
        (dept, day.isoformat())
        for dept, day in con.execute("select dept, date from raw_workload order by 2, 1").fetchall()
    ]


@pytest.mark.parametrize("bulk_min_bytes", [None, 0])
def test_the_span_counts_back_from_the_start_or_the_data_month(tmp_path, bulk_min_bytes):
    rows = [
        ["2026-10-01", "NEW", "5"],  # the latest day not after today: the data month is 2026-10
        ["2016-10-01", "普外科", "5"],  # 2026-10 less 10 years = 2016-10-01: the first day allowed
        ["2016-09-30", "NEW", "5"],  # the day before: rejected
        ["1900-03-01", "NEW", "5"],  # the typo of the issue
        ["2009-12-31", "OLD", "5"],  # OLD starts 2020-01-15: 10 years before is 2010-01 -> rejected
        ["2010-01-01", "OLD", "5"],  # within the span, but before OLD started: the start rule
        ["2020-01-15", "心内科", "5"],  # OLD's first day
    ]
    con = _load(tmp_path, "span", rows, bulk_min_bytes)
    assert _rejected(con) == [
        (4, "date", "2016-09-30 is more than 10 years (ReadLimits.past_years) before the data "
                    "month 2026-10: a mistyped year?"),
        (5, "date", "1900-03-01 is more than 10 years (ReadLimits.past_years) before the data "
                    "month 2026-10: a mistyped year?"),
        (6, "date", "2009-12-31 is more than 10 years (ReadLimits.past_years) before department "
                    "OLD's start 2020-01-15: a mistyped year?"),
        (7, "dept", "department OLD starts on 2020-01-15 (科室字典); this row is dated 2010-01-01"),
    ]  # fmt: skip
    assert _days(con) == [("NEW", "2016-10-01"), ("OLD", "2020-01-15"), ("NEW", "2026-10-01")]
    # the partitions come from the accepted rows only: no 1900, no 2009
    assert months_with_data(con) == ["2016-10", "2020-01", "2026-10"]


@pytest.mark.parametrize("bulk_min_bytes", [None, 0])
def test_an_archive_loads_whatever_today_is(tmp_path, bulk_min_bytes):
    """A hospital loading 2012-2015 in 2026: the span counts back from its data (2015-12), not
    from today, so nothing of the archive is refused but a row more than 10 years before it."""
    rows = [
        ["2015-12-31", "NEW", "1"],  # data month 2015-12: first day allowed 2005-12-01
        ["2012-01-01", "NEW", "1"],
        ["2005-12-01", "NEW", "1"],
        ["2005-11-30", "NEW", "1"],
    ]
    con = _load(tmp_path, "archive", rows, bulk_min_bytes)
    assert _rejected(con) == [
        (5, "date", "2005-11-30 is more than 10 years (ReadLimits.past_years) before the data "
                    "month 2015-12: a mistyped year?")
    ]  # fmt: skip
    assert [day for _, day in _days(con)] == ["2005-12-01", "2012-01-01", "2015-12-31"]


def test_a_date_in_the_future_does_not_move_the_data_month(tmp_path):
    """2099 is rejected as in the future and does not make 2016-10 far in the past."""
    rows = [["2099-10-01", "NEW", "1"], ["2016-10-01", "NEW", "1"]]
    con = _load(tmp_path, "future", rows)
    ((row, column, reason),) = _rejected(con)
    assert (row, column) == (2, "日期") and "2099-10-01 is in the future" in reason
    assert _days(con) == [("NEW", "2016-10-01")]


def test_the_data_month_counts_the_files_already_loaded(tmp_path):
    """The second load adds a file with one row of 2016-09: the data month is the first file's
    2026-10 (kept in the warehouse), so the row is far in the past."""
    con = _load(tmp_path, "two", [["2026-10-01", "NEW", "1"]])
    inbox = tmp_path / "two" / "inbox"
    write_csv(inbox / "业务量_旧.csv", [HEADER, ["2016-09-01", "NEW", "1"]])
    load_inbox(con, inbox, work_root=tmp_path / "two" / "work")
    (reason,) = con.execute(
        "select reason from rejected_rows where file = '业务量_旧.csv'"
    ).fetchone()
    assert reason.startswith("2016-09-01 is more than 10 years") and "2026-10" in reason


def test_the_span_is_a_setting(tmp_path):
    rows = [["2026-10-01", "NEW", "1"], ["2016-09-30", "NEW", "1"], ["1996-09-30", "NEW", "1"]]
    con = _load(tmp_path, "thirty", rows, limits=ReadLimits(past_years=30))
    # 30 years before 2026-10 is 1996-10-01: 2016-09-30 is kept, 1996-09-30 is not
    assert _rejected(con) == [
        (4, "date", "1996-09-30 is more than 30 years (ReadLimits.past_years) before the data "
                    "month 2026-10: a mistyped year?")
    ]  # fmt: skip
