"""Real hospitals' exports as they come (issue 15): the national inpatient record's codes, common
export spellings, sheet recognition, identifiers. Each test builds its small inbox here, loads it
into a DuckDB file and, where the figures matter, computes the indicators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months
from tests.ledger_files import write_csv, write_xlsx

DEPARTMENTS = [["科室编码", "科室名称", "科室类型"], ["D01", "心内科", "内科"]]


def _load(inbox: Path, tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, object]:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    return con, load_inbox(con, inbox)


def _metric(con: duckdb.DuckDBPyConnection, metric: str, period: str = "2026-10") -> tuple:
    return con.execute(
        """select value, numerator, denominator from metric_values
           where grain = 'month' and period = ? and dept = 'D01' and metric = ?""",
        [period, metric],
    ).fetchone()


# --- 病案首页: 离院方式 beside 转归 --------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["code", "words"])
def test_discharge_mode_by_code_or_words(tmp_path: Path, spelling: str):
    """Ten episodes discharged in October 2026, each of 4 days. 离院方式 as the 病案首页 codes it
    (1 医嘱离院 ×5, 2 医嘱转院, 3 医嘱转社区…, 4 非医嘱离院, 5 死亡 ×1, 9 其他) and 转归 blank
    except one death recorded there only and one 治愈.

    By hand: discharges = 10 episodes, ALOS = 10 × 4 / 10 = 4.00 days; deaths = one by 离院方式
    (code 5) + one by 转归 only = 2; mortality = 2 / 10 (every discharged episode) = 20.0%, not
    2 / 2 (the episodes with 转归 recorded would give 100%)."""
    words = {
        "1": "医嘱离院",
        "2": "医嘱转院",
        "3": "医嘱转社区卫生服务机构/乡镇卫生院",
        "4": "非医嘱离院",
        "5": "死亡",
        "9": "其他",
    }
    modes = ["1", "1", "1", "1", "1", "2", "3", "4", "5", "9"]
    outcomes = ["治愈", None, None, None, "死亡", None, None, None, None, None]
    rows = [["病例编号", "出院科室", "入院日期", "出院日期", "离院方式", "转归"]]
    for i, (mode, outcome) in enumerate(zip(modes, outcomes, strict=True)):
        out = dt.date(2026, 10, 10 + i)
        cell = int(mode) if spelling == "code" else words[mode]  # codes arrive as numbers
        rows.append([f"E{i}", "D01", (out - dt.timedelta(days=4)).isoformat(), out, cell, outcome])
    write_xlsx(tmp_path / "inbox" / "病案首页.xlsx", {"出院": rows})
    write_csv(tmp_path / "inbox" / "departments.csv", DEPARTMENTS)
    con, report = _load(tmp_path / "inbox", tmp_path)
    assert report.rows_rejected == 0, report.rejected_by_reason
    assert report.rows_by_kind["discharges"] == 10
    compute_months(con, ["2026-10"])
    assert _metric(con, "alos") == pytest.approx((4.0, 40, 10))
    assert _metric(con, "mortality_rate") == pytest.approx((0.2, 2, 10))
    assert _metric(con, "cure_rate") == pytest.approx((0.5, 1, 2))  # 转归 recorded twice


def test_an_unknown_discharge_mode_names_the_column(tmp_path: Path):
    rows = [
        ["病例编号", "出院科室", "入院日期", "出院日期", "离院方式"],
        ["E1", "D01", "2026-10-01", "2026-10-05", "7"],
    ]
    write_csv(tmp_path / "inbox" / "discharges.csv", rows)
    write_csv(tmp_path / "inbox" / "departments.csv", DEPARTMENTS)
    con, report = _load(tmp_path / "inbox", tmp_path)
    (column, reason) = con.execute('select "column", reason from rejected_rows').fetchone()
    assert column == "离院方式" and "'7' is not one of" in reason and "医嘱离院" in reason


# --- common exports ------------------------------------------------------------------------------


def test_date_times_with_z_and_integers_written_3_0(tmp_path: Path):
    """An ISO export: date-times with a time and a `Z` or offset suffix, counts as `3.0`.
    By hand: 2 days × census 3 = 6 occupied bed-days, admissions 2 + 1 = 3."""
    rows = [
        ["date", "dept", "admissions", "open_beds", "census"],
        ["2026-10-01T00:00:00Z", "D01", "2.0", "5.0", "3.0"],
        ["2026-10-02 00:00:00+08:00", "D01", "1.0", "5", "3.0"],
    ]
    write_csv(tmp_path / "inbox" / "export.csv", rows)
    write_csv(tmp_path / "inbox" / "departments.csv", DEPARTMENTS)
    con, report = _load(tmp_path / "inbox", tmp_path)
    assert report.rows_rejected == 0, report.rejected_by_reason
    assert con.execute(
        "select date, admissions, census from raw_workload order by date"
    ).fetchall() == [(dt.date(2026, 10, 1), 2, 3), (dt.date(2026, 10, 2), 1, 3)]


def test_english_only_department_list(tmp_path: Path):
    """Departments known by code and an English name only, no kind: rows name them either way."""
    write_csv(
        tmp_path / "inbox" / "units.csv",
        [["code", "name"], ["MICU", "Medical Intensive Care Unit"], ["CCU", "Coronary Care Unit"]],
    )
    rows = [["date", "dept", "census"], ["2026-10-01", "Medical Intensive Care Unit", 7]]
    rows.append(["2026-10-01", "CCU", 4])
    write_csv(tmp_path / "inbox" / "workload.csv", rows)
    con, report = _load(tmp_path / "inbox", tmp_path)
    assert report.rows_rejected == 0 and not report.problems, report.problems
    assert con.execute("select dept, census from raw_workload order by dept").fetchall() == [
        ("CCU", 4),
        ("MICU", 7),
    ]
    from reports.data.warehouse import read_departments

    names = {d.code: (d.name("zh"), d.kind) for d in read_departments(con)}
    assert names["MICU"] == ("Medical Intensive Care Unit", None)


def test_departments_without_a_kind_are_in_no_kind_group(tmp_path: Path):
    """The English-only list above has no kind: its indicators compute, each department summed
    into itself and the hospital, and none into a kind group ('KIND:' || null named a group
    null, and storing its values stopped the whole compute on metric_facts.dept_id)."""
    write_csv(
        tmp_path / "inbox" / "units.csv",
        [["code", "name"], ["MICU", "Medical Intensive Care Unit"], ["CCU", "Coronary Care Unit"]],
    )
    rows = [
        ["date", "dept", "outpatient_visits"],
        ["2026-10-01", "MICU", 7],
        ["2026-10-01", "CCU", 4],
    ]
    write_csv(tmp_path / "inbox" / "workload.csv", rows)
    con, _ = _load(tmp_path / "inbox", tmp_path)
    compute_months(con, ["2026-10"])
    # by hand: 7 visits in MICU, 4 in CCU, 7 + 4 = 11 in the hospital; no kind group
    assert con.execute(
        """select dept, value from metric_values
           where grain = 'month' and period = '2026-10' and metric = 'outpatient_visits'
           order by dept"""
    ).fetchall() == [("ALL", 11), ("CCU", 4), ("MICU", 7)]


def test_a_sheet_lacking_a_required_column_says_which(tmp_path: Path):
    rows = [["病例编号", "出院科室", "入院日期", "总费用"], ["E1", "D01", "2026-10-01", 100]]
    write_csv(tmp_path / "inbox" / "discharges.csv", rows)
    write_csv(tmp_path / "inbox" / "departments.csv", DEPARTMENTS)
    con, _ = _load(tmp_path / "inbox", tmp_path)
    (message,) = con.execute(
        "select message from ledger_sheets where status = 'skipped'"
    ).fetchone()
    assert "出院病人明细 (Discharged episodes)" in message
    assert "lacks its required column(s) 出院日期" in message


# --- sheet recognition -----------------------------------------------------------------------


def test_a_register_sharing_only_date_and_department_is_not_workload(tmp_path: Path):
    """A duty roster (科室, 值班人, 日期, 班次, 备注: no ledger of LEDGERS.md; a training register
    is one now, the `training` ledger), saved after the real workload file, shares only the
    workload ledger's key: it is reported as unrecognised, naming its columns, and the three real
    workload days keep their census and beds."""
    inbox = tmp_path / "inbox"
    write_csv(inbox / "departments.csv", DEPARTMENTS)
    workload = [["日期", "科室", "实际开放床位", "期末在院人数"]]
    workload += [[f"2026-10-0{d}", "D01", 10, 6 + d] for d in (1, 2, 3)]
    write_csv(inbox / "业务量.csv", workload)
    register = [["科室", "值班人", "日期", "班次", "备注"]]
    register += [["D01", f"S{d}", f"2026-10-0{d}", "夜班", "院内"] for d in (1, 2, 3)]
    write_xlsx(inbox / "值班登记.xlsx", {"值班": register})
    con, report = _load(inbox, tmp_path)
    assert con.execute("select sum(open_beds), sum(census) from raw_workload").fetchone() == (
        30,
        7 + 8 + 9,
    )
    assert report.rows_rejected == 0
    (message,) = con.execute(
        "select message from ledger_sheets where file = '值班登记.xlsx'"
    ).fetchone()
    assert "科室, 日期, 值班人, 班次, 备注" in message
    assert "业务量台账 (Daily workload) ledger but has none of its measure columns" in message


# --- patient identifiers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["患者ID", "病人ID", "患者编号", "ID号", "patient_id", "MRN", "医保卡号", "就诊卡号"]
)
def test_identifier_headers_refuse_the_file(tmp_path: Path, header: str):
    rows = [["病例编号", "出院科室", "入院日期", "出院日期", header]]
    rows.append(["E1", "D01", "2026-10-01", "2026-10-05", "P0001"])
    write_csv(tmp_path / "inbox" / "discharges.csv", rows)
    write_csv(tmp_path / "inbox" / "departments.csv", DEPARTMENTS)
    con, report = _load(tmp_path / "inbox", tmp_path)
    (status, message) = con.execute(
        "select status, message from ledger_files where file = 'discharges.csv'"
    ).fetchone()
    assert status == "refused" and header in message and "patient identifiers" in message
    assert con.execute("select count(*) from staged_discharges").fetchone() == (0,)


@pytest.mark.parametrize("path", ["general", "set-based"])
@pytest.mark.parametrize(
    ("column", "value"), [("医保类型", "11010119900307123X"), ("DRG组", "13800138000")]
)
def test_identifier_values_refuse_the_file_naming_the_column(
    tmp_path: Path, path: str, column: str, value: str
):
    rows = [["病例编号", "出院科室", "入院日期", "出院日期", "医保类型", "DRG组"]]
    rows.append(["E1", "D01", "2026-10-01", "2026-10-05", "城镇职工", "GB11"])
    rows.append(["E2", "D01", "2026-10-02", "2026-10-05", "自费", "GB11"])
    rows[2][rows[0].index(column)] = value
    write_csv(tmp_path / "inbox" / "discharges.csv", rows)
    write_csv(tmp_path / "inbox" / "departments.csv", DEPARTMENTS)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_inbox(con, tmp_path / "inbox", bulk_min_bytes=1 if path == "set-based" else None)
    (status, message) = con.execute(
        "select status, message from ledger_files where file = 'discharges.csv'"
    ).fetchone()
    assert status == "refused"
    assert f"column {column}, row 3 holds a value that looks like a 身份证号" in message
    assert value not in message  # the identifier itself is never repeated
    assert con.execute("select count(*) from staged_discharges").fetchone() == (0,)


# --- the run summary -----------------------------------------------------------------------


def test_when_every_dated_row_is_rejected_the_summary_says_so_first(tmp_path: Path, capsys):
    """Ten workload rows naming ten departments not in the list (ten distinct reasons, 1 row
    each) and one more row of X1: the run says nothing could be computed, with the three biggest
    reasons (X1's 2 rows first), lists eight reasons and "… and 2 more", names no file it did not
    write, and exits 1."""
    from pipelines.cli import main

    inbox = tmp_path / "inbox"
    write_csv(inbox / "departments.csv", DEPARTMENTS)
    rows = [["日期", "科室", "期末在院人数"]]
    rows += [["2026-10-01", f"X{i}", 5] for i in range(1, 11)]
    rows.append(["2026-10-02", "X1", 5])
    write_csv(inbox / "workload.csv", rows)
    home = tmp_path / "home"
    assert main(["run", "--inbox", str(inbox), "--home", str(home)]) == 1
    out = capsys.readouterr().out
    summary = out[out.index("deptops run summary") :].splitlines()
    assert summary[1].startswith("  NOTHING TO COMPUTE: every dated ledger row was rejected (11")
    assert "'X1' is not in the department list" in summary[2] and summary[2].split()[0] == "2"
    assert "'X10'" in summary[3] and "'X2'" in summary[4]  # ties by reason text
    assert "    … and 2 more reasons (rejected_rows.csv)" in summary
    for line in summary:
        if line.startswith("  ") and ": " in line and "/" in line.split(": ", 1)[1]:
            path = Path(line.split(": ", 1)[1].strip().split(" ")[0])
            assert not path.is_absolute() or path.exists(), line


def test_a_duplicate_key_never_lets_a_row_with_fewer_values_replace_a_fuller_one(tmp_path: Path):
    """The same department-day in a full workload file and, saved later, a file giving only the
    outpatient visits: the fuller row (beds 10, census 7) is kept; the newer row is listed as the
    duplicate, naming the kept file and how many more values it holds (2 − 1 = 1)."""
    import os

    inbox = tmp_path / "inbox"
    write_csv(inbox / "departments.csv", DEPARTMENTS)
    full = write_csv(
        inbox / "业务量.csv",
        [["日期", "科室", "实际开放床位", "期末在院人数"], ["2026-10-01", "D01", 10, 7]],
    )
    thin = write_csv(inbox / "补录.csv", [["日期", "科室", "门诊人次"], ["2026-10-01", "D01", 30]])
    os.utime(full, (1_700_000_000, 1_700_000_000))
    os.utime(thin, (1_800_000_000, 1_800_000_000))
    con, _ = _load(inbox, tmp_path)
    assert con.execute(
        "select open_beds, census, outpatient_visits, source_file from raw_workload"
    ).fetchall() == [(10, 7, None, "业务量.csv")]
    (file, reason) = con.execute("select file, reason from rejected_rows").fetchone()
    assert file == "补录.csv"
    assert (
        reason
        == "the same key appears in 业务量.csv row 2, which is kept (it holds 1 more value(s))"
    )
