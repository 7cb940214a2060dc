"""Every ledger rule as one object made from ledgers/specs.toml: written once, it gives each use
its form (a rule without a form for some use says None).

- its Python check and rejection reason: ledgers.values.parse_cell for a cell (Required, Range,
  OneOf), ledgers.reader for a row (Order, RequiredIf, DateLimit), ledgers.loader once every file
  is read (Reference, IndicatorName, KnownDepartment, FarPast, AfterStart);
- its SQL predicate and reason, word for word the Python's (the set-based load, ledgers.bulk, and
  the loader's SQL of a set-based read; tests/test_fast_load.py and tests/test_rule_faces.py
  compare);
- its Great Expectations expectation (expectations.suites), whose SQL pre-filter is the same
  predicate (Required, Range, OneOf, Order, Unique, DateLimit, Reference, KnownDepartment,
  FarPast, AfterStart); what it compares with that is not in the specs is a parameter of the
  suite, given when it runs (`Rule.parameters`: a register's codes), or for a bound of each row's
  own (FarPast, AfterStart: the department's start, the data month) a column the suite's batch
  carries (`DatedFrom`);
- its sentence, in the templates' instructions and docs/ledgers.md (ledgers.templates,
  ledgers.reference).

Per column: Required, Range (bounds; the floor of 0 of every count and amount unless its spec says
`negative_ok`, once written in four places), OneOf, YesNo, IndicatorName, Order, RequiredIf,
DateLimit (not in the future), Reference, Default. Over a ledger's rows: Unique (its key),
KnownDepartment, FarPast and AfterStart (dates against the hospital's data and the department's
start).

A reason's SQL is NULL where SQL cannot spell a value as Python does (an amount too big for a
double to hold its fen): that row is worded by the Python rules instead.

Layout: this module holds the column rules and makes every rule from a spec (`column_rules`,
`row_set_rules`, `ledger_rules`, `cell_rules`); `ledgers.rule_base` holds `Rule` itself and the
SQL and words the faces are spelt with, `ledgers.rules_of_rows` the rules over a ledger's rows.
Every name is also reachable here (`rules.FarPast`, `rules.literal` …): one namespace for users.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from ledgers.rule_base import (  # noqa: F401 -- re-exported: the rules' one namespace
    EXACT_TEXT,
    PLAIN_UNQUOTED,
    SENTENCES,
    Registered,
    Rule,
    backticked,
    fold_sql,
    gx_expectation,
    literal,
    number_sql,
    pair_expectation,
    quoted,
    repr_sql,
    spelling_case,
    text_sql,
)
from ledgers.rules_of_rows import (  # noqa: F401 -- re-exported
    AfterStart,
    DatedFrom,
    FarPast,
    KnownDepartment,
    Unique,
    since_data_month,
    since_data_month_sql,
    since_start,
    since_start_sql,
)
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
class Order(Rule):
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

    def expects(self) -> tuple[str, dict]:
        """GX's pair expectation: A ≥ B, with A and B as the rule orders them."""
        high, low = (self.column, self.other) if self.op == ">=" else (self.other, self.column)
        return pair_expectation(high, low)

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        return f"{self.sign} {label(self.other)}"

    @staticmethod
    def below(lang: str, kind: str) -> str:
        """What a value must not be against the other of a pair checked as A ≥ B (a finding's
        words): a date earlier than, a number less than."""
        if lang == "zh":
            return "不早于" if kind == "date" else "不小于"
        return "earlier than" if kind == "date" else "less than"


@dataclass(frozen=True)
class RequiredIf(Rule):
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

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        return SENTENCES["required_if"][lang].format(other=label(self.other))


@dataclass(frozen=True)
class DateLimit(Rule):
    """A date that dates a row is not after `limit`: not in the future, for 2062 is a mistyped
    2026."""

    column: str
    limit: dt.date
    words: str  # what the reason says after the value
    type: str = "date"  # or "month": not after this month

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

    @property
    def parameter(self) -> str:
        return f"latest_{self.column}"

    def expects(self) -> tuple[str, dict]:
        """GX's bounds with the latest date allowed as a parameter: the suite is built once per
        process, the day it runs on is the run's (`parameters`)."""
        return "expect_column_values_to_be_between", {
            "column": self.column,
            "max_value": {"$PARAMETER": self.parameter},
        }

    def parameters(self, con=None) -> dict:
        # a datetime: pandas holds the warehouse's dates as datetime64, which no date compares with
        return {self.parameter: dt.datetime.combine(self.limit, dt.time())}

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        return SENTENCES[f"not_future_{self.type}"][lang]


