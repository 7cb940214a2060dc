"""The demo hospital: a ledger inbox simulated patient by patient.

`write_demo` writes the files that the department operations assistants (科室运营助理) of a small
general hospital would keep: five departments (cardiology, respiratory medicine, general surgery,
orthopaedics and a radiology department without beds), one row per department and day in the
workload ledgers, one row per discharged episode, monthly finance, roster, equipment, supplies,
patient feedback, appointments, commentary and targets.

How the numbers are made
- Wards. Every day each bed department admits its emergency patients (Poisson, whatever the
  census) and calls elective patients from its waiting list up to its planned census (85.5% of the
  open beds, fewer at weekends). Each patient draws a stay in nights from a gamma distribution; an
  operation splits it into a pre-operative wait and a post-operative stay, so the wait never
  exceeds the stay. The plan and the stays give an occupancy of about 85%, an average stay of
  about 8.5 days and a pre-operative wait of about 2.4 days; the simulation starts 90 days before
  the first month so that the wards are at steady state on day one.
- Every figure of the workload ledger is counted from those episodes (census = admitted on or
  before the day and discharged after it), so the ward flow identity holds exactly and the
  discharges ledger lists the same episodes that the daily discharges count.
- Story lines for the reports: general surgery opens 5 more beds on 2025-07-01; respiratory
  medicine fills up in winter and adds extra beds (加床); orthopaedic demand rises through 2026,
  lifting its occupancy by about 5 points; a 3.0T MRI arrives in 2025-04 and a ward monitor is
  replaced; a few staff join and leave.
- Money: episode costs scale with the stay; the inpatient finance lines sum the episodes of the
  month to the cent; the outpatient lines follow the visits and exams; expenses are 85-95% of the
  revenue, with depreciation and maintenance taken from the equipment register and its use.
- Supplies follow the ward's bed-days or the exams, with an order-up-to policy and an occasional
  late delivery, so that stock sometimes falls below the safety stock.

The files look like a real inbox and exercise the reading rules of LEDGERS.md: Chinese headers in
most files and English in some, alias headers, title rows, totals rows, merged department cells,
units in headers (元, 万元, h, 分钟, 人次), Excel dates and every listed text spelling of dates and
months, departments by code, Chinese or English name, thousands separators, and CSV files in UTF-8,
UTF-8 with BOM and GB18030. No column identifies a patient.

Every random stream is derived from `seed` and a name, so a seed gives the same hospital.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ledgers import clock
from ledgers.specs import ledger

WARM_UP_DAYS = 90
LONGEST_STAY = 120
PLANNED_FILL = 0.855  # the census a ward books its elective admissions up to, per open bed
WEEKEND_PACE = 0.3  # share of the planned free beds filled from the waiting list at weekends
TREND_ANCHOR = date(2024, 1, 1)  # where the slow growth of clinic visits starts


# --- the hospital ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    kind: str
    assistant: str
    beds_authorised: int | None


DEPARTMENTS = (
    Department("CARD", "心内科", "Cardiology", "medical", "王敏", 40),
    Department("RESP", "呼吸内科", "Respiratory Medicine", "medical", "王敏", 36),
    Department("GSUR", "普外科", "General Surgery", "surgical", "张磊", 50),
    Department("ORTH", "骨科", "Orthopaedics", "surgical", "张磊", 38),
    Department("RAD", "放射科", "Radiology", "medtech", "陈静", None),
)
BY_CODE = {d.code: d for d in DEPARTMENTS}
KIND_ZH = {"medical": "内科系统", "surgical": "外科系统", "medtech": "医技", "other": "其他"}


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

OP_ITEMS = ("drug", "consumables", "exam", "lab", "service", "other")
OP_MIX = {
    "clinical": (0.38, 0.05, 0.17, 0.17, 0.17, 0.06),
    "medtech": (0.03, 0.08, 0.80, 0.0, 0.05, 0.04),
}
IP_OTHER_ITEMS = ("exam", "lab", "service", "other")
IP_OTHER_MIX = (0.24, 0.26, 0.38, 0.12)
# a department's monthly share of the building's depreciation and of repairs of unregistered items
BUILDING_DEPRECIATION_CENTS = 6_000_000
MINOR_REPAIRS_CENTS = 500_000


@dataclass(frozen=True)
class Device:
    asset_code: str
    dept: str
    name: str
    category: str
    large: bool
    purchased: date
    value: float
    life_years: int
    retired: date | None = None
    daily_uses: float = 0.0  # ward devices; radiology devices share the department's exams


DEVICES = (
    Device("ZC2016012", "RAD", "1.5T磁共振", "MRI", True, date(2016, 11, 8), 9_800_000, 6),
    Device("ZC2018031", "RAD", "64排螺旋CT", "CT", True, date(2018, 3, 15), 6_800_000, 6),
    Device("ZC2022047", "RAD", "256排宽体CT", "CT", True, date(2022, 9, 20), 16_500_000, 6),
    Device("ZC2025018", "RAD", "3.0T磁共振", "MRI", True, date(2025, 4, 18), 18_600_000, 6),
    # DR units count as large devices here: the hospital's rule is a purchase value ≥ 1 million.
    Device("ZC2019022", "RAD", "数字化X线摄影系统", "DR", True, date(2019, 6, 10), 1_450_000, 6),
    Device("ZC2021036", "RAD", "移动DR", "DR", True, date(2021, 8, 2), 1_080_000, 6),
    Device("ZC2019105", "CARD", "有创呼吸机", "呼吸机", False, date(2019, 5, 20), 320_000, 5,
           daily_uses=0.15),
    Device("ZC2020113", "CARD", "心脏彩色多普勒超声诊断仪", "超声", False, date(2020, 10, 12),
           1_850_000, 6, daily_uses=18),
    Device("ZC2017088", "CARD", "多参数监护仪", "监护仪", False, date(2017, 4, 6), 180_000, 5,
           retired=date(2025, 3, 31), daily_uses=0.6),
    Device("ZC2025033", "CARD", "多参数监护仪", "监护仪", False, date(2025, 4, 2), 210_000, 5,
           daily_uses=0.6),
    Device("ZC2018077", "RESP", "有创呼吸机", "呼吸机", False, date(2018, 1, 16), 300_000, 5,
           daily_uses=0.35),
    Device("ZC2020118", "RESP", "有创呼吸机", "呼吸机", False, date(2020, 2, 28), 340_000, 5,
           daily_uses=0.35),
    Device("ZC2023056", "RESP", "无创呼吸机", "呼吸机", False, date(2023, 11, 3), 95_000, 5,
           daily_uses=0.5),
    Device("ZC2021061", "RESP", "多参数监护仪", "监护仪", False, date(2021, 6, 18), 190_000, 5,
           daily_uses=0.6),
    Device("ZC2021072", "GSUR", "多参数监护仪", "监护仪", False, date(2021, 3, 9), 190_000, 5,
           daily_uses=0.7),
    Device("ZC2022093", "GSUR", "多参数监护仪", "监护仪", False, date(2022, 12, 1), 200_000, 5,
           daily_uses=0.7),
    Device("ZC2021080", "GSUR", "便携式彩超", "超声", False, date(2021, 5, 26), 650_000, 6,
           daily_uses=6),
    Device("ZC2020121", "ORTH", "多参数监护仪", "监护仪", False, date(2020, 9, 15), 185_000, 5,
           daily_uses=0.6),
    Device("ZC2023064", "ORTH", "床旁超声", "超声", False, date(2023, 7, 7), 480_000, 6,
           daily_uses=4),
)  # fmt: skip

DEVICE_BY_CODE = {d.asset_code: d for d in DEVICES}
# minutes per use and hours a day the device is meant to be available
DEVICE_USE = {
    "CT": (12, 24), "MRI": (25, 16), "DR": (6, 16),
    "呼吸机": (2400, 24), "监护仪": (1440, 24), "超声": (25, 10),
}  # fmt: skip
RAD_EXAM_SHARE = {"CT": 0.40, "MRI": 0.07, "DR": 0.53}


@dataclass(frozen=True)
class SupplyItem:
    code: str
    name: str
    category: str
    unit: str
    price: float
    pack: int
    late_share: float = 0.0  # deliveries that come a month late


SUPPLY_ITEMS = {
    i.code: i
    for i in (
        SupplyItem("BG001", "A4复印纸", "office", "包", 25.0, 5),
        SupplyItem("BG002", "打印机硒鼓", "office", "个", 380.0, 1),
        SupplyItem("HC001", "一次性使用输液器", "medical", "套", 2.8, 100),
        SupplyItem("HC002", "医用外科口罩", "medical", "只", 0.6, 500),
        SupplyItem("HC101", "心电电极片", "medical", "片", 0.45, 500),
        SupplyItem("HC201", "一次性吸痰管", "medical", "根", 1.2, 100),
        SupplyItem("HC301", "腔镜切割吻合器钉仓", "medical", "个", 1850.0, 1, late_share=0.12),
        SupplyItem("HC401", "高分子石膏绷带", "medical", "卷", 38.0, 10),
        SupplyItem("HC501", "高压注射器针筒", "medical", "套", 65.0, 10),
        SupplyItem("HC502", "医用干式胶片", "medical", "张", 8.5, 100, late_share=0.08),
    )
}
CATEGORY_ZH = {"medical": "医用耗材", "office": "办公用品", "other": "其他"}
# (item, driver, quantity per unit of driver); drivers are monthly measures of the department
DEPT_SUPPLIES = {
    "CARD": (("HC001", "bed_days", 1.1), ("HC002", "bed_days", 1.6), ("HC101", "admissions", 12),
             ("BG001", "flat", 18), ("BG002", "flat", 1.2)),
    "RESP": (("HC001", "bed_days", 1.3), ("HC002", "bed_days", 2.2), ("HC201", "bed_days", 0.5),
             ("BG001", "flat", 15), ("BG002", "flat", 1.0)),
    "GSUR": (("HC001", "bed_days", 1.2), ("HC002", "bed_days", 1.8), ("HC301", "surgeries", 0.22),
             ("BG001", "flat", 16), ("BG002", "flat", 1.0)),
    "ORTH": (("HC001", "bed_days", 0.9), ("HC002", "bed_days", 1.6), ("HC401", "surgeries", 0.5),
             ("BG001", "flat", 14), ("BG002", "flat", 1.0)),
    "RAD": (("HC002", "exams", 0.25), ("HC501", "exams", 0.035), ("HC502", "exams", 0.45),
            ("BG001", "flat", 20), ("BG002", "flat", 1.5)),
}  # fmt: skip

# doctors, nurses, technicians on the first day
TEAMS = {"CARD": (13, 20, 0), "RESP": (11, 19, 0), "GSUR": (14, 23, 0), "ORTH": (12, 20, 0),
         "RAD": (10, 3, 14)}  # fmt: skip
ROLE_ZH = {"doctor": "医师", "nurse": "护士", "technician": "技师", "pharmacist": "药师"}
# title ladders, senior first, with the share of each rung and the years of service it takes
TITLES = {
    "doctor": (("主任医师", 0.15, 18), ("副主任医师", 0.25, 12), ("主治医师", 0.35, 6),
               ("住院医师", 0.25, 1)),
    "nurse": (("主任护师", 0.03, 22), ("副主任护师", 0.08, 15), ("主管护师", 0.34, 8),
              ("护师", 0.35, 3), ("护士", 0.20, 0)),
    "technician": (("主任技师", 0.07, 20), ("副高", 0.2, 13), ("中级", 0.4, 6), ("初级", 0.33, 1)),
}  # fmt: skip


# --- calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    first_day: date
    last_day: date

    @classmethod
    def of(cls, first_month: str, last_month: str) -> Calendar:
        first, last = _month_start(first_month), _month_end(last_month)
        if last < first:
            raise ValueError(f"last_month {last_month} is before first_month {first_month}")
        return cls(first, last)

    @property
    def days(self) -> np.ndarray:
        return np.arange(self.first_day, self.last_day + timedelta(days=1), dtype="datetime64[D]")

    @property
    def simulated_days(self) -> np.ndarray:
        """The demo's days preceded by the warm-up, in which the wards fill."""
        start = self.first_day - timedelta(days=WARM_UP_DAYS)
        return np.arange(start, self.last_day + timedelta(days=1), dtype="datetime64[D]")

    @property
    def months(self) -> list[str]:
        return [str(m) for m in np.unique(self.days.astype("datetime64[M]"))]

    @property
    def years(self) -> list[int]:
        return sorted({int(m[:4]) for m in self.months})


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _month_end(month: str) -> date:
    start = _month_start(month)
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream per purpose, so that one ledger's draws never shift another's."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _winter(days: np.ndarray, peak: float) -> np.ndarray:
    return 1 + peak * np.cos(2 * np.pi * (days.astype(np.int64) - 14) / 365.25)  # top: 15 Jan


