"""Read one ledger file: recognise each sheet's kind from its header, then parse and check its rows.

Nothing here touches the warehouse; `ledgers.loader` stores what this returns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from python_calamine import CalamineWorkbook

from ledgers import clock, limits, reader_child, rules
from ledgers.limits import LimitExceeded, check_file_size, check_rows
from ledgers.specs import Column, Ledger, ledgers, normalise_header, reading_rules
from ledgers.values import CellError, as_text, is_blank, parse_cell, visible

if TYPE_CHECKING:  # duckdb is imported where it is used: the reader's child does without it
    import duckdb

SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".parquet"}
_UNIT = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


class FileError(Exception):
    """A file that cannot be used at all; the message says why and what to do."""


@dataclass
class Rejection:
    file: str
    sheet: str
    row: int
    ledger: str
    column: str
    reason: str
    values: dict[str, str] = field(default_factory=dict)
    twin: str | None = None


@dataclass
class SheetRead:
    file: str
    sheet: str
    kind: str | None = None
    header_row: int | None = None
    records: list[dict] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    totals_rows: int = 0
    # Read by the set-based path (ledgers.bulk): the valid rows wait in this temporary table of
    # the warehouse connection, and `months` are the months they belong to.
    table: str | None = None
    cells: str | None = None  # the same rows' cells as text (a relation), for rejections
    # … and the rows it rejected, worded in SQL: (rn, column, reason, values as JSON); the rows
    # the load rejected in SQL go straight to rejected_rows (counted here).
    rejected_table: str | None = None
    rejected_in_load: int = 0
    match: HeaderMatch | None = None
    temp_tables: list[str] = field(default_factory=list)
    table_rows: int = 0
    months: set[str] = field(default_factory=set)
    # the workbook cells that `cells` holds as tokens (ledgers.workbook_csv.OddCells)
    odd_cells: dict[str, object] = field(default_factory=dict)
    # Read together with other files of its layout (ledgers.bulk.BatchPart): `table`, `cells`
    # and `rejected_table` are then this file's rows of the batch's shared tables.
    batch: object | None = None


@dataclass
class HeaderMatch:
    kind: str
    row: int
    columns: dict[int, tuple[Column, float]]
    header_text: dict[str, str]
    extra: list[str]
    identifiers: list[str]
    missing: list[str] = field(default_factory=list)  # required columns not in the header

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def is_complete(self) -> bool:
        """The kind's required (key) columns and at least one of its measures: a sheet sharing
        only 科室 and 日期 with the workload ledger (a training register) is not one."""
        if self.missing:
            return False
        spec = ledgers()[self.kind]
        return any(name in self.header_text for name in measure_columns(spec))


def measure_columns(spec: Ledger) -> list[str]:
    """The columns that say something about a row beyond which row it is: not its key, its
    department or its period."""
    naming = {*spec.key, spec.dept, spec.period}
    return [c.name for c in spec.columns if c.name not in naming]


def read_grids(path: Path) -> list[tuple[str, list[list[object]]]]:
    """The file's sheets as (sheet name, rows of cells); row i of the list is spreadsheet row i+1.
    Bounded by `ledgers.limits`: a file beyond them raises FileError before it is parsed."""
    suffix = path.suffix.lower()
    check_file(path)
    if suffix == ".csv":
        return [("", _read_csv(path))]
    if suffix == ".parquet":
        check_parquet_rows(path)
        return [("", _read_parquet(path))]
    check_workbook(path)
    bounds = limits.current()
    grids = read_workbook_apart(path, bounds) if bounds.isolate_workbooks else read_workbook(path)
    for name, cells in unread_cells(path).items():
        grid = dict(grids).get(name)
        for (row, column), formula in cells.items():
            if grid is not None:
                while len(grid) <= row:
                    grid.append([])
                grid[row].extend([None] * (column + 1 - len(grid[row])))
                grid[row][column] = formula
    return grids


def check_file(path: Path) -> None:
    """Refuse an empty file, or one beyond `ReadLimits.max_file_bytes`, before reading it."""
    size = path.stat().st_size
    if size == 0:
        raise FileError("the file is empty (0 bytes)")
    try:
        check_file_size(size, limits.current())
    except LimitExceeded as error:
        raise FileError(str(error)) from None


def check_workbook(path: Path) -> None:
    """Refuse, from its zip directory and a streamed count of its rows, a workbook that would
    inflate too far or make a sheet too big for the native reader (which aborts the process when
    it cannot allocate, a panic Python cannot catch)."""
    try:
        with zipfile.ZipFile(path) as archive:
            limits.check_workbook_archive(archive, path.stat().st_size, limits.current())
            bounds = limits.current()
            for name, member in _sheet_members(archive).items():
                info = archive.NameToInfo.get(member)
                if info is not None and info.file_size <= bounds.area_scan_bytes:
                    limits.check_sheet_area(archive, member, name, bounds)
    except LimitExceeded as error:
        raise FileError(str(error)) from None
    except (
        zipfile.BadZipFile,
        KeyError,
        UnicodeDecodeError,
        EOFError,
        OSError,
        ElementTree.ParseError,
    ):
        return  # not a workbook the checks understand: calamine says what is wrong with it
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as error:
        raise FileError(f"the workbook cannot be opened ({error}): is it a valid .xlsx?") from None


def read_workbook(path: Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet's grid; a sheet of more rows than `ReadLimits.max_rows` (one too big to have
    been counted beforehand) refuses the file before its grid is handed on."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        grids = []
        for name in workbook.sheet_names:
            grid = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            check_rows(len(grid), f"sheet {visible(name)}", limits.current())
            grids.append((name, grid))
        return grids
    except LimitExceeded as error:
        raise FileError(str(error)) from None
    except Exception as error:  # noqa: BLE001 -- calamine's own types, for corrupt and encrypted files
        raise workbook_error(error) from None


def workbook_error(error: Exception) -> FileError:
    """The file's message for an error of the native reader."""
    message = str(error).lower()
    if "password" in message or "encrypt" in message or "cfb" in message:
        return FileError("the workbook is password-protected: save a copy without a password")
    return FileError(f"the workbook cannot be opened ({error}): is it a valid .xlsx?")


