"""The ledger rows behind the service and supplies section: patient feedback and appointment counts,
what was drawn by item with its value, and the items below their safety stock.

Column labels are the ledger specs' own (ledgers/specs.toml), in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgers.specs import Ledger, ledger
from reports.data.warehouse import Department, PeriodData

FEEDBACK_COUNTS = ("surveys", "satisfied", "complaints", "compliments", "wait_samples")
APPOINTMENT_COUNTS = ("slots", "booked", "attended")


@dataclass(frozen=True)
class LedgerFigure:
    ledger: str  # the ledger's title
    label: str  # the column's label
    value: float


@dataclass(frozen=True)
class SupplyLine:
    item_code: str
    item_name: str
    category: str | None
    unit: str | None
    issued_qty: float
    issued_value: float | None  # Σ issued_qty × unit_price; None when a price is missing


@dataclass(frozen=True)
class LowStock:
    dept_name: str
    month: str
    item_code: str
    item_name: str
    unit: str | None
    closing_qty: float
    reorder_level: float

    @property
    def shortfall(self) -> float:
        return self.reorder_level - self.closing_qty


@dataclass
class SuppliesDetail:
    issued: list[SupplyLine]
    total_value: float
    low_stock: list[LowStock]
    labels: dict[str, str]  # supplies column name -> label


def _rows(data: PeriodData, kind: str, department: Department) -> list[dict]:
    return [
        row
        for row in data.ledger_rows.get(kind, [])
        if department.is_hospital or row["dept"] == department.code
    ]


def patient_service(data: PeriodData, department: Department, lang: str) -> list[LedgerFigure]:
    """Σ of the feedback and appointment counts over the period's months (empty without rows)."""
    figures = []
    for kind, columns in (
        ("patient_feedback", FEEDBACK_COUNTS),
        ("appointments", APPOINTMENT_COUNTS),
    ):
        rows = _rows(data, kind, department)
        if not rows:
            continue
        spec = ledger(kind)
        for column in columns:
            known = [row[column] for row in rows if row.get(column) is not None]
            if known:
                figures.append(
                    LedgerFigure(spec.title(lang), spec.by_name[column].label(lang), sum(known))
                )
    return figures


def supplies(data: PeriodData, department: Department, lang: str) -> SuppliesDetail | None:
    """What was drawn, by item and value (highest first), and stock below the safety level at the
    end of the last month of the period that has supplies rows."""
    rows = _rows(data, "supplies", department)
    if not rows:
        return None
    spec = ledger("supplies")
    by_item: dict[tuple, list[float | None]] = {}
    for row in rows:
        key = (
            row["item_code"],
            row["item_name"],
            _category(spec, row["category"], lang),
            row["unit"],
        )
        quantity = row["issued_qty"] or 0.0
        price = row["unit_price"]
        total = by_item.setdefault(key, [0.0, 0.0])
        total[0] += quantity
        total[1] = None if price is None or total[1] is None else total[1] + quantity * price
    issued = [
        SupplyLine(code, name, category, unit, qty, None if value is None else round(value, 2))
        for (code, name, category, unit), (qty, value) in by_item.items()
    ]
    issued.sort(key=lambda line: (-(line.issued_value or 0.0), line.item_code))
    names = {d.code: d.name(lang) for d in data.departments}
    last_month = {}
    for row in rows:
        last_month[row["dept"]] = max(last_month.get(row["dept"], ""), row["month"])
    low_stock = [
        LowStock(
            names.get(row["dept"], row["dept"]),
            row["month"],
            row["item_code"],
            row["item_name"],
            row["unit"],
            row["closing_qty"],
            row["reorder_level"],
        )
        for row in rows
        if row["month"] == last_month[row["dept"]]
        and row["closing_qty"] is not None
        and row["reorder_level"] is not None
        and row["closing_qty"] < row["reorder_level"]
    ]
    low_stock.sort(key=lambda item: (item.dept_name, -item.shortfall, item.item_code))
    return SuppliesDetail(
        issued=issued,
        total_value=round(sum(line.issued_value or 0.0 for line in issued), 2),
        low_stock=low_stock,
        labels={column.name: column.label(lang) for column in spec.columns},
    )


def _category(spec: Ledger, value: str | None, lang: str) -> str | None:
    """The category as the ledger template spells it in Chinese; the canonical code in English."""
    if value is None or lang == "en":
        return value
    aliases = (spec.by_name["category"].enum or {}).get(value)
    return aliases[0] if aliases else value