def _growth(days: np.ndarray, per_year: float) -> np.ndarray:
    years = (days - np.datetime64(TREND_ANCHOR)).astype(np.int64) / 365.25
    return (1 + per_year) ** years


def _ramp(days: np.ndarray, ramp: tuple[date, date, float] | None) -> np.ndarray:
    if ramp is None:
        return np.ones(len(days))
    start, end, rise = ramp
    elapsed = (days - np.datetime64(start)).astype(np.int64) / (end - start).days
    return 1 + rise * np.clip(elapsed, 0, 1)


def _open_beds(ward: Ward, days: np.ndarray) -> np.ndarray:
    beds = np.full(len(days), ward.beds)
    for since, count in ward.bed_changes:
        beds[days >= np.datetime64(since)] = count
    return beds


# --- wards: episodes ------------------------------------------------------------------------


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
    beds = _open_beds(ward, days)
    planned = PLANNED_FILL * beds * _winter(days, ward.winter_peak) * _ramp(days, ward.demand_ramp)
    planned *= rng.normal(1, 0.03, len(days))  # cancelled bookings, discharges put off
    emergencies = rng.poisson(planned * (1 - ward.elective_share) / ward.mean_stay)
    pace = np.where(_weekday(days) < 5, 1.0, WEEKEND_PACE)
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


def _simulate_ward(ward: Ward, calendar: Calendar, seed: int, taken: set[str]) -> pd.DataFrame:
    """Every episode of a ward admitted from the start of the warm-up to the last day."""
    days = calendar.simulated_days
    admit_day, nights, preop = _admit_patients(ward, days, _stream(seed, "stays", ward.dept))
    rng = _stream(seed, "episodes", ward.dept)
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


# --- workload -------------------------------------------------------------------------------


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
        "open_beds": _open_beds(ward, calendar.days),
        "census": census[shown],
        "surgeries": _day_counts(episodes["surgery_date"], days)[shown],
    }


def _clinic_day_counts(clinic: Clinic, days: np.ndarray, rng: np.random.Generator) -> dict:
    weekday = _weekday(days)
    level = _winter(days, clinic.winter_peak) * _growth(days, 0.03)
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


WORKLOAD_COLUMNS = [c.name for c in ledger("workload").columns]


