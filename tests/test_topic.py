"""Special-topic reports (专题分析, issue 19) over a range of months that crosses a year, against
values computed by hand through the real stack: ledger files in tmp_path -> load_inbox ->
compute_months on a DuckDB file -> the range's indicators (metrics.ranges) -> the report.

The range is 2025-11 … 2026-02 (30 + 31 + 31 + 28 = 120 days); a year earlier 2024-11 … 2025-02
(also 120 days). The ledgers hold those eight months only. Three departments, 20 open beds each
every day:
- MED 心内科 (medical, assistant 张三): midnight census per month
      2024-11 16, 2024-12 15, 2025-01 14, 2025-02 16   |   2025-11 18, 2025-12 16, 2026-01 15, 2026-02 17
  10 outpatient visits a day a year earlier, 12 in the range; outpatient service revenue 30,000 a
  month a year earlier, 36,000 in Nov, Dec and Jan and 40,000 in Feb.
- RES 呼吸科 (medical, assistant "=李/四<b>": a formula, markup and a path in one name): census 18 every day; 20,000 a month, 5 visits a day.
- CAR 心外科 (surgical, assistant 张三): census 10 every day; 10,000 a month, 4 visits a day; its
  workload ledger lacks 1–10 January 2025.
The commentary has text that would be a formula in Excel or markup in HTML.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months
from metrics.ranges import PARTIAL, StaleWarehouse, evaluate_range
from tests.ledger_files import days, write_csv

D = dt.date
LAST_YEAR = ["2024-11", "2024-12", "2025-01", "2025-02"]
RANGE = ["2025-11", "2025-12", "2026-01", "2026-02"]
MONTHS = LAST_YEAR + RANGE
MED_CENSUS = dict(zip(MONTHS, [16, 15, 14, 16, 18, 16, 15, 17], strict=True))
MED_REVENUE = dict(zip(MONTHS, [30000] * 4 + [36000, 36000, 36000, 40000], strict=True))
DEPARTMENTS = [
    ["code", "name_zh", "name_en", "kind", "assistant"],
    ["MED", "心内科", "Cardiology", "medical", "张三"],
    ["RES", "呼吸科", "Respiratory", "medical", "=李/四<b>"],
    ["CAR", "心外科", "Cardiac surgery", "surgical", "张三"],
]
REVENUE_LINES = [
    f"{side}_{line}_revenue"
    for side in ("op", "ip")
    for line in ("drug", "consumables", "exam", "lab", "service", "other")
]


def month_days(month: str) -> list[dt.date]:
    first = D.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return days(first, following - dt.timedelta(days=1))


def census(dept: str, month: str) -> int:
    return {"MED": MED_CENSUS[month], "RES": 18, "CAR": 10}[dept]


def visits(dept: str, month: str) -> int:
    return {"MED": 10 if month in LAST_YEAR else 12, "RES": 5, "CAR": 4}[dept]


def revenue(dept: str, month: str) -> int:
    return {"MED": MED_REVENUE[month], "RES": 20000, "CAR": 10000}[dept]


# (month, dept, topic, text, factor, plan)
COMMENTARY = [
    (
        "2025-12",
        "MED",
        "病床使用率",
        '=HYPERLINK("http://example.com")冬季收治减少',
        "外部",
        "+加强宣传",
    ),
    ("2026-01", "MED", "<script>alert(1)</script>", "@备注 <b>不是标签</b>", None, None),
    ("2026-01", "MED", "药占比", "not a chosen indicator: left out", None, None),
    ("2024-12", "MED", "病床使用率", "before the range: left out", None, None),
    ("2026-02", "RES", "病床使用率", "-呼吸科满床", "内部", None),
]

# Improvement measures: (dept, measure, metric, owner, start, due, status, done)
ACTIONS = [
    ("MED", "晨间床位协调会", "病床使用率", "护士长", "2025-10-15", "2026-03-31", "进行中", None),
    (
        "MED",
        '=HYPERLINK("x")复诊提醒',
        "门急诊次均费用",
        "@主任",
        "2025-12-01",
        "2026-02-28",
        "进行中",
        None,
    ),
    (
        "MED",
        "done before the range",
        "病床使用率",
        "护士长",
        "2025-01-01",
        "2025-06-30",
        "已完成",
        "2025-06-30",
    ),
    ("MED", "药占比措施", "药占比", "药师", "2025-12-01", "2026-06-30", "计划", None),
    ("CAR", "手术排程", "bed_occupancy", "主任", "2026-01-10", None, "planned", None),
]


def write_inbox(inbox: Path) -> None:
    write_csv(inbox / "departments.csv", DEPARTMENTS)
    workload = [["date", "dept", "open_beds", "census", "outpatient_visits"]]
    for month in MONTHS:
        for day in month_days(month):
            for dept in ("MED", "RES", "CAR"):
                if dept == "CAR" and D(2025, 1, 1) <= day <= D(2025, 1, 10):
                    continue  # ten days missing: CAR's ledger quality of 2025-01 shows it
                workload.append(
                    [day.isoformat(), dept, 20, census(dept, month), visits(dept, month)]
                )
    write_csv(inbox / "workload.csv", workload)
    finance = [["month", "dept", *REVENUE_LINES]]
    for month in MONTHS:
        for dept in ("MED", "RES", "CAR"):
            lines = {line: 0 for line in REVENUE_LINES} | {
                "op_service_revenue": revenue(dept, month)
            }
            finance.append([month, dept, *lines.values()])
    write_csv(inbox / "finance.csv", finance)
    write_csv(
        inbox / "actions.csv",
        [["dept", "measure", "metric", "owner", "start_date", "due_date", "status", "done_date"],
         *[list(a) for a in ACTIONS]],
    )  # fmt: skip
    write_csv(
        inbox / "commentary.csv",
        [["month", "dept", "topic", "text", "factor", "plan"], *[list(c) for c in COMMENTARY]],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("topic")
    write_inbox(root / "inbox")
    path = root / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        report = load_inbox(con, root / "inbox")
        assert report.rows_rejected == 0, report.rejected_by_reason
        compute_months(con, MONTHS)  # the default holiday calendar, as `deptops run`
    return path


@pytest.fixture(scope="module")
def figures(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:  # temp tables only
        return evaluate_range(con, "2025-11", "2026-02")


def test_range_is_a_formula_over_summed_measures(figures):
    occupancy = figures.value("MED", "bed_occupancy")
    # MED, 2025-11 … 2026-02: occupied bed-days 18×30 + 16×31 + 15×31 + 17×28
    #   = 540 + 496 + 465 + 476 = 1,977; available 20 × 120 = 2,400; 1,977 / 2,400 = 0.82375
    # (the mean of the monthly rates, (0.90 + 0.80 + 0.75 + 0.85) / 4 = 0.825, would be wrong)
    assert occupancy.numerator == 1977
    assert occupancy.denominator == 2400
    assert occupancy.value == pytest.approx(0.82375)
    assert (occupancy.months_covered, occupancy.months_in_period) == (4, 4)
    # a year earlier: 16×30 + 15×31 + 14×31 + 16×28 = 480 + 465 + 434 + 448 = 1,827 / 2,400
    assert figures.value("MED", "bed_occupancy", last_year=True).value == pytest.approx(0.76125)
    # avg_open_beds = 2,400 bed-days / 120 days = 20 (days(P) of the range, not summed per month)
    assert figures.value("MED", "avg_open_beds").value == pytest.approx(20)


def test_range_of_a_ratio_of_money(figures):
    # 门急诊次均费用, MED: (36,000 × 3 + 40,000) / (12 × 120) = 148,000 / 1,440 = 102.78 元;
    # a year earlier 120,000 / 1,200 = 100 元
    now = figures.value("MED", "op_revenue_per_visit")
    assert (now.numerator, now.denominator) == (148000, 1440)
    assert now.value == pytest.approx(148000 / 1440)
    assert figures.value("MED", "op_revenue_per_visit", last_year=True).value == pytest.approx(100)
    # the hospital: (148,000 + 4 × 20,000 + 4 × 10,000) / ((12 + 5 + 4) × 120)
    #   = 268,000 / 2,520 = 106.35 元
    assert figures.value("ALL", "op_revenue_per_visit").value == pytest.approx(268000 / 2520)
    # 内科系统 (MED + RES): (148,000 + 80,000) / ((12 + 5) × 120) = 228,000 / 2,040
    assert figures.value("KIND:medical", "op_revenue_per_visit").value == pytest.approx(
        228000 / 2040
    )


def test_a_window_the_data_does_not_hold_whole_has_no_value(warehouse):
    # 2025-12 … 2026-03: March is not held (3 of 4 months); a year earlier only 2024-12 … 2025-02
    with duckdb.connect(str(warehouse), read_only=True) as con:
        partial = evaluate_range(con, "2025-12", "2026-03")
    occupancy = partial.value("MED", "bed_occupancy")
    assert occupancy.value is None and occupancy.reason == PARTIAL
    assert (occupancy.months_covered, occupancy.months_in_period) == (3, 4)


def test_a_warehouse_computed_by_other_formulas_is_refused(warehouse, tmp_path):
    # another holiday calendar stands for any change of formulas since the warehouse was filled
    other = tmp_path / "holidays.toml"
    other.write_text("holidays = [2026-01-02]\nadjusted_workdays = []\n", "utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        with pytest.raises(StaleWarehouse, match="deptops run"):
            evaluate_range(con, "2025-11", "2026-02", holidays=other)


def test_range_spelling_is_checked(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        with pytest.raises(ValueError, match="YYYY-MM"):
            evaluate_range(con, "2025-13", "2026-02")
        with pytest.raises(ValueError, match="after it ends"):
            evaluate_range(con, "2026-02", "2025-11")


# --- the report, through the CLI and through the Dagster job ---------------------------------

TOPIC_ARGS = dict(
    dept="MED,RES", metrics="病床使用率,op_revenue_per_visit", first="2025-11", last="2026-02"
)


@pytest.fixture(scope="module")
def cli_report(warehouse):
    from pipelines.cli import main

    home = warehouse.parent
    out = home / "topic-cli"
    code = main(
        ["topic", "--dept", TOPIC_ARGS["dept"], "--metrics", TOPIC_ARGS["metrics"],
         "--from", TOPIC_ARGS["first"], "--to", TOPIC_ARGS["last"], "--home", str(home),
         "--out", str(out), "--title", "冬季床位<专题>"]
    )  # fmt: skip
    assert code == 0
    pages = sorted(out.glob("*.html"))
    books = sorted(out.glob("*.xlsx"))
    assert len(pages) == 1 and len(books) == 1, sorted(out.iterdir())
    assert (out / "assets" / "plotly.min.js").is_file()  # the folder opens offline
    return pages[0], books[0]


def overview(book: Path) -> dict[tuple[str, str], dict]:
    """The overview sheet's rows by (department, indicator), cells by header."""
    sheet = openpyxl.load_workbook(book).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = rows[0]
    return {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in rows[1:]}


