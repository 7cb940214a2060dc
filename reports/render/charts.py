"""Trend charts for the HTML pages: a grid of small panels, one per indicator, drawn by plotly.js.

The figure is written as plotly's JSON directly (traces, axes, annotations, shapes) and handed to
`plotly.io.to_html` unvalidated: building it through plotly's graph objects and make_subplots took
~0.1 s per chart, most of a report's render time; the JSON is the same that plotly.js draws.

Only catalogue names, labels and formatted numbers go into a figure, never ledger text: the figure
is JSON inside a <script>, where HTML escaping does not apply (plotly escapes < > / in it too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.io as pio

from metrics.catalogue import Indicator
from reports import labels
from reports.content.indicators import FamilySection, Trend, varies
from reports.formatting import (
    PLOTLY_TICK_FORMATS,
    WAN,
    NumberKind,
    format_value,
    unit_label,
)

PANEL_HEIGHT_PX = 230
COLUMNS = 2
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
LINE_COLOUR = "#1f5f99"
LAST_YEAR_COLOUR = "#9aa5b1"
BAND_COLOUR = "#2e7d32"
GRID_COLOUR = "#e6ebf1"
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}
_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 60}
_ROW_GAP_PX = 90  # room for the rotated period labels and the next panel's title
_COLUMN_GAP = 0.12
STRUCTURE_GAP = 0.18  # room for the second panel's line names (up to 7 characters)


@dataclass(frozen=True)
class Panel:
    title: str
    values: list[float | None]
    kind: NumberKind
    band_low: float | None = None
    band_high: float | None = None
    # A second, dashed line (the same months a year earlier) and the two lines' names
    last_year: list[float | None] | None = None
    names: tuple[str, str] | None = None


def panel_title(indicator: Indicator, lang: str) -> str:
    if indicator.is_percent:
        return indicator.name(lang)
    return f"{indicator.name(lang)} ({unit_label(indicator, lang)})"


def trend_panel(trend: Trend, lang: str) -> Panel:
    """An indicator's panel: this window's line and, where the grain draws it, the same periods
    a year earlier as a dashed second line."""
    row = trend.row
    names = None
    if trend.last_year is not None:
        names = (labels.text("trend_this", lang), labels.text("trend_last_year", lang))
    if row.kind is NumberKind.AMOUNT:
        # drawn in 万元, as the page reads it: the axis and the labels count 万元, 2 decimals
        return Panel(
            panel_title(row.indicator, lang),
            _wan(trend.values),
            NumberKind.DECIMAL,
            None if row.band_low is None else row.band_low / WAN,
            None if row.band_high is None else row.band_high / WAN,
            last_year=None if trend.last_year is None else _wan(trend.last_year),
            names=names,
        )
    return Panel(
        panel_title(row.indicator, lang),
        trend.values,
        row.kind,
        row.band_low,
        row.band_high,
        last_year=trend.last_year,
        names=names,
    )


def _wan(values: list[float | None]) -> list[float | None]:
    return [None if v is None else v / WAN for v in values]


def family_figure(section: FamilySection, periods: list[str], lang: str) -> dict | None:
    """The family's trend figure; None if no indicator of the family has a value in the window."""
    return trend_figure([trend_panel(trend, lang) for trend in section.trends], periods)


def family_chart(section: FamilySection, periods: list[str], lang: str) -> str | None:
    """The family's trend chart as a <div> with its script (plotly.js loaded separately)."""
    figure = family_figure(section, periods, lang)
    return None if figure is None else plotly_div(f"chart-{section.family.id}", figure)


def _domain(low: float, high: float) -> list[float]:
    """An axis domain within [0, 1]: the sums above leave -1e-16 for the bottom panel, which
    plotly refuses (and plotly.js replaces by [0, 1], drawing that panel over the others)."""
    return [max(0.0, round(low, 12)), min(1.0, round(high, 12))]


def trend_chart(
    div_id: str,
    panels: list[Panel],
    periods: list[str],
    columns: int = COLUMNS,
    panel_height: int = PANEL_HEIGHT_PX,
) -> str | None:
    """The trend figure as a plotly <div> and its script; None without panels."""
    figure = trend_figure(panels, periods, columns, panel_height)
    return None if figure is None else plotly_div(div_id, figure)


def plotly_div(div_id: str, figure: dict) -> str:
    """A figure as plotly's <div> and script (plotly.js itself is loaded by the page)."""
    return pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        validate=False,
        div_id=div_id,  # a fixed id keeps the page identical between runs
        config=PLOTLY_CONFIG,
        default_height=f"{figure['layout']['height']}px",
    )


