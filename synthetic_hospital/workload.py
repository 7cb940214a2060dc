"""The daily workload ledger, counted from the episodes (so the ward flow identity holds) and
the clinics' volumes; and the monthly sums the other ledgers are driven by."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgers.specs import ledger
from synthetic_hospital.clinics import CLINICS, clinic_day_counts
from synthetic_hospital.timeline import WARM_UP_DAYS, Calendar, random_stream
from synthetic_hospital.wards import WARDS, Ward, open_beds


def ward_flow(
    ward: np.ndarray,
    admit: np.ndarray,
    discharge: np.ndarray,
    surgery: np.ndarray,
    *,
    wards: int,
    days: int,
) -> dict[str, np.ndarray]:
    """Admissions, discharges, operations and the midnight census per ward and day (arrays of
    wards × days) counted from each episode's ward and day numbers, so that the ward flow identity
    (census = the day before's + admissions − discharges) holds exactly. A day number outside
    0 … days − 1 is not counted: a discharge after the last day, or no operation (below 0)."""

    def per_day(day: np.ndarray) -> np.ndarray:
        inside = (day >= 0) & (day < days)
        cells = ward[inside] * days + day[inside]
        return np.bincount(cells, minlength=wards * days).reshape(wards, days)

    admissions, discharges = per_day(admit), per_day(discharge)
    return {
        "admissions": admissions,
        "discharges": discharges,
        "census": np.cumsum(admissions - discharges, axis=1),
        "surgeries": per_day(surgery),
    }


def _day_numbers(dates: pd.Series, first: np.datetime64) -> np.ndarray:
    """Days since `first`; a blank date is -1, which ward_flow does not count."""
    values = dates.to_numpy("datetime64[D]")
    return np.where(np.isnat(values), -1, (values - first).astype(np.int64))


def _ward_day_counts(ward: Ward, episodes: pd.DataFrame, calendar: Calendar) -> dict:
    """Daily admissions, discharges, census and operations, counted from the episodes."""
    days = calendar.simulated_days
    flow = ward_flow(
        np.zeros(len(episodes), dtype=np.int64),
        _day_numbers(episodes["admit_date"], days[0]),
        _day_numbers(episodes["discharge_date"], days[0]),
        _day_numbers(episodes["surgery_date"], days[0]),
        wards=1,
        days=len(days),
    )
    shown = slice(WARM_UP_DAYS, None)
    return {
        "admissions": flow["admissions"][0, shown],
        "discharges": flow["discharges"][0, shown],
        "transfers_in": np.zeros(len(calendar.days), dtype=int),
        "transfers_out": np.zeros(len(calendar.days), dtype=int),
        "open_beds": open_beds(ward, calendar.days),
        "census": flow["census"][0, shown],
        "surgeries": flow["surgeries"][0, shown],
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
