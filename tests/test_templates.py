"""Every ledger template: written, read back with openpyxl, filled in as a user would, loaded."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ledgers.loader import load_inbox
from ledgers.specs import Column, ledgers
from ledgers.templates import NUMBER_FORMATS, enum_choices, write_templates
from metrics import catalogue


def sample(column: Column, row: int, lang: str) -> object:
    """A valid value for a column, as a user would type it into the template."""
    if column.name == "dept" or column.name == "code":
        return "CARD"
    if column.enum or column.type == "bool":
        return enum_choices(column, lang)[0]
    if column.indicator:  # an indicator by its name in the template's language
        return list(catalogue.indicators().values())[row].name(lang)
    if column.name == "year":
        return 2026 + row
    return {
        "text": f"{column.name}{row}",
        "int": 3,
        "number": 0.5,
        "amount": 1234.5,
        "date": dt.date(2026, 10, 1 + row),
        "month": dt.date(2026, 10 + row, 1),
    }[column.type]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_templates_round_trip(tmp_path, lang):
    paths = write_templates(tmp_path / "inbox", lang=lang)
    assert len(paths) == len(ledgers())
    for path, spec in zip(paths, ledgers().values(), strict=True):
        workbook = load_workbook(path)
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        assert header == [c.label(lang) for c in spec.columns]
        assert sheet.freeze_panes == "A2"
        lists = [str(dv.sqref) for dv in sheet.data_validations.dataValidation]
        enum_columns = [
            i for i, c in enumerate(spec.columns) if c.enum or c.type == "bool" or c.indicator
        ]
        assert sorted(lists) == sorted(
            f"{get_column_letter(i + 1)}2:{get_column_letter(i + 1)}2001" for i in enum_columns
        )
        # each date, month, amount and count column formatted as a whole (a cell typed into it
        # takes its format in Excel), the header keeping its own style
        for index, column in enumerate(spec.columns, 1):
            formatted = sheet.column_dimensions[get_column_letter(index)].number_format
            assert formatted == NUMBER_FORMATS.get(column.type, "General"), column.name
            assert column.type != "date" or formatted == "yyyy-mm-dd"
            assert sheet.cell(row=1, column=index).number_format == "General"
        assert len(workbook.worksheets) == 2  # the data sheet and the instructions
        for index, column in enumerate(spec.columns):
            if column.indicator:  # a drop-down of every indicator, listed on the instructions
                (rule,) = [
                    dv
                    for dv in sheet.data_validations.dataValidation
                    if str(dv.sqref).startswith(get_column_letter(index + 1) + "2:")
                ]
                listed = workbook.worksheets[1][rule.formula1.split("!")[1].replace("$", "")]
                names = [c.name(lang) for c in catalogue.indicators().values()]
                assert [cell.value for (cell,) in listed] == names
                assert rule.showErrorMessage == (column.indicator == "required")
        # fill two rows (the departments template gets the one department the others refer to)
        count = 1 if spec.kind == "departments" else 2
        for row in range(count):  # typed from row 2, under the header, as a user does
            for index, column in enumerate(spec.columns, 1):
                sheet.cell(row=row + 2, column=index, value=sample(column, row, lang))
        workbook.save(path)

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        report = load_inbox(con, tmp_path / "inbox")
        assert con.execute("select count(*) from rejected_rows").fetchone()[0] == 0
        for spec in ledgers().values():
            expected = 1 if spec.kind == "departments" else 2
            assert report.rows_by_kind[spec.kind] == expected, spec.kind
        # every instructions sheet was seen and skipped, none was taken for a ledger
        skipped = con.execute(
            "select count(*) from ledger_sheets where status = 'skipped'"
        ).fetchone()
        assert skipped == (len(ledgers()),)
