"""HOME's working folder and the warehouse file in it: can the run write there, and a warehouse
rewritten so that a removed ledger's rows leave no bytes behind.

Both are used wherever the load runs: `deptops run` and the `ledger_tables` asset that the
Dagster UI, schedules and sensors run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


class HomeUnusable(RuntimeError):
    """HOME cannot be written; the message says why and what to do, and that nothing changed."""


# Free space HOME needs before a run starts writing (the warehouse grows by its new rows and
# DuckDB writes its WAL and checkpoint beside it): below it the run stops with a message rather
# than failing halfway with "disk I/O error".
MIN_FREE_BYTES = 256 << 20


def check_home(home: Path) -> None:
    """Stop with one clear message, before anything is written, when HOME cannot be created,
    is read-only or is (nearly) full."""
    probe = home / f".deptops-probe-{os.getpid()}"
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"deptops")
        probe.unlink()
        free = shutil.disk_usage(home).free
    except OSError as error:
        raise HomeUnusable(
            f"cannot write to the working folder {home} ({error.strerror or error}): give the "
            "user running deptops a writable folder (--home or DEPTOPS_HOME); nothing was changed"
        ) from None
    if free < MIN_FREE_BYTES:
        raise HomeUnusable(
            f"the disk of the working folder {home} is full ({free >> 20} MiB free, "
            f"{MIN_FREE_BYTES >> 20} MiB needed): free some space; nothing was changed"
        )


def compact_warehouse(warehouse: Path, config: dict[str, str] | None = None) -> None:
    """Rewrite the warehouse into a fresh file and put it in place: DuckDB frees the blocks of
    deleted rows without overwriting them, so a removed ledger's text would stay in the file
    (`strings warehouse.duckdb`).

    The old file is attached read-write for the whole rewrite, so its lock keeps every other
    process out until the fresh file is in its place; DuckDB refuses (duckdb.Error, nothing
    changed) when another process, or another connection of this one, has it open."""
    fresh = warehouse.with_name(warehouse.name + ".compact")
    fresh.unlink(missing_ok=True)
    try:
        with duckdb.connect(config=config or {}) as con:
            con.execute("attach ? as old", [str(warehouse)])
            con.execute("checkpoint old")  # nothing of the old file left in its WAL
            con.execute("attach ? as fresh", [str(fresh)])
            con.execute("copy from database old to fresh")
            con.execute("detach fresh")
            os.replace(fresh, warehouse)
    finally:
        fresh.unlink(missing_ok=True)


def scrub_after_removal(
    warehouse: Path, removed: bool, config: dict[str, str] | None, warn
) -> bool:
    """After a load that removed a ledger file (or when an earlier rewrite could not be done),
    rewrite the warehouse (`compact_warehouse`). When the file is open elsewhere, say so through
    `warn` and leave a note beside it, so that the next load does it. Whether it was rewritten."""
    pending = warehouse.with_name(warehouse.name + ".scrub-pending")
    if not (removed or pending.exists()):
        return False
    try:
        compact_warehouse(warehouse, config)
    except duckdb.Error as error:
        pending.touch()
        warn(
            f"the warehouse could not be rewritten now ({error}): the removed ledger's rows are "
            "deleted, but their bytes stay in its free blocks until the next load rewrites it"
        )
        return False
    pending.unlink(missing_ok=True)
    return True
