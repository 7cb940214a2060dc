"""Where things live: the ledger inbox, the warehouse, the reports, Dagster's home.

Every path derives from HOME (default `var/`); the defaults make `make run` work from a fresh clone.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ledgers.clock import configured_timezone
from ledgers.limits import MIB, ReadLimits

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HOME = Path("var")
DEFAULT_FIRST_MONTH = "2024-01"
# The memory a run's DuckDB connections may use together (DEPTOPS_MEMORY_LIMIT): by default half
# of what the machine, or its container, has (DuckDB reads both for a share), as DuckDB's guide to
# out-of-memory errors advises, since some of its work allocates beside the buffer pool its limit
# counts; the other half is left to the page cache, Dagster and the workbook reader. Past it
# DuckDB spills to <warehouse>.tmp/. A city's load holds 1.9 GiB with or without a limit; a
# region's needs 7.3 GiB, and under a fixed 2GB it spilled 3.9 GB and spent a fifth more CPU
# (BENCHMARKS.md, "Region scale, fourth round").
DEFAULT_MEMORY_LIMIT = "50%"
_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]i?b|b|bytes)", re.IGNORECASE)
_UNITS = {"b": 1, "bytes": 1} | {
    f"{prefix}{infix}b": base**power
    for power, prefix in enumerate("kmgt", 1)
    for infix, base in (("", 1000), ("i", 1024))
}
REPORT_WORKERS_VARIABLE = "DEPTOPS_REPORT_WORKERS"
HOSPITAL_VARIABLE = "DEPTOPS_HOSPITAL"


def hospital_name_from(environ: Mapping[str, str], state_file: Path | None = None) -> str | None:
    """The hospital's name in every report's header: DEPTOPS_HOSPITAL when set, else the name
    HOME/deptops.json remembers (the one `deptops run --hospital` was given), else None."""
    text = environ.get(HOSPITAL_VARIABLE, "").strip()
    if text:
        return text
    if state_file is not None and state_file.exists():
        return json.loads(state_file.read_text()).get("hospital_name") or None
    return None


def default_report_workers() -> int:
    """DEPTOPS_REPORT_WORKERS when set (1: render in the pipeline's own process), else one worker
    process per CPU core."""
    text = os.environ.get(REPORT_WORKERS_VARIABLE, "").strip()
    if not text:
        return os.cpu_count() or 1
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValueError(
            f"{REPORT_WORKERS_VARIABLE} must be a whole number of at least 1, not {text!r}"
        )
    return int(text)


@dataclass(frozen=True)
class Settings:
    home: Path
    inbox: Path
    lang: str = "zh"
    first_month: str = DEFAULT_FIRST_MONTH
    # The hospital's zone (DEPTOPS_TIMEZONE): schedules, partitions and "today" (ledgers.clock).
    timezone: str = field(default_factory=configured_timezone)
    # Dagster pool of the steps that write this warehouse: one per hospital on a shared instance.
    pool: str = "duckdb"
    # Reports for wide circulation: hide sensitive counts (deaths, complications) below this.
    suppress_below: int | None = None
    # The memory of the run's DuckDB connections together: a size ("8GB") or a share of the
    # machine's ("25%"); None: DuckDB's default. Read from DEPTOPS_MEMORY_LIMIT when the settings
    # are made.
    memory_limit: str | None = field(default_factory=lambda: memory_limit_from(None))
    # Processes that render reports (reports.publish.batch); read when the settings are made.
    report_workers: int = field(default_factory=default_report_workers)
    # Scheduled backups (pipelines.backup): where, and how many are kept. DEPTOPS_BACKUPS,
    # DEPTOPS_BACKUP_KEEP; by default HOME/backups, which a copy to another disk should follow.
    backup_folder: Path | None = None
    backup_keep: int = 7
    # The hospital's name in every report's header and workbook header (DEPTOPS_HOSPITAL, or
    # `deptops run --hospital`, remembered in HOME/deptops.json); None: the reports name none.
    hospital_name: str | None = field(default_factory=lambda: hospital_name_from(os.environ))
    # How much of one ledger file is read, and how far back a row may be dated (SECURITY.md).
    # DEPTOPS_PAST_YEARS, DEPTOPS_MAX_ROWS and DEPTOPS_READER_MEMORY set some of them
    # (LIMIT_VARIABLES); read when the settings are made.
    limits: ReadLimits = field(default_factory=lambda: read_limits_from(os.environ))

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    def duckdb_config(self, processes: int = 1) -> dict[str, str]:
        """The connection settings of the pipeline's DuckDB resource; with `processes` > 1 (the
        report workers, each with its own connection open at once), each one's part of the
        memory, so that together they stay within `memory_limit`."""
        if not self.memory_limit:
            return {}
        return {"memory_limit": memory_part(self.memory_limit, processes)}

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def backups(self) -> Path:
        return self.backup_folder or self.home / "backups"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def state_file(self) -> Path:
        """Remembers the first month of data, so the UI's partitions start where the data does."""
        return self.home / "deptops.json"

    @classmethod
    def from_env(cls) -> Settings:
        """Settings for `dagster dev`, code servers and the daemon: DEPTOPS_HOME, DEPTOPS_INBOX,
        DEPTOPS_LANG, DEPTOPS_FIRST_MONTH, DEPTOPS_TIMEZONE, DEPTOPS_POOL, DEPTOPS_SUPPRESS_BELOW,
        DEPTOPS_MEMORY_LIMIT ("none": DuckDB's default),
        DEPTOPS_REPORT_WORKERS, DEPTOPS_BACKUPS, DEPTOPS_BACKUP_KEEP, DEPTOPS_HOSPITAL (else the
        name HOME/deptops.json remembers)."""
        home = Path(os.environ.get("DEPTOPS_HOME", DEFAULT_HOME))
        inbox = Path(os.environ.get("DEPTOPS_INBOX", home / "inbox"))
        state = home / "deptops.json"
        first = json.loads(state.read_text()).get("first_month") if state.exists() else None
        return cls(
            home=home.resolve(),
            inbox=inbox.resolve(),
            lang=os.environ.get("DEPTOPS_LANG", "zh"),
            first_month=os.environ.get("DEPTOPS_FIRST_MONTH") or first or DEFAULT_FIRST_MONTH,
            pool=os.environ.get("DEPTOPS_POOL", "duckdb"),
            suppress_below=int(os.environ["DEPTOPS_SUPPRESS_BELOW"])
            if os.environ.get("DEPTOPS_SUPPRESS_BELOW")
            else None,
            backup_folder=Path(os.environ["DEPTOPS_BACKUPS"]).resolve()
            if os.environ.get("DEPTOPS_BACKUPS")
            else None,
            backup_keep=int(os.environ.get("DEPTOPS_BACKUP_KEEP") or 7),
            hospital_name=hospital_name_from(os.environ, state),
        )

    def to_config(self) -> dict[str, object]:
        """Every field as Dagster run config holds it (text, numbers, null): paths as text, the
        reading limits as JSON. `from_config` gives the same Settings back; the Dagster resource
        (pipelines.assets.DeptopsConfig) is made from this, so a run sees every field."""
        values: dict[str, object] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, ReadLimits):
                value = json.dumps(dataclasses.asdict(value), sort_keys=True)
            values[f.name] = value
        return values

    @classmethod
    def from_config(cls, values: Mapping[str, object]) -> Settings:
        """The Settings `to_config` wrote."""
        given = dict(values)
        for name in ("home", "inbox", "backup_folder"):
            if given.get(name) is not None:
                given[name] = Path(given[name])
        given["limits"] = ReadLimits(**json.loads(given["limits"]))
        return cls(**given)

    def remember_first_month(self, month: str) -> None:
        self.remember(first_month=month)

    def remember(self, **values: str) -> None:
        """Keep `values` in HOME/deptops.json beside what it holds already (the first month of
        data, the hospital's name), for the next run and the UI."""
        self.home.mkdir(parents=True, exist_ok=True)
        state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        self.state_file.write_text(json.dumps(state | values, ensure_ascii=False) + "\n")


