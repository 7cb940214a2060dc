"""13-month trend charts (plotly) for the HTML report: one figure per family, a panel per indicator.

Only catalogue names and formatted numbers go into a figure, never ledger text: plotly writes the
figure as JSON inside a <script>, where HTML escaping does not apply.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reports import labels
from reports.content import FamilySection, IndicatorRow
from reports.formatting import PLOTLY_TICK_FORMATS, format_value

PANEL_HEIGHT_PX = 230
COLUMNS = 2
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
LINE_COLOUR = "#1f5f99"
BAND_COLOUR = "#2e7d32"
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}


def family_chart(section: FamilySection, months: list[str], lang: str) -> str | None:
    """The family's trend chart as a <div> with its script (plotly.js loaded separately); None if
    no indicator of the family has a value in the window."""
    if not section.trends:
        return None
    columns = min(COLUMNS, len(section.trends))
    rows = math.ceil(len(section.trends) / columns)
    titles = [_panel_title(trend.row, lang) for trend in section.trends]
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=titles, vertical_spacing=0.22 if rows > 1 else 0.1
    )
    for number, trend in enumerate(section.trends):
        row, column = number // columns + 1, number % columns + 1
        kind = trend.row.kind
        figure.add_trace(
            go.Scatter(
                x=months,
                y=trend.values,
                mode="lines+markers",
                line={"color": LINE_COLOUR, "width": 2},
                marker={"size": 5},
                text=[format_value(v, kind) or "" for v in trend.values],
                hovertemplate="%{x}: %{text}<extra></extra>",
                connectgaps=False,
            ),
            row=row,
            col=column,
        )
        figure.update_yaxes(tickformat=PLOTLY_TICK_FORMATS[kind], row=row, col=column)
        for bound in (trend.row.band_low, trend.row.band_high):
            if bound is not None:
                figure.add_hline(
                    y=bound,
                    line={"color": BAND_COLOUR, "dash": "dot", "width": 1},
                    row=row,
                    col=column,
                )
    # Every month on the axis, in order, even where a value is missing.
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=months, tickangle=-45)
    figure.update_layout(
        template="plotly_white",
        height=PANEL_HEIGHT_PX * rows,
        showlegend=False,
        margin={"l": 60, "r": 20, "t": 40, "b": 60},
        font={"family": FONT, "size": 11},
    )
    figure.update_annotations(font={"size": 12})
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"chart-{section.family.id}",  # a fixed id keeps the page identical between runs
        config=PLOTLY_CONFIG,
        default_height=f"{PANEL_HEIGHT_PX * rows}px",
    )


def _panel_title(row: IndicatorRow, lang: str) -> str:
    if row.indicator.is_percent:
        return row.indicator.name(lang)
    return f"{row.indicator.name(lang)} ({labels.unit(row.indicator.unit, lang)})"
