"""The set-based reading path for big, plain exports: CSV (UTF-8, header in row 1), Parquet, and
workbooks (each sheet streamed to a CSV by the reader's child, `ledgers.workbook_csv`).

An HIS export of millions of discharged episodes is too big to parse cell by cell in Python. Here
DuckDB reads the file (`read_csv` all_varchar / `read_parquet`) into a temporary table of the
warehouse connection, and the rows are parsed and checked with set-based SQL. The rules stay in
one place, `ledgers.values` / `ledgers.reader` (the general path), because the SQL decides
nothing on its own that the Python rules would decide differently:

- a cell in the canonical spelling of its type (text of plain characters, `123`, `-1.5`,
  `1234.56`, `2026-10-01`, `2026-10`) that passes its column's bounds (generated from the
  specs) is converted by a cast that gives the value Python's parser gives;
- every other cell (blank, an alias, an enumeration, a yes/no, `2026/10/1`, `1,234`, a value out of
  bounds, a unit-scaled amount, a department) is looked up by its distinct spelling in the file,
  joined back: an allowed value (or an alias of one) and a yes/no spelt as the specs allow are
  converted by their rule's SQL (`rules.spelling_sql`, built from specs.toml), every other
  spelling is parsed by `values.parse_cell` itself;
- a row with a cell error, or failing a cross-column rule (≥ / ≤ another column, required when),
  is handed whole to `reader.parse_row`, the general path's own row parser, which gives the
  rejection its file, row, column and reason word for word;
- blank rows, totals rows and merged department cells follow the general path's rules, with the
  totals markers decided by its own `_is_totals` on the distinct spellings.

A workbook from `BULK_MIN_WORKBOOK_BYTES` is recognised sheet by sheet in the reader's child (its
header may be below title rows there) and each ledger sheet's rows are written to a CSV of the
recognised columns, every cell spelled as text that parses exactly as the cell does; the sheet's
name and workbook row numbers (`BulkPlan.sheet`, `first_row`) go into the lineage and rejections.

A workbook cell without a text spelling (a date in a count column, TRUE in a date column, a
formula without a saved value) is written to the CSV as a token standing for the cell
(`workbook_csv.OddCells`): the token is one more distinct spelling of its column, parsed,
worded and shown from the cell itself (`workbook_csv.original`), and a row the general path's
row parser words gets its cells back the same way; the rest of the sheet stays in DuckDB.

A CSV's empty lines (which DuckDB skips) are read as rows of empty cells, blank rows as the
general path reads them, and line breaks inside quoted cells are counted so that rows keep
csv.reader's numbers. A file that does not fit (GB18030, a CSV header below row 1, empty lines
and quoted line breaks both, ragged rows, a reader error) goes the general path.
`tests/test_fast_load.py` loads the same content both ways.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ledgers import clock, intake, limits, reader_child, rules, workbook_csv
from ledgers.reader import (
    FileError,
    HeaderMatch,
    SheetRead,
    _is_totals,
    check_file,
    check_parquet_rows,
    check_workbook,
    looks_like_identifier,
    parse_row,
    recognise,
    refuse_identifier_value,
    refuse_identifiers,
    row_rejection,
)
from ledgers.specs import Column, ledgers, reading_rules
from ledgers.values import CellError, as_text, is_blank, parse_cell
from metrics.periods import month_key

# Smaller CSV files are read cell by cell: below this size the general path is as fast.
BULK_MIN_BYTES = 1 << 20
# A workbook's bytes are compressed (a tenth or less of its text): from 256 KiB (ten thousand
# rows or more) the child's CSV and DuckDB beat handing the grid over and parsing it by cell.
BULK_MIN_WORKBOOK_BYTES = 256 << 10
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
HEAD_BYTES = 1 << 16
# Every character Python's str.strip() removes: a cell of only these is blank.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_WHITESPACE_CODES = ", ".join(str(ord(c)) for c in WHITESPACE)
# Canonical spellings the SQL converts itself (RE2, whole-cell match). Plain text is printable
# ASCII and CJK unified ideographs, which NFKC leaves as they are.
CANONICAL = {
    "text": r"[\x20-\x7E\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}]+",
    "int": r"[0-9]{1,15}",
    "number": r"-?[0-9]{1,15}(\.[0-9]{1,15})?",
    "amount": r"-?[0-9]{1,12}(\.[0-9]{1,2})?",
    "date": r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}",
    "month": r"[12][0-9]{3}-(0[1-9]|1[0-2])",
}
CAST = {
    # trim(), which copies every cell, only for a cell with a space at either end
    "text": "case when unicode({r}) = 32 or suffix({r}, ' ') then trim({r}) else {r} end",
    "int": "try_cast({r} as bigint)",
    "number": "try_cast({r} as double)",
    "amount": "try_cast({r} as decimal(18, 2))",
    "date": "try_cast({r} as date)",
    "month": "try_cast({r} || '-01' as date)",
}
_counter = itertools.count()
# the line break before an empty line (the next line break, b"\n" or b"\r\n", right after it);
# a lookbehind for the place after it cost 13 times as much to search the city's 400 MB of CSV
_EMPTY_LINE = re.compile(rb"\n(?=\r?\n)")
_LF, _CR = ord("\n"), ord("\r")


@dataclass
class BulkPlan:
    """A file the set-based path can read: its kind and header, recognised by the general rules.
    A workbook's sheet is read from the CSV its rows were streamed to (`ledgers.workbook_csv`):
    `sheet` names it, `first_row` is the workbook row of the CSV's first data row and `rows` the
    number of data rows written; `odd` the cells its tokens stand for (`workbook_csv.OddCells`)."""

    path: Path
    name: str
    match: HeaderMatch
    headers: list[str]
    sheet: str = ""
    first_row: int = 2
    rows: int | None = None
    odd: dict[str, object] = field(default_factory=dict)
    types: tuple[str, ...] = ()  # a Parquet file's column types
    lines: int = 0  # a CSV's lines, and whether it has empty lines (`_measure`)
    patched: bool = False
    measured: bool = False  # lines and patched known (`Lines`: from the file's snapshot)

    @property
    def layout(self) -> tuple:
        """Files of one layout (kind, header, column types, how the header was recognised)
        are read together (`read_planned`)."""
        match = self.match
        columns = tuple((i, c.name, f) for i, (c, f) in sorted(match.columns.items()))
        return (
            # a workbook's sheet with cells standing for others is read on its own (`_parse`
            # parses the tokens of one sheet)
            id(self) if self.odd else None,
            self.path.suffix.lower(),
            match.kind,
            tuple(self.headers),
            self.types,
            columns,
            tuple(sorted(match.header_text.items())),
            tuple(match.extra),
        )


@dataclass(eq=False)
class Batch:
    """The temporary tables of files read together, each row tagged with its file (`fid`):
    `parsed` (fid, rn, the ledger's columns) the rows that passed, `rejected` (fid, rn, column,
    reason, values) the rows worded in SQL. Each file's sheet sees its own rows through views
    (`BatchPart`); the tables go with the last of the sheets (`drop`)."""

    tables: list[str] = field(default_factory=list)
    parsed: str = ""
    rejected: str = ""
    users: set[int] = field(default_factory=set)
    # A batch whose rows all looked right when read (`_defer`): `parsed` is then a view that
    # computes the parse, written once, by the staging insert; `settle` makes the parsed table and
    # the rejections as a read does when a row breaks a rule.
    views: list[str] = field(default_factory=list)
    settle: Callable[[], None] | None = None
    failing: str = "false"  # SQL true for a stored row that breaks a rule between its cells
    probe: str = ""  # its files' departments and days (`_defer`)
    probe_columns: str = ""
    # rows by file and day of the period column (fid, date or None): its days (`days_read`)
    day_rows: dict[tuple, int] = field(default_factory=dict)
    reject: Callable[[str, str], str] | None = None  # `_reject` of a relation of its rows


@dataclass(eq=False)
class BatchPart:
    """One file of a batch: its number in the batch's tables and its views."""

    batch: Batch
    fid: int
    views: list[str] = field(default_factory=list)


