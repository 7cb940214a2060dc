"""Reports as an assistant sends, prints and opens them (issue 17, "Sent, printed, opened in
Excel"), from the demo hospital: the copy sent alone draws its charts with no `assets/` and no
script, an A4 print numbers its pages and leaves no heading alone at a page's foot, the workbook
fits its numbers and wraps its advice, the index lists what was made, monthly first.

Screenshots of a department's, the hospital's, a quarterly, an annual and a medical-technology
report and of the dashboard are kept in DEPTOPS_TEST_ARTIFACTS (default tests/artifacts/).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pypdf
import pytest

from reports import labels
from reports.publish import render_reports
from reports.publish.index import write_index
from reports.publish.pdf import find_chromium, pdf_path, print_copies

MONTH, QUARTER, YEAR = "2026-10", "2026-Q3", "2025"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("DEPTOPS_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))


@pytest.fixture(scope="module")
def delivered(
    demo_warehouse: Path, demo_reports: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """The demo's reports of a month, a quarter and a year as the pipeline writes them, from the
    demo hospital's warehouse (tests/conftest.py, shared: read only): the quarter's and the
    year's rendered once for the report tests (demo_reports), copied; the month's here."""
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    assert (demo_reports / QUARTER).is_dir() and (demo_reports / YEAR).is_dir()
    reports_dir = shutil.copytree(demo_reports, tmp_path_factory.mktemp("delivery") / "reports")
    render_reports(demo_warehouse, reports_dir, "month", [MONTH], connection=con)
    write_index(reports_dir)
    yield con, reports_dir
    con.close()


def _stems(period_dir: Path) -> list[str]:
    return sorted(
        p.name.removesuffix(".xlsx")
        for p in period_dir.glob("*.xlsx")
        if "." not in p.name.removesuffix(".xlsx") and p.name != "dashboard.xlsx"
    )


# --- the copy sent alone ---------------------------------------------------------------------


def test_the_default_run_writes_a_copy_to_send_alone(delivered):
    _, reports_dir = delivered
    for period in (MONTH, QUARTER, YEAR):
        stems = _stems(reports_dir / period)
        assert {"ALL", "CARD", "RAD"} <= set(stems)
        for stem in stems:
            page = (reports_dir / period / f"{stem}.html").read_text(encoding="utf-8")
            copy = (reports_dir / period / f"{stem}.standalone.html").read_text(encoding="utf-8")
            # the same charts, as SVG: no script at all, nothing loaded from beside the file
            charts = page.count('class="plotly-graph-div"')
            assert charts > 0
            assert copy.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg"') == charts
            assert "<script" not in copy and "plotly.min.js" not in copy and 'src="' not in copy
            # the linked page says why when its charts cannot be drawn
            assert page.count('class="chart-fallback"') == charts
            assert len(copy) < 600_000  # plotly.js alone is 4.8 MB
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    assert f'href="{MONTH}/CARD.standalone.html"' in index


def test_the_index_lists_months_first_newest_first_without_empty_columns(delivered, tmp_path):
    _, reports_dir = delivered
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    order = [index.index(f'id="grain-{grain}"') for grain in ("month", "quarter", "year")]
    assert order == sorted(order)
    # no English reports were made: no English column
    assert labels.text("html_report_en", "zh") not in index
    assert labels.text("excel_report_en", "zh") not in index
    for table in re.findall(r"<table>(.*?)</table>", index, re.S):
        heads = re.findall(r"<th>", table)
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>")[1], re.S)
        cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
        for column in range(len(heads)):
            assert any(cell[column].strip() for cell in cells), f"column {column} is empty"
    # two months: the newer is listed first
    copy = tmp_path / "reports"
    shutil.copytree(reports_dir, copy)
    shutil.copytree(copy / MONTH, copy / "2026-09")
    listed = write_index(copy).read_text(encoding="utf-8")
    assert listed.index('id="period-2026-10"') < listed.index('id="period-2026-09"')


# --- Excel -----------------------------------------------------------------------------------


def _shown(value: float, number_format: str) -> str:
    """What Excel shows for the formats deptops writes, spelt out independently of the code."""
    if number_format == "General":
        return f"{value:.10g}"
    plain = re.fullmatch(r"(#,##)?0(?:\.(0+|#+))?(%)?", number_format)
    if plain:  # #,##0.00 / 0.0% / #,##0.## (at most two decimals shown)
        grouping, decimals, percent = plain.groups()
        places = len(decimals) if decimals else 0
        return f"{value * (100 if percent else 1):{',' if grouping else ''}.{places}f}" + (
            "%" if percent else ""
        )
    if number_format == "+0.0%;-0.0%;0.0%":
        return f"{value:+.1%}"
    signed = re.fullmatch(r"\+(.+?);-(.+?);(.+)", number_format)
    assert signed, f"a number format the test does not know: {number_format!r}"
    positive = signed.group(1)
    suffix = "".join(re.findall(r'"([^"]*)"', positive))
    body = re.sub(r'"[^"]*"', "", positive)
    return f"{value:+,.{len(body.split('.')[1]) if '.' in body else 0}f}{suffix}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_workbooks_fit_their_numbers_wrap_advice_and_number_printed_pages(delivered):
    _, reports_dir = delivered
    advice_cells = 0
    for name in ("CARD.xlsx", "ALL.xlsx", "RAD.xlsx"):
        path = reports_dir / MONTH / name
        book = openpyxl.load_workbook(path)
        numbers = 0
        for sheet in book.worksheets:
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        numbers += 1
                        width = sheet.column_dimensions[cell.column_letter].width
                        shown = _shown(cell.value, cell.number_format)
                        # a digit is one unit of Excel's column width; one more for the padding
                        assert _width(shown) + 1 <= width, (sheet.title, cell.coordinate, shown)
            # every printed page: department and period at the top, page x of y at the foot
            assert sheet.oddHeader.left.text and sheet.oddHeader.right.text
            assert sheet.oddFooter.center.text == "&P / &N"
        assert numbers > 100
        # the advice and the reasons wrap within their column
        advice = book[labels.text("attention_sheet", "zh")]
        long_texts = [
            cell
            for row in advice.iter_rows(min_row=3)
            for cell in row
            if isinstance(cell.value, str) and _width(cell.value) > 60
        ]
        assert all(cell.alignment.wrap_text for cell in long_texts)
        advice_cells += len(long_texts)
        with zipfile.ZipFile(path) as archive:
            charts = [archive.read(n).decode() for n in archive.namelist() if "charts/chart" in n]
        lines = [c for c in charts if re.search(r"<(c:)?lineChart>", c)]
        assert lines
        for chart in lines:  # every series drawn straight, none smoothed
            series = len(re.findall(r"<(?:c:)?ser>", chart))
            assert len(re.findall(r'<(?:c:)?smooth val="0" ?/>', chart)) == series
        # a banded indicator's target: a second, dashed series in its chart
        assert any('prstDash val="dash"' in chart for chart in lines)
    assert advice_cells > 0  # the demo's month has advice long enough to wrap
    # a banded indicator's chart has its target line beside the trend
    card = openpyxl.load_workbook(reports_dir / MONTH / "CARD.xlsx")
    heads = [
        cell.value
        for sheet in card.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.endswith(labels.text("target_high", "zh"))
    ]
    assert heads


# --- in the browser --------------------------------------------------------------------------


def _context(chromium, scripts: bool = True):
    """A fresh context of the shared Chromium (tests/browser.py): its own profile."""
    return chromium.new_context(
        java_script_enabled=scripts, viewport={"width": 1000, "height": 1300}
    )


@pytest.mark.browser
def test_sent_alone_the_report_draws_offline_and_screenshots_are_kept(
    delivered, chromium, tmp_path
):
    _, reports_dir = delivered
    mail = tmp_path / "mail"  # an attachment saved on its own: no ../assets/ beside it
    mail.mkdir()
    shots = {
        "department": (MONTH, "CARD"),
        "hospital": (MONTH, "ALL"),
        "quarterly": (QUARTER, "CARD"),
        "annual": (YEAR, "GSUR"),
        "medtech": (MONTH, "RAD"),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests = []
    # scripts off, as a mail client opens an attachment
    context = _context(chromium, scripts=False)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    for kind, (period, stem) in shots.items():
        copy = shutil.copy(
            reports_dir / period / f"{stem}.standalone.html", mail / f"{period}-{stem}.html"
        )
        page.goto(Path(copy).as_uri())
        charts = page.locator(".chart")
        assert charts.count() > 0
        for number in range(charts.count()):
            chart = charts.nth(number)
            box = chart.locator("svg.chart-svg").bounding_box()
            assert box and box["width"] > 500 and box["height"] > 150, (kind, number)
            assert chart.locator("polyline.trace, rect.bar").count() > 0
        page.screenshot(path=str(ARTIFACTS / f"{kind}.png"))
    # printed on A4 (190 mm between the margins: 718 px), a name column keeps room for names
    page.set_viewport_size({"width": 718, "height": 1000})
    page.emulate_media(media="print")
    page.goto((mail / f"{MONTH}-CARD.html").as_uri())
    widths = page.locator("td.name").evaluate_all(
        "(cells) => cells.map(cell => cell.getBoundingClientRect().width)"
    )
    assert len(widths) > 20 and min(widths) >= 70, sorted(widths)[:5]
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1000, "height": 1300})
    # the linked page sent without assets/: a message in every chart's place, never a gap
    linked = shutil.copy(reports_dir / MONTH / "CARD.html", mail / "CARD-linked.html")
    page.goto(Path(linked).as_uri())
    fallbacks = page.locator(".chart .chart-fallback")
    assert fallbacks.count() == page.locator(".chart").count() > 0
    assert all(fallbacks.nth(i).is_visible() for i in range(fallbacks.count()))
    context.close()

    # with its assets and scripts, the page draws and hides the message; the dashboard too
    context = _context(chromium)
    page = context.new_page()
    for path, name in (
        (reports_dir / MONTH / "CARD.html", None),
        (reports_dir / MONTH / "dashboard.html", "dashboard"),
    ):
        page.goto(path.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.plotly-graph-div .main-svg').length > 0"
            " && [...document.querySelectorAll('.plotly-graph-div')]"
            ".every(d => d.querySelector('.main-svg'))",
            timeout=15_000,
        )
        assert not any(f.is_visible() for f in page.locator(".chart-fallback").all()), (
            "the message stays once the chart is drawn"
        )
        if name:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    context.close()
    assert all(url.startswith("file://") for url in requests)
    for name in (*shots, "dashboard"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 20_000


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _pattern(line: str) -> re.Pattern:
    """A PDF line as a pattern: CJK fonts map some glyphs to radicals (门 comes back as ⻔)."""
    return re.compile("".join("." if "\u2e80" <= c <= "\u2fdf" else re.escape(c) for c in line))


def _lines(page) -> list[str]:
    """A PDF page's text lines, bottom first (PDF's y grows upwards)."""
    pieces: list[tuple[int, float, str]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((round(y), x, text))

    page.extract_text(visitor_text=visit)
    lines: dict[int, str] = {}
    for y, _, text in sorted(pieces):
        lines[y] = lines.get(y, "") + text
    return [_normal(lines[y]) for y in sorted(lines)]


def _is_heading(line: str, headings: list[str]) -> bool:
    """The line is a heading, or (a long heading wraps) a long part of one."""
    pattern = _pattern(line)
    return any(pattern.fullmatch(h) or (len(line) > 8 and pattern.search(h)) for h in headings)


@pytest.mark.browser
def test_an_a4_print_numbers_its_pages_and_keeps_headings_with_their_content(delivered, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Chromium")
    _, reports_dir = delivered
    pages = [
        reports_dir / MONTH / "CARD.standalone.html",
        reports_dir / YEAR / "ALL.standalone.html",
    ]
    assert find_chromium() is not None
    printed = print_copies(pages)
    assert (
        printed
        == [pdf_path(p) for p in pages]
        == [reports_dir / MONTH / "CARD.pdf", reports_dir / YEAR / "ALL.pdf"]
    )
    for source, pdf in zip(pages, printed, strict=True):
        page_html = source.read_text(encoding="utf-8")
        headings = [
            _normal(html.unescape(re.sub(r"<[^>]+>", "", h)))
            for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", page_html, re.S)
        ]

        reader = pypdf.PdfReader(pdf)
        count = len(reader.pages)
        assert count >= 3
        for number, page in enumerate(reader.pages, 1):
            box = page.mediabox
            assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in pt
            lines = _lines(page)
            assert lines[0] == f"{number}/{count}", f"{pdf.name} page {number}: {lines[:2]}"
            content = lines[1:]
            assert content and not all(_is_heading(line, headings) for line in content), (
                f"{pdf.name} page {number} holds only headings: {content}"
            )
            assert not _is_heading(content[0], headings), (
                f"{pdf.name} page {number} ends with a heading: {content[0]}"
            )
        shutil.copy(pdf, ARTIFACTS / pdf.name) if ARTIFACTS.is_dir() else None
    # the index links the PDF beside the page and the workbook
    index = write_index(reports_dir).read_text(encoding="utf-8")
    assert f'href="{MONTH}/CARD.pdf"' in index and labels.text("pdf_report", "zh") in index
