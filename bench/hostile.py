"""Hostile ledger files of at most 10 MB, each loaded on its own, measured (issue 16's goal: any
single file of at most 10 MB is either loaded or refused in under 30 s and under 1 GiB, with a
message).

`python -m bench.hostile` (`make bench-hostile`) builds each file under `var/bench/hostile/<case>/`
beside a two-department list, then loads it in a fresh process exactly as the pipeline does: the
`load_ledgers` job of the project's own Definitions (the load and its ledger checks) on an
ephemeral Dagster instance, with the default limits. It records the wall time of the job, the
peak resident memory of the process and its children together (the capped spreadsheet reader
included; sampled every 50 ms, `bench.stages.TreeMemory`) and what became of the file, and
writes a table to stdout and `var/bench/hostile/results.json`. `--only NAME` runs some cases.
No test asserts a time: BENCHMARKS.md and SECURITY.md quote the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path("var/bench/hostile")
MB = 1_000_000
LIMIT = 10 * MB  # the goal's file size

PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
WORKBOOK = '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
SHEET_START = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def one_sheet_workbook(
    path: Path, sheet_xml: Iterable[bytes], name: str = "S", compresslevel: int = 9
) -> Path:
    """A minimal valid .xlsx of one sheet whose XML is the concatenation of `sheet_xml` (written
    as it comes, so that a sheet of gigabytes never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for part, text in PARTS.items():
            archive.writestr(part, text)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=name))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            for chunk in sheet_xml:
                handle.write(chunk)
    return path


def inline_cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _rows_xml(rows: Iterable[list[str | Cell]], batch: int = 10_000) -> Iterable[bytes]:
    """Rows of inline strings (no references), in batches; a `Cell` is written as its XML."""
    chunk: list[str] = []
    for row in rows:
        chunk.append(
            "<row>"
            + "".join(
                v if isinstance(v, Cell) else f'<c t="inlineStr"><is><t>{v}</t></is></c>'
                for v in row
            )
        )
        chunk.append("</row>")
        if len(chunk) >= 2 * batch:
            yield "".join(chunk).encode()
            chunk = []
    yield "".join(chunk).encode()


def _sheet(*middle: Iterable[bytes]) -> Iterable[bytes]:
    yield SHEET_START + b"<sheetData>"
    for part in middle:
        yield from part
    yield b"</sheetData></worksheet>"


