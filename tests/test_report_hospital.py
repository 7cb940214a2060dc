"""The hospital's report (reports.content.hospital): departments' part in the hospital's change
and the departments' alerts rolled up, on figures made by hand."""

from __future__ import annotations

from reports.content.hospital import ContributionTable, fall_lines, rank_contributions
from tests.test_report_summary import row


def test_departments_are_ranked_by_their_change_and_the_rest_summed():
    # hospital +390 visits: A +360, B +10, C +10, D +10, E −0 → shares 360/390 = 92.3%, 10/390
    changes = {"A": 360.0, "B": 10.0, "C": 10.0, "D": 10.0, "E": 0.0}
    lines = rank_contributions(changes, 390.0, top=2, rest="其他科室")
    assert [(c.department, c.change) for c in lines] == [
        ("A", 360.0),
        ("B", 10.0),
        ("其他科室", 20.0),  # C + D + E = 10 + 10 + 0
    ]
    assert round(lines[0].share, 4) == 0.9231 and round(lines[2].share, 4) == 0.0513
    assert sum(c.change for c in lines) == 390.0  # the parts add up to the hospital's change
    # a hospital that did not move: no share to give
    assert rank_contributions({"A": 5.0, "B": -5.0}, 0.0)[0].share is None


def test_a_marked_fall_is_a_hospital_recommendation_with_the_departments_behind_it():
    # 住院收入 is in 医疗收入 here: 10,000,000 → 9,100,000 元 同比, −9.0% (9.1 / 10 − 1)
    revenue = row("medical_revenue", 9_100_000.0, year_ago=10_000_000.0)
    lines = rank_contributions(
        {"骨科": -600_000.0, "心内科": -400_000.0, "眼科": 100_000.0}, -900_000.0
    )
    table = ContributionTable(revenue, "yoy", -900_000.0, lines, 0.0)
    assert fall_lines([table], "zh") == [
        "全院医疗收入同比-9.0%，降幅较大的科室：骨科（-60.00万元）、心内科（-40.00万元）。"
        "请相关科室分析原因并提出措施。"
    ]
    # −4% is no recommendation by itself (the band decides)
    small = row("medical_revenue", 9_600_000.0, year_ago=10_000_000.0)
    assert fall_lines([ContributionTable(small, "yoy", -400_000.0, lines, 0.0)], "zh") == []
