"""One bad file never takes the run down (issue 16).

Each test builds the good inbox of `test_bad_inputs` (3 departments, 31 workload days, 10
episodes, one finance and one appointments row) plus one hostile file, loads it into a real DuckDB
file, and asserts the hostile file's message and that every good file's rows are exactly those
the good inbox loads on its own (`baseline`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.hostile import SHEET_START, inline_cell, one_sheet_workbook
from ledgers import intake
from ledgers.limits import ReadLimits
from ledgers.loader import load_inbox
from ledgers.specs import ledgers
from metrics.compute import months_with_data
from tests.ledger_files import write_csv, write_xlsx
from tests.test_bad_inputs import DISCHARGES, WORKLOAD, _age, _workload, build_good_files

GOOD_FILES = [
    "departments.csv",
    "业务量台账.xlsx",
    "出院病人明细.csv",
    "经济运行台账.csv",
    "预约挂号.xlsx",
]


def _good_rows(con: duckdb.DuckDBPyConnection, files: list[str] = GOOD_FILES) -> dict:
    rows = {}
    for spec in ledgers().values():
        rows[spec.kind] = con.execute(
            f"select * exclude (source_sha256) from {spec.table} "  # noqa: S608
            "where list_contains(?, source_file) "
            "order by source_file, source_sheet, source_row",
            [files],
        ).fetchall()
    return rows


def _load(root: Path, **kwargs) -> tuple[duckdb.DuckDBPyConnection, object]:
    con = duckdb.connect(str(root / "w.duckdb"))
    kwargs.setdefault("work_root", root / "work")
    return con, load_inbox(con, root / "inbox", **kwargs)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("baseline")
    build_good_files(root / "inbox")
    con, _ = _load(root)
    with con:
        return {"rows": _good_rows(con), "months": months_with_data(con)}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_good_files(tmp_path / "inbox")
    return tmp_path


def _status(con, name: str) -> tuple[str, str | None]:
    return con.execute("select status, message from ledger_files where file = ?", [name]).fetchone()


def _reasons(con, name: str) -> list[str]:
    return [
        r
        for (r,) in con.execute(
            'select reason from rejected_rows where file = ? order by "row"', [name]
        ).fetchall()
    ]


def _unchanged(con, baseline) -> None:
    """Every good file's rows are those the good inbox loads alone, and their months are held."""
    assert _good_rows(con) == baseline["rows"]
    assert set(baseline["months"]) <= set(months_with_data(con))


# --- values beyond what the warehouse stores, and absurd finite numbers ---------------------


def test_amount_beyond_decimal_18_2_is_a_rejected_cell(root, baseline):
    write_csv(
        root / "inbox" / "经济_大额.csv",
        [["月份", "科室", "人员经费"], ["2026-09", "D02", "1e17"], ["2026-08", "D02", "100"]],
    )
    con, report = _load(root)
    # 1e17 ≥ 10^16, the first amount DECIMAL(18,2) cannot hold; the good row beside it loads.
    assert _reasons(con, "经济_大额.csv") == [
        "人员经费: 1e+17 is beyond what the warehouse stores for this column (less than 1e+16 in "
        "size): a mistyped or run-together number?"
    ]
    assert con.execute("select count(*) from raw_finance where dept = 'D02'").fetchone() == (1,)
    _unchanged(con, baseline)


@pytest.mark.parametrize("bulk_min_bytes", [None, 1])  # cell by cell, and set-based
def test_count_beyond_int64_is_a_rejected_cell(root, baseline, bulk_min_bytes):
    write_csv(
        root / "inbox" / "业务量_大数.csv",
        [WORKLOAD, _workload("D02", "2026-09-01", "99999999999999999999")],
    )
    con, _ = _load(root, bulk_min_bytes=bulk_min_bytes)
    (reason,) = _reasons(con, "业务量_大数.csv")
    assert reason.startswith("门诊人次: 1e+20 is beyond what the warehouse stores")
    _unchanged(con, baseline)


def test_absurd_minutes_are_rejected_by_the_plausibility_rule(root, baseline):
    write_csv(
        root / "inbox" / "满意度.csv",
        [
            ["月份", "科室", "候诊测量人次", "平均候诊时间"],
            ["2026-09", "D01", "10", "1e308"],  # finite, beyond any storable sum
            ["2026-08", "D01", "10", "5000"],  # storable, but no wait lasts 3.5 days on average
            ["2026-07", "D01", "10", "25.5"],
        ],
    )
    con, _ = _load(root)
    first, second = _reasons(con, "满意度.csv")
    assert "1e+308 is beyond what the warehouse stores" in first
    assert second == "平均候诊时间: must be at most 1440, found 5000"
    assert con.execute("select avg_wait_minutes from raw_patient_feedback").fetchall() == [(25.5,)]
    _unchanged(con, baseline)


@pytest.mark.parametrize("bulk_min_bytes", [None, 1])  # cell by cell, and set-based
def test_absurd_device_hours_are_rejected_by_the_plausibility_rule(root, baseline, bulk_min_bytes):
    """The issue's 1e308 in an hours column (it failed the indicators step), and 800 hours:
    more than a month of 31 × 24 = 744 has."""
    write_csv(
        root / "inbox" / "设备.csv", [["资产编号", "科室", "设备名称"], ["CT-01", "D01", "CT"]]
    )
    write_csv(
        root / "inbox" / "设备使用.csv",
        [
            ["资产编号", "月份", "检查人次", "使用时长", "可用时长"],
            ["CT-01", "2026-09", "300", "1e308", "400"],
            ["CT-01", "2026-08", "300", "800", "744"],
            ["CT-01", "2026-07", "300", "200", "400"],
        ],
    )
    con, _ = _load(root, bulk_min_bytes=bulk_min_bytes)
    first, second = _reasons(con, "设备使用.csv")
    assert first.startswith("使用时长: 1e+308 is beyond what the warehouse stores")
    assert second == "使用时长: must be at most 744, found 800"
    assert con.execute("select hours_used from raw_equipment_usage").fetchall() == [(200.0,)]
    _unchanged(con, baseline)


