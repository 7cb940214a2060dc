"""Improvement measures (改进措施, the `actions` ledger) as the reports show them, from the stored
effects (metrics.effects, one `Effect` per measure). The topic report: those open during its range
of months, with their effect in words; an assistant's page: those open today (overdue marked).
The period reports and the weekly brief list them from the stored effects (metrics.effects, one
`Effect` per measure): a month's or quarter's report those open at its end (overdue marked) and,
for a month, those due next month (下月计划); the weekly brief last week's completed (上周完成情况)
and this week's due (本周计划); the annual report the year's measures with their effect in words
(管理成效)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from ledgers.specs import ledger
from metrics.effects import Effect, effect_sentence

CLOSED = ("done", "dropped")


@dataclass(frozen=True)
class Measure:
    dept: str
    text: str
    metric: str | None
    owner: str | None
    start_date: dt.date | None
    due_date: dt.date | None
    status: str | None  # planned, in_progress, done, dropped
    status_text: str | None  # in the reader's language, as the ledger's drop-down spells it
    done_date: dt.date | None = None
    effect: str | None = None  # 实施效果 in words, where the measure's effect can be told
    overdue: bool = False


def status_text(code: str | None, lang: str) -> str | None:
    """'in_progress' -> '进行中' (the ledger spec's first Chinese spelling) or 'in progress'."""
    if not code:
        return None
    if lang == "en":
        return code.replace("_", " ")
    column = next(c for c in ledger("actions").columns if c.name == "status")
    aliases = (column.enum or {}).get(code)
    return aliases[0] if aliases else code


def measure_of_effect(e: Effect, lang: str, as_of: dt.date, with_effect: bool = False) -> Measure:
    """A measure with its stored effect; overdue when still open after its due date at `as_of`."""
    return Measure(
        dept=e.dept,
        text=e.measure,
        metric=e.metric,
        owner=e.owner,
        start_date=e.start_date,
        due_date=e.due_date,
        status=e.status,
        status_text=status_text(e.status, lang),
        done_date=e.done_date,
        effect=effect_sentence(e, lang) if with_effect else None,
        overdue=bool(e.due_date and e.due_date < as_of and e.status not in CLOSED),
    )


def in_range(
    effects: list[Effect],
    dept: str,
    lang: str,
    first: dt.date,
    last: dt.date,
    metrics: set[str] | None = None,
) -> list[Measure]:
    """The measures open at some time from `first` to `last` (started by `last`, not done before
    `first`), with their effect in words; with `metrics`, only those about one of them or about
    no indicator (a topic report)."""
    found = [
        measure_of_effect(e, lang, last, with_effect=True)
        for e in _of(effects, dept)
        if e.start_date <= last
        and not (e.done_date and e.done_date < first)
        and (metrics is None or not e.metric or e.metric in metrics)
    ]
    return sorted(found, key=lambda m: (m.dept, m.start_date, m.text))


def _of(effects: list[Effect], dept: str) -> list[Effect]:
    return [e for e in effects if dept == "ALL" or e.dept == dept]


def open_at(effects: list[Effect], dept: str, lang: str, as_of: dt.date) -> list[Measure]:
    """The measures started by `as_of` and neither done nor dropped, overdue ones first."""
    found = [
        measure_of_effect(e, lang, as_of)
        for e in _of(effects, dept)
        if e.status not in CLOSED and e.start_date <= as_of
    ]
    return sorted(found, key=lambda m: (not m.overdue, m.due_date or dt.date.max, m.dept, m.text))


def due_between(
    effects: list[Effect], dept: str, lang: str, first: dt.date, last: dt.date
) -> list[Measure]:
    """The open measures whose deadline falls from `first` to `last` (下月计划, 本周计划)."""
    return [
        measure_of_effect(e, lang, first)
        for e in _of(effects, dept)
        if e.status not in CLOSED and e.due_date is not None and first <= e.due_date <= last
    ]


def done_between(
    effects: list[Effect], dept: str, lang: str, first: dt.date, last: dt.date
) -> list[Measure]:
    """The measures completed from `first` to `last` (上周完成情况)."""
    return [
        measure_of_effect(e, lang, last)
        for e in _of(effects, dept)
        if e.status == "done" and e.done_date is not None and first <= e.done_date <= last
    ]


def year_measures(effects: list[Effect], dept: str, lang: str, year: int) -> list[Measure]:
    """The measures started or completed in the year, each with its effect in words (管理成效)."""
    return [
        measure_of_effect(e, lang, dt.date(year, 12, 31), with_effect=True)
        for e in _of(effects, dept)
        if e.start_date.year == year or (e.done_date is not None and e.done_date.year == year)
    ]


def named(measures: list[Measure], names: dict[str, str]) -> list[Measure]:
    """The hospital's lists: each measure's department by its name (`names`: code -> name)."""
    return [replace(m, dept=names.get(m.dept, m.dept)) for m in measures]
