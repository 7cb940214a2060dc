"""`deptops backup` and `deptops restore`: a consistent copy of HOME that a restore can trust.

A backup is a folder: the warehouse (checkpointed, then copied), the Dagster instance's local
storage (sqlite files copied through sqlite's own backup API, so a half-written page is never
copied), the reports and the first-month state, and `manifest.json` with the size and SHA-256 of
every file. It is taken while holding the HOME lock that `deptops run` holds, so no run writes
while it is copied. A restore checks every file against the manifest before it copies anything.

The ledger inbox is not in it: the departments' ledgers are the source, kept where they are sent.
With a production instance (DAGSTER_HOME set, PostgreSQL storage), back that database up beside
this one with pg_dump (docs/production.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import dagster as dg
import duckdb

from ledgers import clock
from pipelines.settings import Settings

MANIFEST = "manifest.json"
FORMAT = 1
BACKUP_PREFIX = "deptops-backup-"
# Files of a running instance that are not part of its state.
SKIPPED_SUFFIXES = (".wal", "-wal", "-shm", "-journal", ".lock")


class BackupError(RuntimeError):
    """A backup that cannot be taken or restored; the message says which file and why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def backup_home(
    settings: Settings, out: Path, wait: bool = True, progress: Callable[[str], None] = print
) -> dict:
    """Copy HOME's state into the new folder `out` and return its manifest."""
    from pipelines.runner import exclusive_home  # the runner imports the Definitions, and they this

    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: back up into a new folder")
    if out.is_relative_to(settings.home) and not out.is_relative_to(settings.backups):
        raise BackupError(f"{out} is inside HOME {settings.home}: choose a folder outside it")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with exclusive_home(settings, wait, progress):
        if settings.warehouse.exists():
            with duckdb.connect(str(settings.warehouse)) as con:
                con.execute("checkpoint")  # everything in the file, nothing left in the WAL
            shutil.copy2(settings.warehouse, partial / settings.warehouse.name)
        if settings.state_file.exists():
            shutil.copy2(settings.state_file, partial / settings.state_file.name)
        _copy_tree(settings.reports, partial / "reports")
        _copy_tree(settings.dagster_home, partial / "dagster")
    manifest = {
        "format": FORMAT,
        "created": clock.now(settings.timezone).isoformat(timespec="seconds"),
        "home": str(settings.home),
        "files": {
            path.relative_to(partial).as_posix(): {
                "bytes": path.stat().st_size,
                "sha256": sha256_of(path),
            }
            for path in sorted(partial.rglob("*"))
            if path.is_file()
        },
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    if out.exists():
        out.rmdir()
    partial.rename(out)
    return manifest


def _copy_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".db" and _is_sqlite(path):
            with closing(sqlite3.connect(path)) as live, closing(sqlite3.connect(copy)) as snap:
                live.backup(snap)
        else:
            shutil.copy2(path, copy)


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(16) == b"SQLite format 3\x00"


def verify_backup(folder: Path) -> dict:
    """The manifest of a backup whose every file is present and matches it; else BackupError."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{folder} is not a deptops backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(manifest_path.read_text())
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"damaged backup: {manifest_path} cannot be read ({error})") from None
    problems = []
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            problems.append(f"{name} does not match its SHA-256 in {MANIFEST}")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    problems += [f"{name} is not in {MANIFEST}" for name in sorted(present - set(files))]
    if problems:
        raise BackupError(
            f"damaged backup {folder}, nothing restored: "
            + "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        )
    return manifest


def restore_home(
    folder: Path, settings: Settings, wait: bool = True, progress: Callable[[str], None] = print
) -> dict:
    """Check the backup in `folder` against its manifest, then copy it into HOME, which must
    not hold a warehouse or reports yet. Returns the manifest."""
    from pipelines.runner import exclusive_home

    manifest = verify_backup(folder)
    occupied = [p for p in (settings.warehouse, settings.reports) if p.exists()]
    if occupied:
        raise BackupError(
            f"{settings.home} already holds {', '.join(p.name for p in occupied)}: "
            "restore into a new folder (then point DEPTOPS_HOME or --home at it)"
        )
    with exclusive_home(settings, wait, progress):
        for name in manifest["files"]:
            target = settings.home / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / name, target)
    return manifest


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` complete backups under `folder`; return those removed."""
    complete = sorted(
        p for p in folder.glob(BACKUP_PREFIX + "*") if (p / MANIFEST).is_file()
    )  # names carry the time, so name order is age order
    removed = complete[: max(len(complete) - keep, 0)]
    for path in removed:
        shutil.rmtree(path)
    return removed


def scheduled_backup(settings: Settings, progress: Callable[[str], None]) -> Path:
    """One backup under settings.backups, named by the time, then the oldest beyond
    settings.backup_keep removed."""
    stamp = clock.now(settings.timezone).strftime("%Y%m%d-%H%M%S")
    out = settings.backups / f"{BACKUP_PREFIX}{stamp}"
    manifest = backup_home(settings, out, progress=progress)
    progress(f"backup of {settings.home} in {out}: {len(manifest['files'])} files")
    for path in prune_backups(settings.backups, settings.backup_keep):
        progress(f"removed the old backup {path}")
    return out


BACKUP_CRON = "30 2 * * *"  # every night at 02:30 in the hospital's zone, after the day's loads


def build_backup_schedule(settings: Settings) -> tuple[dg.JobDefinition, dg.ScheduleDefinition]:
    """The nightly backup job and its schedule. Its op joins the warehouse's pool, so no step
    that writes the warehouse runs while it is copied (and it takes the HOME lock as well)."""

    @dg.op(pool=settings.pool, description="Back up HOME, keep the newest backups.")
    def home_backup(context) -> None:  # (an annotation would be a string here: Dagster refuses it)
        scheduled_backup(settings, context.log.info)

    @dg.job(name="backup_job", description=f"Back up HOME into {settings.backups}.")
    def backup_job() -> None:
        home_backup()

    schedule = dg.ScheduleDefinition(
        name="backup_schedule",
        job=backup_job,
        cron_schedule=BACKUP_CRON,
        execution_timezone=settings.timezone,
        description=f"Nightly backup, the newest {settings.backup_keep} kept.",
    )
    return backup_job, schedule
