-- One row per grain and period: its calendar days, workdays, the months it spans (those the
-- warehouse holds: a period in progress has fewer), and the periods it is compared with
-- (prior: 环比, the period before; yoy: 同比, the same period a year earlier).
-- Reads: calendar.
with by_grain as (
    select 'week' as grain, week as period, week_start as period_start, day, month_start, is_workday
    from calendar
    union all
    select 'month', month, month_start, day, month_start, is_workday from calendar
    union all
    select 'quarter', quarter, quarter_start, day, month_start, is_workday from calendar
    union all
    select 'year', year, year_start, day, month_start, is_workday from calendar
)

select
    grain,
    period,
    any_value(period_start) as period_start,
    count(*) as days,
    count(*) filter (where is_workday) as workdays,
    list(distinct month_start order by month_start) as months,
    count(distinct month_start) as months_held,
    case grain
        when 'week' then strftime(any_value(period_start) - interval 7 day, '%G-W%V')
        when 'month' then strftime(any_value(period_start) - interval 1 month, '%Y-%m')
        when 'quarter' then strftime(any_value(period_start) - interval 3 month, '%Y')
            || '-Q' || quarter(any_value(period_start) - interval 3 month)
        when 'year' then strftime(any_value(period_start) - interval 1 year, '%Y')
    end as prior_period,
    case grain
        when 'week' then cast(cast(strftime(any_value(period_start), '%G') as integer) - 1 as varchar)
            || strftime(any_value(period_start), '-W%V')
        when 'month' then strftime(any_value(period_start) - interval 1 year, '%Y-%m')
        when 'quarter' then cast(year(any_value(period_start)) - 1 as varchar)
            || '-Q' || quarter(any_value(period_start))
        when 'year' then strftime(any_value(period_start) - interval 1 year, '%Y')
    end as yoy_period
from by_grain
group by grain, period
