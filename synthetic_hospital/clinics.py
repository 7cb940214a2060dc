"""Clinics: outpatient, emergency and exam volumes per department and day, and appointments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic_hospital.timeline import (
    Calendar,
    growth_factor,
    random_stream,
    weekday_of,
    winter_factor,
)


@dataclass(frozen=True)
class Clinic:
    """Weekday outpatient, emergency and exam volumes of a department, and what a visit earns."""

    dept: str
    outpatient: float
    emergency: float | None
    exams: float
    winter_peak: float
    visit_revenue: float
    exam_revenue: float
    wait_minutes: float
    booked_share: float


CLINICS = (
    Clinic("CARD", 210, 28, 45, 0.06, 420, 90, 24, 0.62),
    Clinic("RESP", 230, 36, 30, 0.18, 360, 110, 27, 0.56),
    Clinic("GSUR", 120, 16, 12, 0.03, 300, 120, 21, 0.60),
    Clinic("ORTH", 150, 20, 8, 0.02, 330, 150, 22, 0.64),
    Clinic("RAD", 12, None, 560, 0.05, 150, 210, 26, 0.70),
)


def clinic_day_counts(clinic: Clinic, days: np.ndarray, rng: np.random.Generator) -> dict:
    weekday = weekday_of(days)
    level = winter_factor(days, clinic.winter_peak) * growth_factor(days, 0.03)
    clinic_week = np.array([1.08, 1.0, 1.0, 1.0, 0.95, 0.5, 0.3])[weekday]
    exam_week = np.array([1.05, 1.0, 1.0, 1.0, 1.0, 0.6, 0.45])[weekday]
    noise = rng.lognormal(0, 0.05, len(days))
    counts = {
        "outpatient_visits": rng.poisson(clinic.outpatient * clinic_week * level * noise),
        "exams": rng.poisson(clinic.exams * exam_week * level),
    }
    if clinic.emergency is not None:
        emergency_week = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1])[weekday]
        counts["emergency_visits"] = rng.poisson(clinic.emergency * emergency_week * level)
    return counts


def appointment_ledger(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    """About 60% of visits come by appointment, 6-10% of bookings do not show up."""
    rng = random_stream(seed, "appointments")
    rows = []
    for clinic in CLINICS:
        for month in calendar.months:
            visits = int(measures.loc[(clinic.dept, month), "outpatient_visits"])
            attended = int(rng.binomial(visits, clinic.booked_share))
            booked = round(attended / (1 - rng.uniform(0.06, 0.10)))
            slots = round(booked / rng.uniform(0.86, 1.02))  # above 1: extra numbers (加号)
            rows.append(
                {
                    "month": month,
                    "dept": clinic.dept,
                    "slots": slots,
                    "booked": booked,
                    "attended": attended,
                }
            )
    return pd.DataFrame(rows)
