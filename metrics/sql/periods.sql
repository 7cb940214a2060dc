-- One row per grain and period: its calendar days, workdays, the months it spans (those the
-- warehouse holds), how much of it the data covers, and the periods it is compared with
-- (prior: 环比, the period before; yoy: 同比, the same period a year earlier).
-- Reads: calendar. Parameters: $last_workload_day (the last day of the daily workload ledger).
--
-- Periods in progress (METRICS.md): a quarter or year covers the months the warehouse holds, so
-- one still running has fewer months than it spans: months_covered < months_in_period. A week
-- counts days instead of months, and only the days up to the last day of the daily workload
-- ledger (the weekly indicators are built from it alone): a week whose Sunday is after that day
-- covers fewer than 7. metric_report (report.sql) never compares such a period with a whole one.
with by_grain as (
    select 'week' as grain, week as period, week_start as period_start, day, month_start, is_workday
    from calendar
    where day <= $last_workload_day
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
    min(day) as first_day,
    max(day) as last_day,
    -- the period's own last day, whatever the data holds
    case grain
        when 'week' then cast(any_value(period_start) + interval 6 day as date)
        when 'month' then last_day(any_value(period_start))
        when 'quarter' then cast(any_value(period_start) + interval 3 month - interval 1 day as date)
        else cast(any_value(period_start) + interval 1 year - interval 1 day as date)
    end as period_end,
    count(*) as days,
    count(*) filter (where is_workday) as workdays,
    list(distinct month_start order by month_start) as months,
    count(distinct month_start) as months_held,
    case grain when 'week' then count(*) else count(distinct month_start) end as months_covered,
    case grain when 'week' then 7 when 'month' then 1 when 'quarter' then 3 else 12 end
        as months_in_period,
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