def trend_figure(
    panels: list[Panel],
    periods: list[str],
    columns: int = COLUMNS,
    panel_height: int = PANEL_HEIGHT_PX,
) -> dict | None:
    """Panels in a grid of `columns`, every period on each x axis in order, the band dotted: the
    figure as plotly's JSON, which plotly.js draws on the page and reports.render.svg in the copy
    sent alone. A panel whose line is constant (or a single point) is left out: no chart says
    nothing; without another panel there is no figure."""
    panels = [panel for panel in panels if varies(panel.values)]
    if not panels:
        return None
    columns = min(columns, len(panels))
    rows = math.ceil(len(panels) / columns)
    height = panel_height * rows
    plot_height = height - _MARGIN["t"] - _MARGIN["b"]
    row_gap = _ROW_GAP_PX / plot_height if rows > 1 else 0.0
    column_gap = _COLUMN_GAP if columns > 1 else 0.0
    panel_width = (1 - column_gap * (columns - 1)) / columns
    panel_share = (1 - row_gap * (rows - 1)) / rows
    data, annotations, shapes = [], [], []
    layout: dict = {}
    for number, panel in enumerate(panels):
        row, column = divmod(number, columns)
        suffix = "" if number == 0 else str(number + 1)
        left = column * (panel_width + column_gap)
        top = 1 - row * (panel_share + row_gap)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": periods,
                "y": panel.values,
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "line": {"color": LINE_COLOUR, "width": 2},
                "marker": {"size": 5},
                "text": [format_value(v, panel.kind) or "" for v in panel.values],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "connectgaps": False,
                "showlegend": False,
            }
        )
        if panel.last_year is not None:
            names = panel.names or ("", "")
            data[-1]["hovertemplate"] = f"{names[0]} %{{x}}: %{{text}}<extra></extra>"
            data.append(
                data[-1]
                | {
                    "y": panel.last_year,
                    "line": {"color": LAST_YEAR_COLOUR, "width": 2, "dash": "dash"},
                    "text": [format_value(v, panel.kind) or "" for v in panel.last_year],
                    "hovertemplate": f"{names[1]} %{{x}}: %{{text}}<extra></extra>",
                }
            )
        layout[f"xaxis{suffix}"] = {
            "domain": _domain(left, left + panel_width),
            "anchor": f"y{suffix}",
            # Every period on the axis, in order, even where a value is missing.
            "type": "category",
            "categoryorder": "array",
            "categoryarray": periods,
            "tickangle": -45,
            "gridcolor": GRID_COLOUR,
            "linecolor": "#b8c2cc",
        }
        layout[f"yaxis{suffix}"] = {
            "domain": _domain(top - panel_share, top),
            "anchor": f"x{suffix}",
            "tickformat": PLOTLY_TICK_FORMATS[panel.kind],
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        }
        if panel.kind is NumberKind.COUNT:
            # a count's axis starts at zero: 300 visits drawn from 280 up would look like a
            # collapse (every trend chart: a family's, a quarter's 8 quarters, the dashboard's)
            layout[f"yaxis{suffix}"]["rangemode"] = "tozero"
        annotations.append(_panel_title(panel.title, left + panel_width / 2, top))
        for bound in (panel.band_low, panel.band_high):
            if bound is not None:
                shapes.append(
                    {
                        "type": "line",
                        "xref": f"x{suffix} domain",
                        "x0": 0,
                        "x1": 1,
                        "yref": f"y{suffix}",
                        "y0": bound,
                        "y1": bound,
                        "line": {"color": BAND_COLOUR, "dash": "dot", "width": 1},
                    }
                )
    layout |= _page_layout(height, _MARGIN, annotations) | {"shapes": shapes}
    return {"data": data, "layout": layout}


