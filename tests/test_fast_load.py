"""The set-based path (ledgers.bulk: DuckDB reads big plain CSV and Parquet exports) against the
general path (every cell parsed in Python): the same content, loaded both ways into real DuckDB
files, gives the same rows, the same lineage and the same rejections, word for word."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from ledgers import bulk, reader
from ledgers.loader import load_inbox
from ledgers.reader import SheetRead
from ledgers.specs import LINEAGE_COLUMNS, ledgers
from tests.ledger_files import write_csv, write_xlsx

DEPARTMENTS = [
    ["科室编码", "科室名称", "英文名称", "科室类型"],
    ["CARD", "心内科", "Cardiology", "内科系统"],
    ["GSUR", "普外科", "General Surgery", "外科系统"],
]

DISCHARGES = [
    ["病例编号", "出院科室", "入院日期", "出院日期", "手术日期", "手术级别", "转归", "并发症",
     "总费用(元)", "药品费", "耗材费", "医保类型", "备注"],
    ["E1", "CARD", "2026-10-01", "2026-10-05", "", "", "治愈", "否", "1234.56", "100", "50.5", "职工", "x"],
    ["E2", "心内科", "2026/10/2", "2026-10-09", "2026-10-03", "三级", "好转", "是", "1,234", "0", "", "", ""],
    ["E3", "", "2026-10-03", "2026-10-04", "", "", "improved", "N", "99.999", "", "", "", ""],  # merged dept
    ["E4", "Cardiology", "20261004", "2026-10-04", "", "", "died", "", "", "", "", "", ""],
    ["E5", "CARD", "2026-10-09", "2026-10-05", "", "", "", "", "", "", "", "", ""],  # before admission
    ["E6", "CARD", "2026-10-01", "2026-10-05", "2026-10-09", "2", "", "", "100", "10", "", "", ""],  # surgery after
    ["E7", "CARD", "2026-10-01", "2026-10-05", "", "5", "", "", "100", "150", "", "", ""],  # grade, drug > total
    ["E8", "CARD", "2026-13-01", "2026-10-05", "", "", "cured", "maybe", "-5", "", "", "", ""],
    ["E9", "神经内科", "2026-10-01", "2026-10-05", "", "", "", "", "", "", "", "", ""],  # unknown dept
    ["", "CARD", "2026-10-01", "2026-10-05", "", "", "", "", "", "", "", "", ""],  # id required
    ["", "", "", "", "", "", "", "", "", "", "", "", ""],  # blank row: the next blank dept stays blank
    ["E10", "", "2026-10-01", "2026-10-02", "", "", "", "", "", "", "", "", ""],
    ["合计", "", "", "", "", "", "", "", "3333", "", "", "", ""],  # totals row
    ["E11", " GSUR ", " 2026-10-01 ", "2026-10-31", "2026-10-01", "4级", "其他", "Y", "８８", "1e1", "", "医保", ""],
    ["E12", "GSUR", "2026-10-01", "2026-11-01", "", "", "", "", "12.5%", "", "", "", ""],
    # Rows worded in SQL (ledgers.bulk._reject), each rule between cells at least once:
    ["E13", "CARD", "2026-10-01", "2026-10-05", "", "", "", "", "100.25", "150.5", "", "", ""],  # amount order
    ["E14", "CARD", "2026-10-03", "2026-10-05", "2026-10-02", "", "", "", "10", "11", "12", "", ""],  # three rules
    ["E15", "CARD", "2026-10-01", "2099-01-01", "", "", "", "", "", "", "", "", ""],  # in the future
    ["E16", "GSUR", "1900-03-01", "1900-03-02", "", "", "", "", "", "", "", "", ""],  # far in the past
    # the cells shown as written: quotes, a backslash, a tab, full-width and accented letters
    ["E17", "ＣＡＲＤ", "2026-10-09", "2026-10-05", "", "", "", "", "", "", "", 'He said "x" \\ é', "a\tb"],
    ["E18", "CARD", "2026-10-09", "2026-10-05", "", "", "", "", "", "", "", "  职工 ", "{}"],
    # too big for a double to hold its fen: worded by the Python rules (the odd case)
    ["E19", "CARD", "2026-10-01", "2026-10-05", "", "", "", "", "99999999999999.5", "100000000000000", "", "", ""],
    # not in the department list: worded in SQL, but a name Python's repr escapes is the odd case
    ["E20", "Dr O'Brien's", "2026-10-01", "2026-10-05", "", "", "", "", "", "", "", "", ""],
    ["E21", "急诊科", "2026-10-01", "2026-10-05", "", "", "", "", "", "", "", "", ""],
]  # fmt: skip

WORKLOAD = [
    [
        "日期",
        "科室",
        "门诊人次",
        "急诊人次",
        "入院人数",
        "出院人数",
        "实际开放床位",
        "期末在院人数",
    ],
    ["2026-10-01", "CARD", "120", "8", "5", "4", "40", "36"],
    ["2026-10-02", "", "1,300", "９", "5", "4", "40", "37"],  # merged department cell
    ["2026-10-03", "CARD", "85%", "8", "5", "4", "40", "37"],
    ["2026-10-04", "CARD", "2.5", "8", "5", "4", "40", "37"],
    ["2026-10-05", "CARD", "-1", "8", "5", "4", "40", "37"],
    ["2026.10.06", "心内科", "7", "", "", "", "40", "37"],
    ["46302", "普外科", "7", "1", "1", "1", "30", "20"],
    ["小计", "", "1500", "", "", "", "", ""],
    ["2026-10-01", "CARD", "1", "1", "1", "1", "40", "36"],  # the same key twice in one file
    ["2026-10-31", "GSUR", "3", "0", "0", "0", "30", "20"],
    ["2026-02-30", "GSUR", "3", "0", "0", "0", "30", "20"],
    ["2099-10-01", "CARD", "3", "0", "0", "0", "40", "36"],  # a mistyped year: in the future
    ["1900-10-01", "CARD", "3", "0", "0", "0", "40", "36"],  # a mistyped year: far in the past
    ["2026-10-08", "CARD", "3", "-1", "x", "0", "40", "36.5"],  # three broken cells
]

FEEDBACK = [
    ["月份", "科室", "调查人数", "满意人数", "候诊测量人次", "平均候诊时间"],
    ["2026-10", "CARD", "100", "90", "50", "12.5"],
    ["2026-09", "CARD", "100", "120", "50", "12.5"],  # satisfied > surveys
    ["2026-08", "CARD", "10", "5", "30", ""],  # required when wait_samples > 0
    ["2099-01", "CARD", "10", "5", "0", ""],  # a month in the future
    ["1900-05", "GSUR", "10", "5", "0", ""],  # far in the past
    ["2026-07", "GSUR", "10", "5", "3", "0.5"],
    ["2026-06", "GSUR", "10", "11", "3", "-1"],  # a broken cell: its reason alone
    ["2026-05", "GSUR", "９", "8", "3", "1e-05"],
    ["2026年4月", "GSUR", "9", "10", "3", "2000"],  # above the cap and satisfied > surveys
    ["2026-03", "GSUR", "9", "10", "3", "1234567.25"],  # above the cap
    ["2026-02", "GSUR", "9", "10", "3", ""],  # two rules
]


@pytest.fixture(autouse=True)
def set_based_reads(monkeypatch) -> list:
    """Every file the set-based path read (not handed back to the general path)."""
    done = []
    original = bulk.read_together

    def recording(con, plans):
        found = original(con, plans)
        done.extend(p.name for p, s in zip(plans, found, strict=True) if isinstance(s, SheetRead))
        return found

    monkeypatch.setattr(bulk, "read_together", recording)
    return done


@pytest.fixture(autouse=True)
def worded_in_python(monkeypatch) -> list:
    """The rows the set-based path handed to the general path's row parser (at its read, or
    at the load's reference checks)."""
    done = []
    original = reader.parse_row

    def recording(match, raw, seen=None):
        done.append(raw)
        return original(match, raw, seen)

    monkeypatch.setattr(bulk, "parse_row", recording)
    monkeypatch.setattr(reader, "parse_row", recording)
    return done


