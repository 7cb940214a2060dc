"""Monthly revenue and expenses per department, in cents: inpatient lines sum the month's
episodes to the cent, outpatient lines follow the visits and exams, expenses 85-95% of revenue."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from metrics.periods import month_start, months, period_of
from synthetic_hospital.clinics import CLINICS, Clinic
from synthetic_hospital.equipment import DEVICE_BY_CODE
from synthetic_hospital.timeline import Calendar, random_stream

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


def _split_cents(total: int, shares: Sequence[float], rng: np.random.Generator) -> list[int]:
    """Split an amount over accounts; the last takes the rounding so the parts add up exactly."""
    weights = np.asarray(shares) * rng.lognormal(0, 0.05, len(shares))
    parts = [int(total * w) for w in weights[:-1] / weights.sum()]
    return [*parts, total - sum(parts)]


def monthly_finance(
    calendar: Calendar,
    measures: pd.DataFrame,
    episodes: pd.DataFrame,
    usage: pd.DataFrame,
    seed: int,
) -> pd.DataFrame:
    """One row per department and month, amounts in cents."""
    rng = random_stream(seed, "finance")
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


def with_budgets_ahead(finance: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The last year's budget was entered in January for all twelve months: the months after the
    data hold budget lines only (METRICS.md: they load but hold no month)."""
    rng = random_stream(seed, "budgets ahead")
    last = finance["month"].max()
    of_last_year = months("year", period_of("year", month_start(last)))
    ahead = []
    for dept, rows in finance.groupby("dept", sort=True):
        of_year = rows[rows["month"].isin(of_last_year)]
        for later in of_last_year[of_last_year.index(last) + 1 :]:
            ahead.append(
                {
                    "month": later,
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
