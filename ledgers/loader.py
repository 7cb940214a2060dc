"""Load a ledger inbox into the DuckDB warehouse, file by file, keeping lineage and every rejection.

Tables (all derived from `specs.toml`):
- `ledger_files`: one row per file seen in the inbox, with its SHA-256, what became of it and when
  the pipeline first saw its content (`first_seen`, what a ledger's lateness is judged by).
- `ledger_contents`: every file content (SHA-256) ever seen and when first: a file re-saved unchanged,
  copied or removed and put back keeps the first sight of its content.
- `ledger_sheets`: one row per sheet read, with the kind recognised or why it was skipped.
- `raw_<kind>`: the accepted rows, one per key: where files disagree, the fuller row, then the
  newest file's, wins.
- `outranked_<kind>`: the other valid rows of a key held more than once (each a conflict in
  `rejected_rows` naming its twin); empty when every key is held once.
- `staged_<kind>`: a view of both, every valid row of every file with lineage (each row is
  stored once).
- `rejected_rows`: rows not loaded, with file, sheet, row, column, reason and, for conflicts, the twin.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import itertools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from ledgers import bulk, changes, clock, intake, rules, rules_of_rows
from ledgers.limits import LimitExceeded, ReadLimits, check_file_size
from ledgers.limits import using as using_limits
from ledgers.reader import (
    SUPPORTED_SUFFIXES,
    FileError,
    Rejection,
    SheetRead,
    read_file,
)
from ledgers.specs import (
    LINEAGE_COLUMNS,
    STORED_LINEAGE_COLUMNS,
    WITHHELD,
    Ledger,
    ledgers,
    normalise_header,
)
from metrics import periods
from metrics.periods import month_key, month_start

WORKBOOKS = bulk.WORKBOOK_SUFFIXES
# Kinds that other ledgers refer to: a change there re-checks every file's references.
MASTER_KINDS = ("departments", "equipment")


@dataclass
class LoadReport:
    """What one load did, for the run summary."""

    files_seen: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_by_kind: Counter = field(default_factory=Counter)
    rows_by_kind: Counter = field(default_factory=Counter)
    rejected_by_reason: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # file, status, message
    touched_months: set[str] = field(default_factory=set)
    all_months_touched: bool = False
    cells_corrected: int = 0  # accepted cells whose value this load changed (ledger_changes)

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows_by_kind.values())

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger tables if they are missing (column lists come from the specs). Only
    what is missing is created or added: each DDL statement commits on its own, and some 600 of
    them (a column of every ledger table) cost seconds on a busy disk at every load."""
    present = _columns_present(con)

    def create(table: str, columns: str) -> None:
        if table not in present:
            con.execute(f"create table if not exists {table} ({columns})")

    def add(table: str, column: str, sql_type: str) -> None:
        if column not in present.get(table, {column}):
            con.execute(f"alter table {table} add column if not exists {column} {sql_type}")

    create(
        "ledger_files",
        """file varchar primary key, sha256 varchar, size_bytes bigint, modified_at timestamp,
           status varchar, message varchar, loaded_at timestamp, first_seen timestamp""",
    )
    add("ledger_files", "first_seen", "timestamp")
    create("ledger_contents", "sha256 varchar primary key, first_seen timestamp")
    create(
        "ledger_sheets",
        """file varchar, sheet varchar, kind varchar, header_row integer, status varchar,
           message varchar, rows_loaded integer, rows_rejected integer, totals_rows integer,
           extra_columns varchar""",
    )
    # fewer_values: for a duplicate key, how many more values the kept twin holds (issue 15: a
    # fuller row and a thinner one for one key is a data-quality error,
    # expectations/sql/duplicate_fuller_row.sql).
    create(
        "rejected_rows",
        """file varchar, sheet varchar, "row" integer, ledger varchar, "column" varchar,
           reason varchar, twin varchar, "values" varchar, sha256 varchar, is_conflict boolean,
           fewer_values integer""",
    )
    add("rejected_rows", "fewer_values", "integer")
    # Department-months held back from publication: written by the data-quality checks, and by a
    # load for the months it touched until their checks have run (see `_hold_unchecked`).
    # `ledgers`: the ledger kinds in error, comma-separated; null withholds every indicator.
    create(
        "publication_blocks",
        """dept varchar, month date, "check" varchar, message_zh varchar, message_en varchar,
           ledgers varchar""",
    )
    # A warehouse made before blocks named their ledgers, or held months as text.
    add("publication_blocks", "ledgers", "varchar")
    periods.month_column_as_date(con, "publication_blocks", "month")
    # Lineage by sheet: one row per sheet staged (`STORED_LINEAGE_COLUMNS`).
    create("ledger_sources", "source_id integer, file varchar, sheet varchar, sha256 varchar")
    views = {
        v
        for (v,) in con.execute(
            """select view_name from duckdb_views() where database_name = current_database()
               and schema_name = current_schema() and not internal"""
        ).fetchall()
    }
    for spec in ledgers().values():
        _ensure_ledger_tables(con, spec, present, views)


