"""概述 (reports.content.summary): each rule on figures made by hand, sentence by sentence, in
Chinese and English. The rows are built here as the report builds them (IndicatorRow with the
catalogue's indicator), so what is asserted is the exact sentence a head reads."""

from __future__ import annotations

from decimal import Decimal

from metrics import catalogue
from reports.content.decomposition import Decomposition, Term
from reports.content.indicators import IndicatorRow
from reports.content.summary import overview
from reports.formatting import NumberKind

KINDS = {
    "outpatient_visits": NumberKind.COUNT,
    "emergency_visits": NumberKind.COUNT,
    "discharges": NumberKind.COUNT,
    "exams": NumberKind.COUNT,
    "bed_occupancy": NumberKind.PERCENT,
    "alos": NumberKind.DECIMAL,
    "equipment_utilization": NumberKind.PERCENT,
    "medical_revenue": NumberKind.AMOUNT,
    "total_expense": NumberKind.AMOUNT,
    "margin": NumberKind.AMOUNT,
    "drug_ratio": NumberKind.PERCENT,
}


def row(metric: str, value, before=None, year_ago=None, **extra) -> IndicatorRow:
    """A row with 环比/同比 computed from the values before, as metric_report computes them."""
    indicator = catalogue.indicators()[metric]
    kind = KINDS[metric]
    scale = 100 if kind is NumberKind.PERCENT else 1  # % changes are in points
    fields = dict(value=value, prior_value=before, yoy_value=year_ago)
    if before is not None:
        fields |= dict(prior_change=(value - before) * scale, prior_change_rel=value / before - 1)
    if year_ago is not None:
        fields |= dict(yoy_change=(value - year_ago) * scale, yoy_change_rel=value / year_ago - 1)
    return IndicatorRow(indicator, kind, **(fields | extra))


def rows(*made: IndicatorRow) -> dict[str, IndicatorRow]:
    return {r.indicator.id: r for r in made}


def move(
    id_: str,
    title: str,
    change: str,
    terms: list[tuple[str, str]],
    explains: str,
    comparison: str = "prior",
    scale: int = 1,
) -> Decomposition:
    """A decomposition as the report's section gives it: the change and each term as shown (元, or
    points for a rate), their exact amounts those in the indicator's unit (÷ `scale`: 100 from
    points to a fraction). What the 概述 reads of it: amounts for money, shown values for a rate."""
    shown = Decimal(change)
    return Decomposition(
        id=id_,
        title=title,
        comparison=comparison,
        comparison_label="环比" if comparison == "prior" else "同比",
        base_period="2026-09",
        before="",
        after="",
        change=float(shown) / scale,
        change_shown=shown,
        change_text=f"{shown:+,}",
        total_arithmetic="",
        terms=[
            Term(label, "", "", float(Decimal(p)) / scale, Decimal(p), f"{Decimal(p):+,}")
            for label, p in terms
        ],
        legend="",
        explains=(explains,),
    )


def revenue_move(comparison: str = "prior") -> Decomposition:
    """门诊收入 1,000,000.00 → 1,181,200.00 元 (+181,200): visits 5,000 → 5,200 at 200 元, then
    227.15 元 a visit. Volume (5,200 − 5,000) × 200 = 40,000 (4.00万元); rate
    5,200 × (227.1538… − 200) = 141,200 (14.12万元); 4.00 + 14.12 = 18.12万元."""
    terms = [("业务量效应", "40000.00"), ("次均费用效应", "141200.00")]
    return move("op_revenue", "门诊收入", "181200.00", terms, "medical_revenue", comparison)


