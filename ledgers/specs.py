"""The ledger contract as Python objects, loaded from `specs.toml` (the one place it is written)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

SPECS_PATH = Path(__file__).with_name("specs.toml")

# DuckDB column type for each ledger type. Amounts are exact decimals so sums are right to the fen.
SQL_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "number": "DOUBLE",
    "amount": "DECIMAL(18,2)",
    "date": "DATE",
    "month": "DATE",
    "bool": "BOOLEAN",
}
# What is shown in place of a value that must not leave the warehouse (an episode's key).
WITHHELD = "(withheld)"
# Where a row came from, as every reader of raw_/outranked_/staged_<kind> sees it.
LINEAGE_COLUMNS = {
    "source_file": "VARCHAR",
    "source_sheet": "VARCHAR",
    "source_row": "INTEGER",
    "source_sha256": "VARCHAR",
}
# How the stored tables hold it: the row's number and its sheet's id in `ledger_sources` (file,
# sheet, SHA-256: one row per sheet staged), not three text columns repeated on every row.
STORED_LINEAGE_COLUMNS = {"source_row": "INTEGER", "source_id": "INTEGER"}


def normalise_header(text: object) -> str:
    """Fold a header or alias for matching: full-width to half-width, case, spaces, underscores."""
    if text.__class__ is str and len(text) <= 200:
        return _normalised(text)  # every file of a layout has the same header cells to fold
    return _normalise(text)


def _normalise(text: object) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_]+", " ", folded)


@lru_cache(maxsize=1 << 14)
def _normalised(text: str) -> str:
    return _normalise(text)


@dataclass(frozen=True)
class Column:
    name: str
    zh: tuple[str, ...]
    en: str
    type: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    gt: float | None = None
    ge_column: str | None = None
    le_column: str | None = None
    enum: dict[str, tuple[str, ...]] | None = None
    default: object = None
    negative_ok: bool = False
    required_if: str | None = None
    ref: str | None = None
    not_future: bool = False
    indicator: str | None = None  # "required" or "or_text": names an indicator (indicator_names)
    percent: bool = False  # a trailing % is allowed: "30%" reads as 30 (actions.target)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def label(self, lang: str) -> str:
        return self.zh[0] if lang == "zh" else self.en

    def header_names(self) -> set[str]:
        """Every header spelling that names this column: canonical, English label, Chinese aliases."""
        return {normalise_header(n) for n in (self.name, self.en, *self.zh)}


@dataclass(frozen=True)
class Ledger:
    kind: str
    zh: str
    en: str
    prefixes: tuple[str, ...]
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    period: str | None = None
    dept: str | None = None
    dept_wildcard: str | None = None
    optional: bool = False
    # The key identifies a patient's episode: it never appears in findings, reports or exports.
    private_key: bool = False
    # Keys compared without regard to case and full-width forms (department codes).
    folded_key: bool = False
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({c.name: c for c in self.columns})

    def shows(self, column: str) -> bool:
        """Whether a column's values may leave the warehouse (findings, rejected rows, logs):
        not an episode's key (`private_key`)."""
        return not (self.private_key and column in self.key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    @property
    def table(self) -> str:
        """The accepted rows with their lineage, as every reader sees them: a view of
        `stored_table` joined to `ledger_sources`."""
        return f"raw_{self.kind}"

    @property
    def stored_table(self) -> str:
        """Where the accepted rows are stored (lineage by sheet id: `STORED_LINEAGE_COLUMNS`);
        only the loader writes it."""
        return f"stored_raw_{self.kind}"

    @property
    def staged_table(self) -> str:
        """Every valid row of every file, before conflicts between files are settled: a view of
        the accepted rows and the outranked ones (each row is stored once)."""
        return f"staged_{self.kind}"

    @property
    def outranked_table(self) -> str:
        """The valid rows that lost to a twin of their key (another file's or row's, kept in
        `table`): each is listed in rejected_rows as a conflict naming its twin. A view of
        `stored_outranked_table`, as `table` is of `stored_table`."""
        return f"outranked_{self.kind}"

    @property
    def stored_outranked_table(self) -> str:
        return f"stored_outranked_{self.kind}"

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class ReadingRules:
    header_search_rows: int
    totals_markers: frozenset[str]
    identifier_columns: frozenset[str]
    identifier_values: tuple[str, ...]  # whole-cell patterns, in the syntax of Python and RE2
    unit_factors: dict[str, float]
    bool_true: frozenset[str]
    bool_false: frozenset[str]


def _column(raw: dict) -> Column:
    raw = dict(raw)
    raw["zh"] = tuple(raw.get("zh", ()))
    if "enum" in raw:
        raw["enum"] = {str(k): tuple(v) for k, v in raw["enum"].items()}
    return Column(**raw)


@cache
def _load() -> tuple[dict[str, Ledger], ReadingRules]:
    data = tomllib.loads(SPECS_PATH.read_text(encoding="utf-8"))
    reading = data.pop("_reading")
    rules = ReadingRules(
        header_search_rows=reading["header_search_rows"],
        totals_markers=frozenset(normalise_header(m) for m in reading["totals_markers"]),
        identifier_columns=frozenset(normalise_header(m) for m in reading["identifier_columns"]),
        identifier_values=tuple(reading["identifier_values"]),
        unit_factors={normalise_header(k): float(v) for k, v in reading["unit_factors"].items()},
        bool_true=frozenset(normalise_header(m) for m in reading["bool_true"]),
        bool_false=frozenset(normalise_header(m) for m in reading["bool_false"]),
    )
    ledgers = {}
    for kind, raw in data.items():
        ledgers[kind] = Ledger(
            kind=kind,
            zh=raw["zh"],
            en=raw["en"],
            prefixes=tuple(raw["prefixes"]),
            grain=raw["grain"],
            key=tuple(raw["key"]),
            columns=tuple(_column(c) for c in raw["columns"]),
            period=raw.get("period"),
            dept=raw.get("dept"),
            dept_wildcard=raw.get("dept_wildcard"),
            optional=raw.get("optional", False),
            private_key=raw.get("private_key", False),
            folded_key=raw.get("folded_key", False),
        )
    return ledgers, rules


def ledgers() -> dict[str, Ledger]:
    """Every ledger kind, in the contract's order (departments first: others refer to it)."""
    return _load()[0]


def ledger(kind: str) -> Ledger:
    return ledgers()[kind]


def reading_rules() -> ReadingRules:
    return _load()[1]