def _ensure_ledger_tables(
    con: duckdb.DuckDBPyConnection, spec: Ledger, present: dict[str, set[str]], views: set[str]
) -> None:
    """A ledger's stored tables and the views every reader reads: raw_<kind> (accepted rows) and
    outranked_<kind> (valid rows that lost to a twin) are views of stored_raw_<kind> and
    stored_outranked_<kind> joined to `ledger_sources`, with today's columns (lineage as file,
    sheet, row, SHA-256); staged_<kind>, every valid row of every file, is a view of both (each
    row is written once; three text columns of lineage per row cost about 1 s of CPU per 4 M
    rows written). A warehouse from before is converted: where raw_<kind> is a table, its rows
    and the outranked ones move to the stored tables, their lineage to `ledger_sources`."""
    data = [f'"{c.name}" {c.sql_type}' for c in spec.columns]
    stored = [
        f"{column}{_compression(spec, c)}" for column, c in zip(data, spec.columns, strict=True)
    ]
    stored += [f"{name} {sql_type}" for name, sql_type in STORED_LINEAGE_COLUMNS.items()]
    wide = data + [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
    names = [c.name for c in spec.columns] + list(LINEAGE_COLUMNS)
    pairs = (
        (spec.table, spec.stored_table),
        (spec.outranked_table, spec.stored_outranked_table),
    )
    old = spec.table in present and spec.table not in views
    for view, table in pairs:
        if old and view not in present:  # from before outranked_<kind>
            con.execute(f"create table {view} ({', '.join(wide)})")
            present[view] = set(names)
        if table not in present:
            con.execute(f"create table {table} ({', '.join(stored)})")
        for column in spec.columns:  # a warehouse made before a column joined the spec
            if column.name not in present.get(table, {column.name}):
                con.execute(f'alter table {table} add column "{column.name}" {column.sql_type}')
            if old and column.name not in present[view]:
                con.execute(f'alter table {view} add column "{column.name}" {column.sql_type}')
    listed = ", ".join(f'"{n}"' for n in names)
    staged = spec.staged_table
    if staged in present and staged not in views:
        # from before staged_<kind> was a view: its rows not accepted are the outranked ones
        con.execute(
            f"""insert into {spec.outranked_table} ({listed})
                select {listed} from {staged} except all select {listed} from {spec.table}"""  # noqa: S608 -- names from the specs
        )
        con.execute(f"drop table {staged}")
        present.pop(staged)
    if old:
        _store_lineage_by_id(con, spec)
    values = ", ".join(f's."{c.name}"' for c in spec.columns)
    for view, table in pairs:
        if old or view not in views or not set(names) <= present.get(view, set()):
            con.execute(f"create or replace view {view} as {_with_lineage(table, values)}")
    if staged not in views or not set(names) <= present.get(staged, set()):
        con.execute(
            f"""create or replace view {staged} as
                select {listed} from {spec.table}
                union all select {listed} from {spec.outranked_table}"""  # noqa: S608 -- names from the specs
        )


def _with_lineage(stored: str, values: str) -> str:
    """The rows of `stored` (a stored table, or a query of its rows, as `s`) with their sheet's
    lineage as raw_<kind> shows it: `values` (columns of `s`), then source_file, source_sheet,
    source_row and source_sha256 from `ledger_sources`. The views and the twins' ranking read
    lineage through this one join."""
    return f"""select {values}, l.file as source_file, l.sheet as source_sheet, s.source_row,
                      l.sha256 as source_sha256
               from {stored} s left join ledger_sources l on l.source_id = s.source_id"""  # noqa: S608 -- names from the specs


def _compression(spec: Ledger, column) -> str:
    """How a stored column is compressed: DuckDB's choice, except for a key of one text column
    (an episode's number), a value of its own in every row: no dictionary shrinks it, and the
    string compression DuckDB picks for it cost 1.6 s of CPU per 4 M episode numbers written,
    against 0.5 stored as they are (about 50 MB more of the warehouse at city scale)."""
    if spec.key == (column.name,) and column.type == "text":
        return " using compression uncompressed"
    return ""


def _store_lineage_by_id(con: duckdb.DuckDBPyConnection, spec: Ledger) -> None:
    """An old warehouse's raw_<kind> and outranked_<kind> tables (lineage as three text columns
    per row) become the stored tables (lineage by id) and give way to their views."""
    for view, outranked in ((spec.table, False), (spec.outranked_table, True)):
        store_rows(con, spec, f"from {view}", outranked)  # noqa: S608 -- names from the specs
    for view in (spec.table, spec.outranked_table):
        con.execute(f"drop table {view}")


def store_rows(
    con: duckdb.DuckDBPyConnection, spec: Ledger, rows: str, outranked: bool = False
) -> None:
    """Store rows whose lineage is text (`rows`: SQL of any of the ledger's columns with
    source_file, source_sheet, source_row, source_sha256, as raw_<kind> shows them) as accepted
    (or outranked) rows: lineage by id, each sheet not yet in `ledger_sources` added. Converts an
    old warehouse's tables; tests store rows of their own through it."""
    empty = f"(select * from {spec.table} limit 0)"  # noqa: S608 -- every column, by name
    con.execute(f"create or replace temp table rows_to_store as {empty} union all by name ({rows})")
    lineage = ("source_file", "source_sheet", "source_sha256")
    con.execute(
        f"""insert into ledger_sources
            select (select coalesce(max(source_id), 0) from ledger_sources)
                   + row_number() over ()::integer, *
            from (select distinct {", ".join(lineage)} from rows_to_store
                  except select file, sheet, sha256 from ledger_sources)"""  # noqa: S608
    )
    columns = ", ".join(f'"{c.name}"' for c in spec.columns)
    values = ", ".join(f'w."{c.name}"' for c in spec.columns)
    same = " and ".join(
        f"l.{new} is not distinct from w.{was}"
        for new, was in zip(("file", "sheet", "sha256"), lineage, strict=True)
    )
    table = spec.stored_outranked_table if outranked else spec.stored_table
    con.execute(
        f"""insert into {table} ({columns}, source_row, source_id)
            select {values}, w.source_row, l.source_id
            from rows_to_store w
            join (select file, sheet, sha256, min(source_id) as source_id
                  from ledger_sources group by all) l on {same}"""  # noqa: S608 -- names from the specs
    )
    con.execute("drop table rows_to_store")


def _new_sources(con: duckdb.DuckDBPyConnection, sheets: list[tuple[str, str, str]]) -> list[int]:
    """Add each sheet (file, sheet name, SHA-256) to `ledger_sources` and give its id: numbered
    on from the highest id held (an id whose sheet was forgotten in this transaction may be given
    again: its rows went with it, `_forget_files`)."""
    base = con.execute("select coalesce(max(source_id), 0) from ledger_sources").fetchone()[0]
    ids = list(range(base + 1, base + 1 + len(sheets)))
    if sheets:
        files, names, shas = map(list, zip(*sheets, strict=True))
        con.execute(
            """insert into ledger_sources
               select unnest($id::integer[]), unnest($file::varchar[]),
                      unnest($sheet::varchar[]), unnest($sha::varchar[])""",
            {"id": ids, "file": files, "sheet": names, "sha": shas},
        )
    return ids


def _columns_present(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The warehouse's tables and their columns (quoted as the DDL above spells them, both
    ways: `file` and `"row"`)."""
    return {
        table: {spelt for column in columns for spelt in (column, f'"{column}"')}
        for table, columns in periods.table_columns(con).items()
    }


def inbox_files(inbox: Path) -> dict[str, Path]:
    """Ledger files of the inbox by their path inside it (see `intake.list_inbox`)."""
    return intake.list_inbox(inbox).files


def load_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    progress: Callable[[str], None] = lambda _: None,
    bulk_min_bytes: int | None = bulk.BULK_MIN_BYTES,
    limits: ReadLimits | None = None,
    work_root: Path | None = None,
    after_copy: Callable[[Path], None] | None = None,
    hold_unchecked: bool = False,
) -> LoadReport:
    """Bring the warehouse in line with the inbox: new and changed files replace their own rows,
    deleted files remove theirs, unchanged files are not read again. One transaction.

    Plain CSV files of at least `bulk_min_bytes` and Parquet files are read set-based in DuckDB
    (`ledgers.bulk`, same rules and messages); None reads every file cell by cell.

    Each file is read from a private copy made under `work_root` (the system's temporary folder
    by default) while hashing it, within `limits`; whatever goes wrong with one file is reported
    as that file's problem and the rest of the inbox loads. `after_copy` is a test hook.

    With `hold_unchecked` (the pipeline, whose ledger checks follow), the months the load touched
    are withheld from publication until their checks commit (`_hold_unchecked`)."""
    # The tables made in one transaction of their own: a statement outside a transaction
    # commits, and syncs the disk, on its own, and the 100 statements that make a fresh
    # warehouse took 0.33-0.38 s of wall time (0.1 s of CPU), in one transaction 0.05-0.09 s.
    con.execute("begin transaction")
    try:
        ensure_schema(con)
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    reads: dict[str, list[SheetRead]] = {}
    work = intake.fresh_work_folder(work_root or Path(tempfile.gettempdir()) / "deptops")
    try:
        with using_limits(limits or ReadLimits()) as bounds:
            return _load_inbox(
                con,
                inbox,
                progress,
                bulk_min_bytes,
                reads,
                _Taking(work, bounds, after_copy, hold_unchecked),
            )
    finally:
        for sheets in reads.values():
            for sheet in sheets:
                bulk.drop(con, sheet)
        intake.remove_work_folder(work)


@dataclass(frozen=True)
class _Taking:
    work: Path
    limits: ReadLimits
    after_copy: Callable[[Path], None] | None
    hold_unchecked: bool = False


def _hash_present(
    on_disk: dict[str, Path],
    limits: ReadLimits,
    not_taken: dict[str, tuple[str, str]],
    known: dict[str, str],
) -> dict[str, str | None]:
    """SHA-256 of each file loaded before that can be hashed now (to find what changed); the
    others are noted in `not_taken` with their status and message. A file not loaded before is
    read whatever its hash: None, its snapshot hashes it (one pass over its bytes, not two).
    Hashed by the snapshots' threads (reading and hashing hold no lock), in order."""
    hashes: dict[str, str | None] = {}
    pool = ThreadPoolExecutor(SNAPSHOT_THREADS, thread_name_prefix="deptops-hashes")
    try:
        hashing = {
            name: pool.submit(contextvars.copy_context().run, _hash_now, path, limits)
            for name, path in on_disk.items()
            if name in known
        }
        for name in on_disk:
            if name not in hashing:
                hashes[name] = None
                continue
            try:
                hashes[name] = hashing[name].result()
            except intake.NotTaken as error:
                not_taken[name] = (error.status, str(error))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return hashes


def _hash_now(path: Path, limits: ReadLimits) -> str:
    return intake.retrying_locks(path, lambda: _hash(path, limits))


def _hash(path: Path, limits: ReadLimits) -> str:
    try:
        check_file_size(path.stat(follow_symlinks=False).st_size, limits)
    except LimitExceeded as error:
        raise intake.NotTaken(intake.UNREADABLE, str(error)) from None
    return intake.file_sha256(path)


def _read_one(
    con: duckdb.DuckDBPyConnection, copy: Path, name: str, bulk_min_bytes: int | None
) -> list[SheetRead]:
    sheets = bulk.read_file(con, copy, name, bulk_min_bytes)
    return sheets if sheets is not None else read_file(copy, name)


def _take(
    con: duckdb.DuckDBPyConnection,
    snap: intake.Snapshot,
    name: str,
    bulk_min_bytes: int | None,
    reads: dict[str, list[SheetRead]],
    plans: dict[str, bulk.BulkPlan],
) -> None:
    """Read a file now, or plan its set-based read with the files of its layout (a CSV's lines
    as its snapshot measured them)."""
    copy, planned = snap.copy, None
    if copy.suffix.lower() not in bulk.WORKBOOK_SUFFIXES:
        planned = bulk.plan(copy, name, bulk_min_bytes, con)
    if planned is not None:
        if isinstance(snap.seen, bulk.Lines):
            snap.seen.measure(planned)
        plans[name] = planned
    else:
        reads[name] = _read_one(con, copy, name, bulk_min_bytes)


def _read_changed(
    con: duckdb.DuckDBPyConnection,
    changed: set[str],
    on_disk: dict[str, Path],
    hashes: dict[str, str | None],
    progress: Callable[[str], None],
    bulk_min_bytes: int | None,
    reads: dict[str, list[SheetRead]],
    taking: _Taking,
    errors: dict[str, tuple[str, str]],
    taken: dict[str, intake.Snapshot],
    not_taken: dict[str, tuple[str, str]],
) -> None:
    """Snapshot and read the changed files: into `reads` each file's sheets, into `errors` why
    a file could not be read, into `taken` its snapshot, into `not_taken` why it was not taken.

    Workbooks first: what of their read needs no connection (checks, the reader child's
    parsing, their sheets written as CSV) runs in a thread (`_read_apart`), beside the plain
    files' snapshots, plans and set-based reads, which use the connection; their sheets are
    then read set-based, those of one layout together (`bulk.read_streamed`). Plain CSV and
    Parquet files are read set-based after the others, those of one layout together
    (`bulk.read_planned`), from their snapshots."""
    plans: dict[str, bulk.BulkPlan] = {}
    books: dict[str, Future] = {}  # the workbooks' reads apart
    order = sorted(changed, key=lambda n: (on_disk[n].suffix.lower() not in WORKBOOKS, n))
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deptops-workbooks")
    snapshots = _Snapshots(order, on_disk, taking, progress)
    try:
        for number, name in enumerate(order):
            path, snapping = on_disk[name], snapshots.turn(number)
            if snapping is None:  # a file of no format read: hashed, and refused
                try:
                    sha = hashes[name] or _hash_now(path, taking.limits)
                except intake.NotTaken as error:
                    not_taken[name] = (error.status, str(error))
                    continue
                errors[name] = ("refused", _unsupported(path))
                taken[name] = intake.Snapshot(path, sha, None, None)
                continue
            try:
                taken[name] = snap = snapping.result()
            except intake.NotTaken as error:
                not_taken[name] = (error.status, str(error))
                continue
            if path.suffix.lower() in WORKBOOKS:  # the thread reads its copy, under these limits
                job = partial(_read_apart, snap.copy, name, bulk_min_bytes)
                books[name] = pool.submit(contextvars.copy_context().run, job)
                continue
            step = partial(_take, con, snap, name, bulk_min_bytes, reads, plans)
            _reading(errors, name, step)
            if name not in plans:  # else its copy is read with the files of its layout, below
                snap.copy.unlink(missing_ok=True)
        if plans:
            progress(f"reading {len(plans)} plain files together, by layout")
        outcomes = bulk.read_planned(con, list(plans.values())) if plans else []
        for (name, planned), outcome in zip(plans.items(), outcomes, strict=True):
            _reading(errors, name, partial(_read_planned, reads, name, planned, outcome))
            planned.path.unlink(missing_ok=True)
        streamed: dict[str, bulk.StreamedWorkbook] = {}
        for name, book in books.items():
            _reading(errors, name, partial(_read_apart_done, reads, streamed, name, book))
        outcomes = bulk.read_streamed(con, list(streamed.values())) if streamed else []
        for name, outcome in zip(streamed, outcomes, strict=True):
            _reading(errors, name, partial(_read_planned_book, reads, name, taken[name], outcome))
    finally:
        snapshots.close()  # (copies it took and nobody read go with the work folder)
        pool.shutdown(wait=True, cancel_futures=True)
        for name in books:
            taken[name].copy.unlink(missing_ok=True)


# Threads taking snapshots, and how many files ahead of the one being read they may go.
SNAPSHOT_THREADS = 2
SNAPSHOTS_AHEAD = 4


class _Snapshots:
    """The changed files' snapshots (copy, SHA-256 and a CSV's lines: `intake.snapshot`),
    taken by threads ahead of each file's turn, in order, while the connection plans or reads
    the files taken before. Copying and hashing hold no lock, nor does counting the lines
    (numpy), so they run beside the plans' Python and DuckDB, on the other core: at city
    scale, 400 MB copied and hashed took ~0.6 s of one core before any file was planned.
    A file's progress line is said as its snapshot is asked for, not after."""

    def __init__(
        self, order: list[str], on_disk: dict[str, Path], taking: _Taking, progress
    ) -> None:
        self.order, self.on_disk, self.taking, self.progress = order, on_disk, taking, progress
        self.asked: dict[str, Future | None] = {}
        self.pool = ThreadPoolExecutor(SNAPSHOT_THREADS, thread_name_prefix="deptops-snapshots")

    def turn(self, number: int) -> Future | None:
        """File `number`'s snapshot, being taken (those of the next few files asked for too);
        None for a file of no format read (not copied)."""
        while len(self.asked) < min(len(self.order), number + 1 + SNAPSHOTS_AHEAD):
            self._ask(len(self.asked))
        return self.asked[self.order[number]]

    def _ask(self, number: int) -> None:
        name, count = self.order[number], len(self.order)
        if _worth_saying(number + 1, count):
            self.progress(f"reading {number + 1}/{count}: {name}")
        path, taking = self.on_disk[name], self.taking
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            self.asked[name] = None
            return
        take = partial(
            intake.snapshot,
            path,
            taking.work,
            taking.limits,
            taking.after_copy,
            bulk.Lines if suffix == ".csv" else None,
        )
        self.asked[name] = self.pool.submit(contextvars.copy_context().run, take)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _read_apart(copy: Path, name: str, bulk_min_bytes: int | None) -> object:
    """What of a workbook's read needs no connection (run by a thread while the connection reads
    other files): its sheets streamed to CSV files for the set-based read
    (`bulk.StreamedWorkbook`), or its sheets read by the general path (a small workbook)."""
    streamed = bulk.stream_workbook(copy, name, bulk_min_bytes)
    return streamed if streamed is not None else read_file(copy, name)


def _read_apart_done(
    reads: dict[str, list[SheetRead]],
    streamed: dict[str, bulk.StreamedWorkbook],
    name: str,
    book: Future,
) -> None:
    """A workbook's read apart, done: its sheets, or its streamed sheets to read set-based
    (what it raised is raised here, as that file's error)."""
    done = book.result()
    if isinstance(done, bulk.StreamedWorkbook):
        streamed[name] = done
    else:
        reads[name] = done


def _read_planned_book(
    reads: dict[str, list[SheetRead]],
    name: str,
    snap: intake.Snapshot,
    outcome: list[SheetRead] | Exception | None,
) -> None:
    """A streamed workbook's outcome of its set-based read (None: read by the general path)."""
    if isinstance(outcome, Exception):
        raise outcome
    reads[name] = outcome if outcome is not None else read_file(snap.copy, name)


def _read_planned(
    reads: dict[str, list[SheetRead]],
    name: str,
    planned: bulk.BulkPlan,
    outcome: SheetRead | Exception | None,
) -> None:
    """A planned file's outcome of its set-based read (None: read by the general path)."""
    if isinstance(outcome, Exception):
        raise outcome
    reads[name] = [outcome] if outcome is not None else read_file(planned.path, name)


def _reading(errors: dict[str, tuple[str, str]], name: str, step: Callable[[], None]) -> None:
    """Run one file's reading step; its failure is that file's error, not the load's."""
    try:
        step()
    except FileError as error:
        errors[name] = ("refused", str(error))
    except Exception as error:  # noqa: BLE001 -- one file's failure must not cost the others
        errors[name] = _unreadable(error)


def _unreadable(error: Exception) -> tuple[str, str]:
    """A file's status and message when its read failed."""
    return (
        "unreadable",
        f"the file could not be read ({type(error).__name__}: {error}); it was skipped",
    )


def _load_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    progress: Callable[[str], None],
    bulk_min_bytes: int | None,
    reads: dict[str, list[SheetRead]],
    taking: _Taking,
) -> LoadReport:
    report = LoadReport()
    listing = intake.list_inbox(inbox)
    on_disk = listing.files
    report.files_seen = len(on_disk)
    known = dict(con.execute("select file, sha256 from ledger_files").fetchall())
    # Files this run does not take, with their status and why (a link, a file too big, …).
    not_taken = {name: ("not read", why) for name, why in listing.skipped.items()}
    hashes = _hash_present(on_disk, taking.limits, not_taken, known)
    changed = {name for name, sha in hashes.items() if sha is None or known.get(name) != sha}
    removed = set(known) - set(hashes) - set(not_taken)
    report.files_unchanged = len(hashes) - len(changed)
    report.files_removed = len(removed)
    master_changed = _kinds_of(con, changed | removed | set(not_taken)) & set(MASTER_KINDS)
    if master_changed:
        changed = set(hashes)  # references to departments or devices must be checked again

    errors: dict[str, tuple[str, str]] = {}
    taken: dict[str, intake.Snapshot] = {}
    reading = (on_disk, hashes, progress, bulk_min_bytes, reads, taking)
    _read_changed(con, changed, *reading, errors, taken, not_taken)
    # A file being written that was loaded before keeps its rows until it settles.
    kept = {n for n, (status, _) in not_taken.items() if status in intake.PASSING and known.get(n)}
    for name in sorted(kept):
        report.problems.append((name, *not_taken.pop(name)))
    forgotten = set(taken) | removed | set(not_taken)

    # A file whose rows the warehouse refuses (a conversion no rule foresaw) is taken out and the
    # transaction done again without it: it costs that file, not the load.
    problems = list(report.problems)
    before = _as_read(reads)
    one_by_one = False
    while True:
        report.all_months_touched = bool(master_changed)
        con.execute("begin transaction")
        try:
            _commit_load(
                con, report, reads, taken, not_taken, errors, forgotten, on_disk, taking, one_by_one
            )
            con.execute("commit")
            break
        except (_Unsettled, _FileFailed, _StagingFailed) as failed:
            con.execute("rollback")
            report.problems = list(problems)
            _back_as_read(reads, before)
            if isinstance(failed, _Unsettled):
                for batch in failed.batches:  # outside the transaction, as when read
                    _settle(con, batch, reads, errors)
                before = _as_read(reads)  # their rejections are now the read's own
                continue
            if isinstance(failed, _StagingFailed):
                one_by_one = True  # again, file by file, to find the file that failed
                continue
            for sheet in reads.pop(failed.name):
                bulk.drop(con, sheet)
            errors[failed.name] = (
                "unreadable",
                f"the file's rows could not be stored ({failed.error}); it was skipped",
            )
        except BaseException:
            con.execute("rollback")
            raise
    if removed:
        # Gives the removed files' blocks back to the warehouse file now. (It does not overwrite
        # them: their bytes stay in free blocks until reused; see SECURITY.md.)
        with contextlib.suppress(duckdb.Error):  # another connection's transaction: later
            con.execute("checkpoint")
    report.files_loaded = len(reads)
    _summarise(con, report)
    return report


