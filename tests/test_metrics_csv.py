"""metrics.csv as DuckDB writes it: the float text, empty cells and quoting that pandas wrote before
(byte for byte, with the BOM every CSV export starts with), and the apostrophe rule of ledgers/excel_text.py on ledger text, on a real file
read back. The values are written straight into metric_values' tables of a real warehouse file, so that
numbers no ledger would give (1e16, 5e-324, NaN) reach the writer."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest

from ledgers.excel_text import excel_text, excel_text_frame, excel_text_sql, write_excel_csv
from metrics.compute import ensure_tables, store_values
from metrics.export import COLUMNS, write_metrics_csv

# Ledger text as a department code: formulas, text that float() reads as a number (left alone:
# '-1_000' and '\t5' are numbers to Python), commas, quotes, newlines, a lone '#', full-width
# digits, an empty code.
TEXTS = [
    '=HYPERLINK("http://evil","a,b")', "@SUM(1+1)", "+", "-", "-1", "-1.5e3", "-1_000", "\t5",
    "-１２", "-inf", "+nan", "- 1", "-A", "\t", "a,b", 'say "hi"', "two\nlines", "#3", "ICU",
    "中文科室", "",
]  # fmt: skip
# Doubles whose text must be Python's repr; NaN and null are empty cells.
NUMBERS = [
    0.1, 1e-05, 100.0, 1e16, 1e15, -2.5, 1 / 3, -0.0, 0.0, 5e-324, 1.7976931348623157e308,
    123456789.125, 1e-4, float("inf"), float("-inf"), float("nan"), None,
]  # fmt: skip


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_tables(con)
    rows = [
        ("month", "2026-10", text, "alos", number, number, 1.0, None, "2026-09", "2025-10",
         dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        for text, number in zip(TEXTS * 2, NUMBERS * 3, strict=False)
    ]  # fmt: skip
    # one row per department code: the codes differ, the numbers cycle through NUMBERS
    rows = list({row[2]: row for row in rows}.values())
    rows += [
        ("year", "2026", f"D{i}", "alos", number, number, number, "no_workload", "2025", "2024",
         dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        for i, number in enumerate(NUMBERS)
    ]  # fmt: skip
    con.execute(
        "create temp table written (grain varchar, period varchar, dept varchar, metric varchar, "
        "value double, numerator double, denominator double, reason varchar, "
        "prior_period varchar, yoy_period varchar, computed_at timestamptz)"
    )
    con.executemany("insert into written values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # NaN through SQL as well: a double NaN is not null in DuckDB
    con.execute("update written set value = 'nan'::double where dept = 'D15'")
    store_values(con, "select * from written")
    yield con
    con.close()


def test_metrics_csv_is_what_pandas_wrote(warehouse, tmp_path):
    """The previous writer (a pandas frame through excel_text_frame and to_csv) is the reference:
    the same bytes, except that DuckDB quotes a cell holding a carriage return, which pandas left
    bare (and which broke the row for a CSV reader). No test value holds one."""
    path = tmp_path / "reports" / "metrics.csv"
    rows = write_metrics_csv(warehouse, path)
    frame = warehouse.execute(
        f"select {', '.join(COLUMNS)} from metric_report "  # noqa: S608 -- our column names
        "order by grain, period, dept, metric"
    ).df()
    reference = tmp_path / "reference.csv"
    # a boolean as DuckDB writes it (pandas would write True / False)
    frame["in_progress"] = frame["in_progress"].map({True: "true", False: "false"})
    excel_text_frame(frame).to_csv(
        reference, index=False, encoding="utf-8-sig", lineterminator="\n"
    )
    assert rows == len(frame) == len(TEXTS) + len(NUMBERS)
    assert path.read_bytes() == reference.read_bytes()


def test_metrics_csv_cells_by_hand(warehouse, tmp_path):
    path = tmp_path / "metrics.csv"
    write_metrics_csv(warehouse, path)
    raw = path.read_bytes()
    # UTF-8 with a BOM, as every CSV export (Excel on a Chinese Windows reads one without as GBK)
    assert raw.startswith(b"\xef\xbb\xbfgrain,period,")
    assert b"\r\n" not in raw
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == COLUMNS
    cells = [dict(zip(COLUMNS, row, strict=True)) for row in table[1:]]
    by_dept = {c["dept"]: c for c in cells if c["grain"] == "month"}
    # formulas get an apostrophe; what float() reads as a number does not; quoting round-trips
    assert by_dept["'" + '=HYPERLINK("http://evil","a,b")']["metric"] == "alos"
    assert {"'@SUM(1+1)", "'+", "'-", "'- 1", "'-A", "'\t"} <= set(by_dept)
    assert {"-1", "-1.5e3", "-1_000", "\t5", "-１２", "-inf", "+nan"} <= set(by_dept)
    assert {"a,b", 'say "hi"', "two\nlines", "#3", "ICU", "中文科室", ""} <= set(by_dept)
    # the order is that of the department codes, not of the text written
    month_depts = [c["dept"] for c in cells if c["grain"] == "month"]
    assert month_depts == [excel_text(t) for t in sorted(TEXTS)]
    # doubles: Python's repr; NaN and null empty
    years = {c["dept"]: c for c in cells if c["grain"] == "year"}
    expected = {
        f"D{i}": "" if n is None or n != n else repr(n)  # noqa: PLR0124 -- n != n: NaN
        for i, n in enumerate(NUMBERS)
    }
    assert {d: c["numerator"] for d, c in years.items()} == expected
    assert {d: c["denominator"] for d, c in years.items()} == expected
    assert [expected[f"D{i}"] for i in range(4)] == ["0.1", "1e-05", "100.0", "1e+16"]
    assert [expected[f"D{i}"] for i in (5, 7, 13, 15, 16)] == ["-2.5", "-0.0", "inf", "", ""]
    assert {c["reason"] for c in years.values()} == {"no_workload"}


def test_excel_text_sql_is_the_python_rule():
    """One rule: the SQL macro hands every cell that starts like a formula to `excel_text`."""
    texts = [*TEXTS, "=", "\r5", "\r\nx", "+1e5", "-0x10", "+.5", "-5.", "-1\u3000", None]
    con = duckdb.connect()
    with excel_text_sql(con):
        got = con.execute(
            "select excel_text_cell(t) from unnest($texts::varchar[]) with ordinality u(t, i) order by i",
            {"texts": texts},
        ).fetchall()
    assert [g for (g,) in got] == [None if t is None else excel_text(t) for t in texts]
    # the macro and its helper are gone afterwards
    with pytest.raises(duckdb.CatalogException):
        con.execute("select excel_text_cell('=1')")


def test_one_writer_for_every_csv_export(tmp_path):
    """metrics.csv, data_quality.csv, rejected_rows.csv and changes.csv all go through
    write_excel_csv: BOM, header, apostrophe on formula-looking text only, empty for null, NaN and
    empty text, parameters bound (never formatted into the SQL)."""
    con = duckdb.connect()
    path = tmp_path / "out" / "any.csv"
    rows = write_excel_csv(
        con,
        """select * from (values ($name, 1, 0.5::double), ('-3', null, 'nan'::double),
                                   ('', 2, null), ('@x', 3, -1.0)) t(name, n, share)""",
        path,
        {"name": "=1+1"},
    )
    assert rows == 4
    assert path.read_bytes() == (b"\xef\xbb\xbfname,n,share\n'=1+1,1,0.5\n-3,,\n,2,\n'@x,3,-1.0\n")


def test_the_exports_use_the_one_writer():
    """No second CSV writer grows back in the packages (a csv.writer or pandas to_csv of an
    export); the synthetic hospital (demo and benchmark) writes ledgers, not exports, and is not
    counted."""
    import pathlib

    # Not exports: the reader's child streams a big workbook's cells into a temporary CSV that
    # DuckDB reads at once (the set-based load); a formula-text quote there would change a cell.
    staging = {"ledgers/workbook_csv.py"}
    root = pathlib.Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for package in ("ledgers", "metrics", "expectations", "reports", "pipelines")
        for path in (root / package).rglob("*.py")
        if any(w in path.read_text(encoding="utf-8") for w in ("csv.writer(", ".to_csv("))
    ]
    assert sorted(offenders) == sorted(staging)


def test_many_rows_keep_their_order(tmp_path):
    """More rows than a block (2,048), stored out of order: the file is in `order_by`'s order.
    Sorted by an ORDER BY inside the query instead (under the cells' expressions), DuckDB 2.0.0
    wrote 1-13 blocks of these 300,000 rows out of place, differently on each run."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "create table t as select (hash(i) % 300000)::bigint as k, 'row ' || i as s "
        "from range(300000) r(i)"
    )
    path = tmp_path / "many.csv"
    assert write_excel_csv(con, "select k, s from t", path, order_by=["k", "s"]) == 300_000
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    written = [(int(k), s) for k, s in (line.split(",") for line in lines)]
    # the stored order is not the sorted one, so the writer's sort is what puts them in order
    stored = con.execute("select k, s from t").fetchall()
    assert stored != sorted(stored)
    assert written == sorted(stored)


