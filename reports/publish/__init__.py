"""Writing reports out: `render_reports` (the one rendering API), fingerprints that leave an
unchanged report alone, revisions of re-issued reports, the index and protected packages."""

from reports.publish.batch import Outcome, ReportFailed, render_reports

__all__ = ["Outcome", "ReportFailed", "render_reports"]
