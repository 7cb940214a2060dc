"""The staffing detail of a report: the title structure of each role in post at the period's end
(doctors, nurses, technicians, pharmacists, ...) and the roster's movements in the period (hires,
leavers; a posting that continues another of the same staff code the next day is neither). And the
complaints register's breakdown by category and channel (the service section)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgers.specs import ledger
from reports import labels
from reports.data.warehouse import Department, PeriodData, StaffRow


@dataclass(frozen=True)
class StaffingDetail:
    """In post at `as_of` by role and title (FTE), and the period's movements."""

    as_of: str
    structure: list[tuple[str, list[tuple[str, float]], float]]  # role, [(title, FTE)], total
    hires: list[tuple[str, str, str | None]]  # date, role, title
    leavers: list[tuple[str, str, str | None]]


def _title(code: str | None, lang: str) -> str:
    if code is None:
        return labels.text("title_unknown", lang)
    aliases = ledger("staffing").by_name["title"].enum[code]
    return aliases[0] if lang == "zh" else code


def _role(code: str, lang: str) -> str:
    aliases = ledger("staffing").by_name["role"].enum[code]
    return aliases[0] if lang == "zh" else code


TITLE_ORDER = ("senior", "associate", "intermediate", "junior", "none", None)
ROLE_ORDER = ("doctor", "nurse", "technician", "pharmacist", "admin", "other")


def staffing_detail(
    data: PeriodData, department: Department, lang: str, first: dt.date, last: dt.date
) -> StaffingDetail | None:
    """The roster's title structure at `last` and its movements within [first, last]; None for
    a department without a roster. A posting that continues another of the same code the next
    day (a renewal, a new title) is not a movement."""
    rows = [s for s in data.staff if department.is_hospital or s.dept == department.code]
    if not rows:
        return None
    in_post = [
        s for s in rows if s.start_date <= last and (s.end_date is None or s.end_date >= last)
    ]
    structure = []
    for role in ROLE_ORDER:
        titles: dict[str | None, float] = {}
        for s in in_post:
            if s.role == role:
                titles[s.title] = titles.get(s.title, 0) + s.fte
        if titles:
            ordered = sorted(titles.items(), key=lambda item: TITLE_ORDER.index(item[0]))
            structure.append(
                (
                    _role(role, lang),
                    [(_title(t, lang), fte) for t, fte in ordered],
                    sum(titles.values()),
                )
            )

    def posted(s: StaffRow, day: dt.date) -> bool:
        return any(
            o.dept == s.dept and o.staff_code == s.staff_code and o.start_date <= day
            and (o.end_date is None or o.end_date >= day)
            for o in rows
        )  # fmt: skip

    one = dt.timedelta(days=1)
    hires = [
        (s.start_date.isoformat(), _role(s.role, lang), _title(s.title, lang))
        for s in rows
        if first <= s.start_date <= last and not posted(s, s.start_date - one)
    ]
    leavers = [
        (s.end_date.isoformat(), _role(s.role, lang), _title(s.title, lang))
        for s in rows
        if s.end_date is not None
        and first <= s.end_date <= last
        and not posted(s, s.end_date + one)
    ]
    return StaffingDetail(last.isoformat(), structure, sorted(hires), sorted(leavers))


def complaint_breakdown(
    data: PeriodData, department: Department, lang: str
) -> list[tuple[str, list[tuple[str, int]]]]:
    """The period's registered complaints by category and by channel, most first: [(投诉类别,
    [(等候时间, 3), ...]), (渠道, [...])]; empty without a register row in the period."""
    spec = ledger("complaints")
    found: dict[str, dict[str, int]] = {}
    for row in data.complaint_counts:
        if not (department.is_hospital or row.dept == department.code):
            continue
        column = spec.by_name[row.dimension]
        if row.value is None:
            label = labels.text("not_given", lang)
        else:
            label = column.enum[row.value][0] if lang == "zh" else row.value.replace("_", " ")
        by_value = found.setdefault(column.label(lang), {})
        by_value[label] = by_value.get(label, 0) + row.complaints
    return [
        (dimension, sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for dimension, counts in found.items()
    ]
