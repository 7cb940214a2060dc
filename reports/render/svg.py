"""A chart's plotly figure drawn as inline SVG, for the copy of a report that is sent alone.

The page a browser opens beside `assets/` draws its charts with plotly.js; a report attached to
an e-mail, opened in a mail client or printed, has no `assets/` and may run no script. This
module draws the same figure (the JSON that `reports.render.charts` builds, one place for what a
chart shows) as static SVG in Python: no browser, no script, a few kilobytes per chart.

It knows the part of plotly's figure format that deptops' charts use: scatter traces (lines,
markers, gaps where a value is missing, dash), bar traces (vertical or horizontal, grouped or
stacked; a legend in trace order or reversed), category x axes with tick angle, linear value axes with a d3 tick format and
`rangemode: tozero`, axis domains for a grid of panels, paper-anchored annotations, line shapes
(a target or band bound) and a legend. A figure using more than that raises ValueError, so that a
chart added later fails a test instead of going missing from the sent copy.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

WIDTH_PX = 940  # the page's text width at 1000 px less its padding; the SVG scales to its box
_TRACE_TYPES = {"scatter", "bar"}
_DASHES = {"solid": None, "dot": "2,3", "dash": "6,4", "dashdot": "6,3,2,3", "longdash": "10,4"}
_DEFAULT_COLOURS = ["#1f5f99", "#e07b00", "#2e7d32", "#b3261e", "#6a1b9a", "#00838f"]
_D3 = re.compile(r"^(?P<comma>,)?(?:\.(?P<digits>\d+))?(?P<type>[fd%])$")
_LEGEND_ROW_PX = 18


def format_tick(value: float, tickformat: str | None) -> str:
    """A tick label as plotly's d3 format writes it (',.0f', ',d', '.1%', ',.2f'); the general
    form for no format."""
    match = _D3.match(tickformat or "")
    if match is None:
        return f"{value:,.6g}" if tickformat else f"{value:.6g}"
    comma = "," if match["comma"] else ""
    kind, digits = match["type"], match["digits"]
    if kind == "d":
        return f"{round(value):{comma}d}"
    places = int(digits) if digits is not None else 6
    if kind == "%":
        return f"{value * 100:{comma}.{places}f}%"
    return f"{value:{comma}.{places}f}"


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("an axis needs finite bounds")
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = round((last - first) / step)
    return [round(first + i * step, 12) for i in range(count + 1)]


@dataclass
class _Box:
    """A panel's plot area in pixels."""

    left: float
    top: float
    width: float
    height: float


class _Axis:
    """One axis: category (positions 0..n-1, each in the middle of its slot) or linear."""

    def __init__(self, spec: dict, values: list, *, vertical: bool, box: _Box):
        self.spec, self.vertical, self.box = spec, vertical, box
        self.categories: list[str] | None = None
        if spec.get("type") == "category" or any(isinstance(v, str) for v in values):
            order = spec.get("categoryarray") or list(dict.fromkeys(v for v in values if v))
            self.categories = [str(c) for c in order]
            self.low, self.high = -0.5, len(self.categories) - 0.5
            self.ticks = list(self.categories)
            return
        numbers = [float(v) for v in values if v is not None and math.isfinite(float(v))]
        if spec.get("range"):
            self.low, self.high = (float(b) for b in spec["range"])
            self.ticks = [t for t in nice_ticks(self.low, self.high) if self.low <= t <= self.high]
            return
        low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
        if spec.get("rangemode") == "tozero":
            low, high = min(low, 0.0), max(high, 0.0)
        self.ticks = nice_ticks(low, high)
        self.low, self.high = self.ticks[0], self.ticks[-1]

    def position(self, value) -> float:
        """Pixels from the box's left (x) or top (y) edge."""
        if self.categories is not None:
            value = self.categories.index(str(value))
        share = (float(value) - self.low) / (self.high - self.low)
        if self.vertical:
            return self.box.top + self.box.height * (1 - share)
        return self.box.left + self.box.width * share

    def slot(self) -> float:
        """The width of one category in pixels."""
        length = self.box.height if self.vertical else self.box.width
        return length / (self.high - self.low)

    def label(self, tick) -> str:
        if self.categories is not None:
            return str(tick)
        return format_tick(tick, self.spec.get("tickformat"))


