"""Ledger text is inert wherever it is shown (SECURITY.md): markup, script, `../` and Excel formulas
in department names and codes, file names, sheet names and commentary, through a whole run.

The hostile inbox:
- departments.csv: D01 named `<img src=x onerror=alert(1)>` (English `<script>alert(2)</script>`);
  a department coded `../../etc`; one coded and named `=HYPERLINK("http://evil","x")`.
- workload.csv: every day of 2026-10 for the three, 20 beds, census 15; on 2026-10-15 the
  `=HYPERLINK` department's census jumps to 18 (a ward-flow finding that names it).
- `<img src=x onerror=alert(3)> 分析说明.csv`: commentary whose topics and texts are markup, script,
  a path and a formula.
- `=HYPERLINK("evil.example","x") <b>.xlsx`, sheet `<img src=x onerror=alert(4)>`: a workload row
  for D01 on 2026-09-30 (loads) and one for the unknown department `=HYPERLINK("http://evil","bad")`
  (rejected, so the file and sheet names reach rejected_rows.csv); every cell written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import dagster as dg
import openpyxl
import pytest
from openpyxl import Workbook

from pipelines.runner import run_pipeline
from pipelines.settings import Settings
from reports.files import department_stems, safe_file_stem
from tests.ledger_files import days, write_csv

MONTH = "2026-10"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
FORMULA = '=HYPERLINK("http://evil","x")'
TRAVERSAL = "../../etc"
HOSTILE_FILE = '=HYPERLINK("evil.example","x") <b>.xlsx'
HOSTILE_SHEET = "<img src=x onerror=alert(4)>"
COMMENTARY_FILE = "<img src=x onerror=alert(3)> 分析说明.csv"
COMMENTS = [
    "<img src=x onerror=alert(5)>",
    "<script>alert(6)</script>",
    '=HYPERLINK("http://evil","click")',
    "+cmd|' /C calc'!A0",
    "../../etc/passwd",
]
WORKLOAD_HEADER = ["date", "dept", "admissions", "discharges", "open_beds", "census"]


def _text_workbook(path: Path, sheet: str, rows: list[list[object]]) -> None:
    """A workbook whose cells are all text, as a user typing `=…` after an apostrophe gets."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            cell = worksheet.cell(r, c)
            cell.value = str(value)
            cell.data_type = "s"
    workbook.save(path)


def build_inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "name_en", "kind"],
            ["D01", IMG, SCRIPT, "medical"],
            [TRAVERSAL, "路径科", "../../etc/passwd", "surgical"],
            [FORMULA, '=HYPERLINK("http://evil","name")', "@SUM(1+1)", "other"],
        ],
    )
    workload = [WORKLOAD_HEADER]
    for day in days(dt.date(2026, 10, 1), dt.date(2026, 10, 31)):
        for code in ("D01", TRAVERSAL, FORMULA):
            census = 18 if code == FORMULA and day.day == 15 else 15
            workload.append([day.isoformat(), code, 2, 2, 20, census])
    write_csv(inbox / "workload.csv", workload)
    write_csv(
        inbox / COMMENTARY_FILE,
        [
            ["month", "dept", "topic", "text"],
            *[[MONTH, "D01", f"<b>{i}</b>", text] for i, text in enumerate(COMMENTS)],
            [MONTH, FORMULA, FORMULA, FORMULA],
            [MONTH, TRAVERSAL, TRAVERSAL, IMG],
        ],
    )
    _text_workbook(
        inbox / HOSTILE_FILE,
        HOSTILE_SHEET,
        [
            WORKLOAD_HEADER,
            ["2026-09-30", "D01", 2, 2, 20, 15],
            ["2026-09-30", '=HYPERLINK("http://evil","bad")', 2, 2, 20, 15],
        ],
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, list[str]]:
    root = tmp_path_factory.mktemp("hostile")
    build_inbox(root / "inbox")
    settings = Settings(home=root / "home", inbox=root / "inbox")
    before = sorted(p.name for p in root.iterdir())
    summary = run_pipeline(settings, progress=lambda line: None)
    assert summary.rows_rejected == 1, summary.rejected_by_reason
    assert summary.rows_loaded >= 3 + 3 * 31 + 1 + len(COMMENTS) + 2
    return settings, root, before