def load(tmp_path, name: str, files: dict[str, list[list[object]]], bulk_min_bytes):
    inbox = tmp_path / name / "inbox"
    write_csv(inbox / "科室字典.csv", DEPARTMENTS)
    for file, rows in files.items():
        write_csv(inbox / file, rows)
    con = duckdb.connect(str(tmp_path / name / "warehouse.duckdb"))
    report = load_inbox(con, inbox, bulk_min_bytes=bulk_min_bytes)
    return con, report


def snapshot(con) -> dict:
    """Every table the load writes, lineage included (sha256 aside: the files are the same)."""
    found = {}
    for spec in ledgers().values():
        for table in (spec.staged_table, spec.table):
            columns = [c.name for c in spec.columns] + [
                c for c in LINEAGE_COLUMNS if c != "source_sha256"
            ]
            quoted = ", ".join(f'"{c}"' for c in columns)
            found[table] = con.execute(f"select {quoted} from {table} order by all").fetchall()  # noqa: S608
    found["rejected_rows"] = con.execute(
        'select file, sheet, "row", ledger, "column", reason, twin, "values", is_conflict '
        "from rejected_rows order by all"
    ).fetchall()
    found["ledger_sheets"] = con.execute("select * from ledger_sheets order by all").fetchall()
    return found


# DISCHARGES with empty lines (DuckDB skips them; csv.reader reads blank rows): after the
# header, before E3 (whose merged department then stays blank), two in a row, and at the end.
EMPTY_LINES = [
    DISCHARGES[0],
    [],
    *DISCHARGES[1:3],
    [],
    *DISCHARGES[3:8],
    [],
    [],
    *DISCHARGES[8:],
    [],
    [],
]


def _with_line_breaks() -> list[list[str]]:
    """DISCHARGES with line breaks in quoted cells (a memo, a department, an amount; one CRLF):
    the rows keep csv.reader's record numbers, not the file's line numbers."""
    rows = [list(r) for r in DISCHARGES]
    rows[1][12] = "第一行\n第二行"  # E1's memo, accepted
    rows[5][12] = "a\r\nb\n"  # E5's memo, on a rejected row: shown as written
    rows[9][1] = "神经\n内科"  # E9's department: not in the list
    rows[12][8] = "1\n2"  # E10's total cost: not a number
    return rows


@pytest.mark.parametrize(
    "content",
    [
        "discharges",
        "workload",
        "patient_feedback",
        "discharges-empty-lines",
        "discharges-line-breaks",
    ],
)
def test_csv_fast_and_general_paths_agree(tmp_path, set_based_reads, worded_in_python, content):
    variant = content
    rows = {
        "discharges": DISCHARGES,
        "workload": WORKLOAD,
        "patient_feedback": FEEDBACK,
        "discharges-empty-lines": EMPTY_LINES,
        "discharges-line-breaks": _with_line_breaks(),
    }[content]
    if content == "discharges-empty-lines":
        content = "discharges"
        assert b"\r\n\r\n" in write_csv(tmp_path / "probe.csv", rows).read_bytes()
    if content == "discharges-line-breaks":
        content = "discharges"
        assert (
            b'"\xe7\xa5\x9e\xe7\xbb\x8f\n' in write_csv(tmp_path / "probe.csv", rows).read_bytes()
        )
    files = {f"{content}.csv": rows}
    general, general_report = load(tmp_path, "general", files, bulk_min_bytes=None)
    assert set_based_reads == []
    fast, fast_report = load(tmp_path, "fast", files, bulk_min_bytes=0)
    assert sorted(set_based_reads) == sorted(["科室字典.csv", f"{content}.csv"])
    expected, found = snapshot(general), snapshot(fast)
    assert found == expected
    # Every rejection was worded in SQL but the amount too big for a double (E19) and the
    # department Python's repr escapes (E20).
    # (and E9's department with a line break, which Python's repr escapes)
    assert sorted(raw.get("episode_id") for raw in worded_in_python) == (
        {"discharges": ["E19", "E20"], "discharges-line-breaks": ["E19", "E20", "E9"]}.get(
            variant, ["E19", "E20"] if content == "discharges" else []
        )
    )
    assert fast_report.touched_months == general_report.touched_months
    assert fast_report.rejected_by_reason == general_report.rejected_by_reason
    # the general path found what the rules say; the fast path must not be vacuous
    assert len(expected["rejected_rows"]) >= 5
    assert len(expected[f"raw_{content}"]) >= 3


# A file whose rows need no sorting out (a department in every row, no totals row) and none of
# whose spellings breaks a rule: its parsed rows are written once, by the staging insert
# (bulk._defer). Each variant adds a row that only a rule between cells or a reference check
# rejects: the stored row is worded and taken out again (bulk.reject_stored), or the load goes
# back and reads the file as any other; either way, to the same rejections.
PLAIN = [
    DISCHARGES[0],
    ["E1", "CARD", "2026-10-01", "2026-10-05", "", "", "治愈", "否", "1234.56", "100", "50.5", "职工", "x"],
    ["E2", "心内科", "2026/10/2", "2026-10-09", "2026-10-03", "三级", "好转", "是", "1,234", "0", "", "", ""],
    ["E4", "Cardiology", "20261004", "2026-10-06", "", "", "died", "", "", "", "", "", ""],
    ["E11", " GSUR ", " 2026-10-01 ", "2026-10-31", "2026-10-01", "4级", "其他", "Y", "８８", "1e1", "", "医保", ""],
]  # fmt: skip
BREAKING = {
    "none": [],
    "before admission": [["E5", "CARD", "2026-10-09", "2026-10-05"] + [""] * 9],
    "surgery after discharge": [["E6", "CARD", "2026-10-01", "2026-10-05", "2026-10-09", "2"] + [""] * 7],
    "drug above total": [["E7", "CARD", "2026-10-01", "2026-10-05", "", "", "", "", "100", "150", "", "", ""]],
    "in the future": [["E15", "CARD", "2026-10-01", "2099-01-01"] + [""] * 9],
    "far in the past": [["E16", "GSUR", "1900-03-01", "1900-03-02"] + [""] * 9],
    "unknown department": [["E9", "神经内科", "2026-10-01", "2026-10-05"] + [""] * 9],
    # too big for a double to hold its fen: worded by the general path's row parser
    "worded in Python": [["E19", "CARD", "2026-10-01", "2026-10-05", "", "", "", "", "99999999999999.5", "100000000000000", "", "", ""]],
    "latest month rejected": [["E8", "CARD", "2026-11-01", "2026-11-02", "2026-11-03"] + [""] * 8],
}  # fmt: skip


@pytest.mark.parametrize("breaking", list(BREAKING))
def test_rows_written_once_then_read_again_when_one_breaks_a_rule(tmp_path, breaking):
    rows = [*PLAIN, *BREAKING[breaking]]
    path = write_csv(tmp_path / "probe" / "discharges.csv", rows)
    with duckdb.connect() as con:  # the read defers the parse (else this test proves nothing)
        (sheet,) = bulk.read_file(con, path, "discharges.csv", 0)
        assert bulk.deferred([sheet]) and bulk.days_read(sheet)
    files = {"discharges.csv": rows}
    general, general_report = load(tmp_path, "general", files, bulk_min_bytes=None)
    fast, fast_report = load(tmp_path, "fast", files, bulk_min_bytes=0)
    assert snapshot(fast) == snapshot(general)
    assert fast_report.touched_months == general_report.touched_months
    assert fast_report.rejected_by_reason == general_report.rejected_by_reason
    assert len(snapshot(general)["rejected_rows"]) == (breaking != "none")


def test_a_spelling_that_breaks_a_rule_is_not_deferred(tmp_path):
    path = write_csv(
        tmp_path / "discharges.csv", [*PLAIN, ["E8", "CARD", "2026-13-01", "2026-10-05"] + [""] * 9]
    )
    with duckdb.connect() as con:
        (sheet,) = bulk.read_file(con, path, "discharges.csv", 0)
        assert not bulk.deferred([sheet]) and bulk.days_read(sheet) is None


