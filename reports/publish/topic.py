"""Writing a special-topic report (专题分析报告): `deptops topic` and the Dagster job `topic_report`
both call `write_topic_report`. The page and the workbook go into one folder with the shared copy
of plotly.js beside them (`assets/`), so the folder opens offline wherever it is copied."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reports.content.topic import TopicContent, topic_content
from reports.data.topic import load_topic
from reports.files import ASSETS_DIR, PLOTLY_JS, ensure_plotly_js, report_file_name, safe_file_stem
from reports.render.topic import render_topic_page, write_topic_workbook

TOPICS_DIR = "topics"  # HOME/reports/topics: where a topic report goes unless told otherwise


def topic_stem(content: TopicContent) -> str:
    """'专题_2025-11_2026-02_病床使用率' ('topic_…' in English): the range and the title, safe
    as a file name."""
    prefix = "专题" if content.lang == "zh" else "topic"
    return safe_file_stem(f"{prefix}_{content.first}_{content.last}_{content.title}")


def write_topic_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    departments: list[str],
    metrics: list[str],
    first: str,
    last: str,
    *,
    title: str | None = None,
    lang: str = "zh",
    hospital_name: str | None = None,
) -> list[Path]:
    """Write the page and the workbook of the topic report into `out_dir`; return both.
    Raises TopicError (a ValueError) when the report cannot be made as asked."""
    content = topic_content(load_topic(con, first, last), departments, metrics, lang, title)
    content.hospital_name = hospital_name
    out_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(out_dir)
    stem = topic_stem(content)
    page = out_dir / report_file_name(stem, lang, ".html")
    page.write_text(
        render_topic_page(content, self_contained=False, asset_href=f"{ASSETS_DIR}/{PLOTLY_JS}"),
        encoding="utf-8",
    )
    workbook = write_topic_workbook(content, out_dir / report_file_name(stem, lang, ".xlsx"))
    return [page, workbook]
