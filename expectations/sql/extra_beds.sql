-- Census above open beds (extra beds, 加床): allowed, and reported so the report can say so.
-- Grain: one row per department and month with such a day; file, sheet and row are the first day's.
-- Parameters: $months (first days of the months to check).
with over_beds as (
    select
        *,
        strftime(date, '%Y-%m') as period,
        census - open_beds as extra
    from raw_workload
    where list_contains($months, cast(date_trunc('month', date) as date)) and census > open_beds
),

ranked as (
    select
        *,
        row_number() over (partition by dept, period order by date) as rank,
        count(*) over (partition by dept, period) as days_over,
        max(extra) over (partition by dept, period) as max_extra
    from over_beds
)

select
    dept,
    period,
    source_file as file,
    source_sheet as sheet,
    source_row as "row",
    date as first_day,
    census,
    open_beds,
    days_over,
    max_extra
from ranked
where rank = 1
