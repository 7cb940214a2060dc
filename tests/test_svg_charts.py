"""The charts of the copy sent alone, drawn as SVG from the same plotly figure the page draws:
positions computed by hand from the figure's layout."""

from __future__ import annotations

import re

import pytest

from reports.formatting import NumberKind
from reports.render.charts import Panel, trend_figure
from reports.render.svg import figure_svg, format_tick, nice_ticks

PERIODS = ["2026-08", "2026-09", "2026-10"]


def _points(svg: str) -> list[str]:
    return re.findall(r'<polyline class="trace" points="([^"]+)"', svg)


def test_a_line_lands_where_the_layout_puts_it():
    # One panel: the grid has one column; height 230 px, margins l60 r20 t40 b60 on a 940 px
    # canvas, so the plot box is x 60..920 (860 px), y 40..170 (130 px).
    svg = figure_svg(trend_figure([Panel("出院人次", [0, 50, 100], NumberKind.COUNT)], PERIODS))
    # x: three categories span -0.5..2.5; 2026-08 at 60 + 860 × 0.5/3 = 203.3,
    #    2026-09 at 60 + 860 × 1.5/3 = 490.0, 2026-10 at 60 + 860 × 2.5/3 = 776.7
    # y: ticks 0, 20 … 100 (step 100/5 = 20); 0 at 170, 50 at 40 + 130 × 0.5 = 105, 100 at 40
    assert _points(svg) == ["203.3,170.0 490.0,105.0 776.7,40.0"]
    assert svg.count('class="point"') == 3
    labels = re.findall(r'text-anchor="end">([^<]+)</text>', svg)
    assert labels[:6] == ["0", "20", "40", "60", "80", "100"]
    assert "出院人次" in svg


def test_a_missing_value_breaks_the_line_and_a_band_is_drawn():
    periods = [f"2026-{m:02d}" for m in range(6, 11)]
    panel = Panel("药占比", [0.28, 0.30, None, 0.34, 0.36], NumberKind.PERCENT, None, 0.30)
    svg = figure_svg(trend_figure([panel], periods))
    # Two pieces: before and after the gap (no line drawn across a missing month), 4 markers.
    assert len(_points(svg)) == 2
    assert svg.count('class="point"') == 4
    # Ticks over 0.28..0.36: raw step 0.016 -> 0.02; 0.28 … 0.36 as .1% ticks.
    assert "28.0%" in svg and "36.0%" in svg
    # The target 30% lies 0.02/0.08 = 1/4 up the 130 px box: y = 40 + 130 × 3/4 = 137.5,
    # drawn across the whole panel (x 60 … 920), dotted.
    target = re.search(r'<line class="target" ([^>]+)/>', svg).group(1)
    assert 'x1="60.0" y1="137.5" x2="920.0" y2="137.5"' in target
    assert 'stroke-dasharray="2,3"' in target


def test_text_is_escaped_and_unknown_traces_refused():
    svg = figure_svg(
        trend_figure([Panel("<script>x</script>", [1, 2, 3], NumberKind.COUNT)], PERIODS)
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    with pytest.raises(ValueError, match="pie"):
        figure_svg({"data": [{"type": "pie"}], "layout": {}})


def test_bars_stack_and_the_axis_reaches_the_total():
    figure = {
        "data": [
            {"type": "bar", "x": ["A", "B"], "y": [30, 10], "name": "药品"},
            {"type": "bar", "x": ["A", "B"], "y": [10, 10], "name": "耗材"},
        ],
        "layout": {
            "height": 300,
            "margin": {"l": 50, "r": 50, "t": 50, "b": 50},
            "barmode": "stack",
        },
    }
    svg = figure_svg(figure, width=500)
    bars = re.findall(
        r'<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg
    )
    # The legend takes one 18 px row: the plot box is x 50..450, y 68..268 (200 px); the axis
    # runs 0..40 (A's total), so 30 is 150 px tall and A's second bar sits on top of it.
    assert bars[0][1:] == ("118.0", "160.0", "150.0")
    assert bars[2][1:] == ("68.0", "160.0", "50.0")
    assert "药品" in svg and "耗材" in svg


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (0.3, ".1%", "30.0%"),
        (1234567, ",.0f", "1,234,567"),
        (1550, ",d", "1,550"),
        (8.5, ",.2f", "8.50"),
    ],
)
def test_tick_formats_follow_plotly(value, fmt, text):
    assert format_tick(value, fmt) == text


def test_nice_ticks_cover_a_constant_series():
    # 5 ± 10% = 4.5 … 5.5; a fifth of 1.0 is 0.2, from floor(4.5/0.2) × 0.2 to ceil(5.5/0.2) × 0.2
    assert nice_ticks(5, 5) == [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6]
    # a count of 0 … 1,234: a fifth is 246.8 -> steps of 250
    assert nice_ticks(0, 1234) == [0, 250, 500, 750, 1000, 1250]
