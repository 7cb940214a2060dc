"""A quarter's and a year's own sheets (reports.content.periodic), as on the page: a quarter's
本季度与本年累计 and last 8 quarters; a year's targets attained, its months against last year's
(with a line chart of the two years) and its quarters. Exact 元 in the cells (the page reads
万元); a % indicator's change in percentage points, any other's as a relative change. A year's
sheets carry 同比 only."""

from __future__ import annotations

from functools import partial

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.legend import Legend
from openpyxl.worksheet.worksheet import Worksheet

from reports import labels
from reports.content.periodic import PeriodBlocks, PeriodLine, PeriodTable, ToDate
from reports.content.report import ReportContent
from reports.formatting import (
    EXCEL_FORMATS,
    EXCEL_RELATIVE_FORMAT,
    NumberKind,
    excel_change_format,
    format_band,
)
from reports.render.excel_analysis import heading, shown_value
from reports.render.workbook import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    Column,
    Number,
    finish_table,
    put_text,
    sheet_name,
    write_table,
)

CHART_ROWS = 16  # rows a chart takes, so stacked charts do not overlap


def periodic_sheets(workbook: Workbook, content: ReportContent) -> None:
    """The quarter's or year's sheets, right after the summary sheet."""
    blocks = content.periodic
    if blocks is None:
        return
    t = partial(labels.text, lang=content.lang)
    position = 1
    sheets = []
    if blocks.grain == "quarter":
        sheets = [("to_date_title", _to_date_sheet), ("quarter_trend_title", _quarters_sheet)]
    elif blocks.grain == "year":
        sheets = [
            ("targets_title", _targets_sheet),
            ("year_months_title", _months_sheet),
            ("year_quarters_title", _year_quarters_sheet),
        ]
    for key, write in sheets:
        sheet = workbook.create_sheet(sheet_name(t(key)), position)
        heading(sheet, content, t(key))
        write(sheet, content, blocks)
        position += 1


def _value(value: float | None, kind: NumberKind) -> Number:
    return Number(value, EXCEL_FORMATS[kind])


def _figure(value: float | None, kind: NumberKind, withheld: bool, lang: str) -> Number | str:
    """A period's figure, or why a data error withholds it."""
    return labels.text("withheld_short", lang) if withheld else _value(value, kind)


def _compared(pair: tuple[float | None, float | None], kind: NumberKind, lang: str) -> Number:
    """A % indicator's change in percentage points, anything else's relative change."""
    change, relative = pair
    if kind is NumberKind.PERCENT:
        return Number(change, excel_change_format(kind, lang))
    return Number(relative, EXCEL_RELATIVE_FORMAT)


def _unit(line: PeriodLine | ToDate, lang: str) -> str:
    indicator = line.row.indicator if isinstance(line, ToDate) else line.indicator
    return labels.unit(indicator.unit, lang)


def _to_date_sheet(sheet: Worksheet, content: ReportContent, blocks: PeriodBlocks) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    to_date = t("budget_to_date") + (f" {blocks.to_date_title}" if blocks.to_date_title else "")
    columns = [
        Column(t("indicator"), 20),
        Column(t("unit")),
        Column(t("this_period_quarter")),
        Column(t("mom")),
        Column(t("yoy")),
        Column(to_date, 16),
        Column(t("budget_last_year")),
        Column(t("budget_change")),
    ]
    rows = []
    for line in blocks.to_date:
        row = line.row
        shown = row.has_value and not (row.withheld or row.suppressed)
        if line.withheld or line.suppressed:
            note = t("withheld") if line.withheld else t("suppressed_to_date")
            to_date_cells = [note, None, None]
        else:
            to_date_cells = [
                _value(line.value, row.kind),
                _value(line.last_year, row.kind),
                _compared((line.change, line.change_rel), row.kind, lang),
            ]
        rows.append(
            [
                row.indicator.name(lang),
                _unit(line, lang),
                shown_value(row, lang),
                _compared((row.prior_change, row.prior_change_rel), row.kind, lang)
                if shown
                else None,
                _compared((row.yoy_change, row.yoy_change_rel), row.kind, lang) if shown else None,
                *to_date_cells,
            ]
        )
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=1)
    if not rows:
        put_text(sheet.cell(FIRST_DATA_ROW, 1), t("not_available"))


