"""Small-count suppression for reports meant for wide circulation (`suppress_below`), and no
episode key in any report or export.

The inbox (numbers chosen so that a person can check them):
- D01 心内科 (medical), D02 普外科 (surgical).
- Discharged episodes, one row each, with opaque keys `EPSECRET-…`:
  - D01 2026-09: 30 episodes, 6 died, 1 with a complication.
  - D01 2026-10: 37 episodes, 3 died, 2 with a complication.
  - D02 2026-09 and 2026-10: 20 episodes each, nobody died, no complication.
- Targets for all departments (`*`): mortality_rate ≤ 5%, complication_rate ≤ 3%, so that both
  are key indicators (tiles, dashboard columns) and D01's 2026-10 figures are alerts with a
  recommendation (the path that turns a rate back into a count of deaths).

By hand, 2026-10: D01 mortality 3 / 37 = 8.108…% ("8.1%"), complication 2 / 37 = 5.405…% ("5.4%");
the hospital 3 / 57 = 5.263…% and 2 / 57 = 3.508…%. With `suppress_below=5` every one of them rests
on a count of 1 … 4 and is replaced by "<5, suppressed for circulation"; D01's 2026-09 mortality
(6 / 30 = 20.0%) rests on 6 deaths and stays, but the 环比 change (8.1% − 20.0%) would give 2026-10
back and goes. D01's 2026-09 complication rate (1 / 30) is a comparison base resting on 1 episode:
hidden too.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from metrics.periods import month_start
from pipelines.runner import run_pipeline
from pipelines.settings import Settings
from reports import labels
from reports.data import privacy
from reports.formatting import NumberKind, format_change, format_value
from reports.publish import render_reports
from tests.ledger_files import write_csv, write_xlsx

MONTH, PRIOR = "2026-10", "2026-09"
THRESHOLD = 5
EPISODE_PREFIX = "EPSECRET-"

D01_DEATHS, D01_EPISODES = 3, 37
D01_COMPLICATIONS = 2
HOSPITAL_EPISODES = D01_EPISODES + 20
MORTALITY = D01_DEATHS / D01_EPISODES  # 0.08108…
COMPLICATION = D01_COMPLICATIONS / D01_EPISODES  # 0.05405…
HOSPITAL_MORTALITY = D01_DEATHS / HOSPITAL_EPISODES  # 0.05263…
HOSPITAL_COMPLICATION = D01_COMPLICATIONS / HOSPITAL_EPISODES  # 0.03508…
PRIOR_MORTALITY = 6 / 30  # 0.20, 6 deaths: shown
PRIOR_COMPLICATION = 1 / 30  # 1 episode: hidden as a comparison base
SECRET_RATES = (MORTALITY, COMPLICATION, HOSPITAL_MORTALITY, HOSPITAL_COMPLICATION)


def _episodes(dept: str, month: str, count: int, died: int, complications: int) -> list[list]:
    year, number = map(int, month.split("-"))
    rows = []
    for i in range(count):
        discharge = dt.date(year, number, 1 + i % 28)
        admit = discharge - dt.timedelta(days=5)
        outcome = "died" if i < died else ("cured" if i % 2 else "improved")
        rows.append(
            [
                f"{EPISODE_PREFIX}{dept}-{month}-{i:03d}",
                dept,
                admit.isoformat(),
                discharge.isoformat(),
                outcome,
                "是" if i >= count - complications else "否",
                "12000",
                "3000",
            ]
        )
    return rows


def build_inbox(inbox: Path) -> None:
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "name_en", "kind"],
            ["D01", "心内科", "Cardiology", "medical"],
            ["D02", "普外科", "General Surgery", "surgical"],
        ],
    )
    episodes = [
        *_episodes("D01", PRIOR, 30, 6, 1),
        *_episodes("D01", MONTH, D01_EPISODES, D01_DEATHS, D01_COMPLICATIONS),
        *_episodes("D02", PRIOR, 20, 0, 0),
        *_episodes("D02", MONTH, 20, 0, 0),
    ]
    write_xlsx(
        inbox / "出院病人明细.xlsx",
        {
            "出院": [
                [
                    "病例编号",
                    "出院科室",
                    "入院日期",
                    "出院日期",
                    "转归",
                    "并发症",
                    "总费用",
                    "药品费",
                ],
                *episodes,
            ]
        },
    )
    write_csv(
        inbox / "targets.csv",
        [
            ["dept", "metric", "low", "high"],
            ["*", "mortality_rate", "", "0.05"],
            ["*", "complication_rate", "", "0.03"],
        ],
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The whole pipeline over the inbox: the exports and the month's reports, without
    suppression (`internal` adds the other grains' without a Dagster run each)."""
    root = tmp_path_factory.mktemp("suppression")
    build_inbox(root / "inbox")
    settings = Settings(home=root / "home", inbox=root / "inbox")
    with dg.DagsterInstance.ephemeral() as instance:  # reports and exports: not Dagster's log
        summary = run_pipeline(
            settings, progress=lambda line: None, reports=["month"], instance=instance
        )
    assert summary.rows_rejected == 0, summary.rejected_by_reason
    assert not summary.problems, summary.problems
    return settings


