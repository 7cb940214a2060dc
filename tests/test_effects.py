"""The effect of an improvement measure (METRICS.md, 实施效果) by hand, through the real stack:
ledgers in tmp_path -> load_inbox -> compute_months -> compute_effects / actions.csv.

One department (CARD) surveys its patients monthly from January 2024 to December 2025 (the data
month). Satisfied of 100 surveyed, and complaints:
  2024: Jan–Jun 80, Jul 85, Aug–Dec 90;        complaints 4 every month
  2025: Jan–Jun 82, Jul 80, Aug 190 of 200 surveyed, Sep–Dec 97;  complaints Jan–Jun 6, Jul 5,
        Aug–Dec 3
"""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest

from ledgers.loader import load_inbox
from metrics.compute import compute_months, months_with_data
from metrics.effects import (
    CSV_COLUMNS,
    compute_effects,
    effect_sentence,
    months_after,
    write_actions_csv,
)
from tests.ledger_files import write_csv


def feedback_row(month: str) -> list:
    year, m = int(month[:4]), int(month[5:])
    if year == 2024:
        satisfied = 80 if m <= 6 else (85 if m == 7 else 90)
        return [month, "CARD", 100, satisfied, 4]
    if month == "2025-08":
        return [month, "CARD", 200, 190, 3]
    satisfied = 82 if m <= 6 else (80 if m == 7 else 97)
    return [month, "CARD", 100, satisfied, 6 if m <= 6 else (5 if m == 7 else 3)]


MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]


def write_card_feedback(inbox) -> None:
    """The department list (CARD alone) and its monthly patient feedback of MONTHS."""
    write_csv(
        inbox / "departments.csv", [["code", "name_zh", "kind"], ["CARD", "心内科", "medical"]]
    )
    write_csv(
        inbox / "patient_feedback.csv",
        [["month", "dept", "surveys", "satisfied", "complaints"], *map(feedback_row, MONTHS)],
    )


@pytest.fixture(scope="module")
def effects(tmp_path_factory):
    root = tmp_path_factory.mktemp("effects")
    inbox = root / "inbox"
    write_card_feedback(inbox)
    # a CSV: text starting with = is a formula in a workbook, plain text here
    write_csv(
        inbox / "改进措施.csv",
        [
                ["科室", "措施", "指标", "责任人", "开始日期", "完成时限", "状态", "完成日期"],
                ["心内科", "出院随访", "患者满意度", "护士长", "2025-07-10", "2025-09-30", "已完成",
                 "2025-09-20"],
                ["CARD", "满意度回访", "satisfaction_rate", "护士长", "2024-09-05", None, "done",
                 "2024-10-10"],
                ["CARD", "投诉快速响应", "投诉件数", "客服", "2025-07-01", "2025-11-30", "进行中",
                 None],  # overdue at the end of December
                ["CARD", "候诊提醒", "satisfaction_rate", "门诊", "2025-10-01", "2026-01-15",
                 "进行中", None],  # due next month
                ["CARD", "=减少投诉", None, "+科主任", "2025-11-01", None, "计划", None],
        ],
    )  # fmt: skip
    # the roster: a doctor in post, a nurse who joins on 10 December 2025, a pharmacist who
    # leaves on 5 December 2025
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "title", "start_date", "end_date"],
         ["CARD", "D1", "doctor", "senior", "2020-01-01", None],
         ["CARD", "N1", "nurse", "intermediate", "2025-12-10", None],
         ["CARD", "P1", "pharmacist", "junior", "2019-01-01", "2025-12-05"]],
    )  # fmt: skip
    con = duckdb.connect(str(root / "w.duckdb"))
    report = load_inbox(con, inbox)
    assert report.rows_rejected == 0, report.rejected_by_reason
    compute_months(con, months_with_data(con))
    found = {e.measure: e for e in compute_effects(con)}
    path = root / "actions.csv"
    written = write_actions_csv(con, path)
    yield found, path, written, con
    con.close()


