"""What one department's (or the hospital's) report of a period says, assembled from `PeriodData`:
the indicators, the analysis built on them (attention, movement, peers, recommendations), the
ledger detail, commentary and data quality.

The HTML page and the Excel workbook both render this; neither queries the warehouse itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ledgers.specs import ledger
from metrics import catalogue
from reports import labels, periods
from reports.content import (
    attention,
    budget,
    casemix,
    decomposition,
    finance_dashboard,
    hospital,
    ledger_detail,
    measures,
    peers,
    periodic,
    quality,
    recommendations,
    staffing,
    structure,
    summary,
)
from reports.content.indicators import (
    FamilySection,
    IndicatorRow,
    family_sections,
    indicator_row,
    key_indicators,
    published_value,
)
from reports.data import privacy
from reports.data.publication import Block
from reports.data.warehouse import HOSPITAL, Department, Finding, PeriodData

__all__ = [
    "HOSPITAL",
    "Department",
    "FamilySection",
    "IndicatorRow",
    "ReportContent",
    "indicator_row",
    "key_indicators",
    "period_content",
    "published_value",
]


# The ledgers whose rows the service and supplies detail shows as they are.
DETAIL_LEDGERS = ("patient_feedback", "appointments", "supplies")


@dataclass(frozen=True)
class Comment:
    dept: str
    dept_name: str
    month: str
    topic: str
    factor: str | None
    text: str
    plan: str | None = None


@dataclass(frozen=True)
class Change:
    indicator: str
    before: str
    after: str


@dataclass(frozen=True)
class Revision:
    """A re-issue of a report (reports.publish.revisions): 修订版 n, dated, what moved."""

    number: int
    issued: str  # ISO date, in the hospital's timezone
    changes: tuple[Change, ...] = ()

    def title(self, lang: str) -> str:
        return f"{labels.text('revision', lang)} {self.number} ({self.issued})"


@dataclass
class ReportContent:
    department: Department
    grain: str
    period: str
    lang: str
    trend_periods: list[str]
    tiles: list[IndicatorRow]
    families: list[FamilySection]
    commentary: list[Comment]
    blocks: list[Block] = field(default_factory=list)
    attention: list[attention.AttentionItem] = field(default_factory=list)
    decompositions: list[decomposition.Decomposition] = field(default_factory=list)
    peers: peers.PeerComparison | None = None
    recommendations: list[recommendations.Recommendation] = field(default_factory=list)
    service: list[ledger_detail.LedgerFigure] = field(default_factory=list)
    supplies: ledger_detail.SuppliesDetail | None = None
    findings: list[Finding] = field(default_factory=list)
    findings_checked: bool = False  # False: the dq_findings table does not exist (yet)
    # A week, quarter or year still in progress is named by what it covers and marked 进行中
    coverage: periods.Coverage = field(default_factory=periods.Coverage)
    budget: budget.BudgetProgress | None = None  # 本年累计与预算进度 (at a quarter's, year's end)
    # A quarter's 累计 and 8 quarters, a year's months and quarters against last year's, targets
    periodic: periodic.PeriodBlocks | None = None
    # 收入结构, 支出结构 (reports.structure) and the 病种与医保 tables (reports.casemix)
    structures: list[structure.Structure] = field(default_factory=list)
    case_mix: casemix.CaseMix | None = None
    # the hospital's report: 经济运行 by department (reports.finance_dashboard)
    department_table: finance_dashboard.DepartmentTable | None = None
    # One line per ledger kind the hospital has not provided: which indicators it leaves out.
    missing_ledgers: list[str] = field(default_factory=list)
    # The last day the data reaches (the workload ledger's, else the data month's last day).
    data_as_of: str | None = None
    # 数据质量报告 for the assistant, and its one line in the head's report
    quality: quality.QualityReport | None = None
    quality_line: str | None = None
    # The hospital's report only: departments' part in its change, alerts rolled up
    contributions: list[hospital.ContributionTable] = field(default_factory=list)
    rolled_up: list[str] = field(default_factory=list)
    matrix: hospital.DepartmentMatrix | None = None
    # 概述: the sentences a head reads first (reports.content.summary)
    overview: list[str] = field(default_factory=list)
    # Set when the report is re-issued with other figures (reports.revisions), not fingerprinted.
    revision: Revision | None = None
    # The improvement measures: open at the period's end (overdue marked), due next month (a
    # month's 下月计划), the year's with their effect (管理成效); the staffing detail.
    measures_open: list[measures.Measure] = field(default_factory=list)
    measures_next: list[measures.Measure] = field(default_factory=list)
    measures_year: list[measures.Measure] = field(default_factory=list)
    staffing: staffing.StaffingDetail | None = None
    complaints: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)
    # The day the files were written, set by the batch after the fingerprint.
    generated_at: str | None = None
    hospital_name: str | None = None  # the deployment's, above the title

    @property
    def dept_name(self) -> str:
        return self.department.name(self.lang)

    @property
    def alarmed(self) -> set[str]:
        """The indicators with an anomaly alarm this period: the 异常 mark beside their status."""
        return {i.row.indicator.id for i in self.attention if i.anomalies and i.row is not None}

    @property
    def is_hospital(self) -> bool:
        return self.department.code == HOSPITAL

    @property
    def withheld(self) -> bool:
        """Whether some of the period's figures are withheld (the banner says which)."""
        return bool(self.blocks)

    @property
    def detail_withheld(self) -> bool:
        """Whether a ledger the service and supplies detail shows is in error."""
        return any(b.blocks_ledger(kind) for b in self.blocks for kind in DETAIL_LEDGERS)

    @property
    def is_empty(self) -> bool:
        """Nothing to show: no figure (shown, withheld or suppressed), no commentary, no
        finding. Such a report is not written (a clinic with no activity in the period)."""
        return not (
            any(r.has_value or r.withheld or r.suppressed for r in self.rows.values())
            or self.commentary
            or self.findings
        )

    @property
    def period_title(self) -> str:
        return periods.title(self.grain, self.period, self.lang, self.coverage)

    @property
    def report_title(self) -> str:
        """科室运营月度分析报告, 全院运营季度分析报告, …: the page's and the printed sheets' title."""
        hospital = "hospital_" if self.is_hospital else ""
        return labels.text(f"report_title_{hospital}{self.grain}", self.lang)

    @property
    def has_mom(self) -> bool:
        """Whether the report shows 环比: a year's is its 同比, shown once (periods.comparisons)."""
        return "prior" in periods.comparisons(self.grain)

    @property
    def in_progress(self) -> bool:
        return self.coverage.in_progress

    @property
    def rows(self) -> dict[str, IndicatorRow]:
        return {row.indicator.id: row for section in self.families for row in section.rows}

    @property
    def definitions(self) -> list[FamilySection]:
        """The appendix's 指标定义: per family, the indicators the report gives a figure for
        (shown, withheld or suppressed), each defined by the catalogue's formula in words."""
        shown = [
            FamilySection(
                s.family, [r for r in s.rows if r.has_value or r.withheld or r.suppressed]
            )
            for s in self.families
        ]
        return [section for section in shown if section.rows]


