"""The plotly figures a rendered page draws, read back from its `Plotly.newPlot(id, data, layout,
config)` calls, so that a test can hand each to plotly's own validation (the reports write the
figure JSON themselves, unvalidated, for speed: reports/render/charts.py)."""

from __future__ import annotations

import json

_CALL = "Plotly.newPlot("


def page_figures(html: str) -> list[tuple[str, dict]]:
    """(div id, {"data": …, "layout": …}) of every chart of a page, in page order."""
    decoder, found, start = json.JSONDecoder(), [], 0
    while (at := html.find(_CALL, start)) >= 0:
        position, arguments = at + len(_CALL), []
        for _ in range(3):  # the div id, the traces, the layout
            while html[position] in " \n\t,":
                position += 1
            value, position = decoder.raw_decode(html, position)
            arguments.append(value)
        div_id, data, layout = arguments
        found.append((div_id, {"data": data, "layout": layout}))
        start = position
    return found
