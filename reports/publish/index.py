"""`reports_dir/index.html`: every report file under reports_dir, by kind of period, period and
department: monthly, quarterly and annual reports, weekly briefs and dashboards, each period's
page, the copy to send alone (single file, PDF), the workbook and the data-quality report (page
and workbook), in the languages made."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from reports import labels, periods
from reports.data.warehouse import HOSPITAL
from reports.files import (
    ASSETS_DIR,
    DASHBOARD_STEM,
    parse_quality_file_name,
    parse_report_file_name,
    read_manifest,
)
from reports.publish.revisions import revised_reports
from reports.render.html import environment, template_helpers


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass
class Entry:
    stem: str
    code: str
    name: str
    is_dashboard: bool = False
    # slot -> link; slots: html, standalone, pdf, xlsx, quality, quality_xlsx, each with an
    # `_en` twin (SLOTS)
    links: dict[str, Link] = field(default_factory=dict)
    revision: int = 0  # re-issued with other figures (reports.revisions): 修订版 n

    def link(self, slot: str) -> Link | None:
        return self.links.get(slot)


# The index's columns, in order, and their headings (labels.toml); a column no report of the
# period fills is left out (English reports are listed only where they were made).
SLOTS = {
    "html": "html_report",
    "standalone": "standalone_report",
    "pdf": "pdf_report",
    "xlsx": "excel_report",
    "quality": "quality_report",
    "quality_xlsx": "quality_workbook",
    "html_en": "html_report_en",
    "standalone_en": "standalone_report_en",
    "pdf_en": "pdf_report_en",
    "xlsx_en": "excel_report_en",
    "quality_en": "quality_report_en",
    "quality_xlsx_en": "quality_workbook_en",
}
# Monthly reports first (the ones read every month), then quarters, years and weekly briefs.
GRAIN_ORDER = ("month", "quarter", "year", "week")


@dataclass
class Period:
    name: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    in_progress: bool = False

    @property
    def slots(self) -> list[str]:
        """The columns some entry of the period fills, in SLOTS order."""
        return [slot for slot in SLOTS if any(entry.link(slot) for entry in self.entries)]


@dataclass
class Group:
    grain: str | None
    title: str
    periods: list[Period] = field(default_factory=list)


def write_index(
    reports_dir: Path, lang: str = "zh", extent: periods.DataExtent | None = None
) -> Path:
    """Write and return `reports_dir/index.html` (links relative, so the folder can be moved).
    With the data's extent, a period in progress is named by what it covers and marked 进行中."""
    labels.check_language(lang)
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    template = environment().get_template("index.html")
    groups = report_groups(reports_dir, lang, extent)
    page = template.render(groups=groups, slot_labels=SLOTS, **template_helpers(lang))
    path = reports_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def report_groups(
    reports_dir: Path, lang: str, extent: periods.DataExtent | None = None
) -> list[Group]:
    """Months, quarters, years, weeks (then any other folder), each newest period first."""
    groups = {grain: Group(grain, labels.text(f"index_{grain}", lang)) for grain in GRAIN_ORDER}
    other = Group(None, labels.text("index_other", lang))
    folders = (p for p in reports_dir.iterdir() if p.is_dir() and p.name != ASSETS_DIR)
    for folder in sorted(folders, key=lambda p: p.name, reverse=True):
        period = _period(folder, lang, extent)
        if period is not None:
            grain = periods.grain_of(folder.name)
            (groups[grain] if grain else other).periods.append(period)
    return [g for g in [*groups.values(), other] if g.periods]


def _period(folder: Path, lang: str, extent: periods.DataExtent | None) -> Period | None:
    manifest = read_manifest(folder)
    revised = revised_reports(folder)
    entries: dict[str, Entry] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        parsed = parse_report_file_name(path.name)
        quality = parse_quality_file_name(path.name)
        if parsed is not None:
            stem, file_lang, standalone, suffix = parsed
            slot = "standalone" if standalone else suffix.lstrip(".")
        elif quality is not None:
            stem, file_lang, suffix = quality
            slot = "quality" if suffix == ".html" else "quality_xlsx"
        else:
            continue
        if stem not in entries:
            entries[stem] = _entry(stem, manifest, lang)
        if slot not in SLOTS:
            continue
        if file_lang == "en":
            slot += "_en"
        href = "/".join(quote(part) for part in (folder.name, path.name))
        entries[stem].links[slot] = Link(href, path.name)
        entries[stem].revision = max(entries[stem].revision, revised.get(path.name, 0))
    if not entries:
        return None
    grain = periods.grain_of(folder.name)
    covered = periods.coverage(grain, folder.name, extent) if grain else periods.Coverage()
    title = periods.title(grain, folder.name, lang, covered) if grain else folder.name
    return Period(folder.name, title, _ordered(entries), covered.in_progress)


def _entry(stem: str, manifest: dict, lang: str) -> Entry:
    known = manifest.get(stem)
    if known is None and stem == DASHBOARD_STEM:
        return Entry(stem, "", labels.text("dashboard", lang), is_dashboard=True)
    known = known or {}
    name = (known.get("name_en") if lang == "en" else None) or known.get("name_zh")
    return Entry(stem, known.get("code") or stem, name or stem)


def _ordered(entries: dict[str, Entry]) -> list[Entry]:
    # The dashboard, then the hospital, as in the reports themselves; then departments by code.
    return sorted(entries.values(), key=lambda e: (not e.is_dashboard, e.code != HOSPITAL, e.code))
