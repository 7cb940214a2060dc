"""The rules over a ledger's rows rather than one column (ledgers.rules makes them from the
specs: `row_set_rules`): its key unique, its department in the department list (科室字典), and its
period column's dates against the hospital's data (FarPast) and the department's start
(AfterStart), which the loader judges once every file is read and the suites judge as GX
expectations over a bound each row carries (`DatedFrom`)."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass

import duckdb
import numpy as np

from ledgers.rule_base import (
    Registered,
    Rule,
    backticked,
    literal,
    pair_expectation,
    quoted,
    repr_sql,
)


class DatedFrom(Rule):
    """A rule that a row's date (`column`) be on or after a first date of the row's own (from its
    department's start, or the data month), not a value of the specs: the Great Expectations suite's
    batch carries that date as a column of its own (`bound`, made by `bound_sql`; expectations.
    suites adds it), and GX compares the two columns of each row."""

    bound: str  # the batch's column holding the row's first date allowed
    variant: str  # the message of a finding (expectations/checks.toml: gx_order's variants)

    def bound_sql(self, start: str, data_month: str) -> str:
        """SQL of a row's first date allowed, over the SQL of its department's start date (null
        when the list gives none) and the data month."""
        raise NotImplementedError

    def expects(self) -> tuple[str, dict]:
        return pair_expectation(self.column, self.bound)

    def batch_failure_sql(self) -> str:
        """SQL true for a row of the suite's batch that breaks it (null without a bound)."""
        return f"{quoted(self.column)} < {quoted(self.bound)}"


@dataclass(frozen=True)
class FarPast(DatedFrom):
    """A date that dates a row is not more than `years` years (ReadLimits.past_years) before the
    hospital's data: its department's start when the department list gives one, else the data
    month (the latest month the dated ledgers reach, no later than this month). 1900-03 among
    rows of 2026-03 is a mistyped year, which would also stretch the partitions and reports back
    to 1900; an archive of 2012 to 2015 loads whole. Judged once every file of a load is read
    (ledgers.loader), in Python for rows read cell by cell and in SQL for the set-based path."""

    column: str
    years: int
    bound = "first_date_by_data"
    variant = "far_past"

    def first(self, reference: dt.date) -> dt.date:
        """The first date allowed: the first of the reference's month, `years` years earlier."""
        return reference.replace(year=reference.year - self.years, day=1)

    def fails(self, value: dt.date | None, reference: dt.date | None) -> bool:
        return value is not None and reference is not None and value < self.first(reference)

    def reason(self, value: dt.date, since: str) -> str:
        """`since` names the reference: `since_start` or `since_data_month`."""
        return f"{value.isoformat()}{self._words} {since}: a mistyped year?"

    @property
    def _words(self) -> str:
        return f" is more than {self.years} years (ReadLimits.past_years) before"

    def failure_sql(self, value: str, reference: str) -> str:
        """SQL true for a value that breaks it (null without a reference)."""
        return f"{value} < {self._first_sql(reference)}"

    def _first_sql(self, reference: str) -> str:
        """`first` in SQL."""
        return f"date_trunc('month', {reference}) - to_years({int(self.years)})"

    def bound_sql(self, start: str, data_month: str) -> str:
        return f"cast({self._first_sql(f'coalesce({start}, {data_month})')} as date)"

    def reason_sql(self, value: str, since: str) -> str:
        return (
            f"strftime({value}, '%Y-%m-%d') || {literal(self._words + ' ')} || {since} "
            "|| ': a mistyped year?'"
        )

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        if lang == "zh":
            return (
                f"{label(self.column)}早于本院数据（科室成立日期，否则最新数据月份）"
                f"{self.years} 年以上的行视为年份笔误，不予载入。"
            )
        return (
            f"A row whose {label(self.column)} is more than {self.years} years before the "
            "hospital's data (its department's start, else the latest data month) is rejected "
            "as a mistyped year."
        )


def since_start(code: str, start: dt.date) -> str:
    return f"department {code}'s start {start.isoformat()}"


def since_start_sql(code: str, start: str) -> str:
    """`since_start` in SQL over the SQL of a code and a start date (values, never formatted in)."""
    return f"'department ' || {code} || '''s start ' || strftime({start}, '%Y-%m-%d')"


def since_data_month(month: dt.date) -> str:
    return f"the data month {month:%Y-%m}"


def since_data_month_sql(month: str) -> str:
    return f"'the data month ' || strftime({month}, '%Y-%m')"


@dataclass(frozen=True)
class Unique(Rule):
    """A ledger's key, unique over every file's rows: the same key sent twice is a finding (the
    most recently saved file's row is used, ledgers.loader)."""

    key: tuple[str, ...]

    @property
    def column(self) -> str:
        return ", ".join(self.key)

    def expects(self) -> tuple[str, dict]:
        if len(self.key) == 1:
            return "expect_column_values_to_be_unique", {"column": self.key[0]}
        return "expect_compound_columns_to_be_unique", {"column_list": list(self.key)}

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        if detail:
            return f"Unique key: {', '.join(self.key)}."
        if lang == "zh":
            return f"每个{'、'.join(label(k) for k in self.key)}只填一行。"
        return f"One row per {', '.join(label(k) for k in self.key)}."


def keys_distinct(
    con: duckdb.DuckDBPyConnection, listed: str, scope: str, params: dict | None = None
) -> bool:
    """Whether every row of `scope` (SQL of a FROM clause) has a key of its own (`listed`: SQL
    of its key's columns), as `Unique` asks (the suites) and the loader settles (its accepted
    rows), told by the keys' hashes: no two equal hashes side by side once sorted proves it (two
    rows of one key, nulls too, share a hash; a collision only sends the keys to the exact
    count). Grouping 4 M episode numbers took 1.9 s of CPU at city scale, counting their
    distinct hashes 1.2 s, sorting them 0.7 s (`_hash_twins`: now by numpy)."""
    twins, _, _ = _hash_twins(con, listed, scope, params)
    return twins == 0


def _hash_twins(
    con: duckdb.DuckDBPyConnection, listed: str, scope: str, params: dict | None = None
) -> tuple[int, int, int | None]:
    """(equal neighbours among the sorted hashes of the keys, rows, the exact sum of the hashes,
    None without rows: DuckDB's `sum` of them) for the rows of `scope` (SQL of a FROM clause).

    The hashes are sorted by numpy rather than by a window over them (`lag(h) over (order by
    h)`): for the city's 3,995,126 episode numbers 0.09 s of CPU against 0.31, hashes fetched
    and all. The sum is of the hashes' two 32-bit halves, each summed exactly in 64 bits (a
    sum of fewer than 2^32 of them cannot overflow), so no temporary copy of the hashes."""
    hashes = np.asarray(
        con.execute(
            f"select hash({listed}) as h from {scope}",  # noqa: S608 -- names from specs
            params or {},
        ).fetchnumpy()["h"],
        dtype=np.uint64,
    )
    if not len(hashes):
        return 0, 0, None
    hashes.sort()
    twins = int(np.count_nonzero(hashes[1:] == hashes[:-1]))
    halves = hashes.view(np.uint32).reshape(-1, 2)
    low, high = (0, 1) if sys.byteorder == "little" else (1, 0)
    total = (int(halves[:, high].sum(dtype=np.uint64)) << 32) + int(
        halves[:, low].sum(dtype=np.uint64)
    )
    return twins, len(hashes), total


# A proof that a table's keys are each held once, with what it was proved of: the number of rows
# and the sum of their keys' hashes (`keys_proven`).
KEY_PROOFS = "key_proofs"


def keys_proven(
    con: duckdb.DuckDBPyConnection, table: str, listed: str, again: bool = False
) -> bool:
    """Whether every row of `table` (one of our own, whole) has a key of its own (`listed`: SQL of
    its key's columns), as `keys_distinct` tells, proved once for the keys the table holds.

    A proof is recorded with the number of rows and the exact sum of their keys' hashes; while
    both are what they were, the table holds the same keys (a row added, removed or re-keyed
    changes them; the same sum from other keys takes a 64-bit collision), and the proof stands
    for the price of a scan without the sort: at city scale the blocking suite on raw_discharges
    and the ledger checks on staged_discharges (raw_ itself while outranked_ is empty) proved the
    4 M episode numbers each 0.8 s of CPU; the second now reads the proof in 0.25 s.

    `again`: proved whatever was recorded, and recorded (the loader, which settles the keys of
    the rows it stores, proves them so for the checks that follow it)."""
    recorded = None if again else _recorded_proof(con, table, listed)
    if recorded is not None:
        held = con.execute(f"select count(*), sum(hash({listed})) from {table}").fetchone()  # noqa: S608 -- names from specs
        if tuple(held) == recorded:
            return True
    twins, rows, hashes = _hash_twins(con, listed, table)
    if twins == 0:
        _record_proof(con, table, listed, rows, hashes)
    return twins == 0


def _recorded_proof(
    con: duckdb.DuckDBPyConnection, table: str, listed: str
) -> tuple[int, int | None] | None:
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ? and not temporary",
        [KEY_PROOFS],
    ).fetchone()[0]
    if not exists:
        return None
    found = con.execute(
        f"select rows, key_hashes from {KEY_PROOFS} where ledger_table = ? and key = ?",  # noqa: S608 -- our own table
        [table, listed],
    ).fetchone()
    return None if found is None else (found[0], found[1])


