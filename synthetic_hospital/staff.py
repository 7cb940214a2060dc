"""The roster (incumbents, joiners, leavers, part-timers) and the training register."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from synthetic_hospital.departments import DEPARTMENTS
from synthetic_hospital.timeline import Calendar, random_stream

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


def staff_roster(calendar: Calendar, seed: int) -> pd.DataFrame:
    """Staff in post on the first day, this period's joiners, a few leavers and part-timers."""
    rng = random_stream(seed, "roster")
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


# kind: (share of trainings, fewest and most hours); further study (进修) here is a short course
# away (进修班) of one to two weeks' hours: a stint of months would make one person's hours a
# department's month
TRAINING_KINDS = {"course": (0.55, 2, 8), "cme": (0.30, 4, 12), "conference": (0.12, 8, 16),
                  "further_study": (0.03, 24, 40)}  # fmt: skip
TRAINING_ZH = {"course": "培训", "cme": "继续教育", "conference": "学术会议",
               "further_study": "进修", "other": "其他"}  # fmt: skip
TRAININGS_PER_YEAR = 3


def training_register(calendar: Calendar, roster: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each person in post attends about three trainings a year (courses, continuing medical
    education, a conference now and then, rarely weeks of further study), dated when they happen."""
    rng = random_stream(seed, "training")
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
