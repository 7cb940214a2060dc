"""What every ledger rule is (`Rule`, ledgers.rules) and the vocabulary its faces are spelt with:
our own words as SQL literals and identifiers, a parsed value or a text spelled in SQL as Python
spells it, a spelling folded as specs.normalise_header folds it, a column named as the docs name
it, a Great Expectations expectation made from its data, the sentences shared by several rules;
and `Registered`, the rules whose values another ledger must hold (a device's register, the
department list)."""

from __future__ import annotations


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


def backticked(name: str) -> str:
    """How docs/ledgers.md names another column."""
    return f"`{name}`"


def gx_expectation(type_: str, kwargs: dict):
    """The Great Expectations expectation of a type (as GX names it: 'expect_column_values_to_be_
    unique') with these arguments. Imports GX, seconds of CPU: a suite's rules say what they expect
    as data (`Rule.expects`) and GX is imported only when some row could fail."""
    import great_expectations.expectations as gxe

    return getattr(gxe, "".join(word.capitalize() for word in type_.split("_")))(**kwargs)


def pair_expectation(high: str, low: str) -> tuple[str, dict]:
    """GX's pair expectation, as data: column `high` at least column `low` in every row that
    holds both."""
    return "expect_column_pair_values_a_to_be_greater_than_b", {
        "column_A": high,
        "column_B": low,
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }


class Rule:
    """What every rule yields. A rule without a form for some use says None: not every rule has
    a Great Expectations expectation (a default, an indicator's name) or a sentence of its own
    (`Required` is the header's mark: red in a template, bold in docs).
    `place` orders a column's sentences (the allowed values first)."""

    column: str
    place = 5

    @property
    def has_expectation(self) -> bool:
        """Whether it has an expectation, known without importing GX (seconds): the suites'
        SQL pre-filter is made of these rules' failure_sql."""
        return self.expects() is not None

    def expects(self) -> tuple[str, dict] | None:
        """Its Great Expectations expectation as data, without importing GX: the type and the
        arguments as GX's configuration of it lists them (tests/test_suites_prefilter.py
        compares), or None."""
        return None

    def expectation(self):
        """Its Great Expectations expectation (imports GX), or None."""
        found = self.expects()
        return None if found is None else gx_expectation(*found)

    def parameters(self, con) -> dict:
        """The values of its expectation's parameters for a run (GX's `$PARAMETER`): what the
        expectation compares with that is not in the specs (today, a register's codes)."""
        return {}

    def sentence(self, lang: str = "en", label=backticked, detail: bool = False) -> str | None:
        return None


# A text Python's repr only quotes ('CARD'): printable ASCII but ' and \, and CJK ideographs (RE2).
PLAIN_UNQUOTED = r"[\x20-\x26\x28-\x5B\x5D-\x7E\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}]+"


def quoted(name: str) -> str:
    """A column's name (from the specs) as an SQL identifier."""
    return f'"{name}"'


def repr_sql(expression: str) -> str:
    """SQL spelling a text as Python's repr does, for a text of plain characters without quote
    or backslash; NULL for any other (its row is worded in Python)."""
    return (
        f"case when regexp_full_match({expression}, '{PLAIN_UNQUOTED}') "
        f"then chr(39) || {expression} || chr(39) end"
    )


def fold_sql(expression: str) -> str:
    """specs.normalise_header in SQL, for a text of plain characters (printable ASCII and CJK
    ideographs, which NFKC leaves as they are): trimmed, lower case, each run of spaces and
    underscores one space."""
    return f"regexp_replace(lower(trim({expression})), '[ _]+', ' ', 'g')"


def spelling_case(expression: str, spellings: dict[str, str]) -> str:
    """SQL of the value a text spells (`spellings`: folded spelling -> the value's SQL, our own
    words from the specs), NULL for any other spelling."""
    cases = " ".join(f"when {literal(s)} then {v}" for s, v in sorted(spellings.items()) if s)
    return f"(case {fold_sql(expression)} {cases} end)"


def number_sql(expression: str) -> str:
    """SQL spelling a number as Python's `{:g}` does, for a whole number below a million; NULL
    for any other (its row is worded in Python)."""
    number = f"cast({expression} as double)"
    return (
        f"case when {number} = trunc({number}) and abs({number}) < 1e6 "
        f"then cast(cast({number} as hugeint) as varchar) end"
    )


class Registered(Rule):
    """A rule whose values must be among those another ledger holds (`known_sql`): its GX face
    is a value set drawn from the warehouse when the suite runs, a parameter of the suite."""

    parameter: str

    def known_sql(self) -> str:
        raise NotImplementedError

    def register_label(self, lang: str) -> str:
        """What a finding calls the ledger the value is not in."""
        from ledgers.specs import ledger

        return ledger(self.register).title(lang)

    def expects(self) -> tuple[str, dict]:
        return "expect_column_values_to_be_in_set", {
            "column": self.column,
            "value_set": {"$PARAMETER": self.parameter},
        }

    def parameters(self, con) -> dict:
        known = con.execute(f"select distinct * from ({self.known_sql()}) k order by all")  # noqa: S608
        return {self.parameter: [v for (v,) in known.fetchall() if v is not None]}


SENTENCES = {
    "negative_ok": {"zh": "可为负数", "en": "may be negative"},
    "required_if": {"zh": "{other} > 0 时必填", "en": "required when {other} > 0"},
    "not_future_date": {"zh": "不晚于今天", "en": "not after today"},
    "not_future_month": {"zh": "不晚于本月", "en": "not after this month"},
}
