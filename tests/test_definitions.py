"""Definitions that match their names (issue 14), against values computed by hand through the
real stack: ledger files in tmp_path -> load_inbox -> compute_months on a DuckDB file.

The hospital, January and February 2026 (31 and 28 days; with no holidays, 22 and 20 workdays
Monday to Friday), three departments, each with one full-time doctor all through:
- MED (medical) keeps a hospital-wide workload file with emergency visits: 30 outpatient and 10
  emergency visits a day.
- ER2 (medical) is in the same file with 20 outpatient visits a day; its emergency cells are blank
  in January and 5 a day in February: a blank cell in a file that gives emergency visits is unknown.
- RAD (medtech, 放射科) keeps its own workload file with no emergency column at all: 10 outpatient
  visits a day. It has no emergency service, so its 门急诊人次 is its outpatient visits.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from ledgers.loader import load_inbox
from metrics import catalogue
from metrics.compute import compute_months
from metrics.export import write_metrics_csv
from reports import labels
from reports.content import peers
from reports.content.indicators import indicator_row
from reports.content.report import HOSPITAL, period_content
from reports.data.warehouse import PeriodData, load_period
from reports.publish import render_reports
from tests import test_data_quality as dq
from tests.ledger_files import days, write_csv

D = dt.date
MONTHS = ["2026-01", "2026-02"]
MONTH_DAYS = {"2026-01": days(D(2026, 1, 1), D(2026, 1, 31)),
              "2026-02": days(D(2026, 2, 1), D(2026, 2, 28))}  # fmt: skip


def write_inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind"], ["MED", "心内科", "medical"], ["ER2", "急诊二科", "medical"],
         ["RAD", "放射科", "medtech"]],
    )  # fmt: skip
    hospital = [["date", "dept", "outpatient_visits", "emergency_visits"]]
    for month, month_days in MONTH_DAYS.items():
        for day in month_days:
            hospital.append([day.isoformat(), "MED", 30, 10])
            hospital.append([day.isoformat(), "ER2", 20, None if month == "2026-01" else 5])
    write_csv(inbox / "workload_hospital.csv", hospital)
    write_csv(
        inbox / "workload_rad.csv",
        [["date", "dept", "outpatient_visits", "exams"]]
        + [[day.isoformat(), "RAD", 10, 40] for d in MONTH_DAYS.values() for day in d],
    )
    # Outpatient revenue per department and month, all of it medical service; complaints.
    op_lines = ["op_drug_revenue", "op_consumables_revenue", "op_exam_revenue", "op_lab_revenue",
                "op_service_revenue", "op_other_revenue"]  # fmt: skip
    write_csv(
        inbox / "finance.csv",
        [["month", "dept", *op_lines]]
        + [[m, dept, 0, 0, 0, 0, revenue, 0] for m in MONTHS
           for dept, revenue in (("MED", 124000), ("ER2", 62000), ("RAD", 31000))],
    )  # fmt: skip
    # February discharges: MED stays of 6 and 8 days (ALOS 7), ER2 two stays of 2 days (ALOS 2).
    write_csv(
        inbox / "discharges.csv",
        [["episode_id", "dept", "admit_date", "discharge_date"],
         ["E1", "MED", "2026-02-01", "2026-02-07"], ["E2", "MED", "2026-02-10", "2026-02-18"],
         ["E3", "ER2", "2026-02-03", "2026-02-05"], ["E4", "ER2", "2026-02-20", "2026-02-22"]],
    )  # fmt: skip
    write_csv(
        inbox / "patient_feedback.csv",
        [["month", "dept", "complaints"]]
        + [[m, dept, 2] for m in MONTHS for dept in ("MED", "ER2", "RAD")],
    )
    # One full-time doctor in every department all through.
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "fte", "start_date"]]
        + [[dept, f"{dept}01", "doctor", 1, "2020-01-01"] for dept in ("MED", "ER2", "RAD")],
    )


# Targets for 门急诊次均费用 (op_revenue_per_visit), whose values above are: MED 100 元 in January;
# RAD 100 元 in January and 31,000 / 280 = 110.71 元 in February. Rows: (dept, metric, high, year).
TARGETS = [
    ("RAD", "门急诊次均费用", 105, None),  # by its Chinese name, every year
    ("RAD", "op_revenue_per_visit", 95, 2027),  # next year's: must not touch 2026
    ("MED", "Revenue per outpatient or emergency visit", 120, None),  # English name, every year
    ("MED", "op_revenue_per_visit", 95, 2026),  # 2026's own row wins over the every-year one
    ("MED", "门诊次均费用", 100, None),  # the old name: no such indicator, rejected
]
# Every department's ALOS between 5 and 9 days (a lower limit: too short may hurt quality).
ALOS_TARGET = ("*", "平均住院日", 5, 9, None)
# Commentary: a topic by Chinese name, one by id, a free topic; factor; the plan for next month.
COMMENTARY = [
    ("2026-02", "RAD", "门急诊次均费用", "检查收费调整", "外部", "核对收费项目"),
    ("2026-02", "MED", "complaints_per_10k", "投诉集中在候诊", "内部", None),
    ("2026-02", "ER2", "夜间人力", "夜班医师不足", None, "增加一名夜班医师"),
]


def write_targets_and_commentary(inbox: Path) -> None:
    write_csv(
        inbox / "targets.csv",
        [["dept", "metric", "low", "high", "year"], list(ALOS_TARGET)]
        + [[dept, metric, None, high, year] for dept, metric, high, year in TARGETS],
    )
    write_csv(
        inbox / "commentary.csv",
        [["month", "dept", "topic", "text", "factor", "plan"], *[list(c) for c in COMMENTARY]],
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("definitions")
    write_inbox(root / "inbox")
    write_targets_and_commentary(root / "inbox")
    (root / "holidays.toml").write_text("holidays = []\nadjusted_workdays = []\n", "utf-8")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        report = load_inbox(con, root / "inbox")
        assert report.rows_rejected == 1, report.rejected_by_reason  # the unknown target
        compute_months(con, MONTHS, holidays=root / "holidays.toml")
        write_metrics_csv(con, root / "metrics.csv")
    return root


@pytest.fixture(scope="module")
def metrics(loaded) -> pd.DataFrame:
    frame = pd.read_csv(loaded / "metrics.csv", dtype={"period": str})
    return frame.set_index(["grain", "period", "dept", "metric"]).sort_index()


def cell(metrics, period: str, dept: str, metric: str, column: str = "value"):
    value = metrics.loc[("month", period, dept, metric), column]
    return None if pd.isna(value) else value


def test_department_without_emergency_column_counts_outpatient_visits(metrics):
    # RAD, January: 31 days × 10 outpatient visits = 310 visits, 0 emergency (no such service).
    assert cell(metrics, "2026-01", "RAD", "emergency_visits") == 0
    # 门急诊次均费用 = op_revenue / visits = 31,000 / 310 = 100 元
    assert cell(metrics, "2026-01", "RAD", "op_revenue_per_visit") == pytest.approx(100)
    assert cell(metrics, "2026-01", "RAD", "op_revenue_per_visit", "denominator") == 310
    # 每万人次投诉数 = 2 complaints / (310 visits + 0 discharges: no beds) × 10,000 = 64.52
    assert cell(metrics, "2026-01", "RAD", "complaints_per_10k") == pytest.approx(2 / 310 * 1e4)
    # 医师日均担负诊疗人次 = 310 / (31 doctor FTE-days × 22 workdays / 31 days) = 310 / 22
    assert cell(metrics, "2026-01", "RAD", "visits_per_doctor_day") == pytest.approx(310 / 22)
    # February: 28 × 10 = 280 visits; 31,000 / 280 = 110.714...; 280 / 20 workdays = 14
    assert cell(metrics, "2026-02", "RAD", "op_revenue_per_visit") == pytest.approx(31000 / 280)
    assert cell(metrics, "2026-02", "RAD", "visits_per_doctor_day") == pytest.approx(14)


def test_department_with_emergency_counts_both(metrics):
    # MED, January: 31 × (30 + 10) = 1,240 visits; 124,000 / 1,240 = 100 元
    assert cell(metrics, "2026-01", "MED", "op_revenue_per_visit") == pytest.approx(100)
    assert cell(metrics, "2026-01", "MED", "op_revenue_per_visit", "denominator") == 1240


def test_blank_emergency_cells_in_a_file_that_has_them_stay_unknown(metrics):
    # Near miss: ER2's January emergency cells are blank in a file that gives emergency visits
    # (MED's, and ER2's own in February): unknown, so its visits are unknown, not 620.
    assert cell(metrics, "2026-01", "ER2", "emergency_visits") is None
    assert cell(metrics, "2026-01", "ER2", "op_revenue_per_visit") is None
    # February: 28 × (20 + 5) = 700 visits; 62,000 / 700 = 88.57 元
    assert cell(metrics, "2026-02", "ER2", "op_revenue_per_visit") == pytest.approx(62000 / 700)


def test_names_say_what_the_formula_computes():
    # op_revenue / (outpatient + emergency visits) is 门急诊, not 门诊; consumables_expense over
    # revenue less drug revenue says 不含药品收入 (METRICS.md, Economics).
    names = {i.id: i.zh for i in catalogue.indicators().values()}
    assert names["op_revenue_per_visit"] == "门急诊次均费用"
    assert names["consumables_per_100"] == "百元医疗收入（不含药品收入）消耗卫生材料"


# --- targets ----------------------------------------------------------------------------------


def test_target_by_chinese_name(metrics):
    # RAD's every-year row, written 门急诊次均费用, sets the band ≤ 105 (its 2027 row does not apply).
    # January 100 ≤ 105: ok. February 110.71 is 5.71 over, within 10% of 105 (10.5): watch.
    assert cell(metrics, "2026-01", "RAD", "op_revenue_per_visit", "band_high") == 105
    assert cell(metrics, "2026-01", "RAD", "op_revenue_per_visit", "status") == "ok"
    assert cell(metrics, "2026-02", "RAD", "op_revenue_per_visit", "status") == "watch"


def test_target_limited_to_a_year(metrics):
    # MED's 2026 row (≤ 95) wins over its every-year row (≤ 120, written in English):
    # January 100 is 5 over 95, within 9.5: watch (the every-year band would say ok).
    assert cell(metrics, "2026-01", "MED", "op_revenue_per_visit", "band_high") == 95
    assert cell(metrics, "2026-01", "MED", "op_revenue_per_visit", "status") == "watch"
    # Near miss: ER2 has no row of its own and there is no `*` row: the catalogue's (none).
    assert cell(metrics, "2026-02", "ER2", "op_revenue_per_visit", "status") is None


def test_unknown_target_is_a_rejected_row_naming_the_cell_and_the_closest_names(loaded):
    with duckdb.connect(str(loaded / "warehouse.duckdb"), read_only=True) as con:
        rejected = con.execute(
            'select file, "row", "column", reason from rejected_rows where ledger = \'targets\''
        ).fetchall()
        stored = con.execute("select dept, metric, year from raw_targets order by all").fetchall()
    # the unknown one is the 6th data row, the file's 7th line (the header is line 1)
    assert len(rejected) == 1
    file, row, column, reason = rejected[0]
    assert (file, row, column) == ("targets.csv", 7, "metric")
    assert "'门诊次均费用'" in reason and "门急诊次均费用 (op_revenue_per_visit)" in reason
    # The others are kept under the indicator's id, one per department, indicator and year.
    assert stored == [
        ("*", "alos", None),
        ("MED", "op_revenue_per_visit", 2026),
        ("MED", "op_revenue_per_visit", None),
        ("RAD", "op_revenue_per_visit", 2027),
        ("RAD", "op_revenue_per_visit", None),
    ]


# --- ALOS is a band -----------------------------------------------------------------------------


def test_alos_is_a_band_and_the_shortest_stay_is_never_ranked_best(loaded):
    # ER2: (2 + 2) / 2 = 2 days, under the targets' lower limit 5 by 3 > 10% of 5: alert.
    # MED: (6 + 8) / 2 = 7 days, inside 5–9: ok.
    assert catalogue.indicators()["alos"].direction == "band"
    with duckdb.connect(str(loaded / "warehouse.duckdb"), read_only=True) as con:
        data = load_period(con, "month", "2026-02")
    er2, med = (indicator_row(data, d, catalogue.indicators()["alos"]) for d in ("ER2", "MED"))
    assert (er2.value, er2.band_low, er2.status) == (2, 5, "alert")
    assert (med.value, med.status) == (7, "ok")
    # Among the medical departments (MED 7, ER2 2) the shortest stay is not rank 1 "best": a
    # band has no best end, rank 1 is the highest and is said so (best_first false).
    peer = peers.compare(data, data.department("ER2"), [er2], "zh").rows[0]
    assert (peer.best_first, peer.rank, peer.count, peer.median) == (False, 2, 2, 4.5)


# --- commentary -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def february(loaded, tmp_path_factory) -> tuple[PeriodData, Path]:
    """February's data as the reports read it, and its reports written (2026-02/<dept>.html)."""
    reports_dir = tmp_path_factory.mktemp("reports")
    with duckdb.connect(str(loaded / "warehouse.duckdb"), read_only=True) as con:
        data = load_period(con, "month", "2026-02")
        render_reports(con, reports_dir, "month", ["2026-02"])
    return data, reports_dir / "2026-02"


