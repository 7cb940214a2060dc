"""One page per operations assistant (运营助理, the department list's `assistant` column): their
departments side by side for the data month (key indicators, alerts, open measures, links to each
report) and the ledger-quality score of their departments month by month.

The score comes from the data-quality stage's `ledger_quality` (one row per department and month:
completeness, timeliness, accuracy, each 0–100, and their weighted mean). An assistant's figure
for a month is the mean over their departments that have it that month, each component on its
own: the finance office grades each department's ledgers, and every department counts once
whatever its size. The dashboard shows the same figures for every assistant.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from reports import labels
from reports.content.attention import AttentionItem
from reports.content.indicators import IndicatorRow
from reports.content.measures import Measure, open_at
from reports.content.report import period_content
from reports.data.warehouse import Department, PeriodData, QualityRow

COMPONENTS = ("completeness", "timeliness", "accuracy", "score")


@dataclass(frozen=True)
class AssistantScore:
    """An assistant's ledger quality in one month: the mean over their departments scored."""

    assistant: str
    month: str
    completeness: float | None
    timeliness: float | None
    accuracy: float | None
    score: float | None
    departments: int  # departments with a ledger_quality row that month


@dataclass
class AssistantDepartment:
    department: Department
    stem: str  # the department's report file stem
    tiles: list[IndicatorRow]
    alerts: list[AttentionItem]
    measures: list[Measure] = field(default_factory=list)


@dataclass
class AssistantPage:
    assistant: str
    lang: str
    month: str  # the data month the departments are shown for
    departments: list[AssistantDepartment]
    scores: list[AssistantScore]  # month by month, oldest first
    quality: list[QualityRow]  # the departments' own rows, by month then department
    hospital_name: str | None = None  # the deployment's, above the title

    @property
    def month_title(self) -> str:
        from reports import periods

        return periods.title("month", self.month, self.lang)


def assistants(departments: list[Department]) -> dict[str, list[Department]]:
    """Assistant name -> their departments by code, for every assistant the list names (a name
    written with spaces around it is the same assistant)."""
    found: dict[str, list[Department]] = defaultdict(list)
    for department in departments:
        name = (department.assistant or "").strip()
        if name and not department.is_hospital:
            found[name].append(department)
    return {name: sorted(found[name], key=lambda d: d.code) for name in sorted(found)}


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def assistant_scores(
    departments: list[Department], quality: list[QualityRow], months: list[str] | None = None
) -> list[AssistantScore]:
    """Every assistant's score per month (of `months`, else every month scored), by assistant
    then month."""
    owner = {d.code: name for name, ds in assistants(departments).items() for d in ds}
    grouped: dict[tuple[str, str], list[QualityRow]] = defaultdict(list)
    for row in quality:
        name = owner.get(row.dept)
        if name and (months is None or row.month in months):
            grouped[(name, row.month)].append(row)
    return [
        AssistantScore(
            assistant=name,
            month=month,
            **{c: _mean([getattr(r, c) for r in rows]) for c in COMPONENTS},
            departments=len(rows),
        )
        for (name, month), rows in sorted(grouped.items())
    ]


def assistant_page(
    data: PeriodData,
    assistant: str,
    stems: dict[str, str],
    quality: list[QualityRow],
    lang: str,
    today: dt.date,
) -> AssistantPage:
    """The page of `assistant` for the month of `data` (a month's PeriodData); `stems` maps
    department codes to their report file stems."""
    labels.check_language(lang)
    own = assistants(data.departments).get(assistant, [])
    codes = {d.code for d in own}
    shown = []
    for department in own:
        content = period_content(data, department, lang)
        shown.append(
            AssistantDepartment(
                department=department,
                stem=stems.get(department.code, department.code),
                tiles=content.tiles,
                alerts=[a for a in content.attention if a.status == "alert" or a.anomalies],
                measures=open_at(data.measures, department.code, lang, today),
            )
        )
    own_quality = sorted((r for r in quality if r.dept in codes), key=lambda r: (r.month, r.dept))
    return AssistantPage(
        assistant=assistant,
        lang=lang,
        month=data.period,
        departments=shown,
        scores=[s for s in assistant_scores(data.departments, quality) if s.assistant == assistant],
        quality=own_quality,
        hospital_name=data.hospital_name,
    )
