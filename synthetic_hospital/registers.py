"""The small registers of the demo inbox: departments, staff, assets, feedback, appointments,
commentary, targets, DRG weights, training, complaints and improvement measures."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ledgers.specs import ledger
from synthetic_hospital.departments import BY_CODE, DEPARTMENTS, KIND_ZH
from synthetic_hospital.desk import ACTION_COLUMNS, STATUS_ZH, TARGETS
from synthetic_hospital.equipment import DEVICES
from synthetic_hospital.files import Sheet, by_year, save_csv, save_ledger_sheet, save_xlsx
from synthetic_hospital.insurance import DRG_NAMES
from synthetic_hospital.patients import CHANNEL_ZH, COMPLAINT_CATEGORY_ZH
from synthetic_hospital.spelling import (
    DATE_SPELLINGS,
    DEPT_SPELLINGS,
    MONTH_SPELLINGS,
    headers,
    records,
    totals_row,
    yuan,
    yuan_text,
)
from synthetic_hospital.staff import ROLE_ZH, TRAINING_ZH
from synthetic_hospital.supplies import CATEGORY_ZH, SUPPLY_ITEMS


def write_departments(out: Path) -> Path:
    columns = ["code", "name_zh", "name_en", "kind", "assistant", "beds_authorised"]
    rows = [
        [d.code, d.name_zh, d.name_en, KIND_ZH[d.kind], d.assistant, d.beds_authorised]
        for d in DEPARTMENTS
    ]
    return save_ledger_sheet(out / "科室字典.xlsx", "科室", "departments", columns, rows)


STAFFING_COLUMNS = [c.name for c in ledger("staffing").columns]


def write_staffing(out: Path, roster: pd.DataFrame) -> Path:
    """A small workbook kept by hand: the department cell is merged over its staff."""
    spell = {"dept": DEPT_SPELLINGS["zh"], "role": ROLE_ZH.get}
    rows = records(roster, STAFFING_COLUMNS, spell)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员名册"
    sheet.append(headers("staffing", STAFFING_COLUMNS))
    for row in rows:
        sheet.append(row)
    for column in ("start_date", "end_date"):
        letter = get_column_letter(STAFFING_COLUMNS.index(column) + 1)
        for cell in sheet[letter][1:]:
            cell.number_format = "yyyy/m/d"
    first_row = 2
    for _, members in itertools.groupby(rows, key=lambda row: row[0]):
        size = len(list(members))
        if size > 1:
            sheet.merge_cells(
                start_row=first_row, end_row=first_row + size - 1, start_column=1, end_column=1
            )
        first_row += size
    path = out / "人力资源台账.xlsx"
    workbook.save(path)
    return path


EQUIPMENT_COLUMNS = [c.name for c in ledger("equipment").columns]
SUPPLY_COLUMNS = [c.name for c in ledger("supplies").columns]
INSTRUCTIONS = (
    "填表说明",
    "1. 设备登记：每台设备一行，资产编号以设备科资产卡片为准；报废设备填写报废日期，不要删除。",
    "2. 物资台账：每月每种物资一行，期末数量 = 期初数量 + 入库数量 − 领用数量，次月期初等于本月期末。",
    "3. 期末数量低于安全库存时请及时提交申领单。",
    "4. 每月5日前将上月台账发送运营管理部。",
)


def _equipment_sheet() -> Sheet:
    rows = [
        [d.asset_code, d.dept, d.name, d.category, "是" if d.large else "否", d.purchased,
         d.value, d.life_years, d.retired]
        for d in DEVICES
    ]  # fmt: skip
    header = headers("equipment", EQUIPMENT_COLUMNS, alias=1)
    spelled = [[r[0], BY_CODE[r[1]].name_zh, *r[2:]] for r in rows]
    return Sheet("设备登记", [header, *spelled])


def _supplies_sheet(supplies: pd.DataFrame) -> Sheet:
    items = supplies["item_code"].map(SUPPLY_ITEMS)
    table = supplies.assign(
        item_name=items.map(lambda i: i.name),
        category=items.map(lambda i: CATEGORY_ZH[i.category]),
        unit=items.map(lambda i: i.unit),
        unit_price=items.map(lambda i: i.price),
    )
    rows = records(table, SUPPLY_COLUMNS, {"month": MONTH_SPELLINGS["slash"]})
    title = f"科室物资台账（{supplies['month'].iloc[0]}至{supplies['month'].iloc[-1]}）"
    return Sheet("物资台账", [[title], headers("supplies", SUPPLY_COLUMNS), *rows])


def write_assets(out: Path, supplies: pd.DataFrame) -> Path:
    """The 物资设备台账: instructions, the equipment register and the supplies in one workbook."""
    instructions = Sheet("说明", [[line] for line in INSTRUCTIONS])
    sheets = [instructions, _equipment_sheet(), _supplies_sheet(supplies)]
    return save_xlsx(out / "物资设备台账.xlsx", sheets)


USAGE_COLUMNS = [c.name for c in ledger("equipment_usage").columns]


def write_equipment_usage(out: Path, usage: pd.DataFrame) -> Path:
    units = {
        "hours_used": "(h)",
        "hours_available": "(h)",
        "downtime_hours": "(h)",
        "maintenance_cost": "(元)",
    }
    header = headers("equipment_usage", USAGE_COLUMNS, alias=1, unit=lambda c: units.get(c, ""))
    table = usage.assign(maintenance_cost=usage["maintenance_cents"])
    rows = records(table, USAGE_COLUMNS, {"maintenance_cost": yuan_text})
    return save_csv(out / "设备使用.csv", [header, *rows])


FEEDBACK_COLUMNS = [c.name for c in ledger("patient_feedback").columns]


def write_feedback(out: Path, feedback: pd.DataFrame) -> Path:
    """Saved by Excel as 'CSV UTF-8', hence the byte-order mark."""
    units = {"wait_samples": "（人次）", "avg_wait_minutes": "(分钟)"}
    header = headers("patient_feedback", FEEDBACK_COLUMNS, unit=lambda c: units.get(c, ""))
    spell = {"month": MONTH_SPELLINGS["zh"], "dept": DEPT_SPELLINGS["zh"]}
    rows = records(feedback, FEEDBACK_COLUMNS, spell)
    return save_csv(out / "满意度调查.csv", [header, *rows], "utf-8-sig")


APPOINTMENT_COLUMNS = [c.name for c in ledger("appointments").columns]


def write_appointments(out: Path, appointments: pd.DataFrame) -> Path:
    header = headers("appointments", APPOINTMENT_COLUMNS, alias=1)
    sheets = []
    for year, part in by_year(appointments):
        rows = records(part, APPOINTMENT_COLUMNS, {"month": MONTH_SPELLINGS["slash"]})
        sheets.append(Sheet(f"{year}年", [header, *rows, totals_row(rows, 1, 2)]))
    return save_xlsx(out / "预约挂号.xlsx", sheets)


def write_commentary(out: Path, commentary: pd.DataFrame) -> Path:
    columns = [c.name for c in ledger("commentary").columns]
    spell = {
        "month": MONTH_SPELLINGS["zh"],
        "dept": DEPT_SPELLINGS["zh"],
        "factor": {"internal": "内部", "external": "外部", "": None}.get,
    }
    rows = records(commentary, columns, spell)
    return save_ledger_sheet(out / "分析说明.xlsx", "分析说明", "commentary", columns, rows)


def write_drg_weights(out: Path, weights: pd.DataFrame) -> Path:
    """The insurance bureau's catalogue as the DRG office keeps it: a title row, 是/否, 年度."""
    columns = [c.name for c in ledger("drg_weights").columns]
    table = weights.assign(name=weights["drg"].map(DRG_NAMES))
    spell = {"benchmark_cost": yuan, "low_risk": lambda flag: "是" if flag else "否"}
    rows = [["DRG病组目录与权重（医保局发布）"], headers("drg_weights", columns)]
    rows += records(table, columns, spell)
    return save_xlsx(out / "DRG病组权重.xlsx", [Sheet("病组目录", rows)])


