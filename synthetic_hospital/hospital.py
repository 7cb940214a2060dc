"""The simulated hospital as canonical tables, before any file layout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic_hospital.clinics import appointment_ledger
from synthetic_hospital.desk import assistants_commentary, improvement_actions
from synthetic_hospital.equipment import equipment_usage
from synthetic_hospital.finance import monthly_finance, with_budgets_ahead
from synthetic_hospital.insurance import drg_weights, with_insurance
from synthetic_hospital.patients import complaints_register, patient_feedback
from synthetic_hospital.staff import staff_roster, training_register
from synthetic_hospital.supplies import supply_ledger
from synthetic_hospital.timeline import Calendar
from synthetic_hospital.wards import WARDS, simulate_ward
from synthetic_hospital.workload import daily_workload, monthly_measures


@dataclass(frozen=True)
class Hospital:
    """The simulated hospital as canonical tables (amounts in cents), before any file layout."""

    episodes: pd.DataFrame  # discharged in the demo's range
    workload: pd.DataFrame
    finance: pd.DataFrame
    usage: pd.DataFrame
    supplies: pd.DataFrame
    feedback: pd.DataFrame
    appointments: pd.DataFrame
    roster: pd.DataFrame
    commentary: pd.DataFrame
    drg_weights: pd.DataFrame
    training: pd.DataFrame
    complaints: pd.DataFrame
    actions: pd.DataFrame


def simulate(calendar: Calendar, seed: int) -> Hospital:
    taken: set[str] = set()
    simulated = pd.concat(
        [simulate_ward(w, calendar, seed, taken) for w in WARDS], ignore_index=True
    )
    workload = daily_workload(calendar, simulated, seed)
    measures = monthly_measures(workload)
    first, last = np.datetime64(calendar.first_day), np.datetime64(calendar.last_day)
    shown = simulated["discharge_date"].between(first, last)
    episodes = simulated[shown].sort_values(["discharge_date", "admit_date", "episode_id"])
    weights = drg_weights(simulated)
    episodes = with_insurance(episodes, weights, seed)
    usage = equipment_usage(calendar, measures, seed)
    roster = staff_roster(calendar, seed)
    feedback = patient_feedback(calendar, measures, seed)
    return Hospital(
        episodes=episodes.reset_index(drop=True),
        drg_weights=weights,
        workload=workload,
        finance=with_budgets_ahead(
            monthly_finance(calendar, measures, episodes, usage, seed), seed
        ),
        usage=usage,
        supplies=supply_ledger(calendar, measures, seed),
        feedback=feedback,
        appointments=appointment_ledger(calendar, measures, seed),
        roster=roster,
        commentary=assistants_commentary(calendar),
        training=training_register(calendar, roster, seed),
        complaints=complaints_register(calendar, feedback, seed),
        actions=improvement_actions(calendar),
    )
