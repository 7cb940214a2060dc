-- Each indicator at month grain against the department's own history: the modified z-score
-- (Iglewicz & Hoaglin) on the median absolute deviation of the previous $window_months months,
--   z = 0.6745 × (value − median) / MAD
-- (0.6745 makes the MAD of normal data comparable to its standard deviation). Where MAD is 0 (more
-- than half the history is one value), the mean absolute deviation stands in,
--   z = (value − median) / (1.253314 × MeanAD)
-- (1.253314 = √(π/2) does the same for the mean deviation); where that is 0 too the history is
-- flat and says nothing about spread: no z. Flagged when |z| > $z_threshold and the jump is at
-- least $z_min_relative_change of the median, once at least $min_history months of the window
-- have a value. A jump the department explained in its commentary (topic = the indicator's id) is
-- explained, not flagged.
-- Grain: one row per department group, indicator and month flagged.
-- Reads: metric_values, metric_catalogue, raw_commentary.
-- Parameters: $months, $window_months, $min_history, $z_threshold, $z_min_relative_change.
with observed as (
    select dept, metric, period, cast(strptime(period, '%Y-%m') as date) as month, value
    from metric_values
    where grain = 'month' and value is not null
),

current as (
    select * from observed where list_contains($months, month)
),

history as (
    select c.dept, c.metric, c.month, h.value as past
    from current c
    join observed h
        on h.dept = c.dept
        and h.metric = c.metric
        and h.month >= c.month - to_months(cast($window_months as integer))
        and h.month < c.month
),

centre as (
    select dept, metric, month, median(past) as median, count(*) as history_months
    from history
    group by all
),

spread as (
    select
        h.dept,
        h.metric,
        h.month,
        median(abs(h.past - c.median)) as mad,
        avg(abs(h.past - c.median)) as mean_ad
    from history h
    join centre c using (dept, metric, month)
    group by all
),

scored as (
    select
        cur.*,
        c.median,
        c.history_months,
        s.mad,
        case
            when s.mad > 0 then 0.6745 * (cur.value - c.median) / s.mad
            when s.mean_ad > 0 then (cur.value - c.median) / (1.253314 * s.mean_ad)
        end as z
    from current cur
    join centre c using (dept, metric, month)
    join spread s using (dept, metric, month)
    where c.history_months >= $min_history
)

select
    s.dept,
    s.period,
    s.metric,
    k.name_zh as metric_zh,
    k.name_en as metric_en,
    k.unit,
    s.value,
    s.median,
    s.median as reference,
    s.mad,
    s.value - s.median as change,
    s.history_months,
    round(s.z, 2) as z,
    s.z as score,
    cast($z_threshold as double) as threshold
from scored s
join metric_catalogue k on k.metric = s.metric
anti join raw_commentary c on c.dept = s.dept and c.month = s.month and c.topic = s.metric
where
    abs(s.z) > $z_threshold
    and abs(s.value - s.median) >= $z_min_relative_change * abs(s.median)