def figure_svg(figure: dict, width: int = WIDTH_PX, title: str = "") -> str:
    """The figure as one <svg> element (a string of markup, every text escaped)."""
    layout = figure.get("layout", {})
    traces = figure.get("data", [])
    for trace in traces:
        if trace.get("type", "scatter") not in _TRACE_TYPES:
            raise ValueError(f"the SVG charts cannot draw a {trace.get('type')!r} trace")
    height = int(layout.get("height", 450))
    margin = {"l": 80, "r": 80, "t": 100, "b": 80} | layout.get("margin", {})
    font = layout.get("font", {})
    legend = _legend_entries(layout, traces)
    legend_rows = math.ceil(len(legend) / 4) if legend else 0
    top_pad = legend_rows * _LEGEND_ROW_PX
    plot_left, plot_top = margin["l"], margin["t"] + top_pad
    plot_width = width - margin["l"] - margin["r"]
    plot_height = height - margin["t"] - margin["b"]
    total_height = height + top_pad

    def paper(x: float, y: float) -> tuple[float, float]:
        return plot_left + x * plot_width, plot_top + (1 - y) * plot_height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'viewBox="0 0 {width} {total_height}" width="100%" '
        f'font-family="{escape(font.get("family", "sans-serif"))}" '
        f'font-size="{font.get("size", 12)}" fill="{escape(font.get("color", "#1d2733"))}">',
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<rect width="{width}" height="{total_height}" fill="#ffffff"/>')
    axes = _axes(layout, traces, plot_left, plot_top, plot_width, plot_height)
    for x_axis, y_axis in axes.values():
        parts += _grid(x_axis, y_axis, layout)
    for shape in layout.get("shapes", []):
        parts.append(_shape(shape, axes, paper))
    barmode = layout.get("barmode", "group")
    bars = [t for t in traces if t.get("type") == "bar"]
    for number, trace in enumerate(traces):
        x_axis, y_axis = axes[_axis_pair(trace)]
        colour = _colour(trace, number)
        if trace.get("type") == "bar":
            parts += _bars(trace, bars, x_axis, y_axis, colour, barmode)
        else:
            parts += _scatter(trace, x_axis, y_axis, colour)
    for annotation in layout.get("annotations", []):
        parts.append(_annotation(annotation, paper))
    for number, (name, colour, is_bar) in enumerate(legend):
        row, column = divmod(number, 4)
        x = plot_left + column * (plot_width / 4)
        y = margin["t"] / 2 + row * _LEGEND_ROW_PX
        mark = (
            f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="14" height="10" fill="{colour}"/>'
            if is_bar
            else f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 14:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(f'{mark}<text x="{x + 18:.1f}" y="{y + 4:.1f}">{escape(str(name))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _axis_pair(trace: dict) -> tuple[str, str]:
    return trace.get("xaxis", "x"), trace.get("yaxis", "y")


def _layout_key(ref: str, letter: str) -> str:
    """'x2' -> 'xaxis2', 'x' -> 'xaxis'."""
    return f"{letter}axis{ref[1:]}"


def _axes(layout, traces, left, top, width, height) -> dict[tuple[str, str], tuple[_Axis, _Axis]]:
    """Each (x, y) axis pair a trace uses (or a shape names), with its panel's box."""
    pairs: dict[tuple[str, str], list[dict]] = {}
    for trace in traces:
        pairs.setdefault(_axis_pair(trace), []).append(trace)
    axes = {}
    for (x_ref, y_ref), members in pairs.items():
        x_spec = layout.get(_layout_key(x_ref, "x"), {})
        y_spec = layout.get(_layout_key(y_ref, "y"), {})
        x0, x1 = x_spec.get("domain", [0, 1])
        y0, y1 = y_spec.get("domain", [0, 1])
        box = _Box(
            left + x0 * width, top + (1 - y1) * height, (x1 - x0) * width, (y1 - y0) * height
        )
        xs, ys = [], []
        for trace in members:
            x, y = trace.get("x", []), trace.get("y", [])
            if trace.get("type") == "bar" and layout.get("barmode") in ("stack", "relative"):
                x, y = _stacked_extent(trace, members, layout)
            xs += list(x)
            ys += list(y)
            if trace.get("type") == "bar":  # a bar grows from zero: the value axis shows it
                (xs if trace.get("orientation") == "h" else ys).append(0.0)
        for shape in layout.get("shapes", []):
            if shape.get("yref") == y_ref:
                ys += [shape.get("y0"), shape.get("y1")]
            if shape.get("xref") == x_ref:
                xs += [shape.get("x0"), shape.get("x1")]
        axes[(x_ref, y_ref)] = (
            _Axis(x_spec, xs, vertical=False, box=box),
            _Axis(y_spec, ys, vertical=True, box=box),
        )
    return axes


def _stacked_extent(trace, members, layout) -> tuple[list, list]:
    """For stacked bars the value axis must reach the stack's total, not one trace's value."""
    horizontal = trace.get("orientation") == "h"
    key, value_key = ("y", "x") if horizontal else ("x", "y")
    totals: dict = {}
    for member in members:
        if member.get("type") != "bar":
            continue
        for category, amount in zip(member.get(key, []), member.get(value_key, []), strict=False):
            if amount is not None:
                totals[category] = totals.get(category, 0.0) + amount
    categories, amounts = list(totals), list(totals.values())
    return (amounts, categories) if horizontal else (categories, amounts)


def _grid(x_axis: _Axis, y_axis: _Axis, layout: dict) -> list[str]:
    box = x_axis.box
    parts = []
    grid = "#e6ebf1"
    for axis, vertical in ((y_axis, True), (x_axis, False)):
        spec = axis.spec
        colour = escape(spec.get("gridcolor", grid))
        for tick in axis.ticks:
            at = axis.position(tick)
            if vertical:
                if axis.categories is None:
                    parts.append(
                        f'<line x1="{box.left:.1f}" y1="{at:.1f}" x2="{box.left + box.width:.1f}" '
                        f'y2="{at:.1f}" stroke="{colour}" stroke-width="1"/>'
                    )
                parts.append(
                    f'<text x="{box.left - 6:.1f}" y="{at + 4:.1f}" text-anchor="end">'
                    f"{escape(axis.label(tick))}</text>"
                )
        if not vertical:
            parts += _x_labels(axis, box)
    baseline = box.top + box.height
    parts.append(
        f'<line x1="{box.left:.1f}" y1="{baseline:.1f}" x2="{box.left + box.width:.1f}" '
        f'y2="{baseline:.1f}" stroke="{escape(x_axis.spec.get("linecolor", "#b8c2cc"))}"/>'
    )
    return parts


def _x_labels(axis: _Axis, box: _Box) -> list[str]:
    """Labels under the x axis; every n-th when they would overlap (as plotly thins them)."""
    if axis.categories is not None and axis.ticks:
        angle = axis.spec.get("tickangle", 0) or 0
        needed = 14 if angle else max(len(axis.label(t)) for t in axis.ticks) * 7
        every = max(1, math.ceil(needed / max(axis.slot(), 1)))
        ticks = axis.ticks[::every]
    else:
        angle, ticks = 0, axis.ticks
        if axis.categories is None:
            ticks = [t for t in ticks if axis.low <= t <= axis.high]
    y = box.top + box.height + 14
    parts = []
    for tick in ticks:
        x = axis.position(tick)
        if angle:
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="end" '
                f'transform="rotate({angle} {x:.1f} {y - 4:.1f})">{escape(axis.label(tick))}</text>'
            )
        else:
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">'
                f"{escape(axis.label(tick))}</text>"
            )
    return parts


