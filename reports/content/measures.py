"""Improvement measures (改进措施, the `actions` ledger) as the topic report and the assistants'
pages show them: those open during a range of months, and those open today (overdue marked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgers.specs import ledger

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


def measure_of(row: dict, lang: str, today: dt.date | None = None) -> Measure:
    """A raw_actions row; overdue when still open after its due date (as of `today`)."""
    due, status = _date(row.get("due_date")), row.get("status")
    return Measure(
        dept=str(row.get("dept") or ""),
        text=str(row.get("measure") or ""),
        metric=row.get("metric"),
        owner=row.get("owner"),
        start_date=_date(row.get("start_date")),
        due_date=due,
        status=status,
        status_text=status_text(status, lang),
        done_date=_date(row.get("done_date")),
        overdue=bool(today and due and due < today and status not in CLOSED),
    )


def measures_in_range(
    rows: list[dict],
    dept: str,
    first: dt.date,
    last: dt.date,
    lang: str,
    metrics: set[str] | None = None,
) -> list[Measure]:
    """The department's measures (ALL: every department's) open at some time from `first` to
    `last`: started by `last` and not done before `first`; with `metrics`, only those about one
    of them or about no indicator."""
    found = []
    for row in rows:
        measure = measure_of(row, lang)
        if dept != "ALL" and measure.dept != dept:
            continue
        if metrics is not None and measure.metric and measure.metric not in metrics:
            continue
        if (measure.start_date and measure.start_date > last) or (
            measure.done_date and measure.done_date < first
        ):
            continue
        found.append(measure)
    return sorted(found, key=lambda m: (m.dept, m.start_date or dt.date.min, m.text))


def open_measures(rows: list[dict], dept: str, lang: str, today: dt.date | None) -> list[Measure]:
    """The department's measures not done nor dropped, the soonest due first."""
    found = [measure_of(row, lang, today) for row in rows if row.get("dept") == dept]
    found = [m for m in found if m.status not in CLOSED and not m.done_date]
    return sorted(found, key=lambda m: (m.due_date or dt.date.max, m.text))


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
