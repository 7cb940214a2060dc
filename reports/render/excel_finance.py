"""The finance sheets of a period workbook: the revenue and expense structure (every line of the
finance ledger in exact 元, share, 同比, points of the total's 同比) with a bar chart of the shares,
and the DRG/DIP groups against their benchmarks with the payer mix."""

from __future__ import annotations

from functools import partial

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from metrics.catalogue import Indicator
from reports import labels
from reports.content import budget
from reports.content.finance_dashboard import Line
from reports.content.report import IndicatorRow, ReportContent
from reports.data import privacy
from reports.data.publication import KIND_PREFIX
from reports.formatting import EXCEL_FORMATS, EXCEL_RELATIVE_FORMAT, excel_points_format
from reports.render.excel_analysis import MONEY_CHANGE, heading
from reports.render.workbook import (
    FIRST_DATA_ROW,
    STATUS_FILLS,
    Column,
    Number,
    finish_table,
    put_text,
    title,
    write_table,
)

MONEY = "#,##0.00"
SHARE = "0.0%"
CHANGE_REL = "+0.0%;-0.0%;0.0%"
POINTS = "+0.0;-0.0;0.0"
COUNT = "#,##0"
DAYS = "0.0"


def _n(value: float | None, number_format: str) -> Number | None:
    return None if value is None else Number(value, number_format)


def structure_sheet(sheet: Worksheet, content: ReportContent) -> None:
    """收入结构 then 支出结构 in one filterable table, a total after each, and a bar chart of the
    revenue lines' shares."""
    t = partial(labels.text, lang=content.lang)
    heading(sheet, content, t("structure_sheet"))
    columns = [
        Column(t("family")),
        Column(t("structure_line"), 14),
        Column(t("structure_amount")),
        Column(t("structure_share")),
        Column(t("structure_base")),
        Column(t("structure_change")),
        Column(t("structure_change_rel")),
        Column(t("structure_pull")),
    ]
    rows = []
    for s in content.structures:
        kind = t(f"structure_{s.kind}")
        for line in s.lines:
            rows.append(
                [
                    kind,
                    line.label,
                    Number(line.amount, MONEY),
                    _n(line.share, SHARE),
                    _n(line.base, MONEY),
                    _n(line.change, MONEY_CHANGE),
                    _n(line.change_rel, CHANGE_REL),
                    _n(None if line.pull is None else line.pull * 100, POINTS),
                ]
            )
        rows.append(
            [
                kind,
                t(f"structure_total_{s.kind}"),
                Number(s.total, MONEY),
                _n(1.0 if s.total else None, SHARE),
                _n(s.base_total, MONEY),
                _n(s.change, MONEY_CHANGE),
                _n(s.change_rel, CHANGE_REL),
                _n(None if s.change_rel is None else s.change_rel * 100, POINTS),
            ]
        )
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=2)
    notes = [s.sentence for s in content.structures if s.sentence] + [t("structure_note")]
    for offset, note in enumerate(notes):
        sheet.cell(last + 2 + offset, 1, note)
    revenue = next((s for s in content.structures if s.kind == "revenue"), None)
    if revenue and revenue.lines:
        chart = BarChart()
        chart.type = "bar"
        chart.title = t("structure_revenue")
        chart.legend = None
        chart.y_axis.numFmt = "0%"
        end = FIRST_DATA_ROW + len(revenue.lines) - 1
        chart.add_data(Reference(sheet, min_col=4, min_row=FIRST_DATA_ROW, max_row=end))
        chart.set_categories(Reference(sheet, min_col=2, min_row=FIRST_DATA_ROW, max_row=end))
        chart.height, chart.width = 9, 16
        sheet.add_chart(chart, f"J{FIRST_DATA_ROW}")


def _yuan(wan: float | None) -> Number | None:
    # The budget table holds 万元 (reports.content.budget); the workbook gives exact 元: every
    # amount is whole cents, so rounding the product to cents gives it back exactly.
    return None if wan is None else Number(round(wan * budget.TEN_THOUSAND, 2), MONEY)