def test_date_cells_holding_day_numbers_below_61_are_rejected(root, baseline):
    """Formatted as dates, calamine reads 0 and -1 as a bare time of day and 60 as 1900-02-28
    (the same as 59): none is a date anyone typed."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(WORKLOAD)
    for serial in (0, -1, 60):
        sheet.append([serial, "D02", 1])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
    workbook.save(root / "inbox" / "业务量_日期格式.xlsx")
    con, _ = _load(root)
    assert _reasons(con, "业务量_日期格式.xlsx") == [
        "日期: expected a date, found only a time of day (00:00:00)",
        "日期: expected a date, found only a time of day (00:00:00)",
        "日期: 1900-02-28 is before 1900-03-01, where Excel's day numbers name no date reliably "
        "(60 would be 1900-02-29, which never existed): a mistyped date?",
    ]
    _unchanged(con, baseline)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2026-10-05 25:99", "'2026-10-05 25:99' holds no valid time of day (25:99)"),
        ("0", "Excel day numbers start at 61"),
        ("-1", "found the number -1"),
        ("60", "60 would be 1900-02-29, which never existed"),
    ],
)
def test_times_and_excel_serials_are_range_checked(root, baseline, cell, reason):
    write_xlsx(
        root / "inbox" / "业务量_日期.xlsx",
        {"S": [WORKLOAD, _workload("D02", cell) if cell[0] == "2" else [int(cell), "D02", 1]]},
    )
    con, _ = _load(root)
    (found,) = _reasons(con, "业务量_日期.xlsx")
    assert found.startswith("日期: ") and reason in found
    _unchanged(con, baseline)


# --- bounded reading ----------------------------------------------------------------------


@pytest.mark.parametrize("bulk_min_bytes", [None, 1])  # DuckDB's reader would take the cell
def test_a_cell_of_200000_characters_refuses_its_file(root, baseline, bulk_min_bytes):
    write_csv(
        root / "inbox" / "业务量_长.csv", [WORKLOAD, _workload("D02", "2026-09-01", "x" * 200_000)]
    )
    con, report = _load(root, bulk_min_bytes=bulk_min_bytes)
    assert _status(con, "业务量_长.csv") == (
        "refused",
        "line 2 holds a cell longer than the 32,767 characters a cell may have "
        "(ReadLimits.max_cell_chars, as in Excel)",
    )
    assert ("业务量_长.csv", "refused") in [p[:2] for p in report.problems]
    _unchanged(con, baseline)


def test_a_file_not_used_has_its_line_in_rejected_rows_csv(root, tmp_path):
    from ledgers.export import write_rejected_csv

    (root / "inbox" / "业务量_nul.csv").write_bytes(bytes(100))
    con, _ = _load(root)
    write_rejected_csv(con, tmp_path / "rejected_rows.csv")
    with (tmp_path / "rejected_rows.csv").open(encoding="utf-8-sig") as handle:
        lines = [row for row in csv.DictReader(handle) if row["file"] == "业务量_nul.csv"]
    assert [(r["sheet"], r["row"], r["reason"][:35]) for r in lines] == [
        ("", "", "refused: the file holds NUL bytes: ")
    ]


def test_a_line_beyond_the_limit_refuses_its_file(root, baseline):
    row = ",".join(["1"] * 600)  # 1,199 characters, no cell longer than one
    (root / "inbox" / "业务量_宽.csv").write_text(",".join(WORKLOAD) + "\n" + row + "\n")
    con, _ = _load(root, limits=ReadLimits(max_line_chars=1000))
    status, message = _status(con, "业务量_宽.csv")
    assert status == "refused" and message.startswith("line 2 has 1,200 characters")
    _unchanged(con, baseline)


def test_a_2_gib_file_is_refused_by_its_size_without_being_read(root, baseline):
    big = root / "inbox" / "出院_大.csv"
    with big.open("wb") as handle:
        handle.truncate(2 << 30)  # sparse: 2 GiB of NUL bytes that take no disk and no time
    con, report = _load(root)
    status, message = _status(con, "出院_大.csv")
    assert status == "unreadable"
    assert message.startswith("the file is 2,048 MiB, more than the 1,024 MiB a ledger file")
    _unchanged(con, baseline)


@pytest.mark.parametrize("size", [4096, 2 << 20])  # below and above the set-based path's size
def test_a_file_of_nul_bytes_is_refused(root, baseline, size):
    (root / "inbox" / "业务量_nul.csv").write_bytes(bytes(size))
    con, _ = _load(root)
    status, message = _status(con, "业务量_nul.csv")
    assert status == "refused" and message.startswith("the file holds NUL bytes")
    _unchanged(con, baseline)


def _rows_of(count: int) -> list[list[object]]:
    """The workload header and `count` days of D02 from 2026-08-01."""
    first = dt.date(2026, 8, 1)
    return [WORKLOAD] + [_workload("D02", first + dt.timedelta(days=i)) for i in range(count)]


@pytest.mark.parametrize("bulk_min_bytes", [None, 1])  # cell by cell, and set-based
def test_a_csv_of_more_rows_than_the_limit_is_refused(root, baseline, bulk_min_bytes):
    write_csv(root / "inbox" / "业务量_多行.csv", _rows_of(50))  # 51 rows with the header
    con, _ = _load(root, bulk_min_bytes=bulk_min_bytes, limits=ReadLimits(max_rows=40))
    # reading stops at the 41st row: that is enough to refuse it
    assert _status(con, "业务量_多行.csv") == (
        "refused",
        "the file has more than the 40 rows allowed (ReadLimits.max_rows, DEPTOPS_MAX_ROWS): "
        "split it by month, or raise the limit",
    )
    assert con.execute("select count(*) from raw_workload where dept = 'D02'").fetchone() == (0,)
    _unchanged(con, baseline)  # the good files have at most 32 rows: within the same limit


@pytest.mark.parametrize("bulk_min_bytes", [None, 0])
def test_a_parquet_file_declaring_millions_of_rows_is_refused_from_its_metadata(
    root, baseline, bulk_min_bytes
):
    """3,000,000 rows of one repeated value take a few KB of Parquet: the count in the file's
    metadata refuses it (default limit, 2,000,000 rows) before a row is read."""
    path = root / "inbox" / "workload_炸弹.parquet"
    with duckdb.connect() as con:
        con.sql(
            "select date '2026-09-01' as date, 'D02' as dept, 1::bigint as outpatient_visits "
            "from range(3000000)"
        ).write_parquet(str(path))
    assert path.stat().st_size < 100_000
    con, _ = _load(root, bulk_min_bytes=bulk_min_bytes)
    assert _status(con, path.name) == (
        "refused",
        "the file has 3,000,000 rows, more than the 2,000,000 rows allowed (ReadLimits.max_rows, "
        "DEPTOPS_MAX_ROWS): split it by month, or raise the limit",
    )
    _unchanged(con, baseline)


@pytest.mark.parametrize("area_scan_bytes", [32 << 20, 0])  # counted in the XML; in the reader
def test_a_sheet_of_more_rows_than_the_limit_is_refused(root, baseline, area_scan_bytes):
    write_xlsx(root / "inbox" / "业务量_多行.xlsx", {"多": _rows_of(50)})
    limits = ReadLimits(max_rows=40, area_scan_bytes=area_scan_bytes)
    con, _ = _load(root, limits=limits)
    status, message = _status(con, "业务量_多行.xlsx")
    assert status == "refused"
    assert message.startswith("sheet 多 has 51 rows, more than the 40 rows allowed")
    _unchanged(con, baseline)


def test_the_row_limit_and_the_readers_memory_come_from_the_environment():
    from pipelines.settings import read_limits_from

    assert read_limits_from({}) == ReadLimits()
    limits = read_limits_from({"DEPTOPS_MAX_ROWS": "5000000", "DEPTOPS_READER_MEMORY": "2048"})
    assert (limits.max_rows, limits.max_reader_bytes) == (5_000_000, 2048 << 20)
    with pytest.raises(ValueError, match="DEPTOPS_READER_MEMORY must be a whole number of MiB"):
        read_limits_from({"DEPTOPS_READER_MEMORY": "1GB"})


def test_file_names_that_are_not_utf8_are_read(root, baseline):
    inbox = os.fsencode(root / "inbox")
    gbk = inbox + b"/" + "业务量_九月.csv".encode("gbk")
    junk = inbox + b"/\xff\xfe.csv"
    for raw, day in ((gbk, "2026-09-01"), (junk, "2026-09-02")):
        write_csv(Path(os.fsdecode(raw)), [WORKLOAD, _workload("D02", day)])
    con, _ = _load(root)
    names = {
        f
        for (f,) in con.execute("select file from ledger_files where status = 'loaded'").fetchall()
    }
    assert {"业务量_九月.csv", "\\xff\\xfe.csv"} <= names
    assert con.execute("select count(*) from raw_workload where dept = 'D02'").fetchone() == (2,)
    _unchanged(con, baseline)


def _workbook(path: Path, sheet_xml: bytes, compresslevel: int = 9) -> None:
    one_sheet_workbook(path, [sheet_xml], compresslevel=compresslevel)


SHEET = SHEET_START
_cell = inline_cell


def test_one_cell_at_xfd1048576_is_refused_before_the_reader_allocates(root, baseline):
    """calamine would allocate 1,048,576 × 16,384 cells and abort the process (exit 134)."""
    xml = (
        SHEET
        + b'<dimension ref="A1"/><sheetData><row r="1">'
        + _cell("A1", "日期")
        + b'</row><row r="1048576">'
        + _cell("XFD1048576", "x")
        + b"</row></sheetData></worksheet>"
    )
    _workbook(root / "inbox" / "业务量_远.xlsx", xml)
    assert (root / "inbox" / "业务量_远.xlsx").stat().st_size < 2000
    con, _ = _load(root)
    status, message = _status(con, "业务量_远.xlsx")
    assert status == "refused"
    assert message.startswith("sheet S reaches cell XFD1048576 (1,048,576 rows × 16,384 columns")
    _unchanged(con, baseline)


def test_a_native_reader_crash_costs_the_workbook_not_the_run(root, baseline):
    """With the area check lifted, calamine meets the far cell and aborts its process (exit 134):
    the child it runs in, not the load. The next workbooks are read by a new child."""
    xml = (
        SHEET
        + b'<sheetData><row r="1">'
        + _cell("A1", "日期")
        + b'</row><row r="1048576">'
        + _cell("XFD1048576", "x")
        + b"</row></sheetData></worksheet>"
    )
    _workbook(root / "inbox" / "业务量_崩溃.xlsx", xml)
    con, _ = _load(root, limits=ReadLimits(max_sheet_cells=1 << 40))
    # calamine's last words on stderr ("memory allocation of … bytes failed") say why
    assert _status(con, "业务量_崩溃.xlsx") == (
        "refused",
        "the spreadsheet reader stopped on this workbook: it needed more than the 1,024 MiB of "
        "memory it may use (ReadLimits.max_reader_bytes, DEPTOPS_READER_MEMORY); open it in "
        "Excel, delete what lies beyond the data and save it again, or save it as CSV",
    )
    _unchanged(con, baseline)  # 业务量台账.xlsx and 预约挂号.xlsx were read after it


def test_the_readers_memory_is_capped(root, baseline):
    """A used area of 50,000 rows × 702 columns (35 M cells, over 1 GiB for the reader) with the
    area count lifted: the reader's child, capped at 512 MiB, fails, and says so."""
    xml = (
        SHEET
        + b'<sheetData><row r="1">'
        + _cell("A1", "日期")
        + b'</row><row r="50000">'
        + _cell("ZZ50000", "x")
        + b"</row></sheetData></worksheet>"
    )
    _workbook(root / "inbox" / "业务量_大片.xlsx", xml)
    con, _ = _load(root, limits=ReadLimits(max_sheet_cells=1 << 40, max_reader_bytes=512 << 20))
    status, message = _status(con, "业务量_大片.xlsx")
    assert status == "refused"
    assert message.startswith(
        "the spreadsheet reader stopped on this workbook: it needed more than the 512 MiB of "
        "memory it may use (ReadLimits.max_reader_bytes"
    )
    _unchanged(con, baseline)