def _repeat(piece: bytes, total: int) -> Iterable[bytes]:
    block = piece * max(1, (16 << 20) // len(piece))
    for _ in range(total // len(block)):
        yield block


class Cell(str):
    """A cell's own XML (a number, a boolean), not an inline string."""


DISCHARGES = ["病例编号", "出院科室", "入院日期", "出院日期", "转归"]
WORKLOAD = ["日期", "科室", "门诊人次", "入院人数", "出院人数", "实际开放床位", "期末在院人数"]


def _days_back(count: int) -> list[str]:
    """`count` distinct days ending 40 days ago (inside the past span, never in the future)."""
    last = dt.date.today() - dt.timedelta(days=40)
    return [(last - dt.timedelta(days=i)).isoformat() for i in range(count)]


def _csv_until(path: Path, header: list[str], row: Callable[[int], list[str]]) -> Path:
    """A CSV of `header` and rows `row(0)`, `row(1)` … up to just under 10 MB."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(header) + "\n")
        size, i = 0, 0
        while True:
            line = ",".join(row(i)) + "\n"
            size += len(line.encode())
            if size > LIMIT - 200_000:
                return path
            handle.write(line)
            i += 1


# --- the cases ----------------------------------------------------------------------------


def departments_only(folder: Path) -> Path:
    """No hostile file: what loading the two departments and running the checks costs."""
    return folder / "departments.csv"


def zip_bomb_gib(folder: Path) -> Path:
    """A sheet of 4 GiB of spaces, deflated to about 4 MB (the directory says 4 GiB)."""
    xml = _sheet(_repeat(b" ", 4 << 30))
    return one_sheet_workbook(folder / "业务量_炸弹.xlsx", xml)


def zip_bomb_rows(folder: Path) -> Path:
    """The issue's zip bomb: 5 million empty rows (30 MB inflated, 200 times its size)."""
    return one_sheet_workbook(
        folder / "业务量_空行.xlsx", _sheet(_repeat(b"<row/>", 30 << 20)), compresslevel=1
    )


def far_cell(folder: Path) -> Path:
    """The issue's 1.7 KB workbook with one cell at XFD1048576."""
    xml = _sheet(
        [b'<row r="1">' + inline_cell("A1", "日期") + b"</row>"],
        [b'<row r="1048576">' + inline_cell("XFD1048576", "x") + b"</row>"],
    )
    return one_sheet_workbook(folder / "业务量_远.xlsx", xml)


def far_cell_in_a_big_sheet(folder: Path) -> Path:
    """The far cell after 48 MiB of numbered rows: too big a sheet for the area count (32 MiB),
    compressed 10 times only (no zip bomb), so the capped reader meets the far cell itself."""

    def rows() -> Iterable[bytes]:
        batch = []
        for r in range(1, 1_200_000):
            batch.append(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>')
            if len(batch) == 50_000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode()
        yield b'<row r="1048576">' + inline_cell("XFD1048576", "x") + b"</row>"

    return one_sheet_workbook(folder / "业务量_远大.xlsx", _sheet(rows()), compresslevel=1)


def plain_workbook_of_10_mb(folder: Path, admitted=None) -> Path:
    """Not hostile: the most discharged episodes a 10 MB workbook of inline strings holds
    (about 830,000 rows, as an HIS might export a year of a big hospital). `admitted(i, day)`
    may give row i's admission cell instead of its day."""
    days = _days_back(903)
    admitted = admitted or (lambda i, day: day)
    data = (
        [f"E{i:07d}", "D01", admitted(i, days[i % 900 + 3]), days[i % 900], "好转"]
        for i in range(830_000)
    )
    return one_sheet_workbook(
        folder / "出院病人明细.xlsx", _sheet(_rows_xml([DISCHARGES, *data])), compresslevel=6
    )


def odd_cell_in_a_workbook_of_10_mb(folder: Path) -> Path:
    """The plain 10 MB workbook with one cell that has no text spelling: TRUE as the admission
    date of row 415,002 (the general path would read all 830,000 rows cell by cell)."""
    true = Cell('<c t="b"><v>1</v></c>')
    return plain_workbook_of_10_mb(folder, lambda i, day: true if i == 415_000 else day)


def _serial_with_time(i: int) -> Cell:
    """A day number with a time of day (45000.000001 …), as an export writes a date and time
    unformatted: no date to the rules, and no text spelling (its text reads otherwise)."""
    return Cell(f"<c><v>{45000 + (i + 1) / 1e6:.6f}</v></c>")


def odd_cells_in_every_row_of_10_mb(folder: Path) -> Path:
    """The worst case for odd cells: every row's admission date a distinct day number with a
    time of day: beyond ReadLimits.max_odd_cells (50,000) distinct ones, the sheet is refused."""
    return plain_workbook_of_10_mb(folder, lambda i, day: _serial_with_time(i))


def odd_cells_at_the_limit_of_10_mb(folder: Path) -> Path:
    """As many distinct odd cells as a sheet may hold (ReadLimits.max_odd_cells, 50,000), in
    the first rows of the plain 10 MB workbook: each parsed on its own, each row rejected."""
    return plain_workbook_of_10_mb(
        folder, lambda i, day: _serial_with_time(i) if i < 50_000 else day
    )


def huge_cell_csv(folder: Path) -> Path:
    """A CSV whose one cell holds 9.9 million characters."""
    path = folder / "业务量_长.csv"
    path.write_text(",".join(WORKLOAD) + "\n" + "2026-09-01,D02," + "x" * 9_900_000 + "\n")
    return path


def wide_line_csv(folder: Path) -> Path:
    """A CSV of one line of 9.9 million commas (no cell longer than nothing)."""
    path = folder / "业务量_宽.csv"
    path.write_text(",".join(WORKLOAD) + "\n" + "," * 9_900_000 + "\n")
    return path


def nul_csv(folder: Path) -> Path:
    """10 MB of NUL bytes named like a ledger."""
    path = folder / "出院_nul.csv"
    path.write_bytes(bytes(LIMIT))
    return path


def blank_lines_csv(folder: Path) -> Path:
    """A header and 9.9 million empty lines."""
    path = folder / "业务量_空.csv"
    path.write_text(",".join(WORKLOAD) + "\n" + "\n" * 9_900_000)
    return path


def placeholder_keys_csv(folder: Path) -> Path:
    """The issue's information-system export whose episodes all carry the key "0", grown from
    3,000 rows (168 KB) to 10 MB."""
    days = _days_back(903)
    return _csv_until(
        folder / "出院_HIS.csv",
        DISCHARGES,
        lambda i: ["0", "D02", days[i % 900 + 3], days[i % 900], "好转"],
    )


def far_dates_csv(folder: Path) -> Path:
    """The hospital's September 2026 (60 rows), then workload rows dated 1900-1909 (a mistyped
    century: more than 10 years before that data month), to 10 MB."""
    start, september = dt.date(1900, 3, 1), dt.date(2026, 9, 1)

    def row(i: int) -> list[str]:
        day = (
            september + dt.timedelta(days=i // 2) if i < 60 else start + dt.timedelta(days=i % 3650)
        )
        return [day.isoformat(), "D0" + str(1 + i % 2), "50", "2", "2", "40", "30"]

    return _csv_until(folder / "业务量_1900.csv", WORKLOAD, row)


def parquet_of_50_million_rows(folder: Path) -> Path:
    """50,000,000 rows of one repeated workload row: a few KB of Parquet."""
    import duckdb

    path = folder / "workload_炸弹.parquet"
    with duckdb.connect() as con:
        con.sql(
            "select date '2026-09-01' as date, 'D02' as dept, 1::bigint as outpatient_visits "
            "from range(50000000)"
        ).write_parquet(str(path))
    return path


def parquet_at_the_row_limit(folder: Path) -> Path:
    """Not hostile: 1,999,999 discharged episodes in Parquet, one row under the row limit."""
    import duckdb

    path = folder / "discharges.parquet"
    last = dt.date.today() - dt.timedelta(days=40)
    with duckdb.connect() as con:
        con.sql(
            f"""select 'E' || i as episode_id, 'D0' || (1 + i % 2) as dept,
                       date '{last}' - (i % 900)::integer - 3 as admission_date,
                       date '{last}' - (i % 900)::integer as discharge_date
                from range(1999999) t(i)"""  # noqa: S608 -- a date we made
        ).write_parquet(str(path))
    return path


CASES: dict[str, Callable[[Path], Path]] = {
    f.__name__: f
    for f in (
        departments_only,
        zip_bomb_gib,
        zip_bomb_rows,
        far_cell,
        far_cell_in_a_big_sheet,
        huge_cell_csv,
        wide_line_csv,
        nul_csv,
        blank_lines_csv,
        placeholder_keys_csv,
        far_dates_csv,
        parquet_of_50_million_rows,
        parquet_at_the_row_limit,
        plain_workbook_of_10_mb,
        odd_cell_in_a_workbook_of_10_mb,
        odd_cells_in_every_row_of_10_mb,
        odd_cells_at_the_limit_of_10_mb,
    )
}


def build(case: str, folder: Path) -> Path:
    """The case's inbox under `folder`: the two departments and the hostile file."""
    inbox = folder / "inbox"
    if inbox.exists():
        import shutil

        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    (inbox / "departments.csv").write_text(
        "科室编码,科室名称,科室类型\nD01,心内科,内科\nD02,胃肠外科,外科\n", encoding="utf-8"
    )
    return CASES[case](inbox)


def measure_one(folder: Path, name: str) -> dict:
    """Load the inbox under `folder` through the load job and measure it (in this process)."""
    import dagster as dg
    import duckdb

    from bench.stages import TreeMemory, tree_rss_kib
    from ledgers import reader_child
    from pipelines.definitions import LOAD_JOB, build_definitions
    from pipelines.settings import Settings

    home = folder / "home"
    if home.exists():
        import shutil

        shutil.rmtree(home)
    settings = Settings(home=home.resolve(), inbox=(folder / "inbox").resolve(), report_workers=1)
    job = build_definitions(settings).resolve_job_def(LOAD_JOB)
    before = tree_rss_kib(os.getpid()) / 1024
    with dg.DagsterInstance.ephemeral() as instance, TreeMemory(interval=0.05) as memory:
        start = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        seconds = time.perf_counter() - start
        steps = step_seconds(instance, result.run_id)
    if reader_child._child is not None:
        reader_child._child.stop()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        status, message = con.execute(
            "select status, coalesce(message, '') from ledger_files where file = ?", [name]
        ).fetchone()
        rejected, reason = con.execute(
            "select count(*), any_value(reason) from rejected_rows where file = ?", [name]
        ).fetchone()
        loaded = (
            con.execute(
                "select count(*) from raw_discharges where source_file = ?", [name]
            ).fetchone()[0]
            + con.execute(
                "select count(*) from raw_workload where source_file = ?", [name]
            ).fetchone()[0]
        )
    return {
        "seconds": round(seconds, 1),
        "load_seconds": steps.get("ledger_tables", 0.0),
        "steps": steps,
        "peak_mib": memory.peak_mib,
        "before_mib": round(before, 1),
        "job_success": result.success,
        "status": status,
        "message": message or (reason or ""),
        "rows_loaded": loaded,
        "rows_rejected": rejected,
    }


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per step of the run, from Dagster's event log (STEP_START to STEP_SUCCESS)."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.is_step_start:
            started[event.step_key] = entry.timestamp
        elif event.is_step_success or event.is_step_failure:
            seconds[event.step_key] = round(entry.timestamp - started[event.step_key], 1)
    return seconds


def run(cases: list[str], root: Path, progress=print) -> list[dict]:
    """Measure these cases; results.json keeps the last measurement of every case."""
    store = root / "results.json"
    kept = {r["case"]: r for r in json.loads(store.read_text())} if store.exists() else {}
    for case in cases:
        folder = root / case
        progress(f"building {case} …")
        path = build(case, folder)
        size = path.stat().st_size
        assert size <= LIMIT, f"{case}: {size:,} bytes, more than the goal's 10 MB"
        progress(f"loading {path.name} ({size:,} bytes) …")
        out = folder / "result.json"
        subprocess.run(
            [sys.executable, "-m", "bench.hostile", "--one", str(folder), path.name, str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        kept[case] = {"case": case, "file": path.name, "bytes": size, **json.loads(out.read_text())}
        results = [kept[c] for c in CASES if c in kept]
        store.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    return [kept[c] for c in CASES if c in kept]


def table(results: list[dict]) -> str:
    lines = [
        "| Case | File size | Load step | Load job | Peak memory | Outcome |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        outcome = (
            f"{r['status']}: {r['message'][:90]}"
            if r["status"] != "loaded"
            else (
                f"loaded: {r['rows_loaded']:,} rows, {r['rows_rejected']:,} rejected"
                + (f" ({r['message'][:60]})" if r["rows_rejected"] else "")
            )
        )
        lines.append(
            f"| {r['case']} | {r['bytes'] / MB:,.2f} MB | {r['load_seconds']:.1f} s | "
            f"{r['seconds']:.1f} s | "
            f"{r['peak_mib']:,.0f} MiB | {outcome} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="these cases only")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--one", nargs=3, metavar=("FOLDER", "FILE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        folder, name, out = args.one
        Path(out).write_text(json.dumps(measure_one(Path(folder), name), ensure_ascii=False))
        return
    results = run(args.only or list(CASES), args.root)
    print(table(results))


if __name__ == "__main__":
    main()
