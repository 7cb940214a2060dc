"""One department's indicators for a period, read from `PeriodData`: a row per catalogue
indicator with its comparisons, band and status, and its values over the trend window.

Figures that `publication_blocks` withholds, and small sensitive counts that a report for wide
circulation suppresses (reports.data.privacy), are taken out here, once, so that no page, workbook,
brief or dashboard built on these rows can show them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from metrics import catalogue
from metrics.catalogue import Family, Indicator
from reports import periods
from reports.data import privacy
from reports.data.publication import KIND_PREFIX
from reports.data.warehouse import REPORT_FIELDS, PeriodData
from reports.formatting import NumberKind, is_missing, number_kind

# A chart panel per indicator: more than four per family would be too small to read on A4.
CHART_INDICATORS_PER_FAMILY = 4
# Department kinds that keep no beds: their reports leave out the rows with nothing to say.
KINDS_WITHOUT_BEDS = ("medtech",)
# The key tiles of a kind, before the indicators with a band: what a head of radiology steers by.
KIND_TILES = {
    "medtech": (
        "exams",
        "large_equipment_daily_uses",
        "equipment_utilization",
        "revenue_per_exam",
        "medical_revenue",
    )
}
# The grains whose trend charts draw the same periods a year earlier as a second line (同比 at a
# glance); a year's previous point already is last year.
LAST_YEAR_GRAINS = ("month", "quarter")


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of one department and period, with its comparisons and status."""

    indicator: Indicator
    kind: NumberKind
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    prior_value: float | None = None
    prior_change: float | None = None
    prior_change_rel: float | None = None
    yoy_value: float | None = None
    yoy_change: float | None = None
    yoy_change_rel: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    status: str | None = None
    reason: str | None = None
    # partial_period: the comparison is left out, the period (or its base) is not covered whole
    prior_reason: str | None = None
    yoy_reason: str | None = None
    in_progress: bool | None = None
    # A group's value: the departments it covers, of those in the group (覆盖 80/81 个科室)
    depts_included: float | None = None
    depts_in_group: float | None = None
    # Not published: a data error blocks a month this figure is computed from.
    withheld: bool = False
    # Suppressed for circulation: the count behind the figure is below this threshold.
    suppressed_below: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppressed_below is not None

    @property
    def has_value(self) -> bool:
        return not is_missing(self.value)

    @property
    def coverage_text(self) -> dict[str, int] | None:
        """{included, total} when a group's value leaves some of its departments out."""
        if self.depts_in_group is None or self.depts_included is None:
            return None
        if self.depts_included >= self.depts_in_group:
            return None
        return {"included": int(self.depts_included), "total": int(self.depts_in_group)}

    @property
    def few_events(self) -> bool:
        """A value built on fewer events than the catalogue's few_events_below: said 例数少."""
        return self.has_value and self.indicator.few_events(self.numerator, self.denominator)

    @property
    def says_anything(self) -> bool:
        """A value, a comparison, or why it is not shown (withheld, suppressed)."""
        known = (self.value, self.prior_value, self.yoy_value)
        return self.withheld or self.suppressed or any(not is_missing(v) for v in known)

    @property
    def has_band(self) -> bool:
        return self.band_low is not None or self.band_high is not None

    @property
    def breached_limit(self) -> float | None:
        """The band limit the value is outside of; None inside the band or without one."""
        if not self.has_value:
            return None
        if self.band_high is not None and self.value > self.band_high:
            return self.band_high
        if self.band_low is not None and self.value < self.band_low:
            return self.band_low
        return None


@dataclass(frozen=True)
class Trend:
    """An indicator's values over the trend window, None where it is not available, and those
    of the same periods a year earlier (None: the grain draws no such line)."""

    row: IndicatorRow
    values: list[float | None]
    last_year: list[float | None] | None = None


def varies(values: list[float | None]) -> bool:
    """Whether a series is worth a chart: two values at least, not all equal (a line of zeros or
    of one constant says nothing the table does not)."""
    known = [v for v in values if v is not None]
    return len(known) >= 2 and not all(math.isclose(v, known[0], abs_tol=1e-12) for v in known)


@dataclass
class FamilySection:
    family: Family
    rows: list[IndicatorRow]
    trends: list[Trend] = field(default_factory=list)


# metric_report columns an IndicatorRow carries, under the same names.
_REPORT_FIELDS = tuple(
    name for name in REPORT_FIELDS if name in {f.name for f in dataclasses.fields(IndicatorRow)}
)