def period_content(data: PeriodData, department: Department, lang: str) -> ReportContent:
    """Everything the report of one department (or `ALL`) for the data's period shows."""
    labels.check_language(lang)
    sections = family_sections(data, department.code)
    blocks = data.publication.blocks_for(department.code, data.months)
    content = ReportContent(
        department=department,
        grain=data.grain,
        period=data.period,
        lang=lang,
        trend_periods=data.trend,
        tiles=key_indicators(sections, department.kind),
        families=sections,
        commentary=_commentary(data, department, lang),
        blocks=blocks,
        findings=_findings(data, department),
        findings_checked=data.findings_checked,
        coverage=data.coverage,
        missing_ledgers=[missing_ledger_line(kind, lang) for kind in data.missing_ledgers],
        hospital_name=data.hospital_name,
    )
    content.data_as_of = _data_as_of(data)
    content.quality = quality.quality_report(
        department,
        data.grain,
        data.period,
        lang,
        content.findings,
        data.findings_checked,
        blocks,
        {d.code: d.name(lang) for d in data.departments},
        data.coverage,
    )
    content.quality.hospital_name = data.hospital_name
    content.quality_line = quality.status_line(content.quality, len(data.missing_ledgers))
    if data.grain == "month":
        content.budget = budget.budget_progress(content.rows)
    else:
        content.budget = periodic.budget_at_end(data, department.code, content.rows)
    content.periodic = periodic.period_blocks(data, department.code, content.rows, lang)
    content.structures = structure.structures(data, data.finance, department.code, lang)
    content.case_mix = casemix.case_mix(data, data.finance, department.code)
    if department.is_hospital:
        content.department_table = finance_dashboard.finance_table(data, lang)
    content.decompositions = decomposition.decompose(data, department.code, lang, department.kind)
    content.attention = attention.attention_items(
        content.rows, content.findings, content.decompositions, department.code
    )
    for item in content.attention:
        if item.row is not None:
            name = item.row.indicator.name(lang)
            item.comments = [
                c for c in content.commentary if c.dept == department.code and c.topic == name
            ]
    content.peers = peers.compare(data, department, content.tiles, lang)
    if department.is_hospital:
        content.contributions = hospital.contributions(data, lang)
        content.rolled_up = hospital.rolled_up(data, content.contributions, lang)
        content.matrix = hospital.department_matrix(data, content.tiles)
    # The trend of each indicator outside its band, for the streaks (charts keep 4 a family).
    trends = {
        metric: [published_value(data, department.code, metric, p) for p in data.trend]
        for metric, row in content.rows.items()
        if row.breached_limit is not None
    }
    content.overview = summary.overview(
        content.rows, trends, content.decompositions, data.grain, lang, department.kind
    )
    content.recommendations = recommendations.recommend(
        content.rows, data, lang
    ) + recommendations.drg_recommendations(content.rows, content.case_mix, lang)
    if not content.detail_withheld:
        content.service = ledger_detail.patient_service(data, department, lang)
        content.supplies = ledger_detail.supplies(data, department, lang)
    _measures(content, data, department, lang)
    return content