def test_with_a_year_ago_window(effects):
    e = effects[0]["出院随访"]
    # start July 2025: before = Jan–Jun 2025, after = Aug–Dec 2025 (5 months: the data ends in
    # December), the same windows of 2024 as the seasonal control; each a ratio of sums
    assert (e.months_before, e.months_after, e.seasonal) == (6, 5, True)
    assert e.before == pytest.approx(6 * 82 / 600)
    assert e.after == pytest.approx((190 + 4 * 97) / (200 + 400))  # 578/600, not the mean of rates
    assert e.before_ly == pytest.approx(480 / 600)
    assert e.after_ly == pytest.approx(450 / 500)
    # (after − before) − (after_ly − before_ly) = (0.96333 − 0.82) − (0.90 − 0.80) = +4.33 points
    assert e.effect == pytest.approx((578 / 600 - 492 / 600) - (450 / 500 - 480 / 600))
    assert e.verdict == "improved" and e.status == "done"
    assert effect_sentence(e) == (
        "实施后5个月患者满意度平均96.3%，实施前82.0%；扣除去年同期季节变化后 +4.3个百分点"
    )


def test_without_a_year_ago_window(effects):
    e = effects[0]["满意度回访"]
    # start September 2024: before = Mar–Aug 2024, after = Oct 2024 – Mar 2025; 2023 is not held
    assert (e.months_before, e.months_after, e.seasonal) == (6, 6, False)
    assert (e.before_ly, e.after_ly) == (None, None)
    assert e.before == pytest.approx((4 * 80 + 85 + 90) / 600)
    assert e.after == pytest.approx((3 * 90 + 3 * 82) / 600)
    assert e.effect == pytest.approx(516 / 600 - 495 / 600)  # after − before, said so
    assert effect_sentence(e).endswith("无去年同期数据，未扣除季节变化：+3.5个百分点")


def test_a_count_is_taken_per_month(effects):
    e = effects[0]["投诉快速响应"]
    # complaints per month: before 6 × 6 / 6 = 6, after 5 × 3 / 5 = 3; a year earlier 4 and 4
    assert (e.before, e.after, e.before_ly, e.after_ly) == (6, 3, 4, 4)
    assert e.effect == (3 - 6) - (4 - 4)
    assert e.verdict == "improved"  # fewer complaints is better
    assert (
        effect_sentence(e)
        == "实施后5个月投诉件数月均3.0件，实施前6.0件；扣除去年同期季节变化后 −3.0件"
    )


def test_too_few_months_after_is_insufficient_data(effects):
    e = effects[0]["候诊提醒"]
    # start October 2025: November and December only
    assert (e.months_after, e.effect, e.verdict) == (2, None, "insufficient_data")
    assert "数据不足" in effect_sentence(e)
    assert effects[0]["=减少投诉"].verdict == "not_evaluated"


def test_the_months_after_run_to_the_data_month_up_to_six():
    # started in July 2025, data through December: Aug, Sep, Oct, Nov, Dec = 5 (as 出院随访 above)
    assert months_after("2025-07", dt.date(2025, 12, 1)) == 5
    # started in March 2025: Apr … Dec would be 9, at most 6
    assert months_after("2025-03", dt.date(2025, 12, 1)) == 6
    # started in the data month, or after it, or without any data: none
    assert months_after("2025-12", dt.date(2025, 12, 1)) == 0
    assert months_after("2026-02", dt.date(2025, 12, 1)) == 0
    assert months_after("2025-07", None) == 0
    # across a year end: November 2025 to a data month of February 2026 is Dec, Jan, Feb = 3
    assert months_after("2025-11", dt.date(2026, 2, 1)) == 3


def test_actions_csv(effects):
    _, path, written, _ = effects
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on a Chinese Windows reads UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert written == len(rows) == 5
    assert list(rows[0]) == list(CSV_COLUMNS)
    first = rows[0]  # ordered by department, start date, measure
    assert (first["measure"], first["start_date"], first["verdict"]) == (
        "满意度回访", "2024-09-05", "improved")  # fmt: skip
    formula = next(r for r in rows if r["measure"].endswith("减少投诉"))
    # ledger text that Excel would run as a formula stays text
    assert (formula["measure"], formula["owner"]) == ("'=减少投诉", "'+科主任")
    assert formula["metric"] == "" and formula["effect"] == ""
    assert dt.date.fromisoformat(rows[1]["start_date"]) == dt.date(2025, 7, 1)