def read_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, min_bytes: int | None = BULK_MIN_BYTES
) -> list[SheetRead] | None:
    """The file's sheets read set-based, or None when the general path should read it."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _read_workbook(con, path, name, min_bytes)
    planned = plan(path, name, min_bytes, con)
    sheet = read(con, planned) if planned else None
    return [sheet] if sheet else None


def read_planned(
    con: duckdb.DuckDBPyConnection, plans: list[BulkPlan]
) -> list[SheetRead | Exception | None]:
    """Planned files read set-based, those of one layout together (one DuckDB read of all
    their paths, then one parse and one rejection pass): for each plan its sheet, the error
    refusing it (FileError) or stopping its read, or None when the general path should read it. A file that does not fit costs
    itself only: the others are read without it."""
    groups: dict[tuple, list[int]] = {}
    for number, planned in enumerate(plans):
        groups.setdefault(planned.layout, []).append(number)
    found: list[SheetRead | Exception | None] = [None] * len(plans)
    for numbers in groups.values():
        for number, outcome in zip(
            numbers, read_together(con, [plans[n] for n in numbers]), strict=True
        ):
            found[number] = outcome
    return found


def _read_workbook(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, min_bytes: int | None
) -> list[SheetRead] | None:
    """A big workbook: its sheets streamed to CSV files by the reader's child, then each read as
    a big CSV is; the sheets in the workbook's order, skipped ones with the general path's reason.
    A patient identifier refuses the file (FileError), naming the first sheet holding one."""
    streamed = stream_workbook(path, name, min_bytes)
    if streamed is None:
        return None
    (outcome,) = read_streamed(con, [streamed])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@dataclass
class StreamedWorkbook:
    """A big workbook's sheets as the reader's child streamed them to CSV files in `folder`
    (`workbook_csv.StreamedSheet`), to be read by `read_streamed`."""

    name: str
    folder: Path
    parts: list


def stream_workbook(path: Path, name: str, min_bytes: int | None) -> StreamedWorkbook | None:
    """The half of a big workbook's read that needs no connection (the loader runs it in a
    thread while the connection reads the plain files): the file's checks, then its sheets
    streamed to CSV files by the reader's child. None: the general path reads it (a workbook
    below `BULK_MIN_WORKBOOK_BYTES`, or one with a cell the CSV cannot carry)."""
    if min_bytes is None or path.stat().st_size < min(min_bytes, BULK_MIN_WORKBOOK_BYTES):
        return None
    check_file(path)
    check_workbook(path)
    bounds = limits.current()
    folder = Path(tempfile.mkdtemp(prefix="sheets-", dir=path.parent))
    try:
        if bounds.isolate_workbooks:
            parts = reader_child.stream_apart(path, name, folder, bounds)
        else:
            parts = workbook_csv.stream_workbook(path, name, folder)
    except reader_child.ReaderStopped as stopped:
        shutil.rmtree(folder, ignore_errors=True)
        raise FileError(reader_child.stopped_message(str(stopped))) from None
    except workbook_csv.NotPlain:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return StreamedWorkbook(name, folder, parts)


def read_streamed(
    con: duckdb.DuckDBPyConnection, workbooks: list[StreamedWorkbook]
) -> list[list[SheetRead] | Exception | None]:
    """The streamed workbooks' sheets read set-based, the sheets of one layout together (the
    finance ledger's workbook of each year): for each workbook its sheets in its order (skipped
    ones with the general path's reason), the error refusing it, or None when the general path
    should read it. As when its sheets are read one by one, the first sheet not read decides:
    a patient identifier refuses the file naming that sheet; a sheet that does not fit sends
    the workbook to the general path. The CSV files go once read."""
    plans: list[BulkPlan] = []
    items: list[list[SheetRead | FileError | int]] = []  # an int: the sheet's plan
    for book in workbooks:
        mine: list[SheetRead | FileError | int] = []
        for part in book.parts:
            if part.skipped is not None:
                mine.append(SheetRead(book.name, part.sheet, skipped=part.skipped))
                continue
            try:
                refuse_identifiers(part.match, part.sheet)
            except FileError as error:
                mine.append(error)
                continue
            headers = [part.match.header_text[c.name] for c, _ in part.match.columns.values()]
            mine.append(len(plans))
            plans.append(
                BulkPlan(
                    Path(part.csv),
                    book.name,
                    part.match,
                    [*headers, "(other cells)"],
                    part.sheet,
                    part.first_row,
                    part.rows,
                    part.odd,
                )
            )
        items.append(mine)
    try:
        outcomes = read_planned(con, plans) if plans else []
    finally:
        for book in workbooks:
            shutil.rmtree(book.folder, ignore_errors=True)
    found: list[list[SheetRead] | Exception | None] = []
    for mine in items:
        sheets = [outcomes[i] if isinstance(i, int) else i for i in mine]
        first = next((s for s in sheets if not isinstance(s, SheetRead)), False)
        if first is False:
            found.append(sheets)
            continue
        for sheet in sheets:
            if isinstance(sheet, SheetRead):
                drop(con, sheet)
        found.append(first)
    return found


def plan(
    path: Path,
    name: str,
    min_bytes: int | None = BULK_MIN_BYTES,
    con: duckdb.DuckDBPyConnection | None = None,
) -> BulkPlan | None:
    """The plan for reading this file set-based, or None when the general path should read it.
    A Parquet file's metadata and columns are read through `con` when given (a connection of
    its own per file cost more than the rest of the plan: 60 files, 4 s of CPU)."""
    suffix = path.suffix.lower()
    if min_bytes is None or suffix not in (".csv", ".parquet"):
        return None
    size = path.stat().st_size
    if size == 0 or (suffix == ".csv" and size < min_bytes):
        return None
    types: tuple[str, ...] = ()
    if suffix == ".parquet":
        check_parquet_rows(path, con)  # from the metadata, before a row is read
        try:
            if con is not None:
                relation = con.sql("select * from read_parquet(?)", params=[str(path)])
                headers, types = relation.columns, tuple(str(t) for t in relation.types)
            else:
                with duckdb.connect() as own:
                    relation = own.sql("select * from read_parquet(?)", params=[str(path)])
                    headers, types = relation.columns, tuple(str(t) for t in relation.types)
        except duckdb.Error:
            return None
        grid: list[list[object]] = [list(headers)]
    else:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        if len(head) == HEAD_BYTES:
            head = head[: head.rfind(b"\n") + 1]  # whole lines only
        if b"\x00" in head:
            return None  # binary: the general path refuses it with the reason
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None  # GB18030 (or cut inside a character): the general path decodes it
        grid = [list(row) for row in csv.reader(io.StringIO(text, newline=""))][:10]
        if not grid or "\n" in "".join(grid[0]) or "\r" in "".join(grid[0]):
            return None
        headers = grid[0]
    match = recognise(name, grid)
    if isinstance(match, str) or match.row != 0:
        return None
    refuse_identifiers(match, "")
    return BulkPlan(path, name, match, [str(h) for h in headers], types=types)


def read(con: duckdb.DuckDBPyConnection, bulk: BulkPlan) -> SheetRead | None:
    """Read, parse and check one file into temporary tables of `con`; None when the file turns
    out not to fit (then nothing is left behind and the general path reads it)."""
    (outcome,) = read_together(con, [bulk])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def read_together(
    con: duckdb.DuckDBPyConnection, plans: list[BulkPlan]
) -> list[SheetRead | Exception | None]:
    """Files of one layout (`BulkPlan.layout`) read, parsed and checked together into shared
    temporary tables of `con`: for each its sheet, the error refusing it (FileError: an
    identifier value) or stopping its read, or None when it does not fit (the general path
    reads it). A CSV with empty lines is read on its own (its copy is patched); if the files
    cannot be read together, each is read on its own, so that one odd file costs itself only."""
    found: list[SheetRead | Exception | None] = [None] * len(plans)
    for planned in plans:
        _measure(planned)
    # the general path counts the records (not lines) and refuses a file of too many
    read = [n for n, p in enumerate(plans) if p.lines <= limits.current().max_rows]
    alone = [n for n in read if len(read) > 1 and plans[n].patched]
    together = [n for n in read if n not in alone]
    if len(together) > 1:
        try:
            outcomes = _read_group(con, [plans[n] for n in together])
        except Exception:  # noqa: BLE001 -- each file is then read on its own
            outcomes = None
        if outcomes is None:
            alone += together
        else:
            for number, outcome in zip(together, outcomes, strict=True):
                found[number] = outcome
    else:
        alone += together
    for number in sorted(alone):
        try:
            outcome = _read_group(con, [plans[number]])
            found[number] = outcome[0] if outcome is not None else None
        except Exception as error:  # noqa: BLE001 -- it costs this file, not the others
            found[number] = error
    return found


def _read_group(
    con: duckdb.DuckDBPyConnection, plans: list[BulkPlan]
) -> list[SheetRead | FileError | None] | None:
    """`read_together` of files DuckDB reads in one scan; None when DuckDB fails on the scan or
    the parse (then nothing is left behind)."""
    tag = f"bulk_{next(_counter)}"
    raw, files = f"{tag}_raw", f"{tag}_files"
    batch = Batch([raw, files])
    try:
        fits = _read_raw(con, plans, raw, files)
        found: list[SheetRead | FileError | None] = [None] * len(plans)
        spellings = Spellings(con, raw, len(plans[0].headers))
        batch.tables.extend(f"{raw}_{c}" for c in sorted(spellings.few))
        refused = _refuse_identifier_values(con, raw, files, plans, fits, spellings)
        for fid, error in refused.items():
            found[fid] = error
        kept = {fid: p for fid, p in enumerate(plans) if fits[fid] and fid not in refused}
        if len(kept) < len(plans):
            gone = f"delete from {raw} where not list_contains($kept, fid)"  # noqa: S608
            con.execute(gone, {"kept": list(kept)})
            spellings.drop()  # made again from the rows kept
        if kept:
            sheets = _parse(con, kept, tag, raw, files, batch, spellings)
            for fid, sheet in sheets.items():
                found[fid] = sheet
        spellings.drop()
        if not batch.users:
            _drop_batch(con, batch)
        return found
    except duckdb.Error:
        _drop_batch(con, batch)  # whatever DuckDB could not do, the general path does
        return None
    except BaseException:
        _drop_batch(con, batch)
        raise


def drop(con: duckdb.DuckDBPyConnection, sheet: SheetRead) -> None:
    """Drop the temporary tables a set-based read left in the connection (a batch's shared
    tables with the last of its files)."""
    for table in sheet.temp_tables:
        con.execute(f"drop table if exists {table}")
    sheet.temp_tables.clear()
    part = sheet.batch
    if isinstance(part, BatchPart):
        for view in part.views:
            con.execute(f"drop view if exists {view}")
        part.views.clear()
        part.batch.users.discard(part.fid)
        if not part.batch.users:
            _drop_batch(con, part.batch)


def _drop_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    for view in batch.views:
        con.execute(f"drop view if exists {view}")
    batch.views.clear()
    batch.settle = None
    for table in batch.tables:
        con.execute(f"drop table if exists {table}")
    batch.tables.clear()
    batch.users.clear()


class Spellings:
    """The distinct cells of the raw table's columns that hold few of them (judged by the
    statistics DuckDB keeps with the table: `_column_stats`), each kept in a small table named
    after its column, made when first asked for: the tests that are not a cast (canonical
    spellings, identifier values) then run once per distinct cell, not per cell (the dates,
    departments, payers and DRG groups of millions of episodes hold a few thousand spellings).
    A column of many spellings (an episode number, an amount) is tested per cell: its distinct
    values cost as much. Either way the same cells are found: only the cost differs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw: str, width: int) -> None:
        self.con, self.raw = con, raw
        cells = [f"c{i}" for i in range(width)]
        self.stats = dict(zip(cells, _column_stats(con, raw, width), strict=True))
        (rows,) = con.execute(f"select count(*) from {raw}").fetchone()  # noqa: S608
        # few: at most one spelling in twenty cells, of a table of some size, by DuckDB's
        # estimate of the column's distinct cells (`approx_unique`, kept as the table is
        # stored); counting them in a sample of 16,384 rows cost 0.11 s for the city's 7 reads
        self.few = {
            c
            for c, found in self.stats.items()
            if rows >= 1000 and isinstance(n := found.get("approx_unique"), int) and n * 20 <= rows
        }
        self.tables: dict[str, str] = {}

    def of(self, cell: str) -> str:
        """The relation to find `cell`'s distinct spellings in: its small table when the column
        has few, else the raw table itself."""
        if cell not in self.few:
            return self.raw
        if cell not in self.tables:
            table = self.tables[cell] = f"{self.raw}_{cell}"
            self.con.execute(f"create temp table {table} as select distinct {cell} from {self.raw}")  # noqa: S608
        return self.tables[cell]

    def drop(self) -> None:
        """Drop the small tables (after rows were taken out of the raw table, or at the end)."""
        for table in self.tables.values():
            self.con.execute(f"drop table if exists {table}")
        self.tables.clear()