def _report_files(settings: Settings, suffix: str) -> list[Path]:
    return sorted(p for p in settings.reports.rglob(f"*{suffix}") if p.is_file())


# --- file paths ----------------------------------------------------------------------------


def test_department_codes_become_safe_file_names():
    for code in (TRAVERSAL, FORMULA, "..", "/etc/passwd", "a/../../b", "CON", "x\x00y"):
        stem = safe_file_stem(code)
        assert "/" not in stem and "\\" not in stem and ".." not in stem and "\x00" not in stem
        assert not stem.startswith(".")
    assert department_stems(["D01", TRAVERSAL]) == ["D01", safe_file_stem(TRAVERSAL)]


def test_nothing_is_written_outside_the_reports_folder(hostile_run):
    settings, root, before = hostile_run
    assert {p.name for p in root.iterdir()} == {*before, "home"}
    home = settings.home.resolve()
    for path in home.rglob("*"):
        assert path.resolve().is_relative_to(home), path
    reports = settings.reports.resolve()
    for path in reports.rglob("*"):
        assert path.resolve().is_relative_to(reports)
        assert ".." not in path.relative_to(reports).parts
    # no etc/ folder anywhere it could have climbed to
    assert not (settings.reports / "etc").exists() and not (settings.home / "etc").exists()
    assert not (root / "etc").exists()
    stem = safe_file_stem(TRAVERSAL)
    assert (settings.reports / MONTH / f"{stem}.html").is_file()
    assert (settings.reports / MONTH / f"{safe_file_stem(FORMULA)}.xlsx").is_file()


# --- HTML ----------------------------------------------------------------------------------


def test_html_source_escapes_ledger_text(hostile_run):
    settings, _, _ = hostile_run
    page = (settings.reports / MONTH / "D01.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    for text in (IMG, "<img src=x onerror=alert(5)>", "<script>alert(6)</script>", "<b>0</b>"):
        assert text not in page
    hospital = (settings.reports / MONTH / "ALL.html").read_text(encoding="utf-8")
    assert "onerror=alert(3)>" not in hospital and "onerror=alert(4)>" not in hospital


@pytest.mark.browser
def test_no_script_runs_and_nothing_leaves_file_urls_in_chromium(hostile_run, chromium):
    settings, _, _ = hostile_run
    pages = [p for p in _report_files(settings, ".html") if p.parent.name in (MONTH, "2026-Q4")]
    pages += [settings.reports / "index.html"]
    pages += sorted((settings.reports).glob("2026-W4*/*.html"))[:3]
    dialogs, requests, injected = [], [], {}
    texts = {}
    context = chromium.new_context()
    page = context.new_page()

    def on_dialog(dialog):
        dialogs.append((page.url, dialog.message))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda r: requests.append(r.url))
    for path in pages:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(50)  # an onerror of a broken <img> fires after load
        injected[
            path.name
            if path.parent == settings.reports
            else str(path.parent.name + "/" + path.name)
        ] = page.evaluate(
            """() => ({
                img: document.querySelectorAll('img').length,
                handlers: [...document.querySelectorAll('*')].filter(
                    e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                scripts: [...document.querySelectorAll('script')].filter(
                    s => /alert/.test(s.textContent)).length,
                links: [...document.querySelectorAll('a[href]')].filter(
                    a => !a.href.startsWith('file://') && !a.getAttribute('href').startsWith('#')).length,
            })"""
        )
        texts[path] = page.inner_text("body")
    context.close()
    assert dialogs == []
    assert requests and all(url.startswith("file://") for url in requests), requests
    for name, found in injected.items():
        assert found == {"img": 0, "handlers": 0, "scripts": 0, "links": 0}, name
    # the ledger text is there, as text
    d01 = texts[settings.reports / MONTH / "D01.html"]
    assert IMG in d01 and "<script>alert(6)</script>" in d01 and COMMENTS[2] in d01
    assert FORMULA in texts[settings.reports / MONTH / "ALL.html"]
    assert len(pages) > 10


