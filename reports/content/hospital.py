"""What only the hospital's report (`ALL`) says: every department's key indicators side by side
(value, rank, 同比), which departments drove the hospital's change, and the departments' alerts
rolled up into hospital recommendations.

A total that adds up over departments (revenue, visits, discharges) changes by the sum of its
departments' changes: each department's share of the hospital's change is its change over the
hospital's. What the departments shown do not add up to (a department withheld or suppressed, or
one that left the list) is said as such, never spread over the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics import catalogue
from metrics.catalogue import Indicator
from reports import labels
from reports.content.indicators import IndicatorRow, indicator_row
from reports.content.peers import rank_among
from reports.content.summary import main_comparison, shown
from reports.data.publication import HOSPITAL
from reports.data.warehouse import Department, PeriodData
from reports.formatting import NumberKind, format_change, format_relative, unit_label

# Totals that add up over departments, in the order a head asks about them.
ADDITIVE = ("medical_revenue", "outpatient_visits", "discharges")
TOP_DEPARTMENTS = 5
# A hospital total that fell this much (relatively) is a recommendation even inside its band.
FALL_TO_ACT = -0.05
# An indicator on alert in this many departments is the hospital's business too.
MIN_ALERTED = 2
MAX_ALERT_LINES = 5


@dataclass(frozen=True)
class MatrixCell:
    row: IndicatorRow  # the department's: value and 同比, withheld and suppressed taken out
    rank: int | None  # among the departments with a published value (peers.rank_among)
    count: int  # how many departments were ranked


@dataclass(frozen=True)
class MatrixLine:
    department: Department
    cells: list[MatrixCell]


@dataclass
class DepartmentMatrix:
    """科室关键指标矩阵: a line per department, a column per key indicator of the hospital; the
    hospital's own figures under them."""

    indicators: list[Indicator]
    lines: list[MatrixLine]
    hospital: list[IndicatorRow]


def department_matrix(data: PeriodData, tiles: list[IndicatorRow]) -> DepartmentMatrix:
    """Each department's value, rank and 同比 for the hospital's key indicators (its tiles).
    Rank as in 同类科室对比: 1 is the best where the indicator has a direction, else the highest;
    a department whose figure is not published has no rank and is not counted."""
    indicators = [row.indicator for row in tiles]
    departments = data.peers(None)
    rows = {(d.code, i.id): indicator_row(data, d.code, i) for d in departments for i in indicators}
    published = {
        i.id: [rows[d.code, i.id].value for d in departments if shown(rows[d.code, i.id])]
        for i in indicators
    }
    lines = []
    for department in departments:
        cells = []
        for indicator in indicators:
            row = rows[department.code, indicator.id]
            values = published[indicator.id]
            rank = rank_among(row.value, values, indicator.direction) if shown(row) else None
            cells.append(MatrixCell(row, rank, len(values)))
        lines.append(MatrixLine(department, cells))
    return DepartmentMatrix(indicators, lines, tiles)


@dataclass(frozen=True)
class Contribution:
    department: str  # the department's name; '其他科室' for the rest together
    change: float
    share: float | None  # of the hospital's change; None when the hospital did not move


@dataclass(frozen=True)
class ContributionTable:
    row: IndicatorRow  # the hospital's
    comparison: str  # 'prior' or 'yoy'
    hospital_change: float
    lines: list[Contribution]
    unexplained: float  # the hospital's change less its departments' shown here


def rank_contributions(
    changes: dict[str, float], hospital_change: float, top: int = TOP_DEPARTMENTS, rest: str = ""
) -> list[Contribution]:
    """The `top` departments by the size of their change, then the others together."""
    ranked = sorted(changes.items(), key=lambda item: (-abs(item[1]), item[0]))

    def share(change: float) -> float | None:
        return change / hospital_change if hospital_change else None

    lines = [Contribution(name, change, share(change)) for name, change in ranked[:top]]
    others = [change for _, change in ranked[top:]]
    if others:
        lines.append(Contribution(rest, sum(others), share(sum(others))))
    return lines