def test_volume_use_and_money_sentences_in_order():
    figures = rows(
        # 1,550 visits against 1,500 (+3.3%: 1,550 / 1,500 − 1 = 0.0333) and 1,600 a year ago
        # (−3.1%: 1,550 / 1,600 − 1 = −0.03125)
        row("outpatient_visits", 1550, 1500, 1600),
        row("discharges", 131, 125),  # +4.8%: 131 / 125 − 1 = 0.048; no year-ago figure
        # occupancy 87.6% against 80.0%: +7.6 points; ALOS 9.40 against 8.90 days: +0.50
        row("bed_occupancy", 0.876, 0.80),
        row("alos", 9.40, 8.90),
        # revenue 1,120,000.50 元 = 112.00万元, +12.0% on 1,000,000.45 (1,120,000.50 / 1,000,000.45
        # − 1 = 0.11999); expense 950,000 = 95.00万元, −5.0% on 1,000,000; margin 17.00万元, its
        # change in 万元: 170,000.50 − 0.45 = +17.00万元 (a relative change of a margin misleads)
        row("medical_revenue", 1_120_000.50, 1_000_000.45),
        row("total_expense", 950_000.0, 1_000_000.0),
        row("margin", 170_000.50, 0.45),
    )
    sentences = overview(figures, {}, [], "month", "zh")
    assert sentences[:3] == [
        "本月门诊人次1,550（环比+3.3%，同比-3.1%），出院人数131（环比+4.8%）。",
        "病床使用率87.6%（环比+7.6个百分点），平均住院日9.40天（环比+0.50）。",
        "医疗收入112.00万元（环比+12.0%），医疗支出95.00万元（环比-5.0%），"
        "收支结余17.00万元（环比+17.00万元）。",
    ]
    english = overview(figures, {}, [], "month", "en")
    assert english[0] == (
        "This month: Outpatient visits 1,550 (MoM +3.3%, YoY -3.1%); Discharges 131 (MoM +4.8%)."
    )
    assert english[2].startswith("Medical revenue 112.00 × 10k CNY (MoM +12.0%)")


def test_a_year_is_compared_with_the_year_before_only():
    # 18,000 visits against 16,000 a year before: +12.5% (18,000 / 16,000 − 1); the year's 环比
    # is the same comparison and is never said twice
    figures = rows(row("outpatient_visits", 18_000, 16_000, 16_000))
    assert overview(figures, {}, [], "year", "zh")[0] == "本年门诊人次18,000（同比+12.5%）。"


def test_the_largest_revenue_move_is_told_with_its_factors_in_wan():
    figures = rows(row("outpatient_visits", 5200, 5000))
    sentences = overview(figures, {}, [revenue_move()], "month", "zh")
    # 181,200 元 = +18.12万元 = 4.00 + 14.12 (see revenue_move)
    assert "门诊收入环比+18.12万元，其中业务量效应+4.00万元、次均费用效应+14.12万元。" in sentences
    # a month quotes its 环比 move; the 同比 one is for a year
    assert not any("同比+18.12" in s for s in sentences)
    yearly = overview(figures, {}, [revenue_move("yoy")], "year", "zh")
    assert "门诊收入同比+18.12万元，其中业务量效应+4.00万元、次均费用效应+14.12万元。" in yearly


def occupancy_move(terms: list[tuple[str, str]]) -> Decomposition:
    """病床使用率 80.00% → 87.60% (+7.60 points), with terms in points as the section shows them."""
    return move("bed_occupancy", "病床使用率", "7.60", terms, "bed_occupancy", scale=100)


def test_the_occupancy_move_names_its_largest_term_and_the_rest_together():
    figures = rows(row("bed_occupancy", 0.876, 0.80))
    # +7.60 = 住院日 +5.10 + 日均出院 +3.00 + 其他占用床日 −0.20 + 开放床位 −0.30; the largest
    # is the stay's +5.10, the other three together 3.00 − 0.20 − 0.30 = +2.50
    four = occupancy_move(
        [("日均出院人数效应", "3.00"), ("住院日效应", "5.10"), ("其他占用床日变动", "-0.20"),
         ("开放床位效应", "-0.30")]
    )  # fmt: skip
    sentences = overview(figures, {}, [four], "month", "zh")
    assert (
        "病床使用率环比+7.60个百分点，其中住院日效应+5.10个百分点、其余因素合计+2.50个百分点。"
    ) in sentences
    # a largest term above the change: the others' −1.20 is said, not left out (+8.80 − 1.20)
    above = occupancy_move([("其他占用床日变动", "8.80"), ("住院日效应", "-1.20")])
    assert (
        "病床使用率环比+7.60个百分点，其中其他占用床日变动+8.80个百分点、其余因素合计-1.20个百分点。"
    ) in overview(figures, {}, [above], "month", "zh")
    # one term (or the others adding to nothing): the largest alone
    alone = "病床使用率环比+7.60个百分点，其中住院日效应+7.60个百分点。"
    for terms in ([("住院日效应", "7.60"), ("开放床位效应", "0.00")], [("住院日效应", "7.60")]):
        assert alone in overview(figures, {}, [occupancy_move(terms)], "month", "zh"), terms
    english = overview(figures, {}, [four], "month", "en")
    assert any(
        "of which 住院日效应 +5.10 pp, other factors together +2.50 pp." in s for s in english
    )


