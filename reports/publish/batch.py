"""Many periods' reports at once: in a pool of worker processes, leaving alone every report whose
fingerprint (reports.fingerprints) says it would come out the same as the file already there.

The work unit is one part of one period: a worker reads the period from the warehouse once
(`load_period`, a few queries for every department) and renders every `parts`-th department of it,
so a single month still spreads over every worker; with more periods than workers, a unit is a
whole period. Each worker opens the warehouse read-only once and keeps the period it read last,
so the parts of one period that land on the same worker read it once. DuckDB lets several
processes read a file only when none writes it: the caller must hold no connection while the
pool runs.

Workers write report files; the parent alone writes what is shared by a folder (the manifest the
index reads, the fingerprints), after the workers have finished, so parallel runs give the same
files as serial ones.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ledgers import clock
from reports import labels, periods
from reports.content.dashboard import dashboard_view
from reports.content.report import period_content
from reports.content.weekly import weekly_brief
from reports.data import privacy
from reports.data.warehouse import Department, PeriodData, load_period
from reports.files import ASSET_HREF, department_stems, ensure_plotly_js, write_manifest
from reports.publish import revisions
from reports.publish.fingerprints import Stamp, fingerprint, read_stamps, write_stamps
from reports.render.dashboard import dashboard_files, write_dashboard_files
from reports.render.report import report_files, write_department_report
from reports.render.weekly import brief_files, write_brief

# Below this many reports a pool costs more than it saves (a worker takes ~1 s to start: imports,
# DuckDB open, template compile), and the reports are rendered in-process.
MIN_REPORTS_FOR_POOL = 24
# Parts per worker when there are fewer periods than workers: some slack for uneven parts.
PARTS_PER_WORKER = 2


class ReportFailed(Exception):
    """A report could not be written; says which (grain, period, department) and why."""

    def __init__(self, grain: str, period: str, dept: str, detail: str):
        super().__init__(grain, period, dept, detail)
        self.grain, self.period, self.dept, self.detail = grain, period, dept, detail

    def __str__(self) -> str:
        return f"{self.grain} report of {self.dept} for {self.period} failed: {self.detail}"


@dataclass(frozen=True)
class Unit:
    """Every `parts`-th department of a period from the `part`-th on; the dashboard with part 0."""

    grain: str
    period: str
    part: int
    parts: int


@dataclass(frozen=True)
class Options:
    reports_dir: Path
    lang: str
    suppress_below: int | None
    self_contained: bool = True
    hospital_name: str | None = None


@dataclass
class UnitResult:
    unit: Unit
    rendered: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    reports_rendered: int = 0
    reports_unchanged: int = 0
    stamps: dict[str, Stamp] = field(default_factory=dict)
    manifest: dict[str, dict] = field(default_factory=dict)
    revisions: dict[str, dict] = field(default_factory=dict)  # reports.revisions records


@dataclass
class Outcome:
    """What a batch did: files written and files left as they were, and counts of reports (a
    department's page and workbook are one report; a dashboard is one)."""

    rendered: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    reports_rendered: int = 0
    reports_unchanged: int = 0
    workers: int = 1

    def summary(self) -> str:
        return f"{self.reports_unchanged} reports unchanged, {self.reports_rendered} rendered"


def render_reports(
    database: Path | str | duckdb.DuckDBPyConnection,
    reports_dir: Path,
    grain: str,
    period_list: list[str],
    lang: str = "zh",
    *,
    suppress_below: int | None = None,
    self_contained: bool = True,
    hospital_name: str | None = None,
    workers: int = 1,
    connection: duckdb.DuckDBPyConnection | None = None,
    connection_config: dict | None = None,
    progress: Callable[[str], None] = lambda _line: None,
    min_reports_for_pool: int = MIN_REPORTS_FOR_POOL,
) -> Outcome:
    """Write the reports of `grain` ('month', 'quarter', 'year': department reports and the
    dashboard; 'week': briefs) for every period of `period_list`, skipping those unchanged, and
    return what was written and what was left. The one way reports are written: the pipeline,
    `deptops standalone`, the topic and package commands and the tests all come through here.

    `database` is the warehouse's path or an open connection to it. With `workers` > 1 and enough
    reports, a pool of that many processes each opens the path read-only (with
    `connection_config`); no connection may be open on it meanwhile. Else the reports are written
    in this process through `connection` (or a read-only connection of its own).
    Each department page gets its `.standalone.html` copy to send alone (charts as SVG, no
    script) unless `self_contained` is False. `suppress_below=N` makes the reports fit for wide circulation: the figures of
    sensitive indicators (reports/data/privacy.toml) that rest on a count of 1 … N−1 are shown as
    "<N, suppressed for circulation" (reports.data.privacy). `hospital_name` heads every report
    (pipelines.settings.Settings.hospital_name). Raises ReportFailed, naming the
    department and period, when a report fails."""
    if isinstance(database, duckdb.DuckDBPyConnection):
        database, connection = "", database
    labels.check_language(lang)
    privacy.check_threshold(suppress_below)
    if grain not in (*periods.REPORT_GRAINS, "week"):
        raise ValueError(f"reports are written per {', '.join(periods.REPORT_GRAINS)} or week")
    for period in period_list:
        periods.check_period(grain, period)
    options = Options(Path(reports_dir), lang, suppress_below, self_contained, hospital_name)
    if not period_list:
        return Outcome()
    ensure_plotly_js(options.reports_dir)
    stored = {}
    for period in period_list:
        (options.reports_dir / period).mkdir(parents=True, exist_ok=True)
        stored[period] = read_stamps(options.reports_dir / period)

    departments = _department_count(database, connection, connection_config)
    reports = len(period_list) * (departments + (grain != "week"))
    workers = max(1, min(workers, reports))
    if workers > 1 and reports < min_reports_for_pool:
        workers = 1
    parts = 1
    if workers > 1:
        parts = min(departments, math.ceil(PARTS_PER_WORKER * workers / len(period_list)))
    units = [Unit(grain, period, part, parts) for period in period_list for part in range(parts)]
    if workers == 1:
        progress(f"{grain} reports: {len(period_list)} periods in this process")
        results = _in_process(units, options, stored, database, connection, connection_config)
    else:
        progress(
            f"{grain} reports: {len(period_list)} periods, {len(units)} parts, {workers} workers"
        )
        results = _in_pool(units, options, stored, database, connection_config, workers)

    outcome = Outcome(workers=workers)
    stamps: dict[str, dict[str, Stamp]] = {period: {} for period in period_list}
    manifests: dict[str, dict[str, dict]] = {period: {} for period in period_list}
    revised: dict[str, dict[str, dict]] = {period: {} for period in period_list}
    try:
        for done, result in enumerate(results, 1):
            unit = result.unit
            outcome.rendered += result.rendered
            outcome.unchanged += result.unchanged
            outcome.reports_rendered += result.reports_rendered
            outcome.reports_unchanged += result.reports_unchanged
            stamps[unit.period] |= result.stamps
            manifests[unit.period] |= result.manifest
            revised[unit.period] |= result.revisions
            part = f" part {unit.part + 1}/{unit.parts}" if unit.parts > 1 else ""
            progress(
                f"{grain} reports {done}/{len(units)}: {unit.period}{part}: "
                f"{result.reports_rendered} rendered, {result.reports_unchanged} unchanged"
            )
    finally:
        # What was written stays recorded even when a later unit failed.
        for period in period_list:
            period_dir = options.reports_dir / period
            if manifests[period]:
                write_manifest(period_dir, dict(sorted(manifests[period].items())))
            if stamps[period]:
                write_stamps(period_dir, stamps[period])
            if revised[period]:
                revisions.write_revisions(period_dir, revised[period])
    outcome.rendered.sort()
    outcome.unchanged.sort()
    progress(f"{grain} reports: {outcome.summary()}")
    return outcome


def _department_count(
    database: Path | str, connection: duckdb.DuckDBPyConnection | None, config: dict | None
) -> int:
    """Departments and the hospital: how many reports a period has."""
    query = "select count(*) + 1 from raw_departments"
    if connection is not None:
        return connection.execute(query).fetchone()[0]
    with duckdb.connect(str(database), read_only=True, config=config or {}) as con:
        return con.execute(query).fetchone()[0]


def _in_process(
    units: list[Unit],
    options: Options,
    stored: dict[str, dict[str, Stamp]],
    database: Path | str,
    connection: duckdb.DuckDBPyConnection | None,
    config: dict | None,
) -> Iterator[UnitResult]:
    own = None
    if connection is None:
        connection = own = duckdb.connect(str(database), read_only=True, config=config or {})
    try:
        cache: dict = {}
        for unit in units:
            yield render_unit(connection, cache, unit, options, stored[unit.period])
    finally:
        if own is not None:
            own.close()


def _in_pool(
    units: list[Unit],
    options: Options,
    stored: dict[str, dict[str, Stamp]],
    database: Path | str,
    config: dict | None,
    workers: int,
) -> Iterator[UnitResult]:
    # spawn, not fork: the parent may run threads (Dagster, DuckDB) that a fork would copy midway.
    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    config = {**(config or {}), "threads": threads}
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_open_worker, initargs=(str(database), config)
    ) as pool:
        futures: dict[Future, Unit] = {
            pool.submit(_render_in_worker, unit, options, stored[unit.period]): unit
            for unit in units
        }
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: _order(futures[f])):
                    yield _result(future, futures[future])
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


