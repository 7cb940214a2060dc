-- Year to date (本年累计, METRICS.md "Economics"): for each month M of $months, three spans of
-- months summed like periods by period_sums.sql, keyed by M:
-- * 'ytd': January to M of M's year;
-- * 'ytd_ly': the same months one year earlier;
-- * 'ly': the whole year before.
-- months_in_period is how many months the span has; months_covered how many the warehouse holds
-- (the formulas use a span only when it holds them all).
-- Reads: calendar (the held months' days). Parameters: $months (first days of the months).
with targets as (
    select distinct unnest($months::date[]) as month_start
),

spans as (
    select
        'ytd' as grain,
        strftime(month_start, '%Y-%m') as period,
        cast(date_trunc('year', month_start) as date) as from_month,
        month_start as to_month,
        month(month_start) as wanted
    from targets
    union all
    select
        'ytd_ly',
        strftime(month_start, '%Y-%m'),
        cast(date_trunc('year', month_start) - interval 1 year as date),
        cast(month_start - interval 1 year as date),
        month(month_start)
    from targets
    union all
    select
        'ly',
        strftime(month_start, '%Y-%m'),
        cast(date_trunc('year', month_start) - interval 1 year as date),
        cast(date_trunc('year', month_start) - interval 1 month as date),
        12
    from targets
)

select
    s.grain,
    s.period,
    min(c.day) as period_start,
    min(c.day) as first_day,
    max(c.day) as last_day,
    cast(null as date) as period_end,
    count(*) as days,
    count(*) filter (where c.is_workday) as workdays,
    list(distinct c.month_start order by c.month_start) as months,
    count(distinct c.month_start) as months_held,
    count(distinct c.month_start) as months_covered,
    any_value(s.wanted) as months_in_period,
    cast(null as varchar) as prior_period,
    cast(null as varchar) as yoy_period
from spans s
join calendar c on c.month_start between s.from_month and s.to_month
group by s.grain, s.period
