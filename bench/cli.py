"""Run the benchmark at one scale: generate (or reuse) the inbox, measure the pipeline, the pandas
baseline and the DuckDB floor each in its own process, check that the three agree on the core
indicators, and write a table to stdout and `var/bench/results.json`."""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from bench.references import disagreements
from bench.stages import stage_of
from synthetic_hospital.at_scale import SCALES, ensure_inbox

ROOT = Path("var/bench")
PACKAGES = ("duckdb", "pandas", "numpy", "dagster", "great_expectations", "python-calamine")


class Disagreement(AssertionError):
    """The pipeline, the pandas baseline and the DuckDB floor computed different core values."""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(
    kind: str,
    inbox: Path,
    workdir: Path,
    reports: str,
    progress,
    again: bool = True,
    incremental: bool = True,
) -> tuple[dict, dict]:
    if again:
        progress(f"measuring {kind} …")
        _run_stage(kind, inbox, workdir, reports, incremental)
    result = json.loads((workdir / f"{kind}.json").read_text())
    values = pickle.loads((workdir / f"{kind}.pickle").read_bytes())
    return result, values


def _run_stage(kind: str, inbox: Path, workdir: Path, reports: str, incremental: bool) -> None:
    command = [sys.executable, "-m", "bench.stages", kind, str(inbox), str(workdir)]
    if kind == "pipeline":
        command += ["--reports", reports] + ([] if incremental else ["--no-incremental"])
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def stage_totals(steps: dict[str, float]) -> dict[str, float]:
    """Seconds per pipeline stage from seconds per Dagster step (or per stage: idempotent)."""
    totals: dict[str, float] = {}
    for key, seconds in steps.items():
        stage = stage_of(key)
        totals[stage] = totals.get(stage, 0.0) + seconds
    return totals


