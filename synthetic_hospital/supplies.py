"""Supplies per department and month, following bed-days or exams, with an order-up-to policy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic_hospital.timeline import Calendar, random_stream


@dataclass(frozen=True)
class SupplyItem:
    code: str
    name: str
    category: str
    unit: str
    price: float
    pack: int
    late_share: float = 0.0  # deliveries that come a month late


SUPPLY_ITEMS = {
    i.code: i
    for i in (
        SupplyItem("BG001", "A4复印纸", "office", "包", 25.0, 5),
        SupplyItem("BG002", "打印机硒鼓", "office", "个", 380.0, 1),
        SupplyItem("HC001", "一次性使用输液器", "medical", "套", 2.8, 100),
        SupplyItem("HC002", "医用外科口罩", "medical", "只", 0.6, 500),
        SupplyItem("HC101", "心电电极片", "medical", "片", 0.45, 500),
        SupplyItem("HC201", "一次性吸痰管", "medical", "根", 1.2, 100),
        SupplyItem("HC301", "腔镜切割吻合器钉仓", "medical", "个", 1850.0, 1, late_share=0.12),
        SupplyItem("HC401", "高分子石膏绷带", "medical", "卷", 38.0, 10),
        SupplyItem("HC501", "高压注射器针筒", "medical", "套", 65.0, 10),
        SupplyItem("HC502", "医用干式胶片", "medical", "张", 8.5, 100, late_share=0.08),
    )
}
CATEGORY_ZH = {"medical": "医用耗材", "office": "办公用品", "other": "其他"}
# (item, driver, quantity per unit of driver); drivers are monthly measures of the department
DEPT_SUPPLIES = {
    "CARD": (("HC001", "bed_days", 1.1), ("HC002", "bed_days", 1.6), ("HC101", "admissions", 12),
             ("BG001", "flat", 18), ("BG002", "flat", 1.2)),
    "RESP": (("HC001", "bed_days", 1.3), ("HC002", "bed_days", 2.2), ("HC201", "bed_days", 0.5),
             ("BG001", "flat", 15), ("BG002", "flat", 1.0)),
    "GSUR": (("HC001", "bed_days", 1.2), ("HC002", "bed_days", 1.8), ("HC301", "surgeries", 0.22),
             ("BG001", "flat", 16), ("BG002", "flat", 1.0)),
    "ORTH": (("HC001", "bed_days", 0.9), ("HC002", "bed_days", 1.6), ("HC401", "surgeries", 0.5),
             ("BG001", "flat", 14), ("BG002", "flat", 1.0)),
    "RAD": (("HC002", "exams", 0.25), ("HC501", "exams", 0.035), ("HC502", "exams", 0.45),
            ("BG001", "flat", 20), ("BG002", "flat", 1.5)),
}  # fmt: skip


def supply_ledger(calendar: Calendar, measures: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Monthly deliveries top the stock up to two months' use above the safety stock; the items
    with a fragile supply chain now and then come a month late and fall below it."""
    rng = random_stream(seed, "supplies")
    rows = []
    for dept, items in DEPT_SUPPLIES.items():
        for code, driver, rate in items:
            item = SUPPLY_ITEMS[code]
            drivers = [
                1 if driver == "flat" else measures.loc[(dept, m), driver] for m in calendar.months
            ]
            usual = rate * float(np.mean(drivers))
            reorder = _packs(0.5 * usual, item.pack)
            full = reorder + _packs(2 * usual, item.pack)
            stock = full
            for month, amount in zip(calendar.months, drivers, strict=True):
                expected = rate * amount * rng.lognormal(0, 0.1)
                # office supplies are drawn by a fixed monthly requisition, not by patients
                demand = round(expected) if driver == "flat" else int(rng.poisson(expected))
                late = rng.random() < item.late_share
                received = 0 if late or stock >= full else _packs(full - stock, item.pack)
                issued = min(demand, stock + received)
                rows.append(
                    {
                        "month": month, "dept": dept, "item_code": code, "opening_qty": stock,
                        "received_qty": received, "issued_qty": issued,
                        "closing_qty": stock + received - issued, "reorder_level": reorder,
                    }
                )  # fmt: skip
                stock += received - issued
    return pd.DataFrame(rows)


def _packs(quantity: float, pack: int) -> int:
    return int(max(np.ceil(quantity / pack), 1) * pack)