def test_commentary_topic_factor_and_plan(february):
    data, pages = february
    content = period_content(data, data.department(HOSPITAL), "zh")
    comments = {c.dept: c for c in content.commentary}
    # A topic written as a name or an id shows the indicator's Chinese name; a free one as written.
    assert comments["RAD"].topic == "门急诊次均费用"
    assert comments["MED"].topic == "每万人次投诉数"
    assert comments["ER2"].topic == "夜间人力"
    assert (comments["RAD"].factor, comments["MED"].factor) == ("外部因素", "内部因素")
    assert comments["ER2"].factor is None
    assert [comments[d].plan for d in ("RAD", "MED", "ER2")] == [
        "核对收费项目",
        None,
        "增加一名夜班医师",
    ]
    # The plans are in the report's plan and advice section (改进建议), under 科室下月计划.
    page = (pages / "RAD.html").read_text(encoding="utf-8")
    advice = page[page.index('id="recommendations"') :]
    assert "科室下月计划" in advice and "门急诊次均费用: 核对收费项目" in advice
    workbook = openpyxl.load_workbook(pages / "ER2.xlsx")
    sheet = workbook[labels.text("commentary_sheet", "zh")]
    header = [c.value for c in sheet[2]]
    assert sheet.cell(3, header.index(labels.text("plan", "zh")) + 1).value == "增加一名夜班医师"


