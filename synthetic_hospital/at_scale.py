"""A synthetic ledger inbox at benchmark scale, generated with numpy and written with DuckDB.

Patients are simulated per department and day, so that the ledgers agree with each other: the
daily workload's admissions, discharges, surgeries and midnight census are counted from the
discharged episodes (plus those admitted in a warm-up before the first day and those still in the
ward after the last), so the ward flow identity holds exactly and ALOS, occupancy and turnover are
meaningful. Big ledgers are written as an HIS exports them, one file per month: discharged
episodes as CSV with Chinese headers, the daily workload as Parquet with English headers. The small
ledgers (departments, roster, equipment, finance, feedback, appointments) are xlsx workbooks.

It shares the demo hospital's outcomes, department kinds, calendar, ward flow counting
(`workload.ward_flow`), workbook writer and the contract's headers; its random model is its own,
drawn for a whole city's departments at once (the demo's simulates five wards patient by patient,
which would take hours at this scale), so that a seed keeps giving the measured inbox.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from synthetic_hospital.at_scale_files import (
    PAYERS_AT_SCALE,
    copy_discharges,
    copy_workload,
    small_ledgers,
    sql,
)
from synthetic_hospital.timeline import Calendar, month_end, month_start, weekday_of
from synthetic_hospital.wards import OUTCOMES
from synthetic_hospital.workload import ward_flow

GENERATOR_VERSION = 5  # bump when the generated content changes, so cached inboxes are rebuilt


@dataclass(frozen=True)
class Scale:
    name: str
    departments: int
    first_year: int
    years: int
    admissions_per_bedded_dept_day: float  # mean over departments
    months: int | None = None  # only the first months of first_year (tiny); None: whole years

    @property
    def last_month(self) -> str:
        if self.months:
            return f"{self.first_year}-{self.months:02d}"
        return f"{self.first_year + self.years - 1}-12"


SCALES = {
    # tests/test_bench.py's: every stage of the pipeline (and every grain of report: months, a
    # quarter, a year, 13 weeks) on few rows and few reports
    "tiny": Scale("tiny", 2, 2024, 1, 4.0, months=3),
    "small": Scale("small", 6, 2024, 2, 4.0),
    "city": Scale("city", 200, 2021, 5, 14.8),
    "region": Scale("region", 1000, 2021, 5, 14.8),
}

BASES = {
    "medical": [("心内科", "Cardiology"), ("呼吸内科", "Respiratory"), ("消化内科", "Gastro")],
    "surgical": [("普外科", "General Surgery"), ("骨科", "Orthopaedics"), ("神经外科", "Neuro")],
    "medtech": [("影像科", "Radiology"), ("检验科", "Laboratory")],
}
OUTCOME_SHARES = [0.35, 0.55, 0.06, 0.01, 0.03]  # of OUTCOMES
WARMUP_DAYS = 120  # patients admitted before the first day, still in the ward on it


def inbox_path(root: Path, scale: str) -> Path:
    return root / f"inbox-{scale}"


def ensure_inbox(root: Path, scale: str, progress=print) -> tuple[Path, dict]:
    """The cached inbox of this scale, generated on first use; returns (path, manifest)."""
    folder = inbox_path(root, scale)
    manifest_path = folder / ".manifest.json"  # hidden: the loader skips dot files
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        scale_now = SCALES[scale]
        same = manifest.get("generator_version") == GENERATOR_VERSION
        # and the same size: a scale redefined (tiny, for the tests) is generated again
        same &= manifest.get("scale", {}).get("departments") == scale_now.departments
        same &= manifest.get("last_day", "")[:7] == scale_now.last_month
        if same:
            progress(f"reusing the {scale} inbox in {folder}")
            return folder, manifest
    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    progress(f"generating the {scale} inbox in {folder}")
    manifest = generate(folder, SCALES[scale])
    manifest["generation_seconds"] = round(time.perf_counter() - started, 2)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    progress(f"generated in {manifest['generation_seconds']} s: {manifest['rows']}")
    return folder, manifest


def generate(folder: Path, scale: Scale, seed: int = 20261123) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    calendar = Calendar.of(f"{scale.first_year}-01", scale.last_month)
    first, last = calendar.first_day, calendar.last_day
    n_days = (last - first).days + 1

    departments = _departments(rng, scale.departments)
    bedded = departments[departments["beds"] > 0].reset_index(drop=True)

    con = duckdb.connect()
    episodes = _episodes(rng, bedded, n_days, scale)
    con.from_df(episodes).create("episodes")
    workload = _workload(rng, departments, episodes, calendar)
    con.from_df(workload).create("workload")

    months = calendar.months
    for month in months:
        start, end = month_start(month), month_end(month)
        copy_discharges(con, folder / f"出院病人明细_{month}.csv", first, start, end)
        copy_workload(con, folder / f"workload_{month}.parquet", start, end)

    (discharged,) = con.execute(sql("discharged_episodes"), {"last_day": n_days - 1}).fetchone()
    rows = {"discharges": discharged, "workload": len(workload)}
    rows |= small_ledgers(rng, con, folder, departments, months, first, n_days)
    con.close()
    return {
        "generator_version": GENERATOR_VERSION,
        "scale": asdict(scale),
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "months": len(months),
        "rows": rows,
        "files": len([p for p in folder.iterdir() if not p.name.startswith(".")]),
    }


def _departments(rng: np.random.Generator, count: int) -> pd.DataFrame:
    slot = np.arange(count) % 10  # 4 medical : 3 surgical : 3 medtech
    kinds = np.where(slot < 4, "medical", np.where(slot < 7, "surgical", "medtech"))
    # Medtech departments with beds are rare; most have none.
    beds = np.where(kinds == "medtech", 0, rng.integers(40, 160, count))
    beds[(kinds == "medtech") & (np.arange(count) % 20 == 9)] = 20
    names_zh, names_en = [], []
    for i, kind in enumerate(kinds):
        zh, en = BASES[kind][i % len(BASES[kind])]
        names_zh.append(f"{zh}{i + 1:04d}")
        names_en.append(f"{en} {i + 1:04d}")
    return pd.DataFrame(
        {
            "code": [f"D{i + 1:04d}" for i in range(count)],
            "name_zh": names_zh,
            "name_en": names_en,
            "kind": kinds,
            "beds": beds,
        }
    )


def _episodes(rng: np.random.Generator, bedded: pd.DataFrame, n_days: int, scale: Scale):
    """One row per inpatient episode admitted from the warm-up on; day numbers from the first day."""
    beds = bedded["beds"].to_numpy()
    # Admissions so that occupancy is about 85% at ALOS about 8.5 days.
    rate = beds * 0.85 / 8.5
    rate *= scale.admissions_per_bedded_dept_day / rate.mean()
    days = np.arange(-WARMUP_DAYS, n_days)
    weekday = (days + 5) % 7  # good enough: a weekly rhythm
    rhythm = np.where(weekday >= 5, 0.7, 1.1)
    counts = rng.poisson(np.outer(rate, rhythm))
    dept_index = np.repeat(np.repeat(np.arange(len(beds)), len(days)), counts.ravel())
    admit = np.repeat(np.tile(days, len(beds)), counts.ravel())
    n = len(admit)
    los = np.floor(rng.gamma(2.2, 3.9, n)).astype(np.int64)
    discharge = admit + los
    surgical = (bedded["kind"].to_numpy() == "surgical")[dept_index] & (rng.random(n) < 0.6)
    surgical |= rng.random(n) < 0.05
    offset = np.minimum(np.floor(rng.gamma(1.5, 1.6, n)).astype(np.int64), los)
    grade = rng.choice(4, n, p=[0.2, 0.35, 0.3, 0.15]) + 1
    per_day = rng.lognormal(np.log(1800), 0.35, n)
    total = np.round(np.maximum(los, 1) * per_day + rng.uniform(300, 3000, n), 2)
    drug = np.round(total * rng.uniform(0.12, 0.4, n), 2)
    consumables = np.round(total * rng.uniform(0.04, 0.22, n), 2)
    return pd.DataFrame(
        {
            "dept": bedded["code"].to_numpy()[dept_index],
            "serial": np.arange(n),
            "admit_day": admit,
            "discharge_day": discharge,
            "surgery_day": np.where(surgical, admit + offset, -(10**6)),
            "surgery_grade": grade,
            "outcome": rng.choice(len(OUTCOMES), n, p=OUTCOME_SHARES),
            "complication": rng.random(n) < 0.04,
            "total_cost": total,
            "drug_cost": drug,
            "consumables_cost": consumables,
            "payer": rng.choice(len(PAYERS_AT_SCALE), n, p=[0.45, 0.4, 0.1, 0.05]),
            "drg": rng.integers(0, 400, n),
        }
    )


def _workload(rng, departments, episodes, calendar: Calendar) -> pd.DataFrame:
    """One row per department and day, counted from the episodes; census = in the ward at midnight."""
    codes = departments["code"].to_numpy()
    index = {code: i for i, code in enumerate(codes)}
    n_dept = len(codes)
    n_days = len(calendar.days)
    shift = WARMUP_DAYS  # day numbers count from the first day; the warm-up before it
    flow = ward_flow(
        episodes["dept"].map(index).to_numpy(),
        episodes["admit_day"].to_numpy() + shift,
        episodes["discharge_day"].to_numpy() + shift,
        episodes["surgery_day"].to_numpy() + shift,  # no operation: far below zero
        wards=n_dept,
        days=shift + n_days,
    )
    window = slice(shift, None)
    beds = departments["beds"].to_numpy()
    is_medtech = departments["kind"].to_numpy() == "medtech"
    visits_rate = np.where(is_medtech, 20, rng.uniform(60, 260, n_dept))
    rhythm = np.where(weekday_of(calendar.days) >= 5, 0.35, 1.0)
    outpatient = rng.poisson(np.outer(visits_rate, rhythm))
    emergency = rng.poisson(np.outer(np.where(is_medtech, 0, visits_rate * 0.08), np.ones(n_days)))
    exams = rng.poisson(np.outer(np.where(is_medtech, 400, visits_rate * 0.6), rhythm))
    return pd.DataFrame(
        {
            "date": np.tile(calendar.days, n_dept),
            "dept": np.repeat(codes, n_days),
            "outpatient_visits": outpatient.ravel(),
            "emergency_visits": emergency.ravel(),
            "admissions": flow["admissions"][:, window].ravel(),
            "discharges": flow["discharges"][:, window].ravel(),
            "transfers_in": 0,
            "transfers_out": 0,
            "open_beds": np.repeat(beds, n_days),
            "census": flow["census"][:, window].ravel(),
            "surgeries": flow["surgeries"][:, window].ravel(),
            "exams": exams.ravel(),
        }
    )
