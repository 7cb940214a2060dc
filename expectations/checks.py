"""The data-quality checks (`checks.toml`) and thresholds (`thresholds.toml`) as Python objects, and
the finding each check produces, with its message in Chinese and English."""

from __future__ import annotations

import datetime as dt
import math
import string
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from ledgers.specs import ledgers

CHECKS_PATH = Path(__file__).with_name("checks.toml")
THRESHOLDS_PATH = Path(__file__).with_name("thresholds.toml")

SEVERITIES = ("error", "warning")
# A finding's own severity, below its check's: a true fact worth a line, not a fault nor an alarm
# (an indicator that moved markedly its good way). It never counts as a failed check.
NOTE = "info"
GUARDS = ("ledger", "indicators")
DIMENSIONS = ("completeness", "timeliness", "accuracy", "notice")
SOURCES = ("gx", "sql")


@dataclass(frozen=True)
class Check:
    """One row of checks.toml."""

    id: str
    severity: str
    ledgers: tuple[str, ...]
    guards: str
    dimension: str
    source: str
    zh: str
    en: str
    message_zh: str
    message_en: str
    variants: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    expectations: tuple[str, ...] = ()
    unit_fields: tuple[str, ...] = ()
    unit_change_fields: tuple[str, ...] = ()

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def template(self, lang: str, variant: str | None = None) -> str:
        """The message template in `lang`; a variant's where one is named."""
        if variant:
            return self.variants[variant][f"message_{lang}"]
        return self.message_zh if lang == "zh" else self.message_en


@dataclass(frozen=True)
class Finding:
    """One thing a check found, where it is, and what to tell the department assistant.

    `row` is the row number as Excel shows it (or the CSV line); file, sheet and row are None for a
    finding about a department's month as a whole. For indicator checks, `metric`, `value`,
    `reference` (the median, or last year's value), `score` (modified z, or relative change) and
    `threshold` say how big the jump is and what it was measured against."""

    check: str
    severity: str
    dept: str | None
    period: str
    ledger: str | None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    message_zh: str = ""
    message_en: str = ""
    metric: str | None = None
    value: float | None = None
    reference: float | None = None
    score: float | None = None
    threshold: float | None = None

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en

    @property
    def is_note(self) -> bool:
        return self.severity == NOTE


@cache
def _load_checks() -> dict[str, Check]:
    data = tomllib.loads(CHECKS_PATH.read_text(encoding="utf-8"))
    all_kinds = tuple(ledgers())
    checks = {}
    for check_id, raw in data.items():
        raw = dict(raw)
        kinds = tuple(raw.pop("ledgers"))
        check = Check(
            id=check_id,
            ledgers=all_kinds if kinds == ("*",) else kinds,
            variants=raw.pop("variants", {}),
            expectations=tuple(raw.pop("expectations", ())),
            unit_fields=tuple(raw.pop("unit_fields", ())),
            unit_change_fields=tuple(raw.pop("unit_change_fields", ())),
            **raw,
        )
        if (
            check.severity not in SEVERITIES
            or check.guards not in GUARDS
            or check.dimension not in DIMENSIONS
            or check.source not in SOURCES
        ):
            raise ValueError(
                f"checks.toml: {check_id} has an unknown severity, guard, dimension or source"
            )
        checks[check_id] = check
    return checks


def catalogue() -> dict[str, Check]:
    """Every check by id, in the order of checks.toml."""
    return _load_checks()


def check(check_id: str) -> Check:
    return _load_checks()[check_id]


def gx_check_for(expectation_type: str) -> Check:
    """The check that reports failures of one GX expectation type."""
    for candidate in _load_checks().values():
        if expectation_type in candidate.expectations:
            return candidate
    raise KeyError(f"no check in checks.toml covers the GX expectation {expectation_type}")


@cache
def thresholds() -> dict[str, object]:
    """Every threshold of thresholds.toml by name (names are unique across its sections)."""
    data = tomllib.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))
    flat: dict[str, object] = {}
    for section in data.values():
        for name, value in section.items():
            if name in flat:
                raise ValueError(f"thresholds.toml: {name} is defined twice")
            flat[name] = value
    return flat


