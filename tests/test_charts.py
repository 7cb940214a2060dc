"""The trend grid's figures are ones plotly accepts, for any number of panels and columns: the
reports write the figure JSON themselves, unvalidated (reports/render/charts.py)."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from reports.formatting import NumberKind
from reports.render.charts import Panel, trend_chart
from tests.figures import page_figures


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_every_grid_of_panels_is_a_valid_figure(columns):
    # 1 to 12 panels: 3 panels in 1 column left the bottom panel's domain at -1.1e-16, which
    # plotly refuses and plotly.js replaces by [0, 1] (the panel drawn over the others)
    for count in range(1, 13):
        panels = [
            Panel(f"p{i}", [0.5, None, 0.7], NumberKind.PERCENT, 0.4, 0.9) for i in range(count)
        ]
        html = trend_chart("chart-test", panels, ["2026-08", "2026-09", "2026-10"], columns)
        ((div_id, figure),) = page_figures(html)
        assert div_id == "chart-test"
        go.Figure(figure)  # validates: raises ValueError on a value plotly does not accept
        assert len(figure["data"]) == count
