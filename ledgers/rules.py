"""A ledger column's rules as objects made from ledgers/specs.toml, each written once and giving
every use its form: the Python check and rejection reason (ledgers.values, for the cells SQL does
not convert), the SQL predicate (the set-based load, ledgers.bulk), the Great Expectations
expectation (expectations.suites) and the sentence (docs/ledgers.md, the templates' instructions).

Today: the numeric bounds, among them the floor of 0 that every count and amount has unless its
spec says `negative_ok` (it was written in four places); the order of two columns of a row
(`ge_column`, `le_column`: discharge on or after admission, a part at most its total); and the
sentences of the other rules.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Order:
    """A value at least (>=) or at most (<=) another column's value in the same row; a row missing
    either is not judged by it."""

    column: str
    op: str  # ">=" or "<="
    other: str

    @property
    def sign(self) -> str:
        return "≥" if self.op == ">=" else "≤"

    def holds(self, value: object, other: object) -> bool:
        return value >= other if self.op == ">=" else value <= other  # type: ignore[operator]

    def failure_sql(self) -> str:
        """SQL true for a row that breaks it (null when either is missing)."""
        return f'"{self.column}" {"<" if self.op == ">=" else ">"} "{self.other}"'

    def expectation(self):
        """GX's pair expectation: A ≥ B, with A and B as the rule orders them."""
        import great_expectations.expectations as gxe

        high, low = (self.column, self.other) if self.op == ">=" else (self.other, self.column)
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=high, column_B=low, or_equal=True, ignore_row_if="either_value_is_missing"
        )

    def sentence(self, label=lambda name: f"`{name}`") -> str:
        return f"{self.sign} {label(self.other)}"


def orders(column: Column) -> list[Order]:
    found = []
    if column.ge_column:
        found.append(Order(column.name, ">=", column.ge_column))
    if column.le_column:
        found.append(Order(column.name, "<=", column.le_column))
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
