"""Text from ledgers, written to a CSV that someone will open in Excel, must stay text."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import pandas as pd

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
