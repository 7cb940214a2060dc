"""Whole runs of `deptops run` as a user starts them (a child process, or its command line in the
test's process), and the folders that more than one test module reads, built once per test
session for every pytest-xdist worker."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# the exports a run writes whatever reports it renders
EXPORTS = ("metrics.csv", "data_quality.csv", "rejected_rows.csv")
# a run that writes the indicators and the exports, no report
NO_REPORTS = ("--reports", "none")


def deptops(inbox: Path, home: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--home", str(home),
         *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip


def run_here(inbox: Path, home: Path, *extra: str) -> str:
    """`deptops run` (pipelines.cli.main) in this process, to the end; what it printed. The run a
    `deptops` child makes, on the same Dagster instance under HOME, without a new process that
    imports the whole stack again (~3 s CPU): for a run that is not killed or run beside
    another."""
    from pipelines.cli import main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", "--inbox", str(inbox), "--home", str(home), *extra])
    assert code == 0, printed.getvalue()
    return printed.getvalue()


def shared_folder(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]
) -> Path:
    """The folder `build(folder)` fills, built once per session: `make test`'s workers (xdist)
    share it through the session's temporary root, the first to ask builds it under a file lock
    while the others wait. Whoever reads it treats it as read-only (copy it to change it)."""
    base = factory.getbasetemp()
    # each worker's basetemp is <session root>/popen-gwN; alone, the basetemp is the session's
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = root / "shared"
    shared.mkdir(exist_ok=True)
    folder = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / f"{name}.built").exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            build(folder)
            (shared / f"{name}.built").touch()
    return folder