def _settle(
    con: duckdb.DuckDBPyConnection,
    batch: bulk.Batch,
    reads: dict[str, list[SheetRead]],
    errors: dict[str, tuple[str, str]],
) -> None:
    """A deferred read settled (`bulk.settle`: its parsed table and rejections made). When that
    fails, its files are not read, each with the reason a read gives (`_reading`)."""
    try:
        bulk.settle(con, batch)
    except Exception as error:  # noqa: BLE001 -- it costs the batch's files, not the load
        files = {s.file for s in _sheets(reads) if bulk.of_batch(s, batch)}
        for name in sorted(files):
            for sheet in reads.pop(name):
                bulk.drop(con, sheet)
            errors[name] = _unreadable(error)


def _as_read(reads: dict[str, list[SheetRead]]) -> dict[int, tuple]:
    """Each sheet's records, count of rejections and rows as read (before references were
    resolved): what a load done again starts from (`_back_as_read`)."""
    return {id(x): (list(x.records), len(x.rejected), x.table_rows) for x in _sheets(reads)}


def _back_as_read(reads: dict[str, list[SheetRead]], before: dict[int, tuple]) -> None:
    """The sheets as `_as_read` found them: a rolled-back load's resolutions undone."""
    for sheet in _sheets(reads):
        records, rejected, rows = before[id(sheet)]
        sheet.records = list(records)
        del sheet.rejected[rejected:]
        sheet.table_rows = rows


# Files named one by one in the progress up to this many; beyond, about every tenth of them. In
# the pipeline each line is an event of the run's log, stored on its own (4 ms of CPU and 20 ms
# of wall time each on a busy machine): the city's 131 files cost half a second of CPU.
PROGRESS_EACH_UP_TO = 20