def _colour(trace: dict, number: int) -> str:
    if trace.get("type") == "bar":
        colour = trace.get("marker", {}).get("color")
    else:
        colour = trace.get("line", {}).get("color")
    if not isinstance(colour, str):  # per-bar colour lists: the first stands for the trace
        colour = colour[0] if colour else _DEFAULT_COLOURS[number % len(_DEFAULT_COLOURS)]
    return escape(colour)


def _scatter(trace: dict, x_axis: _Axis, y_axis: _Axis, colour: str) -> list[str]:
    """Lines broken where a value is missing (connectgaps off), and the markers."""
    mode = trace.get("mode", "lines+markers")
    line = trace.get("line", {})
    dash = _DASHES.get(line.get("dash", "solid"))
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    width = line.get("width", 2)
    points = [
        None if y is None else (x_axis.position(x), y_axis.position(y))
        for x, y in zip(trace.get("x", []), trace.get("y", []), strict=False)
    ]
    parts = []
    if "lines" in mode:
        segment: list[tuple[float, float]] = []
        for point in [*points, None]:
            if point is None:
                if len(segment) > 1:
                    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                    parts.append(
                        f'<polyline class="trace" points="{coords}" fill="none" '
                        f'stroke="{colour}" stroke-width="{width}"{dash_attr}/>'
                    )
                segment = []
            else:
                segment.append(point)
    if "markers" in mode or "lines" not in mode:
        radius = trace.get("marker", {}).get("size", 6) / 2
        for point in points:
            if point is not None:
                parts.append(
                    f'<circle class="point" cx="{point[0]:.1f}" cy="{point[1]:.1f}" '
                    f'r="{radius:g}" fill="{colour}"/>'
                )
    return parts


