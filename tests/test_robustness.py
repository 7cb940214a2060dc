"""One bad file never takes the run down (issue 16).

Each test builds the good inbox of `test_bad_inputs` (3 departments, 31 workload days, 10
episodes, one finance and one appointments row) plus one hostile file, loads it into a real DuckDB
file, and asserts the hostile file's message and that every good file's rows are exactly those
the good inbox loads on its own (`baseline`).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)


SHEET = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


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
    assert _status(con, "业务量_崩溃.xlsx") == (
        "refused",
        "the spreadsheet reader stopped on this workbook: it crashed, or needed more than "
        "4,096 MiB of memory; open it in Excel, delete what lies beyond the data and save it "
        "again, or save it as CSV",
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
        "the spreadsheet reader stopped on this workbook: it crashed, or needed more than 512 MiB"
    )
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
    assert _reasons(con, "业务量_1900.csv") == [
        "日期: 1900-03-01 is more than 10 years ago (ReadLimits.past_years): a mistyped year?"
    ]
    assert "1900-03" not in months_with_data(con)
    assert months_with_data(con) == sorted({*baseline["months"], "2026-09"})


def test_the_past_span_is_a_setting(root):
    write_csv(root / "inbox" / "业务量_2010.csv", [WORKLOAD, _workload("D02", "2010-05-01")])
    con, _ = _load(root, limits=ReadLimits(past_years=30))
    assert _reasons(con, "业务量_2010.csv") == []
    assert "2010-05" in months_with_data(con)


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


def test_an_episode_key_never_reaches_a_finding(root):
    from expectations.suites import suite_findings

    write_csv(
        root / "inbox" / "出院_副本.csv",
        [DISCHARGES, ["EP-0003", "D01", "2026-10-01", "2026-10-13", "好转"]],
    )
    con, _ = _load(root)
    findings = suite_findings(con, ["2026-10"], ["discharges"])
    assert findings and all("EP-0003" not in f.message_zh + f.message_en for f in findings)
    assert all("(withheld)" in f.message_en for f in findings)


def test_an_episode_key_never_reaches_rejected_rows(root, tmp_path):
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

    def refuses_one(con, spec, sheet, sha):
        if sheet.file == "业务量_存不进.csv":
            con.execute("select cast('x' as integer)")  # a real DuckDB conversion error
        return real(con, spec, sheet, sha)

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
    """Opening the file `name` raises `error`; returns the list of attempts."""
    real_open = Path.open
    attempts: list[Path] = []

    def failing(path, *args, **kwargs):
        if path.name == name:
            attempts.append(path)
            raise error
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", failing)
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
    monkeypatch.setattr(
        "pipelines.runner.shutil.disk_usage", lambda _: usage._replace(free=10 << 20)
    )
    code, err = _run_cli(root / "home", root / "inbox", capsys)
    assert code == 1
    assert err == (
        f"deptops: the disk of the working folder {root / 'home'} is full (10 MiB free, "
        "256 MiB needed): free some space; nothing was changed\n"
    )
    assert not (root / "home" / "warehouse.duckdb").exists()


# --- text that becomes file names, links and workbook cells ------------------------------------


def test_control_and_bidi_characters_never_reach_the_warehouse(root):
    write_csv(
        root / "inbox" / "科室_控制字符.csv",
        [["科室编码", "科室名称", "科室类型"], ["X\u202eSLX", "检验\x07科\u200b", "医技"]],
    )
    con, _ = _load(root)
    assert con.execute(
        "select code, name_zh from raw_departments where code like 'X%'"
    ).fetchall() == [("XSLX", "检验科")]


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


def test_a_removed_ledgers_text_is_gone_from_the_warehouse_file(root):
    """After a removal, `deptops run` rewrites the warehouse: the removed rows' bytes do not
    linger in freed blocks (DuckDB's checkpoint frees them without overwriting)."""
    from pipelines.runner import compact_warehouse

    sentinel = "PURGE-ME-DRG"
    rows = [[*DISCHARGES, "DRG组"]]
    rows += [
        [f"X{i}", "D01", "2026-10-01", "2026-10-03", "好转", f"{sentinel}{i}"] for i in range(50)
    ]
    write_csv(root / "inbox" / "出院_待删.csv", rows)
    con, _ = _load(root)
    con.close()
    warehouse = root / "w.duckdb"
    assert sentinel.encode() in warehouse.read_bytes()
    (root / "inbox" / "出院_待删.csv").unlink()
    con, report = _load(root)
    before = _good_rows(con)
    con.close()
    assert report.files_removed == 1
    assert sentinel.encode() in warehouse.read_bytes()  # what the checkpoint leaves behind
    compact_warehouse(warehouse)
    assert sentinel.encode() not in warehouse.read_bytes()
    with duckdb.connect(str(warehouse)) as con:
        assert _good_rows(con) == before