def _worth_saying(number: int, count: int) -> bool:
    """Whether file `number` of `count` is named in the progress: every one of a few, else the
    first, the last and one about every tenth."""
    if count <= PROGRESS_EACH_UP_TO:
        return True
    step = -(-count // 10)
    return number in (1, count) or number % step == 0


class _FileFailed(Exception):
    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(name)
        self.name, self.error = name, error


def _sheets(reads: dict[str, list[SheetRead]]) -> list[SheetRead]:
    return [sheet for name in sorted(reads) for sheet in reads[name]]


def _commit_load(
    con: duckdb.DuckDBPyConnection,
    report: LoadReport,
    reads: dict[str, list[SheetRead]],
    taken: dict[str, intake.Snapshot],
    not_taken: dict[str, tuple[str, str]],
    errors: dict[str, tuple[str, str]],
    forgotten: set[str],
    on_disk: dict[str, Path],
    taking: _Taking,
    one_by_one: bool = False,
) -> None:
    """The load's writes, inside its transaction: forget the files, store what was read, rebuild
    the accepted rows and say which months changed."""
    # Candidate months: those the old rows of these files held and those the new rows hold.
    candidates = _months_of_files(con, forgotten) | _months_of_reads(reads)
    before = _fingerprints(con, candidates)
    kinds_before = _kinds_of(con, forgotten)
    # The corrections trail: accepted rows this load may replace, compared after it.
    read_kinds = {sheet.kind for sheets in reads.values() for sheet in sheets if sheet.kind}
    aside = changes.set_aside(con, kinds_before | read_kinds, candidates)
    whole = _keys_of_files(con, kinds_before, forgotten)  # the keys their rows held
    _forget_files(con, forgotten)
    seen = dict(con.execute("select sha256, first_seen from ledger_contents").fetchall())
    now = clock.now().replace(tzinfo=None)  # naive wall-clock time, as modified_at
    files: list[tuple] = []  # (file, sha256, size_bytes, modified_at, status, message, first_seen)
    for name in sorted(taken):
        snap = taken[name]
        status, message = errors.get(name, ("loaded", None))
        modified = _modified(snap, on_disk[name])
        # First sight of this content: as recorded, else now, or its save time if earlier (a file
        # already in the inbox when the pipeline first runs came when it was saved).
        first_seen = seen.setdefault(snap.sha256, min(modified or now, now))
        files.append((name, snap.sha256, snap.size, modified, status, message, first_seen))
        if name in errors:
            report.problems.append((name, status, message))
    for name, (status, message) in sorted(not_taken.items()):
        # No hash: the next run tries the file again.
        files.append((name, None, None, None, status, message, None))
        report.problems.append((name, status, message))
    _record_files(con, files)
    _store_reads(con, reads, _data_month(con, reads), one_by_one)
    # Only the kinds these files held or hold now: the others' accepted rows cannot change.
    kinds_after = {sheet.kind for sheets in reads.values() for sheet in sheets if sheet.kind}
    rebuilt = [ledgers()[k] for k in ledgers() if k in kinds_before | kinds_after]
    _rebuild_accepted(con, rebuilt, forgotten, whole)
    report.cells_corrected = changes.record_changes(con, clock.now_naive(), aside)
    # Touched: a month whose accepted rows differ in any value (lineage aside), so that a file
    # re-saved with one month corrected recomputes that month only.
    # A kind without rows in those months before: every month it holds now is touched (its
    # rows are counted, not hashed).
    after = _fingerprints(con, candidates, hashed={kind for kind, _ in before})
    report.touched_months = {
        month
        for kind, month in set(before) | set(after)
        if before.get((kind, month)) != after.get((kind, month))
    }
    if (kinds_before | _kinds_of(con, set(taken))) - _period_kinds():
        report.all_months_touched = True
    if taking.hold_unchecked:
        _hold_unchecked(
            con, _held_months(con) if report.all_months_touched else report.touched_months
        )


def _record_files(con: duckdb.DuckDBPyConnection, files: list[tuple]) -> None:
    """ledger_files and ledger_contents of the files this load took or could not take, one
    insert each (a statement per file cost about 1 s of CPU for the city's 131 files)."""
    if not files:
        return
    name, sha, size, modified, status, message, first_seen = map(list, zip(*files, strict=True))
    con.execute(
        """insert into ledger_files (file, sha256, size_bytes, modified_at, status, message,
                                     loaded_at, first_seen)
           select unnest($file::varchar[]), unnest($sha::varchar[]), unnest($size::bigint[]),
                  unnest($modified::timestamp[]), unnest($status::varchar[]),
                  unnest($message::varchar[]), current_timestamp,
                  unnest($first_seen::timestamp[])""",
        {
            "file": name,
            "sha": sha,
            "size": size,
            "modified": modified,
            "status": status,
            "message": message,
            "first_seen": first_seen,
        },
    )
    contents = {sha: seen for _, sha, _, _, _, _, seen in files if sha is not None}
    con.execute(
        """insert into ledger_contents
           select unnest($sha::varchar[]), unnest($first_seen::timestamp[])
           on conflict do nothing""",
        {"sha": list(contents), "first_seen": list(contents.values())},
    )


UNCHECKED = "unchecked"
UNCHECKED_ZH = "本月台账已更改，数据质量检查尚未完成：暂不发布。"
UNCHECKED_EN = (
    "The ledgers of this month changed and their data-quality checks have not completed yet: "
    "not published."
)


def _hold_unchecked(con: duckdb.DuckDBPyConnection, months: set[str] | list[str]) -> None:
    """Hold back every department's months that this load touched, in the load's own
    transaction: the ledger checks replace the hold with their verdict when they commit. A run
    killed between the two leaves the months held (and the next run checks them), never
    published unchecked."""
    if not months:
        return
    con.execute(
        """insert into publication_blocks
           select '*', m, $check, $zh, $en, null from unnest($months::date[]) t(m)
           where not exists (select 1 from publication_blocks b
                             where b.month = t.m and b."check" = $check)""",
        {
            "months": sorted(month_start(m) for m in months),
            "check": UNCHECKED,
            "zh": UNCHECKED_ZH,
            "en": UNCHECKED_EN,
        },
    )


def _held_months(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every month an accepted row of a dated ledger belongs to; read from the stored tables,
    which need no lineage (raw_<kind> joins each row to `ledger_sources`)."""
    return _months_of_rows(con, lambda spec: spec.stored_table)


def _months_of_rows(
    con: duckdb.DuckDBPyConnection,
    table: Callable[[Ledger], str],
    where: str = "true",
    params: list | None = None,
) -> set[str]:
    """The months of the rows of each dated ledger's `table` that pass `where`: the month of
    each distinct day, not of each row (the city's 4 M episodes: 0.050 -> 0.019 s CPU; every
    file of its warehouse forgotten, through the staged views: 0.23-0.25 -> 0.047-0.052)."""
    months: set[str] = set()
    for spec in ledgers().values():
        if spec.period:
            rows = con.execute(
                f"""select distinct cast(date_trunc('month', d) as date)
                    from (select distinct "{spec.period}" as d from {table(spec)}
                          where {where})""",  # noqa: S608 -- names from specs, our own SQL
                params,
            ).fetchall()
            months |= {month_key(m) for (m,) in rows if m}
    return months


def _modified(snap: intake.Snapshot, path: Path) -> dt.datetime | None:
    """When the file read was last modified (the snapshot's own stamp), in the hospital's time."""
    if snap.modified_ns is not None:
        return clock.local_time(snap.modified_ns / 1e9)
    try:
        return clock.local_time(os.stat(path, follow_symlinks=False).st_mtime)
    except OSError:
        return None


def _unsupported(path: Path) -> str:
    if path.suffix.lower() == ".xls":
        return "legacy .xls workbook: open it in Excel and save as .xlsx"
    return (
        f"not a ledger file ({path.suffix or 'no extension'}): "
        "only .xlsx, .csv and .parquet are read"
    )


def _period_kinds() -> set[str]:
    return {kind for kind, spec in ledgers().items() if spec.period}


def _kinds_of(con: duckdb.DuckDBPyConnection, files: set[str]) -> set[str]:
    if not files:
        return set()
    rows = con.execute(
        "select distinct kind from ledger_sheets where kind is not null and list_contains(?, file)",
        [sorted(files)],
    ).fetchall()
    return {kind for (kind,) in rows}


def _has_sources(con: duckdb.DuckDBPyConnection, files: set[str]) -> bool:
    """Whether any sheet of these files is in `ledger_sources`: a staged row of a file is one of
    its sheets' (its lineage is that join), so without one the files hold no staged row. A first
    load asks it of every file it reads, and the answer spares a statement per ledger table."""
    return (
        bool(files)
        and con.execute(
            "select exists (select 1 from ledger_sources where list_contains(?, file))",
            [sorted(files)],
        ).fetchone()[0]
    )


def _months_of_files(con: duckdb.DuckDBPyConnection, files: set[str]) -> set[str]:
    """Months that rows of these files (as now staged) belong to."""
    if not _has_sources(con, files):
        return set()
    return _months_of_rows(
        con, lambda spec: spec.staged_table, "list_contains(?, source_file)", [sorted(files)]
    )


def _months_of_reads(reads: dict[str, list[SheetRead]]) -> set[str]:
    months = set()
    for sheets in reads.values():
        for sheet in sheets:
            period = ledgers()[sheet.kind].period if sheet.kind else None
            if period:
                months |= {month_key(r[period]) for r in sheet.records if r[period]}
                months |= sheet.months
    return months


def _fingerprints(
    con: duckdb.DuckDBPyConnection, months: set[str], hashed: set[str] | None = None
) -> dict[tuple[str, str], tuple]:
    """(kind, month) -> (rows, order-independent hash of their values) for the accepted rows;
    for a kind not in `hashed` (when given), the hash is None."""
    if not months:
        return {}
    parts = []
    for spec in ledgers().values():
        if not spec.period:
            continue
        # the rows counted (and hashed) by day first, then the days by month: the month is
        # spelled and tested once per day, not once per row (the city's 4 M episodes: 0.107
        # -> 0.023 s CPU counted, as after every first load; 0.20 -> 0.11 s hashed)
        month = "cast(date_trunc('month', d) as date)"
        values = ", ".join(f'"{c.name}"' for c in spec.columns)  # lineage aside
        digest = f"sum(hash(row({values})))"
        if hashed is not None and spec.kind not in hashed:
            digest = "null"
        parts.append(
            f"""select '{spec.kind}' as kind, {month} as m, sum(n)::bigint as n,
                       sum(digest)::hugeint as digest
                from (select "{spec.period}" as d, count(*) as n, {digest} as digest
                      from {spec.stored_table} group by d)
                where list_contains($months::date[], {month})
                group by m"""  # noqa: S608
        )
    # every kind in one statement: one per kind cost about twice the CPU (11 dated kinds: 0.02
    # against 0.01 s a call on a small warehouse, twice a load)
    rows = con.execute(
        " union all ".join(parts), {"months": sorted(month_start(m) for m in months)}
    ).fetchall()
    return {(kind, month_key(m)): (n, digest) for kind, m, n, digest in rows}


def _forget_files(con: duckdb.DuckDBPyConnection, files: set[str]) -> None:
    """The files' rows, accepted or outranked, go (`_rebuild_accepted` then settles the keys
    they held: a twin outranked by a row of theirs may now be kept)."""
    names = sorted(files)
    sources = "select source_id from ledger_sources where list_contains($files, file)"
    if _has_sources(con, files):  # (a file never loaded, as every file of a first load, has none)
        for spec in ledgers().values():
            for table in (spec.stored_table, spec.stored_outranked_table):
                con.execute(
                    f"delete from {table} where source_id in ({sources})",  # noqa: S608
                    {"files": names},
                )
    for table in ("ledger_sources", "rejected_rows", "ledger_sheets", "ledger_files"):
        con.execute(f"delete from {table} where list_contains(?, file)", [names])  # noqa: S608


def latest_stored_day(con: duckdb.DuckDBPyConnection, today: dt.date) -> dt.date | None:
    """The latest date of the dated ledgers' staged rows (accepted and outranked), a date after
    `today` not counted. Read from the stored tables, every one in one statement: the staged_
    views' join to their lineage is not needed here, and through it each kind's maximum cost a
    scan (0.16 -> 0.43 s of CPU for the suites at city scale)."""
    maxima = " union all ".join(
        f'select max("{spec.period}") as day from {table} where "{spec.period}" <= $today'  # noqa: S608
        for spec in ledgers().values()
        if spec.period
        for table in (spec.stored_table, spec.stored_outranked_table)
    )
    return con.execute(f"select max(day) from ({maxima})", {"today": today}).fetchone()[0]  # noqa: S608


def _data_month(
    con: duckdb.DuckDBPyConnection, reads: dict[str, list[SheetRead]]
) -> dt.date | None:
    """The latest month the hospital's dated rows reach (the rows of this load as read and those
    of the files kept), a date after today not counted: the far-past span counts back from it
    (rules.FarPast). Run after the replaced files are forgotten."""
    today = clock.today()
    found = [latest_stored_day(con, today)]
    tables: dict[str, list[SheetRead]] = {}
    for sheet in _sheets(reads):
        period = ledgers()[sheet.kind].period if sheet.kind else None
        if not period:
            continue
        found += [r[period] for r in sheet.records if r[period] and r[period] <= today]
        if (days := bulk.days_read(sheet)) is not None:  # a deferred read's dates, as read
            found += [day for day in days if day <= today]
        elif sheet.table:
            tables.setdefault(period, []).append(sheet)
    for period, sheets in tables.items():  # the set-based reads, one scan per kind's column
        found += con.execute(
            f'select max("{period}") from ({_union_of_reads(sheets)}) where "{period}" <= ?',  # noqa: S608
            [today],
        ).fetchone()
    days = [day for day in found if day is not None]
    return max(days).replace(day=1) if days else None


def _store_reads(
    con: duckdb.DuckDBPyConnection,
    reads: dict[str, list[SheetRead]],
    data_month: dt.date | None,
    one_by_one: bool = False,
) -> None:
    """Stage the rows read, in dependency order so that department names resolve to codes. The
    set-based reads of one batch (files read together) are checked and staged at once
    (`_by_batch`; `one_by_one`: sheet by sheet, to find a file whose rows the warehouse
    refuses)."""
    shas = dict(con.execute("select file, sha256 from ledger_files").fetchall())
    sheets = _sheets(reads)
    for spec in ledgers().values():
        tables: list[SheetRead] = []
        for sheet in (s for s in sheets if s.kind == spec.kind):
            try:
                _store_sheet_rows(con, spec, sheet, shas[sheet.file], data_month)
            except (duckdb.Error, ValueError, TypeError, OverflowError) as error:
                raise _FileFailed(sheet.file, error) from error
            if sheet.table:
                tables.append(sheet)
        for group in [[t] for t in tables] if one_by_one else _by_batch(tables):
            try:
                _stage_tables(con, spec, group, shas, data_month)
            except (duckdb.Error, ValueError, TypeError, OverflowError) as error:
                if len(group) == 1:
                    raise _FileFailed(group[0].file, error) from error
                raise _StagingFailed from error
        if spec.kind in MASTER_KINDS:
            _rebuild_accepted(con, [spec])
    _store_sheets(con, sheets, shas)


def _by_batch(sheets: list[SheetRead]) -> list[list[SheetRead]]:
    """The set-based reads staged by one insert: the files read together (one batch, one big
    table: full row groups), else each sheet on its own. One insert from a union of many small
    tables fills row groups in part, and the checkpoint at commit then rewrites them (2 s of
    CPU per 800,000 rows measured)."""
    groups: dict[int, list[SheetRead]] = {}
    for sheet in sheets:
        batch = sheet.batch
        groups.setdefault(id(batch.batch) if batch is not None else id(sheet), []).append(sheet)
    return list(groups.values())


class _Unsettled(Exception):
    """Rows of deferred set-based reads (ledgers.bulk._defer) did not all pass: the load is done
    again with their parsed tables and rejections made (`bulk.settle`)."""

    def __init__(self, batches: list) -> None:
        super().__init__("rows of a deferred read break a rule")
        self.batches = batches


class _StagingFailed(Exception):
    """The insert of several files' rows failed: the load is done again file by file, to find
    the file whose rows the warehouse refuses."""


def _store_sheet_rows(
    con: duckdb.DuckDBPyConnection,
    spec: Ledger,
    sheet: SheetRead,
    sha: str,
    data_month: dt.date | None,
) -> None:
    """The general path's records: references resolved and staged (a set-based read's table is
    checked and staged by `_stage_tables`; its records are none: nothing to resolve, and the
    department list is not read again for each of 120 files)."""
    if not sheet.records:
        return
    _resolve_references(con, spec, sheet, data_month)
    if sheet.records:
        columns = [c.name for c in spec.columns] + ["source_row"]
        con.register("sheet_rows", pd.DataFrame.from_records(sheet.records, columns=columns))
        try:
            _stage(con, spec, sheet, sha, "select * from sheet_rows")
        finally:
            con.unregister("sheet_rows")


def _stage(
    con: duckdb.DuckDBPyConnection,
    spec: Ledger,
    sheet: SheetRead,
    sha: str,
    rows: str,
    params: dict | None = None,
) -> int:
    """Insert `rows` (a query giving the ledger's columns and `source_row`) with the rest of
    their lineage: the sheet's file and name, the file's SHA-256 (by its id in
    `ledger_sources`). The general path's records stage here (a set-based read's table:
    `_stage_tables`). Rows are staged as accepted (stored_raw_<kind>, read through the views
    raw_<kind> and staged_<kind>): `_rebuild_accepted` moves the twins that lose."""
    (source,) = _new_sources(con, [(sheet.file, sheet.sheet, sha)])
    return _execute(
        con,
        f"""insert into {spec.stored_table} by name
            select r.*, $source as source_id from ({rows}) r""",  # noqa: S608 -- the spec's table; `rows` is our own SQL
        {**(params or {}), "source": source},
    ).fetchone()[0]


def _resolve_references(
    con: duckdb.DuckDBPyConnection, spec: Ledger, sheet: SheetRead, data_month: dt.date | None
) -> None:
    """Departments by code, Chinese or English name -> code; rows dated within the span; devices
    must be registered."""
    if known := rules.of_ledger(spec, rules.KnownDepartment):
        names = _department_spellings(con)
        _keep_if(sheet, spec, known.column, partial(known.resolve, codes=names), known.message)
    if spec.period:
        _keep_dated_in_span(con, spec, sheet, data_month)
    for column in spec.columns:
        if indicator := rules.of_kind(column, rules.IndicatorName):
            _keep_if(sheet, spec, column.name, indicator.resolve, indicator.reason)
        if reference := rules.of_kind(column, rules.Reference):
            known = {
                v
                for (v,) in con.execute(
                    f'select "{reference.target}" from {ledgers()[reference.ledger].table}'  # noqa: S608
                ).fetchall()
            }
            _keep_if(
                sheet,
                spec,
                column.name,
                lambda value, known=known: value if value in known else None,
                reference.message,
            )


def _department_starts(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    rows = con.execute(
        "select code, start_date from raw_departments where start_date is not null"
    ).fetchall()
    return dict(rows)


def _keep_dated_in_span(
    con: duckdb.DuckDBPyConnection, spec: Ledger, sheet: SheetRead, data_month: dt.date | None
) -> None:
    """Rows dated far before the hospital's data (rules.FarPast: more than the span before their
    department's start, else the data month), and rows dated before their department existed
    (rules.AfterStart: its start date in the department list)."""
    starts = _department_starts(con) if spec.dept else {}
    far = rules.far_past(spec)
    after = rules.of_ledger(spec, rules.AfterStart)
    kept = []
    for record in sheet.records:
        code = record[spec.dept] if spec.dept else None
        start = starts.get(code)
        day = record[spec.period]
        if far.fails(day, start or data_month):
            since = rules.since_start(code, start) if start else rules.since_data_month(data_month)
            reason = far.reason(day, since)
            sheet.rejected.append(
                _reference_rejection(sheet, spec, record, spec.period, lambda _, r=reason: r)
            )
        elif after is not None and after.fails(day, start):
            reason = after.reason(code, start, day)
            sheet.rejected.append(
                _reference_rejection(sheet, spec, record, spec.dept, lambda _, r=reason: r)
            )
        else:
            kept.append(record)
    sheet.records = kept


def _keep_if(sheet: SheetRead, spec: Ledger, column: str, resolve, message: str) -> None:
    kept = []
    for record in sheet.records:
        if record[column] is None:  # a blank optional cell (actions.metric): nothing to resolve
            kept.append(record)
            continue
        resolved = resolve(record[column])
        if resolved is None:
            sheet.rejected.append(_reference_rejection(sheet, spec, record, column, message))
            continue
        record[column] = resolved
        kept.append(record)
    sheet.records = kept


def _reference_rejection(
    sheet: SheetRead, spec: Ledger, record: dict, column: str, message
) -> Rejection:
    return Rejection(
        sheet.file,
        sheet.sheet,
        record["source_row"],
        spec.kind,
        column,
        message(record) if callable(message) else message.format(value=record[column]),
        {
            k: str(v)
            for k, v in record.items()
            if v is not None and k in spec.by_name and spec.shows(k)
        },
    )


def _department_spellings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    names = {}
    for code, name_zh, name_en in con.execute(
        "select code, name_zh, name_en from raw_departments"
    ).fetchall():
        for spelling in (code, name_zh, name_en):
            if spelling:
                names[normalise_header(spelling)] = code
    return names


def _stage_tables(
    con: duckdb.DuckDBPyConnection,
    spec: Ledger,
    sheets: list[SheetRead],
    shas: dict[str, str],
    data_month: dt.date | None,
) -> None:
    """Stage the rows that set-based reads of one kind left in their tables, all at once (one
    insert of the rows passing the checks; the others are looked for only when some fail): departments resolved to codes,
    dates within the span and registered devices checked in SQL, the rows that fail rejected as
    `_resolve_references` does (worded in SQL where the check has its reason's SQL, else by
    re-parsing the row in Python, sheet by sheet). Each row keeps its own lineage: the sheets'
    files, names and SHA-256 are a small table (`part`) joined to their rows, each sheet's
    id in `ledger_sources` stored with them."""
    tag = f"{sheets[0].table}_all"
    table, key, lineage = f"{tag}_rows", f"{tag}_refs", f"{tag}_lineage"
    con.execute(f"create or replace temp view {table} as {_union_of_reads(sheets)}")
    sources = [(s.file, s.sheet, shas[s.file]) for s in sheets]
    frame = pd.DataFrame(
        {
            "part": range(len(sheets)),
            "source_id": _new_sources(con, sources),
            "file": [s.file for s in sheets],
            "sheet": [s.sheet for s in sheets],
            "sha": [shas[s.file] for s in sheets],
        }
    )
    con.register(f"{lineage}_frame", frame)
    con.execute(
        f"create or replace temp table {lineage} as "  # noqa: S608
        f"select part::integer as part, source_id::integer as source_id, file::varchar as file, "
        f"sheet::varchar as sheet, sha::varchar as sha from {lineage}_frame"
    )
    con.unregister(f"{lineage}_frame")
    # (column, SQL true when the row passes, message, the message's SQL or None: NULL for a row
    # whose message SQL cannot spell, which is re-parsed in Python)
    checks: list[tuple[str, str, object, str | None]] = []
    excluded, replaced = ["rn", "part"], []  # columns of the read replaced by their resolved values
    joins = f"join {lineage} l on l.part = p.part"
    tables = [key]
    probe = f"({found})" if (found := bulk.probe(sheets)) else None
    if known := rules.of_ledger(spec, rules.KnownDepartment):
        names = _department_spellings(con)
        # (a deferred read's departments from its probe: a scan of its rows would parse them)
        distinct = f'select distinct "{spec.dept}" from {probe or table}'  # noqa: S608
        spellings = [v for (v,) in con.execute(distinct).fetchall()]
        _spelling_table(con, key, spellings, [known.resolve(v, names) for v in spellings])
        joins += f' left join {key} d on d.spelling = p."{spec.dept}"'
        excluded.append(f'"{spec.dept}"')
        replaced.append(f'd.code as "{spec.dept}"')
        reason = known.reason_sql(expression=f'p."{spec.dept}"')
        checks.append((spec.dept, "d.code is not null", known.message, reason))
    starts = _department_starts(con) if spec.period and spec.dept else {}
    if starts:
        joins += " left join raw_departments ds on ds.code = d.code"
    if spec.period:
        checks += _span_checks(spec, bool(starts))
    for number, column in enumerate(c for c in spec.columns if c.indicator):
        # Indicators by id or name -> id, as `_resolve_references` does cell by cell.
        indicator = rules.of_kind(column, rules.IndicatorName)
        alias, names_table = f"i{number}", f"{key}_i{number}"
        distinct = f'select distinct "{column.name}" from {table}'  # noqa: S608
        spellings = [v for (v,) in con.execute(distinct).fetchall()]
        _spelling_table(con, names_table, spellings, [indicator.resolve(v) for v in spellings])
        tables.append(names_table)
        joins += f' left join {names_table} {alias} on {alias}.spelling = p."{column.name}"'
        excluded.append(f'"{column.name}"')
        replaced.append(f'{alias}.code as "{column.name}"')
        checks.append(
            (
                column.name,
                f'({alias}.code is not null or p."{column.name}" is null)',
                indicator.reason,
                None,
            )
        )
    select = f"p.* exclude ({', '.join(excluded)})" + "".join(f", {r}" for r in replaced)
    for column in spec.columns:
        if reference := rules.of_kind(column, rules.Reference):
            value = f'p."{column.name}"'
            checks.append(
                (
                    column.name,
                    reference.holds_sql(value),
                    reference.message,
                    reference.reason_sql(expression=value),
                )
            )
    params = {"data_month": data_month}
    passes = " and ".join(f"coalesce({test}, false)" for _, test, _, _ in checks) or "true"

    unsettled = bulk.deferred(sheets)
    if probe and all(column in (spec.dept, spec.period) for column, _, _, _ in checks):
        # A deferred read's checks, by department on its first date (each check holds for
        # every later date if for that one): a row that fails sends the load back before the
        # insert (`_Unsettled`)
        probed = f"select 1 from {probe} p {joins} where not ({passes}) limit 1"  # noqa: S608
        if _execute(con, probed, params).fetchone():
            raise _Unsettled(unsettled)

    # The rows that pass are staged first: when they are all the table's rows (most loads), no
    # row fails and no further scan is needed; else each check is run for its rejections, in
    # order.
    try:
        staged = _execute(
            con,
            f"""insert into {spec.stored_table} by name
                select {select}, p.rn as source_row, l.source_id
                from {table} p {joins} where {passes}""",  # noqa: S608 -- names from the specs
            params,
        ).fetchone()[0]
        if unsettled:
            staged = _check_stored(con, spec, sheets, unsettled, lineage, staged)
    except duckdb.Error as error:
        if not unsettled:
            raise
        # DuckDB failed while computing a deferred read's parse (or checking its stored rows):
        # the load goes back and the read is settled as any other, which its parse failing at
        # a read would have been (a file then costs itself only: `_load_inbox`)
        raise _Unsettled(unsettled) from error

    def counted(where: str) -> dict[int, int]:  # rows by sheet number
        found = f"select p.part, count(*) from {table} p {joins} where {where} group by all"  # noqa: S608
        return dict(_execute(con, found, params).fetchall())

    failing = 0
    if staged != sum(sheet.table_rows for sheet in sheets):
        failing = sum(counted(f"not ({passes})").values())
    for sheet in sheets:
        sheet.rejected_in_load = 0
    passed: list[str] = []
    for number, (column, test, message, reason) in enumerate(checks if failing else []):
        where = f"""{" and ".join(passed) or "true"} and not coalesce({test}, false)"""
        if reason is not None:  # worded in SQL, as _reference_rejection words it
            # the department as the row holds it until its own check is passed, then its code
            coded = bool(spec.dept) and number > 0
            worded = f"{where} and ({reason}) is not null"
            for part, count in counted(worded).items():
                sheets[part].rejected_in_load += count
            _execute(
                con,
                f"""insert into rejected_rows
                    select l.file, l.sheet, p.rn, '{spec.kind}', '{column}', {reason}, null,
                           {_record_json(spec, coded)}, l.sha, false, null
                    from {table} p {joins} where {worded}""",  # noqa: S608 -- names from the specs
                params,
            )
            where += f" and ({reason}) is null"
        left = _execute(
            con,
            f"select p.part, p.rn from {table} p {joins} where {where} order by p.part, p.rn",  # noqa: S608
            params,
        ).fetchall()
        for part, rows in itertools.groupby(left, key=lambda found: found[0]):
            sheet = sheets[part]
            for record in _reparse(con, sheet, [rn for _, rn in rows]):
                sheet.rejected.append(_reference_rejection(sheet, spec, record, column, message))
        passed.append(f"coalesce({test}, false)")
    if failing:
        passing = counted(passes)
        for part, sheet in enumerate(sheets):
            sheet.table_rows = passing.get(part, 0)
    for name in tables:
        con.execute(f"drop table if exists {name}")
    con.execute(f"drop table {lineage}")
    con.execute(f"drop view {table}")


def _check_stored(
    con: duckdb.DuckDBPyConnection,
    spec: Ledger,
    sheets: list[SheetRead],
    unsettled: list,
    lineage: str,
    staged: int,
) -> int:
    """The rows of deferred reads (ledgers.bulk._defer) that `_stage_tables` staged as parsed,
    unchecked by the rules between a row's cells, checked by their typed values: the rows
    staged, once those breaking such a rule are worded and taken out again. A row the insert
    left out sends the load back (`_Unsettled`: its months, its data month and its rejections
    are then those of the parsed table, made after the rollback)."""
    if staged != sum(sheet.table_rows for sheet in sheets):
        raise _Unsettled(unsettled)
    breaking = " or ".join(f"({batch.failing})" for batch in unsettled)
    (broken,) = con.execute(
        f"""select count(*) from {spec.stored_table}
            where source_id in (select source_id from {lineage}) and ({breaking})"""  # noqa: S608 -- rule SQL, our own names
    ).fetchone()
    if broken and len(unsettled) > 1:  # (rows of several batches: worded by each read)
        raise _Unsettled(unsettled)
    if broken:
        # every row went in and some break a rule: they are worded from their stored values,
        # as the read words them, and taken out again (unless that changes what was staged
        # before them: then the load goes back)
        rejected = bulk.reject_stored(
            con,
            unsettled[0],
            sheets,
            f"""select l.part, s.source_row as rn, s.* exclude (source_id, source_row)
                from {spec.stored_table} s join {lineage} l using (source_id)
                where {breaking}""",  # noqa: S608 -- rule SQL, our own names
            spec.period,
        )
        if rejected is None:
            raise _Unsettled(unsettled)
        con.execute(
            f"""delete from {spec.stored_table}
                where source_id in (select source_id from {lineage}) and ({breaking})"""  # noqa: S608
        )
        for part, sheet in enumerate(sheets):
            sheet.table_rows -= rejected[part]
        staged -= sum(rejected.values())
    return staged


def _union_of_reads(sheets: list[SheetRead]) -> str:
    """SQL of the rows of these set-based reads, each tagged with its sheet's number (`part`).
    Files read together (ledgers.bulk: one batch, `sheet.batch`) are read from the batch's own
    table, once, rather than through each file's view of it."""
    selects, batches = [], {}
    for part, sheet in enumerate(sheets):
        batch = sheet.batch
        if batch is None or len(sheets) == 1:  # (one file of a batch: its own view)
            selects.append(f"select {part} as part, * from {sheet.table}")  # noqa: S608
        else:
            batches.setdefault(id(batch.batch), (batch.batch, []))[1].append((batch.fid, part))
    for batch, parts in batches.values():
        fids = ", ".join(str(fid) for fid, _ in parts)  # our own numbers
        numbers = ", ".join(str(part) for _, part in parts)
        selects.append(
            f"select m.part, t.* exclude (fid) from {batch.parsed} t "  # noqa: S608
            f"join (select unnest([{fids}]) as fid, unnest([{numbers}]) as part) m using (fid)"
        )
    return " union all by name ".join(selects)


