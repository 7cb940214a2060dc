"""One rule, many uses (ledgers.rules): a column's numeric bounds give the Python check with its
rejection reason, the SQL predicate of the set-based load, the Great Expectations bounds and the
sentences of docs/ledgers.md and the templates' instructions, and these agree on every column of
every ledger."""

from __future__ import annotations

import duckdb
import pytest

from expectations.suites import build_expectations
from ledgers import rules
from ledgers.specs import ledger, ledgers
from ledgers.templates import _rule as template_rule
from ledgers.templates import ledger_column_label
from ledgers.values import CellError

COLUMNS = [(spec.kind, c) for spec in ledgers().values() for c in spec.columns]


def _check_bounds(column, number: float) -> None:
    """The per-cell Python check of a number (ledgers.values.parse_cell's): its Range."""
    found = rules.cell_rules(column).range
    if found is not None and (problem := found.problem(number)):
        raise CellError(problem)


def _probes(column) -> list[float]:
    """Numbers either side of and on each bound, and a few ordinary ones."""
    near = [b.bound + d for b in rules.bounds(column) for d in (-1, -0.5, 0, 0.5, 1)]
    return sorted({-1e6, -1.0, 0.0, 1.0, 1e6, *near})


def test_the_floor_of_counts_and_amounts_by_hand():
    census = ledger("workload").by_name["census"]  # a count: floor 0, no min in the spec
    assert census.type == "int" and census.min is None and not census.negative_ok
    assert rules.bounds(census)[0] == rules.Bound(">=", 0)
    with pytest.raises(CellError, match="must be at least 0, found -1"):
        _check_bounds(census, -1)
    _check_bounds(census, 0)
    signed = [c for _, c in COLUMNS if c.negative_ok]
    assert signed  # an amount that may be negative (a refund, a balance) has no floor
    for column in signed:
        assert all(b.op != ">=" for b in rules.bounds(column)) or column.min is not None
        assert "may be negative" in rules.sentences(column, "en")


@pytest.mark.parametrize(("kind", "column"), COLUMNS, ids=[f"{k}.{c.name}" for k, c in COLUMNS])
def test_python_sql_and_gx_bounds_agree(kind, column):
    between = rules.between(column)
    gx = [
        e
        for e in build_expectations(ledger(kind))
        if type(e).__name__ == "ExpectColumnValuesToBeBetween"
        and e.column == column.name
        and not isinstance(e.max_value, dict)  # a date's DateLimit: today, a parameter
    ]
    assert len(gx) == (0 if between is None else 1)
    con = duckdb.connect()
    for number in _probes(column):
        try:
            _check_bounds(column, number)
            python = True
        except CellError:
            python = False
        predicates = ["$x is not null", *(b.sql("$x") for b in rules.bounds(column))]
        (sql,) = con.execute(f"select {' and '.join(predicates)}", {"x": number}).fetchone()  # noqa: S608
        if gx:
            e = gx[0]
            low_ok = e.min_value is None or (
                number > e.min_value if e.strict_min else number >= e.min_value
            )
            expectation = low_ok and (e.max_value is None or number <= e.max_value)
        else:
            expectation = True
        assert python == sql == expectation, (number, python, sql, expectation)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_instructions_state_every_rule(lang):
    """The floor of counts and amounts, may-be-negative, required-when and not-in-the-future were
    missing from the templates' instructions; each column's rule text now holds its sentences."""
    seen = set()
    for _, column in COLUMNS:
        text = template_rule(column, lang)
        label = lambda name: ledger_column_label(name, column, lang)  # noqa: B023, E731
        for sentence in rules.sentences(column, lang, label=label):
            assert sentence in text, (column.name, sentence, text)
        seen |= {
            name
            for name, present in (
                ("floor", rules.floor(column) == 0 and column.min is None),
                ("negative_ok", column.negative_ok),
                ("required_if", column.required_if),
                ("not_future", column.not_future),
            )
            if present
        }
    assert seen == {"floor", "negative_ok", "required_if", "not_future"}  # each rule met


def test_docs_state_the_same_bounds():
    text = open("docs/ledgers.md", encoding="utf-8").read()
    census = "| census |"
    (line,) = [line for line in text.splitlines() if line.startswith(census)]
    assert line.endswith("| int | ≥ 0 |")


ORDERS = [
    (spec.kind, o) for spec in ledgers().values() for c in spec.columns for o in rules.orders(c)
]


@pytest.mark.parametrize(("kind", "order"), ORDERS, ids=[f"{k}.{o.column}" for k, o in ORDERS])
def test_python_sql_and_gx_agree_on_the_order_of_two_columns(kind, order):
    """discharge_date ≥ admit_date and the like: the reader's check, bulk's failure predicate and
    GX's pair expectation judge the same pairs the same way (equal passes; a row missing either
    is not judged)."""
    (gx,) = [
        e
        for e in build_expectations(ledger(kind))
        if type(e).__name__ == "ExpectColumnPairValuesAToBeGreaterThanB"
        and {e.column_A, e.column_B} == {order.column, order.other}
    ]
    con = duckdb.connect()
    for value, other in [(1, 2), (2, 2), (3, 2), (None, 2), (2, None)]:
        judged = value is not None and other is not None
        python = not judged or order.holds(value, other)
        row = {order.column: value, order.other: other}
        (failed,) = con.execute(
            f"select coalesce({order.failure_sql()}, false) "  # noqa: S608 -- spec names
            f'from (select $v::int as "{order.column}", $o::int as "{order.other}")',
            {"v": value, "o": other},
        ).fetchone()
        a, b = row[gx.column_A], row[gx.column_B]
        expectation = a is None or b is None or a >= b
        assert python == (not failed) == expectation, (value, other)
    assert ORDERS  # the specs hold such rules (a stay's dates, a part of a total)
