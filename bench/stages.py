"""The measured work, one kind per process so that each peak RSS is its own.

`python -m bench.stages pipeline|pandas|floor INBOX WORKDIR [--reports all|sample]` writes
`WORKDIR/<kind>.json` (seconds, peak RSS) and `WORKDIR/<kind>.pickle` (core indicator values).

The pipeline runs as it really runs: through Dagster, on a persistent instance under
WORKDIR/home/dagster, with the project's own Definitions (pipelines.definitions). Stage times are
read back from Dagster's event log (STEP_START / STEP_SUCCESS per step), not from our own timers.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import pickle
import resource
import shutil
import sys
import threading
import time
import warnings
from collections import defaultdict
from pathlib import Path

import duckdb


def peak_rss_mib() -> float:
    """Peak resident set size of this process and of its waited-for children (ru_maxrss, KiB).

    Only a cross-check: on Linux a process started by fork and exec keeps the maxrss its parent
    had when it forked (a region's inbox generator left 6 GiB in every measuring process)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


class TreeMemory:
    """The largest resident set of this process and all its descendants together (the report
    workers run beside the pipeline), sampled from /proc every 0.2 s while in the `with` block.
    ru_maxrss gives the largest single process only."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak_kib = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return round(self.peak_kib / 1024, 1)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, tree_rss_kib(os.getpid()))
            self._stop.wait(self.interval)


def tree_rss_kib(root: int) -> int:
    """VmRSS of a process and its descendants, in KiB (0 where /proc cannot be read)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


def stage_of(step_key: str) -> str:
    """Which pipeline stage a Dagster step belongs to."""
    if step_key == "ledger_tables":
        return "load"
    if any(word in step_key for word in ("expectations", "check", "quality", "anomal")):
        return "checks"
    if step_key == "indicators":
        return "indicators"
    if "reports" in step_key or "brief" in step_key or "dashboard" in step_key:
        return "reports"
    if step_key == "metrics_csv":
        return "exports"
    return step_key


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per stage of one run, from the STEP_START and STEP_SUCCESS events it recorded."""
    import dagster as dg

    starts, seconds = {}, defaultdict(float)
    records = instance.get_records_for_run(
        run_id,
        of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS},
        limit=100_000,
    ).records
    for record in records:
        entry = record.event_log_entry
        key = entry.step_key
        if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            starts[key] = entry.timestamp
        elif key in starts:
            seconds[stage_of(key)] += entry.timestamp - starts.pop(key)
    return dict(seconds)


def run_wall(instance, run_id: str) -> float:
    """Wall time of a run: its RUN_START to RUN_SUCCESS events."""
    import dagster as dg

    stamps = {}
    for kind in (dg.DagsterEventType.RUN_START, dg.DagsterEventType.RUN_SUCCESS):
        (record,) = instance.get_records_for_run(run_id, of_type=kind).records
        stamps[kind] = record.event_log_entry.timestamp
    return stamps[dg.DagsterEventType.RUN_SUCCESS] - stamps[dg.DagsterEventType.RUN_START]


def _execute(defs, job: str, instance, tags=None, partition_key=None):
    from pipelines.runner import QUIET

    result = defs.resolve_job_def(job).execute_in_process(
        run_config=QUIET,
        instance=instance,
        tags=tags or {},
        partition_key=partition_key,
        raise_on_error=True,
    )
    return result


def run_pipeline_stages(inbox: Path, workdir: Path, reports: str, incremental: bool = True) -> dict:
    """A cold full run, then a one-month change brought up to date through the sensors."""
    import dagster as dg
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from bench.references import pipeline_values, sql
    from metrics.compute import months_with_data
    from pipelines.assets import EXPORTS
    from pipelines.definitions import INDICATORS_JOB, LOAD_JOB, assets_by_op, build_definitions
    from pipelines.runner import dagster_instance, run_pipeline
    from pipelines.settings import Settings

    warnings.filterwarnings("ignore")
    os.environ.pop("DAGSTER_HOME", None)
    home = workdir / "home"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home, inbox=inbox, lang="zh")
    out: dict = {"reports_mode": reports}
    quiet = lambda _line: None  # noqa: E731

    started = time.perf_counter()
    if reports == "all":
        # Exactly `deptops run`: the load run, then one single-run backfill over every month.
        run_pipeline(settings, progress=quiet)
        wall = time.perf_counter() - started
        with dagster_instance(settings) as instance:
            # every run `deptops run` made: the load, the months, quarters, years and weeks
            out["full_runs"] = {
                run.job_name: step_seconds(instance, run.run_id) for run in instance.get_runs()
            }
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            months = months_with_data(con)
        full_steps = _merge(*out["full_runs"].values())
        out["end_to_end_seconds"] = round(wall, 3)
        out["end_to_end_measured"] = True
        out["report_months"] = len(months)
    else:
        # The same two runs, but the backfill without monthly_reports; the reports of one month
        # are then made by their own run, and scaled to every month.
        with dagster_instance(settings) as instance:
            defs = build_definitions(settings)
            load = _execute(defs, LOAD_JOB, instance)
            with duckdb.connect(str(settings.warehouse), read_only=True) as con:
                months = months_with_data(con)
            settings = dataclasses.replace(settings, first_month=months[0])
            settings.remember_first_month(months[0])
            defs = build_definitions(settings)
            assets = assets_by_op(defs)
            # deptops run's second run (INDICATORS_JOB) without the reports: not the ledgers'
            # group, whose load (nothing changed) and ledger checks the load job just ran, and
            # which were counted twice when this job selected them too
            compute_job = dg.define_asset_job(
                "bench_monthly_without_reports",
                selection=dg.AssetSelection.groups("metrics")
                | dg.AssetSelection.assets(assets[EXPORTS]),
            )
            reports_job = dg.define_asset_job(
                "bench_reports", selection=dg.AssetSelection.assets(assets["monthly_reports"])
            )
            bench_defs = dg.Definitions(
                assets=defs.assets,
                asset_checks=defs.asset_checks,
                resources=defs.resources,
                jobs=[compute_job, reports_job],
            )
            tags = {
                ASSET_PARTITION_RANGE_START_TAG: months[0],
                ASSET_PARTITION_RANGE_END_TAG: months[-1],
            }
            compute = _execute(bench_defs, "bench_monthly_without_reports", instance, tags)
            sample = _execute(bench_defs, "bench_reports", instance, partition_key=months[-1])
            load_steps = step_seconds(instance, load.run_id)
            compute_steps = step_seconds(instance, compute.run_id)
            sample_steps = step_seconds(instance, sample.run_id)
            out["full_runs"] = {
                "load_job": load_steps,
                "monthly_job_without_reports": compute_steps,
                "reports_one_month": sample_steps,
            }
            runs_wall = sum(run_wall(instance, r.run_id) for r in (load, compute, sample))
        scaled = sample_steps.get("reports", 0.0) * len(months)
        full_steps = _merge(load_steps, compute_steps) | {"reports": scaled}
        out["end_to_end_seconds"] = round(runs_wall - sample_steps.get("reports", 0.0) + scaled, 3)
        out["end_to_end_measured"] = False
        out["report_months"] = 1
    out["months"] = len(months)
    out["stage_seconds"] = {k: round(v, 3) for k, v in full_steps.items()}

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (out["departments"],) = con.execute(sql("departments")).fetchone()
        out["rows_loaded"] = dict(con.execute(sql("rows_loaded")).fetchall())
        reports_per_month = out["departments"] + 1  # every department and the hospital (ALL)
    out["reports_per_month"] = reports_per_month
    # the month reports alone: one sampled month, or every month of the monthly_indicators run
    report_seconds = out["full_runs"].get(
        "reports_one_month", out["full_runs"].get(INDICATORS_JOB, {})
    )
    out["seconds_per_report"] = round(
        report_seconds.get("reports", 0.0) / (reports_per_month * out["report_months"]), 4
    )
    values = pipeline_values(settings.warehouse)
    out["incremental"] = (
        incremental_change(settings, inbox, months, warm=reports != "all") if incremental else None
    )
    return out, values


def _merge(*parts: dict[str, float]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for part in parts:
        for key, seconds in part.items():
            total[key] += seconds
    return dict(total)


def incremental_change(settings, inbox: Path, months: list[str], warm: bool) -> dict:
    """Rewrite one month's workload file, then bring everything up to date the way a deployment
    does: the inbox sensor requests the load job, the changed-months sensor its run over the
    touched months and the twelve after them (real sensor evaluations, real runs).

    `warm`: the full run sampled its reports, so the reports that run re-renders or finds
    unchanged (the affected months') are first made, untimed, as a full run would have left them."""
    import dagster as dg
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from bench.references import sql
    from pipelines.automation import affected_range, inbox_state
    from pipelines.definitions import LOAD_JOB, assets_by_op, build_definitions
    from pipelines.runner import dagster_instance

    month = months[len(months) // 2]
    path = inbox / f"workload_{month}.parquet"
    original = path.read_bytes()
    settings = dataclasses.replace(settings, first_month=months[0])
    defs = build_definitions(settings)
    if warm:
        start, end = affected_range([month], dg.MetadataValue.text(months[-1]))
        with dagster_instance(settings) as instance:
            assets = assets_by_op(defs)
            warm_job = dg.define_asset_job(
                "bench_warm_reports", selection=dg.AssetSelection.assets(assets["monthly_reports"])
            )
            warm_defs = dg.Definitions(
                assets=defs.assets, resources=defs.resources, jobs=[warm_job]
            )
            tags = {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}
            _execute(warm_defs, "bench_warm_reports", instance, tags)
    cursor = json.dumps(inbox_state(inbox, now=time.time() + 3600), sort_keys=True)
    try:
        with duckdb.connect() as con:
            changed = con.sql(sql("one_cell_more"), params={"path": str(path)})
            changed.write_parquet(f"{path}.tmp")
        os.replace(f"{path}.tmp", path)
        old = time.time() - 3600  # past the sensor's settle time
        os.utime(path, (old, old))
        with dagster_instance(settings) as instance:
            started = time.perf_counter()
            inbox_sensor = defs.resolve_sensor_def("ledger_inbox_sensor")
            tick = inbox_sensor.evaluate_tick(
                dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
            )
            sensed = time.perf_counter()
            (request,) = tick.run_requests
            load = _execute(defs, request.job_name or LOAD_JOB, instance, request.tags)
            months_sensor = defs.resolve_sensor_def("changed_months_sensor")
            tick = months_sensor.evaluate_tick(
                dg.build_sensor_context(instance=instance, definitions=defs)
            )
            requests = list(tick.run_requests)
            steps: dict[str, float] = step_seconds(instance, load.run_id)
            runs = [load]
            for request in requests:
                job = request.job_name or months_sensor.job_name
                run = _execute(defs, job, instance, request.tags, request.partition_key)
                runs.append(run)
                steps = _merge(steps, step_seconds(instance, run.run_id))
            elapsed = time.perf_counter() - started
    finally:
        path.write_bytes(original)  # the cached inbox stays as generated
        old = time.time() - 7200
        os.utime(path, (old, old))
    return {
        "changed_file": path.name,
        "months_requested": [
            r.partition_key
            or f"{r.tags[ASSET_PARTITION_RANGE_START_TAG]}…{r.tags[ASSET_PARTITION_RANGE_END_TAG]}"
            for r in requests
        ],
        "sensor_seconds": round(sensed - started, 3),
        "seconds": round(elapsed, 3),
        "stage_seconds": {k: round(v, 3) for k, v in steps.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["pipeline", "pandas", "floor"])
    parser.add_argument("inbox", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--reports", choices=["all", "sample"], default="sample")
    parser.add_argument("--no-incremental", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with TreeMemory() as tree:  # this process and its children (the report workers) together
        if args.kind == "pipeline":
            result, values = run_pipeline_stages(
                args.inbox.resolve(),
                args.workdir.resolve(),
                args.reports,
                incremental=not args.no_incremental,
            )
        else:
            from bench.references import duckdb_floor, pandas_baseline

            reference = (pandas_baseline if args.kind == "pandas" else duckdb_floor)(args.inbox)
            result = {
                "load_seconds": round(reference.load_seconds, 3),
                "compute_seconds": round(reference.compute_seconds, 3),
                "seconds": round(reference.seconds, 3),
            }
            values = reference.values
    result["process_seconds"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mib"] = tree.peak_mib
    result["peak_rss_rusage_mib"] = peak_rss_mib()
    result["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    (args.workdir / f"{args.kind}.pickle").write_bytes(pickle.dumps(values))
    (args.workdir / f"{args.kind}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    main()