def _span_checks(spec: Ledger, starts: bool) -> list[tuple[str, str, object, str]]:
    """`_keep_dated_in_span` in SQL over a set-based read `p` (joined to its department's codes
    `d` and, when the department list gives start dates, to `ds`): (column, SQL true when the row
    passes, message, the message's SQL)."""
    period = f'p."{spec.period}"'
    far = rules.far_past(spec)
    month = "cast($data_month as date)"
    since = rules.since_data_month_sql(month)
    reference = month
    if starts:
        reference = f"coalesce(ds.start_date, {month})"
        since = (
            f"case when ds.start_date is null then {since} "
            f"else {rules.since_start_sql('d.code', 'ds.start_date')} end"
        )
    checks = [
        (
            spec.period,
            f"not coalesce({far.failure_sql(period, reference)}, false)",
            None,
            far.reason_sql(period, since),
        )
    ]
    if starts:
        after = rules.of_ledger(spec, rules.AfterStart)
        checks.append(
            (
                spec.dept,
                after.holds_sql(period, "ds.start_date"),
                None,
                after.reason_sql("d.code", "ds.start_date", period),
            )
        )
    return checks


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyConnection:
    """Run `sql` with those of `params` it names (DuckDB refuses a parameter left unused)."""
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


def _record_json(spec: Ledger, coded: bool) -> str:
    """SQL of a set-based read's row `p` as `_reference_rejection` keeps it: its parsed values
    as Python's str() spells them, by column name, JSON with sorted keys (json.dumps), the
    department as its code (`d.code`, when `coded`)."""
    entries = []
    for column in sorted(spec.columns, key=lambda c: c.name):
        if not spec.shows(column.name):
            continue
        value = "d.code" if coded and column.name == spec.dept else f'p."{column.name}"'
        text = {
            "date": f"strftime({value}, '%Y-%m-%d')",
            "month": f"strftime({value}, '%Y-%m-%d')",
            "bool": f"case when {value} then 'True' when not {value} then 'False' end",
            "number": f"cast(cast({value} as double) as varchar)",
            "amount": f"cast(cast({value} as double) as varchar)",
        }.get(column.type, f"cast({value} as varchar)")
        if column.type == "text":  # dates and numbers hold nothing JSON escapes
            text = (
                f"replace(replace(replace(replace(replace({text}, '\\', '\\\\'), '\"', '\\\"'), "
                "chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t')"
            )
        entries.append(f"""'"{column.name}": "' || {text} || '"'""")
    return f"'{{' || concat_ws(', ', {', '.join(entries)}) || '}}'"