def read_workbook_apart(path: Path, bounds: limits.ReadLimits) -> list[tuple[str, list]]:
    """`read_workbook` in the capped child process (`ledgers.reader_child`)."""
    try:
        return reader_child.read_apart(path, bounds)
    except reader_child.ReaderStopped as stopped:
        raise FileError(reader_child.stopped_message(str(stopped))) from None


class UncalculatedFormula(str):
    """A formula cell with no saved value (a workbook written by a program and never opened in
    Excel): not blank, and not a value either, so its row is rejected naming the cell."""

    ref: str

    @property
    def problem(self) -> str:
        return (
            f"cell {self.ref} holds a formula ({self}) without a saved value: open the workbook "
            "in Excel, let it calculate, and save it"
        )


class ErrorValue(str):
    """An Excel error value (#DIV/0!, #REF!, #N/A, …), typed in or saved as a formula's result.
    python-calamine reads it as blank, but it is a broken calculation, not a missing value: its
    row is rejected naming the cell, rather than loaded with the value missing."""

    ref: str

    @property
    def problem(self) -> str:
        return (
            f"cell {self.ref} holds the Excel error {self}: correct the formula or the cells it "
            "uses in Excel, and save"
        )


def _local(tag: str) -> str:
    """An element's name without its namespace: `{…/main}c` and a prefixed `x:c` are both `c`."""
    return tag.rpartition("}")[2]


# A formula element, whatever its namespace prefix: `<f>`, `<f t="shared" …/>`, `<x:f>`.
_HAS_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
# A cell typed as an error value (`t="e"`, either quote, spaces around `=`).
_HAS_ERROR = re.compile(rb"""\st\s*=\s*["']e["']""")


