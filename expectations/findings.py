"""Run the data-quality checks of checks.toml for some months and store what they find.

Tables written (a month is a DATE, its first day; the functions here take and give 'YYYY-MM'):
- `dq_findings`: one row per finding: check, severity, guards, dimension, dept, period (the
  month), ledger, file, sheet, row, message_zh, message_en, and for indicator checks metric,
  value, reference, score, threshold.
- `publication_blocks`: one row per department, month and error-level ledger check that failed:
  that department's indicators of that month that read one of `ledgers` (comma-separated kinds:
  the check's, or for a per-ledger suite the ledger of its findings) are not to be published
  (dept, month, check, message_zh, message_en, ledgers).
- `ledger_quality`: one row per department and month: completeness, timeliness, accuracy and
  score, each 0–100 (formulas in checks.toml).

Rerunning a month replaces that month's rows, in one transaction. Ledger checks (`run_ledger_checks`)
read the loaded ledgers; anomaly checks (`run_anomaly_checks`) read metric_values; `run_checks` runs
both (the anomaly checks only where metric_values exists).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import duckdb
import pandas as pd

from expectations.checks import Finding, catalogue, check, make_finding, thresholds
from expectations.sql_checks import bind, materialise, query, sql
from expectations.suites import suite_findings
from ledgers import clock
from ledgers.excel_text import write_excel_csv
from ledgers.loader import UNCHECKED, ensure_schema
from ledgers.specs import ledgers
from metrics.compute import ensure_views
from metrics.periods import month_column_as_date, month_start, period_columns_as_dates

__all__ = [
    "CSV_COLUMNS",
    "Finding",
    "PublicationBlock",
    "alarm_rate",
    "anomaly_findings",
    "ensure_tables",
    "is_blocked",
    "ledger_findings",
    "publication_blocks",
    "run_anomaly_checks",
    "run_checks",
    "run_ledger_checks",
    "stored_findings",
    "write_data_quality_csv",
]

FINDING_COLUMNS = [f.name for f in fields(Finding)]
CSV_COLUMNS = ["check", "severity", "dept", "period", "ledger", "file", "sheet", "row", "message"]

# The order findings are listed in, everywhere: month, department, errors first, then the check
# and where in the ledgers (findings about a whole month before those naming a row).
ORDER_SQL = """period, dept nulls first, severity = 'warning', "check", ledger nulls first,
    file nulls first, sheet nulls first, "row" nulls first, message_en"""


@dataclass(frozen=True)
class PublicationBlock:
    """A department's month that must not be published, and why."""

    dept: str
    month: str
    check: str
    message_zh: str
    message_en: str
    ledgers: str  # the ledger kinds in error, comma-separated

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger tables and dq_findings, publication_blocks, ledger_quality if missing,
    and the views over ledgers the checks share with the indicators (discharges_weighted)."""
    ensure_schema(con)
    ensure_views(con)
    con.execute("""
        create table if not exists dq_findings (
            "check" varchar, severity varchar, guards varchar, dimension varchar, dept varchar,
            period date, ledger varchar, file varchar, sheet varchar, "row" integer,
            message_zh varchar, message_en varchar, metric varchar, value double,
            reference double, score double, threshold double)
    """)
    con.execute("""
        create table if not exists ledger_quality (
            dept varchar, month date, completeness double, timeliness double,
            accuracy double, score double)
    """)
    # A warehouse made before months were dates.
    month_column_as_date(con, "dq_findings", "period")
    month_column_as_date(con, "ledger_quality", "month")
    # ... and before periods had dates: the anomaly checks read metric_values' period_start
    period_columns_as_dates(con, "metric_values", fill=True)


# --- running -----------------------------------------------------------------------------------


def run_checks(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> list[Finding]:
    """Every check for these months ('2026-10', ...): ledger checks, and anomaly checks where
    metric_values exists. Stores dq_findings, publication_blocks and ledger_quality for the months
    (replacing their rows, one transaction) and returns the findings."""
    ensure_tables(con)
    found, quality = _ledger_run(con, months, today)
    guards = {"ledger"}
    if _has_table(con, "metric_values") and _has_table(con, "metric_catalogue"):
        found += anomaly_findings(con, months)
        guards.add("indicators")
    _store(con, months, found, guards, quality)
    return _sorted(found)


def run_ledger_checks(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> list[Finding]:
    """The checks that guard the ledgers (suites, reconciliations, completeness, timeliness), for
    these months; stores their findings, publication_blocks and ledger_quality."""
    ensure_tables(con)
    found, quality = _ledger_run(con, months, today)
    _store(con, months, found, {"ledger"}, quality)
    return _sorted(found)


def run_anomaly_checks(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[Finding]:
    """The checks that guard the indicators (jumps against the department's own history), for
    these months; stores their findings. Needs metric_values (metrics.compute first)."""
    ensure_tables(con)
    found = anomaly_findings(con, months)
    _store(con, months, found, {"indicators"}, None)
    return _sorted(found)


def ledger_findings(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> list[Finding]:
    """The ledger checks' findings for these months, computed and not stored."""
    ensure_tables(con)
    return _sorted(_ledger_run(con, months, today)[0])


def anomaly_findings(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[Finding]:
    """The indicator checks' findings for these months, computed and not stored."""
    from metrics.catalogue import indicators

    inputs = {i.id: ",".join(i.inputs) for i in indicators().values()}
    values = _parameters(months, None)
    materialise(con, "dq_anomaly_baseline", "anomaly_baseline", values)
    found = []
    for item in catalogue().values():
        if item.guards != "indicators":
            continue
        for row in query(con, item.id, values):
            row["ledger"] = inputs.get(row["metric"], "metric_values")
            found.append(make_finding(item.id, row))
    return _sorted(found)


def _ledger_run(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None
) -> tuple[list[Finding], list[tuple]]:
    """The ledger findings of these months and the ledger_quality rows that follow from them."""
    values = _parameters(months, today)
    found = suite_findings(con, months)
    materialise(con, "dq_expected_ledgers", "expected_ledgers", values)
    for item in catalogue().values():
        if item.guards == "ledger" and item.source == "sql":
            found += [make_finding(item.id, row) for row in query(con, item.id, values)]
    quality = _ledger_quality(con, found, values)
    return found, quality


def _ledger_quality(
    con: duckdb.DuckDBPyConnection, found: list[Finding], values: dict[str, object]
) -> list[tuple]:
    con.execute(
        """create or replace temp table dq_run_findings (
            "check" varchar, dimension varchar, dept varchar, period varchar, ledger varchar,
            file varchar, sheet varchar, "row" integer)"""
    )
    _insert(
        con,
        "dq_run_findings",
        [
            (f.check, check(f.check).dimension, f.dept, f.period, f.ledger, f.file, f.sheet, f.row)
            for f in found
        ],
    )
    text = sql("ledger_quality")
    return con.execute(text, bind(text, values)).fetchall()


def _parameters(months: Iterable[str], today: dt.date | None) -> dict[str, object]:
    """Everything the SQL files may bind: the months, today, the thresholds (a table of them,
    such as material_change by unit, as a MAP: `$material_change[unit]`)."""
    return {
        **{name: _sql_value(value) for name, value in thresholds().items()},
        "months": [month_start(m) for m in sorted(set(months))],
        "today": today or clock.today(),
        "master_ledgers": [kind for kind, spec in ledgers().items() if not spec.period],
    }


def _sql_value(value: object) -> object:
    if isinstance(value, dict):  # how DuckDB's Python client takes a MAP
        return {"key": list(value), "value": [float(v) for v in value.values()]}
    return value


# --- storing -----------------------------------------------------------------------------------


def _store(
    con: duckdb.DuckDBPyConnection,
    months: list[str],
    found: list[Finding],
    guards: set[str],
    quality: list[tuple] | None,
) -> None:
    """Replace the months' findings of these guards (and, for ledger checks, their
    publication_blocks and ledger_quality) in one transaction."""
    periods = sorted(set(months))
    params = {"periods": [month_start(m) for m in periods], "guards": sorted(guards)}
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from dq_findings where list_contains($periods, period) "
            "and list_contains($guards, guards)",
            params,
        )
        _insert(con, "dq_findings", [_stored_row(f) for f in _sorted(found) if f.period in periods])
        if quality is not None:
            con.execute(
                "delete from publication_blocks where list_contains($periods, month)",
                {"periods": params["periods"]},
            )
            _insert(
                con,
                "publication_blocks",
                [astuple(b) for b in _blocks(con, found) if b.month in periods],
            )
            con.execute(
                "delete from ledger_quality where list_contains($periods, month)",
                {"periods": params["periods"]},
            )
            _insert(con, "ledger_quality", quality)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert rows into one of our own tables (the table name is never ledger text).

    As one frame, not `executemany`: a city's tens of thousands of findings took 25 s row by row.
    Each column gets the pandas type that holds the table column's values and nulls exactly."""
    if not rows:
        return
    described = con.execute(f"select * from {table} limit 0").description  # noqa: S608
    frame = pd.DataFrame.from_records(rows, columns=[d[0] for d in described])
    for name, kind, *_ in described:
        if str(kind) == "DATE":  # a month: the findings' 'YYYY-MM', the table's first day
            frame[name] = [None if m is None else _month_date(m) for m in frame[name]]
            continue
        dtype = {"INTEGER": "Int64", "DOUBLE": "Float64"}.get(str(kind), "object")
        frame[name] = frame[name].astype(dtype)
    con.execute(f"insert into {table} select * from frame")  # noqa: S608


def _month_date(month: str | dt.date) -> dt.date:
    return month if isinstance(month, dt.date) else month_start(month)


def _stored_row(finding: Finding) -> tuple:
    item = check(finding.check)
    values = tuple(getattr(finding, name) for name in FINDING_COLUMNS)  # astuple deep-copies
    # dq_findings puts guards and dimension after severity, for readers of the table
    return (*values[:2], item.guards, item.dimension, *values[2:])


def _blocks(con: duckdb.DuckDBPyConnection, found: list[Finding]) -> list[PublicationBlock]:
    """One block per department, month and failed error-level ledger check: the check's title,
    how many findings, and the first of them."""
    departments = {code for (code,) in con.execute("select code from raw_departments").fetchall()}
    grouped: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in _sorted(found):
        item = check(finding.check)
        if item.severity == "error" and item.guards == "ledger" and finding.dept in departments:
            grouped[(finding.dept, finding.period, finding.check)].append(finding)
    blocks = []
    for (dept, month, check_id), items in sorted(grouped.items()):
        item = check(check_id)
        first = items[0]
        # A suite's finding names the ledger in error; a reconciliation's names every ledger it
        # reads (it cannot tell which is wrong): what reads any of them is withheld.
        in_error = {kind for f in items for kind in (f.ledger or "").split(",") if kind}
        in_error = in_error or set(item.ledgers)
        blocks.append(
            PublicationBlock(
                dept=dept,
                month=month,
                check=check_id,
                message_zh=f"{item.zh}（{len(items)} 处）：{first.message_zh}",
                message_en=f"{item.en} ({len(items)} found): {first.message_en}",
                ledgers=",".join(sorted(in_error)),
            )
        )
    return blocks


def _sorted(found: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> tuple:
        return (
            f.period,
            f.dept or "",
            f.severity == "warning",
            f.check,
            f.ledger or "",
            f.file or "",
            f.sheet or "",
            f.row if f.row is not None else -1,
            f.message_en,
        )

    return sorted(found, key=key)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = ?", [name]
        ).fetchone()[0]
    )


