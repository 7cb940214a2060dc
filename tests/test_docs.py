"""Generated documentation stays in step with the specs it is generated from."""

from pathlib import Path

from ledgers.reference import render

ROOT = Path(__file__).resolve().parents[1]


def test_ledger_reference_is_current():
    committed = (ROOT / "docs" / "ledgers.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m ledgers.reference > docs/ledgers.md"
