"""Generated documentation stays in step with the specs it is generated from."""

from pathlib import Path

from ledgers.reference import render

ROOT = Path(__file__).resolve().parents[1]


def test_ledger_reference_is_current():
    committed = (ROOT / "docs" / "ledgers.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m ledgers.reference > docs/ledgers.md"


def test_readme_says_which_ledgers_give_which_indicators():
    """The README's table is generated from the catalogue's `inputs`: one fact, one place."""
    from metrics.catalogue import ledger_needs_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- ledger-needs:start -->\n", "<!-- ledger-needs:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == ledger_needs_markdown(), "run: python -m metrics.catalogue (README table)"
    assert "| Finance (经济运行台账) | Medical revenue;" in table