def test_topic_overview_by_hand(cli_report):
    _, book = cli_report
    rows = overview(book)
    occupancy = rows[("心内科", "病床使用率")]
    assert occupancy["2025年11月–2026年2月"] == pytest.approx(0.82375)  # 1,977 / 2,400
    assert occupancy["去年同期"] == pytest.approx(0.76125)  # 1,827 / 2,400
    # change in points: (0.82375 − 0.76125) × 100 = 6.25; relative 0.0625 / 0.76125 = 8.21%
    assert occupancy["同比增减"] == pytest.approx(6.25)
    assert occupancy["同比增减率"] == pytest.approx(0.0625 / 0.76125)
    # 内科系统 over the range: MED 0.82375, RES 18 × 120 / 2,400 = 0.9. A band indicator ranks the
    # highest first: MED 2 of 2; median (0.82375 + 0.9) / 2 = 0.861875; the kind's pooled figure
    # (1,977 + 2,160) / (2,400 + 2,400) = 4,137 / 4,800 = 0.861875 too (equal beds)
    assert occupancy["排名"] == "2/2"
    assert occupancy["中位数"] == pytest.approx(0.861875)
    assert occupancy["组合计"] == pytest.approx(4137 / 4800)
    assert (occupancy["分子"], occupancy["分母"]) == (1977, 2400)
    per_visit = rows[("心内科", "门急诊次均费用")]
    # 148,000 / 1,440 = 102.78 against 120,000 / 1,200 = 100; lower is better: RES's
    # 80,000 / 600 = 133.33 is higher, so MED ranks 1 of 2
    assert per_visit["2025年11月–2026年2月"] == pytest.approx(148000 / 1440)
    assert per_visit["同比增减"] == pytest.approx(148000 / 1440 - 100)
    assert per_visit["排名"] == "1/2"
    assert rows[("呼吸科", "门急诊次均费用")]["2025年11月–2026年2月"] == pytest.approx(80000 / 600)


