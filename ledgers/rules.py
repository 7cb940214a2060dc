"""A ledger column's rules as objects made from ledgers/specs.toml, each written once and giving
every use its form: the Python check and rejection reason (ledgers.values, for the cells SQL does
not convert), the SQL predicate (the set-based load, ledgers.bulk), the Great Expectations
expectation (expectations.suites) and the sentence (docs/ledgers.md, the templates' instructions).

Today: the numeric bounds, among them the floor of 0 that every count and amount has unless its
spec says `negative_ok` (it was written in four places); and the rules between the cells of a row,
each with its rejection reason in Python and in SQL, word for word the same (the set-based load
rejects a failing row in SQL; tests/test_fast_load.py compares): the order of two columns
(`ge_column`, `le_column`: discharge on or after admission, a part at most its total), required
when another column is above 0 (`required_if`), and a date that dates a row neither in the future
(`not_future`, DateLimit) nor far before the hospital's data (FarPast, judged by the loader
once every file is read); and the sentences of the other rules.

A reason's SQL is NULL where SQL cannot spell a value as Python does (an amount too big for a
double to hold its fen): that row is worded by the Python rules instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgers.specs import Column

# Counts and amounts may not be negative unless the spec says so (a refund, a balance).
FLOORED_TYPES = ("int", "amount")
NUMERIC_TYPES = ("int", "number", "amount")


@dataclass(frozen=True)
class Bound:
    """One numeric bound of a column: `value op bound` must hold for every number in it."""

    op: str  # ">=", ">" or "<="
    bound: float

    def holds(self, number: float) -> bool:
        if self.op == ">=":
            return number >= self.bound
        if self.op == ">":
            return number > self.bound
        return number <= self.bound

    def reason(self, number: float) -> str:
        """The rejection reason of a number that breaks it (a cell's CellError)."""
        words = {">=": "at least", ">": "greater than", "<=": "at most"}[self.op]
        return f"must be {words} {self.bound:g}, found {number:g}"

    def sql(self, expression: str) -> str:
        """The SQL predicate over `expression` (a number, not ledger text: the bound is ours)."""
        return f"{expression} {self.op} {float(self.bound)!r}"

    def sentence(self) -> str:
        return f"{ {'>=': '≥', '>': '>', '<=': '≤'}[self.op] } {self.bound:g}"


def literal(text: str) -> str:
    """Our own words (from the specs, never ledger text) as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# Amounts and numbers beyond this are left to Python's wording: a double no longer holds their fen.
EXACT_TEXT = 1e13


def text_sql(expression: str, kind: str) -> str:
    """SQL spelling a parsed value as `values.as_text` spells the Python value: dates ISO, whole
    numbers without '.0', other numbers as Python's repr (DuckDB's double text is the same);
    NULL for a number too big to be spelled the same."""
    if kind in ("date", "month"):
        return f"strftime({expression}, '%Y-%m-%d')"
    if kind == "int":
        return f"cast({expression} as varchar)"
    if kind in ("number", "amount"):
        number = f"cast({expression} as double)"
        return (
            f"case when abs({number}) >= {EXACT_TEXT!r} then null "
            f"when {number} = trunc({number}) then cast(cast({number} as hugeint) as varchar) "
            f"else cast({number} as varchar) end"
        )
    return f"cast({expression} as varchar)"


@dataclass(frozen=True)
class Order:
    """A value at least (>=) or at most (<=) another column's value in the same row; a row missing
    either is not judged by it."""

    column: str
    op: str  # ">=" or "<="
    other: str
    kind: str = "date"  # the type of both columns (an amount against an amount …)

    @property
    def sign(self) -> str:
        return "≥" if self.op == ">=" else "≤"

    def holds(self, value: object, other: object) -> bool:
        return value >= other if self.op == ">=" else value <= other  # type: ignore[operator]

    def fails(self, record: dict) -> bool:
        value, other = record.get(self.column), record.get(self.other)
        return value is not None and other is not None and not self.holds(value, other)

    def reason(self, record: dict, header) -> str:
        """Why a row breaks it; `header` names a column as the file's header does."""
        from ledgers.values import as_text

        return (
            f"must be {self.sign} {header(self.other)} ({as_text(record[self.other])}), "
            f"found {as_text(record[self.column])}"
        )

    def failure_sql(self) -> str:
        """SQL true for a row that breaks it (null when either is missing)."""
        return f'"{self.column}" {"<" if self.op == ">=" else ">"} "{self.other}"'

    def reason_sql(self, header) -> str:
        """`reason` in SQL; `header` gives the SQL of a column's header text (a parameter)."""
        value = text_sql(f'"{self.column}"', self.kind)
        other = text_sql(f'"{self.other}"', self.kind)
        return (
            f"{literal(f'must be {self.sign} ')} || {header(self.other)} || ' (' || {other} "
            f"|| '), found ' || {value}"
        )

    def expectation(self):
        """GX's pair expectation: A ≥ B, with A and B as the rule orders them."""
        import great_expectations.expectations as gxe

        high, low = (self.column, self.other) if self.op == ">=" else (self.other, self.column)
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=high, column_B=low, or_equal=True, ignore_row_if="either_value_is_missing"
        )

    def sentence(self, label=lambda name: f"`{name}`") -> str:
        return f"{self.sign} {label(self.other)}"


