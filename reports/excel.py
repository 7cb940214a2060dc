"""The monthly report as an Excel workbook (openpyxl): a summary sheet, one sheet per family,
a commentary sheet; number formats, frozen headers, filters, status fills and native line charts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from metrics import catalogue
from reports import labels
from reports.content import FamilySection, IndicatorRow, MonthContent
from reports.formatting import (
    EXCEL_FORMATS,
    EXCEL_RELATIVE_FORMAT,
    excel_change_format,
    format_band,
)

TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
STATUS_FILLS = {"ok": "C6EFCE", "watch": "FFEB9C", "alert": "FFC7CE"}
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")
MIN_WIDTH, MAX_WIDTH = 8, 60
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class _Column:
    label: str  # key in labels.toml
    width_hint: int = 0


_INDICATOR_COLUMNS = (
    _Column("indicator", 24),
    _Column("value"),
    _Column("unit"),
    _Column("prior"),
    _Column("mom_change"),
    _Column("mom_change_rel"),
    _Column("yoy_base"),
    _Column("yoy_change"),
    _Column("yoy_change_rel"),
    _Column("band"),
    _Column("status"),
    _Column("reason", 24),
)


def write_month_workbook(content: MonthContent, path: Path) -> Path:
    """Write the department's monthly workbook to `path`."""
    lang = content.lang
    workbook = Workbook()
    summary = workbook.active
    summary.title = _sheet_name(labels.text("summary_sheet", lang))
    _indicator_sheet(summary, content, labels.text("key_indicators", lang), content.tiles, True)
    for section in content.families:
        sheet = workbook.create_sheet(_sheet_name(section.family.name(lang)))
        _indicator_sheet(sheet, content, section.family.name(lang), section.rows, False)
        _trend_chart(sheet, content, section)
    _commentary_sheet(
        workbook.create_sheet(_sheet_name(labels.text("commentary_sheet", lang))), content
    )
    workbook.properties.title = f"{content.dept_name} {content.month}"
    workbook.properties.creator = "deptops"
    workbook.save(path)
    return path


def put_text(cell: Cell, text: str | None) -> Cell:
    """Text stays text: openpyxl turns a string starting with = into a formula, and ledger text
    (names, commentary) may start with =, +, - or @. Characters XML cannot hold are dropped."""
    if text is None:
        cell.value = None
        return cell
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    cell.data_type = "s"
    return cell


def _indicator_sheet(
    sheet: Worksheet,
    content: MonthContent,
    heading: str,
    rows: list[IndicatorRow],
    with_family: bool,
) -> None:
    lang = content.lang
    columns = ([_Column("family")] if with_family else []) + list(_INDICATOR_COLUMNS)
    _title(sheet, content, heading)
    for number, column in enumerate(columns, 1):
        _header(sheet.cell(HEADER_ROW, number), labels.text(column.label, lang))
    families = catalogue.families()
    for offset, row in enumerate(rows):
        line = FIRST_DATA_ROW + offset
        values = []
        if with_family:
            values.append(("text", families[row.indicator.family].name(lang)))
        values += [
            ("text", row.indicator.name(lang)),
            ("value", row.value),
            ("text", labels.unit(row.indicator.unit, lang)),
            ("value", row.prior_value),
            ("change", row.prior_change),
            ("relative", row.prior_change_rel),
            ("value", row.yoy_value),
            ("change", row.yoy_change),
            ("relative", row.yoy_change_rel),
            ("text", format_band(row.band_low, row.band_high, row.kind)),
            ("text", labels.status(row.status, lang)),
            ("text", None if row.has_value else catalogue.reason_text(row.reason, lang)),
        ]
        for number, (role, value) in enumerate(values, 1):
            cell = sheet.cell(line, number)
            if role == "text":
                put_text(cell, value)
                continue
            cell.value = value
            cell.number_format = {
                "value": EXCEL_FORMATS[row.kind],
                "change": excel_change_format(row.kind, lang),
                "relative": EXCEL_RELATIVE_FORMAT,
            }[role]
    last_row = FIRST_DATA_ROW + max(len(rows), 1) - 1
    last_column = get_column_letter(len(columns))
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 2 + with_family)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{last_row}"
    _status_fills(sheet, columns, last_row, lang)
    _fit_columns(sheet, columns)
    _print_setup(sheet)


