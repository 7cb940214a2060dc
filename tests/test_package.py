"""Protected distribution: `deptops package` writes exactly one audience's reports, workbooks that
open only after msoffcrypto decrypts them with the password, and pages that Chromium shows only
after the right password is typed, whose bytes hold none of the report's words or figures."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest

from pipelines.cli import main

# whole runs of the pipeline (make test runs them; -m 'not slow' leaves them out)
pytestmark = pytest.mark.slow

PASSWORD = "骨科-2025-六月!"
MONTH = "2025-06"


@pytest.fixture
def home(two_ward_month_home) -> Path:
    """HOME after a real run of tests/conftest.py's two_ward_inbox (A 心内科, B 骨科), each with its
    operations assistant and a finance ledger, that rendered the month's reports (those packaged
    and read here): conftest's two_ward_month_home, shared with test_corrections (read-only)."""
    return two_ward_month_home / "home"


@pytest.fixture
def password_file(tmp_path) -> Path:
    path = tmp_path / "password.txt"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def package(home, password_file, out, *audience) -> int:
    return main(
        ["package", "--period", MONTH, *audience, "--password-file", str(password_file),
         "--out", str(out), "--home", str(home)]
    )  # fmt: skip


def test_a_department_package_holds_only_its_reports(home, password_file, tmp_path):
    assert package(home, password_file, tmp_path / "b", "--dept", "B") == 0
    # the report and the data-quality report its data status links to, both protected
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        "B.html", "B.quality.html", "B.quality.xlsx", "B.xlsx",
    ]  # fmt: skip
    quality = (tmp_path / "b" / "B.quality.html").read_text(encoding="utf-8")
    assert "数据质量报告" not in quality and '"salt"' in quality  # sealed, not readable
    # the assistant's departments (李明: B), and the hospital only when asked
    assert package(home, password_file, tmp_path / "li", "--assistant", "李明", "--hospital") == 0
    assert sorted(p.name for p in (tmp_path / "li").iterdir()) == [
        "ALL.html", "ALL.quality.html", "ALL.quality.xlsx", "ALL.xlsx",
        "B.html", "B.quality.html", "B.quality.xlsx", "B.xlsx",
    ]  # fmt: skip


def test_unknown_audience_and_short_password_are_refused(home, password_file, tmp_path, capsys):
    assert package(home, password_file, tmp_path / "x", "--dept", "Z") == 1
    assert f"{MONTH} has no report of Z" in capsys.readouterr().err
    assert package(home, password_file, tmp_path / "x", "--assistant", "张三") == 1
    assert "no department has '张三' as its operations assistant" in capsys.readouterr().err
    short = tmp_path / "short.txt"
    short.write_text("1234567\n")
    assert package(home, short, tmp_path / "x", "--dept", "B") == 1
    assert "at least 8 characters" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # there is no way to give it on the command line
        main(["package", "--period", MONTH, "--dept", "B", "--password", PASSWORD,
              "--out", str(tmp_path / "x")])  # fmt: skip
    assert not (tmp_path / "x").exists()


def test_password_from_standard_input(home, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert package(home, Path("-"), tmp_path / "stdin", "--dept", "A") == 0
    assert sorted(p.name for p in (tmp_path / "stdin").iterdir()) == [
        "A.html", "A.quality.html", "A.quality.xlsx", "A.xlsx",
    ]  # fmt: skip


def test_workbook_opens_only_after_decryption(home, password_file, tmp_path):
    package(home, password_file, tmp_path, "--dept", "B")
    sealed = tmp_path / "B.xlsx"
    with pytest.raises(zipfile.BadZipFile):  # not a workbook until decrypted
        openpyxl.load_workbook(sealed)
    office = msoffcrypto.OfficeFile(sealed.open("rb"))
    assert office.is_encrypted()
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        office.load_key(password="wrong password")
        office.decrypt(io.BytesIO())
    office = msoffcrypto.OfficeFile(sealed.open("rb"))
    office.load_key(password=PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    decrypted = openpyxl.load_workbook(plain)
    original = openpyxl.load_workbook(home / "reports" / MONTH / "B.xlsx")
    assert decrypted.sheetnames == original.sheetnames
    summary = [list(r) for r in decrypted.worksheets[0].iter_rows(values_only=True)]
    assert summary == [list(r) for r in original.worksheets[0].iter_rows(values_only=True)]
    assert "骨科" in summary[0][0]


def figures_of(home) -> list[str]:
    """Words and figures of B's June report that must not be readable in the package: the
    department's name, indicator names and percentages ('.' and '%' are not base64 letters)."""
    rows = csv.DictReader((home / "reports" / "metrics.csv").open(encoding="utf-8-sig"))
    shares = [
        f"{float(r['value']) * 100:.1f}%"
        for r in rows
        if r["grain"] == "month"
        and r["period"] == MONTH
        and r["dept"] == "B"
        and r["value"]
        and r["metric"] == "bed_occupancy"
    ]
    assert shares == ["90.0%"]  # 18 occupied of 20 open beds every day
    return ["骨科", "病床使用率", "实际开放总床日数", *shares]


def test_package_bytes_hold_none_of_the_reports_figures(home, password_file, tmp_path):
    package(home, password_file, tmp_path, "--dept", "B")
    plain_page = (home / "reports" / MONTH / "B.html").read_text(encoding="utf-8")
    secrets = figures_of(home)
    assert all(text in plain_page for text in secrets)  # they are in the report…
    for path in tmp_path.glob("B.*"):  # …and in neither protected file
        data = path.read_bytes()
        for text in secrets:
            assert text.encode("utf-8") not in data, (path.name, text)
            assert text.encode("utf-16-le") not in data, (path.name, text)
    assert PASSWORD.encode("utf-8") not in (tmp_path / "B.html").read_bytes()


@pytest.mark.browser
def test_page_shows_the_report_after_the_right_password_only(
    home, password_file, chromium, tmp_path
):
    package(home, password_file, tmp_path / "out", "--dept", "B")
    requests = []
    context = chromium.new_context()
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "out" / "B.html").as_uri(), wait_until="load")
    assert "骨科" not in page.inner_text("body")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_function("document.getElementById('message').textContent.includes('密码不正确')")
    assert "骨科" not in page.inner_text("body")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header.report h1", timeout=60_000)
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=60_000)  # charts drawn
    text = page.inner_text("body")
    context.close()
    assert "骨科" in text and "病床使用率" in text and "90.0%" in text
    assert requests and all(url.startswith("file://") for url in requests), requests