@pytest.fixture(scope="module")
def warehouse(run: Settings):
    con = duckdb.connect(str(run.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def circulated(warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The month's reports, dashboard and a weekly brief in both languages, suppressed below 5."""
    out = tmp_path_factory.mktemp("circulated")
    for lang in ("zh", "en"):
        render_reports(warehouse, out, "month", [MONTH], lang, suppress_below=THRESHOLD)
        render_reports(warehouse, out, "quarter", ["2026-Q4"], lang, suppress_below=THRESHOLD)
        render_reports(warehouse, out, "week", ["2026-W42"], lang, suppress_below=THRESHOLD)
    return out


@pytest.fixture(scope="module")
def internal(run: Settings, warehouse) -> Path:
    """The reports without suppression: the run's (the month's, zh), the month's in English,
    the quarter's and the year's."""
    render_reports(warehouse, run.reports, "month", [MONTH], "en")
    render_reports(warehouse, run.reports, "quarter", ["2026-Q4"])
    render_reports(warehouse, run.reports, "year", ["2026"])
    return run.reports


def _metric_rows(html: str, metric: str) -> list[str]:
    """The family-table row of an indicator (`<tr data-metric=…>…</tr>`)."""
    return re.findall(rf'<tr data-metric="{metric}">(.*?)</tr>', html, flags=re.S)


def _cells(row_html: str) -> list[str]:
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row_html, flags=re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in cells]


def _rate_texts(rate: float) -> set[str]:
    """Every way a page could show the rate: "8.1%", plotly's JSON number, Excel's raw number."""
    return {format_value(rate, NumberKind.PERCENT), repr(rate)[:7], f"{rate * 100:.2f}"}


def _note(lang: str) -> str:
    return privacy.note(THRESHOLD, lang)


def _workbook_cells(path: Path) -> list[tuple[str, object]]:
    workbook = openpyxl.load_workbook(path)
    return [
        (sheet.title, cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def test_privacy_list_names_catalogue_indicators():
    # low-risk mortality counts deaths too (issue 18: suppressed like other small counts)
    assert privacy.sensitive_indicators() == {
        "mortality_rate",
        "complication_rate",
        "low_risk_mortality",
    }
    assert _note("en") == "<5, suppressed for circulation"
    assert _note("zh").startswith("<5")


def test_threshold_is_checked(warehouse, tmp_path: Path):
    with pytest.raises(ValueError, match="at least 2"):
        render_reports(warehouse, tmp_path, "month", [MONTH], suppress_below=1)
    with pytest.raises(TypeError):
        render_reports(warehouse, tmp_path, "week", ["2026-W42"], suppress_below="5")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("stem", ["D01", "ALL"])
def test_html_without_option_shows_the_figures(internal: Path, lang: str, stem: str):
    suffix = ".en.html" if lang == "en" else ".html"
    html = (internal / MONTH / f"{stem}{suffix}").read_text(encoding="utf-8")
    mortality = MORTALITY if stem == "D01" else HOSPITAL_MORTALITY
    cells = _cells(_metric_rows(html, "mortality_rate")[0])
    # 8.1% / 5.3%, on 3 deaths: fewer than 5 events, said beside the value (例数少)
    few = labels.text("few_events", lang)
    assert cells[1] == f"{format_value(mortality, NumberKind.PERCENT)}  {few}"
    assert "suppressed" not in html and "隐去" not in html
    if stem == "D01":
        # 环比 8.1% − 20.0% = −11.9 pp, and the recommendation states what a fix is worth
        assert format_change((MORTALITY - PRIOR_MORTALITY) * 100, NumberKind.PERCENT, lang) in html
        assert 'data-recommendation="mortality_rate"' in html


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("stem", ["D01", "ALL"])
def test_html_suppressed_hides_deaths_and_the_rate(circulated: Path, lang: str, stem: str):
    suffix = ".en.html" if lang == "en" else ".html"
    html = (circulated / MONTH / f"{stem}{suffix}").read_text(encoding="utf-8")
    note = _note(lang).replace("<", "&lt;")
    for metric in ("mortality_rate", "complication_rate"):
        (row,) = _metric_rows(html, metric)
        cells = _cells(row)
        # indicator | value | prior | 环比 | 去年同期 | 同比 | band | status | note
        assert cells[1] == note and cells[8] == note
        assert cells[3] == "—" and cells[5] == "—"  # no change to subtract from
        assert cells[7] == ""  # no status: ≤ 5% alert would bound it
        tile = re.search(
            rf'<div class="tile[^"]*" data-metric="{metric}">(.*?)</div>\s*</div>', html, re.S
        )
        assert tile and note in tile.group(1)
        assert f'data-recommendation="{metric}"' not in html
        assert f'data-attention="{metric}"' not in html
    for rate in SECRET_RATES:
        for text in _rate_texts(rate):
            assert text not in html, (stem, text)
    change = format_change((MORTALITY - PRIOR_MORTALITY) * 100, NumberKind.PERCENT, lang)
    assert change not in html
    if stem == "D01":
        # 2026-09 rests on 6 deaths: shown; its complication rate on 1 episode: hidden.
        (row,) = _metric_rows(html, "mortality_rate")
        assert _cells(row)[2] == format_value(PRIOR_MORTALITY, NumberKind.PERCENT)
        (row,) = _metric_rows(html, "complication_rate")
        assert _cells(row)[2] == "—"
        assert repr(PRIOR_COMPLICATION)[:7] not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_excel_suppressed_hides_deaths_and_the_rate(circulated: Path, internal: Path, lang: str):
    suffix = ".en.xlsx" if lang == "en" else ".xlsx"
    for stem in ("D01", "ALL", "dashboard"):
        shown = _workbook_cells(internal / MONTH / f"{stem}{suffix}")
        hidden = _workbook_cells(circulated / MONTH / f"{stem}{suffix}")
        secret = (
            (MORTALITY, COMPLICATION)
            if stem == "D01"
            else (HOSPITAL_MORTALITY, HOSPITAL_COMPLICATION)
            if stem == "ALL"
            else SECRET_RATES
        )
        numbers = [v for _, v in shown if isinstance(v, float)]
        for rate in secret:
            assert any(abs(v - rate) < 1e-9 for v in numbers), (stem, rate)  # shown internally
        for sheet, value in hidden:
            if isinstance(value, float | int):
                for rate in (*SECRET_RATES, PRIOR_COMPLICATION):
                    assert abs(value - rate) > 1e-9, (stem, sheet, value)
                # the 环比 change in percentage points would give the rate back
                assert abs(value - (MORTALITY - PRIOR_MORTALITY) * 100) > 1e-6
            else:
                for rate in SECRET_RATES:
                    assert format_value(rate, NumberKind.PERCENT) not in str(value)
        assert any(value == _note(lang) for _, value in hidden), stem


def test_dashboard_suppressed(circulated: Path):
    html = (circulated / MONTH / "dashboard.html").read_text(encoding="utf-8")
    assert html.count('class="cell na suppressed"') >= 4  # D01 and the hospital, two indicators
    for rate in SECRET_RATES:
        for text in _rate_texts(rate):
            assert text not in html


def test_no_file_needs_the_option_to_hide_episode_keys(
    run: Settings, internal: Path, circulated: Path
):
    """SECURITY.md: reports and exports carry aggregates only; no episode key is written."""
    checked = 0
    for folder in (internal, circulated):  # internal: the run's reports and exports, and more
        for path in folder.rglob("*"):
            if not path.is_file() or path.suffix not in (".html", ".xlsx", ".csv", ".json"):
                continue
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as archive:
                    text = "".join(
                        archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                    )
            else:
                text = path.read_text(encoding="utf-8-sig")
            assert EPISODE_PREFIX not in text, path
            checked += 1
    exports = {p.name for p in run.reports.glob("*.csv")}
    assert {"metrics.csv", "rejected_rows.csv", "data_quality.csv"} <= exports
    assert checked > 20


def test_anomaly_message_about_a_sensitive_indicator_is_replaced(run: Settings, tmp_path: Path):
    """An anomaly finding states the value and its history: for circulation it becomes a note,
    in the attention section, the data-quality appendix and the workbook alike."""
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(run.warehouse, copy)
    message_en = f"Mortality rate is {MORTALITY:.1%} against a median of 2.0% (3 deaths)"
    with duckdb.connect(str(copy)) as con:
        con.execute(
            """insert into dq_findings ("check", severity, dept, period, message_zh, message_en,
                                        metric, value)
               values ('anomaly_mad_zscore', 'warning', 'D01', ?, ?, ?, 'mortality_rate', ?)""",
            [month_start(MONTH), f"死亡率本月为 {MORTALITY:.1%}（3例）", message_en, MORTALITY],
        )
        shown = render_reports(con, tmp_path / "shown", "month", [MONTH], "en").rendered
        hidden = render_reports(
            con, tmp_path / "hidden", "month", [MONTH], "en", suppress_below=THRESHOLD
        ).rendered
    page = next(p for p in shown if p.name == "D01.en.html").read_text(encoding="utf-8")
    assert "Mortality rate is 8.1%" in page
    for path in hidden:
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
        else:
            text = " ".join(str(v) for _, v in _workbook_cells(path))
        assert "8.1%" not in text and "3 deaths" not in text, path
        if path.name.startswith("D01") and ".quality." not in path.name:
            assert "Mortality rate: figures suppressed for circulation" in text, path
