"""The Dagster Definitions of deptops: `dagster dev -m pipelines.definitions` loads `defs`."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.assets import DeptopsConfig, build_assets
from pipelines.settings import Settings

LOAD_JOB = "load_ledgers"
MONTHLY_JOB = "monthly_pipeline"
EXPORT_JOB = "export_tables"


def build_definitions(settings: Settings) -> dg.Definitions:
    """Assets, checks, jobs and resources for one deployment's settings."""
    assets, checks = build_assets(settings)
    by_name = {a.key.to_user_string(): a for a in assets}
    jobs = [
        dg.define_asset_job(
            LOAD_JOB,
            selection=dg.AssetSelection.assets(by_name["ledger_tables"]),
            description="Load new, changed and deleted ledger files into the warehouse.",
        ),
        dg.define_asset_job(
            MONTHLY_JOB,
            selection=dg.AssetSelection.groups("metrics", "reports")
            - dg.AssetSelection.assets(by_name["metrics_csv"]),
            description="Indicators and reports for the selected months.",
        ),
        dg.define_asset_job(
            EXPORT_JOB,
            selection=dg.AssetSelection.assets(by_name["metrics_csv"]),
            description="metrics.csv and rejected_rows.csv.",
        ),
    ]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs,
        resources={
            "duckdb": DuckDBResource(database=str(settings.warehouse)),
            "deptops": DeptopsConfig(
                home=str(settings.home), inbox=str(settings.inbox), lang=settings.lang
            ),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by `dagster dev` and the daemon, configured from DEPTOPS_* environment variables."""
    return build_definitions(Settings.from_env())