@dataclass(frozen=True)
class RequiredIf:
    """A value required when another column of the row is above 0 (avg_wait_minutes when
    wait_samples > 0)."""

    column: str
    other: str

    def fails(self, record: dict) -> bool:
        return record.get(self.column) is None and (record.get(self.other) or 0) > 0

    def reason(self, record: dict, header) -> str:
        return f"is required when {self.other} is above 0"

    def failure_sql(self) -> str:
        return f'("{self.column}" is null and coalesce("{self.other}", 0) > 0)'

    def reason_sql(self, header) -> str:
        return literal(self.reason({}, header))


@dataclass(frozen=True)
class DateLimit:
    """A date that dates a row is not after `limit`: not in the future, for 2062 is a mistyped
    2026."""

    column: str
    limit: dt.date
    words: str  # what the reason says after the value

    def fails(self, record: dict) -> bool:
        value = record.get(self.column)
        return value is not None and value > self.limit

    def reason(self, record: dict, header) -> str:
        from ledgers.values import as_text

        return f"{as_text(record[self.column])}{self.words}"

    def failure_sql(self) -> str:
        return f"\"{self.column}\" > date '{self.limit.isoformat()}'"

    def reason_sql(self, header) -> str:
        value = text_sql(f'"{self.column}"', "date")
        return f"{value} || {literal(self.words)}"


def not_future(column: Column, today: dt.date) -> DateLimit:
    """Not after today (a month: not after this month)."""
    latest = today.replace(day=1) if column.type == "month" else today
    return DateLimit(column.name, latest, f" is in the future (today is {today}): a mistyped year?")


@dataclass(frozen=True)
class FarPast:
    """A date that dates a row is not more than `years` years (ReadLimits.past_years) before the
    hospital's data: its department's start when the department list gives one, else the data
    month (the latest month the dated ledgers reach, no later than this month). 1900-03 among
    rows of 2026-03 is a mistyped year, which would also stretch the partitions and reports back
    to 1900; an archive of 2012 to 2015 loads whole. Judged once every file of a load is read
    (ledgers.loader), in Python for rows read cell by cell and in SQL for the set-based path."""

    column: str
    years: int

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
        return f"{value} < date_trunc('month', {reference}) - to_years({int(self.years)})"

    def reason_sql(self, value: str, since: str) -> str:
        return (
            f"strftime({value}, '%Y-%m-%d') || {literal(self._words + ' ')} || {since} "
            "|| ': a mistyped year?'"
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


def orders(column: Column) -> list[Order]:
    found = []
    if column.ge_column:
        found.append(Order(column.name, ">=", column.ge_column, column.type))
    if column.le_column:
        found.append(Order(column.name, "<=", column.le_column, column.type))
    return found


def row_rules(column: Column, today: dt.date) -> list:
    """The rules between a column and its row, in the order a row's reasons list them: its
    orders, required when, and not in the future. (Not far in the past, `FarPast`, waits for
    every file to be read: it counts back from the data.)"""
    found: list = list(orders(column))
    if column.required_if:
        found.append(RequiredIf(column.name, column.required_if))
    if column.not_future:
        found.append(not_future(column, today))
    return found


def floor(column: Column) -> float | None:
    """The column's least allowed value: its min, or 0 for a count or an amount that may not be
    negative."""
    if column.min is not None:
        return column.min
    if column.type in FLOORED_TYPES and not column.negative_ok:
        return 0
    return None


def bounds(column: Column) -> list[Bound]:
    """The numeric bounds of a column, in the order they are checked (floor, strict floor, cap)."""
    if column.type not in NUMERIC_TYPES:
        return []
    found = []
    low = floor(column)
    if low is not None and (column.gt is None or low > column.gt):  # else `> gt` implies it
        found.append(Bound(">=", low))
    if column.gt is not None:
        found.append(Bound(">", column.gt))
    if column.max is not None:
        found.append(Bound("<=", column.max))
    return found


def between(column: Column) -> dict | None:
    """The keyword arguments of GX's ExpectColumnValuesToBeBetween for the column's bounds (a
    strict floor, where there is one, in place of the plain one), or None without a bound."""
    found = {b.op: b.bound for b in bounds(column)}
    if not found:
        return None
    strict = ">" in found
    return {
        "min_value": found[">"] if strict else found.get(">="),
        "max_value": found.get("<="),
        "strict_min": strict,
    }


SENTENCES = {
    "negative_ok": {"zh": "可为负数", "en": "may be negative"},
    "required_if": {"zh": "{other} > 0 时必填", "en": "required when {other} > 0"},
    "not_future_date": {"zh": "不晚于今天", "en": "not after today"},
    "not_future_month": {"zh": "不晚于本月", "en": "not after this month"},
}


def sentences(column: Column, lang: str, label=lambda name: f"`{name}`") -> list[str]:
    """The bounds and the other single-column rules in words, for the templates' instructions
    (`label` names another column as the reader knows it); the docs add what is theirs."""
    parts = [b.sentence() for b in bounds(column)]
    if column.negative_ok:
        parts.append(SENTENCES["negative_ok"][lang])
    if column.required_if:
        parts.append(SENTENCES["required_if"][lang].format(other=label(column.required_if)))
    if column.not_future:
        which = "not_future_date" if column.type == "date" else "not_future_month"
        parts.append(SENTENCES[which][lang])
    return parts
