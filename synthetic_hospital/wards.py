"""Wards: how a bed department's patients come and stay, simulated patient by patient.

Every day each bed department admits its emergency patients (Poisson, whatever the census) and
calls elective patients from its waiting list up to its planned census; each patient draws a stay
in nights, split by an operation into a pre-operative wait and a post-operative stay."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from synthetic_hospital.timeline import (
    Calendar,
    ramp_factor,
    random_stream,
    weekday_of,
    winter_factor,
)

LONGEST_STAY = 120
PLANNED_FILL = 0.855  # the census a ward books its elective admissions up to, per open bed
WEEKEND_PACE = 0.3  # share of the planned free beds filled from the waiting list at weekends


@dataclass(frozen=True)
class Ward:
    """How a bed department's patients come and stay; stays are in nights."""

    dept: str
    beds: int
    medical_stay: float
    preop_wait: float
    postop_stay: float
    operated_share: float
    elective_share: float
    winter_peak: float
    death_rate: float
    cured_share: float
    grade_mix: tuple[float, float, float, float]
    cost_per_night: float
    operation_cost: float
    drg_medical: tuple[str, ...]
    drg_operated: tuple[str, ...]
    bed_changes: tuple[tuple[date, int], ...] = ()
    demand_ramp: tuple[date, date, float] | None = None

    @property
    def mean_stay(self) -> float:
        operated = self.preop_wait + self.postop_stay
        return self.operated_share * operated + (1 - self.operated_share) * self.medical_stay


WARDS = (
    Ward(
        "CARD",
        beds=40,
        medical_stay=8.5,
        # PCI: about a fifth of cardiology stays are short operated ones, mostly grade 3-4
        preop_wait=1.6,
        postop_stay=4.6,
        operated_share=0.22,
        elective_share=0.45,
        winter_peak=0.05,
        death_rate=0.013,
        cured_share=0.30,
        grade_mix=(0.0, 0.1, 0.4, 0.5),
        cost_per_night=1350,
        operation_cost=16000,
        drg_medical=("FR23", "FT25", "FV23", "FZ15"),
        drg_operated=("FM19", "FM33"),
    ),
    Ward(
        "RESP",
        beds=36,
        medical_stay=9.1,
        preop_wait=2.0,
        postop_stay=5.5,
        operated_share=0.08,
        elective_share=0.35,
        winter_peak=0.07,
        death_rate=0.018,
        cured_share=0.32,
        grade_mix=(0.3, 0.5, 0.2, 0.0),
        cost_per_night=1150,
        operation_cost=5000,
        drg_medical=("ES21", "ES31", "ET15", "ER13"),
        drg_operated=("EB19",),
    ),
    Ward(
        "GSUR",
        beds=45,
        medical_stay=6.0,
        preop_wait=2.35,
        postop_stay=6.3,
        operated_share=0.92,
        elective_share=0.60,
        winter_peak=0.02,
        death_rate=0.005,
        cured_share=0.55,
        grade_mix=(0.12, 0.38, 0.36, 0.14),
        cost_per_night=1300,
        operation_cost=13000,
        drg_medical=("GZ15", "HZ25"),
        drg_operated=("GE19", "HC29", "GD19", "GB29"),
        bed_changes=((date(2025, 7, 1), 50),),
    ),
    Ward(
        "ORTH",
        beds=38,
        medical_stay=7.0,
        preop_wait=2.65,
        postop_stay=6.2,
        operated_share=0.95,
        elective_share=0.70,
        winter_peak=0.0,
        death_rate=0.002,
        cured_share=0.60,
        grade_mix=(0.10, 0.40, 0.35, 0.15),
        cost_per_night=1250,
        operation_cost=21000,
        drg_medical=("IZ25", "IU29"),
        drg_operated=("IC29", "IF49", "ID19", "IB39"),
        demand_ramp=(date(2026, 1, 1), date(2026, 10, 31), 0.065),
    ),
)


OUTCOMES = ("cured", "improved", "unhealed", "died", "other")
OUTCOME_ZH = {
    "cured": "治愈",
    "improved": "好转",
    "unhealed": "未愈",
    "died": "死亡",
    "other": "其他",
}
GRADE_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
GRADE_COST = np.array([0.0, 0.45, 1.0, 1.8, 2.8])  # by grade; index 0 = no operation
PAYERS = ("城镇职工医保", "城乡居民医保", "自费", "商业保险")
PAYER_MIX = (0.46, 0.40, 0.10, 0.04)


def open_beds(ward: Ward, days: np.ndarray) -> np.ndarray:
    beds = np.full(len(days), ward.beds)
    for since, count in ward.bed_changes:
        beds[days >= np.datetime64(since)] = count
    return beds