def family_sections(data: PeriodData, dept: str) -> list[FamilySection]:
    """Every catalogue family with every indicator row of the department, in catalogue order:
    those its kind shows (catalogue `kinds`). A medical-technology department keeps no beds and
    discharges nobody: its report leaves out the rows with nothing to say (no value, no
    comparison: the bed, inpatient, quality and case-mix rows) and a family left without rows."""
    sections = []
    kind = department_kind(data, dept)
    indicators = [i for i in catalogue.indicators().values() if i.shown_for(kind)]
    for family in catalogue.families().values():
        rows, trends = [], []
        for indicator in indicators:
            if indicator.family != family.id:
                continue
            row = indicator_row(data, dept, indicator)
            if kind in KINDS_WITHOUT_BEDS and not row.says_anything:
                continue
            rows.append(row)
            values = [published_value(data, dept, indicator.id, p) for p in data.trend]
            if varies(values):
                last_year = None
                if data.grain in LAST_YEAR_GRAINS:
                    last_year = [published_yoy(data, dept, indicator.id, p) for p in data.trend]
                trends.append(Trend(row, values, last_year))
        # A kind's own tiles first (a radiology department's revenue and revenue per exam),
        # then indicators with a band: their status is what a reader looks for.
        own = KIND_TILES.get(kind, ())
        trends.sort(key=lambda trend: (trend.row.indicator.id not in own, not trend.row.has_band))
        if rows or kind not in KINDS_WITHOUT_BEDS:
            sections.append(FamilySection(family, rows, trends[:CHART_INDICATORS_PER_FAMILY]))
    return sections


def department_kind(data: PeriodData, dept: str) -> str | None:
    """The kind of a department or of a kind's group (`KIND:medtech`); None for the hospital."""
    if dept.startswith(KIND_PREFIX):
        return dept.removeprefix(KIND_PREFIX)
    department = data.department(dept)
    return department.kind if department else None


def indicator_row(
    data: PeriodData, dept: str, indicator: Indicator, period: str | None = None
) -> IndicatorRow:
    """The indicator's row for `dept`, with withheld figures and comparisons taken out."""
    period = period or data.period
    kind = number_kind(indicator, data.denominators(dept, indicator.id))
    report = data.value(dept, indicator.id, period)
    publication = data.publication
    if publication.withheld(dept, periods.months(data.grain, period), indicator.id):
        return IndicatorRow(
            indicator,
            kind,
            band_low=report.band_low if report else indicator.band_low,
            band_high=report.band_high if report else indicator.band_high,
            withheld=True,
        )
    if report is None:
        # No row at all: the department has no input rows for this period.
        return IndicatorRow(
            indicator,
            kind,
            band_low=indicator.band_low,
            band_high=indicator.band_high,
            reason=indicator.missing,
        )
    fields = {name: getattr(report, name) for name in _REPORT_FIELDS}
    hidden = privacy.suppressed(data, dept, indicator.id, period)
    for base, prefix in ((report.prior_period, "prior"), (report.yoy_period, "yoy")):
        if base and publication.withheld(dept, periods.months(data.grain, base), indicator.id):
            for suffix in ("value", "change", "change_rel"):
                fields[f"{prefix}_{suffix}"] = None
        if privacy.base_hidden(data, dept, indicator.id, base):
            fields[f"{prefix}_value"] = None
        if hidden or privacy.base_hidden(data, dept, indicator.id, base):
            # value − base gives either back
            fields[f"{prefix}_change"] = fields[f"{prefix}_change_rel"] = None
    if hidden:
        # Nothing the count could be recomputed from: value × denominator is the numerator.
        fields |= {"value": None, "numerator": None, "status": None, "reason": None}
        return IndicatorRow(indicator, kind, **fields, suppressed_below=data.suppress_below)
    return IndicatorRow(indicator, kind, **fields)


def published_value(data: PeriodData, dept: str, metric: str, period: str) -> float | None:
    """The value of a period of the window, None when missing, withheld or suppressed."""
    report = data.value(dept, metric, period)
    if report is None or report.value is None:
        return None
    if data.publication.withheld(dept, periods.months(data.grain, period), metric):
        return None
    if privacy.suppressed(data, dept, metric, period):
        return None
    return report.value


def published_yoy(data: PeriodData, dept: str, metric: str, period: str) -> float | None:
    """The value of the same period a year earlier (metric_report's yoy_value of `period`), None
    when missing, withheld or suppressed there."""
    report = data.value(dept, metric, period)
    if report is None or report.yoy_value is None or not report.yoy_period:
        return None
    base = report.yoy_period
    if data.publication.withheld(dept, periods.months(data.grain, base), metric):
        return None
    if privacy.base_hidden(data, dept, metric, base):
        return None
    return report.yoy_value


def key_indicators(sections: list[FamilySection], kind: str | None = None) -> list[IndicatorRow]:
    """Per family, the indicators with a band and a value; else the family's first with a value.
    A kind with tiles of its own (KIND_TILES: a medical-technology department's exams, device
    use and revenue per exam) shows those first, then the other indicators with a band.

    A withheld or suppressed row counts as having a value, so that its tile says why it is not
    shown (and the tiles do not change with the suppression)."""
    own = KIND_TILES.get(kind, ())
    rows = {row.indicator.id: row for section in sections for row in section.rows}
    tiles = [rows[metric] for metric in own if metric in rows and _tile_worthy(rows[metric])]
    for section in sections:
        shown = [row for row in section.rows if _tile_worthy(row)]
        banded = [row for row in shown if row.has_band]
        tiles.extend(row for row in banded or ([] if own else shown[:1]) if row not in tiles)
    return tiles


def _tile_worthy(row: IndicatorRow) -> bool:
    return row.has_value or row.withheld or row.suppressed
