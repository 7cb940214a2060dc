"""The benchmark harness at tiny scale (2 departments × 3 months), for correctness only (no timed
assertions): the pipeline, the pandas baseline and the DuckDB floor agree on every core value,
results.json holds every field BENCHMARKS.md reports, and `make bench` (`python -m bench`) runs
every month's reports through `deptops run` itself. Both modes of the pipeline's run are measured
once each: the sampled one (with the one-month change) shared by the field checks, and the
`deptops run` one through the command line. The tiny inbox is generated once for both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from bench.bounds import measure
from bench.cli import format_table, main, run_bench
from bench.references import CORE_METRICS
from bench.stages import TreeMemory, tree_rss_kib
from synthetic_hospital.at_scale import ensure_inbox, inbox_path
from tests.runs import shared_folder

pytestmark = pytest.mark.slow

# SCALES['tiny'], 2024-01 … 2024-03: 3 months, 1 quarter and 1 year (bench.references.GRAINS),
# for each of the 2 departments (both with beds: departments 1 and 2 are medical), 6 core metrics
# each: 5 × 2 × 6 = 60 values
CORE_VALUES = (3 + 1 + 1) * 2 * len(CORE_METRICS)


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    """A copy of the tiny inbox, generated once for both harness runs (session-scoped, so that
    the two runs stay separate units of make test's scheduling and start on both workers)."""
    shared = shared_folder(
        tmp_path_factory, "bench_tiny", lambda root: ensure_inbox(root, "tiny", lambda _: None)
    )

    def copy(root):
        shutil.copytree(inbox_path(shared, "tiny"), inbox_path(root, "tiny"))
        return root

    return copy


@pytest.fixture(scope="module")
def sampled(tmp_path_factory, tiny_root) -> tuple[dict, dict]:
    """One run of the harness at tiny scale, the month reports sampled: (returned, results.json)."""
    root = tiny_root(tmp_path_factory.mktemp("bench"))
    results = run_bench("tiny", root=root, reports="sample", progress=lambda _: None)
    return results, json.loads((root / "results.json").read_text())


def test_tiny_scale_agrees_and_writes_every_field(sampled):
    results, written = sampled
    assert written == results
    for field in (
        "scale", "machine", "versions", "row_counts", "months", "departments", "stage_seconds",
        "reports", "baseline", "floor", "ratios", "incremental", "peak_rss_mib",
        "core_values_compared",
    ):  # fmt: skip
        assert field in written, field
    assert set(written["stage_seconds"]) == {
        "load", "checks", "indicators", "exports", "reports", "load + indicators", "end to end",
    }  # fmt: skip
    assert all(seconds > 0 for seconds in written["stage_seconds"].values())
    assert set(written["ratios"]["indicators"]) == {"vs_pandas", "vs_floor"}
    # run_bench raises when the three disagree; here they agreed on every core value
    assert written["core_values_compared"] == CORE_VALUES
    assert (written["months"], written["departments"]) == (3, 2)
    assert written["row_counts"]["loaded"]["discharges"] == written["row_counts"]["discharges"]
    assert written["row_counts"]["loaded"]["rejected"] == 0
    # sampled: one month's reports rendered and scaled to the 3
    assert not written["end_to_end_measured"] and written["reports"]["mode"] == "sample"
    assert set(written["pipeline_runs"]) == {
        "load_job", "monthly_job_without_reports", "reports_one_month",
    }  # fmt: skip
    # the changed month (the middle one, 2024-02) and the twelve after it, up to the last month
    # held (2024-03)
    assert written["incremental"]["months_requested"] == ["2024-02…2024-03"]
    # (a ratio of two timings: that it is below 1 is the benchmark's business, not a test's)
    assert written["incremental"]["fraction_of_full_run"] > 0
    assert all(mib > 0 for mib in written["peak_rss_mib"].values())
    table = format_table(written)
    assert "end to end" in table and "one month rendered" in table
    assert "one-month change (workload_2024-02.parquet" in table


def test_tiny_scale_as_make_bench_runs_it(tmp_path, capsys, tiny_root):
    """`make bench` (`python -m bench --scale tiny`) renders every month's reports through
    `deptops run` itself."""
    tiny_root(tmp_path)
    main(["--scale", "tiny", "--root", str(tmp_path), "--no-incremental"])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["end_to_end_measured"] and results["reports"]["mode"] == "all"
    assert set(results["pipeline_runs"]) >= {"load_ledgers", "monthly_indicators"}
    assert all(results["stage_seconds"][stage] > 0 for stage in ("load", "checks", "reports"))
    # each stage's seconds summed over every run deptops run made: the reports of the months,
    # quarters, years and weeks, the checks of the load and of the months
    for stage in ("checks", "reports"):
        by_run = [run.get(stage, 0.0) for run in results["pipeline_runs"].values()]
        assert sum(seconds > 0 for seconds in by_run) >= 2, stage
        assert results["stage_seconds"][stage] == pytest.approx(sum(by_run), abs=0.01)
    assert results["core_values_compared"] == CORE_VALUES
    assert results["incremental"] is None
    printed = capsys.readouterr().out
    # the progress lines, then the table
    assert "reusing the tiny inbox" in printed
    assert "\ndeptops benchmark, scale tiny: 2 departments, 3 months, " in printed
    assert "one-month change: not measured (--no-incremental)" in printed
    assert f"written: {tmp_path / 'results.json'}" in printed


def test_generated_inbox_is_reused(tmp_path):
    first, manifest = ensure_inbox(tmp_path, "tiny", progress=lambda _: None)
    stamp = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    again, same = ensure_inbox(tmp_path, "tiny", progress=lambda _: None)
    assert again == first and same == manifest
    assert {p.name: p.stat().st_mtime_ns for p in again.iterdir()} == stamp


def test_tree_memory_counts_the_children():
    """The pipeline's report workers run beside it: their memory is counted with it."""
    alone = tree_rss_kib(os.getpid())
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; b = bytearray(300 * 2**20); print(flush=True); input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        with TreeMemory(interval=0.05) as tree:
            child.stdout.readline()  # the child holds its 300 MiB from here on
            # until a sample has counted it, a minute at most: on a busy machine the sampler's
            # thread may wait longer than its 0.05 s for its turn
            for _ in range(1200):
                if tree.peak_kib >= alone + 250 * 1024:
                    break
                time.sleep(0.05)
        assert tree.peak_kib >= alone + 250 * 1024
    finally:
        child.communicate(b"\n")


def test_the_bound_of_a_pipeline_that_keeps_the_ledgers_gives_the_floors_values(
    tmp_path, tiny_root
):
    """`python -m bench.bounds`: what a pipeline that stores the ledgers pays at least (BENCHMARKS.md)
    is measured on the floor's own query over the stored tables, so it must give the floor's
    values, all of them; and pandas' read with every column reads the discharges' 13."""
    root = tiny_root(tmp_path)
    inbox = inbox_path(root, "tiny")
    (found,) = measure(inbox, tmp_path, rounds=1, progress=lambda _: None)
    assert found["values agreeing"] == CORE_VALUES
    rows, columns = found["discharges read by pandas"]
    assert columns == 13
    discharges = sorted(str(p) for p in inbox.glob("出院病人明细_*.csv"))
    with duckdb.connect() as con:
        (expected,) = con.execute(
            "select count(*) from read_csv($files, header = true)", {"files": discharges}
        ).fetchone()
    assert rows == expected
    assert found["kept"] == pytest.approx(found["kept: store"] + found["kept: compute"], abs=0.011)