def test_topic_months_against_last_year(cli_report):
    _, book = cli_report
    sheet = openpyxl.load_workbook(book).worksheets[1]
    months = {
        (r[0], r[1], r[2]): (r[3], r[4]) for r in sheet.iter_rows(min_row=3, values_only=True)
    }
    # MED's occupancy per month: census / 20 beds; a year earlier the same months
    expected = {"2025-11": (0.90, 0.80), "2025-12": (0.80, 0.75), "2026-01": (0.75, 0.70),
                "2026-02": (0.85, 0.80)}  # fmt: skip
    for month, (now, before) in expected.items():
        assert months[("心内科", "病床使用率", month)] == pytest.approx((now, before))


def test_topic_decomposition_over_the_range(cli_report):
    page, _ = cli_report
    html = page.read_text("utf-8")
    block = html.split('data-dept="MED" data-decomposition="op_revenue"')[1].split("</table>")[0]
    # R₁ − R₀ = 148,000 − 120,000 = 28,000 = volume (1,440 − 1,200) × 100 = 24,000
    #                                      + rate 1,440 × (102.78 − 100) = 4,000
    assert "+24,000.00" in block and "+4,000.00" in block and "+28,000.00" in block
    # RES's revenue did not move: its decomposition has nothing to explain but is still shown
    assert 'data-dept="RES" data-decomposition="op_revenue"' in html