def test_fast_path_rejections_name_file_row_column_and_reason(tmp_path):
    con, _ = load(tmp_path, "fast", {"discharges.csv": DISCHARGES}, bulk_min_bytes=0)
    found = {
        row: (column, reason)
        for row, column, reason in con.execute(
            'select "row", "column", reason from rejected_rows order by "row"'
        ).fetchall()
    }
    assert found[6] == ("出院日期", "出院日期: must be ≥ 入院日期 (2026-10-09), found 2026-10-05")
    assert found[11][0] == "病例编号" and "required" in found[11][1]
    assert found[10] == ("dept", "department '神经内科' is not in the department list (科室字典)")
    assert "percentage" in found[16][1]
    stored = con.execute(
        "select episode_id, dept, total_cost, outcome, complication from raw_discharges "
        "where episode_id in ('E3', 'E10', 'E11') order by 1"
    ).fetchall()
    # E3 repeats CARD from the row above; E10 comes after a blank row: its department stays blank
    by_id = {s[0]: s[1:] for s in stored}
    assert set(by_id) == {"E3", "E11"} and by_id["E3"][0] == "CARD"
    assert by_id["E11"] == ("GSUR", 88, "other", True)


def test_parquet_loads_the_same_as_the_csv(tmp_path, set_based_reads):
    files = {"workload.csv": WORKLOAD}
    general, _ = load(tmp_path, "general", files, bulk_min_bytes=None)
    # The same table as a Parquet export (every column text, as the CSV is).
    inbox = tmp_path / "parquet" / "inbox"
    write_csv(inbox / "科室字典.csv", DEPARTMENTS)
    with duckdb.connect() as con:
        header, *data = WORKLOAD
        columns = ", ".join(f'col{i} as "{h}"' for i, h in enumerate(header))
        values = ", ".join("(" + ", ".join("?" for _ in header) + ")" for _ in data)
        con.execute(
            f"copy (select {columns} from (values {values})) to '{inbox / 'workload.parquet'}' (format parquet)",  # noqa: S608
            [cell or None for row in data for cell in row],
        )
    for min_bytes in (None, 0):
        con = duckdb.connect(str(tmp_path / "parquet" / f"w{min_bytes}.duckdb"))
        load_inbox(con, inbox, bulk_min_bytes=min_bytes)
        found = snapshot(con)
        expected = snapshot(general)
        assert ("workload.parquet" in set_based_reads) == (min_bytes == 0)
        assert found["raw_workload"] == [
            (*r[:-3], "workload.parquet", "", r[-1]) for r in expected["raw_workload"]
        ]
        assert [(r[2], r[4], r[5].replace(".parquet", ".csv")) for r in found["rejected_rows"]] == [
            (r[2], *r[4:6]) for r in expected["rejected_rows"]
        ]