def structure_figure(structures: list, lang: str) -> dict | None:
    """收入结构 and 支出结构 side by side: each line's share of its total as a horizontal bar (a
    line's amount in 万元 on hover). `structures` are reports.content.structure.Structure."""
    shown = [s for s in structures if s.total and any(line.share for line in s.lines)]
    if not shown:
        return None
    count = len(shown)
    gap = STRUCTURE_GAP if count > 1 else 0.0
    width = (1 - gap * (count - 1)) / count
    bars = max(len(s.lines) for s in shown)
    height = max(260, 28 * bars + _MARGIN["t"] + 40)
    data, annotations, layout = [], [], {}
    for number, structure in enumerate(shown):
        suffix = "" if number == 0 else str(number + 1)
        left = number * (width + gap)
        lines = list(reversed(structure.lines))  # the ledger's first line on top
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": [line.share for line in lines],
                "y": [line.label for line in lines],
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "marker": {"color": LINE_COLOUR if structure.kind == "revenue" else BAND_COLOUR},
                "text": [format_value(line.share, NumberKind.PERCENT) for line in lines],
                "textposition": "outside",
                "customdata": [f"{line.amount / 10_000:,.2f}" for line in lines],
                "hovertemplate": "%{y}: %{customdata} "
                + labels.unit("wan", lang)
                + " (%{text})<extra></extra>",
                "cliponaxis": False,
                "showlegend": False,
            }
        )
        layout[f"xaxis{suffix}"] = {
            "domain": _domain(left, left + width),
            "anchor": f"y{suffix}",
            "tickformat": ".0%",
            "rangemode": "tozero",
            "gridcolor": GRID_COLOUR,
        }
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "automargin": True}
        annotations.append(
            _panel_title(labels.text(f"structure_{structure.kind}", lang), left + width / 2, 1)
        )
    # room for the lines' names (the SVG copy has no automargin)
    layout |= _page_layout(height, {**_MARGIN, "l": 110, "b": 30}, annotations)
    return {"data": data, "layout": layout}


# The departments of the hospital report's bar chart: the largest by the indicator; the table
# below the chart lists every one.
DEPARTMENT_BARS = 30
DEPARTMENT_BAR_PX = 26


def department_figure(table, lang: str, metric: str = "medical_revenue") -> dict | None:
    """The hospital report's department bars: each department's `metric` this period and a year
    earlier (grey), largest on top, in 万元 for a total of money. `table` is a
    reports.content.finance_dashboard.DepartmentTable; None when no department has a value."""
    column = next(i for i, c in enumerate(table.columns) if c.indicator.id == metric)
    rows = [(line.department.name(lang), line.rows[column]) for line in table.departments]
    rows = [(name, row) for name, row in rows if row.has_value]
    if not rows:
        return None
    rows.sort(key=lambda item: item[1].value, reverse=True)
    rows = rows[:DEPARTMENT_BARS]
    indicator, kind = rows[0][1].indicator, rows[0][1].kind
    scale = WAN if kind is NumberKind.AMOUNT else 1
    shown = NumberKind.DECIMAL if kind is NumberKind.AMOUNT else kind
    names = [name for name, _ in reversed(rows)]  # the largest on top
    data = []
    for label, colour, values in (
        ("trend_last_year", LAST_YEAR_COLOUR, [row.yoy_value for _, row in reversed(rows)]),
        ("trend_this", LINE_COLOUR, [row.value for _, row in reversed(rows)]),
    ):
        if label == "trend_last_year" and all(v is None for v in values):
            continue
        amounts = [None if v is None else v / scale for v in values]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": labels.text(label, lang),
                "x": amounts,
                "y": names,
                "marker": {"color": colour},
                "customdata": [format_value(v, shown) or "" for v in amounts],
                "hovertemplate": "%{y}: %{customdata}<extra>"
                + labels.text(label, lang)
                + "</extra>",
            }
        )
    title = panel_title(indicator, lang)
    if len(table.departments) > len(rows):
        title += labels.text("department_bars_top", lang).format(count=len(rows))
    height = DEPARTMENT_BAR_PX * len(rows) + 110  # the margins and the title
    layout = _page_layout(
        max(240, height),
        {**_MARGIN, "l": 110, "t": 60, "b": 40},
        [_panel_title(title, 0.5, 1.0)],
    )
    layout |= {
        "showlegend": len(data) > 1,
        # this period first in the legend, as on the bars (the first trace is drawn lowest)
        "legend": {
            "orientation": "h",
            "traceorder": "reversed",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
        },
        "barmode": "group",
        "xaxis": {
            "tickformat": PLOTLY_TICK_FORMATS[shown],
            "rangemode": "tozero",
            "gridcolor": GRID_COLOUR,
        },
        "yaxis": {"type": "category", "automargin": True},
    }
    return {"data": data, "layout": layout}


def _panel_title(text: str, x: float, y: float) -> dict:
    """A panel's title above it, centred on x (paper coordinates)."""
    return {
        "text": text,
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 12},
    }


def _page_layout(height: int, margin: dict, annotations: list[dict]) -> dict:
    """What every chart of a page shares: size, margins, font, white paper, no legend."""
    return {
        "height": height,
        "showlegend": False,
        "margin": margin,
        "font": {"family": FONT, "size": 11, "color": "#1d2733"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "annotations": annotations,
    }