def test_the_reader_childs_address_space_is_capped_by_the_kernel(root, baseline):
    """The cap is the kernel's (RLIMIT_AS, set in the child before it imports the reader), at
    the default 1 GiB: /proc shows it on the reader's process."""
    from ledgers import reader_child

    con, _ = _load(root)  # the good inbox's two workbooks are read by the child
    child = reader_child._child
    assert child is not None and child.process.poll() is None
    limits = Path(f"/proc/{child.process.pid}/limits").read_text()
    (line,) = [x for x in limits.splitlines() if x.startswith("Max address space")]
    assert line.split()[3:5] == [str(1 << 30), str(1 << 30)]  # soft and hard, in bytes
    assert ReadLimits().max_reader_bytes == 1 << 30
    _unchanged(con, baseline)


@pytest.mark.parametrize(
    "filler",
    [b" " * (40 << 20), b"<row/>" * 5_000_000],  # 40 MiB of spaces; 5 million empty rows
)
def test_a_zip_bomb_workbook_is_refused_from_its_directory(root, baseline, filler):
    xml = SHEET + b"<sheetData>" + filler + b"</sheetData></worksheet>"
    _workbook(root / "inbox" / "业务量_炸弹.xlsx", xml, compresslevel=1)
    con, _ = _load(root)
    status, message = _status(con, "业务量_炸弹.xlsx")
    assert status == "refused" and "a zip bomb" in message
    _unchanged(con, baseline)


def test_the_farthest_cell_is_named_with_openpyxls_column_letters(tmp_path):
    """The refusal names the farthest cell in Excel's letters (openpyxl.utils); a row of cells
    without references wider than any letters spell (ZZZ, 18,278) by its column's number."""
    import zipfile

    from ledgers.limits import LimitExceeded, check_sheet_area

    def refusal(sheet_xml: bytes) -> str:
        path = tmp_path / "wide.xlsx"
        _workbook(path, sheet_xml)
        with zipfile.ZipFile(path) as archive, pytest.raises(LimitExceeded) as refused:
            check_sheet_area(
                archive, "xl/worksheets/sheet1.xml", "S", ReadLimits(max_sheet_cells=9)
            )
        return str(refused.value)

    referenced = b'<row r="3">' + _cell("AB3", "x") + b"</row>"  # AB: column 28, 3 rows
    assert refusal(SHEET + b"<sheetData>" + referenced + b"</sheetData></worksheet>").startswith(
        "sheet S reaches cell AB3 (3 rows × 28 columns"
    )
    wide = b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    assert refusal(SHEET + b"<sheetData>" + wide + b"</sheetData></worksheet>").startswith(
        "sheet S reaches column 20,000 of row 1 (1 rows × 20,000 columns"
    )