def test_a_streak_outside_the_target_is_counted_back_from_this_month():
    # 药占比 target ≤ 30%: the last 4 months 31%, 32%, 33%, 34% are above it; the month before
    # (29%) was not, so the streak is 4, not 6
    drug = row("drug_ratio", 0.34, 0.33, band_high=0.30, status="alert")
    trend = [0.35, 0.29, 0.31, 0.32, 0.33, 0.34]
    sentences = overview(rows(drug), {"drug_ratio": trend}, [], "month", "zh")
    assert "药占比连续4个月高于目标（≤ 30.0%）。" in sentences
    # two months above is no streak yet; a month without a figure ends one
    assert not any(
        "连续" in s
        for s in overview(rows(drug), {"drug_ratio": [0.2, 0.33, 0.34]}, [], "month", "zh")
    )
    broken = [0.31, 0.32, None, 0.33, 0.34]
    assert not any(
        "连续" in s for s in overview(rows(drug), {"drug_ratio": broken}, [], "month", "zh")
    )


def test_attention_is_counted_and_a_quiet_month_says_so():
    alert = row("drug_ratio", 0.34, band_high=0.30, status="alert")
    watch = row("bed_occupancy", 0.78, band_low=0.80, status="watch")
    assert overview(rows(alert, watch), {}, [], "month", "zh")[-1] == (
        "1项指标预警、1项需关注，原因与建议见下文。"
    )
    calm = row("bed_occupancy", 0.86, band_low=0.80, band_high=0.93, status="normal")
    assert overview(rows(calm), {}, [], "month", "zh")[-1] == "有目标的指标均在目标范围内。"


def test_withheld_and_missing_figures_are_left_out_never_read_as_zero():
    figures = rows(
        row("outpatient_visits", 1550, 1500, withheld=True),
        row("discharges", None),
        row("medical_revenue", 1_000_000.0),  # no comparison: the item alone
    )
    sentences = overview(figures, {}, [], "month", "zh")
    assert sentences == ["医疗收入100.00万元。", "部分数据因台账错误暂不发布，相关数字未列入概述。"]
    assert not any("门诊人次" in s or "出院人数" in s for s in sentences)


def test_a_department_without_beds_reads_its_exams_and_equipment():
    # 2,400 exams (+20.0% on 2,000), equipment used 75.0% (+5.0 points on 70.0%)
    figures = rows(row("exams", 2400, 2000), row("equipment_utilization", 0.75, 0.70))
    assert overview(figures, {}, [], "month", "zh")[:2] == [
        "本月检查人次2,400（环比+20.0%）。",
        "设备使用率75.0%（环比+5.0个百分点）。",
    ]


def test_never_more_than_six_sentences_and_the_attention_line_stays():
    drug = row("drug_ratio", 0.34, 0.33, band_high=0.30, status="alert")
    figures = rows(
        row("outpatient_visits", 1550, 1500),
        row("bed_occupancy", 0.876, 0.80),
        row("medical_revenue", 1_120_000.50, 1_000_000.45),
        drug,
    )
    sentences = overview(figures, {"drug_ratio": [0.31] * 6}, [revenue_move()], "month", "zh")
    assert len(sentences) == 6
    assert sentences[-1] == "1项指标预警、0项需关注，原因与建议见下文。"
