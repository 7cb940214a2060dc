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
read the loaded ledgers; anomaly checks (`run_anomaly_checks`) read metric_values (its stored
tables: metrics.compute); `run_checks` runs both (the anomaly checks only where metric_values
exists).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import duckdb
import pandas as pd

from expectations.checks import NOTE, Finding, catalogue, check, make_finding, thresholds
from expectations.messages_sql import ledger_sql, message_sql
from expectations.sql_checks import materialise, query, query_table
from expectations.suites import suite_findings
from ledgers import clock
from ledgers.excel_text import write_excel_csv
from ledgers.loader import UNCHECKED
from ledgers.rule_base import quoted
from ledgers.specs import ledgers
from metrics.compute import ensure_views
from metrics.periods import month_column_as_date, month_start, period_columns_as_dates

__all__ = [
    "CSV_COLUMNS",
    "Finding",
    "PublicationBlock",
    "CheckSummary",
    "alarm_rate",
    "anomaly_check_summaries",
    "anomaly_findings",
    "ensure_tables",
    "is_blocked",
    "ledger_check_summaries",
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
ORDER_KEYS = """period, dept nulls first, severity = 'warning', "check", ledger nulls first,
    file nulls first, sheet nulls first, "row" nulls first"""
ORDER_SQL = ORDER_KEYS + ", message_en"


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
    ensure_views(con)  # the ledger tables first (ensure_schema), once
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
#
# A run's findings are gathered in a temp table (RUN), worded there by SQL where the check's
# template allows (expectations.messages_sql; the rest by `make_finding`), then stored and
# counted from it in SQL: a city's tens of thousands never pass through Python one by one
# before they are stored. Its month is a DATE, as dq_findings' (a Finding spells it 'YYYY-MM').

RUN = "dq_run_found"


def run_checks(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> list[Finding]:
    """Every check for these months ('2026-10', ...): ledger checks, and anomaly checks where
    metric_values exists. Stores dq_findings, publication_blocks and ledger_quality for the months
    (replacing their rows, one transaction) and returns the findings."""
    ensure_tables(con)
    values = _parameters(months, today)
    _start_run(con)
    _collect_ledger(con, months, values)
    guards = {"ledger"}
    if _has_table(con, "metric_values") and _has_table(con, "metric_catalogue"):
        _collect_anomalies(con, values)
        guards.add("indicators")
    _store(con, months, guards, quality=True)
    return _fetch(con)


def run_ledger_checks(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> list[Finding]:
    """The checks that guard the ledgers (suites, reconciliations, completeness, timeliness), for
    these months; stores their findings, publication_blocks and ledger_quality."""
    _check_ledgers(con, months, today)
    return _fetch(con)


def run_anomaly_checks(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[Finding]:
    """The checks that guard the indicators (jumps against the department's own history), for
    these months; stores their findings. Needs metric_values' stored tables (metrics.compute first)."""
    _check_indicators(con, months)
    return _fetch(con)


def ledger_check_summaries(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> dict[str, CheckSummary]:
    """`run_ledger_checks`, stored alike, but what it found summed up per check (`summaries`)
    instead of every finding: what the pipeline's asset checks report."""
    _check_ledgers(con, months, today)
    return _summaries(con)


def anomaly_check_summaries(
    con: duckdb.DuckDBPyConnection, months: list[str]
) -> dict[str, CheckSummary]:
    """`run_anomaly_checks`, stored alike, but what it found summed up per check."""
    _check_indicators(con, months)
    return _summaries(con)


def _check_ledgers(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None
) -> None:
    ensure_tables(con)
    _start_run(con)
    _collect_ledger(con, months, _parameters(months, today))
    _store(con, months, {"ledger"}, quality=True)


def _check_indicators(con: duckdb.DuckDBPyConnection, months: list[str]) -> None:
    ensure_tables(con)
    _start_run(con)
    _collect_anomalies(con, _parameters(months, None))
    _store(con, months, {"indicators"}, quality=False)


def ledger_findings(
    con: duckdb.DuckDBPyConnection, months: list[str], today: dt.date | None = None
) -> list[Finding]:
    """The ledger checks' findings for these months, computed and not stored."""
    ensure_tables(con)
    _start_run(con)
    _collect_ledger(con, months, _parameters(months, today))
    return _fetch(con)


def anomaly_findings(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[Finding]:
    """The indicator checks' findings for these months, computed and not stored: only temp
    tables are made, so a read-only connection will do (the report's and the tests')."""
    _start_run(con)
    _collect_anomalies(con, _parameters(months, None))
    return _fetch(con)


def _start_run(con: duckdb.DuckDBPyConnection) -> None:
    """An empty RUN (a Finding's columns), and the checks' own columns beside it."""
    con.execute(
        f"""create or replace temp table {RUN} (
            "check" varchar, severity varchar, dept varchar, period date, ledger varchar,
            file varchar, sheet varchar, "row" integer, message_zh varchar, message_en varchar,
            metric varchar, value double, reference double, score double, threshold double)"""
    )
    items = list(catalogue().values())
    con.execute(
        """create or replace temp table dq_run_checks as
           select unnest($ids) as "check", unnest($guards) as guards,
                  unnest($dimensions) as dimension, unnest($severities) as check_severity""",
        {
            "ids": [c.id for c in items],
            "guards": [c.guards for c in items],
            "dimensions": [c.dimension for c in items],
            "severities": [c.severity for c in items],
        },
    )


def _collect_ledger(
    con: duckdb.DuckDBPyConnection, months: list[str], values: dict[str, object]
) -> None:
    """The ledger findings of these months into RUN, and the ledger_quality rows that follow from
    them (dq_run_quality)."""
    _insert(con, RUN, [astuple(f) for f in suite_findings(con, months)])
    # the episodes by month once, for the five queries that read them (episode_months.sql)
    materialise(con, "dq_episode_months", "episode_months", values)
    materialise(con, "dq_expected_ledgers", "expected_ledgers", values)
    for item in catalogue().values():
        if item.guards == "ledger" and item.source == "sql":
            _collect_check(con, item.id, values)
    con.execute(
        f"""create or replace temp view dq_run_findings as
            select f."check", c.dimension, f.dept, f.period, f.ledger, f.file, f.sheet, f."row"
            from {RUN} f join dq_run_checks c using ("check")"""  # noqa: S608 -- our own tables
    )
    materialise(con, "dq_run_quality", "ledger_quality", values)


def _collect_anomalies(con: duckdb.DuckDBPyConnection, values: dict[str, object]) -> None:
    """The indicator checks' findings into RUN (worded in Python: their fields are in the
    indicator's unit)."""
    from metrics.catalogue import indicators

    inputs = {i.id: ",".join(i.inputs) for i in indicators().values()}
    materialise(con, "dq_anomaly_baseline", "anomaly_baseline", values)
    found = []
    for item in catalogue().values():
        if item.guards != "indicators":
            continue
        for row in query(con, item.id, values):
            row["ledger"] = inputs.get(row["metric"], "metric_values")
            found.append(make_finding(item.id, row))
    _insert(con, RUN, [astuple(f) for f in found])


def _collect_check(
    con: duckdb.DuckDBPyConnection, check_id: str, values: dict[str, object]
) -> None:
    """One SQL check's findings into RUN, worded in SQL where its templates allow."""
    materialise(con, "dq_check_rows", check_id, values)
    # Nothing found (most checks of a sound month): nothing to word or store. Worded all the same,
    # DuckDB planned the insert's message expressions: a third of a small run's check CPU.
    if not con.execute("select exists (from dq_check_rows)").fetchone()[0]:
        return
    types = dict(
        con.execute("select column_name, column_type from (describe dq_check_rows)").fetchall()
    )
    item = check(check_id)
    zh, en = (message_sql(item, lang, types) for lang in ("zh", "en"))
    if zh is None or en is None or "metric" in types:
        rows = query_table(con, "dq_check_rows")
        _insert(con, RUN, [astuple(make_finding(check_id, row)) for row in rows])
        return

    def column(name: str, text: str = "q.{}") -> str:
        return text.format(quoted(name)) if name in types else "null"

    # the month a finding is of, as RUN keeps it: a check's 'YYYY-MM' read once, here
    period = (
        "q.period" if types["period"] == "DATE" else "cast(strptime(q.period, '%Y-%m') as date)"
    )

    con.execute(
        f"""insert into {RUN}
            select $check, coalesce(nullif({column("severity")}, ''), $severity),
                {column("dept")}, {period}, {ledger_sql(item, types)},
                nullif({column("file")}, ''), nullif({column("sheet")}, ''),
                cast({column("row")} as integer), {zh}, {en}, null, null, null, null, null
            from dq_check_rows q""",  # noqa: S608 -- our own names and words (checks.toml)
        {"check": check_id, "severity": item.severity},
    )
    wrong = con.execute(
        f"""select distinct severity from {RUN} where "check" = $check
            and severity not in ($severity, $note)""",  # noqa: S608 -- our own table
        {"check": check_id, "severity": item.severity, "note": NOTE},
    ).fetchall()
    if wrong:
        raise ValueError(f"{check_id}: a finding may be a {NOTE} note, not {wrong[0][0]!r}")


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


def _fetch(con: duckdb.DuckDBPyConnection, where: str = "true", params=None) -> list[Finding]:
    """RUN's findings (those `where` holds), in the standard order."""
    columns = ", ".join(_as_key(c, "period") for c in FINDING_COLUMNS)
    rows = con.execute(
        f"select {columns} from {RUN} where {where} order by {ORDER_SQL}, message_zh",  # noqa: S608
        params or {},
    ).fetchall()
    return [Finding(*row) for row in rows]


@dataclass(frozen=True)
class CheckSummary:
    """What one check found in a run, as its Dagster check result says it: the findings that are
    not notes (`hits`) and the notes, the departments and months of the hits (sorted, 'YYYY-MM'),
    and the first hit's Chinese message in the standard order (None without a hit)."""

    hits: int
    notes: int
    departments: tuple[str, ...]
    months: tuple[str, ...]
    first: str | None


def _summaries(con: duckdb.DuckDBPyConnection) -> dict[str, CheckSummary]:
    """RUN's findings summed up per check in SQL, by check id (a check that found nothing has
    none): what the findings `_fetch` gives say, counted where they are (at region scale
    fetching the ledger checks' 156,750 findings into Python to count them cost 1.1 s of CPU).
    The first hit is the first in `_fetch`'s order."""
    rows = con.execute(
        f"""select "check", count(*) filter (where not is_note),
                   count(*) filter (where is_note),
                   list(distinct dept) filter (where not is_note and dept <> ''),
                   list(distinct period) filter (where not is_note and period <> ''),
                   first(message_zh order by {ORDER_SQL}, message_zh)
                       filter (where not is_note)
            from (
                -- the month spelt as _fetch spells and orders it
                select * replace ({_as_key("period", "period")}),
                       severity is not distinct from $note as is_note
                from {RUN}
            )
            group by all""",  # noqa: S608 -- our own tables and column names
        {"note": NOTE},
    ).fetchall()
    return {
        check_id: CheckSummary(
            hits, notes, tuple(sorted(depts or ())), tuple(sorted(months or ())), first
        )
        for check_id, hits, notes, depts, months, first in rows
    }


# --- storing -----------------------------------------------------------------------------------


def _store(
    con: duckdb.DuckDBPyConnection, months: list[str], guards: set[str], quality: bool
) -> None:
    """Replace the months' findings of these guards (and, with `quality`, their
    publication_blocks and ledger_quality) by RUN's, in one transaction."""
    periods = sorted(set(months))
    params = {"periods": [month_start(m) for m in periods], "guards": sorted(guards)}
    stored = ", ".join(
        f'c."{name}"' if name in ("guards", "dimension") else f'f."{name}"'
        for name in STORED_COLUMNS
    )
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from dq_findings where list_contains($periods, period) "
            "and list_contains($guards, guards)",
            params,
        )
        con.execute(
            f"""insert into dq_findings
                select {stored} from {RUN} f join dq_run_checks c using ("check")
                where list_contains($periods, f.period) order by {ORDER_SQL}""",  # noqa: S608
            {"periods": params["periods"]},
        )
        if quality:
            con.execute(
                "delete from publication_blocks where list_contains($periods, month)",
                {"periods": params["periods"]},
            )
            _insert(
                con,
                "publication_blocks",
                [astuple(b) for b in _blocks(con) if b.month in periods],
            )
            con.execute(
                "delete from ledger_quality where list_contains($periods, month)",
                {"periods": params["periods"]},
            )
            con.execute("insert into ledger_quality select * from dq_run_quality")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


# dq_findings' columns: a Finding's, with its check's guards and dimension after severity
STORED_COLUMNS = [*FINDING_COLUMNS[:2], "guards", "dimension", *FINDING_COLUMNS[2:]]


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


def _blocks(con: duckdb.DuckDBPyConnection) -> list[PublicationBlock]:
    """One block per department, month and failed error-level ledger check: the check's title,
    how many findings, and the first of them."""
    errors = [c.id for c in catalogue().values() if c.severity == "error" and c.guards == "ledger"]
    found = _fetch(
        con,
        """list_contains($errors, "check") and dept in (select code from raw_departments)""",
        {"errors": errors},
    )
    grouped: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in found:
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
        f"""select {", ".join(_as_key(c, "period") for c in CSV_COLUMNS[:-1])}, {message} as message,
                   message_en as _message_en
            from dq_findings""",  # noqa: S608 -- our column names
        Path(path),
        # ORDER_SQL over the columns written ('YYYY-MM' sorts as the month does) and the English
        # message, which is not written in Chinese
        order=ORDER_KEYS + ", _message_en",
    )
