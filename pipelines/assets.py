"""Dagster assets, stage by stage (load, indicators, reports), each stage its own Definitions that
pipelines.definitions merges. Plain functions of the other packages do the work;
this module only says what depends on what, how it is partitioned and which checks guard it."""

import dataclasses
import functools
import operator
import types
import typing
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from expectations.findings import write_data_quality_csv
from expectations.suites import validate_ledger
from ledgers.export import write_changes_csv, write_rejected_csv
from ledgers.limits import ReadLimits
from ledgers.loader import load_inbox
from ledgers.specs import ledgers
from metrics import periods
from metrics.compute import LINE_TABLE, MEASURE_TABLES, compute_months, months_with_data
from metrics.effects import EFFECTS_TABLE, write_actions_csv
from metrics.export import write_metrics_csv
from pipelines import roots
from pipelines.home import HomeUnusable, check_home, scrub_after_removal
from pipelines.quality import (
    BLOCKS,
    FINDINGS,
    LEDGER_QUALITY,
    anomaly_check,
    findings_deps,
    ledger_quality_check,
)
from pipelines.settings import Settings


class _Deployment(dg.ConfigurableResource):
    """What DeptopsConfig does with the fields it takes from Settings (below)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "_Deployment":
        return cls(**settings.to_config())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # whatever the run config says (pipelines.roots)
        roots.check(self.home, "HOME")
        roots.check(self.inbox, "inbox")
        if self.backup_folder is not None:
            roots.check(self.backup_folder, "backup folder")

    def settings(self) -> Settings:
        return Settings.from_config({name: getattr(self, name) for name in type(self).model_fields})


def _as_config(hint: object) -> object:
    """A Settings field's type as run config holds it (Settings.to_config): a path as text, the
    reading limits as JSON text; a union (`Path | None`) member by member."""
    text = {Path: str, ReadLimits: str}
    members = typing.get_args(hint) if isinstance(hint, types.UnionType) else ()
    return (
        functools.reduce(operator.or_, map(_as_config, members))
        if members
        else text.get(hint, hint)
    )


def _deptops_config() -> type[_Deployment]:
    """Settings (pipelines/settings.py) as a Dagster resource: its fields are Settings' own, made
    from them here, so there is one declaration of the settings and a field added there is run
    config at once. Paths are text and the reading limits JSON, as run config holds them; the
    UI's launchpad shows them. Defaults are Settings' own, so that run config from the
    launchpad may change one field (an inbox, a language) without restating the others."""
    hints = typing.get_type_hints(Settings)
    defaults = Settings(home=Path("var"), inbox=Path("var/inbox")).to_config()
    required = {"home", "inbox"}
    names = [f.name for f in dataclasses.fields(Settings)]
    return type(
        "DeptopsConfig",
        (_Deployment,),
        {
            "__module__": __name__,
            "__qualname__": "DeptopsConfig",
            "__doc__": _deptops_config.__doc__,
            "__annotations__": {name: _as_config(hints[name]) for name in names},
            **{name: defaults[name] for name in names if name not in required},
        },
    )


DeptopsConfig = _deptops_config()


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse, refused when run config puts it outside the deployment's roots."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        roots.check(self.database, "warehouse")
        super().setup_for_execution(context)


def monthly_partitions(settings: Settings) -> dg.MonthlyPartitionsDefinition:
    """One partition per month from the first month of data; the month in progress included."""
    return dg.MonthlyPartitionsDefinition(
        start_date=settings.first_month, fmt="%Y-%m", timezone=settings.timezone, end_offset=1
    )


def report_partitions(settings: Settings) -> tuple[dg.PartitionsDefinition, ...]:
    """Quarters, years and ISO weeks over the same span as the months. Dagster maps each onto the
    months it covers, so a quarter's reports depend on exactly its three months of indicators."""
    first = periods.month_start(settings.first_month)
    quarterly = dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1,4,7,10 *",
        start=periods.partition_key("quarter", periods.period_of("quarter", first)),
        fmt="%Y-%m",
        timezone=settings.timezone,
        end_offset=1,
    )
    yearly = dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1 *",
        start=periods.period_of("year", first),
        fmt="%Y",
        timezone=settings.timezone,
        end_offset=1,
    )
    weekly = dg.WeeklyPartitionsDefinition(
        start_date=periods.partition_key("week", periods.first_whole("week", first)),
        day_offset=1,  # weeks start on Monday, as ISO weeks do
        fmt="%Y-%m-%d",
        timezone=settings.timezone,
    )
    return quarterly, yearly, weekly


