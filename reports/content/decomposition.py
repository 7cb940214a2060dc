"""Where a move came from: two-factor decompositions that add up exactly.

Revenue = volume × revenue per unit (outpatient: visits × revenue per visit; inpatient:
discharges × revenue per discharge; a medical-technology department's whole revenue: exams ×
revenue per exam, in place of the other two). Between a base period 0 and this period 1:

    R₁ − R₀ = (V₁ − V₀) × P₀  +  V₁ × (P₁ − P₀)          (volume effect + price effect)

Occupancy = occupied bed-days B / available bed-days, taken per day so that a 31-day month does not
pass for more capacity: B/n (n = days(P)) is the average census, a = available bed-days / n the
average open beds, and by Little's law the average census ≈ discharges per day D/n × ALOS L. The
part of B that D × L does not explain (patients still in at the end, stays begun before the
period) is kept as its own term, and the change of open beds as another, so that

    b₁/a₁ − b₀/a₀ = (D₁/n₁ − D₀/n₀) × L₀ / a₁                discharges effect
                  + D₁/n₁ × (L₁ − L₀) / a₁                   length-of-stay effect
                  + [(B₁ − D₁L₁)/n₁ − (B₀ − D₀L₀)/n₀] / a₁    other bed-days
                  + b₀/a₁ − b₀/a₀                            open beds effect  (b = B/n)

Both are identities. The numbers come from metric_report's numerators and denominators. Shown
terms are rounded so that they add up to the shown total to the last digit (largest remainder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Protocol

from metrics import catalogue
from reports import labels, periods
from reports.data.warehouse import PeriodData, ReportValue
from reports.formatting import NumberKind, format_change, format_points, format_value


@dataclass(frozen=True)
class Term:
    label: str
    formula: str
    arithmetic: str
    amount: float  # exact, in the decomposition's unit (CNY, or a fraction for occupancy)
    shown: Decimal  # rounded; the shown terms add up to the shown change
    text: str  # `shown` formatted, signed


@dataclass(frozen=True)
class Decomposition:
    id: str
    title: str
    comparison: str  # 'prior' (环比) or 'yoy' (同比)
    comparison_label: str
    base_period: str
    before: str
    after: str
    change: float
    change_shown: Decimal
    change_text: str
    total_arithmetic: str
    terms: list[Term]
    legend: str
    explains: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    """A total that is volume × rate, read from the rate indicator: its numerator is the total
    and its denominator the volume."""

    id: str
    rate: str
    total_label: str  # a catalogue indicator id, or a labels.toml key
    volume_label: str  # a catalogue indicator id, or a labels.toml key
    explains: tuple[str, ...]
    # labels.toml keys of the two terms
    volume_effect: str = "volume_effect"
    rate_effect: str = "rate_effect"


PRODUCTS = (
    Product(
        "op_revenue",
        rate="op_revenue_per_visit",
        total_label="op_revenue",
        volume_label="op_visits",
        explains=(
            "medical_revenue",
            "op_revenue_per_visit",
            "revenue_budget_execution",
            "margin",
            "margin_rate",
        ),
    ),
    Product(
        "ip_revenue",
        rate="ip_revenue_per_discharge",
        total_label="ip_revenue",
        volume_label="discharges",
        explains=(
            "medical_revenue",
            "ip_revenue_per_discharge",
            "revenue_budget_execution",
            "margin",
            "margin_rate",
        ),
    ),
)
# A department of these kinds is decomposed by its own products instead (no beds: no occupancy).
KIND_PRODUCTS = {
    "medtech": (
        Product(
            "exam_revenue",
            rate="revenue_per_exam",
            total_label="medical_revenue",
            volume_label="exams",
            explains=(
                "medical_revenue",
                "revenue_per_exam",
                "revenue_budget_execution",
                "margin",
                "margin_rate",
            ),
            volume_effect="exams_effect",
            rate_effect="exam_rate_effect",
        ),
    )
}
OCCUPANCY_EXPLAINS = ("bed_occupancy", "occupied_bed_days", "alos", "bed_work_days", "bed_turnover")
OCCUPANCY_READS = (*OCCUPANCY_EXPLAINS, "avg_open_beds")


class Figure(Protocol):
    """An indicator's value with the numerator and denominator of its formula (a ReportValue of
    a period, a RangeValue of a range of months)."""

    value: float | None
    numerator: float | None
    denominator: float | None


Figures = Callable[[str], Figure | None]  # metric -> its figure in one period

_CENT = Decimal("0.01")
_HUNDREDTH_PP = Decimal("0.01")


def decompose(
    data: PeriodData, dept: str, lang: str, kind: str | None = None
) -> list[Decomposition]:
    """Every decomposition that the department's figures allow, against the previous period and
    the same period a year earlier (a year: against the year before, which is its 同比 only). A
    department of a kind with products of its own (KIND_PRODUCTS) is decomposed by those."""
    result = []
    now = partial(data.value, dept)
    products = KIND_PRODUCTS.get(kind, PRODUCTS)
    for comparison in periods.comparisons(data.grain):
        for product in products:
            base = _base(data, dept, product.rate, comparison, (product.rate, *product.explains))
            if base is not None:
                before = partial(_value_in, data, dept, base)
                result.append(_product(product, now, before, base, comparison, lang))
        base = _base(data, dept, "bed_occupancy", comparison, OCCUPANCY_READS)
        if base is not None and kind not in KIND_PRODUCTS:
            before = partial(_value_in, data, dept, base)
            result.append(_occupancy(now, before, base, comparison, lang))
    return [found for found in result if found is not None]


def decompose_between(
    now: Figures,
    before: Figures,
    base_period: str,
    comparison: str,
    lang: str,
    published: Callable[[tuple[str, ...]], bool] = lambda _reads: True,
) -> list[Decomposition]:
    """Every decomposition between two sets of figures of one department (`now(metric)` and
    `before(metric)` give a value with its numerator and denominator, or None), as for a range
    of months against the same months a year earlier; `published(reads)` says whether the
    figures a decomposition reads may be shown in both."""
    result = [
        _product(product, now, before, base_period, comparison, lang)
        for product in PRODUCTS
        if published((product.rate, *product.explains))
    ]
    if published(OCCUPANCY_READS):
        result.append(_occupancy(now, before, base_period, comparison, lang))
    return [found for found in result if found is not None]


def _value_in(data: PeriodData, dept: str, period: str, metric: str) -> ReportValue | None:
    return data.value(dept, metric, period)


def _base(
    data: PeriodData, dept: str, metric: str, comparison: str, reads: tuple[str, ...]
) -> str | None:
    """The comparison's base period, if the figures it `reads` may be published in this period
    and in the base."""
    if data.publication.withheld_any(dept, data.months, reads):
        return None
    current = data.value(dept, metric)
    if current is None:
        return None
    base = current.prior_period if comparison == "prior" else current.yoy_period
    if not base:
        return None
    # A period in progress is never decomposed against a whole one (its 累计同比 window's inputs
    # are not those of the base period), nor a whole one against a partial base.
    partial = current.months_covered is not None and current.months_covered != (
        current.months_in_period
    )
    reason = current.prior_reason if comparison == "prior" else current.yoy_reason
    if partial or current.in_progress or reason:
        return None
    if data.publication.withheld_any(dept, periods.months(data.grain, base), reads):
        return None
    return base


def _complete(*reports: Figure | None) -> bool:
    return all(
        r is not None and r.numerator is not None and r.denominator is not None and r.denominator
        for r in reports
    )


def _product(
    product: Product, now: Figures, before: Figures, base: str, comparison: str, lang: str
) -> Decomposition | None:
    current, earlier = now(product.rate), before(product.rate)
    if not _complete(current, earlier):
        return None
    r1, v1 = current.numerator, current.denominator
    r0, v0 = earlier.numerator, earlier.denominator
    p1, p0 = r1 / v1, r0 / v0
    volume = (v1 - v0) * p0
    price = v1 * (p1 - p0)
    change = r1 - r0
    shown_change, shown = rounded_to_total(change, [volume, price], _CENT)
    money, count = NumberKind.MONEY, NumberKind.COUNT
    rate_name = catalogue.indicators()[product.rate].name(lang)
    t = labels.text
    v = {"v1": format_value(v1, count), "v0": format_value(v0, count)}
    v |= {"p1": format_value(p1, money), "p0": format_value(p0, money)}
    terms = [
        Term(
            t(product.volume_effect, lang),
            "(V₁ − V₀) × P₀",
            f"({v['v1']} − {v['v0']}) × {v['p0']}",
            volume,
            shown[0],
            _signed_money(shown[0]),
        ),
        Term(
            t(product.rate_effect, lang),
            "V₁ × (P₁ − P₀)",
            f"{v['v1']} × ({v['p1']} − {v['p0']})",
            price,
            shown[1],
            _signed_money(shown[1]),
        ),
    ]
    legend = t("product_legend", lang).format(
        total=_name(product.total_label, lang),
        volume=_name(product.volume_label, lang),
        rate=rate_name,
    )
    return Decomposition(
        id=product.id,
        title=_name(product.total_label, lang),
        comparison=comparison,
        comparison_label=t("mom" if comparison == "prior" else "yoy", lang),
        base_period=base,
        before=format_value(r0, money),
        after=format_value(r1, money),
        change=change,
        change_shown=shown_change,
        change_text=_signed_money(shown_change),
        total_arithmetic=f"{format_value(r1, money)} − {format_value(r0, money)}",
        terms=terms,
        legend=legend,
        explains=product.explains,
    )


def _occupancy(
    now: Figures, before: Figures, base: str, comparison: str, lang: str
) -> Decomposition | None:
    figures = {}
    for key, value in (("1", now), ("0", before)):
        alos = value("alos")
        occupied = value("occupied_bed_days")
        beds = value("avg_open_beds")  # available bed-days / days(P)
        if not _complete(alos, occupied, beds) or not beds.value:
            return None
        # D, D × L (Σ LOS), B, days(P), a
        figures[key] = (
            alos.denominator,
            alos.numerator,
            occupied.value,
            beds.denominator,
            beds.value,
        )
    (d1, s1, b1, n1, a1), (d0, s0, b0, n0, a0) = figures["1"], figures["0"]
    l1, l0 = s1 / d1, s0 / d0
    discharges = (d1 / n1 - d0 / n0) * l0 / a1
    stay = d1 / n1 * (l1 - l0) / a1
    other = ((b1 - s1) / n1 - (b0 - s0) / n0) / a1
    capacity = b0 / n0 / a1 - b0 / n0 / a0
    change = b1 / n1 / a1 - b0 / n0 / a0
    # Shown in percentage points, to a hundredth.
    shown_change, shown = rounded_to_total(
        change * 100, [x * 100 for x in (discharges, stay, other, capacity)], _HUNDREDTH_PP
    )
    count, decimal = NumberKind.COUNT, NumberKind.DECIMAL
    f = {
        name: format_value(x, count)
        for name, x in (("d1", d1), ("d0", d0), ("b1", b1), ("b0", b0), ("s1", s1), ("s0", s0))
    }
    f |= {name: format_value(x, count) for name, x in (("n1", n1), ("n0", n0))}
    f |= {"a1": format_value(a1, decimal), "a0": format_value(a0, decimal)}
    f |= {"l1": format_value(l1, decimal), "l0": format_value(l0, decimal)}
    t = labels.text
    rows = [
        (
            "discharges_effect",
            "(D₁/n₁ − D₀/n₀) × L₀ ÷ a₁",
            f"({f['d1']} ÷ {f['n1']} − {f['d0']} ÷ {f['n0']}) × {f['l0']} ÷ {f['a1']}",
            discharges,
        ),
        (
            "stay_effect",
            "D₁/n₁ × (L₁ − L₀) ÷ a₁",
            f"{f['d1']} ÷ {f['n1']} × ({f['l1']} − {f['l0']}) ÷ {f['a1']}",
            stay,
        ),
        (
            "other_bed_days_effect",
            "[(B₁ − D₁L₁)/n₁ − (B₀ − D₀L₀)/n₀] ÷ a₁",
            f"[({f['b1']} − {f['s1']}) ÷ {f['n1']} − ({f['b0']} − {f['s0']}) ÷ {f['n0']}] ÷ {f['a1']}",
            other,
        ),
        (
            "capacity_effect",
            "B₀/n₀ ÷ a₁ − B₀/n₀ ÷ a₀",
            f"{f['b0']} ÷ {f['n0']} ÷ {f['a1']} − {f['b0']} ÷ {f['n0']} ÷ {f['a0']}",
            capacity,
        ),
    ]
    terms = [
        Term(
            t(key, lang), formula, arithmetic, amount, shown_amount, _signed_pp(shown_amount, lang)
        )
        for (key, formula, arithmetic, amount), shown_amount in zip(rows, shown, strict=True)
    ]
    names = catalogue.indicators()
    legend = t("occupancy_legend", lang).format(
        discharges=t("discharged_episodes", lang),
        alos=names["alos"].name(lang),
        occupied=names["occupied_bed_days"].name(lang),
        beds=names["avg_open_beds"].name(lang),
    )
    percent = NumberKind.PERCENT
    return Decomposition(
        id="bed_occupancy",
        title=names["bed_occupancy"].name(lang),
        comparison=comparison,
        comparison_label=t("mom" if comparison == "prior" else "yoy", lang),
        base_period=base,
        before=format_value(b0 / n0 / a0, percent),
        after=format_value(b1 / n1 / a1, percent),
        change=change,
        change_shown=shown_change,
        change_text=_signed_pp(shown_change, lang),
        total_arithmetic=(f"{f['b1']} ÷ {f['n1']} ÷ {f['a1']} − {f['b0']} ÷ {f['n0']} ÷ {f['a0']}"),
        terms=terms,
        legend=legend,
        explains=OCCUPANCY_EXPLAINS,
    )


def _name(key: str, lang: str) -> str:
    indicator = catalogue.indicators().get(key)
    return indicator.name(lang) if indicator else labels.text(key, lang)


def rounded_to_total(
    total: float, amounts: list[float], step: Decimal
) -> tuple[Decimal, list[Decimal]]:
    """Round the total and the terms to `step`, moving the terms' rounding (largest remainder
    first) so that the rounded terms add up to the rounded total exactly."""
    shown_total = Decimal(repr(total)).quantize(step, ROUND_HALF_UP)
    exact = [Decimal(repr(a)) for a in amounts]
    shown = [a.quantize(step, ROUND_HALF_UP) for a in exact]
    gap = shown_total - sum(shown)
    direction = step if gap > 0 else -step
    while gap:
        # the term whose rounding moved it furthest against the gap takes one step
        index = max(range(len(shown)), key=lambda i: (exact[i] - shown[i]) * direction)
        shown[index] += direction
        gap -= direction
    return shown_total, shown


def _signed_money(amount: Decimal) -> str:
    return format_change(float(amount), NumberKind.MONEY, "zh")  # money reads the same in both


def _signed_pp(amount: Decimal, lang: str) -> str:
    return format_points(float(amount), lang, digits=2)
