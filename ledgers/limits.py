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
    # Longest CSV cell (Excel's own limit is 32,767 characters) and line.
    max_cell_chars: int = 32_767
    max_line_chars: int = 1 * MIB
    # Rows dated more than this many years before today are a mistyped year (1900-03 for 2024-03).
    past_years: int = 10


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


_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b")
_CHUNK = 4 * MIB


def column_letters(index: int) -> str:
    """1 -> A, 16384 -> XFD."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _letters_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index


def check_sheet_area(archive: zipfile.ZipFile, member: str, sheet: str, limits: ReadLimits) -> None:
    """Refuse a sheet whose used area (as the reader would materialise it) exceeds the limit.

    The area is counted from the sheet's own rows and cell references, streamed in chunks, never
    from the <dimension> it declares (which a writer may leave out or get wrong)."""
    rows = last_row = last_column = cells = 0
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            data = tail + chunk
            # Keep an unfinished tag for the next chunk, so that no match is cut in two.
            cut = data.rfind(b"<")
            data, tail = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
            for attributes in _ROW.findall(data):
                rows += 1
                if number := _ROW_NUMBER.search(attributes):
                    last_row = max(last_row, int(number.group(1)))
            for letters, number in _CELL_REF.findall(data):
                last_column = max(last_column, _letters_index(letters))
                last_row = max(last_row, int(number))
            cells += len(_CELL.findall(data))
    height = max(rows, last_row)
    # Cells without references sit side by side from column A: at most `cells` wide in all.
    width = last_column or min(cells, 16_384)
    if height * max(width, 1) > limits.max_sheet_cells or cells > limits.max_sheet_cells:
        corner = f"{column_letters(max(width, 1))}{height}"
        raise LimitExceeded(
            f"sheet {sheet} reaches cell {corner} ({height:,} rows × {width:,} columns, more than "
            f"the {limits.max_sheet_cells:,} cells allowed, ReadLimits.max_sheet_cells): delete "
            "the rows and columns beyond the data (a stray cell far away makes the sheet that "
            "big), or split it"
        )
