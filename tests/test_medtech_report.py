"""A medical-technology department's report (issue 17): its own tiles (exams, daily uses per
large device, equipment utilisation, revenue per exam, revenue), revenue = exams × revenue per
exam decomposed, a 概述 that speaks of exams, and no bed tiles or empty inpatient sections.

On the medtech inbox of tests/conftest.py (RAD 放射科 and WARD 内科), October 2026 against
September 2026 (环比) and October 2025 (同比), the arithmetic in the comments."""

from __future__ import annotations

import pytest

from reports.content.report import period_content
from reports.render.html import render_period_page

MONTH = "2026-10"
# RAD's exams: 130 a day × 31 days in 2026-10; 120 × 30 in 2026-09; 100 × 31 in 2025-10
EXAMS = {"2026-10": 130 * 31, "2026-09": 120 * 30, "2025-10": 100 * 31}  # 4,030 3,600 3,100
PER_EXAM = {"2026-10": 210, "2026-09": 200, "2025-10": 180}
# revenue = exams × revenue per exam: 846,300 720,000 558,000
REVENUE = {month: EXAMS[month] * PER_EXAM[month] for month in EXAMS}


@pytest.fixture(scope="module")
def radiology(medtech_october):
    return period_content(medtech_october, medtech_october.department("RAD"), "zh")


@pytest.fixture(scope="module")
def ward(medtech_october):
    return period_content(medtech_october, medtech_october.department("WARD"), "zh")


def test_its_own_tiles_first_and_no_bed_tile(radiology, ward):
    tiles = [(row.indicator.id, row.value) for row in radiology.tiles]
    assert tiles[:5] == [
        ("exams", 4_030),
        # CT1, the large device: 40 uses a day × 31 days / 31 days in service
        ("large_equipment_daily_uses", pytest.approx(1_240 / 31)),
        # hours used (CT1 300 + DR1 200) / hours available (400 + 400) = 500 / 800
        ("equipment_utilization", pytest.approx(0.625)),
        # 846,300 元 / 4,030 exams = 210 元
        ("revenue_per_exam", pytest.approx(210)),
        ("medical_revenue", pytest.approx(846_300)),
    ]
    shown = {metric for metric, _ in tiles}
    assert not shown & {"bed_occupancy", "alos", "discharges", "outpatient_visits"}
    # the ward's tiles are the general rule's: its workload's first and its banded ones
    assert [row.indicator.id for row in ward.tiles][:2] == ["outpatient_visits", "bed_occupancy"]


def test_no_empty_inpatient_rows_or_sections(radiology, ward):
    families = {section.family.id: section for section in radiology.families}
    # quality and case mix read discharges only: nothing to say for a department without beds
    assert "quality" not in families and "casemix" not in families
    efficiency = [row.indicator.id for row in families["efficiency"].rows]
    assert efficiency == [
        "large_equipment_daily_uses",
        "equipment_utilization",
        "equipment_downtime_rate",
    ]
    workload = [row.indicator.id for row in families["workload"].rows]
    assert "discharges" not in workload and "exams" in workload
    # its economics chart leads with its own figures, then the banded ones
    charted = [trend.row.indicator.id for trend in families["economics"].trends]
    assert charted[:2] == ["medical_revenue", "revenue_per_exam"]
    # no revenue per visit over a radiology department's few registered outpatients
    economics = {row.indicator.id for row in families["economics"].rows}
    assert "revenue_per_exam" in economics and "op_revenue_per_visit" not in economics
    # the revenue structure keeps the one line it bills (门诊检查收入), not 11 lines at 0; its
    # expense lines are all 0: no expense structure
    assert [(s.kind, [line.column for line in s.lines]) for s in radiology.structures] == [
        ("revenue", ["op_exam_revenue"])
    ]
    # a ward keeps every row and family, and no revenue per exam
    ward_rows = ward.rows
    assert "bed_occupancy" in ward_rows and "revenue_per_exam" not in ward_rows
    assert {"quality", "casemix"} <= {section.family.id for section in ward.families}


def test_revenue_is_exams_times_revenue_per_exam(radiology):
    found = {(d.id, d.comparison): d for d in radiology.decompositions}
    # no outpatient/inpatient product (revenue per visit) and no occupancy for it
    assert set(found) == {("exam_revenue", "prior"), ("exam_revenue", "yoy")}
    prior = found[("exam_revenue", "prior")]
    # 环比: (4,030 − 3,600) × 200 = 86,000; 4,030 × (210 − 200) = 40,300; sum 126,300
    assert [(t.label, t.amount) for t in prior.terms] == [
        ("检查人次效应", pytest.approx(86_000)),
        ("检查次均收入效应", pytest.approx(40_300)),
    ]
    assert prior.change == pytest.approx(REVENUE["2026-10"] - REVENUE["2026-09"]) == 126_300
    assert prior.title == "医疗收入"
    yoy = found[("exam_revenue", "yoy")]
    # 同比: (4,030 − 3,100) × 180 = 167,400; 4,030 × (210 − 180) = 120,900; sum 288,300
    assert [t.amount for t in yoy.terms] == [pytest.approx(167_400), pytest.approx(120_900)]
    assert yoy.change == pytest.approx(REVENUE["2026-10"] - REVENUE["2025-10"]) == 288_300


def test_the_overview_speaks_of_exams(radiology):
    sentences = radiology.overview
    # 4,030 / 3,600 − 1 = +11.9%; 4,030 / 3,100 − 1 = +30.0%; no outpatient visits in it
    assert sentences[0] == "本月检查人次4,030（环比+11.9%，同比+30.0%）。"
    # CT1 40 − 38 uses a day (2026-09 and 2025-10 both 38); utilisation 62.5% against 60%
    # (480 / 800) and 55% (440 / 800)
    assert sentences[1] == (
        "大型设备日均检查人次40.00人次/日（环比+2.00，同比+2.00），"
        "设备使用率62.5%（环比+2.5个百分点，同比+7.5个百分点）。"
    )
    # the revenue move in 万元: 126,300 = 86,000 + 40,300
    assert "医疗收入环比+12.63万元，其中检查人次效应+8.60万元、检查次均收入效应+4.03万元。" in (
        sentences
    )
    assert not any("门诊人次" in s or "病床" in s for s in sentences)


def test_the_page_has_no_bed_tile_and_no_inpatient_section(radiology, ward):
    page = render_period_page(radiology, self_contained=True, asset_href="")
    assert 'data-metric="revenue_per_exam"' in page and 'id="family-efficiency"' in page
    for absent in ('id="family-quality"', 'id="family-casemix"', 'data-metric="bed_occupancy"'):
        assert absent not in page
    ward_page = render_period_page(ward, self_contained=True, asset_href="")
    assert 'id="family-casemix"' in ward_page and 'data-metric="bed_occupancy"' in ward_page
    assert 'data-metric="revenue_per_exam"' not in ward_page