def test_topic_charts_draw_last_year_as_a_second_line(cli_report):
    import plotly.graph_objects as go

    from tests.figures import page_figures

    page, _ = cli_report
    figures = dict(page_figures(page.read_text("utf-8")))
    assert sorted(figures) == ["chart-topic-0", "chart-topic-1"]  # MED, RES
    med = figures["chart-topic-0"]
    go.Figure(med)  # plotly accepts it
    # occupancy panel: this range solid, the same months a year earlier dashed (census / 20)
    solid, dashed = med["data"][0], med["data"][1]
    assert solid["y"] == pytest.approx([0.90, 0.80, 0.75, 0.85])
    assert dashed["y"] == pytest.approx([0.80, 0.75, 0.70, 0.80])
    assert dashed["line"]["dash"] == "dash" and "dash" not in solid["line"]


def test_topic_commentary_is_the_ranges_on_the_chosen_indicators(cli_report):
    page, book = cli_report
    html = page.read_text("utf-8")
    assert "冬季收治减少" in html and "呼吸科满床" in html
    assert "not a chosen indicator" not in html and "before the range" not in html
    # ledger text is escaped, never markup
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert "<b>不是标签</b>" not in html and "&lt;b&gt;不是标签&lt;/b&gt;" in html
    assert "冬季床位&lt;专题&gt;" in html  # the title too
    sheet = openpyxl.load_workbook(book).worksheets[4]
    cells = [c for row in sheet.iter_rows(min_row=3) for c in row if c.value is not None]
    formula_like = [c for c in cells if str(c.value)[:1] in "=+-@"]
    # =HYPERLINK…, +加强宣传, @备注…, -呼吸科满床: all four stay text, none is a formula
    assert len(formula_like) == 4
    assert all(c.data_type == "s" for c in formula_like)


