"""数据质量报告 (reports.content.quality, reports.render.quality): every finding in words, grouped
by ledger and file, for the assistant; one line for the head. Findings are made by hand here, as
the expectations stage writes them (dq_findings rows); the files are written and read back."""

from __future__ import annotations

import openpyxl

from reports.content.quality import quality_report, status_line
from reports.data.publication import Block
from reports.data.warehouse import HOSPITAL, Department, Finding
from reports.render.quality import quality_files, write_quality_report

MONTH = "2026-10"
CARD = Department("CARD", "心内科", "Cardiology", "medical", "王")
HOSP = Department(HOSPITAL, "全院", "Whole hospital")
NAMES = {"CARD": "心内科", "ORTH": "骨科"}


def finding(check, severity, ledger=None, file=None, row=None, message="", dept="CARD"):
    return Finding(check, severity, dept, MONTH, ledger, file, "Sheet1", row, message, None)


FINDINGS = [
    # two in the workload file (a warning at row 3, an error at row 7: the error first)
    finding(
        "extra_beds", "warning", "workload", "业务量.xlsx", 3, "10月3日在院42人，开放40床。请核实。"
    ),
    finding(
        "gx_not_null", "error", "workload", "业务量.xlsx", 7, "业务量台账的“日期”为空。请补填。"
    ),
    # one in the finance file, and a reconciliation across ledgers (no file)
    finding("gx_range", "error", "finance", "经济.csv", 2, "<b>药品收入</b>为 -5。请更正。"),
    finding("ward_flow_identity", "warning", None, None, None, "病房日报不平衡，请核对。"),
    # not the assistant's ledgers' business: an anomaly alarm (问题与原因) and a note
    finding("anomaly_mad_zscore", "warning", "workload", None, None, "门诊人次异常"),
    finding("anomaly_mad_zscore", "info", "workload", None, None, "向好"),
]


def test_findings_are_grouped_by_ledger_and_file_in_words():
    report = quality_report(CARD, "month", MONTH, "zh", FINDINGS, True, [], NAMES)
    groups = [(g.ledger, g.file, [line.where for line in g.lines]) for g in report.groups]
    # ledger kinds in order (finance, workload), the cross-ledger check last; errors first
    assert groups == [
        ("经济运行台账", "经济.csv", ["Sheet1 · 行 2"]),
        ("业务量台账", "业务量.xlsx", ["Sheet1 · 行 7", "Sheet1 · 行 3"]),
        ("跨台账核对", None, ["Sheet1"]),
    ]
    titles = [line.title for g in report.groups for line in g.lines]
    assert titles == [
        "数值超出允许范围",
        "必填项为空",
        "在院人数超过开放床位（加床）",
        "病房日报不平衡",
    ]
    # the alarm and the note are about figures: not here; 2 errors and 2 warnings are
    assert (report.errors, report.warnings) == (2, 2)
    text = repr(report)
    assert "gx_" not in text and "extra_beds" not in text and "门诊人次异常" not in text


def test_the_heads_line():
    def line(findings, checked=True, blocks=(), missing=0):
        report = quality_report(CARD, "month", MONTH, "zh", findings, checked, list(blocks), NAMES)
        return status_line(report, missing)

    assert line([]) == "台账完整，未发现问题。"
    assert line([FINDINGS[0]]) == "台账完整，1项待核实，不影响结论。"
    block = Block("CARD", MONTH, "gx_not_null", "日期为空", None, frozenset({"workload"}))
    assert line(FINDINGS[:3], blocks=[block]) == "台账完整，2项台账错误，相关数字暂不发布。"
    missing = finding("finance_missing", "warning", "finance", None, None, "缺少经济运行台账")
    assert line([missing]) == "台账不完整，1项待核实，不影响结论。"
    assert line([], missing=1).startswith("台账不完整")
    assert line([], checked=False) == "数据质量检查结果尚未生成"
    english = quality_report(CARD, "month", MONTH, "en", [FINDINGS[0]], True, [], NAMES)
    assert status_line(english) == "Ledgers complete, 1 to check, the conclusions stand."


def test_the_report_is_written_and_reads_back(tmp_path):
    """The hospital's report lists each department's findings with the department's name; the
    page escapes ledger text; the workbook has one row per finding with what to do."""
    findings = [
        *FINDINGS,
        finding("gx_range", "error", "finance", "经济.csv", 9, "骨科收入为负。", "ORTH"),
    ]
    block = Block("CARD", MONTH, "gx_not_null", "日期为空", None, frozenset({"workload"}))
    report = quality_report(HOSP, "month", MONTH, "zh", findings, True, [block], NAMES)
    page, workbook = write_quality_report(report, tmp_path, "ALL")
    assert [page, workbook] == quality_files(tmp_path, "ALL", "zh")
    assert page.name == "ALL.quality.html" and workbook.name == "ALL.quality.xlsx"
    html = page.read_text(encoding="utf-8")
    assert "&lt;b&gt;药品收入&lt;/b&gt;" in html and "<b>药品收入" not in html
    assert "骨科" in html and "心内科" in html  # the department column of the hospital's report
    assert "必填项为空: 日期为空" in html  # what is withheld, in words
    assert "gx_not_null" not in html and "extra_beds" not in html
    assert "错误 3 项，待核实 2 项。" in html
    sheet = openpyxl.load_workbook(workbook).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3) if row[0].value]
    assert len(rows) == 5  # 3 errors + 2 warnings, the alarm and the note left out
    assert (
        rows[0][:2] == ["经济运行台账", "经济.csv"]
        and rows[0][-1] == "<b>药品收入</b>为 -5。请更正。"
    )
    assert {r[4] for r in rows} >= {"心内科", "骨科"}
