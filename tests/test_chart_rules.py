"""The rules every period chart follows, in plotly's figure and in the SVG of the copy sent
alone (both draw the same figure, reports/render/charts.py): last year's periods as a second,
dashed line; counts on an axis from zero; no chart for a constant series; the hospital report's
department bars. On the medtech inbox of tests/conftest.py, arithmetic in the comments."""

from __future__ import annotations

import re

import duckdb
import plotly.graph_objects as go
import pytest

from reports.content.report import period_content
from reports.data.warehouse import load_period
from reports.formatting import NumberKind
from reports.render import charts, periodic_charts, svg
from reports.render.charts import Panel, trend_figure

MONTH = "2026-10"
# The trend window: 2025-10 … 2026-10 (13 months)
TREND = ["2025-10", "2025-11", "2025-12", *(f"2026-{m:02d}" for m in range(1, 11))]
DAYS = {"2025-10": 31, "2025-11": 30, "2025-12": 31, "2026-01": 31, "2026-02": 28}
DAYS |= {"2026-03": 31, "2026-04": 30, "2026-05": 31, "2026-06": 30, "2026-07": 31}
DAYS |= {"2026-08": 31, "2026-09": 30, "2026-10": 31}
DAYS |= {"2024-10": 31, "2024-11": 30, "2024-12": 31, "2025-01": 31, "2025-02": 28}
DAYS |= {"2025-03": 31, "2025-04": 30, "2025-05": 31, "2025-06": 30, "2025-07": 31}
DAYS |= {"2025-08": 31, "2025-09": 30}


def _year_before(month: str) -> str:
    return f"{int(month[:4]) - 1}{month[4:]}"


@pytest.fixture(scope="module")
def radiology(medtech_october):
    return period_content(medtech_october, medtech_october.department("RAD"), "zh")


def _section(content, family):
    return next(s for s in content.families if s.family.id == family)


def test_last_years_months_are_a_second_dashed_line(radiology):
    figure = charts.family_figure(_section(radiology, "workload"), radiology.trend_periods, "zh")
    go.Figure(figure)  # plotly accepts it
    exams = [t for t in figure["data"] if t["yaxis"] == _axis_of(figure, "检查人次")]
    assert len(exams) == 2
    this, last = exams
    # This year: 100 a day in 2025, 120 in 2026-01 … 09, 130 in 2026-10, × the month's days
    assert this["y"][0] == 100 * 31 and this["y"][-2] == 120 * 30 and this["y"][-1] == 130 * 31
    # A year earlier: 2024-10 … 2024-12 hold no data (the inbox starts in 2025-01); 2025's
    # months at 100 a day: 2026-02 ← 2025-02, 100 × 28 = 2,800
    expected = [None if m < "2025-01" else 100 * DAYS[m] for m in map(_year_before, TREND)]
    assert last["y"] == expected and last["y"][4] == 2_800
    assert last["line"]["dash"] == "dash" and this["line"].get("dash") is None
    assert last["x"] == this["x"] == TREND
    # the copy sent alone draws the dashed line too
    drawing = svg.figure_svg(figure)
    assert 'stroke-dasharray="6,4"' in drawing


def _axis_of(figure: dict, title: str) -> str:
    """The y axis ('y', 'y2', …) of the panel whose title starts with `title`."""
    annotations = figure["layout"]["annotations"]
    number = next(i for i, a in enumerate(annotations) if a["text"].startswith(title))
    return "y" if number == 0 else f"y{number + 1}"


