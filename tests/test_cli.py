"""The `deptops` command line: demo, templates, standalone."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ledgers.loader import load_inbox
from ledgers.specs import ledgers
from metrics.compute import compute_months, months_with_data
from pipelines.cli import main
from tests.ledger_files import days, write_csv, write_departments, write_one_ward


def test_demo_and_templates_commands(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--first-month", "2026-01"]) == 0
    written = len(list((tmp_path / "demo").iterdir()))
    assert f"wrote {written} demo ledger files" in capsys.readouterr().out
    assert written >= 10  # one file or more per ledger kind (several kinds share a workbook)
    assert main(["templates", "--out", str(tmp_path / "t"), "--lang", "en"]) == 0
    # one template per ledger kind of the specs, named by its kind
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == sorted(
        f"{kind}_template.xlsx" for kind in ledgers()
    )


def test_standalone_copies_open_offline(tmp_path, capsys):
    home = tmp_path / "home"
    home.mkdir()
    # September and October: 30 and 31 discharges, a trend to chart (one month is one point,
    # which draws no chart)
    inbox = write_one_ward(tmp_path / "inbox", days(dt.date(2026, 9, 1), dt.date(2026, 10, 31)))
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        load_inbox(con, inbox)
        compute_months(con, months_with_data(con))
    assert main(["standalone", "--period", "2026-10", "--home", str(home), "--no-pdf"]) == 0
    assert "2 self-contained reports" in capsys.readouterr().out
    copy = (home / "reports" / "2026-10" / "A.standalone.html").read_text(encoding="utf-8")
    # nothing to fetch, no script to run: the charts are drawn as SVG inside the file
    assert "<script" not in copy and 'class="chart-svg"' in copy
    assert len(copy) < 500_000
    assert not (home / "reports" / "2026-10" / "A.pdf").exists()
    assert main(["standalone", "--period", "2026-10", "--home", str(tmp_path / "none")]) == 2


@pytest.mark.browser
def test_standalone_prints_pdfs_with_chromium_and_the_index_links_them(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_csv(
        inbox / "科室字典.csv", [["科室编码", "科室名称", "科室类型"], ["A", "心内科", "内科系统"]]
    )
    write_csv(
        inbox / "业务量.csv",
        [["日期", "科室", "出院人数", "实际开放床位", "期末在院人数"]]
        + [[f"2026-10-{d:02d}", "A", 1, 10, 8] for d in range(1, 32)],
    )
    home = tmp_path / "home"
    home.mkdir()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        load_inbox(con, inbox)
        compute_months(con, months_with_data(con))
    assert main(["standalone", "--period", "2026-10", "--home", str(home)]) == 0
    assert "printed 2 PDFs" in capsys.readouterr().out
    month = home / "reports" / "2026-10"
    for stem in ("A", "ALL"):
        assert (month / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
    index = (home / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-10/A.pdf"' in index and 'href="2026-10/ALL.pdf"' in index


def test_suppress_below_reaches_the_reports(tmp_path, capsys):
    """3 deaths in 8 episodes: mortality 3 / 8 = 37.5%, shown to the department, hidden for
    circulation with --suppress-below 5."""
    inbox = write_departments(tmp_path / "inbox", ("A", "心内科", "内科系统")).parent
    write_csv(
        inbox / "出院.csv",
        [["病例编号", "出院科室", "入院日期", "出院日期", "转归"]]
        + [
            [f"E{i}", "A", "2026-10-01", "2026-10-05", "死亡" if i < 3 else "好转"]
            for i in range(8)
        ],
    )
    home = tmp_path / "home"
    home.mkdir()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        load_inbox(con, inbox)
        compute_months(con, months_with_data(con))
    report = home / "reports" / "2026-10" / "A.standalone.html"
    assert main(["standalone", "--period", "2026-10", "--home", str(home), "--no-pdf"]) == 0
    assert "37.5%" in report.read_text(encoding="utf-8")
    args = ["standalone", "--period", "2026-10", "--home", str(home), "--no-pdf"]
    args += ["--suppress-below", "5"]
    assert main(args) == 0
    assert "37.5%" not in report.read_text(encoding="utf-8")


def test_run_chooses_the_reports_it_writes(capsys):
    """`deptops run --reports`: some grains, comma-separated (a full-width comma too), or none;
    anything else is refused before a run starts. (A run with --reports none:
    tests/test_reliability.py.)"""
    from pipelines.cli import parser
    from pipelines.runner import RunSummary, format_summary

    def grains(*args: str):
        return parser().parse_args(["run", *args]).reports

    assert grains() is None  # run_pipeline's default: every grain
    assert grains("--reports", "month，week") == ("month", "week")
    assert grains("--reports", "none") == ()
    with pytest.raises(SystemExit):
        grains("--reports", "monthly")
    assert "grain must be one of year, quarter, month, week, not 'monthly'" in (
        capsys.readouterr().err
    )
    assert "reports:        0 written (asked for: none)" in format_summary(
        RunSummary(report_grains=())
    )
    assert "asked for" not in format_summary(RunSummary())


def test_run_summary_prints_the_anomaly_alarm_rate():
    from pipelines.runner import RunSummary, format_summary

    summary = RunSummary(findings={"warning": 90, "info": 14}, alarms=(7, 170))
    text = format_summary(summary)
    # 7 / 170 = 0.041176 -> 4.1%; notes (info) apart from warnings
    assert "  anomaly alarms: 7/170 department-months (4.1%)" in text
    assert "0 errors, 90 warnings, 14 notes (data_quality.csv)" in text
    assert "anomaly alarms" not in format_summary(RunSummary())  # no indicators, no rate
