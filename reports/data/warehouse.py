"""Everything a report reads from the warehouse, fetched once per period for all departments.

One query per table and period (not one per department and indicator): a period's reports,
weekly briefs and dashboard are then assembled in memory. The data-quality tables belong to
the expectations stage and are read only when they exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

import duckdb

from expectations.checks import NOTE
from ledgers.specs import ledger, ledgers
from metrics import catalogue
from metrics.effects import Effect, stored_effects
from metrics.ranges import RangeFigures, evaluate_range
from reports import labels, periods
from reports.data.finance import FinanceData, read_finance
from reports.data.publication import HOSPITAL, Block, Publication
from reports.formatting import is_missing

FINDINGS_TABLE = "dq_findings"
BLOCKS_TABLE = "publication_blocks"
ANOMALY_PREFIX = "anomaly"

# metric_report columns kept per (department, indicator, period), under the same names.
REPORT_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "reason",
    "prior_period",
    "yoy_period",
    "prior_value",
    "prior_change",
    "prior_change_rel",
    "yoy_value",
    "yoy_change",
    "yoy_change_rel",
    "band_low",
    "band_high",
    "status",
    "months_covered",
    "months_in_period",
    "in_progress",
    "prior_reason",
    "yoy_reason",
    "depts_included",
    "depts_in_group",
)


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str | None
    kind: str | None = None
    assistant: str | None = None  # 运营助理, as the department list writes it

    def name(self, lang: str) -> str:
        """The name in the reader's language; an English name left blank falls back to Chinese."""
        return self.name_en if lang == "en" and self.name_en else self.name_zh

    @property
    def is_hospital(self) -> bool:
        return self.code == HOSPITAL


@dataclass(frozen=True)
class ReportValue:
    """One row of metric_report; missing numbers are None (never NaN)."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    reason: str | None = None
    prior_period: str | None = None
    yoy_period: str | None = None
    prior_value: float | None = None
    prior_change: float | None = None
    prior_change_rel: float | None = None
    yoy_value: float | None = None
    yoy_change: float | None = None
    yoy_change_rel: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    status: str | None = None
    months_covered: float | None = None
    months_in_period: float | None = None
    in_progress: bool | None = None
    prior_reason: str | None = None  # partial_period: not compared with a whole period
    yoy_reason: str | None = None
    depts_included: float | None = None  # a group: departments its value covers, of those
    depts_in_group: float | None = None


@dataclass(frozen=True)
class CommentRow:
    dept: str
    month: str
    topic: str  # an indicator id (the loader resolves names) or a free topic
    factor: str | None
    text: str
    plan: str | None = None


@dataclass(frozen=True)
class QualityRow:
    """A row of ledger_quality: one department's ledger quality in one month, each 0–100."""

    dept: str
    month: str
    completeness: float | None
    timeliness: float | None
    accuracy: float | None
    score: float | None


@dataclass(frozen=True)
class Finding:
    """A row of dq_findings; any column the table lacks is None."""

    check: str
    severity: str | None
    dept: str | None
    period: str | None
    ledger: str | None
    file: str | None
    sheet: str | None
    row: int | None
    message_zh: str | None
    message_en: str | None
    metric: str | None = None  # the indicator an anomaly is about, when it can be told

    def message(self, lang: str) -> str:
        text = self.message_en if lang == "en" and self.message_en else self.message_zh
        return text or self.message_en or self.check

    @property
    def is_anomaly(self) -> bool:
        return self.check.startswith(ANOMALY_PREFIX)

    @property
    def is_note(self) -> bool:
        """A note, not an alarm: an indicator that moved markedly its good way."""
        return self.severity == NOTE

    @property
    def is_alarm(self) -> bool:
        """An anomaly that asks the department to act (marked 异常 beside its indicator)."""
        return self.is_anomaly and not self.is_note


@dataclass(frozen=True)
class ToDateFigures:
    """本年累计: every department's and group's indicators over January … `last` ('2026-09'),
    with the same months a year earlier: (dept, metric) -> (value, last year's value)."""

    first: str
    last: str
    values: dict[tuple[str, str], tuple[float | None, float | None]]

    def value(self, dept: str, metric: str) -> tuple[float | None, float | None]:
        return self.values.get((dept, metric), (None, None))