def _draw_stays(ward: Ward, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Nights and pre-operative wait (-1 without an operation) of n patients."""
    operated = rng.random(n) < ward.operated_share
    preop = np.rint(rng.gamma(1.6, ward.preop_wait / 1.6, n)).astype(int)
    postop = np.rint(rng.gamma(3.0, ward.postop_stay / 3.0, n)).astype(int)
    medical = np.rint(rng.gamma(2.2, ward.medical_stay / 2.2, n)).astype(int)
    nights = np.minimum(np.where(operated, preop + postop, medical), LONGEST_STAY)
    return nights, np.where(operated, np.minimum(preop, nights), -1)


def _admit_patients(ward: Ward, days: np.ndarray, rng: np.random.Generator):
    """Admission day index, nights and pre-operative wait of every episode, in admission order.

    Emergencies arrive as a Poisson stream and are admitted whatever the census (hence the
    occasional extra bed). Elective patients come from a waiting list that never runs dry: on
    weekdays the ward calls in as many as fill its planned census, at weekends fewer. Pure Poisson
    admissions would swing a 40-bed ward's monthly occupancy by ±10 points, which no ward shows.
    """
    beds = open_beds(ward, days)
    planned = (
        PLANNED_FILL
        * beds
        * winter_factor(days, ward.winter_peak)
        * ramp_factor(days, ward.demand_ramp)
    )
    planned *= rng.normal(1, 0.03, len(days))  # cancelled bookings, discharges put off
    emergencies = rng.poisson(planned * (1 - ward.elective_share) / ward.mean_stay)
    pace = np.where(weekday_of(days) < 5, 1.0, WEEKEND_PACE)
    nights, preop = _draw_stays(ward, 2 * int(planned.sum() / ward.mean_stay) + 1000, rng)
    admit_day = np.empty(len(nights), dtype=int)
    leaving = np.zeros(len(days) + LONGEST_STAY + 1, dtype=int)
    census = admitted = 0
    for day in range(len(days)):
        census -= leaving[day]
        called = max(round((planned[day] - census - emergencies[day]) * pace[day]), 0)
        arriving = emergencies[day] + called
        stays = nights[admitted : admitted + arriving]
        overnight = stays[stays > 0]  # a same-day stay never reaches the midnight census
        np.add.at(leaving, day + overnight, 1)
        census += len(overnight)
        admit_day[admitted : admitted + arriving] = day
        admitted += arriving
    return admit_day[:admitted], nights[:admitted], preop[:admitted]


def _episode_ids(seed: int, dept: str, n: int, taken: set[str]) -> list[str]:
    """Opaque keys: a hash of seed, department and admission rank, never a record number."""
    ids = []
    for rank in range(n):
        salt = 0
        while True:
            digest = hashlib.blake2b(f"{seed}|{dept}|{rank}|{salt}".encode(), digest_size=5)
            key = "E" + digest.hexdigest()
            if key not in taken:
                break
            salt += 1
        taken.add(key)
        ids.append(key)
    return ids


def _episode_costs(ward: Ward, nights, grade, rng) -> tuple[np.ndarray, ...]:
    """Total, drug and consumables cost in cents; operated stays use more consumables."""
    n = len(nights)
    operated = grade > 0
    total = 900 + ward.cost_per_night * np.maximum(nights, 1) * rng.lognormal(0, 0.2, n)
    total += ward.operation_cost * GRADE_COST[grade] * rng.lognormal(0, 0.25, n)
    total_cents = np.rint(total * 100).astype(np.int64)
    drug_share = rng.uniform(0.25, 0.32, n)
    consumables_share = np.where(operated, rng.uniform(0.18, 0.25, n), rng.uniform(0.10, 0.16, n))
    drug = np.rint(total_cents * drug_share).astype(np.int64)
    consumables = np.rint(total_cents * consumables_share).astype(np.int64)
    return total_cents, drug, consumables


def simulate_ward(ward: Ward, calendar: Calendar, seed: int, taken: set[str]) -> pd.DataFrame:
    """Every episode of a ward admitted from the start of the warm-up to the last day."""
    days = calendar.simulated_days
    admit_day, nights, preop = _admit_patients(ward, days, random_stream(seed, "stays", ward.dept))
    rng = random_stream(seed, "episodes", ward.dept)
    n = len(admit_day)
    operated = preop >= 0
    grade = np.where(operated, rng.choice([1, 2, 3, 4], n, p=ward.grade_mix), 0)
    others = (0.015, ward.death_rate, 0.008)
    improved = 1 - ward.cured_share - sum(others)
    outcome = rng.choice(OUTCOMES, n, p=(ward.cured_share, improved, *others))
    drg = np.where(operated, rng.choice(ward.drg_operated, n), rng.choice(ward.drg_medical, n))
    total, drug, consumables = _episode_costs(ward, nights, grade, rng)
    admit = days[admit_day]
    return pd.DataFrame(
        {
            "episode_id": _episode_ids(seed, ward.dept, n, taken),
            "dept": ward.dept,
            "admit_date": admit,
            "discharge_date": admit + nights,
            "surgery_date": np.where(operated, admit + np.maximum(preop, 0), np.datetime64("NaT")),
            "surgery_grade": grade,
            "outcome": outcome,
            "complication": rng.random(n) < np.where(operated, 0.035, 0.025),
            "total_cents": total,
            "drug_cents": drug,
            "consumables_cents": consumables,
            "payer": rng.choice(PAYERS, n, p=PAYER_MIX),
            "drg": drg,
        }
    )
