"""`reports_dir/index.html`: every report file under reports_dir, by period and department."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from reports import labels
from reports.content import HOSPITAL
from reports.files import ASSETS_DIR, STANDALONE_SUFFIX, read_manifest
from reports.html import environment, template_helpers

REPORT_SUFFIXES = (".html", ".xlsx")


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass
class Entry:
    stem: str
    code: str
    name: str
    html: Link | None = None
    standalone: Link | None = None
    xlsx: Link | None = None


@dataclass
class Period:
    name: str
    title: str
    entries: list[Entry] = field(default_factory=list)


def write_index(reports_dir: Path, lang: str = "zh") -> Path:
    """Write and return `reports_dir/index.html` (links relative, so the folder can be moved)."""
    labels.check_language(lang)
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    template = environment().get_template("index.html")
    page = template.render(periods=report_periods(reports_dir, lang), **template_helpers(lang))
    path = reports_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def report_periods(reports_dir: Path, lang: str) -> list[Period]:
    """Period folders, newest first, each with its reports grouped by department file stem."""
    periods = []
    folders = (p for p in reports_dir.iterdir() if p.is_dir() and p.name != ASSETS_DIR)
    for folder in sorted(folders, key=lambda p: p.name, reverse=True):
        manifest = read_manifest(folder)
        entries: dict[str, Entry] = {}
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.suffix not in REPORT_SUFFIXES:
                continue
            stem, slot = _slot(path)
            if stem not in entries:
                known = manifest.get(stem) or {}
                name = (known.get("name_en") if lang == "en" else None) or known.get("name_zh")
                entries[stem] = Entry(stem, known.get("code") or stem, name or stem)
            href = "/".join(quote(part) for part in (folder.name, path.name))
            setattr(entries[stem], slot, Link(href, path.name))
        if entries:
            periods.append(Period(folder.name, _period_title(folder.name, lang), _ordered(entries)))
    return periods


def _slot(path: Path) -> tuple[str, str]:
    if path.suffix == ".xlsx":
        return path.stem, "xlsx"
    if path.stem.endswith(STANDALONE_SUFFIX):
        return path.stem.removesuffix(STANDALONE_SUFFIX), "standalone"
    return path.stem, "html"


def _ordered(entries: dict[str, Entry]) -> list[Entry]:
    # The hospital first, as in the reports themselves; then departments by code.
    return sorted(entries.values(), key=lambda e: (e.code != HOSPITAL, e.code))


def _period_title(name: str, lang: str) -> str:
    try:
        return labels.month_title(name, lang)
    except ValueError:
        return name  # a quarter or year folder, written by other report kinds
