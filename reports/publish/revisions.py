"""Re-issued reports say so: 修订版 n, dated, with what moved (出院人数 131 → 133).

Each period folder keeps `revisions.json`: per report file, the figures it was last issued with
(every indicator as the report shows it) and its revision. When a report is rendered again (its
fingerprint changed) and the figures it shows differ from those it was issued with, it becomes
revision n + 1: the files issued before are moved to `<period>/history/` (`B.v0.html` is the
first issue) and the new ones carry the revision, its date and the list of changes. A report
rendered again with the same figures (a template change, a comment edited) keeps its revision;
a period still in progress moves every day and is not revised.
"""

from __future__ import annotations

import json
from pathlib import Path

from ledgers import clock
from reports import labels
from reports.content.report import Change, ReportContent, Revision
from reports.data import privacy
from reports.files import ASSETS_DIR, PLOTLY_JS, write_json
from reports.formatting import format_value

REVISIONS = "revisions.json"
HISTORY = "history"
MISSING = "—"


def figures(content: ReportContent) -> dict[str, str]:
    """Every indicator of the report as it shows it (not published and suppressed included)."""
    lang = content.lang
    shown = {}
    for row in content.rows.values():
        if row.withheld:
            text = labels.text("withheld", lang)
        elif row.suppressed:
            text = privacy.note(row.suppressed_below, lang)
        else:
            text = format_value(row.value, row.kind) or MISSING
        shown[row.indicator.name(lang)] = text
    return shown


def read_revisions(period_dir: Path) -> dict[str, dict]:
    try:
        data = json.loads((period_dir / REVISIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_revisions(period_dir: Path, records: dict[str, dict]) -> Path:
    """Add `records` to the folder's (one parent process writes it, after the workers)."""
    return write_json(period_dir / REVISIONS, read_revisions(period_dir) | records)


def revision_of(record: dict | None) -> Revision | None:
    if not record or not record.get("revision"):
        return None
    changes = tuple(Change(*change) for change in record.get("changes", []))
    return Revision(record["revision"], record["issued"], changes)


def revise(
    content: ReportContent, files: list[Path], suppress_below: int | None = None
) -> tuple[Revision | None, dict]:
    """Before a report's files are written again: its revision to print and the record to store.
    A new revision moves the files issued before into history/.

    A report written for another audience (another `suppress_below`) is a new issue, not a
    revision: its list of changes would print, and its history keep, the figures the circulated
    copy hides (死亡率 37.5% → <5)."""
    period_dir = files[0].parent
    stored = read_revisions(period_dir).get(files[0].name)
    now = figures(content)
    fresh = {"revision": 0, "figures": now, "suppress_below": suppress_below}
    if stored is None or not all(path.exists() for path in files):
        return None, fresh
    if stored.get("suppress_below") != suppress_below:
        return None, fresh
    before = stored.get("figures", {})
    if before == now or content.in_progress:
        return revision_of(stored), {**stored, "figures": now, "suppress_below": suppress_below}
    number = stored.get("revision", 0) + 1
    changes = [
        [name, before.get(name, MISSING), value]
        for name, value in now.items()
        if before.get(name, MISSING) != value
    ]
    history = period_dir / HISTORY
    history.mkdir(exist_ok=True)
    for path in files:
        archive(path, history / archived_name(path, number - 1))
    record = {
        "revision": number,
        "issued": clock.today().isoformat(),
        "figures": now,
        "changes": changes,
        "suppress_below": suppress_below,
    }
    return revision_of(record), record


def archive(path: Path, target: Path) -> None:
    """Move a report into history/; a page's link to the shared plotly.js gains one level."""
    if path.suffix == ".html":
        text = path.read_text(encoding="utf-8")
        shared = f'src="../{ASSETS_DIR}/{PLOTLY_JS}"'
        target.write_text(text.replace(shared, f'src="../../{ASSETS_DIR}/{PLOTLY_JS}"'), "utf-8")
        path.unlink()
    else:
        path.replace(target)


def archived_name(path: Path, number: int) -> str:
    """B.html issued as revision 0 -> B.v0.html; B.en.xlsx as revision 2 -> B.en.v2.xlsx."""
    return f"{path.name.removesuffix(path.suffix)}.v{number}{path.suffix}"


def revised_reports(period_dir: Path) -> dict[str, int]:
    """Report file name -> its revision, for the reports re-issued at least once."""
    return {
        name: record["revision"]
        for name, record in read_revisions(period_dir).items()
        if record.get("revision")
    }