def test_reports_list_the_measures_and_the_staffing(effects):
    from reports.content.report import period_content
    from reports.content.weekly import weekly_brief
    from reports.data.warehouse import load_period

    con = effects[3]
    month = load_period(con, "month", "2025-12")
    card = next(d for d in month.departments if d.code == "CARD")
    content = period_content(month, card, "zh")
    # open at 31 December: the overdue one first, marked; then the one due next month
    assert [(m.text, m.overdue, m.status_text) for m in content.measures_open] == [
        ("投诉快速响应", True, "进行中"), ("候诊提醒", False, "进行中"), ("=减少投诉", False, "计划")]  # fmt: skip
    assert [m.text for m in content.measures_next] == ["候诊提醒"]  # due 15 January: 下月计划
    # the hospital's lists name the department (心内科), never by its code
    hospital = period_content(month, next(d for d in month.departments if d.is_hospital), "zh")
    assert [(m.dept, m.text) for m in hospital.measures_next] == [("心内科", "候诊提醒")]
    assert {m.dept for m in hospital.measures_open} == {"心内科"}
    year = period_content(load_period(con, "year", "2025"), card, "zh")
    effect = {m.text: m.effect for m in year.measures_year}
    assert effect["出院随访"].startswith("实施后5个月患者满意度平均96.3%")
    assert "满意度回访" not in effect  # started and completed in 2024: 2024's
    brief = weekly_brief(load_period(con, "week", "2025-W38"), card, "zh")
    assert [m.text for m in brief.done_last_week] == ["出院随访"]  # done on Saturday 20 Sep
    week = load_period(con, "week", "2025-W38")
    hospital_brief = weekly_brief(week, next(d for d in week.departments if d.is_hospital), "zh")
    assert [m.dept for m in hospital_brief.done_last_week] == ["心内科"]
    # the staffing detail at 31 December: the title structure, the month's movements
    staff = content.staffing
    assert staff.structure == [("医生", [("正高", 1.0)], 1.0), ("护士", [("中级", 1.0)], 1.0)]
    assert staff.hires == [("2025-12-10", "护士", "中级")]
    assert staff.leavers == [("2025-12-05", "药师", "初级")]


def test_no_data_before_the_start_says_so_not_too_few_months_after(effects):
    """A measure with 6 months after its start but nothing before it (the ledgers begin with it)
    is 数据不足 for want of the before window: the sentence must not claim too few months after."""
    import dataclasses

    e = dataclasses.replace(
        effects[0]["满意度回访"], before=None, months_before=0, effect=None,
        verdict="insufficient_data",
    )  # fmt: skip
    assert e.months_after >= 3
    assert effect_sentence(e) == "患者满意度：实施前无可用数据，数据不足"
    assert effect_sentence(e, "en").endswith("no usable data before the start: insufficient data")


def test_without_a_window_the_measures_and_columns_are_as_with_windows(effects, tmp_path):
    """No measure names an indicator: no window is evaluated (metrics.effects plans the formulas
    over nothing only for their columns), and measure_effects has the same columns and types as
    a warehouse whose measures have windows, its measures not evaluated."""
    inbox = tmp_path / "inbox"
    write_card_feedback(inbox)
    write_csv(
        inbox / "改进措施.csv",
        [["科室", "措施", "指标", "责任人", "开始日期", "完成时限", "状态", "完成日期"],
         ["CARD", "减少投诉", None, "科主任", "2025-11-01", None, "计划", None]],
    )  # fmt: skip
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_inbox(con, inbox)
        compute_months(con, months_with_data(con))
        rows = con.execute("select measure, verdict, before, after from measure_effects").fetchall()
        columns = con.execute("describe measure_effects").fetchall()
    assert rows == [("减少投诉", "not_evaluated", None, None)]
    with_windows = effects[3]
    assert columns == with_windows.execute("describe measure_effects").fetchall()
