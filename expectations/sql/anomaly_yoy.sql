-- Each indicator at month grain against the same month last year (同比), from dq_anomaly_baseline
-- (anomaly_baseline.sql). Flagged when
--   - the relative change |value / last year − 1| exceeds $yoy_threshold, both values above 0 and
--     the indicator's numerator at least $yoy_min_count in both months (small counts jump by
--     chance);
--   - the change is more than $z_threshold of the department's usual month-to-month spread (a
--     noisy indicator's year-on-year swings are its noise); and
--   - the change is material.
-- Differences that may cross zero ($yoy_skip_metrics) are left to the z-score. A change the
-- indicator's good way is a note (severity info), not an alarm. A month the department explained
-- in its commentary is not flagged.
-- variant: the message: null (a rise, the check's message), fall; better_… for a note.
-- Grain: one row per department group, indicator and month flagged.
-- Reads: dq_anomaly_baseline.
-- Parameters: $yoy_threshold, $yoy_min_count, $yoy_skip_metrics, $z_threshold.
select
    dept,
    period,
    metric,
    metric_zh,
    metric_en,
    unit,
    value,
    yoy_period,
    yoy_value,
    yoy_value as reference,
    value / yoy_value - 1 as change_pct,
    value / yoy_value - 1 as score,
    cast($yoy_threshold as double) as threshold,
    case when better_yoy then 'info' end as severity,
    nullif(
        case when better_yoy then 'better_' else '' end
        || case when value > yoy_value then 'rise' else 'fall' end,
        'rise'
    ) as variant
from dq_anomaly_baseline
where
    not explained
    and not list_contains($yoy_skip_metrics, metric)
    and value > 0
    and yoy_value > 0
    and numerator >= $yoy_min_count
    and yoy_numerator >= $yoy_min_count
    and abs(value / yoy_value - 1) > $yoy_threshold
    and abs(value - yoy_value) > $z_threshold * spread
    and material_yoy
