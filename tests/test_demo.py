"""The demo hospital's inbox: every ledger is there, readable by the contract's rules, and the
ledgers agree with each other as a real ward's do.

The files are read back here with a small reader of our own that follows LEDGERS.md (header in
the first 10 rows, aliases and units from specs.toml, totals rows skipped, merged department cells
repeated, every listed spelling of dates, months and departments), so the test does not depend on
the pipeline's reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from ledgers import rules
from ledgers.specs import Ledger, ledgers, normalise_header, reading_rules
from synthetic_hospital.demo import write_demo

UNIT = re.compile(r"\(([^()]*)\)$")
DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(?:(\d{1,2})日?)?$")


# --- a reader of our own --------------------------------------------------------------------


def _column(spec: Ledger, header: object) -> tuple[str | None, float]:
    """The canonical column a header names, and the factor its unit implies."""
    folded = normalise_header(header)
    factor = 1.0
    unit = UNIT.search(folded)
    if unit:
        factor = reading_rules().unit_factors.get(normalise_header(unit.group(1)), 1.0)
        folded = folded[: unit.start()].strip()
    for column in spec.columns:
        if folded in column.header_names():
            return column.name, factor
    return None, factor


def _detect(rows: list[list], prefix_of: str) -> tuple[str, int] | None:
    """The ledger kind and header row of a sheet, by LEDGERS.md's rules; None if it has none."""
    candidates = []
    for index, row in enumerate(rows[: reading_rules().header_search_rows]):
        for kind, spec in ledgers().items():
            named = {_column(spec, cell)[0] for cell in row if str(cell).strip()}
            if {c.name for c in spec.required} <= named:
                prefixed = any(prefix_of.lower().startswith(p) for p in spec.prefixes)
                candidates.append((len(named - {None}), prefixed, kind, index))
    if not candidates:
        return None
    candidates.sort(reverse=True)
    best = candidates[0]
    assert all(c[:2] != best[:2] for c in candidates[1:] if c[2] != best[2]), candidates
    return best[2], best[3]


