"""Run the SQL files of expectations/sql/ with their parameters bound, never formatted in."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).with_name("sql")

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


@cache
def sql(name: str) -> str:
    """The text of `expectations/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def parameters_of(text: str) -> set[str]:
    """The $names a query binds (comments, which mention them too, are left out)."""
    return set(_PARAMETER.findall(_COMMENT.sub("", text)))


def bind(text: str, values: dict[str, object]) -> dict[str, object]:
    """The values a query needs, by name; a parameter without a value is a bug, said so at once."""
    wanted = parameters_of(text)
    missing = wanted - set(values)
    if missing:
        raise KeyError(f"no value for SQL parameter(s) {', '.join(sorted(missing))}")
    return {name: values[name] for name in wanted}


def query(con: duckdb.DuckDBPyConnection, name: str, values: dict[str, object]) -> list[dict]:
    """Rows of one SQL file as dicts."""
    text = sql(name)
    return _dicts(con.execute(text, bind(text, values)))


def query_table(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    """Rows of one of our own tables as dicts."""
    return _dicts(con.execute(f"select * from {table}"))  # noqa: S608 -- our own table names


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def materialise(
    con: duckdb.DuckDBPyConnection, table: str, name: str, values: dict[str, object]
) -> None:
    """`create or replace temp table <table> as <sql file>` (table names are our own)."""
    text = sql(name)
    con.execute(f"create or replace temp table {table} as {text}", bind(text, values))
