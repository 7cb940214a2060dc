"""A corrected cell leaves a trail and its reports say they were revised: one cell of a small
inbox changed and loaded again through the real pipeline is logged old -> new in ledger_changes
and changes.csv, named in the run summary, and the reports it moves are re-issued as 修订版 1 with
the change listed, the first issue kept under <period>/history/."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil

import dagster as dg
import duckdb
import openpyxl
import pytest

from ledgers.export import write_changes_csv
from ledgers.loader import load_inbox
from pipelines.runner import run_pipeline
from pipelines.settings import Settings
from reports.publish.revisions import read_revisions
from tests.ledger_files import write_csv

# whole runs of the pipeline (make test runs them; -m 'not slow' leaves them out)
pytestmark = pytest.mark.slow

# tests/conftest.py's two_ward_month_home: two_ward_inbox (A 心内科, 10 open beds, census 8; B 骨科,
# 20 open beds, census 18; 2 admissions and 2 discharges a day, 2025-05-01 … 2025-06-30: June and
# the month before it, which the reports compare) with a finance ledger, after a first run that
# rendered the month's reports.
CORRECTED_DAY = "2025-06-03"


@pytest.fixture(scope="module")
def corrected(two_ward_month_home, tmp_path_factory):
    """HOME after a first run (two_ward_month_home's, copied), then after B's open beds of 3 June
    corrected from 20 to 22, then after a run over the inbox unchanged."""
    # the two later runs on one Dagster instance kept in memory: what is tested is in the
    # warehouse and the reports, not in Dagster's history (dagster_instance's sqlite files), which
    # no run reads to decide what to load, compute or render
    with dg.DagsterInstance.ephemeral() as instance:
        yield _corrected(two_ward_month_home, tmp_path_factory, instance)


def _corrected(two_ward_month_home, tmp_path_factory, instance: dg.DagsterInstance):
    folder = shutil.copytree(two_ward_month_home, tmp_path_factory.mktemp("corrections") / "f")
    ledgers = folder / "inbox"
    workload = ledgers / "业务量.csv"
    stamp = os.stat(workload).st_mtime
    first = json.loads((folder / "first_run.json").read_text())
    settings = Settings(home=folder / "home", inbox=ledgers, report_workers=1)
    # the month's reports (and the index): those the tests read; the other grains' reports are
    # revised by the same code (reports.publish.revisions)
    monthly = {"progress": lambda _line: None, "reports": ["month"], "instance": instance}
    rows = list(csv.reader(workload.open(encoding="utf-8-sig")))
    (row,) = [r for r in rows if r[:2] == [CORRECTED_DAY, "B"]]
    assert row[4] == "20"  # 实际开放床位
    row[4] = "22"
    with workload.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    os.utime(workload, (stamp + 86_400, stamp + 86_400))
    second = run_pipeline(settings, **monthly)
    third = run_pipeline(settings, **monthly)  # nothing changed
    return settings, first, second, third


def test_the_corrected_cell_is_logged_old_to_new(corrected):
    settings, first, second, third = corrected
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        logged = con.execute(
            """select file, ledger, "key", dept, strftime(period, '%Y-%m'), "column", old_value,
                      new_value
               from ledger_changes"""
        ).fetchall()
    assert logged == [
        ("业务量.csv", "workload", f"dept=B, date={CORRECTED_DAY}", "B", "2025-06", "open_beds",
         "20", "22"),
    ]  # fmt: skip
    assert first["corrections"] is None and third.corrections is None
    assert second.corrections == "纠正 1 个单元格，涉及 2025-06 骨科"
    lines = list(csv.reader((settings.reports / "changes.csv").open(encoding="utf-8-sig")))
    assert lines[0] == [
        "changed_at", "file", "ledger", "key", "dept", "period", "column", "old_value", "new_value",
    ]  # fmt: skip
    assert [line[1:] for line in lines[1:]] == [[str(v) for v in logged[0]]]


def test_the_report_is_reissued_as_revision_1_and_the_first_issue_kept(corrected):
    settings, *_ = corrected
    june = settings.reports / "2025-06"
    page = (june / "B.html").read_text(encoding="utf-8")
    assert "修订版 1" in page and "本次修订" in page
    # B's open bed days in June: 20 beds × 30 days = 600, corrected: 600 − 20 + 22 = 602
    assert "实际开放总床日数 600 → 602" in page
    # bed occupancy: 18 × 30 = 540 occupied bed days; 540 / 600 = 90.0 % → 540 / 602 = 89.7 %
    record = read_revisions(june)["B.html"]
    assert record["revision"] == 1
    assert ["病床使用率", "90.0%", "89.7%"] in record["changes"]
    first_issue = (june / "history" / "B.v0.html").read_text(encoding="utf-8")
    assert "修订版" not in first_issue and "600" in first_issue
    assert (june / "history" / "B.v0.xlsx").exists()
    workbook = openpyxl.load_workbook(june / "B.xlsx")
    assert workbook.sheetnames[1] == "修订"
    cells = [[c for c in row] for row in workbook["修订"].iter_rows(values_only=True)]
    assert ["实际开放总床日数", "600", "602"] in cells
    # A's June was not touched: not revised
    assert "修订版" not in (june / "A.html").read_text(encoding="utf-8")
    assert read_revisions(june)["A.html"]["revision"] == 0
    # the third run changed nothing: still revision 1, one earlier version of B and the hospital
    # (page, copy sent alone, workbook and data-quality report)
    assert sorted(p.name for p in (june / "history").iterdir()) == [
        "ALL.quality.v0.html", "ALL.quality.v0.xlsx", "ALL.standalone.v0.html", "ALL.v0.html",
        "ALL.v0.xlsx",
        "B.quality.v0.html", "B.quality.v0.xlsx", "B.standalone.v0.html", "B.v0.html", "B.v0.xlsx",
    ]  # fmt: skip


def test_the_index_marks_revised_reports(corrected):
    settings, *_ = corrected
    index = (settings.reports / "index.html").read_text(encoding="utf-8")
    june = index[index.index('id="period-2025-06"') :]
    june = june[: june.index("</section>")]
    assert june.count('class="badge revised"') == 2  # B and the hospital (ALL)
    assert '骨科 <span class="badge revised">修订版 1</span>' in june


def test_changes_csv_keeps_formula_looking_text_as_text(tmp_path):
    """A corrected department name that Excel would take for a formula stays text in changes.csv,
    as in the other CSV exports."""
    folder = tmp_path / "folder"
    header = ["code", "name_zh", "name_en", "kind"]
    write_csv(folder / "departments.csv", [header, ["B", "骨科", "Orthopaedics", "surgical"]])
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert load_inbox(con, folder).cells_corrected == 0  # a first load corrects nothing
        write_csv(
            folder / "departments.csv",
            [header, ["B", "骨科", '=HYPERLINK("http://x","y")', "surgical"]],
        )
        assert load_inbox(con, folder).cells_corrected == 1
        write_changes_csv(con, tmp_path / "changes.csv")
    (line,) = list(csv.DictReader((tmp_path / "changes.csv").open(encoding="utf-8-sig")))
    assert (line["ledger"], line["key"], line["column"]) == ("departments", "code=B", "name_en")
    assert (line["old_value"], line["new_value"]) == (
        "Orthopaedics",
        '\'=HYPERLINK("http://x","y")',
    )


def test_rows_added_and_removed_are_counted_and_episode_keys_never_logged(tmp_path):
    """A discharges ledger of D01, September 2026, with episodes E1, E2, E3 (stays 2, 3, 4 days),
    re-saved with E2's stay corrected to 5 days, E3 deleted and E4 added: the trail holds one
    corrected cell (admission date) without the episode's key, 1 row removed and 1 row added
    (counted per file, department and month, never listing episodes); the run's line says all
    three. Then the file is removed: its 3 rows (E1, E2, E4) are one line "(rows removed) 3"."""
    from ledgers.changes import ROWS_ADDED, ROWS_REMOVED, corrections_line

    folder = tmp_path / "inbox"
    write_csv(folder / "departments.csv", [["科室编码", "科室名称"], ["D01", "心内科"]])
    header = ["病例编号", "出院科室", "入院日期", "出院日期"]

    def episodes(rows):
        return [header, *[[e, "D01", admitted, "2026-09-20"] for e, admitted in rows]]

    first = [("E1", "2026-09-18"), ("E2", "2026-09-17"), ("E3", "2026-09-16")]
    write_csv(folder / "出院.csv", episodes(first))
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert load_inbox(con, folder).cells_corrected == 0
        started = con.execute("select current_timestamp::timestamp").fetchone()[0]
        second = [("E1", "2026-09-18"), ("E2", "2026-09-15"), ("E4", "2026-09-19")]
        write_csv(folder / "出院.csv", episodes(second))
        assert load_inbox(con, folder).cells_corrected == 1  # E2's admission date
        rows = con.execute(
            """select "key", dept, period, "column", old_value, new_value from ledger_changes
               order by "column" """  # the month a DATE, its first day
        ).fetchall()
        assert rows == [
            (None, "D01", dt.date(2026, 9, 1), ROWS_ADDED, "0", "1"),  # E4
            (None, "D01", dt.date(2026, 9, 1), ROWS_REMOVED, "1", "0"),  # E3
            (None, "D01", dt.date(2026, 9, 1), "admit_date", "2026-09-17", "2026-09-15"),
        ]
        assert (
            corrections_line(con, started)
            == "纠正 1 个单元格，增加 1 行，删除 1 行，涉及 2026-09 心内科"
        )
        (folder / "出院.csv").unlink()
        load_inbox(con, folder)
        removed = con.execute(
            """select file, old_value from ledger_changes
               where "column" = ? order by changed_at desc limit 1""",
            [ROWS_REMOVED],
        ).fetchone()
        assert removed == ("出院.csv", "3")
        write_changes_csv(con, tmp_path / "changes.csv")
    text = (tmp_path / "changes.csv").read_text(encoding="utf-8-sig")
    assert not any(e in text for e in ("E1", "E2", "E3", "E4"))