def test_the_cell_count_comes_from_the_rows_not_the_declared_dimension(root, baseline):
    rows = [
        f'<row r="{r}">'.encode() + b"".join(_cell(f"{c}{r}", "1") for c in "ABCD") + b"</row>"
        for r in range(1, 301)
    ]
    xml = (
        SHEET
        + b'<dimension ref="A1:B2"/><sheetData>'
        + b"".join(rows)
        + b"</sheetData></worksheet>"
    )
    _workbook(root / "inbox" / "业务量_维度.xlsx", xml)
    con, _ = _load(root, limits=ReadLimits(max_sheet_cells=1000))
    status, message = _status(con, "业务量_维度.xlsx")
    assert status == "refused"
    assert message.startswith(
        "sheet S reaches cell D300 (300 rows × 4 columns, more than the 1,000"
    )
    # the good workbooks (31 rows × 7 columns at most) are within the same small limit
    _unchanged(con, baseline)


# --- dates, keys, departments ----------------------------------------------------------------


@pytest.mark.parametrize("bulk_min_bytes", [None, 1])
def test_a_row_dated_1900_is_rejected_and_plans_no_partition(root, baseline, bulk_min_bytes):
    write_csv(
        root / "inbox" / "业务量_1900.csv",
        [WORKLOAD, _workload("D02", "1900-03-01"), _workload("D02", "2026-09-30")],
    )
    con, _ = _load(root, bulk_min_bytes=bulk_min_bytes)
    assert _reasons(con, "业务量_1900.csv") == [  # D02 starts 2000-01-01 (the department list)
        "1900-03-01 is more than 10 years (ReadLimits.past_years) before department D02's start "
        "2000-01-01: a mistyped year?"
    ]
    assert "1900-03" not in months_with_data(con)
    assert months_with_data(con) == sorted({*baseline["months"], "2026-09"})
    _unchanged(con, baseline)


def test_the_past_span_is_a_setting(root):
    # D03 starts 2026-01-01: 10 years before is 2016-01, 4 years before 2022-01
    write_csv(root / "inbox" / "业务量_2020.csv", [WORKLOAD, _workload("D03", "2020-05-01")])
    con, _ = _load(root, limits=ReadLimits(past_years=4))
    assert _reasons(con, "业务量_2020.csv") == [
        "2020-05-01 is more than 4 years (ReadLimits.past_years) before department D03's start "
        "2026-01-01: a mistyped year?"
    ]


def test_the_past_span_comes_from_the_environment():
    from pipelines.settings import read_limits_from

    assert read_limits_from({}).past_years == 10
    assert read_limits_from({"DEPTOPS_PAST_YEARS": "30"}).past_years == 30
    with pytest.raises(ValueError, match="DEPTOPS_PAST_YEARS must be a whole number"):
        read_limits_from({"DEPTOPS_PAST_YEARS": "ten"})


def test_department_codes_differing_in_case_or_width_are_one_department(root, baseline):
    write_csv(
        root / "inbox" / "科室_补充.csv",
        [
            ["科室编码", "科室名称", "科室类型"],
            ["CARD", "心血管中心", "内科"],
            ["card", "心血管中心二", "内科"],
            ["ＣＡＲＤ", "心血管中心三", "内科"],
            ["d01", "心内科重复", "内科"],
        ],
    )
    _age(root / "inbox" / "科室_补充.csv", 10_000)  # older than departments.csv: D01 stays
    con, _ = _load(root)
    codes = [c for (c,) in con.execute("select code from raw_departments order by code").fetchall()]
    assert codes == ["CARD", "D01", "D02", "D03"]
    assert _reasons(con, "科室_补充.csv") == [
        "the same key appears in 科室_补充.csv row 2, which is kept",
        "the same key appears in 科室_补充.csv row 2, which is kept",
        # departments.csv's D01 also gives the English name and beds: 2 more values
        "the same key appears in departments.csv row 2, which is kept (it holds 2 more value(s))",
    ]
    _unchanged(con, baseline)


def test_a_placeholder_key_is_reported_once_with_its_count(root, baseline):
    from expectations.suites import suite_findings

    rows = [DISCHARGES] + [["0", "D02", "2026-10-01", "2026-10-03", "好转"]] * 3000
    write_csv(root / "inbox" / "出院_HIS.csv", rows)
    con, report = _load(root)
    assert con.execute("select count(*) from raw_discharges where episode_id = '0'").fetchone() == (
        1,
    )
    assert report.rejected_by_reason["duplicate key within one file"] == 2999
    findings = [
        f for f in suite_findings(con, ["2026-10"], ["discharges"]) if f.file == "出院_HIS.csv"
    ]
    # one finding for the key, on its first row, with the count of the 3,000 rows holding it
    assert len(findings) == 1
    assert findings[0].row == 2
    assert findings[0].message_en == (
        "Discharged episodes: the record with Episode id = (withheld) appears 3,000 times "
        "(出院_HIS.csv row 2; 出院_HIS.csv row 3; 出院_HIS.csv row 4; … 2,997 more); the row from "
        "the most recently saved file is used. Remove the duplicates."
    )
    _unchanged(con, baseline)


def test_an_episode_key_never_reaches_a_finding(root, tmp_path):
    """Nor the stored findings (dq_findings), from which data_quality.csv and the reports'
    data-quality appendix are written: data_quality.csv in either language holds no key."""
    from expectations.findings import run_ledger_checks, write_data_quality_csv
    from expectations.suites import suite_findings

    write_csv(
        root / "inbox" / "出院_副本.csv",
        [DISCHARGES, ["EP-0003", "D01", "2026-10-01", "2026-10-13", "好转"]],
    )
    con, _ = _load(root)
    findings = suite_findings(con, ["2026-10"], ["discharges"])
    assert findings and all("EP-0003" not in f.message_zh + f.message_en for f in findings)
    assert all("(withheld)" in f.message_en for f in findings)
    run_ledger_checks(con, ["2026-10"])
    for lang in ("zh", "en"):
        path = tmp_path / f"data_quality_{lang}.csv"
        assert write_data_quality_csv(con, path, lang) > 0
        text = path.read_text(encoding="utf-8-sig")
        assert "出院_副本.csv" in text and "EP-0003" not in text  # the finding, not its key


