"""Schedules, sensors, retries and concurrency, evaluated by Dagster itself on real instances."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from pipelines.automation import affected_range
from pipelines.definitions import (
    INDICATORS_JOB,
    LOAD_JOB,
    MONTHLY_JOB,
    REPORT_JOBS,
    assets_by_op,
    build_definitions,
)
from pipelines.runner import report_ranges
from pipelines.settings import Settings
from tests.ledger_files import write_csv, write_one_ward
from tests.runs import NO_REPORTS, deptops, run_here

warnings.filterwarnings("ignore", category=dg.BetaWarning)
SHANGHAI = ZoneInfo("Asia/Shanghai")
OLD = time.time() - 3600  # a modification time well past the sensor's settle time
# How long a subprocess may take before the test gives up on it: a guard against a hang, not a
# measure of speed (a run on the shared 2-core machine has taken minutes).
HANG = 1800


def small_inbox(folder: Path) -> Path:
    write_one_ward(folder, [dt.date(2025, m, d) for m in (1, 2) for d in (1, 2)])
    for path in folder.iterdir():
        os.utime(path, (OLD, OLD))
    return folder


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        home=tmp_path / "home", inbox=small_inbox(tmp_path / "inbox"), first_month="2024-01"
    )


@pytest.fixture
def instance():
    """A Dagster instance in memory: the sensors, schedules and runs of one test read its history
    there as they would the deployment's (pipelines.runner.dagster_instance, sqlite files, whose
    event log tests/test_event_log.py covers; the runs of `deptops run` below use those)."""
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.mark.parametrize(
    ("tick", "partition"),
    [
        (dt.datetime(2026, 11, 5, 6, tzinfo=SHANGHAI), "2026-10"),  # the 5th, deadline the 10th
        (dt.datetime(2027, 1, 5, 6, tzinfo=SHANGHAI), "2026-12"),  # across the year end
        (dt.datetime(2024, 3, 5, 6, tzinfo=SHANGHAI), "2024-02"),  # leap-year February
        (dt.datetime(2026, 3, 5, 6, tzinfo=SHANGHAI), "2026-02"),  # ordinary February
    ],
)
def test_monthly_schedule_targets_previous_month(settings, instance, tick, partition):
    defs = build_definitions(settings)
    schedule = defs.resolve_schedule_def("monthly_schedule")
    assert schedule.cron_schedule == "0 6 5 * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == partition
    assert request.run_key == f"monthly:{partition}"


@pytest.mark.parametrize(
    ("schedule_name", "tick", "partition"),
    [
        # the quarter's reports on the 10th after it ends (deadline the 15th)
        ("quarterly_schedule", dt.datetime(2026, 10, 10, 6, tzinfo=SHANGHAI), "2026-07"),
        ("quarterly_schedule", dt.datetime(2027, 1, 10, 6, tzinfo=SHANGHAI), "2026-10"),
        ("quarterly_schedule", dt.datetime(2024, 4, 10, 6, tzinfo=SHANGHAI), "2024-01"),
        # the year's on 20 January (deadline 31 January)
        ("annual_schedule", dt.datetime(2027, 1, 20, 6, tzinfo=SHANGHAI), "2026"),
        ("annual_schedule", dt.datetime(2025, 1, 20, 6, tzinfo=SHANGHAI), "2024"),
        # the weekly brief on Monday 07:00: the week before (partition key: its Monday)
        ("weekly_schedule", dt.datetime(2026, 11, 23, 7, tzinfo=SHANGHAI), "2026-11-16"),
        ("weekly_schedule", dt.datetime(2027, 1, 4, 7, tzinfo=SHANGHAI), "2026-12-28"),  # ISO W53
        ("weekly_schedule", dt.datetime(2024, 3, 4, 7, tzinfo=SHANGHAI), "2024-02-26"),  # leap year
    ],
)
def test_report_schedules_target_the_period_due(settings, instance, schedule_name, tick, partition):
    defs = build_definitions(settings)
    schedule = defs.resolve_schedule_def(schedule_name)
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == partition
    job = defs.resolve_job_def(schedule.job_name)
    assert partition in job.partitions_def.get_partition_keys(current_time=tick)


@pytest.mark.parametrize(
    ("asset", "partition", "months"),
    [
        ("quarterly_reports", "2025-01", ["2025-01", "2025-02", "2025-03"]),
        ("quarterly_reports", "2024-10", ["2024-10", "2024-11", "2024-12"]),
        ("annual_reports", "2024", [f"2024-{m:02d}" for m in range(1, 13)]),
        # a week across a month end depends on both months
        ("weekly_briefs", "2025-01-27", ["2025-01", "2025-02"]),
    ],
)
def test_report_partitions_map_onto_their_months(settings, asset, partition, months):
    graph = build_definitions(settings).resolve_asset_graph()
    key = dg.AssetKey(asset)
    parents = graph.get_parent_partition_keys_for_child(partition, dg.AssetKey("indicators"), key)
    assert sorted(parents.partitions_subset.get_partition_keys()) == months


def evaluate_inbox_sensor(settings, instance, cursor):
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("ledger_inbox_sensor")
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, repository_def=defs.get_repository_def()
    )
    result = sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def test_inbox_sensor_requests_once_per_change(settings, instance):
    inbox = settings.inbox
    requests, cursor = evaluate_inbox_sensor(settings, instance, None)
    assert len(requests) == 1 and requests[0].job_name in (None, LOAD_JOB)
    assert requests[0].tags["deptops/added"] == "2"
    first_key = requests[0].run_key

    # nothing changed: no run
    assert evaluate_inbox_sensor(settings, instance, cursor)[0] == []

    # Excel's lock file, hidden and temporary files: no run
    for name in ("~$业务量.xlsx", ".hidden.csv", "业务量.csv.tmp", "copy.part"):
        (inbox / name).write_bytes(b"x")
        os.utime(inbox / name, (OLD, OLD))
    assert evaluate_inbox_sensor(settings, instance, cursor)[0] == []

    # the same bytes written again (new timestamp, same content): no run
    data = (inbox / "业务量.csv").read_bytes()
    (inbox / "业务量.csv").write_bytes(data)
    os.utime(inbox / "业务量.csv", (OLD + 10, OLD + 10))
    assert evaluate_inbox_sensor(settings, instance, cursor)[0] == []

    # a file still being written (modified just now) waits for the next tick
    (inbox / "业务量.csv").write_bytes(data + b"2025-02-03,A,1,10,8\n")
    assert evaluate_inbox_sensor(settings, instance, cursor)[0] == []
    os.utime(inbox / "业务量.csv", (OLD + 20, OLD + 20))
    requests, cursor = evaluate_inbox_sensor(settings, instance, cursor)
    assert len(requests) == 1 and requests[0].tags["deptops/changed"] == "1"
    assert requests[0].run_key != first_key

    # a deleted file
    (inbox / "业务量.csv").unlink()
    requests, cursor = evaluate_inbox_sensor(settings, instance, cursor)
    assert len(requests) == 1 and requests[0].tags["deptops/removed"] == "1"


def ranges(requests) -> list[tuple[str, str]]:
    return [
        (r.tags[ASSET_PARTITION_RANGE_START_TAG], r.tags[ASSET_PARTITION_RANGE_END_TAG])
        for r in requests
    ]


def test_changed_months_sensor_requests_the_touched_months_and_those_after(settings, instance):
    defs = build_definitions(settings)
    assert defs.resolve_job_def(LOAD_JOB).execute_in_process(instance=instance).success
    sensor = defs.resolve_sensor_def("changed_months_sensor")
    context = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
    requests = sensor.evaluate_tick(context).run_requests
    # one run over the touched months, up to the last month held (twelve later would be 2026-02)
    assert ranges(requests) == [("2025-01", "2025-02")]
    assert requests[0].job_name in (None, INDICATORS_JOB)

    # a correction to February only: the next load touches February alone
    write_csv(
        settings.inbox / "业务量.csv",
        [["日期", "科室", "出院人数", "实际开放床位", "期末在院人数"]]
        + [[f"2025-01-0{d}", "A", 1, 10, 8] for d in (1, 2)]
        + [[f"2025-02-0{d}", "A", 2, 10, 9] for d in (1, 2)],
    )
    assert defs.resolve_job_def(LOAD_JOB).execute_in_process(instance=instance).success
    requests = sensor.evaluate_tick(context).run_requests
    assert ranges(requests) == [("2025-02", "2025-02")]
    # the run it requests recomputes that range and renders its reports
    run = defs.resolve_job_def(requests[0].job_name or INDICATORS_JOB).execute_in_process(
        instance=instance, tags=requests[0].tags
    )
    assert run.success
    assert (settings.reports / "2025-02").is_dir()


@pytest.mark.parametrize(
    ("touched", "last", "expected"),
    [
        (["2023-07"], "2025-12", ("2023-07", "2024-07")),  # the year after: 同比 of 2024-07
        (["2023-07", "2024-11"], "2025-12", ("2023-07", "2025-11")),
        (["2025-06"], "2025-12", ("2025-06", "2025-12")),  # no later than the data
        (["2025-06"], None, ("2025-06", "2026-06")),
    ],
)
def test_affected_range(touched, last, expected):
    held = None if last is None else dg.MetadataValue.text(last)
    assert affected_range(touched, held) == expected


def test_warehouse_held_by_another_process_is_waited_for(settings, instance, monkeypatch):
    """Another process holds the DuckDB file: the load's connection is refused, the resource backs
    off, and the holder lets go only after that refusal; the run then succeeds instead of failing.
    The order of events proves the wait, not a clock."""
    settings.home.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " input(); c.close(); print('released', flush=True)",
            str(settings.warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    refused = []
    real_connect = duckdb.connect

    def connect(*args, **kwargs):
        try:
            return real_connect(*args, **kwargs)
        except duckdb.IOException:  # the lock: let go once the first attempt has met it
            refused.append(args[:1])
            if len(refused) == 1:
                holder.stdin.write("\n")
                holder.stdin.flush()
                assert holder.stdout.readline().strip() == "released"
            raise

    monkeypatch.setattr(duckdb, "connect", connect)
    result = (
        build_definitions(settings)
        .resolve_job_def(LOAD_JOB)
        .execute_in_process(instance=instance, raise_on_error=False)
    )
    assert holder.wait() == 0
    assert refused  # the load met the lock …
    assert result.success  # … and waited it out


def test_file_locked_on_a_shared_drive_is_retried(settings, instance, monkeypatch):
    """Reading a ledger fails once as a share reports a lock (EACCES on a file whose permissions
    let us read it): the load tries that file again after a back-off and the run succeeds, without
    retrying the whole step (which would re-read every file)."""
    real_open, real_os_open = Path.open, os.open
    failures = []

    def locked(path) -> bool:
        if Path(path).name == "业务量.csv" and not failures:
            failures.append(Path(path))
            return True
        return False

    # a file loaded before is hashed first (Path.open); a new one hashed while its snapshot is
    # copied (os.open): either is where a share's lock shows
    def locked_once(path, *args, **kwargs):
        if locked(path):
            raise PermissionError(13, "The process cannot access the file", str(path))
        return real_open(path, *args, **kwargs)

    def os_locked_once(path, *args, **kwargs):
        if locked(path):
            raise PermissionError(13, "The process cannot access the file", str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", locked_once)
    monkeypatch.setattr(os, "open", os_locked_once)
    monkeypatch.setattr("ledgers.intake.LOCK_WAITS", (0, 0, 0))
    result = (
        build_definitions(settings)
        .resolve_job_def(LOAD_JOB)
        .execute_in_process(instance=instance, raise_on_error=False)
    )
    assert failures  # the fault was injected
    assert result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        status = con.execute("select status from ledger_files where file = '业务量.csv'").fetchone()
    assert status == ("loaded",)


def test_data_errors_are_not_retried(settings, instance):
    (settings.inbox / "坏.csv").write_text(
        "日期,科室,入院人数\n2025-01-01,A,many\n", encoding="utf-8"
    )
    result = (
        build_definitions(settings).resolve_job_def(LOAD_JOB).execute_in_process(instance=instance)
    )
    assert result.success  # a bad row is a rejected row, not a failure to retry
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


def deptops_run(settings: Settings, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(settings.inbox),
         "--home", str(settings.home), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_two_runs_at_once_one_waits_and_the_warehouse_is_sound(settings):
    """A `deptops run` child holding HOME (it says "loading ledgers" once it has the lock), and
    a second `deptops run` started meanwhile, in this process (pipelines.cli.main: the lock is
    flock's on an open file, which another open in the same process does not share): the
    second waits, then both complete and the warehouse holds the figures. (A second child
    would import the whole stack again, which is not what is tested.) What is tested is the
    lock and the warehouse: the runs render no report."""
    first = deptops(settings.inbox, settings.home, *NO_REPORTS)
    for line in first.stdout:
        if line.startswith("loading ledgers"):
            break
    second = run_here(settings.inbox, settings.home, *NO_REPORTS)
    output, _ = first.communicate(timeout=HANG)
    assert first.returncode == 0, output
    assert "another deptops run is using" in second and "deptops run summary" in second
    assert "another deptops run is using" not in output
    metrics = (settings.home / "reports" / "metrics.csv").read_bytes()
    assert b"month,2025-01,A,bed_occupancy,0.8," in metrics


@pytest.mark.slow
def test_a_run_while_another_holds_home(settings, tmp_path, capsys):
    """Deterministic: this test holds the run lock itself, as a run in progress would. The runs
    read an empty inbox: what is tested is the lock, not the reports a full run renders. The
    refused one in this process (flock's lock belongs to the open file: the test's own open of
    the lock file holds it against another open in the same process)."""
    from pipelines.cli import main

    settings.home.mkdir(parents=True)
    settings = dataclasses.replace(settings, inbox=tmp_path / "empty")
    settings.inbox.mkdir()
    with open(settings.home / ".deptops.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        argv = ["run", "--inbox", str(settings.inbox), "--home", str(settings.home)]
        assert main([*argv, "--no-wait"]) == 1
        assert "another deptops run is using" in capsys.readouterr().err
        waiting = deptops_run(settings)
        assert "waiting" in waiting.stdout.readline()
        assert waiting.poll() is None  # still waiting while the lock is held
        fcntl.flock(lock, fcntl.LOCK_UN)
    output, _ = waiting.communicate(timeout=HANG)
    assert waiting.returncode == 0
    assert "deptops run summary" in output


def test_definitions_load_as_the_ui_and_daemon_load_them(settings):
    """What `dagster dev -m pipelines.definitions` checks: names unique, resources bound, jobs
    resolvable."""
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    assert {job.name for job in defs.jobs} == {
        "load_ledgers",
        "monthly_pipeline",
        "monthly_indicators",
        "quarterly_report_job",
        "annual_report_job",
        "weekly_report_job",
        "backup_job",
        "topic_report",
    }
    # what `deptops run` launches after the months' run, each grain's job and its asset
    for grain, report in REPORT_JOBS.items():
        job = defs.resolve_job_def(report.name)
        assert dg.AssetKey(report.asset) in job.asset_layer.executable_asset_keys, grain


def test_the_report_ranges_of_deptops_run():
    """The partitions `deptops run` reports after the months' run. September to November 2026:
    Q3 (partition 2026-07) … Q4 (2026-10), the year 2026, and the whole weeks: the first starts
    on Monday 7 September (1 September is a Tuesday; 2026-W37), the last ends on Sunday 29
    November (W49 runs on to 6 December), W37 … W48, 12 weeks."""
    assert report_ranges(["2026-09", "2026-10", "2026-11"]) == [
        ("quarter", ("2026-07", "2026-10")),
        ("year", ("2026", "2026")),
        ("week", ("2026-09-07", "2026-11-23")),
    ]
    # 22 months through October 2026 (the 31st a Saturday): the last whole week is W43, Monday
    # 19 October; 13 weeks back to W31, Monday 19 October − 12 × 7 days = 27 July
    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    assert report_ranges(months) == [
        ("quarter", ("2025-01", "2026-10")),
        ("year", ("2025", "2026")),
        ("week", ("2026-07-27", "2026-10-19")),
    ]


def test_the_dagster_resource_carries_every_setting(tmp_path):
    """One settings object: the resource the assets read (DeptopsConfig) takes its fields from
    Settings (pipelines.assets._deptops_config), is made from Settings and gives back every
    field, each set here to something other than its default (it used to drop the report
    workers, memory limit, reading limits and more, which runs then took from the environment
    instead)."""
    import dataclasses

    from ledgers.limits import ReadLimits
    from pipelines.assets import DeptopsConfig

    settings = Settings(
        home=tmp_path / "home",
        inbox=tmp_path / "inbox",
        lang="en",
        first_month="2023-05",
        timezone="Asia/Urumqi",
        pool="hospital_b",
        suppress_below=5,
        memory_limit="3GB",
        report_workers=3,
        backup_folder=tmp_path / "backups",
        backup_keep=2,
        limits=ReadLimits(max_file_bytes=123, past_years=4, isolate_workbooks=False),
        hospital_name="示例市第一人民医院",
    )
    defaults = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    changed = {f.name for f in dataclasses.fields(Settings)} - {"home", "inbox"}
    assert all(getattr(settings, n) != getattr(defaults, n) for n in changed)
    assert set(DeptopsConfig.model_fields) == {f.name for f in dataclasses.fields(Settings)}
    assert DeptopsConfig.from_settings(settings).settings() == settings


def test_a_run_reads_with_the_settings_limits(settings, instance):
    """…and a real load run uses them: with files limited to 100 bytes, the 业务量 file (larger) is
    refused, where the default limits load it."""
    from ledgers.limits import ReadLimits

    small = dataclasses.replace(settings, limits=ReadLimits(max_file_bytes=100))
    result = (
        build_definitions(small).resolve_job_def(LOAD_JOB).execute_in_process(instance=instance)
    )
    assert result.success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        status = {
            file: (state, message)
            for file, state, message in con.execute(
                "select file, status, message from ledger_files"
            ).fetchall()
        }
    assert (settings.inbox / "业务量.csv").stat().st_size > 100
    state, message = status["业务量.csv"]
    assert state != "loaded" and "more than the 100 bytes" in message, status


def test_the_asset_graph_is_the_warehouses_lineage_and_checks_sit_on_what_they_guard(
    settings, instance
):
    from ledgers.specs import ledgers

    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    tables = {spec.table for spec in ledgers().values()}
    assert tables <= keys and "raw_workload" in tables
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("dept_day_measures")).parent_keys}
    assert "raw_workload" in parents
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("indicators")).parent_keys}
    assert {"dept_day_measures", "dept_month_measures", "raw_targets"} <= parents
    checks = {key.name: key.asset_key.to_user_string() for key in graph.asset_check_keys}
    assert checks["ward_flow_identity"] == "raw_workload"  # reads the workload ledger only
    assert checks["workload_expectations"] == "raw_workload"
    assert checks["discharges_vs_episodes"] == "ledger_tables"  # reads two ledgers
    assert checks["anomaly_yoy"] == "indicators"

    # What the checks write is an asset of its own, between what they read and what shows it.
    def parents(key: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey(key)).parent_keys}

    assert {"raw_workload", "raw_discharges", "ledger_tables", "indicators"} <= parents(
        "dq_findings"
    )
    assert parents("data_quality_csv") == {"dq_findings"}
    assert "dq_findings" in parents("publication_blocks") & parents("ledger_quality")
    assert {"indicators", "dq_findings", "publication_blocks", "ledger_quality"} <= parents(
        "monthly_reports"
    )
    # no op of its own: the check ops write it, so a run does what it did before
    assert not graph.get(dg.AssetKey("dq_findings")).is_executable
    # The anomaly checks write dq_findings, which data_quality.csv shows: the export's step
    # waits for them in the job's own graph (blocking specs), not by the luck of step order.
    monthly = defs.resolve_job_def(MONTHLY_JOB)
    upstream = {
        output.node_name
        for output in monthly.dependency_structure.all_upstream_outputs_from_node("metrics_csv")
    }
    assert "indicator_anomalies" in upstream

    result = defs.resolve_job_def(LOAD_JOB).execute_in_process(instance=instance)
    assert result.success
    events = result.get_asset_materialization_events()
    rows = {
        e.asset_key.to_user_string(): e.materialization.metadata["rows"].value
        for e in events
        if "rows" in e.materialization.metadata
    }
    quality = ("dq_findings", "publication_blocks", "ledger_quality")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
            for table in (*sorted(tables), *quality)
        }
    # the small inbox: one ward, 2 days in each of January and February 2025
    assert rows["raw_workload"] == counts["raw_workload"] == 4
    assert rows["raw_discharges"] == 0
    # every table's rows as the load counted them, exactly
    assert {t: rows[t] for t in counts} == counts
    assert counts["ledger_quality"] > 0  # the ward's department, in each month
    writers = {e.asset_key.to_user_string(): e.step_key for e in events}
    assert {writers[t] for t in quality} == {"ledger_data_quality"}
    evaluations = {
        e.check_name: e.asset_key.to_user_string() for e in result.get_asset_check_evaluations()
    }
    assert evaluations["ward_flow_identity"] == "raw_workload"

    # and the anomaly checks, after the indicators, write the findings too
    job = dg.define_asset_job(
        "indicators_alone", selection=dg.AssetSelection.assets(assets_by_op(defs)["indicators"])
    )
    alone = dg.Definitions(
        assets=defs.assets, asset_checks=defs.asset_checks, resources=defs.resources, jobs=[job]
    )
    months = {ASSET_PARTITION_RANGE_START_TAG: "2025-01", ASSET_PARTITION_RANGE_END_TAG: "2025-02"}
    run = alone.resolve_job_def(job.name).execute_in_process(instance=instance, tags=months)
    assert run.success
    (findings,) = [
        e for e in run.get_asset_materialization_events() if e.asset_key.path == ["dq_findings"]
    ]
    assert findings.step_key == "indicator_anomalies"
    assert findings.materialization.metadata["months_checked"].value == 2
