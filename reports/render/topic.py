"""How a special-topic report looks: its HTML page (one chart per department, each indicator's
months against the same months a year earlier as a second line) and its Excel workbook (overview,
months, decompositions, measures, commentary), both from one `TopicContent`."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup
from openpyxl import Workbook

from metrics import catalogue
from reports import labels
from reports.content.decomposition import Decomposition, Term
from reports.content.topic import TopicContent, TopicDepartment
from reports.formatting import (
    EXCEL_FORMATS,
    EXCEL_RELATIVE_FORMAT,
    NumberKind,
    excel_change_format,
)
from reports.render import charts
from reports.render.html import environment, plotly_script, template_helpers
from reports.render.workbook import Column, Number, finish_table, named, title, write_table


def department_chart(content: TopicContent, department: TopicDepartment, number: int) -> str | None:
    """One panel per indicator: the range's months, last year's same months dashed."""
    lang = content.lang
    panels = [
        charts.Panel(
            charts.panel_title(f.indicator, lang),
            f.monthly,
            f.kind,
            f.indicator.band_low,
            f.indicator.band_high,
            last_year=f.monthly_last_year,
            names=(labels.text("this_year", lang), labels.text("topic_last_year", lang)),
        )
        for f in department.figures
        if any(v is not None for v in [*f.monthly, *f.monthly_last_year])
    ]
    # a fixed id (the department's place) keeps the page the same between runs
    return charts.trend_chart(f"chart-topic-{number}", panels, content.months)


def render_topic_page(content: TopicContent, *, self_contained: bool, asset_href: str) -> str:
    """The topic report's page; plotly.js linked by `asset_href`, or inlined for a one-file copy."""
    drawn = {
        d.department.code: department_chart(content, d, number)
        for number, d in enumerate(content.departments)
    }
    return (
        environment()
        .get_template("topic.html")
        .render(
            content=content,
            charts={code: Markup(html) if html else None for code, html in drawn.items()},
            plotly_script=plotly_script(self_contained, asset_href) if any(drawn.values()) else "",
            **template_helpers(content.lang),
        )
    )


def write_topic_workbook(content: TopicContent, path: Path) -> Path:
    """Overview, months, decompositions, measures and commentary sheets. Ledger text (names,
    commentary, measures) stays text, even when it starts with = + - @."""
    lang = content.lang
    t = labels.text
    book = Workbook()
    sheet = book.active
    sheet.title = t("topic_overview", lang)[:31]
    title(sheet, named(content.hospital_name, f"{content.title} · {content.range_title}"))
    columns = [
        Column(t("department", lang)),
        Column(t("indicator", lang)),
        Column(t("unit", lang)),
        Column(content.range_title, 12),
        Column(t("topic_last_year", lang), 12),
        Column(t("yoy_change", lang), 12),
        Column(t("yoy_change_rel", lang), 10, EXCEL_RELATIVE_FORMAT),
        Column(t("rank", lang)),
        Column(t("median", lang), 12),
        Column(t("group_value", lang), 12),
        Column(t("desk_numerator", lang), 12, EXCEL_FORMATS[NumberKind.DECIMAL]),
        Column(t("desk_denominator", lang), 12, EXCEL_FORMATS[NumberKind.DECIMAL]),
        Column(t("reason", lang), 20, wrap=True),
    ]
    rows = []
    for d in content.departments:
        for f in d.figures:
            shown = EXCEL_FORMATS[f.kind]
            peer = f.peer
            rows.append(
                (
                    d.department.name(lang),
                    f.indicator.name(lang),
                    labels.unit(f.indicator.unit, lang),
                    t("withheld", lang) if f.withheld else Number(f.value, shown),
                    Number(f.last_year, shown),
                    Number(f.change, excel_change_format(f.kind, lang)),
                    f.change_rel,
                    f"{peer.rank}/{peer.count}" if peer and peer.rank else None,
                    Number(peer.median if peer else None, shown),
                    Number(peer.group_value if peer else None, shown),
                    f.numerator,
                    f.denominator,
                    _reason(f.reason, lang),
                )
            )
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=2)

    sheet = book.create_sheet(t("topic_months_sheet", lang)[:31])
    title(sheet, t("topic_trends", lang))
    columns = [
        Column(t("department", lang)),
        Column(t("indicator", lang)),
        Column(t("month", lang)),
        Column(t("this_year", lang), 12),
        Column(t("topic_last_year", lang), 12),
    ]
    rows = [
        (
            d.department.name(lang),
            f.indicator.name(lang),
            month,
            Number(value, EXCEL_FORMATS[f.kind]),
            Number(last_year, EXCEL_FORMATS[f.kind]),
        )
        for d in content.departments
        for f in d.figures
        for month, value, last_year in zip(
            content.months, f.monthly, f.monthly_last_year, strict=True
        )
    ]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=2)

    sheet = book.create_sheet(t("movement_sheet", lang)[:31])
    title(sheet, f"{t('movement', lang)} ({content.last_year_title} → {content.range_title})")
    columns = [
        Column(t("department", lang)),
        Column(t("breakdown", lang)),
        Column(t("factor", lang)),
        Column(t("formula", lang)),
        Column(t("arithmetic", lang), 30),
        Column(t("effect", lang), 14),
    ]
    rows = [
        (d.department.name(lang), dec.title, term.label, term.formula, term.arithmetic, term.text)
        for d in content.departments
        for dec in d.decompositions
        for term in [*dec.terms, _total(dec, lang)]
    ]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=2)

    sheet = book.create_sheet(t("topic_measures", lang)[:31])
    title(sheet, t("topic_measures", lang))
    columns = [
        Column(t("department", lang)),
        Column(t("desk_measure", lang), 30, wrap=True),
        Column(t("indicator", lang)),
        Column(t("desk_owner", lang)),
        Column(t("desk_start_date", lang)),
        Column(t("desk_due_date", lang)),
        Column(t("status", lang)),
        Column(t("effect", lang), 30, wrap=True),
    ]
    rows = [
        (
            d.department.name(lang),
            m.text,
            _indicator_name(m.metric, lang),
            m.owner,
            m.start_date.isoformat() if m.start_date else None,
            m.due_date.isoformat() if m.due_date else None,
            m.status_text,
            m.effect,
        )
        for d in content.departments
        for m in d.measures
    ]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=2)

    sheet = book.create_sheet(t("commentary_sheet", lang)[:31])
    title(sheet, t("commentary", lang))
    columns = [
        Column(t("department", lang)),
        Column(t("month", lang)),
        Column(t("topic", lang)),
        Column(t("cause", lang)),
        Column(t("text", lang), 40, wrap=True),
        Column(t("plan", lang), 30, wrap=True),
    ]
    rows = [
        (c.dept_name, c.month, c.topic, c.factor, c.text, c.plan)
        for d in content.departments
        for c in d.commentary
    ]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _total(dec: Decomposition, lang: str) -> Term:
    """The decomposition's total as one more line under its terms."""
    return Term(
        labels.text("total_change", lang),
        "",
        dec.total_arithmetic,
        dec.change,
        dec.change_shown,
        dec.change_text,
    )


def _reason(code: str | None, lang: str) -> str | None:
    return catalogue.reason_text(code, lang) if code else None


def _indicator_name(metric: str | None, lang: str) -> str | None:
    indicator = catalogue.indicators().get(metric or "")
    return indicator.name(lang) if indicator else metric