def _workload(calendar: Calendar, episodes: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per department and day; a department without beds leaves the ward columns blank."""
    days = calendar.days
    wards = {w.dept: w for w in WARDS}
    frames = []
    for clinic in CLINICS:
        counts = _clinic_day_counts(clinic, days, _stream(seed, "clinic", clinic.dept))
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


def _monthly_measures(workload: pd.DataFrame) -> pd.DataFrame:
    """Per department and month: the workload sums other ledgers are driven by."""
    measures = workload.drop(columns="date").groupby(["dept", "month"], sort=False)
    measures = measures.sum(min_count=1).rename(columns={"census": "bed_days"})
    return measures.fillna(0).astype(int)


# --- finance --------------------------------------------------------------------------------


def _split_cents(total: int, shares: Sequence[float], rng: np.random.Generator) -> list[int]:
    """Split an amount over accounts; the last takes the rounding so the parts add up exactly."""
    weights = np.asarray(shares) * rng.lognormal(0, 0.05, len(shares))
    parts = [int(total * w) for w in weights[:-1] / weights.sum()]
    return [*parts, total - sum(parts)]


def _device_months(device: Device, calendar: Calendar) -> Iterable[tuple[str, int]]:
    """(month, days in service) for each month the device served in."""
    for month in calendar.months:
        start = max(_month_start(month), device.purchased)
        end = min(_month_end(month), device.retired or date.max)
        if end >= start:
            yield month, (end - start).days + 1


def _depreciation_cents(device: Device, month: str) -> int:
    months_owned = (_month_start(month).year - device.purchased.year) * 12
    months_owned += _month_start(month).month - device.purchased.month
    if months_owned >= device.life_years * 12:
        return 0
    return round(device.value * 100 / (device.life_years * 12))


def _finance(
    calendar: Calendar,
    measures: pd.DataFrame,
    episodes: pd.DataFrame,
    usage: pd.DataFrame,
    seed: int,
) -> pd.DataFrame:
    """One row per department and month, amounts in cents."""
    rng = _stream(seed, "finance")
    discharged = episodes.assign(month=episodes["discharge_date"].dt.strftime("%Y-%m"))
    inpatient = discharged.groupby(["dept", "month"])[
        ["total_cents", "drug_cents", "consumables_cents"]
    ].sum()
    devices = usage.assign(dept=usage["asset_code"].map(lambda code: DEVICE_BY_CODE[code].dept))
    equipment = devices.groupby(["dept", "month"])[
        ["depreciation_cents", "maintenance_cents"]
    ].sum()
    equipment_costs = {key: tuple(int(v) for v in costs) for key, costs in equipment.iterrows()}
    rows = []
    for clinic in CLINICS:
        for month in calendar.months:
            row = {"month": month, "dept": clinic.dept}
            row |= _outpatient_revenue(clinic, measures.loc[(clinic.dept, month)], rng)
            row |= _inpatient_revenue(inpatient, clinic.dept, month, rng)
            row |= _expenses(row, *equipment_costs.get((clinic.dept, month), (0, 0)), rng)
            rows.append(row)
    return pd.DataFrame(rows)


def _outpatient_revenue(clinic: Clinic, month: pd.Series, rng: np.random.Generator) -> dict:
    visits = month["outpatient_visits"] + 1.4 * month.get("emergency_visits", 0)
    exam_share = 1.0 if clinic.dept == "RAD" else 0.4  # wards bill only outpatient exams here
    yuan = visits * clinic.visit_revenue + month["exams"] * exam_share * clinic.exam_revenue
    cents = round(yuan * 100 * rng.lognormal(0, 0.03))
    mix = OP_MIX["medtech" if clinic.dept == "RAD" else "clinical"]
    return {
        f"op_{item}_revenue": c
        for item, c in zip(OP_ITEMS, _split_cents(cents, mix, rng), strict=True)
    }


def _inpatient_revenue(inpatient: pd.DataFrame, dept: str, month: str, rng) -> dict:
    if (dept, month) in inpatient.index:
        total, drug, consumables = (int(v) for v in inpatient.loc[(dept, month)])
    else:
        total = drug = consumables = 0
    rest = _split_cents(total - drug - consumables, IP_OTHER_MIX, rng)
    revenue = {"ip_drug_revenue": drug, "ip_consumables_revenue": consumables}
    return revenue | {f"ip_{item}_revenue": c for item, c in zip(IP_OTHER_ITEMS, rest, strict=True)}


def _expenses(revenue: dict, depreciation: int, maintenance: int, rng) -> dict:
    """Expenses 85-95% of revenue: drugs and consumables at cost (zero mark-up policy), devices'
    depreciation and repairs from the register, personnel and other costs the rest."""
    medical_revenue = sum(v for k, v in revenue.items() if k.endswith("_revenue"))
    drug = revenue["op_drug_revenue"] + revenue["ip_drug_revenue"]
    consumables = revenue["op_consumables_revenue"] + revenue["ip_consumables_revenue"]
    expense = {
        "drug_expense": round(drug * rng.uniform(0.97, 1.0)),
        "consumables_expense": round(consumables * rng.uniform(0.95, 1.0)),
        "depreciation_expense": BUILDING_DEPRECIATION_CENTS + depreciation,
        "maintenance_expense": MINOR_REPAIRS_CENTS + maintenance,
    }
    target = round(medical_revenue * rng.uniform(0.85, 0.95))
    rest = max(target - sum(expense.values()), 0)
    personnel = round(rest * rng.uniform(0.68, 0.76))
    expense |= {"personnel_expense": personnel, "other_expense": rest - personnel}
    return expense | {
        "revenue_budget": round(medical_revenue * rng.uniform(0.96, 1.04)),
        "expense_budget": round(sum(expense.values()) * rng.uniform(0.96, 1.04)),
    }


# --- equipment ------------------------------------------------------------------------------


def _equipment_usage(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per device and month in service; radiology devices share the department's exams."""
    rng = _stream(seed, "equipment")
    rows = []
    for device in DEVICES:
        for month, days in _device_months(device, calendar):
            rows.append({"asset_code": device.asset_code, "month": month, "days": days})
    usage = pd.DataFrame(rows)
    usage["uses"] = 0
    for month, group in usage.groupby("month"):
        usage.loc[group.index, "uses"] = _device_uses(group, month, measures, rng)
    return usage.assign(**_device_hours(usage, rng))


def _device_uses(group: pd.DataFrame, month: str, measures: pd.DataFrame, rng) -> np.ndarray:
    devices = [DEVICE_BY_CODE[code] for code in group["asset_code"]]
    days = group["days"].to_numpy()
    season = _winter(np.array([np.datetime64(month + "-15")]), 0.08)[0]
    uses = rng.poisson([d.daily_uses * n * season for d, n in zip(devices, days, strict=True)])
    radiology = np.array([d.dept == "RAD" for d in devices])
    categories = np.array([d.category for d in devices])
    weights = np.zeros(len(devices))
    for category, share in RAD_EXAM_SHARE.items():  # shared by its devices, by days in service
        mine = radiology & (categories == category)
        if mine.any():
            weights[mine] = share * days[mine] / days[mine].sum()
    if radiology.any():
        exams = int(measures.loc[("RAD", month), "exams"])
        uses[radiology] = rng.multinomial(exams, weights[radiology] / weights[radiology].sum())
    return uses


def _device_hours(usage: pd.DataFrame, rng: np.random.Generator) -> dict:
    devices = [DEVICE_BY_CODE[code] for code in usage["asset_code"]]
    n = len(devices)
    minutes, hours_a_day = np.array([DEVICE_USE[d.category] for d in devices]).T
    large = np.array([d.large for d in devices])
    available = hours_a_day * usage["days"].to_numpy()
    failed = rng.random(n) < np.where(large, 0.08, 0.05)
    downtime = np.where(failed, np.minimum(np.rint(rng.gamma(2, 8, n)), 0.3 * available), 0)
    wanted = usage["uses"].to_numpy() * minutes / 60 * rng.uniform(0.9, 1.1, n)
    repair = np.where(
        large, rng.lognormal(np.log(30_000), 0.6, n), rng.lognormal(np.log(2_500), 0.5, n)
    )
    quarter_end = usage["month"].str[5:].isin(["03", "06", "09", "12"]).to_numpy()
    service = np.where(large & quarter_end, 8_000, 0)  # preventive maintenance contract
    months = usage["month"].tolist()
    return {
        "hours_available": available.astype(float),
        "hours_used": np.round(np.minimum(wanted, available - downtime), 1),
        "downtime_hours": downtime.astype(float),
        "maintenance_cents": np.rint((np.where(failed, repair, 0) + service) * 100).astype(
            np.int64
        ),
        "depreciation_cents": [
            _depreciation_cents(d, m) for d, m in zip(devices, months, strict=True)
        ],
    }


# --- supplies, feedback, appointments, roster ----------------------------------------------


def _supplies(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Monthly deliveries top the stock up to two months' use above the safety stock; the items
    with a fragile supply chain now and then come a month late and fall below it."""
    rng = _stream(seed, "supplies")
    rows = []
    for dept, items in DEPT_SUPPLIES.items():
        for code, driver, rate in items:
            item = SUPPLY_ITEMS[code]
            drivers = [
                1 if driver == "flat" else measures.loc[(dept, m), driver] for m in calendar.months
            ]
            usual = rate * float(np.mean(drivers))
            reorder = _packs(0.5 * usual, item.pack)
            full = reorder + _packs(2 * usual, item.pack)
            stock = full
            for month, amount in zip(calendar.months, drivers, strict=True):
                expected = rate * amount * rng.lognormal(0, 0.1)
                # office supplies are drawn by a fixed monthly requisition, not by patients
                demand = round(expected) if driver == "flat" else int(rng.poisson(expected))
                late = rng.random() < item.late_share
                received = 0 if late or stock >= full else _packs(full - stock, item.pack)
                issued = min(demand, stock + received)
                rows.append(
                    {
                        "month": month, "dept": dept, "item_code": code, "opening_qty": stock,
                        "received_qty": received, "issued_qty": issued,
                        "closing_qty": stock + received - issued, "reorder_level": reorder,
                    }
                )  # fmt: skip
                stock += received - issued
    return pd.DataFrame(rows)


def _packs(quantity: float, pack: int) -> int:
    return int(max(np.ceil(quantity / pack), 1) * pack)


def _patient_feedback(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = _stream(seed, "feedback")
    effects = _stream(seed, "measure effects")
    rows = []
    for clinic in CLINICS:
        for month in calendar.months:
            season = _winter(np.array([np.datetime64(month + "-15")]), clinic.winter_peak * 2)[0]
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


def _appointments(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    """About 60% of visits come by appointment, 6-10% of bookings do not show up."""
    rng = _stream(seed, "appointments")
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


def _roster(calendar: Calendar, seed: int) -> pd.DataFrame:
    """Staff in post on the first day, this period's joiners, a few leavers and part-timers."""
    rng = _stream(seed, "roster")
    rows = [
        _incumbent(dept, role, title, years, calendar, rng)
        for dept, team in TEAMS.items()
        for role, size in zip(("doctor", "nurse", "technician"), team, strict=True)
        for title, years in _ladder(role, size)
    ]
    # re-employed retired chief physicians (返聘) work half time
    rehired = calendar.first_day - timedelta(days=700)
    rows += [
        {"dept": dept, "role": "doctor", "title": "主任医师", "start_date": rehired, "fte": 0.5}
        for dept in ("CARD", "ORTH")
    ]
    rows += _joiners(calendar)
    roster = pd.DataFrame(rows)
    roster["fte"] = roster["fte"].fillna(1.0)
    roster["staff_code"] = [f"{s.year}{i:03d}" for i, s in enumerate(roster["start_date"], 1)]
    incumbents = roster.index[roster["start_date"] < calendar.first_day]
    nurses = incumbents.intersection(roster.index[roster["role"] == "nurse"])
    roster.loc[rng.choice(nurses, 2, replace=False), "fte"] = 0.5
    roster["end_date"] = None
    span = (calendar.last_day - calendar.first_day).days
    for leaver in rng.choice(incumbents, 6, replace=False):
        roster.at[leaver, "end_date"] = calendar.first_day + timedelta(
            days=int(rng.integers(30, span))
        )
    hours = rng.choice([4, 6, 8, 12, 16, 24, 32], len(roster)).astype(float)
    roster["training_hours"] = np.where(rng.random(len(roster)) < 0.4, hours, np.nan)
    rank = {d.code: i for i, d in enumerate(DEPARTMENTS)} | {r: i for i, r in enumerate(ROLE_ZH)}
    return roster.sort_values(["dept", "role", "staff_code"], key=lambda s: s.map(rank).fillna(s))


def _ladder(role: str, size: int) -> list[tuple[str, int]]:
    """Titles spread over a team in the ladder's shares (by quantile, so small teams get them too)."""
    ladder = TITLES[role]
    bounds = np.cumsum([share for _, share, _ in ladder])
    rungs = np.minimum(np.searchsorted(bounds, (np.arange(size) + 0.5) / size), len(ladder) - 1)
    return [(ladder[r][0], ladder[r][2]) for r in rungs]


def _incumbent(dept: str, role: str, title: str, years: int, calendar: Calendar, rng) -> dict:
    service = timedelta(days=int(365 * (years + rng.uniform(0.2, 4))))
    return {"dept": dept, "role": role, "title": title, "start_date": calendar.first_day - service}


def _joiners(calendar: Calendar) -> list[dict]:
    residents = [
        {"dept": dept, "role": "doctor", "title": "住院医师", "start_date": date(year, 9, 1)}
        for year in calendar.years
        for dept in ("CARD", "RESP", "GSUR", "ORTH")
    ]
    expansion = [
        {"dept": "GSUR", "role": "nurse", "title": "护师", "start_date": date(2025, 6, 16)}
    ] * 3
    expansion += [
        {"dept": "GSUR", "role": "doctor", "title": "主治医师", "start_date": date(2025, 7, 1)}
    ]
    new_mri = [
        {"dept": "RAD", "role": "technician", "title": "初级", "start_date": date(2025, 4, 15)}
    ] * 2
    # clinical pharmacists (临床药师) posted to two wards
    pharmacists = [
        {"dept": dept, "role": "pharmacist", "title": "中级", "start_date": date(2024, 3, 1)}
        for dept in ("CARD", "GSUR")
    ]
    joins = residents + expansion + new_mri + pharmacists
    return [j for j in joins if calendar.first_day <= j["start_date"] <= calendar.last_day]


def _commentary(calendar: Calendar) -> pd.DataFrame:
    """What the assistants wrote about the story lines, for the months the demo covers."""
    last = calendar.months[-1]
    winter = max((m for m in calendar.months if m.endswith("-01")), default=calendar.months[0])
    # Topics by indicator id or Chinese name (the loader keeps the id) or a free topic.
    rows = [
        (winter, "RESP", "bed_occupancy", "external",
         "冬季呼吸道感染高发，门急诊和住院人数明显增加，病房多日加床；已与老年科协调借床。", None),
        ("2025-04", "RAD", "large_equipment_daily_uses", "internal",
         "新购3.0T磁共振4月18日投入使用，磁共振预约等待时间由5天缩短至2天。", None),
        ("2025-07", "GSUR", "avg_open_beds", "internal",
         "7月起普外科病区扩展，实际开放床位由45张增至50张，新增护士3名、主治医师1名。", None),
        (last, "ORTH", "病床使用率", "internal",
         "骨科病床使用率较去年同期上升约5个百分点：关节置换择期手术增多，排期已满，部分病人等床。"
         "拟缩短术前等待并推进日间手术。", "术前等待控制在3天以内，开设日间手术床位4张。"),
        (last, "GSUR", "alos", "internal",
         "平均住院日高于科室目标（8天），主要为高龄、合并症病人术后恢复时间长；已推行加速康复外科路径。",
         "加速康复外科路径覆盖全部择期手术病人，每周复盘超长住院病例。"),
        (last, "CARD", "surgeries", "internal", "胸痛中心运行平稳，急诊PCI手术量与去年同期基本持平。",
         None),
        (last, "RAD", "医保DRG付费", "", "DRG付费全面实施后，检查项目需严格按临床路径开立，关注检查阳性率。",
         None),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["month", "dept", "topic", "factor", "text", "plan"])
    return frame[frame["month"].isin(calendar.months)]


# --- the assistant's desk: dated training, the complaints register, improvement measures -------

# kind: (share of trainings, fewest and most hours); further study (进修) here is a short course
# away (进修班) of one to two weeks' hours: a stint of months would make one person's hours a
# department's month
TRAINING_KINDS = {"course": (0.55, 2, 8), "cme": (0.30, 4, 12), "conference": (0.12, 8, 16),
                  "further_study": (0.03, 24, 40)}  # fmt: skip
TRAINING_ZH = {"course": "培训", "cme": "继续教育", "conference": "学术会议",
               "further_study": "进修", "other": "其他"}  # fmt: skip
TRAININGS_PER_YEAR = 3


def _training(calendar: Calendar, roster: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each person in post attends about three trainings a year (courses, continuing medical
    education, a conference now and then, rarely weeks of further study), dated when they happen."""
    rng = _stream(seed, "training")
    kinds = list(TRAINING_KINDS)
    shares = [share for share, _, _ in TRAINING_KINDS.values()]
    rows = []
    for person in roster.itertuples():
        first = max(person.start_date, calendar.first_day)
        last = min(person.end_date or calendar.last_day, calendar.last_day)
        if first > last:
            continue
        span = (last - first).days + 1
        for offset in sorted(rng.integers(0, span, rng.poisson(span / 365 * TRAININGS_PER_YEAR))):
            kind = kinds[rng.choice(len(kinds), p=shares)]
            _, fewest, most = TRAINING_KINDS[kind]
            rows.append(
                {"dept": person.dept, "staff_code": person.staff_code,
                 "date": first + timedelta(days=int(offset)),
                 "hours": float(rng.integers(fewest, most + 1)), "kind": kind}
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["dept", "staff_code", "date", "hours", "kind"])
    return frame.drop_duplicates(["dept", "staff_code", "date", "kind"]).sort_values(
        ["date", "dept", "staff_code"], ignore_index=True
    )


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


def _complaints(calendar: Calendar, feedback: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The patient services office's register: exactly the complaints the feedback ledger counts,
    each dated in its month, with a category and channel; most are closed within the 15 days the
    closure rate asks for, a few take longer, the latest are still open."""
    rng = _stream(seed, "complaints")
    rows = []
    for row in feedback.itertuples():
        first, last = _month_start(row.month), _month_end(row.month)
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


# The improvement measures the weekly meetings agreed, at least one per department: (dept,
# problem, measure, metric, owner, start, due, status, done). Their effects: cardiology's
# follow-up calls and respiratory medicine's timed appointments (SATISFACTION_LIFT, WAIT_FACTOR),
# general surgery's 5 new beds (WARDS); orthopaedics' and surgery's newest are too recent to judge
# (数据不足), radiology's booking system is overdue.
ACTIONS = (
    ("CARD", "出院患者满意度偏低", "出院患者电话随访，每周反馈满意度回访结果", "satisfaction_rate",
     "护士长", "2026-01-05", "2026-03-31", "done", "2026-03-25", 95),
    ("CARD", "胸痛中心数据填报不及时", "规范胸痛中心数据填报，专人每日核对", None,
     "质控护士", "2026-10-08", "2026-10-30", "done", "2026-10-28", None),
    ("RESP", "门诊候诊时间长", "分时段预约，增开呼吸专病门诊", "门诊平均候诊时间",
     "门诊部主任", "2025-11-03", "2025-12-31", "done", "2025-12-20", 18),
    ("RESP", "冬季床位紧张", "冬季高峰期与老年科协调借床", "bed_occupancy",
     "科主任", "2026-10-12", "2026-11-30", "in_progress", None, "90%"),
    ("GSUR", "床位不足，择期手术等待长", "病区扩展，增加开放床位5张", "avg_open_beds",
     "科主任", "2025-07-01", "2025-07-31", "done", "2025-07-01", 50),
    ("GSUR", "平均住院日高于目标", "加速康复外科路径覆盖全部择期手术", "平均住院日",
     "科主任", "2026-09-01", "2026-12-31", "in_progress", None, 8),
    ("ORTH", "术前等待时间长", "缩短术前等待，开设日间手术床位4张", "preop_days",
     "护士长", "2026-10-08", "2026-11-30", "in_progress", None, 3),
    ("RAD", "检查预约等待长", "3.0T磁共振投入使用，延长检查开放时间", "exams",
     "科主任", "2025-04-18", "2025-06-30", "done", "2025-06-30", None),
    ("RAD", "预约信息不通畅", "检查预约系统上线，短信提醒", None,
     "信息科", "2026-08-01", "2026-09-30", "in_progress", None, None),
)  # fmt: skip
ACTION_COLUMNS = ["dept", "problem", "measure", "metric", "owner", "start_date", "due_date",
                  "status", "done_date", "target"]  # fmt: skip
STATUS_ZH = {"planned": "计划", "in_progress": "进行中", "done": "已完成", "dropped": "取消"}


def _actions(calendar: Calendar) -> pd.DataFrame:
    """The measures started within the months the demo covers; none is done after its end."""
    frame = pd.DataFrame(ACTIONS, columns=ACTION_COLUMNS)
    for column in ("start_date", "due_date", "done_date"):
        frame[column] = frame[column].map(
            lambda d: date.fromisoformat(d) if isinstance(d, str) else None
        )
    return frame[frame["start_date"].between(calendar.first_day, calendar.last_day)].reset_index(
        drop=True
    )


# The training material's ideal occupancy is 80–90%; columns dept, metric, low, high (year blank).
TARGETS = (
    ("*", "bed_occupancy", 0.80, 0.90),
    ("GSUR", "alos", None, 8),
    ("ORTH", "preop_days", None, 3),
    ("*", "satisfaction_rate", 0.92, None),
    ("RAD", "large_equipment_daily_uses", 60, None),
)


# --- medical insurance and DRG ----------------------------------------------------------------

# The codes the insurance bureau's catalogue leaves out (their episodes are 未入组), the low-risk
# groups (低风险组: a death there is a quality signal), and a group whose weight was revised for
# 2026 (its own 2026 row beside the row for every year).
UNGROUPED_DRGS = ("GD19",)
LOW_RISK_DRGS = ("FT25", "ES21", "HZ25", "IU29")
REVISED_DRGS = {"FM19": (2026, 1.06)}
# Basic medical insurance pays this share of an insured episode's cost (统筹支付); commercial
# insurance and self-pay are settled outside it.
FUND_SHARE = {"城镇职工医保": (0.68, 0.76), "城乡居民医保": (0.55, 0.64)}


def _drg_weights(episodes: pd.DataFrame) -> pd.DataFrame:
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


def _insurance(episodes: pd.DataFrame, weights: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Fund payment and DRG payment standard per episode (cents), from their own stream so that
    no other figure of the demo moves. The payment standard is the group's weight times the
    region's rate per weight (the mean cost of a case), paid for basic-insurance episodes of a
    group in the catalogue: a stay longer or costlier than its group's loses money."""
    rng = _stream(seed, "insurance")
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


def _with_budgets_ahead(finance: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The last year's budget was entered in January for all twelve months: the months after the
    data hold budget lines only (METRICS.md: they load but hold no month)."""
    rng = _stream(seed, "budgets ahead")
    last = finance["month"].max()
    year, month = int(last[:4]), int(last[5:])
    ahead = []
    for dept, rows in finance.groupby("dept", sort=True):
        of_year = rows[rows["month"].str.startswith(f"{year}-")]
        for later in range(month + 1, 13):
            ahead.append(
                {
                    "month": f"{year}-{later:02d}",
                    "dept": dept,
                    "revenue_budget": round(
                        of_year["revenue_budget"].mean() * rng.uniform(0.98, 1.02)
                    ),
                    "expense_budget": round(
                        of_year["expense_budget"].mean() * rng.uniform(0.98, 1.02)
                    ),
                }
            )
    amounts = [c for c in finance.columns if c not in ("month", "dept")]
    together = pd.concat([finance, pd.DataFrame(ahead)], ignore_index=True)
    return together.astype({c: "Int64" for c in amounts})


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


def _simulate(calendar: Calendar, seed: int) -> Hospital:
    taken: set[str] = set()
    simulated = pd.concat(
        [_simulate_ward(w, calendar, seed, taken) for w in WARDS], ignore_index=True
    )
    workload = _workload(calendar, simulated, seed)
    measures = _monthly_measures(workload)
    first, last = np.datetime64(calendar.first_day), np.datetime64(calendar.last_day)
    shown = simulated["discharge_date"].between(first, last)
    episodes = simulated[shown].sort_values(["discharge_date", "admit_date", "episode_id"])
    weights = _drg_weights(simulated)
    episodes = _insurance(episodes, weights, seed)
    usage = _equipment_usage(calendar, measures, seed)
    roster = _roster(calendar, seed)
    feedback = _patient_feedback(calendar, measures, seed)
    return Hospital(
        episodes=episodes.reset_index(drop=True),
        drg_weights=weights,
        workload=workload,
        finance=_with_budgets_ahead(_finance(calendar, measures, episodes, usage, seed), seed),
        usage=usage,
        supplies=_supplies(calendar, measures, seed),
        feedback=feedback,
        appointments=_appointments(calendar, measures, seed),
        roster=roster,
        commentary=_commentary(calendar),
        training=_training(calendar, roster, seed),
        complaints=_complaints(calendar, feedback, seed),
        actions=_actions(calendar),
    )


# --- spelling: how assistants write dates, months, departments and amounts -------------------

DATE_SPELLINGS = {
    "excel": lambda d: d,
    "iso": lambda d: d.isoformat(),
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "dot": lambda d: f"{d:%Y.%m.%d}",
    "compact": lambda d: f"{d:%Y%m%d}",
    "zh": lambda d: f"{d.year}年{d.month}月{d.day}日",
}
MONTH_SPELLINGS = {
    "iso": lambda m: m,
    "slash": lambda m: m.replace("-", "/"),
    "compact": lambda m: m.replace("-", ""),
    "zh": lambda m: f"{m[:4]}年{int(m[5:])}月",
}
DEPT_SPELLINGS = {
    "code": lambda c: c,
    "zh": lambda c: BY_CODE[c].name_zh,
    "en": lambda c: BY_CODE[c].name_en,
}


def _yuan(cents: int) -> float:
    return round(cents / 100, 2)


def _yuan_text(cents: int, thousands: bool = False) -> str:
    return f"{cents / 100:,.2f}" if thousands else f"{cents // 100}.{cents % 100:02d}"


def _plain(value: object) -> object:
    """A cell value openpyxl and csv write as the user would see it."""
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _records(frame: pd.DataFrame, columns: Sequence[str], spell: dict | None = None) -> list[list]:
    """Rows of the given columns, blanks as None, each spelled by its function in `spell`."""
    spell = spell or {}
    table = frame[list(columns)].astype(object)
    table = table.where(frame[list(columns)].notna(), None)
    rows = []
    for values in table.itertuples(index=False, name=None):
        row = [_plain(v) for v in values]
        rows.append(
            [
                spell[c](v) if c in spell and v is not None else v
                for c, v in zip(columns, row, strict=True)
            ]
        )
    return rows


def _headers(kind: str, columns: Sequence[str], *, lang: str = "zh", alias: int = 0, unit=None):
    """Header labels from the contract: an English name or the n-th Chinese alias, plus a unit."""
    spec = ledger(kind)
    labels = []
    for name in columns:
        aliases = spec.by_name[name].zh
        label = name if lang == "en" else aliases[min(alias, len(aliases) - 1)]
        labels.append(label + (unit(name) if unit else ""))
    return labels


def _totals(rows: list[list], label_at: int, sum_from: int) -> list:
    """A 合计 row as assistants add under a table (readers skip it)."""
    total = [None] * len(rows[0])
    total[label_at] = "合计"
    for i in range(sum_from, len(total)):
        numbers = [r[i] for r in rows if isinstance(r[i], int | float)]
        total[i] = round(sum(numbers), 2) if numbers else None
    return total


# --- files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list]


def _save_xlsx(path: Path, sheets: Iterable[Sheet]) -> Path:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for row in sheet.rows:
            worksheet.append(row)
    workbook.save(path)
    return path


def _save_csv(path: Path, rows: Iterable[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(["" if v is None else v for v in row] for row in rows)
    return path


def _by_year(
    frame: pd.DataFrame, month_column: str = "month"
) -> Iterable[tuple[int, pd.DataFrame]]:
    years = frame[month_column].str[:4].astype(int)
    for year, part in frame.groupby(years, sort=True):
        yield int(year), part


def _write_departments(out: Path) -> Path:
    columns = ["code", "name_zh", "name_en", "kind", "assistant", "beds_authorised"]
    rows = [
        [d.code, d.name_zh, d.name_en, KIND_ZH[d.kind], d.assistant, d.beds_authorised]
        for d in DEPARTMENTS
    ]
    return _save_xlsx(
        out / "科室字典.xlsx", [Sheet("科室", [_headers("departments", columns), *rows])]
    )


def _workload_by_department(frame: pd.DataFrame, year: int) -> list[Sheet]:
    """One sheet per department, a title above the header, Excel dates, Chinese names."""
    header = _headers("workload", WORKLOAD_COLUMNS)
    spell = {"dept": DEPT_SPELLINGS["zh"]}
    sheets = []
    for dept, part in frame.groupby("dept", sort=False):
        title = f"{BY_CODE[dept].name_zh}{year}年业务量台账"
        sheets.append(
            Sheet(
                BY_CODE[dept].name_zh,
                [[title], [], header, *_records(part, WORKLOAD_COLUMNS, spell)],
            )
        )
    return sheets


def _workload_hospital_sheet(frame: pd.DataFrame, year: int) -> list[Sheet]:
    """One sheet for the whole hospital, sorted by department, whose name shows once per
    department as in merged cells; alias headers, codes, dates as 2025/1/5 text."""
    rows = _blank_repeated(_records(frame, WORKLOAD_COLUMNS, {"date": DATE_SPELLINGS["slash"]}), 1)
    header = _headers("workload", WORKLOAD_COLUMNS, alias=1)
    return [Sheet("全院", [[f"{year}年业务量台账（全院）"], [], header, *rows])]


def _blank_repeated(rows: list[list], column: int) -> list[list]:
    """Leave a cell blank where it repeats the one above, as merged cells read back."""
    shown = None
    for row in rows:
        if row[column] == shown:
            row[column] = None
        else:
            shown = row[column]
    return rows


def _workload_monthly_sheets(frame: pd.DataFrame, year: int) -> list[Sheet]:
    """One sheet per month with a 合计 row under it; units in some headers, dates as 2026.01.05."""
    units = {"outpatient_visits": "（人次）", "emergency_visits": "（人次）", "open_beds": "(张)"}
    header = _headers("workload", WORKLOAD_COLUMNS, unit=lambda c: units.get(c, ""))
    spell = {"date": DATE_SPELLINGS["dot"], "dept": DEPT_SPELLINGS["zh"]}
    sheets = []
    for month, part in frame.groupby("month", sort=True):
        rows = _records(part.sort_values(["date"], kind="stable"), WORKLOAD_COLUMNS, spell)
        sheets.append(Sheet(f"{int(month[5:])}月", [header, *rows, _totals(rows, 0, 2)]))
    return sheets


WORKLOAD_LAYOUTS = (_workload_by_department, _workload_hospital_sheet, _workload_monthly_sheets)


def _write_workload(out: Path, workload: pd.DataFrame) -> list[Path]:
    """One workbook per year, as the ledger is started afresh each January."""
    paths = []
    for i, (year, part) in enumerate(_by_year(workload)):
        sheets = WORKLOAD_LAYOUTS[i % len(WORKLOAD_LAYOUTS)](part, year)
        paths.append(_save_xlsx(out / f"{year}年业务量台账.xlsx", sheets))
    return paths


DISCHARGE_COLUMNS = [c.name for c in ledger("discharges").columns]
AMOUNTS = {
    "total_cost": "total_cents",
    "drug_cost": "drug_cents",
    "consumables_cost": "consumables_cents",
    "insurance_paid": "insurance_paid_cents",
    "drg_payment": "drg_payment_cents",
}


def _discharge_table(episodes: pd.DataFrame) -> pd.DataFrame:
    table = episodes.rename(columns={v: k for k, v in AMOUNTS.items()})
    table["surgery_grade"] = (
        table["surgery_grade"].where(table["surgery_grade"] > 0).astype("Int64")
    )
    # 离院方式 as the 病案首页 codes it: 5 died, else 1 discharged on the doctor's order
    table["discharge_mode"] = table["outcome"].map(lambda o: "5" if o == "died" else "1")
    return table


# (encoding, header language, alias, spelling of dept, dates, grade, outcome, complication, amount)
DISCHARGE_LAYOUTS = (
    ("gb18030", "zh", 0, "zh", "zh", GRADE_ZH.get, OUTCOME_ZH.get, "是否", _yuan_text),
    ("utf-8", "zh", 1, "code", "compact", int, OUTCOME_ZH.get, "YN",
     lambda c: _yuan_text(c, thousands=True)),
    ("utf-8", "en", 0, "code", "iso", int, str, ("true", "false"), _yuan_text),
)  # fmt: skip


def _write_discharges(out: Path, episodes: pd.DataFrame) -> list[Path]:
    """One CSV per year of discharge, as exported from the HIS and saved by different people."""
    table = _discharge_table(episodes)
    table["month"] = table["discharge_date"].dt.strftime("%Y-%m")
    paths = []
    for i, (year, part) in enumerate(_by_year(table)):
        layout = DISCHARGE_LAYOUTS[i % len(DISCHARGE_LAYOUTS)]
        encoding, lang, alias, dept, dates, grade, outcome, flags, amount = layout
        spell = {
            "dept": DEPT_SPELLINGS[dept],
            "admit_date": DATE_SPELLINGS[dates],
            "discharge_date": DATE_SPELLINGS[dates],
            "surgery_date": DATE_SPELLINGS[dates],
            "surgery_grade": grade,
            "outcome": outcome,
            "complication": lambda flag, yes_no=flags: yes_no[0] if flag else yes_no[1],
        } | dict.fromkeys(AMOUNTS, amount)
        header = _headers("discharges", DISCHARGE_COLUMNS, lang=lang, alias=alias)
        rows = _records(part, DISCHARGE_COLUMNS, spell)
        paths.append(_save_csv(out / f"出院病人明细_{year}.csv", [header, *rows], encoding))
    return paths


FINANCE_COLUMNS = [c.name for c in ledger("finance").columns]
FINANCE_AMOUNTS = FINANCE_COLUMNS[2:]


def _finance_monthly_sheets(frame: pd.DataFrame, year: int) -> tuple[str, list[Sheet]]:
    """A sheet per month with a title, amounts in yuan said in the header, and a 合计 row."""
    header = _headers(
        "finance", FINANCE_COLUMNS, unit=lambda c: "(元)" if c in FINANCE_AMOUNTS else ""
    )
    spell = {"dept": DEPT_SPELLINGS["zh"]} | dict.fromkeys(FINANCE_AMOUNTS, _yuan)
    sheets = []
    for month, part in frame.groupby("month", sort=True):
        rows = _records(part, FINANCE_COLUMNS, spell)
        title = f"{year}年{int(month[5:])}月经济运行台账"
        sheets.append(
            Sheet(f"{int(month[5:])}月", [[title], [], header, *rows, _totals(rows, 1, 2)])
        )
    return f"{year}年经济运行台账.xlsx", sheets


def _finance_in_ten_thousands(frame: pd.DataFrame, year: int) -> tuple[str, list[Sheet]]:
    """Amounts in 万元 with six decimals, so that ×10,000 gives back the yuan to the fen."""

    def unit(column: str) -> str:
        if column not in FINANCE_AMOUNTS:
            return ""
        return "(万元)" if column.endswith("_revenue") else "（万元）"

    spell = {"month": MONTH_SPELLINGS["compact"]}
    spell |= dict.fromkeys(FINANCE_AMOUNTS, lambda cents: round(cents / 1_000_000, 6))
    rows = [
        _headers("finance", FINANCE_COLUMNS, unit=unit),
        *_records(frame, FINANCE_COLUMNS, spell),
    ]
    return f"经济运行台账{year}（万元）.xlsx", [Sheet(f"{year}年", rows)]


def _finance_english(frame: pd.DataFrame, year: int) -> tuple[str, list[Sheet]]:
    spell = {"dept": DEPT_SPELLINGS["en"]} | dict.fromkeys(FINANCE_AMOUNTS, _yuan)
    rows = [
        _headers("finance", FINANCE_COLUMNS, lang="en"),
        *_records(frame, FINANCE_COLUMNS, spell),
    ]
    return f"finance_{year}.xlsx", [Sheet("finance", rows)]


FINANCE_LAYOUTS = (_finance_monthly_sheets, _finance_in_ten_thousands, _finance_english)


def _write_finance(out: Path, finance: pd.DataFrame) -> list[Path]:
    paths = []
    for i, (year, part) in enumerate(_by_year(finance)):
        name, sheets = FINANCE_LAYOUTS[i % len(FINANCE_LAYOUTS)](part, year)
        paths.append(_save_xlsx(out / name, sheets))
    return paths


STAFFING_COLUMNS = [c.name for c in ledger("staffing").columns]


def _write_staffing(out: Path, roster: pd.DataFrame) -> Path:
    """A small workbook kept by hand: the department cell is merged over its staff."""
    spell = {"dept": DEPT_SPELLINGS["zh"], "role": ROLE_ZH.get}
    rows = _records(roster, STAFFING_COLUMNS, spell)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员名册"
    sheet.append(_headers("staffing", STAFFING_COLUMNS))
    for row in rows:
        sheet.append(row)
    for column in ("start_date", "end_date"):
        letter = get_column_letter(STAFFING_COLUMNS.index(column) + 1)
        for cell in sheet[letter][1:]:
            cell.number_format = "yyyy/m/d"
    first_row = 2
    for _, members in itertools.groupby(rows, key=lambda row: row[0]):
        size = len(list(members))
        if size > 1:
            sheet.merge_cells(
                start_row=first_row, end_row=first_row + size - 1, start_column=1, end_column=1
            )
        first_row += size
    path = out / "人力资源台账.xlsx"
    workbook.save(path)
    return path


EQUIPMENT_COLUMNS = [c.name for c in ledger("equipment").columns]
SUPPLY_COLUMNS = [c.name for c in ledger("supplies").columns]
INSTRUCTIONS = (
    "填表说明",
    "1. 设备登记：每台设备一行，资产编号以设备科资产卡片为准；报废设备填写报废日期，不要删除。",
    "2. 物资台账：每月每种物资一行，期末数量 = 期初数量 + 入库数量 − 领用数量，次月期初等于本月期末。",
    "3. 期末数量低于安全库存时请及时提交申领单。",
    "4. 每月5日前将上月台账发送运营管理部。",
)


def _equipment_sheet() -> Sheet:
    rows = [
        [d.asset_code, d.dept, d.name, d.category, "是" if d.large else "否", d.purchased,
         d.value, d.life_years, d.retired]
        for d in DEVICES
    ]  # fmt: skip
    header = _headers("equipment", EQUIPMENT_COLUMNS, alias=1)
    spelled = [[r[0], BY_CODE[r[1]].name_zh, *r[2:]] for r in rows]
    return Sheet("设备登记", [header, *spelled])


def _supplies_sheet(supplies: pd.DataFrame) -> Sheet:
    items = supplies["item_code"].map(SUPPLY_ITEMS)
    table = supplies.assign(
        item_name=items.map(lambda i: i.name),
        category=items.map(lambda i: CATEGORY_ZH[i.category]),
        unit=items.map(lambda i: i.unit),
        unit_price=items.map(lambda i: i.price),
    )
    rows = _records(table, SUPPLY_COLUMNS, {"month": MONTH_SPELLINGS["slash"]})
    title = f"科室物资台账（{supplies['month'].iloc[0]}至{supplies['month'].iloc[-1]}）"
    return Sheet("物资台账", [[title], _headers("supplies", SUPPLY_COLUMNS), *rows])


def _write_assets(out: Path, supplies: pd.DataFrame) -> Path:
    """The 物资设备台账: instructions, the equipment register and the supplies in one workbook."""
    instructions = Sheet("说明", [[line] for line in INSTRUCTIONS])
    sheets = [instructions, _equipment_sheet(), _supplies_sheet(supplies)]
    return _save_xlsx(out / "物资设备台账.xlsx", sheets)


USAGE_COLUMNS = [c.name for c in ledger("equipment_usage").columns]


def _write_equipment_usage(out: Path, usage: pd.DataFrame) -> Path:
    units = {
        "hours_used": "(h)",
        "hours_available": "(h)",
        "downtime_hours": "(h)",
        "maintenance_cost": "(元)",
    }
    header = _headers("equipment_usage", USAGE_COLUMNS, alias=1, unit=lambda c: units.get(c, ""))
    table = usage.assign(maintenance_cost=usage["maintenance_cents"])
    rows = _records(table, USAGE_COLUMNS, {"maintenance_cost": _yuan_text})
    return _save_csv(out / "设备使用.csv", [header, *rows])


FEEDBACK_COLUMNS = [c.name for c in ledger("patient_feedback").columns]


def _write_feedback(out: Path, feedback: pd.DataFrame) -> Path:
    """Saved by Excel as 'CSV UTF-8', hence the byte-order mark."""
    units = {"wait_samples": "（人次）", "avg_wait_minutes": "(分钟)"}
    header = _headers("patient_feedback", FEEDBACK_COLUMNS, unit=lambda c: units.get(c, ""))
    spell = {"month": MONTH_SPELLINGS["zh"], "dept": DEPT_SPELLINGS["zh"]}
    rows = _records(feedback, FEEDBACK_COLUMNS, spell)
    return _save_csv(out / "满意度调查.csv", [header, *rows], "utf-8-sig")


APPOINTMENT_COLUMNS = [c.name for c in ledger("appointments").columns]


def _write_appointments(out: Path, appointments: pd.DataFrame) -> Path:
    header = _headers("appointments", APPOINTMENT_COLUMNS, alias=1)
    sheets = []
    for year, part in _by_year(appointments):
        rows = _records(part, APPOINTMENT_COLUMNS, {"month": MONTH_SPELLINGS["slash"]})
        sheets.append(Sheet(f"{year}年", [header, *rows, _totals(rows, 1, 2)]))
    return _save_xlsx(out / "预约挂号.xlsx", sheets)


def _write_commentary(out: Path, commentary: pd.DataFrame) -> Path:
    columns = [c.name for c in ledger("commentary").columns]
    spell = {
        "month": MONTH_SPELLINGS["zh"],
        "dept": DEPT_SPELLINGS["zh"],
        "factor": {"internal": "内部", "external": "外部", "": None}.get,
    }
    rows = [_headers("commentary", columns), *_records(commentary, columns, spell)]
    return _save_xlsx(out / "分析说明.xlsx", [Sheet("分析说明", rows)])


def _write_drg_weights(out: Path, weights: pd.DataFrame) -> Path:
    """The insurance bureau's catalogue as the DRG office keeps it: a title row, 是/否, 年度."""
    columns = [c.name for c in ledger("drg_weights").columns]
    table = weights.assign(name=weights["drg"].map(DRG_NAMES))
    spell = {"benchmark_cost": _yuan, "low_risk": lambda flag: "是" if flag else "否"}
    rows = [["DRG病组目录与权重（医保局发布）"], _headers("drg_weights", columns)]
    rows += _records(table, columns, spell)
    return _save_xlsx(out / "DRG病组权重.xlsx", [Sheet("病组目录", rows)])


DRG_NAMES = {
    "FR23": "心力衰竭、休克", "FT25": "高血压", "FV23": "心律失常", "FZ15": "冠状动脉粥样硬化",
    "FM19": "经皮冠状动脉支架植入", "FM33": "心脏起搏器植入",
    "ES21": "呼吸系统感染", "ES31": "慢性阻塞性肺病", "ET15": "支气管哮喘", "ER13": "肺部肿瘤",
    "EB19": "肺部手术", "GZ15": "消化道出血", "HZ25": "胆道感染", "GE19": "阑尾切除",
    "HC29": "胆囊切除", "GD19": "胃切除", "GB29": "结直肠手术", "IZ25": "骨折保守治疗",
    "IU29": "颈腰痛", "IC29": "髋膝关节置换", "IF49": "骨折内固定", "ID19": "脊柱融合",
    "IB39": "关节镜手术",
}  # fmt: skip


def _write_targets(out: Path) -> Path:
    columns = [c.name for c in ledger("targets").columns]
    rows = [_headers("targets", columns, lang="en"), *[list(t) for t in TARGETS]]
    return _save_xlsx(out / "目标.xlsx", [Sheet("targets", rows)])


def _write_training(out: Path, training: pd.DataFrame) -> Path:
    """The education office's register, one sheet a year, Chinese kinds, dates as Excel dates."""
    columns = [c.name for c in ledger("training").columns]
    header = _headers("training", columns, alias=2)
    spell = {"dept": DEPT_SPELLINGS["zh"], "kind": TRAINING_ZH.get}
    years = training.assign(month=training["date"].map(lambda d: f"{d:%Y-%m}"))
    sheets = [
        Sheet(f"{year}年", [header, *_records(part, columns, spell)])
        for year, part in _by_year(years)
    ]
    return _save_xlsx(out / "培训进修台账.xlsx", sheets)


def _write_complaints(out: Path, complaints: pd.DataFrame) -> Path:
    """The patient services office's register as a CSV saved by Excel (UTF-8 with BOM)."""
    columns = [c.name for c in ledger("complaints").columns]
    spell = {
        "date": DATE_SPELLINGS["iso"],
        "closed_date": DATE_SPELLINGS["iso"],
        "dept": DEPT_SPELLINGS["zh"],
        "category": COMPLAINT_CATEGORY_ZH.get,
        "channel": CHANNEL_ZH.get,
        "escalated": lambda flag: "是" if flag else "否",
    }
    rows = [_headers("complaints", columns), *_records(complaints, columns, spell)]
    return _save_csv(out / "投诉登记.csv", rows, "utf-8-sig")


def _write_actions(out: Path, actions: pd.DataFrame) -> Path:
    """The measures as the weekly meeting's minutes list them: a title row, Chinese status."""
    spell = {"dept": DEPT_SPELLINGS["zh"], "status": STATUS_ZH.get}
    rows = [["科室运营改进措施台账"], _headers("actions", ACTION_COLUMNS, alias=1)]
    rows += _records(actions, ACTION_COLUMNS, spell)
    return _save_xlsx(out / "改进措施台账.xlsx", [Sheet("改进措施", rows)])


def write_demo(
    out: Path,
    *,
    first_month: str = "2024-01",
    last_month: str = "2026-10",
    seed: int = 20261123,
) -> list[Path]:
    """Write the demo hospital's ledger inbox into `out` (created if missing); return the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    hospital = _simulate(Calendar.of(first_month, last_month), seed)
    paths = [
        _write_departments(out),
        *_write_workload(out, hospital.workload),
        *_write_discharges(out, hospital.episodes),
        *_write_finance(out, hospital.finance),
        _write_staffing(out, hospital.roster),
        _write_assets(out, hospital.supplies),
        _write_equipment_usage(out, hospital.usage),
        _write_feedback(out, hospital.feedback),
        _write_appointments(out, hospital.appointments),
        _write_commentary(out, hospital.commentary),
        _write_targets(out),
        _write_drg_weights(out, hospital.drg_weights),
        _write_training(out, hospital.training),
        _write_complaints(out, hospital.complaints),
        _write_actions(out, hospital.actions),
    ]
    for path in paths:
        _stamp_saved(path, last_month)
    return sorted(paths)


SAVED_DAYS_AFTER_MONTH = 3  # an assistant saves a month's ledgers on the 3rd of the next month


def _stamp_saved(path: Path, last_month: str) -> None:
    """Give a file the modification time of when an assistant would have saved it: at 17:30 on
    the 3rd after the last month it holds (a year's file: its December, or `last_month` in the
    demo's last year), never after now. Without it every file says "saved today", and the
    timeliness check would call every ledger of the last month late."""
    year = re.search(r"(20\d\d)", path.name)
    month = last_month
    if year and int(year.group(1)) < int(last_month[:4]):
        month = f"{year.group(1)}-12"
    first = _month_start(month)
    next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    saved = datetime.combine(
        next_month + timedelta(days=SAVED_DAYS_AFTER_MONTH - 1),
        time(17, 30),
        tzinfo=ZoneInfo(clock.configured_timezone()),  # the hospital's wall clock
    )
    stamp = min(saved, clock.now()).timestamp()
    os.utime(path, (stamp, stamp))