def test_typed_parquet_dates_and_numbers(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "科室字典.csv", DEPARTMENTS)
    path = inbox / "workload_2026-10.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select date '2026-10-01' + i::integer as date, 'CARD' as dept,
                             i::bigint as admissions, 40.0 as open_beds
                      from range(3) t(i)) to '{path}' (format parquet)"""  # noqa: S608
        )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_inbox(con, inbox, bulk_min_bytes=0)
    assert con.execute(
        "select date, admissions, open_beds from raw_workload order by 1"
    ).fetchall() == [
        (dt.date(2026, 10, 1), 0, 40),
        (dt.date(2026, 10, 2), 1, 40),
        (dt.date(2026, 10, 3), 2, 40),
    ]


def test_files_that_do_not_fit_go_the_general_path(tmp_path):
    header = [["日期", "科室", "入院人数"]]
    gb = write_csv(tmp_path / "gb.csv", header + [["2026-10-01", "心内科", 1]], encoding="gb18030")
    titled = write_csv(
        tmp_path / "t.csv", [["心内科10月业务量"], *header, ["2026-10-01", "CARD", 1]]
    )
    assert bulk.plan(gb, "gb.csv", 0) is None
    assert bulk.plan(titled, "t.csv", 0) is None
    plain = write_csv(tmp_path / "p.csv", header + [["2026-10-01", "CARD", 1]])
    assert bulk.plan(plain, "p.csv", 0) is not None
    assert bulk.plan(plain, "p.csv", 1 << 20) is None  # small: cell by cell is as fast


def test_rejected_values_are_the_cells_as_written(tmp_path):
    con, _ = load(tmp_path, "fast", {"workload.csv": WORKLOAD}, bulk_min_bytes=0)
    (values,) = con.execute("""select "values" from rejected_rows where "row" = 4""").fetchone()
    assert json.loads(values)["门诊人次"] == "85%"


def test_rows_before_a_department_started_are_rejected_on_both_paths(tmp_path):
    """科室字典 says GSUR starts on 2026-10-02: its row of 2026-10-01 is rejected, word for word
    the same by the fast path and the general path."""
    departments = [[*DEPARTMENTS[0], "成立日期"]] + [
        [*row, "2026-10-02" if row[0] == "GSUR" else ""] for row in DEPARTMENTS[1:]
    ]
    rows = [
        ["日期", "科室", "入院人数"],
        ["2026-10-01", "GSUR", "1"],
        ["2026-10-02", "GSUR", "2"],
        ["2026-10-01", "CARD", "3"],
    ]
    found = []
    for name, bulk_min_bytes in (("general", None), ("fast", 0)):
        inbox = tmp_path / name
        write_csv(inbox / "科室字典.csv", departments)
        write_csv(inbox / "业务量.csv", rows)
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        load_inbox(con, inbox, bulk_min_bytes=bulk_min_bytes)
        found.append(
            (
                con.execute('select "row", "column", reason from rejected_rows').fetchall(),
                con.execute("select dept, day(date) from raw_workload order by all").fetchall(),
            )
        )
    general, fast = found
    assert general == fast
    assert general[0] == [
        (2, "dept", "department GSUR starts on 2026-10-02 (科室字典); this row is dated 2026-10-01")
    ]
    assert general[1] == [("CARD", 1), ("GSUR", 2)]


# --- big workbooks: streamed by the reader's child into CSV, then the same SQL ----------------

D = dt.datetime
WORKBOOK_DISCHARGES = [
    ["心内科 2026年10月 出院病人明细"],  # a title: the header is in row 3
    [],
    [*DISCHARGES[0], "审核人"],  # 审核人 is no column of the ledger
    # real Excel dates, one with its time of day; amounts as numbers; a date written as text;
    # a formula without a saved value outside the ledger's columns (it only makes the row not blank)
    ["E1", "CARD", D(2026, 10, 1), D(2026, 10, 5, 14, 30), None, None, "治愈", "否", 1234.56, 100, 50.5, "职工", "x", "=A4"],
    ["E2", "心内科", "2026/10/2", D(2026, 10, 9), D(2026, 10, 3), "三级", "好转", True, "1,234", 0, None],
    ["E3", None, D(2026, 10, 3), "2026-10-04", None, None, "improved", "N", 99.999],  # merged dept
    ["E4", "Cardiology", 20261004, 46299, None, None, "died"],  # a compact date, an Excel day number
    ["E5", "CARD", D(2026, 10, 9), D(2026, 10, 5)],  # discharged before admission
    ["E7", "CARD", D(2026, 10, 1), D(2026, 10, 5), None, 5, None, None, 100, 150],  # grade, drug > total
    ["E8", "CARD", "2026-13-01", D(2026, 10, 5), None, None, "cured", "maybe", -5],
    ["E9", "神经内科", D(2026, 10, 1), D(2026, 10, 5)],  # unknown department
    [None, "CARD", D(2026, 10, 1), D(2026, 10, 5)],  # episode id required
    [None, None, None, None, None, None, None, None, None, None, None, None, None, "王"],  # not blank
    [],  # a blank row: the next blank department stays blank
    ["E10", None, D(2026, 10, 1), D(2026, 10, 2)],
    [None, "合计", None, None, None, None, None, None, 3333],  # a totals row
    ["E11", " GSUR ", " 2026-10-01 ", D(2026, 10, 31), D(2026, 10, 1), "4级", "其他", "Y", "８８", "1e1", None, "医保"],
    ["E12", "GSUR", D(2026, 10, 1), D(2026, 11, 1), None, None, None, None, "12.5%"],
]  # fmt: skip

WORKBOOK_WORKLOAD = [
    WORKLOAD[0],
    [D(2026, 10, 1), "CARD", 120, 8, 5, 4, 40, 36],
    [D(2026, 10, 2), None, "1,300", "９", 5, 4, 40, 37],  # merged department cell
    [D(2026, 10, 3), "CARD", "85%", 8, 5, 4, 40, 37],
    [D(2026, 10, 4), "CARD", 2.5, 8, 5, 4, 40, 37],  # not a whole count
    ["2026.10.06", "心内科", 7, None, None, None, 40, 37],
    [46302, "普外科", 7, 1, 1, 1, 30, 20],  # an Excel day number as a plain number
    ["小计", None, 1500],
    [D(2026, 10, 1), "CARD", 1, 1, 1, 1, 40, 36],  # the same key twice in one file
    ["2026-02-30", "GSUR", 3, 0, 0, 0, 30, 20],
    [D(2099, 10, 1), "CARD", 3, 0, 0, 0, 40, 36],  # a mistyped year: in the future
]

WORKBOOK = {
    "出院明细": WORKBOOK_DISCHARGES,
    "业务量": [[None, None, *row] for row in WORKBOOK_WORKLOAD],  # the table starts in column C
    "说明": [["填表说明"]],
}


def load_workbook(tmp_path, name: str, sheets: dict, bulk_min_bytes, file="台账_2026-10.xlsx"):
    inbox = tmp_path / name / "inbox"
    write_csv(inbox / "科室字典.csv", DEPARTMENTS)
    write_xlsx(inbox / file, sheets)
    con = duckdb.connect(str(tmp_path / name / "warehouse.duckdb"))
    return con, load_inbox(con, inbox, bulk_min_bytes=bulk_min_bytes)


def test_big_workbook_set_based_and_general_paths_agree(tmp_path, set_based_reads):
    general, general_report = load_workbook(tmp_path, "general", WORKBOOK, None)
    assert set_based_reads == []
    fast, fast_report = load_workbook(tmp_path, "fast", WORKBOOK, 0)
    # both ledger sheets of the workbook were read set-based (the third is no ledger)
    assert set_based_reads.count("台账_2026-10.xlsx") == 2
    expected, found = snapshot(general), snapshot(fast)
    assert found == expected
    assert fast_report.touched_months == general_report.touched_months
    assert fast_report.rejected_by_reason == general_report.rejected_by_reason
    assert fast_report.problems == general_report.problems
    # not vacuous: what the general path found, by sheet and workbook row
    rejected = {(r[1], r[2]): r[4] for r in expected["rejected_rows"]}
    assert rejected[("出院明细", 8)] == "出院日期"  # E5, header in row 3: data from row 4
    # the row holding only 审核人 is not blank: its required cells are missing
    assert rejected[("出院明细", 13)] == "病例编号, 入院日期, 出院日期"
    assert rejected[("出院明细", 10)] == "入院日期, 并发症, 总费用(元)"  # 2026-13-01, maybe, -5
    assert rejected[("出院明细", 15)] == "出院科室"  # E10 after the blank row: no department
    assert ("出院明细", 16) not in rejected  # the totals row
    assert rejected[("业务量", 5)] == "门诊人次"  # 2.5 visits
    assert rejected[("业务量", 11)] == "日期"  # 2099
    stored = {
        r[0]: r[1:]
        for r in general.execute(
            "select episode_id, dept, admit_date, discharge_date, source_row from raw_discharges "
            "where source_sheet = '出院明细'"
        ).fetchall()
    }
    # E3's merged department repeats CARD; E4's dates: 20261004, and day number 46299
    assert stored["E3"] == ("CARD", dt.date(2026, 10, 3), dt.date(2026, 10, 4), 6)
    assert stored["E4"][1:] == (dt.date(2026, 10, 4), dt.date(2026, 10, 4), 7)
    assert stored["E1"][2] == dt.date(2026, 10, 5)  # 14:30 on the day
    assert general.execute(
        "select source_row from raw_workload where date = date '2026-10-07'"
    ).fetchall() == [(7,)]  # 46302 is 2026-10-07, in workbook row 7
    sheets = {r[1]: r for r in expected["ledger_sheets"]}
    assert sheets["出院明细"][3] == 3 and sheets["业务量"][3] == 1  # header rows
    assert sheets["出院明细"][8] == 1 and sheets["业务量"][8] == 1  # one totals row each
    assert sheets["说明"][4] == "skipped"  # no ledger: with its reason, on both paths


# Cells without a text spelling (workbook_csv.OddCells), each where the general path reads it
# otherwise than its text: (sheet, row index in WORKBOOK's sheet, column index, cell).
ODD_CELLS = [
    ("业务量", 3, 4, D(2026, 10, 5)),  # a date in a count column: "expected a number, found …"
    ("业务量", 4, 2, dt.time(8, 30)),  # a time of day as the date
    ("业务量", 2, 6, True),  # TRUE as a count
    ("业务量", 6, 7, "=H2"),  # a formula without a saved value as a count …
    ("业务量", 5, 3, "=D2"),  # … and as the department, the row below it merged into it
    ("业务量", 9, 5, False),  # FALSE as a count, on the row dated 2026-02-30
    ("出院明细", 3, 2, True),  # TRUE as an admission date
    ("出院明细", 4, 0, "=A1"),  # a formula as the episode id (a text column)
    ("出院明细", 6, 3, dt.date(1900, 1, 1)),  # a day before 1900-03-01, Excel's serials differ
    ("出院明细", 7, 8, D(2026, 10, 5, 8, 30)),  # a date as an amount
    ("出院明细", 16, 8, True),  # E11: the other cells odd in other ways ("８８" is text)
    ("出院明细", 17, 1, "=B1"),  # E12's department
]


def odd_workbook(cells=ODD_CELLS) -> dict:
    sheets = {k: [list(r) for r in v] for k, v in WORKBOOK.items()}
    for sheet, row, column, cell in cells:
        line = sheets[sheet][row]
        line.extend([None] * (column + 1 - len(line)))
        line[column] = cell
    # the row below the formula department: its department merged into the one above
    sheets["业务量"][6][3] = None
    # an error cell's saved value and thousands separators, as text
    sheets["业务量"][10][4] = "#DIV/0!"
    sheets["业务量"][10][5] = "1,000"
    # memos with a line break (Alt+Enter), on an accepted row (E1) and a rejected one (E5)
    sheets["出院明细"][3][12] = "第一行\n第二行"
    sheets["出院明细"][7].extend([None] * 9)
    sheets["出院明细"][7][12] = "a\nb"
    # 2026 as a number in a date column is Excel's day 2026 (1905-07-18), its text a year: an odd
    # cell that parses, on the rows whose reasons the SQL cannot word (as E19, E20 of DISCHARGES)
    sheets["出院明细"] += [
        ["E19", "CARD", 2026.0, D(2026, 10, 5), None, None, None, None, "99999999999999.5", "100000000000000"],
        ["E20", "Dr O'Brien's", 2026.0, D(2026, 10, 5)],
    ]  # fmt: skip
    return sheets


def test_workbook_cells_without_a_text_spelling_stay_set_based(
    tmp_path, set_based_reads, worded_in_python
):
    """A cell whose text would parse otherwise than the cell (a date in a count column reads
    "found the date …", a formula without a saved value names its cell) is carried to the
    set-based path as a token standing for the cell: both ledger sheets stay set-based, and the
    rows, the rejections (word for word) and the values shown are the general path's."""
    sheets = odd_workbook()
    general, general_report = load_workbook(tmp_path, "general", sheets, None)
    assert set_based_reads == []
    fast, fast_report = load_workbook(tmp_path, "fast", sheets, 0)
    assert set_based_reads.count("台账_2026-10.xlsx") == 2  # not handed to the general path
    expected = snapshot(general)
    assert snapshot(fast) == expected
    assert fast_report.rejected_by_reason == general_report.rejected_by_reason
    # not vacuous: each odd cell's row rejected for that cell, as the general path words it
    rejected = {(r[1], r[2]): (r[4], r[5], json.loads(r[7])) for r in expected["rejected_rows"]}
    column, reason, shown = rejected[("业务量", 4)]  # 业务量 starts in column C: 门诊人次 is E
    assert (column, shown["门诊人次"]) == ("门诊人次", "2026-10-05")
    assert reason.startswith("门诊人次: expected a number, found the date")
    assert rejected[("业务量", 5)][0].startswith("日期")  # 08:30 is no date
    assert rejected[("业务量", 3)][0] == "入院人数"  # TRUE admissions
    assert "cell H7 holds a formula (=H2) without a saved value" in rejected[("业务量", 7)][1]
    # the merged department below the formula repeats the formula, naming its cell D6
    assert "cell D6 holds a formula (=D2)" in rejected[("业务量", 6)][1]
    assert "cell D6 holds a formula (=D2)" in rejected[("业务量", 7)][1]
    assert rejected[("出院明细", 4)][0] == "入院日期"  # TRUE admitted
    assert "cell A5 holds a formula (=A1)" in rejected[("出院明细", 5)][1]
    assert rejected[("出院明细", 8)][0] == "总费用(元)"  # an amount dated 2026-10-05 08:30
    # an error cell (openpyxl writes "#DIV/0!" as one; calamine reads it as "") is found in the
    # sheet XML and rejects its row on both paths, naming the cell, before the year 2099 is judged;
    # "1,000" reads 1000 and is shown as written
    column, reason, shown = rejected[("业务量", 11)]
    assert (column, shown["门诊人次"], shown["急诊人次"]) == ("门诊人次", "#DIV/0!", "1,000")
    assert reason == (
        "门诊人次: cell E11 holds the Excel error #DIV/0!: correct the formula or the cells it "
        "uses in Excel, and save"
    )
    # the rows the SQL could not word went to the row parser with their cells, not the tokens
    assert [(raw["episode_id"], raw["admit_date"]) for raw in worded_in_python] == [
        ("E19", 2026.0),
        ("E20", 2026.0),
    ]
    assert rejected[("出院明细", 20)][1] == (
        "department \"Dr O'Brien's\" is not in the department list (科室字典)"
    )