def not_future(column: Column, today: dt.date) -> DateLimit:
    """Not after today (a month: not after this month)."""
    latest = today.replace(day=1) if column.type == "month" else today
    words = f" is in the future (today is {today}): a mistyped year?"
    return DateLimit(column.name, latest, words, "month" if column.type == "month" else "date")


@dataclass(frozen=True)
class Required(Rule):
    """A cell that may not be blank (the spec's `required`). Its mark is the header's, not a
    sentence: red in a template with 是/yes under 必填, bold in docs/ledgers.md."""

    column: str
    REASON = "is required but blank"
    WORDS = {"zh": "必填", "en": "required"}

    def fails(self, record: dict) -> bool:
        return record.get(self.column) is None

    def reason(self, record: dict | None = None, header=None) -> str:
        return self.REASON

    def failure_sql(self) -> str:
        return f'"{self.column}" is null'

    def reason_sql(self, header=None) -> str:
        return literal(self.REASON)

    def expects(self) -> tuple[str, dict]:
        return "expect_column_values_to_not_be_null", {"column": self.column}


@dataclass(frozen=True)
class Range(Rule):
    """A number's bounds (`Bound`s, checked in this order) and whether it may be negative: the
    floor of 0 of every count and amount unless its spec says `negative_ok` (a refund) was
    written in four places before it was one rule."""

    column: str
    bounds: tuple[Bound, ...]
    negative_ok: bool = False
    place = 3

    def problem(self, number: float) -> str | None:
        """The reason a number breaks it (the first bound it breaks), or None."""
        for bound in self.bounds:
            if not bound.holds(number):
                return bound.reason(number)
        return None

    def fails(self, record: dict) -> bool:
        value = record.get(self.column)
        return value is not None and self.problem(float(value)) is not None

    def reason(self, record: dict, header=None) -> str:
        return self.problem(float(record[self.column]))

    def holds_sql(self, expression: str) -> str:
        """SQL true for a number within every bound (the set-based load's canonical cells)."""
        return " and ".join(b.sql(expression) for b in self.bounds) or "true"

    def failure_sql(self) -> str:
        return f"not ({self.holds_sql(quoted(self.column))})"

    def reason_sql(self, header=None) -> str:
        value = f'"{self.column}"'
        cases = " ".join(
            f"when not ({b.sql(value)}) then {literal(b.reason(0).split(', found')[0])} "
            f"|| ', found ' || {number_sql(value)}"
            for b in self.bounds
        )
        return f"case {cases} end" if cases else "null"

    def between(self) -> dict | None:
        """The keyword arguments of GX's ExpectColumnValuesToBeBetween (a strict floor, where
        there is one, in place of the plain one), or None without a bound."""
        found = {b.op: b.bound for b in self.bounds}
        if not found:
            return None
        strict = ">" in found
        return {
            "min_value": found[">"] if strict else found.get(">="),
            "max_value": found.get("<="),
            "strict_min": strict,
        }

    def gx_words(self) -> str:
        """The bounds in a finding's words: '≥ 0, ≤ 744', '> 0'."""
        return ", ".join(b.sentence() for b in self.bounds)

    def expects(self) -> tuple[str, dict] | None:
        """GX's bounds, as its configuration lists them: numbers as floats, no absent bound, a
        strict floor only where there is one."""
        found = self.between()
        if not found:
            return None
        kwargs = {"column": self.column}
        kwargs |= {k: float(found[k]) for k in ("min_value", "max_value") if found[k] is not None}
        if found["strict_min"]:
            kwargs["strict_min"] = True
        return "expect_column_values_to_be_between", kwargs

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        parts = [b.sentence() for b in self.bounds]
        if self.negative_ok:
            parts.append(SENTENCES["negative_ok"][lang])
        return "; ".join(parts)


