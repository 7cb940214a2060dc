"""The big ledgers (workload, discharges, finance), one file per year, each year laid out as a
different person would keep it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ledgers.specs import ledger
from metrics.periods import year_and_number
from synthetic_hospital.departments import BY_CODE
from synthetic_hospital.files import Sheet, by_year, save_csv, save_xlsx
from synthetic_hospital.spelling import (
    DATE_SPELLINGS,
    DEPT_SPELLINGS,
    MONTH_SPELLINGS,
    blank_repeated,
    headers,
    records,
    totals_row,
    yuan,
    yuan_text,
)
from synthetic_hospital.wards import GRADE_ZH, OUTCOME_ZH
from synthetic_hospital.workload import WORKLOAD_COLUMNS


def _workload_by_department(frame: pd.DataFrame, year: int) -> list[Sheet]:
    """One sheet per department, a title above the header, Excel dates, Chinese names."""
    header = headers("workload", WORKLOAD_COLUMNS)
    spell = {"dept": DEPT_SPELLINGS["zh"]}
    sheets = []
    for dept, part in frame.groupby("dept", sort=False):
        title = f"{BY_CODE[dept].name_zh}{year}年业务量台账"
        sheets.append(
            Sheet(
                BY_CODE[dept].name_zh,
                [[title], [], header, *records(part, WORKLOAD_COLUMNS, spell)],
            )
        )
    return sheets


def _workload_hospital_sheet(frame: pd.DataFrame, year: int) -> list[Sheet]:
    """One sheet for the whole hospital, sorted by department, whose name shows once per
    department as in merged cells; alias headers, codes, dates as 2025/1/5 text."""
    rows = blank_repeated(records(frame, WORKLOAD_COLUMNS, {"date": DATE_SPELLINGS["slash"]}), 1)
    header = headers("workload", WORKLOAD_COLUMNS, alias=1)
    return [Sheet("全院", [[f"{year}年业务量台账（全院）"], [], header, *rows])]


def _workload_monthly_sheets(frame: pd.DataFrame, year: int) -> list[Sheet]:
    """One sheet per month with a 合计 row under it; units in some headers, dates as 2026.01.05."""
    units = {"outpatient_visits": "（人次）", "emergency_visits": "（人次）", "open_beds": "(张)"}
    header = headers("workload", WORKLOAD_COLUMNS, unit=lambda c: units.get(c, ""))
    spell = {"date": DATE_SPELLINGS["dot"], "dept": DEPT_SPELLINGS["zh"]}
    sheets = []
    for month, part in frame.groupby("month", sort=True):
        rows = records(part.sort_values(["date"], kind="stable"), WORKLOAD_COLUMNS, spell)
        number = year_and_number("month", month)[1]
        sheets.append(Sheet(f"{number}月", [header, *rows, totals_row(rows, 0, 2)]))
    return sheets


WORKLOAD_LAYOUTS = (_workload_by_department, _workload_hospital_sheet, _workload_monthly_sheets)


def write_workload(out: Path, workload: pd.DataFrame) -> list[Path]:
    """One workbook per year, as the ledger is started afresh each January."""
    paths = []
    for i, (year, part) in enumerate(by_year(workload)):
        sheets = WORKLOAD_LAYOUTS[i % len(WORKLOAD_LAYOUTS)](part, year)
        paths.append(save_xlsx(out / f"{year}年业务量台账.xlsx", sheets))
    return paths


DISCHARGE_COLUMNS = [c.name for c in ledger("discharges").columns]
AMOUNTS = {
    "total_cost": "total_cents",
    "drug_cost": "drug_cents",
    "consumables_cost": "consumables_cents",
    "insurance_paid": "insurance_paid_cents",
    "drg_payment": "drg_payment_cents",
}


def _discharge_table(episodes: pd.DataFrame) -> pd.DataFrame:
    table = episodes.rename(columns={v: k for k, v in AMOUNTS.items()})
    table["surgery_grade"] = (
        table["surgery_grade"].where(table["surgery_grade"] > 0).astype("Int64")
    )
    # 离院方式 as the 病案首页 codes it: 5 died, else 1 discharged on the doctor's order
    table["discharge_mode"] = table["outcome"].map(lambda o: "5" if o == "died" else "1")
    return table


# (encoding, header language, alias, spelling of dept, dates, grade, outcome, complication, amount)
DISCHARGE_LAYOUTS = (
    ("gb18030", "zh", 0, "zh", "zh", GRADE_ZH.get, OUTCOME_ZH.get, "是否", yuan_text),
    ("utf-8", "zh", 1, "code", "compact", int, OUTCOME_ZH.get, "YN",
     lambda c: yuan_text(c, thousands=True)),
    ("utf-8", "en", 0, "code", "iso", int, str, ("true", "false"), yuan_text),
)  # fmt: skip


def write_discharges(out: Path, episodes: pd.DataFrame) -> list[Path]:
    """One CSV per year of discharge, as exported from the HIS and saved by different people."""
    table = _discharge_table(episodes)
    table["month"] = table["discharge_date"].dt.strftime("%Y-%m")
    paths = []
    for i, (year, part) in enumerate(by_year(table)):
        layout = DISCHARGE_LAYOUTS[i % len(DISCHARGE_LAYOUTS)]
        encoding, lang, alias, dept, dates, grade, outcome, flags, amount = layout
        spell = {
            "dept": DEPT_SPELLINGS[dept],
            "admit_date": DATE_SPELLINGS[dates],
            "discharge_date": DATE_SPELLINGS[dates],
            "surgery_date": DATE_SPELLINGS[dates],
            "surgery_grade": grade,
            "outcome": outcome,
            "complication": lambda flag, yes_no=flags: yes_no[0] if flag else yes_no[1],
        } | dict.fromkeys(AMOUNTS, amount)
        header = headers("discharges", DISCHARGE_COLUMNS, lang=lang, alias=alias)
        rows = records(part, DISCHARGE_COLUMNS, spell)
        paths.append(save_csv(out / f"出院病人明细_{year}.csv", [header, *rows], encoding))
    return paths


FINANCE_COLUMNS = [c.name for c in ledger("finance").columns]
FINANCE_AMOUNTS = FINANCE_COLUMNS[2:]


def _finance_monthly_sheets(frame: pd.DataFrame, year: int) -> tuple[str, list[Sheet]]:
    """A sheet per month with a title, amounts in yuan said in the header, and a 合计 row."""
    header = headers(
        "finance", FINANCE_COLUMNS, unit=lambda c: "(元)" if c in FINANCE_AMOUNTS else ""
    )
    spell = {"dept": DEPT_SPELLINGS["zh"]} | dict.fromkeys(FINANCE_AMOUNTS, yuan)
    sheets = []
    for month, part in frame.groupby("month", sort=True):
        rows = records(part, FINANCE_COLUMNS, spell)
        number = year_and_number("month", month)[1]
        title = f"{year}年{number}月经济运行台账"
        sheets.append(Sheet(f"{number}月", [[title], [], header, *rows, totals_row(rows, 1, 2)]))
    return f"{year}年经济运行台账.xlsx", sheets


def _finance_in_ten_thousands(frame: pd.DataFrame, year: int) -> tuple[str, list[Sheet]]:
    """Amounts in 万元 with six decimals, so that ×10,000 gives back the yuan to the fen."""

    def unit(column: str) -> str:
        if column not in FINANCE_AMOUNTS:
            return ""
        return "(万元)" if column.endswith("_revenue") else "（万元）"

    spell = {"month": MONTH_SPELLINGS["compact"]}
    spell |= dict.fromkeys(FINANCE_AMOUNTS, lambda cents: round(cents / 1_000_000, 6))
    rows = [
        headers("finance", FINANCE_COLUMNS, unit=unit),
        *records(frame, FINANCE_COLUMNS, spell),
    ]
    return f"经济运行台账{year}（万元）.xlsx", [Sheet(f"{year}年", rows)]


def _finance_english(frame: pd.DataFrame, year: int) -> tuple[str, list[Sheet]]:
    spell = {"dept": DEPT_SPELLINGS["en"]} | dict.fromkeys(FINANCE_AMOUNTS, yuan)
    rows = [
        headers("finance", FINANCE_COLUMNS, lang="en"),
        *records(frame, FINANCE_COLUMNS, spell),
    ]
    return f"finance_{year}.xlsx", [Sheet("finance", rows)]


FINANCE_LAYOUTS = (_finance_monthly_sheets, _finance_in_ten_thousands, _finance_english)


def write_finance(out: Path, finance: pd.DataFrame) -> list[Path]:
    paths = []
    for i, (year, part) in enumerate(by_year(finance)):
        name, sheets = FINANCE_LAYOUTS[i % len(FINANCE_LAYOUTS)](part, year)
        paths.append(save_xlsx(out / name, sheets))
    return paths