def test_a_workbook_where_every_row_has_an_odd_cell_stays_set_based(tmp_path, set_based_reads):
    """Every data row of both sheets holds an odd cell (distinct dates in a count column, the
    same TRUE in a date column): one token per distinct cell, still set-based, still the general
    path's rows and rejections."""
    sheets = odd_workbook()
    for number, row in enumerate(sheets["业务量"][1:], start=1):
        row.extend([None] * (8 - len(row)))
        row[7] = D(2026, 9, number)  # 出院人数 (column H): a distinct date per row
    for row in sheets["出院明细"][3:]:
        if any(c is not None for c in row):
            row.extend([None] * (10 - len(row)))
            row[9] = True  # 药品费: TRUE, one token for all of them
    general, _ = load_workbook(tmp_path, "general", sheets, None)
    fast, _ = load_workbook(tmp_path, "fast", sheets, 0)
    assert set_based_reads.count("台账_2026-10.xlsx") == 2
    expected = snapshot(general)
    assert snapshot(fast) == expected
    assert expected["raw_workload"] == [] and expected["raw_discharges"] == []  # all rejected
    assert len(expected["rejected_rows"]) >= 20


def test_too_many_odd_cells_refuse_the_sheet_naming_the_first(tmp_path, set_based_reads):
    """Each distinct odd cell is parsed on its own in Python: beyond ReadLimits.max_odd_cells
    the file is refused (its other sheet's rows with it), naming the sheet and the first odd
    cell; at the limit it loads set-based, every odd cell rejected as the general path does."""
    from ledgers.limits import ReadLimits

    sheets = {k: [list(r) for r in v] for k, v in WORKBOOK.items()}
    for row, cell in ((4, D(2026, 9, 1)), (5, D(2026, 9, 2)), (6, True)):  # 门诊人次, rows 5–7
        sheets["业务量"][row][4] = cell
    sheets["业务量"][8][4] = D(2026, 9, 1)  # the same cell again (row 9): no new one
    reports = {}
    for limit in (3, 2):
        inbox = tmp_path / str(limit)
        write_csv(inbox / "科室字典.csv", DEPARTMENTS)
        write_xlsx(inbox / "台账.xlsx", sheets)
        con = duckdb.connect(str(tmp_path / f"{limit}.duckdb"))
        reports[limit] = (
            con,
            load_inbox(con, inbox, bulk_min_bytes=0, limits=ReadLimits(max_odd_cells=limit)),
        )
    con, report = reports[3]
    assert set_based_reads.count("台账.xlsx") == 2
    assert [p[1] for p in report.problems] == ["sheet skipped"]  # 说明, no ledger
    assert [
        r
        for (r,) in con.execute(
            """select reason from rejected_rows where sheet = '业务量' and "row" >= 5 and "column" = '门诊人次' order by "row" """
        ).fetchall()
    ] == [
        "门诊人次: expected a number, found the date 2026-09-01",
        "门诊人次: expected a number, found the date 2026-09-02",
        "门诊人次: expected a number, found True",
        "门诊人次: expected a number, found the date 2026-09-01",
    ]
    con, report = reports[2]
    assert report.problems == [
        (
            "台账.xlsx",
            "refused",
            "sheet 业务量 holds more than 2 different cells its columns cannot take as they are "
            "(ReadLimits.max_odd_cells), the first in column 门诊人次, row 5: 2026-09-01; "
            "format the column as the ledger expects (counts and amounts as numbers, dates as "
            "dates), or save the sheet as CSV",
        )
    ]
    assert con.execute("select count(*) from raw_discharges").fetchone() == (0,)


@pytest.mark.parametrize("kind", ["int", "number", "amount", "date", "month", "bool", "text"])
def test_a_cell_spelled_as_text_parses_as_the_cell_does(kind):
    """workbook_csv.spelling: for every value python-calamine hands over, the text either parses
    exactly as the cell does (same value, or the same reason word for word) or is refused."""
    from ledgers.values import CellError, parse_cell
    from ledgers.workbook_csv import ODD, NotPlain, OddCells, _speller, spelling

    column = next(
        c for spec in ledgers().values() for c in spec.columns if c.type == kind and not c.enum
    )
    values = [
        1.5, 5.0, -3.0, 0.0, 1e20, 46000.0, 20261001.0, 20261399.0, 30000101.0, 202610.0, 123.0,
        True, False, D(2026, 10, 1), D(2026, 10, 1, 8, 30, 0, 5), dt.date(1900, 1, 1),
        dt.date(1900, 3, 1), dt.time(8, 30), dt.timedelta(days=1), float("inf"), "2026-10-01",
        7, -2, 0.1, -1234.5678, float("nan"), float("-inf"), 1e-7, 2.5e15,
    ]  # fmt: skip
    # the CSV writer's speller (its shortcut for numbers included) spells as `spelling` does,
    # a cell without a spelling as a token
    spell = _speller(column, 1.0, OddCells("nonce", "sheet"), "header")

    def outcome(value):
        try:
            return parse_cell(column, value)
        except CellError as error:
            return str(error)

    spelled = 0
    for value in values:
        try:
            text = spelling(column, value, 1.0)
        except NotPlain:
            assert spell(value).startswith(ODD), value
            continue
        assert spell(value) == text, value
        spelled += 1
        assert outcome(text) == outcome(value), (value, text)
    assert spelled >= 5  # most values have a spelling


@pytest.mark.parametrize(
    "case", ["identifier", "full-width", "first-row", "rows", "identifier-column"]
)
def test_a_refused_workbook_is_refused_alike_on_both_paths(tmp_path, monkeypatch, case):
    """An identifier in a text cell of the second sheet (in full-width digits too; the first
    row holding one named, whichever column), a sheet beyond the row limit, an identifier
    column: the file is refused with the general path's message, word for word."""
    from ledgers import loader
    from ledgers.limits import ReadLimits

    sheets = {k: [list(r) for r in v] for k, v in WORKBOOK.items()}
    if case == "identifier":
        sheets["业务量"][6][3] = "13800138000"  # a mobile number as the department, row 7
    elif case == "full-width":
        sheets["出院明细"][5][0] = "１３８００１３８０００"  # E3's episode id, row 6
    elif case == "first-row":
        sheets["出院明细"][8][0] = "13900139000"  # E7's episode id, row 9
        sheets["出院明细"][4][1] = "13800138000"  # E2's department, row 5: named first
    elif case == "identifier-column":
        sheets["业务量"][0].append("身份证号")
    bounds = ReadLimits(max_rows=12) if case == "rows" else ReadLimits()
    problems = []
    for name, min_bytes in (("general", None), ("fast", 0)):
        if name == "fast":  # the set-based path refuses it itself, not the general path
            monkeypatch.setattr(loader, "read_file", lambda *_: pytest.fail("read cell by cell"))
        inbox = tmp_path / name
        write_csv(inbox / "科室字典.csv", DEPARTMENTS)
        write_xlsx(inbox / "台账.xlsx", sheets)
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        report = load_inbox(con, inbox, bulk_min_bytes=min_bytes, limits=bounds)
        problems.append(report.problems)
        assert con.execute("select count(*) from raw_discharges").fetchone() == (0,)
    assert problems[0] == problems[1]
    ((file, status, message),) = problems[0]
    assert (file, status) == ("台账.xlsx", "refused")
    assert {
        "identifier": "sheet 业务量, column 科室, row 7 holds a value that looks like",
        "full-width": "sheet 出院明细, column 病例编号, row 6 holds a value that looks like",
        "first-row": "sheet 出院明细, column 出院科室, row 5 holds a value that looks like",
        "rows": "sheet 出院明细 has 18 rows, more than the 12 rows allowed",
        "identifier-column": "sheet 业务量 holds direct patient identifiers (身份证号)",
    }[case] in message


