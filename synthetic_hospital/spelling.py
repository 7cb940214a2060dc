"""How assistants write dates, months, departments and amounts, and the contract's headers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ledgers.specs import ledger
from metrics.periods import year_and_number
from synthetic_hospital.departments import BY_CODE

DATE_SPELLINGS = {
    "excel": lambda d: d,
    "iso": lambda d: d.isoformat(),
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "dot": lambda d: f"{d:%Y.%m.%d}",
    "compact": lambda d: f"{d:%Y%m%d}",
    "zh": lambda d: f"{d.year}年{d.month}月{d.day}日",
}
MONTH_SPELLINGS = {
    "iso": lambda m: m,
    "slash": lambda m: m.replace("-", "/"),
    "compact": lambda m: m.replace("-", ""),
    "zh": lambda m: "{}年{}月".format(*year_and_number("month", m)),
}
DEPT_SPELLINGS = {
    "code": lambda c: c,
    "zh": lambda c: BY_CODE[c].name_zh,
    "en": lambda c: BY_CODE[c].name_en,
}


def yuan(cents: int) -> float:
    return round(cents / 100, 2)


def yuan_text(cents: int, thousands: bool = False) -> str:
    return f"{cents / 100:,.2f}" if thousands else f"{cents // 100}.{cents % 100:02d}"


def _plain(value: object) -> object:
    """A cell value openpyxl and csv write as the user would see it."""
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def records(frame: pd.DataFrame, columns: Sequence[str], spell: dict | None = None) -> list[list]:
    """Rows of the given columns, blanks as None, each spelled by its function in `spell`."""
    spell = spell or {}
    table = frame[list(columns)].astype(object)
    table = table.where(frame[list(columns)].notna(), None)
    rows = []
    for values in table.itertuples(index=False, name=None):
        row = [_plain(v) for v in values]
        rows.append(
            [
                spell[c](v) if c in spell and v is not None else v
                for c, v in zip(columns, row, strict=True)
            ]
        )
    return rows


def headers(
    kind: str,
    columns: Sequence[str],
    *,
    lang: str = "zh",
    alias: int | Mapping[str, int] = 0,
    unit=None,
) -> list[str]:
    """Header labels from the contract: an English name or the n-th Chinese alias (one n for
    every column, or n by column name and the first alias for the others), plus a unit."""
    spec = ledger(kind)
    labels = []
    for name in columns:
        aliases = spec.by_name[name].zh
        n = alias if isinstance(alias, int) else alias.get(name, 0)
        label = name if lang == "en" else aliases[min(n, len(aliases) - 1)]
        labels.append(label + (unit(name) if unit else ""))
    return labels


def totals_row(rows: list[list], label_at: int, sum_from: int) -> list:
    """A 合计 row as assistants add under a table (readers skip it)."""
    total = [None] * len(rows[0])
    total[label_at] = "合计"
    for i in range(sum_from, len(total)):
        numbers = [r[i] for r in rows if isinstance(r[i], int | float)]
        total[i] = round(sum(numbers), 2) if numbers else None
    return total


def blank_repeated(rows: list[list], column: int) -> list[list]:
    """Leave a cell blank where it repeats the one above, as merged cells read back."""
    shown = None
    for row in rows:
        if row[column] == shown:
            row[column] = None
        else:
            shown = row[column]
    return rows
