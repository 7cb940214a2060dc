-- The 同比 window of every period that the data covers only in part (METRICS.md, "Periods in
-- progress"): the same months one year earlier (2026 through October -> 2025-01 … 2025-10, 累计同比),
-- and for a week the same weekdays of the same ISO week a year earlier.
-- Grain: one row per partial period, as a pseudo-period of grain 'yoy:<grain>' keyed by the period
-- it serves, with the columns of periods.sql, so that period_sums.sql and the formulas evaluate it
-- like any period. months_covered is what the warehouse holds of the window (days for a week) and
-- months_in_period what it must hold to compare: a window the data does not cover whole gives no 同比.
-- Reads: periods, calendar.
with partial as (
    select *
    from periods
    where grain in ('week', 'quarter', 'year') and months_covered < months_in_period
),

-- A week's covered days moved to the same weekdays of its 同比 week (yoy_period: the same week
-- number of the ISO year before; its Monday from 4 January, which is always in ISO week 1).
week_window as (
    select
        p.grain,
        p.period,
        p.months_covered as wanted,
        c.day + cast(yoy_monday - p.period_start as integer) as day
    from (
        select
            *,
            make_date(cast(left(yoy_period, 4) as integer), 1, 4)
                - cast(isodow(make_date(cast(left(yoy_period, 4) as integer), 1, 4)) - 1 as integer)
                + cast(7 * (cast(right(yoy_period, 2) as integer) - 1) as integer) as yoy_monday
        from partial
        where grain = 'week'
    ) p
    join calendar c
        on c.week_start = p.period_start and c.day between p.first_day and p.last_day
),

-- A quarter's or year's covered months, one year earlier.
month_window as (
    select p.grain, p.period, p.months_covered as wanted, c.day
    from (select grain, period, months_covered, unnest(months) as month_start from partial
          where grain <> 'week') p
    join calendar c on c.month_start = cast(p.month_start - interval 12 month as date)
),

window_days as (
    select w.grain, w.period, w.wanted, c.day, c.month_start, c.is_workday
    from week_window w
    join calendar c on c.day = w.day
    union all
    select w.grain, w.period, w.wanted, c.day, c.month_start, c.is_workday
    from month_window w
    join calendar c on c.day = w.day
)

select
    'yoy:' || grain as grain,
    period,
    cast(date_trunc('week', min(day)) as date) as period_start,
    min(day) as first_day,
    max(day) as last_day,
    cast(null as date) as period_end,
    count(*) as days,
    count(*) filter (where is_workday) as workdays,
    list(distinct month_start order by month_start) as months,
    count(distinct month_start) as months_held,
    case grain when 'week' then count(*) else count(distinct month_start) end as months_covered,
    any_value(wanted) as months_in_period,
    cast(null as varchar) as prior_period,
    cast(null as varchar) as yoy_period
from window_days
group by grain, period