def test_unregistered_devices_are_rejected_alike(tmp_path, set_based_reads, worded_in_python):
    """The equipment_usage rows naming a device the register lacks: the same rejection by both
    paths, worded in SQL but for the code Python's repr escapes."""
    files = {
        "设备.csv": [["资产编号", "科室", "设备名称"], ["CT-01", "CARD", "CT"]],
        "设备使用.csv": [
            ["资产编号", "月份", "检查人次", "使用时长", "可用时长"],
            ["CT-01", "2026-10", "300", "200", "400"],
            ["CT-02", "2026-10", "10", "20", "40"],  # not registered
            ["CT\\03", "2026-10", "10", "20", "40"],  # not registered; repr doubles the backslash
            ["CT-01", "2026-09", "10", "50", "40"],  # hours available < hours used
        ],
    }
    general, _ = load(tmp_path, "general", files, bulk_min_bytes=None)
    fast, _ = load(tmp_path, "fast", files, bulk_min_bytes=0)
    assert "设备使用.csv" in set_based_reads
    expected = snapshot(general)
    assert snapshot(fast) == expected
    assert [r[4:6] for r in expected["rejected_rows"] if r[0] == "设备使用.csv"] == [
        ("asset_code", "'CT-02' is not registered in the equipment ledger"),
        ("asset_code", "'CT\\\\03' is not registered in the equipment ledger"),
        ("可用时长", "可用时长: must be ≥ 使用时长 (50), found 40"),
    ]
    assert [raw["asset_code"] for raw in worded_in_python] == ["CT\\03"]


# --- files of one layout read together (ledgers.bulk.read_together) ---------------------------


@pytest.fixture
def groups(monkeypatch) -> list[list[str]]:
    """The files each DuckDB scan of the set-based path read, by name."""
    done = []
    original = bulk._read_group

    def recording(con, plans):
        done.append(sorted(p.name for p in plans))
        return original(con, plans)

    monkeypatch.setattr(bulk, "_read_group", recording)
    return done


def _renamed(rows: list[list[str]], suffix: str) -> list[list[str]]:
    """DISCHARGES with every episode id suffixed (the files' keys then differ)."""
    return [rows[0]] + [[f"{r[0]}{suffix}" if r[0] else "", *r[1:]] for r in rows[1:]]


def test_files_of_one_layout_are_read_together_and_each_costs_itself(
    tmp_path, set_based_reads, groups
):
    """Four discharges exports of one layout are read by one DuckDB scan and one parse: their
    rows, lineage and rejections are those of the general path, file by file. One holds an
    odd cell and a bad row of its own, one a mobile number in row 5 (refused, costing only
    itself); a file whose columns come in another order, and one with empty lines (read from a
    patched copy), are read apart."""
    b = _renamed(DISCHARGES, "b")
    b[3][8] = "１２３"  # an odd spelling of E3b's total, parsed by the Python rules
    b[1][3] = "2026-10-0x"  # E1b: a bad discharge date
    refused = _renamed(DISCHARGES, "r")
    refused[4][11] = "13800138000"  # E4r's insurance: a mobile number, row 5
    reordered = [[r[1], r[0], *r[2:]] for r in _renamed(DISCHARGES, "o")]
    files = {
        "出院_a.csv": DISCHARGES,
        "出院_b.csv": b,
        "出院_r.csv": refused,
        "出院_c.csv": _renamed(DISCHARGES, "c")[:6],
        "出院_o.csv": reordered,
        "出院_e.csv": [DISCHARGES[0], [], *_renamed(DISCHARGES, "e")[1:4], [], []],
    }
    general, general_report = load(tmp_path, "general", files, bulk_min_bytes=None)
    assert set_based_reads == [] and groups == []
    fast, fast_report = load(tmp_path, "fast", files, bulk_min_bytes=0)
    together = ["出院_a.csv", "出院_b.csv", "出院_c.csv", "出院_r.csv"]
    assert together in groups
    assert ["出院_o.csv"] in groups and ["出院_e.csv"] in groups
    assert sorted(set_based_reads) == sorted([*files.keys() - {"出院_r.csv"}, "科室字典.csv"])
    expected, found = snapshot(general), snapshot(fast)
    assert found == expected
    assert fast_report.problems == general_report.problems
    ((name, status, message),) = fast_report.problems
    assert (name, status) == ("出院_r.csv", "refused")
    assert "sheet (csv), column 医保类型, row 5 holds a value that looks like" in message
    # every file but the refused one is there, with its own rows and rejections
    by_file = {
        f: (n, r)
        for f, n, r in fast.execute(
            "select file, rows_loaded, rows_rejected from ledger_sheets"
        ).fetchall()
    }
    assert set(by_file) == {*files.keys() - {"出院_r.csv"}, "科室字典.csv"}
    assert by_file["出院_b.csv"][1] == by_file["出院_a.csv"][1] + 1  # E1b's discharge date
    assert by_file["出院_c.csv"] == (4, 1)  # E1c-E4c; E5c rejected (before admission)
    assert fast.execute(
        "select source_row from staged_discharges where episode_id = 'E3b'"
    ).fetchall() == [(4,)]
    assert fast_report.touched_months == general_report.touched_months


def test_parquet_files_of_one_layout_are_read_together(tmp_path, set_based_reads, groups):
    """Workload exports as Parquet files of one layout, one of them with a broken row and one
    with its numbers typed (another layout): read by one scan per layout, and loaded as the
    general path loads them."""
    inbox = tmp_path / "inbox"
    write_csv(inbox / "科室字典.csv", DEPARTMENTS)
    header, *data = WORKLOAD
    with duckdb.connect() as con:
        for name, rows in (
            ("workload_2026-10.parquet", data[:5]),
            ("workload_2026-11.parquet", [[d.replace("-10-", "-11-") for d in data[0]], *data[5:]]),
            ("workload_2026-12.parquet", [r[:2] + ["x", *r[3:]] for r in data[:2]]),
        ):
            columns = ", ".join(f'col{i} as "{h}"' for i, h in enumerate(header))
            values = ", ".join("(" + ", ".join("?" for _ in header) + ")" for _ in rows)
            con.execute(
                f"copy (select {columns} from (values {values})) to '{inbox / name}' (format parquet)",  # noqa: S608
                [cell or None for row in rows for cell in row],
            )
        con.execute(
            f"""copy (select date '2026-09-01' + i::integer as "日期", 'CARD' as "科室",
                             i::bigint as "入院人数" from range(3) t(i))
                to '{inbox / "workload_2026-09.parquet"}' (format parquet)"""  # noqa: S608
        )
    found = []
    for min_bytes in (None, 0):
        con = duckdb.connect(str(tmp_path / f"w{min_bytes}.duckdb"))
        load_inbox(con, inbox, bulk_min_bytes=min_bytes)
        found.append(snapshot(con))
    assert found[0] == found[1]
    assert [
        "workload_2026-10.parquet",
        "workload_2026-11.parquet",
        "workload_2026-12.parquet",
    ] in groups
    assert ["workload_2026-09.parquet"] in groups
    assert len(set_based_reads) == 5
    rejected = {(r[0], r[2], r[4]) for r in found[1]["rejected_rows"] if not r[-1]}
    # each file's own rows: the "x" of 2026-12's rows 2 and 3, WORKLOAD's 85% in 2026-10's row 4
    assert {
        ("workload_2026-12.parquet", 2, "门诊人次"),
        ("workload_2026-12.parquet", 3, "门诊人次"),
        ("workload_2026-10.parquet", 4, "门诊人次"),
    } <= rejected, rejected
    assert len(found[1]["raw_workload"]) >= 8


