-- Each indicator at month grain against the department's own previous $window_months months
-- (dq_anomaly_baseline, from anomaly_baseline.sql: median, floored spread, materiality,
-- direction). The modified z-score of Iglewicz & Hoaglin, z = (value − median) / spread, with the
-- spread floored so that a steady history does not make every small move an outlier.
-- Flagged once $min_history months of the window have a value, when the change is material and
--   - |z| > $z_threshold, unless the same month a year ago was as far (a season); or
--   - every month of the history was 0 and this one is not (the first non-zero: only
--     materiality decides, a z against a spread of nothing means nothing).
-- A change the indicator's good way is a note (severity info), not an alarm. A month the
-- department explained in its commentary is not flagged.
-- variant: the message: null (a rise, the check's message), fall, first; better_… for a note.
-- Grain: one row per department group, indicator and month flagged.
-- Reads: dq_anomaly_baseline.
-- Parameters: $min_history, $z_threshold.
select
    dept,
    period,
    metric,
    metric_zh,
    metric_en,
    unit,
    value,
    median,
    median as reference,
    change,
    history_months,
    z as score,
    cast($z_threshold as double) as threshold,
    case when better_median then 'info' end as severity,
    nullif(
        case when better_median then 'better_' else '' end
        || case when zero_history then 'first' when change > 0 then 'rise' else 'fall' end,
        'rise'
    ) as variant
from dq_anomaly_baseline
where
    not explained
    and history_months >= $min_history
    and material_median
    and (
        (zero_history and value <> 0)
        or (not zero_history and abs(z) > $z_threshold and not as_last_year)
    )
