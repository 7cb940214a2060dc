"""The daily workload ledger, counted from the episodes (so the ward flow identity holds) and
the clinics' volumes; and the monthly sums the other ledgers are driven by."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgers.specs import ledger
from synthetic_hospital.clinics import CLINICS, clinic_day_counts
from synthetic_hospital.timeline import WARM_UP_DAYS, Calendar, random_stream
from synthetic_hospital.wards import WARDS, Ward, open_beds


def _day_counts(dates: pd.Series, days: np.ndarray) -> np.ndarray:
    index = (dates.dropna().to_numpy("datetime64[D]") - days[0]).astype(np.int64)
    return np.bincount(index[(index >= 0) & (index < len(days))], minlength=len(days))


def _ward_day_counts(ward: Ward, episodes: pd.DataFrame, calendar: Calendar) -> dict:
    """Daily admissions, discharges, census and operations, counted from the episodes."""
    days = calendar.simulated_days
    admissions = _day_counts(episodes["admit_date"], days)
    discharges = _day_counts(episodes["discharge_date"], days)
    census = np.cumsum(admissions) - np.cumsum(discharges)
    shown = slice(WARM_UP_DAYS, None)
    return {
        "admissions": admissions[shown],
        "discharges": discharges[shown],
        "transfers_in": np.zeros(len(calendar.days), dtype=int),
        "transfers_out": np.zeros(len(calendar.days), dtype=int),
        "open_beds": open_beds(ward, calendar.days),
        "census": census[shown],
        "surgeries": _day_counts(episodes["surgery_date"], days)[shown],
    }


WORKLOAD_COLUMNS = [c.name for c in ledger("workload").columns]


def daily_workload(calendar: Calendar, episodes: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per department and day; a department without beds leaves the ward columns blank."""
    days = calendar.days
    wards = {w.dept: w for w in WARDS}
    frames = []
    for clinic in CLINICS:
        counts = clinic_day_counts(clinic, days, random_stream(seed, "clinic", clinic.dept))
        if clinic.dept in wards:
            own = episodes[episodes["dept"] == clinic.dept]
            counts |= _ward_day_counts(wards[clinic.dept], own, calendar)
        frame = pd.DataFrame({"date": days.astype(object), "dept": clinic.dept})
        for column in WORKLOAD_COLUMNS[2:]:
            values = counts.get(column)
            frame[column] = pd.array(values if values is not None else [None] * len(days), "Int64")
        frames.append(frame)
    workload = pd.concat(frames, ignore_index=True)
    workload.insert(0, "month", days.astype("datetime64[M]").astype(str).tolist() * len(CLINICS))
    return workload


def monthly_measures(workload: pd.DataFrame) -> pd.DataFrame:
    """Per department and month: the workload sums other ledgers are driven by."""
    measures = workload.drop(columns="date").groupby(["dept", "month"], sort=False)
    measures = measures.sum(min_count=1).rename(columns={"census": "bed_days"})
    return measures.fillna(0).astype(int)