def test_several_files_staged_together_then_one_cell_corrected(tmp_path, set_based_reads):
    """Three discharge exports read set-based are checked and staged (`loader._stage_tables`:
    one scan finds the rows failing a check): the warehouse is the one the general path builds,
    with each row's own file, row and SHA-256 — an unknown department rejected in its own file,
    an episode sent in two files accepted once, the other kept naming its twin. Then one cell of
    one big file is corrected: exactly that cell is logged, and only that file is read again."""
    header = ["病例编号", "出院科室", "入院日期", "出院日期", "总费用(元)"]
    october = [header] + [
        [f"O{i}", "CARD", "2026-10-01", "2026-10-05", str(100 + i)] for i in range(200)
    ]
    october.append(["OX", "神经内科", "2026-10-01", "2026-10-05", "1"])  # not in the list
    november = [header] + [
        [f"N{i}", "GSUR", "2026-11-01", "2026-11-03", str(200 + i)] for i in range(200)
    ]
    december = [header, ["O7", "CARD", "2026-10-01", "2026-10-05", "107"]]  # O7 again
    files = {"出院_10.csv": october, "出院_11.csv": november, "出院_12.csv": december}
    general, _ = load(tmp_path, "general", files, bulk_min_bytes=None)
    fast, report = load(tmp_path, "fast", files, bulk_min_bytes=0)
    assert sorted(set_based_reads) == sorted([*files, "科室字典.csv"])
    assert snapshot(fast) == snapshot(general)
    # 200 + 200 + 1 staged (the unknown department rejected); O7 once among the accepted
    assert fast.execute("select count(*) from staged_discharges").fetchone() == (401,)
    assert report.rows_by_kind["discharges"] == 400
    assert fast.execute(
        "select count(*) from staged_discharges s join ledger_files f on f.file = s.source_file "
        "where s.source_sha256 = f.sha256"
    ).fetchone() == (401,)
    assert fast.execute(
        "select source_file, source_row from staged_discharges where episode_id = 'N5'"
    ).fetchall() == [("出院_11.csv", 7)]  # header row 1, N0 row 2, …, N5 row 7
    assert fast.execute(
        "select count(*) from rejected_rows where is_conflict and twin like '出院_1_.csv row _'"
    ).fetchone() == (1,)  # October's row 9 or December's row 2, naming the other
    assert fast.execute(
        'select file, "row", reason from rejected_rows where not is_conflict'
    ).fetchall() == [
        ("出院_10.csv", 202, "department '神经内科' is not in the department list (科室字典)")
    ]
    # N5's total cost corrected 205 -> 250 in November's file, the rest unchanged
    november[6][4] = "250"
    write_csv(tmp_path / "fast" / "inbox" / "出院_11.csv", november)
    set_based_reads.clear()
    again = load_inbox(fast, tmp_path / "fast" / "inbox", bulk_min_bytes=0)
    assert set_based_reads == ["出院_11.csv"] and again.files_unchanged == 3
    assert again.cells_corrected == 1
    assert fast.execute(
        """select file, ledger, "key", dept, period, "column", old_value, new_value
           from ledger_changes"""
    ).fetchall() == [
        ("出院_11.csv", "discharges", None, "GSUR", dt.date(2026, 11, 1), "total_cost",
         "205.00", "250.00"),
    ]  # fmt: skip
    assert again.touched_months == {"2026-11"}
    # October 100..299 (OX rejected), November 200..399 with 205 -> 250
    expected = sum(range(100, 300)) + sum(range(200, 400)) + (250 - 205)
    assert fast.execute("select sum(total_cost) from raw_discharges").fetchone() == (expected,)
    # the corrected row's lineage: the new file's SHA-256
    assert fast.execute(
        "select s.source_sha256 = f.sha256 from raw_discharges s "
        "join ledger_files f on f.file = s.source_file where s.episode_id = 'N5'"
    ).fetchall() == [(True,)]
    # December's file removed: O7's accepted row is rebuilt from October's (by key: the other
    # keys are left as they are), and the warehouse is the one a first load of the inbox left
    # now builds, row for row
    (tmp_path / "fast" / "inbox" / "出院_12.csv").unlink()
    load_inbox(fast, tmp_path / "fast" / "inbox", bulk_min_bytes=0)
    assert fast.execute(
        "select source_file, total_cost from raw_discharges where episode_id = 'O7'"
    ).fetchall() == [("出院_10.csv", 107)]
    assert fast.execute("select count(*) from rejected_rows where is_conflict").fetchone() == (0,)
    afresh = duckdb.connect(str(tmp_path / "afresh.duckdb"))
    load_inbox(afresh, tmp_path / "fast" / "inbox", bulk_min_bytes=None)
    assert snapshot(fast) == snapshot(afresh)


def test_a_file_the_warehouse_refuses_among_files_staged_together_costs_itself_only(
    tmp_path, monkeypatch
):
    """A conversion error (simulated) while staging a set-based read costs that file only: the
    load is done again without it (files staged together are first staged one by one to find
    it), the file is named, the other's rows load."""
    from ledgers import loader

    header = ["病例编号", "出院科室", "入院日期", "出院日期"]
    good = [header, ["G1", "CARD", "2026-10-01", "2026-10-05"]]
    bad = [header, ["B1", "GSUR", "2026-10-01", "2026-10-05"]]
    real = loader._stage_tables
    tried = []

    def refuses_one(con, spec, sheets, *rest):
        tried.append(sorted(s.file for s in sheets))
        if any(s.file == "出院_坏.csv" for s in sheets):
            con.execute("select cast('x' as integer)")  # a real DuckDB conversion error
        return real(con, spec, sheets, *rest)

    monkeypatch.setattr(loader, "_stage_tables", refuses_one)
    con, report = load(tmp_path, "w", {"出院.csv": good, "出院_坏.csv": bad}, bulk_min_bytes=0)
    discharges = [t for t in tried if t[0].startswith("出院")]
    # (files read together are staged together first, then one by one) the bad file staged on
    # its own fails, and the load is done again without it
    assert ["出院_坏.csv"] in discharges and discharges[-1] == ["出院.csv"]
    status, message = con.execute(
        "select status, message from ledger_files where file = '出院_坏.csv'"
    ).fetchone()
    assert status == "unreadable"
    assert message.startswith("the file's rows could not be stored (Conversion Error: ")
    assert con.execute("select episode_id, source_file from raw_discharges").fetchall() == [
        ("G1", "出院.csv")
    ]
    assert ("出院_坏.csv", "unreadable", message) in report.problems


def test_rows_breaking_a_rule_in_files_staged_one_by_one_are_each_rejected(tmp_path, monkeypatch):
    """Files of a deferred batch staged one by one (another file of the batch refused): each
    file's rows that break a rule between cells are worded from its stored rows in turn, and
    every one of them is kept among the rejections."""
    from ledgers import loader

    header = ["病例编号", "出院科室", "入院日期", "出院日期"]
    files = {
        name: [
            header,
            [f"{name[0:3]}1", "CARD", "2026-10-01", "2026-10-05"],
            [f"{name[0:3]}2", "CARD", "2026-10-09", "2026-10-05"],  # before its admission
        ]
        for name in ("出院甲.csv", "出院乙.csv", "出院_坏.csv")
    }
    real = loader._stage_tables

    def refuses_one(con, spec, sheets, *rest):
        if any(s.file == "出院_坏.csv" for s in sheets):
            con.execute("select cast('x' as integer)")  # a real DuckDB conversion error
        return real(con, spec, sheets, *rest)

    monkeypatch.setattr(loader, "_stage_tables", refuses_one)
    con, _ = load(tmp_path, "w", files, bulk_min_bytes=0)
    assert con.execute(
        """select file, "row", reason from rejected_rows where ledger = 'discharges'
           order by all"""
    ).fetchall() == [
        (name, 3, "出院日期: must be ≥ 入院日期 (2026-10-09), found 2026-10-05")
        for name in ("出院乙.csv", "出院甲.csv")
    ]
    assert con.execute("select count(*) from raw_discharges").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("cell", "refused"),
    [
        ("13800138000", True),
        ("  13800138000 ", True),  # spaces around: trimmed
        ("\t13800138000", True),  # a tab: str.strip's, Python judges
        ("13800138000\t", True),
        ("\u300013800138000", True),  # an ideographic space: NFKC and strip
        ("１３８００１３８０００", True),  # full-width digits: NFKC
        ("11010519491231002X", True),
        ("E13800138000", False),  # a letter first: decided by its first character
        ("心13800138000", False),  # an ideograph first
        ("1380013800", False),  # ten digits
        ("Ｅ13800138000", False),  # a full-width letter first: NFKC makes it E
    ],
)
def test_an_identifier_value_is_found_alike_by_both_paths(tmp_path, groups, cell, refused):
    """The set-based path tests a cell for an identifier only when its first character allows
    one (a digit, whitespace, or a character NFKC may fold); each spelling here is refused, or
    not, by both paths alike, naming the same row and column."""
    rows = _renamed(DISCHARGES, "i")
    rows[3][11] = cell  # E3i's insurance, row 4
    rows[2][0] = "E2i"  # an earlier row without one
    _refused_alike(tmp_path, groups, "出院_i.csv", rows, "医保类型", refused)


