"""The hospital's name (Settings.hospital_name: DEPTOPS_HOSPITAL, or `deptops run --hospital`
remembered in HOME/deptops.json) heads every report: the period reports, the data-quality report,
the dashboard and the weekly brief, on the page and in the workbooks' printed page header."""

from __future__ import annotations

import json

import openpyxl
import pytest

from pipelines.assets import DeptopsConfig
from pipelines.settings import Settings
from reports.publish import render_reports
from tests.ledger_files import computed_warehouse, write_csv
from tests.test_hospital_matrix import MONTH, _inbox

NAME = "示例市第一人民医院"
KICKER = f'<div class="kicker"><span class="hospital-name">{NAME}</span> · '


def test_the_name_comes_from_the_environment_else_from_what_home_remembers(tmp_path, monkeypatch):
    monkeypatch.delenv("DEPTOPS_HOSPITAL", raising=False)
    monkeypatch.setenv("DEPTOPS_HOME", str(tmp_path))
    assert Settings.from_env().hospital_name is None
    settings = Settings(home=tmp_path, inbox=tmp_path)
    settings.remember_first_month("2026-01")
    settings.remember(hospital_name=NAME)
    # remembered beside the first month, neither overwriting the other
    assert json.loads((tmp_path / "deptops.json").read_text()) == {
        "first_month": "2026-01",
        "hospital_name": NAME,
    }
    settings.remember_first_month("2025-12")
    assert Settings.from_env().hospital_name == NAME
    assert Settings.from_env().first_month == "2025-12"
    monkeypatch.setenv("DEPTOPS_HOSPITAL", " 另一医院 ")
    assert Settings.from_env().hospital_name == "另一医院"
    # `deptops run` makes its Settings itself: the environment is read there too
    assert Settings(home=tmp_path, inbox=tmp_path).hospital_name == "另一医院"
    # and a Dagster run carries it (the resource holds every field of the Settings)
    resource = DeptopsConfig.from_settings(Settings.from_env())
    assert resource.hospital_name == "另一医院"
    assert resource.settings().hospital_name == "另一医院"


@pytest.fixture(scope="module")
def named(tmp_path_factory) -> tuple:
    con = computed_warehouse(tmp_path_factory.mktemp("named"), _inbox)
    reports_dir = tmp_path_factory.mktemp("reports")
    render_reports(con, reports_dir, "month", [MONTH], hospital_name=NAME)
    plain = tmp_path_factory.mktemp("plain")
    render_reports(con, plain, "month", [MONTH])
    render_reports(con, reports_dir, "week", ["2026-W42"], hospital_name=NAME)
    con.close()
    return reports_dir, plain


def test_every_page_and_workbook_is_headed_by_the_hospital(named):
    reports_dir, plain = named
    folder = reports_dir / MONTH
    for page in ("ALL.html", "M1.html", "M1.quality.html", "ALL.quality.html", "dashboard.html"):
        text = (folder / page).read_text(encoding="utf-8")
        assert KICKER in text[: text.index("</header>")], page
    assert KICKER + "全院运营月度分析报告</div>" in (folder / "ALL.html").read_text("utf-8")
    brief = (reports_dir / "2026-W42" / "M1.html").read_text(encoding="utf-8")
    assert KICKER in brief
    # the printed page header of every sheet: hospital · department, the report, the period
    for book, left, centre in (
        ("M1.xlsx", f"{NAME} · 心内科", "科室运营月度分析报告"),
        ("ALL.xlsx", f"{NAME} · 全院", "全院运营月度分析报告"),
        ("M1.quality.xlsx", f"{NAME} · 心内科", "数据质量报告"),
        ("dashboard.xlsx", f"{NAME} · 全院", "财务科运营看板"),
    ):
        for sheet in openpyxl.load_workbook(folder / book).worksheets:
            header = sheet.oddHeader
            assert header.left.text == left, (book, sheet.title)
            assert header.center.text == centre, (book, sheet.title)
            assert header.right.text == "2026年10月", (book, sheet.title)
    # without a name, none is shown (and no empty span)
    text = (plain / MONTH / "M1.html").read_text(encoding="utf-8")
    assert '<span class="hospital-name">' not in text
    sheet = openpyxl.load_workbook(plain / MONTH / "M1.xlsx").worksheets[0]
    assert sheet.oddHeader.left.text == "心内科"


def _inbox_with_assistants(inbox) -> None:
    """test_hospital_matrix's hospital, its departments looked after by two assistants."""
    _inbox(inbox)
    write_csv(
        inbox / "departments.csv",
        [
            ["code", "name_zh", "name_en", "kind", "assistant"],
            ["M1", "心内科", "Cardiology", "medical", "张磊"],
            ["M2", "呼吸内科", "Respiratory", "medical", "张磊"],
            ["M3", "老年科", "Geriatrics", "medical", "王敏"],
            ["S1", "骨科", "Orthopaedics", "surgical", "王敏"],
            ["S2", "眼科", "Ophthalmology", "surgical", "王敏"],
        ],
    )


def test_the_assistant_pages_and_a_topic_report_are_headed_by_the_hospital(tmp_path):
    from reports.publish.assistants import write_assistant_pages
    from reports.publish.topic import write_topic_report

    con = computed_warehouse(tmp_path / "built", _inbox_with_assistants)
    pages = write_assistant_pages(con, tmp_path / "reports", month=MONTH, hospital_name=NAME)
    topic = write_topic_report(
        con, tmp_path / "topic", ["M1", "S1"], ["outpatient_visits"], MONTH, MONTH,
        hospital_name=NAME,
    )  # fmt: skip
    plain = write_assistant_pages(con, tmp_path / "plain", month=MONTH)
    con.close()
    for page in [p for p in pages + topic if p.suffix == ".html"]:
        text = page.read_text(encoding="utf-8")
        assert KICKER in text[: text.index("</header>")], page.name
    assert len([p for p in pages if p.suffix == ".html"]) == 2  # 张磊, 王敏
    # the workbooks' title row: hospital · what the book is
    for book, start in (
        (next(p for p in pages if p.name == "张磊.xlsx"), f"{NAME} · 张磊 · 2026年10月"),
        (next(p for p in topic if p.suffix == ".xlsx"), f"{NAME} · "),
    ):
        assert openpyxl.load_workbook(book).worksheets[0]["A1"].value.startswith(start), book.name
    # without a name, none is shown
    text = next(p for p in plain if p.suffix == ".html").read_text(encoding="utf-8")
    assert '<span class="hospital-name">' not in text
