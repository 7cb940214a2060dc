"""Text from ledgers, written to a CSV that someone will open in Excel, must stay text; and the one
writer of the CSV exports (metrics.csv, data_quality.csv, rejected_rows.csv, changes.csv)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pandas as pd
from duckdb.sqltypes import DuckDBPyType

# What Excel takes for the start of a formula (and tab/CR, which some versions strip first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_text(value: object) -> object:
    """A text cell that Excel would evaluate (`=HYPERLINK(...)`) gets a leading apostrophe, which
    Excel shows as text; numbers, including negative ones, are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def excel_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The same for every text column of a frame."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(excel_text, na_action="ignore")
    return frame


@contextlib.contextmanager
def excel_text_sql(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The same rule as the SQL macro `excel_text_cell(text)` on `con`, for the duration of the block.

    For a CSV that DuckDB writes itself (metrics.csv: millions of cells, where Python per cell
    would take most of the time). SQL only tests the first character, against FORMULA_START; the
    rare cell that starts like a formula is handed to `excel_text` above, so that what counts as a
    number is Python's float() here too (it takes '-1_000', '\\t5' and full-width digits, which
    DuckDB's cast does not)."""
    # chr() code points keep the tab and carriage return out of the SQL text
    first_characters = ", ".join(str(ord(c)) for c in FORMULA_START)
    con.create_function(
        "excel_text_in_python", excel_text, ["VARCHAR"], "VARCHAR", side_effects=False
    )
    try:
        con.execute(
            "create or replace temp macro excel_text_cell(text) as "  # noqa: S608 -- integers above
            f"case when unicode(text) in ({first_characters}) then excel_text_in_python(text) "
            "else text end"
        )
        try:
            yield
        finally:
            con.execute("drop macro if exists excel_text_cell")
    finally:
        con.remove_function("excel_text_in_python")


# UTF-8 with a byte-order mark: Excel on a Chinese Windows reads a CSV without one as GBK and shows
# the Chinese text garbled.
BOM = "\ufeff"


# The writer's own column: the rank of a row in `order` when that is more than plain column names.
_RANK = "__order_rank"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _plain_words(kind: DuckDBPyType) -> bool:
    """An enum's words are written as they are when none is empty text (an empty cell) or text
    Excel would read as a formula: then no cell of the column needs an expression."""
    words = dict(kind.children)["values"]
    return all(word != "" and excel_text(word) == word for word in words)


def write_excel_csv(
    con: duckdb.DuckDBPyConnection,
    query: str,
    path: Path,
    params: Mapping[str, object] | None = None,
    order: str = "",
) -> int:
    """The CSV exports' one writer: the rows of `query` (named `$parameters` from `params`), as
    DuckDB writes them, to `path`; returns the rows written.

    `order`: an ORDER BY clause over the columns of `query` (its own values, not the cells written:
    an apostrophe changes the order), e.g. `file, sheet nulls first` or `changed_at desc`. The rows
    are sorted at the top of the COPY, never by an ORDER BY inside the query: DuckDB 2.0.0 did not
    keep an inner ORDER BY's order under the cells' expressions past a block of rows (metrics.csv's
    2.08 M rows at city scale came out with a few hundred blocks out of place, differently on each
    run). Plain column names are sorted on directly; any other clause is first made a rank
    (`row_number() over (order by …)`), which is not written. A column of `query` whose name
    starts with `_` is there for `order` only and is not written either.

    UTF-8 with a BOM, a header, "\n" line ends, RFC 4180 quoting; null, NaN and empty text as an
    empty cell; every text cell through `excel_text_cell` (a cell Excel would read as a formula gets
    an apostrophe); a double as Python's shortest round-trip repr (DuckDB's own double to text).
    An ENUM column (metrics.csv's words) is written as its words: they are checked once, not each
    cell, and only when one of them is empty or looks like a formula does the column go through
    `excel_text_cell` cell by cell. Its order is the enum's (the caller declares the words in
    their text order where it sorts on them). The BOM is the first column's name: DuckDB writes the
    header as given, so nothing is copied twice."""
    params = dict(params or {})
    relation = con.sql(query, params=params or None)
    names = list(relation.columns)
    terms = [term.strip().strip('"') for term in order.split(",")] if order else []
    if all(term in names for term in terms):
        source, keys = query, [_quoted(term) for term in terms]
    else:
        # the clause is ours (callers' SQL text), never a value
        source = f"select *, row_number() over (order by {order}) as {_RANK} from ({query})"  # noqa: S608
        keys = [_RANK]
    cells = []
    written = [(n, k) for n, k in zip(names, relation.types, strict=True) if not n.startswith("_")]
    for number, (name, kind) in enumerate(written):
        column = _quoted(name)
        if kind.id == "varchar" or (kind.id == "enum" and not _plain_words(kind)):
            cell = f"excel_text_cell(nullif({column}::varchar, ''))"
        elif kind.id in ("double", "float"):
            cell = f"nullif({column}, 'nan')"
        else:
            cell = column
        header = (BOM if number == 0 else "") + name
        cells.append(f"{cell} as {_quoted(header)}")
    # q.<column>: the query's own values, not the cells written (an apostrophe changes the order)
    sort = " order by " + ", ".join("q." + key for key in keys) if keys else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    with excel_text_sql(con):
        (rows,) = con.execute(
            f"copy (select {', '.join(cells)} from ({source}) q{sort}) to $path "  # noqa: S608
            "(format csv, header, delimiter ',', quote '\"', escape '\"', nullstr '', comment '')",
            {**params, "path": str(path)},
        ).fetchone()
    return rows
