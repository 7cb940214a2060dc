"""Rendering many reports at once (reports.publish.batch): a pool of worker processes gives the same files
as one process; a report whose content is unchanged is left alone; a changed department-month
re-renders exactly the reports that show it; a failing report names its department and period.

The warehouse is real (a DuckDB file in tmp_path loaded from CSV ledgers and computed), and so is
the rendering. Six departments, daily workload 2026-08-01 … 2026-10-31:
- medical: D01 (a hostile name), D02; surgical: D03, D04, D05; medtech: D06.
- Department Dn has 10·n open beds, a midnight census of 8·n and n discharges a day.
So a month has 7 reports (the hospital and six departments) and a dashboard.

What an xlsx file records besides its content: openpyxl writes the time of saving into
docProps/core.xml (dcterms:created, dcterms:modified) and into each zip entry's header. Two
renderings of the same workbook therefore differ in those bytes only; `same_tree` compares
workbooks member by member with those two stamps taken out, and every other file byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months, months_with_data
from reports.publish.batch import ReportFailed, render_reports
from reports.publish.fingerprints import FINGERPRINTS
from reports.publish.revisions import REVISIONS, revised_reports
from tests.ledger_files import days, write_csv
from tests.runs import shared_folder

MONTHS = ["2026-09", "2026-10"]
WEEK = "2026-W42"
EVIL_NAME = "<script>alert(1)</script>心内科"
DEPARTMENTS = [
    ("D01", EVIL_NAME, "", "medical"),
    ("D02", "呼吸内科", "Respiratory", "medical"),
    ("D03", "普外科", "General Surgery", "surgical"),
    ("D04", "骨科", "Orthopaedics", "surgical"),
    ("D05", "泌尿外科", "Urology", "surgical"),
    ("D06", "检验科", "Laboratory", "medtech"),
]
WORKLOAD_HEADER = ["date", "dept", "outpatient_visits", "admissions", "discharges"]
WORKLOAD_HEADER += ["open_beds", "census"]
CORE_STAMPS = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
# Pool even for these few reports (the default waits for enough work to pay a worker's start).
POOL = {"workers": 2, "min_reports_for_pool": 0}


def _workload_rows(extra_census: dict[tuple[str, dt.date], int] | None = None) -> list[list]:
    extra_census = extra_census or {}
    rows = [WORKLOAD_HEADER]
    for day in days(dt.date(2026, 8, 1), dt.date(2026, 10, 31)):
        for number, (code, *_rest) in enumerate(DEPARTMENTS, 1):
            census = 8 * number + extra_census.get((code, day), 0)
            rows.append([day.isoformat(), code, 20 * number, number, number, 10 * number, census])
    return rows


def build_inbox(inbox: Path) -> Path:
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "name_en", "kind"], *map(list, DEPARTMENTS)],
    )
    write_csv(inbox / "workload.csv", _workload_rows())
    return inbox


def refresh(database: Path, inbox: Path) -> None:
    """Load what changed in the inbox and recompute the months it touched, as the pipeline does."""
    with duckdb.connect(str(database)) as con:
        report = load_inbox(con, inbox)
        assert report.rows_rejected == 0, report.problems
        compute_months(con, sorted(report.touched_months) or months_with_data(con))


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The inbox loaded and computed once for every worker (a folder holding inbox/ and
    w.duckdb; read-only: the fixture `warehouse` copies it)."""
    return shared_folder(
        tmp_path_factory,
        "report_batch",
        lambda f: refresh(f / "w.duckdb", build_inbox(f / "inbox")),
    )


@pytest.fixture(scope="session")
def pooled(built: Path, tmp_path_factory) -> tuple[Path, dict]:
    """The months' and the week's reports of the built warehouse, rendered once by a pool of two
    workers, and what each render_reports said (workers, reports rendered, files written): the
    tree the tests start from (read-only: copy it) and compare with."""

    def build(folder: Path) -> None:
        outcomes = _render(built / "w.duckdb", folder / "reports", **POOL)
        said = {
            grain: [o.workers, o.reports_rendered, o.reports_unchanged, len(o.rendered)]
            for grain, o in zip(("month", "week"), outcomes, strict=True)
        }
        (folder / "outcomes.json").write_text(json.dumps(said), encoding="utf-8")

    folder = shared_folder(tmp_path_factory, "report_batch_pooled", build)
    return folder / "reports", json.loads((folder / "outcomes.json").read_text(encoding="utf-8"))


