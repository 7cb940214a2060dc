"""A big workbook's sheets streamed into UTF-8 CSV files, for the set-based path (`ledgers.bulk`).

Handed over as Python objects, the grid of a workbook of 830,000 rows cost 1.9 GiB and 12
minutes of cell-by-cell parsing. Here, in the reader's child process, each sheet is read row by
row (python-calamine's `iter_rows`), its header found by the general path's own `recognise` on
its first rows, and the rows below the header are written as a CSV of the recognised columns
only, plus one column saying whether the row holds anything elsewhere (a row is blank only when
all of its cells are). DuckDB then reads that CSV as it reads a big export.

A cell is written as text only where the text parses exactly as the cell does (same value, or
same rejection reason word for word) and shows the same in a rejection: strings as they are,
numbers in number columns, real dates in date columns, and whatever else `spelling` proves equal
by parsing both. A cell that has no such spelling (a date in a count column, a formula without a
saved value, TRUE in a yes/no column) is written as a token (`ODD`, a private-use character, this
workbook's random nonce and a number) and the cell itself kept in `StreamedSheet.odd`, one token
per distinct value: the set-based path parses, words and shows the cell behind each token with
the general path's own functions (`bulk.original`), so one odd cell costs one Python parse, not
the workbook's move to the general path.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import operator
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from ledgers import limits
from ledgers.limits import LimitExceeded, check_rows
from ledgers.specs import Column, reading_rules
from ledgers.values import FIRST_SERIAL_DATE, CellError, as_text, is_blank, parse_cell, visible


class NotPlain(Exception):
    """The workbook holds a cell the CSV cannot carry unchanged: the general path reads it."""


@dataclass
class StreamedSheet:
    """One sheet as the child wrote it: its header match (indices into the CSV's columns) and
    where its rows went. `skipped` is the general path's reason when no ledger fits."""

    sheet: str
    match: object = None  # reader.HeaderMatch
    csv: str | None = None
    rows: int = 0  # data rows written (every row below the header, blank ones included)
    first_row: int = 0  # the workbook row of the CSV's first data row
    skipped: str | None = None
    odd: dict[str, object] = field(default_factory=dict)  # token -> the cell it stands for


# An odd cell's token starts with this private-use character; a random nonce per workbook keeps
# a ledger's own text from ever reading as one.
ODD = "\ue000"


class OddCells:
    """The tokens standing for one sheet's cells without a text spelling: one per distinct
    cell (type and value, and a formula's cell reference), so that a column of TRUE is one.
    More than `ReadLimits.max_odd_cells` of them refuse the sheet, naming the first; `row` is
    the workbook row being written."""

    def __init__(self, nonce: str, sheet: str) -> None:
        self.nonce = nonce
        self.sheet = sheet
        self.row = 0
        self.cells: dict[str, object] = {}
        self._tokens: dict[tuple, str] = {}
        self._limit = limits.current().max_odd_cells
        self._first: tuple[str, int, object] | None = None

    def token(self, value: object, header: str) -> str:
        key = (type(value), value, getattr(value, "ref", None))
        known = self._tokens.get(key)
        if known is None:
            if self._first is None:
                self._first = (header, self.row, value)
            if len(self.cells) >= self._limit:
                raise LimitExceeded(self._too_many())
            known = self._tokens[key] = f"{ODD}{self.nonce}:{len(self.cells)}"
            self.cells[known] = value
        return known

    def _too_many(self) -> str:
        header, row, value = self._first
        return (
            f"sheet {self.sheet} holds more than {self._limit:,} different cells its columns "
            "cannot take as they are (ReadLimits.max_odd_cells), the first in column "
            f"{header}, row {row}: {as_text(value)}; format the "
            "column as the ledger expects (counts and amounts as numbers, dates as dates), or "
            "save the sheet as CSV"
        )


def original(odd: dict[str, object], cell: object) -> object:
    """The workbook cell a token in `odd` stands for (`StreamedSheet.odd`); any other cell as
    it is."""
    if odd and cell.__class__ is str and cell.startswith(ODD):
        return odd.get(cell, cell)
    return cell


def stream_workbook(path: Path, name: str, folder: Path) -> list[StreamedSheet]:
    """Every sheet of the workbook at `path` (named `name` in the inbox) recognised, and the
    recognised ones written to CSV files in `folder`. Raises NotPlain, or FileError as
    `reader.read_workbook` would."""
    from ledgers.reader import FileError, workbook_error

    try:
        return _stream(path, name, folder)
    except (NotPlain, FileError):
        raise
    except LimitExceeded as error:
        raise FileError(str(error)) from None
    except OSError as error:  # writing the CSV (a full disk): the general path may still read it
        raise NotPlain(f"the sheet could not be written as CSV ({error})") from None
    except Exception as error:  # noqa: BLE001 -- calamine's own types, worded as the general path
        raise workbook_error(error) from None


def _stream(path: Path, name: str, folder: Path) -> list[StreamedSheet]:
    from ledgers.reader import recognise, unread_cells

    workbook = CalamineWorkbook.from_path(str(path))
    formulas = unread_cells(path)
    nonce = secrets.token_hex(8)
    streamed = []
    for number, raw_name in enumerate(workbook.sheet_names):
        sheet = workbook.get_sheet_by_name(raw_name)
        # the row count `read_workbook` checks: its grid's, from row 1 to the last used row
        check_rows(
            sheet.end[0] + 1 if sheet.end else 0, f"sheet {visible(raw_name)}", limits.current()
        )
        rows = _rows(sheet, formulas.get(raw_name, {}))
        head = list(itertools.islice(rows, reading_rules().header_search_rows))
        match = recognise(name, head)
        if isinstance(match, str):
            streamed.append(StreamedSheet(visible(raw_name), skipped=match))
            continue
        target = folder / f"sheet_{number}.csv"
        odd = OddCells(nonce, visible(raw_name))
        written = _write_csv(target, match, head[match.row + 1 :], rows, odd)
        streamed.append(
            StreamedSheet(
                visible(raw_name),
                _csv_match(match),
                str(target),
                written,
                match.row + 2,
                odd=odd.cells,
            )
        )
    return streamed


def _rows(sheet, formulas: dict[tuple[int, int], str]) -> Iterator[list[object]]:
    """The sheet's rows from row 1 as `to_python(skip_empty_area=False)` gives them, with each
    uncalculated formula in its cell as `reader.read_grids` places it."""
    rows = sheet.iter_rows()
    if sheet.start and sheet.start[1]:
        # iter_rows starts at row 1 but at the used area's first column: pad to column A.
        left = [""] * sheet.start[1]
        rows = ([*left, *row] for row in rows)
    if not formulas:
        yield from rows
        return
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (row, column), formula in formulas.items():
        by_row.setdefault(row, []).append((column, formula))
    index = -1
    for index, cells in enumerate(rows):
        yield _with_formulas(cells, by_row.get(index, []))
    for later in range(index + 1, max(by_row) + 1):  # formulas below the last row with a value
        yield _with_formulas([], by_row.get(later, []))


def _with_formulas(cells: list, formulas: list[tuple[int, str]]) -> list:
    for column, formula in formulas:
        cells = cells + [None] * (column + 1 - len(cells))
        cells[column] = formula
    return cells


def _csv_match(match):
    """The match with its columns numbered as the CSV holds them (recognised columns in order)."""
    from ledgers.reader import HeaderMatch

    columns = {i: spec for i, spec in enumerate(match.columns.values())}
    return HeaderMatch(
        match.kind,
        match.row,
        columns,
        match.header_text,
        match.extra,
        match.identifiers,
        match.missing,
    )


def _write_csv(target: Path, match, head: list[list], rows: Iterator[list], odd: OddCells) -> int:
    """Write the data rows (from `head`, then `rows`) as CSV; the number of rows written. A cell
    without a text spelling is written as its token in `odd`."""
    indices = list(match.columns)
    spellers = [
        _speller(column, factor, odd, match.header_text[column.name])
        for column, factor in match.columns.values()
    ]
    reach = max(indices) + 1
    others: dict[int, Callable[[list], tuple]] = {}  # row length -> its other cells
    written = 0
    with target.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow([f"c{i}" for i in range(len(indices) + 1)])
        for cells in itertools.chain(head, rows):
            odd.row = match.row + 2 + written  # the workbook row (header in row match.row + 1)
            if len(cells) < reach:
                cells = [*cells, *[""] * (reach - len(cells))]
            line = [
                v if v.__class__ is str else spell(v)
                for v, spell in zip(_pick(cells, indices), spellers, strict=True)
            ]
            # The row's other cells only decide whether it is blank.
            if len(cells) not in others:
                others[len(cells)] = _getter([i for i in range(len(cells)) if i not in indices])
            rest = others[len(cells)](cells)
            elsewhere = rest.count("") < len(rest) and any(not is_blank(c) for c in rest)
            line.append("x" if elsewhere else "")
            out.writerow(line)
            written += 1
    return written


def _pick(cells: list, indices: list[int]) -> list:
    return [cells[i] for i in indices]


def _getter(indices: list[int]) -> Callable[[list], tuple]:
    """A function giving a row's cells at `indices`, as a tuple (at C speed)."""
    if not indices:
        return lambda _: ()
    if len(indices) == 1:
        return lambda cells: (cells[indices[0]],)
    return operator.itemgetter(*indices)


_DAYS = (dt.date, dt.datetime)


def _speller(column: Column, factor: float, odd: OddCells, header: str) -> Callable[[object], str]:
    """`spelling` for one column's cells that are not plain strings, days remembered (a column
    of real dates holds a few thousand distinct ones); a cell without one as its token."""
    days: dict[object, str] = {}
    proven: dict = {}
    # Most cells of a workbook are numbers in number columns (a finance sheet's 16 columns):
    # `spelling` gives such a finite number `as_text` (`_plainly_equal`), spelled here at once.
    numeric = column.enum is None and column.type in ("int", "number", "amount")

    def spelt(value: object) -> str:
        try:
            return spelling(column, value, factor, proven)
        except NotPlain:
            return odd.token(value, header)

    def spell(value: object) -> str:
        kind = value.__class__
        if numeric and kind is float:
            if value.is_integer():  # as_text: a whole number without its '.0'
                return str(int(value))
            if math.isfinite(value):  # str of a float is ASCII: NFKC and strip keep it
                return str(value)
        elif numeric and kind is int:
            return str(value)
        if kind in _DAYS:
            known = days.get(value)
            if known is None:
                known = days[value] = spelt(value)
            return known
        return spelt(value)

    return spell


# Outcomes remembered per column (`spelling`'s `proven`), enough for its distinct odd cells.
_PROVEN_MAX = 50_000


def spelling(column: Column, value: object, factor: float, proven: dict | None = None) -> str:
    """The text of a cell that the general path's parser reads exactly as it reads the cell.
    `proven`, kept by the caller for one column, remembers which cells' texts were proven."""
    if isinstance(value, str):
        if hasattr(value, "ref"):  # reader.UncalculatedFormula or reader.ErrorValue
            raise NotPlain(value.problem)
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = as_text(value)
    if _plainly_equal(column, value):
        return text
    proven = {} if proven is None else proven
    key = (type(value), value)  # 1.0 == True: the type keeps them apart
    same = proven.get(key)
    if same is None:
        same = _outcome(column, value, factor) == _outcome(column, text, factor)
        if len(proven) < _PROVEN_MAX:
            proven[key] = same
    if not same:
        raise NotPlain(f"a {type(value).__name__} cell in the {column.type} column {column.name}")
    return text


def _plainly_equal(column: Column, value: object) -> bool:
    """Cases where `as_text(value)` parses as `value` by construction (values.parse_cell):
    - text and enumerations read `as_text` of the cell, which `as_text` leaves as it is;
    - a finite number in a number column: `str` of a float (or of a whole one's int) reads back
      as the same float;
    - a real date from 1900-03-01 in a date column, and any real date in a month column: its ISO
      text (with its time of day) names the same day;
    - a whole number in a date column that is an Excel day number of five digits or a compact
      date (20261001), or in a month column a compact month (202610): read from the same text."""
    if column.enum is not None or column.type == "text":
        return True
    if isinstance(value, bool):
        return False
    number = isinstance(value, int | float)
    if column.type in ("int", "number", "amount"):
        return number and math.isfinite(value)
    if column.type in ("date", "month") and isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return column.type == "month" or day >= FIRST_SERIAL_DATE
    if number and math.isfinite(value) and float(value).is_integer():
        if column.type == "date":
            return 10_000 <= value <= 99_999 or 19000101 <= value <= 29991231
        if column.type == "month":
            return 190001 <= value <= 299912
    return False


def _outcome(column: Column, value: object, factor: float) -> tuple[bool, object]:
    try:
        return True, parse_cell(column, value, factor)
    except CellError as error:
        return False, str(error)