def _sheets(path: Path) -> list[tuple[str, list[list]]]:
    if path.suffix == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        return [("", list(csv.reader(text.splitlines())))]
    workbook = CalamineWorkbook.from_path(str(path))
    return [
        (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for name in workbook.sheet_names
    ]


def _is_blank(value: object) -> bool:
    return value is None or str(value).strip() == ""


def _read_sheet(spec: Ledger, rows: list[list], header_at: int) -> pd.DataFrame:
    columns = [_column(spec, cell) for cell in rows[header_at]]
    markers = reading_rules().totals_markers
    records, department = [], None
    for row in rows[header_at + 1 :]:
        if all(_is_blank(v) for v in row):
            continue
        record = {name: v for (name, _), v in zip(columns, row, strict=False) if name}
        labels = [record.get(spec.dept), record.get(spec.period)]
        if any(normalise_header(v) in markers for v in labels if not _is_blank(v)):
            continue
        if spec.dept:
            if _is_blank(record.get(spec.dept)):
                record[spec.dept] = department
            department = record[spec.dept]
        for (name, factor), value in zip(columns, row, strict=False):
            if name and factor != 1 and not _is_blank(value):
                record[name] = _number(value) * factor
        records.append(record)
    return pd.DataFrame(records)


def _number(value: object) -> float:
    if _is_blank(value):
        return np.nan
    if isinstance(value, int | float):
        return float(value)
    # a target of a % indicator may be written 90% (LEDGERS.md, actions): 90
    return float(str(value).replace(",", "").removesuffix("%"))


def _date(value: object) -> dt.date | None:
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    year, month, day = DATE.match(str(value).strip()).groups()
    return dt.date(int(year), int(month), int(day))


def _month(value: object) -> str:
    year, month, _ = DATE.match(str(value).strip()).groups()
    return f"{int(year)}-{int(month):02d}"


def _value(column, value: object) -> object:
    """A cell as its column's type; an enumerated cell as its canonical value."""
    if _is_blank(value):
        return np.nan if column.type in ("int", "number", "amount") else None
    if column.enum:
        value = rules.cell_rules(column).one_of.canonical(value)  # its value or alias
    if column.type == "date":
        return _date(value)
    if column.type == "month":
        return _month(value)
    if column.type in ("int", "number", "amount"):
        return _number(value)
    if column.type == "bool":
        return normalise_header(value) in reading_rules().bool_true
    return value


def _typed(kind: str, frame: pd.DataFrame, departments: dict[str, str]) -> pd.DataFrame:
    spec = ledgers()[kind]
    for column in spec.columns:
        if column.name in frame:
            frame[column.name] = [_value(column, v) for v in frame[column.name]]
    if spec.dept:
        frame[spec.dept] = frame[spec.dept].map(lambda v: departments.get(v, v))
    return frame


def read_inbox(folder: Path) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Every ledger of the inbox as canonical columns, and the sheets that matched no ledger."""
    found: dict[str, list[pd.DataFrame]] = {}
    skipped = []
    for path in sorted(folder.iterdir()):
        for sheet, rows in _sheets(path):
            detected = _detect(rows, path.stem)
            if detected is None:
                skipped.append(f"{path.name}:{sheet}")
                continue
            kind, header_at = detected
            found.setdefault(kind, []).append(_read_sheet(ledgers()[kind], rows, header_at))
    tables = {kind: pd.concat(frames, ignore_index=True) for kind, frames in found.items()}
    master = tables["departments"]
    departments = {}
    for code, zh, en in master[["code", "name_zh", "name_en"]].itertuples(index=False):
        departments |= {code: code, zh: code, en: code}
    return {k: _typed(k, t, departments) for k, t in tables.items()}, skipped


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("inbox")
    return out, write_demo(out)


@pytest.fixture(scope="module")
def inbox(written) -> tuple[dict[str, pd.DataFrame], list[str]]:
    return read_inbox(written[0])


@pytest.fixture(scope="module")
def tables(inbox) -> dict[str, pd.DataFrame]:
    return inbox[0]


@pytest.fixture(scope="module")
def workload(tables) -> pd.DataFrame:
    frame = tables["workload"].copy()
    frame["month"] = frame["date"].map(lambda d: f"{d:%Y-%m}")
    return frame.sort_values(["dept", "date"], ignore_index=True)


@pytest.fixture(scope="module")
def episodes(tables) -> pd.DataFrame:
    frame = tables["discharges"].copy()
    frame["los"] = [
        (d - a).days for a, d in zip(frame["admit_date"], frame["discharge_date"], strict=True)
    ]
    frame["month"] = frame["discharge_date"].map(lambda d: f"{d:%Y-%m}")
    return frame


def _cents(values: pd.Series) -> pd.Series:
    return (values * 100).round().astype("int64")


# --- the inbox ------------------------------------------------------------------------------


def test_returns_the_files_it_wrote(written):
    out, paths = written
    assert paths == sorted(paths)
    assert paths == sorted(out.iterdir())
    assert all(p.stat().st_size > 0 for p in paths)
    assert {p.suffix for p in paths} == {".xlsx", ".csv"}


def test_every_ledger_kind_is_present(inbox):
    tables, skipped = inbox
    # every kind but the monthly ward summary, which is for hospitals without daily rows: the
    # demo keeps daily rows, and a summary beside them would be ignored
    assert set(tables) == set(ledgers()) - {"ward_monthly"}
    assert skipped == ["物资设备台账.xlsx:说明"]


def test_no_column_identifies_a_patient(written):
    identifiers = reading_rules().identifier_columns
    for path in written[1]:
        for _, rows in _sheets(path):
            # the header row (a complaint's channel 电话 is a value, not a phone-number column)
            found = _detect(rows, path.name)
            head = [rows[found[1]]] if found else rows[:10]
            headers = {normalise_header(c) for row in head for c in row if not _is_blank(c)}
            assert not headers & identifiers, path.name


def test_csv_encodings_are_those_excel_users_produce(written):
    heads = {p.name: p.read_bytes()[:3] for p in written[1] if p.suffix == ".csv"}
    assert heads["满意度调查.csv"] == b"\xef\xbb\xbf"
    with pytest.raises(UnicodeDecodeError):
        Path(written[0] / "出院病人明细_2024.csv").read_bytes().decode("utf-8")


def test_five_departments_and_radiology_has_no_beds(tables, workload):
    master = tables["departments"].set_index("code")
    assert list(master.index) == ["CARD", "RESP", "GSUR", "ORTH", "RAD"]
    assert master.loc["RAD", "kind"] == "medtech" and np.isnan(master.loc["RAD", "beds_authorised"])
    radiology = workload[workload["dept"] == "RAD"]
    ward_columns = ["open_beds", "census", "admissions", "discharges", "surgeries"]
    assert radiology[ward_columns].isna().all().all()
    assert (radiology["exams"] > 0).all()


# --- workload and episodes agree ------------------------------------------------------------


def test_workload_has_every_department_every_day(workload):
    days = pd.date_range("2024-01-01", "2026-10-31").date
    assert workload["month"].nunique() == 34 >= 24
    for dept, part in workload.groupby("dept"):
        assert list(part["date"]) == list(days), dept


def test_ward_flow_identity_holds_every_day(workload):
    wards = workload.dropna(subset=["census"])
    assert set(wards["dept"]) == {"CARD", "RESP", "GSUR", "ORTH"}
    for dept, ward in wards.groupby("dept"):
        flow = (
            ward["admissions"] + ward["transfers_in"] - ward["discharges"] - ward["transfers_out"]
        )
        np.testing.assert_array_equal(ward["census"].diff()[1:], flow[1:], err_msg=dept)


def test_general_surgery_opens_fifty_beds_in_july_2025(workload):
    beds = workload[workload["dept"] == "GSUR"].set_index("date")["open_beds"]
    assert beds[dt.date(2025, 6, 30)] == 45 and beds[dt.date(2025, 7, 1)] == 50


def test_discharges_match_the_daily_counts(workload, episodes):
    counted = workload.groupby(["dept", "month"])["discharges"].sum()
    listed = episodes.groupby(["dept", "month"]).size()
    pd.testing.assert_series_equal(
        counted.dropna().astype(int), listed.reindex(counted.dropna().index, fill_value=0),
        check_names=False,
    )  # fmt: skip


def test_surgeries_match_the_operated_episodes(workload, episodes):
    """Equal month by month, except in the last two: patients operated then are still in."""
    operated = episodes.dropna(subset=["surgery_date"])
    listed = operated.groupby(["dept", operated["surgery_date"].map(lambda d: f"{d:%Y-%m}")]).size()
    counted = workload.dropna(subset=["surgeries"]).groupby(["dept", "month"])["surgeries"].sum()
    listed = listed.reindex(counted.index, fill_value=0)
    complete = counted.index.get_level_values("month") <= "2026-08"
    assert (counted[complete] == listed[complete]).all()
    assert (counted[~complete] >= listed[~complete]).all()
    assert (episodes.dropna(subset=["surgery_date"]).eval("surgery_date <= discharge_date")).all()


def test_hospital_hits_the_reference_figures(workload, episodes):
    occupancy = workload["census"].sum() / workload["open_beds"].sum()
    alos = np.maximum(episodes["los"], 1).mean()
    operated = episodes.dropna(subset=["surgery_date"])
    preop = np.mean(
        [
            (s - a).days
            for a, s in zip(operated["admit_date"], operated["surgery_date"], strict=True)
        ]
    )
    assert 0.83 <= occupancy <= 0.87
    assert 8.2 <= alos <= 8.8
    assert 2.2 <= preop <= 2.6
    assert len(episodes) > 15_000


def test_orthopaedic_occupancy_rises_through_2026(workload):
    ortho = workload[workload["dept"] == "ORTH"]
    by_month = ortho.groupby("month").apply(lambda m: m.census.sum() / m.open_beds.sum())
    assert by_month["2026-10"] - by_month["2025-10"] >= 0.03
    assert by_month["2026-08":"2026-10"].mean() - by_month["2026-01":"2026-03"].mean() >= 0.02


def test_episodes_are_de_identified_and_coherent(episodes):
    assert episodes["episode_id"].is_unique
    assert episodes["episode_id"].str.fullmatch(r"E[0-9a-f]{10}").all()
    assert (episodes["drug_cost"] <= episodes["total_cost"]).all()
    assert (episodes["consumables_cost"] <= episodes["total_cost"]).all()
    assert 0.005 <= (episodes["outcome"] == "died").mean() <= 0.015


# --- money, stock, service ------------------------------------------------------------------


def test_finance_has_one_row_per_department_and_month(tables):
    finance = tables["finance"]
    assert not finance.duplicated(["dept", "month"]).any()
    held = finance.filter(regex="^(op|ip)_").notna().any(axis=1)
    assert held.sum() == 5 * 34
    # the rest of 2026's budget, entered in January: November and December hold budget lines only
    ahead = finance[~held]
    assert sorted({str(m)[:7] for m in ahead["month"]}) == ["2026-11", "2026-12"]
    assert len(ahead) == 5 * 2
    assert ahead["revenue_budget"].notna().all() and ahead["expense_budget"].notna().all()
    assert ahead.filter(like="_expense").isna().all().all()


def test_inpatient_revenue_is_the_episodes_costs_to_the_cent(tables, episodes):
    finance = tables["finance"]
    finance = finance[finance.filter(regex="^(op|ip)_").notna().any(axis=1)]
    finance = finance.set_index(["dept", "month"])
    inpatient = [c for c in finance if c.startswith("ip_")]
    revenue = sum(_cents(finance[c]) for c in inpatient)
    costs = _cents(episodes["total_cost"]).groupby([episodes["dept"], episodes["month"]]).sum()
    costs = costs.reindex(revenue.index, fill_value=0)
    assert (revenue == costs).all()
    assert (revenue.loc["RAD"] == 0).all()
    drugs = _cents(episodes["drug_cost"]).groupby([episodes["dept"], episodes["month"]]).sum()
    assert (_cents(finance["ip_drug_revenue"]).reindex(drugs.index) == drugs).all()


def test_expenses_are_most_of_the_revenue(tables):
    finance = tables["finance"]
    finance = finance[finance.filter(regex="^(op|ip)_").notna().any(axis=1)]
    revenue = finance.filter(regex="^(op|ip)_").sum(axis=1)
    expense = finance.filter(like="_expense").sum(axis=1)
    assert (expense / revenue).between(0.84, 0.96).all()


def test_supplies_stock_balances_and_carries_over(tables):
    supplies = tables["supplies"].sort_values(["dept", "item_code", "month"])
    balance = supplies["opening_qty"] + supplies["received_qty"] - supplies["issued_qty"]
    assert (balance == supplies["closing_qty"]).all()
    for _, item in supplies.groupby(["dept", "item_code"]):
        assert len(item) == 34
        assert (item["opening_qty"].to_numpy()[1:] == item["closing_qty"].to_numpy()[:-1]).all()
    assert 0 < (supplies["closing_qty"] < supplies["reorder_level"]).sum() < 20


def test_equipment_usage_fits_the_register(tables):
    usage, register = tables["equipment_usage"], tables["equipment"]
    assert set(usage["asset_code"]) <= set(register["asset_code"])
    assert (usage["hours_used"] <= usage["hours_available"]).all()
    assert not usage.duplicated(["asset_code", "month"]).any()


def test_appointments_within_visits(tables, workload):
    appointments = tables["appointments"].set_index(["dept", "month"])
    visits = workload.groupby(["dept", "month"])["outpatient_visits"].sum()
    assert len(appointments) == 5 * 34
    assert (appointments["attended"] <= appointments["booked"]).all()
    assert (appointments["attended"] <= visits.reindex(appointments.index)).all()


def test_feedback_satisfaction_is_plausible(tables):
    feedback = tables["patient_feedback"]
    assert (feedback["satisfied"] <= feedback["surveys"]).all()
    assert 0.90 <= feedback["satisfied"].sum() / feedback["surveys"].sum() <= 0.96


def test_the_complaints_register_lists_the_feedback_ledgers_complaints(tables):
    """Issue 19: the register's complaints per department and month are the feedback ledger's."""
    register = tables["complaints"]
    counted = register.groupby(
        [register["dept"], register["date"].map(lambda d: f"{d:%Y-%m}")]
    ).size()
    feedback = tables["patient_feedback"]
    expected = feedback.set_index(["dept", "month"])["complaints"]  # months as '2026-10'

    assert counted.reindex(expected.index, fill_value=0).tolist() == expected.tolist()
    # most are closed within 15 days, the newest may still be open
    days = [
        None if closed is None else (closed - opened).days
        for opened, closed in zip(register["date"], register["closed_date"], strict=True)
    ]
    within = [d is not None and d <= 15 for d in days]
    assert 0.75 < sum(within) / len(within) < 1


def test_training_is_dated_and_measures_reach_every_department(tables):
    training = tables["training"]
    assert (training["hours"] > 0).all()
    # the hours fall in the month they happen: every month of the demo has some
    months = training["date"].map(lambda d: f"{d:%Y-%m}").nunique()  # months as '2026-10'

    assert months == tables["patient_feedback"]["month"].nunique()
    actions = tables["actions"]
    assert set(actions["dept"]) == set(tables["departments"]["code"])
    assert set(actions["status"]) <= {"planned", "in_progress", "done", "dropped"}


def test_same_seed_gives_the_same_hospital(written, demo_inbox):
    """This module's demo and the one the report tests share (tests/conftest.py), written
    apart: the same files, byte for byte but for a workbook's times of writing."""
    out, paths = written
    assert sorted(p.name for p in demo_inbox.iterdir()) == [p.name for p in paths]
    for path in paths:
        again = demo_inbox / path.name
        if path.suffix != ".xlsx":
            assert path.read_bytes() == again.read_bytes(), path.name
            continue
        with zipfile.ZipFile(path) as first, zipfile.ZipFile(again) as second:
            assert first.namelist() == second.namelist(), path.name
            for member in first.namelist():
                if member != "docProps/core.xml":  # created and modified: when it was written
                    assert first.read(member) == second.read(member), (path.name, member)


def test_insurance_and_drg_weights_are_coherent(tables, episodes):
    weights = tables["drg_weights"]
    assert (weights["weight"] > 0).all() and weights["low_risk"].sum() == 4
    assert weights["year"].notna().sum() == 1  # FM19's weight revised for 2026
    grouped = episodes["drg"].isin(set(weights["drg"]))
    assert 0 < (~grouped).sum() < 0.1 * len(episodes)  # GD19 is not in the catalogue: 未入组
    basic = episodes["payer"].isin(["城镇职工医保", "城乡居民医保"])
    assert episodes.loc[basic, "insurance_paid"].notna().all()
    assert episodes.loc[~basic, "insurance_paid"].isna().all()
    insured = episodes[basic]
    assert (insured["insurance_paid"] <= insured["total_cost"]).all()
    # the payment standard: basic-insurance episodes of a group in the catalogue
    assert episodes["drg_payment"].notna().eq(basic & grouped).all()
