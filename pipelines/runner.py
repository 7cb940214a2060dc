"""`deptops run`: the whole pipeline through Dagster, on a persistent instance under HOME/dagster.

Runs: load the ledgers (with their checks); then, as ONE run over every month of data (single-run
backfill), indicators, monthly reports and the exported tables; then the quarterly, annual and weekly
reports, one run each. Partitions start at the first
month of data, which is only known once the ledgers are loaded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import os
import shutil
import socket
from collections.abc import Callable, Collection
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from expectations.findings import alarm_rate
from ledgers import clock
from ledgers.changes import corrections_line
from ledgers.loader import ledger_rows, rejections_by_reason
from ledgers.specs import ledgers
from metrics import periods
from metrics.compute import months_with_data
from pipelines.definitions import INDICATORS_JOB, LOAD_JOB, REPORT_JOBS, build_definitions
from pipelines.event_log import batched_event_log
from pipelines.home import check_home
from pipelines.settings import REPO_ROOT, Settings
from reports.periods import GRAINS, check_grain

# Dagster's own step events are for the UI; the terminal shows our progress lines and warnings.
LAUNCHER_TAG, PID_TAG, HOST_TAG = "deptops/launcher", "deptops/pid", "deptops/host"
# The launching process beyond its PID (boot and start time): in a container every run is PID 1.
PROCESS_TAG = "deptops/process"
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
MONTHLY_REPORTS = dg.AssetKey("monthly_reports")


class PipelineError(RuntimeError):
    """A run that could not finish; the message says which step and why."""


@dataclass
class RunSummary:
    files: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    # Rows of the dated ledgers (those with a day or month): loaded, and rejected by reason.
    dated_rows_loaded: int = 0
    dated_rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    checks_passed: set[str] = field(default_factory=set)
    checks_failed: set[str] = field(default_factory=set)
    blocking_failed: list[str] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)
    alarms: tuple[int, int] | None = None  # department-months with an anomaly alarm, of all
    months: list[str] = field(default_factory=list)
    values: int = 0
    reports: list[Path] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    corrections: str | None = None  # "纠正 3 个单元格，涉及 2025-06 骨科"
    # Ledger columns loaded but not used, and why (the roster's training hours beside a training
    # ledger: LEDGERS.md, training).
    ignored: list[str] = field(default_factory=list)
    # The grains whose reports the run was asked to write (`deptops run --reports`).
    report_grains: tuple[str, ...] = GRAINS

    @property
    def nothing_dated_loaded(self) -> bool:
        """Every row of every dated ledger was rejected: no indicator can be computed."""
        return self.dated_rows_loaded == 0 and bool(self.dated_rejected_by_reason)


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The deployment's instance when DAGSTER_HOME is set (production: PostgreSQL storage, see
    dagster.production.yaml); otherwise a local one under HOME/dagster with the repository's
    dagster.yaml (sqlite storage), whose event log writes a batch of events together
    (pipelines/event_log.py: a run over 60 months records 360 materialisations)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    source = REPO_ROOT / "dagster.yaml"
    target = home / "dagster.yaml"
    if source.exists() and (not target.exists() or target.read_bytes() != source.read_bytes()):
        shutil.copyfile(source, target)
    return dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(home), overrides=batched_event_log(home))
    )


def say(line: str) -> None:
    """Progress on stdout, flushed at once so that a log or a pipe shows it as it happens."""
    print(line, flush=True)


@contextmanager
def exclusive_home(settings: Settings, wait: bool, progress: Callable[[str], None]):
    """One `deptops run` at a time per HOME: DuckDB has a single writer. A second run waits for
    the first (or, with wait=False, stops at once with a clear message)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    with open(settings.home / ".deptops.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise PipelineError(
                    f"another deptops run is using {settings.home}; try again when it has finished"
                ) from None
            progress(f"another deptops run is using {settings.home}; waiting for it to finish")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_pipeline(
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    wait: bool = True,
    reports: Collection[str] = GRAINS,
    instance: dg.DagsterInstance | None = None,
) -> RunSummary:
    """Load the inbox, compute every month's indicators, write the exports and the reports of
    the `reports` grains (none: the indicators and the exports only); return a summary.

    `instance`: the Dagster instance the runs are made on, left open; by default the
    deployment's (dagster_instance), whose history the UI, the sensors and the next run read. A
    caller that needs no history (tests not about it) may pass `DagsterInstance.ephemeral()`:
    the same runs and materialisations, without storing ~400 events and the runs in sqlite files
    (about a third of a tiny run's CPU)."""
    progress = progress or say
    for grain in reports:
        check_grain(grain)
    check_home(settings.home)
    with exclusive_home(settings, wait, progress):
        return _run_pipeline(settings, progress, frozenset(reports), instance)


