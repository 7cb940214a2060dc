-- Each indicator at month grain against the same month last year (同比): flagged when the relative
-- change |value / last year − 1| exceeds $yoy_threshold. Both values must be above 0, and the
-- indicator's numerator at least $yoy_min_count in both months (small counts jump by chance).
-- Differences that may cross zero ($yoy_skip_metrics) are left to the z-score. A change the
-- department explained in its commentary (topic = the indicator's id) is not flagged.
-- Grain: one row per department group, indicator and month flagged.
-- Reads: metric_values, metric_catalogue, raw_commentary.
-- Parameters: $months, $yoy_threshold, $yoy_min_count, $yoy_skip_metrics.
with compared as (
    select
        v.dept,
        v.period,
        v.metric,
        v.value,
        v.yoy_period,
        y.value as yoy_value,
        v.value / y.value - 1 as change
    from metric_values v
    join metric_values y
        on y.grain = v.grain and y.period = v.yoy_period and y.dept = v.dept and y.metric = v.metric
    where
        v.grain = 'month'
        and list_contains($months, cast(strptime(v.period, '%Y-%m') as date))
        and not list_contains($yoy_skip_metrics, v.metric)
        and v.value > 0
        and y.value > 0
        and v.numerator >= $yoy_min_count
        and y.numerator >= $yoy_min_count
)

select
    c.dept,
    c.period,
    c.metric,
    k.name_zh as metric_zh,
    k.name_en as metric_en,
    k.unit,
    c.value,
    c.yoy_period,
    c.yoy_value,
    c.yoy_value as reference,
    c.change as change_pct,
    c.change as score,
    cast($yoy_threshold as double) as threshold,
    cast($yoy_threshold as double) as threshold_pct
from compared c
join metric_catalogue k on k.metric = c.metric
anti join raw_commentary n
    on n.dept = c.dept and strftime(n.month, '%Y-%m') = c.period and n.topic = c.metric
where abs(c.change) > $yoy_threshold