def _lines_table(
    sheet: Worksheet, content: ReportContent, table: PeriodTable | None, with_yoy: bool
) -> None:
    """Indicator, unit, one column per period (and 全年 for a year), with a 同比 row under each
    indicator when asked."""
    lang = content.lang
    t = partial(labels.text, lang=lang)
    if table is None:
        put_text(sheet.cell(HEADER_ROW, 1), t("not_available"))
        return
    whole_year = content.grain == "year"
    columns = [Column(t("indicator"), 20), Column(t("unit"))]
    columns += [Column("")] if with_yoy else []
    columns += [Column(header) for header in table.headers]
    columns += [Column(t("whole_year"))] if whole_year else []
    rows = []
    for line in table.lines:
        label = [t("this_year_line")] if with_yoy else []
        total = [_figure(line.total, line.kind, line.total_withheld, lang)] if whole_year else []
        rows.append(
            [
                line.indicator.name(lang),
                _unit(line, lang),
                *label,
                *(
                    _figure(v, line.kind, held, lang)
                    for v, held in zip(line.values, line.withheld, strict=True)
                ),
                *total,
            ]
        )
        if with_yoy:
            changes = [_compared(pair, line.kind, lang) for pair in line.changes()]
            total = [_compared(line.total_change, line.kind, lang)] if whole_year else []
            rows.append([None, None, t("yoy"), *changes, *total])
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=1)


def _quarters_sheet(sheet: Worksheet, content: ReportContent, blocks: PeriodBlocks) -> None:
    _lines_table(sheet, content, blocks.quarters, with_yoy=False)


def _year_quarters_sheet(sheet: Worksheet, content: ReportContent, blocks: PeriodBlocks) -> None:
    _lines_table(sheet, content, blocks.quarters, with_yoy=True)


def _targets_sheet(sheet: Worksheet, content: ReportContent, blocks: PeriodBlocks) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    columns = [
        Column(t("indicator"), 20),
        Column(t("unit")),
        Column(t("target")),
        Column(t("actual")),
        Column(t("yoy")),
        Column(t("attained")),
        Column(t("status")),
    ]
    rows = []
    for row in blocks.targets:
        shown = row.has_value and not (row.withheld or row.suppressed)
        met = None
        if shown and row.status:
            met = t("target_met") if row.status == "ok" else t("target_missed")
        rows.append(
            [
                row.indicator.name(lang),
                labels.unit(row.indicator.unit, lang),
                format_band(row.band_low, row.band_high, row.kind),
                shown_value(row, lang),
                _compared((row.yoy_change, row.yoy_change_rel), row.kind, lang) if shown else None,
                met,
                labels.status(row.status, lang) if shown else None,
            ]
        )
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=1)


def _months_sheet(sheet: Worksheet, content: ReportContent, blocks: PeriodBlocks) -> None:
    """Months down, each indicator's this year, last year and 同比 across; a line chart of the
    two years per indicator beside the table (straight lines, last year's dashed)."""
    lang = content.lang
    t = partial(labels.text, lang=lang)
    table = blocks.months
    if table is None:
        put_text(sheet.cell(HEADER_ROW, 1), t("not_available"))
        return
    columns = [Column(t("month"))]
    for line in table.lines:
        name = line.indicator.name(lang)
        columns += [
            Column(f"{name} · {t('this_year_line')}"),
            Column(f"{name} · {t('last_year_line')}"),
            Column(f"{name} · {t('yoy')}"),
        ]
    rows = []
    for i, header in enumerate(table.headers):
        row = [header]
        for line in table.lines:
            last_year = line.last_year[i] if line.last_year else None
            row += [
                _figure(line.values[i], line.kind, line.withheld[i], lang),
                _value(last_year, line.kind),
                _compared(line.changes()[i], line.kind, lang),
            ]
        rows.append(row)
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=1)
    anchor = len(columns) + 2
    for number, line in enumerate(table.lines):
        first = 2 + 3 * number
        chart = LineChart()
        chart.title = f"{line.indicator.name(lang)} ({labels.unit(line.indicator.unit, lang)})"
        chart.add_data(
            Reference(sheet, min_col=first, max_col=first + 1, min_row=HEADER_ROW, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(Reference(sheet, min_col=1, min_row=FIRST_DATA_ROW, max_row=last))
        for position, series in enumerate(chart.series):
            series.smooth = False
            if position:  # last year: dashed grey
                series.graphicalProperties.line.solidFill = "9AA5B1"
                series.graphicalProperties.line.dashStyle = "dash"
        chart.y_axis.number_format = EXCEL_FORMATS[line.kind]
        chart.legend = Legend(legendPos="b")
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.width, chart.height = 18, 7.5
        sheet.add_chart(chart, sheet.cell(HEADER_ROW + number * CHART_ROWS, anchor).coordinate)
