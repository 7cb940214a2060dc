"""What any pipeline that keeps the ledgers pays before its first rule, beside the two references.

`python -m bench.bounds --scale city` measures, on the bench's inbox of that scale, alternated:
- `kept`: the least a pipeline that keeps the ledgers in DuckDB does for the six core indicators.
  The discharges' 13 columns stored typed (dates as DATE, amounts as DECIMAL(18,2)) in a
  persistent warehouse straight from DuckDB's CSV reader, the workload from its Parquet, the
  workbooks' cells read by calamine (not stored); then the floor's one query over the stored
  tables. No rule, spelling, lineage, rejection, snapshot or check: the deptops load does all of
  those on top.
- `pandas, every column`: the pandas baseline's read of the discharges with their 13 columns
  (the baseline reads three: department, admission and discharge dates).
- the pandas baseline and the DuckDB floor themselves (bench/references.py).

Issue 21 asks for the pipeline's load + indicators to beat the pandas baseline's read + compute;
`kept` says how far below the baseline that is possible at all (BENCHMARKS.md, "What any
pipeline that keeps the ledgers pays"). `kept` must give the floor's values, or it measured
something else."""

from __future__ import annotations

import argparse
import re
import resource
import time
from pathlib import Path

import duckdb
import pandas as pd
from python_calamine import CalamineWorkbook

from bench.cli import ROOT
from bench.references import (
    Reference,
    disagreements,
    duckdb_floor,
    inbox_files,
    pandas_baseline,
    sql,
)
from synthetic_hospital.at_scale import SCALES, ensure_inbox
from synthetic_hospital.at_scale_files import DISCHARGE_HEADERS


def cpu_seconds() -> float:
    """This process's CPU so far, DuckDB's threads included."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _typed(column: str) -> str:
    if column.endswith("_date"):
        return "DATE"
    if column.endswith("_cost"):
        return "DECIMAL(18,2)"
    return "VARCHAR"


def _floor_over_stored() -> str:
    """The floor's query (bench/sql/floor.sql) with its two file readers swapped for the stored
    tables, so that the computation is the floor's own, not a second copy of it."""
    text, parquet = re.subn(r"read_parquet\(\$workload_files\)", "kept_workload", sql("floor"))
    text, csv = re.subn(r"read_csv\(\$discharge_files.*?\}\)", "kept_discharges", text, flags=re.S)
    if (parquet, csv) != (1, 1):
        raise ValueError("bench/sql/floor.sql no longer reads its two files as bounds expects")
    return text


def kept(inbox: Path, warehouse: Path) -> tuple[Reference, float]:
    """Store the discharges and the workload typed in a fresh persistent warehouse, read the
    workbooks, then run the floor's query over the stored tables: the values with their store
    (as the reference's load) and compute seconds, and the CPU seconds of both."""
    discharge_files, workload_files = inbox_files(inbox)
    columns = {DISCHARGE_HEADERS[c]: _typed(c) for c in DISCHARGE_HEADERS}
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    query = _floor_over_stored()
    cpu, started = cpu_seconds(), time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table kept_discharges as select * from read_csv($files, header = true, "
            "columns = $columns)",
            {"files": discharge_files, "columns": columns},
        )
        con.execute(
            "create table kept_workload as select * from read_parquet($files)",
            {"files": workload_files},
        )
        for book in sorted(inbox.glob("*.xlsx")):
            workbook = CalamineWorkbook.from_path(str(book))
            for name in workbook.sheet_names:
                workbook.get_sheet_by_name(name).to_python()
        con.execute("checkpoint")  # the rows on disk, as a load's commit leaves them
        stored = time.perf_counter()
        rows = con.execute(query).fetchall()
    computed = time.perf_counter()
    values = {(g, p, d, m): float(v) for g, p, d, m, v in rows if v is not None}
    return Reference(values, stored - started, computed - stored), cpu_seconds() - cpu


def pandas_every_column(inbox: Path) -> tuple[float, tuple[int, int]]:
    """The pandas baseline's read of the discharges, with every column: (seconds, shape)."""
    discharge_files, _ = inbox_files(inbox)
    dates = [DISCHARGE_HEADERS[c] for c in DISCHARGE_HEADERS if c.endswith("_date")]
    started = time.perf_counter()
    frame = pd.concat(
        (
            pd.read_csv(
                path,
                dtype={DISCHARGE_HEADERS["dept"]: "str"},
                parse_dates=dates,
                date_format="%Y-%m-%d",
            )
            for path in discharge_files
        ),
        ignore_index=True,
    )
    return time.perf_counter() - started, frame.shape


def measure(inbox: Path, work: Path, rounds: int, progress=print) -> list[dict]:
    """`rounds` rounds of the four measures, alternated; each round's figures."""
    found = []
    for n in range(1, rounds + 1):
        bound, cpu = kept(inbox, work / "kept.duckdb")
        floor = duckdb_floor(inbox)
        problems = disagreements(floor.values, bound.values)
        if problems:
            raise AssertionError(f"kept disagrees with the floor: {problems[:5]}")
        baseline = pandas_baseline(inbox)
        every, shape = pandas_every_column(inbox)
        found.append(
            {
                "kept: store": round(bound.load_seconds, 2),
                "kept: compute": round(bound.compute_seconds, 2),
                "kept": round(bound.seconds, 2),
                "kept: CPU": round(cpu, 2),
                "pandas baseline": round(baseline.seconds, 2),
                "pandas, every column read": round(every, 2),
                "DuckDB floor": round(floor.seconds, 2),
                "values agreeing": len(bound.values),
                "discharges read by pandas": list(shape),
            }
        )
        progress(f"round {n}: {found[-1]}")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bounds", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--root", type=Path, default=ROOT, help="where the inboxes are")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    inbox, _ = ensure_inbox(args.root, args.scale)
    work = args.root / f"bounds-{args.scale}"
    work.mkdir(parents=True, exist_ok=True)
    for line in measure(inbox, work, args.rounds):
        print("  ".join(f"{k}: {v}" for k, v in line.items()))


if __name__ == "__main__":
    main()
