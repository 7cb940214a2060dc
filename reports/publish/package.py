"""`deptops package`: one audience's reports of a period, protected by a password, to send.

Exactly the audience's files: the reports of the departments asked for (by code, or every
department whose 运营助理 is the assistant named) with their data-quality reports, the hospital's
only when asked, never the dashboard (it shows every department). Workbooks are encrypted the way Excel and WPS encrypt them
(msoffcrypto-tool, ECMA-376 agile encryption), so they ask for the password when opened. Each
page becomes one file holding the report, plotly.js inlined, encrypted with AES-256-GCM under a
key derived from the password by PBKDF2-SHA256 with a random salt; a small page around it asks for
the password and decrypts it in the browser (WebCrypto), with no network access.

The password is never on the command line (where other users see it in the process list) and
never written anywhere; it is read from a file or standard input.
"""

from __future__ import annotations

import base64
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from msoffcrypto.format.ooxml import OOXMLFile

from reports import labels
from reports.data.warehouse import HOSPITAL
from reports.files import ASSET_HREF, QUALITY_SUFFIX, read_manifest, report_file_name
from reports.render.html import environment, plotly_script, template_helpers

# OWASP's 2023 figure for PBKDF2-HMAC-SHA256; a browser derives the key in about a second.
PBKDF2_ITERATIONS = 600_000
MIN_PASSWORD_LENGTH = 8


class PackageError(ValueError):
    """A package that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Audience:
    departments: tuple[str, ...]  # department codes
    hospital: bool = False


def read_password(source: str, stdin: io.TextIOBase | None = None) -> str:
    """The password from a file, or from standard input for "-": its first line."""
    import sys

    text = (stdin or sys.stdin).read() if source == "-" else Path(source).read_text("utf-8")
    password = text.splitlines()[0] if text.splitlines() else ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PackageError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def assistant_departments(warehouse: Path, assistant: str) -> tuple[str, ...]:
    """The codes of the departments whose 运营助理 is `assistant`."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        codes = con.execute(
            "select code from raw_departments where trim(assistant) = trim(?) order by code",
            [assistant],
        ).fetchall()
    if not codes:
        raise PackageError(f"no department has {assistant!r} as its operations assistant")
    return tuple(code for (code,) in codes)


def audience_files(period_dir: Path, audience: Audience, lang: str) -> list[Path]:
    """The report files of the audience in the period folder, pages then workbooks by code."""
    if not period_dir.is_dir():
        raise PackageError(f"no reports for {period_dir.name} in {period_dir.parent}")
    stems = {entry.get("code"): stem for stem, entry in read_manifest(period_dir).items()}
    codes = list(audience.departments) + ([HOSPITAL] if audience.hospital else [])
    unknown = [code for code in codes if code not in stems]
    if unknown:
        raise PackageError(f"{period_dir.name} has no report of {', '.join(unknown)}")
    files = []
    for code in codes:
        for suffix in (".html", ".xlsx"):
            path = period_dir / report_file_name(stems[code], lang, suffix)
            if not path.exists():
                raise PackageError(f"{path} is missing: run `deptops run --lang {lang}` first")
            files.append(path)
        # the data-quality report the page's data status links to, for the assistant who fixes
        # the ledgers (a folder written before there were such reports has none)
        for suffix in (".html", ".xlsx"):
            path = period_dir / report_file_name(stems[code], lang, f"{QUALITY_SUFFIX}{suffix}")
            if path.exists():
                files.append(path)
    return files


def seal(data: bytes, password: str) -> dict[str, object]:
    """AES-256-GCM under a PBKDF2-SHA256 key with a fresh salt and nonce, as WebCrypto reads it
    (the tag follows the ciphertext)."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    key = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=salt, iterations=PBKDF2_ITERATIONS
    ).derive(password.encode("utf-8"))
    encoded = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return {
        "salt": encoded(salt),
        "iv": encoded(nonce),
        "iterations": PBKDF2_ITERATIONS,
        "data": encoded(AESGCM(key).encrypt(nonce, data, None)),
    }


def protected_page(page: str, password: str, lang: str) -> str:
    """The report page, plotly.js inlined, sealed inside a page that asks for the password."""
    linked = str(plotly_script(False, ASSET_HREF))
    whole = page.replace(linked, str(plotly_script(True, ASSET_HREF)))
    return (
        environment()
        .get_template("protected.html")
        .render(sealed=seal(whole.encode("utf-8"), password), **template_helpers(lang))
    )


def protected_workbook(path: Path, password: str, target: Path) -> None:
    with open(path, "rb") as plain, open(target, "wb") as sealed:
        OOXMLFile(plain).encrypt(password, sealed)


def write_package(
    reports_dir: Path,
    period: str,
    audience: Audience,
    password: str,
    out: Path,
    lang: str = "zh",
) -> list[Path]:
    """Write the audience's reports of `period`, each protected by `password`, into `out`."""
    labels.check_language(lang)
    files = audience_files(reports_dir / period, audience, lang)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in files:
        target = out / path.name
        partial = target.with_name(target.name + ".partial")
        if path.suffix == ".html":
            page = path.read_text(encoding="utf-8")
            partial.write_text(protected_page(page, password, lang), encoding="utf-8")
        else:
            protected_workbook(path, password, partial)
        os.replace(partial, target)
        written.append(target)
    return written
