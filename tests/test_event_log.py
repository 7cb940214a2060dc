"""The local instance's event log (pipelines/event_log.py) writes a batch of asset events together
and records what Dagster's own sqlite storage records, event for event."""

import collections
import contextlib
import sqlite3
from pathlib import Path

import dagster as dg
import sqlalchemy
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from pipelines.event_log import OPEN_SHARDS, BatchedSqliteEventLogStorage
from pipelines.runner import dagster_instance
from pipelines.settings import Settings

MONTHS = dg.MonthlyPartitionsDefinition(start_date="2025-01", fmt="%Y-%m", end_offset=0)
KEYS = ("measures", "values", "lines")


@dg.multi_asset(
    specs=[dg.AssetSpec(key) for key in KEYS],
    partitions_def=MONTHS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def tables(context: dg.AssetExecutionContext):
    for key in KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"months": len(context.partition_keys)})


@dg.asset(deps=["values"])
def export() -> None:
    """An unpartitioned asset after the partitioned ones: its events stay one by one."""


@dg.asset_check(asset=export)
def export_check() -> dg.AssetCheckResult:
    """Its planned event comes in the run's batch of planned events, beside the assets'."""
    return dg.AssetCheckResult(passed=True)


def run_six_months(instance: dg.DagsterInstance) -> str:
    defs = dg.Definitions(
        assets=[tables, export],
        asset_checks=[export_check],
        jobs=[dg.define_asset_job("all", selection=dg.AssetSelection.all())],
    )
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2025-01", ASSET_PARTITION_RANGE_END_TAG: "2025-06"}
    result = defs.resolve_job_def("all").execute_in_process(instance=instance, tags=tags)
    assert result.success
    return result.run_id


def recorded(instance: dg.DagsterInstance, run_id: str) -> dict:
    """What a run left in the event log and the asset index, in terms that do not depend on ids."""
    events = instance.get_records_for_run(run_id, limit=10_000).records
    kinds = collections.Counter(
        (
            r.event_log_entry.dagster_event_type.value if r.event_log_entry.dagster_event else None,
            r.event_log_entry.dagster_event.asset_key.to_user_string()
            if r.event_log_entry.dagster_event and r.event_log_entry.dagster_event.asset_key
            else None,
            r.event_log_entry.dagster_event.partition if r.event_log_entry.dagster_event else None,
        )
        for r in events
    )
    index = {}
    for key in (*KEYS, "export"):
        asset_key = dg.AssetKey(key)
        latest = instance.get_latest_materialization_event(asset_key)
        (record,) = instance.get_asset_records([asset_key])
        index[key] = {
            "partitions": sorted(instance.get_materialized_partitions(asset_key)),
            "latest_partition": latest.dagster_event.partition,
            "latest_run": latest.run_id == run_id,
            "last_run": record.asset_entry.last_run_id == run_id,
            # the index shard's copies of the materialisations, found by a cross-run query
            "materializations": len(instance.fetch_materializations(asset_key, limit=1000).records),
        }
    return {"events": kinds, "index": index}


def test_batches_record_what_dagsters_sqlite_storage_records(tmp_path: Path, monkeypatch):
    batches = []
    store_together = BatchedSqliteEventLogStorage._store_together

    def counted(self, run_id, events):
        batches.append(collections.Counter(e.dagster_event_type.value for e in events))
        return store_together(self, run_id, events)

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_store_together", counted)
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    with dagster_instance(settings) as batched:
        assert isinstance(batched.event_log_storage, BatchedSqliteEventLogStorage)
        batched_run = run_six_months(batched)
        ours = recorded(batched, batched_run)
    (tmp_path / "dagster_own").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster_own")) as own:
        assert type(own.event_log_storage).__name__ == "SqliteEventLogStorage"
        theirs = recorded(own, run_six_months(own))

    assert ours == theirs

    def count(kind: str) -> int:
        return sum(n for (k, _, _), n in ours["events"].items() if k == kind)

    # 3 keys × 6 months materialised, and the export once
    assert count("ASSET_MATERIALIZATION") == 19
    assert ours["index"]["values"]["partitions"] == [f"2025-0{m}" for m in range(1, 7)]
    assert ours["index"]["values"]["latest_partition"] == "2025-06"
    # ...written together: each key's 6 materialisations in one batch, the run's planned
    # materialisations in one (the check's planned event stored on its own)
    assert batches.count({"ASSET_MATERIALIZATION": 6}) == 3
    assert {"ASSET_MATERIALIZATION_PLANNED": count("ASSET_MATERIALIZATION_PLANNED")} in batches
    assert count("ASSET_CHECK_EVALUATION_PLANNED") == 1


def test_connections_stay_open_and_the_run_file_holds_each_event(tmp_path: Path):
    """Each shard keeps one sqlite connection (Dagster's storage opened one per event), and a run's
    events still reach its .db file as they are stored: what the UI's watchdog watches
    (SqliteEventLogStorageWatchdog) and another process reads."""
    connects = collections.Counter()

    def count(dbapi_connection, _record):
        (_, _, path), *_ = dbapi_connection.execute("PRAGMA database_list").fetchall()
        connects[Path(path).stem] += 1

    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")

    def in_db_file(run_id: str) -> int:
        path = settings.dagster_home / "history" / "runs" / f"{run_id}.db"
        with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as con:
            return con.execute("SELECT count(*) FROM event_logs").fetchone()[0]

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", count)
    try:
        with dagster_instance(settings) as instance:
            storage = instance.event_log_storage
            run_ids = [run_six_months(instance) for _ in range(OPEN_SHARDS + 1)]
            stored = len(instance.get_records_for_run(run_ids[-1], limit=10_000).records)
            # no more shards open than OPEN_SHARDS, the least recently used closed
            assert len(storage._engines) <= OPEN_SHARDS
            assert run_ids[0] not in storage._engines and run_ids[-1] in storage._engines
            # while its connection is open, the last run's .db file alone, without its WAL
            # (immutable: sqlite reads no -wal), holds every event
            assert in_db_file(run_ids[-1]) == stored
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", count)
    # a run's ~50 events and the index's writes over a handful of connections (the schema
    # set-up's and the first look for each tags table among them), not one or two per event
    assert stored > 40
    assert connects[run_ids[-1]] <= 3
    assert connects["index"] <= 8

    # and so do the others' after the storage closed
    assert [in_db_file(run_id) for run_id in run_ids] == [stored] * len(run_ids)


def test_a_wipe_leaves_no_connection_on_deleted_files(tmp_path: Path):
    """A wipe deletes the runs' files: a connection kept open on one would still read the wiped
    run's events (Dagster's storage reads none), and a new run is stored where Dagster's reads."""
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    with dagster_instance(settings) as instance:
        wiped = run_six_months(instance)
        assert instance.get_records_for_run(wiped, limit=10_000).records
        instance.event_log_storage.wipe()
        assert not instance.get_records_for_run(wiped, limit=10_000).records
        run_id = run_six_months(instance)
        ours = len(instance.get_records_for_run(run_id, limit=10_000).records)
    theirs = SqliteEventLogStorage(str(settings.dagster_home / "history" / "runs"))
    assert len(theirs.get_records_for_run(run_id, limit=10_000).records) == ours > 40
