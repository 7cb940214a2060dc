"""Where report files go, what they are called, and the shared copy of plotly.js."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import unicodedata
from pathlib import Path

import plotly

ASSETS_DIR = "assets"
PLOTLY_JS = "plotly.min.js"
# Pages sit one folder below reports_dir, the shared script in reports_dir/assets.
ASSET_HREF = f"../{ASSETS_DIR}/{PLOTLY_JS}"
# Written beside a period's reports so the index can show department names, not file names.
MANIFEST = "departments.json"
STANDALONE_SUFFIX = ".standalone"
# The data-quality report beside each report: CARD.quality.html, CARD.en.quality.xlsx.
QUALITY_SUFFIX = ".quality"
# A report's page and its single-file copy, its PDF (printed from that copy), its workbook.
REPORT_SUFFIXES = (".html", ".pdf", ".xlsx")
# English files sit beside the Chinese ones: CARD.html and CARD.en.html.
LANGUAGE_SUFFIXES = {"zh": "", "en": ".en"}
DASHBOARD_STEM = "dashboard"
# One page per operations assistant (运营助理), beside the period folders: reports/assistants/
ASSISTANTS_DIR = "assistants"
# File stems the report folders use for their own pages: a department may not take them.
RESERVED_STEMS = {DASHBOARD_STEM, "index", "departments"}

# Path separators, control characters, characters Windows forbids, and dots (no `..`, no hidden
# files, no second extension that could pass for `.standalone`); `#` and `%`, which end or
# escape a link's path; bidi overrides and other invisible format characters (which can show
# `CARD‮lmth.exe` as `CARDexe.html`), line and paragraph separators.
_UNSAFE = re.compile(
    r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*.#%\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e'
    r"\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in range(10)
}
_MAX_STEM = 80


def safe_file_stem(code: str) -> str:
    """A department code as a file name: kept as is when safe, else cleaned and suffixed with a
    short hash of the code so that two different codes never share a file."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", code)).strip(" ")[:_MAX_STEM]
    if stem.upper() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    if stem == code and stem:
        return stem
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:8]
    return f"{stem or 'dept'}-{digest}"


def report_file_name(stem: str, lang: str, suffix: str, *, standalone: bool = False) -> str:
    """'CARD.html', 'CARD.en.html', 'CARD.en.standalone.html', 'CARD.en.xlsx', 'CARD.pdf'."""
    return f"{stem}{LANGUAGE_SUFFIXES[lang]}{STANDALONE_SUFFIX if standalone else ''}{suffix}"


def assistant_file_name(assistant: str, lang: str, suffix: str) -> str:
    """An operations assistant's page or workbook in ASSISTANTS_DIR: the name made safe."""
    return report_file_name(safe_file_stem(assistant), lang, suffix)


def parse_report_file_name(name: str) -> tuple[str, str, bool, str] | None:
    """(stem, lang, standalone, suffix) of a report file name; None for any other file."""
    path = Path(name)
    suffix = path.suffix
    if suffix not in REPORT_SUFFIXES:
        return None
    rest = path.stem
    standalone = rest.endswith(STANDALONE_SUFFIX)
    rest = rest.removesuffix(STANDALONE_SUFFIX)
    lang = "zh"
    for code, ending in LANGUAGE_SUFFIXES.items():
        if ending and rest.endswith(ending):
            lang, rest = code, rest.removesuffix(ending)
    # safe_file_stem never leaves a dot in a stem: anything else is not ours.
    if not rest or "." in rest:
        return None
    return rest, lang, standalone, suffix


def parse_quality_file_name(name: str) -> tuple[str, str, str] | None:
    """(stem, lang, suffix) of a data-quality report's page or workbook; None for any other."""
    path = Path(name)
    if path.suffix not in (".html", ".xlsx") or not path.stem.endswith(QUALITY_SUFFIX):
        return None
    parsed = parse_report_file_name(path.stem.removesuffix(QUALITY_SUFFIX) + path.suffix)
    if parsed is None or parsed[2]:
        return None
    return parsed[0], parsed[1], path.suffix


def department_stems(codes: list[str]) -> list[str]:
    """File stems of department codes: safe, never a reserved stem, never two that only a
    case-insensitive disk would confuse (those are refused)."""
    stems = []
    for code in codes:
        stem = safe_file_stem(code)
        if stem.casefold() in RESERVED_STEMS:
            digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:8]
            stem = f"{stem}-{digest}"
        stems.append(stem)
    seen: dict[str, str] = {}
    for code, stem in zip(codes, stems, strict=True):
        other = seen.setdefault(stem.casefold(), code)
        if other != code:
            raise ValueError(
                f"departments {other!r} and {code!r} would share the report file {stem!r}: "
                "department codes must differ by more than letter case"
            )
    return stems


def plotly_js_source() -> Path:
    """The plotly.js bundled with the installed plotly package (the one its figures expect)."""
    return Path(plotly.__file__).parent / "package_data" / PLOTLY_JS


def ensure_plotly_js(reports_dir: Path) -> Path:
    """One shared copy under `reports_dir/assets/`, rewritten only when plotly was upgraded."""
    source, target = plotly_js_source(), reports_dir / ASSETS_DIR / PLOTLY_JS
    if target.exists() and target.read_bytes() == source.read_bytes():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    partial.replace(target)  # a browser never loads half a file
    return target


def write_manifest(period_dir: Path, names: dict[str, dict[str, str | None]]) -> Path:
    """Record file stem -> department code and names for the index (added to what is there:
    reports and briefs of one folder may be written by separate runs)."""
    return write_json(period_dir / MANIFEST, read_manifest(period_dir) | names)


def write_json(path: Path, data: dict) -> Path:
    """Replace `path` with `data` at once (a reader never sees half a file)."""
    partial = path.with_suffix(".partial")
    partial.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    partial.replace(path)
    return path


def read_manifest(period_dir: Path) -> dict[str, dict[str, str | None]]:
    """The manifest of a period folder; empty when there is none or it cannot be read."""
    try:
        data = json.loads((period_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