def _measure(bulk: BulkPlan) -> None:
    """A CSV's lines and whether it has empty lines (`Lines`), unless its snapshot measured
    them as it copied the file (`measured`)."""
    if bulk.measured or bulk.rows is not None or bulk.path.suffix.lower() != ".csv":
        return
    lines = Lines()
    intake.feed_blocks(bulk.path, lines.feed)
    lines.measure(bulk)


class Lines:
    """A CSV's lines (csv.reader's records and the line breaks inside its quoted cells; the
    trailing line breaks aside) and whether it has empty lines (read from a patched copy),
    from its bytes shown block by block (`feed`: an `intake.Watcher`, so that the snapshot
    measures them in the pass that copies and hashes the file instead of reading it again).

    The values are those of the whole bytes at once: with `body = data.rstrip(b"\r\n")`, the
    lines are `body.count(b"\n") + 1` and the file has empty lines when `_EMPTY_LINE` is found
    in the body. A match is line breaks only and the body ends with another byte (or is
    empty), so the first match in the whole bytes is in the body exactly when it ends within
    it; a match across two blocks starts in the last two bytes of the first (`tail`). Within
    a block the line breaks are found by numpy, which holds no lock while it scans (snapshots
    are taken by several threads): a match of `_EMPTY_LINE` is a b"\n" whose next b"\n" is
    the byte after it, or the one after a b"\r" after it."""

    def __init__(self) -> None:
        self.size = 0  # bytes seen
        self.breaks = 0  # b"\n" seen
        self.empty_end: int | None = None  # where the first match of _EMPTY_LINE ends
        self.tail = b""  # the last two bytes seen
        self.trailing = 0  # the length of the trailing run of b"\r" and b"\n" …
        self.trailing_breaks = 0  # … and the b"\n" in it

    def feed(self, data: bytes | bytearray, size: int) -> None:
        """The next `size` bytes of the file: `data[:size]` (read in place, not copied)."""
        if not size:
            return
        block = np.frombuffer(data, np.uint8, size)
        at = np.flatnonzero(block == _LF)  # where the line breaks are
        breaks = len(at)
        if self.empty_end is None:
            self._search(data, size, block, at)
        run = _trailing_run(data, size)
        if len(run) == size:  # line breaks only: the trailing run goes on
            self.trailing += size
            self.trailing_breaks += breaks
        else:
            self.trailing = len(run)
            self.trailing_breaks = run.count(b"\n")
        self.breaks += breaks
        self.tail = (self.tail + bytes(data[max(0, size - 2) : size]))[-2:]
        self.size += size

    def _search(
        self, data: bytes | bytearray, size: int, block: np.ndarray, at: np.ndarray
    ) -> None:
        joined = self.tail + bytes(data[: min(2, size)])
        found = _EMPTY_LINE.search(joined)
        if found is not None and found.start() < len(self.tail):  # across the two blocks
            after = 1 if joined[found.end()] == _LF else 2  # the lookahead: b"\n" or b"\r\n"
            self.empty_end = self.size - len(self.tail) + found.end() + after
            return
        gaps = np.diff(at)
        empty = (gaps == 1) | ((gaps == 2) & (block[at[:-1] + 1] == _CR))
        if empty.any():
            first = int(empty.argmax())
            self.empty_end = self.size + int(at[first]) + int(gaps[first]) + 1

    def measure(self, bulk: BulkPlan) -> None:
        """The plan's `lines` and `patched` from the bytes seen (then `measured`)."""
        bulk.lines = self.breaks - self.trailing_breaks + 1
        bulk.patched = self.empty_end is not None and self.empty_end <= self.size - self.trailing
        bulk.measured = True


def _trailing_run(data: bytes | bytearray, size: int) -> bytes:
    """The b"\r" and b"\n" that end `data[:size]` (its last 64 bytes looked at first)."""
    end = bytes(data[max(0, size - 64) : size])
    kept = end.rstrip(b"\r\n")
    if not kept and size > len(end):
        end = bytes(data[:size])
        kept = end.rstrip(b"\r\n")
    return end[len(kept) :]


