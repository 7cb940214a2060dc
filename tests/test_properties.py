"""Properties of loading, with ledgers generated from the specs (ledgers/specs.toml):

- any valid workload, discharges, finance or appointments ledger, written as CSV (UTF-8, with or
  without BOM) or xlsx with Chinese or English headers, in any column order, with any subset of the
  optional columns and any allowed spelling of dates, months, booleans, enumerations and
  departments, loads back exactly: the same number of rows and the same values;
- random damage to a valid file (truncated, bytes flipped, a column dropped, garbage rows put in)
  never crashes the load and never loses a row of another file of the same inbox.

Each example loads into its own DuckDB file. The number of examples is bounded so that the file
runs in well under a minute.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ledgers import rules
from ledgers.loader import load_inbox
from ledgers.reader import measure_columns
from ledgers.specs import Column, Ledger, ledger

KINDS = ("workload", "discharges", "finance", "appointments")
# code, Chinese and English name: a row may name its department by any of them
DEPARTMENTS = [("D01", "心内科", "Cardiology"), ("D02", "普外科", "General Surgery")]
FREE_TEXT = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz0123456789-_"
FREE_TEXT_ZH = FREE_TEXT + "医保自费城镇职工居民新农合甲乙丙组"
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- generating a valid ledger from its spec ------------------------------------------------


def _date_text(day: dt.date, style: int) -> str:
    return [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
    ][style]


def _month_text(month: dt.date, style: int) -> str:
    return [
        f"{month.year}-{month.month:02d}",
        f"{month.year}/{month.month}",
        f"{month.year}{month.month:02d}",
        f"{month.year}年{month.month}月",
    ][style]


@st.composite
def cell_values(draw, column: Column, text_alphabet: str, xlsx: bool):
    """(what the file holds, what the warehouse must hold) for one cell of a column."""
    if column.enum is not None:
        canonical = draw(st.sampled_from(sorted(column.enum)))
        spelling = draw(st.sampled_from([canonical, *column.enum[canonical]]))
        expected = int(canonical) if column.type == "int" else canonical
        if column.type == "int" and xlsx and spelling == canonical:
            return int(spelling), expected
        return spelling, expected
    if column.type == "text":
        value = draw(st.text(alphabet=text_alphabet, min_size=1, max_size=10))
        return value, value
    if column.type == "int":
        number = draw(st.integers(0, 10**6))
        return (number if xlsx else str(number)), number
    if column.type == "amount":
        low = -(10**8) if column.negative_ok else 0
        cents = draw(st.integers(low, 10**9))
        amount = Decimal(cents) / 100
        return (float(amount) if xlsx and draw(st.booleans()) else str(amount)), amount
    if column.type == "bool":
        value = draw(st.booleans())
        spellings = ["是", "Y", "yes", "TRUE", "1"] if value else ["否", "N", "no", "false", "0"]
        return (value if xlsx and draw(st.booleans()) else draw(st.sampled_from(spellings))), value
    raise AssertionError(f"no generator for {column.type}")


def _dated(draw, xlsx: bool, day: dt.date) -> object:
    if xlsx and draw(st.booleans()):
        return day
    return _date_text(day, draw(st.integers(0, 4)))


@st.composite
def ledger_files(draw, kind: str):
    """A valid ledger of `kind`: (file name, bytes or rows, format, expected rows by key)."""
    spec = ledger(kind)
    xlsx = draw(st.booleans())
    encoding = "xlsx" if xlsx else draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    lang = draw(st.sampled_from(["zh", "en"]))
    optional = [c for c in spec.columns if not c.required]
    chosen = []
    if optional:
        chosen = draw(st.lists(st.sampled_from(optional), unique_by=lambda c: c.name, max_size=6))
    measures = set(measure_columns(spec))
    if measures and not any(c.name in measures for c in spec.columns if c.required or c in chosen):
        # a sheet is a ledger only with at least one of its measure columns (issue "Real
        # hospitals' data"): date and department alone would also fit a training register
        chosen = [*chosen, draw(st.sampled_from([c for c in optional if c.name in measures]))]
    columns = [c for c in spec.columns if c.required or c in chosen]
    columns = draw(st.permutations(columns))
    alphabet = FREE_TEXT_ZH if lang == "zh" else FREE_TEXT
    count = draw(st.integers(1, 12))
    # keys: (dept, day/month) unique, or a unique episode id
    if kind == "workload":
        keys = draw(
            st.lists(
                st.tuples(st.integers(0, 1), st.integers(0, 900)),
                min_size=count,
                max_size=count,
                unique=True,
            )
        )
    elif kind == "discharges":
        ids = draw(
            st.lists(
                st.text(alphabet=FREE_TEXT, min_size=1, max_size=12),
                min_size=count,
                max_size=count,
                unique=True,
            )
        )
        keys = [(draw(st.integers(0, 1)), episode) for episode in ids]
    else:
        keys = draw(
            st.lists(
                st.tuples(st.integers(0, 1), st.integers(0, 40)),
                min_size=count,
                max_size=count,
                unique=True,
            )
        )
    rows, expected = [], []
    for dept_index, key in keys:
        written, stored = {}, {}
        code = DEPARTMENTS[dept_index][0]
        written["dept"] = draw(st.sampled_from(DEPARTMENTS[dept_index]))
        stored["dept"] = code
        if kind == "workload":
            day = dt.date(2024, 1, 1) + dt.timedelta(days=key)
            written["date"], stored["date"] = _dated(draw, xlsx, day), day
        elif kind in ("finance", "appointments"):
            month = dt.date(2023 + key // 12, 1 + key % 12, 1)
            if xlsx and draw(st.booleans()):
                written["month"] = month
            else:
                written["month"] = _month_text(month, draw(st.integers(0, 3)))
            stored["month"] = month
        else:
            admit = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 900)))
            stay = draw(st.integers(0, 60))
            discharge = admit + dt.timedelta(days=stay)
            surgery = admit + dt.timedelta(days=draw(st.integers(0, stay)))
            written["episode_id"], stored["episode_id"] = key, key
            for name, day in (
                ("admit_date", admit),
                ("discharge_date", discharge),
                ("surgery_date", surgery),
            ):
                written[name], stored[name] = _dated(draw, xlsx, day), day
        for column in columns:
            if column.name in written:
                continue
            if not column.required and draw(st.integers(0, 4)) == 0:
                written[column.name], stored[column.name] = None, None
                continue
            written[column.name], stored[column.name] = draw(cell_values(column, alphabet, xlsx))
        _respect_cross_column_rules(kind, written, stored, xlsx)
        rows.append(written)
        expected.append(stored)
    header = [_header(draw, column, lang) for column in columns]
    table = [header, *([row.get(c.name) for c in columns] for row in rows)]
    prefix = draw(st.sampled_from(spec.prefixes))
    return {
        "name": f"{prefix}_{kind}.{'xlsx' if xlsx else 'csv'}",
        "table": table,
        "encoding": encoding,
        "columns": [c.name for c in columns],
        "expected": expected,
    }


def _respect_cross_column_rules(kind: str, written: dict, stored: dict, xlsx: bool) -> None:
    """Each order rule of the ledger (ledgers.rules: drug, consumables and insurance paid ≤ total
    cost; attended ≤ booked; …): a value that breaks it takes the other column's value. The hand
    list this replaced had missed insurance_paid ≤ total_cost when that rule was added."""
    for column in ledger(kind).columns:
        for order in rules.orders(column):
            value, other = stored.get(order.column), stored.get(order.other)
            if value is not None and other is not None and not order.holds(value, other):
                stored[order.column] = other
                written[order.column] = written[order.other]


def _header(draw, column: Column, lang: str) -> str:
    if lang == "zh":
        return draw(st.sampled_from(column.zh))
    return draw(st.sampled_from([column.en, column.name, column.en.upper()]))


def write_ledger(path: Path, table: list[list[object]], encoding: str) -> None:
    if encoding == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "台账"
        for row in table:
            sheet.append(row)
        workbook.save(path)
        return
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        ["" if v is None else v for v in row] for row in table
    )
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_departments(inbox: Path) -> None:
    lines = ["code,name_zh,name_en,kind", *(f"{c},{zh},{en},medical" for c, zh, en in DEPARTMENTS)]
    (inbox / "departments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def stored_rows(con: duckdb.DuckDBPyConnection, spec: Ledger, columns: list[str], file: str):
    select = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(
        f"select {select} from {spec.table} where source_file = ? order by source_row",  # noqa: S608
        [file],
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


# --- valid ledgers load back exactly ---------------------------------------------------------


# One ledger of each kind per example, in one inbox loaded once: each kind gets as many examples
# as it had in a test of its own, at a quarter of the loads (a load's fixed cost, not the rows,
# is most of an example's time). The files' names differ by kind (ledger_files).
@EXAMPLES
@given(st.tuples(*(ledger_files(kind) for kind in KINDS)))
def test_valid_ledger_loads_back_exactly(generated_files):
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder) / "inbox"
        inbox.mkdir()
        write_departments(inbox)
        for generated in generated_files:
            write_ledger(inbox / generated["name"], generated["table"], generated["encoding"])
        with duckdb.connect(str(Path(folder) / "w.duckdb")) as con:
            report = load_inbox(con, inbox)
            assert report.problems == []
            assert report.rows_rejected == 0, con.execute(
                "select file, reason from rejected_rows"
            ).fetchall()
            loaded = {}
            for kind, generated in zip(KINDS, generated_files, strict=True):
                assert report.rows_by_kind[kind] == len(generated["expected"]), kind
                columns = generated["columns"]
                loaded[kind] = stored_rows(con, ledger(kind), columns, generated["name"])
    for kind, generated in zip(KINDS, generated_files, strict=True):
        columns = generated["columns"]
        expected = [{c: row.get(c) for c in columns} for row in generated["expected"]]
        assert loaded[kind] == expected, kind


# --- damage never crashes and never costs another file a row --------------------------------


@st.composite
def damaged_files(draw):
    """A valid ledger, then one kind of damage: truncation, flipped bytes, a dropped column,
    garbage rows."""
    generated = draw(ledger_files(draw(st.sampled_from(KINDS))))
    table = [list(row) for row in generated["table"]]
    damage = draw(st.sampled_from(["truncate", "flip", "drop_column", "garbage_rows"]))
    if damage == "drop_column":
        index = draw(st.integers(0, len(table[0]) - 1))
        table = [row[:index] + row[index + 1 :] for row in table]
    if damage == "garbage_rows":
        garbage = st.lists(
            st.one_of(
                st.none(),
                st.text(st.characters(exclude_categories=("Cs",)), max_size=8),
                st.integers(-(10**9), 10**9),
                st.floats(),
            ),
            min_size=1,
            max_size=len(table[0]) + 2,
        )
        for _ in range(draw(st.integers(1, 4))):
            row = draw(garbage)
            if generated["encoding"] == "xlsx":
                # what a workbook can hold: no control characters, and text, not formulas
                row = [
                    ILLEGAL_CHARACTERS_RE.sub("", v).lstrip("=") if isinstance(v, str) else v
                    for v in row
                ]
            table.insert(draw(st.integers(0, len(table))), row)
    return generated | {
        "table": table,
        "damage": damage,
        "cut": draw(st.floats(0, 1)),
        "flips": draw(
            st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8)
        ),
    }


def _damage_bytes(path: Path, damaged: dict) -> None:
    data = bytearray(path.read_bytes())
    if damaged["damage"] == "truncate":
        data = data[: int(len(data) * damaged["cut"])]
    elif damaged["damage"] == "flip" and data:
        for where, mask in damaged["flips"]:
            data[min(int(where * len(data)), len(data) - 1)] ^= mask
    path.write_bytes(bytes(data))


GOOD_WORKLOAD = [
    ["日期", "科室", "门诊人次", "出院人数", "实际开放床位", "期末在院人数"],
    *([f"2026-10-{d:02d}", "D01", 50 + d, 2, 40, 30] for d in range(1, 32)),
]


# Up to four damaged files share one inbox and one load (a load's fixed cost, not the files, is
# most of an example's time): about as many damaged files as 25 examples of one each, in 10 loads.
@settings(EXAMPLES, max_examples=10)
@given(st.lists(damaged_files(), min_size=1, max_size=4))
def test_damaged_file_never_crashes_the_load_nor_costs_another_file_a_row(damaged_list):
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder) / "inbox"
        inbox.mkdir()
        write_departments(inbox)
        good = inbox / "业务量台账.csv"
        write_ledger(good, GOOD_WORKLOAD, "utf-8")
        # the damaged files are the older ones: where one repeats a key of the good file, the
        # good file's row is the one kept (the newest wins), so every good row must be in raw_*
        stamp = time.time() - 3600
        for number, damaged in enumerate(damaged_list):
            bad = inbox / f"damaged{number}_{damaged['name']}"
            write_ledger(bad, damaged["table"], damaged["encoding"])
            _damage_bytes(bad, damaged)
            os.utime(bad, (stamp, stamp))
        with duckdb.connect(str(Path(folder) / "w.duckdb")) as con:
            load_inbox(con, inbox)  # must not raise
            loaded = con.execute(
                """select strftime(date, '%Y-%m-%d'), dept, outpatient_visits from raw_workload
                   where source_file = '业务量台账.csv' order by date"""
            ).fetchall()
            status = con.execute(
                "select status from ledger_files where file = '业务量台账.csv'"
            ).fetchone()
    assert status == ("loaded",)
    assert loaded == [(row[0], row[1], row[2]) for row in GOOD_WORKLOAD[1:]]
