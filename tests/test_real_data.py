"""Real hospitals' data as it comes (issue 15): a hospital publishes what its ledgers allow.

The inbox: departments, the daily workload ledger and discharged episodes only: no finance,
staffing, feedback, appointments or supplies ledger at all.
- D01 心内科 (medical): every day of October 2026 20 open beds, census 15, 2 admitted and
  2 discharged; 62 episodes, 2 a day, lengths of stay alternately 4 and 8 days.
- D02 普外科 (surgical): 10 open beds, census 8, 1 admitted and 1 discharged a day, but the day
  2026-10-15 is missing from the workload ledger (workload_days_missing, an error on the workload
  ledger); 30 episodes (none discharged on the 15th), each of 5 days.
- D03 皮肤科门诊 (other): a clinic with no row in any ledger in October.

By hand, October 2026:
- D01 bed occupancy = Σ census / Σ open beds = 15 × 31 / (20 × 31) = 465 / 620 = 75.0%;
  ALOS = (31 × 4 + 31 × 8) / 62 = 372 / 62 = 6.00 days.
- D02: its workload figures (occupancy, discharges, …) read the ledger in error and are withheld;
  its ALOS reads the discharged episodes only: 30 × 5 / 30 = 5.00 days, published.
- The hospital: occupancy sums D02's blocked month: withheld; ALOS (372 + 150) / 92 = 5.67 days.
- No finance ledger: one line "未提供经济运行台账：经济指标暂缺", no block, no finance_missing.
- D03 has nothing to show: no report file, no weekly brief.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from metrics.periods import month_start
from pipelines.runner import run_pipeline
from pipelines.settings import Settings
from reports import labels
from reports.publish import render_reports
from tests.ledger_files import days, write_csv

MONTH, WEEK = "2026-10", "2026-W42"
OCTOBER = days(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
D02_GAP = dt.date(2026, 10, 15)


def build_inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [
            ["科室编码", "科室名称", "英文名称", "科室类型"],
            ["D01", "心内科", "Cardiology", "内科"],
            ["D02", "普外科", "General Surgery", "外科"],
            ["D03", "皮肤科门诊", "Dermatology clinic", "其他"],
        ],
    )
    workload = [["日期", "科室", "入院人数", "出院人数", "实际开放床位", "期末在院人数"]]
    workload += [[d.isoformat(), "D01", 2, 2, 20, 15] for d in OCTOBER]
    workload += [[d.isoformat(), "D02", 1, 1, 10, 8] for d in OCTOBER if d != D02_GAP]
    write_csv(inbox / "workload.csv", workload)
    episodes = [["病例编号", "出院科室", "入院日期", "出院日期"]]
    for number, day in enumerate(OCTOBER):
        for i, stay in enumerate((4, 8)):
            admit = day - dt.timedelta(days=stay)
            episodes.append([f"E1-{number}-{i}", "D01", admit.isoformat(), day.isoformat()])
        if day != D02_GAP:
            admit = day - dt.timedelta(days=5)
            episodes.append([f"E2-{number}", "D02", admit.isoformat(), day.isoformat()])
    write_csv(inbox / "discharges.csv", episodes)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("real")
    build_inbox(root / "inbox")
    settings = Settings(home=root / "home", inbox=root / "inbox")
    # the reports the tests read: the month's, the quarter's and the weeks' (not the year's); on
    # a Dagster instance in memory (Dagster's history is not what is tested here)
    with dg.DagsterInstance.ephemeral() as instance:
        summary = run_pipeline(
            settings,
            progress=lambda _line: None,
            reports=("month", "quarter", "week"),
            instance=instance,
        )
    assert summary.rows_rejected == 0, summary.rejected_by_reason
    return settings


def _page(run: Settings, period: str, name: str) -> str:
    return (run.reports / period / name).read_text(encoding="utf-8")


def _metric_row(page: str, metric: str) -> str:
    return re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', page, re.S).group(1)


def test_without_finance_the_other_ledgers_publish(run: Settings):
    missing = labels.text("missing_ledger", "zh").format(ledger="经济运行台账", families="经济")
    assert missing == "未提供经济运行台账：经济指标暂缺"
    d01 = _page(run, MONTH, "D01.html")
    assert missing in d01
    # and in the workbook's summary sheet, below the key indicators
    summary = openpyxl.load_workbook(run.reports / MONTH / "D01.xlsx").worksheets[0]
    assert missing in [c.value for row in summary.iter_rows() for c in row]
    assert labels.text("withheld_banner", "zh") not in d01
    assert "75.0%" in _metric_row(d01, "bed_occupancy")  # 465 / 620
    assert "6.00" in _metric_row(d01, "alos")  # 372 / 62
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        checks = {c for (c,) in con.execute('select distinct "check" from dq_findings').fetchall()}
        blocks = con.execute('select dept, "check", ledgers from publication_blocks').fetchall()
    assert "finance_missing" not in checks
    assert blocks == [("D02", "workload_days_missing", "workload")]


def test_an_error_blocks_only_the_indicators_reading_its_ledger(run: Settings):
    withheld = labels.text("withheld", "zh")
    d02 = _page(run, MONTH, "D02.html")
    assert labels.text("withheld_banner", "zh") in d02
    assert withheld in _metric_row(d02, "bed_occupancy")
    assert withheld in _metric_row(d02, "discharges")
    assert "5.00" in _metric_row(d02, "alos")  # 150 / 30, from the episodes
    hospital = _page(run, MONTH, "ALL.html")
    assert withheld in _metric_row(hospital, "bed_occupancy")
    assert "5.67" in _metric_row(hospital, "alos")  # (372 + 150) / 92 = 5.673…


def test_a_withheld_value_appears_nowhere(run: Settings, tmp_path: Path):
    """An anomaly finding states its indicator's value: for a withheld indicator the report shows
    a note instead, in the attention list, the appendix and the workbook alike."""
    secret = "病床使用率本月为 81.29%"
    with duckdb.connect(str(run.warehouse)) as con:
        con.execute(
            """insert into dq_findings ("check", severity, guards, dimension, dept, period,
                   ledger, message_zh, message_en, metric)
               values ('anomaly_mad_zscore', 'warning', 'indicators', 'notice', 'D02', ?,
                   'metric_values', ?, 'Bed occupancy is 81.29%', 'bed_occupancy')""",
            [month_start(MONTH), secret],
        )
        render_reports(con, tmp_path, "month", [MONTH])
    note = labels.text("withheld_finding", "zh").format(indicator="病床使用率")
    for name in ("D02.html", "ALL.html"):
        page = (tmp_path / MONTH / name).read_text(encoding="utf-8")
        assert "81.29" not in page
    assert note in (tmp_path / MONTH / "D02.html").read_text(encoding="utf-8")
    for name in ("D02.xlsx", "ALL.xlsx"):
        workbook = openpyxl.load_workbook(tmp_path / MONTH / name)
        cells = [str(c.value) for s in workbook for row in s.iter_rows() for c in row if c.value]
        assert not [c for c in cells if "81.29" in c]


def test_nothing_to_show_writes_no_report(run: Settings):
    for period in (MONTH, "2026-Q4", WEEK):
        folder = run.reports / period
        assert (folder / "D01.html").exists()
        assert not list(folder.glob("D03*")), period
        assert "D03" not in (folder / "departments.json").read_text(encoding="utf-8")


def test_an_optional_register_names_its_indicators_not_a_family():
    """The complaints register feeds one indicator of the service family (投诉按时办结率): its
    absence names that indicator, never "服务与物资指标暂缺"; finance feeds most of economics and
    names the family; the workload ledger feeds 12 families and indicators (检查次均收入 too):
    three and a count."""
    from reports.content.report import missing_ledger_line

    assert missing_ledger_line("complaints", "zh") == "未提供投诉登记：投诉按时办结率指标暂缺"
    assert missing_ledger_line("finance", "zh") == "未提供经济运行台账：经济指标暂缺"
    assert missing_ledger_line("workload", "zh").endswith("等12项指标暂缺")
