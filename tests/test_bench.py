"""The benchmark harness at small scale, once, for correctness only (no timed assertions): the
pipeline, the pandas baseline and the DuckDB floor agree on the core indicators, and
results.json holds every field BENCHMARKS.md reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from bench.cli import format_table, run_bench
from bench.stages import TreeMemory, tree_rss_kib
from synthetic_hospital.at_scale import ensure_inbox

pytestmark = pytest.mark.slow


def test_small_scale_agrees_and_writes_every_field(tmp_path):
    results = run_bench("small", root=tmp_path, reports="sample", progress=lambda _: None)
    written = json.loads((tmp_path / "results.json").read_text())
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
    assert written["core_values_compared"] > 1000
    assert written["row_counts"]["loaded"]["discharges"] == written["row_counts"]["discharges"]
    assert written["row_counts"]["loaded"]["rejected"] == 0
    # the changed month and the twelve after it (the last month held is 2025-12)
    assert written["incremental"]["months_requested"] == ["2025-01…2025-12"]
    assert 0 < written["incremental"]["fraction_of_full_run"] < 1
    assert all(mib > 0 for mib in written["peak_rss_mib"].values())
    assert "end to end" in format_table(written)


def test_small_scale_as_make_bench_runs_it(tmp_path):
    """`make bench` at small renders every month's reports through `deptops run` itself."""
    results = run_bench("small", root=tmp_path, progress=lambda _: None, incremental=False)
    assert results["end_to_end_measured"] and results["reports"]["mode"] == "all"
    assert set(results["pipeline_runs"]) >= {"load_ledgers", "monthly_indicators"}
    assert all(results["stage_seconds"][stage] > 0 for stage in ("load", "checks", "reports"))
    assert results["incremental"] is None
    assert "not measured" in format_table(results)


def test_generated_inbox_is_reused(tmp_path):
    first, manifest = ensure_inbox(tmp_path, "small", progress=lambda _: None)
    stamp = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    again, same = ensure_inbox(tmp_path, "small", progress=lambda _: None)
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
            time.sleep(0.3)
        assert tree.peak_kib >= alone + 250 * 1024
    finally:
        child.communicate(b"\n")