def test_an_episode_key_never_reaches_rejected_rows(root, baseline, tmp_path):
    from ledgers.export import write_rejected_csv

    write_csv(
        root / "inbox" / "出院_坏行.csv",
        [
            DISCHARGES,
            [
                "EP-SECRET-1",
                "D01",
                "2026-10-05",
                "2026-10-01",
                "好转",
            ],  # discharged before admitted
            ["EP-SECRET-2", "无此科室", "2026-10-01", "2026-10-03", "好转"],  # unknown department
            [
                "EP-0004",
                "D01",
                "2026-10-01",
                "2026-10-14",
                "好转",
            ],  # a duplicate of the good file's
        ],
    )
    _age(root / "inbox" / "出院_坏行.csv", 10_000)
    con, _ = _load(root)
    assert len(_reasons(con, "出院_坏行.csv")) == 3
    write_rejected_csv(con, tmp_path / "rejected_rows.csv")
    exported = (tmp_path / "rejected_rows.csv").read_text(encoding="utf-8-sig")
    assert "出院_坏行.csv" in exported and "EP-" not in exported
    _unchanged(con, baseline)  # the good file's EP-0004, saved later, is the one kept


# --- integrity when files change, vanish or point elsewhere -----------------------------------


def test_a_file_deleted_before_it_is_read_is_reported_and_skipped(root, baseline):
    victim = write_csv(root / "inbox" / "业务量_删.csv", [WORKLOAD, _workload("D02", "2026-09-01")])

    def delete_when_its_turn_comes(line: str) -> None:
        if line.endswith("业务量_删.csv"):
            victim.unlink()

    con, report = _load(root, progress=delete_when_its_turn_comes)
    assert _status(con, "业务量_删.csv") == (
        "deleted",
        "the file was deleted while the run read it",
    )
    _unchanged(con, baseline)
    # the next run finds it gone and forgets it
    con.close()
    con, report = _load(root)
    assert _status(con, "业务量_删.csv") is None
    assert "业务量_删.csv" not in [p[0] for p in report.problems]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_rewritten_while_read_gives_rows_and_hash_of_one_version(root, baseline):
    path = write_csv(
        root / "inbox" / "业务量_改.csv", [WORKLOAD, _workload("D02", "2026-09-01", 1)]
    )
    rewrites = []

    def rewrite_once(seen: Path) -> None:  # between hashing and parsing, as a share would
        if seen.name == path.name and not rewrites:
            rewrites.append(seen)
            write_csv(path, [WORKLOAD, _workload("D02", "2026-09-01", 222)])
            _age(path, -5)  # a later modification time, whatever the clock's resolution

    con, _ = _load(root, after_copy=rewrite_once)
    assert rewrites
    (sha,) = con.execute("select sha256 from ledger_files where file = ?", [path.name]).fetchone()
    rows = con.execute(
        "select outpatient_visits, source_sha256 from raw_workload where source_file = ?",
        [path.name],
    ).fetchall()
    # the second reading's bytes: its hash is the file's, and its rows come from it
    assert sha == _sha(path) and rows == [(222, sha)]
    _unchanged(con, baseline)


def test_a_file_that_keeps_changing_is_left_for_the_next_run(root, baseline):
    path = write_csv(
        root / "inbox" / "业务量_写.csv", [WORKLOAD, _workload("D02", "2026-09-01", 1)]
    )
    con, _ = _load(root)
    con.close()
    count = iter(range(100, 200))

    def keep_writing(seen: Path) -> None:
        if seen.name == path.name:
            write_csv(path, [WORKLOAD, _workload("D02", "2026-09-01", next(count))])
            _age(path, -next(count))

    _age(path, 50)  # the file changes: its new content is read twice, and changes both times
    write_csv(path, [WORKLOAD, _workload("D02", "2026-09-01", 2)])
    con, report = _load(root, after_copy=keep_writing)
    assert (path.name, "still being written") in [p[:2] for p in report.problems]
    # the rows loaded before stay until the file settles
    assert con.execute(
        "select outpatient_visits from raw_workload where source_file = ?", [path.name]
    ).fetchall() == [(1,)]
    _unchanged(con, baseline)


def test_links_are_reported_and_not_followed(root, baseline, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    foreign = write_csv(outside / "业务量.csv", [WORKLOAD, _workload("D02", "2026-09-01")])
    (root / "inbox" / "业务量_链接.csv").symlink_to(foreign)
    (root / "inbox" / "passwd.csv").symlink_to("/etc/passwd")
    (root / "inbox" / "外部文件夹").symlink_to(outside, target_is_directory=True)
    con, report = _load(root)
    for name in ("业务量_链接.csv", "passwd.csv", "外部文件夹"):
        status, message = _status(con, name)
        assert status == "not read" and message.startswith(
            "a symbolic link: links are not followed"
        )
    assert con.execute("select count(*) from raw_workload where dept = 'D02'").fetchone() == (0,)
    _unchanged(con, baseline)


# --- any failure of one file or sheet is that file's -----------------------------------------


def test_an_unexpected_error_reading_one_file_costs_that_file_only(root, baseline, monkeypatch):
    import ledgers.loader

    write_csv(root / "inbox" / "业务量_坏.csv", [WORKLOAD, _workload("D02", "2026-09-01")])
    real = ledgers.loader.read_file

    def fails_for_one(path, name):
        if name == "业务量_坏.csv":
            raise MemoryError("simulated")
        return real(path, name)

    monkeypatch.setattr(ledgers.loader, "read_file", fails_for_one)
    con, report = _load(root)
    assert _status(con, "业务量_坏.csv") == (
        "unreadable",
        "the file could not be read (MemoryError: simulated); it was skipped",
    )
    _unchanged(con, baseline)


def test_rows_the_warehouse_refuses_cost_their_file_only(root, baseline, monkeypatch):
    """A conversion error while storing one file's rows (none is known now that values are
    range-checked first; simulated here) rolls back, and the load is done again without it."""
    import ledgers.loader

    write_csv(root / "inbox" / "业务量_存不进.csv", [WORKLOAD, _workload("D02", "2026-09-01")])
    real = ledgers.loader._store_sheet_rows

    def refuses_one(con, spec, sheet, *rest):
        if sheet.file == "业务量_存不进.csv":
            con.execute("select cast('x' as integer)")  # a real DuckDB conversion error
        return real(con, spec, sheet, *rest)

    monkeypatch.setattr(ledgers.loader, "_store_sheet_rows", refuses_one)
    con, report = _load(root)
    status, message = _status(con, "业务量_存不进.csv")
    assert status == "unreadable"
    assert message.startswith("the file's rows could not be stored (Conversion Error: ")
    assert con.execute("select count(*) from raw_workload where dept = 'D02'").fetchone() == (0,)
    _unchanged(con, baseline)


def test_an_unexpected_error_in_one_sheet_costs_that_sheet_only(root, baseline, monkeypatch):
    import ledgers.reader

    write_xlsx(
        root / "inbox" / "业务量_两表.xlsx",
        {
            "好": [WORKLOAD, _workload("D02", "2026-09-01")],
            "坏": [WORKLOAD, _workload("D02", "2026-09-02")],
        },
    )
    real = ledgers.reader.parse_sheet

    def fails_for_one(file, sheet, grid, match):
        if sheet == "坏":
            raise ValueError("simulated")
        return real(file, sheet, grid, match)

    monkeypatch.setattr(ledgers.reader, "parse_sheet", fails_for_one)
    con, _ = _load(root)
    (message,) = con.execute(
        "select message from ledger_sheets where file = '业务量_两表.xlsx' and sheet = '坏'"
    ).fetchone()
    assert message == "the sheet could not be read (ValueError: simulated)"
    assert con.execute("select count(*) from raw_workload where dept = 'D02'").fetchone() == (1,)
    _unchanged(con, baseline)


def _failing_open(monkeypatch, name: str, error: OSError) -> list[Path]:
    """Opening the file `name` raises `error`, whether it is hashed (a file loaded before,
    Path.open) or copied while hashed (a new file's snapshot, os.open); returns the list of
    attempts."""
    real_open, real_os_open = Path.open, os.open
    attempts: list[Path] = []

    def failing(path, *args, **kwargs):
        if path.name == name:
            attempts.append(path)
            raise error
        return real_open(path, *args, **kwargs)

    def failing_os(path, *args, **kwargs):
        if Path(path).name == name:
            attempts.append(Path(path))
            raise error
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", failing)
    monkeypatch.setattr(os, "open", failing_os)
    return attempts


def test_a_file_we_may_not_read_is_reported_at_once_not_retried(root, baseline, monkeypatch):
    write_csv(root / "inbox" / "业务量_权限.csv", [WORKLOAD, _workload("D02", "2026-09-01")])
    attempts = _failing_open(
        monkeypatch, "业务量_权限.csv", PermissionError(13, "Permission denied")
    )
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).endswith("权限.csv"))
    con, _ = _load(root)
    assert _status(con, "业务量_权限.csv") == (
        "unreadable",
        "the file cannot be opened (permission denied): let the pipeline's user read it",
    )
    assert len(attempts) == 1  # not retried
    _unchanged(con, baseline)