# Failures worth another try: locks (the warehouse held by another process). A ledger file's own
# problems never get here (the load reports them per file), and a permission denied on HOME will
# not pass by itself: both fail at once.
TRANSIENT_ERRORS = (
    BlockingIOError,
    TimeoutError,
    InterruptedError,
    duckdb.IOException,
)
MAX_RETRIES = 3

# The ops' names, and the keys of the assets the rest of the code refers to (the months sensor, the
# jobs, the data-quality checks): the load's bookkeeping, the indicator values, metrics.csv.
LOAD = "ledger_tables"
INDICATORS = "indicators"
EXPORTS = "metrics_csv"

# Kinds whose GX suite runs as a blocking check on the ledger's table.
CHECKED_LEDGERS = ("departments", "workload", "discharges")


def table_spec(
    key: str, group: str, kinds: set[str], deps: list[str | dg.AssetKey], doc: str
) -> dg.AssetSpec:
    """A warehouse table (or an export file) as an asset: every stage's specs are made here."""
    return dg.AssetSpec(key, group_name=group, kinds=kinds, deps=deps, description=doc)


def load_definitions(settings: Settings) -> dg.Definitions:
    """The load stage: the ledger tables and the checks on them."""

    # The load is one op (one transaction over the inbox) that materialises the warehouse's
    # tables: its bookkeeping (`ledger_tables`: file states, lineage, rejected rows) and one asset
    # per ledger table, so the UI shows which table feeds what and each check sits on its table.
    @dg.multi_asset(
        name=LOAD,
        specs=[
            table_spec(
                LOAD,
                "ledgers",
                {"duckdb", "excel"},
                [],
                "The ledger inbox read: file states and hashes, rejected rows and corrections. "
                "Only new, changed and deleted files are touched; after a file was removed, the "
                "warehouse file is rewritten so that its rows leave no bytes behind.",
            ),
            *(
                table_spec(
                    spec.table,
                    "ledgers",
                    {"duckdb"},
                    [],
                    f"{spec.zh} / {spec.en}: the accepted rows, one per key, with lineage "
                    "(file, sheet, row).",
                )
                for spec in ledgers().values()
            ),
        ],
        pool=settings.pool,
    )
    def ledger_tables(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, deptops: DeptopsConfig
    ):
        settings = deptops.settings()
        try:
            check_home(settings.home)
        except HomeUnusable as error:  # will not pass by itself: no retry
            raise dg.Failure(description=str(error), allow_retries=False) from None
        try:
            with duckdb.get_connection() as con:
                report = load_inbox(
                    con,
                    settings.inbox,
                    progress=context.log.info,
                    limits=settings.limits,
                    work_root=settings.home / "tmp",
                    hold_unchecked=True,  # until ledger_data_quality has judged them
                )
                held = months_with_data(con)
                touched = sorted(held if report.all_months_touched else report.touched_months)
        except TRANSIENT_ERRORS as error:
            # A file locked on a shared drive, or the warehouse held by another process: try again
            # after 2, 4, 8 seconds. Bad data never raises here: it becomes rejected rows.
            wait = 2 ** (context.retry_number + 1)
            context.log.warning(f"transient failure, retrying in {wait} s: {error}")
            raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait) from error
        for file, status, message in report.problems:
            context.log.warning(f"{file}: {status}: {message}")
        scrubbed = scrub_after_removal(
            settings.warehouse,
            report.files_removed > 0,
            duckdb.connection_config,
            context.log.warning,
        )
        yield dg.MaterializeResult(
            asset_key=LOAD,
            metadata={
                "files_seen": report.files_seen,
                "files_read": report.files_loaded,
                "files_unchanged": report.files_unchanged,
                "files_removed": report.files_removed,
                "warehouse_rewritten": scrubbed,
                "rows_loaded": report.rows_loaded,
                "rows_rejected": report.rows_rejected,
                "cells_corrected": report.cells_corrected,
                "problems": len(report.problems),
                "months_touched": ", ".join(touched) or "none",
                # how far the changed-months sensor refreshes the reports that compare with them
                "last_month": held[-1] if held else "none",
            },
        )
        # each table's rows as the load counted them when it committed
        for spec in ledgers().values():
            yield dg.MaterializeResult(
                asset_key=spec.table, metadata={"rows": report.rows_by_kind[spec.kind]}
            )

    def ledger_check(kind: str):
        @dg.asset_check(
            asset=ledgers()[kind].table,
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

    # What the data-quality checks write: specs without an op, written and recorded by the check
    # ops (pipelines.quality), so a run does what it did before they were assets.
    departments, equipment = ledgers()["departments"].table, ledgers()["equipment"].table
    quality_tables = [
        table_spec(
            FINDINGS,
            "quality",
            {"duckdb"},
            findings_deps(),
            "Every finding of the data-quality checks (expectations/checks.toml): check, "
            "severity, department, month, where in the ledgers, message. Written by the checks "
            "ledger_data_quality and indicator_anomalies; rechecking a month replaces its rows.",
        ),
        table_spec(
            BLOCKS,
            "quality",
            {"duckdb"},
            [FINDINGS, departments],
            "The department-months whose figures are withheld: one row per failed error-level "
            "ledger check, with the ledgers it concerns.",
        ),
        table_spec(
            LEDGER_QUALITY,
            "quality",
            {"duckdb"},
            [FINDINGS, LOAD, departments, equipment],
            "Each department's ledgers per month: completeness, timeliness, accuracy and score, "
            "0-100 (expectations/checks.toml).",
        ),
    ]
    checks = [ledger_check(kind) for kind in CHECKED_LEDGERS]
    return dg.Definitions(
        assets=[ledger_tables, *quality_tables],
        asset_checks=[*checks, ledger_quality_check(settings.pool)],
    )


def metric_definitions(settings: Settings) -> dg.Definitions:
    """The indicator stage, partitioned by month from the settings' first month, and its checks."""
    monthly = monthly_partitions(settings)
    # The indicators are one op (one transaction) that materialises the measure tables, the
    # finance lines, the indicator values and the measures' effects.
    ledger_keys = [spec.table for spec in ledgers().values()]
    in_sql = {"duckdb", "sql"}
    measure_specs = [
        table_spec(
            table,
            "metrics",
            in_sql,
            ledger_keys,
            f"Additive measures per department and {grain} (metrics/sql/{query}.sql).",
        )
        for table, (query, grain) in MEASURE_TABLES.items()
    ]
    measure_keys = list(MEASURE_TABLES)

    @dg.multi_asset(
        name=INDICATORS,
        specs=[
            *measure_specs,
            table_spec(
                LINE_TABLE,
                "metrics",
                in_sql,
                ledger_keys,
                "Every finance line's amount per period and department group "
                "(metrics/sql/finance_lines.sql): the revenue and expense structure.",
            ),
            table_spec(
                INDICATORS,
                "metrics",
                in_sql,
                # and the ledgers read beside the measures (groups, targets, budgets, DRG weights)
                [*measure_keys, *ledger_keys],
                "Every indicator of the catalogue for the partition's months and the quarters, "
                "years and ISO weeks that contain them (metric_values: one row per grain, period, "
                "department group and indicator; metric_windows: the 同比 windows).",
            ),
            table_spec(
                EFFECTS_TABLE,
                "metrics",
                in_sql,
                [*measure_keys, ledgers()["actions"].table],
                "Each improvement measure's effect (metrics/sql/effects.sql).",
            ),
        ],
        partitions_def=monthly,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=settings.pool,
    )
    def indicators(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        months = context.partition_keys
        context.log.info(f"computing indicators for {len(months)} months: {months[0]}…{months[-1]}")
        with duckdb.get_connection() as con:
            written = compute_months(con, months)
        for key in (*measure_keys, LINE_TABLE, EFFECTS_TABLE):
            yield dg.MaterializeResult(asset_key=key, metadata={"months": len(months)})
        yield dg.MaterializeResult(
            asset_key=INDICATORS, metadata={"months": len(months), "values": written}
        )

    return dg.Definitions(assets=[indicators], asset_checks=[anomaly_check(monthly, settings.pool)])


def report_definitions(settings: Settings) -> dg.Definitions:
    """The reports of each period (partitioned by month, quarter, year and week) and the exports."""
    monthly = monthly_partitions(settings)
    quarterly, yearly, weekly = report_partitions(settings)
    single_run = dg.BackfillPolicy.single_run()

    def export(key: str, deps: list[str], doc: str) -> dg.AssetSpec:
        return table_spec(key, "reports", {"csv"}, deps, doc)

    # The CSV exports: one op, a file each.
    @dg.multi_asset(
        name=EXPORTS,
        specs=[
            export(
                EXPORTS,
                [INDICATORS],
                "HOME/reports/metrics.csv: every indicator, grain, period and department.",
            ),
            export(
                "rejected_rows_csv",
                [LOAD],
                "HOME/reports/rejected_rows.csv: every ledger row not loaded, and why.",
            ),
            export(
                "changes_csv",
                [LOAD],
                "HOME/reports/changes.csv: every corrected cell, old -> new, and rows added or "
                "removed per file, department and month.",
            ),
            export(
                "data_quality_csv",
                [FINDINGS],
                "HOME/reports/data_quality.csv: every data-quality finding of the checks on the "
                "ledger tables and the indicators.",
            ),
            export(
                "actions_csv",
                [EFFECTS_TABLE],
                "HOME/reports/actions.csv: every improvement measure with its effect.",
            ),
        ],
        pool=settings.pool,
    )
    def metrics_csv(duckdb: DuckDBResource, deptops: DeptopsConfig):
        settings = deptops.settings()
        reports = settings.reports
        with duckdb.get_connection() as con:
            rows = write_metrics_csv(con, reports / "metrics.csv")
            rejected = write_rejected_csv(con, reports / "rejected_rows.csv")
            corrections = write_changes_csv(con, reports / "changes.csv")
            findings = write_data_quality_csv(con, reports / "data_quality.csv", settings.lang)
            # the improvement measures with their effect (METRICS.md, 实施效果)
            measures = write_actions_csv(con, reports / "actions.csv")
        for key, count, file in (
            (EXPORTS, rows, "metrics.csv"),
            ("rejected_rows_csv", rejected, "rejected_rows.csv"),
            ("changes_csv", corrections, "changes.csv"),
            ("data_quality_csv", findings, "data_quality.csv"),
            ("actions_csv", measures, "actions.csv"),
        ):
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={"rows": count, "path": dg.MetadataValue.path(str(reports / file))},
            )

    def report_asset(name: str, partitions, grain: str, to_period, kinds: set[str], doc: str):
        @dg.asset(
            name=name,
            group_name="reports",
            partitions_def=partitions,
            backfill_policy=single_run,
            # and what the checks wrote: the findings, the figures withheld, ledger quality
            deps=[INDICATORS, FINDINGS, BLOCKS, LEDGER_QUALITY],
            pool=settings.pool,
            kinds=kinds,
            description=doc,
        )
        def reports_of_period(
            context: dg.AssetExecutionContext, duckdb: DuckDBResource, deptops: DeptopsConfig
        ) -> dg.MaterializeResult:
            periods = [to_period(key) for key in context.partition_keys]
            return write_reports(context, duckdb, deptops, grain, periods)

        return reports_of_period

    monthly_reports = report_asset(
        "monthly_reports",
        monthly,
        "month",
        str,
        {"html", "excel"},
        "HOME/reports/<YYYY-MM>/<dept>.html and .xlsx for every department and the hospital, "
        "the month's finance dashboard, and the index page listing every report.",
    )
    quarterly_reports = report_asset(
        "quarterly_reports",
        quarterly,
        "quarter",
        functools.partial(periods.period_of_partition, "quarter"),
        {"html", "excel"},
        "HOME/reports/<YYYY-Qn>/: each quarter's reports and dashboard, from its three months.",
    )
    annual_reports = report_asset(
        "annual_reports",
        yearly,
        "year",
        str,
        {"html", "excel"},
        "HOME/reports/<YYYY>/: each year's reports and dashboard, from its twelve months.",
    )
    week_of_partition = functools.partial(periods.period_of_partition, "week")
    weekly_briefs = report_asset(
        "weekly_briefs", weekly, "week", week_of_partition, {"html"},
        "HOME/reports/<YYYY-Www>/: the Monday meeting's one-page brief per department and for "
        "the hospital (partition key: the week's Monday).",
    )  # fmt: skip

    return dg.Definitions(
        assets=[monthly_reports, quarterly_reports, annual_reports, weekly_briefs, metrics_csv]
    )


def write_reports(context, duckdb: DuckDBResource, deptops: DeptopsConfig, grain: str, periods):
    """Render the reports of these periods (and, but for weeks, their dashboards), then the index.
    Reports whose content is unchanged since they were written are left alone; the rest are
    rendered by `settings.report_workers` processes (DEPTOPS_REPORT_WORKERS; 1: in this one)."""
    from reports.publish.batch import render_reports
    from reports.publish.index import write_index

    settings = deptops.settings()
    options = dict(
        suppress_below=settings.suppress_below,
        hospital_name=settings.hospital_name,
        workers=settings.report_workers,
        # each worker's connection its part of the run's memory, as they are open at once
        connection_config=settings.duckdb_config(processes=settings.report_workers),
        progress=context.log.info,
    )
    where = (duckdb.database, settings.reports, grain, periods, settings.lang)
    if settings.report_workers == 1:
        with duckdb.get_connection() as con:
            outcome = render_reports(*where, connection=con, **options)
    else:
        # The workers open the warehouse read-only, which DuckDB refuses while this process
        # holds a read-write connection: none is open here.
        outcome = render_reports(*where, **options)
    from reports.data.warehouse import read_extent

    pages = []
    with duckdb.get_connection() as con:
        extent = read_extent(con)
        if grain == "month":
            from reports.publish.assistants import write_assistant_pages

            # after the month's reports, which they link to; the data month's
            pages = write_assistant_pages(
                con,
                settings.reports,
                settings.lang,
                suppress_below=settings.suppress_below,
                hospital_name=settings.hospital_name,
            )
    index = write_index(settings.reports, settings.lang, extent)
    return dg.MaterializeResult(
        metadata={
            "reports": [str(p) for p in outcome.rendered],
            "assistant_pages": len(pages),
            "count": len(outcome.rendered),
            "reports_rendered": outcome.reports_rendered,
            "reports_unchanged": outcome.reports_unchanged,
            "workers": outcome.workers,
            "index": dg.MetadataValue.path(str(index)),
        }
    )