def _refused_alike(tmp_path, groups, file: str, rows: list[list], header: str, refused: bool):
    """Both paths refuse the file for an identifier in row 4 of that column, or neither."""
    problems = []
    for name, min_bytes in (("general", None), ("fast", 0)):
        _, report = load(tmp_path, name, {file: rows}, bulk_min_bytes=min_bytes)
        problems.append(report.problems)
    assert [file] in groups  # the fast load read it set-based
    assert problems[0] == problems[1]
    assert bool(problems[1]) == refused
    if refused:
        assert f"sheet (csv), column {header}, row 4 holds a value that looks" in problems[1][0][2]


@pytest.mark.parametrize(
    ("cell", "refused"),
    [
        ("13800138000", True),
        (" 13800138000", True),
        ("\x1f13800138000", True),  # a control character str.strip removes, first
        ("\\13800138000", False),  # a backslash first, which `stats` spells as \x5C
        ("E13800138000", False),
        ("Z1380013800", False),
    ],
)
def test_an_identifier_in_a_column_of_ascii_is_found_whatever_its_statistics(
    tmp_path, groups, cell, refused
):
    """The episode numbers here are ASCII only, each starting with a letter: DuckDB's
    statistics of the column prove that none could be an identifier, and the column is not
    scanned (bulk._starts_no_identifier), unless one cell starts with a digit, whitespace or a
    character `stats` spells escaped (its smallest cell then proves nothing). Either way both
    paths refuse the file, or not, alike, naming the same row and column."""
    rows = [r for r in _renamed(DISCHARGES, "s") if r[0] != "合计s"]  # no ideograph in column 1
    rows[3][0] = cell  # row 4
    _refused_alike(tmp_path, groups, "出院_s.csv", rows, "病例编号", refused)


def test_workbooks_of_one_layout_are_read_together_and_each_costs_itself(
    tmp_path, set_based_reads, groups
):
    """The sheets of several big workbooks (a ledger's workbook of each year) are streamed by the
    reader's child in a thread while the connection reads the plain files, then read by one
    DuckDB scan per layout: their rows, lineage and rejections are those of the general path,
    file by file. A workbook with a mobile number in its second sheet is refused naming that
    sheet, costing only itself; one holding a cell without a text spelling is read on its own."""

    def renamed(sheet: list[list], suffix: str) -> list[list]:  # other episode ids, same cells
        return [*sheet[:3], *([f"{r[0]}{suffix}", *r[1:]] if r and r[0] else r for r in sheet[3:])]

    refused = [list(r) for r in WORKBOOK["业务量"]]
    refused[6][3] = "13800138000"  # a mobile number as the department, row 7
    odd = renamed(WORKBOOK_DISCHARGES, "o")
    odd[3][8] = D(2026, 10, 5, 8, 30)  # a date as E1o's total cost: a token in the CSV
    books = {
        "台账_a.xlsx": WORKBOOK,
        "台账_b.xlsx": {"出院明细": renamed(WORKBOOK_DISCHARGES, "b"), "说明": [["填表说明"]]},
        "台账_r.xlsx": {"出院明细": renamed(WORKBOOK_DISCHARGES, "r"), "业务量": refused},
        "台账_o.xlsx": {"出院明细": odd},
    }
    found = {}
    for name, min_bytes in (("general", None), ("fast", 0)):
        inbox = tmp_path / name / "inbox"
        write_csv(inbox / "科室字典.csv", DEPARTMENTS)
        write_csv(inbox / "出院_plain.csv", _renamed(DISCHARGES, "p"))
        for file, sheets in books.items():
            write_xlsx(inbox / file, sheets)
        con = duckdb.connect(str(tmp_path / name / "warehouse.duckdb"))
        found[name] = (con, load_inbox(con, inbox, bulk_min_bytes=min_bytes))
    (general, general_report), (fast, fast_report) = found["general"], found["fast"]
    # one scan of the three discharges sheets without odd cells, one of the two workload sheets
    assert ["台账_a.xlsx", "台账_b.xlsx", "台账_r.xlsx"] in groups
    assert ["台账_a.xlsx", "台账_r.xlsx"] in groups
    assert ["台账_o.xlsx"] in groups
    assert sorted(set_based_reads) == sorted(
        ["台账_a.xlsx"] * 2
        + ["台账_b.xlsx", "台账_r.xlsx", "台账_o.xlsx", "出院_plain.csv", "科室字典.csv"]
    )  # 台账_r.xlsx's 业务量 refused, by its identifier value
    assert snapshot(fast) == snapshot(general)
    assert fast_report.problems == general_report.problems
    ((file, status, message),) = [p for p in fast_report.problems if p[1] != "sheet skipped"]
    assert (file, status) == ("台账_r.xlsx", "refused")
    assert message.startswith("sheet 业务量, column 科室, row 7 holds a value that looks like")
    by_file = dict(
        fast.execute("select file, sum(rows_loaded) from ledger_sheets group by all").fetchall()
    )
    assert set(by_file) == {
        "科室字典.csv",
        "出院_plain.csv",
        "台账_a.xlsx",
        "台账_b.xlsx",
        "台账_o.xlsx",
    }
    assert by_file["台账_a.xlsx"] > by_file["台账_b.xlsx"] > 0  # a's workload sheet too
    assert fast.execute(
        "select source_file, source_sheet, source_row from raw_discharges "
        "where episode_id in ('E3', 'E3b') order by all"
    ).fetchall() == [("台账_a.xlsx", "出院明细", 6), ("台账_b.xlsx", "出院明细", 6)]


def test_files_read_together_keep_each_row_at_its_own_line(tmp_path, set_based_reads, groups):
    """Several files of one layout read by one DuckDB scan, each of several thousand rows (DuckDB
    hands a file's rows on in vectors of 2,048): every stored row keeps its own file and line.
    The row numbers come from the order DuckDB stores each file's rows in (`_read_csv_cells`
    reads the files without keeping the order *between* them), so this holds that order within
    a file. The episode number spells its file and line: F2-L4 is file 2's line 4 (line 1 the
    header), so its source_row must be 4."""
    lines = 6_000  # three vectors and a part
    files = {
        f"出院_{f}.csv": [DISCHARGES[0]]
        + [
            [f"F{f}-L{line}", "CARD", "2026-10-01", "2026-10-05"] + [""] * 9
            for line in range(2, lines + 2)
        ]
        for f in range(4)
    }
    con, report = load(tmp_path, "fast", files, bulk_min_bytes=0)
    assert sorted(files) in groups  # one scan read the four files together
    assert sorted(set_based_reads) == sorted([*files, "科室字典.csv"])
    assert report.problems == []
    stored = con.execute(
        "select source_file, episode_id, source_row from raw_discharges"
    ).fetchall()
    assert len(stored) == 4 * lines
    misplaced = [
        (file, episode, row)
        for file, episode, row in stored
        if episode != f"F{file.removeprefix('出院_').removesuffix('.csv')}-L{row}"
    ]
    assert misplaced == []