def _status_fills(sheet: Worksheet, columns: list[_Column], last_row: int, lang: str) -> None:
    """Colour value and status by the status, as conditional formats so they follow a re-sort."""
    labels_in_order = [column.label for column in columns]
    status_column = get_column_letter(labels_in_order.index("status") + 1)
    value_column = get_column_letter(labels_in_order.index("value") + 1)
    cells = (
        f"{value_column}{FIRST_DATA_ROW}:{value_column}{last_row} "
        f"{status_column}{FIRST_DATA_ROW}:{status_column}{last_row}"
    )
    for code, colour in STATUS_FILLS.items():
        text = labels.status(code, lang).replace('"', '""')
        sheet.conditional_formatting.add(
            cells,
            FormulaRule(
                formula=[f'${status_column}{FIRST_DATA_ROW}="{text}"'],
                fill=PatternFill(bgColor=colour),
            ),
        )


def _trend_chart(sheet: Worksheet, content: MonthContent, section: FamilySection) -> None:
    """Below the table: the 13-month values of the family's key indicator and a line chart of them."""
    if not section.trends:
        return
    trend = section.trends[0]
    lang = content.lang
    top = FIRST_DATA_ROW + len(section.rows) + 2
    _header(sheet.cell(top, 1), labels.text("trend_sheet_period", lang))
    _header(sheet.cell(top, 2), trend.row.indicator.name(lang))
    for offset, (month, value) in enumerate(
        zip(content.trend_months, trend.values, strict=True), 1
    ):
        put_text(sheet.cell(top + offset, 1), month)
        cell = sheet.cell(top + offset, 2, value)
        cell.number_format = EXCEL_FORMATS[trend.row.kind]
    bottom = top + len(content.trend_months)
    chart = LineChart()
    chart.title = f"{trend.row.indicator.name(lang)} · {labels.text('trend', lang)}"
    chart.add_data(Reference(sheet, min_col=2, min_row=top, max_row=bottom), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=bottom))
    chart.y_axis.number_format = EXCEL_FORMATS[trend.row.kind]
    chart.legend = None
    # openpyxl marks axes deleted by default, and recent Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = 18, 7.5
    sheet.add_chart(chart, f"D{top}")


def _commentary_sheet(sheet: Worksheet, content: MonthContent) -> None:
    lang = content.lang
    columns = [
        _Column("department", 16),
        _Column("topic", 14),
        _Column("factor"),
        _Column("text", 60),
    ]
    _title(sheet, content, labels.text("commentary", lang))
    for number, column in enumerate(columns, 1):
        _header(sheet.cell(HEADER_ROW, number), labels.text(column.label, lang))
    for offset, comment in enumerate(content.commentary):
        line = FIRST_DATA_ROW + offset
        for number, text in enumerate(
            (comment.dept_name, comment.topic, comment.factor, comment.text), 1
        ):
            put_text(sheet.cell(line, number), text)
        sheet.cell(line, 4).alignment = Alignment(wrap_text=True, vertical="top")
    last_row = FIRST_DATA_ROW + max(len(content.commentary), 1) - 1
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:D{last_row}"
    _fit_columns(sheet, columns)
    _print_setup(sheet)


def _title(sheet: Worksheet, content: MonthContent, heading: str) -> None:
    title = f"{content.dept_name} · {labels.month_title(content.month, content.lang)} · {heading}"
    put_text(sheet.cell(TITLE_ROW, 1), title).font = Font(bold=True, size=13)


def _header(cell: Cell, text: str) -> None:
    put_text(cell, text)
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=True)


def _display_width(value: object) -> int:
    """Characters as Excel lays them out: CJK and full-width characters take two columns."""
    text = f"{value:,.2f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit_columns(sheet: Worksheet, columns: list[_Column]) -> None:
    for number, column in enumerate(columns, 1):
        widths = [
            _display_width(cell.value)
            for (cell,) in sheet.iter_rows(min_row=HEADER_ROW, min_col=number, max_col=number)
            if cell.value is not None
        ]
        width = max([column.width_hint, *widths]) + 2
        sheet.column_dimensions[get_column_letter(number)].width = min(
            max(width, MIN_WIDTH), MAX_WIDTH
        )


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"


def _sheet_name(name: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return name.translate(_SHEET_NAME_FORBIDDEN)[:31]