def _record_proof(
    con: duckdb.DuckDBPyConnection, table: str, listed: str, rows: int, hashes: int | None
) -> None:
    try:
        con.execute(
            f"""create table if not exists {KEY_PROOFS} (
                    ledger_table varchar, key varchar, rows bigint, key_hashes hugeint,
                    primary key (ledger_table, key))"""
        )
        con.execute(
            f"insert or replace into {KEY_PROOFS} values (?, ?, ?, ?)",  # noqa: S608 -- our own table
            [table, listed, rows, hashes],
        )
    except duckdb.InvalidInputException:
        pass  # a read-only connection: the proof is not kept, the next check proves it again


@dataclass(frozen=True)
class KnownDepartment(Registered):
    """A row's department named by a code, Chinese or English name of the department list
    (科室字典), stored as its code; `wildcard` (targets' `*`: every department) as written.
    Resolved by the loader once the department list is stored, cell by cell and in SQL."""

    column: str
    wildcard: str | None = None
    message = "department {value!r} is not in the department list (科室字典)"

    def resolve(self, value: object, codes: dict[str, str]) -> str | None:
        """The department's code (`codes`: folded spelling -> code), or None."""
        from ledgers.specs import normalise_header

        found = codes.get(normalise_header(value))
        return found or (value if self.wildcard is not None and value == self.wildcard else None)

    def reason(self, record: dict, header=None) -> str:
        return self.message.format(value=record[self.column])

    def reason_sql(self, header=None, expression: str | None = None) -> str:
        before, after = self.message.split("{value!r}")
        return f"{literal(before)} || {repr_sql(expression or quoted(self.column))} || {literal(after)}"

    # The rows a warehouse holds name departments by code (the loader resolved the names): the
    # faces below judge codes. The loader judges the spellings as read (ledgers.loader).
    register = "departments"
    parameter = "known_departments"

    def register_label(self, lang: str) -> str:
        return "科室字典" if lang == "zh" else "department list"

    def known_sql(self) -> str:
        """SQL of the codes of the department list, and the wildcard where the ledger has one."""
        from ledgers.specs import ledger

        codes = f"select code from {ledger(self.register).table}"  # noqa: S608
        return codes + (f" union all select {literal(self.wildcard)}" if self.wildcard else "")

    def failure_sql(self) -> str:
        """SQL true for a stored row whose department is not a code of the list."""
        return f"not ({quoted(self.column)} in ({self.known_sql()}))"

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        every = f"；填 {self.wildcard} 表示全部科室" if self.wildcard and lang == "zh" else ""
        if lang == "zh":
            return f"{label(self.column)}须在科室字典中（编码、中文名或英文名均可）{every}。"
        every = f" ({self.wildcard} for every department)" if self.wildcard else ""
        return (
            f"A row's {label(self.column)} must be in the department list, by code, Chinese or "
            f"English name{every}."
        )


