-- What both anomaly checks (anomaly_mad_zscore, anomaly_yoy) judge a month of an indicator
-- against: the department's own past. thresholds.toml [anomaly] says why each rule is there.
--   median          of the values of the previous $window_months months (history_months of them)
--   spread          the usual month-to-month deviation, floored:
--                   greatest(MAD / 0.6745, or where the MAD is 0 (more than half the history is
--                            one value) 1.253314 × the mean absolute deviation,
--                            $spread_floor_relative × |median|,
--                            resolution)
--                   (0.6745 and 1.253314 = √(π/2) make both comparable to a standard deviation).
--   resolution      what one unit of the indicator's numerator moves it by: scale / denominator
--                   (1 for a count or an amount). For a ratio over cases (the catalogue gives a
--                   reason for a zero denominator) the numerator is counted, and a count of n
--                   varies by about √n: scale × √max(expected numerator, 1) / denominator, the
--                   expected numerator being |median| × denominator / scale.
--   z               (value − median) / spread: how many usual deviations this month is away
--   zero_history    every month of the history is 0: the spread says nothing, only materiality
--   as_last_year    the same month a year ago was within $z_threshold spreads of this month: a
--                   season, not a jump (that month is in the history window)
--   material_*      the change against the median (or last year) matters: at least min_change in
--                   the indicator's unit ($material_change_by_indicator, else $material_change by
--                   unit), at least $material_relative of the reference, and at least
--                   $material_events units of what the indicator counts (|change| × denominator /
--                   scale: events, visits, hours, CNY)
--   better_*        the change goes the indicator's good way (catalogue direction up or down)
--   explained       the department explained the month in its commentary (topic = indicator id)
-- Grain: one row per department group, indicator and month checked that has a value and history
-- and is material against its median or last year's value (neither check flags any other).
-- Reads: metric_values' stored tables (metric_facts, metric_fact_periods, metric_fact_depts,
-- metric_fact_metrics), metric_catalogue, raw_commentary.
-- Parameters: $months, $window_months, $spread_floor_relative, $z_threshold, $material_relative,
-- $material_events, $material_change, $material_change_by_indicator.
-- The values at month grain, read from metric_values' narrow stored table (metrics/sql/
-- metric_values.sql): each series (a department group's indicator) by its integer ids and each
-- month by its number (year × 12 + month), so that the window below sorts and partitions
-- integers, not text and dates, and carries only the numbers it needs (the text columns cost
-- 1.3 s of CPU at city scale there).
with numbered as (
    select
        f.dept_id,
        f.metric_id,
        f.period_id,
        p.period_start as month,
        year(p.period_start) * 12 + month(p.period_start) as month_number,
        f.value,
        f.numerator,
        f.denominator
    from metric_facts f
    join metric_fact_periods p on p.period_id = f.period_id
    where p.grain = 'month' and f.value is not null
),

-- Each month checked with the values of the previous $window_months months: a window over the
-- series, read in month order (a join on the month range took 9.6 s of CPU at city scale, the
-- window and list functions 2 s; the mean deviation is then summed in month order, the same on
-- every run, where a group-by's order varied its last bits), and the same month a year ago
-- (同比, periods.yoy: twelve months back) from the same series' order.
recent as (
    select
        *,
        list(value) over (
            partition by dept_id, metric_id
            order by month_number
            range between cast($window_months as integer) preceding and 1 preceding
        ) as past,
        first(value) over last_year as yoy_value,
        first(numerator) over last_year as yoy_numerator
    from numbered
    window last_year as (
        partition by dept_id, metric_id
        order by month_number
        range between 12 preceding and 12 preceding
    )
),

centre as (
    select
        c.* exclude (month_number),
        d.dept,
        m.metric,
        k.name_zh as metric_zh,
        k.name_en as metric_en,
        k.unit,
        k.direction,
        k.scale,
        k.zero,
        coalesce(c.denominator, 1) / k.scale as per_unit,
        coalesce($material_change_by_indicator[m.metric], $material_change[k.unit], 0)
            as min_change
    from (
        select *, list_median(past) as median
        from recent
        where list_contains($months, month) and len(past) > 0
    ) c
    join metric_fact_depts d on d.dept_id = c.dept_id
    join metric_fact_metrics m on m.metric_id = c.metric_id
    join metric_catalogue k on k.metric = m.metric
),

-- The change against the median (or last year) matters; a row material against neither is
-- dropped here, before its deviations are measured: no check flags it (8 rows in 9 at city scale).
material as (
    select
        *,
        abs(value - median) >= min_change
            and abs(value - median) >= $material_relative * abs(median)
            and abs(value - median) * per_unit >= $material_events as material_median,
        abs(value - yoy_value) >= min_change
            and abs(value - yoy_value) >= $material_relative * abs(yoy_value)
            and abs(value - yoy_value) * per_unit >= $material_events as material_yoy
    from centre
),

deviation as (
    select
        * exclude (past, gaps),
        len(past) as history_months,
        list_min(past) = 0 and list_max(past) = 0 as zero_history,
        list_median(gaps) as mad,
        list_avg(gaps) as mean_ad
    from (
        select *, list_transform(past, lambda p: abs(p - median)) as gaps
        from material
        where material_median or material_yoy
    )
),

measured as (
    select
        cur.* exclude (mad, mean_ad, zero, dept_id, metric_id, period_id),
        p.period,
        p.yoy_period,
        greatest(
            case
                when cur.mad > 0 then cur.mad / 0.6745
                when cur.mean_ad > 0 then 1.253314 * cur.mean_ad
                else 0
            end,
            $spread_floor_relative * abs(cur.median),
            case
                when not cur.denominator > 0 then 0
                when cur.zero is null then cur.scale / cur.denominator
                else cur.scale * sqrt(greatest(abs(cur.median) * cur.denominator / cur.scale, 1))
                    / cur.denominator
            end
        ) as spread,
        exists (
            select 1 from raw_commentary n
            where n.dept = cur.dept and n.month = cur.month and n.topic = cur.metric
        ) as explained
    from deviation cur
    join metric_fact_periods p on p.period_id = cur.period_id
)

select
    *,
    value - median as change,
    case when spread > 0 then (value - median) / spread end as z,
    yoy_value is not null and abs(value - yoy_value) <= $z_threshold * spread as as_last_year,
    (direction = 'up' and value > median) or (direction = 'down' and value < median)
        as better_median,
    (direction = 'up' and value > yoy_value) or (direction = 'down' and value < yoy_value)
        as better_yoy
from measured
