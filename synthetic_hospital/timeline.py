"""The demo hospital's calendar and the curves its volumes follow over it: weekdays, winters,
slow growth, ramps; and one random stream per purpose, so that a seed gives the same hospital."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from metrics.periods import (  # noqa: F401 -- the generator's months
    month_end,
    month_start,
    year_and_number,
)

WARM_UP_DAYS = 90  # the wards fill in these days before the first month
TREND_ANCHOR = date(2024, 1, 1)  # where the slow growth of clinic visits starts
SAVED_DAYS_AFTER_MONTH = 3  # an assistant saves a month's ledgers on the 3rd of the next month


@dataclass(frozen=True)
class Calendar:
    first_day: date
    last_day: date

    @classmethod
    def of(cls, first_month: str, last_month: str) -> Calendar:
        first, last = month_start(first_month), month_end(last_month)
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
        return sorted({year_and_number("month", m)[0] for m in self.months})


def random_stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream per purpose, so that one ledger's draws never shift another's."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])


def weekday_of(days: np.ndarray) -> np.ndarray:
    return (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def winter_factor(days: np.ndarray, peak: float) -> np.ndarray:
    return 1 + peak * np.cos(2 * np.pi * (days.astype(np.int64) - 14) / 365.25)  # top: 15 Jan


def growth_factor(days: np.ndarray, per_year: float) -> np.ndarray:
    years = (days - np.datetime64(TREND_ANCHOR)).astype(np.int64) / 365.25
    return (1 + per_year) ** years


def ramp_factor(days: np.ndarray, ramp: tuple[date, date, float] | None) -> np.ndarray:
    if ramp is None:
        return np.ones(len(days))
    start, end, rise = ramp
    elapsed = (days - np.datetime64(start)).astype(np.int64) / (end - start).days
    return 1 + rise * np.clip(elapsed, 0, 1)
