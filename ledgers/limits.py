"""How much of one ledger file the pipeline is prepared to read, and how far back a row may be dated.

Every limit is checked before the parser commits memory to the file, so that one file (a zip bomb,
a workbook with one cell at XFD1048576, a 2 GiB file of NUL bytes) costs that file, not the run.
The defaults fit the largest real ledgers we have seen (a sheet of a million discharged episodes)
with room; `Settings.limits` carries them, and SECURITY.md lists what happens at each.
"""

from __future__ import annotations

import contextvars
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from openpyxl.utils.cell import column_index_from_string, get_column_letter

MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    # A file larger than this is refused without being read (its size from the directory).
    max_file_bytes: int = 1024 * MIB
    # A workbook whose parts inflate beyond this (sizes from the zip's directory) is refused.
    max_workbook_bytes: int = 1024 * MIB
    # … and so is one that inflates more than this many times its size (a zip bomb), once its
    # parts exceed 16 MiB; Excel's own workbooks inflate 5 to 20 times.
    max_compression_ratio: int = 200
    # Cells of one sheet's used area (rows counted in the sheet, times its widest column): the
    # reader materialises that rectangle, so a single cell at XFD1048576 would ask for 17 billion.
    max_sheet_cells: int = 50_000_000
    # Rows of one sheet, CSV or Parquet file (Excel's own sheets stop at 1,048,576), counted
    # before they are parsed: a Parquet file's from its metadata (10 MB of Parquet can declare a
    # billion rows of one repeated value), a CSV's as its records are read, a sheet's in its XML.
    max_rows: int = 2_000_000
    # Longest CSV cell (Excel's own limit is 32,767 characters) and line.
    max_cell_chars: int = 32_767
    max_line_chars: int = 1 * MIB
    # Rows dated more than this many years before the hospital's data (the department's start,
    # else the data month: rules.FarPast) are a mistyped year (1900-03 for 2024-03).
    past_years: int = 10
    # Workbooks are read by the native reader in a child process (a crash there costs the file),
    # stopped after this many seconds.
    isolate_workbooks: bool = True
    max_workbook_seconds: float = 600
    # … with its address space capped (RLIMIT_AS): an allocation beyond it ends the child's
    # reading, not the run. A sheet of a million rows × 4 columns (11 MB) reads within 768 MiB;
    # bench/hostile.py measures what a 10 MB file costs (BENCHMARKS.md).
    max_reader_bytes: int = 1024 * MIB
    # Sheets up to this size (inflated) have their used area counted before they are read, for a
    # message naming the far cell; a bigger sheet is left to the capped child (counting costs
    # about 1 s per 15 MiB).
    area_scan_bytes: int = 32 * MIB
    # Distinct cells of a big workbook's sheet that its columns cannot take as written (a date
    # in a count column, a day number with a time of day in a date column): each is parsed on its
    # own in Python (workbook_csv.OddCells). Beyond this the sheet is refused with the first one
    # named: 830,000 of them cost 450 s and 1.7 GiB, and every such row is rejected anyway.
    max_odd_cells: int = 50_000


_CURRENT: contextvars.ContextVar[ReadLimits] = contextvars.ContextVar(
    "read_limits",
    default=ReadLimits(),  # noqa: B039 -- frozen
)


def current() -> ReadLimits:
    """The limits of the load in progress (the defaults outside one)."""
    return _CURRENT.get()


@contextmanager
def using(limits: ReadLimits) -> Iterator[ReadLimits]:
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


class LimitExceeded(Exception):
    """A file beyond one of the limits; the message names the limit and what to do."""


def mib(size: int) -> str:
    return f"{size / MIB:,.0f} MiB" if size >= MIB else f"{size:,} bytes"


def check_file_size(size: int, limits: ReadLimits) -> None:
    if size > limits.max_file_bytes:
        raise LimitExceeded(
            f"the file is {mib(size)}, more than the {mib(limits.max_file_bytes)} a ledger file "
            "may have (ReadLimits.max_file_bytes): split it, or raise the limit"
        )


def check_rows(rows: int, where: str, limits: ReadLimits, counted: bool = True) -> None:
    """Refuse a sheet or file of more rows than `max_rows`; `where` names it ("the file"), and
    `counted` says whether `rows` is all of them (or where reading stopped)."""
    if rows > limits.max_rows:
        many = f"{rows:,} rows, more than the" if counted else "more than the"
        raise LimitExceeded(
            f"{where} has {many} {limits.max_rows:,} rows allowed (ReadLimits.max_rows, "
            "DEPTOPS_MAX_ROWS): split it by month, or raise the limit"
        )