def write_targets(out: Path) -> Path:
    columns = [c.name for c in ledger("targets").columns]
    return save_ledger_sheet(out / "目标.xlsx", "targets", "targets", columns, TARGETS, lang="en")


def write_training(out: Path, training: pd.DataFrame) -> Path:
    """The education office's register, one sheet a year, Chinese kinds, dates as Excel dates."""
    columns = [c.name for c in ledger("training").columns]
    header = headers("training", columns, alias=2)
    spell = {"dept": DEPT_SPELLINGS["zh"], "kind": TRAINING_ZH.get}
    years = training.assign(month=training["date"].map(lambda d: f"{d:%Y-%m}"))
    sheets = [
        Sheet(f"{year}年", [header, *records(part, columns, spell)])
        for year, part in by_year(years)
    ]
    return save_xlsx(out / "培训进修台账.xlsx", sheets)


def write_complaints(out: Path, complaints: pd.DataFrame) -> Path:
    """The patient services office's register as a CSV saved by Excel (UTF-8 with BOM)."""
    columns = [c.name for c in ledger("complaints").columns]
    spell = {
        "date": DATE_SPELLINGS["iso"],
        "closed_date": DATE_SPELLINGS["iso"],
        "dept": DEPT_SPELLINGS["zh"],
        "category": COMPLAINT_CATEGORY_ZH.get,
        "channel": CHANNEL_ZH.get,
        "escalated": lambda flag: "是" if flag else "否",
    }
    rows = [headers("complaints", columns), *records(complaints, columns, spell)]
    return save_csv(out / "投诉登记.csv", rows, "utf-8-sig")


def write_actions(out: Path, actions: pd.DataFrame) -> Path:
    """The measures as the weekly meeting's minutes list them: a title row, Chinese status."""
    spell = {"dept": DEPT_SPELLINGS["zh"], "status": STATUS_ZH.get}
    rows = [["科室运营改进措施台账"], headers("actions", ACTION_COLUMNS, alias=1)]
    rows += records(actions, ACTION_COLUMNS, spell)
    return save_xlsx(out / "改进措施台账.xlsx", [Sheet("改进措施", rows)])
