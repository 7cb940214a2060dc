"""数据质量报告: what the data-quality checks found in a period, for the assistant who fixes the
ledgers, and the one line the head's report keeps.

Every finding is told in words (the check's title and its message, which says what to do), never
by its check id, grouped by ledger and file so the assistant works through one file at a time.
Anomaly alarms are not here: they are about the figures, and the report's 问题与原因 lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations import checks
from reports import labels, periods
from reports.data.publication import Block
from reports.data.warehouse import Department, Finding

SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class QualityLine:
    severity: str | None
    period: str | None
    dept: str | None  # the department's name (the hospital's report lists every department's)
    where: str  # sheet · row, as far as it is known
    title: str  # what was checked, in words
    message: str  # what was found and what to do


@dataclass(frozen=True)
class QualityGroup:
    ledger: str  # the ledger's title; a check across ledgers names them all
    file: str | None
    lines: list[QualityLine]


@dataclass
class QualityReport:
    department: Department
    grain: str
    period: str
    lang: str
    checked: bool
    groups: list[QualityGroup] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    withheld: list[str] = field(default_factory=list)  # what is not published, and why
    incomplete: bool = False  # a ledger expected is missing (a completeness finding)
    coverage: periods.Coverage = field(default_factory=periods.Coverage)
    hospital_name: str | None = None  # the deployment's, above the title

    @property
    def dept_name(self) -> str:
        return self.department.name(self.lang)

    @property
    def period_title(self) -> str:
        return periods.title(self.grain, self.period, self.lang, self.coverage)


def check_title(check_id: str, lang: str) -> str:
    """The check's title in words, never its id (an unknown check: 其他检查)."""
    found = checks.catalogue().get(check_id)
    return found.title(lang) if found else labels.text("check_other", lang)


def _incomplete(finding: Finding) -> bool:
    found = checks.catalogue().get(finding.check)
    return found is not None and found.dimension == "completeness"


def ledger_findings(findings: list[Finding]) -> list[Finding]:
    """The findings about the ledgers: not the anomaly alarms (about figures), not the notes."""
    return [f for f in findings if not f.is_anomaly and not f.is_note]


def quality_report(
    department: Department,
    grain: str,
    period: str,
    lang: str,
    findings: list[Finding],
    checked: bool,
    blocks: list[Block],
    names: dict[str, str],
    coverage: periods.Coverage | None = None,
) -> QualityReport:
    """The data-quality report of a department (or of the hospital: every department's findings),
    `names` giving department names by code."""
    kept = ledger_findings(findings)
    grouped: dict[tuple[str, str | None], list[QualityLine]] = {}
    for finding in sorted(kept, key=_order):
        key = (
            checks.ledger_title(finding.ledger, lang) or labels.text("cross_ledger", lang),
            finding.file,
        )
        grouped.setdefault(key, []).append(
            QualityLine(
                severity=finding.severity,
                period=finding.period,
                dept=names.get(finding.dept or "", finding.dept)
                if department.is_hospital
                else None,
                where=_where(finding, lang),
                title=check_title(finding.check, lang),
                message=finding.message(lang),
            )
        )
    return QualityReport(
        department=department,
        grain=grain,
        period=period,
        lang=lang,
        checked=checked,
        groups=[QualityGroup(ledger, file, lines) for (ledger, file), lines in grouped.items()],
        errors=sum(f.severity == "error" for f in kept),
        warnings=sum(f.severity == "warning" for f in kept),
        withheld=[f"{b.month} · {check_title(b.check, lang)}: {b.message(lang)}" for b in blocks],
        incomplete=any(_incomplete(f) for f in kept),
        coverage=coverage or periods.Coverage(),
    )


def status_line(report: QualityReport, missing_ledgers: int = 0) -> str:
    """The head's one line: 台账完整，1项待核实，不影响结论 / 2项台账错误，相关指标暂不发布."""
    t = labels.text
    lang = report.lang
    if not report.checked:
        return t("dq_not_run", lang)
    missing = missing_ledgers or report.incomplete
    start = t("dq_ledgers_missing" if missing else "dq_ledgers_complete", lang)
    if report.errors:
        rest = t("dq_line_errors", lang).format(errors=report.errors)
        if report.withheld:
            rest += t("dq_line_withheld", lang)
        return f"{start}{t('dq_join', lang)}{rest}{t('dq_end', lang)}"
    if report.warnings:
        rest = t("dq_line_warnings", lang).format(warnings=report.warnings)
        return f"{start}{t('dq_join', lang)}{rest}{t('dq_end', lang)}"
    return f"{start}{t('dq_join', lang)}{t('dq_line_clean', lang)}{t('dq_end', lang)}"


def _order(finding: Finding) -> tuple:
    return (
        finding.ledger or "~",
        finding.file or "",
        SEVERITY_ORDER.get(finding.severity or "", 2),
        finding.period or "",
        finding.dept or "",
        finding.sheet or "",
        finding.row if finding.row is not None else -1,
    )


def _where(finding: Finding, lang: str) -> str:
    parts = [p for p in (finding.sheet,) if p]
    if finding.row is not None:
        parts.append(f"{labels.text('row_number', lang)} {finding.row}")
    return " · ".join(parts)
