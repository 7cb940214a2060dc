"""The assistant's desk ledgers (issue 19) through the real loader: improvement measures
(actions), dated training and the complaints register, as assistants keep them in Excel, with
the rows that must be refused kept with their reason and the rest loaded."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ledgers.loader import load_inbox
from tests.ledger_files import write_csv, write_xlsx

D = dt.date


def departments(inbox):
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "kind"],
            ["CARD", "心内科", "medical"],
            ["GSUR", "普外科", "surgical"],
        ],
    )


def rejected(con, ledger):
    return con.execute(
        """select "row", "column", reason from rejected_rows where ledger = ? order by "row" """,
        [ledger],
    ).fetchall()


def test_actions_by_indicator_id_or_name_and_status_in_either_language(tmp_path):
    inbox = tmp_path / "inbox"
    departments(inbox)
    write_xlsx(
        inbox / "10月改进措施.xlsx",
        {
            "措施": [
                ["心内科2026年改进措施台账"],
                ["科室", "问题", "改进措施", "指标", "责任人", "开始日期", "完成时限", "状态",
                 "完成日期", "目标值"],
                ["心内科", "床位紧张", "日间病房", "病床使用率", "护士长", "2026-03-01",
                 "2026-06-30", "已完成", "2026-06-20", "85%"],
                ["CARD", "候诊久", "分时段预约", "outpatient_wait_minutes", "门诊主任",
                 "2026-04-01", "2026-09-30", "in_progress", None, 25],
                ["普外科", "科室例会", "周例会制度", None, "科主任", "2026-05-01", None, "计划",
                 None, None],  # no indicator: nothing to evaluate, still a measure
                ["GSUR", "耗材", "耗材二级库", "耗材比", "采购员", "2026-05-01", None, "进行中",
                 None, None],  # 耗材比 names no indicator: refused with the closest names
                ["GSUR", "费用", "临床路径", "cmi", "医务科", "2026-06-01", "2026-05-01", "进行中",
                 None, None],  # due before it starts
                ["GSUR", "满意度", "出院随访", "患者满意度", "护士长", "2026-06-01", None,
                 "暂停", None, None],  # not a status
            ]
        },
    )  # fmt: skip
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_inbox(con, inbox)
    assert report.rows_by_kind["actions"] == 3
    rows = con.execute(
        "select dept, measure, metric, owner, start_date, due_date, status, done_date, target "
        "from raw_actions order by start_date"
    ).fetchall()
    assert rows == [
        ("CARD", "日间病房", "bed_occupancy", "护士长", D(2026, 3, 1), D(2026, 6, 30), "done",
         D(2026, 6, 20), 85.0),
        ("CARD", "分时段预约", "outpatient_wait_minutes", "门诊主任", D(2026, 4, 1),
         D(2026, 9, 30), "in_progress", None, 25.0),
        ("GSUR", "周例会制度", None, "科主任", D(2026, 5, 1), None, "planned", None, None),
    ]  # fmt: skip
    reasons = rejected(con, "actions")
    assert [(row, column) for row, column, _ in reasons] == [
        (6, "metric"),
        (7, "完成时限"),
        (8, "状态"),
    ]  # fmt: skip (as the header says)
    assert "耗材比" in reasons[0][2] and "consumables_ratio" in reasons[0][2]
    con.close()


def test_training_dates_the_hours(tmp_path):
    inbox = tmp_path / "inbox"
    departments(inbox)
    write_csv(
        inbox / "培训进修台账.csv",
        [["科室", "工号", "培训日期", "学时", "类型"],
         ["心内科", "D001", "2026-03-10", 8, "继续教育"],
         ["心内科", "D001", "2026-05-02", 120, "进修"],
         ["CARD", None, "2026-05-20", 2, "course"],  # a department's session, no staff code
         ["CARD", "N004", "2026-05-21", 0, "培训"]],  # no hours: refused
    )  # fmt: skip
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_inbox(con, inbox)
    assert report.rows_by_kind["training"] == 3
    assert con.execute("select sum(hours), count(*) filter (where kind = 'cme') "
                       "from raw_training").fetchone() == (130, 1)  # fmt: skip
    assert [(r, c) for r, c, _ in rejected(con, "training")] == [(5, "学时")]
    from pipelines.runner import RunSummary, format_summary, ignored_columns

    assert ignored_columns(con) == []  # no roster hours to ignore
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "start_date", "training_hours"],
         ["CARD", "D001", "doctor", "2020-01-01", 40]],
    )  # fmt: skip
    load_inbox(con, inbox)
    (line,) = ignored_columns(con)
    assert line.startswith("人力资源台账的培训学时一列未使用")
    assert f"  not used:       {line}" in format_summary(RunSummary(ignored=[line]))
    con.close()


def test_complaints_are_events_two_alike_are_two(tmp_path):
    inbox = tmp_path / "inbox"
    departments(inbox)
    header = ["投诉日期", "科室", "投诉类别", "渠道", "办结日期", "是否升级"]
    write_csv(
        inbox / "投诉登记.csv",
        [header,
         ["2026-05-03", "心内科", "等候时间", "现场", "2026-05-05", "否"],
         ["2026-05-03", "心内科", "等候时间", "现场", "2026-05-05", "否"],  # a second, alike
         ["2026-05-20", "GSUR", "attitude", "phone", None, None],  # still open
         ["2026-05-21", "GSUR", "费用", "网络", "2026-05-01", "否"],  # closed before it came
         ["2026-05-22", "GSUR", "口味", "网络", None, None]],  # not a category
    )  # fmt: skip
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_inbox(con, inbox)
    assert report.rows_by_kind["complaints"] == 3
    assert [(r, c) for r, c, _ in rejected(con, "complaints")] == [
        (5, "办结日期"), (6, "投诉类别")]  # fmt: skip
    # the same file read again replaces its rows: still three, nothing counted twice
    load_inbox(con, inbox)
    assert con.execute("select count(*) from raw_complaints").fetchone() == (3,)
    assert con.execute(
        "select category, channel, count(*) from raw_complaints group by all order by all"
    ).fetchall() == [("attitude", "phone", 1), ("waiting", "in_person", 2)]
    # the month's report shows them by category and channel: the hospital 2 + 1, GSUR its one
    from metrics.compute import compute_months
    from reports.content.report import period_content
    from reports.data.warehouse import HOSPITAL, Department, load_period

    write_csv(  # a month of the daily ledger, so that May is held
        inbox / "workload.csv",
        [["date", "dept", "outpatient_visits"]]
        + [[f"2026-05-{d:02d}", "CARD", 10] for d in range(1, 32)],
    )
    load_inbox(con, inbox)
    compute_months(con, ["2026-05"])
    data = load_period(con, "month", "2026-05")
    hospital = period_content(data, Department(HOSPITAL, "全院", None), "zh")
    assert hospital.complaints == [
        ("投诉类别", [("等候时间", 2), ("服务态度", 1)]),
        ("渠道", [("现场", 2), ("电话", 1)]),
    ]
    gsur = next(d for d in data.departments if d.code == "GSUR")
    assert period_content(data, gsur, "en").complaints == [
        ("Category", [("attitude", 1)]), ("Channel", [("phone", 1)])]  # fmt: skip
    con.close()


def test_the_register_counts_complaints_where_the_feedback_ledger_has_no_row(tmp_path):
    """LEDGERS.md, complaints: a department-month's count stays the feedback ledger's where it
    gives one; where it has no row, the register's count of the month (0 if it lists none)."""
    from metrics.compute import compute_months

    inbox = tmp_path / "inbox"
    departments(inbox)
    write_csv(
        inbox / "workload.csv",
        [["date", "dept", "outpatient_visits"]]
        + [[f"2026-10-{d:02d}", dept, 100] for d in range(1, 32) for dept in ("CARD", "GSUR")],
    )
    write_csv(
        inbox / "patient_feedback.csv",
        [["month", "dept", "surveys", "satisfied", "complaints"], ["2026-10", "CARD", 50, 45, 4]],
    )
    write_csv(
        inbox / "complaints.csv",
        [["date", "dept", "category"],
         ["2026-10-02", "CARD", "waiting"], ["2026-10-03", "CARD", "cost"],
         ["2026-10-09", "GSUR", "attitude"]],
    )  # fmt: skip
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_inbox(con, inbox)
    compute_months(con, ["2026-10"])
    values = dict(
        con.execute(
            "select dept, value from metric_values where grain = 'month' and period = '2026-10' "
            "and metric = 'complaints'"
        ).fetchall()
    )
    # CARD: the feedback ledger's 4 (the register lists 2: complaints_vs_feedback says so);
    # GSUR: no feedback row, the register's 1; the hospital 4 + 1
    assert (values["CARD"], values["GSUR"], values["ALL"]) == (4, 1, 5)
    per_10k = con.execute(
        "select value from metric_values where grain = 'month' and period = '2026-10' "
        "and metric = 'complaints_per_10k' and dept = 'GSUR'"
    ).fetchone()[0]
    assert per_10k == pytest.approx(1 / 3100 * 10000)  # 31 days × 100 visits, no beds
    con.close()