def _order(unit: Unit) -> tuple[str, int]:
    return unit.period, unit.part


def _result(future: Future, unit: Unit) -> UnitResult:
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise ReportFailed(
            unit.grain,
            unit.period,
            f"part {unit.part + 1}/{unit.parts} of the departments",
            f"the worker process died ({error})",
        ) from error


_worker: dict = {}


def _open_worker(database: str, config: dict) -> None:
    connection = duckdb.connect(database, read_only=True, config=config)
    connection.execute("set enable_progress_bar = false")  # a worker's stderr is the run's log
    _worker["connection"] = connection
    _worker["cache"] = {}


def _render_in_worker(unit: Unit, options: Options, stored: dict[str, Stamp]) -> UnitResult:
    return render_unit(_worker["connection"], _worker["cache"], unit, options, stored)


def render_unit(
    con: duckdb.DuckDBPyConnection,
    cache: dict,
    unit: Unit,
    options: Options,
    stored: dict[str, Stamp],
) -> UnitResult:
    """Write the unit's reports whose fingerprint differs from the stored one (or whose files
    are gone or changed); `cache` keeps the period read last."""
    data = _period_data(con, cache, unit, options)
    period_dir = options.reports_dir / unit.period
    lang = options.lang
    result = UnitResult(unit)
    stems = department_stems([d.code for d in data.departments])
    chosen = list(zip(data.departments, stems, strict=True))[unit.part :: unit.parts]
    shown = []
    for department, stem in chosen:
        try:
            if unit.grain == "week":
                brief = weekly_brief(data, department, lang)
                files = brief_files(period_dir, stem, lang)
                if brief.is_empty:
                    _remove(files)
                    continue
                shown.append((department, stem))
                print_ = fingerprint("week", unit.period, ASSET_HREF, brief)
                if _keep(files, print_, stored, result):
                    continue
                write_brief(brief, period_dir, stem)
            else:
                content = period_content(data, department, lang)
                files = report_files(period_dir, stem, lang, options.self_contained)
                if content.is_empty:
                    _remove(files)
                    continue
                shown.append((department, stem))
                print_ = fingerprint(unit.grain, unit.period, ASSET_HREF, content)
                if _keep(files, print_, stored, result):
                    continue
                content.revision, result.revisions[files[0].name] = revisions.revise(
                    content, files, options.suppress_below
                )
                content.generated_at = clock.today().isoformat()
                write_department_report(content, period_dir, stem, options.self_contained)
        except Exception as error:
            raise ReportFailed(
                unit.grain, unit.period, department.code, _describe(error)
            ) from error
        _record(files, print_, result)
    result.manifest = manifest_entries([d for d, _ in shown], [s for _, s in shown])
    if unit.grain != "week" and unit.part == 0:
        try:
            view = dashboard_view(data, lang)
            files = dashboard_files(period_dir, lang)
            print_ = fingerprint(unit.grain, unit.period, ASSET_HREF, view)
            if not _keep(files, print_, stored, result):
                write_dashboard_files(view, period_dir)
                _record(files, print_, result)
        except Exception as error:
            raise ReportFailed(unit.grain, unit.period, "dashboard", _describe(error)) from error
    return result