def _read_raw(
    con: duckdb.DuckDBPyConnection, plans: list[BulkPlan], raw: str, files: str
) -> list[bool]:
    """raw: fid (the plan's number), c0 … cN, every cell as text, each file's rows in its order;
    files: fid, base (a row's number is its rowid - base). Whether each file fits."""
    width = len(plans[0].headers)
    paths = [str(p.path) for p in plans]
    if plans[0].rows is not None:  # workbooks' sheets, as the child wrote them
        _read_csv_cells(con, paths, raw, width)
        stats = _file_stats(con, raw, width, plans, files)
        return [rows == plans[fid].rows for fid, (rows, _, _) in enumerate(stats)]
    if plans[0].path.suffix.lower() == ".parquet":
        cells = ", ".join(
            f'cast("{h}" as varchar) as c{i}'
            for i, h in enumerate(h.replace('"', '""') for h in plans[0].headers)
        )
        con.execute(
            f"create temp table {raw} as select file_index::integer as fid, {cells} "  # noqa: S608
            "from read_parquet(?, file_row_number = true) order by file_index, file_row_number",
            [paths],
        )
        _file_stats(con, raw, width, plans, files)
        return [True] * len(plans)
    # DuckDB skips empty lines, which csv.reader reads as rows; both read a quoted line break as
    # part of its cell. The rows are numbered as csv.reader's records are (rowid + 2), so the
    # file's lines must be its records plus the line breaks inside cells, or it goes the
    # general path.
    patched = len(plans) == 1 and plans[0].patched
    if patched:
        # An empty line is a blank row to csv.reader (it ends a merged department's run): a copy
        # with a comma on each keeps it a row of empty cells for DuckDB, at the same number. In
        # a quoted cell the copy differs: a file with line breaks in its cells is left below.
        path = plans[0].path
        data = path.read_bytes()
        body = data.rstrip(b"\r\n")
        end = b"\r\n" if data[len(body) :].startswith(b"\r\n") else data[len(body) :][:1]
        del data
        copy = path.with_name(f"{path.name}.{next(_counter)}.csv")
        try:
            copy.write_bytes(_EMPTY_LINE.sub(b"\n,", body) + end)
            del body
            _read_csv_cells(con, [str(copy)], raw, width)
        finally:
            copy.unlink(missing_ok=True)
    else:
        _read_csv_cells(con, paths, raw, width)
    stats = _file_stats(con, raw, width, plans, files)
    most = limits.current()
    return [
        not (patched and inside)
        and plans[fid].lines == count + 1 + inside
        and cell <= most.max_cell_chars  # else the general path refuses it, naming its line
        for fid, (count, cell, inside) in enumerate(stats)
    ]


def _file_stats(
    con: duckdb.DuckDBPyConnection, raw: str, width: int, plans: list[BulkPlan], files: str
) -> list[tuple[int, int, int]]:
    """Each file's (rows, longest cell, line breaks inside cells); writes `files` (fid, base).
    A file's rows must lie together in the order read (DuckDB keeps the insertion order).

    The cheap measures first (a cell's bytes are stored with it): a file whose cells all fit
    the limit in bytes, and whose lines are its rows and header, has no longer cell and no line
    break in a cell (each would be one more line). The others are measured in characters.
    When the table's statistics bound every cell within the limit, that bound stands for each
    file's longest cell (`_longest_bound`), and the cells are not measured one by one."""
    most = limits.current().max_cell_chars
    bound = _longest_bound(con, raw, width)
    if bound is not None and bound <= most:
        widest = str(bound)
    else:
        cells = ", ".join(f"coalesce(strlen(c{i}), 0)" for i in range(width))
        widest = f"coalesce(max(greatest({cells})), 0)"
    found = {
        fid: (first, last, rows, cell, 0)
        for fid, first, last, rows, cell in con.execute(
            f"""select fid, min(rowid), max(rowid), count(*), {widest}
                from {raw} group by fid"""  # noqa: S608
        ).fetchall()
    }
    doubt = [
        fid
        for fid, (_, _, rows, cell, _) in found.items()
        if plans[fid].lines and (cell > most or plans[fid].lines != rows + 1)
    ]
    if doubt:
        longest = ", ".join(f"coalesce(length(c{i}), 0)" for i in range(width))
        breaks = " + ".join(
            f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(width)
        )
        for fid, cell, inside in con.execute(
            f"""select fid, coalesce(max(greatest({longest})), 0), coalesce(sum({breaks}), 0)
                from {raw} where list_contains($doubt, fid) group by fid""",  # noqa: S608
            {"doubt": doubt},
        ).fetchall():
            found[fid] = (*found[fid][:3], cell, inside)
    stats, fids, bases = [], [], []
    for fid, planned in enumerate(plans):
        first, last, rows, cell, inside = found.get(fid, (0, -1, 0, 0, 0))
        if last - first + 1 != rows:
            raise duckdb.InvalidInputException("a file's rows are not together")
        stats.append((rows, cell, inside))
        fids.append(fid)
        bases.append(first - planned.first_row)
    con.execute(
        f"create temp table {files} as select unnest($fids) as fid, unnest($bases) as base",
        {"fids": fids, "bases": bases},
    )
    return stats


def _column_stats(con: duckdb.DuckDBPyConnection, raw: str, width: int) -> list[dict]:
    """The statistics DuckDB keeps for each column of the raw table as it stores it (`stats`,
    which its optimiser relies on: bounds that hold for every cell), an empty dict for a column
    without them (or a table without rows)."""
    found = con.execute(
        f"select {', '.join(f'stats(c{i})' for i in range(width))} from {raw} limit 1"  # noqa: S608
    ).fetchone()
    return [s if isinstance(s, dict) else {} for s in found or [None] * width]


def _longest_bound(con: duckdb.DuckDBPyConnection, raw: str, width: int) -> int | None:
    """The bytes of the raw table's longest cell or more, from the statistics DuckDB keeps
    for each column (`_column_stats`: never below a cell's length); None when they do not say
    (no rows, or statistics without the length). Measuring each cell instead cost 0.45 s of
    CPU for the city's 4 M episodes."""
    lengths = [s.get("max_string_length") for s in _column_stats(con, raw, width)]
    if not all(isinstance(n, int) for n in lengths):
        return None
    return max(lengths, default=0)


def _starts_no_identifier(found: dict) -> bool:
    """Whether a column's statistics (`_column_stats`) prove that no cell of it could be an
    identifier to either test of `_refuse_identifier_values` (`_could_be_identifier` false for
    every cell): every cell of ASCII only (`has_unicode`) and starting above the digits and
    every ASCII whitespace (`_starts_from`: a colon or above). The city's 4 M episode numbers
    (D0001-...) were scanned twice for nothing: 0.16 s."""
    return found.get("has_unicode") is False and _starts_from(found, ":")


def _starts_from(found: dict, low: str) -> bool:
    """Whether a column's statistics (`_column_stats`) prove that every cell starts with a byte
    at or above `low` (printable ASCII): the smallest cell's first byte is, as every cell's is
    at or above it. `stats` spells a byte outside printable ASCII, and a backslash, as `\\xNN`:
    a smallest cell starting with a backslash proves nothing here."""
    smallest = found.get("min")
    return (
        isinstance(smallest, str) and low <= smallest[:1] <= "~" and not smallest.startswith("\\")
    )