def _measures(content: ReportContent, data: PeriodData, department: Department, lang: str) -> None:
    first = periods.first_day(data.grain, data.period)
    last = periods.last_day(data.grain, data.period)
    code = department.code
    if data.grain in ("month", "quarter"):
        content.measures_open = measures.open_at(data.measures, code, lang, last)
    if data.grain == "month":
        after = periods.shift("month", data.period, 1)
        content.measures_next = measures.due_between(
            data.measures,
            code,
            lang,
            periods.first_day("month", after),
            periods.last_day("month", after),
        )
    if data.grain == "year":
        content.measures_year = measures.year_measures(data.measures, code, lang, int(data.period))
    if department.is_hospital:  # each measure's department by its name, as everywhere else
        names = {d.code: d.name(lang) for d in data.departments}
        content.measures_open = measures.named(content.measures_open, names)
        content.measures_next = measures.named(content.measures_next, names)
        content.measures_year = measures.named(content.measures_year, names)
    content.staffing = staffing.staffing_detail(data, department, lang, first, last)
    content.complaints = staffing.complaint_breakdown(data, department, lang)


def _data_as_of(data: PeriodData) -> str | None:
    """The last day of the period the data reaches: the period's own last day once the data
    goes past it (so an old month's report does not change when new data arrives)."""
    extent, end = data.extent, periods.last_day(data.grain, data.period)
    if extent is None:
        return None
    if extent.last_workload_day is not None:
        reached = extent.last_workload_day
    elif extent.data_month is not None:
        reached = periods.last_day("month", periods.month_key(extent.data_month))
    else:
        return None
    return min(reached, end).isoformat()


def missing_ledger_line(kind: str, lang: str) -> str:
    """'未提供经济运行台账：经济指标暂缺': the ledger and what it leaves out. A family is named when
    the ledger feeds at least half of its indicators; otherwise the indicators themselves are
    ('未提供投诉登记：投诉办结率暂缺'), so an optional register never reads as a whole family lost."""
    indicators = list(catalogue.indicators().values())
    parts = []
    for family in catalogue.families().values():
        members = [i for i in indicators if i.family == family.id]
        reading = [i for i in members if kind in i.inputs]
        if not reading:
            continue
        if 2 * len(reading) >= len(members):
            parts.append(family.name(lang))
        else:
            parts.extend(i.name(lang) for i in reading)
    shown = ("、" if lang == "zh" else ", ").join(parts if len(parts) <= 4 else parts[:3])
    if len(parts) > 4:  # a list, not a paragraph: the first three and how many in all
        shown += f"等{len(parts)}项" if lang == "zh" else f" and {len(parts) - 3} more"
    return labels.text("missing_ledger", lang).format(
        ledger=ledger(kind).title(lang), families=shown
    )


def _findings(data: PeriodData, department: Department) -> list[Finding]:
    """The department's findings (the hospital's: all). A message about an indicator (an anomaly
    states its value and history) whose value is withheld is replaced by a note; for
    circulation, so is one about a sensitive indicator."""
    found = [f for f in data.findings if department.is_hospital or f.dept == department.code]
    sensitive = privacy.sensitive_indicators() if data.suppress_below is not None else set()
    shown = []
    for finding in found:
        if finding.metric and data.publication.withheld(
            finding.dept or HOSPITAL, [finding.period], finding.metric
        ):
            zh, en = privacy.finding_note(finding.metric, "withheld_finding")
            finding = replace(finding, message_zh=zh, message_en=en)
        elif finding.metric in sensitive:
            zh, en = privacy.finding_note(finding.metric)
            finding = replace(finding, message_zh=zh, message_en=en)
        shown.append(finding)
    return shown


def _topic(topic: str, lang: str) -> str:
    """A topic that is an indicator (stored as its id) by its name; a free topic as written."""
    indicator = catalogue.indicators().get(topic)
    return indicator.name(lang) if indicator else topic


def _commentary(data: PeriodData, department: Department, lang: str) -> list[Comment]:
    """The department's commentary rows; the hospital's report gathers every department's."""
    names = {d.code: d for d in data.departments}
    return [
        Comment(
            dept=row.dept,
            dept_name=(names.get(row.dept) or Department(row.dept, row.dept, None)).name(lang),
            month=row.month,
            topic=_topic(row.topic, lang),
            factor=labels.factor(row.factor, lang),
            text=row.text,
            plan=row.plan,
        )
        for row in data.commentary
        if department.is_hospital or row.dept == department.code
    ]
