-- metrics.csv (METRICS.md, "Output"): metric_report, which metrics.export writes sorted by grain,
-- period, dept and metric (metrics.export.ORDER, at the top of the writer's COPY: an ORDER BY here
-- was not kept), so that two runs over the same inbox give the same file byte for byte. DuckDB
-- writes it through ledgers.excel_text.write_excel_csv, the one CSV writer (a pandas frame of 3 M
-- rows took 23 s at city scale): doubles as Python's shortest round-trip repr, NaN and null as
-- empty cells, ledger text that Excel would read as a formula with a leading apostrophe, UTF-8
-- with a BOM.
-- The sort is on metric_report's own columns, not on the text written.
-- months_covered / months_in_period (days for a week), in_progress, prior_reason / yoy_reason and
-- the coverage of a group (depts_included / depts_in_group): METRICS.md, "Periods in progress" and
-- "Groups over longer periods".
select
    r.grain,
    r.period,
    r.dept,
    r.metric,
    r.value,
    r.numerator,
    r.denominator,
    r.prior_value,
    r.yoy_value,
    r.status,
    r.months_covered,
    r.months_in_period,
    r.name_zh,
    r.name_en,
    r.unit,
    r.family,
    r.reason,
    r.prior_period,
    r.prior_change,
    r.prior_change_rel,
    r.prior_reason,
    r.yoy_period,
    r.yoy_change,
    r.yoy_change_rel,
    r.yoy_reason,
    r.band_low,
    r.band_high,
    r.in_progress,
    r.depts_included,
    r.depts_in_group
from metric_report r
