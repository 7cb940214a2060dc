"""The analysis sheets of a period workbook: indicators needing attention with the
recommendations, the movement analysis (decompositions) and the same-kind comparison."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from openpyxl.worksheet.worksheet import Worksheet

from reports import labels
from reports.content.report import IndicatorRow, ReportContent
from reports.data import privacy
from reports.formatting import (
    EXCEL_FORMATS,
    excel_change_format,
    excel_points_format,
    format_band,
)
from reports.render.workbook import (
    FIRST_DATA_ROW,
    Column,
    Number,
    finish_table,
    put_text,
    status_fills,
    title,
    write_table,
)

MONEY_CHANGE = "+#,##0.00;-#,##0.00;0.00"


def heading(sheet: Worksheet, content: ReportContent, text: str) -> None:
    """Title row: department · period · sheet (· not published)."""
    parts = [content.dept_name, content.period_title, text]
    if content.withheld:
        parts.append(labels.text("withheld", content.lang))
    if content.revision:
        parts.append(content.revision.title(content.lang))
    title(sheet, " · ".join(parts))


def indicator_value(value: float | None, row: IndicatorRow) -> Number:
    return Number(value, EXCEL_FORMATS[row.kind])


def shown_value(row: IndicatorRow, lang: str) -> Number | str:
    """The row's value, or why it is not shown (withheld, suppressed for circulation)."""
    if row.withheld:
        return labels.text("withheld", lang)
    if row.suppressed:
        return privacy.note(row.suppressed_below, lang)
    return indicator_value(row.value, row)


MOM_KEYS = ("prior", "mom_change", "mom_change_rel")


def without_mom(
    content: ReportContent, keys: Sequence[str], rows: list[list]
) -> tuple[list[str], list[list]]:
    """The columns (by label key) and rows without the 环比 columns when the report has no 环比:
    a year's is its 同比 (periods.comparisons), never shown twice."""
    if content.has_mom:
        return list(keys), rows
    keep = [i for i, key in enumerate(keys) if key not in MOM_KEYS]
    return [keys[i] for i in keep], [[row[i] for i in keep] for row in rows]


def attention_sheet(sheet: Worksheet, content: ReportContent) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    keys = ("indicator", "value", "band", "status", "anomaly_mark", "mom_change", "yoy_change")
    keys += ("breakdown",)
    hints = {"indicator": 20, "breakdown": 50}
    rows = []
    for item in content.attention:
        row = item.row
        # the status is the tile's (正常 too); an alarm is its own column, never a status
        mark = t("anomaly") if item.anomalies else None
        notes = [f"{t('anomaly')} {f.period}: {f.message(lang)}" for f in item.anomalies]
        notes += [f"{f.period}: {f.message(lang)}" for f in item.notes]
        notes += [
            f"{d.title} {d.comparison_label} {d.change_text} = "
            + " + ".join(f"{term.label} {term.text}" for term in d.terms)
            for d in item.breakdowns
        ]
        if row is None:
            rows.append(
                [item.anomalies[0].check, None, None, None, mark, None, None, "\n".join(notes)]
            )
            continue
        rows.append(
            [
                row.indicator.name(lang),
                shown_value(row, lang),
                format_band(row.band_low, row.band_high, row.kind),
                labels.status(item.status, lang),
                mark,
                Number(row.prior_change, excel_change_format(row.kind, lang)),
                Number(row.yoy_change, excel_change_format(row.kind, lang)),
                "\n".join(notes) or None,
            ]
        )
    keys, rows = without_mom(content, keys, rows)
    columns = [Column(t(key), hints.get(key, 0), wrap=key == "breakdown") for key in keys]
    heading(sheet, content, t("attention"))
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last)
    end = max(last, FIRST_DATA_ROW)
    status_fills(sheet, f"D{FIRST_DATA_ROW}:D{end}", f"$D{FIRST_DATA_ROW}", lang)

    top = end + 3
    put_text(sheet.cell(top - 1, 1), t("recommendations"))
    advice_columns = [
        Column(t("indicator")),
        Column(t("status")),
        Column(t("evidence_label"), 40, wrap=True),
        Column(t("action"), 60, wrap=True),
        Column(t("expected_effect"), number_format="#,##0.0"),
        Column(t("unit")),
    ]
    # the hospital's first: the departments' falls and alerts rolled up (as on the page)
    advice = [
        [t("hospital_recommendations"), None, None, line, None, None] for line in content.rolled_up
    ]
    advice += [
        [
            r.row.indicator.name(lang),
            labels.status(r.status, lang),
            r.evidence,
            r.action,
            r.effect,
            labels.unit(r.effect_unit, lang) if r.effect_unit else None,
        ]
        for r in content.recommendations
    ]
    if advice:
        write_table(sheet, advice_columns, advice, top=top)
    else:
        put_text(sheet.cell(top, 1), t("no_recommendations"))


def movement_sheet(sheet: Worksheet, content: ReportContent) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    columns = [
        Column(t("movement"), 14),
        Column(t("comparison")),
        Column(t("base_period")),
        Column(t("factor"), 18),
        Column(t("formula"), 24),
        Column(t("arithmetic"), 36),
        Column(t("effect"), 14),
    ]
    rows = []
    for d in content.decompositions:
        is_money = d.id != "bed_occupancy"
        number_format = MONEY_CHANGE if is_money else excel_points_format(lang, 2)
        for term in d.terms:
            rows.append(
                [
                    d.title,
                    d.comparison_label,
                    d.base_period,
                    term.label,
                    term.formula,
                    term.arithmetic,
                    Number(float(term.shown), number_format),
                ]
            )
        rows.append(
            [
                d.title,
                d.comparison_label,
                d.base_period,
                t("total_change"),
                None,
                d.total_arithmetic,
                Number(float(d.change_shown), number_format),
            ]
        )
    heading(sheet, content, t("movement"))
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last)
    legends = list(dict.fromkeys(d.legend for d in content.decompositions))
    for offset, legend in enumerate(legends or [t("no_movement")]):
        put_text(sheet.cell(max(last, FIRST_DATA_ROW) + 2 + offset, 1), legend)


def peers_sheet(sheet: Worksheet, content: ReportContent) -> None:
    lang = content.lang
    t = partial(labels.text, lang=lang)
    peers = content.peers
    columns = [
        Column(t("indicator"), 20),
        Column(t("value")),
        Column(t("rank")),
        Column(t("median")),
        Column(t("lowest")),
        Column(t("highest")),
        Column(t("hospital_value") if peers.against_hospital else t("group_value")),
        Column(t("unit")),
    ]
    rows = []
    for p in peers.rows:
        row = p.row
        rows.append(
            [
                row.indicator.name(lang),
                shown_value(row, lang),
                f"{p.rank}/{p.count}" if p.rank else None,
                indicator_value(p.median, row),
                indicator_value(p.low, row),
                indicator_value(p.high, row),
                indicator_value(p.group_value, row),
                labels.unit(row.indicator.unit, lang),
            ]
        )
    name = t("peers_against_hospital") if peers.against_hospital else t("peers")
    heading(sheet, content, f"{name} · {t('peer_group')}: {peers.group_label}")
    last = write_table(sheet, columns, rows)
    finish_table(sheet, columns, last, freeze_columns=1)
    notes = (
        [peers.fallback_note, t("rank_note_hospital")] if peers.fallback_note else [t("rank_note")]
    )
    for offset, note in enumerate(notes):
        put_text(sheet.cell(max(last, FIRST_DATA_ROW) + 2 + offset, 1), note)
