"""The charts of a quarter's and a year's own blocks (reports.content.periodic): the last 8
quarters, and a year's 12 months as two lines, this year's solid and last year's dashed."""

from __future__ import annotations

from reports import labels
from reports.content.periodic import CHART_METRICS, CHART_PANELS, PeriodLine, PeriodTable
from reports.formatting import WAN, NumberKind
from reports.render.charts import Panel, panel_title, trend_figure


def _in_wan(values: list[float | None] | None) -> list[float | None] | None:
    return None if values is None else [None if v is None else v / WAN for v in values]


def _panel(line: PeriodLine, lang: str, with_last_year: bool) -> Panel:
    """A line's panel; a total of money drawn in 万元, as the page reads it."""
    amount = line.kind is NumberKind.AMOUNT
    last_year = line.last_year if with_last_year else None
    return Panel(
        panel_title(line.indicator, lang),
        _in_wan(line.values) if amount else line.values,
        NumberKind.DECIMAL if amount else line.kind,
        last_year=_in_wan(last_year) if amount else last_year,
        names=(labels.text("this_year_line", lang), labels.text("last_year_line", lang))
        if with_last_year
        else None,
    )


def quarters_figure(table: PeriodTable | None, lang: str) -> dict | None:
    """A quarter's report: the first CHART_METRICS it has over the last 8 quarters."""
    if table is None:
        return None
    lines = sorted(
        (line for line in table.lines if line.indicator.id in CHART_METRICS),
        key=lambda line: CHART_METRICS.index(line.indicator.id),
    )
    panels = [_panel(line, lang, False) for line in lines[:CHART_PANELS]]
    # named as the table names them: a quarter in progress marked '*' (the note says what it
    # covers), so that its lower figure does not read as a fall
    return trend_figure(panels, table.headers)


def months_figure(table: PeriodTable | None, lang: str) -> dict | None:
    """A year's report: each indicator's 12 months, this year's and last year's line."""
    if table is None:
        return None
    panels = [_panel(line, lang, line.last_year is not None) for line in table.lines]
    return trend_figure(panels, table.headers)
