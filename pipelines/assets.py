"""Dagster assets: ledgers -> indicators -> reports. Plain functions of the other packages do the work;
this module only says what depends on what, how it is partitioned and which checks guard it."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.suites import validate_ledger
from ledgers.export import write_rejected_csv
from ledgers.loader import load_inbox
from metrics.compute import compute_months
from metrics.export import write_metrics_csv
from pipelines.settings import Settings


class DeptopsConfig(dg.ConfigurableResource):
    """Paths and language of this deployment (see pipelines/settings.py)."""

    home: str
    inbox: str
    lang: str = "zh"

    def settings(self) -> Settings:
        from pathlib import Path

        return Settings(home=Path(self.home), inbox=Path(self.inbox), lang=self.lang)


def monthly_partitions(settings: Settings) -> dg.MonthlyPartitionsDefinition:
    """One partition per month from the first month of data; the month in progress included."""
    return dg.MonthlyPartitionsDefinition(
        start_date=settings.first_month, fmt="%Y-%m", timezone=settings.timezone, end_offset=1
    )


# Kinds whose GX suite runs as a blocking check on the ledger asset.
CHECKED_LEDGERS = ("departments", "workload", "discharges")


def build_assets(settings: Settings) -> tuple[list, list]:
    """The assets and asset checks, partitioned from the settings' first month."""
    monthly = monthly_partitions(settings)
    single_run = dg.BackfillPolicy.single_run()

    @dg.asset(group_name="ledgers", pool="duckdb", kinds={"duckdb", "excel"})
    def ledger_tables(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, deptops: DeptopsConfig
    ) -> dg.MaterializeResult:
        """The ledger inbox loaded into raw_<kind> tables (one row per ledger row, with lineage),
        rejected rows kept in rejected_rows. Only new, changed and deleted files are touched."""
        with duckdb.get_connection() as con:
            report = load_inbox(con, deptops.settings().inbox, progress=context.log.info)
        for file, status, message in report.problems:
            context.log.warning(f"{file}: {status}: {message}")
        return dg.MaterializeResult(
            metadata={
                "files_seen": report.files_seen,
                "files_read": report.files_loaded,
                "files_unchanged": report.files_unchanged,
                "files_removed": report.files_removed,
                "rows_loaded": report.rows_loaded,
                "rows_rejected": report.rows_rejected,
                "problems": len(report.problems),
                "months_touched": ", ".join(sorted(report.touched_months)) or "none",
            }
        )

    def ledger_check(kind: str):
        @dg.asset_check(
            asset=ledger_tables,
            name=f"{kind}_expectations",
            blocking=True,
            description=f"Great Expectations suite for the {kind} ledger, generated from its spec.",
        )
        def check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
            with duckdb.get_connection() as con:
                outcome = validate_ledger(con, kind)
            return dg.AssetCheckResult(
                passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "rows": outcome.rows,
                    "expectations": len(outcome.outcomes),
                    "failed": "; ".join(
                        f"{o.expectation} on {o.column}: {o.unexpected_count} rows "
                        f"({', '.join(o.examples)})"
                        for o in outcome.failed
                    )
                    or "none",
                },
            )

        return check

    @dg.asset(
        group_name="metrics",
        partitions_def=monthly,
        backfill_policy=single_run,
        deps=[ledger_tables],
        pool="duckdb",
        kinds={"duckdb", "sql"},
    )
    def indicators(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        """Measures per department and month, and every indicator of the catalogue for the
        partition's months and the quarters, years and ISO weeks that contain them
        (metric_values: one row per grain, period, department group and indicator)."""
        months = context.partition_keys
        context.log.info(f"computing indicators for {len(months)} months: {months[0]}…{months[-1]}")
        with duckdb.get_connection() as con:
            written = compute_months(con, months)
        return dg.MaterializeResult(metadata={"months": len(months), "values": written})

    @dg.asset(
        group_name="reports",
        deps=[indicators, ledger_tables],
        pool="duckdb",
        kinds={"csv"},
    )
    def metrics_csv(duckdb: DuckDBResource, deptops: DeptopsConfig) -> dg.MaterializeResult:
        """HOME/reports/metrics.csv (every indicator, grain, period and department) and
        HOME/reports/rejected_rows.csv (every ledger row not loaded, and why)."""
        reports = deptops.settings().reports
        with duckdb.get_connection() as con:
            rows = write_metrics_csv(con, reports / "metrics.csv")
            rejected = write_rejected_csv(con, reports / "rejected_rows.csv")
        return dg.MaterializeResult(
            metadata={
                "metrics_rows": rows,
                "rejected_rows": rejected,
                "path": dg.MetadataValue.path(str(reports / "metrics.csv")),
            }
        )

    assets = [ledger_tables, indicators, metrics_csv]
    checks = [ledger_check(kind) for kind in CHECKED_LEDGERS]
    return assets, checks
