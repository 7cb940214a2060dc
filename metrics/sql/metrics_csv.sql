-- metrics.csv (METRICS.md, "Output"): metric_report, which metrics.export writes sorted by grain,
-- period, dept and metric (metrics.export.ORDER, at the top of the writer's COPY: an ORDER BY here
-- was not kept), so that two runs over the same inbox give the same file byte for byte. DuckDB
-- writes it through ledgers.excel_text.write_excel_csv, the one CSV writer (a pandas frame of 3 M
-- rows took 23 s at city scale): doubles as Python's shortest round-trip repr, NaN and null as
-- empty cells, ledger text that Excel would read as a formula with a leading apostrophe, UTF-8
-- with a BOM.
-- The sort is on metric_report's own columns, not on the text written. Its text columns are read
-- as the ENUM types of metrics_csv_words.sql (their words, the keys' in text order): the sort and
-- the CSV writer then move small integers, not text. The keys' and the catalogue's texts come by
-- the values' ids from their small tables, cast there (a few hundred rows, not 2 M).
-- months_covered / months_in_period (days for a week), in_progress, prior_reason / yoy_reason and
-- the coverage of a group (depts_included / depts_in_group): METRICS.md, "Periods in progress" and
-- "Groups over longer periods".
with periods as (
    select
        period_id,
        cast(grain as metrics_csv_words.grain) as grain,
        cast(period as metrics_csv_words.period) as period,
        cast(prior_period as metrics_csv_words.period) as prior_period,
        cast(yoy_period as metrics_csv_words.period) as yoy_period
    from metric_fact_periods
),

depts as (
    select dept_id, cast(dept as metrics_csv_words.dept) as dept from metric_fact_depts
),

metrics as (
    select
        m.metric_id,
        cast(c.metric as metrics_csv_words.metric) as metric,
        cast(c.name_zh as metrics_csv_words.name_zh) as name_zh,
        cast(c.name_en as metrics_csv_words.name_en) as name_en,
        cast(c.unit as metrics_csv_words.unit) as unit,
        cast(c.family as metrics_csv_words.family) as family
    from metric_fact_metrics m
    join metric_catalogue c on c.metric = m.metric
)

select
    p.grain,
    p.period,
    d.dept,
    m.metric,
    r.value,
    r.numerator,
    r.denominator,
    r.prior_value,
    r.yoy_value,
    cast(r.status as metrics_csv_words.status) as status,
    r.months_covered,
    r.months_in_period,
    m.name_zh,
    m.name_en,
    m.unit,
    m.family,
    cast(r.reason as metrics_csv_words.reason) as reason,
    p.prior_period,
    r.prior_change,
    r.prior_change_rel,
    cast(r.prior_reason as metrics_csv_words.comparison_reason) as prior_reason,
    p.yoy_period,
    r.yoy_change,
    r.yoy_change_rel,
    cast(r.yoy_reason as metrics_csv_words.comparison_reason) as yoy_reason,
    r.band_low,
    r.band_high,
    r.in_progress,
    r.depts_included,
    r.depts_in_group
from metric_report_keyed r
join periods p on p.period_id = r.period_id
join depts d on d.dept_id = r.dept_id
join metrics m on m.metric_id = r.metric_id
