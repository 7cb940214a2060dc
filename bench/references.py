"""Two references for the core indicators, straight from the inbox files.

- `pandas_baseline`: what a competent analyst writes in pandas: read the files, group, merge.
- `duckdb_floor`: one hand-written SQL query with DuckDB's own CSV and Parquet readers.

Core indicators, per department and month, quarter and year (METRICS.md formulas):
discharges = Σ workload.discharges; available_bed_days = Σ open_beds; occupied_bed_days = Σ census;
bed_occupancy = occupied / available; bed_turnover = discharges / (available / days(P)), days(P)
of a quarter or year in progress (past the data month) the days held;
alos = Σ max(discharge − admit, 1) / episodes, by discharge date in P.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from synthetic_hospital.at_scale_files import DISCHARGE_HEADERS

CORE_METRICS = (
    "discharges",
    "available_bed_days",
    "occupied_bed_days",
    "bed_occupancy",
    "bed_turnover",
    "alos",
)
GRAINS = ("month", "quarter", "year")
SQL_DIR = Path(__file__).with_name("sql")


def sql(name: str) -> str:
    """The text of `bench/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass
class Reference:
    values: dict[tuple[str, str, str, str], float]  # (grain, period, dept, metric) -> value
    load_seconds: float
    compute_seconds: float

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.compute_seconds


def inbox_files(inbox: Path) -> tuple[list[str], list[str]]:
    discharges = sorted(str(p) for p in inbox.glob("出院病人明细_*.csv"))
    workload = sorted(str(p) for p in inbox.glob("workload_*.parquet"))
    return discharges, workload


def pandas_baseline(inbox: Path) -> Reference:
    """Read with pandas, group by department and period, merge, divide."""
    discharge_files, workload_files = inbox_files(inbox)
    h = DISCHARGE_HEADERS
    started = time.perf_counter()
    episodes = pd.concat(
        (
            pd.read_csv(
                path,
                usecols=[h["dept"], h["admit_date"], h["discharge_date"]],
                dtype={h["dept"]: "str"},
                parse_dates=[h["admit_date"], h["discharge_date"]],
                date_format="%Y-%m-%d",
            )
            for path in discharge_files
        ),
        ignore_index=True,
    ).rename(columns={h["dept"]: "dept", h["admit_date"]: "admit", h["discharge_date"]: "out"})
    # pandas reads Parquet only through pyarrow or fastparquet, neither installed here: the
    # analyst borrows DuckDB's Parquet reader to get the frame (same columns, same types).
    with duckdb.connect() as con:
        workload = con.execute(sql("workload_columns"), {"files": workload_files}).df()
    workload["date"] = pd.to_datetime(workload["date"])
    loaded = time.perf_counter()

    episodes["los"] = (episodes["out"] - episodes["admit"]).dt.days.clip(lower=1)
    # a quarter or year past the last month held is in progress: its days(P) are the days held
    # (METRICS.md, periods in progress), up to the end of the data month
    data_end = workload["date"].max().to_period("M").end_time.normalize()
    frames = []
    for grain, freq in (("month", "M"), ("quarter", "Q"), ("year", "Y")):
        wl_period = workload["date"].dt.to_period(freq)
        wl = (
            workload.assign(period=wl_period)
            .groupby(["dept", "period"], as_index=False)[["discharges", "open_beds", "census"]]
            .sum()
        )
        ep = (
            episodes.assign(period=episodes["out"].dt.to_period(freq))
            .groupby(["dept", "period"], as_index=False)
            .agg(los=("los", "sum"), episodes=("los", "size"))
        )
        both = wl.merge(ep, on=["dept", "period"], how="outer")
        end = both["period"].dt.end_time.dt.normalize().clip(upper=data_end)
        days = (end - both["period"].dt.start_time).dt.days + 1
        avail = both["open_beds"].astype("float64")
        frame = pd.DataFrame(
            {
                "grain": grain,
                "period": both["period"].map(lambda p, g=grain: _period_label(p, g)),
                "dept": both["dept"],
                "discharges": both["discharges"].astype("float64"),
                "available_bed_days": avail,
                "occupied_bed_days": both["census"].astype("float64"),
                "bed_occupancy": both["census"] / avail.where(avail > 0),
                "bed_turnover": both["discharges"] / (avail.where(avail > 0) / days),
                "alos": both["los"] / both["episodes"],
            }
        )
        frames.append(frame)
    wide = pd.concat(frames, ignore_index=True)
    long = wide.melt(id_vars=["grain", "period", "dept"], var_name="metric").dropna()
    computed = time.perf_counter()
    values = {
        (g, p, d, m): float(v)
        for g, p, d, m, v in long[["grain", "period", "dept", "metric", "value"]].itertuples(
            index=False
        )
    }
    return Reference(values, loaded - started, computed - loaded)


def _period_label(period: pd.Period, grain: str) -> str:
    if grain == "month":
        return period.strftime("%Y-%m")
    if grain == "quarter":
        return f"{period.year}-Q{period.quarter}"
    return str(period.year)


def duckdb_floor(inbox: Path) -> Reference:
    """The same core indicators in one SQL query over the files (DuckDB's readers, all threads)."""
    discharge_files, workload_files = inbox_files(inbox)
    started = time.perf_counter()
    with duckdb.connect() as con:
        rows = con.execute(
            sql("floor"), {"workload_files": workload_files, "discharge_files": discharge_files}
        ).fetchall()
    elapsed = time.perf_counter() - started
    values = {(g, p, d, m): float(v) for g, p, d, m, v in rows if v is not None}
    return Reference(values, 0.0, elapsed)


def pipeline_values(warehouse: Path) -> dict[tuple[str, str, str, str], float]:
    """The pipeline's core indicators per real department (not ALL or KIND:) from metric_values."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            sql("pipeline_values"), {"grains": list(GRAINS), "metrics": list(CORE_METRICS)}
        ).fetchall()
    return {(g, p, d, m): float(v) for g, p, d, m, v in rows}


def disagreements(
    expected: dict[tuple, float], found: dict[tuple, float], tolerance: float = 1e-9
) -> list[str]:
    """Keys present in one and not the other, and values that differ by more than the tolerance
    (relative, or absolute near zero)."""
    problems = [f"missing {k}" for k in sorted(set(expected) - set(found))[:5]]
    problems += [f"extra {k}" for k in sorted(set(found) - set(expected))[:5]]
    for key in sorted(set(expected) & set(found)):
        a, b = expected[key], found[key]
        if abs(a - b) > tolerance * max(1.0, abs(a), abs(b)):
            problems.append(f"{key}: {a!r} vs {b!r}")
            if len(problems) > 20:
                break
    return problems