def unread_cells(path: Path) -> dict[str, dict[tuple[int, int], UncalculatedFormula | ErrorValue]]:
    """Sheet name -> {(row index, column index): cell} for the cells python-calamine reads as
    blank though they are not: formulas without a saved value and Excel error values. The sheet
    XML says what they are.

    The sheet is parsed as XML (expat, streaming): attributes in any order (`<c s="1" r="A1">`),
    any namespace prefix (`<x:c>`), cells without an `r` (their place follows the previous cell),
    as other tools than Excel write them. Entities are not resolved."""
    found: dict[str, dict[tuple[int, int], UncalculatedFormula | ErrorValue]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name, member in _sheet_members(archive).items():
                xml = archive.read(member)
                # `<f` or a prefixed `:f` (found at memchr speed) before the slower pattern
                formulas = (b"<f" in xml or b":f" in xml) and _HAS_FORMULA.search(xml)
                if not formulas and not _HAS_ERROR.search(xml):
                    continue  # most ledgers hold no formula and no error: nothing to parse
                for (row, column), cell in _unread_cells(xml):
                    found.setdefault(name, {})[(row, column)] = cell
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return {}
    return found


def _unread_cells(
    xml: bytes,
) -> Iterator[tuple[tuple[int, int], UncalculatedFormula | ErrorValue]]:
    """((row index, column index), cell) of each formula cell of a sheet with no saved value and
    each error cell (typed, or a formula's saved result)."""
    row, column = -1, -1
    for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name == "row":
                number = element.get("r")
                row, column = (int(number) - 1 if number else row + 1), -1
            continue
        if name != "c":
            continue
        reference = element.get("r")
        if reference:
            letters, number = coordinate_from_string(reference)
            row, column = number - 1, column_index_from_string(letters) - 1
        else:
            column += 1
        children = {_local(child.tag): child for child in element}
        formula, value = children.get("f"), children.get("v")
        saved = (value.text or "").strip() if value is not None else ""
        cell: UncalculatedFormula | ErrorValue | None = None
        if element.get("t") == "e" and saved:
            cell = ErrorValue(saved)
        elif formula is not None and not saved:
            text = formula.text or ""
            cell = UncalculatedFormula(f"={text}" if text else "(a shared formula)")
        if cell is not None:
            cell.ref = f"{get_column_letter(column + 1)}{row + 1}"
            yield (row, column), cell
        element.clear()  # a sheet of a million cells is not held whole


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from the workbook and its relationships (parsed as XML)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iter()
        if _local(rel.tag) == "Relationship"
    }
    members = {}
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        name = sheet.get("name")
        if name is not None and rid in targets:
            target = targets[rid].lstrip("/")
            members[name] = target if target.startswith("xl/") else f"xl/{target}"
    return members


def _read_csv(path: Path) -> list[list[object]]:
    with path.open("rb") as handle:  # a binary file shows itself in its first block: stop there
        raw = handle.read(1 << 16)
        if b"\x00" not in raw:
            raw += handle.read()
    if b"\x00" in raw:
        raise FileError(
            "the file holds NUL bytes: it is not text (a damaged file, or another kind of file "
            "named .csv); export the ledger again"
        )
    # Excel on a Chinese Windows saves CSV as GB18030 (ANSI); everything else is UTF-8.
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise FileError("the CSV is neither UTF-8 nor GB18030 text") from None
    return _csv_rows(text, limits.current())


def _csv_rows(text: str, bounds: limits.ReadLimits) -> list[list[object]]:
    """The CSV's rows, refusing a line or a cell beyond the limits (naming its line)."""
    for number, line in enumerate(io.StringIO(text, newline=""), 1):
        if len(line) > bounds.max_line_chars:
            raise FileError(
                f"line {number} has {len(line):,} characters, more than the "
                f"{bounds.max_line_chars:,} allowed (ReadLimits.max_line_chars): "
                "is it a ledger exported as CSV?"
            )
    previous = csv.field_size_limit(bounds.max_cell_chars)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[object]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > bounds.max_rows:  # stop reading there: the count is enough to refuse
                check_rows(len(rows), "the file", bounds, counted=False)
        return rows
    except LimitExceeded as error:
        raise FileError(str(error)) from None
    except csv.Error as error:
        if "field larger" in str(error):
            raise FileError(
                f"line {reader.line_num} holds a cell longer than the "
                f"{bounds.max_cell_chars:,} characters a cell may have "
                "(ReadLimits.max_cell_chars, as in Excel)"
            ) from None
        raise FileError(f"line {reader.line_num} is not valid CSV ({error})") from None
    finally:
        csv.field_size_limit(previous)