def test_set_based_read_resolves_indicators_the_same_way(loaded, tmp_path):
    # Every CSV read set-based (ledgers.bulk) gives the same targets, commentary and rejection.
    def tables(con):
        return [
            con.execute(f"select * exclude (source_sha256) from {t} order by all").fetchall()  # noqa: S608
            for t in ("raw_targets", "raw_commentary")
        ] + [con.execute('select "row", "column", reason from rejected_rows').fetchall()]

    with duckdb.connect(str(tmp_path / "bulk.duckdb")) as con:
        load_inbox(con, loaded / "inbox", bulk_min_bytes=0)
        bulk = tables(con)
    with duckdb.connect(str(loaded / "warehouse.duckdb"), read_only=True) as con:
        assert bulk == tables(con)


# --- what a figure rests on ---------------------------------------------------------------------


def test_a_rate_on_fewer_than_5_events_says_so(february):
    data, pages = february
    indicators = catalogue.indicators()
    # RAD, February: 2 complaints / 280 visits × 10,000 = 71.43: 2 complaints < 5: 例数少.
    complaints = indicator_row(data, "RAD", indicators["complaints_per_10k"])
    assert complaints.value == pytest.approx(2 / 280 * 1e4) and complaints.few_events
    # MED's ALOS rests on 2 discharged episodes (< 5); a money ratio counts no events.
    assert indicator_row(data, "MED", indicators["alos"]).few_events
    assert not indicator_row(data, "MED", indicators["op_revenue_per_visit"]).few_events
    # Near miss: 5 events are enough (few_events_below = 5): 5 deaths of 100 episodes.
    assert not indicators["mortality_rate"].few_events(5, 100)
    assert indicators["mortality_rate"].few_events(4, 100)
    page = (pages / "RAD.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-metric="complaints_per_10k">(.*?)</tr>', page, re.S).group(1)
    assert "71.43" in row and '<span class="few-events">例数少</span>' in row


def test_count_tiles_show_the_relative_change(february):
    # MED's outpatient visits: 28 × 30 = 840 in February against 31 × 30 = 930 in January:
    # −90, −90 / 930 = −9.7%. (RAD, a medtech department, leads with its exams instead.)
    _, pages = february
    page = (pages / "MED.html").read_text(encoding="utf-8")
    tile = re.search(r'<div class="tile[^"]*" data-metric="outpatient_visits">(.*?)</div>\s*</div>',
                     page, re.S)  # fmt: skip
    assert tile, "no outpatient_visits tile"
    mom = re.search(r'<span class="tile-mom">(.*?)</span>', page[tile.start() :], re.S).group(1)
    assert " ".join(mom.split()) == "环比 -90 (-9.7%)"


# --- when a ledger arrived --------------------------------------------------------------------


def test_lateness_is_judged_from_first_sight_not_from_a_copy(tmp_path):
    # The data-quality hospital's October ledgers, saved on 3 November (due: the 5th), loaded.
    # Then appointments.csv is copied under another name (the copy saved 7 November, after the
    # due day) and the original removed: the same content, first seen on the 3rd: not late.
    inbox = tmp_path / "inbox"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        dq.load(con, tmp_path, dq.hospital())
        assert dq.run_checks(con, [dq.MONTH], today=dq.TODAY) == []
        late = dq.LATE.replace(tzinfo=dq.HOSPITAL_ZONE).timestamp()  # the hospital's wall clock
        copy = inbox / "预约挂号_副本.csv"
        copy.write_bytes((inbox / "appointments.csv").read_bytes())
        os.utime(copy, (late,) * 2)
        (inbox / "appointments.csv").unlink()
        load_inbox(con, inbox)
        first_seen, modified = con.execute(
            "select first_seen, modified_at from ledger_files where file = ?", [copy.name]
        ).fetchone()
        assert (first_seen, modified) == (dq.ON_TIME, dq.LATE)
        assert dq.run_checks(con, [dq.MONTH], today=dq.TODAY) == []
        # Near miss: new content saved on the 7th is late (7 November > 5 November).
        rows = list(csv.reader(copy.open(encoding="utf-8")))
        rows[1][3] = str(int(rows[1][3]) - 1)  # one booking fewer
        write_csv(copy, rows)
        os.utime(copy, (late,) * 2)
        load_inbox(con, inbox)
        late = {(f.check, f.dept, f.file) for f in dq.run_checks(con, [dq.MONTH], today=dq.TODAY)}
        assert ("ledger_late", "A", copy.name) in late
