"""需关注指标: indicators outside their band (watch, alert) and anomalies that data quality flagged.

An anomaly is a `dq_findings` row whose check id starts with `anomaly` for the department (the
hospital's own for `ALL`) and a month of the period. When the finding tells which indicator it is
about (warehouse.Finding.metric, or a check id naming one), it joins that indicator's item. Each
item carries the decompositions that explain its indicator's move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from metrics import catalogue
from reports.decomposition import Decomposition
from reports.indicators import IndicatorRow
from reports.warehouse import Finding, PeriodData

if TYPE_CHECKING:
    from reports.content import ReportContent  # which is built from this module's output

_STATUS_ORDER = {"alert": 0, "watch": 1}


@dataclass
class AttentionItem:
    row: IndicatorRow | None
    anomalies: list[Finding] = field(default_factory=list)
    breakdowns: list[Decomposition] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.row.status if self.row is not None and self.row.status != "ok" else None


def attention_items(content: ReportContent, data: PeriodData) -> list[AttentionItem]:
    rows = content.rows
    items: dict[str, AttentionItem] = {}
    flagged = [r for r in rows.values() if r.status in _STATUS_ORDER]
    for row in sorted(flagged, key=lambda r: _STATUS_ORDER[r.status]):
        items[row.indicator.id] = AttentionItem(row)
    unmatched = []
    own = content.department.code
    for finding in content.findings:
        # The hospital's appendix lists every department's findings; its attention only its own.
        if not finding.is_anomaly or finding.dept != own:
            continue
        metric = finding.metric or indicator_named_in(finding.check)
        if metric is None:
            unmatched.append(AttentionItem(None, [finding]))
            continue
        item = items.setdefault(metric, AttentionItem(rows.get(metric)))
        item.anomalies.append(finding)
    for metric, item in items.items():
        # The first comparison (环比, or 同比 for a year) inline; the section has all of them.
        explaining = [d for d in content.decompositions if metric in d.explains]
        first = explaining[0].comparison if explaining else None
        item.breakdowns = [d for d in explaining if d.comparison == first]
    return [*items.values(), *unmatched]


def indicator_named_in(check: str) -> str | None:
    """The longest catalogue indicator id inside a check id ('anomaly_bed_occupancy')."""
    named = [metric for metric in catalogue.indicators() if metric in check]
    return max(named, key=len) if named else None