def _run_pipeline(
    settings: Settings,
    progress: Callable[[str], None],
    grains: frozenset[str],
    given: dg.DagsterInstance | None,
) -> RunSummary:
    summary = RunSummary(report_grains=tuple(g for g in GRAINS if g in grains))
    started = clock.now_naive(settings.timezone)
    with nullcontext(given) if given else dagster_instance(settings) as instance:
        recover_abandoned_runs(instance, progress)
        progress(f"loading ledgers from {settings.inbox}")
        # (after a removal the load rewrites the warehouse file: pipelines.home)
        loaded = _execute(build_definitions(settings), LOAD_JOB, instance)
        _count_checks(loaded, summary)
        _read_load_summary(settings, summary, started)
        if summary.blocking_failed:
            raise PipelineError(
                "blocking data checks failed, indicators not published: "
                + ", ".join(summary.blocking_failed)
            )
        if summary.months:
            settings = dataclasses.replace(settings, first_month=summary.months[0])
            settings.remember_first_month(summary.months[0])
            defs = build_definitions(settings)
            first, last = summary.months[0], summary.months[-1]
            what = "indicators and reports" if "month" in grains else "indicators"
            progress(f"computing {what} for {first}…{last} in one run")
            monthly = _execute(
                defs,
                INDICATORS_JOB,
                instance,
                tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
                # without the month's reports: every other asset of the job (and its checks)
                leave_out=() if "month" in grains else (MONTHLY_REPORTS,),
            )
            _count_checks(monthly, summary)
            _collect_reports(monthly, summary)
            for grain, (start, end) in report_ranges(summary.months):
                if grain not in grains:
                    continue
                # the grains reported by a job of their own after the months' run
                job = REPORT_JOBS[grain]
                progress(f"{job.adjective} reports {start}…{end} in one run")
                ranged = {
                    ASSET_PARTITION_RANGE_START_TAG: start,
                    ASSET_PARTITION_RANGE_END_TAG: end,
                }
                _collect_reports(_execute(defs, job.name, instance, tags=ranged), summary)
            with duckdb.connect(str(settings.warehouse), read_only=True) as con:
                summary.values = con.execute("select count(*) from metric_values").fetchone()[0]
                summary.findings = dict(
                    con.execute(
                        "select severity, count(*) from dq_findings group by all"
                    ).fetchall()
                )
                summary.alarms = alarm_rate(con)
    outputs = {
        "metrics": settings.reports / "metrics.csv",
        "rejected rows": settings.reports / "rejected_rows.csv",
        "corrections": settings.reports / "changes.csv",
        "data quality": settings.reports / "data_quality.csv",
        "report index": settings.reports / "index.html",
    }
    # Only the files this run (or an earlier one) wrote: never a path to nothing.
    summary.outputs = {name: path for name, path in outputs.items() if path.exists()}
    return summary


def report_ranges(months: list[str]) -> list[tuple[str, tuple[str, str]]]:
    """(grain, partition range) for the quarters and years of the data, and its last 13 full
    weeks (the weekly brief is for the Monday meeting; older weeks are there to materialise)."""
    first, last = periods.month_start(months[0]), periods.month_end(months[-1])

    def keys(grain: str, start: str, end: str) -> tuple[str, str]:
        return periods.partition_key(grain, start), periods.partition_key(grain, end)

    ranges = [
        (grain, keys(grain, periods.period_of(grain, first), periods.period_of(grain, last)))
        for grain in ("quarter", "year")
    ]
    last_week = periods.last_whole("week", last)
    whole_weeks = periods.periods_between("week", periods.first_whole("week", first), last_week) + 1
    if whole_weeks > 0:
        first_week = periods.shift("week", last_week, 1 - min(whole_weeks, 13))
        ranges.append(("week", keys("week", first_week, last_week)))
    return ranges


