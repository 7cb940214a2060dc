"""同类科室对比: each key indicator of a department against the departments of the same kind.

Rank 1 is the best where the catalogue gives a direction (up: highest, down: lowest) and the
highest otherwise (band, none). Ties share a rank (1, 1, 3). The median is over the departments
with a published value, the department itself included. The group's pooled figure (`KIND:<kind>`
in metric_report) is shown beside it: it weighs departments by volume, the median does not.
The hospital's report compares across all departments, without a rank of its own.
A department whose kind has fewer than MIN_PEERS departments is compared with the hospital
instead: ranked among all departments, beside the hospital's own figure (a rank among two says
nothing).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from reports import labels
from reports.content.indicators import IndicatorRow
from reports.data import privacy
from reports.data.publication import HOSPITAL, KIND_PREFIX
from reports.data.warehouse import Department, PeriodData

# The smallest group of the same kind a department is ranked in.
MIN_PEERS = 3


@dataclass(frozen=True)
class PeerRow:
    row: IndicatorRow
    rank: int | None
    count: int  # departments with a published value
    median: float | None
    low: float | None
    high: float | None
    group_value: float | None
    withheld: int  # departments of the group whose figure is not published
    best_first: bool  # rank 1 = best (up/down), else rank 1 = highest


@dataclass
class PeerComparison:
    group_label: str
    members: list[str]
    rows: list[PeerRow]
    has_rank: bool
    # Fewer than MIN_PEERS of the department's kind: compared with the whole hospital instead
    # (the group value is the hospital's); the heading and this sentence say so.
    against_hospital: bool = False
    fallback_note: str | None = None


def compare(
    data: PeriodData, department: Department, tiles: list[IndicatorRow], lang: str
) -> PeerComparison:
    """The key indicators of `department` among its kind (the hospital: among all departments);
    with fewer than MIN_PEERS of its kind, among all departments beside the hospital's figure."""
    kind = None if department.is_hospital else department.kind
    members = data.peers(kind)
    against_hospital = not department.is_hospital and (not kind or len(members) < MIN_PEERS)
    if against_hospital:
        members = data.peers(None)
    group = HOSPITAL if against_hospital else f"{KIND_PREFIX}{department.kind}"
    rows = [_peer_row(data, department, row, members, group) for row in tiles]
    return PeerComparison(
        group_label=labels.text("hospital", lang)
        if against_hospital
        else group_label(department, lang),
        members=[m.name(lang) for m in members],
        rows=rows,
        has_rank=not department.is_hospital,
        against_hospital=against_hospital,
        fallback_note=labels.text("peers_too_few", lang).format(
            kind=labels.kind(kind, lang) if kind else "—", min=MIN_PEERS
        )
        if against_hospital
        else None,
    )


def group_label(department: Department, lang: str) -> str:
    """'内科系统' for a medical department, '全部科室' for the hospital."""
    if department.is_hospital or not department.kind:
        return labels.text("all_departments", lang)
    return labels.kind(department.kind, lang)


def rank_among(value: float, published: list[float], direction: str) -> int:
    """1 + how many of `published` are better (lower for `down`, higher otherwise): ties share."""
    if direction == "down":
        return 1 + sum(1 for v in published if v < value)
    return 1 + sum(1 for v in published if v > value)


def _peer_row(
    data: PeriodData,
    department: Department,
    row: IndicatorRow,
    members: list[Department],
    group: str,
) -> PeerRow:
    metric = row.indicator.id
    published, withheld = [], 0
    for member in members:
        if data.publication.withheld(member.code, data.months, metric):
            withheld += 1
            continue
        if privacy.suppressed(data, member.code, metric, data.period):
            continue  # suppressed for circulation: left out, as if it had no value
        report = data.value(member.code, metric)
        if report is not None and report.value is not None:
            published.append(report.value)
    direction = row.indicator.direction
    best_first = direction in ("up", "down")
    rank = None
    if not department.is_hospital and row.has_value and published:
        rank = rank_among(row.value, published, direction)
    group_value = None
    if not department.is_hospital:
        report = data.value(group, metric)
        if (
            report is not None
            and not data.publication.withheld(group, data.months, metric)
            and not privacy.suppressed(data, group, metric, data.period)
        ):
            group_value = report.value
    return PeerRow(
        row=row,
        rank=rank,
        count=len(published),
        median=statistics.median(published) if published else None,
        low=min(published) if published else None,
        high=max(published) if published else None,
        group_value=group_value,
        withheld=withheld,
        best_first=best_first,
    )
