"""收入结构与支出结构: every revenue and expense line of the finance ledger for a department (or a
group) and period, its share of the total and its change on the same period a year earlier, and
the revenue change by line (the points of the total's 同比 each line makes, 拉动).

The amounts are metrics' `finance_lines`, summed by the indicators' own rules, so the lines add up
to 医疗收入 and 医疗支出 exactly. 同比 is shown when the indicator has one (`medical_revenue`,
`total_expense`): the same period a year earlier, or for a period in progress the same months a
year earlier (its `yoy:<grain>` window). Withheld figures are not shown at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgers.specs import ledger
from metrics.periods import shift
from reports import labels
from reports.content.indicators import KINDS_WITHOUT_BEDS, department_kind
from reports.data.finance import FinanceData
from reports.data.warehouse import PeriodData
from reports.formatting import format_relative

# Structure kind -> (the indicator of its total, the suffix of its ledger columns)
# The lines a sentence names: those that moved the total most.
MOVING_LINES = 3
KINDS = {"revenue": ("medical_revenue", "_revenue"), "expense": ("total_expense", "_expense")}


@dataclass(frozen=True)
class StructureLine:
    column: str  # the finance ledger column (op_drug_revenue …)
    label: str  # its name in the reader's language (the ledger spec's)
    amount: float  # 元, this period
    share: float | None  # of the total; None when the total is 0
    base: float | None  # 元, the same period a year earlier (None: no 同比)
    change: float | None  # amount − base
    change_rel: float | None  # change / |base|
    pull: float | None  # change / |the total a year earlier|: the points of the total's 同比 it
    # makes (拉动); the lines' pulls add up to the total's 同比


@dataclass(frozen=True)
class Structure:
    kind: str  # revenue, expense
    indicator: str  # medical_revenue, total_expense
    lines: list[StructureLine]
    total: float
    base_total: float | None
    change: float | None
    change_rel: float | None

    sentence: str | None = None  # the lines that moved the total most, in words

    @property
    def has_yoy(self) -> bool:
        return self.base_total is not None


def structures(data: PeriodData, finance: FinanceData, dept: str, lang: str) -> list[Structure]:
    """The revenue and the expense structure of `dept` in the data's period (those it has)."""
    found = []
    for kind in KINDS:
        structure = _structure(data, finance, dept, kind, lang)
        if structure is not None:
            found.append(structure)
    return found


def _columns(suffix: str) -> list:
    return [c for c in ledger("finance").columns if c.name.endswith(suffix)]


def line_total(amounts: dict[str, float], suffix: str) -> float:
    """The lines of `suffix` ('_revenue') summed in the ledger's column order, whatever order
    `amounts` came in: the warehouse returns them in any order its threads finish, and a float
    sum's last digit depends on the order (0.1 + 0.2 + 0.3 ≠ 0.3 + 0.2 + 0.1)."""
    return sum(amounts[c.name] for c in _columns(suffix) if c.name in amounts)


def _structure(
    data: PeriodData, finance: FinanceData, dept: str, kind: str, lang: str
) -> Structure | None:
    indicator, suffix = KINDS[kind]
    report = data.value(dept, indicator)
    if report is None or report.value is None:
        return None
    if data.publication.withheld(dept, data.months, indicator):
        return None
    amounts = finance.lines.get((dept, data.grain, data.period), {})
    base_amounts = _base(data, finance, dept, indicator)
    columns = [c for c in _columns(suffix) if c.name in amounts]
    if not columns:
        return None
    total = line_total(amounts, suffix)
    base_total = None if base_amounts is None else line_total(base_amounts, suffix)
    change = None if base_total is None else total - base_total
    lines = []
    for column in columns:
        amount = amounts[column.name]
        base = None if base_amounts is None else base_amounts.get(column.name)
        line_change = None if base is None else amount - base
        lines.append(
            StructureLine(
                column=column.name,
                label=column.label(lang),
                amount=amount,
                share=amount / total if total else None,
                base=base,
                change=line_change,
                change_rel=line_change / abs(base) if line_change is not None and base else None,
                pull=line_change / abs(base_total)
                if line_change is not None and base_total
                else None,
            )
        )
    if department_kind(data, dept) in KINDS_WITHOUT_BEDS:
        # a department without beds bills no inpatient line: the lines at 0 now and a year
        # earlier say nothing (the total is unchanged without them)
        lines = [line for line in lines if line.amount or line.base]
        if not lines:
            return None
    change_rel = change / abs(base_total) if change is not None and base_total else None
    return Structure(
        kind=kind,
        indicator=indicator,
        lines=lines,
        total=total,
        base_total=base_total,
        change=change,
        change_rel=change_rel,
        sentence=_sentence(kind, lines, change_rel, lang),
    )


def _sentence(
    kind: str, lines: list[StructureLine], change_rel: float | None, lang: str
) -> str | None:
    """'医疗收入合计同比-4.6%，拉动最大的项目：门诊药品收入-3.9个百分点、…': the MOVING_LINES
    lines with the largest pull, whatever their sign."""
    moved = sorted(
        (line for line in lines if line.pull),
        key=lambda line: (-abs(line.pull), line.column),
    )[:MOVING_LINES]
    if change_rel is None or not moved:
        return None
    parts = [
        labels.text("structure_move", lang).format(
            line=line.label, points=f"{round(line.pull * 100, 1) + 0.0:+.1f}"
        )
        for line in moved
    ]
    return labels.text("structure_moves", lang).format(
        total=labels.text(f"structure_total_{kind}", lang),
        change=format_relative(change_rel),
        lines=("、" if lang == "zh" else ", ").join(parts),
    )


def _base(
    data: PeriodData, finance: FinanceData, dept: str, indicator: str
) -> dict[str, float] | None:
    """The lines a year earlier, when the indicator has a 同比 (its rules decide: whole periods
    with whole periods, a period in progress with the same months) that may be published."""
    report = data.value(dept, indicator)
    if report.yoy_value is None or not report.yoy_period:
        return None
    partial = report.in_progress or report.months_covered != report.months_in_period
    if partial:
        key = (dept, f"yoy:{data.grain}", data.period)
        months = [shift("month", m, -12) for m in data.months_held]
    else:
        key = (dept, data.grain, report.yoy_period)
        months = [shift("month", m, -12) for m in data.months]
    if data.publication.withheld(dept, months, indicator):
        return None
    return finance.lines.get(key)
