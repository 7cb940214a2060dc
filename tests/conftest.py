"""Inboxes that several test modules share (fixtures), built once (session scope) where the tests
only read them; tests/ledger_files.py holds the builders they use. A module that needs a variant
copies the folder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.ledger_files import FILE_TIME, days, write_csv, write_departments, write_one_ward


@pytest.fixture
def october_ward(tmp_path) -> Path:
    """write_one_ward for October 2026: 31 days × 10 open beds, 8 occupied -> occupancy
    248 / 310 = 0.8."""
    return write_one_ward(tmp_path / "inbox", days(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))


@pytest.fixture(scope="session")
def two_ward_inbox(tmp_path_factory) -> Path:
    """A (心内科, 10 open beds, census 8) and B (骨科, 20 open beds, census 18): 2 admissions and
    2 discharges a day from 2025-01-01 to 2025-06-30, and one rejected row (admissions 'two' on
    2025-07-01). Shared by the whole-run tests: copy it before changing anything."""
    folder = tmp_path_factory.mktemp("two_ward_inbox")
    write_departments(folder, ("A", "心内科", "内科系统"), ("B", "骨科", "外科系统"))
    rows = [["日期", "科室", "入院人数", "出院人数", "实际开放床位", "期末在院人数"]]
    for dept, beds in (("A", 10), ("B", 20)):
        census = beds - 2
        for day in days(dt.date(2025, 1, 1), dt.date(2025, 6, 30)):
            rows.append([day.isoformat(), dept, 2, 2, beds, census])
    rows.append(["2025-07-01", "A", "two", 1, 10, 8])  # one rejected row
    write_csv(folder / "业务量.csv", rows)
    for path in folder.iterdir():
        os.utime(path, (FILE_TIME, FILE_TIME))
    return folder
