"""Write small ledger files for tests, as a user would: xlsx via openpyxl, csv in a chosen encoding."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
from openpyxl import Workbook


def write_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[object]]],
) -> Path:
    """One workbook, each sheet given as its rows (title rows, header, data) exactly as written."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from first to last, both included."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# File times fixed in the past: timeliness findings do not depend on when the tests ran, and the
# inbox sensor's settle time has passed.
FILE_TIME = 1_750_000_000


def write_departments(folder: Path, *rows: tuple[str, str, str]) -> Path:
    """科室字典.csv: code, Chinese name, kind (内科系统, 外科系统, …)."""
    return write_csv(folder / "科室字典.csv", [["科室编码", "科室名称", "科室类型"], *rows])


def write_one_ward(folder: Path, dates: list[dt.date]) -> Path:
    """A (心内科) alone: 1 discharge a day, 10 open beds, census 8 (occupancy 0.8) on each date."""
    write_departments(folder, ("A", "心内科", "内科系统"))
    write_csv(
        folder / "业务量.csv",
        [["日期", "科室", "出院人数", "实际开放床位", "期末在院人数"]]
        + [[day.isoformat(), "A", 1, 10, 8] for day in dates],
    )
    return folder


def computed_warehouse(root: Path, write_inbox) -> duckdb.DuckDBPyConnection:
    """A warehouse file under `root` holding the inbox `write_inbox(root / "inbox")` writes,
    every row accepted, every month with data computed; the caller closes it."""
    from ledgers.loader import load_inbox
    from metrics.compute import compute_months, months_with_data

    write_inbox(root / "inbox")
    con = duckdb.connect(str(root / "w.duckdb"))
    report = load_inbox(con, root / "inbox")
    assert report.rows_rejected == 0, report.problems
    compute_months(con, months_with_data(con))
    return con
