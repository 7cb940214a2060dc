-- A range of whole months (a special-topic report's period, 专题分析, METRICS.md "Periods and
-- aggregation": any grain is the formulas over the measures summed over it), as two periods that
-- period_sums.sql sums like any other:
-- * grain 'range': the months $first_month … $last_month;
-- * grain 'range_ly': the same months one year earlier (the range's 同比).
-- Both carry the same period key, 'YYYY-MM..YYYY-MM' of the range itself. months_in_period is how
-- many months the range spans, months_covered how many of them the warehouse holds: a range the
-- data does not cover whole is not comparable (ranges.py shows its value as not available).
-- Reads: calendar (the held months' days). Parameters: $first_month, $last_month (first days).
with spans as (
    select
        'range' as grain,
        cast($first_month as date) as from_month,
        cast($last_month as date) as to_month
    union all
    select
        'range_ly',
        cast(cast($first_month as date) - interval 1 year as date),
        cast(cast($last_month as date) - interval 1 year as date)
)

select
    s.grain,
    strftime(cast($first_month as date), '%Y-%m') || '..' || strftime(cast($last_month as date), '%Y-%m')
        as period,
    s.from_month as period_start,
    min(c.day) as first_day,
    max(c.day) as last_day,
    last_day(s.to_month) as period_end,
    count(c.day) as days,
    count(c.day) filter (where c.is_workday) as workdays,
    coalesce(list(distinct c.month_start order by c.month_start)
        filter (where c.month_start is not null), []) as months,
    count(distinct c.month_start) as months_held,
    count(distinct c.month_start) as months_covered,
    cast(datediff('month', s.from_month, s.to_month) + 1 as integer) as months_in_period,
    cast(null as varchar) as prior_period,
    cast(null as varchar) as yoy_period
from spans s
left join calendar c on c.month_start between s.from_month and s.to_month
group by s.grain, s.from_month, s.to_month
