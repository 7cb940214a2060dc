"""改进建议: for each indicator outside its band, what to do and what it is worth, by the rules of
`recommendations.toml` (one per indicator and side of the band).

The effect is computed, not written: bringing a ratio N/D × scale from its value to the band limit
at the same denominator changes the numerator by (limit − value) / scale × D in the period;
the report states it per month (the period's months with data) and per calendar day.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reports import labels, periods
from reports.content.casemix import CaseMix
from reports.content.indicators import IndicatorRow
from reports.data.warehouse import PeriodData
from reports.formatting import (
    NumberKind,
    format_band,
    format_change,
    format_points,
    format_value,
    format_wan,
    unit_label,
)

RULES_PATH = Path(__file__).with_name("recommendations.toml")
_STATUS_ORDER = {"alert": 0, "watch": 1}


@dataclass(frozen=True)
class Rule:
    metric: str
    side: str  # 'high' or 'low'
    effect: str  # 'numerator' or 'gap'
    effect_unit: str | None
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Recommendation:
    row: IndicatorRow
    status: str
    side: str
    limit: float
    evidence: str
    action: str
    effect: float | None  # numerator change a month, magnitude, in effect_unit
    effect_daily: float | None  # the same per calendar day
    effect_unit: str | None


@cache
def rules() -> dict[tuple[str, str], Rule]:
    """The rules by (indicator id or '*', side)."""
    data = tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))
    loaded = {}
    for raw in data["rule"]:
        rule = Rule(
            metric=raw["metric"],
            side=raw["side"],
            effect=raw["effect"],
            effect_unit=raw.get("effect_unit"),
            zh=raw["zh"],
            en=raw["en"],
        )
        if rule.side not in ("high", "low") or rule.effect not in ("numerator", "gap"):
            raise ValueError(f"{RULES_PATH.name}: rule {raw} has an unknown side or effect")
        loaded[(rule.metric, rule.side)] = rule
    return loaded


@dataclass(frozen=True)
class DrgRule:
    id: str
    effect_unit: str
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@cache
def drg_rules() -> tuple[dict, dict[str, DrgRule]]:
    """The DRG/DIP group settings ([drg]) and rules ([[drg_rule]]) by id."""
    data = tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))
    loaded = {raw["id"]: DrgRule(**raw) for raw in data["drg_rule"]}
    if set(loaded) != {"long_stay", "high_cost"}:
        raise ValueError(f"{RULES_PATH.name}: drg_rule ids must be long_stay and high_cost")
    return data["drg"], loaded


def recommend(rows: dict[str, IndicatorRow], data: PeriodData, lang: str) -> list[Recommendation]:
    """A recommendation for every published indicator outside its band, alerts first (the DRG/DIP
    groups' are drg_recommendations)."""
    found = []
    for row in rows.values():
        limit = row.breached_limit
        if row.withheld or row.status not in _STATUS_ORDER or limit is None:
            continue
        side = "high" if row.band_high is not None and row.value > row.band_high else "low"
        rule = rules().get((row.indicator.id, side)) or rules()[("*", side)]
        found.append(_recommendation(row, side, limit, rule, data, lang))
    return sorted(found, key=lambda r: _STATUS_ORDER[r.status])


def drg_recommendations(
    rows: dict[str, IndicatorRow], case_mix: CaseMix | None, lang: str
) -> list[Recommendation]:
    """The groups losing money on most of their settled cases (more than [drg] losing_share),
    largest loss first: with a stay above the benchmark, its extra bed-days and what they cost;
    else with a cost per case above the benchmark, the excess over it."""
    settings, by_id = drg_rules()
    row = rows.get("drg_margin")
    if case_mix is None or case_mix.withheld or row is None or row.withheld:
        return []
    found = []
    losing = sorted(
        (
            g
            for g in case_mix.groups
            if g.margin is not None
            and g.margin < 0
            and g.losing_cases > settings["losing_share"] * g.paid_cases
        ),
        key=lambda g: (g.margin, g.drg),
    )
    for group in losing:
        if group.extra_bed_days is not None and group.extra_bed_days > 0 and group.extra_cost:
            rule, effect = by_id["long_stay"], group.extra_bed_days
        elif group.excess_cost is not None and group.excess_cost > 0:
            rule, effect = by_id["high_cost"], group.excess_cost
        else:
            continue
        stay, benchmark_stay = _told_apart(group.stay, group.benchmark_stay)
        action = rule.text(lang).format(
            drg=group.drg,
            name=group.name or "—",
            losing=group.losing_cases,
            paid=group.paid_cases,
            margin=format_wan(group.margin, lang),
            stay=stay,
            benchmark_stay=benchmark_stay,
            extra_days=_one(group.extra_bed_days),
            per_day=_approx(group.cost_per_bed_day),
            extra_cost=format_wan(group.extra_cost, lang),
            cost_per_case=_approx(group.cost_per_case),
            benchmark_cost=_approx(group.benchmark_cost),
            excess=format_wan(group.excess_cost, lang),
        )
        found.append(
            Recommendation(
                row=row,
                status="watch",
                side="low",
                limit=0.0,
                evidence=labels.text("drg_evidence", lang).format(
                    drg=group.drg,
                    cases=group.cases,
                    unsettled=labels.text("drg_unsettled", lang).format(paid=group.paid_cases)
                    if group.paid_cases != group.cases
                    else "",
                    margin=format_wan(group.margin, lang),
                ),
                action=action,
                effect=effect,
                effect_daily=None,
                effect_unit=rule.effect_unit,
            )
        )
    return found[: settings["top"]]


def _one(amount: float | None) -> str:
    return "—" if amount is None else f"{amount:,.1f}"


def _told_apart(value: float | None, benchmark: float | None) -> tuple[str, str]:
    """A value and the benchmark it is said to be above, with one decimal, or two (three) when
    one decimal shows them equal: "6.43 above 6.40", never "6.4 above 6.4"."""
    if value is None or benchmark is None:
        return _one(value), _one(benchmark)
    for digits in (1, 2, 3):
        shown = f"{value:,.{digits}f}", f"{benchmark:,.{digits}f}"
        if shown[0] != shown[1]:
            break
    return shown


def _recommendation(
    row: IndicatorRow, side: str, limit: float, rule: Rule, data: PeriodData, lang: str
) -> Recommendation:
    effect = effect_daily = None
    if rule.effect == "numerator" and row.denominator is not None:
        change = (limit - row.value) / row.indicator.scale * row.denominator
        months, days = len(data.months_held) or 1, data.days or None
        effect = abs(change) / months
        effect_daily = abs(change) / days if days else None
    if rule.effect_unit == "CNY":
        # A month's money is a total: read in 万元, as every total in the report (2 decimals).
        shown = format_value(effect, NumberKind.AMOUNT) or "—"
        unit = labels.text("wan_unit", lang)
    else:
        shown = _approx(effect)
        unit = labels.unit(rule.effect_unit, lang) if rule.effect_unit else ""
    action = rule.text(lang).format(
        indicator=row.indicator.name(lang),
        value=_with_unit(row.value, row, lang),
        limit=_with_unit(limit, row, lang),
        effect=shown,
        effect_daily=_approx(effect_daily),
        unit=unit,
        gap=_gap(limit - row.value, row, lang),
    )
    return Recommendation(
        row=row,
        status=row.status,
        side=side,
        limit=limit,
        evidence=evidence(row, lang, data.grain),
        action=action,
        effect=effect,
        effect_daily=effect_daily,
        effect_unit=rule.effect_unit,
    )


def evidence(row: IndicatorRow, lang: str, grain: str = "month") -> str:
    """本期 9.40 天，目标 ≤ 9.00（预警）；环比 +0.50，同比 +1.10 (a year: 同比 only)."""
    missing = "—"
    key = "evidence" if "prior" in periods.comparisons(grain) else "evidence_yoy"
    return labels.text(key, lang).format(
        value=_with_unit(row.value, row, lang),
        band=format_band(row.band_low, row.band_high, row.kind) or missing,
        status=labels.status(row.status, lang) or missing,
        mom=format_change(row.prior_change, row.kind, lang) or missing,
        yoy=format_change(row.yoy_change, row.kind, lang) or missing,
    )


def _with_unit(value: float, row: IndicatorRow, lang: str) -> str:
    text = format_value(value, row.kind) or "—"
    if row.kind is NumberKind.PERCENT:
        return text
    unit = unit_label(row.indicator, lang)
    return f"{text} {unit}" if lang == "en" else f"{text}{unit}"


def _gap(gap: float, row: IndicatorRow, lang: str) -> str:
    if row.kind is NumberKind.PERCENT:
        return format_points(abs(gap) * 100, lang).lstrip("+")
    return _with_unit(abs(gap), row, lang)


def _approx(amount: float | None) -> str:
    """Round an estimate to what it is worth: whole units from 100 up, else one decimal."""
    if amount is None:
        return "—"
    return f"{amount:,.0f}" if amount >= 100 else f"{amount:,.1f}"
