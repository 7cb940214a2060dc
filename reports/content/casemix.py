"""病种与医保: what the case-mix section of a report shows beyond its indicator rows — the DRG/DIP
groups losing the most (Σ payment − cost) and those with the most cases, each against its
benchmark stay and cost from the weights ledger, and the payer mix (episodes, cost, cost per case,
share).

Every figure is a sum over episodes divided once (a group's average stay is Σ LOS / cases, never a
mean of averages). A group's extra bed-days are Σ (LOS − benchmark stay) over its episodes with a
benchmark, and what they cost is extra bed-days × the group's own cost per bed-day
(Σ cost / Σ LOS over its costed episodes): what the recommendations quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.data.finance import DrgGroup, FinanceData, PayerLine, group_rows
from reports.data.warehouse import PeriodData

TOP_GROUPS = 5  # rows of each group table: what a head reads, the workbook lists them all
# The figures that the tables rest on: withheld with them (a data error in the discharges).
READS = ("drg_cases", "drg_margin", "cmi", "insured_share")


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if numerator is None or not denominator else numerator / denominator


@dataclass(frozen=True)
class GroupLine:
    """One DRG/DIP group of the period against its benchmark."""

    drg: str
    name: str | None
    grouped: bool
    cases: int
    weight: float | None  # Σ weight / cases (a year-specific row may differ from another year's)
    stay: float | None  # Σ LOS / cases
    benchmark_stay: float | None  # Σ benchmark stay / episodes with one
    cost_per_case: float | None  # Σ cost / costed cases
    benchmark_cost: float | None  # Σ benchmark cost / costed episodes with one
    margin: float | None  # Σ (payment − cost) over the episodes with a payment standard
    paid_cases: int
    losing_cases: int  # cost above the payment standard
    extra_bed_days: float | None  # Σ (LOS − benchmark stay) over the episodes with a benchmark
    cost_per_bed_day: float | None  # Σ cost / Σ LOS over costed episodes
    excess_cost: float | None  # Σ (cost − benchmark cost) over the costed episodes with one

    @property
    def extra_cost(self) -> float | None:
        """What the extra bed-days cost at the group's own cost per bed-day (none when shorter)."""
        if self.extra_bed_days is None or self.cost_per_bed_day is None:
            return None
        return max(self.extra_bed_days, 0) * self.cost_per_bed_day

    @property
    def mostly_losing(self) -> bool:
        """More than half of the settled cases cost more than their payment standard."""
        return self.paid_cases > 0 and self.losing_cases * 2 > self.paid_cases


def group_line(group: DrgGroup) -> GroupLine:
    stays = group.stay_benchmarked_days
    return GroupLine(
        drg=group.drg,
        name=group.name,
        grouped=group.grouped,
        cases=group.cases,
        weight=_ratio(group.total_weight, group.cases),
        stay=_ratio(group.bed_days, group.cases),
        benchmark_stay=_ratio(group.benchmark_days, group.stay_benchmarked_cases),
        cost_per_case=_ratio(group.total_cost, group.costed_cases),
        benchmark_cost=_ratio(group.benchmark_cost, group.cost_benchmarked_cases),
        margin=group.margin if group.paid_cases else None,
        paid_cases=group.paid_cases,
        losing_cases=group.losing_cases,
        extra_bed_days=None if stays is None else stays - (group.benchmark_days or 0),
        cost_per_bed_day=_ratio(group.total_cost, group.costed_bed_days),
        excess_cost=None
        if not group.cost_benchmarked_cases
        else group.benchmarked_cost - group.benchmark_cost,
    )


@dataclass(frozen=True)
class PayerShare:
    payer: str | None  # as the ledger writes it; None: left blank
    episodes: int
    share: float | None  # of the episodes
    total_cost: float | None
    cost_per_case: float | None
    cost_share: float | None  # of the cost


@dataclass
class CaseMix:
    has_weights: bool
    withheld: bool = False
    groups: list[GroupLine] = field(default_factory=list)  # every code, most cases first
    payers: list[PayerShare] = field(default_factory=list)

    @property
    def largest_losses(self) -> list[GroupLine]:
        """The groups losing money, the largest loss first."""
        losing = [g for g in self.groups if g.margin is not None and g.margin < 0]
        return sorted(losing, key=lambda g: (g.margin, g.drg))[:TOP_GROUPS]

    @property
    def most_cases(self) -> list[GroupLine]:
        return self.groups[:TOP_GROUPS]

    @property
    def ungrouped(self) -> list[GroupLine]:
        """Codes without a weights row (未入组)."""
        return [g for g in self.groups if not g.grouped] if self.has_weights else []

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.payers)


def case_mix(data: PeriodData, finance: FinanceData, dept: str) -> CaseMix:
    """The department's (or group's) DRG/DIP groups and payer mix in the data's period."""
    result = CaseMix(has_weights=finance.has_weights)
    if data.publication.withheld_any(dept, data.months, READS):
        result.withheld = True
        return result
    kinds = {d.code: d.kind for d in data.departments if not d.is_hospital}
    groups = [group_line(g) for g in group_rows(finance.drg_groups, dept, kinds, "drg")]
    result.groups = sorted(groups, key=lambda g: (-g.cases, g.drg))
    result.payers = payer_shares(group_rows(finance.payers, dept, kinds, "payer"))
    return result


def payer_shares(lines: list[PayerLine]) -> list[PayerShare]:
    """Each payer's episodes and cost with its shares, most episodes first (a blank payer last)."""
    episodes = sum(line.episodes for line in lines)
    costs = [line.total_cost for line in lines if line.total_cost is not None]
    cost = sum(costs) if costs else None
    shares = [
        PayerShare(
            payer=line.payer,
            episodes=line.episodes,
            share=_ratio(line.episodes, episodes),
            total_cost=line.total_cost,
            cost_per_case=_ratio(line.total_cost, line.costed_episodes),
            cost_share=_ratio(line.total_cost, cost),
        )
        for line in lines
    ]
    return sorted(shares, key=lambda p: (p.payer is None, -p.episodes, p.payer or ""))
