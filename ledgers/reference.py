"""The ledger reference (docs/ledgers.md), generated from the specs so it never drifts from them.

Regenerate with `python -m ledgers.reference > docs/ledgers.md`; a test fails when it is stale.
"""

from __future__ import annotations

from ledgers import rules
from ledgers.specs import Column, ledgers, reading_rules
from ledgers.templates import enum_choices


def _rule(column: Column) -> str:
    parts = []
    if column.enum:
        parts.append(
            ", ".join(f"`{v}`" + (f" ({'/'.join(a)})" if a else "") for v, a in column.enum.items())
        )
    if column.type == "bool":
        parts.append(" / ".join(enum_choices(column, "zh") + enum_choices(column, "en")))
    parts += [bound.sentence() for bound in rules.bounds(column)]
    if column.negative_ok:
        parts.append(rules.SENTENCES["negative_ok"]["en"])
    parts += [order.sentence() for order in rules.orders(column)]
    if column.ref:
        parts.append(f"must exist in `{column.ref}`")
    # required when …, not after today / this month: the same sentences as the templates'
    parts += [p for p in rules.sentences(column, "en") if p not in parts]
    if column.default is not None:
        parts.append(f"default {column.default}")
    return "; ".join(parts)


def render() -> str:
    rules = reading_rules()
    lines = [
        "# Ledger reference (台账参考)",
        "",
        "Generated from `ledgers/specs.toml` by `python -m ledgers.reference`; do not edit by hand.",
        "The contract it implements is ../shared/LEDGERS.md. Required columns are in bold; a header",
        "matches by its English name, its English label or any Chinese alias, case-insensitively.",
        "",
        f"- Header row: the first of the first {rules.header_search_rows} rows that holds every"
        " required column of a ledger.",
        "- Totals rows skipped: " + ", ".join(sorted(rules.totals_markers)) + ".",
        "- Header units that scale amounts: "
        + ", ".join(f"({u}) ×{f:g}" for u, f in rules.unit_factors.items())
        + "; any other bracketed unit is dropped.",
        "- Columns that refuse a file whole (direct patient identifiers): "
        + ", ".join(sorted(rules.identifier_columns))
        + ".",
        "",
    ]
    for spec in ledgers().values():
        lines += [
            f"## {spec.kind} ({spec.zh} / {spec.en})",
            "",
            f"Grain: {spec.grain}. "
            + (f"Unique key: {', '.join(spec.key)}." if spec.key else "No key: every row counts.")
            + (f" Month from `{spec.period}`." if spec.period else "")
            + f" File-name prefixes (tie-break): {', '.join(spec.prefixes)}."
            + (" Optional ledger." if spec.optional else ""),
            "",
            "| column | 中文表头 | English label | type | rule |",
            "| --- | --- | --- | --- | --- |",
        ]
        for column in spec.columns:
            name = f"**{column.name}**" if column.required else column.name
            aliases = ", ".join(column.zh)
            lines.append(f"| {name} | {aliases} | {column.en} | {column.type} | {_rule(column)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
