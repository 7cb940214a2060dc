"""Text from ledgers, written to a CSV that someone will open in Excel, must stay text."""

from __future__ import annotations

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