def contributions(
    data: PeriodData, lang: str, comparison: str | None = None
) -> list[ContributionTable]:
    """For each additive total the hospital publishes with a comparison (the grain's main one
    unless given): each department's part."""
    comparison = comparison or main_comparison(data.grain)
    indicators = catalogue.indicators()
    tables = []
    for metric in ADDITIVE:
        hospital = indicator_row(data, HOSPITAL, indicators[metric])
        total = hospital.prior_change if comparison == "prior" else hospital.yoy_change
        if not shown(hospital) or total is None:
            continue
        changes = {}
        for department in data.peers(None):
            row = indicator_row(data, department.code, indicators[metric])
            change = row.prior_change if comparison == "prior" else row.yoy_change
            if shown(row) and change is not None:
                changes[department.name(lang)] = change
        if not changes:
            continue
        lines = rank_contributions(changes, total, rest=labels.text("other_departments", lang))
        tables.append(
            ContributionTable(hospital, comparison, total, lines, total - sum(changes.values()))
        )
    return tables


def rolled_up(data: PeriodData, tables: list[ContributionTable], lang: str) -> list[str]:
    """Hospital recommendations from the departments: a total that fell markedly, with the
    departments behind the fall, then each indicator on alert in several departments. A month's
    or quarter's fall is looked for 同比 too (a 9% fall on last year is news even when the month
    before was as low)."""
    if main_comparison(data.grain) != "yoy":
        tables = tables + contributions(data, lang, "yoy")
    return fall_lines(tables, lang) + alert_lines(data, lang)


def fall_lines(tables: list[ContributionTable], lang: str) -> list[str]:
    """全院医疗收入同比-9.0%，降幅较大的科室：… — a fall of 5% or more, inside its band or not."""
    lines = []
    for table in tables:
        row = table.row
        relative = row.prior_change_rel if table.comparison == "prior" else row.yoy_change_rel
        if relative is None or relative > FALL_TO_ACT:
            continue
        falling = [c for c in table.lines if c.change < 0 and c.department]
        lines.append(
            labels.text("hospital_fall", lang).format(
                name=row.indicator.name(lang),
                comparison=labels.text("mom" if table.comparison == "prior" else "yoy", lang),
                change=format_relative(relative),
                departments=labels.text("list_join", lang).join(
                    f"{c.department}（{_amount(c.change, row, lang)}）"
                    if lang == "zh"
                    else f"{c.department} ({_amount(c.change, row, lang)})"
                    for c in falling[:3]
                ),
            )
        )
    return lines


def alert_lines(data: PeriodData, lang: str) -> list[str]:
    """N个科室药占比预警：A、B — an indicator on alert in at least MIN_ALERTED departments."""
    lines = []
    alerts = []
    for indicator in catalogue.indicators().values():
        alerted = [
            d.name(lang)
            for d in data.peers(None)
            if (row := indicator_row(data, d.code, indicator)).status == "alert" and shown(row)
        ]
        if len(alerted) >= MIN_ALERTED:
            alerts.append((indicator, alerted))
    # the most widespread first (stable: catalogue order among equals), a few lines only
    alerts.sort(key=lambda pair: -len(pair[1]))
    for indicator, alerted in alerts[:MAX_ALERT_LINES]:
        lines.append(
            labels.text("hospital_alerts", lang).format(
                count=len(alerted),
                name=indicator.name(lang),
                departments=labels.text("list_join", lang).join(alerted),
            )
        )
    return lines


def _amount(change: float, row: IndicatorRow, lang: str) -> str:
    """-60.00万元, -120 (a count needs no unit in a sentence about visits)."""
    text = format_change(change, row.kind, lang)
    if row.kind is NumberKind.AMOUNT:
        return (
            f"{text}{unit_label(row.indicator, lang)}"
            if lang == "zh"
            else f"{text} {unit_label(row.indicator, lang)}"
        )
    return text
