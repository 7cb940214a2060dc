"""PDF copies of reports, printed by headless Chromium when it is installed.

A PDF is printed from the report's single-file copy (charts as SVG, no script), so that it needs
neither `assets/` nor JavaScript (Chromium's print to PDF prints nothing with scripts switched off
by --blink-settings, so the copy's having none is what keeps them out). Page size, margins,
page numbers ("3 / 10", an @page margin box) and where pages break come from the page's print
CSS (reports/render/templates/report.css), which Chromium honours; its own header and footer
(date, file path) are left off. One Chromium process per file: ~3 s each on two cores, so PDFs
are printed for the periods asked for (`deptops standalone`), not for every period of a run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from reports.files import STANDALONE_SUFFIX

CHROMIUM_VARIABLE = "DEPTOPS_CHROMIUM"  # a path, or "none" to print no PDF
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT_S = 120


class PrintFailed(RuntimeError):
    """Chromium did not write the PDF; says which page and what Chromium said."""


def find_chromium() -> str | None:
    """DEPTOPS_CHROMIUM when set (none: no PDF), else the first Chromium on PATH; None if none."""
    chosen = os.environ.get(CHROMIUM_VARIABLE)
    if chosen:
        return None if chosen.lower() == "none" else chosen
    return next((path for name in _CANDIDATES if (path := shutil.which(name))), None)


def pdf_path(page: Path) -> Path:
    """CARD.standalone.html -> CARD.pdf, CARD.en.standalone.html -> CARD.en.pdf."""
    stem = page.name.removesuffix(".html").removesuffix(STANDALONE_SUFFIX)
    return page.with_name(f"{stem}.pdf")


def print_pdf(page: Path, target: Path, chromium: str) -> Path:
    """Print `page` (an HTML file) to `target` with headless Chromium; replaces `target` only
    once the new PDF is complete. Raises PrintFailed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with tempfile.TemporaryDirectory(prefix="deptops-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",  # as root (a service or CI) Chromium's sandbox refuses to start
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--no-pdf-header-footer",  # the page's own @page boxes number the pages
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            partial.unlink(missing_ok=True)
            raise PrintFailed(
                f"{page}: Chromium ({chromium}) could not print it: {error}"
            ) from error
    if done.returncode != 0 or not partial.exists() or partial.read_bytes()[:5] != b"%PDF-":
        partial.unlink(missing_ok=True)
        said = " ".join(line for line in done.stderr.splitlines()[-3:] if "dbus" not in line)
        raise PrintFailed(
            f"{page}: Chromium ({chromium}) wrote no PDF (exit {done.returncode}): {said}"
        )
    partial.replace(target)
    return target


def print_copies(pages: list[Path], chromium: str | None = None) -> list[Path]:
    """A PDF beside each single-file copy in `pages` (CARD.pdf beside CARD.standalone.html);
    nothing when no Chromium is installed. Returns the PDFs written."""
    chromium = chromium or find_chromium()
    if chromium is None:
        return []
    return [print_pdf(page, pdf_path(page), chromium) for page in pages]
