"""Crashes and repeats: a run killed with SIGKILL leaves a warehouse the next run completes from, with
the same results as an undisturbed run (killed while loading, then while computing, then run to
the end); the same inbox gives byte-identical exports.

What is compared are the exports, so the runs render no report (`--reports none`) but one: the
second run of the same inbox renders the month's reports, which shows that rendering reports
changes no byte of the exports. (The month's are those rendered in the run that writes the
exports; the quarter's, year's and week's runs select their report asset alone:
pipelines.definitions.REPORT_JOBS.)"""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest

from tests.runs import EXPORTS, NO_REPORTS, deptops, run_here

# whole runs of the pipeline (make test runs them; -m 'not slow' leaves them out)
pytestmark = pytest.mark.slow


@pytest.fixture
def undisturbed(two_ward_home) -> Path:
    """The exports of conftest's two_ward_home (one run of two_ward_inbox, no report). Per test
    (it only reads the session's run): a module fixture would tie the two tests, the longest
    of the suite, to one worker (tests/scheduling.py)."""
    output = (two_ward_home.parent / "run.log").read_text(encoding="utf-8")
    assert "reports:        0 written (asked for: none)" in output
    assert not [p for p in two_ward_home.rglob("*") if p.suffix in (".html", ".xlsx")]
    return two_ward_home / "reports"


def test_same_inbox_gives_byte_identical_exports(two_ward_month_home, undisturbed):
    """Another run of the same inbox in another HOME, which rendered the month's reports (the
    undisturbed one none): conftest's two_ward_month_home, made in the test's process on a
    Dagster instance in memory (what is compared are the exports, not Dagster's history; the
    killed runs below are `deptops run` children on the persistent one)."""
    again = two_ward_month_home / "home"
    said = json.loads((two_ward_month_home / "first_run.json").read_text())
    assert said["report_grains"] == ["month"]
    assert (again / "reports" / "2025-06" / "A.html").exists()
    for name in EXPORTS:
        assert (again / "reports" / name).read_bytes() == (undisturbed / name).read_bytes()
    assert b"two" in (undisturbed / "rejected_rows.csv").read_bytes()


def test_killed_runs_then_next_run_completes_with_same_results(
    two_ward_inbox, undisturbed, tmp_path
):
    """A run killed while loading ledgers, the next killed while computing indicators (so it has
    come through the first one's remains), and the next runs to the end: the same exports."""
    home = tmp_path / "home"
    for when in ("loading ledgers", "computing indicators"):
        process = deptops(two_ward_inbox, home, *NO_REPORTS)
        for line in process.stdout:
            if line.startswith(when):
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=600)
        assert process.returncode == -signal.SIGKILL, when
    # to the end in this process (tests/runs.run_here), on the history the killed ones left
    output = run_here(two_ward_inbox, home, *NO_REPORTS)
    assert "deptops run summary" in output
    for name in EXPORTS:
        assert (home / "reports" / name).read_bytes() == (undisturbed / name).read_bytes(), name
    shutil.rmtree(home)
