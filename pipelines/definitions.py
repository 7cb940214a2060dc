"""The Dagster Definitions of deptops: `dagster dev -m pipelines.definitions` loads `defs`."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from pipelines import roots
from pipelines.assets import (
    EXPORTS,
    LOAD,
    DeptopsConfig,
    WarehouseResource,
    load_definitions,
    metric_definitions,
    report_definitions,
)
from pipelines.automation import build_inbox_sensor, build_months_sensor, build_schedule
from pipelines.backup import build_backup_schedule
from pipelines.settings import Settings
from pipelines.topic import build_topic_job

LOAD_JOB = "load_ledgers"
MONTHLY_JOB = "monthly_pipeline"
INDICATORS_JOB = "monthly_indicators"


@dataclass(frozen=True)
class ReportJob:
    """The job that writes one grain's reports (an asset of report_definitions), run on its
    schedule and by `deptops run` after the months' run (pipelines/runner.py)."""

    adjective: str  # its schedule's name ('quarterly' -> quarterly_schedule, automation.SCHEDULES)
    asset: str

    @property
    def name(self) -> str:
        return f"{self.adjective}_report_job"


REPORT_JOBS = {
    "quarter": ReportJob("quarterly", "quarterly_reports"),
    "year": ReportJob("annual", "annual_reports"),
    "week": ReportJob("weekly", "weekly_briefs"),
}


def assets_by_op(defs: dg.Definitions) -> dict[str, dg.AssetsDefinition]:
    """The assets that run, by their op's name: the load, the indicators and the exports are
    multi-assets with several keys and no single one; the specs without an op (what the checks
    write) are left out."""
    return {a.node_def.name: a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)}


def build_definitions(settings: Settings) -> dg.Definitions:
    """Assets, checks, jobs, schedules, sensors and resources for one deployment's settings."""
    # Each stage defines its assets and the checks on them; the jobs, schedules and sensors
    # that span stages, and the resources, are added here.
    stages = dg.Definitions.merge(
        load_definitions(settings), metric_definitions(settings), report_definitions(settings)
    )
    roots.register(settings.home, settings.inbox)
    # One writer per warehouse: a tag that run-queue limits can key on (docs/production.md).
    tags = {"deptops/warehouse": str(settings.warehouse)}
    by_name = assets_by_op(stages)
    ledger_tables = dg.AssetSelection.assets(by_name[LOAD])
    load_job = dg.define_asset_job(
        LOAD_JOB,
        selection=ledger_tables,
        tags=tags,
        description="Load new, changed and deleted ledger files into the warehouse.",
    )
    monthly_job = dg.define_asset_job(
        MONTHLY_JOB,
        selection=dg.AssetSelection.groups("ledgers", "metrics")
        | dg.AssetSelection.assets(by_name["monthly_reports"], by_name[EXPORTS]),
        tags=tags,
        description="Load the inbox, then indicators and reports of the selected months.",
    )
    # The same without the load, for runs that follow a load (the CLI, the changed-months sensor):
    # loading again would read nothing and run the ledger checks a second time.
    indicators_job = dg.define_asset_job(
        INDICATORS_JOB,
        selection=dg.AssetSelection.groups("metrics")
        | dg.AssetSelection.assets(by_name["monthly_reports"], by_name[EXPORTS]),
        tags=tags,
        description="Indicators and reports of the selected months (after a load).",
    )
    jobs = [load_job, monthly_job, indicators_job]
    schedules = [build_schedule("monthly", monthly_job, settings.timezone)]
    for report in REPORT_JOBS.values():
        if report.asset in by_name:
            job = dg.define_asset_job(
                report.name,
                selection=dg.AssetSelection.assets(by_name[report.asset]),
                tags=tags,
                description=f"The {report.adjective} reports of the partition due.",
            )
            jobs.append(job)
            schedules.append(build_schedule(report.adjective, job, settings.timezone))
    backup_job, backup_schedule = build_backup_schedule(settings)
    jobs.append(backup_job)
    schedules.append(backup_schedule)
    jobs.append(build_topic_job(settings))  # launched by hand from the launchpad, no schedule
    wiring = dg.Definitions(
        jobs=jobs,
        schedules=schedules,
        sensors=[
            build_inbox_sensor(settings.inbox, load_job),
            build_months_sensor(dg.AssetKey(LOAD), indicators_job),
        ],
        resources={
            "duckdb": WarehouseResource(
                database=str(settings.warehouse), connection_config=settings.duckdb_config()
            ),
            "deptops": DeptopsConfig.from_settings(settings),
        },
    )
    return dg.Definitions.merge(stages, wiring)


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by `dagster dev` and the daemon, configured from DEPTOPS_* environment variables."""
    return build_definitions(Settings.from_env())
