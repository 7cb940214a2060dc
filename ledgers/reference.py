"""The ledger reference (docs/ledgers.md), generated from the specs so it never drifts from them.

Regenerate with `python -m ledgers.reference > docs/ledgers.md`; a test fails when it is stale.
"""

from __future__ import annotations

from ledgers import rules
from ledgers.specs import Column, ledgers, reading_rules


def _rule(column: Column) -> str:
    """The column's rules in words (ledgers.rules, as the templates' instructions state them),
    every spelling of an allowed value listed."""
    return "; ".join(rules.sentences(column, "en", detail=True))


def render() -> str:
    reading = reading_rules()
    lines = [
        "# Ledger reference (台账参考)",
        "",
        "Generated from `ledgers/specs.toml` by `python -m ledgers.reference`; do not edit by hand.",
        "The contract it implements is ../shared/LEDGERS.md. Required columns are in bold; a header",
        "matches by its English name, its English label or any Chinese alias, case-insensitively.",
        "",
        f"- Header row: the first of the first {reading.header_search_rows} rows that holds every"
        " required column of a ledger.",
        "- Totals rows skipped: " + ", ".join(sorted(reading.totals_markers)) + ".",
        "- Header units that scale amounts: "
        + ", ".join(f"({u}) ×{f:g}" for u, f in reading.unit_factors.items())
        + "; any other bracketed unit is dropped.",
        "- Columns that refuse a file whole (direct patient identifiers): "
        + ", ".join(sorted(reading.identifier_columns))
        + ".",
        "",
    ]
    for spec in ledgers().values():
        lines += [
            f"## {spec.kind} ({spec.zh} / {spec.en})",
            "",
            f"Grain: {spec.grain}. "
            + " ".join(
                ([] if spec.key else ["No key: every row counts."])
                + [r.sentence("en", detail=True) for r in rules.row_set_rules(spec)]
            )
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
