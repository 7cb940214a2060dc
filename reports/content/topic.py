"""What a special-topic report (专题分析报告) says: chosen indicators of chosen departments over a
range of whole months, each against the same months a year earlier.

Per department and indicator: the range's value (its formula over the range's summed measures,
metrics.ranges) and last year's, the change, the rank among the departments of its kind over the
range (the rule of reports.content.peers), and the months of the range with the same months a
year earlier (the trend's second line). Per department: the decompositions that explain a chosen
indicator, range against last year's range (reports.content.decomposition), the commentary of
the range on those indicators or on free topics, and the improvement measures of the range.
A figure of a month withheld for a data-quality error withholds the range's figure.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from metrics import catalogue
from metrics.catalogue import Indicator
from metrics.ranges import RangeFigures, RangeValue, range_key
from reports import labels, periods
from reports.content import decomposition, peers
from reports.content.measures import Measure, in_range
from reports.content.report import Comment
from reports.data.publication import KIND_PREFIX
from reports.data.topic import TopicData, TopicError
from reports.data.warehouse import Department
from reports.formatting import NumberKind, is_missing, number_kind

MAX_DEPARTMENTS = 12  # side by side on one page
MAX_METRICS = 12


@dataclass(frozen=True)
class TopicPeer:
    rank: int | None
    count: int  # departments of the kind with a value over the range
    median: float | None
    group_value: float | None  # the kind's pooled figure (KIND:<kind>)
    group_label: str


@dataclass(frozen=True)
class TopicFigure:
    """One indicator of one department over the range."""

    indicator: Indicator
    kind: NumberKind
    value: float | None
    last_year: float | None
    numerator: float | None
    denominator: float | None
    reason: str | None  # why the value is not available
    withheld: bool
    monthly: list[float | None]  # the range's months
    monthly_last_year: list[float | None]  # the same months a year earlier
    peer: TopicPeer | None = None

    @property
    def change(self) -> float | None:
        """value − last year's; in percentage points for a % indicator (as metric_report's)."""
        if self.value is None or self.last_year is None:
            return None
        scale = 100 if self.kind is NumberKind.PERCENT else 1
        return (self.value - self.last_year) * scale

    @property
    def change_rel(self) -> float | None:
        """The change relative to last year's size (|last year|)."""
        if self.value is None or not self.last_year:
            return None
        return (self.value - self.last_year) / abs(self.last_year)


@dataclass
class TopicDepartment:
    department: Department
    figures: list[TopicFigure]
    decompositions: list[decomposition.Decomposition] = field(default_factory=list)
    commentary: list[Comment] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)


@dataclass
class TopicContent:
    title: str
    lang: str
    first: str
    last: str
    months: list[str]
    months_last_year: list[str]
    indicators: list[Indicator]
    departments: list[TopicDepartment]
    hospital_name: str | None = None  # the deployment's, above the title

    @property
    def range_title(self) -> str:
        return range_title(self.first, self.last, self.lang)

    @property
    def last_year_title(self) -> str:
        return range_title(self.months_last_year[0], self.months_last_year[-1], self.lang)


def range_title(first: str, last: str, lang: str) -> str:
    """'2025年11月–2026年2月', 'Nov 2025 – Feb 2026'."""
    dash = "–" if lang == "zh" else " – "
    return f"{periods.title('month', first, lang)}{dash}{periods.title('month', last, lang)}"


def resolve_metrics(names: list[str]) -> list[Indicator]:
    """Indicators named by id, Chinese or English name (as the targets ledger names them)."""
    from ledgers.indicator_names import resolve, unknown_message

    found = []
    for name in names:
        metric = resolve(name)
        if metric is None:
            raise TopicError(unknown_message(name))
        if metric not in found:
            found.append(metric)
    if not found:
        raise TopicError("name at least one indicator")
    if len(found) > MAX_METRICS:
        raise TopicError(f"at most {MAX_METRICS} indicators in one topic report")
    indicators = catalogue.indicators()
    return [indicators[m] for m in found]


def topic_content(
    data: TopicData,
    dept_codes: list[str],
    metric_names: list[str],
    lang: str,
    title: str | None = None,
) -> TopicContent:
    """The report of `dept_codes` (ALL: the hospital) on the indicators named."""
    labels.check_language(lang)
    indicators = resolve_metrics(metric_names)
    known = {d.code: d for d in data.monthly.departments}
    codes = list(dict.fromkeys(c.strip() for c in dept_codes if c.strip()))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise TopicError(f"no department with the code {', '.join(map(repr, unknown))}")
    if not codes:
        raise TopicError("name at least one department")
    if len(codes) > MAX_DEPARTMENTS:
        raise TopicError(f"at most {MAX_DEPARTMENTS} departments in one topic report")
    months_ly = [periods.shift("month", m, -12) for m in data.months]
    chosen = {i.id for i in indicators}
    departments = []
    for code in codes:
        department = known[code]
        figures = [
            _figure(data, department, indicator, months_ly, lang) for indicator in indicators
        ]
        departments.append(
            TopicDepartment(
                department=department,
                figures=figures,
                decompositions=_decompositions(data, code, chosen, lang),
                commentary=_commentary(data, department, chosen, lang, known),
                measures=_measures(data, code, chosen, lang),
            )
        )
    default_title = "、".join(i.name(lang) for i in indicators)
    if lang == "en":
        default_title = ", ".join(i.name(lang) for i in indicators)
    return TopicContent(
        title=(title or "").strip() or default_title,
        lang=lang,
        first=data.months[0],
        last=data.months[-1],
        months=data.months,
        months_last_year=months_ly,
        indicators=indicators,
        departments=departments,
    )