def memory_limit_from(text: str | None) -> str | None:
    """DEPTOPS_MEMORY_LIMIT (`text`, or the environment's when None): unset or blank gives the
    default, "none" DuckDB's own default; else a size (`8GB`, `512MiB`) or a share of the
    machine's memory (`25%`), as DuckDB's memory_limit reads them."""
    if text is None:
        text = os.environ.get("DEPTOPS_MEMORY_LIMIT", "")
    text = text.strip()
    if not text:
        return DEFAULT_MEMORY_LIMIT
    if text.lower() == "none":
        return None
    share, size = _SHARE.fullmatch(text), _SIZE.fullmatch(text)
    if share and 0 < float(share[1]) <= 100:
        return text
    if size and float(size[1]) > 0:
        return text
    raise ValueError(
        "DEPTOPS_MEMORY_LIMIT must be a size such as 8GB or 512MiB, a share of the machine's "
        f"memory such as 25%, or none, not {text!r}"
    )


def memory_part(limit: str, processes: int) -> str:
    """One of `processes` equal parts of `limit` (a memory_limit_from text): a share as a
    share, a size in bytes."""
    if processes == 1:
        return limit
    share, size = _SHARE.fullmatch(limit), _SIZE.fullmatch(memory_limit_from(limit) or "")
    if share:
        return f"{float(share[1]) / processes:g}%"
    return f"{int(float(size[1]) * _UNITS[size[2].lower()] / processes)}B"


# Reading limits an administrator may set (SECURITY.md): variable -> (ReadLimits field, unit in
# which the variable gives it, what it counts).
LIMIT_VARIABLES = {
    "DEPTOPS_PAST_YEARS": ("past_years", 1, "years"),
    "DEPTOPS_MAX_ROWS": ("max_rows", 1, "rows"),
    "DEPTOPS_READER_MEMORY": ("max_reader_bytes", MIB, "MiB"),
}


def read_limits_from(environ: Mapping[str, str]) -> ReadLimits:
    """The reading limits: the defaults, with each of LIMIT_VARIABLES that is set (a whole
    number, at least 1)."""
    values = {}
    for variable, (name, unit, what) in LIMIT_VARIABLES.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise ValueError(f"{variable} must be a whole number of {what}, not {text!r}")
        values[name] = int(text) * unit
    return ReadLimits(**values)