def _bars(trace, bars, x_axis: _Axis, y_axis: _Axis, colour: str, barmode: str) -> list[str]:
    horizontal = trace.get("orientation") == "h"
    category_axis, value_axis = (y_axis, x_axis) if horizontal else (x_axis, y_axis)
    categories = trace.get("y" if horizontal else "x", [])
    amounts = trace.get("x" if horizontal else "y", [])
    siblings = [b for b in bars if _axis_pair(b) == _axis_pair(trace)]
    stacked = barmode in ("stack", "relative")
    slot = category_axis.slot() * 0.8
    width = slot if stacked else slot / len(siblings)
    # plotly draws a group's first trace at the left of a vertical group and at the bottom of a
    # horizontal one (the y axis grows upwards)
    place = siblings.index(trace)
    if horizontal:
        place = len(siblings) - 1 - place
    offset = -slot / 2 + (0 if stacked else place * width)
    colours = trace.get("marker", {}).get("color")
    parts = []
    for number, (category, amount) in enumerate(zip(categories, amounts, strict=False)):
        if amount is None:
            continue
        base = 0.0
        if stacked:
            for other in siblings[: siblings.index(trace)]:
                other_categories = other.get("y" if horizontal else "x", [])
                other_amounts = other.get("x" if horizontal else "y", [])
                for c, a in zip(other_categories, other_amounts, strict=False):
                    if c == category and a is not None and (a >= 0) == (amount >= 0):
                        base += a
        start, end = value_axis.position(base), value_axis.position(base + amount)
        middle = category_axis.position(category) + offset
        fill = colours[number] if isinstance(colours, list) else colour
        if horizontal:
            x, y, w, h = min(start, end), middle, abs(end - start), width
        else:
            x, y, w, h = middle, min(start, end), width, abs(end - start)
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{escape(fill)}"/>'
        )
    return parts


def _shape(shape: dict, axes, paper) -> str:
    if shape.get("type") != "line":
        raise ValueError(f"the SVG charts cannot draw a {shape.get('type')!r} shape")
    x_ref, y_ref = shape.get("xref", "paper"), shape.get("yref", "paper")
    pair = next(
        (
            pair
            for pair in axes
            if x_ref.split(" ")[0] in (pair[0], "paper")
            and y_ref.split(" ")[0] in (pair[1], "paper")
        ),
        None,
    )
    if pair is None:
        raise ValueError(f"a shape refers to axes {x_ref}/{y_ref} that no trace uses")
    x_axis, y_axis = axes[pair]
    box = x_axis.box

    def x_at(value):
        if x_ref.endswith(" domain"):
            return box.left + float(value) * box.width
        return paper(float(value), 0)[0] if x_ref == "paper" else x_axis.position(value)

    def y_at(value):
        if y_ref.endswith(" domain"):
            return box.top + (1 - float(value)) * box.height
        return paper(0, float(value))[1] if y_ref == "paper" else y_axis.position(value)

    line = shape.get("line", {})
    dash = _DASHES.get(line.get("dash", "solid"))
    return (
        f'<line class="target" x1="{x_at(shape["x0"]):.1f}" y1="{y_at(shape["y0"]):.1f}" '
        f'x2="{x_at(shape["x1"]):.1f}" y2="{y_at(shape["y1"]):.1f}" '
        f'stroke="{escape(line.get("color", "#2e7d32"))}" stroke-width="{line.get("width", 1)}"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + "/>"
    )


def _annotation(annotation: dict, paper) -> str:
    if annotation.get("xref", "paper") != "paper" or annotation.get("yref", "paper") != "paper":
        raise ValueError("the SVG charts place annotations on the paper only")
    x, y = paper(float(annotation["x"]), float(annotation["y"]))
    anchor = {"left": "start", "right": "end"}.get(annotation.get("xanchor"), "middle")
    size = annotation.get("font", {}).get("size", 12)
    lines = str(annotation.get("text", "")).split("<br>")
    if annotation.get("yanchor", "middle") == "bottom":
        y -= 4 + (len(lines) - 1) * size * 1.2
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * 1.2:.1f}">{escape(text)}</tspan>'
        for i, text in enumerate(lines)
    )
    return (
        f'<text class="annotation" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
        f'font-size="{size}">{spans}</text>'
    )


def _legend_entries(layout: dict, traces: list[dict]) -> list[tuple[str, str, bool]]:
    if layout.get("showlegend") is False:
        return []
    entries = [
        (trace["name"], _colour(trace, number), trace.get("type") == "bar")
        for number, trace in enumerate(traces)
        if trace.get("name") and trace.get("showlegend", True)
    ]
    if "reversed" in layout.get("legend", {}).get("traceorder", ""):
        entries.reverse()
    return entries
