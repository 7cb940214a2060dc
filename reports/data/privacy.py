"""Small-count suppression for reports meant for wide circulation (`suppress_below`).

Which indicators are sensitive is listed in `privacy.toml` (the catalogue stays as it is). A
sensitive figure is hidden where the count behind it (the numerator) is between 1 and
`suppress_below` − 1; so is a group's figure (the hospital, a department kind) when exactly one
of its departments is hidden, since the group less the other departments would give it back.
`reports.indicators` applies the rule to every row and trend point, so that pages, workbooks,
briefs, the dashboard and the analysis built on those rows never see the hidden numbers.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from metrics import catalogue
from reports import labels
from reports.data.publication import HOSPITAL, KIND_PREFIX

if TYPE_CHECKING:
    from reports.data.warehouse import PeriodData

PRIVACY_PATH = Path(__file__).with_name("privacy.toml")


@cache
def sensitive_indicators() -> frozenset[str]:
    """Catalogue indicators marked `sensitive = true` in privacy.toml."""
    data = tomllib.loads(PRIVACY_PATH.read_text(encoding="utf-8"))
    marked = {key for key, raw in data.get("indicators", {}).items() if raw.get("sensitive")}
    unknown = marked - set(catalogue.indicators())
    if unknown:
        raise ValueError(f"{PRIVACY_PATH.name}: not catalogue indicators: {sorted(unknown)}")
    return frozenset(marked)


def check_threshold(suppress_below: int | None) -> int | None:
    """None (nothing suppressed) or a whole number of at least 2."""
    if suppress_below is None:
        return None
    if isinstance(suppress_below, bool) or not isinstance(suppress_below, int):
        raise TypeError(f"suppress_below must be a whole number or None, not {suppress_below!r}")
    if suppress_below < 2:
        raise ValueError(f"suppress_below must be at least 2, not {suppress_below}")
    return suppress_below


def is_small(count: float | None, below: int | None) -> bool:
    """A count of 1 … below − 1 (0 identifies nobody; unknown is not shown anyway)."""
    return below is not None and count is not None and 0 < count < below


def suppressed(data: PeriodData, dept: str, metric: str, period: str) -> bool:
    """Whether `dept`'s figure of `metric` for `period` must be hidden from circulation."""
    below = data.suppress_below
    if below is None or metric not in sensitive_indicators():
        return False
    report = data.value(dept, metric, period)
    if report is None or report.value is None:
        return False
    if is_small(report.numerator, below):
        return True
    members = _members(data, dept)
    if not members:
        return False
    hidden = 0
    for member in members:
        value = data.value(member, metric, period)
        if value is not None and is_small(value.numerator, below):
            hidden += 1
    return hidden == 1


def base_hidden(data: PeriodData, dept: str, metric: str, base: str | None) -> bool:
    """Whether a comparison base (previous period, a year earlier) must be hidden: when its own
    figure is, or, for a sensitive indicator, when it lies outside what was read (unknown count)."""
    if not base or data.suppress_below is None or metric not in sensitive_indicators():
        return False
    if data.value(dept, metric, base) is None:
        return True
    return suppressed(data, dept, metric, base)


def note(below: int, lang: str) -> str:
    """'<5, suppressed for circulation'."""
    return labels.text("suppressed", lang).format(threshold=below)


def finding_note(metric: str, label: str = "suppressed_finding") -> tuple[str, str]:
    """The (zh, en) message that replaces an anomaly message about a sensitive indicator (or,
    with label `withheld_finding`, about a withheld value)."""
    indicator = catalogue.indicators()[metric]
    return tuple(
        labels.text(label, code).format(indicator=indicator.name(code)) for code in ("zh", "en")
    )


def _members(data: PeriodData, dept: str) -> list[str]:
    """The departments a group's figure sums: all for the hospital, one kind for `KIND:<kind>`."""
    if dept == HOSPITAL:
        return [d.code for d in data.departments if not d.is_hospital]
    if dept.startswith(KIND_PREFIX):
        kind = dept.removeprefix(KIND_PREFIX)
        return [d.code for d in data.departments if not d.is_hospital and d.kind == kind]
    return []
