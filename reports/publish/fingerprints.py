"""Fingerprints of what a report shows, to leave a report alone when it would come out the same.

A report's fingerprint is a hash of everything its files are rendered from: the assembled content
(every figure, comparison, peer rank, finding, block and comment it shows, in its language, with
suppression applied), and the version of the code, templates, labels and catalogue that turn
content into HTML and Excel. Hashing the content rather than a list of the warehouse rows behind
it means no second list of dependencies to keep in step with the report code: a peer's figure
that moves the department's rank changes the fingerprint, a row the report does not show does not.
Numbers count to 15 significant digits (see `_encode`).

Each period folder keeps `fingerprints.json`: per report file, the fingerprint it was rendered
from and the size and modification time it was left with, so that a file changed or replaced by
hand since is written again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import sys
from decimal import Decimal
from functools import cache
from importlib import metadata
from pathlib import Path

FINGERPRINTS = "fingerprints.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
# What renders content into files besides the reports package itself.
RENDERING_SOURCES = (
    "metrics/catalogue.py",
    "metrics/catalogue.toml",
    "ledgers/specs.py",
    "ledgers/specs.toml",
)
RENDERING_PACKAGES = ("plotly", "openpyxl", "jinja2", "markupsafe")


@cache
def code_version() -> str:
    """A hash of the reports package (code, templates, labels), the catalogue and ledger specs
    it names things from, and the versions of the libraries that write the files."""
    digest = hashlib.blake2b(digest_size=16)
    reports = Path(__file__).resolve().parents[1]
    files = [p for p in sorted(reports.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    files += [REPO_ROOT / name for name in RENDERING_SOURCES]
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    for package in RENDERING_PACKAGES:
        digest.update(f"{package}={metadata.version(package)}".encode())
    digest.update(f"python={sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()


def fingerprint(*parts: object) -> str:
    """A hash of `parts` (content objects, strings, numbers) and the code version."""
    out: list[str] = [code_version()]
    for part in parts:
        _encode(part, out)
    return hashlib.blake2b(
        "\x1f".join(out).encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()


def _encode(value: object, out: list[str]) -> None:
    """Append a canonical text of `value`: equal content gives equal text in any process (no
    ids, no set or hash order); an unknown type is an error rather than a guess."""
    if value is None or isinstance(value, bool | int):
        out.append(repr(value))
    elif isinstance(value, str):  # Markup and StrEnum included: their text is what is shown
        out.append(f"s{len(value)}:{value}")
    elif isinstance(value, float):
        # 15 significant digits, what Excel shows: recomputing a month from the same rows can
        # move a sum over many departments in its last binary digit (DuckDB adds in parallel),
        # which no reader can see; at city scale that alone would re-render most reports.
        out.append(f"f{value:.15g}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.append(f"<{type(value).__qualname__}")
        for field in dataclasses.fields(value):
            out.append(field.name)
            _encode(getattr(value, field.name), out)
        out.append(">")
    elif isinstance(value, list | tuple):
        out.append(f"[{len(value)}")
        for item in value:
            _encode(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append(f"{{{len(value)}")
        for text in sorted(_pair(key, item) for key, item in value.items()):
            out.append(text)
        out.append("}")
    elif isinstance(value, set | frozenset):
        out.append(f"({len(value)}")
        out.extend(sorted(_text(item) for item in value))
        out.append(")")
    elif isinstance(value, enum.Enum):
        out.append(f"e{type(value).__qualname__}.{value.name}")
    elif isinstance(value, Decimal | dt.date | dt.datetime | dt.time | Path):
        out.append(f"{type(value).__name__}:{value}")
    else:
        raise TypeError(f"cannot fingerprint a {type(value).__qualname__}: {value!r}")


def _text(value: object) -> str:
    out: list[str] = []
    _encode(value, out)
    return "\x1f".join(out)


def _pair(key: object, value: object) -> str:
    return f"{_text(key)}\x1e{_text(value)}"


@dataclasses.dataclass(frozen=True)
class Stamp:
    """A report file as it was left: the fingerprint it was rendered from, its size and mtime."""

    fingerprint: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path, fingerprint: str) -> Stamp:
        stat = path.stat()
        return cls(fingerprint, stat.st_size, stat.st_mtime_ns)

    def holds(self, path: Path, fingerprint: str) -> bool:
        """Whether `path` is still the file rendered from `fingerprint`."""
        if fingerprint != self.fingerprint:
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def read_stamps(period_dir: Path) -> dict[str, Stamp]:
    """The stamps of a period folder by file name; empty when there are none or they are unreadable
    (then every report is rendered again)."""
    try:
        data = json.loads((period_dir / FINGERPRINTS).read_text(encoding="utf-8"))
        return {name: Stamp(**entry) for name, entry in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def write_stamps(period_dir: Path, stamps: dict[str, Stamp]) -> Path:
    """Add `stamps` to the folder's (other languages' reports and briefs share the folder)."""
    path = period_dir / FINGERPRINTS
    merged = read_stamps(period_dir) | stamps
    partial = path.with_suffix(".partial")
    partial.write_text(
        json.dumps(
            {name: dataclasses.asdict(stamp) for name, stamp in merged.items()},
            indent=0,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    partial.replace(path)
    return path
