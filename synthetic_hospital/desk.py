"""What the department assistants write themselves: commentary, improvement measures, targets."""

from __future__ import annotations

from datetime import date

import pandas as pd

from synthetic_hospital.timeline import Calendar, year_and_number


def assistants_commentary(calendar: Calendar) -> pd.DataFrame:
    """What the assistants wrote about the story lines, for the months the demo covers."""
    last = calendar.months[-1]
    januaries = (m for m in calendar.months if year_and_number("month", m)[1] == 1)
    winter = max(januaries, default=calendar.months[0])
    # Topics by indicator id or Chinese name (the loader keeps the id) or a free topic.
    rows = [
        (winter, "RESP", "bed_occupancy", "external",
         "冬季呼吸道感染高发，门急诊和住院人数明显增加，病房多日加床；已与老年科协调借床。", None),
        ("2025-04", "RAD", "large_equipment_daily_uses", "internal",
         "新购3.0T磁共振4月18日投入使用，磁共振预约等待时间由5天缩短至2天。", None),
        ("2025-07", "GSUR", "avg_open_beds", "internal",
         "7月起普外科病区扩展，实际开放床位由45张增至50张，新增护士3名、主治医师1名。", None),
        (last, "ORTH", "病床使用率", "internal",
         "骨科病床使用率较去年同期上升约5个百分点：关节置换择期手术增多，排期已满，部分病人等床。"
         "拟缩短术前等待并推进日间手术。", "术前等待控制在3天以内，开设日间手术床位4张。"),
        (last, "GSUR", "alos", "internal",
         "平均住院日高于科室目标（8天），主要为高龄、合并症病人术后恢复时间长；已推行加速康复外科路径。",
         "加速康复外科路径覆盖全部择期手术病人，每周复盘超长住院病例。"),
        (last, "CARD", "surgeries", "internal", "胸痛中心运行平稳，急诊PCI手术量与去年同期基本持平。",
         None),
        (last, "RAD", "医保DRG付费", "", "DRG付费全面实施后，检查项目需严格按临床路径开立，关注检查阳性率。",
         None),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["month", "dept", "topic", "factor", "text", "plan"])
    return frame[frame["month"].isin(calendar.months)]


# The improvement measures the weekly meetings agreed, at least one per department: (dept,
# problem, measure, metric, owner, start, due, status, done). Their effects: cardiology's
# follow-up calls and respiratory medicine's timed appointments (SATISFACTION_LIFT, WAIT_FACTOR),
# general surgery's 5 new beds (WARDS); orthopaedics' and surgery's newest are too recent to judge
# (数据不足), radiology's booking system is overdue.
ACTIONS = (
    ("CARD", "出院患者满意度偏低", "出院患者电话随访，每周反馈满意度回访结果", "satisfaction_rate",
     "护士长", "2026-01-05", "2026-03-31", "done", "2026-03-25", 95),
    ("CARD", "胸痛中心数据填报不及时", "规范胸痛中心数据填报，专人每日核对", None,
     "质控护士", "2026-10-08", "2026-10-30", "done", "2026-10-28", None),
    ("RESP", "门诊候诊时间长", "分时段预约，增开呼吸专病门诊", "门诊平均候诊时间",
     "门诊部主任", "2025-11-03", "2025-12-31", "done", "2025-12-20", 18),
    ("RESP", "冬季床位紧张", "冬季高峰期与老年科协调借床", "bed_occupancy",
     "科主任", "2026-10-12", "2026-11-30", "in_progress", None, "90%"),
    ("GSUR", "床位不足，择期手术等待长", "病区扩展，增加开放床位5张", "avg_open_beds",
     "科主任", "2025-07-01", "2025-07-31", "done", "2025-07-01", 50),
    ("GSUR", "平均住院日高于目标", "加速康复外科路径覆盖全部择期手术", "平均住院日",
     "科主任", "2026-09-01", "2026-12-31", "in_progress", None, 8),
    ("ORTH", "术前等待时间长", "缩短术前等待，开设日间手术床位4张", "preop_days",
     "护士长", "2026-10-08", "2026-11-30", "in_progress", None, 3),
    ("RAD", "检查预约等待长", "3.0T磁共振投入使用，延长检查开放时间", "exams",
     "科主任", "2025-04-18", "2025-06-30", "done", "2025-06-30", None),
    ("RAD", "预约信息不通畅", "检查预约系统上线，短信提醒", None,
     "信息科", "2026-08-01", "2026-09-30", "in_progress", None, None),
)  # fmt: skip
ACTION_COLUMNS = ["dept", "problem", "measure", "metric", "owner", "start_date", "due_date",
                  "status", "done_date", "target"]  # fmt: skip
STATUS_ZH = {"planned": "计划", "in_progress": "进行中", "done": "已完成", "dropped": "取消"}


def improvement_actions(calendar: Calendar) -> pd.DataFrame:
    """The measures started within the months the demo covers; none is done after its end."""
    frame = pd.DataFrame(ACTIONS, columns=ACTION_COLUMNS)
    for column in ("start_date", "due_date", "done_date"):
        frame[column] = frame[column].map(
            lambda d: date.fromisoformat(d) if isinstance(d, str) else None
        )
    return frame[frame["start_date"].between(calendar.first_day, calendar.last_day)].reset_index(
        drop=True
    )


# The training material's ideal occupancy is 80–90%; columns dept, metric, low, high (year blank).
TARGETS = (
    ("*", "bed_occupancy", 0.80, 0.90),
    ("GSUR", "alos", None, 8),
    ("ORTH", "preop_days", None, 3),
    ("*", "satisfaction_rate", 0.92, None),
    ("RAD", "large_equipment_daily_uses", 60, None),
)
