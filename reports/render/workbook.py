"""How every deptops workbook looks (openpyxl): text that stays text, headers, tables with number
formats, filters and frozen headers, status colours that follow a re-sort, A4 printing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from reports import labels

TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
STATUS_FILLS = {"ok": "C6EFCE", "watch": "FFEB9C", "alert": "FFC7CE"}
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
# a workbook's header style (openpyxl's array of its style entries), once it has one
_HEADER_STYLES: WeakKeyDictionary[Workbook, StyleArray] = WeakKeyDictionary()
MIN_WIDTH, MAX_WIDTH = 8, 60
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    label: str  # the header, in the reader's language
    width_hint: int = 0
    number_format: str | None = None  # for numbers that do not carry their own
    wrap: bool = False
    note: str | None = None  # a cell note on the header: what the column's indicator computes


@dataclass(frozen=True)
class Number:
    """A number with its own format (an indicator table mixes % and CNY in one column)."""

    value: float | None
    number_format: str


def put_text(cell: Cell, text: str | None) -> Cell:
    """Text stays text: openpyxl turns a string starting with = into a formula, and ledger text
    (names, commentary) may start with =, +, - or @. Characters XML cannot hold are dropped."""
    if text is None:
        cell.value = None
        return cell
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    cell.data_type = "s"
    return cell


def title(sheet: Worksheet, text: str) -> None:
    put_text(sheet.cell(TITLE_ROW, 1), text).font = Font(bold=True, size=13)


def header(cell: Cell, text: str) -> None:
    put_text(cell, text)
    workbook = cell.parent.parent
    styled = _HEADER_STYLES.get(workbook)
    if styled is not None and not cell.has_style:
        # the style of the workbook's first header cell: the same font, fill and alignment
        # entries, without openpyxl hashing three style objects again (6,000 header cells of a
        # quarter's reports: a seventh of rendering them)
        cell._style = copy(styled)
        return
    unstyled = not cell.has_style
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    if unstyled:
        _HEADER_STYLES[workbook] = copy(cell._style)


def write_table(
    sheet: Worksheet,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    top: int = HEADER_ROW,
    first_column: int = 1,
) -> int:
    """Header at row `top`, then one line per row; returns the last row written (the header's
    when there are no rows). A str is text, a Number or a number gets its format."""
    for offset, column in enumerate(columns):
        cell = sheet.cell(top, first_column + offset)
        header(cell, column.label)
        if column.note:
            cell.comment = Comment(column.note, "deptops")
    line = top
    for line, values in enumerate(rows, top + 1):
        for offset, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell = sheet.cell(line, first_column + offset)
            if isinstance(value, Number):
                cell.value = value.value
                cell.number_format = value.number_format
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
                if column.number_format:
                    cell.number_format = column.number_format
            else:
                put_text(cell, value)
            if column.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return line


def finish_table(
    sheet: Worksheet, columns: Sequence[Column], last_row: int, freeze_columns: int = 0
) -> None:
    """Filter over the table under HEADER_ROW, header frozen, columns fitted, A4 landscape."""
    last_column = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{max(last_row, FIRST_DATA_ROW)}"
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1 + freeze_columns)
    fit_columns(sheet, columns)
    print_setup(sheet)


def status_fills(
    sheet: Worksheet, cells: str, status_cell: str, lang: str, codes: Iterable[str] = STATUS_FILLS
) -> None:
    """Colour `cells` by the status word in `status_cell` (relative to the range's first cell),
    as conditional formats so that the colours follow the rows through a re-sort."""
    for code in codes:
        text = labels.status(code, lang).replace('"', '""')
        sheet.conditional_formatting.add(
            cells,
            FormulaRule(
                formula=[f'{status_cell}="{text}"'],
                fill=PatternFill(bgColor=STATUS_FILLS[code]),
            ),
        )


def text_width(text: str) -> int:
    """Characters as Excel lays them out: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def display_width(value: object, number_format: str = "General") -> int:
    """The width of a cell's value as Excel shows it, in its number format."""
    return text_width(excel_text(value, number_format))


_PLACEHOLDERS = re.compile(r"[#0][#0,]*(?:\.[#0]*)?")


def excel_text(value: object, number_format: str = "General") -> str:
    """A value as Excel shows it in the number formats deptops writes ('#,##0.00', '0.0%',
    '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"', '#,##0.##'): enough to size a column so that a
    number never shows as ###. Text is itself."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    sections = _split_sections(number_format or "General")
    section, number = sections[0], float(value)
    if number < 0 and len(sections) > 1:
        section, number = sections[1], -number  # the section writes its own sign
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    if section.strip().lower() == "general":
        return f"{number:.10g}" if abs(number) < 1e11 else f"{number:.5E}"
    # the quoted text stays where it is; the placeholders (#,##0.00) become the number
    pieces = re.split(r'("[^"]*")', section)
    text = ""
    for piece in pieces:
        if piece.startswith('"'):
            text += piece[1:-1]
            continue
        if "%" in piece:
            number *= 100
        match = _PLACEHOLDERS.search(piece)
        if match is None:
            text += piece
            continue
        digits = match.group(0)
        decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
        grouping = "," if "," in digits else ""
        body = f"{number:{grouping}.{decimals}f}"
        text += piece[: match.start()] + body + piece[match.end() :]
    return text


def _split_sections(number_format: str) -> list[str]:
    """A number format's ;-separated sections (a ; inside quotes is text)."""
    sections, current, quoted = [], "", False
    for char in number_format:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += char
    return [*sections, current]


def fit_columns(sheet: Worksheet, columns: Sequence[Column], first_row: int = HEADER_ROW) -> None:
    if not columns:
        return
    # one pass over the table's rows (the same cells as a pass per column, at a fraction of
    # openpyxl's cost of walking a column)
    widths: list[list[int]] = [[column.width_hint] for column in columns]
    for row in sheet.iter_rows(min_row=first_row, max_col=len(columns)):
        for cell, found in zip(row, widths, strict=True):
            if cell.value is not None:
                found.append(display_width(cell.value, cell.number_format))
    for number, found in enumerate(widths, 1):
        width = max(found) + 2
        sheet.column_dimensions[get_column_letter(number)].width = min(
            max(width, MIN_WIDTH), MAX_WIDTH
        )


def fit_numbers(sheet: Worksheet, first_row: int = HEADER_ROW) -> None:
    """Widen every column to its widest number as formatted (a table written below another, a
    trend table beside a summary): Excel shows ### for a number its column cannot hold; text
    may spill or wrap, a number may not."""
    widest: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                width = display_width(cell.value, cell.number_format) + 2
                widest[cell.column] = max(widest.get(cell.column, 0), width)
    for column, width in widest.items():
        dimension = sheet.column_dimensions[get_column_letter(column)]
        if (dimension.width or 0) < width:
            dimension.width = max(width, MIN_WIDTH)


def page_header(sheet: Worksheet, left: str, centre: str, right: str) -> None:
    """Who and what at the top of every printed page (department, the report, the period; the
    page number is print_setup's). '&' starts a code in Excel's header text: doubled."""

    def escaped(text: str) -> str:
        return ILLEGAL_CHARACTERS_RE.sub("", text).replace("&", "&&")[:250]

    for part, text in (("left", left), ("center", centre), ("right", right)):
        section = getattr(sheet.oddHeader, part)
        section.text = escaped(text)
        section.size = 9


def named(hospital_name: str | None, name: str) -> str:
    """'示例市第一人民医院 · 心内科' for a page header's left part: the hospital's name when set."""
    return f"{hospital_name} · {name}" if hospital_name else name


def print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    # page x / y at the foot of every printed page, as in the PDF of a report
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddFooter.center.size = 9


def sheet_name(name: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return name.translate(_SHEET_NAME_FORBIDDEN)[:31]
