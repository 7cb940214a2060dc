"""A period report as an Excel workbook (openpyxl): a summary sheet, one sheet per family with its
trend and native line charts, the analysis sheets (excel_analysis), supplies with a bar chart,
commentary and a data-quality sheet."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.legend import Legend
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from metrics import catalogue
from reports import labels
from reports.content.report import FamilySection, IndicatorRow, ReportContent
from reports.data import privacy
from reports.files import QUALITY_SUFFIX
from reports.formatting import (
    EXCEL_FORMATS,
    EXCEL_RELATIVE_FORMAT,
    excel_change_format,
    format_band,
)
from reports.render.excel_analysis import (
    attention_sheet,
    heading,
    indicator_value,
    movement_sheet,
    peers_sheet,
    without_mom,
)
from reports.render.excel_finance import (
    budget_sheet,
    casemix_sheet,
    department_sheet,
    matrix_sheet,
    structure_sheet,
)
from reports.render.excel_periodic import periodic_sheets
from reports.render.workbook import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    STATUS_FILLS,
    Column,
    Number,
    finish_table,
    fit_numbers,
    header,
    named,
    page_header,
    print_setup,
    put_text,
    sheet_name,
    status_fills,
    write_table,
)

__all__ = ["put_text", "write_period_workbook"]

TARGET_COLOUR = "2E7D32"  # the band's green, as on the page
CHART_ROWS = 16  # rows one chart takes, so stacked charts do not overlap
TOP_SUPPLY_BARS = 10

_INDICATOR_COLUMNS = (
    ("indicator", 24),
    ("value", 0),
    ("unit", 0),
    ("prior", 0),
    ("mom_change", 0),
    ("mom_change_rel", 0),
    ("yoy_base", 0),
    ("yoy_change", 0),
    ("yoy_change_rel", 0),
    ("band", 0),
    ("status", 0),
    ("reason", 24),
    ("formula", 30),  # what the name computes (the catalogue's formula in words)
)


def write_period_workbook(content: ReportContent, path: Path) -> Path:
    """Write the department's workbook for the period to `path`."""
    lang = content.lang
    t = partial(labels.text, lang=lang)
    workbook = Workbook()
    summary = workbook.active
    summary.title = sheet_name(t("summary_sheet"))
    last = _indicator_sheet(summary, content, t("key_indicators"), content.tiles, with_family=True)
    # a ledger kind the hospital never provided: one line each, as on the page
    for offset, line in enumerate(content.missing_ledgers):
        summary.cell(row=last + 2 + offset, column=1, value=line)
    periodic_sheets(workbook, content)  # a quarter's or a year's own blocks, after the summary
    for section in content.families:
        sheet = workbook.create_sheet(sheet_name(section.family.name(lang)))
        last = _indicator_sheet(sheet, content, section.family.name(lang), section.rows)
        if section.family.id == "service":
            last = _service_counts(sheet, content, last + 2)
        _trend_charts(sheet, content, section, last + 2)
    if content.budget is not None and content.budget.lines:
        budget_sheet(workbook.create_sheet(sheet_name(t("budget_sheet"))), content)
    if content.structures:
        structure_sheet(workbook.create_sheet(sheet_name(t("structure_sheet"))), content)
    if content.case_mix is not None and not content.case_mix.is_empty:
        casemix_sheet(workbook.create_sheet(sheet_name(t("casemix_title"))), content)
    if content.department_table:
        table = content.department_table
        department_sheet(
            workbook.create_sheet(sheet_name(t("department_finance"))),
            f"{content.dept_name} · {content.period_title} · {t('department_finance')}",
            [*table.departments, *table.totals],
            table.sheet_columns,
            lang,
        )
    if content.matrix:
        matrix_sheet(workbook.create_sheet(sheet_name(t("matrix_sheet"))), content)
    attention_sheet(workbook.create_sheet(sheet_name(t("attention_sheet"))), content)
    movement_sheet(workbook.create_sheet(sheet_name(t("movement_sheet"))), content)
    if content.peers and not content.is_hospital:
        peers_sheet(workbook.create_sheet(sheet_name(t("peers_sheet"))), content)
    _supplies_sheet(workbook.create_sheet(sheet_name(t("supplies_sheet"))), content)
    _commentary_sheet(workbook.create_sheet(sheet_name(t("commentary_sheet"))), content)
    quality_book = f"{path.stem}{QUALITY_SUFFIX}.xlsx"  # reports.render.quality's name for it
    _quality_sheet(workbook.create_sheet(sheet_name(t("dq_sheet"))), content, quality_book)
    if content.revision:
        _revision_sheet(workbook.create_sheet(sheet_name(t("revision_sheet")), 1), content)
    finish_workbook(workbook, content)
    workbook.properties.title = f"{content.dept_name} {content.period}"
    workbook.properties.creator = "deptops"
    workbook.save(path)
    return path