def _withheld(data: TopicData, dept: str, months: list[str], metric: str) -> bool:
    return data.monthly.publication.withheld_any(dept, months, [metric])


def _figure(
    data: TopicData, department: Department, indicator: Indicator, months_ly: list[str], lang: str
) -> TopicFigure:
    code, metric = department.code, indicator.id
    now = data.figures.value(code, metric) or RangeValue(None, None, None, None, 0, 0)
    before = data.figures.value(code, metric, last_year=True)
    withheld = _withheld(data, code, data.months, metric)
    withheld_ly = _withheld(data, code, months_ly, metric)
    monthly, monthly_ly = [], []
    for month in data.months:
        report = data.monthly.value(code, metric, month)
        shown = report is not None and not _withheld(data, code, [month], metric)
        monthly.append(report.value if shown else None)
        ly_month = periods.shift("month", month, -12)
        shown_ly = report is not None and not _withheld(data, code, [ly_month], metric)
        monthly_ly.append(report.yoy_value if shown_ly else None)
    kind = number_kind(indicator, [now.denominator, *data.monthly.denominators(code, metric)])
    return TopicFigure(
        indicator=indicator,
        kind=kind,
        value=None if withheld else _number(now.value),
        last_year=None if withheld_ly or before is None else _number(before.value),
        numerator=None if withheld else now.numerator,
        denominator=None if withheld else now.denominator,
        reason=None if withheld else now.reason,
        withheld=withheld,
        monthly=[_number(v) for v in monthly],
        monthly_last_year=[_number(v) for v in monthly_ly],
        peer=None if withheld else _peer(data, department, indicator, now, lang),
    )


def _number(value: float | None) -> float | None:
    return None if is_missing(value) else float(value)


def _peer(
    data: TopicData, department: Department, indicator: Indicator, now: RangeValue, lang: str
) -> TopicPeer | None:
    """Among the departments of its kind over the range (the hospital: among all, no rank)."""
    members = data.monthly.peers(None if department.is_hospital else department.kind)
    published = []
    for member in members:
        if _withheld(data, member.code, data.months, indicator.id):
            continue
        value = data.figures.value(member.code, indicator.id)
        if value is not None and value.value is not None:
            published.append(value.value)
    if not published:
        return None
    rank = None
    if not department.is_hospital and now.value is not None:
        rank = peers.rank_among(now.value, published, indicator.direction)
    group_value = None
    if not department.is_hospital and department.kind:
        group = f"{KIND_PREFIX}{department.kind}"
        pooled = data.figures.value(group, indicator.id)
        if pooled is not None and not _withheld(data, group, data.months, indicator.id):
            group_value = pooled.value
    return TopicPeer(
        rank=rank,
        count=len(published),
        median=statistics.median(published),
        group_value=group_value,
        group_label=peers.group_label(department, lang),
    )


def _decompositions(
    data: TopicData, dept: str, chosen: set[str], lang: str
) -> list[decomposition.Decomposition]:
    """The decompositions that explain a chosen indicator: the range against the same months a
    year earlier, when no month of either is withheld for what they read."""
    figures: RangeFigures = data.figures
    months_ly = [periods.shift("month", m, -12) for m in data.months]
    publication = data.monthly.publication

    def published(reads: tuple[str, ...]) -> bool:
        return not publication.withheld_any(
            dept, data.months, reads
        ) and not publication.withheld_any(dept, months_ly, reads)

    found = decomposition.decompose_between(
        lambda metric: figures.value(dept, metric),
        lambda metric: figures.value(dept, metric, last_year=True),
        base_period=range_key(months_ly[0], months_ly[-1]),
        comparison="yoy",
        lang=lang,
        published=published,
    )
    return [d for d in found if chosen & set(d.explains)]


def _commentary(
    data: TopicData,
    department: Department,
    chosen: set[str],
    lang: str,
    known: dict[str, Department],
) -> list[Comment]:
    """The range's commentary on a chosen indicator or on a free topic (not another indicator);
    the hospital's gathers every department's."""
    indicators = catalogue.indicators()
    rows = []
    for row in data.commentary:
        if not department.is_hospital and row.dept != department.code:
            continue
        if row.topic in indicators and row.topic not in chosen:
            continue
        owner = known.get(row.dept) or Department(row.dept, row.dept, None)
        topic = indicators[row.topic].name(lang) if row.topic in indicators else row.topic
        rows.append(
            Comment(
                dept=row.dept,
                dept_name=owner.name(lang),
                month=row.month,
                topic=topic,
                factor=labels.factor(row.factor, lang),
                text=row.text,
                plan=row.plan,
            )
        )
    return rows


def _measures(data: TopicData, dept: str, chosen: set[str], lang: str) -> list[Measure]:
    """The measures of the department (the hospital: all) open at some time in the range, with
    their effect (metrics.effects, as stored by the last run)."""
    first = periods.first_day("month", data.months[0])
    last = periods.last_day("month", data.months[-1])
    return in_range(data.monthly.measures, dept, lang, first, last, chosen)
