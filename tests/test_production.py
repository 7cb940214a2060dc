"""The production configuration against a real local PostgreSQL: one month end to end."""

from __future__ import annotations

import shutil

import psycopg2
import pytest

from pipelines.runner import run_pipeline
from pipelines.settings import REPO_ROOT, Settings
from tests.postgres import postgres_server

# whole runs of the pipeline (make test runs them; -m 'not slow' leaves them out)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as settings:
        yield settings


def test_production_instance_on_postgres_runs_a_month(
    tmp_path, monkeypatch, postgres, october_ward
):
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.production.yaml", dagster_home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    # October 2026: 31 days × 10 open beds, 8 occupied -> occupancy 248 / 310 = 0.8
    inbox = october_ward
    # the month's reports: the quarter's, year's and weeks' are runs of the same kind
    summary = run_pipeline(
        Settings(home=tmp_path / "home", inbox=inbox), progress=lambda _: None, reports=["month"]
    )
    assert summary.months == ["2026-10"]
    assert not summary.blocking_failed
    metrics = (tmp_path / "home" / "reports" / "metrics.csv").read_text(encoding="utf-8")
    assert "month,2026-10,A,bed_occupancy,0.8," in metrics

    # the runs, their events and the materialisations live in PostgreSQL, not in sqlite files
    assert not list(dagster_home.rglob("*.db"))
    with (
        psycopg2.connect(
            host=postgres["DAGSTER_PG_HOST"],
            port=postgres["DAGSTER_PG_PORT"],
            user="postgres",
            dbname="dagster",
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("select count(*), count(*) filter (where status = 'SUCCESS') from runs")
        runs, succeeded = cursor.fetchone()
        cursor.execute(
            "select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'"
        )
        (materialisations,) = cursor.fetchone()
    # the load and the month with its reports (single-run backfill)
    assert runs == succeeded == 2
    assert materialisations >= 4  # ledger_tables, indicators, monthly_reports, metrics_csv