def budget_sheet(sheet: Worksheet, content: ReportContent) -> None:
    """本年累计与预算进度 as the page shows it, in exact 元: this period (not in a year's report),
    the year to date, the same months last year, 累计同比, the year's budget, how much of it is
    reached (status against the time elapsed), the time elapsed and the forecast."""
    t = partial(labels.text, lang=content.lang)
    progress = content.budget
    heading(sheet, content, t("budget_sheet"))
    columns = [
        Column(t("indicator"), 12),
        *([Column(t(f"this_period_{content.grain}"))] if content.grain != "year" else []),
        Column(t("budget_to_date")),
        Column(t("budget_last_year")),
        Column(t("budget_change")),
        Column(t("budget_year")),
        Column(t("budget_attained")),
        Column(t("budget_time")),
        Column(t("budget_forecast")),
    ]
    rows = []
    for index, line in enumerate(progress.lines):
        rows.append(
            [
                t(f"budget_{line.key}"),
                *([_yuan(line.month)] if content.grain != "year" else []),
                _yuan(line.to_date),
                _yuan(line.last_year),
                _n(line.change_rel, CHANGE_REL),
                _yuan(line.budget),
                _n(line.attained, SHARE),
                _n(progress.time_progress, SHARE) if index == 0 else None,
                _yuan(line.forecast),
            ]
        )
    last = write_table(sheet, columns, rows)
    attained = len(columns) - 2  # the column of 累计完成率
    for offset, line in enumerate(progress.lines):
        if line.status in STATUS_FILLS:
            colour = STATUS_FILLS[line.status]
            sheet.cell(FIRST_DATA_ROW + offset, attained).fill = PatternFill(
                start_color=colour, end_color=colour, fill_type="solid"
            )
    finish_table(sheet, columns, last, freeze_columns=1)
    sheet.cell(last + 2, 1, t("budget_note"))


def casemix_sheet(sheet: Worksheet, content: ReportContent) -> None:
    """Every DRG/DIP code of the period (most cases first) against its benchmark, then the payer
    mix; without a weights ledger, how to add one."""
    t = partial(labels.text, lang=content.lang)
    cm = content.case_mix
    heading(sheet, content, t("casemix_title"))
    columns = [
        Column(t("drg_code")),
        Column(t("drg_name"), 14),
        Column(t("drg_cases")),
        Column(t("drg_weight")),
        Column(t("drg_stay")),
        Column(t("drg_benchmark_stay")),
        Column(t("drg_extra_days")),
        Column(t("drg_cost")),
        Column(t("drg_benchmark_cost")),
        Column(t("drg_margin_cny")),
        Column(t("drg_losing")),
    ]
    groups = [] if cm is None or cm.withheld else cm.groups
    rows = [
        [
            g.drg,
            g.name if g.grouped else (t("drg_ungrouped") if cm.has_weights else None),
            Number(g.cases, COUNT),
            _n(g.weight, "0.0000"),
            _n(g.stay, DAYS),
            _n(g.benchmark_stay, DAYS),
            _n(g.extra_bed_days, "+0.0;-0.0;0.0"),
            _n(g.cost_per_case, MONEY),
            _n(g.benchmark_cost, MONEY),
            _n(g.margin, MONEY_CHANGE),
            f"{g.losing_cases}/{g.paid_cases}" if g.paid_cases else None,
        ]
        for g in groups
    ]
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=2)
    line = last + 2
    if cm is not None and not cm.has_weights:
        sheet.cell(line, 1, t("no_drg_weights_howto"))
        line += 2
    if cm is not None and cm.withheld:
        sheet.cell(line, 1, t("withheld"))
        return
    if cm is None or not cm.payers:
        return
    payer_columns = [
        Column(t("payer")),
        Column(t("payer_episodes")),
        Column(t("payer_share")),
        Column(t("payer_cost_cny")),
        Column(t("payer_cost_per_case")),
        Column(t("payer_cost_share")),
    ]
    sheet.cell(line, 1, t("payer_title"))
    write_table(
        sheet,
        payer_columns,
        [
            [
                p.payer or t("payer_blank"),
                Number(p.episodes, COUNT),
                _n(p.share, SHARE),
                _n(p.total_cost, MONEY),
                _n(p.cost_per_case, MONEY),
                _n(p.cost_share, SHARE),
            ]
            for p in cm.payers
        ],
        top=line + 1,
    )