def manifest_entries(departments: list[Department], stems: list[str]) -> dict[str, dict]:
    """File stem -> department code and names, for the index."""
    return {
        stem: {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
        for d, stem in zip(departments, stems, strict=True)
    }


def _period_data(con: duckdb.DuckDBPyConnection, cache: dict, unit: Unit, options: Options):
    key = (unit.grain, unit.period, options.suppress_below, options.hospital_name)
    if cache.get("key") != key:
        cache.clear()  # one period at a time in memory
        data: PeriodData = load_period(con, unit.grain, unit.period)
        data.suppress_below = options.suppress_below
        data.hospital_name = options.hospital_name
        cache.update(key=key, data=data)
    return cache["data"]


def _remove(files: list[Path]) -> None:
    """A report with nothing to show is not written, and one an earlier run wrote goes."""
    for path in files:
        path.unlink(missing_ok=True)


def _keep(files: list[Path], print_: str, stored: dict[str, Stamp], result: UnitResult) -> bool:
    """Whether every file of a report is still the one rendered from this fingerprint."""
    for path in files:
        stamp = stored.get(path.name)
        if stamp is None or not stamp.holds(path, print_):
            return False
    result.unchanged += files
    result.reports_unchanged += 1
    for path in files:
        result.stamps[path.name] = stored[path.name]
    return True


def _record(files: list[Path], print_: str, result: UnitResult) -> None:
    result.rendered += files
    result.reports_rendered += 1
    for path in files:
        result.stamps[path.name] = Stamp.of(path, print_)


def _describe(error: BaseException) -> str:
    """The error and where it was raised (the worker's traceback does not cross processes)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"
