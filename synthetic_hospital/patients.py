"""What patients say: the monthly feedback survey and the complaints register."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from synthetic_hospital.clinics import CLINICS
from synthetic_hospital.timeline import (
    SAVED_DAYS_AFTER_MONTH,
    Calendar,
    month_end,
    month_start,
    random_stream,
    winter_factor,
)


def patient_feedback(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = random_stream(seed, "feedback")
    effects = random_stream(seed, "measure effects")
    rows = []
    for clinic in CLINICS:
        for month in calendar.months:
            season = winter_factor(
                np.array([np.datetime64(month + "-15")]), clinic.winter_peak * 2
            )[0]
            surveys = int(rng.integers(80, 160) if clinic.dept == "RAD" else rng.integers(120, 260))
            satisfaction = float(np.clip(rng.normal(0.935, 0.012), 0.88, 0.985))
            visits = measures.loc[(clinic.dept, month), "outpatient_visits"]
            rows.append(
                {
                    "month": month, "dept": clinic.dept, "surveys": surveys,
                    "satisfied": int(rng.binomial(surveys, satisfaction)),
                    "complaints": int(rng.poisson(0.5 + visits / 5000)),
                    "compliments": int(rng.poisson(4)),
                    "wait_samples": int(rng.integers(60, 200)),
                    "avg_wait_minutes": round(clinic.wait_minutes * season * rng.lognormal(0, 0.08), 1),
                }
            )  # fmt: skip
            _measure_effects(rows[-1], satisfaction, effects)
    return pd.DataFrame(rows)


# What two of the improvement measures of ACTIONS did, from their start month on: cardiology's
# follow-up calls lift satisfaction by 2.5 points, respiratory medicine's timed appointments cut
# the wait by a fifth. Drawn from a stream of their own, so no other demo figure moves.
SATISFACTION_LIFT = {"CARD": ("2026-01", 0.025)}
WAIT_FACTOR = {"RESP": ("2025-11", 0.8)}


def _measure_effects(row: dict, satisfaction: float, rng: np.random.Generator) -> None:
    dept, month = row["dept"], row["month"]
    if dept in SATISFACTION_LIFT and month >= SATISFACTION_LIFT[dept][0]:
        # a dissatisfied patient is now satisfied with probability lift / (1 − p): p + lift
        lift = SATISFACTION_LIFT[dept][1] / max(1 - satisfaction, 1e-9)
        row["satisfied"] += int(rng.binomial(row["surveys"] - row["satisfied"], min(lift, 1)))
    if dept in WAIT_FACTOR and month >= WAIT_FACTOR[dept][0]:
        row["avg_wait_minutes"] = round(row["avg_wait_minutes"] * WAIT_FACTOR[dept][1], 1)


COMPLAINT_CATEGORIES = {"waiting": 0.32, "attitude": 0.25, "quality": 0.18, "cost": 0.12,
                        "environment": 0.08, "other": 0.05}  # fmt: skip
COMPLAINT_CHANNELS = {"in_person": 0.45, "phone": 0.25, "online": 0.22, "letter": 0.05,
                      "other": 0.03}  # fmt: skip
COMPLAINT_CATEGORY_ZH = {"attitude": "服务态度", "quality": "医疗质量", "waiting": "等候时间", "cost": "费用",
               "environment": "环境设施", "other": "其他"}  # fmt: skip
CHANNEL_ZH = {
    "in_person": "现场",
    "phone": "电话",
    "online": "网络",
    "letter": "信函",
    "other": "其他",
}


def complaints_register(calendar: Calendar, feedback: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The patient services office's register: exactly the complaints the feedback ledger counts,
    each dated in its month, with a category and channel; most are closed within the 15 days the
    closure rate asks for, a few take longer, the latest are still open."""
    rng = random_stream(seed, "complaints")
    rows = []
    for row in feedback.itertuples():
        first, last = month_start(row.month), month_end(row.month)
        for _ in range(int(row.complaints)):
            day = first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))
            closed = day + timedelta(days=int(rng.gamma(2.0, 4.0)))
            saved = calendar.last_day + timedelta(days=SAVED_DAYS_AFTER_MONTH)  # closures so far
            rows.append(
                {"date": day, "dept": row.dept,
                 "category": rng.choice(list(COMPLAINT_CATEGORIES),
                                        p=list(COMPLAINT_CATEGORIES.values())),
                 "channel": rng.choice(list(COMPLAINT_CHANNELS), p=list(COMPLAINT_CHANNELS.values())),
                 "closed_date": closed if closed <= saved else None,
                 "escalated": bool(rng.random() < 0.05)}
            )  # fmt: skip
    columns = ["date", "dept", "category", "channel", "closed_date", "escalated"]
    return pd.DataFrame(rows, columns=columns).sort_values(["date", "dept"], ignore_index=True)
