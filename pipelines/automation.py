"""Schedules that meet the reporting deadlines, and sensors that follow the ledger inbox.

Deadlines (training material): monthly report by the 10th, quarterly within 15 days of quarter end,
annual by the end of January, weekly brief for the Monday meeting. Each schedule targets exactly the
partition that is due, computed from the tick's time in the configured timezone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from ledgers.intake import file_sha256
from ledgers.loader import inbox_files
from metrics import periods
from reports.periods import TREND_LENGTH

# Files an assistant's tools leave beside the ledgers; never read, never a reason to run.
TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp", "~")
SETTLE_SECONDS = 30  # a file modified more recently may still be being written or copied


def _previous(grain: str) -> Callable[[dt.datetime], str]:
    """The partition key of the last whole period of `grain` before the tick: a month's
    '2026-10', a quarter's the month it starts ('2026-07' for Q3), a year's '2025', a week's its
    Monday ('2026-11-16')."""

    def due(when: dt.datetime) -> str:
        return periods.partition_key(grain, periods.previous_whole(grain, when.date()))

    return due


previous_month, previous_quarter = _previous("month"), _previous("quarter")
previous_year, previous_week = _previous("year"), _previous("week")


# name: (cron, function giving the due partition, what it is for)
SCHEDULES = {
    "monthly": ("0 6 5 * *", previous_month, "previous month, on the 5th (deadline the 10th)"),
    "quarterly": (
        "0 6 10 1,4,7,10 *",
        previous_quarter,
        "previous quarter, on the 10th after it ends (deadline the 15th)",
    ),
    "annual": ("0 6 20 1 *", previous_year, "previous year, on 20 January (deadline 31 January)"),
    "weekly": ("0 7 * * 1", previous_week, "previous week, Monday 07:00 before the weekly meeting"),
}


def build_schedule(name: str, job: dg.UnresolvedAssetJobDefinition, timezone: str):
    cron, due, description = SCHEDULES[name]

    @dg.schedule(
        name=f"{name}_schedule",
        cron_schedule=cron,
        job=job,
        execution_timezone=timezone,
        description=f"Runs {job.name} for the {description}.",
    )
    def deadline_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        key = due(context.scheduled_execution_time)
        return dg.RunRequest(run_key=f"{name}:{key}", partition_key=key)

    return deadline_schedule


def is_ledger_candidate(path: Path, now: float) -> bool:
    """A file worth hashing: not temporary, and not modified within the settle time."""
    if path.name.lower().endswith(TEMPORARY_SUFFIXES) or path.name.startswith(".~lock"):
        return False
    return now - path.stat().st_mtime >= SETTLE_SECONDS


def inbox_state(inbox: Path, now: float | None = None) -> dict[str, str]:
    """Content hash of each settled ledger file in the inbox (lock and hidden files excluded)."""
    now = time.time() if now is None else now
    state = {}
    for name, path in inbox_files(inbox).items():
        try:
            if is_ledger_candidate(path, now):
                state[name] = file_sha256(path)
        except OSError:
            continue  # deleted or unreadable now: the load reports it; the sensor only looks
    return state


def build_inbox_sensor(inbox: Path, load_job: dg.UnresolvedAssetJobDefinition):
    @dg.sensor(
        name="ledger_inbox_sensor",
        job=load_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Loads new, changed and deleted ledger files of {inbox} (by content hash).",
    )
    def ledger_inbox_sensor(context: dg.SensorEvaluationContext):
        previous = json.loads(context.cursor) if context.cursor else {}
        current = inbox_state(inbox)
        if not inbox.is_dir():
            return dg.SkipReason(f"the inbox {inbox} does not exist")
        # Files not yet settled keep their last known hash: they are looked at again next tick.
        settling = {n: h for n, h in previous.items() if n not in current and (inbox / n).exists()}
        current |= settling
        if current == previous:
            return dg.SkipReason("no ledger file added, changed or removed")
        added = sorted(set(current) - set(previous))
        removed = sorted(set(previous) - set(current))
        changed = sorted(n for n in set(current) & set(previous) if current[n] != previous[n])
        change_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
        context.update_cursor(json.dumps(current, sort_keys=True))
        return dg.RunRequest(
            run_key=f"inbox:{change_key}",
            tags={
                "deptops/added": str(len(added)),
                "deptops/changed": str(len(changed)),
                "deptops/removed": str(len(removed)),
            },
        )

    return ledger_inbox_sensor


def build_months_sensor(
    ledger_asset_key: dg.AssetKey, monthly_job: dg.UnresolvedAssetJobDefinition
):
    """After a load, request the monthly pipeline for the months whose rows changed and the twelve
    after them, in one run: their indicators are recomputed, and their reports show the changed
    month (the 13-month trend, 环比 of the next month, 同比 a year on). Reports whose content did
    not change are not rendered again, so the wider range costs little."""

    @dg.asset_sensor(
        asset_key=ledger_asset_key,
        name="changed_months_sensor",
        job=monthly_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Recomputes indicators and reports of the months a ledger load touched "
        "and of the twelve months that compare with them.",
    )
    def changed_months_sensor(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
        metadata = asset_event.asset_materialization.metadata
        touched = metadata.get("months_touched")
        months = [] if touched is None else [m for m in touched.value.split(", ") if m != "none"]
        if not months:
            return dg.SkipReason("the load changed no month")
        start, end = affected_range(months, metadata.get("last_month"))
        return dg.RunRequest(
            run_key=f"{asset_event.run_id}:{start}:{end}",
            tags={ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end},
        )

    return changed_months_sensor


def affected_range(touched: list[str], last_month) -> tuple[str, str]:
    """The first touched month to the last month whose report shows a touched one (its 13-month
    trend window, which holds the 同比 month too), no later than the last month the warehouse
    holds (the load's `last_month` metadata, when it has one). Months are 'YYYY-MM'."""
    first, last = min(touched), max(touched)
    end = periods.shift("month", last, TREND_LENGTH["month"] - 1)
    held = getattr(last_month, "value", None)
    if held and held != "none":
        end = max(last, min(end, held))
    return first, end