@pytest.fixture
def warehouse(built: Path, tmp_path: Path) -> Path:
    """A test's own copy of the built warehouse, with its inbox at tmp_path / "inbox"."""
    shutil.copytree(built / "inbox", tmp_path / "inbox")
    shutil.copy2(built / "w.duckdb", tmp_path / "w.duckdb")
    return tmp_path / "w.duckdb"


def rendered_copy(pooled: tuple[Path, dict], out: Path) -> Path:
    """A test's own copy of the pooled reports (times of writing kept, as fingerprints.json
    records them)."""
    return shutil.copytree(pooled[0], out)


def same_tree(left: Path, right: Path) -> None:
    """Assert two report folders hold the same files with the same content (see the docstring
    for what a workbook's bytes record besides its content)."""
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    for name in files:
        a, b = (left / name).read_bytes(), (right / name).read_bytes()
        if name.suffix == ".xlsx":
            with zipfile.ZipFile(left / name) as za, zipfile.ZipFile(right / name) as zb:
                assert za.namelist() == zb.namelist(), name
                for member in za.namelist():
                    x, y = za.read(member), zb.read(member)
                    if member == "docProps/core.xml":
                        x, y = CORE_STAMPS.sub(b"", x), CORE_STAMPS.sub(b"", y)
                    assert x == y, f"{name}: {member}"
        elif name.name == FINGERPRINTS:
            # sizes and times of writing differ with the workbooks' stamps; fingerprints may not
            assert _prints(left / name) == _prints(right / name), name
        else:
            assert a == b, name


def _prints(path: Path) -> dict[str, str]:
    return {name: entry["fingerprint"] for name, entry in json.loads(path.read_text()).items()}


def _mtimes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.suffix in (".html", ".xlsx")
    }


def _render(warehouse: Path, out: Path, **options):
    month = render_reports(warehouse, out, "month", MONTHS, **options)
    week = render_reports(warehouse, out, "week", [WEEK], **options)
    return month, week


