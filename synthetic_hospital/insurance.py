"""Medical insurance and DRG: the bureau's weights catalogue and each episode's fund payment and
payment standard."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic_hospital.timeline import random_stream

# The codes the insurance bureau's catalogue leaves out (their episodes are 未入组), the low-risk
# groups (低风险组: a death there is a quality signal), and a group whose weight was revised for
# 2026 (its own 2026 row beside the row for every year).
UNGROUPED_DRGS = ("GD19",)
LOW_RISK_DRGS = ("FT25", "ES21", "HZ25", "IU29")
REVISED_DRGS = {"FM19": (2026, 1.06)}
# Basic medical insurance pays this share of an insured episode's cost (统筹支付); commercial
# insurance and self-pay are settled outside it.
FUND_SHARE = {"城镇职工医保": (0.68, 0.76), "城乡居民医保": (0.55, 0.64)}


def drg_weights(episodes: pd.DataFrame) -> pd.DataFrame:
    """The DRG weights ledger as an insurance bureau derives it from the region's cases: a group's
    weight is its mean cost over the mean cost of all cases, its benchmarks the region's mean cost
    and stay (here the hospital's own, a little above)."""
    stays = (episodes["discharge_date"] - episodes["admit_date"]).dt.days.clip(lower=1)
    cases = episodes.assign(stay=stays)
    mean_cost = cases["total_cents"].mean()
    rows = []
    for drg, group in cases.groupby("drg", sort=True):
        if drg in UNGROUPED_DRGS:
            continue
        weight = round(group["total_cents"].mean() / mean_cost, 4)
        row = {
            "drg": drg,
            "weight": weight,
            "benchmark_los": round(group["stay"].mean() * 1.05, 1),
            "benchmark_cost": round(group["total_cents"].mean() * 1.03),
            "low_risk": drg in LOW_RISK_DRGS,
            "year": None,
        }
        rows.append(row)
        if drg in REVISED_DRGS:
            year, factor = REVISED_DRGS[drg]
            rows.append(row | {"weight": round(weight * factor, 4), "year": year})
    return pd.DataFrame(rows).astype({"year": "Int64"})


def with_insurance(episodes: pd.DataFrame, weights: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Fund payment and DRG payment standard per episode (cents), from their own stream so that
    no other figure of the demo moves. The payment standard is the group's weight times the
    region's rate per weight (the mean cost of a case), paid for basic-insurance episodes of a
    group in the catalogue: a stay longer or costlier than its group's loses money."""
    rng = random_stream(seed, "insurance")
    n = len(episodes)
    low = episodes["payer"].map(lambda p: FUND_SHARE.get(p, (np.nan, np.nan))[0]).to_numpy()
    high = episodes["payer"].map(lambda p: FUND_SHARE.get(p, (np.nan, np.nan))[1]).to_numpy()
    share = low + (high - low) * rng.random(n)
    total = episodes["total_cents"].to_numpy()
    paid = np.where(np.isnan(share), np.nan, np.rint(total * np.nan_to_num(share)))
    year = episodes["discharge_date"].dt.year.to_numpy()
    by_year = {(r.drg, r.year): r.weight for r in weights.itertuples() if pd.notna(r.year)}
    every_year = {r.drg: r.weight for r in weights.itertuples() if pd.isna(r.year)}
    weight = np.array(
        [
            by_year.get((d, y), every_year.get(d, np.nan))
            for d, y in zip(episodes["drg"], year, strict=True)
        ]
    )
    rate = total.mean()
    insured = ~np.isnan(share)
    payment = np.where(insured & ~np.isnan(weight), np.rint(np.nan_to_num(weight) * rate), np.nan)
    return episodes.assign(
        insurance_paid_cents=pd.array(paid, dtype="Int64"),
        drg_payment_cents=pd.array(payment, dtype="Int64"),
    )


DRG_NAMES = {
    "FR23": "心力衰竭、休克", "FT25": "高血压", "FV23": "心律失常", "FZ15": "冠状动脉粥样硬化",
    "FM19": "经皮冠状动脉支架植入", "FM33": "心脏起搏器植入",
    "ES21": "呼吸系统感染", "ES31": "慢性阻塞性肺病", "ET15": "支气管哮喘", "ER13": "肺部肿瘤",
    "EB19": "肺部手术", "GZ15": "消化道出血", "HZ25": "胆道感染", "GE19": "阑尾切除",
    "HC29": "胆囊切除", "GD19": "胃切除", "GB29": "结直肠手术", "IZ25": "骨折保守治疗",
    "IU29": "颈腰痛", "IC29": "髋膝关节置换", "IF49": "骨折内固定", "ID19": "脊柱融合",
    "IB39": "关节镜手术",
}  # fmt: skip