# --- messages ----------------------------------------------------------------------------------


def format_number(number: float, signed: bool = False) -> str:
    """93000.0 -> '93,000'; 6.745 -> '6.75'; signed adds '+' to a positive number."""
    if math.isclose(number, round(number), abs_tol=1e-9):
        text = f"{round(number):{'+' if signed else ''},}"
    else:
        text = f"{number:{'+' if signed else ''},.2f}".rstrip("0").rstrip(".")
    return text


def format_value(name: str, value: object, lang: str) -> str:
    """A template field as text: numbers without trailing zeros, `*_pct` fractions as percent,
    fields named `change…` signed, dates as ISO."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        number = float(value)
        signed = name.startswith("change")
        if name.endswith("_pct"):
            return f"{format_number(round(number * 100, 1), signed)}%"
        return format_number(number, signed)
    return str(value)


def _format_in_unit(name: str, value: object, unit: str | None, change: bool, lang: str) -> str:
    """A field in the indicator's unit: a % indicator as percent, a difference of one in
    percentage points (signed where the field is a change)."""
    if value is None or unit != "%":
        return format_value(name, value, lang)
    percent = float(value) * 100
    if change:
        points = f"{percent:{'+' if name.startswith('change') else ''}.1f}"
        return f"{points} 个百分点" if lang == "zh" else f"{points} pp"
    return f"{percent:.1f}%"


def ledger_title(ledger: str | None, lang: str) -> str:
    """'workload' -> '业务量台账'; a comma list of kinds -> their titles joined."""
    if not ledger:
        return ""
    kinds = ledgers()
    titles = [kinds[k].title(lang) if k in kinds else k for k in ledger.split(",")]
    return ("、" if lang == "zh" else ", ").join(titles)


def render(check_: Check, fields: dict[str, object], lang: str) -> str:
    """The check's message (or the variant named by fields['variant']) filled in for one finding."""
    template = check_.template(lang, fields.get("variant") or None)
    wanted = placeholders(template)  # a city has tens of thousands of findings: format only these
    unit = fields.get("unit")
    texts = {}
    for name, value in fields.items():
        if name not in wanted:
            continue
        if name in check_.unit_fields:
            texts[name] = _format_in_unit(name, value, unit, False, lang)
        elif name in check_.unit_change_fields:
            texts[name] = _format_in_unit(name, value, unit, True, lang)
        else:
            texts[name] = format_value(name, value, lang)
    for title_lang in ("zh", "en"):
        if f"ledger_{title_lang}" in wanted:
            texts[f"ledger_{title_lang}"] = ledger_title(fields.get("ledger"), title_lang)
    return template.format_map(texts)


@cache
def placeholders(template: str) -> frozenset[str]:
    """The field names a message template fills in."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def make_finding(check_id: str, fields: dict[str, object]) -> Finding:
    """A Finding of one check from the fields its SQL (or suite) returned: dept, period, ledger,
    file, sheet, row (where known), the template fields, and for indicators metric, value,
    reference, score and threshold. A `severity` field of NOTE makes the finding a note."""
    check_ = check(check_id)
    severity = fields.get("severity") or check_.severity
    if severity not in (check_.severity, NOTE):
        raise ValueError(f"{check_id}: a finding may be a {NOTE} note, not {severity!r}")
    fields = dict(fields)
    if not fields.get("ledger"):
        fields["ledger"] = ",".join(check_.ledgers)
    row = fields.get("row")

    def number(name: str) -> float | None:
        # only indicator findings carry these: elsewhere `value` is a cell as the ledger wrote it
        value = fields.get(name) if fields.get("metric") else None
        return None if value is None else float(value)

    return Finding(
        check=check_id,
        severity=severity,
        dept=fields.get("dept"),
        period=str(fields["period"]),
        ledger=fields["ledger"],
        file=fields.get("file") or None,
        sheet=fields.get("sheet") or None,
        row=None if row is None else int(row),
        message_zh=render(check_, fields, "zh"),
        message_en=render(check_, fields, "en"),
        metric=fields.get("metric"),
        value=number("value"),
        reference=number("reference"),
        score=number("score"),
        threshold=number("threshold"),
    )