def _spelling_table(
    con: duckdb.DuckDBPyConnection, name: str, spellings: list, codes: list[str | None]
) -> None:
    """A temp table `name` (spelling, code): how each distinct cell of a read resolves."""
    frame = pd.DataFrame(
        {"spelling": pd.Series(spellings, dtype=object), "code": pd.Series(codes, dtype=object)}
    )
    con.register(f"{name}_frame", frame)
    con.execute(
        f"create or replace temp table {name} as "  # noqa: S608
        f"select spelling::varchar as spelling, code::varchar as code from {name}_frame"
    )
    con.unregister(f"{name}_frame")


def _reparse(con: duckdb.DuckDBPyConnection, sheet: SheetRead, rows: list[int]) -> list[dict]:
    """Rows of a set-based read as the general path's records (for the rejections' values)."""
    from ledgers.reader import parse_row
    from ledgers.workbook_csv import original

    if not rows:
        return []
    match = sheet.match
    names = [c.name for c, _ in match.columns.values()]
    columns = ", ".join(f'"{n}"' for n in names)
    found = con.execute(
        f"select rn, {columns} from {sheet.cells} where list_contains(?, rn) order by rn",  # noqa: S608
        [rows],
    ).fetchall()
    records = []
    for rn, *cells in found:
        raw = {n: original(sheet.odd_cells, c) for n, c in zip(names, cells, strict=True)}
        record, _ = parse_row(match, raw)
        record.update(source_file=sheet.file, source_sheet=sheet.sheet, source_row=rn)
        records.append(record)
    return records