def run_bench(
    scale: str,
    root: Path = ROOT,
    reports: str | None = None,
    progress=print,
    measure_again: bool = True,
    incremental: bool = True,
) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    inbox, manifest = ensure_inbox(root, scale, progress)
    reports = reports or ("all" if scale in ("tiny", "small") else "sample")
    workdir = root / f"work-{scale}"
    pipeline, pipeline_values = measure(
        "pipeline", inbox, workdir, reports, progress, measure_again, incremental
    )
    baseline, baseline_values = measure("pandas", inbox, workdir, reports, progress, measure_again)
    floor, floor_values = measure("floor", inbox, workdir, reports, progress, measure_again)

    problems = {
        "pipeline vs pandas": disagreements(baseline_values, pipeline_values),
        "floor vs pandas": disagreements(baseline_values, floor_values),
    }
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        raise Disagreement(json.dumps(problems, indent=2, default=str))

    runs = pipeline["full_runs"]
    if pipeline["end_to_end_measured"]:
        # summed over the runs: a stage has steps in several (checks in the load's and the
        # months', reports in the months', quarters', years' and weeks'); one dict of every
        # run's steps kept only the last run's seconds of each
        stages = {}
        for run in runs.values():
            for stage, seconds in stage_totals(run).items():
                stages[stage] = stages.get(stage, 0.0) + seconds
    else:
        sample = stage_totals(runs["reports_one_month"]).get("reports", 0.0)
        stages = stage_totals(dict(_pairs(runs["load_job"])) | {})
        for key, seconds in stage_totals(runs["monthly_job_without_reports"]).items():
            stages[key] = stages.get(key, 0.0) + seconds
        stages["reports"] = sample * pipeline["months"]
    incremental = dict(pipeline["incremental"] or {})
    load_and_indicators = stages.get("load", 0) + stages.get("indicators", 0)
    rows = {
        "load": stages.get("load", 0.0),
        "checks": stages.get("checks", 0.0),
        "indicators": stages.get("indicators", 0.0),
        "exports": stages.get("exports", 0.0),
        "reports": stages.get("reports", 0.0),
        "load + indicators": load_and_indicators,
        "end to end": pipeline["end_to_end_seconds"],
    }
    ratios = {
        name: {
            "vs_pandas": round(seconds / baseline["seconds"], 2),
            "vs_floor": round(seconds / floor["seconds"], 2),
        }
        for name, seconds in rows.items()
    }
    without_reports = sum(
        v for k, v in rows.items() if k in ("load", "checks", "indicators", "exports")
    )
    if incremental:  # not measured with --no-incremental
        incremental["stage_seconds"] = stage_totals(incremental["stage_seconds"])
        incremental_without_reports = incremental["seconds"] - incremental["stage_seconds"].get(
            "reports", 0.0
        )
        incremental |= {
            "fraction_of_full_run": round(incremental["seconds"] / rows["end to end"], 4),
            "fraction_without_reports": round(incremental_without_reports / without_reports, 4),
            "load_fraction": round(incremental["stage_seconds"].get("load", 0.0) / rows["load"], 4),
        }
    results = {
        "scale": scale,
        "scale_parameters": manifest["scale"],
        "machine": {"cpu": cpu_model(), "cores": _cores(), "python": platform.python_version()},
        "versions": {name: _version(name) for name in PACKAGES},
        "row_counts": manifest["rows"] | {"loaded": pipeline["rows_loaded"]},
        "files": manifest["files"],
        "months": pipeline["months"],
        "departments": pipeline["departments"],
        "stage_seconds": {k: round(v, 3) for k, v in rows.items()},
        "end_to_end_measured": pipeline["end_to_end_measured"],
        "reports": {
            "mode": pipeline["reports_mode"],
            "per_month": pipeline["reports_per_month"],
            "months_rendered": pipeline["report_months"],
            "seconds_per_report": pipeline["seconds_per_report"],
        },
        "pipeline_runs": pipeline["full_runs"],
        "baseline": baseline,
        "floor": floor,
        "ratios": ratios,
        "core_values_compared": len(baseline_values),
        "agreement_tolerance": 1e-9,
        "incremental": incremental or None,
        "peak_rss_mib": {
            # each process with its children (the pipeline's report workers), sampled every 0.2 s
            "pipeline": pipeline["peak_rss_mib"],
            "pandas": baseline["peak_rss_mib"],
            "floor": floor["peak_rss_mib"],
        },
    }
    (root / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (root / f"results-{scale}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return results


def _pairs(run: dict[str, float]):
    return list(run.items())


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def format_table(results: dict) -> str:
    lines = [
        f"deptops benchmark, scale {results['scale']}: {results['departments']} departments, "
        f"{results['months']} months, {results['row_counts']['discharges']:,} discharged "
        f"episodes, {results['row_counts']['workload']:,} workload rows",
        f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores",
        "",
        f"{'stage':<20}{'seconds':>10}{'× pandas':>11}{'× floor':>10}",
    ]
    for name, seconds in results["stage_seconds"].items():
        ratio = results["ratios"][name]
        lines.append(
            f"{name:<20}{seconds:>10.2f}{ratio['vs_pandas']:>11.2f}{ratio['vs_floor']:>10.2f}"
        )
    baseline, floor = results["baseline"], results["floor"]
    lines += [
        f"{'pandas baseline':<20}{baseline['seconds']:>10.2f}"
        f"   (read {baseline['load_seconds']:.2f} + compute {baseline['compute_seconds']:.2f})",
        f"{'DuckDB floor':<20}{floor['seconds']:>10.2f}",
        "",
    ]
    if not results["end_to_end_measured"]:
        reports = results["reports"]
        lines.append(
            f"reports: one month rendered ({reports['per_month']} reports, "
            f"{reports['seconds_per_report']:.3f} s each) and scaled to {results['months']} months"
        )
    inc = results["incremental"]
    lines += [
        f"one-month change ({inc['changed_file']}, months {', '.join(inc['months_requested'])}): "
        f"{inc['seconds']:.2f} s = {inc['fraction_of_full_run']:.1%} of a full run "
        f"({inc['fraction_without_reports']:.1%} without reports; its load "
        f"{inc['load_fraction']:.1%} of the full load)"
        if inc
        else "one-month change: not measured (--no-incremental)",
        "peak RSS (MiB): " + ", ".join(f"{k} {v:,.0f}" for k, v in results["peak_rss_mib"].items()),
        f"core indicators agree: {results['core_values_compared']:,} values, to 1e-9",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument(
        "--reports",
        choices=["all", "sample"],
        help="every month's reports (default at tiny and small) or one month's, scaled (else)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="where inboxes and results go")
    parser.add_argument(
        "--tabulate-only",
        action="store_true",
        help="rebuild the table and results.json from the last measurements, measuring nothing",
    )
    parser.add_argument(
        "--no-incremental",
        action="store_true",
        help="skip the one-month change (at region scale its reports alone take half an hour)",
    )
    args = parser.parse_args(argv)
    results = run_bench(
        args.scale,
        args.root,
        args.reports,
        measure_again=not args.tabulate_only,
        incremental=not args.no_incremental,
    )
    print(format_table(results))
    print(f"\nwritten: {args.root / 'results.json'}")
