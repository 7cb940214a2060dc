-- Spans (metrics.periods.Span: a year to date, a topic report's range, an improvement measure's
-- windows, the 同比 windows of the periods in progress) as rows with the columns of periods.sql,
-- which period_sums.sql sums and the formulas evaluate like any period. Where a span's days come
-- from is metrics/periods.py's to say (its period arithmetic); this counts what the warehouse
-- holds of them: the calendar's days (of the held months) from `first` to `last`, of the listed
-- months only where a span lists them. months_covered is how many months it holds (days, for a
-- week's window), months_in_period how many it must hold to count (the formulas use it only then).
-- A span that must not be empty (keep_empty false) has a row only where it holds a day.
-- Reads: calendar. Parameters: one list per Span field (metrics.periods.span_params).
with spans as (
    select
        unnest($grains::varchar[]) as grain,
        unnest($periods::varchar[]) as period,
        unnest($starts::date[]) as period_start,
        unnest($ends::date[]) as period_end,
        unnest($firsts::date[]) as first_take,
        unnest($lasts::date[]) as last_take,
        unnest($months_in_period::integer[]) as months_in_period,
        unnest($only_months::date[][]) as only_months,
        unnest($keep_empty::boolean[]) as keep_empty
)

select
    s.grain,
    s.period,
    any_value(s.period_start) as period_start,
    min(c.day) as first_day,
    max(c.day) as last_day,
    any_value(s.period_end) as period_end,
    count(c.day) as days,
    count(c.day) filter (where c.is_workday) as workdays,
    coalesce(list(distinct c.month_start order by c.month_start)
        filter (where c.month_start is not null), []) as months,
    count(distinct c.month_start) as months_held,
    case when s.grain in ('week', 'yoy:week') then count(c.day)
        else count(distinct c.month_start) end as months_covered,
    any_value(s.months_in_period) as months_in_period,
    cast(null as varchar) as prior_period,
    cast(null as varchar) as yoy_period
from spans s
left join calendar c
    on c.day between s.first_take and s.last_take
    and (s.only_months is null or list_contains(s.only_months, c.month_start))
group by s.grain, s.period
having any_value(s.keep_empty) or count(c.day) > 0
