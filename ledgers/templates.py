"""Blank Excel templates, one workbook per ledger kind, derived from the specs.

Each has the header in the chosen language, a frozen header row, drop-down lists for enumerations
and yes/no columns, number formats on date, month, amount and count columns, and an instructions
sheet. A filled-in template loads without edits.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ledgers import rules
from ledgers.specs import Column, Ledger, ledgers
from metrics import catalogue

TEMPLATE_ROWS = 2000  # rows that carry the drop-downs
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "month": "yyyy-mm", "amount": "#,##0.00", "int": "0"}
WORDS = {
    "zh": {
        "instructions": "填写说明",
        "column": "列名",
        "type": "类型",
        "required": "必填",
        "rule": "规则与可选值",
        "yes": "是",
        "indicators": "可选指标",
        "intro": "{title}：{grain}。表头请勿修改；红色表头为必填列。每行自带科室和日期（或月份），"
        "一个文件可含多个科室、多个月份。科室可填编码、中文名或英文名。",
        "types": {
            "text": "文本",
            "int": "整数",
            "number": "数值",
            "amount": "金额（元；表头写(万元)则按万元）",
            "date": "日期，如 2026-10-01",
            "month": "月份，如 2026-10",
            "bool": "是/否",
        },
    },
    "en": {
        "instructions": "Instructions",
        "column": "Column",
        "type": "Type",
        "required": "Required",
        "rule": "Rule and allowed values",
        "yes": "yes",
        "indicators": "Indicators",
        "intro": "{title}: {grain}. Do not change the header; red headers are required. Each row "
        "carries its own department and date (or month): one file may hold many departments and "
        "months. Name a department by its code, Chinese or English name.",
        "types": {
            "text": "text",
            "int": "whole number",
            "number": "number",
            "amount": "amount in CNY (a header saying (万元) means 10k CNY)",
            "date": "date, e.g. 2026-10-01",
            "month": "month, e.g. 2026-10",
            "bool": "yes/no",
        },
    },
}


def enum_choices(column: Column, lang: str) -> list[str]:
    """The drop-down values (rules.OneOf, rules.YesNo): canonical English values, or each
    value's first Chinese alias; 是/否 or yes/no."""
    for rule in rules.column_rules(column):
        if isinstance(rule, rules.OneOf | rules.YesNo):
            return rule.choices(lang)
    return []


def _rule(column: Column, lang: str) -> str:
    """The column's rules in words (ledgers.rules: the sentences of the rules the checks apply,
    as docs/ledgers.md states them)."""
    label = lambda name: ledger_column_label(name, column, lang)  # noqa: E731
    return "; ".join(rules.sentences(column, lang, label=label))


def ledger_column_label(name: str, column: Column, lang: str) -> str:
    for spec in ledgers().values():
        if column in spec.columns:
            return spec.by_name[name].label(lang)
    return name


def write_template(spec: Ledger, path: Path, lang: str = "zh") -> Path:
    """One blank workbook for a ledger kind."""
    workbook = Workbook()
    sheet = workbook.active
    # Excel refuses / \ ? * [ ] : in a sheet name (DRG/DIP 病组目录与权重) and more than 31 characters
    sheet.title = re.sub(r"[][/\\?*:]", "-", spec.title(lang))[:31]
    for index, column in enumerate(spec.columns, 1):
        cell = sheet.cell(row=1, column=index, value=column.label(lang))
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.label(lang)) * 2 + 2)
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if column.type in NUMBER_FORMATS:
            # the column's own format, which Excel gives every cell typed into it (the header
            # keeps its style): not 2,000 formatted empty cells, which cost every write and read
            sheet.column_dimensions[letter].number_format = NUMBER_FORMATS[column.type]
        choices = enum_choices(column, lang) if (column.enum or column.type == "bool") else []
        if column.indicator:
            sheet.add_data_validation(_indicator_list(column, lang, cells))
        elif choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            validation.error = _rule(column, lang)
            validation.add(cells)
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    _instructions(workbook, spec, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


# Where the instructions sheet lists the indicators that an indicator column's drop-down offers:
# a column of its own, right of the instructions (Excel's list rule holds at most 255 characters
# inline; the catalogue's names are far more).
INDICATOR_LIST_COLUMN = "F"


def _indicator_names(lang: str) -> list[str]:
    return [indicator.name(lang) for indicator in catalogue.indicators().values()]


def _indicator_list(column: Column, lang: str, cells: str) -> DataValidation:
    """A drop-down of the catalogue's indicators by name in the template's language. A column
    that also takes free text (commentary.topic) warns instead of refusing other text."""
    last = len(_indicator_names(lang)) + 1
    sheet = WORDS[lang]["instructions"]
    column_ = INDICATOR_LIST_COLUMN
    validation = DataValidation(
        type="list", formula1=f"'{sheet}'!${column_}$2:${column_}${last}", allow_blank=True
    )
    validation.showErrorMessage = column.indicator == "required"
    validation.error = rules.IndicatorName.WORDS[lang]
    validation.add(cells)
    return validation


def _instructions(workbook: Workbook, spec: Ledger, lang: str) -> None:
    words = WORDS[lang]
    sheet = workbook.create_sheet(words["instructions"])
    intro = words["intro"].format(title=spec.title(lang), grain=spec.grain)
    label = lambda name: spec.by_name[name].label(lang)  # noqa: E731
    for rule in rules.row_set_rules(spec):  # the key unique, not far in the past
        intro += " " + rule.sentence(lang, label)
    sheet["A1"] = intro
    sheet["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells("A1:D1")
    sheet.row_dimensions[1].height = 60
    # One column per row, so that no row of this sheet looks like a ledger header.
    sheet.append([words["column"], words["type"], words["required"], words["rule"]])
    for column in spec.columns:
        sheet.append(
            [
                column.label(lang),
                words["types"][column.type],
                words["yes"] if column.required else "",
                _rule(column, lang),
            ]
        )
    for letter, width in zip("ABCD", (22, 34, 8, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    if any(c.indicator for c in spec.columns):
        sheet[f"{INDICATOR_LIST_COLUMN}1"] = WORDS[lang]["indicators"]
        for row, name in enumerate(_indicator_names(lang), 2):
            sheet[f"{INDICATOR_LIST_COLUMN}{row}"] = name
        sheet.column_dimensions[INDICATOR_LIST_COLUMN].width = 30


def write_templates(out: Path, lang: str = "zh") -> list[Path]:
    """A template per ledger kind in `out`, named with the kind's file-name prefix."""
    suffix = "模板" if lang == "zh" else "template"
    prefix_index = 1 if lang == "zh" else 0
    return [
        write_template(spec, out / f"{spec.prefixes[prefix_index]}_{suffix}.xlsx", lang)
        for spec in ledgers().values()
    ]