def finish_workbook(workbook: Workbook, content: ReportContent) -> None:
    """Every sheet: columns wide enough for every number as formatted (never ###), A4 with the
    page's header (hospital, department; report; period) and footer (page x / y)."""
    title = content.report_title
    for sheet in workbook.worksheets:
        fit_numbers(sheet)
        print_setup(sheet)  # sheets without a table (a chart's data, a note) print alike
        page_header(
            sheet, named(content.hospital_name, content.dept_name), title, content.period_title
        )


def _indicator_sheet(
    sheet: Worksheet,
    content: ReportContent,
    sheet_title: str,
    rows: list[IndicatorRow],
    with_family: bool = False,
) -> int:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    specs = ([("family", 0)] if with_family else []) + list(_INDICATOR_COLUMNS)
    families = catalogue.families()
    lines = []
    for row in rows:
        change = excel_change_format(row.kind, lang)
        line = [families[row.indicator.family].name(lang)] if with_family else []
        line += [
            row.indicator.name(lang),
            indicator_value(row.value, row),
            labels.unit(row.indicator.unit, lang),
            indicator_value(row.prior_value, row),
            Number(row.prior_change, change),
            Number(row.prior_change_rel, EXCEL_RELATIVE_FORMAT),
            indicator_value(row.yoy_value, row),
            Number(row.yoy_change, change),
            Number(row.yoy_change_rel, EXCEL_RELATIVE_FORMAT),
            format_band(row.band_low, row.band_high, row.kind),
            labels.status(row.status, lang),
            _note(row, lang),
            row.indicator.formula(lang),
        ]
        lines.append(line)
    keys, lines = without_mom(content, [key for key, _ in specs], lines)
    hints = dict(specs)
    columns = [Column(t(key), hints[key]) for key in keys]
    heading(sheet, content, sheet_title)
    last = write_table(sheet, columns, lines)
    finish_table(sheet, columns, last, freeze_columns=1 + with_family)
    status_column = get_column_letter(keys.index("status") + 1)
    value_column = get_column_letter(keys.index("value") + 1)
    end = max(last, FIRST_DATA_ROW)
    status_fills(
        sheet,
        f"{value_column}{FIRST_DATA_ROW}:{value_column}{end} "
        f"{status_column}{FIRST_DATA_ROW}:{status_column}{end}",
        f"${status_column}{FIRST_DATA_ROW}",
        lang,
    )
    return end


def _note(row: IndicatorRow, lang: str) -> str | None:
    """Withheld, suppressed for circulation, built on few events (例数少), or why there is no value."""
    if row.withheld:
        return labels.text("withheld", lang)
    if row.suppressed:
        return privacy.note(row.suppressed_below, lang)
    if row.few_events:
        return labels.text("few_events", lang)
    return None if row.has_value else catalogue.reason_text(row.reason, lang)


def _service_counts(sheet: Worksheet, content: ReportContent, top: int) -> int:
    """The feedback and appointment counts behind the service indicators, below their table."""
    if not content.service:
        return top - 2
    lang = content.lang
    columns = [
        Column(labels.text("ledger", lang)),
        Column(labels.text("indicator", lang)),
        Column(labels.text("total", lang), number_format="#,##0"),
    ]
    rows = [(f.ledger, f.label, f.value) for f in content.service]
    return write_table(sheet, columns, rows, top=top)