@dataclass(frozen=True)
class OneOf(Rule):
    """One of the spec's allowed values (`enum`), each written as itself or any of its aliases;
    the warehouse keeps the value."""

    column: str
    values: tuple[tuple[str, tuple[str, ...]], ...]  # (value, its aliases)
    type: str = "text"
    place = 1

    @property
    def allowed(self) -> str:
        """Every value with all its aliases (a rejection's words)."""
        return self.listed()

    def listed(self, first_alias_only: bool = False) -> str:
        """The values with their aliases (all, or the first: a finding's words)."""
        return ", ".join(
            f"{k}/{a[0] if first_alias_only else '/'.join(a)}" if a else k for k, a in self.values
        )

    def canonical(self, value: object) -> str | None:
        """The value a cell names (by itself or an alias, folded as headers are), or None."""
        from ledgers.specs import normalise_header
        from ledgers.values import as_text

        return self._lookup.get(normalise_header(as_text(value)))

    @cached_property
    def _lookup(self) -> dict[str, str]:
        """Folded spelling -> value, for the values and all their aliases."""
        from ledgers.specs import normalise_header

        return {normalise_header(s): k for k, a in self.values for s in (k, *a)}

    def problem(self, value: object) -> str:
        from ledgers.values import as_text

        return f"{as_text(value)!r} is not one of {self.allowed}"

    def spelling_sql(self, expression: str) -> str:
        """`canonical` in SQL over a text of plain characters: the value (as text) its spelling
        names, by itself or an alias, or NULL (another spelling: Python's to word)."""
        return spelling_case(expression, {s: literal(k) for s, k in self._lookup.items()})

    def fails(self, record: dict) -> bool:
        value = record.get(self.column)
        return value is not None and str(value) not in {k for k, _ in self.values}

    def reason(self, record: dict, header=None) -> str:
        return self.problem(record[self.column])

    def failure_sql(self) -> str:
        listed = ", ".join(literal(k) for k, _ in self.values)
        return f'not list_contains([{listed}], cast("{self.column}" as varchar))'

    def reason_sql(self, header=None) -> str:
        value = f'cast("{self.column}" as varchar)'
        return f"{repr_sql(value)} || {literal(' is not one of ' + self.allowed)}"

    def expects(self) -> tuple[str, dict] | None:
        """GX's value set, for a text column (a whole-number enumeration, surgery_grade, is
        bounded by its Range)."""
        if self.type != "text":
            return None
        values = [k for k, _ in self.values]
        return "expect_column_values_to_be_in_set", {"column": self.column, "value_set": values}

    def choices(self, lang: str) -> list[str]:
        """The drop-down values: the values, or each value's first Chinese alias."""
        return [a[0] if lang == "zh" and a else k for k, a in self.values]

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        if detail:  # the reference lists every spelling
            return ", ".join(f"`{k}`" + (f" ({'/'.join(a)})" if a else "") for k, a in self.values)
        return " / ".join(self.choices(lang))


@dataclass(frozen=True)
class YesNo(Rule):
    """A yes/no column: 是/否, Y/N, yes/no, true/false, 1/0 (reading_rules' bool_true/false,
    read by ledgers.values); a drop-down of 是/否 or yes/no in the templates."""

    column: str
    place = 1
    WORDS = {"zh": ("是", "否"), "en": ("yes", "no")}

    def choices(self, lang: str) -> list[str]:
        return list(self.WORDS[lang])

    @staticmethod
    def read(value: object) -> bool | None:
        """True or False as a cell spells it (reading_rules' bool_true / bool_false), or None."""
        from ledgers.specs import normalise_header, reading_rules
        from ledgers.values import as_text

        if isinstance(value, bool):
            return value
        folded = normalise_header(as_text(value))
        if folded in reading_rules().bool_true:
            return True
        return False if folded in reading_rules().bool_false else None

    @staticmethod
    def problem(value: object) -> str:
        from ledgers.values import as_text

        return f"expected 是/否 (yes/no), found {as_text(value)!r}"

    @staticmethod
    def spelling_sql(expression: str) -> str:
        """`read` in SQL over a text of plain characters: true, false or NULL (another spelling,
        or a blank one, which is not a no: Python's to word)."""
        from ledgers.specs import reading_rules

        spelt = {s: "true" for s in reading_rules().bool_true}
        return spelling_case(expression, spelt | {s: "false" for s in reading_rules().bool_false})

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        return " / ".join(self.choices("zh") + self.choices("en") if detail else self.choices(lang))


