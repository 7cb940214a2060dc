"""概述: the 3–6 sentences a department head reads first, made from the report's figures by rules
(no language model: the same figures give the same words, and each rule is tested on figures made
by hand in tests/test_report_summary.py).

In order: volume (visits, discharges, exams; a medical-technology department's exams), bed or
equipment use, money in 万元, the largest
move of revenue with its decomposition in one clause, streaks outside the target, then how many
indicators need attention. A figure that is withheld, suppressed or missing is left out, never
read as 0; a comparison that is missing is left out of its item.
"""

from __future__ import annotations

from decimal import Decimal

from reports import labels, periods
from reports.content.decomposition import Decomposition, rounded_to_total
from reports.content.indicators import IndicatorRow
from reports.formatting import (
    NumberKind,
    format_band,
    format_change,
    format_points,
    format_relative,
    format_value,
    format_wan,
    unit_label,
)

MAX_SENTENCES = 6
# Volume first, then use of beds (or, in a department without beds, of its equipment).
VOLUME = ("outpatient_visits", "emergency_visits", "discharges", "surgeries", "exams")
USE = ("bed_occupancy", "alos", "equipment_utilization", "large_equipment_daily_uses")
# A medical-technology department speaks of its exams and its equipment, then its money.
KIND_VOLUME = {"medtech": ("exams",)}
KIND_USE = {"medtech": ("large_equipment_daily_uses", "equipment_utilization")}
MONEY = ("medical_revenue", "total_expense", "margin")
# Money whose relative change misleads (a margin near zero doubles on a small move): 万元 instead.
ABSOLUTE_MONEY = ("margin",)
ITEMS_PER_SENTENCE = 3
# Revenue decompositions a sentence may quote; occupancy is quoted by its main term.
REVENUE_MOVES = ("op_revenue", "ip_revenue", "exam_revenue")
MIN_STREAK = 3
MAX_STREAKS = 2
_WAN_CENT = Decimal("0.01")


def overview(
    rows: dict[str, IndicatorRow],
    trends: dict[str, list[float | None]],
    decompositions: list[Decomposition],
    grain: str,
    lang: str,
    kind: str | None = None,
) -> list[str]:
    """The 概述 of a report: at most MAX_SENTENCES sentences, each from one rule; the volume and
    use sentences of a department `kind` with figures of its own (KIND_VOLUME, KIND_USE)."""
    body = [
        _items_sentence(rows, KIND_VOLUME.get(kind, VOLUME), grain, lang),
        _items_sentence(rows, KIND_USE.get(kind, USE), grain, lang, with_period=False),
        _items_sentence(rows, MONEY, grain, lang, with_period=False),
        _revenue_move(decompositions, grain, lang),
        *_streaks(rows, trends, grain, lang),
        _occupancy_move(decompositions, grain, lang),
    ]
    tail = [_attention(rows, lang), _withheld(rows, lang)]
    body, tail = [s for s in body if s], [s for s in tail if s]
    return body[: MAX_SENTENCES - len(tail)] + tail


def main_comparison(grain: str) -> str:
    """The comparison a sentence quotes: 环比, or a year's 同比 (periods.comparisons)."""
    return periods.comparisons(grain)[0]


def shown(row: IndicatorRow | None) -> bool:
    return row is not None and row.has_value and not row.withheld and not row.suppressed


def _items_sentence(
    rows: dict[str, IndicatorRow],
    metrics: tuple[str, ...],
    grain: str,
    lang: str,
    with_period: bool = True,
) -> str | None:
    items = [_item(rows[m], grain, lang) for m in metrics if shown(rows.get(m))]
    if not items:
        return None
    joined = labels.text("overview_join", lang).join(items[:ITEMS_PER_SENTENCE])
    if not with_period:
        return f"{joined}{'。' if lang == 'zh' else '.'}"
    period = labels.text(f"this_period_{grain}", lang)
    return labels.text("overview_volume", lang).format(period=period, items=joined)


def _item(row: IndicatorRow, grain: str, lang: str) -> str:
    """门诊人次1,550（环比+3.3%，同比+5.0%）"""
    name = row.indicator.name(lang)
    value = _figure(row, lang)
    changes = []
    comparisons = periods.comparisons(grain)
    for comparison in comparisons:
        text = _change(row, comparison, lang)
        if text:
            label = labels.text("mom" if comparison == "prior" else "yoy", lang)
            changes.append(f"{label}{text}" if lang == "zh" else f"{label} {text}")
    if not changes:
        return labels.text("overview_item_plain", lang).format(name=name, value=value)
    joined = labels.text("overview_change_join", lang).join(changes)
    return labels.text("overview_item", lang).format(name=name, value=value, changes=joined)


def _figure(row: IndicatorRow, lang: str) -> str:
    if row.kind is NumberKind.AMOUNT:
        return format_wan(row.value, lang)
    text = format_value(row.value, row.kind)
    if row.kind in (NumberKind.PERCENT, NumberKind.COUNT):
        return text
    unit = unit_label(row.indicator, lang)
    return f"{text}{unit}" if lang == "zh" else f"{text} {unit}"