def test_topic_measures_are_those_open_in_the_range(cli_report):
    page, book = cli_report
    html = page.read_text("utf-8").split('id="measures"')[1].split("</section>")[0]
    # open during 2025-11 … 2026-02 and about a chosen indicator (or none)
    assert "晨间床位协调会" in html and "复诊提醒" in html and "进行中" in html
    assert "done before the range" not in html  # done in 2025-06
    assert "药占比措施" not in html  # another indicator
    assert "手术排程" not in html  # CAR is not in the report
    # the effect as the last run stored it: 复诊提醒 started in December 2025, so the months
    # after its start month are January and February: 2 < 3, too few (数据不足)
    row = html.split("复诊提醒")[1].split("</tr>")[0]
    assert "实施后仅2个月数据" in row and "数据不足" in row
    sheet = openpyxl.load_workbook(book).worksheets[3]
    cells = {c.value: c for row in sheet.iter_rows(min_row=3) for c in row if c.value}
    assert cells['=HYPERLINK("x")复诊提醒'].data_type == "s"
    assert cells["@主任"].data_type == "s"


def test_topic_errors_say_what_to_change(warehouse, capsys):
    from pipelines.cli import main

    home = str(warehouse.parent)
    base = ["topic", "--home", home, "--from", "2025-11", "--to", "2026-02"]
    assert main([*base, "--dept", "MED", "--metrics", "病床周转率x"]) == 1
    assert "病床周转率x" in capsys.readouterr().err
    assert main([*base, "--dept", "NOPE", "--metrics", "bed_occupancy"]) == 1
    assert "NOPE" in capsys.readouterr().err
    later = ["topic", "--home", home, "--dept", "MED", "--metrics", "bed_occupancy"]
    assert main([*later, "--from", "2026-01", "--to", "2026-05"]) == 1
    assert "2026-02" in capsys.readouterr().err  # the data ends there