def test_roster_training_hours_count_in_the_month_a_posting_starts(tmp_path):
    """Without a training ledger the roster's training hours count in the month each posting
    starts (measures.sql): CARD's 40 h in January, none in February (0: its roster records
    hours), 6 + 4 = 10 h in March; GSUR's roster records no hours at all, so it has none (null),
    not 0."""
    from metrics.compute import compute_months
    from tests.ledger_files import days

    inbox = tmp_path / "inbox"
    departments(inbox)
    write_csv(
        inbox / "staffing.csv",
        [["dept", "staff_code", "role", "start_date", "training_hours"],
         ["CARD", "D001", "doctor", "2026-01-15", 40],
         ["CARD", "N002", "nurse", "2026-03-01", 6],
         ["CARD", "N003", "nurse", "2026-03-20", 4],
         ["GSUR", "S001", "doctor", "2026-01-01", None]],
    )  # fmt: skip
    # a daily workload row for each department and day makes January to March held months
    workload = [["日期", "科室", "实际开放床位", "期末在院人数", "入院人数", "出院人数"]]
    workload += [
        [day.isoformat(), dept, 10, 5, 1, 1]
        for day in days(D(2026, 1, 1), D(2026, 3, 31))
        for dept in ("CARD", "GSUR")
    ]
    write_csv(inbox / "业务量.csv", workload)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_inbox(con, inbox)
    compute_months(con, ["2026-01", "2026-02", "2026-03"])
    rows = con.execute(
        "select dept, month, training_hours from dept_month_measures order by dept, month"
    ).fetchall()
    assert rows == [
        ("CARD", D(2026, 1, 1), 40),
        ("CARD", D(2026, 2, 1), 0),
        ("CARD", D(2026, 3, 1), 10),
        ("GSUR", D(2026, 1, 1), None),
        ("GSUR", D(2026, 2, 1), None),
        ("GSUR", D(2026, 3, 1), None),
    ]
    con.close()
