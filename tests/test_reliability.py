"""Crashes and repeats: a run killed with SIGKILL leaves a warehouse the next run completes from, with
the same results as an undisturbed run; the same inbox gives byte-identical exports."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ledger_files import days, write_csv

EXPORTS = ("metrics.csv", "data_quality.csv", "rejected_rows.csv")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    import datetime as dt

    folder = tmp_path_factory.mktemp("inbox")
    write_csv(
        folder / "科室字典.csv",
        [
            ["科室编码", "科室名称", "科室类型"],
            ["A", "心内科", "内科系统"],
            ["B", "骨科", "外科系统"],
        ],
    )
    rows = [["日期", "科室", "入院人数", "出院人数", "实际开放床位", "期末在院人数"]]
    for dept, beds in (("A", 10), ("B", 20)):
        census = beds - 2
        for day in days(dt.date(2025, 1, 1), dt.date(2025, 6, 30)):
            rows.append([day.isoformat(), dept, 2, 2, beds, census])
    rows.append(["2025-07-01", "A", "two", 1, 10, 8])  # one rejected row
    write_csv(folder / "业务量.csv", rows)
    stamp = 1_750_000_000  # fixed file times: timeliness findings do not depend on when we ran
    for path in folder.iterdir():
        os.utime(path, (stamp, stamp))
    return folder


def deptops(inbox: Path, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def run_to_end(inbox: Path, home: Path) -> str:
    process = deptops(inbox, home)
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def undisturbed(inbox, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("undisturbed")
    run_to_end(inbox, home)
    return home / "reports"


def test_same_inbox_gives_byte_identical_exports(inbox, undisturbed, tmp_path):
    run_to_end(inbox, tmp_path / "again")
    for name in EXPORTS:
        assert (tmp_path / "again" / "reports" / name).read_bytes() == (
            undisturbed / name
        ).read_bytes()
    assert b"two" in (undisturbed / "rejected_rows.csv").read_bytes()


@pytest.mark.parametrize("when", ["loading ledgers", "computing indicators"])
def test_killed_run_then_next_run_completes_with_same_results(inbox, undisturbed, tmp_path, when):
    home = tmp_path / "home"
    process = deptops(inbox, home)
    for line in process.stdout:
        if line.startswith(when):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=600)
    assert process.returncode == -signal.SIGKILL
    output = run_to_end(inbox, home)
    assert "deptops run summary" in output
    for name in EXPORTS:
        assert (home / "reports" / name).read_bytes() == (undisturbed / name).read_bytes(), name
    shutil.rmtree(home)