def test_a_pool_writes_what_one_process_writes(warehouse: Path, pooled, tmp_path: Path):
    serial_month, serial_week = _render(warehouse, tmp_path / "serial", workers=1)
    # (workers, reports rendered, unchanged, files written) of the pool's month and week renders
    said = pooled[1]
    assert (serial_month.workers, said["month"][0], said["week"][0]) == (1, 2, 2)
    # 2 months × (7 reports + the dashboard); a report is a page, its copy to send alone, a
    # workbook and its data-quality page and workbook, the dashboard a page and a workbook
    assert serial_month.reports_rendered == said["month"][1] == 2 * 8
    assert said["month"][3] == len(serial_month.rendered) == 2 * (7 * 5 + 2)
    assert serial_week.reports_rendered == said["week"][1] == 7
    assert said["month"][2] == said["week"][2] == 0
    rendered_copy(pooled, tmp_path / "pooled")
    same_tree(tmp_path / "serial", tmp_path / "pooled")

    # ... and what one period at a time through an open connection (deptops standalone) writes
    single = tmp_path / "single"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for month in MONTHS:
            render_reports(con, single, "month", [month])
        render_reports(con, single, "week", [WEEK])
    # the batch's own records (fingerprints, figures issued for revisions) are not reports
    for folder in (single, tmp_path / "pooled"):
        for record in [*folder.rglob(FINGERPRINTS), *folder.rglob(REVISIONS)]:
            record.unlink()
    same_tree(single, tmp_path / "pooled")

    page = (tmp_path / "pooled" / "2026-10" / "D01.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;心内科" in page


def test_unchanged_reports_are_left_alone(warehouse: Path, pooled, tmp_path: Path):
    out = rendered_copy(pooled, tmp_path / "reports")  # rendered by the pool from the same data
    before = _mtimes(out)
    lines: list[str] = []
    # in this process: a pool's workers do the same per part (test_a_pool_writes_what_one_process_
    # writes), and a pool's second run leaving every report alone is
    # test_a_second_run_over_an_unchanged_inbox_renders_nothing's (two workers, through Dagster)
    month, week = _render(warehouse, out, workers=1, progress=lines.append)
    assert (month.reports_rendered, month.reports_unchanged) == (0, 16)
    assert (week.reports_rendered, week.reports_unchanged) == (0, 7)
    assert month.rendered == [] and len(month.unchanged) == 2 * (7 * 5 + 2)
    assert _mtimes(out) == before
    assert "month reports: 16 reports unchanged, 0 rendered" in lines
    assert "week reports: 7 reports unchanged, 0 rendered" in lines

    # A file removed, or changed by hand, is written again (with its report's other file).
    (out / "2026-10" / "D02.xlsx").unlink()
    (out / "2026-09" / "D04.html").write_text("edited", encoding="utf-8")
    month = render_reports(warehouse, out, "month", MONTHS, workers=1)
    assert month.reports_rendered == 2
    assert [p.relative_to(out).as_posix() for p in month.rendered] == [
        "2026-09/D04.html",
        "2026-09/D04.quality.html",
        "2026-09/D04.quality.xlsx",
        "2026-09/D04.standalone.html",
        "2026-09/D04.xlsx",
        "2026-10/D02.html",
        "2026-10/D02.quality.html",
        "2026-10/D02.quality.xlsx",
        "2026-10/D02.standalone.html",
        "2026-10/D02.xlsx",
    ]
    assert "edited" not in (out / "2026-09" / "D04.html").read_text(encoding="utf-8")

    # Another language is another report.
    english = render_reports(warehouse, out, "month", ["2026-10"], "en", workers=1)
    assert (english.reports_rendered, english.reports_unchanged) == (8, 0)
    again = render_reports(warehouse, out, "month", MONTHS, workers=1)
    assert again.reports_rendered == 0


def test_a_changed_department_month_rerenders_the_reports_that_show_it(
    warehouse: Path, pooled, tmp_path: Path
):
    out = rendered_copy(pooled, tmp_path / "reports")  # the months' and the week's reports
    before = _mtimes(out)
    old_page = (out / "2026-10" / "D04.html").read_text(encoding="utf-8")

    # D04 (surgical) had 2 more patients at midnight on 2026-10-15: its October changes, and so
    # do the hospital's totals, the dashboard, and the surgical peers' reports (D04 moves in
    # their ranks, medians and the surgical group's pooled figure). The medical (2) and medtech
    # (1) departments, too few of their kind, are compared with the whole hospital: D04 moves in
    # their ranks and medians and the hospital's figure beside them. No September report shows
    # anything of it.
    inbox = tmp_path / "inbox"
    write_csv(inbox / "workload.csv", _workload_rows({("D04", dt.date(2026, 10, 15)): 2}))
    os.utime(inbox / "workload.csv", (dt.datetime.now().timestamp() + 5,) * 2)
    refresh(warehouse, inbox)

    # in this process (a pool renders the same parts: test_a_pool_writes_what_one_process_writes)
    outcome = render_reports(warehouse, out, "month", MONTHS, workers=1)
    rendered = sorted({p.relative_to(out).as_posix().split(".")[0] for p in outcome.rendered})
    assert rendered == [
        "2026-10/ALL",
        "2026-10/D01",
        "2026-10/D02",
        "2026-10/D03",
        "2026-10/D04",
        "2026-10/D05",
        "2026-10/D06",
        "2026-10/dashboard",
    ]
    assert outcome.reports_unchanged == 16 - 8
    after = _mtimes(out)  # (the week's reports among those left alone: not asked for)
    left_alone = {name for name in before if name.split(".")[0] not in rendered}
    assert {name: after[name] for name in left_alone} == {name: before[name] for name in left_alone}
    assert (out / "2026-10" / "D04.html").read_text(encoding="utf-8") != old_page

    # D04's own figures and the hospital's totals moved: those two are re-issued as 修订版 1, the
    # first issue kept; the peers' reports (ranks, medians) and the dashboard show no figure of
    # their own that changed, and are not revisions
    october = out / "2026-10"
    assert revised_reports(october) == {"ALL.html": 1, "D04.html": 1}
    # (the first issue as it was, its link to the shared plotly.js one folder further up)
    assert (october / "history" / "D04.v0.html").read_text(encoding="utf-8") == old_page.replace(
        'src="../assets/plotly.min.js"', 'src="../../assets/plotly.min.js"'
    )
    assert (october / "history" / ".." / ".." / "assets" / "plotly.min.js").exists()
    assert sorted(p.name for p in (october / "history").iterdir()) == [
        "ALL.quality.v0.html", "ALL.quality.v0.xlsx",
        "ALL.standalone.v0.html", "ALL.v0.html", "ALL.v0.xlsx",
        "D04.quality.v0.html", "D04.quality.v0.xlsx",
        "D04.standalone.v0.html", "D04.v0.html", "D04.v0.xlsx",
    ]  # fmt: skip

    # The same warehouse rendered from scratch gives the files that were kept or re-rendered
    # (the revised ones aside: they say 修订版 1, a fresh rendering has nothing to revise; and
    # the week's, not rendered again here).
    fresh = tmp_path / "fresh"
    render_reports(warehouse, fresh, "month", MONTHS, workers=1)
    shutil.rmtree(out / WEEK)
    for tree in (fresh, out):
        for path in [
            *tree.rglob(REVISIONS),
            *tree.glob("2026-10/ALL.*"),
            *tree.glob("2026-10/D04.*"),
        ]:
            path.unlink()
    shutil.rmtree(october / "history")
    same_tree(fresh, out)


@pytest.mark.parametrize("options", [{"workers": 1}, POOL], ids=["in-process", "pool"])
def test_a_failing_report_names_its_department_and_period(
    warehouse: Path, pooled, tmp_path: Path, options: dict
):
    out = rendered_copy(pooled, tmp_path / "reports")
    (out / "2026-10" / "D03.xlsx").unlink()
    (out / "2026-10" / "D03.xlsx").mkdir()  # the workbook cannot be written
    with pytest.raises(ReportFailed) as failure:
        render_reports(warehouse, out, "month", MONTHS, **options)
    assert (failure.value.grain, failure.value.period, failure.value.dept) == (
        "month",
        "2026-10",
        "D03",
    )
    assert str(failure.value).startswith("month report of D03 for 2026-10 failed: ")
    assert "IsADirectoryError" in str(failure.value)

    # Once the obstacle is gone the next run completes. It renders D03's October alone: the
    # failed run, pool or not, recorded every report it had written. (In this process after a
    # pool too: a pool's parts skip unchanged reports by the same code, which
    # test_a_second_run_over_an_unchanged_inbox_renders_nothing runs with two workers; each pool
    # started here costs two workers importing the report stack.)
    (out / "2026-10" / "D03.xlsx").rmdir()
    outcome = render_reports(warehouse, out, "month", MONTHS, workers=1)
    assert outcome.reports_rendered == 1  # D03's October, the others unchanged
    assert (out / "2026-10" / "D03.xlsx").is_file()
    assert render_reports(warehouse, out, "month", MONTHS, workers=1).reports_rendered == 0


def test_report_workers_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from pipelines.settings import Settings

    monkeypatch.delenv("DEPTOPS_REPORT_WORKERS", raising=False)
    assert Settings(home=tmp_path, inbox=tmp_path).report_workers == (os.cpu_count() or 1)
    monkeypatch.setenv("DEPTOPS_REPORT_WORKERS", "1")
    assert Settings(home=tmp_path, inbox=tmp_path).report_workers == 1
    assert Settings.from_env().report_workers == 1
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("DEPTOPS_REPORT_WORKERS", bad)
        with pytest.raises(ValueError, match="DEPTOPS_REPORT_WORKERS"):
            Settings(home=tmp_path, inbox=tmp_path)


@pytest.mark.slow
def test_a_second_run_over_an_unchanged_inbox_renders_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """`deptops run` twice, reports rendered by two worker processes inside Dagster's step (the
    month's reports: those of other grains go the same way, in runs of their own)."""
    import dagster as dg

    from pipelines.runner import run_pipeline
    from pipelines.settings import Settings

    monkeypatch.setenv("DEPTOPS_REPORT_WORKERS", "2")
    settings = Settings(home=tmp_path / "home", inbox=build_inbox(tmp_path / "inbox"))
    # both runs on one Dagster instance in memory, whose history is read below as the UI reads
    # the deployment's
    with dg.DagsterInstance.ephemeral() as instance:
        monthly = {"progress": lambda _line: None, "reports": ["month"], "instance": instance}
        first = run_pipeline(settings, **monthly)
        assert (
            len([p for p in first.reports if p.parent.name == "2026-10"]) == 7 * 5 + 2
        )  # page, copy, workbook, data-quality page and workbook; the dashboard
        second = run_pipeline(settings, **monthly)
        assert second.reports == []
        records = instance.fetch_materializations(dg.AssetKey("monthly_reports"), limit=100)
        metadata = [r.asset_materialization.metadata for r in records.records]
    newest, oldest = metadata[0], metadata[-1]  # one per month of each run, newest first
    assert oldest["workers"].value == 2
    assert oldest["reports_rendered"].value == 3 * 8
    assert newest["reports_rendered"].value == 0
    assert newest["reports_unchanged"].value == 3 * 8
