"""One test per reading rule and per error of LEDGERS.md, each on small files written here,
loaded into a real DuckDB file in tmp_path."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from decimal import Decimal

import duckdb
import pytest

from ledgers.loader import ensure_schema, load_inbox
from ledgers.specs import ledgers
from tests.ledger_files import write_csv, write_xlsx

DEPARTMENTS = [
    ["科室编码", "科室名称", "英文名称", "科室类型"],
    ["CARD", "心内科", "Cardiology", "内科系统"],
    ["GSUR", "普外科", "General Surgery", "外科系统"],
]


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    write_csv(folder / "科室字典.csv", DEPARTMENTS)
    return folder


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def rejected(con) -> list[tuple]:
    return rows(con, 'select file, sheet, "row", "column", reason from rejected_rows order by all')


def test_kind_recognised_from_header_whatever_the_file_name(con, inbox):
    write_csv(inbox / "10月台账.csv", [["日期", "科室", "入院人数"], ["2026-10-01", "CARD", 3]])
    load_inbox(con, inbox)
    assert rows(con, "select dept, date, admissions from raw_workload") == [
        ("CARD", dt.date(2026, 10, 1), 3)
    ]


def test_header_row_below_title_rows_and_english_aliases(con, inbox):
    write_xlsx(
        inbox / "ward.xlsx",
        {
            "Oct": [
                ["心内科2026年10月业务量台账"],
                [],
                ["Prepared by: ward office"],
                ["Date", "DEPT", "Open Beds", " census ", "Admissions（人次）"],
                [dt.date(2026, 10, 1), "CARD", 40, 35, 4],
            ]
        },
    )
    load_inbox(con, inbox)
    assert rows(con, "select open_beds, census, admissions, source_row from raw_workload") == [
        (40, 35, 4, 5)
    ]
    assert rows(con, "select header_row from ledger_sheets where kind = 'workload'") == [(4,)]


def test_several_kinds_in_one_workbook_and_instructions_sheet_skipped(con, inbox):
    write_xlsx(
        inbox / "物资设备台账.xlsx",
        {
            "说明": [["本台账由科室运营助理每月填写"], ["请勿修改表头"]],
            "设备": [
                ["资产编号", "使用科室", "设备名称", "大型设备"],
                ["CT-01", "心内科", "CT", "是"],
            ],
            "物资": [
                ["月份", "科室", "物资编码", "物资名称", "领用数量", "单价"],
                ["2026年10月", "CARD", "M1", "注射器", 100, 1.5],
            ],
        },
    )
    load_inbox(con, inbox)
    assert rows(con, "select asset_code, large from raw_equipment") == [("CT-01", True)]
    assert rows(con, "select month, issued_qty from raw_supplies") == [
        (dt.date(2026, 10, 1), 100.0)
    ]
    skipped = rows(con, "select sheet, status, message from ledger_sheets where status = 'skipped'")
    assert [(s, st) for s, st, _ in skipped] == [("说明", "skipped")]
    assert "no header row" in skipped[0][2]


def test_unit_suffixes_scale_amounts(con, inbox):
    write_csv(
        inbox / "经济.csv",
        [
            ["月份", "科室", "门诊药品收入(万元)", "住院药品收入（元）", "人员经费（万元）"],
            ["2026-10", "CARD", "1.234567", "8900.5", "2"],
        ],
    )
    load_inbox(con, inbox)
    # 1.234567 万元 = 12,345.67 元; (元) as written; 2 万元 = 20,000 元
    assert rows(
        con, "select op_drug_revenue, ip_drug_revenue, personnel_expense from raw_finance"
    ) == [(Decimal("12345.67"), Decimal("8900.50"), Decimal("20000.00"))]


def test_totals_rows_and_merged_department_cells(con, inbox):
    write_csv(
        inbox / "业务量.csv",
        [
            ["科室", "日期", "入院人数"],
            ["心内科", "2026-10-01", 3],
            ["", "2026-10-02", 4],  # merged cell: repeats 心内科
            ["小计", "", 7],
            ["普外科", "2026-10-01", 5],
            ["", "2026-10-02", 6],
            ["合计", "", 18],
            ["Total", "", 18],
        ],
    )
    load_inbox(con, inbox)
    assert rows(con, "select dept, day(date), admissions from raw_workload order by all") == [
        ("CARD", 1, 3),
        ("CARD", 2, 4),
        ("GSUR", 1, 5),
        ("GSUR", 2, 6),
    ]
    assert rows(con, "select totals_rows from ledger_sheets where kind = 'workload'") == [(3,)]
    assert rejected(con) == []


@pytest.mark.parametrize(
    "spelling", ["2026-10-07", "2026/10/7", "2026.10.07", "20261007", "2026年10月7日", "46302"]
)
def test_every_date_spelling(con, inbox, spelling):
    # 46302 is the Excel serial number of 2026-10-07, as text
    write_csv(inbox / "业务量.csv", [["日期", "科室", "入院人数"], [spelling, "CARD", 1]])
    load_inbox(con, inbox)
    assert rows(con, "select date from raw_workload") == [(dt.date(2026, 10, 7),)]


@pytest.mark.parametrize("spelling", ["2026-10", "2026/10", "202610", "2026年10月"])
def test_every_month_spelling(con, inbox, spelling):
    write_csv(
        inbox / "预约.csv",
        [["月份", "科室", "号源数", "预约人次", "到诊人次"], [spelling, "CARD", 10, 8, 7]],
    )
    load_inbox(con, inbox)
    assert rows(con, "select month from raw_appointments") == [(dt.date(2026, 10, 1),)]


def test_excel_dates_and_months(con, inbox):
    write_xlsx(
        inbox / "x.xlsx",
        {
            "w": [["日期", "科室", "入院人数"], [dt.datetime(2026, 10, 3), "CARD", 2]],
            "a": [
                ["月份", "科室", "号源数", "预约人次", "到诊人次"],
                [dt.date(2026, 9, 1), "CARD", 1, 1, 1],
            ],
        },
    )
    load_inbox(con, inbox)
    assert rows(con, "select date from raw_workload") == [(dt.date(2026, 10, 3),)]
    assert rows(con, "select month from raw_appointments") == [(dt.date(2026, 9, 1),)]


def test_thousands_separators_and_full_width_digits(con, inbox):
    write_csv(
        inbox / "业务量.csv",
        [["日期", "科室", "门诊人次", "急诊人次"], ["2026-10-01", "CARD", "1,234", "１２３"]],
    )
    load_inbox(con, inbox)
    assert rows(con, "select outpatient_visits, emergency_visits from raw_workload") == [
        (1234, 123)
    ]


def test_percentage_fraction_and_negative_counts_are_rejected_with_location(con, inbox):
    write_csv(
        inbox / "业务量.csv",
        [
            ["日期", "科室", "门诊人次", "入院人数"],
            ["2026-10-01", "CARD", "85%", 1],
            ["2026-10-02", "CARD", "2.5", 1],
            ["2026-10-03", "CARD", "-1", 1],
            ["2026-10-04", "CARD", "10", 1],
        ],
    )
    load_inbox(con, inbox)
    assert rows(con, "select day(date) from raw_workload") == [(4,)]
    found = rejected(con)
    assert [(f, s, r, c) for f, s, r, c, _ in found] == [
        ("业务量.csv", "", 2, "门诊人次"),
        ("业务量.csv", "", 3, "门诊人次"),
        ("业务量.csv", "", 4, "门诊人次"),
    ]
    assert "percentage" in found[0][4]
    assert "whole number" in found[1][4]
    assert "at least 0" in found[2][4]


def test_csv_encodings(con, inbox):
    header = [["日期", "科室", "入院人数"]]
    write_csv(inbox / "a.csv", header + [["2026-10-01", "心内科", 1]], encoding="utf-8-sig")
    write_csv(inbox / "b.csv", header + [["2026-10-02", "心内科", 2]], encoding="gb18030")
    write_csv(inbox / "c.csv", header + [["2026-10-03", "心内科", 3]], encoding="utf-8")
    load_inbox(con, inbox)
    assert rows(con, "select day(date), admissions from raw_workload order by 1") == [
        (1, 1),
        (2, 2),
        (3, 3),
    ]


def test_department_by_code_chinese_or_english_name_and_unknown_rejected(con, inbox):
    write_csv(
        inbox / "业务量.csv",
        [
            ["日期", "科室", "入院人数"],
            ["2026-10-01", "CARD", 1],
            ["2026-10-02", "心内科", 2],
            ["2026-10-03", "cardiology", 3],
            ["2026-10-04", "神经内科", 4],
        ],
    )
    load_inbox(con, inbox)
    assert rows(con, "select distinct dept from raw_workload") == [("CARD",)]
    assert rows(con, "select count(*) from raw_workload") == [(3,)]
    (found,) = rejected(con)
    assert found[2] == 5 and "神经内科" in found[4] and "department" in found[4]


def test_key_columns_alone_are_no_ledger_whatever_the_file_name(con, inbox):
    # month + dept alone are the key of finance, patient feedback, appointments …: no measure of
    # any, so no ledger, even under a feedback file name (issue 15; before, the prefix chose)
    sheet = [["月份", "科室"], ["2026-10", "CARD"]]
    write_csv(inbox / "满意度10月.csv", sheet)
    write_csv(inbox / "10月.csv", sheet)
    load_inbox(con, inbox)
    assert rows(con, "select count(*) from raw_patient_feedback") == [(0,)]
    assert rows(con, "select count(*) from raw_finance") == [(0,)]
    skipped = rows(con, "select file, message from ledger_sheets where status = 'skipped'")
    assert [file for file, _ in skipped] == ["10月.csv", "满意度10月.csv"]
    assert all("(月份, 科室)" in m and "has none of its measure columns" in m for _, m in skipped)


def test_patient_identifiers_refuse_the_file_whole(con, inbox):
    write_csv(
        inbox / "出院.csv",
        [
            ["病例编号", "出院科室", "入院日期", "出院日期", "姓名", "住院号"],
            ["E1", "CARD", "2026-10-01", "2026-10-05", "张三", "Z123"],
        ],
    )
    write_csv(inbox / "业务量.csv", [["日期", "科室", "入院人数"], ["2026-10-01", "CARD", 1]])
    report = load_inbox(con, inbox)
    assert rows(con, "select count(*) from raw_discharges") == [(0,)]
    assert rows(con, "select count(*) from staged_discharges") == [(0,)]
    assert rows(con, "select count(*) from rejected_rows") == [(0,)]  # not even as rejected rows
    (status, message) = rows(
        con, "select status, message from ledger_files where file = '出院.csv'"
    )[0]
    assert status == "refused" and "姓名" in message and "住院号" in message
    assert ("出院.csv", "refused", message) in report.problems
    assert rows(con, "select count(*) from raw_workload") == [(1,)]  # the rest still loads


def test_unreadable_files_reported_and_rest_loads(con, inbox):
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (inbox / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (inbox / "~$业务量.xlsx").write_bytes(b"lock")  # Excel's lock file: ignored
    (inbox / ".hidden.csv").write_text("x")
    write_csv(inbox / "业务量.csv", [["日期", "科室", "入院人数"], ["2026-10-01", "CARD", 1]])
    load_inbox(con, inbox)
    problems = dict(rows(con, "select file, message from ledger_files where status <> 'loaded'"))
    assert set(problems) == {"empty.xlsx", "corrupt.xlsx", "old.xls"}
    assert "empty" in problems["empty.xlsx"]
    assert "cannot be opened" in problems["corrupt.xlsx"]
    assert "save as .xlsx" in problems["old.xls"]
    assert rows(con, "select count(*) from raw_workload") == [(1,)]


def twins(con, inbox) -> None:
    """CARD's 1 October in two files: b_new.csv (newer) is kept, a_old.csv's row outranked."""
    header = [["日期", "科室", "入院人数"]]
    old = write_csv(
        inbox / "a_old.csv", header + [["2026-10-01", "CARD", 1], ["2026-10-02", "CARD", 2]]
    )
    new = write_csv(inbox / "b_new.csv", header + [["2026-10-01", "心内科", 9]])
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_800_000_000, 1_800_000_000))
    load_inbox(con, inbox)


def test_same_key_in_two_files_newest_wins_other_kept_naming_twin(con, inbox):
    twins(con, inbox)
    assert rows(con, "select day(date), admissions, source_file from raw_workload order by 1") == [
        (1, 9, "b_new.csv"),
        (2, 2, "a_old.csv"),
    ]
    (conflict,) = rows(con, 'select file, "row", twin, reason from rejected_rows where is_conflict')
    assert conflict[:3] == ("a_old.csv", 2, "b_new.csv row 2")
    # never counted twice: one row per key
    assert rows(con, "select count(*) from raw_workload") == [(2,)]


WORKLOAD_ROWS = "select day(date), admissions, source_file, source_row from {} order by all"


def test_each_staged_row_is_stored_once_and_an_outranked_twin_comes_back(con, inbox):
    """staged_<kind> is a view of the accepted rows (raw_) and the outranked ones: every valid
    row of every file, each stored once. When the kept twin's file goes, the outranked row is
    accepted again and its conflict goes; when it comes back, so does the conflict."""
    twins(con, inbox)
    assert rows(con, WORKLOAD_ROWS.format("outranked_workload")) == [(1, 1, "a_old.csv", 2)]
    assert rows(con, WORKLOAD_ROWS.format("staged_workload")) == [
        (1, 1, "a_old.csv", 2),
        (1, 9, "b_new.csv", 2),
        (2, 2, "a_old.csv", 3),
    ]
    assert rows(
        con,
        "select table_type from information_schema.tables where table_name = ?",
        ["staged_workload"],
    ) == [("VIEW",)]
    conflicts = 'select file, "row", twin from rejected_rows where is_conflict'
    assert rows(con, conflicts) == [("a_old.csv", 2, "b_new.csv row 2")]

    kept = inbox / "b_new.csv"
    content = kept.read_bytes()
    kept.unlink()
    load_inbox(con, inbox)
    assert rows(con, WORKLOAD_ROWS.format("raw_workload")) == [
        (1, 1, "a_old.csv", 2),
        (2, 2, "a_old.csv", 3),
    ]
    assert rows(con, "select count(*) from outranked_workload") == [(0,)]
    assert rows(con, conflicts) == []

    kept.write_bytes(content)
    os.utime(kept, (1_800_000_000, 1_800_000_000))
    load_inbox(con, inbox)
    assert rows(con, WORKLOAD_ROWS.format("raw_workload")) == [
        (1, 9, "b_new.csv", 2),
        (2, 2, "a_old.csv", 3),
    ]
    assert rows(con, WORKLOAD_ROWS.format("outranked_workload")) == [(1, 1, "a_old.csv", 2)]
    assert rows(con, conflicts) == [("a_old.csv", 2, "b_new.csv row 2")]


def _layout_of_before(con, staged_table: bool) -> None:
    """The ledger tables as a warehouse from before kept them: raw_<kind> and outranked_<kind>
    tables with lineage as text on every row (and, before that, every valid row again in a
    table staged_<kind>, without outranked_<kind>)."""
    for spec in ledgers().values():
        con.execute(f"drop view {spec.staged_table}")
        for view, table in (
            (spec.table, spec.stored_table),
            (spec.outranked_table, spec.stored_outranked_table),
        ):
            con.execute(f"create table old_rows as from {view}")  # noqa: S608
            con.execute(f"drop view {view}")
            con.execute(f"drop table {table}")
            con.execute(f"alter table old_rows rename to {view}")
        both = f"from {spec.table} union all from {spec.outranked_table}"  # noqa: S608
        if staged_table:
            con.execute(f"create table {spec.staged_table} as {both}")
            con.execute(f"drop table {spec.outranked_table}")
        else:
            con.execute(f"create view {spec.staged_table} as {both}")
    con.execute("drop table ledger_sources")


@pytest.mark.parametrize("staged_table", [True, False])
def test_a_warehouse_from_before_is_brought_to_the_views(con, inbox, staged_table):
    """A warehouse from before kept every row's lineage as text (and, before that, every valid
    row again in a table staged_<kind>): the rows move to the stored tables with lineage by id,
    every reader sees the same rows in raw_, outranked_ and staged_<kind>, and loads go on."""
    twins(con, inbox)
    views = [
        name
        for spec in ledgers().values()
        for name in (spec.table, spec.outranked_table, spec.staged_table)
    ]
    before = {name: rows(con, f"select * from {name} order by all") for name in views}  # noqa: S608
    _layout_of_before(con, staged_table)
    ensure_schema(con)
    assert {name: rows(con, f"select * from {name} order by all") for name in views} == before  # noqa: S608
    assert rows(con, WORKLOAD_ROWS.format("outranked_workload")) == [(1, 1, "a_old.csv", 2)]
    assert rows(con, "select file, sheet from ledger_sources order by all") == [
        ("a_old.csv", ""),
        ("b_new.csv", ""),
        ("科室字典.csv", ""),
    ]
    (inbox / "b_new.csv").unlink()
    load_inbox(con, inbox)
    assert rows(con, WORKLOAD_ROWS.format("staged_workload")) == [
        (1, 1, "a_old.csv", 2),
        (2, 2, "a_old.csv", 3),
    ]
    assert rows(con, "select file from ledger_sources order by all") == [
        ("a_old.csv",),
        ("科室字典.csv",),
    ]


def test_lineage_replace_on_change_delete_and_idempotency(con, inbox):
    header = [["日期", "科室", "入院人数"]]
    path = write_csv(
        inbox / "业务量.csv", header + [["2026-09-30", "CARD", 1], ["2026-10-01", "CARD", 2]]
    )
    first = load_inbox(con, inbox)
    assert first.touched_months == {"2026-09", "2026-10"}
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert rows(
        con,
        "select source_file, source_sheet, source_row, source_sha256 from raw_workload order by 3",
    ) == [
        ("业务量.csv", "", 2, sha),
        ("业务量.csv", "", 3, sha),
    ]
    before = rows(con, "select * from raw_workload order by all")
    again = load_inbox(con, inbox)  # unchanged inbox: nothing read, nothing touched
    assert again.files_unchanged == 2 and again.files_loaded == 0 and again.touched_months == set()
    assert rows(con, "select * from raw_workload order by all") == before

    write_csv(path, header + [["2026-10-01", "CARD", 5], ["2026-11-01", "CARD", 6]])
    changed = load_inbox(con, inbox)
    # the old rows' months (Sep, Oct) and the new rows' months (Oct, Nov)
    assert changed.touched_months == {"2026-09", "2026-10", "2026-11"}
    assert rows(con, "select strftime(date, '%m-%d'), admissions from raw_workload order by 1") == [
        ("10-01", 5),
        ("11-01", 6),
    ]
    path.unlink()
    removed = load_inbox(con, inbox)
    assert removed.files_removed == 1 and removed.touched_months == {"2026-10", "2026-11"}
    assert rows(con, "select count(*) from raw_workload") == [(0,)]


def test_rejected_row_keeps_its_values(con, inbox):
    write_csv(inbox / "业务量.csv", [["日期", "科室", "入院人数"], ["2026-13-01", "CARD", 1]])
    load_inbox(con, inbox)
    (values, reason) = rows(con, 'select "values", reason from rejected_rows')[0]
    assert json.loads(values) == {"日期": "2026-13-01", "科室": "CARD", "入院人数": "1"}
    assert "not a calendar date" in reason


def test_cross_column_rules(con, inbox):
    write_csv(
        inbox / "出院.csv",
        [
            ["病例编号", "出院科室", "入院日期", "出院日期", "手术日期", "总费用", "药品费"],
            [
                "E1",
                "CARD",
                "2026-10-05",
                "2026-10-01",
                "",
                "100",
                "10",
            ],  # discharge before admission
            [
                "E2",
                "CARD",
                "2026-10-01",
                "2026-10-05",
                "2026-10-09",
                "100",
                "10",
            ],  # surgery after discharge
            ["E3", "CARD", "2026-10-01", "2026-10-05", "2026-10-02", "100", "150"],  # drug > total
            ["E4", "CARD", "2026-10-01", "2026-10-05", "2026-10-02", "100", "30"],
        ],
    )
    load_inbox(con, inbox)
    assert rows(con, "select episode_id from raw_discharges") == [("E4",)]
    assert [(r, c) for _, _, r, c, _ in rejected(con)] == [
        (2, "出院日期"),
        (3, "手术日期"),
        (4, "药品费"),
    ]


def test_formulas_without_saved_values_are_found_as_other_tools_write_them(tmp_path):
    """The sheet XML is parsed, not matched: attributes in another order (`<c s="1" r="B2">`), a
    namespace prefix (`<x:c>`), cells without `r` (placed after the previous cell) and shared
    formulas are all found; a formula with a saved value is not (its value is read)."""
    from ledgers.reader import unread_cells
    from tests.test_robustness import _workbook

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    plain = (
        f'<worksheet xmlns="{main}"><sheetData>'
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'
        '<row r="2"><c s="1" r="B2"><f>SUM(1,2)</f></c></row>'
        '<row r="4"><c><v>1</v></c><c t="n"><f>A4+1</f><v></v></c></row>'
        '<row><c r="D5"><f t="shared" si="0"/></c></row>'
        "</sheetData></worksheet>"
    )
    _workbook(tmp_path / "plain.xlsx", plain.encode())
    found = unread_cells(tmp_path / "plain.xlsx")["S"]
    assert {key: (str(cell), cell.ref) for key, cell in found.items()} == {
        (1, 1): ("=SUM(1,2)", "B2"),  # s before r
        (3, 1): ("=A4+1", "B4"),  # no r: the cell after A4; an empty <v> is no value
        (4, 3): ("(a shared formula)", "D5"),  # a row without r follows row 4
    }
    prefixed = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="3">'
        '<x:c r="C3"><x:f>A1*2</x:f></x:c><x:c r="D3"><x:f>1</x:f><x:v>1</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    _workbook(tmp_path / "prefixed.xlsx", prefixed.encode())
    found = unread_cells(tmp_path / "prefixed.xlsx")["S"]
    assert {key: (str(cell), cell.ref) for key, cell in found.items()} == {(2, 2): ("=A1*2", "C3")}
    # a workbook without a formula, and one whose sheet is no XML, give none (calamine judges it)
    _workbook(tmp_path / "none.xlsx", f'<worksheet xmlns="{main}"/>'.encode())
    _workbook(tmp_path / "broken.xlsx", b"<worksheet><f>")
    assert unread_cells(tmp_path / "none.xlsx") == {}
    assert unread_cells(tmp_path / "broken.xlsx") == {}


def test_excel_error_values_are_found_as_typed_or_as_a_formulas_saved_result(tmp_path):
    """python-calamine reads an error cell (`t="e"`) as blank. The sheet XML names it: typed in
    (#N/A), a formula's saved result (#DIV/0!), with either quote and a prefix; an error-typed
    cell without a saved value is nothing to name, and a text cell spelling "#REF!" is text."""
    from ledgers.reader import ErrorValue, unread_cells
    from tests.test_robustness import _workbook

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="2">'
        '<x:c r="A2" t="e"><x:v>#N/A</x:v></x:c>'
        "<x:c r='B2' s='3' t='e'><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>"
        '<x:c r="C2" t="e"><x:v></x:v></x:c>'
        '<x:c r="D2" t="inlineStr"><x:is><x:t>#REF!</x:t></x:is></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    _workbook(tmp_path / "errors.xlsx", sheet.encode())
    found = unread_cells(tmp_path / "errors.xlsx")["S"]
    assert {key: (type(c), str(c), c.ref) for key, c in found.items()} == {
        (1, 0): (ErrorValue, "#N/A", "A2"),
        (1, 1): (ErrorValue, "#DIV/0!", "B2"),
    }
    assert found[(1, 1)].problem == (
        "cell B2 holds the Excel error #DIV/0!: correct the formula or the cells it uses in "
        "Excel, and save"
    )


def test_the_loads_progress_names_a_few_files_each_and_many_by_tenths(con, inbox):
    """In the pipeline each progress line is an event stored in the run's log: a city inbox's
    131 files are named about every tenth, a few files each."""
    from ledgers.loader import _worth_saying

    for day in (1, 2):
        write_csv(
            inbox / f"业务量{day}.csv",
            [["日期", "科室", "入院人数"], [f"2026-10-0{day}", "CARD", 3]],
        )
    said: list[str] = []
    load_inbox(con, inbox, progress=said.append)
    assert said == [
        "reading 1/3: 业务量1.csv",
        "reading 2/3: 业务量2.csv",
        "reading 3/3: 科室字典.csv",
    ]
    assert [n for n in range(1, 21) if _worth_saying(n, 20)] == list(range(1, 21))
    # 131 files: the first, each 14th (131 / 10, rounded up) and the last
    assert [n for n in range(1, 132) if _worth_saying(n, 131)] == [
        1, 14, 28, 42, 56, 70, 84, 98, 112, 126, 131,
    ]  # fmt: skip


def test_the_load_keeps_its_proof_that_the_accepted_keys_are_each_held_once(con, inbox):
    """The loader proves the accepted rows' keys held once (sorting their hashes) and keeps the
    proof for the checks that follow (rules_of_rows.keys_proven: 4 M episode numbers sorted
    once per run, not again by the blocking suite). The loader itself proves them again
    whatever was kept (`again`): a proof that no longer holds is never taken for one."""
    from ledgers.rules_of_rows import keys_proven

    header = ["病例编号", "出院科室", "入院日期", "出院日期"]
    write_csv(
        inbox / "出院.csv",
        [
            header,
            ["E1", "CARD", "2026-10-01", "2026-10-05"],
            ["E2", "GSUR", "2026-10-02", "2026-10-06"],
        ],
    )
    load_inbox(con, inbox)
    kept = "select rows, key_hashes from key_proofs where ledger_table = 'raw_discharges'"
    held = 'select count(*), sum(hash("episode_id"))::hugeint from raw_discharges'
    assert rows(con, kept) == rows(con, held) == [(2, rows(con, held)[0][1])]
    # a twin slipped in, the kept proof forged to match: read, it stands; proved again, it falls
    con.execute(
        "insert into stored_raw_discharges from stored_raw_discharges where episode_id = 'E1'"
    )
    count, hashes = rows(con, held)[0]
    con.execute(
        "update key_proofs set rows = ?, key_hashes = ? where ledger_table = 'raw_discharges'",
        [count, hashes],
    )
    assert keys_proven(con, "raw_discharges", '"episode_id"')
    assert not keys_proven(con, "raw_discharges", '"episode_id"', again=True)
