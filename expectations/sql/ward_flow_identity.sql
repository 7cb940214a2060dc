-- Ward flow identity (病房日报平衡), day by day:
--   census(d) = census(d−1) + admissions(d) + transfers_in(d) − discharges(d) − transfers_out(d)
-- Grain: one row per department and day where it breaks. The day before may lie in the previous
-- month. Blank transfer cells count as none (many wards keep no transfer columns); a day whose
-- census, admissions or discharges are blank, or whose day before is not in the ledger, cannot be
-- checked and is left to workload_days_missing.
-- Parameters: $months (first days of the months to check).
-- The days are read from their stored table with the id of their sheet, and only the days that
-- break the identity are given their file and sheet (ledger_sources, as the raw_workload view
-- joins them): the window carried every day's lineage text (1.8 M days at region scale:
-- 0.52 -> 0.37 s of CPU).
with days as (
    select
        dept,
        date,
        census,
        admissions,
        discharges,
        transfers_in,
        transfers_out,
        source_id,
        source_row,
        lag(date) over (partition by dept order by date) as previous_date,
        lag(census) over (partition by dept order by date) as previous_census
    from stored_raw_workload
),

checked as (
    select
        *,
        previous_census + admissions + coalesce(transfers_in, 0)
            - discharges - coalesce(transfers_out, 0) as expected_census
    from days
    where
        list_contains($months, cast(date_trunc('month', date) as date))
        and previous_date = date - 1
        and census is not null
        and previous_census is not null
        and admissions is not null
        and discharges is not null
)

select
    c.dept,
    strftime(c.date, '%Y-%m') as period,
    l.file as file,
    l.sheet as sheet,
    c.source_row as "row",
    c.date as day,
    c.census,
    c.previous_census,
    c.admissions,
    coalesce(c.transfers_in, 0) as transfers_in,
    c.discharges,
    coalesce(c.transfers_out, 0) as transfers_out,
    c.expected_census
from checked c
left join ledger_sources l on l.source_id = c.source_id
where c.census <> c.expected_census
