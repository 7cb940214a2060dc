-- metrics.csv (METRICS.md, "Output"): metric_report sorted by grain, period, dept and metric, so
-- that two runs over the same inbox give the same file byte for byte. DuckDB writes it (a pandas
-- frame of 3 M rows took 23 s at city scale), in the text pandas wrote before:
-- * a double as Python's shortest round-trip repr (0.1, 1e-05, 100.0, 1e+16, -0.0, inf), which is
--   DuckDB's own double to text; NaN as an empty cell, like null;
-- * text through excel_text_cell (ledgers/excel_text.py: a cell Excel would read as a formula gets a
--   leading apostrophe); an empty text as an empty cell, like null (DuckDB would write "").
-- The sort is on metric_report's own columns (r.), not on the text written.
-- months_covered / months_in_period (days for a week), in_progress, prior_reason / yoy_reason and
-- the coverage of a group (depts_included / depts_in_group): METRICS.md, "Periods in progress" and
-- "Groups over longer periods".
-- Parameters: $path.
copy (
    select
        excel_text_cell(nullif(r.grain, '')) as grain,
        excel_text_cell(nullif(r.period, '')) as period,
        excel_text_cell(nullif(r.dept, '')) as dept,
        excel_text_cell(nullif(r.metric, '')) as metric,
        nullif(r.value, 'nan') as value,
        nullif(r.numerator, 'nan') as numerator,
        nullif(r.denominator, 'nan') as denominator,
        nullif(r.prior_value, 'nan') as prior_value,
        nullif(r.yoy_value, 'nan') as yoy_value,
        excel_text_cell(nullif(r.status, '')) as status,
        r.months_covered,
        r.months_in_period,
        excel_text_cell(nullif(r.name_zh, '')) as name_zh,
        excel_text_cell(nullif(r.name_en, '')) as name_en,
        excel_text_cell(nullif(r.unit, '')) as unit,
        excel_text_cell(nullif(r.family, '')) as family,
        excel_text_cell(nullif(r.reason, '')) as reason,
        excel_text_cell(nullif(r.prior_period, '')) as prior_period,
        nullif(r.prior_change, 'nan') as prior_change,
        nullif(r.prior_change_rel, 'nan') as prior_change_rel,
        r.prior_reason,
        excel_text_cell(nullif(r.yoy_period, '')) as yoy_period,
        nullif(r.yoy_change, 'nan') as yoy_change,
        nullif(r.yoy_change_rel, 'nan') as yoy_change_rel,
        r.yoy_reason,
        nullif(r.band_low, 'nan') as band_low,
        nullif(r.band_high, 'nan') as band_high,
        r.in_progress,
        r.depts_included,
        r.depts_in_group
    from metric_report r
    order by r.grain, r.period, r.dept, r.metric
) to $path (format csv, header, delimiter ',', quote '"', escape '"', nullstr '', comment '')