def _count_checks(result: dg.ExecuteInProcessResult, summary: RunSummary) -> None:
    # A check evaluated in several runs counts once: failed if it failed in any.
    for evaluation in result.get_asset_check_evaluations():
        name = evaluation.check_name
        if evaluation.passed:
            summary.checks_passed.add(name)
            continue
        summary.checks_failed.add(name)
        # a blocking check stops what is downstream only when it fails with severity ERROR
        if evaluation.blocking and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            summary.blocking_failed.append(name)


def _collect_reports(result: dg.ExecuteInProcessResult, summary: RunSummary) -> None:
    # A single-run backfill records one materialisation per partition, each with the whole list.
    seen: set[Path] = set(summary.reports)
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        if "reports" in metadata:
            for path in map(Path, metadata["reports"].value):
                if path not in seen:
                    seen.add(path)
                    summary.reports.append(path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_identity(pid: int) -> str | None:
    """The process as no other will ever be: the boot it runs in and its start time (clock ticks
    since boot, /proc/<pid>/stat field 22) beside its PID. None where /proc is not there."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after the command name, which may hold spaces
    return f"{boot}/{pid}/{fields[19]}"


def _launcher_alive(run: dg.DagsterRun) -> bool:
    """Whether the process that launched a run still runs: by its identity when recorded (a PID
    reused by another process, as PID 1 is by every container, is not it), else by its PID."""
    pid = int(run.tags.get(PID_TAG, "0"))
    recorded = run.tags.get(PROCESS_TAG)
    if recorded:
        return process_identity(pid) == recorded
    return _pid_alive(pid)


def recover_abandoned_runs(instance: dg.DagsterInstance, progress: Callable[[str], None]) -> None:
    """Runs of a `deptops run` that was killed stay 'started' and keep their pool slot, which would
    make every later run wait forever. Mark them failed and free their slots."""
    started = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING],
            tags={LAUNCHER_TAG: "cli"},
        )
    )
    for run in started:
        same_host = run.tags.get(HOST_TAG) == socket.gethostname()
        if not same_host or _launcher_alive(run):
            continue
        progress(f"run {run.run_id[:8]} of a deptops process that stopped is marked failed")
        instance.report_run_failed(
            run, "the deptops process running it stopped (killed or crashed)"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def _execute(
    defs: dg.Definitions,
    job: str,
    instance: dg.DagsterInstance,
    tags: dict | None = None,
    leave_out: Collection[dg.AssetKey] = (),
) -> dg.ExecuteInProcessResult:
    """Run a job in this process; `leave_out`: assets of the job not to materialise this time."""
    job_def = defs.resolve_job_def(job)
    selection = None
    if leave_out:
        selection = [k for k in job_def.asset_layer.selected_asset_keys if k not in leave_out]
    result = job_def.execute_in_process(
        run_config=QUIET,
        asset_selection=selection,
        instance=instance,
        tags={
            LAUNCHER_TAG: "cli",
            PID_TAG: str(os.getpid()),
            HOST_TAG: socket.gethostname(),
            **({PROCESS_TAG: identity} if (identity := process_identity(os.getpid())) else {}),
            **(tags or {}),
        },
        raise_on_error=False,
    )
    if not result.success:
        failures = [
            f"{e.step_key}: {e.event_specific_data.error.message.strip()}"
            for e in result.all_events
            if e.is_step_failure and e.event_specific_data and e.event_specific_data.error
        ]
        raise PipelineError(f"run {job} failed: " + ("; ".join(failures) or "see the Dagster UI"))
    return result


def _read_load_summary(settings: Settings, summary: RunSummary, started: dt.datetime) -> None:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        summary.corrections = corrections_line(con, started)
        summary.files = dict(
            con.execute(
                "select kind, count(distinct file) from ledger_sheets "
                "where kind is not null group by kind order by kind"
            ).fetchall()
        )
        summary.problems = [
            (f, s, m)
            for f, s, m in con.execute(
                """select file, status, message from ledger_files where status <> 'loaded'
                   union all
                   select file || coalesce(' / ' || nullif(sheet, ''), ''), 'sheet skipped', message
                   from ledger_sheets where status = 'skipped'
                   order by 1"""
            ).fetchall()
        ]
        rows = ledger_rows(con)
        summary.rows_loaded = sum(rows.values())
        summary.rows_rejected = con.execute("select count(*) from rejected_rows").fetchone()[0]
        summary.rejected_by_reason = rejections_by_reason(con)
        dated = [kind for kind, spec in ledgers().items() if spec.period]
        summary.dated_rows_loaded = sum(rows[kind] for kind in dated)
        summary.dated_rejected_by_reason = rejections_by_reason(con, dated)
        summary.months = months_with_data(con)
        summary.ignored = ignored_columns(con)


def ignored_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Ledger columns loaded but not used, and why: the roster's training hours beside a training
    ledger, which dates them (LEDGERS.md, training)."""
    both = con.execute(
        "select exists (select 1 from raw_training) "
        "and exists (select 1 from raw_staffing where training_hours is not null)"
    ).fetchone()[0]
    return (
        [
            "人力资源台账的培训学时一列未使用：培训学时取培训进修台账 (the roster's "
            "training_hours are ignored: the training ledger gives the hours)"
        ]
        if both
        else []
    )


SHOWN_REASONS = 8


def format_summary(summary: RunSummary) -> str:
    """The short summary a run ends with."""
    files = sum(summary.files.values())
    by_kind = ", ".join(f"{kind} {n}" for kind, n in summary.files.items())
    lines = ["deptops run summary"]
    if summary.nothing_dated_loaded:
        rejected = sum(count for _, count in summary.dated_rejected_by_reason)
        lines.append(
            f"  NOTHING TO COMPUTE: every dated ledger row was rejected ({rejected:,} rows); "
            "the biggest reasons:"
        )
        lines += [f"    {count:>6,}  {why}" for why, count in summary.dated_rejected_by_reason[:3]]
    lines += [
        f"  files read:     {files} ({by_kind})",
        f"  rows loaded:    {summary.rows_loaded:,}",
        f"  rows rejected:  {summary.rows_rejected:,}",
    ]
    lines += [
        f"    {count:>6,}  {why}" for why, count in summary.rejected_by_reason[:SHOWN_REASONS]
    ]
    more = len(summary.rejected_by_reason) - SHOWN_REASONS
    if more > 0:
        lines.append(f"    … and {more} more reasons (rejected_rows.csv)")
    if summary.corrections:
        lines.append(f"  corrections:    {summary.corrections} (changes.csv)")
    lines += [f"  not used:       {line}" for line in summary.ignored]
    if summary.problems:
        lines.append(f"  files or sheets not used: {len(summary.problems)}")
        lines += [f"    {file}: {status}: {message}" for file, status, message in summary.problems]
    failed = len(summary.checks_failed)
    passed = len(summary.checks_passed - summary.checks_failed)
    lines.append(f"  checks:         {passed} passed, {failed} failed")
    if summary.checks_failed:
        lines.append(f"    failed: {', '.join(sorted(set(summary.checks_failed)))}")
    errors, warnings = summary.findings.get("error", 0), summary.findings.get("warning", 0)
    notes = summary.findings.get("info", 0)
    lines.append(
        f"  data quality:   {errors:,} errors, {warnings:,} warnings"
        + (f", {notes:,} notes" if notes else "")
        + " (data_quality.csv)"
    )
    if summary.alarms and summary.alarms[1]:
        alarmed, months = summary.alarms
        lines.append(
            f"  anomaly alarms: {alarmed}/{months} department-months ({alarmed / months:.1%})"
        )
    if summary.months:
        lines.append(
            f"  indicators:     {summary.values:,} values for {len(summary.months)} months "
            f"({summary.months[0]} … {summary.months[-1]})"
        )
    asked = (
        ""
        if set(summary.report_grains) == set(GRAINS)
        else (f" (asked for: {', '.join(summary.report_grains) or 'none'})")
    )
    lines.append(f"  reports:        {len(summary.reports)} written{asked}")
    lines += [f"  {name + ':':<15} {path}" for name, path in summary.outputs.items()]
    return "\n".join(lines)
