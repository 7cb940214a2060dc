"""The local Dagster instance's event log (dagster.yaml): Dagster's sqlite storage, writing the
events of a batch together.

A run over a range of month partitions (BackfillPolicy.single_run) records one materialisation per
asset key and month: the indicators' multi-asset over 60 months, 360 of them, and as many planned
events when the run is created. Dagster hands such events over as one batch (when
DAGSTER_EVENT_BATCH_SIZE is set: `DagsterInstance.handle_new_event`), but its sqlite storage
stores a batch event by event, each in two transactions of their own (the run's shard, then the
index shard), a new connection each time: about 14-30 ms an event, most of it sqlite's commit
and close. PostgreSQL's storage (dagster-postgres) writes a batch with one insert; this does the
same for sqlite: one transaction per shard for the whole batch, and the asset's row in the index
updated once per asset key, with its last event, as dagster-postgres does.

It also keeps a shard's sqlite connection open between events (Dagster's opens and closes one for
every event, each close checkpointing and deleting the WAL): the load step's 17 outputs, 34 events
one at a time, took 0.13-0.8 s of wall on the demo inbox (0.07-0.14 s so), more when the disk
is busy with the warehouse."""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Events whose whole storage is the event row, its asset tags and the asset's row in the index
# (SqliteEventLogStorage.store_event): what a batch may write together. The rest of a batch (the
# planned asset checks that come with the planned materialisations) is stored event by event.
TOGETHER = {
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_OBSERVATION,
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
}
# How many events Dagster gathers before it hands a batch over: a run's events of one output (an
# asset key over the partitions of the run) and its planned events come as one batch each.
BATCH_SIZE = "1000"
# How many shards keep an open connection: the index and the few runs being written or read (a
# webserver reads many runs; each further shard's connection is closed, least recently used first).
OPEN_SHARDS = 4


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage (same files, same config) that stores a batch of asset events in one
    transaction per shard."""

    def __init__(self, base_dir: str, inst_data=None):
        # Dagster hands batches over only when asked to (the default stores event by event)
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", BATCH_SIZE)
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._pid = os.getpid()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, kept for the storage's life (SQLAlchemy caches compiled statements
        per engine, so each insert was compiled anew) with its one connection kept open (opening
        one and closing it, which checkpoints the WAL and deletes it, was most of an event's
        cost). Called holding _db_lock."""
        if os.getpid() != self._pid:
            # a forked child must not use its parent's open sqlite connections (its own, anew),
            # nor close them, which garbage collection would do and which may checkpoint the
            # parent's WAL under it: they stay referenced, unused, for the child's life
            self._inherited = [*getattr(self, "_inherited", []), *self._engines.values()]
            self._engines = OrderedDict()
            self._pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            engine = self._engines[shard] = create_engine(
                self.conn_string_for_shard(shard),
                # one connection used at a time (_db_lock); the overflow for Dagster's schema
                # set-up, which inspects the engine while holding a connection of it
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            while len(self._engines) > OPEN_SHARDS:
                self._engines.popitem(last=False)[1].dispose()
        else:
            self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """SqliteEventLogStorage._connect on the shard's open connection."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    # What closing the connection did: the run's events written into its .db
                    # file, which the UI's watchdog watches (SqliteEventLogStorageWatchdog) to
                    # show a running run's events as they come. Nothing to copy after a read.
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def has_table(self, table_name: str) -> bool:
        """SqliteEventLogStorage.has_table, which opens a connection of its own to the index for
        each partitioned materialisation (its tags), remembering the tables found: Dagster's
        migrations add tables, and only a wipe drops rows, never a table."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _close_connections(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        # the run shards' files are deleted: no connection may stay open on them
        self._close_connections()
        super().wipe()

    def dispose(self) -> None:
        self._close_connections()
        super().dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        # consecutive events of one kind and one run, in their order
        for (kind, run_id), group in itertools.groupby(
            events, key=lambda e: (e.dagster_event_type, e.run_id)
        ):
            group = list(group)
            if kind in TOGETHER and len(group) > 1:
                self._store_together(run_id, group)
            else:
                for event in group:
                    self.store_event(event)

    def _store_together(self, run_id: str, events: list[EventLogEntry]) -> None:
        # The rows as parameters of one statement, not a statement with the rows' values written
        # in (prepare_insert_event_batch), which SQLAlchemy compiled anew for each batch and
        # shard: a batch of 60 materialisations 25 -> 18 ms of CPU (the indicators' 6 a run).
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        # mirrored in the index shard, as store_event does event by event
        with self.index_transaction() as conn:
            result = conn.execute(
                SqlEventLogStorageTable.insert().returning(
                    SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
                ),
                rows,
            )
            # in the rows' order (sort_by_parameter_order), as ids grow in the order of insertion
            ids = [row[0] for row in result.fetchall()]
            self._store_asset_event_tags(conn, events, ids)
            last = {
                e.get_dagster_event().asset_key: (e, i) for e, i in zip(events, ids, strict=True)
            }
            for event, event_id in last.values():
                self._store_asset_event(conn, event, event_id)


def batched_event_log(dagster_home: Path) -> dict:
    """Instance settings (overrides of dagster.yaml) for a local instance under `dagster_home` whose
    event log is this storage, in the files Dagster's default sqlite storage uses
    (history/runs/): an instance made without it (`dagster dev`) reads the same history."""
    return {
        "event_log_storage": {
            "module": __name__,
            "class": BatchedSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(dagster_home / "history" / "runs")},
        }
    }