# --- Excel ---------------------------------------------------------------------------------


def test_workbooks_hold_ledger_text_as_strings_never_formulas(hostile_run):
    settings, _, _ = hostile_run
    workbooks = _report_files(settings, ".xlsx")
    assert len(workbooks) > 10
    seen_formula_text = links = 0
    for path in workbooks:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    xml = archive.read(name).decode("utf-8")
                    assert "<f>" not in xml and "<f " not in xml, (path, name)
                if name.startswith("xl/worksheets/_rels/"):
                    # links to the departments' workbooks beside this one: a bare file name,
                    # no scheme, no folder (the department code is sanitised first)
                    rels = ElementTree.fromstring(archive.read(name))
                    # the hyperlinks only: a chart's drawing is a relationship of its own
                    targets = [
                        r.get("Target") for r in rels if r.get("Type", "").endswith("/hyperlink")
                    ]
                    links += len(targets)
                    for target in targets:
                        assert re.fullmatch(r"[^/\\:]+\.xlsx", target), (path, target)
        workbook = openpyxl.load_workbook(path)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                        assert cell.data_type == "s", (path, sheet.title, cell.coordinate)
                        seen_formula_text += "HYPERLINK" in cell.value
    assert seen_formula_text > 0  # the formula text did reach the workbooks, as text
    assert links > 0  # the dashboards' links were checked


# --- CSV exports ---------------------------------------------------------------------------

# What Excel (and LibreOffice) evaluates when it opens a CSV: a cell starting with one of these,
# unless it is a plain number ("-0.25" stays a number).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(path: Path) -> list[tuple[int, str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, found = rows[0], []
    for number, row in enumerate(rows[1:], 2):
        for column, cell in zip(header, row, strict=True):
            if cell.startswith(FORMULA_START):
                try:
                    float(cell)
                except ValueError:
                    found.append((number, column, cell))
    return found


@pytest.mark.parametrize("name", ["rejected_rows.csv", "data_quality.csv", "metrics.csv"])
def test_csv_exports_show_ledger_text_as_text_in_excel(hostile_run, name: str):
    settings, _, _ = hostile_run
    path = settings.reports / name
    text = path.read_text(encoding="utf-8-sig")
    assert "HYPERLINK" in text  # the hostile text is in this export
    assert _formula_cells(path) == []


# --- Dagster UI ----------------------------------------------------------------------------


def test_dagster_metadata_is_plain_text_not_markdown(hostile_run):
    """What the UI renders: asset materialisation and check metadata. Markdown (or a URL) would
    let ledger text become links or images there; text, numbers and paths are shown as written."""
    settings, _, _ = hostile_run
    allowed = (
        dg.TextMetadataValue,
        dg.IntMetadataValue,
        dg.FloatMetadataValue,
        dg.BoolMetadataValue,
        dg.PathMetadataValue,
        dg.JsonMetadataValue,
        dg.NullMetadataValue,
    )
    kinds, hostile_values = set(), []
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        runs = instance.get_runs()
        assert runs
        for run in runs:
            for entry in instance.all_logs(run.run_id):
                event = entry.dagster_event
                if event is None:
                    continue
                if event.is_step_materialization:
                    metadata = event.step_materialization_data.materialization.metadata
                elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                    metadata = event.event_specific_data.metadata
                else:
                    continue
                for key, value in metadata.items():
                    kinds.add(type(value).__name__)
                    assert isinstance(value, allowed), (key, type(value).__name__)
                    if re.search(r"HYPERLINK|onerror|\.\./", str(value.value)):
                        hostile_values.append((key, value))
    assert "MarkdownMetadataValue" not in kinds and "UrlMetadataValue" not in kinds
    # ledger text reached the metadata (a finding's first message, the report paths), and only
    # as text or as JSON data (the list of report files, which the UI shows as a JSON tree)
    assert all(
        isinstance(v, dg.TextMetadataValue | dg.JsonMetadataValue) for _, v in hostile_values
    )
    assert any(isinstance(v, dg.TextMetadataValue) for _, v in hostile_values), hostile_values