@dataclass(frozen=True)
class IndicatorName(Rule):
    """A cell naming an indicator by its id, Chinese or English name, kept as its id; other text
    is rejected (`required`) or kept as written (`or_text`, a free topic). Resolved by the loader
    once the row is read (ledgers.indicator_names)."""

    column: str
    mode: str  # "required" or "or_text"
    place = 2
    WORDS = {
        "zh": "请从下拉列表选择指标（也可填指标编号或英文名）",
        "en": "choose an indicator from the list (its id or Chinese name also works)",
    }

    def resolve(self, value: object) -> str | None:
        """The indicator's id; other text as written where the column allows, else None."""
        from ledgers import indicator_names

        found = indicator_names.resolve(value)
        return found or (value if self.mode == "or_text" else None)

    def reason(self, record: dict, header=None) -> str:
        from ledgers import indicator_names

        return indicator_names.unknown_message(record[self.column])

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        if detail:
            other = "kept as written" if self.mode == "or_text" else "rejected"
            return (
                f"an indicator's id, Chinese or English name, stored as its id; other text {other}"
            )
        return self.WORDS[lang]


@dataclass(frozen=True)
class Reference(Registered):
    """A value registered in another ledger (`ref`: a device's asset code in the register),
    checked by the loader once that ledger is stored, cell by cell and in SQL."""

    column: str
    ledger: str
    target: str
    place = 8

    @property
    def message(self) -> str:
        """The reason, with `{value!r}` for the value (ledgers.loader formats it)."""
        return f"{{value!r}} is not registered in the {self.ledger} ledger"

    def fails(self, record: dict, known: set) -> bool:
        value = record.get(self.column)
        return value is not None and value not in known

    def reason(self, record: dict, header=None) -> str:
        return self.message.format(value=record[self.column])

    @property
    def register(self) -> str:
        """The ledger kind whose rows a value must be in."""
        return self.ledger

    def known_sql(self) -> str:
        """SQL of the values registered (names from the specs)."""
        from ledgers.specs import ledger

        return f'select "{self.target}" from {ledger(self.ledger).table}'  # noqa: S608

    def holds_sql(self, expression: str) -> str:
        return f"({expression} in ({self.known_sql()}))"

    def failure_sql(self) -> str:
        return f"not {self.holds_sql(quoted(self.column))}"

    def reason_sql(self, header=None, expression: str | None = None) -> str:
        value = expression or f'"{self.column}"'
        before, after = self.message.split("{value!r}")
        return f"{literal(before)} || {repr_sql(value)} || {literal(after)}"

    @property
    def parameter(self) -> str:
        return f"registered_{self.column}"

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        if detail:
            return f"must exist in `{self.ledger}.{self.target}`"
        from ledgers.specs import ledger

        other = ledger(self.ledger)
        name = other.by_name[self.target].label(lang)
        if lang == "zh":
            return f"须已登记在{other.zh}中（{name}）"
        return f"must be registered in the {other.en} ({name})"


@dataclass(frozen=True)
class Default(Rule):
    """What a blank optional cell holds (`default`): a full-time post's FTE of 1, a device not
    large."""

    column: str
    value: object
    place = 9

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str:
        value = self.value
        if isinstance(value, bool):
            value = YesNo.WORDS[lang][0 if value else 1]
        return f"默认 {value}" if lang == "zh" else f"default {value}"


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


def number_range(column: Column) -> Range | None:
    """The column's Range: a number with a bound, or one that may be negative."""
    if column.type not in NUMERIC_TYPES:
        return None
    found = tuple(bounds(column))
    return Range(column.name, found, column.negative_ok) if found or column.negative_ok else None


def between(column: Column) -> dict | None:
    """GX's bounds of the column (Range.between), or None without a bound."""
    found = number_range(column)
    return None if found is None else found.between()


@dataclass(frozen=True)
class CellRules:
    """The rules one cell is checked against as it is parsed (ledgers.values.parse_cell)."""

    required: Required | None
    one_of: OneOf | None
    range: Range | None