def _read_csv_cells(con: duckdb.DuckDBPyConnection, paths: list[str], raw: str, width: int) -> None:
    """raw: fid and the cells of the files as text, each file's rows together and in its order.

    Several files are read each whole by one thread (`parallel = false`: DuckDB's multi-file
    reader then scans a file from its start to its end with one scanner, the files in
    parallel), and stored without keeping the order between files: each file's rows come out
    together and in order (`_file_stats` finds where each file starts, and refuses a file whose
    rows are not together). Keeping the order of the whole read merged the files' partial row
    groups in order: 2.9 against 2.2 s of CPU for the city's 60 discharges files. One file is
    read as before, in parallel, in order."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    ordered = len(paths) == 1
    if not ordered:
        (kept,) = con.execute("select current_setting('preserve_insertion_order')").fetchone()
        con.execute("set preserve_insertion_order = false")
    try:
        for parallel in ("true", "false") if ordered else ("false",):
            try:
                con.execute(
                    f"""create temp table {raw} as
                        select file_index::integer as fid, *
                        from read_csv(?, header = false, skip = 1, all_varchar = true,
                            auto_detect = false, delim = ',', quote = '"', escape = '"',
                            comment = '', columns = {columns}, null_padding = true,
                            encoding = 'utf-8', parallel = {parallel})""",  # noqa: S608
                    [paths],
                )
                return
            except duckdb.Error as error:
                # DuckDB's parallel reader cannot pad short rows once a cell holds a line break
                if parallel == "false" or "quoted new lines" not in str(error):
                    raise
    finally:
        if not ordered:
            con.execute(f"set preserve_insertion_order = {'true' if kept else 'false'}")


def _column_sql(
    column: Column, factor: float, ref: str, markers: list[str], signless: bool = False
) -> tuple[str, str] | None:
    """(is canonical, converted value) for a column whose canonical cells SQL converts, or None
    when every cell goes through the Python parser (enumerations, yes/no, unit-scaled amounts,
    and a text column that may hold a totals marker, such as the department). The test is not
    true (null or false) for any other cell: read it as `coalesce(test, false)`.

    `signless`: no cell of the column starts with a minus sign (`_starts_from`), so a
    canonical number is at least 0, and a floor that 0 meets (the amounts' and counts' floor of
    0) holds without the cast it would test; a number the pattern matches always casts (15
    digits to a bigint or a double, 12 and 2 decimals to a decimal(18, 2)). The cast cost about
    a quarter of each amount column's scan (0.065 s CPU of 0.26 for the city's 4 M episodes)."""
    if column.enum is not None or column.type not in CANONICAL:
        return None
    if column.type == "text" and column.name in markers:
        return None
    if column.type == "amount" and factor != 1:
        return None
    value = CAST[column.type].format(r=ref)
    tests = [f"regexp_full_match({ref}, '{CANONICAL[column.type]}')"]
    if column.type == "text":
        # a cell of printable ASCII alone (CANONICAL's first range) is text at once: GLOB's
        # search for another byte (a control character, any byte of a multibyte character) is
        # a quarter cheaper than the pattern, which then judges only the cells holding one
        # (0.26 -> 0.195 s CPU for the city's 4 M episode numbers)
        tests = [f"(case when {ref} glob '*[! -~]*' then {tests[0]} else {ref} <> '' end)"]
    if column.type == "date":
        # the pattern and the cast in one, at about half the cost: a cell that is DuckDB's own
        # spelling of the date it casts to, ten characters from 1 or 2 (yyyy-mm-dd, 1000-2999)
        tests = [f"strlen({ref}) = 10", f"{ref} >= '1'", f"{ref} < '3'"]
        tests.append(f"cast({value} as varchar) = {ref}")
    # a cell outside a bound is left to the Python rules, which give its rejection reason
    bounded = rules.cell_rules(column).range
    if signless and bounded is not None and column.type in ("int", "number", "amount"):
        floors = [b for b in bounded.bounds if b.op in (">=", ">") and b.holds(0)]
        if len(floors) == len(bounded.bounds):
            return "(" + " and ".join(tests) + ")", value
    if bounded is not None and bounded.bounds:
        # a bound's comparison is null for a cast that failed, so it tests the cast too (a
        # second `is not null` of the same cast cost a fifth of each amount column's scan)
        tests.append(bounded.holds_sql(value))
    elif column.type not in ("date", "text"):  # (text the pattern matched trims to a value)
        tests.append(f"{value} is not null")
    return "(" + " and ".join(tests) + ")", value


def _parse(
    con: duckdb.DuckDBPyConnection,
    plans: dict[int, BulkPlan],
    tag: str,
    raw: str,
    files: str,
    batch: Batch,
    spellings: Spellings | None = None,
) -> dict[int, SheetRead]:
    """Parse and check the rows of the files `plans` (by fid, all of one layout) in `raw`: one
    pass over them all; each file's sheet sees its own rows through views."""
    first = next(iter(plans.values()))
    match = first.match
    spec = ledgers()[match.kind]
    odd_cells = first.odd  # a workbook's sheet: read on its own
    index = {col.name: i for i, (col, _) in match.columns.items()}
    factors = {col.name: factor for col, factor in match.columns.values()}
    cell = {
        c.name: (f"c{index[c.name]}" if c.name in index else "null::varchar") for c in spec.columns
    }
    markers = [c for c in (spec.dept, spec.period) if c and c in index]
    sheets = {}
    for fid, planned in plans.items():
        sheet = SheetRead(
            planned.name,
            planned.sheet,
            match.kind,
            planned.first_row - 1,
            extra_columns=match.extra,
        )
        sheet.match, sheet.odd_cells = match, planned.odd
        sheet.batch = BatchPart(batch, fid)
        batch.users.add(fid)
        sheets[fid] = sheet

    # Cells the SQL does not convert, parsed by the Python rules once per distinct spelling.
    maps: dict[str, str] = {}
    for column in spec.columns:
        signless = (
            spellings is not None
            and column.name in index
            and _starts_from(spellings.stats[cell[column.name]], ".")  # above "-"
        )
        factor = factors.get(column.name, 1.0)
        sql = _column_sql(column, factor, cell[column.name], markers, signless)
        where = f"where not coalesce({sql[0]}, false)" if sql else ""
        among = spellings.of(cell[column.name]) if spellings and column.name in index else raw
        found = [
            v
            for (v,) in con.execute(
                f"select distinct {cell[column.name]} from {among} {where}"  # noqa: S608
            ).fetchall()
        ]
        if (
            sql
            and found == [None]
            and column.name not in markers
            and _blank_is_null(column, factor)
        ):
            # only blank cells (a surgery date where there was no surgery), which the cast
            # makes null as the rules do: no map, so no join of every row to it in the parse
            # (about 0.1 s of CPU for the city's 4 M episodes)
            continue
        if found:
            maps[column.name] = _spelling_map(
                con,
                f"{tag}_map_{len(maps)}",
                column,
                found,
                factors.get(column.name, 1.0),
                column.name in markers,
                odd_cells,
            )
            batch.tables.append(maps[column.name])

    # Rows: blank rows and totals rows out, merged department cells filled, as the general path.
    # a row's number: its rowid less its file's base, looked up in a list of our own numbers
    # (a join of every row to the files' table cost a tenth of the parse)
    bases = dict(con.execute(f"select fid, base from {files}").fetchall())  # noqa: S608
    listed = ", ".join(str(int(bases[fid])) for fid in range(max(bases) + 1))
    numbered = f"(select r.*, r.rowid - [{listed}][r.fid + 1] as rn from {raw} r)"  # noqa: S608
    blank_cells = " and ".join(_blank(f"c{i}") for i in range(len(first.headers)))
    totals = (
        " or ".join(f"coalesce({maps[m]}.is_totals, false)" for m in markers if m in maps)
        or "false"
    )
    joins = " ".join(
        f"left join {maps[m]} on {maps[m]}.raw is not distinct from r.{cell[m]}"
        for m in markers
        if m in maps
    )
    selected = ", ".join(f'{cell[c.name]} as "{c.name}"' for c in spec.columns)
    classified = f"""
        select r.fid, r.rn, {selected}, ({blank_cells}) as is_blank_row, ({totals}) as is_totals
        from {numbered} r {joins}"""  # noqa: S608 -- identifiers from the specs and our own names
    has_dept = spec.dept is not None and spec.dept in index
    dept = f'"{spec.dept}"'
    # As filters, not projected columns: a row's test stops at its first filled cell.
    filled = " or ".join(f"not {_blank(f'c{i}')}" for i in range(len(first.headers)))
    kept = f"not ({totals}) and ({filled})"
    unfilled_test = f"{_blank(cell[spec.dept])} and {kept}" if has_dept else "false"
    unfilled = 0
    plain = has_dept and _plain_rows(con, maps, spec.dept, markers)
    for fid, totals_rows, blanks in (
        []
        if plain
        else con.execute(
            f"""select fid, count(*) filter (where ({totals}) and ({filled})),
                       count(*) filter (where {unfilled_test})
                from {raw} r {joins} group by fid"""  # noqa: S608
        ).fetchall()
    ):
        sheets[fid].totals_rows = totals_rows
        unfilled += blanks
    if plain:  # no blank department, no totals marker: every row is a row of the ledger
        source = cells = f"(select r.fid, r.rn, {selected} from {numbered} r)"  # noqa: S608
    elif unfilled:
        # A blank department under a filled one repeats it, until a blank row.
        rows = f"{tag}_rows"
        con.execute(
            f"""create temp table {rows} as
                select * exclude (grp, is_blank_row, is_totals) replace (coalesce(last_value(
                           case when not {_blank(dept)} then {dept} end ignore nulls) over (
                           partition by fid, grp order by rn
                           rows between unbounded preceding and current row), {dept}) as {dept})
                from (select *, sum(is_blank_row::int) over (partition by fid order by rn) as grp
                      from ({classified}))
                where not is_blank_row and not is_totals"""  # noqa: S608
        )
        batch.tables.append(rows)
        source = cells = rows
    else:
        source = f"(select r.fid, r.rn, {selected} from {numbered} r {joins} where {kept})"  # noqa: S608
        cells = f"(select r.fid, r.rn, {selected} from {numbered} r)"  # noqa: S608

    # Parse: canonical cells by cast, the others from their spelling's map, which also holds
    # the reason a spelling breaks its column's rules (the Python rules' words, once per spelling).
    values, joins = [], []
    found_as: dict[str, tuple[str, str | None]] = {}  # column -> (its value, its map's join)
    cell_errors: dict[str, str] = {}  # column -> its error column in the parsed table
    # a column none of whose spellings breaks a rule gets no error column (nor its test)
    wrong_spellings = {
        name
        for name, table in maps.items()
        if con.execute(f"select bool_or(error is not null) from {table}").fetchone()[0]  # noqa: S608
    }
    for number, column in enumerate(spec.columns):
        name = f'"{column.name}"'
        mapped = maps.get(column.name)
        if mapped and column.name not in index:
            # a column the files do not have: its one spelling (no cell) parsed once, a
            # constant of every row rather than a join of each row to it
            found_as[column.name] = (f"(select value from {mapped})", None)  # noqa: S608
            values.append(f"{found_as[column.name][0]} as {name}")
            if column.name in wrong_spellings:
                values.append(f"(select error from {mapped}) as e{number}")  # noqa: S608
                cell_errors[column.name] = f"e{number}"
            continue
        join = (
            f"left join {mapped} on {mapped}.raw is not distinct from r.{name}" if mapped else None
        )
        if join:
            joins.append(join)
        sql = _column_sql(column, factors.get(column.name, 1.0), f"r.{name}", markers)
        if sql:
            value = sql[1]
            if mapped:
                # the map holds exactly the spellings that are not canonical: a cell found in it
                # is the map's, any other is converted by the cast (not tested again)
                value = f"case when {mapped}.hit then {mapped}.value else {value} end"
        else:
            value = f"{mapped}.value"
        found_as[column.name] = (value, join)
        values.append(f"{value} as {name}")
        if column.name in wrong_spellings:
            values.append(f"{mapped}.error as e{number}")
            cell_errors[column.name] = f"e{number}"
    parsed = batch.parsed = f"{tag}_parsed"
    rejected = batch.rejected = f"{tag}_rejected"
    parse = f"select r.fid, r.rn, {', '.join(values)} from {source} r {' '.join(joins)}"  # noqa: S608

    def settle() -> None:
        """The parsed table, its rows that break a rule moved to the rejections (`_reject`), and
        each file's rows and months counted from it."""
        con.execute(f"create temp table {parsed} as {parse}")
        batch.tables.append(parsed)
        _reject(con, plans, tag, parsed, cells, maps, cell_errors, sheets)
        batch.tables.append(rejected)
        for error in cell_errors.values():
            con.execute(f"alter table {parsed} drop column {error}")  # noqa: S608
        counts = dict(
            con.execute(f"select fid, count(*) from {parsed} group by fid").fetchall()  # noqa: S608
        )
        months: dict[int, set[str]] = {fid: set() for fid in plans}
        if spec.period:
            # the months as dates, spelt once each here (not strftime on every row)
            for fid, month in con.execute(
                f"""select distinct fid, date_trunc('month', "{spec.period}")
                    from {parsed}"""  # noqa: S608
            ).fetchall():
                if month:
                    months[fid].add(month_key(month))
        for fid, sheet in sheets.items():
            sheet.table_rows = counts.get(fid, 0)
            if spec.period:
                sheet.months = months[fid] | {
                    month_key(r[spec.period]) for r in sheet.records if r[spec.period]
                }

    if plain and not cell_errors and spec.dept not in _row_columns(spec):
        _defer(con, batch, spec, parse, source, found_as, sheets, settle)
        batch.reject = lambda rows, into: _reject(con, plans, into, rows, cells, maps, {}, sheets)
    else:
        settle()
    for fid, sheet in sheets.items():
        # each file's rows of the batch's tables (fid is our own number)
        part = sheet.batch
        sheet.table, sheet.rejected_table = f"{tag}_parsed_{fid}", f"{tag}_rejected_{fid}"
        for view, table in ((sheet.table, parsed), (sheet.rejected_table, rejected)):
            con.execute(
                f"create temp view {view} as "  # noqa: S608
                f"select * exclude (fid) from {table} where fid = {fid}"
            )
            part.views.append(view)
        sheet.cells = f"(select * exclude (fid) from {cells} where fid = {fid})"  # noqa: S608
    return sheets