def department_sheet(
    sheet: Worksheet,
    heading: str,
    lines: list[Line],
    columns_of: list[tuple[Indicator, bool]],
    lang: str,
) -> None:
    """Every department (then the totals) against `columns_of` (an indicator, and whether a 同比
    column follows it): exact values with their number formats, each value cell filled with its
    status colour (a fill travels with its row through a sort; no status columns), a filter over
    the table (by 运营助理 among others), names linking to the departments' workbooks."""
    t = partial(labels.text, lang=lang)
    columns = [
        Column(t("department_code")),
        Column(t("department"), 12),
        Column(t("kind")),
        Column(t("assistant")),
    ]
    for indicator, with_yoy in columns_of:
        columns.append(Column(indicator.name(lang), 10, note=indicator.formula(lang)))
        if with_yoy:
            columns.append(Column(f"{indicator.name(lang)} {t('yoy')}"))
    rows, fills = [], []
    for line in lines:
        department = line.department
        group = department.is_hospital or department.code.startswith(KIND_PREFIX)
        values, statuses = [], []
        for row, (_, with_yoy) in zip(line.rows, columns_of, strict=True):
            values.append(_shown(row, lang))
            statuses.append(row.status if row.has_value else None)
            if with_yoy:
                values.append(_yoy(row, lang))
                statuses.append(None)
        kind = t("groups") if group else labels.kind(department.kind, lang)
        rows.append([department.code, department.name(lang), kind, department.assistant, *values])
        fills.append(statuses)
    title(sheet, heading)
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=4)
    first_value = 5
    for offset, (line, statuses) in enumerate(zip(lines, fills, strict=True)):
        # Each department's name links to its workbook of the period, beside this one.
        xlsx = next((link.href for link in line.links if link.href.endswith(".xlsx")), None)
        if xlsx:
            sheet.cell(FIRST_DATA_ROW + offset, 2).hyperlink = xlsx
        for number, status in enumerate(statuses):
            if status in STATUS_FILLS:
                sheet.cell(FIRST_DATA_ROW + offset, first_value + number).fill = PatternFill(
                    "solid", fgColor=STATUS_FILLS[status]
                )


def _shown(row: IndicatorRow, lang: str) -> Number | str:
    if row.withheld:
        return labels.text("withheld", lang)
    if row.suppressed:
        return privacy.note(row.suppressed_below, lang)
    return Number(row.value, EXCEL_FORMATS[row.kind])


def _yoy(row: IndicatorRow, lang: str) -> Number | None:
    """同比: a relative change, or for a % indicator the change in percentage points."""
    if row.withheld or row.suppressed:
        return None
    if row.indicator.is_percent:
        return Number(row.yoy_change, excel_points_format(lang))
    return Number(row.yoy_change_rel, EXCEL_RELATIVE_FORMAT)


def matrix_sheet(sheet: Worksheet, content: ReportContent) -> None:
    """The hospital's 科室关键指标 (reports.content.hospital.DepartmentMatrix): a line per
    department, for each key indicator its exact value (coloured by status), its rank among the
    departments and its 同比; the hospital's line last; a filter over the table."""
    lang = content.lang
    t = partial(labels.text, lang=lang)
    matrix = content.matrix
    columns = [Column(t("department_code")), Column(t("department"), 12), Column(t("kind"))]
    for indicator in matrix.indicators:
        name = indicator.name(lang)
        columns += [
            Column(name, 10, note=indicator.formula(lang)),
            Column(f"{name} {t('rank')}", number_format="0"),
            Column(f"{name} {t('yoy')}"),
        ]
    lines = [
        (
            line.department,
            [(c.row, c.rank) for c in line.cells],
            labels.kind(line.department.kind, lang),
        )
        for line in matrix.lines
    ]
    lines.append((content.department, [(row, None) for row in matrix.hospital], t("groups")))
    rows, fills = [], []
    for department, cells, kind in lines:
        values, statuses = [], []
        for row, rank in cells:
            values += [_shown(row, lang), rank, _yoy(row, lang)]
            statuses += [row.status if row.has_value else None, None, None]
        rows.append([department.code, department.name(lang), kind, *values])
        fills.append(statuses)
    heading(sheet, content, t("department_matrix"))
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=3)
    for offset, statuses in enumerate(fills):
        for number, status in enumerate(statuses):
            if status in STATUS_FILLS:
                sheet.cell(FIRST_DATA_ROW + offset, 4 + number).fill = PatternFill(
                    "solid", fgColor=STATUS_FILLS[status]
                )
    put_text(sheet.cell(last + 2, 1), t("matrix_note"))
