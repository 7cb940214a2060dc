"""A check's messages worded in SQL (expectations.messages_sql) are word for word Python's
(`expectations.checks.render`): numbers on and near their edges, signs, percents, dates, yes/no,
missing values, ledger titles and variants. tests/test_data_quality.py compares the two on every
check's case as well."""

import datetime as dt
import math
from decimal import Decimal

import duckdb
import pytest

from expectations.checks import Check, catalogue, render
from expectations.messages_sql import ledger_sql, message_sql

NUMBERS = [
    0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 2.675, 6.745, 1234567.125, 93000.0, -0.001, 0.001, 99.995,
    1e-10, -1e-10, 1e9 + 0.5, 123456789.999999999, 1e15 + 0.3, -1234.5678, float("nan"), None,
]  # fmt: skip


def check_of(template: str, variants: dict | None = None) -> Check:
    return Check(
        id="t", severity="warning", ledgers=("workload", "discharges"), guards="ledger",
        dimension="notice", source="sql", zh="t", en="t", message_zh=template,
        message_en=template, variants=variants or {},
    )  # fmt: skip


def worded(rows: list[dict], columns: dict[str, str], check: Check, lang: str) -> list[str]:
    """Each row worded by SQL over a table of those columns (DuckDB types) and rows."""
    con = duckdb.connect()
    con.execute("create table q (" + ", ".join(f'"{n}" {t}' for n, t in columns.items()) + ")")
    for row in rows:
        con.execute(
            "insert into q select " + ", ".join(f"${n}::{t}" for n, t in columns.items()),
            {n: row.get(n) for n in columns},
        )
    text = message_sql(check, lang, columns)
    assert text is not None
    return [m for (m,) in con.execute(f"select {text} from q q order by rowid").fetchall()]  # noqa: S608


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["DOUBLE", "DECIMAL(18,3)"])
def test_numbers_read_as_python_writes_them(lang, kind):
    check = check_of("{value} / {change} / {count}")
    rows = []
    for number in NUMBERS:
        if kind.startswith("DECIMAL") and (
            number is None or math.isnan(number) or abs(number) > 1e14
        ):
            continue
        value = number if kind == "DOUBLE" or number is None else Decimal(f"{number:.3f}")
        rows.append(
            {
                "value": value,
                "change": value,
                "count": None if number is None or math.isnan(number) else int(number * 1000),
            }
        )
    columns = {"value": kind, "change": kind, "count": "BIGINT"}
    expected = [render(check, row, lang) for row in rows]
    assert worded(rows, columns, check, lang) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_other_fields_read_as_python_writes_them(lang):
    check = check_of(
        "{ledger_zh}|{ledger_en}|{day}|{at}|{ok}|{share_pct}|{change_pct}|{name}",
        {"other": {"message_zh": "other {name}", "message_en": "other {name}"}},
    )
    columns = {
        "ledger": "VARCHAR", "day": "DATE", "at": "TIMESTAMP", "ok": "BOOLEAN",
        "share_pct": "INTEGER", "change_pct": "BIGINT", "name": "VARCHAR", "variant": "VARCHAR",
    }  # fmt: skip
    rows = [
        {"ledger": "workload", "day": dt.date(2026, 10, 5), "at": dt.datetime(2026, 11, 3, 9, 7, 30),
         "ok": True, "share_pct": 1, "change_pct": -2, "name": "心内科", "variant": None},
        {"ledger": "workload,discharges,unknown", "day": None, "at": None, "ok": False,
         "share_pct": 0, "change_pct": 0, "name": None, "variant": ""},
        {"ledger": None, "day": dt.date(1900, 1, 1), "ok": None, "share_pct": None,
         "change_pct": 3, "name": "", "variant": "other"},
    ]  # fmt: skip
    expected = []
    for row in rows:
        fields = dict(row)
        fields["ledger"] = fields["ledger"] or ",".join(check.ledgers)  # as make_finding does
        expected.append(render(check, fields, lang))
    assert worded(rows, columns, check, lang) == expected
    assert ledger_sql(check, {}) == "'workload,discharges'"


def test_what_sql_cannot_word_is_left_to_python():
    # a fraction of a double as percent (Python rounds it to 0.1 as a decimal), an indicator's
    # unit, a field the rows do not have, a format spec
    assert message_sql(check_of("{share_pct}"), "zh", {"share_pct": "DOUBLE"}) is None
    assert message_sql(check_of("{missing}"), "zh", {}) is None
    assert message_sql(check_of("{value:.1f}"), "zh", {"value": "DOUBLE"}) is None
    mad = catalogue()["anomaly_mad_zscore"]
    assert message_sql(mad, "zh", {n: "DOUBLE" for n in ("value", "median", "change")}) is None
