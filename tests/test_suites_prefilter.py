"""GX is handed only the rows DuckDB selects as able to fail (`suspect_rows`). That is sound only if
every verdict, count and example is what GX finds over the whole table: checked here for every
ledger kind on rows made of boundary values, nulls, NaN, values outside the enumerations, pairs in
the wrong order and keys sent twice (nulls in keys too)."""

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from expectations.suites import (
    batch_scope,
    lower_bound,
    suite_parameters,
    suite_rules,
    suspect_rows,
    validate,
    validate_table,
)
from ledgers.loader import ensure_schema, store_rows
from ledgers.specs import ledger, ledgers

ORDER = ["source_file", "source_sheet", "source_row"]


def cell(column, rng: random.Random):
    """Mostly a value within the column's rules; now and then one that sits on, just inside or
    just outside them, or is missing."""
    if rng.random() < 0.95:
        return good(column, rng)
    if rng.random() < 0.3:
        return None
    if column.type in ("int", "number", "amount"):
        low = lower_bound(column)
        edges = [0, 1, -1, 2.5, 1e9]
        for bound in (low, column.max):
            if bound is not None:
                edges += [bound, bound - 1, bound + 1, bound - 0.01, bound + 0.01]
        if column.type == "number":
            edges.append(float("nan"))
        value = rng.choice(edges)
        return int(value) if column.type == "int" else value
    if column.enum:
        return rng.choice([*column.enum, "unknown", "内科"])
    if column.type in ("date", "month") and rng.random() < 0.2:
        return dt.date(1900, 1, 1)  # a mistyped year (rules.FarPast)
    if column.type == "text":
        return rng.choice(["A", "B", "C"])  # few values, so keys repeat
    return good(column, rng)  # dates in any order: the pairs' rules see both


def good(column, rng: random.Random):
    if column.type in ("int", "number", "amount"):
        low = lower_bound(column) or 0
        value = low + 1 + rng.random() * ((column.max or low + 100) - low - 1)
        return int(value) if column.type == "int" else round(value, 2)
    if column.type in ("date", "month"):
        day = dt.date(2026, rng.randint(1, 3), 1)
        return day if column.type == "month" else day + dt.timedelta(days=rng.randint(0, 27))
    if column.type == "bool":
        return rng.random() < 0.5
    if column.enum:
        return rng.choice(list(column.enum))
    return f"K{rng.randint(1, 2000)}"  # keys repeat now and then


def fill(con: duckdb.DuckDBPyConnection, kind: str, rows: int, seed: int) -> pd.DataFrame:
    spec = ledger(kind)
    rng = random.Random(seed)
    records = []
    for number in range(rows):
        record = {c.name: cell(c, rng) for c in spec.columns}
        record |= {"source_file": f"f{number % 3}.csv", "source_sheet": "", "source_row": number}
        records.append(record)
    con.register("frame", pd.DataFrame.from_records(records))
    # stored as the loader stores accepted rows: raw_<kind> and staged_<kind> (views) show them
    store_rows(con, spec, "from frame")
    # as the suite's batch has them: with each row's first date allowed (rules.DatedFrom)
    batch, params = batch_scope(con, spec, spec.staged_table, {})
    return con.execute(f"select * from {batch} order by {', '.join(ORDER)}", params).df()  # noqa: S608