def _store_sheets(
    con: duckdb.DuckDBPyConnection, sheets: list[SheetRead], shas: dict[str, str]
) -> None:
    """ledger_sheets, one insert for every sheet (a statement per sheet, and one counting each
    set-based read's rejections, cost about 0.4 s of CPU for the city's 131 files), and the
    sheets' rejected rows."""
    in_tables = _rejected_in_tables(con, sheets)
    rows = [
        (
            sheet.file,
            sheet.sheet,
            sheet.kind,
            sheet.header_row,
            "skipped" if sheet.skipped else "read",
            sheet.skipped,
            len(sheet.records) + sheet.table_rows,
            len(sheet.rejected) + in_table + sheet.rejected_in_load,
            sheet.totals_rows,
            ", ".join(sheet.extra_columns) or None,
        )
        for sheet, in_table in zip(sheets, in_tables, strict=True)
    ]
    if rows:
        columns = list(map(list, zip(*rows, strict=True)))
        con.execute(
            """insert into ledger_sheets
               select unnest($1::varchar[]), unnest($2::varchar[]), unnest($3::varchar[]),
                      unnest($4::integer[]), unnest($5::varchar[]), unnest($6::varchar[]),
                      unnest($7::integer[]), unnest($8::integer[]), unnest($9::integer[]),
                      unnest($10::varchar[])""",
            columns,
        )
    for sheet, in_table in zip(sheets, in_tables, strict=True):
        _store_rejected(con, sheet, shas[sheet.file], in_table)


def _store_rejected(
    con: duckdb.DuckDBPyConnection, sheet: SheetRead, sha256: str, in_table: int
) -> None:
    """A sheet's rejected rows: those of the general path, and those a set-based read worded in
    SQL (`in_table` of them)."""
    if sheet.rejected:
        # One insert of a frame: a statement per row (executemany) took minutes for a 10 MB
        # file of 200,000 rejected rows (bench/hostile.py, far_dates_csv).
        frame = pd.DataFrame(
            {
                "file": [r.file for r in sheet.rejected],
                "sheet": [r.sheet for r in sheet.rejected],
                "row": pd.array([r.row for r in sheet.rejected], dtype="Int64"),
                "ledger": [r.ledger for r in sheet.rejected],
                "column": [r.column for r in sheet.rejected],
                "reason": [r.reason for r in sheet.rejected],
                "twin": pd.Series([r.twin for r in sheet.rejected], dtype=object),
                "values": [
                    json.dumps(r.values, ensure_ascii=False, sort_keys=True) for r in sheet.rejected
                ],
            }
        )
        con.register("rejected_frame", frame)
        try:
            con.execute(
                """insert into rejected_rows
                   select file, sheet, "row", ledger, "column", reason, twin::varchar, "values",
                          $sha, false, null
                   from rejected_frame""",
                {"sha": sha256},
            )
        finally:
            con.unregister("rejected_frame")
    if in_table:  # worded in SQL by the set-based read (ledgers.bulk)
        con.execute(
            f"""insert into rejected_rows
                select $file, $sheet, rn, $ledger, "column", reason, null, "values", $sha, false,
                       null
                from {sheet.rejected_table}""",  # noqa: S608 -- our own temporary table
            {"file": sheet.file, "sheet": sheet.sheet, "ledger": sheet.kind, "sha": sha256},
        )


def _rejected_in_tables(con: duckdb.DuckDBPyConnection, sheets: list[SheetRead]) -> list[int]:
    """For each sheet, the rows its set-based read rejected in SQL (ledgers.bulk; those its load
    rejected, in `_stage_tables`, are `sheet.rejected_in_load`): counted in one statement."""
    counts = [0] * len(sheets)
    tables = [(n, sheet.rejected_table) for n, sheet in enumerate(sheets) if sheet.rejected_table]
    if tables:
        counted = " union all ".join(
            f"select {n}, count(*) from {table}"  # noqa: S608 -- our own temporary tables
            for n, table in tables
        )
        for n, count in con.execute(counted).fetchall():
            counts[n] = count
    return counts


def _rebuild_accepted(
    con: duckdb.DuckDBPyConnection,
    specs: list[Ledger] | None = None,
    files: set[str] | None = None,
    whole: set[str] | None = None,
) -> None:
    """Settle the keys held more than once: raw_<kind> keeps one staged row per key. Where files
    disagree the row holding the most values wins, then the most recently modified file's: a
    near-empty row of a newer file (a register taken for a ledger) never replaces a fuller one.
    The others move to outranked_<kind> and are kept in rejected_rows naming their twin, so
    nothing is counted twice.

    Rows are staged straight into raw_<kind> (`_stage`) and stay there unless a twin outranks
    them: only the keys held more than once, and those of rows outranked before (their twin may
    be gone), are ranked and moved; a first load of unique keys writes nothing here. With
    `files` (the files this load forgot and read again), a kind whose other files hold most of
    its rows is looked at for the keys those files held or hold only (`_keys_of_files`): a
    month's new export does not group five years of accepted rows again. `whole`: kinds looked
    at whole all the same (their keys were not collected before the files were forgotten)."""
    whole = set(whole or ())
    for spec in list(ledgers().values()) if specs is None else specs:
        if not spec.key:
            continue  # a ledger of events without a key (complaints): every staged row counts
        term = _key_terms(con, spec)
        key = ", ".join(term(k) for k in spec.key)

        def same_key(alias: str, spec: Ledger = spec, term=term) -> str:
            # A key column that may be blank (targets.year: every year): blank matches blank.
            return " and ".join(
                f'{term(k)} = {alias}."{k}"'
                if spec.by_name[k].required
                else f'{term(k)} is not distinct from {alias}."{k}"'
                for k in spec.key
            )

        on_key = same_key("d")
        scope = ""  # every staged row
        if files is not None and spec.kind not in whole:
            whole |= _keys_of_files(con, {spec.kind}, files)  # the keys its new rows hold
            if spec.kind not in whole:
                scope = f"semi join {_affected(spec)} a on {same_key('a')}"
        named_key = ", ".join(f'{term(k)} as "{k}"' for k in spec.key)
        filled = " + ".join(
            f'(s."{c.name}" is not null)::int' for c in spec.columns if c.name not in spec.key
        )
        filled = f"({filled or '0'})"
        # Identifiers below come from specs.toml, never from ledger text.
        if not _held_once(con, spec, key, scope):
            con.execute(
                f"""create or replace temp table duplicate_keys as
                    select {named_key} from {spec.staged_table} s {scope}
                    group by all having count(*) > 1
                    union select {named_key} from {spec.outranked_table} s {scope}"""  # noqa: S608
            )
            if con.execute("select count(*) from duplicate_keys").fetchone()[0]:
                _settle_twins(con, spec, key, filled, on_key)
            con.execute("drop table duplicate_keys")
        con.execute("drop table if exists folded_keys")
        con.execute(f"drop table if exists {_affected(spec)}")