def test_counts_are_drawn_from_zero_rates_are_not(radiology):
    figure = charts.family_figure(_section(radiology, "workload"), radiology.trend_periods, "zh")
    layout = figure["layout"]
    # 检查人次 is a count (3,000 … 4,030): its axis starts at 0
    exams_axis = "yaxis" + _axis_of(figure, "检查人次")[1:]
    assert layout[exams_axis]["rangemode"] == "tozero"
    efficiency = charts.family_figure(
        _section(radiology, "efficiency"), radiology.trend_periods, "zh"
    )
    # 设备使用率 is a rate (55% … 62.5%): its axis follows the values
    utilisation = "yaxis" + _axis_of(efficiency, "设备使用率")[1:]
    assert "rangemode" not in efficiency["layout"][utilisation]
    # In SVG the count panel's lowest tick is 0: a panel of counts only, read back
    drawing = svg.figure_svg(
        trend_figure([Panel("n", [3_000, 3_600, 4_030], NumberKind.COUNT)], TREND[-3:])
    )
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', drawing)
    assert ticks[0] == "0" and ticks[-1] == "5,000"


def test_a_constant_series_has_no_chart(radiology):
    workload = _section(radiology, "workload")
    charted = {t.row.indicator.id for t in workload.trends}
    # 急诊人次 is 0 every month: no panel. 门诊人次 is 10 a day: 300 or 310 a month, it varies.
    assert "emergency_visits" not in charted and {"exams", "outpatient_visits"} <= charted
    # 设备故障停机率 is 0 / 800 every month: no panel; utilisation moves (55% → 60% → 62.5%)
    efficiency = {t.row.indicator.id for t in _section(radiology, "efficiency").trends}
    assert "equipment_downtime_rate" not in efficiency and "equipment_utilization" in efficiency
    # one point or one value: no figure at all
    assert trend_figure([Panel("a", [None, 5, None], NumberKind.COUNT)], TREND[:3]) is None
    assert trend_figure([Panel("a", [0.5, 0.5, 0.5], NumberKind.PERCENT)], TREND[:3]) is None
    two = trend_figure(
        [Panel("a", [1, 1, 1], NumberKind.COUNT), Panel("b", [1, 2, 3], NumberKind.COUNT)],
        TREND[:3],
    )
    assert [a["text"] for a in two["layout"]["annotations"]] == ["b"]


def test_the_hospital_report_has_department_bars(medtech_october):
    hospital = period_content(medtech_october, medtech_october.department("ALL"), "zh")
    figure = charts.department_figure(hospital.department_table, "zh")
    go.Figure(figure)
    last, this = figure["data"]
    # Largest on top (plotly's first category is the lowest): RAD 84.63 万元 above WARD 35.00
    assert this["y"] == last["y"] == ["内科", "放射科"]
    # 2026-10: RAD 130 × 31 = 4,030 exams × 210 元 = 846,300 元; WARD 50,000 + 300,000
    assert this["x"] == pytest.approx([35.0, 84.63])
    # 2025-10: RAD 100 × 31 × 180 = 558,000 元; WARD the same 350,000
    assert last["x"] == pytest.approx([35.0, 55.8])
    assert figure["layout"]["xaxis"]["rangemode"] == "tozero"
    assert [t["name"] for t in figure["data"]] == ["去年同期", "本期"]
    drawing = svg.figure_svg(figure)
    assert drawing.count('class="bar"') == 4


def test_every_trend_chart_draws_counts_from_zero(medtech_warehouse):
    # a quarter's 近8个季度 chart (reports.render.periodic_charts) follows the same rule
    with duckdb.connect(str(medtech_warehouse), read_only=True) as con:
        quarter = load_period(con, "quarter", "2026-Q3")
    content = period_content(quarter, quarter.department("RAD"), "zh")
    figure = periodic_charts.quarters_figure(content.periodic.quarters, "zh")
    # 2026-Q3: 120 exams a day × 92 days = 11,040; 2025-Q3: 100 × 92 = 9,200
    exams = next(t for t in figure["data"] if t["yaxis"] == _axis_of(figure, "检查人次"))
    assert exams["y"][-1] == 120 * 92 and 100 * 92 in exams["y"]
    assert figure["layout"]["yaxis" + _axis_of(figure, "检查人次")[1:]]["rangemode"] == "tozero"
