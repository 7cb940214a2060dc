"""The case-mix ledger through the real stack: a DRG weights workbook as a DRG office keeps it
(title row, Chinese headers, 是/否, a year column), discharges carrying codes, and the 未入组 note."""

from __future__ import annotations

import datetime as dt

import duckdb

from expectations.findings import run_ledger_checks
from ledgers.loader import load_inbox
from metrics.compute import compute_months
from tests.ledger_files import write_csv, write_xlsx

TODAY = dt.date(2026, 11, 20)


def write_inbox(inbox, with_weights=True):
    write_csv(
        inbox / "departments.csv",
        [["code", "name_zh", "kind"], ["GSUR", "普外科", "surgical"]],
    )
    write_csv(
        inbox / "discharges.csv",
        [["病例编号", "出院科室", "入院日期", "出院日期", "总费用", "医保类型", "病组编码",
          "医保统筹支付", "DRG支付标准"],
         ["e1", "GSUR", "2026-10-01", "2026-10-06", 12000, "城镇职工医保", "GB11", 8400, 13000],
         ["e2", "GSUR", "2026-10-02", "2026-10-12", 30000, "城乡居民医保", "GB11", 18000, 13000],
         ["e3", "GSUR", "2026-10-03", "2026-10-05", 4000, "自费", "XX99", None, None],
         ["e4", "GSUR", "2026-10-04", "2026-10-09", 9000, "城镇职工医保", "HC29", 6300, 9500]],
    )  # fmt: skip
    if with_weights:
        write_xlsx(
            inbox / "DRG病组权重.xlsx",
            {
                "病组目录": [
                    ["DRG病组目录与权重（医保局发布）"],
                    ["DRG组", "病组名称", "权重", "标杆住院日", "标杆费用", "低风险组", "年度"],
                    ["GB11", "胃肠手术", 2.0, 8, 18000, "否", None],
                    ["GB11", "胃肠手术", 2.5, 8, 20000, "否", 2026],  # 2026's own row
                    ["HC29", "胆囊切除", 1.2, 5, 10000, "是", None],
                ]
            },
        )


def values(tmp_path, with_weights=True):
    inbox = tmp_path / "inbox"
    write_inbox(inbox, with_weights)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    report = load_inbox(con, inbox)
    assert report.rows_rejected == 0, report.rejected_by_reason
    compute_months(con, ["2026-10"])
    rows = con.execute(
        "select metric, value, numerator, denominator, reason from metric_values "
        "where grain = 'month' and period = '2026-10' and dept = 'GSUR'"
    ).fetchall()
    return con, {metric: rest for metric, *rest in rows}


def test_weights_workbook_and_case_mix_by_hand(tmp_path):
    con, v = values(tmp_path)
    weights = con.execute("select drg, weight, low_risk, year from raw_drg_weights order by all")
    assert weights.fetchall() == [
        ("GB11", 2.0, False, None), ("GB11", 2.5, False, 2026), ("HC29", 1.2, True, None)]  # fmt: skip
    # grouped: e1, e2 (GB11, 2026's row: 2.5), e4 (HC29: 1.2); e3's XX99 is not in the catalogue
    assert v["drg_cases"][0] == 3
    assert tuple(v["cmi"][:3]) == (
        (2.5 + 2.5 + 1.2) / 3, 2.5 + 2.5 + 1.2, 3)  # fmt: skip
    # cost index: 12000/20000 + 30000/20000 + 9000/10000 = 0.6 + 1.5 + 0.9 over 3
    assert abs(v["cost_index"][0] - 3.0 / 3) < 1e-12
    # margin: (13000 − 12000) + (13000 − 30000) + (9500 − 9000) = −15,500; e2 overspends, e1, e4 not
    assert v["drg_margin"][0] == -15500
    assert v["drg_overspend_share"][0] == 1 / 3
    # insured: 3 of 4 (e3 自费); fund share (8400 + 18000 + 6300) / (12000 + 30000 + 9000)
    assert v["insured_share"][0] == 3 / 4
    assert abs(v["insurance_fund_share"][0] - 32700 / 51000) < 1e-12
    # low-risk mortality: HC29's e4 survived, 0 of 1
    assert v["low_risk_mortality"][0] == 0
    findings = [f for f in run_ledger_checks(con, ["2026-10"], today=TODAY)
                if f.check == "drg_ungrouped"]  # fmt: skip
    assert len(findings) == 1
    assert findings[0].message_zh.startswith("本月 1 例出院病例的病组编码不在DRG/DIP病组目录中")
    assert "XX99" in findings[0].message_zh and "e3" not in findings[0].message_zh
    con.close()


def test_without_a_weights_ledger_the_case_mix_says_why(tmp_path):
    con, v = values(tmp_path, with_weights=False)
    for metric in ("drg_cases", "cmi", "cost_index", "time_index", "low_risk_mortality"):
        assert v[metric][0] is None and v[metric][3] == "no_drg_weights", metric
    # the insurance indicators need no catalogue
    assert v["insured_share"][0] == 3 / 4
    assert not [f for f in run_ledger_checks(con, ["2026-10"], today=TODAY)
                if f.check == "drg_ungrouped"]  # fmt: skip
    con.close()


def test_every_indicator_unit_has_its_words():
    """A unit without a label showed as "cases" in a Chinese report."""
    from metrics import catalogue
    from reports import labels

    units = labels._load()["units"]
    assert {i.unit for i in catalogue.indicators().values()} <= set(units)


def test_a_months_drg_codes_are_stored_in_one_order(tmp_path):
    """dept_month_measures keeps a department-month's distinct DRG codes as a list (counted afresh
    per period). DuckDB's distinct hands them on in no set order, so the stored list differed from
    run to run; sorted, the warehouse is the same on every run. 30 codes discharged in reverse
    order, so that neither the file's order nor chance gives the sorted list."""
    inbox = tmp_path / "inbox"
    codes = [f"Z{n:02d}" for n in range(30)]
    write_csv(
        inbox / "departments.csv", [["code", "name_zh", "kind"], ["GSUR", "普外科", "surgical"]]
    )
    write_csv(
        inbox / "discharges.csv",
        [["病例编号", "出院科室", "入院日期", "出院日期", "总费用", "病组编码"]]
        + [[f"e{n}", "GSUR", "2026-10-01", "2026-10-06", 1000, code]
           for n, code in enumerate(reversed(codes))],
    )  # fmt: skip
    write_xlsx(
        inbox / "DRG病组权重.xlsx",
        {"病组目录": [["DRG组", "病组名称", "权重"]] + [[c, "病组", 1.0] for c in codes]},
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    assert load_inbox(con, inbox).rows_rejected == 0
    compute_months(con, ["2026-10"])
    (stored,) = con.execute(
        "select drg_codes from dept_month_measures where dept = 'GSUR' and month = '2026-10-01'"
    ).fetchone()
    assert stored == codes
    assert con.execute(
        "select value from metric_values where metric = 'drg_groups' and grain = 'month' "
        "and period = '2026-10' and dept = 'GSUR'"
    ).fetchall() == [(30,)]
    con.close()