def _trend_charts(
    sheet: Worksheet, content: ReportContent, section: FamilySection, top: int
) -> None:
    """The family's charted indicators over the trend window: a table of the amounts (the
    band's bounds beside an indicator that has one) and a line chart each, straight lines with
    the bounds as dashed target lines."""
    if not section.trends:
        return
    lang = content.lang
    header(sheet.cell(top, 1), labels.text("trend_sheet_period", lang))
    for offset, period in enumerate(content.trend_periods, 1):
        put_text(sheet.cell(top + offset, 1), period)
    bottom = top + len(content.trend_periods)
    column = 2
    blocks = []  # (trend, its value column, its bound columns)
    for trend in section.trends:
        row, number_format = trend.row, EXCEL_FORMATS[trend.row.kind]
        columns = [(trend.row.indicator.name(lang), trend.values)]
        for key, bound in (("target_low", row.band_low), ("target_high", row.band_high)):
            if bound is not None:
                label = f"{trend.row.indicator.name(lang)} · {labels.text(key, lang)}"
                columns.append((label, [bound] * len(content.trend_periods)))
        blocks.append((trend, column, len(columns)))
        for label, values in columns:
            header(sheet.cell(top, column), label)
            for offset, value in enumerate(values, 1):
                sheet.cell(top + offset, column, value).number_format = number_format
            column += 1
    anchor_column = get_column_letter(max(len(_INDICATOR_COLUMNS), column) + 2)
    caption = labels.text(f"trend_{content.grain}", lang).format(count=len(content.trend_periods))
    for number, (trend, first, count) in enumerate(blocks):
        chart = LineChart()
        chart.title = f"{trend.row.indicator.name(lang)} · {caption}"
        chart.add_data(
            Reference(sheet, min_col=first, max_col=first + count - 1, min_row=top, max_row=bottom),
            titles_from_data=True,
        )
        chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=bottom))
        for position, series in enumerate(chart.series):
            series.smooth = False  # openpyxl smooths lines by default: a trend is drawn as is
            if position:  # a bound of the band: a thin dashed line, no markers
                series.graphicalProperties.line.solidFill = TARGET_COLOUR
                series.graphicalProperties.line.dashStyle = "dash"
                series.graphicalProperties.line.width = 12700  # 1 pt in EMU
                series.marker.symbol = "none"
        chart.y_axis.number_format = EXCEL_FORMATS[trend.row.kind]
        chart.legend = None if count == 1 else Legend(legendPos="b")
        # openpyxl marks axes deleted by default, and recent Excel then hides them.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.width, chart.height = 18, 7.5
        sheet.add_chart(chart, f"{anchor_column}{HEADER_ROW + number * CHART_ROWS}")


def _supplies_sheet(sheet: Worksheet, content: ReportContent) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    supplies = content.supplies
    heading(sheet, content, t("supplies_issued"))
    if supplies is None:
        put_text(
            sheet.cell(HEADER_ROW, 1),
            t("withheld") if content.detail_withheld else t("no_supplies"),
        )
        return
    names = supplies.labels
    value_name = catalogue.indicators()["supplies_issued_value"].name(lang)
    columns = [
        Column(names["item_code"]),
        Column(names["item_name"], 16),
        Column(names["category"]),
        Column(names["issued_qty"], number_format="#,##0.##"),
        Column(names["unit"]),
        Column(value_name, number_format="#,##0.00"),
    ]
    rows = [
        [s.item_code, s.item_name, s.category, s.issued_qty, s.unit, s.issued_value]
        for s in supplies.issued
    ]
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=2)
    if rows:
        chart = BarChart()
        chart.type = "bar"  # horizontal: item names stay readable
        chart.title = value_name
        bars = min(len(rows), TOP_SUPPLY_BARS)
        chart.add_data(
            Reference(sheet, min_col=6, min_row=HEADER_ROW, max_row=HEADER_ROW + bars),
            titles_from_data=True,
        )
        chart.set_categories(
            Reference(sheet, min_col=2, min_row=FIRST_DATA_ROW, max_row=HEADER_ROW + bars)
        )
        chart.y_axis.number_format = "#,##0"
        chart.legend = None
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.width, chart.height = 16, 7.5
        sheet.add_chart(chart, f"H{HEADER_ROW}")

    top = max(last, FIRST_DATA_ROW) + 3
    put_text(sheet.cell(top - 1, 1), t("low_stock"))
    low_columns = [
        Column(t("department")),
        Column(t("month")),
        Column(names["item_code"]),
        Column(names["item_name"]),
        Column(names["closing_qty"], number_format="#,##0.##"),
        Column(names["reorder_level"], number_format="#,##0.##"),
        Column(t("shortfall"), number_format="#,##0.##"),
        Column(names["unit"]),
    ]
    low = [
        [
            i.dept_name,
            i.month,
            i.item_code,
            i.item_name,
            i.closing_qty,
            i.reorder_level,
            i.shortfall,
            i.unit,
        ]
        for i in supplies.low_stock
    ]
    if low:
        write_table(sheet, low_columns, low, top=top)
    else:
        put_text(sheet.cell(top, 1), t("no_low_stock"))