def _defer(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    spec,
    parse: str,
    source: str,
    found_as: dict[str, tuple[str, str | None]],
    sheets: dict[int, SheetRead],
    settle: Callable[[], None],
) -> None:
    """Rows that need no sorting out, none of whose spellings breaks a rule (`_parse`): the
    parsed rows are written once, by the staging insert, from a view that computes the parse
    (a parsed table cost as much to write as the insert, which then read it single-threaded).
    The loader checks the rows it staged (`failing`, the rules between a row's cells) and
    compares them with the rows read (`table_rows`: all of them); when a row did not pass, it
    goes back and calls `settle` (the batch then has the parsed table and the rejections of any
    other read). So each file's rows, months and latest date are counted here as if all pass,
    and its departments with their first dates (`probe`, for the loader's reference checks), in
    scans of the department and period columns alone."""
    con.execute(f"create temp view {batch.parsed} as {parse}")
    batch.views.append(batch.parsed)
    batch.failing = (
        " or ".join(test for _, test, _ in _row_failures(spec, clock.today())) or "false"
    )
    con.execute(
        f"""create temp table {batch.rejected} (fid integer, rn bigint, "column" varchar,
            reason varchar, "values" varchar)"""
    )
    batch.tables.append(batch.rejected)
    dept, dept_join = found_as[spec.dept]
    day, day_join = found_as[spec.period] if spec.period else ("null::date", None)
    counts: dict[int, int] = {}
    for fid, found, rows in con.execute(
        f"select r.fid, {day}, count(*) from {source} r {day_join or ''} group by all"  # noqa: S608
    ).fetchall():
        counts[fid] = counts.get(fid, 0) + rows
        batch.day_rows[(fid, found)] = rows
    for fid, sheet in sheets.items():
        sheet.table_rows = counts.get(fid, 0)
        if spec.period:
            sheet.months = {month_key(found) for found in _days(batch, fid)}
    # each file's departments with their first day: the reference checks hold for every row of
    # a department if for its first day (grouped by the department's spelling, then parsed: a
    # join of every row to the map cost twice the grouping)
    batch.probe = f"{batch.parsed}_probe"
    con.execute(
        f"""create temp table {batch.probe} as
            select r.fid, {dept} as d, r.first, r.n
            from (select r.fid, r."{spec.dept}", min({day}) as first, count(*) as n
                  from {source} r {day_join or ""} group by all) r {dept_join or ""}"""  # noqa: S608
    )
    batch.tables.append(batch.probe)
    batch.probe_columns = f'd as "{spec.dept}"' + (
        f', first as "{spec.period}"' if spec.period else ""
    )

    def later() -> None:
        con.execute(f"drop view {batch.parsed}")
        con.execute(f"drop table {batch.rejected}")
        batch.views.remove(batch.parsed)
        batch.tables.remove(batch.rejected)
        batch.settle = None
        settle()

    batch.settle = later