def check_parquet_rows(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Refuse a Parquet file of more rows than `ReadLimits.max_rows`, counted from its metadata
    before a row is read; a file DuckDB cannot read is left to the reader's own message. `con`:
    a connection to ask (opening one costs more than reading the metadata)."""
    import duckdb

    query = "select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)"
    try:
        if con is not None:
            (rows,) = con.execute(query, [str(path)]).fetchone()
        else:
            with duckdb.connect() as own:
                (rows,) = own.execute(query, [str(path)]).fetchone()
    except duckdb.Error:
        return
    try:
        check_rows(int(rows), "the file", limits.current())
    except LimitExceeded as error:
        raise FileError(str(error)) from None


def _read_parquet(path: Path) -> list[list[object]]:
    """A Parquet file as a grid: its column names as the header row, every cell as DuckDB's text
    of it (dates as 2026-10-01), so that the rules read it as they read a CSV."""
    import duckdb

    try:
        with duckdb.connect() as con:
            relation = con.sql("select * from read_parquet(?)", params=[str(path)])
            names = relation.columns
            rows = relation.select(*(duckdb.ColumnExpression(n).cast("VARCHAR") for n in names))
            return [list(names), *(list(row) for row in rows.fetchall())]
    except duckdb.Error as error:
        raise FileError(f"the Parquet file cannot be read ({error})") from None


@cache
def _header_lookup(kind: str) -> dict[str, Column]:
    return {name: col for col in ledgers()[kind].columns for name in col.header_names()}


def _split_unit(cell: object) -> tuple[str, float | None]:
    """`收入(万元)` -> ('收入', 10000.0); an unknown unit such as (分钟) is dropped, factor None."""
    folded = normalise_header(cell)
    match = _UNIT.match(folded)
    if not match:
        return folded, None
    name, unit = match.group(1).strip(), match.group(2).strip()
    return name, reading_rules().unit_factors.get(unit)


def _header_cells(cells: list[object]) -> list[tuple[int, str, float | None, str, str, bool]]:
    """A row's cells as header matching reads them, once for every ledger kind: each cell not
    blank as (its index, its name and unit factor, its folded spelling, its text, whether its
    name is an identifier's)."""
    identifiers = reading_rules().identifier_columns
    found = []
    for index, cell in enumerate(cells):
        if is_blank(cell):
            continue
        name, factor = _split_unit(cell)
        found.append(
            (index, name, factor, normalise_header(cell), as_text(cell), name in identifiers)
        )
    return found


def _match_header(
    kind: str, cells: list[tuple[int, str, float | None, str, str, bool]]
) -> HeaderMatch:
    """How a row's cells (`_header_cells`) match the kind's columns."""
    lookup = _header_lookup(kind)
    columns: dict[int, tuple[Column, float]] = {}
    header_text: dict[str, str] = {}
    extra, identifiers = [], []
    for index, name, factor, folded, text, identifier in cells:
        column = lookup.get(name) or lookup.get(folded)
        if column is None or column.name in header_text:
            extra.append(text)
            if identifier:
                identifiers.append(text)
            continue
        columns[index] = (column, factor or 1.0)
        header_text[column.name] = text
    missing = [col.zh[0] for col in ledgers()[kind].required if col.name not in header_text]
    return HeaderMatch(kind, -1, columns, header_text, extra, identifiers, missing)


def recognise(file_name: str, grid: list[list[object]]) -> HeaderMatch | str:
    """The ledger kind and header row of a sheet, or the reason none fits."""
    best: dict[str, HeaderMatch] = {}
    closest: HeaderMatch | None = None  # the partial match with most columns, for the message
    kinds = ledgers()
    for row_index, row in enumerate(grid[: reading_rules().header_search_rows]):
        if len(best) == len(kinds):
            break
        cells = _header_cells(row)  # folded once, not once per kind
        for kind in kinds:
            if kind in best:
                continue
            match = _match_header(kind, cells)
            match.row = row_index
            if match.is_complete:
                best[kind] = match
            elif closest is None or _closeness(match) > _closeness(closest):
                closest = match
    if not best:
        return _unrecognised(closest)
    top = max(m.score for m in best.values())
    leaders = [m for m in best.values() if m.score == top]
    if len(leaders) == 1:
        return leaders[0]
    by_prefix = _prefix_kind(file_name, [m.kind for m in leaders])
    if by_prefix:
        return best[by_prefix]
    names = ", ".join(m.kind for m in leaders)
    return f"the header fits several ledgers equally ({names}); name the file with one's prefix"


def _closeness(match: HeaderMatch) -> tuple[bool, int]:
    """A header with all of a kind's key columns is closer to it than one lacking some."""
    return (not match.missing, match.score)


def _unrecognised(closest: HeaderMatch | None) -> str:
    """Why no ledger fits, naming the columns: what the closest kind lacks, or that the sheet
    carries only its key columns."""
    reason = "no header row in the first 10 rows holds all required columns of any ledger"
    if closest is None or closest.score < 2:
        return reason
    spec = ledgers()[closest.kind]
    found = ", ".join([*closest.header_text.values(), *closest.extra])
    if closest.missing:
        lacks = f"lacks its required column(s) {', '.join(closest.missing)}"
    else:
        measures = ", ".join(spec.by_name[name].zh[0] for name in measure_columns(spec))
        lacks = f"has none of its measure columns ({measures})"
    return (
        f"{reason}: row {closest.row + 1} ({found}) looks like the {spec.zh} ({spec.en}) "
        f"ledger but {lacks}; the sheet is not loaded"
    )


def _prefix_kind(file_name: str, kinds: list[str]) -> str | None:
    """Longest file-name prefix among the tied kinds (`设备使用` beats `设备`)."""
    folded = normalise_header(Path(file_name).name)
    hits = [
        (len(prefix), kind)
        for kind in kinds
        for prefix in ledgers()[kind].prefixes
        if folded.startswith(normalise_header(prefix))
    ]
    return max(hits)[1] if hits else None


def _is_totals(value: object) -> bool:
    if is_blank(value) or not isinstance(value, str):
        return False
    folded = normalise_header(value).rstrip(":：")
    markers = reading_rules().totals_markers
    return folded in markers or any(folded.startswith(m) for m in markers if not m.isascii())


def parse_sheet(file: str, sheet: str, grid: list[list[object]], match: HeaderMatch) -> SheetRead:
    """Parse every data row below the header; rows that break a rule become rejections."""
    spec = ledgers()[match.kind]
    read = SheetRead(file, sheet, match.kind, match.row + 1, extra_columns=match.extra)
    marker_columns = [c for c in (spec.dept, spec.period) if c]
    dept_index = next((i for i, (c, _) in match.columns.items() if c.name == spec.dept), None)
    text_columns = [(i, c) for i, (c, _) in match.columns.items() if c.type == "text"]
    previous_dept: object = None
    seen: dict = {}
    for row_index in range(match.row + 1, len(grid)):
        cells = grid[row_index]
        if all(is_blank(c) for c in cells):
            previous_dept = None
            continue
        raw = {
            col.name: cells[i] if i < len(cells) else None for i, (col, _) in match.columns.items()
        }
        for index, column in text_columns:
            if index < len(cells) and looks_like_identifier(cells[index]):
                refuse_identifier_value(sheet, match.header_text[column.name], row_index + 1)
        if any(_is_totals(raw.get(name)) for name in marker_columns):
            read.totals_rows += 1
            continue
        if dept_index is not None:
            if is_blank(raw[spec.dept]) and previous_dept is not None:
                raw[spec.dept] = previous_dept  # merged department cell repeats the one above
            previous_dept = raw[spec.dept]
        record, errors = _parse_row(spec, match, raw, seen)
        excel_row = row_index + 1
        if errors:
            read.rejected.append(row_rejection(file, sheet, excel_row, match, raw, errors))
            continue
        record.update(source_file=file, source_sheet=sheet, source_row=excel_row)
        read.records.append(record)
    return read


def row_rejection(
    file: str,
    sheet: str,
    excel_row: int,
    match: HeaderMatch,
    raw: dict[str, object],
    errors: list[tuple[str, str]],
) -> Rejection:
    """The rejected row as rejected_rows keeps it: every broken rule, and the row's own cells."""
    return Rejection(
        file,
        sheet,
        excel_row,
        match.kind,
        ", ".join(header for header, _ in errors),
        "; ".join(f"{header}: {message}" for header, message in errors),
        {
            match.header_text[k]: as_text(v)
            for k, v in raw.items()
            if not is_blank(v) and ledgers()[match.kind].shows(k)
        },
    )


# Spellings remembered per sheet (`parse_row`'s `seen`): enough for every count and date of a
# big sheet; an episode key column's unique values stop being remembered there.
SEEN_SPELLINGS = 100_000


def parse_row(
    match: HeaderMatch, raw: dict[str, object], seen: dict | None = None
) -> tuple[dict, list[tuple[str, str]]]:
    """One row's cells (column name -> cell) parsed and checked: (record, [(header, message)]).
    `seen`, a dict kept by the caller across the rows of one sheet, remembers each spelling's
    outcome per column (a file of 350,000 rows dated 1900 spells its counts a few ways only)."""
    return _parse_row(ledgers()[match.kind], match, raw, seen)


def _parse_row(
    spec: Ledger, match: HeaderMatch, raw: dict[str, object], seen: dict | None = None
) -> tuple[dict, list[tuple[str, str]]]:
    record: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    factors = {col.name: factor for col, factor in match.columns.values()}
    for column in spec.columns:
        header = match.header_text.get(column.name, column.name)
        cell = raw.get(column.name)
        key = (column.name, type(cell), cell) if seen is not None else None
        outcome = seen.get(key) if key is not None else None
        if outcome is None:
            try:
                outcome = (True, parse_cell(column, cell, factors.get(column.name, 1)))
            except CellError as error:
                outcome = (False, str(error))
            if key is not None and len(seen) < SEEN_SPELLINGS:
                seen[key] = outcome
        if outcome[0]:
            record[column.name] = outcome[1]
        else:
            errors.append((header, outcome[1]))
    if errors:
        return record, errors
    header = lambda name: match.header_text.get(name, name)  # noqa: E731
    for column, checks in _row_rules(spec.kind, clock.today()):
        for rule in checks:  # ledgers.rules: as the set-based load's SQL words them
            if rule.fails(record):
                errors.append((header(column), rule.reason(record, header)))
    return record, errors


@cache
def _row_rules(kind: str, today: dt.date) -> list[tuple[str, list]]:
    """Each column's rules between it and its row (ledgers.rules.row_rules), for one day."""
    return [(c.name, rules.row_rules(c, today)) for c in ledgers()[kind].columns]


def read_file(path: Path, name: str) -> list[SheetRead]:
    """Every sheet of one file, recognised and parsed. Raises FileError for an unusable file."""
    sheets = []
    for raw_name, grid in read_grids(path):
        sheet_name = visible(raw_name)
        match = recognise(name, grid)
        if isinstance(match, str):
            sheets.append(SheetRead(name, sheet_name, skipped=match))
            continue
        refuse_identifiers(match, sheet_name)
        try:
            sheets.append(parse_sheet(name, sheet_name, grid, match))
        except FileError:
            raise  # a patient identifier in a cell refuses the whole file, as one in a header
        except Exception as error:  # noqa: BLE001 -- one sheet's failure must not cost the others
            reason = f"the sheet could not be read ({type(error).__name__}: {error})"
            sheets.append(SheetRead(name, sheet_name, match.kind, skipped=reason))
    return sheets


@cache
def _identifier_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in reading_rules().identifier_values))


def looks_like_identifier(cell: object) -> bool:
    """Whether a cell reads as an 18-digit 身份证号 or an 11-digit mobile number."""
    if is_blank(cell) or isinstance(cell, bool | dt.date):
        return False
    if isinstance(cell, float) and not cell.is_integer():
        return False
    return _identifier_pattern().fullmatch(as_text(cell)) is not None


def refuse_identifier_value(sheet_name: str, header: str, row: int | None) -> None:
    """A text column holding an identifier-looking value refuses its whole file."""
    where = f", row {row}" if row else ""
    raise FileError(
        f"sheet {sheet_name or '(csv)'}, column {header}{where} holds a value that looks like a "
        "身份证号 (18 digits) or a mobile number (11 digits), a direct patient identifier: "
        "remove it and save again; nothing of this file was stored"
    )


def refuse_identifiers(match: HeaderMatch, sheet_name: str) -> None:
    """A sheet with a patient-identifier column refuses its whole file."""
    if match.identifiers:
        columns = ", ".join(match.identifiers)
        raise FileError(
            f"sheet {sheet_name or '(csv)'} holds direct patient identifiers ({columns}): "
            "remove those columns and save again; nothing of this file was stored"
        )
