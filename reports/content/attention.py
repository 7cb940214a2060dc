"""需关注指标: indicators outside their band (watch, alert) and anomaly alarms that data quality
raised, most material first.

An anomaly is a `dq_findings` row whose check id starts with `anomaly` for the department (the
hospital's own for `ALL`) and a month of the period. When the finding tells which indicator it is
about (warehouse.Finding.metric, or a check id naming one), it joins that indicator's item. An
alarm makes an item; a note (a marked change the indicator's good way) never does, it is only
shown on an item that is there anyway. Each item carries the decompositions that explain its
indicator's move.

The order (expectations/thresholds.toml [attention]): the indicator's family, money and patients
first; the indicators named last after every family (office supplies); within that, 预警 before
关注 before an alarm alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.checks import thresholds
from metrics import catalogue
from reports.content.decomposition import Decomposition
from reports.content.indicators import IndicatorRow
from reports.data.warehouse import Finding

_STATUS_ORDER = {"alert": 0, "watch": 1}


@dataclass
class AttentionItem:
    row: IndicatorRow | None
    anomalies: list[Finding] = field(default_factory=list)  # alarms: the 异常 mark
    notes: list[Finding] = field(default_factory=list)  # changes for the better: text only
    breakdowns: list[Decomposition] = field(default_factory=list)
    # The assistant's commentary on this indicator (reports.content.report.Comment), its cause
    comments: list = field(default_factory=list)

    @property
    def status(self) -> str | None:
        """The indicator's status as its tile shows it (正常 too), None without a band."""
        return self.row.status if self.row is not None else None


def attention_items(
    rows: dict[str, IndicatorRow],
    findings: list[Finding],
    decompositions: list[Decomposition],
    own: str,
) -> list[AttentionItem]:
    """The department `own`'s indicators outside their band and its anomaly alarms, most material
    first, each with the decompositions that explain it."""
    items: dict[str, AttentionItem] = {}
    for row in rows.values():
        if row.status in _STATUS_ORDER:
            items[row.indicator.id] = AttentionItem(row)
    unmatched = []
    notes = []
    for finding in findings:
        # The hospital's appendix lists every department's findings; its attention only its own.
        if not finding.is_anomaly or finding.dept != own:
            continue
        metric = finding.metric or indicator_named_in(finding.check)
        if finding.is_note:
            notes.append((metric, finding))
        elif metric is None:
            unmatched.append(AttentionItem(None, [finding]))
        else:
            item = items.setdefault(metric, AttentionItem(rows.get(metric)))
            item.anomalies.append(finding)
    for metric, finding in notes:
        if metric in items:
            items[metric].notes.append(finding)
    for metric, item in items.items():
        # The first comparison (环比, or 同比 for a year) inline; the section has all of them.
        explaining = [d for d in decompositions if metric in d.explains]
        first = explaining[0].comparison if explaining else None
        item.breakdowns = [d for d in explaining if d.comparison == first]
    ranked = sorted(items.items(), key=lambda pair: materiality(*pair))
    return [*(item for _, item in ranked), *unmatched]


def materiality(metric: str, item: AttentionItem) -> tuple[int, int, int]:
    """Sort key: the indicator's family rank (the indicators named last after every family),
    then 预警, 关注, an alarm alone, then catalogue order."""
    limits = thresholds()
    families, last = limits["attention_family_order"], limits["attention_last"]
    indicators = catalogue.indicators()
    order = list(indicators)
    if metric in last:
        rank = len(families) + 1 + last.index(metric)
    elif metric in indicators and indicators[metric].family in families:
        rank = families.index(indicators[metric].family)
    else:
        rank = len(families)
    position = order.index(metric) if metric in indicators else len(order)
    return (rank, _STATUS_ORDER.get(item.status or "", 2), position)


def indicator_named_in(check: str) -> str | None:
    """The longest catalogue indicator id inside a check id ('anomaly_bed_occupancy')."""
    named = [metric for metric in catalogue.indicators() if metric in check]
    return max(named, key=len) if named else None