def _commentary_sheet(sheet: Worksheet, content: ReportContent) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    columns = [
        Column(t("department"), 16),
        Column(t("topic"), 14),
        Column(t("cause")),
        Column(t("text"), 60, wrap=True),
        Column(t("month")),
        Column(t("plan"), 40, wrap=True),
    ]
    rows = [(c.dept_name, c.topic, c.factor, c.text, c.month, c.plan) for c in content.commentary]
    heading(sheet, content, t("commentary"))
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last)
    _measures_table(sheet, content, max(last, FIRST_DATA_ROW) + 3)


def _measures_table(sheet: Worksheet, content: ReportContent, top: int) -> None:
    """Below the commentary, as on the page: the open measures (overdue marked), or the year's
    with their effect (管理成效)."""
    t = partial(labels.text, lang=content.lang)
    for title, found, effect in (
        (t("measures_open"), content.measures_open, False),
        (t("management_effect"), content.measures_year, True),
    ):
        if not found:
            continue
        put_text(sheet.cell(top - 1, 1), title)
        columns = [
            Column(t("department"), 16),
            Column(t("measure"), 40, wrap=True),
            Column(t("owner")),
            Column(t("start_date")),
            Column(t("due_date")),
            Column(t("measure_status")),
            Column(t("measure_effect") if effect else t("overdue"), 60 if effect else 8, wrap=True),
        ]
        rows = [
            (
                m.dept,
                m.text,
                m.owner,
                m.start_date.isoformat() if m.start_date else None,
                m.due_date.isoformat() if m.due_date else None,
                m.status_text,
                m.effect if effect else (t("overdue") if m.overdue else None),
            )
            for m in found
        ]
        top = write_table(sheet, columns, rows, top=top) + 3


def _revision_sheet(sheet: Worksheet, content: ReportContent) -> None:
    """What this revision changed, right after the summary: indicator, before, after."""
    t = partial(labels.text, lang=content.lang)
    columns = [
        Column(t("indicator"), 24),
        Column(t("revision_before")),
        Column(t("revision_after")),
    ]
    rows = [(c.indicator, c.before, c.after) for c in content.revision.changes]
    heading(sheet, content, t("revision_changes"))
    finish_table(sheet, columns, write_table(sheet, columns, rows))


def _quality_sheet(sheet: Worksheet, content: ReportContent, quality_book: str) -> None:
    """As the page's data status: the one line first, then what withholds figures and each
    finding about the ledgers in words (the check's title, never its id; departments by name),
    grouped by ledger and file as in the data-quality report (reports.content.quality), which
    the last line names. Anomaly alarms are in the attention sheet."""
    lang = content.lang
    t = partial(labels.text, lang=lang)
    report = content.quality
    columns = [
        Column(t("severity")),
        Column(t("month")),
        Column(t("department"), 10),
        Column(t("ledger"), 12),
        Column(t("file"), 16),
        Column(t("location"), 12),
        Column(t("check"), 16),
        Column(t("message"), 50, wrap=True),
    ]
    rows = [[t("withheld"), None, None, None, None, None, None, line] for line in report.withheld]
    for group in report.groups:
        for line in group.lines:
            severity = labels.severity(line.severity, lang) if line.severity else None
            rows.append(
                [
                    severity,
                    line.period,
                    line.dept or content.dept_name,
                    group.ledger,
                    group.file,
                    line.where or None,
                    line.title,
                    line.message,
                ]
            )
    heading(sheet, content, f"{t('dq_status')}: {content.quality_line or t('dq_not_run')}")
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last)
    end = max(last, FIRST_DATA_ROW)
    if not rows:
        put_text(
            sheet.cell(FIRST_DATA_ROW, 1), t("no_findings") if report.checked else t("dq_not_run")
        )
    if report.checked:  # the assistant's workbook beside this one says what to do
        cell = put_text(sheet.cell(end + 2, 1), t("dq_see_workbook").format(name=quality_book))
        cell.hyperlink = quality_book
    for word, colour in (
        (t("withheld"), STATUS_FILLS["alert"]),
        (labels.severity("error", lang), STATUS_FILLS["alert"]),
        (labels.severity("warning", lang), STATUS_FILLS["watch"]),
    ):
        sheet.conditional_formatting.add(
            f"A{FIRST_DATA_ROW}:H{end}",
            FormulaRule(
                formula=[f'$A{FIRST_DATA_ROW}="{word.replace(chr(34), chr(34) * 2)}"'],
                fill=PatternFill(bgColor=colour),
            ),
        )
