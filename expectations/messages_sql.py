"""A check's messages (checks.toml's templates) as SQL over the rows its SQL returns, word for word
what `expectations.checks.render` makes of each row in Python: a city's tens of thousands of
findings are then worded, stored and counted in DuckDB, never turned into Python objects one by
one. A template with a field SQL cannot spell exactly as Python does (a `_pct` fraction of a
double, a field in an indicator's unit, a type without a rule below) gives None, and that check's
rows are worded in Python (tests/test_messages_sql.py compares the two on every check's case)."""

from __future__ import annotations

import string

from expectations.checks import Check
from ledgers.rule_base import literal, quoted
from ledgers.specs import ledgers

MISSING = "—"  # format_value's word for a missing value
WHOLE_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")
WHOLE_NUMBERS += ("UINTEGER", "UBIGINT")
NUMBERS = ("DOUBLE", "FLOAT", "REAL")


def message_sql(check: Check, lang: str, types: dict[str, str]) -> str | None:
    """SQL of the check's message in `lang` over a row `q` of its SQL's columns (`types`: name ->
    DuckDB type), the variant chosen by a `variant` column as `render` chooses; None where some
    field cannot be spelt in SQL as Python spells it."""
    main = _template_sql(check, check.template(lang), lang, types)
    if main is None:
        return None
    if "variant" not in types or not check.variants:
        return main
    cases = []
    for name in check.variants:
        text = _template_sql(check, check.template(lang, name), lang, types)
        if text is None:
            return None
        cases.append(f"when q.variant = {literal(name)} then {text}")
    # an unknown variant is an error in Python (KeyError): here too
    return (
        f"case when coalesce(q.variant, '') = '' then {main} {' '.join(cases)} "
        f"else error('unknown message variant ' || q.variant) end"
    )


def ledger_sql(check: Check, types: dict[str, str]) -> str:
    """SQL of a finding's ledger: the row's, else the check's ledgers (`make_finding`)."""
    default = literal(",".join(check.ledgers))
    return f"coalesce(nullif(q.ledger, ''), {default})" if "ledger" in types else default


def _template_sql(check: Check, template: str, lang: str, types: dict[str, str]) -> str | None:
    parts = []
    for text, name, spec, conversion in string.Formatter().parse(template):
        if text:
            parts.append(literal(text))
        if name is None:
            continue
        if spec or conversion:
            return None
        if name in (f"ledger_{title}" for title in ("zh", "en")):
            field = _ledger_title_sql(ledger_sql(check, types), name[-2:])
        elif name in types and name not in (*check.unit_fields, *check.unit_change_fields):
            field = _field_sql(name, quoted(name), types[name], lang)
        else:
            return None
        if field is None:
            return None
        parts.append(field)
    return "(" + " || ".join(parts or ["''"]) + ")"


def _ledger_title_sql(ledger: str, lang: str) -> str:
    """`ledger_title` in SQL: each kind of a comma list as its title, joined."""
    titles = " ".join(
        f"when {literal(kind)} then {literal(spec.title(lang))}" for kind, spec in ledgers().items()
    )
    joiner = literal("、" if lang == "zh" else ", ")
    return (
        f"array_to_string(list_transform(string_split({ledger}, ','), "
        f"lambda k: case k {titles} else k end), {joiner})"
    )


def _field_sql(name: str, column: str, kind: str, lang: str) -> str | None:
    """`format_value` in SQL for a column of a DuckDB type, or None."""
    value = f"q.{column}"
    if kind == "VARCHAR":
        text = value
    elif kind == "DATE":
        text = f"strftime({value}, '%Y-%m-%d')"
    elif kind == "TIMESTAMP":
        text = f"strftime({value}, '%Y-%m-%d %H:%M')"
    elif kind == "BOOLEAN":
        yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
        text = f"case when {value} then {literal(yes)} else {literal(no)} end"
    elif kind in WHOLE_NUMBERS or kind in NUMBERS or kind.startswith("DECIMAL"):
        number = f"cast({value} as double)"
        if name.endswith("_pct"):
            if kind not in WHOLE_NUMBERS:
                return None  # Python rounds the percent to 0.1 as the decimal it is
            number = f"({number} * 100)"
        text = _number_sql(number, name.startswith("change"))
        text = f"case when isnan({number}) then null else {text} end"
        if name.endswith("_pct"):
            text = f"{text} || '%'"
    else:
        return None
    return f"coalesce({text}, {literal(MISSING)})"


def _number_sql(number: str, signed: bool) -> str:
    """`format_number` in SQL: a number within 1e-9 (absolute or relative, math.isclose) of a
    whole one as that whole number (rounded half to even as Python's round), with thousands
    separators; any other with two decimals, trailing zeros dropped; `signed`: '+' before a
    number that is not negative."""
    whole = f"round_even({number}, 0)"
    close = (
        f"abs({number} - {whole}) <= greatest(1e-9 * greatest(abs({number}), abs({whole})), 1e-9)"
    )
    plus_whole = f"case when {whole} >= 0 then '+' else '' end || " if signed else ""
    plus_part = f"case when {number} > 0 then '+' else '' end || " if signed else ""
    return (
        f"case when {close} then {plus_whole}format('{{:,}}', cast({whole} as hugeint)) "
        f"else {plus_part}rtrim(rtrim(format('{{:,.2f}}', {number}), '0'), '.') end"
    )
