"""The special-topic report as a Dagster job (`topic_report`), so that IT can launch one from the
UI's launchpad with run config: departments, indicators, the range of months, title, language.
The CLI's `deptops topic` writes the same report without Dagster."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import roots
from pipelines.settings import Settings

TOPIC_JOB = "topic_report"


class TopicConfig(dg.Config):
    """What the launchpad asks for (the same as `deptops topic`'s options)."""

    departments: list[str]  # department codes; ALL: the hospital
    metrics: list[str]  # indicator ids, Chinese or English names
    first_month: str  # YYYY-MM
    last_month: str  # YYYY-MM
    title: str = ""  # default: the indicators' names
    lang: str = "zh"
    out: str = ""  # default: HOME/reports/topics


def topic_out_dir(settings: Settings, out: str | Path | None) -> Path:
    """Where the report goes: `out` (inside the deployment's folders) or HOME/reports/topics."""
    from reports.publish.topic import TOPICS_DIR

    if not out:
        return settings.reports / TOPICS_DIR
    return roots.check(out, "topic report folder")


def build_topic_job(settings: Settings) -> dg.JobDefinition:
    """One op that reads the warehouse and writes the page and the workbook. It joins the
    warehouse's pool: DuckDB lets nobody read while a run writes."""

    @dg.op(pool=settings.pool, description="Write a special-topic report (专题分析报告).")
    def topic_report_op(context, config: TopicConfig, duckdb: DuckDBResource) -> None:
        from reports.publish.topic import write_topic_report

        out_dir = topic_out_dir(settings, config.out)
        with duckdb.get_connection() as con:
            files = write_topic_report(
                con,
                out_dir,
                config.departments,
                config.metrics,
                config.first_month,
                config.last_month,
                title=config.title or None,
                lang=config.lang,
                hospital_name=settings.hospital_name,
            )
        for path in files:
            context.log.info(f"wrote {path}")

    @dg.job(name=TOPIC_JOB, description="A special-topic report over a range of months.")
    def topic_report() -> None:
        topic_report_op()

    return topic_report
