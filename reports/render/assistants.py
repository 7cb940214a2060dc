"""How an operations assistant's page looks: the HTML page (departments side by side, the ledger
quality month by month) and its workbook, from one `AssistantPage`."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook

from reports import labels
from reports.content.assistants import AssistantPage, AssistantScore
from reports.formatting import EXCEL_FORMATS
from reports.render.html import environment, template_helpers
from reports.render.workbook import Column, Number, finish_table, named, title, write_table

SCORE_FORMAT = "0.0"


def render_assistant_page(page: AssistantPage, links: dict[str, dict[str, str]]) -> str:
    """The page; `links` maps a department code to the relative links of its report files."""
    by_month = defaultdict(list)
    for row in page.quality:
        by_month[row.month].append(row)
    names = {d.department.code: d.department.name(page.lang) for d in page.departments}
    return (
        environment()
        .get_template("assistant.html")
        .render(
            page=page,
            links=links,
            quality_by_month=by_month,
            names=names,
            **template_helpers(page.lang),
        )
    )


def score_columns(lang: str, first: str) -> list[Column]:
    t = labels.text
    return [
        Column(t(first, lang)),
        Column(t("month", lang)),
        Column(t("desk_completeness", lang), 10, SCORE_FORMAT),
        Column(t("desk_timeliness", lang), 10, SCORE_FORMAT),
        Column(t("desk_accuracy", lang), 10, SCORE_FORMAT),
        Column(t("desk_quality_score", lang), 10, SCORE_FORMAT),
    ]


def score_cells(score: AssistantScore) -> tuple:
    return (
        score.assistant,
        score.month,
        score.completeness,
        score.timeliness,
        score.accuracy,
        score.score,
    )


def write_assistant_workbook(page: AssistantPage, path: Path) -> Path:
    """Key indicators of the departments, the scores and the departments' quality rows; names
    from the department list stay text, even when they start with = + - @."""
    lang, t = page.lang, labels.text
    book = Workbook()
    sheet = book.active
    sheet.title = t("key_indicators", lang)[:31]
    title(sheet, named(page.hospital_name, f"{page.assistant} · {page.month_title}"))
    columns = [
        Column(t("department", lang)),
        Column(t("indicator", lang)),
        Column(t("value", lang), 12),
        Column(t("status", lang)),
    ]
    rows = [
        (
            d.department.name(lang),
            row.indicator.name(lang),
            t("withheld", lang) if row.withheld else Number(row.value, EXCEL_FORMATS[row.kind]),
            labels.status(row.status, lang),
        )
        for d in page.departments
        for row in d.tiles
    ]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=1)

    sheet = book.create_sheet(t("desk_ledger_quality", lang)[:31])
    title(sheet, t("desk_ledger_quality", lang))
    names = {d.department.code: d.department.name(lang) for d in page.departments}
    columns = score_columns(lang, "department")
    rows = [score_cells(s) for s in page.scores] + [
        (names.get(q.dept, q.dept), q.month, q.completeness, q.timeliness, q.accuracy, q.score)
        for q in page.quality
    ]
    finish_table(sheet, columns, write_table(sheet, columns, rows), freeze_columns=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
