"""The monthly report as one HTML page (jinja2, autoescaped), charts drawn by plotly.js."""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path

import jinja2
from markupsafe import Markup

from metrics import catalogue
from reports import charts, labels
from reports.content import MonthContent
from reports.files import plotly_js_source
from reports.formatting import format_band, format_change, format_relative, format_value

TEMPLATES_DIR = Path(__file__).with_name("templates")


@cache
def environment() -> jinja2.Environment:
    """Templates of `reports/templates`; autoescape is on for every file, whatever its suffix."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_helpers(lang: str) -> dict[str, object]:
    """Label and number formatting functions the templates call, bound to the reader's language."""
    return {
        "lang": lang,
        "t": partial(labels.text, lang=lang),
        "unit": partial(labels.unit, lang=lang),
        "status": partial(labels.status, lang=lang),
        "reason": partial(catalogue.reason_text, lang=lang),
        "value": format_value,
        "change": partial(format_change, lang=lang),
        "relative": format_relative,
        "band": format_band,
    }


def plotly_script(self_contained: bool, asset_href: str) -> Markup:
    """A <script> that loads the shared plotly.js, or that holds all of it for a one-file copy."""
    if self_contained:
        script = plotly_js_source().read_text(encoding="utf-8")
        return Markup("<script>") + Markup(script) + Markup("</script>")
    return Markup('<script src="{}" charset="utf-8"></script>').format(asset_href)


def render_month_page(content: MonthContent, *, self_contained: bool, asset_href: str) -> str:
    """The page of one department and month; plotly.js is linked by `asset_href` or inlined."""
    lang = content.lang
    family_charts = {
        section.family.id: charts.family_chart(section, content.trend_months, lang)
        for section in content.families
    }
    has_charts = any(family_charts.values())
    template = environment().get_template("month.html")
    return template.render(
        content=content,
        period_title=labels.month_title(content.month, lang),
        charts={key: Markup(html) if html else None for key, html in family_charts.items()},
        plotly_script=plotly_script(self_contained, asset_href) if has_charts else "",
        **template_helpers(lang),
    )