def check_workbook_archive(archive: zipfile.ZipFile, size: int, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts would inflate too far, from the zip's directory alone."""
    inflated = sum(info.file_size for info in archive.infolist())
    if inflated > limits.max_workbook_bytes:
        raise LimitExceeded(
            f"the workbook inflates to {mib(inflated)}, more than the "
            f"{mib(limits.max_workbook_bytes)} allowed (ReadLimits.max_workbook_bytes): "
            "split it, or save it as CSV"
        )
    if inflated > 16 * MIB and inflated > limits.max_compression_ratio * max(size, 1):
        raise LimitExceeded(
            f"the workbook inflates {inflated // max(size, 1):,} times (to {mib(inflated)}): "
            "no spreadsheet compresses that well, it is built to exhaust memory (a zip bomb)"
        )


_CHUNK = 16 * MIB


# The last column openpyxl spells (ZZZ); Excel's own is XFD (16,384).
LAST_SPELLED_COLUMN = 18278


def _corner(width: int, height: int) -> str:
    """The farthest cell of a sheet, 'cell XFD1048576'; a row wider than any column letters
    spell (cells without references, side by side) by its column's number."""
    if width <= LAST_SPELLED_COLUMN:
        return f"cell {get_column_letter(width)}{height}"
    return f"column {width:,} of row {height:,}"


def _largest(data: bytes, pattern: str, lengths: range) -> bytes | None:
    """The largest value matched by `pattern` (holding `{n}`, the value's length, in its one
    group) in data: longest first, so that only matches of the longest length are collected
    (a million rows numbered in 7 digits make 2 matches, not a million)."""
    for length in lengths:
        regex = re.compile(pattern.replace("{n}", f"{{{length}}}").encode())
        if regex.search(data):
            return max(regex.findall(data))
    return None


def _row_widths(data: bytes, current: int) -> tuple[int, int]:
    """(widest row, cells of the row still open at the end) for cells without references, which
    sit side by side: the row the previous chunk ended in goes on with `current` cells."""
    first, *others = data.split(b"<row")
    current += first.count(b"<c ") + first.count(b"<c>")
    widest = 0
    for piece in others:
        widest, current = max(widest, current), piece.count(b"<c ") + piece.count(b"<c>")
    return widest, current


def check_sheet_area(archive: zipfile.ZipFile, member: str, sheet: str, limits: ReadLimits) -> None:
    """Refuse a sheet whose used area (as the reader would materialise it) exceeds the limit.

    The area is counted from the sheet's own rows and cell references, streamed in chunks, never
    from the <dimension> it declares (which a writer may leave out or get wrong). A cell without
    a reference sits right of the one before it, so a row is at least as wide as its cells."""
    rows = last_row = last_column = cells = widest = current = 0
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            data = tail + chunk
            # Keep an unfinished tag for the next chunk, so that no match is cut in two.
            cut = data.rfind(b"<")
            data, tail = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
            rows += data.count(b"<row ") + data.count(b"<row>")
            in_chunk = data.count(b"<c ") + data.count(b"<c>")
            cells += in_chunk
            referenced = data.count(b'<c r="')
            if referenced:  # a cell's reference places it, whatever its row says
                if number := _largest(data, r'<c r="[A-Z]{1,3}(\d{n})"', range(7, 0, -1)):
                    last_row = max(last_row, int(number))
                if letters := _largest(data, r'<c r="([A-Z]{n})\d', range(3, 0, -1)):
                    last_column = max(last_column, column_index_from_string(letters.decode()))
            if in_chunk > referenced:  # cells without one sit in their row, after the last
                if b'<row r="' in data:
                    number = _largest(data, r'<row r="(\d{n})"', range(7, 0, -1))
                    last_row = max(last_row, int(number or 0))
                found, current = _row_widths(data, current)
                widest = max(widest, found)
    widest = max(widest, current)
    height = max(rows, last_row)
    width = max(last_column, widest)
    check_rows(height, f"sheet {sheet}", limits)
    if height * max(width, 1) > limits.max_sheet_cells or cells > limits.max_sheet_cells:
        corner = _corner(max(width, 1), height)
        raise LimitExceeded(
            f"sheet {sheet} reaches {corner} ({height:,} rows × {width:,} columns, more than "
            f"the {limits.max_sheet_cells:,} cells allowed, ReadLimits.max_sheet_cells): delete "
            "the rows and columns beyond the data (a stray cell far away makes the sheet that "
            "big), or split it"
        )