def settle(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """A deferred batch (`_defer`) read as any other: its parsed table and rejections made."""
    if batch.settle is not None:
        batch.settle()


def reject_stored(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    sheets: list[SheetRead],
    rows: str,
    period: str | None,
) -> dict[int, int] | None:
    """Word the rejections of a deferred batch's rows that the loader stored and found breaking
    a rule between a row's cells (`rows`: SQL of them as stored, with `part`, the sheet's number
    in `sheets`, and `rn`), as `_reject` words them at a read: for each part, the rows rejected
    (the loader deletes them). None when the rejections would change what the load staged
    before them: a row the general path's row parser accepts (a record, staged on its own), or
    a file's date that only rejected rows held (its months, the data month): the load then goes
    back (`settle`)."""
    fids = [sheet.batch.fid for sheet in sheets]
    broken = f"{batch.parsed}_broken"
    con.execute(
        f"""create temp table {broken} as
            select m.fid, s.* exclude (part)
            from ({rows}) s join (select unnest($fids::integer[]) as fid,
                                         unnest($parts::integer[]) as part) m using (part)""",  # noqa: S608 -- our own SQL
        {"fids": fids, "parts": list(range(len(sheets)))},
    )
    day = f'"{period}"' if period else "null::date"
    gone = {
        (fid, found): n
        for fid, found, n in con.execute(
            f"select fid, {day}, count(*) from {broken} group by all"  # noqa: S608
        ).fetchall()
    }
    counted: dict[int, int] = {}
    for (fid, _), n in gone.items():
        counted[fid] = counted.get(fid, 0) + n
    records = [len(sheet.records) for sheet in sheets]
    # added to the batch's rejections (staged file by file, each file's are added in turn)
    worded = batch.reject(broken, broken)
    con.execute(f"insert into {batch.rejected} by name select * from {worded}")  # noqa: S608
    con.execute(f"drop table {worded}")
    con.execute(f"drop table {broken}")
    if [len(sheet.records) for sheet in sheets] != records or any(
        batch.day_rows.get(key) == n for key, n in gone.items()
    ):
        return None
    return {part: counted.get(fid, 0) for part, fid in enumerate(fids)}


def _deferred_part(sheet: SheetRead) -> BatchPart | None:
    """The read's part of a deferred batch (`_defer`), or None."""
    part = sheet.batch
    return part if isinstance(part, BatchPart) and part.batch.settle is not None else None


def deferred(sheets: list[SheetRead]) -> list[Batch]:
    """The deferred batches (`_defer`) these set-based reads are rows of."""
    found = {}
    for sheet in sheets:
        if part := _deferred_part(sheet):
            found[id(part.batch)] = part.batch
    return list(found.values())


def of_batch(sheet: SheetRead, batch: Batch) -> bool:
    """Whether this read is rows of that batch."""
    return isinstance(sheet.batch, BatchPart) and sheet.batch.batch is batch


def days_read(sheet: SheetRead) -> list | None:
    """A deferred read's distinct dates of its period column (`_defer`), or None."""
    part = _deferred_part(sheet)
    return _days(part.batch, part.fid) if part else None


def _days(batch: Batch, fid: int) -> list:
    """File `fid`'s distinct dates of the period column, as its deferred read counted them."""
    return [day for (at, day) in batch.day_rows if at == fid and day is not None]


def probe(sheets: list[SheetRead]) -> str | None:
    """When these reads are files of one deferred batch (`_defer`): SQL of each file's
    departments as parsed, with the first date each has (named as the ledger's department and
    period columns) and its rows (`n`), tagged with the file's number in `sheets` (`part`, as
    the loader numbers them). None otherwise."""
    parts = [sheet.batch for sheet in sheets]
    if not all(isinstance(part, BatchPart) for part in parts):
        return None
    batch = parts[0].batch
    if batch.settle is None or any(part.batch is not batch for part in parts):
        return None
    fids = ", ".join(str(part.fid) for part in parts)  # our own numbers
    numbers = ", ".join(str(number) for number in range(len(parts)))
    return f"""select m.part, {batch.probe_columns}, t.n from {batch.probe} t
               join (select unnest([{fids}]) as fid, unnest([{numbers}]) as part) m using (fid)"""  # noqa: S608


def _blank_is_null(column: Column, factor: float) -> bool:
    """Whether the Python rules read a blank cell of the column as null without an error (not
    required, no default): what `_column_sql`'s cast makes of it."""
    try:
        return parse_cell(column, None, factor) is None
    except CellError:
        return False


def _refuse_identifier_values(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    files: str,
    plans: list[BulkPlan],
    fits: list[bool],
    spellings: Spellings | None = None,
) -> dict[int, FileError]:
    """The general path's identifier-value rule (reader.looks_like_identifier), naming each
    file's first row holding one as it does: the FileError refusing each such file, by fid.
    A cell of printable ASCII is matched in SQL: the same whole-cell patterns, which RE2 reads
    as Python does, after the same trim. Any other cell without a CJK ideograph (a full-width
    １３８…, a tab around the digits: NFKC and str.strip make them an identifier in Python) is
    judged by looks_like_identifier itself, once per distinct spelling.

    Both tests run only on a cell that could be either (`_could_be_identifier`): most cells
    start with a letter or an ideograph and are decided by their first character."""
    pattern = "|".join(f"(?:{p})" for p in reading_rules().identifier_values)
    match = plans[0].match
    index = {col.name: i for i, (col, _) in match.columns.items()}
    odd_cells = plans[0].odd
    texts = [
        (match.header_text[column.name], f"c{index[column.name]}")
        for column, _ in match.columns.values()
        if column.type == "text"
    ]
    if spellings:  # a column none of whose cells could be one is not scanned
        texts = [(h, c) for h, c in texts if not _starts_no_identifier(spellings.stats[c])]
    if not texts:
        return {}
    # A cell neither printable ASCII nor holding an ideograph: Python's to judge, once per
    # spelling. (A CASE, not AND: its tests then run only on the cells that could be one.)
    among = {cell: spellings.of(cell) if spellings else raw for _, cell in texts}
    odd = " union all ".join(
        f"""select distinct {n} as n, {cell} as v from {among[cell]}
            where case when {_could_be_identifier(cell)} then
                not regexp_full_match({cell}, '[\\x20-\\x7E]*')
                and not regexp_matches({cell}, '[\\x{{4E00}}-\\x{{9FFF}}]') else false end"""  # noqa: S608
        for n, (_, cell) in enumerate(texts)
    )
    held: dict[int, list[str]] = {}
    for n, value in con.execute(odd).fetchall():
        if looks_like_identifier(workbook_csv.original(odd_cells, value)):
            held.setdefault(n, []).append(value)
    # each file's first row holding one in each column: a printable ASCII cell holding one,
    # spaces around it (trim's), or a spelling Python read as one; one scan of the files' cells
    params: dict[str, object] = {"spaced": f" *(?:{pattern}) *"}
    found = []
    for n, (_, cell) in enumerate(texts):
        test = f"regexp_full_match({cell}, $spaced)"
        if n in held:
            params[f"held{n}"] = held[n]
            test += f" or list_contains($held{n}::varchar[], {cell})"
        test = f"case when {_could_be_identifier(cell)} then {test} else false end"
        if among[cell] != raw:
            # a column of few spellings: when none holds one, its cells are not scanned
            (holds,) = _execute(
                con,
                f"select bool_or({test}) from {among[cell]}",  # noqa: S608
                params,
            ).fetchone()
            if not holds:
                found.append("null")
                continue
        found.append(f"min(r.rowid) filter (where {test})")
    if all(f == "null" for f in found):
        return {}
    first: dict[int, tuple[int, str]] = {}
    for fid, base, *rows in _execute(
        con,
        f"""select fid, any_value(f.base), {", ".join(found)}
            from {raw} r join {files} f using (fid) group by fid""",  # noqa: S608
        params,
    ).fetchall():
        for (header, _), row in zip(texts, rows, strict=True):
            if row is not None and fits[fid] and (fid not in first or row - base < first[fid][0]):
                first[fid] = (row - base, header)
    refused = {}
    for fid, (row, header) in first.items():
        try:
            refuse_identifier_value(plans[fid].sheet, header, row)
        except FileError as error:
            refused[fid] = error
    return refused


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyConnection:
    """Run `sql` with those of `params` it names (DuckDB refuses a parameter left unused)."""
    return con.execute(sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)})


def _could_be_identifier(cell: str) -> str:
    """SQL false for a cell that can be no identifier to either test: one starting with an
    ideograph, or of ASCII only and starting with neither a digit nor whitespace (NFKC leaves
    ASCII as it is, and str.strip would leave its first character first)."""
    return (
        f"(case when unicode({cell}) between 19968 and 40959 then false "  # U+4E00-U+9FFF
        f"when unicode({cell}) between 48 and 57 or unicode({cell}) in ({_WHITESPACE_CODES}) "
        f"then true else strlen({cell}) <> length({cell}) end)"
    )


def _plain_rows(
    con: duckdb.DuckDBPyConnection, maps: dict[str, str], dept: str, markers: list[str]
) -> bool:
    """Whether the rows need no sorting out (`_parse`): the department column's spellings (all
    of them are in its map: it may hold a totals marker) hold no blank, so no row is blank and
    no department cell is merged, and no marker column's spelling reads as a totals marker (a
    date or month column's map holds its spellings the SQL does not convert: a marker is one)."""
    if dept not in maps:
        return False
    (blank,) = con.execute(f"select bool_or(text is null) from {maps[dept]}").fetchone()  # noqa: S608
    totals = " or ".join(
        f"exists (select 1 from {maps[m]} where is_totals)"  # noqa: S608 -- our own tables
        for m in markers
        if m in maps
    )
    (marked,) = con.execute(f"select {totals or 'false'}").fetchone()  # noqa: S608
    return blank is False and not marked


def _blank(cell: str) -> str:
    """SQL true for a blank cell (null, or only what str.strip() removes). The first character
    decides most cells at once; only a cell starting with whitespace is trimmed to see."""
    return (
        f"(case when {cell} is null or {cell} = '' then true "
        f"when unicode({cell}) not in ({_WHITESPACE_CODES}) then false "
        f"else trim({cell}, '{WHITESPACE}') = '' end)"
    )