@dataclass(frozen=True)
class AfterStart(DatedFrom):
    """A row not dated before its department's start (科室字典's start_date, where the list
    gives one); a monthly ledger may report the month the department starts in. Judged by the
    loader once the department list is stored, cell by cell and in SQL."""

    column: str  # the ledger's period column
    monthly: bool
    bound = "first_date_by_start"
    variant = "before_start"

    def first(self, start: dt.date) -> dt.date:
        return start.replace(day=1) if self.monthly else start

    def fails(self, day: dt.date | None, start: dt.date | None) -> bool:
        return start is not None and day is not None and day < self.first(start)

    def reason(self, code: str, start: dt.date, day: dt.date) -> str:
        return (
            f"department {code} starts on {start.isoformat()} (科室字典); this row is dated {day}"
        )

    def holds_sql(self, day: str, start: str) -> str:
        """SQL true for a row dated on or after the start (or with no start)."""
        return f"({start} is null or {day} >= {self._first_sql(start)})"

    def _first_sql(self, start: str) -> str:
        """`first` in SQL."""
        return f"date_trunc('month', {start})" if self.monthly else start

    def bound_sql(self, start: str, data_month: str) -> str:
        return f"cast({self._first_sql(start)} as date)"

    def reason_sql(self, code: str, start: str, day: str) -> str:
        """`reason` over the SQL of a code, a start date and the row's date."""
        return (
            f"'department ' || {code} || ' starts on ' || strftime({start}, '%Y-%m-%d') || "
            f"' (科室字典); this row is dated ' || strftime({day}, '%Y-%m-%d')"
        )

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        if lang == "zh":
            return f"{label(self.column)}不得早于所在科室在科室字典中的成立日期。"
        return (
            f"A row's {label(self.column)} must not be before its department's start date in the "
            "department list."
        )
