-- One row per calendar day of the given months, with the period it falls in at every grain.
-- days(P) and workdays(P) are counted from here: they belong to the period, never to a department.
-- A period still in progress (the current quarter, say) counts only the months the warehouse holds.
-- A workday is Monday to Friday, except the configured holidays (法定节假日), plus the configured
-- adjusted workdays (调休上班, a Saturday or Sunday worked in exchange): metrics/holidays.toml.
-- Parameters: $months (first days of the months), $holidays and $adjusted_workdays (dates).
with months as (
    select distinct unnest($months::date[]) as month_start
),

days as (
    select cast(unnest(range(month_start, month_start + interval 1 month, interval 1 day)) as date)
               as day
    from months
)

select
    day,
    strftime(day, '%G-W%V') as week,
    cast(date_trunc('week', day) as date) as week_start,
    strftime(day, '%Y-%m') as month,
    cast(date_trunc('month', day) as date) as month_start,
    strftime(day, '%Y') || '-Q' || quarter(day) as quarter,
    cast(date_trunc('quarter', day) as date) as quarter_start,
    strftime(day, '%Y') as year,
    cast(date_trunc('year', day) as date) as year_start,
    (isodow(day) <= 5 and not list_contains($holidays::date[], day))
        or list_contains($adjusted_workdays::date[], day) as is_workday
from days
