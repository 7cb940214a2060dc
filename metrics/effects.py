"""The effect of an improvement measure (METRICS.md, 实施效果) and `HOME/reports/actions.csv`.

For each measure of the actions ledger with an indicator: the indicator over the 6 whole months
before the start month, over up to 6 months after it (at least 3, else 数据不足), and over the same
windows a year earlier; effect = (after − before) − (after_ly − before_ly). Each window is a period
like any other: its measures summed by period_sums.sql and the indicator's own formula evaluated
(evaluate.sql) over the sums, never a mean of monthly values. Nothing is stored: the windows are
evaluated in temp tables, so it runs on a read-only connection to a warehouse `compute_months`
filled (the measure tables and data_extent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ledgers.excel_text import write_excel_csv
from metrics import catalogue
from metrics.compute import formulas_over_periods, load_holidays, measured_months, sql
from metrics.periods import (
    Span,
    month_key,
    month_span,
    periods_between,
    shift,
    span_params,
    year_earlier,
)

WINDOW_MONTHS = 6  # METRICS.md: 6 whole months before the start month, up to 6 after it
MIN_MONTHS_AFTER = 3  # METRICS.md: fewer months after the start are 数据不足
CSV_COLUMNS = (
    "dept", "measure", "metric", "owner", "start_date", "due_date", "status", "months_before",
    "months_after", "before", "after", "before_ly", "after_ly", "effect", "verdict",
)  # fmt: skip
VERDICTS = {
    "improved": {"zh": "改善", "en": "improved"},
    "worsened": {"zh": "变差", "en": "worsened"},
    "unchanged": {"zh": "无变化", "en": "unchanged"},
    "no_direction": {"zh": "有变化", "en": "changed"},
    "insufficient_data": {"zh": "数据不足", "en": "insufficient data"},
    "not_evaluated": {"zh": "未指定评价指标", "en": "no indicator to evaluate"},
}


@dataclass(frozen=True)
class Effect:
    dept: str
    measure: str
    metric: str | None
    owner: str | None
    start_date: dt.date
    due_date: dt.date | None
    status: str | None
    done_date: dt.date | None
    target: float | None  # in the indicator's unit, a % as a fraction
    months_before: int
    months_after: int
    before: float | None
    after: float | None
    before_ly: float | None
    after_ly: float | None
    effect: float | None
    seasonal: bool  # both year-ago windows were there: the seasonal move is taken out
    per_month: bool  # a count, averaged per month of each window
    verdict: str


def compute_effects(con: duckdb.DuckDBPyConnection, holidays: Path | None = None) -> list[Effect]:
    """Every measure of the actions ledger with its effect, in the order of actions.csv; leaves
    the temp table `action_effects` on the connection."""
    calendar = load_holidays(holidays)
    con.execute(f"create or replace temp table effect_actions as {sql('effect_actions')}")
    con.execute(
        f"create or replace temp table calendar as {sql('calendar')}",
        {"months": measured_months(con)} | calendar.params(),
    )
    (data_month,) = con.execute("select max(data_month) from data_extent").fetchone()
    actions = con.execute(
        "select id, start_date from effect_actions where metric is not null"
    ).fetchall()
    spans = [
        s
        for id_, start in actions
        for s in windows(id_, month_key(start), months_after(month_key(start), data_month))
    ]
    con.execute(f"create or replace temp table periods as {sql('spans')}", span_params(spans))
    # A measure is its own department's: its windows are summed for the department alone.
    con.execute(
        "create or replace temp view departments_in_groups as "
        "select code as dept, code as group_code from raw_departments"
    )
    # No window (no measure names an indicator: a hospital without the actions ledger): no value,
    # only the columns effects.sql reads, without planning the formulas over nothing (0.03 s).
    # After compute_months the formulas and their sums are there to take those columns from (the
    # same SQL), so they are not summed over no period again: 0.08 s CPU at city scale.
    formulas = "select 1 from duckdb_views() where view_name = 'formulas' and temporary"
    if spans or not con.execute(formulas).fetchall():
        formulas_over_periods(con)
    con.execute(
        f"create or replace temp table effect_values as "  # noqa: S608 -- our own file
        f"select e.* from ({sql('evaluate')}) e "
        "semi join effect_actions a on a.id = e.period and a.dept = e.dept and a.metric = e.metric"
        + ("" if spans else " limit 0")
    )
    con.execute(
        f"create or replace temp table action_effects as {sql('effects')}",
        {"min_months_after": MIN_MONTHS_AFTER},
    )
    names = [f.name for f in Effect.__dataclass_fields__.values()]
    rows = con.execute(
        f"select {', '.join(names)} from action_effects order by cast(id as integer)"  # noqa: S608
    ).fetchall()
    return [Effect(*row) for row in rows]


def months_after(start: str, data_month: dt.date | None) -> int:
    """The months after the start month `start` that its 'after' window spans: those through the
    data month, at most WINDOW_MONTHS; none without data or when the data ends before."""
    if data_month is None:
        return 0
    return max(0, min(WINDOW_MONTHS, periods_between("month", start, month_key(data_month))))


def windows(measure: str, start: str, after: int) -> list[Span]:
    """The four windows of a measure started in month `start`, keyed by its id: 'effect_before'
    the WINDOW_MONTHS whole months before `start`, 'effect_after' the `after` months after it
    (`months_after`; effects.sql reads that window's length as the measure's months after), and
    the same months a year earlier (the seasonal control): 'effect_before_ly', 'effect_after_ly'."""
    before = month_span(
        "effect_before", measure, shift("month", start, -WINDOW_MONTHS), shift("month", start, -1)
    )
    after_span = month_span(
        "effect_after", measure, shift("month", start, 1), shift("month", start, after)
    )
    return [
        before,
        after_span,
        year_earlier(before, "effect_before_ly"),
        year_earlier(after_span, "effect_after_ly"),
    ]


EFFECTS_TABLE = "measure_effects"  # the stored action_effects, for reports and actions.csv


def store_effects(con: duckdb.DuckDBPyConnection, holidays: Path | None = None) -> None:
    """(Re)write `measure_effects` from the ledger and measures now: compute_months calls it."""
    compute_effects(con, holidays)
    con.execute(f"create or replace table {EFFECTS_TABLE} as select * from action_effects")  # noqa: S608


def _stored(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select 1 from duckdb_tables() where table_name = ? and not temporary", [EFFECTS_TABLE]
        ).fetchall()
    )


def stored_effects(con: duckdb.DuckDBPyConnection) -> list[Effect]:
    """The effects as compute_months last stored them (none before it first ran)."""
    if not _stored(con):
        return []
    names = [f.name for f in Effect.__dataclass_fields__.values()]
    rows = con.execute(
        f"select {', '.join(names)} from {EFFECTS_TABLE} order by cast(id as integer)"  # noqa: S608
    ).fetchall()
    return [Effect(*row) for row in rows]


def write_actions_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """HOME/reports/actions.csv: one row per measure (CSV_COLUMNS), % values as fractions like
    metrics.csv, status and verdict as codes; returns the rows written. From the stored effects
    (compute_months), else computed now."""
    table = EFFECTS_TABLE
    if not _stored(con):
        compute_effects(con)
        table = "action_effects"
    return write_excel_csv(
        con,
        f"select {', '.join(CSV_COLUMNS)}, cast(id as integer) as _id from {table}",  # noqa: S608
        path,
        order="_id",
    )


def effect_sentence(effect: Effect, lang: str = "zh") -> str:
    """The effect in words a department head reads: "实施后6个月病床使用率平均83.1%，实施前90.6%；
    扣除去年同期季节变化后 −7.3个百分点"."""
    from reports import labels  # the words of the unit; reports imports metrics, not back

    if effect.metric is None or effect.verdict == "not_evaluated":
        return VERDICTS["not_evaluated"][lang]
    indicator = catalogue.indicators()[effect.metric]
    name = indicator.name(lang)
    if effect.verdict == "insufficient_data" and effect.months_after >= MIN_MONTHS_AFTER:
        # enough months after the start, but no value before it (or none after: a blank ledger)
        side = "实施前" if effect.before is None else "实施后"
        if lang == "zh":
            return f"{name}：{side}无可用数据，数据不足"
        side = "before" if effect.before is None else "after"
        return f"{name}: no usable data {side} the start: insufficient data"
    if effect.verdict == "insufficient_data":
        if lang == "zh":
            return (
                f"{name}：实施后仅{effect.months_after}个月数据（需至少{MIN_MONTHS_AFTER}个月），"
                "数据不足"
            )
        return (
            f"{name}: {effect.months_after} month(s) of data after the start "
            f"(at least {MIN_MONTHS_AFTER} needed): insufficient data"
        )

    def value(number: float) -> str:
        if indicator.is_percent:
            return f"{number:.1%}"
        unit = labels.unit(indicator.unit, lang)
        return f"{number:,.1f}{unit}" if lang == "zh" else f"{number:,.1f} {unit}"

    def change(number: float) -> str:
        sign = "+" if number > 0 else ("−" if number < 0 else "±")
        if indicator.is_percent:
            points = labels.text("percentage_points", lang)
            magnitude = f"{abs(number) * 100:.1f}"
            return f"{sign}{magnitude}{points}" if lang == "zh" else f"{sign}{magnitude} {points}"
        return f"{sign}{value(abs(number))}"

    n = effect.months_after
    if lang == "zh":
        verb = "月均" if effect.per_month else ("为" if name.startswith("平均") else "平均")
        text = f"实施后{n}个月{name}{verb}{value(effect.after)}，实施前{value(effect.before)}；"
        if effect.seasonal:
            return text + f"扣除去年同期季节变化后 {change(effect.effect)}"
        return text + f"无去年同期数据，未扣除季节变化：{change(effect.effect)}"
    per = " a month" if effect.per_month else ""
    text = (
        f"{name} averaged {value(effect.after)}{per} in the {n} months after the start, "
        f"{value(effect.before)} before; "
    )
    if effect.seasonal:
        return text + f"{change(effect.effect)} beyond last year's seasonal change"
    return text + f"{change(effect.effect)} (no year-ago data: not adjusted for the season)"
