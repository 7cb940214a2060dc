"""Backups that restore: HOME after a real run, backed up and restored into a new folder, gives
byte-identical exports on the same inbox without reading a file again; a damaged backup is refused
before anything is copied; the nightly Dagster job keeps the newest N."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import dagster as dg
import duckdb
import pytest

from ledgers import clock
from pipelines.backup import MANIFEST, sha256_of, verify_backup
from pipelines.cli import main
from pipelines.definitions import build_definitions
from pipelines.settings import Settings
from tests.runs import EXPORTS, NO_REPORTS

# whole runs of the pipeline (make test runs them; -m 'not slow' leaves them out)
pytestmark = pytest.mark.slow


def ledger_files(home) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * from ledger_files order by file").fetchall()


@pytest.fixture(scope="module")
def backed_up(two_ward_home, tmp_path_factory):
    """A HOME after one run (conftest's two_ward_home, no report: what is compared are the
    exports), copied, and its backup."""
    home = tmp_path_factory.mktemp("backed_up") / "home"
    shutil.copytree(two_ward_home, home)
    out = tmp_path_factory.mktemp("backups") / "monday"
    assert main(["backup", "--home", str(home), "--out", str(out)]) == 0
    return home, out


def test_backup_restores_to_identical_exports_without_reading_again(
    two_ward_inbox, backed_up, tmp_path
):
    home, out = backed_up
    manifest = json.loads((out / MANIFEST).read_text())
    names = set(manifest["files"])
    assert {"warehouse.duckdb", "deptops.json", "reports/metrics.csv"} <= names
    assert any(n.startswith("dagster/") and n.endswith(".db") for n in names)  # run storage
    assert manifest["files"]["reports/metrics.csv"]["sha256"] == sha256_of(
        home / "reports" / "metrics.csv"
    )
    restored = tmp_path / "restored"
    assert main(["restore", "--from", str(out), "--home", str(restored)]) == 0
    loaded_before = ledger_files(home)
    # `deptops run` in this process (the restored HOME's own Dagster instance, as a user's): a
    # child would import the whole stack again, which is not what is tested here
    assert main(["run", "--inbox", str(two_ward_inbox), "--home", str(restored), *NO_REPORTS]) == 0
    # ledger_files keeps each file's loaded_at: a file read again would have a new row
    assert ledger_files(restored) == loaded_before
    for name in EXPORTS:
        assert (restored / "reports" / name).read_bytes() == (
            home / "reports" / name
        ).read_bytes(), name


@pytest.mark.parametrize("damage", ["altered", "missing", "extra"])
def test_a_damaged_backup_is_refused_and_nothing_restored(backed_up, tmp_path, capsys, damage):
    _, out = backed_up
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    metrics = copy / "reports" / "metrics.csv"
    if damage == "altered":
        text = metrics.read_bytes()
        metrics.write_bytes(text[:-2] + b"9\n")  # one figure changed, same size
    elif damage == "missing":
        metrics.unlink()
    else:
        (copy / "reports" / "stray.html").write_text("<p>not from the backup</p>")
    home = tmp_path / "home"
    assert main(["restore", "--from", str(copy), "--home", str(home)]) == 1
    error = capsys.readouterr().err
    expected = {
        "altered": "reports/metrics.csv does not match its SHA-256 in manifest.json",
        "missing": "reports/metrics.csv is missing",
        "extra": "reports/stray.html is not in manifest.json",
    }[damage]
    assert f"damaged backup {copy}, nothing restored: {expected}" in error
    assert not (home / "warehouse.duckdb").exists() and not (home / "reports").exists()


def test_restore_refuses_a_home_that_holds_a_warehouse(backed_up, capsys):
    home, out = backed_up
    assert main(["restore", "--from", str(out), "--home", str(home)]) == 1
    assert "already holds warehouse.duckdb, reports" in capsys.readouterr().err


def test_nightly_backup_job_keeps_the_newest_n(backed_up, tmp_path):
    home, _ = backed_up
    settings = Settings(
        home=home, inbox=home / "inbox", backup_folder=tmp_path / "nightly", backup_keep=2
    )
    job = build_definitions(settings).resolve_job_def("backup_job")
    assert build_definitions(settings).resolve_schedule_def("backup_schedule").cron_schedule == (
        "30 2 * * *"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        for night in (24, 25, 26):
            # 02:30 in Shanghai is 18:30 UTC the day before
            at = dt.datetime(2026, 11, night - 1, 18, 30, tzinfo=dt.UTC)
            with clock.frozen(at):
                assert job.execute_in_process(instance=instance).success
    kept = sorted(p.name for p in (tmp_path / "nightly").iterdir())
    # three nights, two kept: the 24th's removed
    assert kept == ["deptops-backup-20261125-023000", "deptops-backup-20261126-023000"]
    for name in kept:
        verify_backup(tmp_path / "nightly" / name)
