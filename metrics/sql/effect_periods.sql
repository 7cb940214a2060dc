-- The four windows of each measure with an indicator (METRICS.md, "Effect of an improvement
-- measure"), as periods that period_sums.sql sums and evaluate.sql evaluates like any other:
-- * effect_before: the 6 whole months before the start month;
-- * effect_after: the months after the start month, up to 6 and up to the data month;
-- * effect_before_ly, effect_after_ly: the same windows one year earlier (the seasonal control).
-- The period key is the measure's id (effect_actions.sql). months_in_period is how many months the
-- window spans, months_covered how many of them the warehouse holds: a window not held whole has
-- no value (effects.sql).
-- Reads: effect_actions, calendar (the held months' days).
with spans as (
    select id, 'effect_before' as grain, start_month - to_months(6) as from_month, 6 as months
    from effect_actions where metric is not null
    union all
    select id, 'effect_after', start_month + to_months(1), after_months
    from effect_actions where metric is not null
    union all
    select id, 'effect_before_ly', start_month - to_months(18), 6
    from effect_actions where metric is not null
    union all
    select id, 'effect_after_ly', start_month - to_months(11), after_months
    from effect_actions where metric is not null
)

select
    s.grain,
    s.id as period,
    cast(s.from_month as date) as period_start,
    min(c.day) as first_day,
    max(c.day) as last_day,
    cast(s.from_month + to_months(s.months) - interval 1 day as date) as period_end,
    count(c.day) as days,
    count(c.day) filter (where c.is_workday) as workdays,
    coalesce(list(distinct c.month_start order by c.month_start)
        filter (where c.month_start is not null), []) as months,
    count(distinct c.month_start) as months_held,
    count(distinct c.month_start) as months_covered,
    s.months as months_in_period,
    cast(null as varchar) as prior_period,
    cast(null as varchar) as yoy_period
from spans s
left join calendar c
    on c.month_start >= s.from_month and c.month_start < s.from_month + to_months(s.months)
group by s.grain, s.id, s.from_month, s.months