def test_a_rank_sorts_without_being_written(tmp_path):
    """rejected_rows.csv, changes.csv, data_quality.csv and actions.csv sort by an order with
    NULLS FIRST, DESC or an expression: a `sort_rank` column of the query, sort_only, puts 300,000
    rows in that order and is not a column of the file. Here: k descending, nulls first."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "create table t as select case when i % 1000 = 0 then null "
        "else (hash(i) % 300000)::bigint end as k, 'row ' || i as s from range(300000) r(i)"
    )
    path = tmp_path / "ranked.csv"
    query = "select k, s, row_number() over (order by k desc nulls first, s) as sort_rank from t"
    written = write_excel_csv(con, query, path, order_by=["sort_rank"], sort_only=["sort_rank"])
    assert written == 300_000
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "k,s"  # no sort_rank column
    rows = [(None if k == "" else int(k), s) for k, s in (line.split(",") for line in lines[1:])]
    # 300 nulls (i = 0, 1000, …, 299,000) first, then k from the largest down, ties by s
    assert [k for k, _ in rows[:300]] == [None] * 300 and rows[300][0] is not None
    rest = rows[300:]
    assert rest == sorted(rest, key=lambda r: (-r[0], r[1]))
    assert sorted(s for _, s in rows[:300]) == sorted(f"row {i}" for i in range(0, 300_000, 1000))