@dataclass
class PeriodData:
    """One grain and period, every department: indicator values over the trend window, the
    ledger rows behind the detail sections, and the data-quality tables."""

    grain: str
    period: str
    trend: list[str]
    held_months: set[str]
    departments: list[Department]
    values: dict[tuple[str, str, str], ReportValue]
    commentary: list[CommentRow] = field(default_factory=list)
    ledger_rows: dict[str, list[dict]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    findings_checked: bool = False  # whether the dq_findings table exists at all
    publication: Publication = field(default_factory=lambda: Publication([], {}))
    # Ledger kinds some indicator needs of which the warehouse holds no row at all.
    missing_ledgers: list[str] = field(default_factory=list)
    # Reports for wide circulation: sensitive counts of 1 … suppress_below − 1 are hidden
    # (reports.data.privacy); None hides nothing.
    suppress_below: int | None = None
    # The hospital's name in every header (the deployment's setting; None: no name shown).
    hospital_name: str | None = None
    extent: periods.DataExtent | None = None
    # The ledger quality of the period's months (the dashboard's assistants' scores).
    quality: list[QualityRow] = field(default_factory=list)
    # The improvement measures with their effects (metrics.effects), and the roster's postings.
    measures: list[Effect] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    complaint_counts: list[ComplaintCount] = field(default_factory=list)
    # The finance ledger's lines and the period's DRG/DIP groups and payers (reports.data.finance)
    finance: FinanceData = field(default_factory=lambda: FinanceData({}, [], [], False))
    # What a quarter's or a year's report reads at other grains (reports.content.periodic), by
    # grain: the periods read, oldest first, and their values. A quarter: the months of its year
    # up to its end; a year: its and last year's months and quarters.
    other_grains: dict[str, tuple[list[str], dict]] = field(default_factory=dict)
    # A quarter's year to date (本年累计): January to its last month the data holds, and the same
    # months a year earlier, every indicator over the summed measures.
    to_date: ToDateFigures | None = None
    _denominators: dict | None = field(default=None, repr=False)
    _at_grain: dict = field(default_factory=dict, repr=False)

    @property
    def coverage(self) -> periods.Coverage:
        """Whether the period is in progress, and what of it the data covers."""
        return periods.coverage(self.grain, self.period, self.extent, self.held_months)

    def title(self, lang: str) -> str:
        """The period named by what it covers ('2026年1–10月（累计）' while 2026 is in progress)."""
        return periods.title(self.grain, self.period, lang, self.coverage)

    @property
    def months(self) -> list[str]:
        """The months this period spans."""
        return periods.months(self.grain, self.period)

    @property
    def months_held(self) -> list[str]:
        """The period's months that hold data: what "a month" averages over."""
        return [m for m in self.months if m in self.held_months]

    @property
    def days(self) -> int:
        return periods.days_in(self.grain, self.period, self.held_months)

    def value(self, dept: str, metric: str, period: str | None = None) -> ReportValue | None:
        return self.values.get((dept, metric, period or self.period))

    def denominators(self, dept: str, metric: str) -> list[float | None]:
        """The indicator's denominators over the window: whether it is a count shows in them."""
        if self._denominators is None:
            self._denominators = {}
            for (d, m, _), report in self.values.items():
                self._denominators.setdefault((d, m), []).append(report.denominator)
        return self._denominators.get((dept, metric), [])

    def at_grain(self, grain: str) -> PeriodData:
        """The same departments, publication blocks and suppression with the values read at
        another grain (`other_grains`): its last period is the period, its periods the trend."""
        key = (grain, self.suppress_below)
        if key not in self._at_grain:  # one per period: its denominators are gathered once
            read, values = self.other_grains[grain]
            self._at_grain[key] = replace(
                self,
                grain=grain,
                period=read[-1],
                trend=list(read),
                values=values,
                other_grains={},
                to_date=None,
                _denominators=None,
                _at_grain={},
            )
        return self._at_grain[key]

    @property
    def last_month_held(self) -> str:
        """The period's last month the data reaches (its last month once the data goes past)."""
        last = self.months[-1]
        month = self.extent.data_month if self.extent else None
        return min(last, periods.month_key(month)) if month else last

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    def peers(self, kind: str | None) -> list[Department]:
        """Departments (not the hospital) of a kind; every department when kind is None."""
        return [
            d for d in self.departments if not d.is_hospital and (kind is None or d.kind == kind)
        ]


def load_period(
    con: duckdb.DuckDBPyConnection, grain: str, period: str, trend_length: int | None = None
) -> PeriodData:
    """Read what every report of the period shows, for every department, in a few queries."""
    periods.check_period(grain, period)
    trend = periods.window(grain, period, trend_length)
    window = list(trend)
    departments = read_departments(con)
    held = {m for (m,) in con.execute(_HELD_MONTHS).fetchall()}
    values = _report_values(con, grain, trend)
    if grain == "year":
        # "The last five years, or what exists": drop leading years without a single value.
        with_data = {p for (_, _, p) in values}
        while len(trend) > 1 and trend[0] not in with_data:
            trend = trend[1:]
    months = periods.months(grain, period)
    tables = existing_tables(con)
    kinds = {d.code: d.kind for d in departments if d.kind}
    data = PeriodData(
        grain=grain,
        period=period,
        trend=trend,
        held_months=held,
        departments=departments,
        values=values,
        commentary=read_commentary(con, months),
        ledger_rows={
            kind: _ledger_rows(con, kind, months)
            for kind in ("patient_feedback", "appointments", "supplies")
        },
        findings=_findings(con, months) if FINDINGS_TABLE in tables else [],
        findings_checked=FINDINGS_TABLE in tables,
        publication=Publication(_blocks(con) if BLOCKS_TABLE in tables else [], kinds),
        extent=read_extent(con) if "data_extent" in tables else None,
        missing_ledgers=missing_ledgers(con, tables),
        quality=read_ledger_quality(con, months),
        measures=stored_effects(con),
        staff=read_staff(con),
        complaint_counts=read_complaint_counts(con, months),
        finance=read_finance(con, grain, window, months, tables),
    )
    _read_other_grains(con, data)
    return data


def _read_other_grains(con: duckdb.DuckDBPyConnection, data: PeriodData) -> None:
    """A quarter: its year's months to its end and the year to date; a year: its and last year's
    months and quarters (reports.content.periodic)."""
    year = periods.period_of("year", periods.first_day(data.grain, data.period))  # '2026'
    wanted = {}
    if data.grain == "quarter":
        wanted["month"] = periods.year_to_date(data.months[-1])
    elif data.grain == "year":
        wanted["month"] = periods.window("month", periods.last_within("month", "year", year), 24)
        wanted["quarter"] = periods.window(
            "quarter", periods.last_within("quarter", "year", year), 8
        )
    for grain, read in wanted.items():
        data.other_grains[grain] = (read, _report_values(con, grain, read))
    if data.grain == "quarter":
        data.to_date = _year_to_date(con, data, year)


def _year_to_date(
    con: duckdb.DuckDBPyConnection, data: PeriodData, year: str
) -> ToDateFigures | None:
    """January to the quarter's last month held. metric_report holds it when a period covers
    exactly those months: a whole first quarter, or the year through December or through the
    data month (a year in progress covers its months held, and its 同比 the same months a year
    earlier); otherwise (a past second or third quarter) it is evaluated over the summed
    measures (metrics.ranges), which takes seconds, so only then."""
    first, last = periods.first_within("month", "year", year), data.last_month_held
    if periods.periods_between("month", first, last) < 0 or data.extent is None:
        return None
    data_month = periods.month_of_date(data.extent.data_month)
    if (data.months[0], data.months[-1]) == (first, last):  # the whole first quarter
        rows = data.values
        period = data.period
    elif last in (periods.last_within("month", "year", year), data_month):
        period = year
        rows = _report_values(con, "year", [period])
    else:
        figures: RangeFigures = evaluate_range(con, first, last)
        before = figures.last_year
        return ToDateFigures(
            first,
            last,
            {
                key: (now.value, before[key].value if key in before else None)
                for key, now in figures.this.items()
            },
        )
    return ToDateFigures(
        first,
        last,
        {
            (dept, metric): (r.value, r.yoy_value)
            for (dept, metric, p), r in rows.items()
            if p == period
        },
    )


def read_extent(con: duckdb.DuckDBPyConnection) -> periods.DataExtent | None:
    """The data month and the workload ledger's last day (metrics' `data_extent`), if computed."""
    if "data_extent" not in existing_tables(con):
        return None
    rows = con.execute("select data_month, last_workload_day from data_extent").fetchall()
    return periods.DataExtent(*rows[0]) if rows else None


def missing_ledgers(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """The ledger kinds that indicators read (catalogue `inputs`) and the hospital has not
    provided at all: no accepted row in any month. In the specs' order."""
    needed = {kind for i in catalogue.indicators().values() for kind in i.inputs}
    missing = []
    for kind in (k for k in ledgers() if k in needed):
        table = ledger(kind).table
        if table not in tables or con.execute(f"select 1 from {table} limit 1").fetchone() is None:  # noqa: S608
            missing.append(kind)
    return missing


_HELD_MONTHS = "select distinct period from metric_values where grain = 'month'"


def read_departments(con: duckdb.DuckDBPyConnection) -> list[Department]:
    """The hospital first, then every department of the department ledger by code."""
    hospital = Department(HOSPITAL, labels.text("hospital", "zh"), labels.text("hospital", "en"))
    rows = con.execute(
        # a list without Chinese names: the English (or local) name, else the code
        "select code, coalesce(name_zh, name_en, code), name_en, kind, nullif(trim(assistant), '') "
        "from raw_departments order by code"
    ).fetchall()
    return [hospital, *(Department(*row) for row in rows)]


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views of the connection's current schema (the data-quality ones may not exist)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = current_schema()"
    ).fetchall()
    return {name for (name,) in rows}


# Text columns of REPORT_FIELDS; the others are numbers.
_TEXT_FIELDS = {"reason", "prior_period", "yoy_period", "status", "prior_reason", "yoy_reason"}
_BOOL_FIELDS = {"in_progress"}


def _report_values(
    con: duckdb.DuckDBPyConnection, grain: str, trend: list[str]
) -> dict[tuple[str, str, str], ReportValue]:
    # Numbers arrive as floats with NaN as None (what _clean does), converted in SQL: a city's
    # month reads 140k rows, and a Python call per cell took longer than the query.
    columns = ", ".join(
        name
        if name in _TEXT_FIELDS | _BOOL_FIELDS
        else f"case when isnan({name}::double) then null else {name}::double end"
        for name in REPORT_FIELDS
    )
    rows = con.execute(
        f"""select dept, metric, period, {columns}
            from metric_report
            where grain = ? and list_contains(?, period)""",  # noqa: S608 -- our own column names
        [grain, trend],
    ).fetchall()
    return {(dept, metric, period): ReportValue(*report) for dept, metric, period, *report in rows}


def _clean(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    return None if is_missing(value) else value


def _month_dates(months: list[str]) -> list[dt.date]:
    return [periods.month_start(m) for m in months]


@dataclass(frozen=True)
class StaffRow:
    dept: str
    staff_code: str
    role: str
    title: str | None
    fte: float
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class ComplaintCount:
    dept: str
    dimension: str  # category or channel
    value: str | None  # the ledger's canonical value; None where the register leaves it blank
    complaints: int


def read_complaint_counts(
    con: duckdb.DuckDBPyConnection, months: list[str]
) -> list[ComplaintCount]:
    """The complaints register's counts per department, by category and by channel, over these
    months ('2026-10'), a complaint counting in the month of its date."""
    rows = con.execute(
        """select dept, dimension, value, count(*) from (
               select dept, 'category' as dimension, category as value, date from raw_complaints
               union all
               select dept, 'channel', channel, date from raw_complaints)
           where list_contains(?, cast(date_trunc('month', date) as date))
           group by all order by dept, dimension, count(*) desc, value""",
        [_month_dates(months)],
    ).fetchall()
    return [ComplaintCount(*row) for row in rows]


def read_staff(con: duckdb.DuckDBPyConnection) -> list[StaffRow]:
    """The roster's postings (the staffing detail: title structure and movements)."""
    rows = con.execute(
        "select dept, staff_code, role, title, fte, start_date, end_date from raw_staffing "
        "order by dept, staff_code, start_date"
    ).fetchall()
    return [StaffRow(*row) for row in rows]


def read_commentary(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[CommentRow]:
    """The commentary rows of these months ('2026-10'), by month, department and topic."""
    rows = con.execute(
        """select dept, strftime(month, '%Y-%m'), topic, factor, text, plan from raw_commentary
           where list_contains(?, month) order by month, dept, topic""",
        [_month_dates(months)],
    ).fetchall()
    return [CommentRow(*row) for row in rows]


def read_ledger_quality(
    con: duckdb.DuckDBPyConnection, months: list[str] | None = None
) -> list[QualityRow]:
    """The data-quality stage's ledger_quality rows (of these months; every month when None),
    by month and department; none before the checks have run."""
    if "ledger_quality" not in existing_tables(con):
        return []
    query = (
        "select dept, strftime(month, '%Y-%m'), completeness, timeliness, accuracy, score "
        "from ledger_quality"
    )
    if months is None:
        rows = con.execute(f"{query} order by month, dept").fetchall()
    else:
        rows = con.execute(
            f"{query} where list_contains(?, month) order by month, dept", [_month_dates(months)]
        ).fetchall()
    return [QualityRow(dept, month, *(_clean(v) for v in values)) for dept, month, *values in rows]


def _ledger_rows(con: duckdb.DuckDBPyConnection, kind: str, months: list[str]) -> list[dict]:
    """A monthly ledger's rows for the months, as dicts keyed by the spec's column names."""
    spec = ledger(kind)
    columns = [c.name for c in spec.columns]
    select = ", ".join(f'"{name}"' for name in columns)
    cursor = con.execute(
        f"select {select} from {spec.table} where list_contains(?, month) "  # noqa: S608 -- spec names
        "order by month, dept",
        [_month_dates(months)],
    )
    result = []
    for row in cursor.fetchall():
        record = {name: _clean(value) for name, value in zip(columns, row, strict=True)}
        record["month"] = periods.month_of_date(record["month"])
        result.append(record)
    return result


def _table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    """Every row of a table another stage owns, by column name, whatever columns it has."""
    cursor = con.execute(f"select * from {table}")  # noqa: S608 -- a constant table name
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _text(value: object) -> str | None:
    return None if value is None or is_missing(value) else str(value)


def _findings(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[Finding]:
    wanted = set(months)
    findings = []
    for row in _table_rows(con, FINDINGS_TABLE):
        month = periods.month_of_date(row.get("period"))
        if month not in wanted:
            continue
        line = row.get("row")
        findings.append(
            Finding(
                check=_text(row.get("check")) or "",
                severity=_text(row.get("severity")),
                dept=_text(row.get("dept")),
                period=month,
                ledger=_text(row.get("ledger")),
                file=_text(row.get("file")),
                sheet=_text(row.get("sheet")),
                row=None if line is None or is_missing(line) else int(line),
                message_zh=_text(row.get("message_zh")),
                message_en=_text(row.get("message_en")),
                metric=_metric_of(row),
            )
        )
    severity_order = {"error": 0, "warning": 1, "warn": 1, "info": 2}
    findings.sort(
        key=lambda f: (severity_order.get(f.severity or "", 3), f.period, f.dept or "", f.check)
    )
    return findings


def _metric_of(row: dict) -> str | None:
    """The indicator a finding is about: its `metric` column if the table has one; else the
    catalogue indicator whose name the message begins with, as the anomaly checks write them
    ('平均住院日本月为 8.93…', 'Average length of stay is 8.93…'); longest name first, so that
    '出院者药占比' is not taken for '药占比'."""
    named = _text(row.get("metric"))
    if named in catalogue.indicators():
        return named
    for lang in ("zh", "en"):
        message = _text(row.get(f"message_{lang}")) or ""
        starts = [i for i in catalogue.indicators().values() if message.startswith(i.name(lang))]
        if starts:
            return max(starts, key=lambda i: len(i.name(lang))).id
    return None


def _blocks(con: duckdb.DuckDBPyConnection) -> list[Block]:
    blocks = []
    for row in _table_rows(con, BLOCKS_TABLE):
        month = periods.month_of_date(row.get("month"))
        if month is None:
            continue
        blocks.append(
            Block(
                dept=_text(row.get("dept")),
                month=month,
                check=_text(row.get("check")) or "",
                message_zh=_text(row.get("message_zh")),
                message_en=_text(row.get("message_en")),
                ledgers=_ledger_set(row.get("ledgers")),
            )
        )
    return blocks


def _ledger_set(value: object) -> frozenset[str] | None:
    """A block's ledgers; None when the warehouse predates them (then it withholds all)."""
    text = _text(value)
    return frozenset(text.split(",")) if text else None