def _reject(
    con: duckdb.DuckDBPyConnection,
    plans: dict[int, BulkPlan],
    tag: str,
    parsed: str,
    cells: str,
    maps: dict[str, str],
    cell_errors: dict[str, str],
    sheets: dict[int, SheetRead],
) -> str:
    """Move the rows of `parsed` that break a rule into a table of rejections (fid, rn, column,
    reason, values), worded in SQL as `reader.row_rejection` words them: the cells' own reasons
    when a cell is wrong, else the reasons of the rules between a row's cells (ledgers.rules),
    each after its column's header; the row's cells as written, as JSON. The odd row whose
    reason SQL cannot spell is handed to the general path's row parser (into its file's sheet)."""
    first = next(iter(plans.values()))
    match = first.match
    spec = ledgers()[match.kind]
    params: dict[str, str] = {}

    def text(value: str) -> str:  # ledger text (headers) as a bound parameter
        key = next((k for k, v in params.items() if v == value), f"t{len(params)}")
        params[key] = value
        return f"${key}"

    def header(name: str) -> str:
        return text(match.header_text.get(name, name))

    failures = [
        (name, test, rule.reason_sql(header))
        for name, test, rule in _row_failures(spec, clock.today())
    ]
    wrong = " or ".join(f"{e} is not null" for e in cell_errors.values()) or "false"
    failing = " or ".join(test for _, test, _ in failures) or "false"
    columns = _words(
        ", ",
        [f"case when {e} is not null then {header(n)} end" for n, e in cell_errors.items()],
        [f"case when {test} then {header(n)} end" for n, test, _ in failures],
        wrong,
    )
    reasons = _words(
        "; ",
        [f"{header(n)} || ': ' || {e}" for n, e in cell_errors.items()],
        [f"case when {test} then {header(n)} || ': ' || ({why}) end" for n, test, why in failures],
        wrong,
    )
    unworded = " or ".join(f"({test} and ({why}) is null)" for _, test, why in failures) or "false"

    # The row's cells as written (values.as_text), as JSON with sorted keys (json.dumps): a cell
    # of plain characters as it is, trimmed; any other spelling as its map spelt it.
    shown = sorted(
        (match.header_text[c.name], c.name)
        for c in spec.columns
        if c.name in match.header_text and spec.shows(c.name)
    )
    entries, texts, joins = [], [], []
    for number, (heading, name) in enumerate(shown):
        cell = f'c."{name}"'
        plain = f"'\"' || replace(replace(trim({cell}), '\\', '\\\\'), '\"', '\\\"') || '\"'"
        written = f"v{number}.text" if name in maps else "null"
        if name in maps:
            joins.append(
                f"left join {maps[name]} v{number} on v{number}.raw is not distinct from {cell}"
            )
        texts.append(
            f"case when {_blank(cell)} then null "
            f"when regexp_full_match({cell}, '{CANONICAL['text']}') then {plain} "
            f"else coalesce({written}, '') end as w{number}"
        )
        key = text(json.dumps(heading, ensure_ascii=False))
        entries.append(f"case when w{number} is not null then {key} || ': ' || w{number} end")
    # a cell no map spelt (none should be): its row is worded by Python
    unspelt = " or ".join(f"w{number} = ''" for number in range(len(shown))) or "false"
    written_cells = ", ".join(texts) or "null as w"
    rejected = f"{tag}_rejected"
    # the rows breaking a rule, counted first: with none, the cells are not scanned for them
    (breaking,) = con.execute(
        f"select count(*) from {parsed} where {wrong} or {failing}"  # noqa: S608
    ).fetchone()
    if not breaking:
        failing = wrong = "false"
    con.execute(
        f"""create temp table {rejected} as
            select fid, rn, {columns} as "column", {reasons} as reason,
                   '{{' || {f"concat_ws(', ', {', '.join(entries)})" if entries else "''"}
                   || '}}' as "values",
                   ({unworded}) and not ({wrong}) or ({unspelt}) as odd
            from (select p.*, {written_cells}
                  from (select * from {parsed} where {wrong} or {failing}) p
                  join {cells} c on c.fid = p.fid and c.rn = p.rn {" ".join(joins)})""",  # noqa: S608 -- names ours, ledger text bound
        params,
    )
    con.execute(
        f"delete from {parsed} p using {rejected} j where j.fid = p.fid and j.rn = p.rn"  # noqa: S608
    )

    # The odd rows: the general path's row parser says why, word for word.
    names = [c.name for c in spec.columns if c.name in match.header_text]
    odd = con.execute(
        f"""select r.fid, r.rn, {", ".join(f'r."{n}"' for n in names)} from {cells} r
            semi join {rejected} j on j.fid = r.fid and j.rn = r.rn and j.odd
            order by r.fid, r.rn"""  # noqa: S608
    ).fetchall()
    seen: dict = {}  # a spelling's outcome does not depend on its file
    for fid, rn, *row in odd:
        planned, sheet = plans[fid], sheets[fid]
        raw_row = {
            n: workbook_csv.original(planned.odd, v) for n, v in zip(names, row, strict=True)
        }
        record, problems = parse_row(match, raw_row, seen)
        if problems:
            sheet.rejected.append(
                row_rejection(planned.name, planned.sheet, rn, match, raw_row, problems)
            )
        else:  # the SQL was stricter than the rules: the general path's record stands
            record.update(source_file=planned.name, source_sheet=planned.sheet, source_row=rn)
            sheet.records.append(record)
    con.execute(f"delete from {rejected} where odd")  # noqa: S608
    con.execute(f"alter table {rejected} drop column odd")  # noqa: S608
    return rejected


def _row_failures(spec, today) -> list[tuple[str, str, object]]:
    """(column, SQL true when the row breaks the rule, the rule) for the rules between a row's
    cells (ledgers.rules.row_rules), in the order a row's reasons list them."""
    return [
        (column.name, f"coalesce({rule.failure_sql()}, false)", rule)
        for column in spec.columns
        for rule in rules.row_rules(column, today)
    ]


def _row_columns(spec) -> set[str]:
    """The columns the rules between a row's cells compare (`_row_failures`)."""
    return {
        name
        for _, _, rule in _row_failures(spec, clock.today())
        for name in (rule.column, getattr(rule, "other", None))
    }


def _words(separator: str, cell_words: list[str], row_words: list[str], wrong: str) -> str:
    """SQL joining the words of a row's broken cells, or (all its cells right) of its broken
    rules, as reader._parse_row lists them; NULLs (the rules that hold) are left out."""

    def joined(words: list[str]) -> str:
        return f"concat_ws('{separator}', {', '.join(words)})" if words else "''"

    return f"case when {wrong} then {joined(cell_words)} else {joined(row_words)} end"


def _spelt_in_sql(
    con: duckdb.DuckDBPyConnection, column: Column, cells: list[object]
) -> dict[str, object]:
    """Spelling -> value for the cells of an allowed-value or yes/no column that the rule's SQL
    converts (plain characters spelt as the specs allow: rules.spelling_sql): once per distinct
    spelling, as the map is, so a row costs no more than its join. The rest are Python's."""
    sql = rules.spelling_sql(column, "s")
    texts = [c for c in cells if isinstance(c, str)]
    if sql is None or not texts:
        return {}
    value = sql if column.type == "bool" else CAST[column.type].format(r=sql)
    bounded = rules.cell_rules(column).range  # an allowed whole number (a grade) within its bounds
    within = f"coalesce({bounded.holds_sql(value)}, false)" if bounded else "true"
    found = con.execute(
        f"""select s, {value} from unnest($cells::varchar[]) t(s)
            where regexp_full_match(s, '{CANONICAL["text"]}') and {within}""",  # noqa: S608 -- rule SQL
        {"cells": texts},
    ).fetchall()
    return {s: v for s, v in found if v is not None}


def _spelling_map(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: Column,
    spellings: list[object],
    factor: float,
    is_marker: bool,
    odd: dict[str, object],
) -> str:
    """A table raw -> (value, error, is_totals, text) for these spellings, by the Python rules:
    the error is the reason a spelling breaks them (CellError's words), the text the spelling as
    a rejected row shows it (values.as_text, as JSON). A token of an odd workbook cell (`odd`)
    stands for that cell: it is the cell that is parsed and shown."""
    values, errors = [], []
    cells = [workbook_csv.original(odd, s) for s in spellings]
    spelt = _spelt_in_sql(con, column, cells)
    for cell in cells:
        if isinstance(cell, str) and cell in spelt:  # the rule's SQL converted it
            values.append(spelt[cell])
            errors.append(None)
            continue
        try:
            values.append(parse_cell(column, cell, factor))
            errors.append(None)
        except CellError as error:
            values.append(None)
            errors.append(str(error))
    frame = pd.DataFrame(
        {
            "raw": pd.Series(spellings, dtype=object),
            "value": pd.Series(values, dtype=object),
            "error": pd.Series(errors, dtype=object),
            "is_totals": [is_marker and not is_blank(c) and _is_totals(c) for c in cells],
            "text": pd.Series(
                [
                    None if is_blank(c) else json.dumps(as_text(c), ensure_ascii=False)
                    for c in cells
                ],
                dtype=object,
            ),
        }
    )
    con.register(f"{table}_frame", frame)
    con.execute(
        f"""create temp table {table} as
            select raw::varchar as raw, value::{column.sql_type} as value, error::varchar as error,
                   is_totals, text::varchar as text, true as hit
            from {table}_frame"""  # noqa: S608
    )
    con.unregister(f"{table}_frame")
    return table
