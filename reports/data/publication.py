"""Which numbers may be published: `publication_blocks` withholds a department-month's figures
that read a ledger in error.

An error-level data-quality finding blocks a department's month for the indicators that read the
ledgers the failed check reads (catalogue `inputs`); the other indicators of that month are
published. Every figure computed from a blocked month is withheld with it: the department's
quarter and year contain the month, and the hospital and the department's kind group sum its
measures. A wrong number never reaches a page; the page says why instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics import catalogue

# metric_report's codes for the whole hospital and for a group of departments of one kind.
HOSPITAL = "ALL"
KIND_PREFIX = "KIND:"
# A block without a department (or naming the hospital) withholds every department's month.
_WHOLE_HOSPITAL = {None, "", HOSPITAL, "*"}


@dataclass(frozen=True)
class Block:
    dept: str | None
    month: str
    check: str
    message_zh: str | None
    message_en: str | None
    # The ledger kinds in error; None (a warehouse written before blocks named them): all.
    ledgers: frozenset[str] | None = None

    def message(self, lang: str) -> str:
        text = self.message_en if lang == "en" and self.message_en else self.message_zh
        return text or self.message_en or self.check

    def blocks_metric(self, metric: str | None) -> bool:
        """Whether this block withholds the indicator (None: any figure of the month)."""
        if metric is None or self.ledgers is None:
            return True
        return not self.ledgers.isdisjoint(catalogue.indicators()[metric].inputs)

    def blocks_ledger(self, kind: str) -> bool:
        return self.ledgers is None or kind in self.ledgers


class Publication:
    """The blocks of the warehouse, asked per department code ('ALL', 'KIND:x' too), months and
    indicator."""

    def __init__(self, blocks: list[Block], kinds: dict[str, str]):
        self.blocks = sorted(blocks, key=lambda b: (b.month, b.dept or "", b.check))
        self._kinds = kinds

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def blocks_for(self, dept: str, months: list[str], metric: str | None = None) -> list[Block]:
        """The blocks that withhold `dept`'s figures (of one indicator, if given) for a period
        spanning `months`."""
        if not self.blocks:
            return []
        wanted = set(months)
        return [
            b
            for b in self.blocks
            if b.month in wanted and self._covers(b, dept) and b.blocks_metric(metric)
        ]

    def withheld(self, dept: str, months: list[str], metric: str | None = None) -> bool:
        return bool(self.blocks_for(dept, months, metric))

    def withheld_any(self, dept: str, months: list[str], metrics: tuple[str, ...]) -> bool:
        return any(self.withheld(dept, months, metric) for metric in metrics)

    def ledger_withheld(self, dept: str, months: list[str], kind: str) -> bool:
        """Whether rows of a ledger kind (a report's ledger detail) are withheld."""
        return any(b.blocks_ledger(kind) for b in self.blocks_for(dept, months))

    def _covers(self, block: Block, dept: str) -> bool:
        if block.dept in _WHOLE_HOSPITAL or dept == HOSPITAL:
            return True
        if dept.startswith(KIND_PREFIX):
            # A block on a department whose kind is unknown withholds every kind group.
            kind = self._kinds.get(block.dept)
            return kind is None or dept == f"{KIND_PREFIX}{kind}"
        return block.dept == dept
