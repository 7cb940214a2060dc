-- Census above open beds (extra beds, 加床): allowed, and reported so the report can say so.
-- Grain: one row per department and month with such a day; file, sheet and row are the first day's.
-- Parameters: $months (first days of the months to check).
-- The days are read from their stored table with the id of their sheet; the first day of each
-- department-month is given its file and sheet afterwards (ledger_sources, as the raw_workload
-- view joins them), not every day of the ledger: 1.8 M days at region scale.
with over_beds as (
    select
        dept,
        date,
        census,
        open_beds,
        source_id,
        source_row,
        strftime(date, '%Y-%m') as period,
        census - open_beds as extra
    from stored_raw_workload
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
    r.dept,
    r.period,
    l.file as file,
    l.sheet as sheet,
    r.source_row as "row",
    r.date as first_day,
    r.census,
    r.open_beds,
    r.days_over,
    r.max_extra
from ranked r
left join ledger_sources l on l.source_id = r.source_id
where r.rank = 1
