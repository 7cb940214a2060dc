"""The data-quality checks of expectations/ as Dagster asset checks on the assets they guard:
a ledger check that reads one ledger on that ledger's table (the ward-flow identity on
raw_workload), one that reads several on the load (`ledger_tables`), anomaly checks on
`indicators`. A failed check is shown with its
severity; an error on a department's ledger blocks only that department-month's publication
(the publication_blocks table the reports read), so these checks do not stop the whole run.

What the checks write (dq_findings, publication_blocks, ledger_quality) are assets of their own
(`QUALITY_TABLES`), so the graph shows ledgers and indicators -> findings -> data_quality.csv and
the reports. They have no op: the two check ops write them, as they always did, and record a
materialization of each table they wrote."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.checks import Check, catalogue
from expectations.findings import (
    CheckSummary,
    anomaly_check_summaries,
    ledger_check_summaries,
    unchecked_months,
)
from ledgers.specs import ledgers

LOAD = dg.AssetKey("ledger_tables")
INDICATORS = dg.AssetKey("indicators")

# The tables the checks write (expectations/findings.py).
FINDINGS = "dq_findings"
BLOCKS = "publication_blocks"
LEDGER_QUALITY = "ledger_quality"
QUALITY_TABLES = (FINDINGS, BLOCKS, LEDGER_QUALITY)

SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warning": dg.AssetCheckSeverity.WARN}

# what a check that found nothing found
NOTHING = CheckSummary(hits=0, notes=0, departments=(), months=(), first=None)


def guarded(check: Check) -> dg.AssetKey:
    """The asset a check sits on: the table of the one ledger it reads, else what it guards."""
    if check.guards == "indicators":
        return INDICATORS
    if len(check.ledgers) == 1 and check.ledgers[0] != "*":
        return dg.AssetKey(ledgers()[check.ledgers[0]].table)
    return LOAD


def check_results(guards: str, found: dict[str, CheckSummary]) -> list[dg.AssetCheckResult]:
    """One result per check of the catalogue that guards this stage, from what each found (a
    note, an indicator that moved markedly its good way, is no failure)."""
    results = []
    for check in catalogue().values():
        if check.guards != guards:
            continue
        summary = found.get(check.id, NOTHING)
        results.append(
            dg.AssetCheckResult(
                asset_key=guarded(check),
                check_name=check.id,
                passed=not summary.hits,
                severity=SEVERITY[check.severity],
                metadata={
                    "findings": summary.hits,
                    "notes": summary.notes,
                    "departments": ", ".join(summary.departments) or "none",
                    "months": ", ".join(summary.months) or "none",
                    "first": summary.first if summary.hits else "none",
                },
            )
        )
    return results


def findings_deps() -> list[dg.AssetKey]:
    """What the checks of the catalogue read: the tables of the ledgers each names ('*': every
    ledger), the load's bookkeeping (the months it touched, the files, the staged rows) and, for
    the anomaly checks, the indicators."""
    kinds = {kind for check in catalogue().values() for kind in check.ledgers}
    tables = [spec.table for kind, spec in ledgers().items() if kind in kinds or "*" in kinds]
    reads_indicators = any(check.guards == "indicators" for check in catalogue().values())
    return [*map(dg.AssetKey, tables), LOAD, *([INDICATORS] if reads_indicators else [])]


def record_written(context, con, tables: tuple[str, ...], months: list[str]) -> None:
    """A check op's materialization of the tables it wrote: their rows, the months it checked."""
    counts = con.execute(
        "select " + ", ".join(f"(select count(*) from {table})" for table in tables)  # noqa: S608 -- our own tables
    ).fetchone()
    for table, rows in zip(tables, counts, strict=True):
        context.op_execution_context.log_event(
            dg.AssetMaterialization(table, metadata={"rows": rows, "months_checked": len(months)})
        )


def specs_for(guards: str, blocking: bool = False) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            check.id,
            asset=guarded(check),
            description=f"{check.zh} / {check.en}",
            # an error-severity failure stops what is downstream; a warning only orders it
            blocking=blocking,
        )
        for check in catalogue().values()
        if check.guards == guards
    ]


def run_months(context, partitions: dg.PartitionsDefinition) -> list[str]:
    """The months of the run a check executes in: its partition, or its partition range."""
    tags = context.run.tags
    start = tags.get("dagster/asset_partition_range_start")
    if start:
        end = tags["dagster/asset_partition_range_end"]
        return partitions.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
    key = tags.get("dagster/partition")
    return [key] if key else []


def ledger_quality_check(pool: str) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=specs_for("ledger"),
        name="ledger_data_quality",
        pool=pool,
        description="Suites per month, reconciliations, completeness and timeliness of the "
        "months the last load touched.",
    )
    def ledger_data_quality(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        event = context.instance.get_latest_materialization_event(LOAD)
        touched = event.asset_materialization.metadata.get("months_touched") if event else None
        months = [m for m in (touched.value if touched else "").split(", ") if m and m != "none"]
        with duckdb.get_connection() as con:
            # and months an earlier load touched whose checks never committed (a killed run)
            months = sorted({*months, *unchecked_months(con)})
            context.log.info(f"data-quality checks for {len(months)} months")
            found = ledger_check_summaries(con, months) if months else {}
            if months:
                record_written(context, con, QUALITY_TABLES, months)
        yield from check_results("ledger", found)

    return ledger_data_quality


def anomaly_check(monthly: dg.PartitionsDefinition, pool: str) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        # Blocking, so the exports and reports of `indicators` run after these checks have
        # written their findings: under a multiprocess executor (daemon, UI) nothing else orders
        # them, and data_quality.csv could show the previous run's anomalies. Every anomaly check
        # is a warning (checks.toml), which orders without stopping anything.
        specs=specs_for("indicators", blocking=True),
        name="indicator_anomalies",
        pool=pool,
        description="Each indicator against the department's own history and last year.",
    )
    def indicator_anomalies(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        months = run_months(context, monthly)
        with duckdb.get_connection() as con:
            found = anomaly_check_summaries(con, months) if months else {}
            if months:
                record_written(context, con, (FINDINGS,), months)
        yield from check_results("indicators", found)

    return indicator_anomalies