def registers(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """The department list and the equipment register hold the values `good` writes (K1 …
    K2000), not the odd ones (A, B, C): the suites' value sets drawn from them (rules.Registered).
    Not the register whose own suite is checked (`kind`): its rows are the ones filled (stored
    in raw_<kind>, which staged_<kind> shows), and no rule of a register refers to itself."""
    con.register("codes", pd.DataFrame({"code": [f"K{n}" for n in range(1, 2001)]}))
    # one department in three starts mid-February (rules.AfterStart): January rows break it
    if kind != "departments":
        store_rows(
            con,
            ledger("departments"),
            """select code, code as name_zh,
                      case when hash(code) % 3 = 0 then date '2026-02-10' end as start_date
               from codes""",
        )
    if kind != "equipment":
        store_rows(con, ledger("equipment"), "select code as asset_code, code as dept from codes")


def verdicts(outcome) -> list[tuple]:
    return [
        (o.expectation, o.column, o.success, o.unexpected_count, tuple(o.examples))
        for o in outcome.outcomes
    ]


@pytest.mark.parametrize("kind", sorted(ledgers()))
def test_suspect_rows_give_the_verdicts_of_the_whole_table(tmp_path, kind):
    spec = ledger(kind)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_schema(con)
        registers(con, kind)
        whole = fill(con, kind, rows=400, seed=len(kind))
        parameters = suite_parameters(con, spec)
        expected = validate(whole, spec, parameters)
        got = validate_table(con, spec, spec.staged_table, None)
        assert not expected.success  # the rows do break rules: the comparison means something
        assert got.rows == expected.rows == 400
        assert verdicts(got) == verdicts(expected)
        assert len(got.frame) < len(whole)  # and GX was spared rows

        if spec.period:  # one month of three: GX over that month's rows alone
            month = "2026-02"
            in_month = whole[pd.to_datetime(whole[spec.period]).dt.strftime("%Y-%m") == month]
            expected = validate(in_month.reset_index(drop=True), spec, parameters)
            got = validate_table(con, spec, spec.staged_table, [month])
            assert got.rows == len(in_month)
            assert verdicts(got) == verdicts(expected)


def test_a_clean_table_hands_gx_no_row(tmp_path):
    spec = ledger("departments")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_schema(con)
        store_rows(
            con,
            spec,
            """from (values ('A', '内科一', 'medical', 'd.csv', 2),
                            ('B', '外科一', 'surgical', 'd.csv', 3))
               t(code, name_zh, kind, source_file, source_row)""",
        )
        assert suspect_rows(con, spec, spec.staged_table, {}).empty
        outcome = validate_table(con, spec, spec.staged_table, None)
        assert outcome.success and outcome.rows == 2
        # GX is not run on no rows: its verdicts over the whole table are the same (GX lists
        # them in an order of its own)
        whole = con.execute(f"select * from {spec.staged_table}").df()  # noqa: S608
        by_gx = validate(whole, spec, suite_parameters(con, spec))
        assert sorted(verdicts(outcome)) == sorted(verdicts(by_gx))
        # and the same expectations' arguments (a run adds the batch it ran on)
        ran = [{k: v for k, v in o.kwargs.items() if k != "batch_id"} for o in by_gx.outcomes]
        assert sorted(map(repr, (o.kwargs for o in outcome.outcomes))) == sorted(map(repr, ran))


def test_a_recorded_key_proof_stands_only_for_the_same_keys(tmp_path):
    """The blocking suite (raw_<kind>) and the ledger checks (staged_<kind>) prove a key unique
    once per run: the proof is kept with the rows' number and their keys' hashes summed
    (rules_of_rows.keys_proven) and read while both are unchanged. A key re-spelt to another
    row's (the same number of rows), a twin added, or a row outranked is found all the same."""
    spec = ledger("departments")

    def unique(table: str) -> bool:
        outcome = validate_table(con, spec, table, None)
        return not any(o.expectation.endswith("_to_be_unique") for o in outcome.failed)

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_schema(con)
        store_rows(
            con,
            spec,
            """from (values ('A', '内科一', 'medical', 'd.csv', 2),
                            ('B', '外科一', 'surgical', 'd.csv', 3),
                            ('C', '外科二', 'surgical', 'd.csv', 4))
               t(code, name_zh, kind, source_file, source_row)""",
        )
        stored = spec.stored_table
        assert unique(spec.table)
        proofs = "select rows from key_proofs where ledger_table = 'raw_departments'"
        assert con.execute(proofs).fetchall() == [(3,)]  # proved once, and kept
        assert unique(spec.staged_table)  # nothing outranked: raw_'s rows, by that proof
        # C re-keyed as A: three rows still, other keys
        con.execute(f"update {stored} set code = 'A' where code = 'C'")  # noqa: S608
        assert not unique(spec.table) and not unique(spec.staged_table)
        con.execute(f"update {stored} set code = 'C' where source_row = 4")  # noqa: S608
        assert unique(spec.table) and unique(spec.staged_table)
        # a twin added
        con.execute(f"insert into {stored} select * from {stored} where code = 'B'")  # noqa: S608
        assert not unique(spec.table) and not unique(spec.staged_table)
        last_b = f"select max(rowid) from {stored} where code = 'B'"  # noqa: S608
        con.execute(f"delete from {stored} where rowid = ({last_b})")  # noqa: S608
        assert unique(spec.table)
        # a twin outranked: every file's rows hold B twice, the accepted rows once
        con.execute(
            f"insert into {spec.stored_outranked_table} from {stored} where code = 'B'"  # noqa: S608
        )
        assert unique(spec.table) and not unique(spec.staged_table)


@pytest.mark.parametrize("kind", sorted(ledgers()))
def test_each_rule_says_what_gx_builds_of_it(kind):
    """A suite whose rows are all clean is told without GX (`_all_met`), from each rule's
    expectation as data: that data is exactly GX's configuration of the expectation it builds
    (type, arguments and their order, parameters left as parameters)."""
    for rule in suite_rules(kind):
        expectation, kwargs = rule.expects()
        config = rule.expectation().configuration
        assert (expectation, list(kwargs.items())) == (config.type, list(config.kwargs.items()))


CLEAN_OR_NOT = """
import sys, duckdb
from expectations.suites import suite_findings, validate_table
from ledgers.loader import ensure_schema, store_rows
from ledgers.specs import ledger
spec = ledger("departments")
with duckdb.connect(sys.argv[1]) as con:
    ensure_schema(con)
    store_rows(
        con,
        spec,
        f"from (values ('A', '内科一', 'medical', 'd.csv', 2), "
        f"('B', '外科一', {sys.argv[2]!r}, 'd.csv', 3)) t(code, name_zh, kind, source_file, source_row)",
    )
    outcome = validate_table(con, spec, spec.staged_table, None)
    found = suite_findings(con, ["2026-01"], ["departments"])
print(outcome.success, len(outcome.outcomes), [f.check for f in found])
print("great_expectations" in sys.modules)
"""


def test_gx_is_imported_only_when_a_row_could_fail(tmp_path):
    """Importing GX costs seconds: a warehouse with no suspect row never imports it, and one with
    a suspect row has GX judge it (in a fresh interpreter each: this one has imported GX)."""

    def run(kind: str, name: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", CLEAN_OR_NOT, str(tmp_path / f"{name}.duckdb"), kind],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
        )
        return done.stdout.splitlines()

    expectations = len(suite_rules("departments"))
    assert run("surgical", "clean") == [f"True {expectations} []", "False"]
    assert run("ward", "suspect") == [f"False {expectations} ['gx_enum']", "True"]
