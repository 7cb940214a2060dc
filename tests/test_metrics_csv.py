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
    # the words' types were in a catalog of their own, gone after the write
    assert [
        d
        for (d,) in warehouse.execute("select database_name from duckdb_databases()").fetchall()
        if d.startswith("metrics_csv")
    ] == []
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
    """More rows than a block (2,048), stored out of order: the file is in `order`'s order.
    Sorted by an ORDER BY inside the query instead (under the cells' expressions), DuckDB 2.0.0
    wrote 1-13 blocks of these 300,000 rows out of place, differently on each run."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "create table t as select (hash(i) % 300000)::bigint as k, 'row ' || i as s "
        "from range(300000) r(i)"
    )
    path = tmp_path / "many.csv"
    assert write_excel_csv(con, "select k, s from t", path, order="k, s") == 300_000
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    written = [(int(k), s) for k, s in (line.split(",") for line in lines)]
    # the stored order is not the sorted one, so the writer's sort is what puts them in order
    stored = con.execute("select k, s from t").fetchall()
    assert stored != sorted(stored)
    assert written == sorted(stored)


def test_a_rank_sorts_without_being_written(tmp_path):
    """rejected_rows.csv, changes.csv, data_quality.csv and actions.csv sort by an order with
    NULLS FIRST, DESC or an expression: the writer ranks the rows in that order (a column it does
    not write) and puts 300,000 rows in it. Here: k descending, nulls first, then a column that is
    not written either (its name starts with `_`): i descending."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "create table t as select i, case when i % 1000 = 0 then null "
        "else (hash(i) % 300000)::bigint end as k, 'row ' || i as s from range(300000) r(i)"
    )
    path = tmp_path / "ranked.csv"
    query = "select k, s, -i as _tie from t"
    written = write_excel_csv(con, query, path, order="k desc nulls first, _tie")
    assert written == 300_000
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "k,s"  # neither the rank nor _tie
    rows = [
        (None if k == "" else int(k), int(s[4:]))
        for k, s in (line.split(",") for line in lines[1:])
    ]
    # 300 nulls (i = 299,000, 298,000, …, 0) first, then k from the largest down, ties by i down
    assert rows[:300] == [(None, i) for i in range(299_000, -1, -1000)]
    assert rows[300:] == sorted(rows[300:], key=lambda r: (-r[0], -r[1]))
    # the stored order is not that one, so the writer's sort is what puts them in it
    assert [i for _, i in rows] != [i for (i,) in con.execute("select i from t").fetchall()]


def test_enum_words_are_written_as_their_text(tmp_path):
    """An ENUM column (metrics.csv's text columns, metrics_csv_words.sql) is written as the same
    bytes as its text: words with commas, quotes and newlines quoted alike; a column with a word
    that looks like a formula, or an empty one, gets the apostrophe and the empty cell per cell;
    sorted by an enum whose words are declared in their text order, the rows come in the text's
    order. 5,000 rows, more than a block."""
    plain = ["a,b", 'say "hi"', "two\nlines", "#3", "ICU", "中文科室", "-1", "B", "a"]
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "create table t as select i, $plain[1 + (i // 21) % 9] as word, $texts[1 + i % 21] as code "
        "from range(5000) r(i)",
        {"plain": plain, "texts": TEXTS},
    )
    con.execute("attach ':memory:' as words")
    con.execute("create type words.word as enum (select distinct word from t order by word)")
    con.execute("create type words.code as enum (select distinct code from t order by code)")
    as_text, as_words = tmp_path / "text.csv", tmp_path / "words.csv"
    write_excel_csv(con, "select code, word, i from t", as_text, order="code, word, i")
    enums = "select code::words.code as code, word::words.word as word, i from t"
    assert write_excel_csv(con, enums, as_words, order="code, word, i") == 5000
    assert as_words.read_bytes() == as_text.read_bytes()
    with as_words.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert {row[0] for row in table[1:]} == {excel_text(t) for t in TEXTS}
    assert [int(row[2]) for row in table[1:]] == sorted(
        range(5000), key=lambda i: (TEXTS[i % 21], plain[(i // 21) % 9], i)
    )