def test_a_lock_that_stays_is_left_for_the_next_run(root, baseline, monkeypatch):
    write_csv(root / "inbox" / "业务量_锁.csv", [WORKLOAD, _workload("D02", "2026-09-01")])
    # EBUSY: how a Windows share reports a file open in Excel (a sharing violation)
    attempts = _failing_open(monkeypatch, "业务量_锁.csv", OSError(16, "Device or resource busy"))
    monkeypatch.setattr(intake, "LOCK_WAITS", (0, 0))
    con, _ = _load(root)
    status, message = _status(con, "业务量_锁.csv")
    assert status == "locked" and message.startswith("the file is locked by another program")
    assert len(attempts) == 3  # the first try and one per wait
    _unchanged(con, baseline)


# --- a random byte flip in one file never changes another file's rows -------------------------

FLIPPABLE = ["业务量台账.xlsx", "出院病人明细.csv", "经济运行台账.csv", "预约挂号.xlsx"]


@pytest.fixture(scope="module")
def flip_inbox(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("flip")
    build_good_files(root / "inbox")
    return root


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_byte_flip_in_one_file_never_changes_another_files_rows(
    flip_inbox, baseline, data, tmp_path_factory
):
    """The department list is left intact: other ledgers' rows depend on it by design."""
    name = data.draw(st.sampled_from(FLIPPABLE))
    original = (flip_inbox / "inbox" / name).read_bytes()
    position = data.draw(st.integers(0, len(original) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(original)
    flipped[position] ^= 1 << bit
    root = tmp_path_factory.mktemp("flipped")
    shutil.copytree(flip_inbox / "inbox", root / "inbox")
    (root / "inbox" / name).write_bytes(bytes(flipped))
    con, report = _load(root)  # never raises
    with con:
        others = [f for f in GOOD_FILES if f != name]
        expected = {
            kind: [r for r in rows if r[-3] in others] for kind, rows in baseline["rows"].items()
        }
        assert _good_rows(con, others) == expected


# --- a crash between the load and its checks; a run left behind by a killed process ------------


def test_months_a_load_touched_stay_withheld_until_their_checks_commit(root):
    from expectations.findings import run_ledger_checks, unchecked_months
    from reports.data.warehouse import _blocks

    con, _ = _load(root, hold_unchecked=True)
    # The load committed; the process dies here, before its data-quality step.
    assert unchecked_months(con) == ["2026-10"]
    (block,) = [b for b in _blocks(con) if b.month == "2026-10"]
    assert (block.dept, block.check) == ("*", "unchecked")  # every department's month withheld
    con.close()
    # The next run: nothing changed in the inbox, yet the month is checked, and its hold lifted.
    con, report = _load(root, hold_unchecked=True)
    assert not report.touched_months
    run_ledger_checks(con, unchecked_months(con))
    assert unchecked_months(con) == []
    assert all(b.check != "unchecked" for b in _blocks(con))


def test_a_run_of_a_killed_process_is_recognised_though_its_pid_lives(tmp_path):
    """In a container every run is PID 1: a run whose PID is alive but whose process started at
    another time (or boot) is another process's, and is marked failed; our own is left alone."""
    import socket

    import dagster as dg

    from pipelines.runner import (
        HOST_TAG,
        LAUNCHER_TAG,
        PID_TAG,
        PROCESS_TAG,
        process_identity,
        recover_abandoned_runs,
    )

    @dg.op
    def step() -> None:
        pass

    @dg.job
    def job() -> None:
        step()

    with dg.DagsterInstance.ephemeral() as instance:

        def started(identity: str) -> dg.DagsterRun:
            tags = {
                LAUNCHER_TAG: "cli",
                PID_TAG: str(os.getpid()),  # alive: this very test process
                HOST_TAG: socket.gethostname(),
                PROCESS_TAG: identity,
            }
            return instance.create_run_for_job(
                job_def=job, status=dg.DagsterRunStatus.STARTED, tags=tags
            )

        stale = started(f"an-earlier-boot/{os.getpid()}/1")
        live = started(process_identity(os.getpid()))
        said: list[str] = []
        recover_abandoned_runs(instance, said.append)
        assert instance.get_run_by_id(stale.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
        assert said == [
            f"run {stale.run_id[:8]} of a deptops process that stopped is marked failed"
        ]


# --- HOME that cannot be written --------------------------------------------------------------


def _run_cli(home: Path, inbox: Path, capsys) -> tuple[int, str]:
    from pipelines.cli import main

    code = main(["run", "--home", str(home), "--inbox", str(inbox), "--no-wait"])
    return code, capsys.readouterr().err


def test_a_home_that_cannot_be_created_gives_one_message(root, capsys):
    blocker = root / "a-file"
    blocker.write_text("not a folder")
    code, err = _run_cli(blocker / "home", root / "inbox", capsys)
    assert code == 1
    assert err.startswith(f"deptops: cannot write to the working folder {blocker / 'home'} (")
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_full_disk_gives_one_message_and_leaves_the_warehouse_alone(root, capsys, monkeypatch):
    import shutil as shutil_module

    usage = shutil_module.disk_usage(root)
    monkeypatch.setattr("pipelines.home.shutil.disk_usage", lambda _: usage._replace(free=10 << 20))
    warehouse = _warehouse_in(root / "home", root)
    before = warehouse.read_bytes()
    code, err = _run_cli(root / "home", root / "inbox", capsys)
    assert code == 1
    assert err == (
        f"deptops: the disk of the working folder {root / 'home'} is full (10 MiB free, "
        "256 MiB needed): free some space; nothing was changed\n"
    )
    assert warehouse.read_bytes() == before


def _warehouse_in(home: Path, root: Path) -> Path:
    """HOME with a warehouse loaded from the inbox (as an earlier run leaves it)."""
    home.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        load_inbox(con, root / "inbox", work_root=root / "work")
    return home / "warehouse.duckdb"


CLI = "import sys; from pipelines.cli import main; sys.exit(main(sys.argv[1:]))"


def _mounting_works() -> bool:
    """Whether this process may make a private mount namespace and mount in it (root with
    CAP_SYS_ADMIN), where a read-only or full file system is real even for root."""
    try:
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             "mount -t tmpfs -o size=1m tmpfs /mnt"],
            capture_output=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _cli_under(setup: str, home: Path, inbox: Path) -> subprocess.CompletedProcess:
    """`deptops run` in a process of its own, after the shell commands `setup` (run as root in a
    private mount namespace, which vanishes with the process; plain otherwise)."""
    command = " ".join(
        shlex.quote(part)
        for part in (sys.executable, "-c", CLI, "run", "--home", str(home), "--inbox", str(inbox),
                     "--no-wait")
    )  # fmt: skip
    script = f'{setup}\n{command}\necho "exit $?"\nsha256sum {shlex.quote(str(home))}/* 2>/dev/null || true'
    wrapper = ["unshare", "--mount", "--propagation", "private"] if os.geteuid() == 0 else []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [*wrapper, "sh", "-c", script], capture_output=True, text=True, env=env, timeout=600
    )


def _read_only(folder: Path) -> str:
    """Shell commands making `folder` read-only for `deptops run`: a read-only bind mount for
    root (whom permissions do not stop), its permissions for anyone else."""
    quoted = shlex.quote(str(folder))
    if os.geteuid() == 0:
        return f"mount --bind {quoted} {quoted}\nmount -o remount,bind,ro {quoted} {quoted}"
    return f"chmod 555 {quoted}"


def _skip_without_a_real_mechanism() -> None:
    if os.geteuid() == 0 and not _mounting_works():
        pytest.skip("running as root without CAP_SYS_ADMIN: neither permissions nor a mount can "
                    "make a folder read-only or full for this process")  # fmt: skip


def _one_message(done: subprocess.CompletedProcess, start: str) -> None:
    """One line on stderr starting with `start`, no traceback, exit code 1."""
    assert "exit 1" in done.stdout, done.stdout + done.stderr
    assert done.stderr.startswith(start), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_read_only_home_gives_one_message_and_leaves_the_warehouse_alone(root):
    _skip_without_a_real_mechanism()
    home = root / "home"
    warehouse = _warehouse_in(home, root)
    digest = _sha(warehouse)
    try:
        done = _cli_under(_read_only(home), home, root / "inbox")
    finally:
        home.chmod(0o755)
    _one_message(done, f"deptops: cannot write to the working folder {home} (")
    assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr
    assert f"{digest}  {warehouse}" in done.stdout  # as the run saw it, before it ended
    assert _sha(warehouse) == digest and sorted(p.name for p in home.iterdir()) == [
        "warehouse.duckdb"
    ]


def test_a_missing_home_that_cannot_be_made_gives_one_message(root):
    _skip_without_a_real_mechanism()
    parent = root / "share"
    parent.mkdir()
    try:
        done = _cli_under(_read_only(parent), parent / "home", root / "inbox")
    finally:
        parent.chmod(0o755)
    _one_message(done, f"deptops: cannot write to the working folder {parent / 'home'} (")
    assert not (parent / "home").exists()


def test_a_full_disk_for_real_gives_one_message_and_leaves_the_warehouse_alone(root):
    """HOME on a file system of 64 MiB (a tmpfs in the test's own mount namespace, as root)."""
    if os.geteuid() != 0 or not _mounting_works():
        pytest.skip("a small file system of its own needs root with CAP_SYS_ADMIN; "
                    "test_a_full_disk_gives_one_message… covers the message")  # fmt: skip
    made = _warehouse_in(root / "made", root)
    home = root / "home"
    home.mkdir()
    setup = (
        f"mount -t tmpfs -o size=64m tmpfs {shlex.quote(str(home))}\n"
        f"cp {shlex.quote(str(made))} {shlex.quote(str(home))}/"
    )
    done = _cli_under(setup, home, root / "inbox")
    _one_message(done, f"deptops: the disk of the working folder {home} is full (")
    # the warehouse on the small disk, after the run, is the one copied there
    assert f"{_sha(made)}  {home / 'warehouse.duckdb'}" in done.stdout


def test_a_home_that_cannot_be_written_fails_the_dagster_load_with_the_message(root):
    import dagster as dg

    from pipelines.definitions import LOAD_JOB, build_definitions
    from pipelines.settings import Settings

    blocker = root / "a-file"
    blocker.write_text("not a folder")
    settings = Settings(home=blocker / "home", inbox=root / "inbox", report_workers=1)
    with dg.DagsterInstance.ephemeral() as instance:
        result = (
            build_definitions(settings)
            .resolve_job_def(LOAD_JOB)
            .execute_in_process(instance=instance, raise_on_error=False)
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "ledger_tables"
    message = failure.event_specific_data.error.message
    assert f"cannot write to the working folder {blocker / 'home'} (Not a directory)" in message
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)


# --- text that becomes file names, links and workbook cells ------------------------------------


def test_control_and_bidi_characters_never_reach_the_warehouse(root, baseline):
    write_csv(
        root / "inbox" / "科室_控制字符.csv",
        [["科室编码", "科室名称", "科室类型"], ["X\u202eSLX", "检验\x07科\u200b", "医技"]],
    )
    con, _ = _load(root)
    assert con.execute(
        "select code, name_zh from raw_departments where code like 'X%'"
    ).fetchall() == [("XSLX", "检验科")]
    _unchanged(con, baseline)


def test_file_names_show_their_invisible_characters(root, baseline):
    """A right-to-left override would show 业务量\u202ecsv.exe as 业务量exe.vsc: it is spelled out."""
    write_csv(
        root / "inbox" / "业务量\u202ecsv.exe.csv", [WORKLOAD, _workload("D02", "2026-09-01")]
    )
    con, _ = _load(root)
    assert _status(con, "业务量\\u202ecsv.exe.csv") == ("loaded", None)
    _unchanged(con, baseline)


@pytest.mark.parametrize(
    ("code", "forbidden"),
    [("A#1", "#"), ("50%", "%"), ("CARD\u202elmth", "\u202e"), ("A\u2066B", "\u2066")],
)
def test_report_file_names_hold_no_link_breaking_or_bidi_characters(code, forbidden):
    from reports.files import safe_file_stem

    stem = safe_file_stem(code)
    assert forbidden not in stem and "/" not in stem
    assert safe_file_stem(code) != safe_file_stem(code.replace(forbidden, "_"))  # never shared


SENTINEL = "PURGE-ME-DRG"


def _load_job(settings, instance) -> dg.ExecuteInProcessResult:
    from pipelines.definitions import LOAD_JOB, build_definitions

    result = (
        build_definitions(settings).resolve_job_def(LOAD_JOB).execute_in_process(instance=instance)
    )
    assert result.success
    return result


def _materialisation(result, key: str):
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key
    ]
    return event.materialization.metadata


def test_a_removed_ledgers_text_is_gone_from_the_warehouse_file_after_a_dagster_load(root):
    """The load (as the sensor or the UI runs it) rewrites the warehouse after a removal: the
    removed rows' bytes do not linger in freed blocks (DuckDB's checkpoint frees them without
    overwriting them)."""
    from pipelines.settings import Settings

    rows = [[*DISCHARGES, "DRG组"]]
    rows += [
        [f"X{i}", "D01", "2026-10-01", "2026-10-03", "好转", f"{SENTINEL}{i}"] for i in range(50)
    ]
    write_csv(root / "inbox" / "出院_待删.csv", rows)
    settings = Settings(home=root / "home", inbox=root / "inbox", report_workers=1)
    with dg.DagsterInstance.ephemeral() as instance:
        _load_job(settings, instance)
        assert SENTINEL.encode() in settings.warehouse.read_bytes()
        (root / "inbox" / "出院_待删.csv").unlink()
        result = _load_job(settings, instance)
    metadata = _materialisation(result, "ledger_tables")
    assert metadata["files_removed"].value == 1 and metadata["warehouse_rewritten"].value is True
    assert SENTINEL.encode() not in settings.warehouse.read_bytes()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        _unchanged(con, _baseline_without_work(root))


def _baseline_without_work(root: Path) -> dict:
    """The good inbox's rows and months, loaded alone (the module's `baseline`)."""
    fresh = root / "fresh"
    build_good_files(fresh / "inbox")
    con, _ = _load(fresh)
    with con:
        return {"rows": _good_rows(con), "months": months_with_data(con)}


def test_a_rewrite_refused_while_the_warehouse_is_open_is_done_by_the_next_load(root):
    from pipelines.home import scrub_after_removal

    write_csv(
        root / "inbox" / "出院_待删.csv",
        [[*DISCHARGES, "DRG组"], ["X1", "D01", "2026-10-01", "2026-10-03", "好转", SENTINEL]],
    )
    con, _ = _load(root)
    con.close()
    (root / "inbox" / "出院_待删.csv").unlink()
    con, report = _load(root)  # the removal; this connection stays open
    warehouse, said = root / "w.duckdb", []
    assert report.files_removed == 1
    assert not scrub_after_removal(warehouse, True, None, said.append)
    assert said[0].startswith("the warehouse could not be rewritten now (")
    con.close()
    assert SENTINEL.encode() in warehouse.read_bytes()
    # the next load removed nothing, but the rewrite is still due
    assert scrub_after_removal(warehouse, False, None, said.append)
    assert SENTINEL.encode() not in warehouse.read_bytes()
    assert not scrub_after_removal(warehouse, False, None, said.append)  # done: not again
    assert len(said) == 1


def test_no_episode_key_reaches_dagsters_event_log_or_run_storage(root, tmp_path_factory):
    """A load with episode keys in every place a key can be talked about (a duplicate within a
    file and across files, rows rejected for their dates and their department, a placeholder
    key): no event record, run record or byte of the instance's storage holds a key."""
    from dagster_shared.serdes import serialize_value

    from pipelines.settings import Settings

    keys = [f"EPKEY{n}QZ" for n in range(1, 6)]
    write_csv(
        root / "inbox" / "出院_含键.csv",
        [
            DISCHARGES,
            [keys[0], "D01", "2026-10-01", "2026-10-05", "好转"],
            [keys[0], "D01", "2026-10-01", "2026-10-06", "好转"],  # duplicate within the file
            [keys[1], "D01", "2026-10-05", "2026-10-01", "好转"],  # discharged before admitted
            [keys[2], "无此科室", "2026-10-01", "2026-10-03", "好转"],  # unknown department
            *[[keys[3], "D02", "2026-10-02", "2026-10-04", "好转"]] * 20,  # a placeholder key
        ],
    )
    write_csv(
        root / "inbox" / "出院_又一份.csv",
        [DISCHARGES, [keys[4], "D02", "2026-10-01", "2026-10-02", "好转"]],
    )
    write_csv(  # the same key in another file: a conflict across files
        root / "inbox" / "出院_重复.csv",
        [DISCHARGES, [keys[4], "D02", "2026-10-01", "2026-10-09", "好转"]],
    )
    storage = tmp_path_factory.mktemp("dagster")
    settings = Settings(home=root / "home", inbox=root / "inbox", report_workers=1)
    with dg.DagsterInstance.local_temp(str(storage)) as instance:
        result = _load_job(settings, instance)
        entries = instance.all_logs(result.run_id)
        records = [serialize_value(entry) for entry in entries]
        run = serialize_value(instance.get_run_by_id(result.run_id))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        stored = {k for (k,) in con.execute("select episode_id from raw_discharges").fetchall()}
        rejected = con.execute(
            "select count(*) from rejected_rows where file like '出院_%'"
        ).fetchone()[0]
    assert {keys[0], keys[3], keys[4]} <= stored and rejected >= 3 + 19  # the keys were loaded
    # the log does talk about the file (its progress lines name it), and the storage holds it
    assert any("出院_含键.csv" in entry.user_message for entry in entries)
    on_disk = b"".join(p.read_bytes() for p in storage.rglob("*") if p.is_file())
    assert result.run_id.encode() in on_disk and b"ledger_data_quality" in on_disk
    for key in keys:
        assert not [r for r in records if key in r], key
        assert key not in run
        assert key.encode() not in on_disk, key