# --- reading -----------------------------------------------------------------------------------


def stored_findings(
    con: duckdb.DuckDBPyConnection, months: list[str] | None = None, dept: str | None = None
) -> list[Finding]:
    """The stored findings, of some months and one department if given, in the standard order."""
    if not _has_table(con, "dq_findings"):
        return []
    columns = ", ".join(_as_key(c, "period") for c in FINDING_COLUMNS)
    rows = con.execute(
        f"""select {columns} from dq_findings
            where ($months is null or list_contains($months, period))
              and ($dept is null or dept = $dept)
            order by {ORDER_SQL}""",  # noqa: S608 -- column names from the dataclass
        {"months": None if months is None else [month_start(m) for m in months], "dept": dept},
    ).fetchall()
    return [Finding(*row) for row in rows]


def publication_blocks(
    con: duckdb.DuckDBPyConnection, month: str | None = None, dept: str | None = None
) -> list[PublicationBlock]:
    """The department-months held back from publication (of one month, one department if given):
    the report shows the message instead of the month's indicators."""
    if not _has_table(con, "publication_blocks"):
        return []
    rows = con.execute(
        """select dept, strftime(month, '%Y-%m'), "check", message_zh, message_en, ledgers
           from publication_blocks
           where ($month is null or month = $month) and ($dept is null or dept = $dept)
           order by month, dept, "check" """,
        {"month": None if month is None else month_start(month), "dept": dept},
    ).fetchall()
    return [PublicationBlock(*row) for row in rows]


