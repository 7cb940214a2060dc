"""Workbooks and CSV files as an assistant saves them, and when."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook

from ledgers import clock
from metrics.periods import last_within, shift, year_and_number
from synthetic_hospital.spelling import headers
from synthetic_hospital.timeline import SAVED_DAYS_AFTER_MONTH, month_start


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list]


def save_xlsx(path: Path, sheets: Iterable[Sheet]) -> Path:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for row in sheet.rows:
            worksheet.append(row)
    workbook.save(path)
    return path


def save_ledger_sheet(
    path: Path, sheet: str, kind: str, columns: Sequence[str], rows: Iterable[Sequence], **spelled
) -> Path:
    """A workbook of one sheet: the contract's headers for `columns` (spelled as `headers` is
    told: lang, alias, unit), then the rows."""
    header = headers(kind, columns, **spelled)
    return save_xlsx(path, [Sheet(sheet, [header, *(list(row) for row in rows)])])


def save_csv(path: Path, rows: Iterable[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(["" if v is None else v for v in row] for row in rows)
    return path


def by_year(frame: pd.DataFrame, month_column: str = "month") -> Iterable[tuple[int, pd.DataFrame]]:
    # each distinct month's year, from the period module (a year's rows share few months)
    months = frame[month_column]
    years = months.map({m: year_and_number("month", m)[0] for m in months.unique()})
    for year, part in frame.groupby(years, sort=True):
        yield int(year), part


def stamp_saved(path: Path, last_month: str) -> None:
    """Give a file the modification time of when an assistant would have saved it: at 17:30 on
    the 3rd after the last month it holds (a year's file: its December, or `last_month` in the
    demo's last year), never after now. Without it every file says "saved today", and the
    timeliness check would call every ledger of the last month late."""
    year = re.search(r"(20\d\d)", path.name)
    month = last_month
    if year and int(year.group(1)) < year_and_number("month", last_month)[0]:
        month = last_within("month", "year", year.group(1))
    next_month = month_start(shift("month", month, 1))
    saved = datetime.combine(
        next_month + timedelta(days=SAVED_DAYS_AFTER_MONTH - 1),
        time(17, 30),
        tzinfo=ZoneInfo(clock.configured_timezone()),  # the hospital's wall clock
    )
    stamp = min(saved, clock.now()).timestamp()
    os.utime(path, (stamp, stamp))