def test_topic_job_from_the_launchpad(warehouse, cli_report):
    """The same report as a Dagster job with run config: a real execution."""
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings
    from pipelines.topic import TOPIC_JOB

    home = warehouse.parent
    defs = build_definitions(Settings(home=home, inbox=home / "inbox"))
    config = {
        "departments": ["MED", "RES"],
        "metrics": ["bed_occupancy", "门急诊次均费用"],
        "first_month": "2025-11",
        "last_month": "2026-02",
        "title": "冬季床位<专题>",
    }
    result = defs.resolve_job_def(TOPIC_JOB).execute_in_process(
        run_config={"ops": {"topic_report_op": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    books = sorted((home / "reports" / "topics").glob("*.xlsx"))
    assert len(books) == 1
    assert books[0].name == cli_report[1].name
    assert overview(books[0]) == overview(cli_report[1])
    # the same page, byte for byte (nothing in it depends on the run)
    assert books[0].with_suffix(".html").read_bytes() == cli_report[0].read_bytes()


def test_topic_job_refuses_a_folder_outside_the_deployment(warehouse, tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings
    from pipelines.topic import TOPIC_JOB

    home = warehouse.parent
    defs = build_definitions(Settings(home=home, inbox=home / "inbox"))
    config = {"departments": ["MED"], "metrics": ["bed_occupancy"], "first_month": "2025-11",
              "last_month": "2026-02", "out": str(tmp_path / "elsewhere")}  # fmt: skip
    result = defs.resolve_job_def(TOPIC_JOB).execute_in_process(
        run_config={"ops": {"topic_report_op": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert not (tmp_path / "elsewhere").exists()


# --- one page per assistant ------------------------------------------------------------------

ASSISTANT_TODAY = D(2026, 3, 20)


@pytest.fixture(scope="module")
def assistant_pages(warehouse, tmp_path_factory):
    """The data-quality stage fills ledger_quality (on a copy: its findings would withhold figures
    of the topic report above), then every assistant's page is written."""
    import shutil

    from expectations.findings import run_checks
    from reports.publish.assistants import write_assistant_pages
    from reports.publish.batch import render_reports

    root = tmp_path_factory.mktemp("assistants")
    copy = root / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        run_checks(con, MONTHS, today=ASSISTANT_TODAY)
        quality = con.execute(
            "select dept, strftime(month, '%Y-%m'), completeness, timeliness, accuracy, score "
            "from ledger_quality"
        ).fetchall()
        # the month's reports and dashboard, which the pages link to and which lists the scores
        render_reports(copy, root / "reports", "month", ["2026-02"], "zh", connection=con)
        written = write_assistant_pages(con, root / "reports", "zh", today=ASSISTANT_TODAY)
    return root / "reports" / "assistants", written, quality


def test_an_assistant_page_lists_their_departments(assistant_pages):
    from reports.files import safe_file_stem

    folder, written, _ = assistant_pages
    html = (folder / "张三.html").read_text("utf-8")
    # 张三 keeps MED and CAR, not RES; each links to its report of the data month
    assert 'data-dept="MED"' in html and 'data-dept="CAR"' in html
    assert 'data-dept="RES"' not in html
    assert 'href="../2026-02/MED.html"' in html and 'href="../2026-02/CAR.xlsx"' in html
    assert (folder.parent / "2026-02" / "MED.html").is_file()
    # the other assistant's name is a path, markup and a formula: a safe file name, escaped text
    # open measures, soonest due first; overdue on 2026-03-20 when due before and not done
    measures = (
        html.split('data-dept="MED"')[1].split('data-dept="CAR"')[0].split('class="measures"')[1]
    )
    assert (
        measures.index("复诊提醒") < measures.index("晨间床位协调会") < measures.index("药占比措施")
    )
    assert '<li class="overdue">=HYPERLINK(&#34;x&#34;)复诊提醒' in measures
    assert measures.count('class="overdue"') == 1
    assert "done before the range" not in html
    assert "手术排程" in html.split('data-dept="CAR"')[1]
    others = [p for p in written if p.suffix == ".html" and p.name != "张三.html"]
    assert len(others) == 1 and others[0].parent == folder
    assert others[0].name == f"{safe_file_stem('=李/四<b>')}.html"  # 李_四_b_ and a hash
    page = others[0].read_text("utf-8")
    assert "<b>" not in page.split("<body")[1] and "=李/四&lt;b&gt;" in page
    assert 'data-dept="RES"' in page
    book = openpyxl.load_workbook(others[0].with_suffix(".xlsx"))
    assert book.worksheets[0]["A1"].data_type == "s"
    assert book.worksheets[0]["A1"].value.startswith("=李/四<b>")


def test_an_assistants_score_is_the_mean_over_their_departments(assistant_pages):
    folder, _, quality = assistant_pages
    html = (folder / "张三.html").read_text("utf-8")
    rows = {(dept, month): values for dept, month, *values in quality}
    months = sorted({month for _, month in rows})
    assert months == MONTHS  # every month of the ledgers is scored
    # CAR, 2025-01: completeness = 100 × mean(workload days 21/31, finance 1) = 83.87; MED's 100
    assert rows[("CAR", "2025-01")][0] == pytest.approx(100 * (21 / 31 + 1) / 2)
    assert rows[("MED", "2025-01")][0] == 100
    assert f'<td class="num">{(100 + 100 * (21 / 31 + 1) / 2) / 2:,.1f}</td>' in html  # 91.9
    for month in months:
        # 张三's figure = (MED's + CAR's) / 2 for each component scored in both
        med, car = rows[("MED", month)], rows[("CAR", month)]
        row = html.split(f'class="assistant-score" data-month="{month}"')[1].split("</tr>")[0]
        cells = [c.split("<")[0] for c in row.split('class="num')[1:]]
        for number, (a, b) in enumerate(zip(med, car, strict=True)):
            shown = cells[number].split(">")[1]
            if a is None and b is None:
                assert shown == "—"
            else:
                expected = sum(v for v in (a, b) if v is not None) / (
                    (a is not None) + (b is not None)
                )
                assert shown == f"{expected:,.1f}"


def test_assistant_score_arithmetic_by_hand():
    from reports.content.assistants import assistant_scores
    from reports.data.warehouse import Department, QualityRow

    departments = [
        Department("MED", "心内科", None, "medical", "张三"),
        Department("CAR", "心外科", None, "surgical", " 张三 "),  # spaces around: the same person
        Department("RES", "呼吸科", None, "medical", "李四"),
        Department("EYE", "眼科", None, "surgical", None),  # no assistant: on nobody's page
    ]
    quality = [
        QualityRow("MED", "2026-01", 100.0, None, 90.0, 95.0),
        QualityRow("CAR", "2026-01", 80.0, 50.0, 100.0, 230 / 3),
        QualityRow("RES", "2026-01", 60.0, 0.0, 100.0, 160 / 3),
        QualityRow("EYE", "2026-01", 0.0, 0.0, 0.0, 0.0),
        QualityRow("MED", "2026-02", 100.0, 100.0, 100.0, 100.0),
    ]
    scores = {(s.assistant, s.month): s for s in assistant_scores(departments, quality)}
    assert set(scores) == {("张三", "2026-01"), ("张三", "2026-02"), ("李四", "2026-01")}
    january = scores[("张三", "2026-01")]
    assert january.completeness == pytest.approx(90)  # (100 + 80) / 2
    assert january.timeliness == pytest.approx(50)  # CAR's alone: MED's is not scored
    assert january.accuracy == pytest.approx(95)  # (90 + 100) / 2
    assert january.score == pytest.approx((95 + 230 / 3) / 2)  # 85.83: each department once
    assert january.departments == 2
    assert scores[("张三", "2026-02")].score == 100  # MED alone that month
    assert scores[("李四", "2026-01")].timeliness == 0


def test_the_dashboard_lists_every_assistants_score(assistant_pages):
    folder, _, quality = assistant_pages
    dashboard = (folder.parent / "2026-02" / "dashboard.html").read_text("utf-8")
    section = dashboard.split('id="assistant-scores"')[1].split("</section>")[0]
    rows = {(dept, month): values[-1] for dept, month, *values in quality}
    # February only (the dashboard's period); 张三: (MED's score + CAR's score) / 2
    assert section.count("<tr data-assistant=") == 2
    zhang = section.split('data-assistant="张三" data-month="2026-02"')[1].split("</tr>")[0]
    expected = (rows[("MED", "2026-02")] + rows[("CAR", "2026-02")]) / 2
    assert f">{expected:,.1f}</td>" in zhang
    assert f'href="../assistants/{quote_free("张三")}.html"' in zhang
    assert 'data-assistant="=李/四&lt;b&gt;"' in section  # escaped
    book = openpyxl.load_workbook(folder.parent / "2026-02" / "dashboard.xlsx")
    sheet = book["运营助理台账质量评分"]
    names = [sheet.cell(row, 1) for row in range(3, sheet.max_row + 1)]
    assert {c.value for c in names} == {"张三", "=李/四<b>"}
    assert all(c.data_type == "s" for c in names)


def quote_free(name: str) -> str:
    """A name with nothing to make safe is its own file stem."""
    from reports.files import safe_file_stem

    assert safe_file_stem(name) == name
    return name