# id(column) -> (the column, its cell rules): a Column holds a dict (its enum), so it cannot be
# a key itself; keeping the column keeps its id from being reused by another.
_cell_rules: dict[int, tuple[Column, CellRules]] = {}


def cell_rules(column: Column) -> CellRules:
    """The column's cell rules, made once per column: parse_cell asks for them per cell."""
    found = _cell_rules.get(id(column))
    if found is None or found[0] is not column:
        rules = CellRules(
            Required(column.name) if column.required else None,
            OneOf(column.name, tuple(column.enum.items()), column.type) if column.enum else None,
            number_range(column),
        )
        found = _cell_rules[id(column)] = (column, rules)
    return found[1]


def spelling_sql(column: Column, expression: str) -> str | None:
    """SQL converting a cell of plain characters spelt as the specs allow (an allowed value or one
    of its aliases, a yes/no) to its value as text (a yes/no: a boolean), NULL for any other
    spelling; None for a column without such spellings. The set-based load (ledgers.bulk)
    converts these in SQL and hands Python only the spellings SQL leaves NULL."""
    if (one_of := cell_rules(column).one_of) is not None:
        return one_of.spelling_sql(expression)
    return YesNo.spelling_sql(expression) if column.type == "bool" else None


def column_rules(column: Column, today: dt.date | None = None) -> list[Rule]:
    """Every rule of one column, made from its spec, in the order the Great Expectations suite
    lists them (required, bounds, allowed values, orders) and then the others. `today` dates the
    rule against the future (the day the rules are applied; any day for their sentences)."""
    cells = cell_rules(column)
    found: list[Rule] = [r for r in (cells.required, cells.range, cells.one_of) if r is not None]
    if column.type == "bool":
        found.append(YesNo(column.name))
    if column.indicator:
        found.append(IndicatorName(column.name, column.indicator))
    found += row_rules(column, today or dt.date.today())
    if column.ref:
        found.append(Reference(column.name, *column.ref.split(".")))
    if column.default is not None:
        found.append(Default(column.name, column.default))
    return found


def of_kind(column: Column, kind: type[Rule]) -> Rule | None:
    """The column's rule of that kind (its Reference, its IndicatorName …), or None."""
    return next((r for r in column_rules(column) if isinstance(r, kind)), None)


def row_set_rules(spec) -> list[Rule]:
    """The rules of a ledger over its rows rather than one column: its key unique, and its
    period column not far in the past (FarPast, ReadLimits.past_years of the load in progress,
    the default outside one)."""
    from ledgers import limits

    found: list[Rule] = [Unique(tuple(spec.key))] if spec.key else []
    if spec.dept:
        found.append(KnownDepartment(spec.dept, spec.dept_wildcard))
    if spec.period:
        found.append(FarPast(spec.period, limits.current().past_years))
        if spec.dept:
            monthly = spec.by_name[spec.period].type == "month"
            found.append(AfterStart(spec.period, monthly))
    return found


def of_ledger(spec, kind: type[Rule]) -> Rule | None:
    """The ledger's rule of that kind over its rows (FarPast, KnownDepartment …), or None."""
    return next((r for r in row_set_rules(spec) if isinstance(r, kind)), None)


def far_past(spec) -> FarPast:
    """The ledger's FarPast rule (a ledger with a period column)."""
    return of_ledger(spec, FarPast)


def ledger_rules(spec, today: dt.date | None = None) -> list[Rule]:
    """Every rule of a ledger (ledgers.specs.Ledger): its columns' and its rows'. `today` as
    column_rules takes it."""
    found = [rule for column in spec.columns for rule in column_rules(column, today)]
    return found + row_set_rules(spec)


def sentences(column: Column, lang: str, label=backticked, detail: bool = False) -> list[str]:
    """A column's rules in words, the allowed values first: what the templates' instructions
    (`label` names another column as the reader knows it) and docs/ledgers.md (`detail`: every
    spelling of an allowed value) say. Required is the header's own mark."""
    ordered = sorted(column_rules(column), key=lambda rule: rule.place)
    said = (rule.sentence(lang, label, detail) for rule in ordered)
    return [s for s in said if s]
