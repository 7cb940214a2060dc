-- metrics.csv (METRICS.md, "Output"): metric_report, which metrics.export writes sorted by grain,
-- period, dept and metric (metrics.export.ORDER, at the top of the writer's COPY: an ORDER BY here
-- was not kept), so that two runs over the same inbox give the same file byte for byte. DuckDB
-- writes it through ledgers.excel_text.write_excel_csv, the one CSV writer (a pandas frame of 3 M
-- rows took 23 s at city scale): doubles as Python's shortest round-trip repr, NaN and null as
-- empty cells, ledger text that Excel would read as a formula with a leading apostrophe, UTF-8
-- with a BOM.
-- The sort is on metric_report's own columns, not on the text written. Its text columns are cast
-- to the ENUM types of metrics_csv_words.sql (their words, the keys' in text order): the sort and
-- the CSV writer then move small integers, not text.
-- months_covered / months_in_period (days for a week), in_progress, prior_reason / yoy_reason and
-- the coverage of a group (depts_included / depts_in_group): METRICS.md, "Periods in progress" and
-- "Groups over longer periods".
select
    cast(r.grain as metrics_csv_words.grain) as grain,
    cast(r.period as metrics_csv_words.period) as period,
    cast(r.dept as metrics_csv_words.dept) as dept,
    cast(r.metric as metrics_csv_words.metric) as metric,
    r.value,
    r.numerator,
    r.denominator,
    r.prior_value,
    r.yoy_value,
    r.status,
    r.months_covered,
    r.months_in_period,
    cast(r.name_zh as metrics_csv_words.name_zh) as name_zh,
    cast(r.name_en as metrics_csv_words.name_en) as name_en,
    cast(r.unit as metrics_csv_words.unit) as unit,
    cast(r.family as metrics_csv_words.family) as family,
    cast(r.reason as metrics_csv_words.reason) as reason,
    cast(r.prior_period as metrics_csv_words.period) as prior_period,
    r.prior_change,
    r.prior_change_rel,
    r.prior_reason,
    cast(r.yoy_period as metrics_csv_words.period) as yoy_period,
    r.yoy_change,
    r.yoy_change_rel,
    r.yoy_reason,
    r.band_low,
    r.band_high,
    r.in_progress,
    r.depts_included,
    r.depts_in_group
from metric_report r