def _change(row: IndicatorRow, comparison: str, lang: str) -> str | None:
    """Counts and money by how much they moved relatively (+3.3%), rates in points or units;
    money whose relative change misleads (ABSOLUTE_MONEY) in 万元."""
    absolute = row.prior_change if comparison == "prior" else row.yoy_change
    relative = row.prior_change_rel if comparison == "prior" else row.yoy_change_rel
    if row.kind is NumberKind.AMOUNT and row.indicator.id in ABSOLUTE_MONEY:
        return format_wan(absolute, lang, signed=True)
    if row.kind in (NumberKind.COUNT, NumberKind.AMOUNT, NumberKind.MONEY):
        return format_relative(relative)
    return format_change(absolute, row.kind, lang)


def _revenue_move(decompositions: list[Decomposition], grain: str, lang: str) -> str | None:
    """门诊收入环比+18.12万元，其中业务量效应+4.20万元、次均费用效应+13.92万元。"""
    wanted = main_comparison(grain)
    moves = [
        d
        for d in decompositions
        if d.id in REVENUE_MOVES and d.comparison == wanted and d.change_shown
    ]
    if not moves:
        return None
    move = max(moves, key=lambda d: abs(d.change))
    # In 万元 to the hundredth, rounded so the terms add up to the total as shown.
    total, parts = rounded_to_total(
        move.change / 10_000, [term.amount / 10_000 for term in move.terms], _WAN_CENT
    )
    wan = labels.text("wan_unit", lang)
    space = "" if lang == "zh" else " "
    terms = labels.text("overview_term_join", lang).join(
        labels.text("overview_term", lang).format(
            label=term.label, amount=f"{_signed_decimal(part)}{space}{wan}"
        )
        for term, part in zip(move.terms, parts, strict=True)
    )
    return labels.text("overview_move", lang).format(
        title=move.title,
        comparison=move.comparison_label,
        change=f"{_signed_decimal(total)}{space}{wan}",
        terms=terms,
    )


def _occupancy_move(decompositions: list[Decomposition], grain: str, lang: str) -> str | None:
    """病床使用率环比+7.60个百分点，其中住院日效应+5.10个百分点、其余因素合计+2.50个百分点。
    Its largest term, and the others together: a term larger than the change it explains is
    never left to stand alone (the section below lists every term)."""
    wanted = main_comparison(grain)
    found = [d for d in decompositions if d.id == "bed_occupancy" and d.comparison == wanted]
    if not found or abs(found[0].change_shown) < 1:
        return None
    move = found[0]
    main = max(move.terms, key=lambda term: abs(term.shown))
    terms = [
        labels.text("overview_term", lang).format(
            label=main.label, amount=format_points(float(main.shown), lang, 2)
        )
    ]
    # the shown terms add up to the shown change: a lone term leaves no rest
    rest = move.change_shown - main.shown
    if rest != 0:
        terms.append(
            labels.text("overview_rest", lang).format(amount=format_points(float(rest), lang, 2))
        )
    return labels.text("overview_move", lang).format(
        title=move.title,
        comparison=move.comparison_label,
        change=format_points(float(move.change_shown), lang, 2),
        terms=labels.text("overview_term_join", lang).join(terms),
    )


def _streaks(
    rows: dict[str, IndicatorRow], trends: dict[str, list[float | None]], grain: str, lang: str
) -> list[str]:
    """药占比连续4个月高于目标（≤ 30.0%）。 Counted back from this period over the trend window
    against today's band; a period without a figure ends the streak."""
    found = []
    for metric, row in rows.items():
        if not shown(row) or row.breached_limit is None or metric not in trends:
            continue
        high = row.band_high is not None and row.value > row.band_high
        count = 0
        for value in reversed(trends[metric]):
            if value is None:
                break
            outside = value > row.band_high if high else value < row.band_low
            if not outside:
                break
            count += 1
        if count >= MIN_STREAK:
            found.append((count, metric, row, high))
    found.sort(key=lambda f: -f[0])  # stable: catalogue order among equal streaks
    sentences = []
    for count, _, row, high in found[:MAX_STREAKS]:
        sentences.append(
            labels.text("overview_streak_high" if high else "overview_streak_low", lang).format(
                name=row.indicator.name(lang),
                count=count,
                unit=labels.text(f"streak_unit_{grain}", lang),
                band=format_band(row.band_low, row.band_high, row.kind),
            )
        )
    return sentences


def _attention(rows: dict[str, IndicatorRow], lang: str) -> str | None:
    statuses = [row.status for row in rows.values() if shown(row) and row.has_band]
    if not statuses:
        return None
    alerts, watches = statuses.count("alert"), statuses.count("watch")
    if alerts or watches:
        return labels.text("overview_attention", lang).format(alerts=alerts, watches=watches)
    return labels.text("overview_all_in_band", lang)


def _withheld(rows: dict[str, IndicatorRow], lang: str) -> str | None:
    if any(row.withheld for row in rows.values()):
        return labels.text("overview_withheld", lang)
    return None


def _signed_decimal(amount: Decimal) -> str:
    if amount > 0:
        return f"+{amount:,.2f}"
    if amount < 0:
        return f"-{abs(amount):,.2f}"
    return f"{amount:,.2f}"
