"""The equipment register and each device's monthly use, downtime, repairs and depreciation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.periods import last_within, period_of
from synthetic_hospital.timeline import (
    Calendar,
    month_end,
    month_start,
    random_stream,
    winter_factor,
)


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


def _device_months(device: Device, calendar: Calendar) -> Iterable[tuple[str, int]]:
    """(month, days in service) for each month the device served in."""
    for month in calendar.months:
        start = max(month_start(month), device.purchased)
        end = min(month_end(month), device.retired or date.max)
        if end >= start:
            yield month, (end - start).days + 1


def _depreciation_cents(device: Device, month: str) -> int:
    months_owned = (month_start(month).year - device.purchased.year) * 12
    months_owned += month_start(month).month - device.purchased.month
    if months_owned >= device.life_years * 12:
        return 0
    return round(device.value * 100 / (device.life_years * 12))


def equipment_usage(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per device and month in service; radiology devices share the department's exams."""
    rng = random_stream(seed, "equipment")
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
    season = winter_factor(np.array([np.datetime64(month + "-15")]), 0.08)[0]
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
    quarter_ends = {
        m
        for m in usage["month"].unique()
        if m == last_within("month", "quarter", period_of("quarter", month_start(m)))
    }
    quarter_end = usage["month"].isin(quarter_ends).to_numpy()
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