def _held_once(con: duckdb.DuckDBPyConnection, spec: Ledger, key: str, scope: str) -> bool:
    """Whether every key (in `scope`) is held by one staged row and none was outranked, told by
    the keys' hashes (cheaper than grouping the keys, which is done only when some repeat)."""
    if con.execute(f"select count(*) from {spec.stored_outranked_table} s {scope}").fetchone()[0]:  # noqa: S608
        return False
    if not scope and not spec.folded_key:
        # every accepted row, keys compared as they are: the proof is kept for the blocking
        # suite and the ledger checks, which read it instead of sorting the keys again (0.8 s
        # of CPU for the city's 4 M episode numbers)
        listed = ", ".join(f'"{k}"' for k in spec.key)
        return rules_of_rows.keys_proven(con, spec.table, listed, again=True)
    return rules_of_rows.keys_distinct(con, key, f"{spec.stored_table} s {scope}")


def _settle_twins(
    con: duckdb.DuckDBPyConnection, spec: Ledger, key: str, filled: str, on_key: str
) -> None:
    """Rank every staged row of the keys in `duplicate_keys` and put each where its rank says:
    the first in raw_<kind>, the others in outranked_<kind> and, as conflicts naming the kept
    twin, in rejected_rows (their conflicts of before are replaced)."""
    order = f"""partition by {key}
                order by {filled} desc, f.modified_at desc, s.source_file, s.source_sheet,
                         s.source_row"""
    # The staged rows with their lineage, and their sheets' ids to store them back by.
    columns = ", ".join(f'"{c.name}"' for c in spec.columns)
    staged = " union all ".join(
        f"select {columns}, source_row, source_id from {table}"  # noqa: S608 -- names from the specs
        for table in (spec.stored_table, spec.stored_outranked_table)
    )
    values = ", ".join(f's."{c.name}"' for c in spec.columns)
    staged = f"({_with_lineage(f'({staged})', f'{values}, s.source_id')})"
    # Identifiers below come from specs.toml, never from ledger text.
    con.execute(
        f"""create or replace temp table ranked_twins as
            select s.*, row_number() over ({order}) as rank,
                   first_value(s.source_file || coalesce(' / ' || nullif(s.source_sheet, ''), '')
                               || ' row ' || s.source_row) over ({order}) as kept,
                   max({filled}) over (partition by {key}) - {filled} as fewer_values
            from {staged} s join ledger_files f on f.file = s.source_file
            semi join duplicate_keys d on {on_key}"""  # noqa: S608
    )
    for table in (spec.stored_table, spec.stored_outranked_table):
        con.execute(
            f"delete from {table} s where exists (select 1 from duplicate_keys d where {on_key})"  # noqa: S608
        )
    con.execute(
        """delete from rejected_rows r where r.is_conflict and r.ledger = ? and exists (
               select 1 from ranked_twins s
               where s.source_file = r.file and s.source_sheet = r.sheet
                 and s.source_row = r."row")""",
        [spec.kind],
    )
    rows = f"select {columns}, source_row, source_id from ranked_twins"  # noqa: S608
    con.execute(f"insert into {spec.stored_table} by name {rows} where rank = 1")  # noqa: S608
    con.execute(f"insert into {spec.stored_outranked_table} by name {rows} where rank > 1")  # noqa: S608
    key_list = ", ".join(
        f"'{k}', cast(\"{k}\" as varchar)" if spec.shows(k) else f"'{k}', '{WITHHELD}'"
        for k in spec.key
    )
    con.execute(
        f"""insert into rejected_rows
            select source_file, source_sheet, source_row, ?, ?,
                   'the same key appears in ' || kept || ', which is kept'
                   || case when fewer_values > 0
                           then ' (it holds ' || fewer_values || ' more value(s))'
                           else '' end,
                   kept,
                   cast(json_object({key_list}) as varchar), source_sha256, true,
                   fewer_values
            from ranked_twins where rank > 1""",  # noqa: S608
        [spec.kind, ", ".join(spec.key)],
    )
    con.execute("drop table ranked_twins")


def _affected(spec: Ledger) -> str:
    return f"affected_keys_{spec.kind}"


def _keys_of_files(con: duckdb.DuckDBPyConnection, kinds: set[str], files: set[str]) -> set[str]:
    """Add the keys that staged rows of these files hold to `_affected(spec)` of each kind that
    may be rebuilt by key (`_by_key`): run before the files are forgotten (the keys their rows
    held) and when the new rows are staged (the keys they hold). Gives the kinds whose rows of
    these files are too many to be worth it: those are rebuilt whole."""
    whole = set()
    for kind in sorted(kinds):
        spec = ledgers()[kind]
        if not _by_key(con, spec, files):
            whole.add(kind)
            continue
        columns = ", ".join(f'"{k}"' for k in spec.key)
        con.execute(
            f"create temp table if not exists {_affected(spec)} as "  # noqa: S608
            f"select {columns} from {spec.staged_table} limit 0"
        )
        con.execute(
            f"""insert into {_affected(spec)} select distinct {columns} from {spec.staged_table}
                where list_contains($files, source_file)""",  # noqa: S608
            {"files": sorted(files)},
        )
    return whole


def _by_key(con: duckdb.DuckDBPyConnection, spec: Ledger, files: set[str]) -> bool:
    """Whether this kind's accepted rows may be rebuilt for the keys of `files` only: it has
    keys compared as they are (not folded), it had accepted rows, and the staged rows of those
    files are fewer than half of its rows (else one copy of every row costs less than finding
    the keys: a first load, a department list changed)."""
    if not spec.key or spec.folded_key or spec.kind in MASTER_KINDS:
        return False
    if not con.execute(f"select count(*) from {spec.stored_table}").fetchone()[0]:  # noqa: S608
        return False
    # rows by sheet, then by file: a file's name is one dictionary entry, not a test per row (a
    # filtered count of 4 M episodes took 2-3 s of CPU), and the stored tables' sheet ids are
    # counted without joining each row to its lineage, as the staged view does (0.041 -> 0.014
    # s of CPU for the city's episodes)
    by_file = con.execute(
        f"""select l.file, sum(s.n)::bigint
            from (select source_id, count(*) as n from {spec.stored_table} group by all
                  union all
                  select source_id, count(*) from {spec.stored_outranked_table} group by all) s
                 left join ledger_sources l on l.source_id = s.source_id
            group by all"""  # noqa: S608 -- names from the specs
    ).fetchall()
    theirs = sum(rows for file, rows in by_file if file in files)
    return theirs * 2 < sum(rows for _, rows in by_file)


def _key_terms(con: duckdb.DuckDBPyConnection, spec: Ledger) -> Callable[[str], str]:
    """SQL of each key column of staged row `s` as keys are compared. For a ledger whose keys
    fold (department codes), CARD, card and ＣＡＲＤ are one key, so that nothing downstream
    (report files, links, groups) meets two departments that differ only in case or width: the
    folded spelling of each distinct code is computed by the same folding as headers."""
    if not spec.folded_key:
        return lambda k: f's."{k}"'
    spellings = {
        v
        for k in spec.key
        for (v,) in con.execute(f'select distinct "{k}" from {spec.staged_table}').fetchall()  # noqa: S608
        if v is not None
    }
    frame = pd.DataFrame(
        {
            "raw": pd.Series(sorted(spellings), dtype=object),
            "folded": pd.Series([normalise_header(v) for v in sorted(spellings)], dtype=object),
        }
    )
    con.register("folded_frame", frame)
    con.execute(
        "create or replace temp table folded_keys as "
        "select raw::varchar as raw, folded::varchar as folded from folded_frame"
    )
    con.unregister("folded_frame")
    return lambda k: (
        f'coalesce((select f.folded from folded_keys f where f.raw = s."{k}"), s."{k}")'  # noqa: S608 -- names from specs
    )


def _summarise(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    for kind, files in con.execute(
        "select kind, count(distinct file) from ledger_sheets where kind is not null group by kind"
    ).fetchall():
        report.files_by_kind[kind] = files
    report.rows_by_kind.update(ledger_rows(con))
    report.rejected_by_reason.update(dict(rejections_by_reason(con)))
    for file, message in con.execute(
        "select file, message from ledger_sheets where status = 'skipped' order by file, sheet"
    ).fetchall():
        report.problems.append((file, "sheet skipped", message))
    for file, status, message in con.execute(
        "select file, status, message from ledger_files where status <> 'loaded' order by file"
    ).fetchall():
        if (file, status, message) not in report.problems:
            report.problems.append((file, status, message))


def ledger_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each ledger's accepted rows, by kind, exactly (in one query: duckdb_tables()'s
    estimated_size still counts deleted rows)."""
    counts = " union all ".join(
        f"select '{spec.kind}', count(*) from {spec.stored_table}"  # noqa: S608 -- names from the specs
        for spec in ledgers().values()
    )
    return dict(con.execute(counts).fetchall())


def rejections_by_reason(
    con: duckdb.DuckDBPyConnection, kinds: list[str] | None = None
) -> list[tuple[str, int]]:
    """Rejected rows (of these ledger kinds, if given) counted by rule, without the offending
    value or the column header; most frequent first. A duplicate names its twin, in the same
    file or another one."""
    # Rows of one reason counted first: the words are then cut once per reason, not per row (a
    # file of 350,000 rows dated 1900 has a few thousand reasons).
    return con.execute(
        """select case
                      when not is_conflict
                          then regexp_replace(reason, ',? found .*$|^[^:]*: ', '', 'g')
                      when starts_with(twin, file || ' ') then 'duplicate key within one file'
                      else 'duplicate key across files'
                  end as why,
                  sum(n)::bigint
           from (select reason, is_conflict, twin, file, count(*) as n from rejected_rows
                 where $kinds is null or list_contains($kinds, ledger) group by all)
           group by why order by 2 desc, 1""",
        {"kinds": kinds},
    ).fetchall()
