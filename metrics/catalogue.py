"""The indicator catalogue (`catalogue.toml`) as Python objects and as the `metric_catalogue` table."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
EVENT_SIDES = {
    "none": (),
    "numerator": ("numerator",),
    "denominator": ("denominator",),
    "both": ("numerator", "denominator"),
}


@dataclass(frozen=True)
class Indicator:
    id: str
    family: str
    zh: str
    en: str
    formula_zh: str  # what the reader sees on hover (HTML) or in a note (Excel)
    formula_en: str
    unit: str
    direction: str
    band_low: float | None
    band_high: float | None
    scale: float
    weekly: bool
    inputs: tuple[str, ...]
    missing: str
    missing_denominator: str | None
    zero: str | None
    events: tuple[str, ...] = ()  # "numerator" and/or "denominator": the sides that count events
    grains: tuple[str, ...] = ("week", "month", "quarter", "year")
    band_around: str | None = None
    to_date: bool = False
    kinds: tuple[str, ...] = ()  # the department kinds whose reports show it; () every kind
    not_kinds: tuple[str, ...] = ()  # the department kinds whose reports leave it out

    def shown_for(self, kind: str | None) -> bool:
        """Whether a report of a department (or group) of this kind shows the indicator."""
        return (not self.kinds or kind in self.kinds) and kind not in self.not_kinds

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def formula(self, lang: str) -> str:
        """The formula in words, in the reader's language: what the name stands for."""
        return self.formula_zh if lang == "zh" else self.formula_en

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    def few_events(self, numerator: float | None, denominator: float | None) -> bool:
        """Whether a side of the formula that counts events counts fewer than few_events_below."""
        counts = {"numerator": numerator, "denominator": denominator}
        below = _load()[3]
        return any(counts[s] is not None and counts[s] < below for s in self.events)


@dataclass(frozen=True)
class Family:
    id: str
    zh: str
    en: str
    order: int

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _bound(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


@cache
def _load() -> tuple[dict[str, Indicator], dict[str, Family], dict[str, dict[str, str]], int]:
    data = tomllib.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    families = {k: Family(k, v["zh"], v["en"], v["order"]) for k, v in data["families"].items()}
    indicators = {}
    for key, raw in data["indicators"].items():
        missing = {"zh", "en", "formula_zh", "formula_en"} - set(raw)
        if missing:
            raise ValueError(f"{key}: no {', '.join(sorted(missing))} in {CATALOGUE_PATH.name}")
        band = raw.get("band", [None, None])
        indicators[key] = Indicator(
            id=key,
            family=raw["family"],
            zh=raw["zh"],
            en=raw["en"],
            formula_zh=raw["formula_zh"],
            formula_en=raw["formula_en"],
            unit=raw["unit"],
            direction=raw["direction"],
            band_low=_bound(band[0]),
            band_high=_bound(band[1]),
            scale=float(raw.get("scale", 1)),
            weekly=raw.get("weekly", False),
            inputs=tuple(raw["inputs"]),
            missing=raw["missing"],
            missing_denominator=raw.get("missing_denominator"),
            zero=raw.get("zero"),
            events=EVENT_SIDES[raw.get("events", "none")],
            grains=tuple(raw.get("grains", ("week", "month", "quarter", "year"))),
            band_around=raw.get("band_around"),
            to_date=raw.get("to_date", False),
            kinds=tuple(raw.get("kinds", ())),
            not_kinds=tuple(raw.get("not_kinds", ())),
        )
    _check(indicators, families, data["reasons"])
    return indicators, families, data["reasons"], data["few_events_below"]


def _check(indicators: dict[str, Indicator], families: dict, reasons: dict) -> None:
    """A catalogue that names an unknown family or reason is refused before any SQL runs."""
    for indicator in indicators.values():
        if indicator.family not in families:
            raise ValueError(f"{indicator.id}: unknown family {indicator.family!r}")
        for code in (indicator.missing, indicator.missing_denominator, indicator.zero):
            if code is not None and code not in reasons:
                raise ValueError(f"{indicator.id}: unknown reason {code!r}")


def indicators() -> dict[str, Indicator]:
    """Every indicator, in catalogue order."""
    return _load()[0]


def families() -> dict[str, Family]:
    return dict(sorted(_load()[1].items(), key=lambda item: item[1].order))


def reasons() -> dict[str, dict[str, str]]:
    """Every reason code a null value may carry, with its zh and en text."""
    return _load()[2]


def reason_text(code: str | None, lang: str) -> str | None:
    """Why a value is not available, in the reader's language."""
    return None if code is None else _load()[2][code][lang]


def store(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)write `metric_catalogue` so that SQL can join indicator metadata."""
    frame = pd.DataFrame(
        [
            {
                "metric": i.id,
                "family": i.family,
                "name_zh": i.zh,
                "name_en": i.en,
                "unit": i.unit,
                "direction": i.direction,
                "band_low": i.band_low,
                "band_high": i.band_high,
                "scale": i.scale,
                "weekly": i.weekly,
                "inputs": list(i.inputs),
                "missing": i.missing,
                "missing_denominator": i.missing_denominator,
                "zero": i.zero,
                "band_around": i.band_around,
                "to_date": i.to_date,
            }
            for i in indicators().values()
        ]
    )
    frame = frame.astype({"band_low": "float64", "band_high": "float64"})
    con.register("catalogue_frame", frame)
    con.execute("""
        create or replace table metric_catalogue as
        select * replace (
            cast(inputs as varchar[]) as inputs,
            cast(missing_denominator as varchar) as missing_denominator,
            cast(zero as varchar) as zero,
            cast(band_around as varchar) as band_around)
        from catalogue_frame
    """)
    con.unregister("catalogue_frame")


def ledger_needs_markdown() -> str:
    """README's table of which ledgers give which indicators (catalogue `inputs`): one row per
    ledger kind, its indicators, and the other ledgers an indicator needs as well."""
    from ledgers.specs import ledgers

    lines = [
        "| Ledger | Indicators that need it (and what else they need) |",
        "| --- | --- |",
    ]
    for kind, spec in ledgers().items():
        named = []
        for indicator in indicators().values():
            if kind not in indicator.inputs:
                continue
            others = [ledgers()[k].en.lower() for k in indicator.inputs if k != kind]
            named.append(indicator.en + (f" (+ {', '.join(others)})" if others else ""))
        if named:
            lines.append(f"| {spec.en} ({spec.zh}) | {'; '.join(named)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(ledger_needs_markdown(), end="")