def unchecked_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months a load touched whose ledger checks have not committed since (a run killed between
    the load and its checks): checked again by the next run, withheld until then."""
    if not _has_table(con, "publication_blocks"):
        return []
    rows = con.execute(
        """select distinct strftime(month, '%Y-%m') as m from publication_blocks
           where "check" = ? order by m""",
        [UNCHECKED],
    ).fetchall()
    return [m for (m,) in rows]


def is_blocked(con: duckdb.DuckDBPyConnection, dept: str, month: str) -> bool:
    """Whether a department's indicators of a month are held back by an error in its ledgers."""
    return bool(publication_blocks(con, month, dept))


def is_alarm(finding: Finding) -> bool:
    """An indicator anomaly that asks for action: not a note about a change for the better."""
    return check(finding.check).guards == "indicators" and not finding.is_note


def alarm_rate(
    con: duckdb.DuckDBPyConnection, found: list[Finding] | None = None
) -> tuple[int, int]:
    """(department-months raising an anomaly alarm, department-months with indicator values),
    over the departments' own months (not the hospital's or a group's); the stored findings, or
    `found` where given. What the run summary reports and the demo keeps under 5%."""
    months = set(
        con.execute(
            """select distinct dept, period from metric_values
               where grain = 'month' and dept in (select code from raw_departments)"""
        ).fetchall()
    )
    found = stored_findings(con) if found is None else found
    alarmed = {(f.dept, f.period) for f in found if is_alarm(f)} & months
    return len(alarmed), len(months)


def _as_key(column: str, month: str) -> str:
    """A column of dq_findings to select, the month spelt 'YYYY-MM' as findings and exports spell it."""
    return f'strftime("{column}", \'%Y-%m\') as "{column}"' if column == month else f'"{column}"'


def write_data_quality_csv(con: duckdb.DuckDBPyConnection, path: Path, lang: str = "zh") -> int:
    """HOME/reports/data_quality.csv: every stored finding, the message in `lang`, in the
    standard order (month, department, errors first, check, ledger, file, sheet, row).
    Returns the rows written."""
    ensure_tables(con)
    message = "message_zh" if lang == "zh" else "message_en"
    return write_excel_csv(
        con,
        f"""select {", ".join(_as_key(c, "period") for c in CSV_COLUMNS[:-1])}, {message} as message
            from dq_findings order by {ORDER_SQL}""",  # noqa: S608 -- our column names
        Path(path),
    )
