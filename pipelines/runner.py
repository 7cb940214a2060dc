"""`deptops run`: the whole pipeline through Dagster, on a persistent instance under HOME/dagster.

Two runs: load the ledgers (with their blocking checks); then, as ONE run over every month of data
(single-run backfill), indicators, reports and the exported tables. Partitions start at the first
month of data, which is only known once the ledgers are loaded.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from ledgers.specs import ledgers
from metrics.compute import months_with_data
from pipelines.definitions import LOAD_JOB, MONTHLY_JOB, build_definitions
from pipelines.settings import REPO_ROOT, Settings

# Dagster's own step events are for the UI; the terminal shows our progress lines and warnings.
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


class PipelineError(RuntimeError):
    """A run that could not finish; the message says which step and why."""


@dataclass
class RunSummary:
    files: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    values: int = 0
    reports: list[Path] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The deployment's instance when DAGSTER_HOME is set (production: PostgreSQL storage, see
    dagster.production.yaml); otherwise a local one under HOME/dagster with the repository's
    dagster.yaml (sqlite storage)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    source = REPO_ROOT / "dagster.yaml"
    target = settings.dagster_home / "dagster.yaml"
    if source.exists() and (not target.exists() or target.read_bytes() != source.read_bytes()):
        shutil.copyfile(source, target)
    return dg.DagsterInstance.from_config(str(settings.dagster_home))


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
    settings: Settings, progress: Callable[[str], None] | None = None, wait: bool = True
) -> RunSummary:
    """Load the inbox, compute every month's indicators and write the reports; return a summary."""
    progress = progress or say
    with exclusive_home(settings, wait, progress):
        return _run_pipeline(settings, progress)


def _run_pipeline(settings: Settings, progress: Callable[[str], None]) -> RunSummary:
    summary = RunSummary()
    with dagster_instance(settings) as instance:
        progress(f"loading ledgers from {settings.inbox}")
        loaded = _execute(build_definitions(settings), LOAD_JOB, instance)
        for evaluation in loaded.get_asset_check_evaluations():
            if evaluation.passed:
                summary.checks_passed += 1
            else:
                summary.checks_failed.append(evaluation.check_name)
        _read_load_summary(settings, summary)
        if summary.checks_failed:
            raise PipelineError(
                "data-quality checks failed, indicators not published: "
                + ", ".join(summary.checks_failed)
            )
        if summary.months:
            settings = dataclasses.replace(settings, first_month=summary.months[0])
            settings.remember_first_month(summary.months[0])
            defs = build_definitions(settings)
            first, last = summary.months[0], summary.months[-1]
            progress(f"computing indicators and reports for {first}…{last} in one run")
            monthly = _execute(
                defs,
                MONTHLY_JOB,
                instance,
                tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
            )
            for evaluation in monthly.get_asset_check_evaluations():
                if not evaluation.passed:
                    summary.checks_failed.append(evaluation.check_name)
            # A single-run backfill reports one materialisation per month: take the reports once.
            for event in monthly.get_asset_materialization_events():
                metadata = event.materialization.metadata
                if "reports" in metadata and not summary.reports:
                    summary.reports = [Path(p) for p in metadata["reports"].value]
            with duckdb.connect(str(settings.warehouse), read_only=True) as con:
                summary.values = con.execute("select count(*) from metric_values").fetchone()[0]
    summary.outputs = {
        "metrics": settings.reports / "metrics.csv",
        "rejected rows": settings.reports / "rejected_rows.csv",
    }
    index = settings.reports / "index.html"
    if index.exists():
        summary.outputs["report index"] = index
    return summary


def _execute(
    defs: dg.Definitions, job: str, instance: dg.DagsterInstance, tags: dict | None = None
) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def(job).execute_in_process(
        run_config=QUIET, instance=instance, tags=tags or {}, raise_on_error=False
    )
    if not result.success:
        failures = [
            f"{e.step_key}: {e.event_specific_data.error.message.strip()}"
            for e in result.all_events
            if e.is_step_failure and e.event_specific_data and e.event_specific_data.error
        ]
        raise PipelineError(f"run {job} failed: " + ("; ".join(failures) or "see the Dagster UI"))
    return result


def _read_load_summary(settings: Settings, summary: RunSummary) -> None:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
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
        summary.rows_loaded = sum(
            con.execute(f"select count(*) from {spec.table}").fetchone()[0]  # noqa: S608
            for spec in ledgers().values()
        )
        summary.rows_rejected = con.execute("select count(*) from rejected_rows").fetchone()[0]
        summary.rejected_by_reason = con.execute(
            """select case when is_conflict then 'duplicate key across files'
                           else regexp_replace(reason, ',? found .*$|^[^:]*: ', '', 'g') end as why,
                      count(*) from rejected_rows group by why order by 2 desc, 1"""
        ).fetchall()
        summary.months = months_with_data(con)


def format_summary(summary: RunSummary) -> str:
    """The short summary a run ends with."""
    files = sum(summary.files.values())
    by_kind = ", ".join(f"{kind} {n}" for kind, n in summary.files.items())
    lines = [
        "deptops run summary",
        f"  files read:     {files} ({by_kind})",
        f"  rows loaded:    {summary.rows_loaded:,}",
        f"  rows rejected:  {summary.rows_rejected:,}",
    ]
    lines += [f"    {count:>6,}  {why}" for why, count in summary.rejected_by_reason[:8]]
    if summary.problems:
        lines.append(f"  files or sheets not used: {len(summary.problems)}")
        lines += [f"    {file}: {status}: {message}" for file, status, message in summary.problems]
    failed = len(summary.checks_failed)
    lines.append(f"  checks:         {summary.checks_passed} passed, {failed} failed")
    if summary.months:
        lines.append(
            f"  indicators:     {summary.values:,} values for {len(summary.months)} months "
            f"({summary.months[0]} … {summary.months[-1]})"
        )
    lines.append(f"  reports:        {len(summary.reports)} written")
    lines += [f"  {name + ':':<15} {path}" for name, path in summary.outputs.items()]
    return "\n".join(lines)
